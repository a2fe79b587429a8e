"""The preset library: real-looking scenarios for the Mikkeli region employment area.

Other employment areas get the no-event baseline only (:func:`presets_for`).

The presets are dated from two months (:func:`library`, :func:`event_months`): the first
simulated month, where the run starts because the calibration ends there (a release runs
them from the month after the latest observation, :func:`forecasting.scenarios.run.
run_presets`), and the release's as-of date (the day it is built), from which a reader
looks ahead. The events lie ahead of both: the closure and the recruitment begin
:data:`LEAD_MONTHS` after the later of the two, the failed tourism season in the first June
from then on. Registers end months before a release is built (data to 2026-06 in a release
of December 2026: the run starts in 2026-07, the closure in February 2027), so an event
dated from the data alone would already lie in the reader's past. :data:`PRESETS` is the
library from a fixed example start (January 2024, no as-of date) for tests and the
benchmarks, whose figures are comparable across releases only with fixed dates. All presets
of one library simulate the same 60 months, so they stack along a ``scenario`` dim. After
the last observed month the baseline repeats the last observed year scaled to the present,
or follows the register forecasts when a caller passes them. The events are illustrative,
sized against the jobs that exist (jobs by workplace and industry, Paavo TP 2017).

Titles and descriptions in the dashboard's languages (:func:`preset_title`,
:func:`preset_description`) name the months of a stored spec's events, so a page shows the
months the release's run used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from forecasting.errors import ValidationError
from forecasting.geography import MIKKELI_AREA
from forecasting.scenarios.spec import Event, ScenarioSpec

#: The example start of :data:`PRESETS` (tests and benchmarks).
START = "2024-01"
HORIZON = 60
#: Months from the later of the first simulated month and the as-of month to the closure's
#: and the recruitment's first month.
LEAD_MONTHS = 2
#: The tourism season's layoffs start in June (the first June at least LEAD_MONTHS ahead).
SEASON_MONTH = 6

#: Month names: English, Swedish, and Finnish in the elative ("from February": helmikuusta).
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"),
    "fi": ("tammikuusta", "helmikuusta", "maaliskuusta", "huhtikuusta", "toukokuusta",
           "kesäkuusta", "heinäkuusta", "elokuusta", "syyskuusta", "lokakuusta",
           "marraskuusta", "joulukuusta"),
}  # fmt: skip
#: "from <month>" by language.
_FROM = {"en": "from {month} {year}", "sv": "från och med {month} {year}",
         "fi": "{month} {year} alkaen"}  # fmt: skip


def from_month(month: str | pd.Period, lang: str = "en") -> str:
    """``"from February 2027"`` in ``lang`` (fi: ``"helmikuusta 2027 alkaen"``, sv: ``"från
    och med februari 2027"``; English for another language) of a ``YYYY-MM`` month."""
    lang = lang if lang in _FROM else "en"
    period = pd.Period(month, "M")
    name = _MONTHS[lang][period.month - 1]
    return _FROM[lang].format(month=name, year=period.year)


def event_months(
    start: str, as_of: str | dt.date | None = None, horizon: int = HORIZON
) -> tuple[pd.Period, pd.Period]:
    """``(lead, season)``: the closure's and the recruitment's first month, and the tourism
    layoffs' (a June), for a window starting at ``start`` (``YYYY-MM``, the first simulated
    month) read at ``as_of`` (a date or ``YYYY-MM``; None: at the start).

    ``lead`` is :data:`LEAD_MONTHS` after the later of the start and the as-of month, so
    every event lies ahead of the data the run starts from and of the day it is read;
    ``season`` is the first June at or after ``lead``.

    Raises
    ------
    ValidationError
        ``as_of``: so far after ``start`` that the events leave the ``horizon`` months of the
        window (the data are years older than the release: build it on fresher data).
    """
    first = pd.Period(start, "M")
    present = first if as_of is None else max(first, pd.Period(as_of, "M"))
    lead = present + LEAD_MONTHS
    year = lead.year if lead.month <= SEASON_MONTH else lead.year + 1
    season = pd.Period(year=year, month=SEASON_MONTH, freq="M")
    last = first + (horizon - 1)
    if season > last:
        raise ValidationError(
            "as_of",
            f"the presets read at {present} would start their events in {lead}..{season}, "
            f"after the last simulated month {last} of the window from {start}: the data "
            "end too long before the as-of date",
        )
    return lead, season


#: The presets' descriptions in the dashboard's languages; ``{start}`` is the event's first
#: month as :func:`from_month` words it. The English one is the spec's ``description``, which
#: the API gives without the title, so each is a sentence of its own ("The closure removes
#: 300 jobs ...", not "Its 300 jobs go ..."); the scenario page and the monthly review print
#: it after the title (:data:`TITLES`), so it says what the title does not rather than
#: repeating it.
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "baseline": {
        "en": (
            "The model is calibrated to the registers and simulated without events; its "
            "draws show the Monte Carlo spread."
        ),
        "fi": (
            "Malli on kalibroitu rekistereihin ja simuloitu ilman tapahtumia; sen arvonnat "
            "näyttävät Monte Carlo -hajonnan."
        ),
        "sv": (
            "Modellen är kalibrerad mot registren och simulerad utan händelser; dess "
            "dragningar visar Monte Carlo-spridningen."
        ),
    },
    "mantyharju_manufacturing_closure": {
        "en": (
            "The closure removes 300 jobs over three months {start}, about half of the "
            "municipality's 596 manufacturing jobs (Pertunmaa included), and more are lost "
            "at suppliers and in local services as spending falls."
        ),
        "fi": (
            "Sulkeminen vie 300 työpaikkaa kolmen kuukauden aikana {start}, noin puolet "
            "kunnan 596 teollisuuden työpaikasta (Pertunmaa mukaan lukien), ja lisää "
            "työpaikkoja häviää alihankkijoilta ja palveluista kulutuksen vähentyessä."
        ),
        "sv": (
            "Nedläggningen tar bort 300 arbetsplatser under tre månader {start}, ungefär "
            "hälften av kommunens 596 arbetsplatser inom industrin (Pertunmaa medräknad), och "
            "fler går förlorade hos underleverantörer och inom service när konsumtionen "
            "minskar."
        ),
    },
    "mikkeli_health_care_employer": {
        "en": "The employer recruits its 500 staff over twelve months {start}.",
        "fi": "Työnantaja rekrytoi 500 työntekijäänsä kahdentoista kuukauden aikana {start}.",
        "sv": "Arbetsgivaren rekryterar sina 500 anställda under tolv månader {start}.",
    },
    "puumala_tourism_season": {
        "en": (
            "Accommodation and food services temporarily lay off 30 employees for four "
            "months {start}; 70% of them are then recalled."
        ),
        "fi": (
            "Majoitus- ja ravitsemistoiminta lomauttaa 30 työntekijää neljäksi kuukaudeksi "
            "{start}; heistä 70 % palaa sen jälkeen töihin."
        ),
        "sv": (
            "Hotell- och restaurangverksamheten permitterar 30 anställda i fyra månader "
            "{start}; 70 % av dem återkallas sedan till arbetet."
        ),
    },
}


