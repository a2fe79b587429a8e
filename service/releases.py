"""The service's view of the release store: the current release, archived ones, their datasets.

The current release is re-read from the store at most every ``ttl`` seconds, so a release
published by a flow is served without a restart; opened releases (and the datasets they have
loaded) are kept in a small LRU, so a request costs a dictionary look-up, not a file read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xarray as xr

from forecasting.errors import EnnakointiError
from forecasting.io.release_store import Release, ReleaseInfo, ReleaseStore
from service.errors import NotConfiguredError, NotInReleaseError

log = logging.getLogger(__name__)


class Releases:
    """Thread-safe access to the release store for request handlers.

    Parameters
    ----------
    root
        The release store directory.
    ttl
        Seconds between re-reads of the current-release pointer.
    keep
        How many opened releases (with their loaded datasets) to keep in memory.
    clock
        Monotonic clock (injectable for tests).
    """

    def __init__(
        self,
        root: Path,
        *,
        ttl: float = 2.0,
        keep: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = ReleaseStore(root)
        self.ttl = ttl
        self.keep = keep
        self.clock = clock
        self._lock = threading.Lock()
        self._opened: OrderedDict[str, Release] = OrderedDict()
        self._current: tuple[float, str | None] = (-float("inf"), None)
        self._verified: dict[str, list[str]] = {}
        self._verify_lock = threading.Lock()

    def current_id(self) -> str | None:
        """The id of the current release (None before the first publish)."""
        checked, current = self._current
        now = self.clock()
        if now - checked < self.ttl:
            return current
        info = self.store.current()
        current = info.id if info is not None else None
        self._current = (now, current)
        return current

    def open(self, release_id: str | None = None) -> Release:
        """Release ``release_id`` (default: the current one), opened once and cached.

        Raises
        ------
        NotConfiguredError
            No release has been published yet (503).
        ReleaseNotFoundError
            ``release_id`` is not in the archive (404).
        """
        rid = release_id or self.current_id()
        if rid is None:
            raise NotConfiguredError(
                f"no release has been published in {self.store.root}; "
                "build one with `ennakointi release build`"
            )
        with self._lock:
            release = self._opened.get(rid)
            if release is not None:
                self._opened.move_to_end(rid)
                return release
        release = self.store.open(rid)
        with self._lock:
            release = self._opened.setdefault(rid, release)
            while len(self._opened) > self.keep:
                self._opened.popitem(last=False)
        return release

    def dataset(self, release: Release, name: str) -> xr.Dataset:
        """Dataset ``name`` of ``release``; a product the release lacks is a 404 problem."""
        if name not in release.names():
            raise NotInReleaseError(
                f"{name!r} is not in this release ({release.id}); it holds: "
                f"{', '.join(release.names())}"
            )
        return release.dataset(name)

    def listing(self) -> list[ReleaseInfo]:
        """Every published release, oldest first."""
        return self.store.list_releases()

    def damaged(self, release_id: str, *, wait: bool = True) -> list[str] | None:
        """Datasets of ``release_id`` that are unreadable or differ from their manifest hash.

        Checked once per release id (a release is immutable) and cached, so ``/healthz``
        stays fast; :meth:`warm` runs the check at start-up. With ``wait=False`` a check
        running in another thread is not waited for: None (not known yet).
        """
        if release_id in self._verified:
            return self._verified[release_id]
        if not self._verify_lock.acquire(blocking=wait):
            return None
        try:
            if release_id not in self._verified:
                try:
                    self._verified[release_id] = self.open(release_id).verify()
                except EnnakointiError as exc:  # manifest unreadable: the release as a whole
                    log.error("release %s cannot be opened: %s", release_id, exc)
                    self._verified[release_id] = ["manifest"]
                if self._verified[release_id]:
                    log.error("release %s is damaged: %s", release_id, self._verified[release_id])
            return self._verified[release_id]
        finally:
            self._verify_lock.release()

    def warm(self) -> dict[str, Any]:
        """Open the current release and load all its datasets (a background task at start).

        Problems are logged, not raised: the request that needs a broken dataset reports it.
        """
        try:
            release = self.open()
            damaged = self.damaged(release.id)  # loads every dataset, checks its hash
            if damaged:
                return {"release": release.id, "datasets": 0, "damaged": damaged}
        except NotConfiguredError:
            return {"release": None, "datasets": 0}
        except (EnnakointiError, OSError, ValueError) as exc:
            log.warning("could not preload the current release: %s", exc)
            return {"release": None, "datasets": 0, "error": str(exc)}
        return {"release": release.id, "datasets": len(release.names())}
