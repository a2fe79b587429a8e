"""GET /v1/reports/monthly: the monthly review from the served release (PDF and HTML), and
the dashboard's link to it. The release is tests/service_data.py's (the real TA23 registers:
3 675 unemployed in 2026-06, tyonv 12r5)."""

from __future__ import annotations

import io

import pytest

pytest_plugins = ["tests.service_fixtures"]


def test_monthly_review_pdf(client) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    r = client.get("/v1/reports/monthly", params={"area": "TA23", "month": "2026-06"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "3 675" in text.replace("\xa0", " ") and "ei tietoa" in text


def test_monthly_review_html_english(client) -> None:  # type: ignore[no-untyped-def]
    params = {"area": "TA23", "format": "html", "lang": "en", "month": "2026-06"}
    r = client.get("/v1/reports/monthly", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "Labour market review" in r.text and "3,675" in r.text and "no data" in r.text


@pytest.mark.parametrize(
    ("params", "status"),
    [({"area": "TA99"}, 404), ({"month": "2026-13"}, 422), ({"format": "docx"}, 422),
     ({"lang": "sv"}, 422)],
)  # fmt: skip
def test_monthly_review_errors(client, params, status) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/v1/reports/monthly", params=params)
    assert r.status_code == status, r.text


def test_home_links_the_review(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/", params={"lang": "fi"})
    assert "/v1/reports/monthly?area=TA23&amp;format=pdf&amp;lang=fi" in r.text
