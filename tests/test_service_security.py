"""API keys and scopes on every write route, and the writes themselves."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecasting.errors import ValidationError
from service.security import authenticate, hash_key, parse_keys
from tests.service_data import EVENT, KEYS

pytest_plugins = ["tests.service_fixtures"]

SUBSCRIPTION = {
    "recipient": "Työllisyysjohtaja",
    "channel": "email",
    "address": "johtaja@example.invalid",
    "areas": ["TA23"],
    "min_severity": "warning",
}
SPEC = {
    "events": [
        {"kind": "closure", "municipality": "507", "industry": "C", "jobs": 300, "start": "2026-08"}
    ],
    "horizon_months": 24,
    "draws": 200,
    "seed": 7,
}
#: A valid body for every write route; the test below fails if a new route is not listed.
BODIES = {
    "/v1/events": EVENT,
    "/v1/subscriptions": SUBSCRIPTION,
    "/v1/alerts/{alert_id}/acknowledge": {"note": "seen"},
    "/v1/scenarios/runs": SPEC,
    "/v1/subscriptions/{subscription_id}": None,
    "/v1/deliveries/dead-letters/{delivery_id}/replay": None,
}
#: The scope each write route needs.
SCOPE_OF = {
    "/v1/events": "events:write",
    "/v1/subscriptions": "alerts:subscribe",
    "/v1/alerts/{alert_id}/acknowledge": "alerts:ack",
    "/v1/scenarios/runs": "scenarios:run",
    "/v1/subscriptions/{subscription_id}": "alerts:subscribe",
    "/v1/deliveries/dead-letters/{delivery_id}/replay": "alerts:deliveries",
}


def _write_routes(client):
    schema = client.get("/openapi.json").json()
    return [
        (path, method)
        for path, ops in schema["paths"].items()
        for method in ops
        if method not in ("get", "head", "options")
    ]


def _key_without(scope):
    return next(raw for raw, scopes in KEYS.items() if scope not in scopes.split(","))


def test_every_write_route_refuses_missing_wrong_and_unscoped_keys(client):
    routes = _write_routes(client)
    assert {p for p, _ in routes} == set(BODIES), "a write route without a test body"
    for path, method in routes:
        url = path.replace("{alert_id}", "1").replace("{subscription_id}", "1")
        body = BODIES[path]
        missing = client.request(method, url, json=body)
        assert missing.status_code == 401, (path, missing.text)
        assert missing.headers["content-type"] == "application/problem+json"
        assert "WWW-Authenticate" in missing.headers
        wrong = client.request(method, url, json=body, headers={"X-API-Key": "not-a-key"})
        assert wrong.status_code == 401, path
        unscoped = _key_without(SCOPE_OF[path])
        forbidden = client.request(method, url, json=body, headers={"X-API-Key": unscoped})
        assert forbidden.status_code == 403, path
        assert SCOPE_OF[path] in forbidden.json()["detail"]


def test_write_routes_declare_the_key_in_openapi(client):
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    for path, method in _write_routes(client):
        assert schema["paths"][path][method]["security"] == [{"APIKeyHeader": []}]


def test_register_event_then_list_it(client):
    headers = {"X-API-Key": "key-events"}
    first = client.post("/v1/events", json=EVENT, headers=headers)
    assert first.status_code == 201
    again = client.post("/v1/events", json=EVENT, headers=headers)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]  # not stored twice
    listed = client.get("/v1/events", params={"area": "TA23"}).json()
    assert [e["employer"] for e in listed["data"]] == ["Konepaja Oy"]
    assert client.get("/v1/events", params={"area": "091"}).json()["data"] == []


def test_csv_of_user_text_cannot_run_as_a_spreadsheet_formula(client):
    event = {**EVENT, "employer": '=HYPERLINK("http://x.invalid","click")', "jobs": 120}
    assert client.post("/v1/events", json=event, headers={"X-API-Key": "key-events"}).is_success
    text = client.get("/v1/events", params={"format": "csv"}).text
    assert "'=HYPERLINK" in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_bad_event_is_a_422_problem_naming_the_field(client):
    bad = {**EVENT, "municipality": "999"}
    r = client.post("/v1/events", json=bad, headers={"X-API-Key": "key-events"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "body.municipality"


def test_subscribe_creates_then_updates(client):
    headers = {"X-API-Key": "key-all"}
    created = client.post("/v1/subscriptions", json=SUBSCRIPTION, headers=headers)
    assert created.status_code == 201
    assert created.json()["areas"] == ["TA23"]
    changed = {**SUBSCRIPTION, "min_severity": "critical"}
    updated = client.post("/v1/subscriptions", json=changed, headers=headers)
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"]
    assert updated.json()["min_severity"] == "critical"
    bad = {**SUBSCRIPTION, "channel": "webhook"}  # an e-mail address is no webhook
    assert client.post("/v1/subscriptions", json=bad, headers=headers).status_code == 422


def test_an_email_subscription_opts_in_and_out_of_the_monthly_review(client):
    headers = {"X-API-Key": "key-all"}
    plain = client.post("/v1/subscriptions", json=SUBSCRIPTION, headers=headers).json()
    assert plain["monthly_review"] is False  # opt-in: off unless asked for
    body = {**SUBSCRIPTION, "monthly_review": True}
    on = client.post("/v1/subscriptions", json=body, headers=headers)
    assert on.status_code == 200 and on.json()["monthly_review"] is True
    assert on.json()["id"] == plain["id"]  # the same subscription, updated
    listed = client.get("/v1/subscriptions", headers=headers).json()["data"]
    assert [s["monthly_review"] for s in listed if s["id"] == plain["id"]] == [True]
    off = client.post("/v1/subscriptions", json=SUBSCRIPTION, headers=headers).json()
    assert off["monthly_review"] is False
    assert (
        client.post(
            "/v1/subscriptions", json={**body, "monthly_review": "yes"}, headers=headers
        ).status_code
        == 422
    )


def test_a_webhook_cannot_ask_for_the_monthly_review(client):
    body = {**WEB, "monthly_review": True}
    r = client.post("/v1/subscriptions", json=body, headers={"X-API-Key": "key-all"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.monthly_review"


def test_acknowledge_records_who_and_keeps_history(client):
    r = client.post(
        "/v1/alerts/1/acknowledge",
        json={"note": "työryhmä koolle"},
        headers={"X-API-Key": "key-ack"},
    )
    assert r.status_code == 200
    alert = r.json()["data"]
    assert alert["acknowledged_by"] == "key-ack"
    assert alert["history"][-1]["detail"] == {
        "acknowledged_by": "key-ack",
        "note": "työryhmä koolle",
    }
    assert client.get("/v1/alerts/1").json()["data"]["acknowledged_by"] == "key-ack"
    missing = client.post("/v1/alerts/999/acknowledge", headers={"X-API-Key": "key-ack"})
    assert missing.status_code == 404


def test_alert_filters_and_explanation(client):
    everything = client.get("/v1/alerts").json()
    assert everything["page"]["total"] == 2
    critical = client.get("/v1/alerts", params={"min_severity": "critical"}).json()["data"]
    assert [a["area"] for a in critical] == ["507"]
    firing = client.get("/v1/alerts", params={"state": "firing", "area": "TA23"}).json()["data"]
    assert [a["area"] for a in firing] == ["507"]
    assert client.get("/v1/alerts", params={"area": "MK01"}).json()["data"] == []
    later = client.get("/v1/alerts", params={"since": "2024-01-01"}).json()["data"]
    assert later == []
    one = client.get("/v1/alerts/1", params={"lang": "en"}).json()
    assert one["data"]["explanation"]["summary_en"].startswith("Unemployment rose")
    assert one["data"]["history"][0]["to_state"] == "firing"
    assert one["provenance"]["license"] == "CC BY 4.0"


def test_scenario_run_returns_an_id_and_rows(client):
    r = client.post("/v1/scenarios/runs", json=SPEC, headers={"X-API-Key": "key-all"})
    assert r.status_code == 201
    run = r.json()
    assert r.headers["Location"] == run["results"]
    again = client.post("/v1/scenarios/runs", json=SPEC, headers={"X-API-Key": "key-all"})
    assert again.json()["id"] == run["id"]  # same spec, seed and release: same result
    rows = client.get(run["results"], params={"area": "507", "limit": 5}).json()
    assert [r["quantile"] for r in rows["data"]] == [0.05, 0.25, 0.5, 0.75, 0.95]
    assert rows["data"][2]["unemployed"] > 1000
    assert "employed" not in rows["data"][0]  # another breakdown: asked for by name
    assert rows["data"][0]["direct_jobs_change"] == -300  # a time-only variable comes along
    assert rows["provenance"]["seed"] == 7
    by_industry = client.get(run["results"], params={"variable": "employed", "limit": 1}).json()
    assert by_industry["data"][0]["industry"] == "A"
    assert by_industry["page"]["total"] == 7 * 22 * 24 * 5
    mixed = client.get(run["results"], params={"variable": ["employed", "direct_jobs_change"]})
    assert mixed.status_code == 200
    apart = client.get(run["results"], params={"variable": ["unemployed", "employed"]})
    assert apart.status_code == 200  # unemployed's dims are inside employed's
    assert apart.json()["page"]["total"] == 7 * 22 * 24 * 5
    assert client.get("/v1/scenarios/runs/" + "0" * 20).status_code == 404


def test_scenario_spec_over_the_caps_is_422(client):
    spec = {**SPEC, "draws": 10_000}
    r = client.post("/v1/scenarios/runs", json=spec, headers={"X-API-Key": "key-all"})
    assert r.status_code == 422


def test_parse_keys_refuses_malformed_entries():
    digest = hash_key("x")
    assert parse_keys([f"a:{digest}:events:write,alerts:ack"])[0].scopes == {
        "events:write",
        "alerts:ack",
    }
    for bad in ["a:b", f"a:{digest[:-1]}:events:write", f"a:{digest}:root"]:
        with pytest.raises(ValidationError):
            parse_keys([bad])


@given(raw=st.text(min_size=1, max_size=40), other=st.text(min_size=1, max_size=40))
def test_only_the_key_with_the_stored_hash_authenticates(raw, other):
    keys = parse_keys([f"holder:{hashlib.sha256(raw.encode()).hexdigest()}:alerts:ack"])
    principal = authenticate(raw, keys)
    assert principal is not None and principal.name == "holder"
    if other != raw:
        assert authenticate(other, keys) is None


def test_csv_semicolon_in_user_text_is_quoted_and_cannot_start_a_formula(client):
    event = {**EVENT, "employer": "Konepaja Oy;=1+1", "jobs": 120}
    assert client.post("/v1/events", json=event, headers={"X-API-Key": "key-events"}).is_success
    text = client.get("/v1/events", params={"format": "csv"}).text
    line = next(x for x in text.splitlines() if "Konepaja" in x)
    assert '"Konepaja Oy;\'=1+1"' in line
    for fragment in line.split(";")[1:]:  # what Finnish Excel (list separator ";") sees
        assert not fragment.lstrip().startswith(("=", "+", "-", "@"))
    assert ",120," in line  # numbers stay numbers


def test_a_corrected_event_replaces_the_stored_values(client):
    headers = {"X-API-Key": "key-events"}
    first = client.post("/v1/events", json={**EVENT, "jobs": 5}, headers=headers)
    assert first.status_code == 201
    fixed = client.post("/v1/events", json={**EVENT, "jobs": 500}, headers=headers)
    assert fixed.status_code == 200 and fixed.json()["id"] == first.json()["id"]
    assert fixed.json()["jobs"] == 500
    (stored,) = client.get("/v1/events").json()["data"]
    assert stored["jobs"] == 500 and stored["id"] == first.json()["id"]


WEB = {**SUBSCRIPTION, "channel": "webhook", "address": "https://hooks.example.com/x"}


@pytest.mark.parametrize(
    "address",
    [
        "http://127.0.0.1:8000/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://0x7f000001/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.8/x",
        "https://192.168.1.1/x",
        "https://user:secret@hooks.example.com/x",
        "http://hooks.example.com/x",
    ],
)
def test_subscribing_an_internal_webhook_is_a_422_naming_the_field(client, address):
    r = client.post(
        "/v1/subscriptions", json={**WEB, "address": address}, headers={"X-API-Key": "key-all"}
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "body.address"


def test_an_allow_listed_relay_may_be_subscribed(service_store, tmp_path):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import make_settings

    settings = make_settings(service_store, f"sqlite:///{tmp_path / 'a.sqlite'}")
    settings.alerts.webhook_allow_hosts = ["127.0.0.1"]
    with TestClient(create_app(settings)) as c:
        body = {**WEB, "address": "http://127.0.0.1:8080/relay"}
        r = c.post("/v1/subscriptions", json=body, headers={"X-API-Key": "key-all"})
        assert r.status_code == 201, r.text
        body = {**WEB, "address": "http://10.0.0.1/relay"}
        assert (
            c.post("/v1/subscriptions", json=body, headers={"X-API-Key": "key-all"}).status_code
            == 422
        )


def test_subscriptions_are_listed_and_deleted_by_their_owner_only(client):
    mine, theirs = {"X-API-Key": "key-all"}, {"X-API-Key": "key-subscribe"}
    own = client.post("/v1/subscriptions", json=SUBSCRIPTION, headers=mine).json()
    other = {**SUBSCRIPTION, "address": "toinen@example.invalid"}
    assert client.post("/v1/subscriptions", json=other, headers=theirs).status_code == 201
    listed = client.get("/v1/subscriptions", headers=mine).json()
    assert [s["id"] for s in listed["data"]] == [own["id"]] and listed["page"]["total"] == 1
    assert listed["data"][0]["owner"] == "key-all"
    # another key can neither overwrite, see nor delete it
    takeover = {**SUBSCRIPTION, "min_severity": "info"}
    assert client.post("/v1/subscriptions", json=takeover, headers=theirs).status_code == 409
    assert own["id"] not in [
        s["id"] for s in client.get("/v1/subscriptions", headers=theirs).json()["data"]
    ]
    assert client.delete(f"/v1/subscriptions/{own['id']}", headers=theirs).status_code == 404
    assert client.delete(f"/v1/subscriptions/{own['id']}", headers=mine).status_code == 204
    assert client.get("/v1/subscriptions", headers=mine).json()["data"] == []
    assert client.delete(f"/v1/subscriptions/{own['id']}", headers=mine).status_code == 404
    assert client.get("/v1/subscriptions").status_code == 401
