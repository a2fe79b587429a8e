"""The preset library: real-looking scenarios for the Mikkeli region employment area.

Other employment areas get the no-event baseline only (:func:`presets_for`).

The presets are dated from a first simulated month (:func:`library`): a release runs them
from the present (the month after the latest observation, :func:`forecasting.scenarios.run.
run_presets`), so their events lie ahead of the data, not in the past. :data:`PRESETS` is
the library from a fixed example start (January 2024) for tests and the benchmarks, whose
figures are comparable across releases only with fixed dates. All presets of one library
simulate the same 60 months, so they stack along a ``scenario`` dim. After the last observed
month the baseline repeats the last observed year scaled to the present, or follows the
register forecasts when a caller passes them. The events are illustrative, sized against the
jobs that exist (jobs by workplace and industry, Paavo TP 2017).
"""

from __future__ import annotations

import pandas as pd

from forecasting.geography import MIKKELI_AREA
from forecasting.scenarios.spec import Event, ScenarioSpec

#: The example start of :data:`PRESETS` (tests and benchmarks).
START = "2024-01"
HORIZON = 60
#: Months from the first simulated month to the closure's and the recruitment's first month.
LEAD_MONTHS = 2
#: The tourism season's layoffs start in June (the first June at least LEAD_MONTHS ahead).
SEASON_MONTH = 6

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def _name(month: pd.Period) -> str:
    return f"{_MONTHS[month.month - 1]} {month.year}"


def library(start: str = START) -> dict[str, ScenarioSpec]:
    """The presets with ``start`` (``YYYY-MM``) as their first simulated month: the closure
    and the recruitment begin :data:`LEAD_MONTHS` later, the failed tourism season in the
    first June at least that far ahead (``library(START)`` is :data:`PRESETS`)."""
    first = pd.Period(start, "M")
    lead = first + LEAD_MONTHS
    season = pd.Period(year=lead.year if lead.month <= SEASON_MONTH else lead.year + 1,
                       month=SEASON_MONTH, freq="M")  # fmt: skip
    return {
        "baseline": ScenarioSpec(
            name="baseline",
            description="No events: the calibrated baseline with its Monte Carlo spread.",
            start=str(first),
            horizon_months=HORIZON,
        ),
        "mantyharju_manufacturing_closure": ScenarioSpec(
            name="mantyharju_manufacturing_closure",
            description=(
                "A manufacturing plant in Mäntyharju closes: 300 jobs go over three months "
                f"from {_name(lead)} (about half of the municipality's 596 manufacturing jobs, "
                "Pertunmaa included), with supplier and spending effects."
            ),
            start=str(first),
            horizon_months=HORIZON,
            events=[
                Event(
                    kind="closure",
                    municipality="507",
                    industry="C",
                    jobs=300,
                    start=str(lead),
                    phase_in_months=3,
                    company="illustrative manufacturing plant",
                    announced=str(first),
                )
            ],
        ),
        "mikkeli_health_care_employer": ScenarioSpec(
            name="mikkeli_health_care_employer",
            description=(
                "A large health and social care employer opens in Mikkeli: 500 jobs recruited "
                f"over twelve months from {_name(lead)}."
            ),
            start=str(first),
            horizon_months=HORIZON,
            events=[
                Event(
                    kind="recruitment",
                    municipality="491",
                    industry="Q",
                    jobs=500,
                    start=str(lead),
                    phase_in_months=12,
                    company="illustrative care employer",
                )
            ],
        ),
        "puumala_tourism_season": ScenarioSpec(
            name="puumala_tourism_season",
            description=(
                "A failed summer season in Puumala: 30 jobs in accommodation and food services "
                f"temporarily laid off for four months from {_name(season)}, 70 % recalled."
            ),
            start=str(first),
            horizon_months=HORIZON,
            events=[
                Event(
                    kind="temporary_layoff",
                    municipality="623",
                    industry="I",
                    jobs=30,
                    start=str(season),
                    duration_months=4,
                    recall_share=0.7,
                    company="illustrative tourism businesses",
                )
            ],
        ),
    }


#: The library from the example start :data:`START` (tests, benchmarks).
PRESETS: dict[str, ScenarioSpec] = library(START)


def presets_for(area: str = MIKKELI_AREA, start: str = START) -> dict[str, ScenarioSpec]:
    """The presets of an employment area from ``start``: the whole :func:`library` for TA23;
    for another area only the no-event ``baseline`` of that area (the illustrative events
    name Mikkeli-region municipalities and employers)."""
    presets = library(start)
    if area == MIKKELI_AREA:
        return presets
    base = presets["baseline"].model_dump()
    return {"baseline": ScenarioSpec(**{**base, "area": area})}


#: The presets' human names in the dashboard's languages (``PRESETS`` ids as keys).
TITLES: dict[str, dict[str, str]] = {
    "baseline": {
        "fi": "Perusura (ei tapahtumia)",
        "sv": "Grundbana (inga händelser)",
        "en": "Baseline (no events)",
    },
    "mantyharju_manufacturing_closure": {
        "fi": "Teollisuuslaitos sulkee Mäntyharjulla (300 työpaikkaa)",
        "sv": "En industrianläggning i Mäntyharju läggs ned (300 arbetsplatser)",
        "en": "A manufacturing plant closes in Mäntyharju (300 jobs)",
    },
    "mikkeli_health_care_employer": {
        "fi": "Suuri sosiaali- ja terveysalan työnantaja Mikkeliin (500 työpaikkaa)",
        "sv": "En stor arbetsgivare inom vård och omsorg till S:t Michel (500 arbetsplatser)",
        "en": "A large health and social care employer opens in Mikkeli (500 jobs)",
    },
    "puumala_tourism_season": {
        "fi": "Epäonnistunut matkailukesä Puumalassa (30 lomautettua)",
        "sv": "En misslyckad turistsommar i Puumala (30 permitterade)",
        "en": "A failed tourist season in Puumala (30 laid off)",
    },
}


def preset_title(name: str, lang: str) -> str:
    """The human name of preset ``name`` in ``lang`` (fi, sv, en; English for another
    language); a name that is not a preset is returned as it is."""
    titles = TITLES.get(name)
    if titles is None:
        return name
    return titles.get(lang, titles["en"])
