"""Bad input at every route of the API, walked from the application's own routes.

Every query and path parameter of every route gets values a user mistypes or an attacker
tries: absurd numbers and dates (``0``, ``-1``, ``99999``, ``2026-13``), the empty string,
a very long string, unicode, NUL (raw and ``%00``), path traversal, header injection, a
parameter given twice. Each must be answered with a 4xx problem (RFC 9457) that names the
parameter or the value refused, never a 5xx, a traceback or a server path. A value a route
accepts (``offset=0``, ``age=0``) may be answered, with its data.

Bodies: a body that is not JSON (400) or not declared JSON (415) on every write route is
``tests/test_service_media_types.py``; here every write route gets bodies of the wrong
shape and must name the field. The kinds and their English details are
``tests/test_request_error_kinds.py``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.errors import PROBLEM_MEDIA_TYPE
from tests.service_data import make_settings, seed_alerts, stub_scenario_runner
from tests.test_service_security import BODIES, SCOPE_OF, SPEC, SUBSCRIPTION

pytest_plugins = ["tests.service_fixtures"]

KEYS = {"alerts:deliveries": "key-deliveries"}
#: Values of a parameter nobody means (the brief of an audit: the ones users and attackers
#: send). A route may accept some of them for some parameters (``offset=0``).
JUNK = [
    "0",
    "-1",
    "99999",
    "2026-13",
    "2026-00",
    "",
    "x" * 3000,
    "Ä€😀",
    "%00",
    "\x00",
    "../../etc/passwd",
    "1e999",
    "NaN",
    "TA23\r\nX-Injected: 1",
    "' OR 1=1--",
]
#: Path values: the same, and traversal that a client sends still encoded.
PATH_JUNK = [v for v in JUNK if v] + ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "a%2Fb"]
#: Where an absolute path of the machine would show (never in a body).
LEAKS = re.compile(r"Traceback|File \"|/(?:tmp|home|srv|opt|usr|var/lib)/|[A-Z]:\\\\")


def _api_routes(app: Any) -> list[tuple[str, str]]:
    """``(method, path)`` of every route the OpenAPI document states (the API's routes)."""
    schema = app.openapi()
    return sorted(
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "patch", "delete")
    )


def _query_params(app: Any, method: str, path: str) -> list[tuple[str, bool]]:
    """``(name, takes a list)`` of each query parameter of a route."""
    op = app.openapi()["paths"][path][method.lower()]
    out = []
    for p in op.get("parameters", []):
        if p["in"] != "query":
            continue
        schema = p.get("schema", {})
        types = [schema, *schema.get("anyOf", [])]
        out.append((p["name"], any(t.get("type") == "array" for t in types)))
    return out


@pytest.fixture(scope="module")
def web(service_store, tmp_path_factory) -> Any:
    """The test release and stub engine, without a rate limit (thousands of requests)."""
    from fastapi.testclient import TestClient

    from service.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'a.sqlite'}"
    seed_alerts(url)
    settings = make_settings(service_store, url, rate_limit_per_minute=10**9)
    with TestClient(create_app(settings, scenario_runner=stub_scenario_runner)) as client:
        yield client


@pytest.fixture(scope="module")
def filled(web) -> dict[str, str]:
    """A valid value of each path parameter: ids of things that exist."""
    headers = {"X-API-Key": "key-all"}
    run = web.post("/v1/scenarios/runs", json=SPEC, headers=headers)
    sub = web.post("/v1/subscriptions", json=BODIES["/v1/subscriptions"], headers=headers)
    assert run.status_code == 201 and sub.status_code in (200, 201), (run.text, sub.text)
    return {
        "code": "491",
        "alert_id": "1",
        "release_id": "current",
        "run_id": run.json()["id"],
        "subscription_id": str(sub.json()["id"]),
        "delivery_id": "1",
    }


def _url(path: str, filled: dict[str, str], **override: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: override.get(m[1], filled[m[1]]), path)


def _key(path: str) -> dict[str, str]:
    """A key with the route's scope (the dead letters' scope is operations', not in key-all)."""
    scope = "alerts:deliveries" if path.startswith("/v1/deliveries") else SCOPE_OF.get(path, "")
    return {"X-API-Key": KEYS.get(scope, "key-all")}


def _body(path: str) -> dict[str, Any]:
    body = BODIES.get(path)
    return {} if body is None else {"json": body}


def _assert_refusal(r: Any, name: str, value: str, where: str) -> None:
    """A 4xx problem that names the parameter (or the value refused); nothing internal."""
    assert r.status_code < 500, (where, r.status_code, r.text[:300])
    assert not LEAKS.search(r.text), (where, r.text[:300])
    if r.status_code < 400:
        return
    assert r.status_code in (400, 404, 409, 415, 422), (where, r.status_code, r.text[:300])
    assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE, where
    body = r.json()
    named = body.get("values", {}).get("name") == name or name in body["detail"]
    said = body["detail"] + str(body.get("values", ""))
    quoted = value != "" and (value[:40] in said or repr(value)[1:41] in said)
    assert named or quoted, (where, body)


