"""Responses of release data are immutable: cache them per release, revalidate with ETags.

A release never changes after publication, so a GET of release data is a pure function of
(release id, path, query, format). :class:`ReleaseCacheMiddleware` keeps the newest such
responses in memory (LRU, bounded in bytes), answers repeats without touching the cubes, and
gives every cacheable response an ``ETag`` so clients can revalidate (``If-None-Match`` ->
304). The key holds the release id (the current one, or ``?release=``), so a new release is
never answered from an old one's entries. Alerts, events, subscriptions, scenario runs and
the release listing are live data and are never cached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Path prefixes whose GET responses come from an immutable release.
CACHEABLE = (
    "/v1/areas",
    "/v1/registers/",
    "/v1/population",
    "/v1/labour-supply",
    "/v1/jobs",
    "/v1/training-needs",
    "/v1/occupations/",
)
CACHEABLE_EXACT = ("/v1/scenarios",)
#: Dashboard pages that are a pure function of the release, the URL and the day (their
#: freshness notes are judged at the service's today, ``ServiceContext.clock``): cached like release
#: data with the day in the key. The scenario form (:data:`FORM`) is cached only without
#: ``run`` (and keyed by whether the engine is available, its message, and by the service's
#: today, its default start); the start page (live alert count), the alerts page and
#: scenario runs are live and never cached here.
PAGES = (
    "/forecasts",
    "/training",
    "/population",
    "/labour",
    "/jobs",
    "/occupations",
    "/groups",
    "/map",
)
FORM = "/scenarios"
METRICS_SUFFIX = "/metrics"


@dataclass
class _Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    route: Any


def _cacheable(path: str) -> bool:
    if path in CACHEABLE_EXACT or path in PAGES or path == FORM or path.startswith(CACHEABLE):
        return True
    return path.startswith("/v1/releases/") and path.endswith(METRICS_SUFFIX)


class ReleaseCacheMiddleware:
    """An in-memory LRU of release-data responses, bounded by ``max_bytes``."""

    MAX_ENTRY = 2_000_000

    def __init__(self, app: ASGIApp, *, max_bytes: int = 64_000_000):
        self.app = app
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self.entries: OrderedDict[str, _Entry] = OrderedDict()

    def _key(self, scope: Scope) -> str | None:
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        release = dict(query).get("release")
        context = getattr(scope["app"].state, "context", None)
        if release is None:
            release = context.releases.current_id() if context is not None else None
        if release is None:
            return None
        headers = dict(scope["headers"])
        csv = b"text/csv" in headers.get(b"accept", b"")
        host = headers.get(b"host", b"").decode("latin-1")  # next-page links name the host
        text = f"{release}|{host}|{scope['path']}|{urlencode(sorted(query))}|{csv}"
        if scope["path"] == FORM:
            if any(name == "run" for name, _ in query) or context is None:
                return None  # a run is live (the queue), never cached
            text += f"|{context.scenarios.available}"
        if scope["path"] in PAGES or scope["path"] == FORM:
            # the day the page's freshness notes (and the form's default start) are judged at
            today = context.clock() if context is not None else dt.date.today()
            text += f"|{today.isoformat()}"
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def _store(self, key: str, entry: _Entry) -> None:
        if len(entry.body) > self.MAX_ENTRY:
            return
        self.entries[key] = entry
        self.size += len(entry.body)
        while self.size > self.max_bytes and self.entries:
            _, old = self.entries.popitem(last=False)
            self.size -= len(old.body)

    async def _replay(self, scope: Scope, send: Send, key: str, entry: _Entry) -> None:
        scope["route"] = entry.route
        etag = f'"{key}"'.encode()
        if dict(scope["headers"]).get(b"if-none-match") == etag:
            headers = [(k, v) for k, v in entry.headers if k in (b"etag", b"cache-control")]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [*entry.headers, (b"x-cache", b"hit")]
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": entry.body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not _cacheable(scope["path"]):
            await self.app(scope, receive, send)
            return
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
            self.hits += 1
            await self._replay(scope, send, key, entry)
            return
        self.misses += 1
        await self._record(scope, receive, send, key)

    async def _record(self, scope: Scope, receive: Receive, send: Send, key: str) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        etag = (b"etag", f'"{key}"'.encode())

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                if message["status"] == 200:
                    message = {**message, "headers": [*_plain(message["headers"]), etag,
                                                      (b"x-cache", b"miss")]}  # fmt: skip
            elif message["type"] == "http.response.body" and start.get("status") == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    headers = [*_plain(start["headers"]), etag]
                    self._store(key, _Entry(200, headers, b"".join(chunks), scope.get("route")))
            await send(message)

        await self.app(scope, receive, capture)


class ReleaseMemo:
    """Values derived from one release (a page's tables, figures), kept per release id.

    ``get(release_id, key, compute)`` returns the stored value or stores ``compute()``; a
    release is immutable, so the value never goes stale while its id is current. Bounded
    (least recently used out); thread-safe (sync routes run in a thread pool).
    """

    def __init__(self, max_entries: int = 256):
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[str, Hashable], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, release_id: str | None, key: Hashable, compute: Callable[[], Any]) -> Any:
        if release_id is None:
            return compute()
        full = (release_id, key)
        with self._lock:
            if full in self.entries:
                self.entries.move_to_end(full)
                return self.entries[full]
        value = compute()
        with self._lock:
            self.entries[full] = value
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
        return value


#: The service's memo of release-derived page parts (one process, every app in it).
memo = ReleaseMemo()


def _plain(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Response headers without our own cache markers."""
    return [(k, v) for k, v in headers if k.lower() not in (b"x-cache", b"etag")]
