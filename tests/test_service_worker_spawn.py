"""A scenario worker SIGKILLed while it is still starting must not hang the service (issue 15,
found by benchmarks/fault_processes.py under load).

CPython's ``spawn`` writes a new process's arguments into a pipe whose read end the parent
itself still holds until the write ends; with the service's cubes as ``initargs`` (megabytes)
a worker killed before reading them left that write, and with it every later run, blocked
for ever. The cubes now travel as a file path (a few bytes)."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import psutil
import pytest

from forecasting.io.handover import CubesFile, load_cubes
from service.errors import NotConfiguredError
from service.scenarios import ProcessRunner

SPEC = {"horizon_months": 2, "draws": 2, "seed": 1, "compare_baseline": False}


def _spawned_children() -> list[psutil.Process]:
    kids = psutil.Process(os.getpid()).children()
    out = []
    for p in kids:
        try:
            if "spawn_main" in " ".join(p.cmdline()):
                out.append(p)
        except psutil.Error:
            continue
    return out


def test_the_cubes_file_round_trips_and_leaves_nothing_named(cubes):
    subset = {name: cubes[name] for name in list(cubes)[:2]}
    f = CubesFile(subset)
    try:
        back = load_cubes(f.path)
        assert set(back) == set(subset)
        for name in subset:
            assert back[name].identical(subset[name])
        if f.path.startswith("/proc/"):  # Linux: anonymous, nothing in the file system
            assert "(deleted)" in os.readlink(f.path)
    finally:
        f.close()


@pytest.mark.slow
def test_a_worker_killed_while_starting_does_not_hang_the_runner(cubes):
    runner = ProcessRunner(1, cubes)
    outcome: dict[str, Any] = {}

    def first_run() -> None:
        try:
            outcome["result"] = runner(SPEC)
        except NotConfiguredError as exc:
            outcome["refused"] = exc

    try:
        thread = threading.Thread(target=first_run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        killed: list[int] = []
        while not killed and time.monotonic() < deadline:
            for child in _spawned_children():  # kill it as soon as it exists
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)
            time.sleep(0.001)
        assert killed, "no worker was spawned"
        thread.join(60)
        assert not thread.is_alive(), "the run hung after its worker was killed at start"
        assert "refused" in outcome or "result" in outcome
        assert "unemployed" in runner(SPEC)  # a new worker serves the next run
    finally:
        runner.close()


def test_the_worker_pool_reads_its_cubes_at_the_first_run_not_at_start(monkeypatch):
    """Creating the service's runner assembles no cubes and starts no process (the service
    must answer within seconds of start); the first run (the start-up's warm-up, in the
    background) does both; a runner closed before any run has nothing to stop."""
    import service.scenarios as sc

    calls: list[int] = []

    def fake_inputs() -> dict[str, Any]:
        calls.append(1)
        raise RuntimeError("assembled")

    monkeypatch.setattr(sc, "scenario_inputs", fake_inputs)
    runner = ProcessRunner(1)
    assert calls == [] and runner._pool is None
    with pytest.raises(RuntimeError, match="assembled"):
        runner({"horizon_months": 1, "draws": 1})
    assert calls == [1] and runner._pool is None
    runner.close()
    with pytest.raises(NotConfiguredError, match="shutting down"):
        runner({"horizon_months": 1, "draws": 1})


def test_the_worker_lets_idle_kernel_threads_sleep_unless_told_otherwise(monkeypatch):
    # Spinning OpenMP threads cost a 1,000-draw run about 0.3 CPU s (2.30 -> 2.01 s,
    # benchmarks/profile_scenario_run.py); an operator's own setting is kept.
    from service.scenarios import idle_threads_sleep

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    idle_threads_sleep()
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    idle_threads_sleep()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
