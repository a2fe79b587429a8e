"""Hardening found by attacking the service: security headers, no server paths in errors,
storage faults as 503 with Retry-After, a damaged release in /healthz, proxy headers trusted
only from configured proxies."""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from forecasting.errors import DataError
from forecasting.settings import ServiceSettings, Settings
from service.app import create_app, uvicorn_options
from service.errors import scrub_paths
from tests.service_data import make_settings, seed_alerts

pytest_plugins = ["tests.service_fixtures"]


# -- 4: security headers -------------------------------------------------------------------
def test_every_response_carries_the_security_headers(client):
    responses = [
        client.get("/"),
        client.get("/forecasts", params={"area": "TA23"}),
        client.get("/v1/areas/TA23"),
        client.get("/healthz"),
        client.get("/v1/nothing-here"),
        client.get("/static/style.css"),
        client.post("/v1/events", json={}),  # 401 problem
    ]
    for r in responses:
        assert r.headers["X-Content-Type-Options"] == "nosniff", r.url
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp, r.url
        assert "default-src 'none'" in csp and "style-src 'self'" in csp


def test_the_dashboard_needs_nothing_the_policy_forbids(client):
    """The CSP allows only self-hosted styles and no inline code: the pages must comply."""
    for page in ("/", "/forecasts", "/alerts", "/scenarios", "/training"):
        html = client.get(page, params={"lang": "en"}).text
        assert "<script" not in html and " style=" not in html and "<style" not in html, page
        for link in re.findall(r'(?:src|href)="(https?://[^"]*)"', html):
            assert link.startswith("http://testserver/"), (page, link)  # self-hosted only


def test_docs_pages_are_self_hosted_and_still_not_framed(client):
    """/docs and /redoc load their bundles from this server: no CDN in the page or the CSP."""
    for page in ("/docs", "/redoc"):
        r = client.get(page)
        csp = r.headers["Content-Security-Policy"]
        assert "https:" not in csp and "frame-ancestors 'none'" in csp
        scripts = re.findall(r'<script[^>]*src="([^"]+)"', r.text)
        assert scripts and all(s.startswith("/static-docs/") for s in scripts), scripts
        assert client.get(scripts[-1]).status_code == 200


def test_middleware_problems_carry_the_headers_too(service_store, tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    settings = make_settings(service_store, url, max_body_bytes=100, rate_limit_per_minute=6)
    with TestClient(create_app(settings)) as c:
        big = c.post("/v1/events", content=b"x" * 500, headers={"X-API-Key": "key-events"})
        assert big.status_code == 413 and big.headers["X-Frame-Options"] == "DENY"
        limited = [c.get("/v1/areas/TA23") for _ in range(3)][-1]
        assert limited.status_code == 429 and limited.headers["X-Content-Type-Options"]


# -- 5 and 7: storage faults, no paths -------------------------------------------------------
@pytest.fixture
def damaged(service_store, tmp_path):
    """A copy of the test release store whose register history file is truncated."""
    store = tmp_path / "store"
    shutil.copytree(service_store, store)
    (nc,) = store.glob("**/registers_history.nc")
    nc.write_bytes(nc.read_bytes()[:4096])
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    seed_alerts(url)
    with TestClient(create_app(make_settings(store, url))) as c:
        yield c, store


def test_a_truncated_release_file_is_503_without_paths_and_health_says_degraded(damaged):
    c, store = damaged
    r = c.get("/v1/registers/history", params={"area": "491"})
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) > 0
    assert r.headers["content-type"] == "application/problem+json"
    assert str(store) not in r.text and str(Path.cwd()) not in r.text and "/tmp/" not in r.text
    assert "registers_history" in r.json()["detail"]
    health = _checked_health(c)
    assert health.status_code == 503 and "Retry-After" in health.headers
    assert health.json()["status"] == "degraded"
    assert health.json()["damaged"] == ["registers_history"]
    # an intact product of the same release is still served
    assert c.get("/v1/labour-supply", params={"area": "491"}).status_code == 200


def _checked_health(c):
    """``/healthz`` once the start-up check of the release has finished (it never waits)."""
    for _ in range(300):
        health = c.get("/healthz")
        if health.json()["verified"]:
            return health
        time.sleep(0.1)
    raise AssertionError("the release check did not finish in 30 s")


def test_an_intact_release_is_healthy(client):
    health = _checked_health(client)
    assert health.status_code == 200 and health.json()["damaged"] == []


class _Locked:
    """An alert repository whose database is locked (what SQLite raises after busy_timeout)."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

        return fail


def test_a_locked_alert_database_is_503_with_retry_after(service_store):
    with TestClient(
        create_app(make_settings(service_store, "sqlite://"), alert_repository=_Locked())
    ) as c:
        for r in (
            c.get("/v1/alerts"),
            c.post(
                "/v1/subscriptions",
                json={"recipient": "x", "channel": "email", "address": "a@example.invalid"},
                headers={"X-API-Key": "key-all"},
            ),
        ):
            assert r.status_code == 503, r.text
            assert r.headers["Retry-After"] == "30"
            assert "locked" in r.json()["detail"] and "INSERT" not in r.text


class _BrokenFile:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise DataError("bad header", source="/srv/ennakointi/var/secret/alerts.csv", row=3)

        return fail


def test_a_data_error_names_the_file_but_not_its_directory(service_store):
    with TestClient(
        create_app(make_settings(service_store, "sqlite://"), alert_repository=_BrokenFile())
    ) as c:
        r = c.get("/v1/alerts")
    assert r.status_code == 503 and "Retry-After" in r.headers
    assert "/srv/" not in r.text and "alerts.csv, row 3" in r.json()["detail"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DataError: /opt/x/var/releases/r1/a.nc: bad", "DataError: .../a.nc: bad"),
        ("(name = '/tmp/p/q.nc', errno = 2)", "(name = '.../q.nc', errno = 2)"),
        ("see https://example.invalid/a/b and /v1/areas/TA23", None),
        ("published in /srv/releases; build one", "published in .../releases; build one"),
        ("C:\\data\\x.nc is bad", ".../x.nc is bad"),
    ],
)
def test_scrub_paths(text, expected):
    assert scrub_paths(text) == (text if expected is None else expected)


# -- 6: proxies -----------------------------------------------------------------------------
def test_forwarded_headers_are_ignored_unless_proxies_are_configured():
    import uvicorn
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    default = uvicorn_options(Settings())
    assert default["proxy_headers"] is False
    config = uvicorn.Config(lambda scope, receive, send: None, **default)
    config.load()
    assert not isinstance(config.loaded_app, ProxyHeadersMiddleware)

    proxied = uvicorn_options(Settings(service=ServiceSettings(trusted_proxies=["10.0.0.5"])))
    assert proxied == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5"}
    config = uvicorn.Config(lambda scope, receive, send: None, **proxied)
    config.load()
    assert isinstance(config.loaded_app, ProxyHeadersMiddleware)
