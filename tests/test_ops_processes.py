"""No process outlives its parent: the CLI's release build and the service, killed for real.

The build (``python -m flows.cli release build`` of the tiny ``registers_history`` product
set) and the service (``python -m service``) run as subprocesses with their own store,
Prefect home and alert database; each is killed with SIGKILL or SIGTERM once its children are
up (the build's Prefect API server, the service's scenario worker), and every descendant must
be gone within a few seconds. A zombie (an exited child that this sandbox's init does not
reap) is not a running process and is not counted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from flows.prefect_api import prefect_api
from forecasting.settings import PrefectSettings
from tests.live_processes import running as _running

ROOT = Path(__file__).resolve().parent.parent
#: Seconds a child may take to notice its parent is gone (the worker polls every 0.5 s).
GRACE_S = 10.0


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ENNAKOINTI_"))}
    env.update(
        ENNAKOINTI_RELEASE__STORE_DIR=str(tmp / "store"),
        ENNAKOINTI_DATA__CACHE_DIR=str(tmp / "cache"),
        ENNAKOINTI_ALERTS__DATABASE_URL=f"sqlite:///{tmp / 'alerts.sqlite'}",
        PREFECT_HOME=str(tmp / "prefect"),
        PYTHONPATH=str(ROOT),
    )
    return env


def _wait_for(
    parent: subprocess.Popen[bytes],
    ready: Callable[[list[psutil.Process]], bool],
    timeout_s: float = 120.0,
) -> list[psutil.Process]:
    """The parent's descendants once ``ready(descendants)`` holds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert parent.poll() is None, f"exited early with {parent.returncode}"
        kids = psutil.Process(parent.pid).children(recursive=True)
        if ready(kids):
            return kids
        time.sleep(0.2)
    raise AssertionError("the children did not start in time")


def _kill_and_check(parent: subprocess.Popen[bytes], kids: list[psutil.Process], sig: int) -> None:
    parent.send_signal(sig)
    parent.wait(timeout=30)
    deadline = time.monotonic() + GRACE_S
    while _running(kids) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [(p.pid, " ".join(p.cmdline())[:120]) for p in _running(kids)]
    for p in _running(kids):  # never leave them behind, even when the test fails
        p.kill()
    assert left == [], f"still running after {GRACE_S} s: {left}"


def _cmdlines(kids: list[psutil.Process]) -> str:
    out = []
    for p in kids:
        with contextlib.suppress(psutil.NoSuchProcess):
            out.append(" ".join(p.cmdline()))
    return "\n".join(out)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_release_build_leaves_no_prefect_server(tmp_path: Path, sig: int) -> None:
    cmd = [sys.executable, "-m", "flows.cli", "release", "build", "--product", "registers_history"]
    parent = subprocess.Popen(cmd, cwd=ROOT, env=_env(tmp_path), stdout=subprocess.DEVNULL)
    try:
        kids = _wait_for(parent, lambda ks: "uvicorn" in _cmdlines(ks))
        _kill_and_check(parent, kids, sig)
    finally:
        if parent.poll() is None:
            parent.kill()
    assert parent.returncode == -sig if sig == signal.SIGKILL else 128 + sig


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_service_leaves_no_scenario_worker_and_starts_no_prefect(
    tmp_path: Path, sig: int
) -> None:
    cmd = [sys.executable, "-m", "service", "--port", str(_free_port())]
    parent = subprocess.Popen(
        cmd, cwd=ROOT, env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        kids = _wait_for(parent, lambda ks: "spawn_main" in _cmdlines(ks))
        time.sleep(1.0)  # the worker is inside its warm-up run
        kids = psutil.Process(parent.pid).children(recursive=True)
        assert "prefect" not in _cmdlines(kids)
        _kill_and_check(parent, kids, sig)
    finally:
        if parent.poll() is None:
            parent.kill()


def test_a_started_program_gets_the_death_signal_when_its_parent_is_killed() -> None:
    """forecasting.processes.die_with_parent_preexec: a parent SIGKILLed takes `sleep` along."""
    script = textwrap.dedent(
        """
        import os, signal, subprocess
        from forecasting.processes import die_with_parent_preexec
        child = subprocess.Popen(["sleep", "60"], preexec_fn=die_with_parent_preexec())
        print(child.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    child = psutil.Process(int(out.stdout.split()[0])) if out.stdout.strip() else None
    assert child is not None, out.stderr
    deadline = time.monotonic() + GRACE_S
    while _running([child]) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = _running([child])
    for p in alive:
        p.kill()
    assert alive == []


def test_prefect_is_configured_from_the_settings_alone() -> None:
    """The CLI's Prefect settings come from settings.prefect, not from PREFECT_* variables; a
    configured API is used as it is (no server started)."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    )

    cfg = PrefectSettings(api_url="http://127.0.0.1:9/api", startup_timeout_s=77)
    before = psutil.Process().children(recursive=True)
    with prefect_api(cfg) as url:
        assert url == "http://127.0.0.1:9/api" == PREFECT_API_URL.value()
        assert PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value() == 77
        assert PREFECT_SERVER_ANALYTICS_ENABLED.value() is False
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)
        assert psutil.Process().children(recursive=True) == before
    assert PREFECT_API_URL.value() != "http://127.0.0.1:9/api"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert PrefectSettings().startup_timeout_s == 120
    assert PrefectSettings().analytics_enabled is False
