"""Two worker processes run two scenario runs at once (issue 22: two concurrent users).

A fake runner stands in for :class:`service.scenarios.ProcessRunner`: it has ``processes``
and blocks on a two-party barrier, so the runs only finish if the service lets both in at
once; with one process the service keeps the engine's one-run-at-a-time rule.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
import xarray as xr
from pydantic import BaseModel

from service.errors import NotConfiguredError
from service.scenarios import ProcessRunner, ScenarioService


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


@pytest.mark.parametrize("cores", [2, 4])
def test_a_run_gets_the_cores_shared_out_among_the_runs_in_progress(
    cores: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``service.scenario_threads`` 0 (default): a run alone gets every core, two at once on
    two cores one each (never more threads than cores); a number fixes it. The count
    reaches the worker with each run; no worker is started here."""
    import os

    from forecasting.settings import ServiceSettings, Settings
    from service import app as app_mod
    from service.scenarios import ProcessRunner

    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    adaptive = ProcessRunner(2, {})
    assert [adaptive.threads_for(n) for n in (1, 2, 3)] == [cores, cores // 2, max(1, cores // 3)]
    assert [ProcessRunner(2, {}, threads=1).threads_for(n) for n in (1, 2)] == [1, 1]
    fixed = ServiceSettings(scenario_processes=2, scenario_threads=3)
    engine = app_mod._engine(Settings(service=fixed))
    assert isinstance(engine, ProcessRunner) and engine.threads_for(1) == 3
    # each run hands its count to the worker function; the count follows the runs in progress
    seen: list[int] = []

    class Future:
        def __init__(self, value: int) -> None:
            self.value = value

        def result(self) -> int:
            return self.value

    class Pool:
        def submit(self, fn: object, data: object, *args: object, threads: int) -> Future:
            seen.append(threads)
            if len(seen) == 1:  # a second run arrives while the first is in progress
                adaptive._submit(fn, {"name": "b"})  # type: ignore[arg-type]
            return Future(threads)

    monkeypatch.setattr(adaptive, "_ready", lambda: Pool())
    assert adaptive._submit(lambda: None, {"name": "a"}) == cores
    assert seen == [cores, cores // 2] and adaptive._running == 0


def test_use_threads_sets_the_kernel_threads_of_the_calling_thread() -> None:
    import numba

    from service.scenarios import use_threads

    before = numba.get_num_threads()
    # numba's config module sets its attributes when it reads the environment at import
    started = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    try:
        use_threads(1)
        assert numba.get_num_threads() == 1
        use_threads(10_000)  # at most the threads numba started
        assert numba.get_num_threads() == started
        use_threads(0)  # unchanged
        assert numba.get_num_threads() == started
    finally:
        numba.set_num_threads(before)


def _value(data: dict, *, threads: int = 0) -> int:
    """A worker function of the shape the runner submits (in a spawned process)."""
    return int(data["x"]) + 1


def _die(data: dict, *, threads: int = 0) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


def _die_once(data: dict, *, threads: int = 0) -> int:
    """Dies the first time (leaving a marker file), answers the second."""
    marker = Path(data["marker"])
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return int(data["x"]) + 1


@pytest.fixture
def plain_runner(monkeypatch: pytest.MonkeyPatch):
    """A ProcessRunner whose pools are plain spawned pools (no cubes to read)."""
    runner = ProcessRunner(processes=2)
    monkeypatch.setattr(runner, "_cubes_file", object())
    monkeypatch.setattr(
        runner,
        "_new_pool",
        lambda _cubes: ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")),
    )
    yield runner
    if runner._pool is not None:
        runner._pool.shutdown(wait=True, cancel_futures=True)


def test_a_worker_killed_between_runs_costs_the_next_run_nothing(plain_runner) -> None:
    """A worker that died while idle breaks the pool; the next run is not refused (503) for
    it: it has not started, so it goes to a new pool."""
    assert plain_runner._submit(_value, {"x": 1}) == 2
    pool = plain_runner._pool
    for proc in list(pool._processes.values()):
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the pool notices its dead worker
        try:
            pool.submit(_value, {"x": 0}).result(timeout=10)
        except BrokenProcessPool:
            break
        time.sleep(0.05)
    assert plain_runner._submit(_value, {"x": 41}) == 42
    assert plain_runner._pool is not pool


def test_a_run_whose_worker_dies_once_is_run_again_on_new_workers(
    plain_runner, tmp_path: Path
) -> None:
    """The run's worker is killed mid-run; the caller gets the answer of its retry on a new
    pool, not a 503 (runs are pure and seeded, so running it again gives the same answer)."""
    marker = tmp_path / "died"
    assert plain_runner._submit(_value, {"x": 0}) == 1
    first = plain_runner._pool
    assert plain_runner._submit(_die_once, {"x": 41, "marker": str(marker)}) == 42
    assert marker.exists() and int(marker.read_text()) > 0  # it did die once
    assert plain_runner._pool is not first
    assert plain_runner._running == 0


def test_a_run_that_kills_its_retry_too_is_refused_and_the_next_is_served(plain_runner) -> None:
    with pytest.raises(NotConfiguredError, match="post the spec again"):
        plain_runner._submit(_die, {"x": 0})
    assert plain_runner._submit(_value, {"x": 1}) == 2
