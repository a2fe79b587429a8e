"""Small pure-ASGI guards: security headers on every response, a request-body size limit (413),
JSON request bodies only (415) and a token-bucket rate limit (429).

Why not slowapi: it limits per decorated route and needs a ``request`` parameter on every
endpoint; what this service needs is one global budget per client in front of everything,
which is a 40-line token bucket without a dependency. Buckets are per client: the SHA-256 of
the API key when one is sent (so a key holder is not throttled by its neighbours), otherwise
the client address. State is per process; behind several workers the budget multiplies.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import PROBLEM_MEDIA_TYPE, TITLES


async def send_problem(
    send: Send, status: int, detail: str, headers: Iterable[tuple[str, str]] = ()
) -> None:
    """Send a complete problem+json response from middleware (before the app ran)."""
    body = json.dumps(
        {
            "type": f"https://ennakointi.invalid/problems/{status}",
            "title": TITLES.get(status, "Error"),
            "status": status,
            "detail": detail,
        }
    ).encode()
    raw = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in headers),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, by header or by counting the stream."""

    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await send_problem(send, 413, f"the request body exceeds {self.max_bytes} bytes")
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # FastAPI re-raises HTTPExceptions from body parsing: the handler answers 413.
                    raise HTTPException(413, f"the request body exceeds {self.max_bytes} bytes")
            return message

        await self.app(scope, counting_receive, send)


#: Media types a request body may have: JSON, or a JSON-based ``+json`` type.
def _is_json(content_type: bytes) -> bool:
    media, _, params = content_type.decode("latin-1").partition(";")
    media = media.strip().lower()
    if not (
        media == "application/json"
        or (media.startswith("application/") and media.endswith("+json"))
    ):
        return False
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            return False
    return True


class JsonBodyMiddleware:
    """Refuse a request body that is not declared JSON with 415 (``Accept-Post`` names JSON).

    Every write route takes a JSON body; a form post, ``text/plain`` or a body without a
    ``Content-Type`` would otherwise reach the route as text and come back as a confusing
    422. Requests without a body (``Content-Length: 0``, no ``Transfer-Encoding``) pass:
    routes with an optional body accept them. A declared-JSON body that does not parse is
    the router's 400 (:mod:`service.errors`).
    """

    METHODS = frozenset({"POST", "PUT", "PATCH"})

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in self.METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"").strip()
        has_body = b"transfer-encoding" in headers or (length not in (b"", b"0"))
        if has_body and not _is_json(headers.get(b"content-type", b"")):
            await send_problem(
                send,
                415,
                "the request body must be JSON: send Content-Type: application/json (UTF-8)",
                [("Accept-Post", "application/json")],
            )
            return
        await self.app(scope, receive, send)


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimitMiddleware:
    """A token bucket per client: ``per_minute`` tokens a minute, bursts up to ``burst``.

    Paths in ``exempt`` (health and metrics probes) are never limited. A refused request gets
    429 with ``Retry-After`` (whole seconds until a token is available).
    """

    MAX_CLIENTS = 10_000

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_minute: int,
        burst: int | None = None,
        exempt: Iterable[str] = ("/healthz", "/metrics"),
        known_keys: Iterable[str] = (),
        clock: Callable[[], float] | None = None,
    ):
        self.app = app
        self.known_keys = frozenset(known_keys)
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, per_minute // 6))
        self.exempt = frozenset(exempt)
        self.clock = clock or time.monotonic
        self.buckets: dict[str, _Bucket] = {}

    def _client(self, scope: Scope) -> str:
        """A configured key's own bucket, else the address's (made-up keys buy nothing)."""
        key = dict(scope["headers"]).get(b"x-api-key")
        if key:
            digest = hashlib.sha256(key).hexdigest()
            if digest in self.known_keys:
                return "key:" + digest[:16]
        client = scope.get("client")
        return f"ip:{client[0]}" if client else "ip:unknown"

    def take(self, client: str) -> float:
        """Take one token for ``client``; return 0 if granted, else seconds to wait."""
        now = self.clock()
        bucket = self.buckets.get(client)
        if bucket is None:
            if len(self.buckets) >= self.MAX_CLIENTS:
                self._prune(now)
            bucket = self.buckets[client] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _prune(self, now: float) -> None:
        """Forget buckets that have refilled completely (they carry no state)."""
        full = [
            c
            for c, b in self.buckets.items()
            if b.tokens + (now - b.stamp) * self.rate >= self.burst
        ]
        for client in full:
            del self.buckets[client]
        if len(self.buckets) >= self.MAX_CLIENTS:
            self.buckets.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt or self.rate <= 0:
            await self.app(scope, receive, send)
            return
        wait = self.take(self._client(scope))
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            await send_problem(
                send, 429, f"rate limit exceeded; retry in {retry} s", [("Retry-After", retry)]
            )
            return
        await self.app(scope, receive, send)


#: The dashboard serves its own stylesheet, no scripts, inline SVG charts (presentation
#: attributes, no ``style`` attributes) and forms that post to itself; nothing may frame it.
DASHBOARD_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: ``/docs`` (Swagger UI) and ``/redoc`` load their bundles from this server
#: (:mod:`service.apidocs`) and start them with an inline script; only these two pages get
#: that allowance.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; worker-src blob:; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SecurityHeadersMiddleware:
    """Add the security headers (and a Content-Security-Policy) to every HTTP response.

    Outermost, so problems sent by the other middlewares (413, 429) carry them too; a header
    a route set itself is kept.
    """

    def __init__(self, app: ASGIApp, *, docs_paths: Iterable[str] = ("/docs", "/redoc")):
        self.app = app
        self.docs_paths = frozenset(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] in self.docs_paths else DASHBOARD_CSP
        extra = (*SECURITY_HEADERS, (b"content-security-policy", csp.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
