"""Two worker processes run two scenario runs at once (issue 22: two concurrent users).

A fake runner stands in for :class:`service.scenarios.ProcessRunner`: it has ``processes``
and blocks on a two-party barrier, so the runs only finish if the service lets both in at
once; with one process the service keeps the engine's one-run-at-a-time rule.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import xarray as xr
from pydantic import BaseModel

from service.scenarios import ScenarioService


class Spec(BaseModel):
    name: str


class BarrierRunner:
    def __init__(self, processes: int):
        self.processes = processes
        self.barrier = threading.Barrier(2, timeout=2.0)
        self.active = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, spec: object) -> xr.Dataset:
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            pass
        finally:
            with self.lock:
                self.active -= 1
        return xr.Dataset()


@pytest.mark.parametrize("processes", [1, 2])
def test_runs_at_once_follow_the_worker_processes(processes: int) -> None:
    runner = BarrierRunner(processes)
    service = ScenarioService(runner, max_draws=10, max_horizon=60)
    assert service.parallel_runs == processes
    assert service.queue.workers == processes
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda n: service.run(Spec(name=n), None), ["a", "b"]))
    assert {r.id for r in runs} == {ScenarioService.run_id({"name": n}, None) for n in "ab"}
    assert runner.most == processes
    service.close()


@pytest.mark.parametrize(
    ("processes", "threads", "expected"),
    [(1, 0, "cores"), (2, 0, "half"), (2, 1, 1), (2, 2, 2), (8, 0, 1)],
)
def test_kernel_threads_per_worker_follow_the_setting(
    processes: int, threads: int, expected: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``service.scenario_threads`` reaches each worker's initialiser (0: cores // processes,
    at least 1); no worker is started here."""
    import os

    from forecasting.settings import Settings
    from service import app as app_mod
    from service.scenarios import ProcessRunner

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    want = {"cores": 4, "half": 2}.get(str(expected), expected)
    runner = ProcessRunner(processes, {}, threads=threads)
    assert runner.threads == want
    settings = Settings(service={"scenario_processes": processes, "scenario_threads": threads})
    engine = app_mod._engine(settings)
    assert isinstance(engine, ProcessRunner) and engine.threads == want
    pool = runner._new_pool.__func__  # the initialiser's arguments, as the pool gets them
    captured: dict[str, tuple[object, ...]] = {}

    class Pool:
        def __init__(self, **kwargs: object) -> None:
            captured["initargs"] = kwargs["initargs"]  # type: ignore[assignment]

    monkeypatch.setattr("service.scenarios.ProcessPoolExecutor", Pool)
    pool(runner, type("File", (), {"path": "/dev/null"})())
    assert captured["initargs"][3] == want
