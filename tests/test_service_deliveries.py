"""The dead-letter routes: GET /v1/deliveries/dead-letters lists the deliveries that failed for
good, POST .../{id}/replay queues one again (both need scope ``alerts:deliveries``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from tests.service_data import make_settings, seed_alerts, stub_scenario_runner

pytest_plugins = ["tests.service_fixtures"]
KEY = {"X-API-Key": "key-deliveries"}
DUE = dt.datetime(2026, 12, 1, 8, 0)


def seed_deliveries(url: str) -> dict[str, int]:
    """One subscription, three dead letters and one delivered delivery; ids by key."""
    from forecasting.io import alert_db

    engine = alert_db.make_engine(url)
    ids = {}
    with alert_db.session_scope(engine) as session:
        sub = alert_db.SubscriptionRow(
            recipient="Työllisyysjohtaja", channel="webhook", address="https://teams.invalid/x",
            areas=["TA23"], min_severity="warning",
        )  # fmt: skip
        session.add(sub)
        session.flush()
        for key, status, error in [
            ("d1", "dead", "HTTP 429"),
            ("ok", "delivered", None),
            ("d2", "dead", "HTTP 410"),
            ("d3", "dead", "SMTP 451 greylisted"),
        ]:
            row = alert_db.DeliveryRow(
                idempotency_key=key, subscription_id=sub.id, alert_id=None, kind="immediate",
                payload={"title": f"Hälytys {key}"}, status=status, attempts=5,
                last_error=error, next_attempt_at=DUE,
            )  # fmt: skip
            session.add(row)
            session.flush()
            ids[key] = int(row.id)
    engine.dispose()
    return ids


@pytest.fixture
def api(service_store: Any, tmp_path: Any) -> Iterator[tuple[Any, dict[str, int], str]]:
    from fastapi.testclient import TestClient

    from service.app import create_app

    url = f"sqlite:///{tmp_path / 'alerts.sqlite'}"
    seed_alerts(url)
    ids = seed_deliveries(url)
    app = create_app(make_settings(service_store, url), scenario_runner=stub_scenario_runner)
    with TestClient(app) as client:
        yield client, ids, url


def test_dead_letters_need_the_deliveries_scope(api):
    client, _, _ = api
    assert client.get("/v1/deliveries/dead-letters").status_code == 401
    other = client.get("/v1/deliveries/dead-letters", headers={"X-API-Key": "key-all"})
    assert other.status_code == 403 and "alerts:deliveries" in other.json()["detail"]


def test_dead_letters_are_listed_newest_first_and_paged(api):
    client, ids, _ = api
    body = client.get("/v1/deliveries/dead-letters", headers=KEY).json()
    assert [r["idempotency_key"] for r in body["data"]] == ["d3", "d2", "d1"]
    assert body["page"]["total"] == 3 and body["page"]["next"] is None
    first = body["data"][0]
    assert first == {
        "id": ids["d3"], "kind": "immediate", "alert_id": None,
        "subscription_id": first["subscription_id"], "recipient": "Työllisyysjohtaja",
        "channel": "webhook", "attempts": 5, "last_error": "SMTP 451 greylisted",
        "last_due_at": "2026-12-01T08:00:00", "title": "Hälytys d3", "idempotency_key": "d3",
    }  # fmt: skip
    page = client.get("/v1/deliveries/dead-letters", params={"limit": 2}, headers=KEY).json()
    assert len(page["data"]) == 2 and page["page"]["total"] == 3
    assert "offset=2" in page["page"]["next"]
    rest = client.get(page["page"]["next"], headers=KEY).json()
    assert [r["idempotency_key"] for r in rest["data"]] == ["d1"]


def test_a_replayed_dead_letter_is_queued_once(api):
    from forecasting.io import alert_db

    client, ids, db = api
    url = f"/v1/deliveries/dead-letters/{ids['d2']}/replay"
    resp = client.post(url, headers=KEY)
    assert resp.status_code == 202 and resp.content == b""
    listed = client.get("/v1/deliveries/dead-letters", headers=KEY).json()
    assert [r["idempotency_key"] for r in listed["data"]] == ["d3", "d1"]
    again = client.post(url, headers=KEY)  # pending now, not dead
    assert again.status_code == 404
    assert again.headers["content-type"] == "application/problem+json"
    delivered = client.post(f"/v1/deliveries/dead-letters/{ids['ok']}/replay", headers=KEY)
    assert delivered.status_code == 404
    assert client.post("/v1/deliveries/dead-letters/999999/replay", headers=KEY).status_code == 404
    assert client.post("/v1/deliveries/dead-letters/0/replay", headers=KEY).status_code == 422
    engine = alert_db.make_engine(db)
    with alert_db.session_scope(engine) as session:
        row = session.get(alert_db.DeliveryRow, ids["d2"])
        assert row is not None and (row.status, row.attempts) == ("pending", 0)
    engine.dispose()
