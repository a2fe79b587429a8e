"""Which of a list of processes are still alive (zombies count as gone): the orphan checks of
the process tests share it."""

from __future__ import annotations

import psutil


def running(procs: list[psutil.Process]) -> list[psutil.Process]:
    """The processes of ``procs`` that still run (not ended, not a zombie)."""
    alive = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except psutil.NoSuchProcess:
            pass
    return alive
