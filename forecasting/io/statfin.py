"""A thin synchronous client for the StatFin PxWeb API v1 (``https://pxdata.stat.fi``).

- Limits come from ``GET {base}/{lang}/?config`` (``maxCalls`` per ``timeWindow`` seconds,
  ``maxCells``/``maxValues`` per query); every request (retries included) passes a
  sliding-window :class:`RateLimiter`.
- ``GET .../{database}/{db}/{table}.px`` gives the table's variables and value codes
  (:class:`TableMetadata`); variable codes that carry a vintage (``alue_23_20260101``) are
  found by prefix with :meth:`TableMetadata.find`. A missing variable or value code raises
  :class:`~forecasting.errors.SchemaDriftError`.
- :meth:`StatFinClient.query` POSTs json-stat2 queries, split over the largest dimension so
  that no part exceeds the cell limit, and reassembles the parts exactly.
- 429, 5xx, timeouts and dropped connections are retried with exponential backoff and jitter
  (from an injected RNG), honouring ``Retry-After`` (seconds or an HTTP date); other 4xx
  raise :class:`StatFinHTTPError` at once; an unreachable host raises
  :class:`~forecasting.errors.OfflineError`.

Clock, sleep and RNG are injectable so that all of this is tested offline and instantly.
"""

from __future__ import annotations

__all__ = [
    "ApiLimits",
    "RateLimiter",
    "RetryPolicy",
    "StatFinClient",
    "StatFinHTTPError",
    "TableMetadata",
    "Variable",
    "count_cells",
    "parse_retry_after",
    "query_body",
    "split_selection",
]

import itertools
import logging
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import xarray as xr

from forecasting import __version__
from forecasting.errors import DataError, OfflineError, SchemaDriftError, ValidationError
from forecasting.io.jsonstat import parse_response
from forecasting.io.ratelimit import RandomSource, RateLimiter, RetryPolicy, parse_retry_after
from forecasting.settings import get_settings

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Seconds kept beyond the server's time window, against clock skew and window-edge counting.
RATE_MARGIN_S = 0.5
Selections = Mapping[str, Sequence[str]]


class StatFinHTTPError(DataError):
    """A StatFin request failed for good: a non-retryable status, or retries exhausted.

    Attributes
    ----------
    status
        The HTTP status, or ``None`` when the last failure was a timeout or dropped connection.
    url
        The request URL.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None):
        super().__init__(message, source=url)
        self.url = url
        self.status = status


@dataclass(frozen=True)
class ApiLimits:
    """The API's limits. Defaults are PxWeb's documented defaults, used until ``?config``."""

    max_calls: int = 30
    time_window: float = 10.0
    max_cells: int = 100_000

    @classmethod
    def from_config(cls, doc: Mapping[str, Any]) -> ApiLimits:
        """Read ``maxCalls``, ``timeWindow`` and ``maxCells``/``maxValues`` (the smaller)."""
        try:
            cells = [int(doc[k]) for k in ("maxCells", "maxValues") if k in doc]
            limits = cls(
                max_calls=int(doc.get("maxCalls", cls.max_calls)),
                time_window=float(doc.get("timeWindow", cls.time_window)),
                max_cells=min(cells) if cells else cls.max_cells,
            )
        except (TypeError, ValueError) as exc:
            raise DataError(f"malformed API config {dict(doc)!r}: {exc}") from None
        if limits.max_calls < 1 or limits.time_window <= 0 or limits.max_cells < 1:
            raise DataError(f"API config gives unusable limits {limits}")
        return limits


@dataclass(frozen=True)
class Variable:
    """One variable of a table's metadata."""

    code: str
    text: str
    values: tuple[str, ...]
    value_texts: tuple[str, ...]
    elimination: bool = False
    time: bool = False


