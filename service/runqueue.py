"""Admission and execution of on-demand scenario runs, apart from the threads serving reads.

A scenario run takes about a CPU second or more; reads take milliseconds. If runs used the
thread pool that serves the sync routes (anyio's, 40 threads), 40 anonymous clients posting
runs would hold every thread waiting for the engine, and ``/healthz`` and every read would
queue behind them (the issue measured a ``/healthz`` p95 of 6.4 s under 45 such clients).

:class:`RunQueue` keeps runs out of that pool: a run is admitted on the event loop (no
thread taken), then executes on a small dedicated executor (``workers`` threads, each only
waiting for the engine's worker process). Admission is bounded:

- per client (an API key's name, else the client address): at most ``per_client`` runs
  waiting or running;
- globally: at most ``workers + max_waiting`` runs waiting or running.

A run over either bound is refused at once with :class:`BusyError` (429 with
``Retry-After``: the expected seconds until a slot frees, from the mean duration of recent
runs). A run keeps its slot until it has really finished, even when its client went away,
so the bounds hold for the work done, not only for the requests still waiting.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from service.errors import BusyError

__all__ = ["BusyError", "RunQueue"]

T = TypeVar("T")


class RunQueue:
    """A bounded FIFO of scenario runs on ``workers`` dedicated threads.

    Parameters
    ----------
    workers
        Threads executing runs (each run mostly waits for the engine's process; the engine
        serialises runs itself, so 1 is enough).
    max_waiting
        Runs admitted beyond the ``workers`` running ones; more are refused (429).
    per_client
        Runs one client may have waiting or running at once; more are refused (429).
    """

    def __init__(self, *, workers: int = 1, max_waiting: int = 4, per_client: int = 1):
        if workers < 1 or max_waiting < 0 or per_client < 1:
            raise ValueError("workers >= 1, max_waiting >= 0 and per_client >= 1 are required")
        self.workers = workers
        self.capacity = workers + max_waiting
        self.per_client = per_client
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scenario")
        self._lock = threading.Lock()
        self._active: dict[str, int] = {}
        self._total = 0
        self._durations: deque[float] = deque(maxlen=20)
        self.refused = 0

    @property
    def pending(self) -> int:
        """Runs admitted and not finished (waiting or running)."""
        with self._lock:
            return self._total

    def retry_after(self) -> int:
        """Seconds until a slot is likely free: the mean recent run duration times the runs
        ahead per worker (at least 1 s)."""
        with self._lock:
            mean = sum(self._durations) / len(self._durations) if self._durations else 2.0
            ahead = max(1, self._total - self.workers + 1)
        return max(1, math.ceil(mean * ahead / self.workers))

    def _admit(self, client: str) -> None:
        with self._lock:
            mine = self._active.get(client, 0)
            if mine >= self.per_client:
                reason = f"this client already has {mine} scenario run(s) waiting or running"
            elif self._total >= self.capacity:
                reason = f"{self._total} scenario runs are waiting or running (the limit)"
            else:
                self._active[client] = mine + 1
                self._total += 1
                return
            self.refused += 1
        raise BusyError(f"{reason}; retry later", self.retry_after())

    def _release(self, client: str, seconds: float | None) -> None:
        with self._lock:
            self._total -= 1
            left = self._active.get(client, 1) - 1
            if left > 0:
                self._active[client] = left
            else:
                self._active.pop(client, None)
            if seconds is not None:
                self._durations.append(seconds)

    def submit(self, client: str, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Admit and queue ``fn(*args)`` for ``client``; :class:`BusyError` if over a bound.

        The slot is released when ``fn`` returns or raises (not when the caller stops
        waiting).
        """
        self._admit(client)

        def timed() -> T:
            started = time.perf_counter()
            ok = False
            try:
                result = fn(*args)
                ok = True
                return result
            finally:
                self._release(client, time.perf_counter() - started if ok else None)

        try:
            return self._executor.submit(timed)
        except RuntimeError:  # shut down
            self._release(client, None)
            raise

    async def run(self, client: str, fn: Callable[..., T], *args: Any) -> T:
        """``await`` the result of ``fn(*args)`` run on the queue's threads (see :meth:`submit`);
        the event loop and the read threads are never blocked meanwhile."""
        return await asyncio.wrap_future(self.submit(client, fn, *args))

    def close(self) -> None:
        """Cancel the runs still waiting; a run in progress finishes on its thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)
