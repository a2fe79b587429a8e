"""GET /v1/reports/monthly: the monthly review from the served release (PDF and HTML), and
the dashboard's link to it. The release is tests/service_data.py's (the real TA23 registers:
3 675 unemployed in 2026-06, tyonv 12r5)."""

from __future__ import annotations

import io

import pytest

pytest_plugins = ["tests.service_fixtures"]


def test_monthly_review_pdf(client) -> None:
    from pypdf import PdfReader

    r = client.get("/v1/reports/monthly", params={"area": "TA23", "month": "2026-06"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "3 675" in text.replace("\xa0", " ") and "ei tietoa" in text


def test_monthly_review_html_english(client) -> None:
    params = {"area": "TA23", "format": "html", "lang": "en", "month": "2026-06"}
    r = client.get("/v1/reports/monthly", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "Labour market review" in r.text and "3,675" in r.text and "no data" in r.text


@pytest.mark.parametrize(
    ("params", "status"),
    [({"area": "TA99"}, 404), ({"month": "2026-13"}, 422), ({"format": "docx"}, 422),
     ({"lang": "de"}, 422)],
)  # fmt: skip
def test_monthly_review_errors(client, params, status) -> None:
    r = client.get("/v1/reports/monthly", params=params)
    assert r.status_code == status, r.text


def test_monthly_review_in_swedish(client) -> None:
    """The Swedish start page linked the English review ("PDF, på engelska"): the review
    is now written in Swedish too, names and numbers in Swedish."""
    from pypdf import PdfReader

    r = client.get("/v1/reports/monthly", params={"area": "TA23", "lang": "sv"})
    assert r.status_code == 200, r.text
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    text = " ".join(text.replace("\xa0", " ").split())
    assert "Arbetsmarknadsöversikt: S:t Michel regionen (TA23) 6/2026" in text
    assert "Arbetslösa 3 675 uppgift saknas" in text
    assert "Största effekt på de arbetslösa (månad)" in text
    home = client.get("/", params={"lang": "sv"}).text
    assert "/v1/reports/monthly?area=TA23&amp;format=pdf&amp;lang=sv" in home
    assert "på engelska" not in home


def test_home_links_the_review(client) -> None:
    r = client.get("/", params={"lang": "fi"})
    assert "/v1/reports/monthly?area=TA23&amp;format=pdf&amp;lang=fi" in r.text


@pytest.fixture
def stored_client(tmp_path):
    """An app on a release that holds a stored Finnish PDF review of TA23 for 2026-06."""
    from fastapi.testclient import TestClient

    from forecasting.io.release_store import Attachment, ReleaseStore
    from service.app import create_app
    from tests.service_data import full_datasets, make_settings, seed_alerts

    root = tmp_path / "releases"
    meta = {"kind": "monthly_review", "area": "TA23", "month": "2026-06", "lang": "fi",
            "format": "pdf"}  # fmt: skip
    stored = Attachment("monthly_review-TA23-fi.pdf", STORED, "application/pdf", meta)
    body = {"data_version": "test", "code_version": "test", "seeds": {"root": 1}, "metrics": {}}
    info = ReleaseStore(root).publish(full_datasets(), body, attachments=[stored])
    database_url = f"sqlite:///{tmp_path / 'alerts.sqlite'}"
    seed_alerts(database_url)
    with TestClient(create_app(make_settings(root, database_url))) as client:
        yield client, info


STORED = b"%PDF-1.4 the review the release stored"


def test_the_stored_review_of_the_release_is_served(stored_client) -> None:
    client, _ = stored_client
    for params in ({"area": "TA23"}, {"area": "ta23", "month": "2026-06"}):
        r = client.get("/v1/reports/monthly", params=params)
        assert r.status_code == 200, r.text
        assert r.content == STORED and r.headers["x-review-source"] == "release"
        assert "tyomarkkinakatsaus_TA23_2026-06_fi.pdf" in r.headers["content-disposition"]
    # another month or language than stored: rendered on request from the release's data
    for params in ({"month": "2026-05"}, {"lang": "en"}, {"format": "html"}):
        r = client.get("/v1/reports/monthly", params={"area": "TA23", **params})
        assert r.status_code == 200, r.text
        assert r.headers["x-review-source"] == "rendered" and r.content != STORED


def test_a_tampered_stored_review_degrades_healthz(stored_client) -> None:
    client, info = stored_client
    (info.path / "attachments" / "monthly_review-TA23-fi.pdf").write_bytes(b"%PDF changed")
    releases = client.app.state.context.releases
    releases._verified.clear()  # the check is cached per release (immutable): forget it
    assert releases.damaged(info.id) == ["attachments/monthly_review-TA23-fi.pdf"]
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["damaged"] == ["attachments/monthly_review-TA23-fi.pdf"]


def test_the_review_page_may_apply_its_own_stylesheet_and_nothing_else_inline(client) -> None:
    """Under the dashboard's policy the review's inline <style> was blocked; the review's
    policy allows that stylesheet by its hash, and no other inline style or script."""
    import base64
    import hashlib
    import re

    params = {"area": "TA23", "format": "html", "lang": "sv", "month": "2026-06"}
    r = client.get("/v1/reports/monthly", params=params)
    csp = r.headers["content-security-policy"]
    (css,) = re.findall(rb"<style>(.*?)</style>", r.content, flags=re.S)
    digest = base64.b64encode(hashlib.sha256(css).digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    pdf = client.get("/v1/reports/monthly", params={**params, "format": "pdf"})
    assert "sha256" not in pdf.headers["content-security-policy"]  # the dashboard's policy