@dataclass(frozen=True)
class TableMetadata:
    """A table's variables as ``GET {table}.px`` describes them."""

    table: str
    title: str
    variables: tuple[Variable, ...]
    _by_code: dict[str, Variable] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {v.code: v for v in self.variables})

    @classmethod
    def from_json(cls, table: str, doc: object) -> TableMetadata:
        """Parse the metadata document; :class:`SchemaDriftError` if it is not one."""
        if not isinstance(doc, Mapping) or not isinstance(doc.get("variables"), list):
            raise SchemaDriftError(f"{table}: the response is not table metadata")
        variables = []
        for var in doc["variables"]:
            values = tuple(str(v) for v in var.get("values") or ())
            texts = tuple(str(t) for t in var.get("valueTexts") or values)
            variables.append(
                Variable(
                    code=str(var["code"]),
                    text=str(var.get("text", var["code"])),
                    values=values,
                    value_texts=texts,
                    elimination=bool(var.get("elimination", False)),
                    time=bool(var.get("time", False)),
                )
            )
        return cls(table=table, title=str(doc.get("title", "")), variables=tuple(variables))

    def variable(self, code: str) -> Variable:
        """The variable with exactly this code, or :class:`SchemaDriftError`."""
        if code not in self._by_code:
            raise SchemaDriftError(
                f"{self.table}: no variable {code!r} (have {sorted(self._by_code)})"
            )
        return self._by_code[code]

    def find(self, prefixes: Sequence[str]) -> Variable:
        """The one variable whose code starts with one of ``prefixes`` (case-insensitive).

        Codes with a vintage (``alue_23_20260101``) are found by their stable prefix.

        Raises
        ------
        SchemaDriftError
            No variable or more than one matches.
        """
        lowered = tuple(p.lower() for p in prefixes)
        hits = [v for v in self.variables if v.code.lower().startswith(lowered)]
        if len(hits) != 1:
            have = [v.code for v in self.variables]
            what = "no variable" if not hits else f"{len(hits)} variables"
            raise SchemaDriftError(f"{self.table}: {what} with a code starting {prefixes} {have}")
        return hits[0]

    def require(self, code: str, values: Sequence[str]) -> None:
        """:class:`SchemaDriftError` unless variable ``code`` offers every one of ``values``."""
        offered = set(self.variable(code).values)
        missing = [v for v in values if v not in offered]
        if missing:
            raise SchemaDriftError(f"{self.table}: variable {code!r} lacks value codes {missing}")


def count_cells(selections: Selections) -> int:
    """Cells a query selects: the product of the numbers of selected values."""
    return math.prod(len(v) for v in selections.values())


