"""The preset library: real-looking scenarios for the Mikkeli region employment area.

Other employment areas get the no-event baseline only (:func:`presets_for`).

All presets simulate the same 60 months from January 2024 (after the last observed month
the baseline repeats the last observed year, or follows the register forecasts when a
caller passes them), so they stack along a ``scenario`` dim. The events are illustrative,
sized against the jobs that exist (jobs by workplace and industry, Paavo TP 2017).
"""

from __future__ import annotations

from forecasting.geography import MIKKELI_AREA
from forecasting.scenarios.spec import Event, ScenarioSpec

START = "2024-01"
HORIZON = 60

PRESETS: dict[str, ScenarioSpec] = {
    "baseline": ScenarioSpec(
        name="baseline",
        description="No events: the calibrated baseline with its Monte Carlo spread.",
        start=START,
        horizon_months=HORIZON,
    ),
    "mantyharju_manufacturing_closure": ScenarioSpec(
        name="mantyharju_manufacturing_closure",
        description=(
            "A manufacturing plant in Mäntyharju closes: 300 jobs go over three months "
            "from March 2024 (about half of the municipality's 596 manufacturing jobs, "
            "Pertunmaa included), with supplier and spending effects."
        ),
        start=START,
        horizon_months=HORIZON,
        events=[
            Event(
                kind="closure",
                municipality="507",
                industry="C",
                jobs=300,
                start="2024-03",
                phase_in_months=3,
                company="illustrative manufacturing plant",
                announced="2024-01",
            )
        ],
    ),
    "mikkeli_health_care_employer": ScenarioSpec(
        name="mikkeli_health_care_employer",
        description=(
            "A large health and social care employer opens in Mikkeli: 500 jobs recruited "
            "over twelve months from March 2024."
        ),
        start=START,
        horizon_months=HORIZON,
        events=[
            Event(
                kind="recruitment",
                municipality="491",
                industry="Q",
                jobs=500,
                start="2024-03",
                phase_in_months=12,
                company="illustrative care employer",
            )
        ],
    ),
    "puumala_tourism_season": ScenarioSpec(
        name="puumala_tourism_season",
        description=(
            "A failed summer season in Puumala: 30 jobs in accommodation and food services "
            "temporarily laid off for four months from June 2024, 70 % recalled."
        ),
        start=START,
        horizon_months=HORIZON,
        events=[
            Event(
                kind="temporary_layoff",
                municipality="623",
                industry="I",
                jobs=30,
                start="2024-06",
                duration_months=4,
                recall_share=0.7,
                company="illustrative tourism businesses",
            )
        ],
    ),
}


def presets_for(area: str = MIKKELI_AREA) -> dict[str, ScenarioSpec]:
    """The presets of an employment area: all of :data:`PRESETS` for TA23; for another area
    only the no-event ``baseline`` of that area (the illustrative events name Mikkeli-region
    municipalities and employers)."""
    if area == MIKKELI_AREA:
        return dict(PRESETS)
    base = PRESETS["baseline"].model_dump()
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
