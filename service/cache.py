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

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
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
METRICS_SUFFIX = "/metrics"


@dataclass
class _Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    route: Any


def _cacheable(path: str) -> bool:
    if path in CACHEABLE_EXACT or path.startswith(CACHEABLE):
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
        if release is None:
            context = getattr(scope["app"].state, "context", None)
            release = context.releases.current_id() if context is not None else None
        if release is None:
            return None
        headers = dict(scope["headers"])
        csv = b"text/csv" in headers.get(b"accept", b"")
        host = headers.get(b"host", b"").decode("latin-1")  # next-page links name the host
        text = f"{release}|{host}|{scope['path']}|{urlencode(sorted(query))}|{csv}"
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


def _plain(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Response headers without our own cache markers."""
    return [(k, v) for k, v in headers if k.lower() not in (b"x-cache", b"etag")]