def split_selection(selections: Selections, max_cells: int) -> tuple[str, list[tuple[str, ...]]]:
    """Split the largest selection into balanced chunks so that each part fits ``max_cells``.

    Returns ``(variable code, chunks in order)``. If even single values of the largest
    variable do not fit, the chunks are single values and the caller splits each again.
    """
    if max_cells < 1:
        raise ValidationError("max_cells", "must be at least 1")
    code = max(selections, key=lambda k: len(selections[k]))
    values = list(selections[code])
    rest = count_cells(selections) // max(len(values), 1)
    per_part = max(1, max_cells // max(rest, 1))
    n_parts = math.ceil(len(values) / per_part)
    bounds = np.linspace(0, len(values), n_parts + 1).round().astype(int)
    return code, [tuple(values[a:b]) for a, b in itertools.pairwise(bounds)]


def query_body(selections: Selections, response_format: str = "json-stat2") -> dict[str, Any]:
    """The PxWeb v1 POST body selecting explicit items of each variable."""
    return {
        "query": [
            {"code": code, "selection": {"filter": "item", "values": list(values)}}
            for code, values in selections.items()
        ],
        "response": {"format": response_format},
    }


def _table_path(table: str) -> str:
    """``"tyonv/12r5"`` or ``"tyonv/12r5.px"`` -> ``"tyonv/12r5.px"``."""
    path = table.strip("/")
    if "/" not in path:
        raise ValidationError("table", f"{table!r} must be 'db/table', e.g. 'tyonv/12r5.px'")
    return path if path.endswith(".px") else f"{path}.px"


class StatFinClient:
    """Synchronous StatFin PxWeb v1 client (see the module docstring).

    Parameters
    ----------
    base_url, language
        API root and language (``fi``, ``sv``, ``en``); default from settings.
    transport
        An ``httpx`` transport (``httpx.MockTransport`` in tests).
    clock, sleep
        Monotonic time source (s) and sleep function for the rate limiter and backoff.
    rng
        Jitter source (``random()`` in [0, 1)); default an unseeded :class:`random.Random`.
    retry
        Backoff policy; default ``max_retries`` from settings.
    limits
        Fixed limits; default: read from ``?config`` on first use.
    database
        The PxWeb database (``StatFin``).
    timeout
        Per-request timeout (s); default from settings.
    wallclock
        Unix time source, for ``Retry-After`` dates when the response has no ``Date``.
    """

    def __init__(
        self,
        base_url: str | None = None,
        language: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: RandomSource | None = None,
        retry: RetryPolicy | None = None,
        limits: ApiLimits | None = None,
        database: str = "StatFin",
        timeout: float | None = None,
        wallclock: Callable[[], float] = time.time,
    ):
        cfg = get_settings().statfin
        self.base_url = (base_url or cfg.base_url).rstrip("/")
        self.language = language or cfg.language
        self.database = database
        self.retry = retry or RetryPolicy(max_retries=cfg.max_retries)
        self._rng: RandomSource = rng if rng is not None else random.Random()
        self._sleep, self._wallclock = sleep, wallclock
        self._limits = limits
        start = limits or ApiLimits()
        self._limiter = RateLimiter(
            start.max_calls, start.time_window, clock=clock, sleep=sleep, margin=RATE_MARGIN_S
        )
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout if timeout is not None else cfg.timeout_s,
            headers={"User-Agent": f"ennakointi/{__version__}", "Accept": "application/json"},
        )
        self._metadata: dict[str, TableMetadata] = {}
        self.requests = 0

    def __enter__(self) -> StatFinClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    @property
    def call_times(self) -> tuple[float, ...]:
        """Clock times of the calls still inside the rate limiter's window."""
        return tuple(self._limiter.calls)

    @property
    def limits(self) -> ApiLimits:
        """The API's limits, read from ``?config`` on first use.

        A server that answers ``?config`` with a client error (or something that is not a
        config) gets PxWeb's defaults; being unreachable or failing for good raises.
        """
        if self._limits is None:
            url = f"{self.base_url}/{self.language}/?config"
            try:
                doc = _json(self._send("GET", url))
                if not isinstance(doc, Mapping):
                    raise DataError("the config is not a JSON object", source=url)
                limits = ApiLimits.from_config(doc)
            except StatFinHTTPError as exc:
                if exc.status is None or exc.status in RETRY_STATUSES:
                    raise
                log.warning("no ?config at %s (%s); using PxWeb defaults", url, exc)
                limits = ApiLimits()
            except DataError as exc:
                log.warning("unusable ?config at %s (%s); using PxWeb defaults", url, exc)
                limits = ApiLimits()
            self._limits = limits
            self._limiter.update(limits.max_calls, limits.time_window)
        return self._limits

    def table_url(self, table: str) -> str:
        """Full URL of ``"db/table.px"`` in this client's database and language."""
        return f"{self.base_url}/{self.language}/{self.database}/{_table_path(table)}"

    def metadata(self, table: str) -> TableMetadata:
        """Variables and value codes of ``table`` (``"tyonv/12r5.px"``), cached per client."""
        path = _table_path(table)
        if path not in self._metadata:
            _ = self.limits
            resp = self._send("GET", self.table_url(path))
            self._metadata[path] = TableMetadata.from_json(path, _json(resp))
        return self._metadata[path]

    def query(self, table: str, selections: Selections) -> xr.Dataset:
        """Fetch explicit value selections of ``table`` as a raw dataset (see ``jsonstat``).

        Parameters
        ----------
        table
            ``"db/table.px"``, e.g. ``"tyonv/12r5.px"``.
        selections
            ``{variable code: value codes}``; variables left out are eliminated by the
            server (they must allow elimination).

        Returns
        -------
        The dataset of :func:`forecasting.io.jsonstat.parse_response`, dims in the table's
        variable order, values of each dim in the table's order; identical whether or not
        the query had to be split.

        Raises
        ------
        SchemaDriftError
            A variable or value code the table does not have, or a non-eliminable variable
            left out.
        """
        meta = self.metadata(table)
        ordered = _ordered_selection(meta, selections)
        return self._fetch(table, ordered, self.limits.max_cells)

    def _fetch(self, table: str, selections: Selections, max_cells: int) -> xr.Dataset:
        """One POST if the query fits, else split, fetch the parts and concatenate."""
        if count_cells(selections) <= max_cells:
            return self._post(table, selections)
        code, chunks = split_selection(selections, max_cells)
        parts = [self._fetch(table, {**selections, code: chunk}, max_cells) for chunk in chunks]
        return xr.concat(
            parts,
            dim=code,
            data_vars="all",
            coords="different",
            compat="equals",
            join="exact",
            combine_attrs="override",
        )

    def _post(self, table: str, selections: Selections) -> xr.Dataset:
        """POST one query and check that the response holds exactly what was asked."""
        url = self.table_url(table)
        resp = self._send("POST", url, body=query_body(selections))
        try:
            ds = parse_response(resp.content)
        except DataError as exc:
            raise DataError(f"unreadable response: {exc}", source=url) from None
        for code, values in selections.items():
            got = [str(v) for v in ds[code].values] if code in ds.dims else None
            if got is None or sorted(got) != sorted(values):
                raise DataError(f"response to {code}={list(values)[:5]}... has {got}", source=url)
        return ds.sel({code: list(values) for code, values in selections.items()})

    def _send(self, method: str, url: str, body: Any = None) -> httpx.Response:
        """One request through the rate limiter, retried per :attr:`retry`."""
        failure: _Failure = _Failure(None, None, "no attempt")
        for attempt in range(self.retry.max_retries + 1):
            outcome = self._attempt(method, url, body)
            if isinstance(outcome, httpx.Response):
                return outcome
            failure = outcome
            if attempt == self.retry.max_retries:
                break
            delay = self.retry.delay(attempt, self._rng, failure.wait)
            log.info("%s %s: %s; retry %d in %.1f s", method, url, failure.what, attempt + 1, delay)
            self._sleep(delay)
        raise StatFinHTTPError(
            f"gave up after {self.retry.max_retries + 1} attempts, last: {failure.what}",
            url=url,
            status=failure.status,
        )

    def _attempt(self, method: str, url: str, body: Any) -> httpx.Response | _Failure:
        """One rate-limited request: the response, or a retryable failure; raises otherwise."""
        self._limiter.acquire()
        self.requests += 1
        try:
            resp = self._http.request(method, url, json=body)
        except httpx.ConnectError as exc:
            raise OfflineError(
                f"StatFin is not reachable at {self.base_url} ({exc}); nothing was changed"
            ) from exc
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            return _Failure(None, None, f"{type(exc).__name__}: {exc}")
        if resp.status_code < 400:
            return resp
        what = f"HTTP {resp.status_code}"
        if resp.status_code not in RETRY_STATUSES:
            raise StatFinHTTPError(f"{what}: {resp.text[:200]}", url=url, status=resp.status_code)
        return _Failure(resp.status_code, self._retry_after(resp, url), what)

    def _retry_after(self, resp: httpx.Response, url: str) -> float | None:
        """The response's ``Retry-After`` in seconds; fail if it is longer than allowed."""
        wait = parse_retry_after(
            resp.headers.get("Retry-After"),
            now=self._wallclock(),
            server_date=resp.headers.get("Date"),
        )
        if wait is not None and wait > self.retry.max_retry_after:
            raise StatFinHTTPError(
                f"HTTP {resp.status_code} with Retry-After {wait:.0f} s (limit "
                f"{self.retry.max_retry_after:.0f} s)",
                url=url,
                status=resp.status_code,
            )
        return wait


