"""The start-up warm-up leaves the scenario workers with the baseline runs a planner's first
runs need: the default area, draws and seed, 60 months, from a default start and the
quarters after it, with the release's register forecasts (the dashboard form's baseline,
from the form's default start: ``tests/test_scenario_form_start.py``) and without (the
API's default, from the month after the newest register data), shared out between the
worker processes, each window once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting.scenarios import cache
from forecasting.scenarios.spec import Event, ScenarioSpec
from service.scenarios import EngineRunner, ScenarioService


class WarmRunner:
    """A fake :class:`~service.scenarios.ProcessRunner` recording what the warm-up asks."""

    def __init__(self, processes: int = 2, fail: bool = False):
        self.processes = processes
        self.fail = fail
        self.runs: list[Any] = []
        self.warmed: list[tuple[str, int, bool, int | None, int | None, int, str]] = []
        self.active = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, spec: Any, baseline: Any = None) -> xr.Dataset:
        self.runs.append(spec)
        return xr.Dataset()

    def warm_baseline(self, spec: Any, months_after: int = 0, baseline: Any = None) -> str:
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        time.sleep(0.02)
        with self.lock:
            self.active -= 1
            self.warmed.append(
                (
                    spec.baseline_source,
                    months_after,
                    baseline is not None,
                    spec.draws,
                    spec.seed,
                    spec.horizon_months,
                    spec.area,
                )
            )
        if self.fail:
            raise RuntimeError("kernel exploded")
        return "2026-07"


def _targets(spec: Any, release_id: str | None) -> xr.Dataset | None:
    if spec.baseline_source != "register_forecast" or release_id is None:
        return None
    return xr.Dataset({"unemployed": ("time", np.ones(3))})


def test_the_warm_up_shares_out_the_default_windows_once_each():
    runner = WarmRunner(processes=2)
    service = ScenarioService(
        runner,
        max_draws=5000,
        max_horizon=120,
        targets=_targets,
        warm_area="TA23",
        warm_months=(0, 3, 6),
        release=lambda: "r1",
        form_draws=500,
    )
    assert not service.warmed
    service.warm()
    assert service.warmed and service.warm_s is not None
    # One single-draw run per worker (calibration and kernels), then six baseline runs.
    assert [(s.draws, s.compare_baseline) for s in runner.runs] == [(1, False)] * 2
    got = sorted((src, m, t) for src, m, t, *_ in runner.warmed)
    assert got == sorted(
        [
            (s, m, s == "register_forecast")
            for m in (0, 3, 6)
            for s in ("register_forecast", "persistence")
        ]
    )
    # The form's default start first; the defaults a planner's form leaves (draws, seed).
    assert [(s.baseline_source, m) for s, m, _ in service.warm_windows()[:2]] == [
        ("register_forecast", 0),
        ("persistence", 0),
    ]
    # The form's baselines (register forecasts) at the form's draws, the API's at the default.
    assert {(w[0], *w[3:]) for w in runner.warmed} == {
        ("register_forecast", 500, None, 60, "TA23"),
        ("persistence", None, None, 60, "TA23"),
    }
    assert runner.most == 2  # both workers busy, never more
    service.close()


def test_without_the_release_s_forecasts_only_persistence_is_warmed():
    runner = WarmRunner(processes=1)
    service = ScenarioService(
        runner,
        max_draws=5000,
        max_horizon=120,
        targets=_targets,
        warm_months=(0, 3),
        release=lambda: None,
    )
    service.warm()
    assert [(w[0], w[1]) for w in runner.warmed] == [("persistence", 0), ("persistence", 3)]


def test_a_failed_warm_up_is_logged_and_the_service_still_counts_as_warm(caplog):
    runner = WarmRunner(processes=1, fail=True)
    service = ScenarioService(runner, max_draws=5000, max_horizon=120, warm_months=(0,))
    service.warm()
    assert service.warmed and "kernel exploded" in caplog.text


def test_a_runner_without_baseline_warming_gets_the_single_draw_run_only():
    seen: list[ScenarioSpec] = []

    def runner(spec: ScenarioSpec) -> xr.Dataset:
        seen.append(spec)
        return xr.Dataset()

    service = ScenarioService(runner, max_draws=10, max_horizon=60, warm_months=(0, 3))
    service.warm()
    assert [s.draws for s in seen] == [1] and service.warmed
    assert ScenarioService(None, max_draws=10, max_horizon=60).warmed  # nothing to wait for


def test_healthz_says_when_the_scenario_warm_up_is_done(tmp_path):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import make_settings

    gate = threading.Event()

    def runner(spec: Any, baseline: Any = None) -> xr.Dataset:
        gate.wait(30)
        return xr.Dataset()

    settings = make_settings(tmp_path / "store", f"sqlite:///{tmp_path / 'a.sqlite'}")
    app = create_app(settings, scenario_runner=runner)
    with TestClient(app) as c:
        assert c.get("/healthz").json()["scenarios_ready"] is False
        gate.set()
        for _ in range(200):
            if c.get("/healthz").json()["scenarios_ready"]:
                break
            time.sleep(0.02)
        assert c.get("/healthz").json()["scenarios_ready"] is True
        assert app.state.context.scenarios.warm_s is not None


@pytest.fixture
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("_empty_cache")
def test_after_the_warm_up_a_planner_s_first_run_pays_no_baseline_run(cubes, ta23):
    """The real engine: the warm-up's window is the one an event at the form's default start
    (the month after the newest register data) needs, at the default draws and seed."""
    engine = EngineRunner(cubes)
    engine._calibrations[("TA23", engine._version())] = ta23  # the session's calibration
    service = ScenarioService(
        engine, max_draws=5000, max_horizon=6, warm_area="TA23", warm_months=(0,)
    )
    service.warm()
    assert cache.info().misses == 1 and cache.info().entries == 1
    from forecasting.scenarios.baseline import latest_observed

    start = latest_observed(ta23.registers) + pd.DateOffset(months=1)
    event = Event(kind="closure", municipality="507", industry="C", jobs=30, start=f"{start:%Y-%m}")
    run = service.run(ScenarioSpec(horizon_months=6, events=[event]), None)
    assert "unemployed_vs_baseline" in run.result
    assert cache.info().hits == 1 and cache.info().misses == 1


@pytest.mark.slow
def test_two_worker_processes_compute_each_warm_window_once_and_share_it(cubes, ta23, tmp_path):
    """Real spawned workers: the warm-up's baseline runs are written once each, and a run in
    either worker gives the in-process engine's numbers, bit for bit."""
    from service.scenarios import ProcessRunner

    folder = tmp_path / "baselines"
    runner = ProcessRunner(2, cubes, baseline_files=(folder, 1 << 30))
    service = ScenarioService(
        runner, max_draws=5000, max_horizon=3, warm_area="TA23", warm_months=(0, 1, 2)
    )
    try:
        service.warm()
        assert len(list(folder.glob("*.npz"))) == 3  # persistence only: no release
        spec = ScenarioSpec(
            horizon_months=3,
            draws=50,
            start="2026-07",
            events=[
                Event(kind="closure", municipality="507", industry="C", jobs=30, start="2026-08")
            ],
        )
        with ThreadPoolExecutor(2) as pool:  # at once: one in each worker
            runs = list(
                pool.map(lambda n: service.run(spec.model_copy(update={"name": n}), None), "ab")
            )
    finally:
        service.close()
    engine = EngineRunner(cubes)  # in this process, no files
    engine._calibrations[("TA23", engine._version())] = ta23
    want = engine(spec.model_copy(update={"name": "a"}))
    for run in runs:
        assert run.result.equals(want)
    assert runs[0].result.attrs == want.attrs


@pytest.mark.parametrize("months", [[-3], [25], list(range(13))])
def test_warm_months_outside_the_stated_range_are_refused_at_start(months):
    """Warm windows are months after the newest data, 0-24, at most 12 of them: a
    configuration outside that is refused when the settings are read, not logged later."""
    from pydantic import ValidationError

    from forecasting.settings import ServiceSettings

    with pytest.raises(ValidationError, match="scenario_warm_months"):
        ServiceSettings(scenario_warm_months=months)
    assert ServiceSettings(scenario_warm_months=[0, 24]).scenario_warm_months == [0, 24]
