"""API keys with scopes for every write route.

Keys live in ``get_settings().service.api_keys`` as ``"name:sha256hex:scope1,scope2"``: only the
SHA-256 of a key is stored, and the presented key's hash is compared with every stored hash in
constant time (:func:`hmac.compare_digest`), so neither the key nor its position leaks through
timing. A missing or unknown key is 401, a known key without the route's scope is 403.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from forecasting.errors import ValidationError

API_KEY_HEADER = "X-API-Key"

#: Every scope a route can require; keys may hold any subset (``*`` grants all).
SCOPES: dict[str, str] = {
    "events:write": "register events (layoffs, closures, recruitments)",
    "scenarios:run": "run scenarios on demand",
    "alerts:subscribe": "create alert subscriptions",
    "alerts:ack": "acknowledge alerts",
    "alerts:deliveries": "list and replay dead-letter deliveries",
}

api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="An API key issued by the service operator; write routes need one with a scope.",
)


@dataclass(frozen=True)
class ApiKey:
    """One configured key: who holds it, the SHA-256 hex of the key, and its scopes."""

    name: str
    sha256: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a write route."""

    name: str
    scopes: frozenset[str]


def hash_key(raw: str) -> str:
    """The SHA-256 hex digest under which a raw key is stored in the settings."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def parse_keys(entries: Iterable[str]) -> tuple[ApiKey, ...]:
    """Parse ``"name:sha256hex:scope1,scope2"`` entries; a malformed entry is refused."""
    keys = []
    for i, entry in enumerate(entries):
        parts = entry.strip().split(":", 2)
        if len(parts) != 3:
            raise ValidationError(f"service.api_keys[{i}]", "expected 'name:sha256hex:scopes'")
        name, digest, scopes = parts
        digest = digest.lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValidationError(f"service.api_keys[{i}]", "the key hash must be 64 hex digits")
        granted = frozenset(s.strip() for s in scopes.split(",") if s.strip())
        unknown = granted - set(SCOPES) - {"*"}
        if unknown:
            raise ValidationError(f"service.api_keys[{i}]", f"unknown scopes {sorted(unknown)}")
        keys.append(ApiKey(name=name, sha256=digest, scopes=granted))
    return tuple(keys)


def authenticate(raw: str | None, keys: Iterable[ApiKey]) -> Principal | None:
    """The holder of ``raw``, or None. Compares against every key (no early exit)."""
    if not raw:
        return None
    presented = hash_key(raw)
    found: ApiKey | None = None
    for key in keys:
        if hmac.compare_digest(presented, key.sha256):
            found = key
    return None if found is None else Principal(name=found.name, scopes=found.scopes)


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        401, detail, headers={"WWW-Authenticate": f'APIKey header="{API_KEY_HEADER}"'}
    )


def require_scope(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits only callers whose key holds ``scope``."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    async def dependency(
        request: Request, raw: Annotated[str | None, Security(api_key_header)]
    ) -> Principal:
        if not raw:
            raise _unauthorised(f"this route needs an API key in the {API_KEY_HEADER} header")
        principal = authenticate(raw, request.app.state.context.api_keys)
        if principal is None:
            raise _unauthorised("the API key is not valid")
        if scope not in principal.scopes and "*" not in principal.scopes:
            raise HTTPException(403, f"the API key {principal.name!r} lacks the scope {scope!r}")
        return principal

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    return dependency


def scoped(scope: str) -> object:
    """``Annotated`` metadata for a route parameter: ``Annotated[Principal, scoped("x:y")]``."""
    return Depends(require_scope(scope))
