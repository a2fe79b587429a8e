"""Child processes that cannot outlive their parent.

Two tools, because a child can be tied to its parent in two ways:

* :func:`die_with_parent_preexec` for a child that ``exec``s another program (Prefect's API
  server): Linux ``prctl(PR_SET_PDEATHSIG)``, set between ``fork`` and ``exec`` and kept across
  ``exec``. The kernel sends the signal when the *thread* that started the child ends, so the
  child must be started from a thread that lives as long as the process (the main thread).
* :func:`exit_with_parent` for a Python worker (a ``ProcessPoolExecutor`` initializer): a
  daemon thread in the worker ends it once its parent is gone. It does not depend on which
  thread of the parent started the worker (the service starts its scenario worker from a
  short-lived warm-up thread, so ``PR_SET_PDEATHSIG`` would kill it when that thread ends).

Both cover a parent killed with SIGKILL, which runs no clean-up of its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:  # pragma: no cover - no libc to load
        return None
    fn: Callable[..., int] = libc.prctl
    return fn


def die_with_parent_preexec(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` for :class:`subprocess.Popen`: the child gets ``sig`` when we die.

    Returns None off Linux (no such kernel feature; use it as ``preexec_fn=None``). libc is
    loaded here, in the parent, so that the child only makes the system call. The child also
    exits at once if the parent is already gone (it died between ``fork`` and ``prctl``).
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def exit_with_parent(parent_pid: int, interval_s: float = 0.5) -> None:
    """End this (worker) process once ``parent_pid`` is no longer its parent.

    For ``ProcessPoolExecutor(initializer=exit_with_parent, initargs=(os.getpid(),))``: a
    daemon thread polls ``os.getppid()`` every ``interval_s`` seconds (the worker is reparented
    when its parent dies) and calls ``os._exit`` then, so a run in progress is dropped.

    Parameters
    ----------
    parent_pid
        Process id of the parent, taken in the parent (``os.getpid()`` there).
    interval_s
        Polling interval in seconds (the longest the worker outlives its parent).
    """
    if os.getppid() != parent_pid:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval_s)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