def app_routes(routes: Any) -> list[Any]:
    """Every route of an app or router, those of included routers too."""
    out = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out += app_routes(inner.routes) if inner is not None else [route]
    return out


def test_every_route_of_the_api_is_walked(web):
    """The walk (the OpenAPI document's routes) covers every route of the app under /v1: a
    new route is walked without listing it."""
    walked = _api_routes(web.app)
    served = {
        (method, route.path)
        for route in app_routes(web.app.routes)
        if getattr(route, "path", "").startswith("/v1")
        for method in set(getattr(route, "methods", None) or ()) - {"HEAD"}
    }
    assert served <= set(walked), served - set(walked)
    assert len(walked) >= 32


def test_junk_in_any_query_parameter_is_a_named_refusal_never_an_error(web, filled):
    checked = 0
    for method, path in _api_routes(web.app):
        for name, _ in _query_params(web.app, method, path):
            for value in JUNK:
                r = web.request(
                    method,
                    _url(path, filled),
                    params={name: value},
                    headers=_key(path),
                    **_body(path),
                )
                _assert_refusal(r, name, value, f"{method} {path}?{name}={value[:20]!r}")
                checked += 1
    assert checked > 1000


def test_junk_in_any_path_parameter_is_404_or_a_named_422(web, filled):
    for method, path in _api_routes(web.app):
        for name in re.findall(r"\{(\w+)\}", path):
            for value in PATH_JUNK:
                encoded = value if "%" in value else quote(value, safe="")
                url = _url(path, filled, **{name: encoded})
                r = web.request(method, url, headers=_key(path), **_body(path))
                where = f"{method} {url[:80]}"
                assert r.status_code in (404, 422), (where, r.status_code, r.text[:300])
                if "/" in unquote(encoded) and r.json()["detail"] == "Not Found":
                    continue  # a path of more segments: no route has it
                _assert_refusal(r, name, value, where)
                if r.status_code == 422:
                    assert r.json()["values"]["location"] == "path", where
                # traversal never reaches a file: the answer is about the id, not a file
                assert "passwd" not in r.headers.get("content-disposition", ""), where


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        ("lang", "de", "not_allowed"),
        ("lang", "FI", "not_allowed"),
        ("format", "pdf", "not_allowed"),
        ("format", "CSV", "not_allowed"),
        ("limit", "1000000", "out_of_range"),
        ("limit", "99999999999999999999999", "out_of_range"),
        ("limit", "abc", "wrong_type"),
        ("offset", "-1", "out_of_range"),
        ("release", "latest", "malformed"),
        ("release", "../../releases", "malformed"),
    ],
)
def test_an_unknown_language_format_page_or_release_is_refused_on_every_route(
    web, filled, name, value, kind
):
    routes = [
        (m, p)
        for m, p in _api_routes(web.app)
        if m == "GET" and name in dict(_query_params(web.app, m, p))
    ]
    assert routes, name
    for _, path in routes:
        if name == "format" and path == "/v1/reports/monthly" and value == "pdf":
            continue  # the review is a PDF
        r = web.get(_url(path, filled), params={name: value}, headers=_key(path))
        assert r.status_code == 422, (path, r.status_code, r.text[:300])
        body = r.json()
        assert (body["kind"], body["values"]["name"]) == (kind, name), (path, body)


def test_a_one_valued_parameter_given_twice_is_refused_on_every_route(web, filled):
    """``limit=1&limit=1000``: which one to take would be a guess (and a proxy may take the
    other); a list parameter (``area``) takes every value given."""
    seen = 0
    for method, path in _api_routes(web.app):
        for name, many in _query_params(web.app, method, path):
            if many:
                continue
            url = _url(path, filled) + f"?{name}=1&{name}=2"
            r = web.request(method, url, headers=_key(path), **_body(path))
            assert r.status_code == 422, (method, url, r.status_code, r.text[:300])
            body = r.json()
            assert body["kind"] == "repeated", (url, body)
            assert body["values"] == {"location": "query", "name": name, "count": 2}
            assert f"{name}: given 2 times" in body["detail"]
            seen += 1
    assert seen > 60
    twice = [("area", "491"), ("area", "507"), ("from", "2026-01")]
    both = web.get("/v1/registers/history", params=twice)
    assert both.status_code == 200
    assert {row["area"] for row in both.json()["data"]} == {"491", "507"}


