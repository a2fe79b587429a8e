"""Politeness and resilience for HTTP clients: a sliding-window rate limiter and a retry policy.

Pure logic with injectable clock, sleep and RNG (no I/O); used by
:class:`forecasting.io.statfin.StatFinClient`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Protocol


class RandomSource(Protocol):
    """Anything with ``random() -> float`` in [0, 1): :class:`random.Random`, numpy Generator."""

    def random(self) -> float: ...


class RateLimiter:
    """Sliding-window limiter: at most ``max_calls`` calls in any ``window`` seconds.

    Parameters
    ----------
    max_calls, window
        The limit (calls) and its window (s).
    clock, sleep
        Time source (s, monotonic) and sleep function; inject fakes in tests.
    margin
        Extra seconds to wait beyond the window edge (clock skew with the server).
    """

    def __init__(
        self,
        max_calls: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = 0.0,
    ):
        self.max_calls, self.window, self.margin = int(max_calls), float(window), float(margin)
        self._clock, self._sleep = clock, sleep
        self.calls: deque[float] = deque()

    def update(self, max_calls: int, window: float) -> None:
        """Adopt new limits (read from ``?config``); the call history is kept."""
        self.max_calls, self.window = int(max_calls), float(window)

    def acquire(self) -> float:
        """Block until a call is allowed, record it and return its time."""
        while True:
            now = self._clock()
            horizon = now - self.window - self.margin
            while self.calls and self.calls[0] <= horizon:
                self.calls.popleft()
            if len(self.calls) < self.max_calls:
                self.calls.append(now)
                return now
            index = len(self.calls) - self.max_calls
            self._sleep(max(self.calls[index] - horizon, 1e-6))


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter.

    The ``n``-th retry (0-based) waits ``b * (0.5 + 0.5 u)`` with ``b = min(max_delay,
    base_delay * 2**n)`` and ``u`` uniform from the RNG, or, when the server sent
    ``Retry-After: t``, ``t + 0.5 * base_delay * u``. A ``Retry-After`` beyond
    ``max_retry_after`` seconds is not waited for: the request fails.
    """

    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 300.0

    def delay(self, attempt: int, rng: RandomSource, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        u = float(rng.random())
        if retry_after is not None:
            return retry_after + 0.5 * self.base_delay * u
        backoff = min(self.max_delay, self.base_delay * 2.0**attempt)
        return backoff * (0.5 + 0.5 * u)


def parse_retry_after(
    value: str | None, *, now: float, server_date: str | None = None
) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    An HTTP date is measured against the response's own ``Date`` header when there is one
    (immune to clock skew), else against ``now`` (Unix seconds). ``None`` if absent or
    unparsable; never negative.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        target = parsedate_to_datetime(text).timestamp()
        ref = parsedate_to_datetime(server_date).timestamp() if server_date else now
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, target - ref)
