"""Scenario runs: displaced-worker recovery in the Finnish evidence bands, effects, outputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting.scenarios import run_scenario, run_scenario_file
from forecasting.scenarios.multipliers import load_multipliers
from forecasting.scenarios.presets import PRESETS
from forecasting.scenarios.run import run_presets, simulate_spec
from forecasting.scenarios.spec import ScenarioSpec
from models import labourflow as lf

DRAWS = 200


@pytest.fixture(scope="module")
def closure(ta23) -> xr.Dataset:
    return run_scenario(
        PRESETS["mantyharju_manufacturing_closure"], calibration=ta23, draws=DRAWS, seed=7
    )


def _months_after(ds: xr.Dataset, month: str, n: int) -> np.datetime64:
    return (np.datetime64(month, "M") + n).astype("datetime64[ns]")


def test_displaced_workers_recover_inside_the_finnish_evidence_bands(closure):
    """DOMAIN.md: displaced workers of Finnish plant closures lost over half of their
    employment at first; most were re-employed within a few years; men stayed 1-5 % below
    after 16 years (some never return)."""
    share = closure["displaced_reemployed_share"].sel(quantile=0.5)
    first = share.sel(time=_months_after(closure, "2024-03", 0)).item()
    assert first < 0.5  # a large initial drop: over half not employed in the first month
    after_3y = share.sel(time=_months_after(closure, "2024-05", 36)).item()
    assert after_3y >= 0.6  # most re-employed within a few years
    never = 1 - share.isel(time=-1).item()
    assert never >= 0.03  # some do not return (retire, leave, stay unemployed)
    # The curve rises: no month's median is below the previous by more than noise.
    assert (np.diff(share.dropna("time").values) > -0.02).all()


def test_closure_raises_unemployment_where_it_happens(closure):
    d = closure["unemployed_vs_baseline"].sel(quantile=0.5)
    peak_local = d.sel(area="507").max().item()
    assert 50 <= peak_local <= 300
    assert d.sel(area="TA23").max().item() >= peak_local
    # Effects fade as the displaced find work: the last year is below the peak.
    assert (
        d.sel(area="TA23").isel(time=slice(-12, None)).mean().item()
        < d.sel(area="TA23").max().item()
    )


def test_multipliers_set_the_expected_job_loss(closure):
    total = load_multipliers().total("C")
    end = closure["jobs_change_expected"].sel(area="TA23").isel(time=-1).item()
    # Secondary jobs inside the area plus those spilling over to the neighbouring areas.
    away = closure["spillover_jobs_by_area"].isel(time=-1).sum().item()
    assert end + away == pytest.approx(-300 * total, rel=1e-12)
    assert away < 0
    assert 1.0 <= total <= 2.6
    direct = closure["direct_jobs_change"].sum().item()
    assert direct == pytest.approx(-300)


def test_event_multiplier_override_switches_spill_overs_off(ta23):
    spec = PRESETS["mantyharju_manufacturing_closure"].model_dump()
    spec["events"][0]["multiplier"] = 1.0
    spec["horizon_months"] = 12
    ds = run_scenario(spec, calibration=ta23, draws=20, seed=1)
    assert ds["secondary_jobs_change"].sum().item() == 0.0
    assert ds["jobs_change_expected"].sel(area="TA23").isel(time=-1).item() == pytest.approx(-300)


def test_recruitment_lowers_unemployment_and_raises_employment(ta23):
    ds = run_scenario(
        PRESETS["mikkeli_health_care_employer"], calibration=ta23, draws=DRAWS, seed=3
    )
    d = ds["unemployed_vs_baseline"].sel(area="TA23", quantile=0.5)
    assert d.isel(time=slice(12, 24)).mean().item() < -20
    hires = ds["employed_vs_baseline"].sel(area="TA23", quantile=0.5).isel(time=-1).item()
    assert hires > 100


def test_temporary_layoff_counts_as_unemployed_until_recall(ta23):
    ds = run_scenario(PRESETS["puumala_tourism_season"], calibration=ta23, draws=DRAWS, seed=5)
    d = ds["unemployed_vs_baseline"].sel(area="623", quantile=0.5)
    during = d.sel(time=slice("2024-06", "2024-09")).mean().item()
    assert during >= 10  # most of the 30 laid off live in Puumala
    assert ds["displaced"].sel(quantile=0.5).isel(time=-1).item() <= 15  # the not recalled


def test_outputs_have_the_contract_and_provenance(closure):
    assert closure["unemployed"].dims == ("area", "time", "quantile")
    assert closure["employed"].dims == ("area", "industry", "time", "quantile")
    assert list(closure["area"].values[-1:]) == ["TA23"]
    assert closure.attrs["seed"] == 7
    assert closure.attrs["license"] == "CC BY 4.0"
    assert "tyonv 12r5" in closure.attrs["source_tables"]
    spec = json.loads(closure.attrs["scenario_spec"])
    assert spec["events"][0]["jobs"] == 300
    q = closure["unemployed"].sel(area="TA23")
    assert (q.sel(quantile=0.05) <= q.sel(quantile=0.95)).all()
    staff = closure["clients_per_expert"].sel(quantile=0.5)
    clients = closure["clients"].sel(quantile=0.5)
    np.testing.assert_allclose(staff, clients / 50.0)
    assert closure["retraining_need"].sel(quantile=0.5).sum().item() > 0
    # the release stores it through the data contract (a non-contract sex code failed the
    # release build): it must validate as the "scenarios" product does
    from forecasting.contract import validate

    validate(closure, name="scenarios")
    assert set(closure["sex"].values) == {"F", "M"}


def test_same_seed_gives_identical_results(ta23):
    spec = PRESETS["puumala_tourism_season"].model_copy(update={"horizon_months": 12})
    a = run_scenario(spec, calibration=ta23, draws=30, seed=99)
    b = run_scenario(spec, calibration=ta23, draws=30, seed=99)
    xr.testing.assert_identical(a, b)


def test_scenario_file_round_trip_netcdf_and_csv(cubes, tmp_path):
    spec_path = tmp_path / "spec.json"
    spec = PRESETS["mantyharju_manufacturing_closure"].model_copy(update={"horizon_months": 6})
    spec_path.write_text(spec.model_dump_json(), encoding="utf-8")
    nc = run_scenario_file(spec_path, tmp_path / "out.nc", cubes, "netcdf", draws=20, seed=4)
    ds = xr.open_dataset(nc, engine="h5netcdf")
    assert ds.attrs["seed"] == 4 and ds.sizes["time"] == 6
    csv = run_scenario_file(spec_path, tmp_path / "out.csv", cubes, "csv", draws=20, seed=4)
    head = csv.read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("variable,")


@pytest.mark.slow
def test_presets_stack_along_scenario(ta23):
    ds = run_presets(seed=1, draws=20, calibration=ta23)
    assert list(ds["scenario"].values) == list(PRESETS)
    # a release's presets run from the present (registers through 2026-06), not from the
    # example start: their events lie ahead of the data
    assert str(ds["time"].values[0])[:7] == "2026-07"
    specs = json.loads(ds.attrs["scenario_specs"])
    starts = [e["start"] for spec in specs.values() for e in spec["events"]]
    assert starts and min(starts) > "2026-06"
    assert ds["unemployed"].dims[0] == "scenario"
    base = ds["unemployed_vs_baseline"].sel(scenario="baseline")
    assert float(np.abs(base).max()) == 0.0


KINDS = ("closure", "dismissal", "temporary_layoff", "recruitment")
MUNIS = ("097", "178", "213", "491", "507", "623")


@st.composite
def specs(draw: st.DrawFn) -> ScenarioSpec:
    """Random valid specs on a fixed 18-month window (the baseline is cached)."""
    events = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(KINDS))
        event = {
            "kind": kind,
            "municipality": draw(st.sampled_from(MUNIS)),
            "industry": draw(st.sampled_from(["A", "C", "F", "G", "I", "Q"])),
            "jobs": draw(st.integers(1, 4)),  # four events stay within the smallest cell (18)
            "start": f"2022-{draw(st.integers(1, 12)):02d}",
            "phase_in_months": draw(st.integers(0, 6)),
        }
        if kind == "temporary_layoff":
            event["recall_share"] = draw(st.floats(0, 1))
            event["duration_months"] = draw(st.integers(1, 14))
        events.append(event)
    return ScenarioSpec.model_validate(
        {"start": "2022-01", "horizon_months": 18, "events": events, "compare_baseline": False}
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(), seed=st.integers(0, 2**31))
def test_conservation_over_random_specs(ta23, spec, seed):
    """In every draw and month: employed + unemployed + exits = start + entries."""
    _, _, res, _ = simulate_spec(spec, {}, draws=4, seed=seed, calibration=ta23)
    balance = res.people() + res.flows[:, :, lf.FLOW_EXITS] - res.flows[:, :, lf.FLOW_ENTRIES]
    np.testing.assert_array_equal(balance, res.start_people)


def test_a_malformed_spec_file_is_refused_naming_the_file_and_writes_nothing(cubes, tmp_path):
    from forecasting.errors import DataError, ValidationError

    broken = tmp_path / "broken.json"
    broken.write_text('{"events": [', encoding="utf-8")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    out = tmp_path / "out.nc"
    with pytest.raises(DataError, match=r"broken\.json"):
        run_scenario_file(broken, out, cubes, "netcdf", draws=5, seed=1)
    with pytest.raises(ValidationError, match="JSON object") as err:
        run_scenario_file(listed, out, cubes, "netcdf", draws=5, seed=1)
    assert err.value.field == "spec"
    assert set(tmp_path.iterdir()) == {broken, listed}  # no output, no temporary file


def _persistence_targets(registers: xr.Dataset, scale: float = 1.0) -> xr.Dataset:
    """Register-forecast-shaped targets: the last complete observed year of TA23 (to
    2023-10, before the registers' gap), 24 months on from there."""
    import pandas as pd

    from forecasting import geography
    from forecasting.scenarios.baseline import history_end

    reg = registers.sel(area=geography.members("TA23"))
    end = history_end(reg)
    complete = reg.sel(time=slice(None, end))
    last = complete.isel(time=slice(-12, None))[["unemployed", "vacancies", "labour_force"]]
    months = pd.date_range(end, periods=25, freq="MS")[1:]
    tiled = xr.concat([last, last], dim="time").assign_coords(time=months)
    return tiled * scale


def test_forecast_targets_are_checked_and_suppressed_cells_are_small_counts(ta23, cubes):
    from forecasting.errors import ValidationError

    spec = {"start": "2024-01", "horizon_months": 6, "compare_baseline": False}
    targets = _persistence_targets(cubes["registers"], 1.1)
    targets["vacancies"].loc[{"time": "2024-02"}] = np.nan  # suppressed in every municipality
    ds = run_scenario(spec, calibration=ta23, draws=5, seed=1, baseline=targets)
    assert np.isfinite(ds["unemployed_baseline_target"]).all()
    with pytest.raises(ValidationError, match="lacks municipalities") as info:
        run_scenario(
            spec, calibration=ta23, draws=5, seed=1, baseline=targets.isel(area=slice(1, None))
        )
    assert info.value.field == "baseline"
    negative = targets.copy(deep=True)
    negative["unemployed"].loc[{"time": "2024-03", "area": "491"}] = -5.0
    with pytest.raises(ValidationError, match="negative"):
        run_scenario(spec, calibration=ta23, draws=5, seed=1, baseline=negative)


def test_presets_of_another_area_are_its_baseline(cubes):
    from forecasting import geography

    ds = run_presets(cubes, seed=1, draws=5, area="TA01")
    assert list(ds["scenario"].values) == ["baseline"]
    assert list(ds["area"].values) == [*geography.members("TA01"), "TA01"]
    assert float(np.abs(ds["unemployed_vs_baseline"]).max()) == 0.0


@given(year=st.integers(2010, 2040), month=st.integers(1, 12))
def test_preset_library_dates_follow_its_start(year, month):
    """Every event of the library lies inside its window and after its start; the closure and
    the recruitment begin LEAD_MONTHS in, the tourism layoffs in the first June that far
    ahead; the example start reproduces PRESETS."""
    from forecasting.scenarios.presets import LEAD_MONTHS, library

    start = pd.Period(year=year, month=month, freq="M")
    lib = library(str(start))
    assert list(lib) == list(PRESETS)
    for spec in lib.values():
        assert spec.start == str(start)
        for event in spec.events:
            first = pd.Period(event.start, "M")
            assert start + LEAD_MONTHS <= first < start + spec.horizon_months
    season = pd.Period(lib["puumala_tourism_season"].events[0].start, "M")
    assert season.month == 6 and (season - (start + LEAD_MONTHS)).n < 12
    baseline_start = PRESETS["baseline"].start
    assert baseline_start is not None
    assert library(baseline_start) == PRESETS


@pytest.mark.parametrize(
    ("start", "event", "message"),
    [
        ("2099-01", None, "too late: .* last observed month 2026-06, at most 120 months ahead"),
        (None, "2099-01", "last possible start is 2036-06"),
        ("1990-01", None, "too early"),
    ],
)
def test_a_start_outside_what_the_baseline_carries_is_refused(ta23, start, event, message):
    """The last observation is 2026-06 and the horizon cap 120 months (settings): a window
    starting later than 2036-06 (an event in 2099) is refused, not simulated from 2026's
    state as if it were a forecast; the first event's month is the start when none is given."""
    from forecasting.errors import ValidationError

    fields: dict = {"horizon_months": 12}
    if start is not None:
        fields["start"] = start
    if event is not None:
        fields["events"] = [
            {"kind": "closure", "municipality": "507", "industry": "C", "jobs": 50, "start": event}
        ]
    with pytest.raises(ValidationError, match=message):
        run_scenario(ScenarioSpec(**fields), calibration=ta23, draws=2, seed=1)
    latest = ScenarioSpec(start="2036-06", horizon_months=1, compare_baseline=False)
    assert run_scenario(latest, calibration=ta23, draws=2, seed=1).sizes["time"] >= 1
