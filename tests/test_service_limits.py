"""Request-size and rate limits (413, 429 with Retry-After) and the token bucket itself."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from service.app import create_app
from service.middleware import RateLimitMiddleware
from tests.service_data import make_settings, seed_alerts

pytest_plugins = ["tests.service_fixtures"]


@pytest.fixture
def strict_client(service_store, tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    seed_alerts(url)
    settings = make_settings(service_store, url, max_body_bytes=2000, rate_limit_per_minute=60)
    with TestClient(create_app(settings)) as client:
        yield client


def test_body_over_the_limit_is_413_by_header_and_by_stream(strict_client):
    big = {"note": "x" * 5000}
    r = strict_client.post("/v1/alerts/1/acknowledge", json=big, headers={"X-API-Key": "key-ack"})
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"

    def chunks():
        for _ in range(10):
            yield b'{"note": "' + b"y" * 400 + b'"}'

    streamed = strict_client.post(
        "/v1/alerts/1/acknowledge",
        content=chunks(),
        headers={"X-API-Key": "key-ack", "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413


def test_rate_limit_answers_429_with_retry_after_and_spares_health(strict_client):
    statuses = [strict_client.get("/v1/areas/TA23").status_code for _ in range(15)]
    assert statuses[:10] == [200] * 10  # burst = 60 / 6
    assert 429 in statuses[10:]
    r = strict_client.get("/v1/areas/TA23")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["status"] == 429
    assert strict_client.get("/healthz").status_code == 200
    # A configured key holder has its own bucket; a made-up key buys no fresh budget.
    keyed = strict_client.get("/v1/areas/TA23", headers={"X-API-Key": "key-all"})
    assert keyed.status_code == 200
    made_up = strict_client.get("/v1/areas/TA23", headers={"X-API-Key": "anything-new"})
    assert made_up.status_code == 429


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@given(
    per_minute=st.integers(1, 600),
    gaps=st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=200),
)
def test_bucket_never_admits_more_than_burst_plus_refill(per_minute, gaps):
    clock = _Clock()
    limiter = RateLimitMiddleware(None, per_minute=per_minute, clock=clock)  # type: ignore[arg-type]
    admitted = 0
    for gap in gaps:
        clock.now += gap
        wait = limiter.take("c")
        if wait == 0:
            admitted += 1
        else:
            assert wait > 0
    assert admitted <= limiter.burst + clock.now * per_minute / 60 + 1e-9


def test_bucket_retry_after_is_when_a_token_is_back():
    clock = _Clock()
    limiter = RateLimitMiddleware(None, per_minute=60, burst=1, clock=clock)  # type: ignore[arg-type]
    assert limiter.take("c") == 0
    wait = limiter.take("c")
    assert wait == pytest.approx(1.0)
    clock.now += wait
    assert limiter.take("c") == 0
