"""The test PostgreSQL server (tests/pg_cluster.py) dies with the process that started it.

A test run killed with SIGKILL runs no fixture teardown, so the server must be tied to its
parent by the kernel (``forecasting.processes.die_with_parent_preexec``), as the CLI's and the
service's children are (tests/test_ops_processes.py). A zombie is not a running process.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from tests.live_processes import running as _running

ROOT = Path(__file__).resolve().parent.parent
#: Seconds the server may take to shut down after its parent is gone.
GRACE_S = 10.0

_CHILD = textwrap.dedent(
    """
    import sys, time
    import pytest
    from tests import pg_cluster
    try:
        cluster = pg_cluster.start()
    except pytest.skip.Exception as e:
        print("SKIP", e, flush=True)
        sys.exit(0)
    print(cluster.root, flush=True)
    time.sleep(120)
    """
)


def _server(root: Path) -> list[psutil.Process]:
    """The postmaster (first line of its pid file) and its backends."""
    pid = int((root / "data" / "postmaster.pid").read_text().split()[0])
    postmaster = psutil.Process(pid)
    return [postmaster, *postmaster.children(recursive=True)]


@pytest.mark.postgres
def test_the_test_server_dies_when_the_test_run_is_killed() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen(
        [sys.executable, "-c", _CHILD], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    server: list[psutil.Process] = []
    root: Path | None = None
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline().strip()
        if line.startswith("SKIP"):
            pytest.skip(line)
        root = Path(line)
        server = _server(root)
        assert _running(server), "the server is not running"
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + GRACE_S
        while _running(server) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [(p.pid, " ".join(p.cmdline())[:100]) for p in _running(server)]
        assert left == [], f"still running {GRACE_S} s after the test run was killed: {left}"
    finally:
        if parent.poll() is None:
            parent.kill()
        for p in _running(server):  # never leave it behind, even when the test fails
            p.kill()
        if root is not None:  # a killed run leaves its temp folder (documented)
            shutil.rmtree(root, ignore_errors=True)