def library(start: str = START, as_of: str | dt.date | None = None) -> dict[str, ScenarioSpec]:
    """The presets with ``start`` (``YYYY-MM``) as their first simulated month, read at
    ``as_of`` (the release's as-of date; None: at the start): the closure and the
    recruitment begin :data:`LEAD_MONTHS` after the later of the two, announced in that
    later month, the failed tourism season in the first June from then on
    (:func:`event_months`; ``library(START)`` is :data:`PRESETS`).

    Raises
    ------
    ValidationError
        ``as_of``: the events would leave the window (:func:`event_months`).
    """
    first = pd.Period(start, "M")
    lead, season = event_months(str(first), as_of, HORIZON)
    announced = lead - LEAD_MONTHS

    def described(name: str, month: pd.Period | None = None) -> str:
        text = DESCRIPTIONS[name]["en"]
        return text if month is None else text.format(start=from_month(month, "en"))

    return {
        "baseline": ScenarioSpec(
            name="baseline",
            description=described("baseline"),
            start=str(first),
            horizon_months=HORIZON,
        ),
        "mantyharju_manufacturing_closure": ScenarioSpec(
            name="mantyharju_manufacturing_closure",
            description=described("mantyharju_manufacturing_closure", lead),
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
                    announced=str(announced),
                )
            ],
        ),
        "mikkeli_health_care_employer": ScenarioSpec(
            name="mikkeli_health_care_employer",
            description=described("mikkeli_health_care_employer", lead),
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
            description=described("puumala_tourism_season", season),
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


def presets_for(
    area: str = MIKKELI_AREA, start: str = START, as_of: str | dt.date | None = None
) -> dict[str, ScenarioSpec]:
    """The presets of an employment area from ``start`` read at ``as_of``: the whole
    :func:`library` for TA23; for another area only the no-event ``baseline`` of that area
    (the illustrative events name Mikkeli-region municipalities and employers)."""
    presets = library(start, as_of)
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


def _first_event_month(spec: ScenarioSpec | Mapping[str, Any] | None) -> str | None:
    """The first month (``YYYY-MM``) of the events of ``spec`` (a spec, or its JSON as a
    release stores it in ``scenario_specs``); None without events."""
    if spec is None:
        return None
    events = spec.events if isinstance(spec, ScenarioSpec) else spec.get("events") or []
    starts = [str(e.start if isinstance(e, Event) else e.get("start", "") or "") for e in events]
    starts = [s for s in starts if s]
    return min(starts) if starts else None


def preset_title(name: str, lang: str, spec: ScenarioSpec | Mapping[str, Any] | None = None) -> str:
    """The human name of preset ``name`` in ``lang`` (fi, sv, en; English for another
    language); with its ``spec`` (as run, e.g. from a release's ``scenario_specs``) followed
    by the month its events begin (:func:`from_month`). A name that is not a preset is
    returned as it is."""
    titles = TITLES.get(name)
    if titles is None:
        return name
    title = titles.get(lang, titles["en"])
    month = _first_event_month(spec)
    return title if month is None else f"{title} {from_month(month, lang)}"


def preset_description(
    name: str, lang: str, spec: ScenarioSpec | Mapping[str, Any] | None = None
) -> str:
    """What preset ``name`` simulates, in ``lang`` (fi, sv, en; English for another
    language), with the month its events begin in ``spec`` (as run). "" for a name that is
    not a preset, or for a dated preset without its spec (no month to name)."""
    texts = DESCRIPTIONS.get(name)
    if texts is None:
        return ""
    text = texts.get(lang, texts["en"])
    if "{start}" not in text:
        return text
    month = _first_event_month(spec)
    return "" if month is None else text.format(start=from_month(month, lang))
