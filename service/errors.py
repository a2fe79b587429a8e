"""Every error leaves the service as ``application/problem+json`` (RFC 9457), from one place.

Domain errors raised by :mod:`forecasting` are mapped to HTTP statuses in :data:`STATUS_OF`;
request validation errors become 422 problems listing the offending fields (400 for a body
that is not JSON at all); HTTP exceptions
keep their status and headers; anything else is a 500 problem without internals.

Storage faults (a malformed or truncated data file, an unreadable release, a locked or
read-only alert database) are 503 with ``Retry-After``: the request was fine, the store is
not, and an operator's repair or a finished write makes a retry succeed. No body names a
server path: absolute paths are cut to their file name (:func:`scrub_paths`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from forecasting import errors as domain
from service.schemas import Problem

log = logging.getLogger(__name__)

#: Seconds a client should wait before retrying after a storage fault (503).
RETRY_AFTER_S = 30

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ServiceError(domain.EnnakointiError):
    """An error of the service layer itself (not of the domain)."""


class NotFoundError(ServiceError, LookupError):
    """A resource asked for does not exist (an alert id, a scenario result id)."""


class NotInReleaseError(NotFoundError):
    """A product, an area or a label asked for is not in the release being served."""


class ConflictError(ServiceError):
    """The request collides with a resource someone else owns (409)."""


class NotConfiguredError(ServiceError):
    """A capability (event register, scenario engine, a published release) is not available."""


class BusyError(ServiceError):
    """Too much work queued (scenario runs, globally or for this client): 429, retry later.

    Parameters
    ----------
    message
        What was over its limit.
    retry_after_s
        Whole seconds after which a retry is likely to be admitted (>= 1).
    """

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


def _release_errors() -> dict[type[BaseException], int]:
    """Release-store errors, imported lazily so the service starts without the store module."""
    try:
        from forecasting.io.release_store import ReleaseError, ReleaseNotFoundError
    except ImportError:  # pragma: no cover - the store is part of the project
        return {}
    return {ReleaseNotFoundError: 404, ReleaseError: 503}


def is_storage_fault(exc: BaseException) -> bool:
    """A fault of a store the service reads (see the module docstring), not a missing item."""
    from forecasting.io.release_store import ReleaseError, ReleaseNotFoundError

    return isinstance(exc, domain.DataError | ReleaseError) and not isinstance(
        exc, ReleaseNotFoundError
    )


# An absolute POSIX path (two or more segments) not inside a URL; Windows drive paths too.
_ABSOLUTE_PATH = re.compile(
    r"(?<![\w:/.~-])(?!/v1/)(?:/[^\s/'\",;:()\[\]{}<>]+){2,}/?|\b[A-Za-z]:\\[^\s'\",;]+"
)


def scrub_paths(text: str) -> str:
    """``text`` with every absolute file path cut to its last component (``.../name``)."""

    def short(match: re.Match[str]) -> str:
        parts = [p for p in re.split(r"[\\/]", match.group(0)) if p]
        return ".../" + parts[-1] if parts else "..."

    return _ABSOLUTE_PATH.sub(short, text)


#: Domain error -> HTTP status. The most specific class wins (checked along the MRO).
STATUS_OF: dict[type[BaseException], int] = {
    NotFoundError: 404,
    ConflictError: 409,
    BusyError: 429,
    NotConfiguredError: 503,
    domain.UnknownAreaError: 404,
    domain.ValidationError: 422,
    domain.OfflineError: 503,
    domain.SchemaDriftError: 503,
    domain.DataError: 503,
    domain.EnnakointiError: 500,
}

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


#: OpenAPI ``responses`` of every API route (moved to problem+json by the schema builder).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("malformed request: a body that is not valid UTF-8 JSON"),
    404: _problem("not found, or not in this release"),
    413: _problem("request body too large"),
    422: _problem("invalid parameters or body"),
    429: _problem("rate limit exceeded; see Retry-After"),
    503: _problem(
        "no release published, a capability not installed, or a storage fault (see Retry-After)"
    ),
}
#: Extra responses of the routes that queue work (scenario runs).
BUSY_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: _problem(
        "rate limit exceeded, or too many scenario runs queued (for this client or in all); "
        "see Retry-After"
    ),
}
#: Extra responses of the routes that need an API key.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem("missing or unknown API key"),
    403: _problem("the API key lacks the route's scope"),
}


def status_for(exc: BaseException) -> int:
    """The HTTP status of a domain error (500 for an unmapped one)."""
    table = {**_release_errors(), **STATUS_OF}
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]
    return 500


#: The longest run of text without a space a problem repeats of a request: a refused value
#: of 100 000 characters comes back as its start and its length, not three times over
#: (in ``detail``, ``values`` and ``errors``).
ECHO_CHARS = 200
_LONG_RUN = re.compile(rf"\S{{{ECHO_CHARS + 1},}}")


def _cut(run: re.Match[str]) -> str:
    text = run[0]  # its start, its length and its end (the quote and colon after a value)
    return f"{text[:ECHO_CHARS]}...({len(text)} characters)...{text[-10:]}"


def shorten(value: Any) -> Any:
    """``value`` (text, or lists and mappings of it) with every run of more than
    :data:`ECHO_CHARS` characters without a space cut to its start and its length."""
    if isinstance(value, str):
        return _LONG_RUN.sub(_cut, value)
    if isinstance(value, list | tuple):
        return [shorten(v) for v in value]
    if isinstance(value, Mapping):
        return {k: shorten(v) for k, v in value.items()}
    return value


def problem_response(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response with the standard members and any extensions (long values
    of the request shortened: :func:`shorten`)."""
    body = Problem(
        type=f"https://ennakointi.invalid/problems/{status}",
        title=TITLES.get(status, "Error"),
        status=status,
        detail=shorten(detail),
        instance=shorten(instance),
        **shorten(extensions),
    )
    return JSONResponse(
        jsonable_encoder(body, exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def _wants_html(request: Request) -> bool:
    """A dashboard page asked for by a browser (the API always answers problem+json)."""
    path = request.url.path
    return not path.startswith(("/v1", "/healthz", "/metrics", "/openapi", "/docs")) and (
        "text/html" in request.headers.get("accept", "")
    )


def page_lang(request: Request) -> str:
    """The language of the dashboard page a request came from (``lang``; Finnish default)."""
    lang = request.query_params.get("lang", "fi")
    return lang if lang in ("fi", "sv", "en") else "fi"


def _page_paths() -> frozenset[str]:
    """The dashboard's pages other than the overview (its menu)."""
    from service.routers.dashboard import NAV

    return frozenset(href for _, href in NAV if href != "/")


def _html_problem(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    from service.i18n_errors import back_link, page_again, title

    lang = page_lang(request)
    heading = escape(f"{status} {title(status, lang, TITLES.get(status, 'Error'))}")
    # What to do next: a page refused for one of its choices opens again with its defaults
    # (the reader wanted the map, not the overview), and the overview is always a link away.
    again = ""
    if status in (400, 404, 422) and request.url.path in _page_paths():
        again = f'<a href="{request.url.path}?lang={lang}">{escape(page_again(lang))}</a> · '
    body = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{heading}</title>"
        '<link rel="stylesheet" href="/static/style.css"></head><body><main id="main">'
        f"<h1>{heading}</h1><p>{escape(detail)}</p>"
        f'<p>{again}<a href="/?lang={lang}">{escape(back_link(lang))}</a></p>'
        "</main></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers=headers)


def _respond(
    request: Request, status: int, detail: str, page_detail: str | None = None, **kwargs: Any
) -> Response:
    """The problem as JSON for the API, as a page for a browser; ``page_detail`` is what the
    page says instead of the English ``detail`` (a translated sentence)."""
    detail = scrub_paths(detail)
    if _wants_html(request):
        shown = scrub_paths(page_detail) if page_detail else detail
        return _html_problem(request, status, shorten(shown), kwargs.get("headers"))
    return problem_response(status, detail, instance=request.url.path, **kwargs)


async def _domain_handler(request: Request, exc: Exception) -> Response:
    status = status_for(exc)
    if status >= 500:
        log.error("domain error on %s: %s", request.url.path, exc, exc_info=exc)
    extra: dict[str, Any] = {}
    if isinstance(exc, domain.ValidationError):
        extra["errors"] = [{"field": exc.field, "reason": exc.reason}]
    if isinstance(exc, domain.EnnakointiError) and exc.kind is not None and status < 500:
        # RFC 9457 extension members: a client branches on the kind, not on the wording.
        extra["kind"] = exc.kind
        extra["values"] = {**dict(exc.values), **parameter_of(request, exc.values)}
    detail = str(exc) if status < 500 or isinstance(exc, NotConfiguredError) else _safe(exc)
    if is_storage_fault(exc):
        extra["headers"] = {"Retry-After": str(RETRY_AFTER_S)}
    elif isinstance(exc, BusyError):
        extra["headers"] = {"Retry-After": str(exc.retry_after_s)}
    page_detail = None
    if _wants_html(request):
        from service.i18n_errors import error_message

        page_detail = error_message(exc, page_lang(request))
    return _respond(request, status, detail, page_detail, **extra)


def parameter_of(request: Request, values: Mapping[str, Any]) -> dict[str, str]:
    """The request parameter that carried the code a domain refusal names (``code`` of an
    unknown area): its ``location`` and ``name``, as a request's own refusals name theirs,
    so ``/v1/areas?parent=ZZZ`` says that ``parent`` was refused. ``{}`` when the refusal
    names them already, names no code, or the code is not a parameter's value."""
    code = values.get("code")
    if not isinstance(code, str) or "name" in values:
        return {}
    wanted = {code, code.strip().upper()}
    for name, value in request.path_params.items():
        if str(value) in wanted or str(value).strip().upper() in wanted:
            return {"location": "path", "name": str(name)}
    for name, value in request.query_params.multi_items():
        if value in wanted or value.strip().upper() in wanted:
            return {"location": "query", "name": name}
    return {}


def _safe(exc: Exception) -> str:
    """The message of a server-side domain error: its class and text, no traceback or path."""
    return scrub_paths(f"{type(exc).__name__}: {exc}")


async def _database_handler(request: Request, exc: Exception) -> Response:
    """The alert database is locked (a long write), read-only or gone: 503, retry later."""
    log.error("alert database fault on %s: %s", request.url.path, exc)
    return _respond(
        request,
        503,
        "the alert database is unavailable (locked or read-only); retry later",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def allowed_methods(app: Any, path: str) -> str | None:
    """Every method the API offers on ``path`` (Starlette reports only the first route's)."""
    patterns = getattr(app.state, "allow_patterns", None)
    if patterns is None:
        patterns = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$"), ops)
            for template, ops in app.openapi().get("paths", {}).items()
        ]
        app.state.allow_patterns = patterns
    methods = {m.upper() for rx, ops in patterns if rx.match(path) for m in ops}
    return ", ".join(sorted(methods)) or None


async def _http_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allow = allowed_methods(request.app, request.url.path)
        if allow:
            headers["Allow"] = allow
    return _respond(request, exc.status_code, detail, headers=headers)


#: What a parameter with a pattern expects: pattern -> (the form's name, the form in words);
#: a regular expression tells a planner nothing. The name is the ``form`` of a ``malformed``
#: refusal's values (:func:`request_refusal`).
PATTERN_FORMS = {
    r"^(19|20|21)\d{2}(-(0[1-9]|1[0-2]))?$": (
        "year_or_month",
        "a year YYYY or a month YYYY-MM of the years 1900–2199 (e.g. 2027-04)",
    ),
    r"^\d{4}-\d{2}$": ("month", "a month YYYY-MM (e.g. 2026-09)"),
    r"^\d{4}-(0[1-9]|1[0-2])$": ("month", "a month YYYY-MM (e.g. 2026-09)"),
    r"^\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?$": (
        "release_id",
        "a release id such as 20261207T075252Z-70cd32c3 (GET /v1/releases lists them)",
    ),
    r"^(current|\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?)$": (
        "release",
        "'current' or a release id such as 20261207T075252Z-70cd32c3 (GET /v1/releases lists them)",
    ),
    r"^[0-9a-f]{20}$": (
        "result_id",
        "a result id of 20 hexadecimal digits (POST /v1/scenarios/runs gives it)",
    ),
    r"^[A-Za-z0-9]+$": ("area_code", "an area code of letters and digits such as 491 or TA23"),
}
#: The expected form in words of each pattern (what the English reason says).
PATTERN_HINTS = {pattern: words for pattern, (_, words) in PATTERN_FORMS.items()}


def reason_of(err: Mapping[str, Any]) -> str:
    """Why a value was refused; a pattern mismatch says what was expected, in words."""
    pattern = (err.get("ctx") or {}).get("pattern")
    if err.get("type") == "string_pattern_mismatch" and pattern in PATTERN_HINTS:
        return f"{err.get('input')!r} is not {PATTERN_HINTS[pattern]}"
    return str(err.get("msg", ""))


#: pydantic's bounds of a number -> the name of the bound in a refusal's values (the
#: OpenAPI/JSON Schema keywords the route's parameter states, in snake case).
_BOUNDS = {
    "ge": "minimum",
    "gt": "exclusive_minimum",
    "le": "maximum",
    "lt": "exclusive_maximum",
}
#: What a value of the wrong type should have been, by the start of pydantic's error type
#: (``int_parsing``, ``int_from_float``, ``bool_type``, ``model_attributes_type``, ...).
_EXPECTED_TYPES = {
    "int": "integer",
    "float": "number",
    "decimal": "number",
    "bool": "boolean",
    "string": "string",
    "bytes": "string",
    "dict": "object",
    "model": "object",
    "dataclass": "object",
    "list": "array",
    "tuple": "array",
    "set": "array",
    "frozen": "array",
    "iterable": "array",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
    "timedelta": "duration",
    "uuid": "uuid",
    "url": "url",
}
#: A pattern that is a plain choice of words (``^(rate|change)$``): its allowed values.
_CHOICE_PATTERN = re.compile(r"^\^\(?([\w-]+(?:\|[\w-]+)*)\)?\$$")
#: A value of pydantic's ``expected`` of a literal or enum (``'fi', 'sv' or 'en'``).
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _allowed(ctx: Mapping[str, Any]) -> list[Any]:
    """The allowed values of a literal or enum from pydantic's ``expected`` (the values'
    ``repr`` joined: ``'fi', 'sv' or 'en'``; ``1 or 2``)."""
    expected = str(ctx.get("expected", ""))
    quoted = _QUOTED.findall(expected)
    if quoted:
        return quoted
    return [v for v in re.split(r",\s*|\s+or\s+", expected) if v]


def request_refusal(err: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The ``kind`` and ``values`` of one refused request parameter (a pydantic error of a
    request: ``{"type", "loc", "input", "ctx"}``), in the scheme of the domain's refusals.

    Every refusal names the parameter: ``location`` (``query``, ``path``, ``body``,
    ``header``) and ``name`` (the rest of its location, dotted: ``events.0.jobs``; empty for
    the whole body); and ``value``, the value refused, when it is a single value (not for a
    missing parameter, a too long one, or a body). The kinds (``docs/API.md``):

    ``missing``
        A required parameter or field is absent.
    ``not_allowed``
        Not one of a fixed set of values (a literal, an enum, a pattern that is a plain
        choice such as ``^(rate|change)$``): ``allowed``, the values accepted.
    ``malformed``
        Not of the form a pattern asks for: ``pattern``, and ``form`` (:data:`PATTERN_FORMS`:
        ``month``, ``year_or_month``, ``release_id``, ...) when the form has a name.
    ``out_of_range``
        A number past its bound: one of ``minimum``, ``maximum``, ``exclusive_minimum``,
        ``exclusive_maximum``.
    ``too_long``, ``too_short``
        A text or list past its length: ``max_length`` or ``min_length``, and ``unit``
        (``characters`` or ``items``).
    ``wrong_type``
        Not a value of the parameter's type: ``expected`` (``integer``, ``number``,
        ``boolean``, ``string``, ``object``, ``array``, ...).
    ``unexpected_field``
        A body field the request does not have.
    ``body_not_json``
        The body is not JSON at all: ``position``, the character where reading it failed.
    ``invalid_value``
        Any other refusal of a value (a validator's own check; the ``reason`` says why).

    A validator's refusal that carries a kind (:class:`forecasting.errors.InvalidValueError`:
    ``not_municipality`` for an event's municipality ``TA23``, ``wrong_type`` for a limit
    ``1.5``) keeps that kind, with its values and the parameter's.
    """
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    loc = [str(p) for p in err.get("loc", ())]
    location = loc[0] if loc else "body"
    values: dict[str, Any] = {"location": location, "name": ".".join(loc[1:])}
    value = err.get("input")
    if kind == "json_invalid":
        position = err.get("loc", ())[1:2]
        return "body_not_json", {
            "location": "body",
            "name": "",
            "position": next((p for p in position if isinstance(p, int)), None),
        }
    if kind == "missing":
        return "missing", values
    if kind == "extra_forbidden":
        return "unexpected_field", values
    if kind in ("string_too_long", "too_long", "string_too_short", "too_short"):
        long = kind.endswith("too_long")
        bound = "max_length" if long else "min_length"
        values[bound] = ctx.get(bound)
        values["unit"] = "characters" if kind.startswith("string") else "items"
        return ("too_long" if long else "too_short"), values
    if _scalar(value):
        values["value"] = value
    if kind == "value_error":  # a validator's own refusal: a domain kind when it has one
        cause: Any = ctx.get("error")
        cause_kind = getattr(cause, "kind", None)
        if isinstance(cause_kind, str):
            return cause_kind, {**values, **dict(getattr(cause, "values", {}))}
        return "invalid_value", values
    if kind in ("literal_error", "enum"):
        return "not_allowed", {**values, "allowed": _allowed(ctx)}
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        choice = _CHOICE_PATTERN.match(pattern)
        if choice:
            return "not_allowed", {**values, "allowed": choice.group(1).split("|")}
        values["pattern"] = pattern
        if pattern in PATTERN_FORMS:
            values["form"] = PATTERN_FORMS[pattern][0]
        return "malformed", values
    given = next((b for b in _BOUNDS if b in ctx), None)
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal") and given:
        return "out_of_range", {**values, _BOUNDS[given]: ctx[given]}
    if kind.endswith(("_parsing", "_type")) or kind.startswith("int_from_"):
        head = kind.split("_")[0]
        return "wrong_type", {**values, "expected": _EXPECTED_TYPES.get(head, head)}
    return "invalid_value", values


def tag_as_field(err: Mapping[str, Any]) -> Mapping[str, Any]:
    """A discriminated union's refusal as a refusal of its tag field.

    pydantic reports a missing or unknown tag (a subscription's ``channel``) on the object
    that lacks it (``body``, name empty), so the refusal named no field. Here a missing tag
    is the field missing (``body.channel``) and an unknown one a value not allowed, with the
    tags allowed; other errors are returned as they are.
    """
    kind = err.get("type")
    if kind not in ("union_tag_not_found", "union_tag_invalid"):
        return err
    ctx = err.get("ctx") or {}
    loc = (*err.get("loc", ()), str(ctx.get("discriminator", "")).strip("'\""))
    if kind == "union_tag_not_found":
        return {**err, "type": "missing", "loc": loc, "msg": "Field required", "ctx": {}}
    tags = _QUOTED.findall(str(ctx.get("expected_tags", "")))
    words = ", ".join(repr(t) for t in tags[:-1]) + f" or {tags[-1]!r}" if tags else "a tag"
    return {
        **err,
        "type": "literal_error",
        "loc": loc,
        "input": ctx.get("tag"),
        "msg": f"Input should be {words.removeprefix(' or ')}",
        "ctx": {"expected": words.removeprefix(" or ")},
    }


async def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = []
    refused = [tag_as_field(err) for err in exc.errors()]
    for err in refused:
        kind, values = request_refusal(err)
        field = ".".join(str(p) for p in err.get("loc", ()))
        errors.append({"field": field, "reason": reason_of(err), "kind": kind, "values": values})
    # The problem's kind and values are its first refusal's (each error carries its own).
    first = {"kind": errors[0]["kind"], "values": errors[0]["values"]} if errors else {}
    page_detail = None
    if _wants_html(request):
        page_detail = request_errors_text(refused, page_lang(request))
    if any(err.get("type") == "json_invalid" for err in refused):
        # Not JSON at all (a syntax error, not UTF-8): malformed, not merely invalid.
        return _respond(
            request,
            400,
            "the request body is not valid UTF-8 JSON",
            page_detail,
            errors=errors,
            **first,
        )
    # The detail names each field and why (a client showing only the detail still says it).
    reasons = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
    return _respond(
        request, 422, f"invalid request parameters: {reasons}", page_detail, errors=errors, **first
    )


def request_errors_text(errors: Sequence[Mapping[str, Any]], lang: str) -> str:
    """Refused request parameters in ``lang`` (a dashboard page's form): each error's
    sentence (:func:`service.i18n_errors.request_error_message`), pydantic's English reason
    for a type without one."""
    from service.i18n_errors import field_label, request_error_message

    out = []
    for err in errors[:5]:
        text = request_error_message(err, lang)
        if text is None:
            loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path")]
            text = f"{field_label('.'.join(loc), lang)}: {reason_of(err)}"
        out.append(text)
    return " ".join(out)


async def _unhandled(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _respond(request, 500, "an unexpected error occurred")


def install(app: FastAPI) -> None:
    """Register the one set of handlers on ``app``."""
    from sqlalchemy.exc import OperationalError

    app.add_exception_handler(domain.EnnakointiError, _domain_handler)
    app.add_exception_handler(OperationalError, _database_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(Exception, _unhandled)
