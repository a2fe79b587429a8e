"""Warm-up of a release published while the service runs.

At start the service loads the current release's datasets and has its scenario workers
compute the baseline runs a planner's first runs need (:meth:`service.releases.Releases.warm`,
:meth:`service.scenarios.ScenarioService.warm`). A flow publishes a new release every month
without restarting the service; the service then serves it within ``Releases.ttl`` seconds,
but its datasets would load, and the form's baselines (the new release's register forecasts
as targets) would be computed, only inside the first requests that need them. The watcher
checks the current release every ``interval`` seconds in a background thread and, when it has
changed, runs the same warm-up steps for it, so the first planner after a publish waits no
longer than one before it. The service watches the release together with the month of its
today (:func:`service.app.warm_key`): the scenario form's default start is the month after
today, so a turn of the month moves the form's windows and warms them again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

#: Seconds between checks of the current release (a release is published about monthly; the
#: check is one small file read).
INTERVAL_S = 30.0


class ReleaseWatcher:
    """Call ``on_change`` (in order) whenever ``current()`` returns a new value.

    Parameters
    ----------
    current
        ``() -> the current release id`` (or a key of it and whatever else the warm-up
        depends on: :func:`service.app.warm_key`; None before the first publish).
    on_change
        Warm-up steps for a new release; each is called with no arguments, in this thread.
        A step that raises is logged and the others still run.
    interval
        Seconds between checks.
    """

    def __init__(
        self,
        current: Callable[[], str | None],
        on_change: Sequence[Callable[[], object]],
        *,
        interval: float = INTERVAL_S,
    ):
        self.current = current
        self.on_change = tuple(on_change)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen: str | None = None
        #: Release ids the watcher has warmed (in order).
        self.warmed: list[str] = []

    def start(self) -> None:
        """Start watching from the release current now (the start-up warm-up covers it)."""
        self._seen = self._read()
        self._thread = threading.Thread(target=self._loop, name="release-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 120.0) -> None:
        """Stop watching: no warm-up step starts after this; with ``timeout`` (seconds) wait
        that long for a step in progress to end (None: do not wait; :meth:`join` later)."""
        self._stop.set()
        if timeout is not None:
            self.join(timeout)

    def join(self, timeout: float = 120.0) -> None:
        """Wait for the thread to end (after :meth:`stop`)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def check(self) -> bool:
        """One check: warm the current release if it is new; True when it was."""
        current = self._read()
        if current is None or current == self._seen:
            return False
        self._seen = current
        log.info("release %s published (or its month turned): warming it", current)
        for step in self.on_change:
            if self._stop.is_set():
                break
            try:
                step()
            except Exception as exc:  # a warm-up must never take the service down
                log.warning(
                    "release watch: warm-up step failed for %s: %s", current, exc, exc_info=exc
                )
        self.warmed.append(current)
        return True

    def _read(self) -> str | None:
        try:
            return self.current()
        except Exception as exc:  # an unreadable pointer: the requests report it
            log.warning("release watch: could not read the current release: %s", exc)
            return None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()
