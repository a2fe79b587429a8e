"""The baseline-run cache: a second scenario with the same seed and window reuses the
common-random-numbers baseline run, and the cached run equals a fresh one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting.scenarios import cache, run_scenario
from forecasting.scenarios.baseline import build_baseline
from forecasting.scenarios.run import simulate_spec
from forecasting.scenarios.spec import ScenarioSpec
from models import labourflow as lf

WINDOW = {"start": "2022-01", "horizon_months": 12}


def _spec(jobs: int, municipality: str = "507") -> ScenarioSpec:
    event = {"kind": "closure", "municipality": municipality, "industry": "C", "jobs": jobs,
             "start": "2022-03"}  # fmt: skip
    return ScenarioSpec.model_validate(WINDOW | {"events": [event]})


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_new_spec_with_the_same_seed_and_window_reuses_the_baseline_run(ta23):
    a = run_scenario(_spec(10), calibration=ta23, draws=16, seed=3)
    assert cache.info().misses == 1 and cache.info().hits == 0
    b = run_scenario(_spec(12, "491"), calibration=ta23, draws=16, seed=3)
    assert cache.info().hits == 1 and cache.info().entries == 1
    # Same baseline draws: the effects differ, the baseline target is the same.
    assert a["unemployed_baseline_target"].equals(b["unemployed_baseline_target"])
    run_scenario(
        _spec(10), calibration=ta23, draws=16, seed=4
    )  # another seed is another baseline run
    run_scenario(_spec(10), calibration=ta23, draws=17, seed=3)  # and so is another number of draws
    assert cache.info().misses == 3 and cache.info().entries == 3


def test_cached_baseline_equals_a_fresh_run_and_is_read_only(ta23):
    _, _, _, ref = simulate_spec(_spec(10), {}, draws=8, seed=5, calibration=ta23)
    _, _, _, again = simulate_spec(_spec(11), {}, draws=8, seed=5, calibration=ta23)
    assert ref is not None and ref is again and cache.info().hits == 1
    base = build_baseline(ta23, "2022-01", 12)
    fresh = lf.simulate(base.params, base.path, base.init, None, draws=8, seed=5)
    for field in dataclasses.fields(lf.SimulationResult):
        np.testing.assert_array_equal(getattr(ref, field.name), getattr(fresh, field.name))
    with pytest.raises(ValueError, match="read-only"):
        ref.unemployed[0, 0, 0] = 1


def test_the_key_follows_the_baseline_inputs(ta23):
    base = build_baseline(ta23, "2022-01", 12)
    key = cache.baseline_key(base, area="TA23", draws=8, seed=1)
    assert key == cache.baseline_key(base, area="TA23", draws=8, seed=1)
    other = build_baseline(ta23, "2022-02", 12)
    assert key != cache.baseline_key(other, area="TA23", draws=8, seed=1)
    # Different targets (e.g. register forecasts) change the digest even with equal labels.
    path = dataclasses.replace(base.path, ent_u=base.path.ent_u * 1.01)
    moved = dataclasses.replace(base, path=path)
    assert key[:-1] == cache.baseline_key(moved, area="TA23", draws=8, seed=1)[:-1]
    assert key != cache.baseline_key(moved, area="TA23", draws=8, seed=1)


def test_the_cache_is_bounded(ta23, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    for seed in range(4):
        simulate_spec(_spec(10), {}, draws=4, seed=seed, calibration=ta23)
    assert cache.info().entries == 2 and cache.info().misses == 4


def test_the_built_baseline_is_reused_for_the_same_calibration_and_window(ta23):
    a = cache.built_baseline(ta23, "2022-01", 12)
    assert cache.built_info().misses == 1
    # Another event in the same window: the same (read-only) baseline, built once.
    simulate_spec(_spec(10), {}, draws=2, seed=1, calibration=ta23)
    assert cache.built_info().hits == 1 and cache.built_info().entries == 1
    assert cache.built_baseline(ta23, pd.Timestamp("2022-01-01"), 12) is a
    fresh = build_baseline(ta23, "2022-01", 12)
    for part in ("params", "path", "init", "targets"):
        for field in dataclasses.fields(getattr(fresh, part)):
            want = getattr(getattr(fresh, part), field.name)
            got = getattr(getattr(a, part), field.name)
            if isinstance(want, np.ndarray):
                np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="read-only"):
        a.path.sep[0, 0, 0] = 0.5
    # Another window or another calibration object is another baseline.
    assert cache.built_baseline(ta23, "2022-02", 12) is not a
    assert cache.built_baseline(dataclasses.replace(ta23), "2022-01", 12) is not a
    assert cache.built_info().misses == 3


def test_the_built_baseline_key_follows_the_targets_values():
    times = pd.date_range("2026-07-01", periods=3, freq="MS")
    ds = xr.Dataset(
        {"unemployed": (("area", "time"), np.ones((2, 3)))},
        coords={"area": np.array(["491", "507"], dtype=object), "time": times},
    )
    same = ds.copy(deep=True)
    assert cache._targets_digest(ds) == cache._targets_digest(same)
    assert cache._targets_digest(None) == ""
    changed = ds.copy(deep=True)
    changed["unemployed"][0, 0] = 2.0
    assert cache._targets_digest(changed) != cache._targets_digest(ds)
    relabelled = ds.assign_coords(area=np.array(["491", "508"], dtype=object))
    assert cache._targets_digest(relabelled) != cache._targets_digest(ds)


@dataclasses.dataclass(frozen=True)
class _Run:
    employed: np.ndarray


def test_derived_is_computed_once_per_read_only_object_and_goes_with_it():
    import gc

    calls: list[int] = []

    def total(run: _Run) -> np.ndarray:
        calls.append(1)
        return run.employed.sum(axis=-1)

    frozen = _Run(np.arange(12, dtype=np.int32).reshape(3, 4))
    frozen.employed.flags.writeable = False
    first = cache.derived(frozen, "total", total)
    again = cache.derived(frozen, "total", total)
    assert again is first and len(calls) == 1
    np.testing.assert_array_equal(first, [6, 22, 38])
    assert not first.flags.writeable  # a caller cannot corrupt a later run
    # an object whose arrays can still change is never served from the memo
    live = _Run(np.ones((2, 2), dtype=np.int32))
    cache.derived(live, "total", total)
    live.employed[0, 0] = 5
    np.testing.assert_array_equal(cache.derived(live, "total", total), [6, 2])
    assert len(calls) == 3
    # the memo goes with its object (no stale entry for a new object at the same id)
    size = len(cache._derived)
    del frozen, first, again
    gc.collect()
    assert len(cache._derived) == size - 1
