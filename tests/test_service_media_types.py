"""400 and 415 as docs/API.md states them, on every route that takes a body (issue 15):
a body that is not JSON at all is 400, a body not declared JSON is 415, a JSON body with
the wrong fields stays 422. Routes are read from the OpenAPI document, so a new write route
is covered without editing this test."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

pytest_plugins = ["tests.service_fixtures"]

API_DOC = Path(__file__).resolve().parent.parent / "docs" / "API.md"
KEY = {"X-API-Key": "key-all"}


def _body_routes(client: Any) -> list[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    routes = [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, ops in paths.items()
        for method, op in ops.items()
        if "requestBody" in op
    ]
    assert len(routes) >= 4  # events, subscriptions, acknowledge, scenario runs
    return routes


NOT_JSON = [b'{"events": [', b"\xff\xfe{}", b"not json", b'{"a": 1} trailing']
NOT_DECLARED_JSON = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    None,
    "application/json; charset=latin-1",
]


def test_a_body_that_is_not_json_is_400_on_every_write_route(client):
    for (method, path), body in itertools.product(_body_routes(client), NOT_JSON):
        r = client.request(
            method, path, content=body, headers={**KEY, "Content-Type": "application/json"}
        )
        assert r.status_code == 400, (method, path, r.status_code, r.text[:200])
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"] == "the request body is not valid UTF-8 JSON"


def test_a_body_not_declared_json_is_415_on_every_write_route(client):
    for (method, path), content_type in itertools.product(_body_routes(client), NOT_DECLARED_JSON):
        headers = dict(KEY)
        if content_type is not None:
            headers["Content-Type"] = content_type
        r = client.request(method, path, content=b'{"note": "x"}', headers=headers)
        assert r.status_code == 415, (method, path, content_type, r.status_code)
        assert r.headers["Accept-Post"] == "application/json"
        assert r.headers["content-type"].startswith("application/problem+json")


def test_json_with_wrong_fields_stays_422_and_json_types_are_accepted(client):
    for content_type in ("application/json", "application/json; charset=UTF-8"):
        r = client.post(
            "/v1/events", content=b'{"jobs": "many"}', headers={**KEY, "Content-Type": content_type}
        )
        assert r.status_code == 422, r.text
    ok = client.post(
        "/v1/alerts/1/acknowledge",
        content=b'{"note": "seen"}',
        headers={**KEY, "Content-Type": "application/merge-patch+json"},
    )
    assert ok.status_code != 415


def test_an_empty_body_is_not_refused_for_its_media_type(client):
    """No body, no Content-Type: the route decides (the acknowledgement's note is optional)."""
    r = client.post("/v1/alerts/999999/acknowledge", headers=KEY)
    assert r.status_code in (200, 404), r.text


def test_the_openapi_document_and_api_md_state_400_and_415(client):
    paths = client.get("/openapi.json").json()["paths"]
    with_body = [op for ops in paths.values() for op in ops.values() if "requestBody" in op]
    assert len(with_body) >= 4
    for op in with_body:
        assert {"400", "415", "422"} <= set(op["responses"]), op["summary"]
    text = API_DOC.read_text()
    assert re.search(r"^\| 400 \| .*not valid UTF-8 JSON", text, re.M)
    assert re.search(r"^\| 415 \| .*Content-Type: application/json", text, re.M)