@dataclass(frozen=True)
class _Failure:
    """A retryable failure: HTTP status (None for transport errors), Retry-After (s), text."""

    status: int | None
    wait: float | None
    what: str


def _json(resp: httpx.Response) -> object:
    """The response body as JSON, or :class:`DataError` naming the URL."""
    try:
        return resp.json()
    except ValueError as exc:
        raise DataError(f"response is not JSON: {exc}", source=str(resp.request.url)) from None


def _ordered_selection(meta: TableMetadata, selections: Selections) -> dict[str, tuple[str, ...]]:
    """Selections checked against the metadata, in the table's variable and value order."""
    ordered: dict[str, tuple[str, ...]] = {}
    for code in selections:
        meta.variable(code)
    for var in meta.variables:
        if var.code not in selections:
            if not var.elimination:
                raise SchemaDriftError(
                    f"{meta.table}: variable {var.code!r} cannot be eliminated; select values"
                )
            continue
        wanted = [str(v) for v in selections[var.code]]
        if not wanted:
            raise ValidationError(f"selections[{var.code!r}]", "selects no values")
        if len(set(wanted)) != len(wanted):
            raise ValidationError(f"selections[{var.code!r}]", "has duplicate values")
        meta.require(var.code, wanted)
        keep = set(wanted)
        ordered[var.code] = tuple(v for v in var.values if v in keep)
    return ordered
