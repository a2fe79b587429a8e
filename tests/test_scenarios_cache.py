"""The baseline-run cache: a second scenario with the same seed and window reuses the
common-random-numbers baseline run, and the cached run equals a fresh one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

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
