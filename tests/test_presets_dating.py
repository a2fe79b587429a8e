"""The preset scenarios' events lie ahead of the release's as-of date, not only of its data.

The registers end months before a release is built (data to 2026-06, built 2026-12-07): the
runs start after the data (2026-07, what the calibration is fitted on), but a closure dated
LEAD_MONTHS after that (September 2026) was, for a planner reading the release in December,
an event in a past that never happened. The events now begin LEAD_MONTHS after the later of
the first simulated month and the as-of month; the tourism season in the first June then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecasting.errors import ValidationError
from forecasting.scenarios.presets import (
    HORIZON,
    LEAD_MONTHS,
    PRESETS,
    SEASON_MONTH,
    START,
    event_months,
    library,
    preset_description,
    preset_title,
)

months = st.builds(
    lambda y, m: pd.Period(year=y, month=m, freq="M"), st.integers(2010, 2040), st.integers(1, 12)
)


@given(first=months, offset=st.integers(-60, HORIZON))
def test_every_event_lies_ahead_of_the_data_and_of_the_as_of_month(first, offset):
    """For any first simulated month and as-of month: every event month is at least
    LEAD_MONTHS after the later of the two and inside the window, the season is the first
    June from then on, and the closure is announced no later than it starts; an as-of month
    that pushes the season out of the window is refused naming ``as_of``."""
    as_of = first + offset
    floor = max(first, as_of) + LEAD_MONTHS
    june = pd.Period(year=floor.year + (floor.month > SEASON_MONTH), month=6, freq="M")
    if june > first + (HORIZON - 1):
        with pytest.raises(ValidationError, match="as_of"):
            library(str(first), as_of=str(as_of))
        return
    lib = library(str(first), as_of=str(as_of))
    assert list(lib) == list(PRESETS)
    for spec in lib.values():
        assert spec.start == str(first) and spec.horizon_months == HORIZON
        for event in spec.events:
            month = pd.Period(event.start, "M")
            assert floor <= month <= first + (HORIZON - 1)
            assert event.announced is None or pd.Period(event.announced, "M") <= month
    closure = lib["mantyharju_manufacturing_closure"].events[0]
    assert pd.Period(closure.start, "M") == floor
    assert pd.Period(lib["mikkeli_health_care_employer"].events[0].start, "M") == floor
    season = pd.Period(lib["puumala_tourism_season"].events[0].start, "M")
    assert season == june and season.month == SEASON_MONTH and 0 <= (season - floor).n < 12


@given(first=months)
def test_without_an_as_of_date_the_library_is_dated_from_its_start(first):
    """No as-of date, or one not after the start: the events are dated from the start (the
    fixed example library PRESETS stays as the tests and benchmarks know it)."""
    assert library(str(first)) == library(str(first), as_of=str(first - 7))
    assert library(str(first)) == library(str(first), as_of=str(first))
    assert library(START) == PRESETS
    assert PRESETS["mantyharju_manufacturing_closure"].events[0].start == "2024-03"
    assert PRESETS["puumala_tourism_season"].events[0].start == "2024-06"


def test_a_release_of_december_2026_on_data_to_june_2026():
    """The case a planner met: data to 2026-06, release built 2026-12-07. The runs start in
    2026-07; the closure and the recruitment in February 2027, the season in June 2027,
    and the descriptions and titles say so in every language."""
    lead, season = event_months("2026-07", dt.date(2026, 12, 7))
    assert (str(lead), str(season)) == ("2027-02", "2027-06")
    lib = library("2026-07", as_of=dt.date(2026, 12, 7))
    closure = lib["mantyharju_manufacturing_closure"]
    assert closure.start == "2026-07" and closure.events[0].announced == "2026-12"
    assert "from February 2027" in (closure.description or "")
    assert "September 2026" not in (closure.description or "")
    spec = closure.model_dump(mode="json")  # as a release stores it in scenario_specs
    assert preset_description(closure.name, "fi", spec).count("helmikuusta 2027 alkaen") == 1
    assert "från och med februari 2027" in preset_description(closure.name, "sv", spec)
    assert preset_description(closure.name, "en", spec) == closure.description
    assert preset_title(closure.name, "fi", spec) == (
        "Teollisuuslaitos sulkee Mäntyharjulla (300 työpaikkaa) helmikuusta 2027 alkaen"
    )
    season_spec = lib["puumala_tourism_season"].model_dump(mode="json")
    assert preset_title("puumala_tourism_season", "en", season_spec).endswith("from June 2027")
    assert preset_title("baseline", "sv", lib["baseline"]) == "Grundbana (inga händelser)"
    assert preset_description("mikkeli_health_care_employer", "fi") == ""  # no spec: no month


def test_the_release_step_hands_the_build_date_down(monkeypatch, tmp_path):
    """The release's ``scenarios`` step passes the build's date (BuildContext.today) to
    run_presets as the as-of date, and its step key follows that date (a cached result of
    an earlier day would date the events from that day)."""
    import forecasting.scenarios as scenarios
    import forecasting.scenarios.baseline as baseline
    from forecasting import release
    from forecasting.release import products
    from forecasting.release.registry import BuildContext

    seen: dict[str, object] = {}

    def fake_run_presets(**kwargs: object) -> object:
        seen.update(kwargs)
        return "presets"

    monkeypatch.setattr(scenarios, "run_presets", fake_run_presets)
    monkeypatch.setattr(baseline, "calibrate", lambda cubes, area: "calibration")
    ctx = BuildContext(
        scope="area", area="TA23", seed=1, municipalities=("491",), areas=("491", "TA23"),
        cube_versions=(), data_through=(), code_version="c1", code_fingerprint="f1",
        work_dir=str(tmp_path), today="2026-12-07",
    )  # fmt: skip
    assert products._scenarios(ctx, {}, {}) == "presets"  # type: ignore[arg-type]
    assert seen["as_of"] == dt.date(2026, 12, 7)
    product = release.registered()["scenarios"]
    next_day = dataclasses.replace(ctx, today="2026-12-08")
    assert release.step_key(ctx, product) != release.step_key(next_day, product)


def test_run_presets_places_the_events_after_the_as_of_date(ta23):
    """run_presets on the TA23 calibration (data to 2026-06) read at 2026-12-07: the stored
    specs start the runs in 2026-07 and the events in 2027-02 and 2027-06."""
    from forecasting.scenarios.run import run_presets

    ds = run_presets(seed=1, draws=2, calibration=ta23, as_of=dt.date(2026, 12, 7))
    specs = json.loads(ds.attrs["scenario_specs"])
    starts = {name: [e["start"] for e in spec["events"]] for name, spec in specs.items()}
    assert {spec["start"] for spec in specs.values()} == {"2026-07"}
    assert starts == {
        "baseline": [],
        "mantyharju_manufacturing_closure": ["2027-02"],
        "mikkeli_health_care_employer": ["2027-02"],
        "puumala_tourism_season": ["2027-06"],
    }
    assert ds.attrs["presets_as_of"] == "2026-12-07"