@given(
    route=st.sampled_from(
        [
            ("/v1/registers/forecasts", "from"),
            ("/v1/registers/history", "to"),
            ("/v1/population", "year"),
            ("/v1/training-needs/cumulative", "until"),
            ("/v1/alerts", "since"),
            ("/v1/events", "since"),
            ("/v1/alerts/signals", "rule"),
            ("/v1/reports/monthly", "month"),
            ("/v1/reports/monthly", "area"),
            ("/v1/areas", "parent"),
            ("/v1/scenarios", "scenario"),
        ]
    ),
    value=st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=30),
        st.integers(-(10**12), 10**12).map(str),
        st.dates().map(str),
        st.from_regex(r"\d{4}-\d{2}", fullmatch=True),
    ),
)
@settings(max_examples=150, deadline=None)
def test_any_date_year_or_code_is_answered_or_refused_by_name(web, route, value):
    path, name = route
    r = web.get(path, params={name: value})
    _assert_refusal(r, name, value, f"{path}?{name}={value!r}")


@pytest.mark.parametrize("path", [p for p, body in BODIES.items() if body is not None])
@pytest.mark.parametrize(
    "body",
    [{}, [], [1, 2], "text", 7, None, {"unknown": 1}],
    ids=["empty", "list", "numbers", "string", "number", "null", "unknown-field"],
)
def test_a_body_of_the_wrong_shape_names_the_field(web, filled, path, body):
    """On every write route with a body: 422 naming the field (``body.channel`` of a
    subscription without one, not just ``body``), never a 5xx. A body whose fields all
    have defaults (an acknowledgement's note, a scenario's spec) may be empty."""
    r = web.post(_url(path, filled), json=body, headers=_key(path))
    if body in ({}, None) and r.status_code in (200, 201):
        return
    assert r.status_code == 422, (path, body, r.text[:300])
    problem = r.json()
    assert problem["errors"], problem
    for error in problem["errors"]:
        assert error["field"].startswith("body"), error
        # a field, or the whole body: of the wrong type, or missing (JSON null)
        whole = error["kind"] == "wrong_type" or (error["kind"], body) == ("missing", None)
        assert error["values"]["name"] or whole, (path, body, error)


def test_a_subscriptions_channel_is_named_when_missing_or_unknown(web):
    headers = {"X-API-Key": "key-all"}
    sub = {k: v for k, v in SUBSCRIPTION.items() if k != "channel"}
    missing = web.post("/v1/subscriptions", json=sub, headers=headers).json()
    assert missing["kind"] == "missing"
    assert missing["values"] == {"location": "body", "name": "channel"}
    unknown = web.post("/v1/subscriptions", json={**sub, "channel": "fax"}, headers=headers)
    problem = unknown.json()
    assert problem["detail"] == (
        "invalid request parameters: body.channel: Input should be 'email', 'webhook', "
        "'teams' or 'slack'"
    )
    assert problem["values"] == {
        "location": "body",
        "name": "channel",
        "value": "fax",
        "allowed": ["email", "webhook", "teams", "slack"],
    }


def test_a_wrong_method_is_405_listing_every_method_of_the_path(web, filled):
    by_path: dict[str, set[str]] = {}
    for method, path in _api_routes(web.app):
        by_path.setdefault(path, set()).add(method)
    for path, methods in by_path.items():
        wrong = next(m for m in ("PUT", "PATCH", "DELETE", "POST", "GET") if m not in methods)
        r = web.request(wrong, _url(path, filled), headers=_key(path))
        assert r.status_code == 405, (wrong, path, r.status_code)
        assert set(r.headers["Allow"].split(", ")) - {"HEAD"} == methods, (path, r.headers)
        assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE


def test_every_route_is_in_the_route_table_of_api_md(web):
    """docs/API.md lists every route of the API (``{alert_id}`` is written ``{id}``)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "API.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if re.match(r"^\| (GET|POST|DELETE) \|", line)]
    documented = set()
    for row in rows:
        method, paths = row.split("|")[1].strip(), row.split("|")[2]
        documented |= {
            (method, re.sub(r"\{\w+\}", "{}", p)) for p in re.findall(r"`([^`]+)`", paths)
        }
    for method, path in _api_routes(web.app):
        assert (method, re.sub(r"\{\w+\}", "{}", path)) in documented, (method, path)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/registers/history", {"area": "9" * 20000}),
        ("/v1/areas", {"parent": "Z" * 20000}),
        ("/v1/scenarios/runs/" + "a" * 6000, {}),
        ("/v1/registers/history", {"area": "491", "from": "2" * 20000}),
    ],
)
def test_a_long_value_comes_back_as_its_start_and_length_not_in_full(web, path, params):
    """A refusal repeated a 20 000-character parameter in the detail, the values and the
    instance: a small request made a large answer."""
    r = web.get(path, params=params)
    assert r.status_code in (404, 422), r.text[:200]
    assert len(r.content) < 3000, len(r.content)
    assert re.search(r"\.\.\.\(\d{4,5} characters\)\.\.\.", r.json()["detail"]), r.json()
