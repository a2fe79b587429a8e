"""Baseline runs shared between processes as files: what one process computed, another reads
back bit for bit; a damaged file is recomputed, never an error; results do not depend on
where the baseline run came from; the warm-up leaves the window a planner's run needs."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

from forecasting.io.array_files import ArrayFiles, source_digest
from forecasting.scenarios import cache, run_scenario
from forecasting.scenarios.baseline import build_baseline
from forecasting.scenarios.run import warm_baseline
from forecasting.scenarios.spec import ScenarioSpec
from models import labourflow as lf

WINDOW = {"start": "2022-01", "horizon_months": 12}


def _spec(jobs: int = 10, start: str = "2022-03") -> ScenarioSpec:
    event = {"kind": "closure", "municipality": "507", "industry": "C", "jobs": jobs,
             "start": start}  # fmt: skip
    return ScenarioSpec.model_validate(WINDOW | {"events": [event]})


@pytest.fixture(autouse=True)
def _no_files():
    cache.clear()
    yield
    cache.use_files(None)
    cache.clear()


@pytest.fixture
def files(tmp_path):
    store = ArrayFiles(tmp_path / "baselines", 1 << 30)
    cache.use_files(store, version="v1")
    return store


def _assert_same(a: lf.SimulationResult, b: lf.SimulationResult) -> None:
    for field in dataclasses.fields(lf.SimulationResult):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, field.name
        np.testing.assert_array_equal(x, y, err_msg=field.name)


def test_a_fresh_process_cache_reads_the_file_bit_for_bit(ta23, files):
    base = build_baseline(ta23, "2022-01", 12)
    first = cache.simulate_baseline(base, area="TA23", draws=8, seed=5)
    assert len(files.entries()) == 1 and cache.info().file_hits == 0
    cache.clear()  # another process: an empty table, the same files
    again = cache.simulate_baseline(base, area="TA23", draws=8, seed=5)
    assert cache.info().file_hits == 1 and again is not first
    _assert_same(again, first)
    _assert_same(again, lf.simulate(base.params, base.path, base.init, None, draws=8, seed=5))
    with pytest.raises(ValueError, match="read-only"):
        again.unemployed[0, 0, 0] = 1
    # In the table now: the next call is a memory hit, not another file read.
    assert cache.simulate_baseline(base, area="TA23", draws=8, seed=5) is again


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty"])
def test_a_damaged_file_is_recomputed_never_an_error(ta23, files, damage):
    base = build_baseline(ta23, "2022-01", 12)
    want = cache.simulate_baseline(base, area="TA23", draws=4, seed=2)
    ((path, _, size),) = files.entries()
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: size // 2]
    elif damage == "flip":
        data[size // 2] ^= 0xFF
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    cache.clear()
    got = cache.simulate_baseline(base, area="TA23", draws=4, seed=2)
    assert cache.info().file_hits == 0 and cache.info().misses == 1
    _assert_same(got, want)
    # Recomputed and written again, whole: the next process reads it.
    cache.clear()
    _assert_same(cache.simulate_baseline(base, area="TA23", draws=4, seed=2), want)
    assert cache.info().file_hits == 1


def test_another_code_version_never_reads_the_files(ta23, files):
    base = build_baseline(ta23, "2022-01", 12)
    cache.simulate_baseline(base, area="TA23", draws=4, seed=2)
    cache.clear()
    cache.use_files(files, version="v2")  # a kernel edit: the old entry is not this code's
    cache.simulate_baseline(base, area="TA23", draws=4, seed=2)
    assert cache.info().file_hits == 0 and len(files.entries()) == 2


def test_scenario_results_are_the_same_with_and_without_the_files(ta23, tmp_path):
    plain = run_scenario(_spec(), calibration=ta23, draws=16, seed=3)
    cache.clear()
    cache.use_files(ArrayFiles(tmp_path / "b", 1 << 30), version="v1")
    written = run_scenario(_spec(), calibration=ta23, draws=16, seed=3)
    cache.clear()
    read = run_scenario(_spec(), calibration=ta23, draws=16, seed=3)
    assert cache.info().file_hits == 1
    for ds in (written, read):
        assert ds.equals(plain)
        assert ds.attrs == plain.attrs


def test_the_warm_up_fills_the_window_of_a_later_event(ta23):
    """A no-event warm-up two months on builds the baseline and runs it at the default
    seed; a scenario whose event starts then pays for neither again."""
    spec = ScenarioSpec.model_validate(WINDOW | {"draws": 8})
    assert warm_baseline(spec, ta23, months_after=2) == "2022-03"
    assert cache.info().misses == 1 and cache.built_info().misses == 1
    event = ScenarioSpec.model_validate(
        {"horizon_months": 12, "draws": 8, "events": _spec().model_dump()["events"]}
    )
    run_scenario(event, calibration=ta23)
    assert cache.info().hits == 1 and cache.info().misses == 1
    assert cache.built_info().hits == 1


def test_a_register_forecast_warm_up_without_targets_is_refused_like_a_run(ta23):
    from forecasting.errors import ValidationError

    spec = ScenarioSpec(horizon_months=12, draws=2, baseline_source="register_forecast")
    with pytest.raises(ValidationError, match="register_forecast"):
        warm_baseline(spec, ta23)


def test_files_are_bounded_least_recently_used_first(tmp_path):
    store = ArrayFiles(tmp_path, 3 * 8000 + 2000)  # three 8,000-byte bundles and their headers
    arrays = {i: {"x": np.full(1000, i, dtype=np.int64)} for i in range(4)}
    for i in range(3):
        assert store.save(f"e{i}", f"key {i}", arrays[i])
        os.utime(store.path(f"e{i}"), (1000 + i, 1000 + i))
    loaded = store.load("e0", "key 0")  # used now: the most recent
    assert loaded is not None and not loaded["x"].flags.writeable
    np.testing.assert_array_equal(loaded["x"], arrays[0]["x"])
    assert store.save("e3", "key 3", arrays[3])
    assert sorted(p.stem for p, _, _ in store.entries()) == ["e0", "e2", "e3"]
    assert store.nbytes() <= store.max_bytes
    assert not store.save("big", "k", {"x": np.zeros(10_000)})  # over the limit alone
    assert store.load("e0", "another key") is None  # a foreign entry under the name
    assert store.load("missing", "k") is None
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left over
    with pytest.raises(ValueError, match="letters"):
        store.path("../escape")


def test_an_unwritable_folder_only_skips_the_files(tmp_path, ta23):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache.use_files(ArrayFiles(blocker / "baselines", 1 << 20), version="v1")
    base = build_baseline(ta23, "2022-01", 12)
    res = cache.simulate_baseline(base, area="TA23", draws=2, seed=1)
    assert res.unemployed.shape[0] == 2 and cache.info().entries == 1


def test_the_source_digest_follows_the_code(tmp_path, monkeypatch):
    import types

    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "kernel.py").write_text("X = 1\n")
    module = types.ModuleType("pkg")
    module.__file__ = str(pkg / "__init__.py")
    before = source_digest(module)
    assert source_digest(module) == before
    (pkg / "kernel.py").write_text("X = 2\n")
    assert source_digest(module) != before
