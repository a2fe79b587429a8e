"""Scenario specs: bad specs are refused with the field and the reason."""

from __future__ import annotations

import pydantic
import pytest
from pydantic import BaseModel

from forecasting import geography
from forecasting.errors import ValidationError
from forecasting.scenarios import ScenarioSpec, run_scenario
from forecasting.scenarios.run import as_spec
from forecasting.settings import get_settings

CLOSURE = {
    "kind": "closure",
    "municipality": "507",
    "industry": "C",
    "jobs": 300,
    "start": "2024-03",
}


def spec(**event_changes: object) -> dict:
    return {"start": "2024-01", "horizon_months": 24, "events": [CLOSURE | event_changes]}


def _pydantic_locs(exc: pydantic.ValidationError) -> list[tuple]:
    return [tuple(e["loc"]) for e in exc.errors()]


@pytest.mark.parametrize(
    ("changes", "loc", "reason"),
    [
        ({"municipality": "999"}, ("events", 0, "municipality"), "unknown area code"),
        ({"municipality": "TA23"}, ("events", 0, "municipality"), "not a municipality"),
        ({"industry": "Z"}, ("events", 0, "industry"), "Input should be"),
        ({"jobs": -5}, ("events", 0, "jobs"), "greater than 0"),
        ({"jobs": 0}, ("events", 0, "jobs"), "greater than 0"),
        ({"start": "2024-13"}, ("events", 0, "start"), "pattern"),
        ({"recall_share": 0.5}, ("events", 0), "temporary_layoff only"),
        ({"multiplier": 3.0}, ("events", 0, "multiplier"), "less than or equal to 2.6"),
        ({"phase_in_months": -1}, ("events", 0, "phase_in_months"), "greater than or equal"),
    ],
)
def test_malformed_events_are_refused_with_field_and_reason(changes, loc, reason):
    with pytest.raises(pydantic.ValidationError) as info:
        ScenarioSpec.model_validate(spec(**changes))
    assert loc in _pydantic_locs(info.value)
    assert reason in str(info.value)


def test_horizon_over_the_cap_is_refused():
    cap = get_settings().scenario.max_horizon_months
    assert cap == 120
    with pytest.raises(pydantic.ValidationError) as info:
        ScenarioSpec.model_validate(spec() | {"horizon_months": 121})
    assert ("horizon_months",) in _pydantic_locs(info.value)
    assert "over the maximum of 120" in str(info.value)


def test_draws_over_the_cap_are_refused_in_the_spec_and_the_call(ta23):
    cap = get_settings().scenario.max_draws
    with pytest.raises(pydantic.ValidationError) as info:
        ScenarioSpec.model_validate(spec() | {"draws": cap + 1})
    assert ("draws",) in _pydantic_locs(info.value)
    with pytest.raises(ValidationError) as err:
        run_scenario(spec(), calibration=ta23, draws=cap + 1, seed=1)
    assert err.value.field == "draws"
    assert "cap" in err.value.reason


def test_multiplier_overrides_are_bounded():
    with pytest.raises(pydantic.ValidationError, match=r"must lie in \[1.0, 2.6\]"):
        ScenarioSpec.model_validate(spec() | {"multipliers": {"C": 0.5}})


def test_every_employment_area_is_accepted():
    for code in geography.aggregate_codes("employment_area"):
        assert ScenarioSpec.model_validate({"area": code.lower()}).area == code


@pytest.mark.parametrize(
    ("area", "reason"),
    [
        ("TA99", "unknown area code"),
        ("XYZ", "unknown area code"),
        ("MK10", "not an employment area"),
        ("491", "not an employment area"),
    ],
)
def test_unknown_or_non_employment_areas_are_refused(cubes, area, reason):
    with pytest.raises(pydantic.ValidationError, match=reason) as info:
        ScenarioSpec.model_validate(spec() | {"area": area})
    assert ("area",) in _pydantic_locs(info.value)
    with pytest.raises(ValidationError) as err:
        run_scenario(spec() | {"area": area}, cubes, draws=2, seed=1)
    assert err.value.field == "area"


def test_an_event_outside_the_chosen_area_is_refused(cubes):
    # Mäntyharju (507) is in TA23, not in Helsinki's employment area TA08.
    with pytest.raises(ValidationError) as info:
        run_scenario(spec() | {"area": "TA08"}, cubes, draws=2, seed=1)
    assert info.value.field == "events[0].municipality"
    assert "not a municipality of TA08 (091)" in info.value.reason


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"municipality": "091"}, "events[0].municipality", "not a municipality of TA23"),
        ({"jobs": 700}, "events[0].jobs", "only 596 exist"),
        ({"start": "2031-01"}, "events[0].start", "outside the simulated months"),
    ],
)
def test_specs_the_data_contradict_are_refused(ta23, changes, field, reason):
    with pytest.raises(ValidationError) as info:
        run_scenario(spec(**changes), calibration=ta23, draws=2, seed=1)
    assert info.value.field == field
    assert reason in info.value.reason


def test_two_events_together_cannot_remove_more_jobs_than_exist(ta23):
    two = spec()
    two["events"] = [CLOSURE | {"jobs": 400}, CLOSURE | {"kind": "dismissal", "jobs": 250}]
    with pytest.raises(ValidationError) as info:
        run_scenario(two, calibration=ta23, draws=2, seed=1)
    assert info.value.field == "events[1].jobs"


def test_start_before_the_burn_in_is_refused(ta23):
    with pytest.raises(ValidationError) as info:
        run_scenario({"start": "2007-01", "horizon_months": 12}, calibration=ta23, draws=2, seed=1)
    assert info.value.field == "start"


def test_merged_municipality_maps_to_its_successor():
    # Pertunmaa (588) merged into Mäntyharju (507) on 1.1.2025.
    parsed = ScenarioSpec.model_validate(spec(municipality="588"))
    assert parsed.events[0].municipality == "507"


def test_foreign_pydantic_specs_with_none_fields_are_accepted():
    class ApiSpec(BaseModel):
        name: str | None = None
        events: list[dict]
        horizon_months: int = 24
        draws: int = 10
        seed: int = 0

    converted = as_spec(ApiSpec(events=[CLOSURE | {"recall_share": None}]))
    assert converted.name == "scenario"
    assert converted.draws == 10 and converted.seed == 0


def test_run_scenario_names_the_field_of_a_malformed_dict(ta23):
    with pytest.raises(ValidationError) as info:
        run_scenario(spec(jobs=-3), calibration=ta23, draws=2, seed=1)
    assert info.value.field == "events[0].jobs"
    assert "greater than 0" in info.value.reason


def test_a_refusal_names_each_field_once_and_in_plain_words():
    """It read "horizon_months: horizon_months: Value error, horizon of ...": the field twice
    and pydantic's prefix before the validator's own words."""
    with pytest.raises(ValidationError) as info:
        as_spec({"horizon_months": 100_000, "events": [CLOSURE]})
    assert info.value.field == "horizon_months"
    assert info.value.reason == "horizon of 100000 months is over the maximum of 120"
    assert str(info.value).count("horizon_months") == 1
    with pytest.raises(ValidationError) as info:
        as_spec({"horizon_months": 100_000, "events": [CLOSURE | {"jobs": -3}]})
    reason = info.value.reason
    first, *others = reason.split("; ")
    assert "Value error" not in reason and others  # two refusals, the second named
    assert not first.startswith(info.value.field)  # the first field is the error's own
    assert all(o.split(": ")[0] in ("events[0].jobs", "horizon_months") for o in others)
    assert str(info.value).count(info.value.field) == 1
