"""Dashboard languages and formats, downloads (csv-fi, xlsx), freshness, intervals and gaps.

Reference formats are CLDR's as Babel ships them (group separator ``get_group_symbol``,
minus sign U+2212 in fi and sv); the register gap 2023-11..2026-05 is the snapshot's
(tests/service_data.py publishes the real ``registers`` cube).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import re
from collections.abc import Iterator
from typing import Any

import pytest
from babel.numbers import get_group_symbol
from hypothesis import given
from hypothesis import strategies as st

from forecasting import geography
from service import formats
from service.charts import FanPoint, envelope, fan_chart, segments
from service.export import for_reading
from service.labels import area_name
from tests.matching import search
from tests.spreadsheets import csv_fi_table, xlsx_table

pytest_plugins = ["tests.service_fixtures"]
LEGEND = {"history": "h", "forecast": "f", "inner": "b8", "outer": "b9"}


@pytest.fixture(scope="module")
def web(service_store: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One app for the module (building one per test is most of the time of a test)."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import make_settings, stub_scenario_runner

    url = f"sqlite:///{tmp_path_factory.mktemp('alerts') / 'a.sqlite'}"
    app = create_app(make_settings(service_store, url), scenario_runner=stub_scenario_runner)
    with TestClient(app) as client:
        yield client


def test_formats_follow_cldr_in_each_language():
    g = get_group_symbol("fi")
    assert formats.number(3675.4, "fi") == f"3{g}675"
    assert formats.number(3675.4, "sv") == f"3{get_group_symbol('sv')}675"
    assert formats.number(3675.4, "en") == "3,675"
    assert formats.percent(11.23, "fi", 1) == "11,2\xa0%"
    assert formats.percent(-13.0, "fi") == "\u221213\xa0%"
    assert formats.percent(-13.0, "en") == "\u221213%"  # as the charts and alerts write it
    assert formats.number(-1234.56, "sv", 1) == f"\u22121{g}234,6"
    assert formats.month(dt.date(2026, 6, 1)) == "6/2026"
    assert formats.day(dt.date(2026, 12, 1)) == "1.12.2026"
    assert formats.period("2026-06") == "6/2026" and formats.period("2025") == "2025"
    assert formats.number(math.nan, "fi") == formats.number(None, "en") == "–"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_home_page_numbers_names_and_dates_in_the_language(web, lang):
    html = web.get("/", params={"lang": lang}).text
    api = web.get(
        "/v1/registers/history",
        params={"area": "491", "variable": ["unemployed", "labour_force"], "from": "2026-06"},
    ).json()["data"][-1]
    assert f'<html lang="{lang}">' in html
    assert formats.number(api["unemployed"], lang) in html
    rate = 100 * api["unemployed"] / api["labour_force"]
    assert formats.percent(rate, lang, 1) in html
    assert "(6/2026)" in html  # the latest month, not 2026-06
    assert area_name("491", lang) in html and area_name("TA23", lang) in html
    others = {"fi", "sv", "en"} - {lang}
    assert all(f'hreflang="{o}"' in html for o in others)


def test_swedish_pages_use_swedish_words_and_names(web):
    html = web.get("/forecasts", params={"lang": "sv", "area": "TA23"}).text
    assert "Prognoser" in html and "Arbetslösa arbetssökande" in html
    assert '<time datetime="2026-07">7/2026</time>' in html


#: Pages that name classification codes, and the dims whose labels they show.
CLASSIFIED_PAGES = {
    "/jobs": ("industry",),
    "/scenarios": ("industry",),
    "/occupations": ("occupation",),
    "/training": ("field",),
}


@pytest.mark.parametrize("page", sorted(CLASSIFIED_PAGES))
def test_swedish_pages_name_classifications_in_swedish_not_english(web, page):
    """Industries (TOL 2008), occupations and fields in Swedish (labels_sv.csv): no English
    classification name on a Swedish page, and the page's own names are the Swedish ones."""
    from html import unescape

    from forecasting import classifications
    from service.labels import label_map

    text = unescape(web.get(page, params={"lang": "sv"}).text)
    shown = 0
    for dim in ("industry", "occupation", "field"):
        english = {v for v in (label_map(dim, "en") or {}).values() if not v.isdigit()}
        swedish = label_map(dim, "sv") or {}
        assert not english & set(swedish.values())  # every labelled code has its own sv name
        leaked = sorted(name for name in english if name in text)
        assert leaked == [], f"{page} shows English {dim} names: {leaked}"
        if dim in CLASSIFIED_PAGES[page]:
            shown += sum(1 for name in swedish.values() if name in text)
    assert shown >= 1, f"{page} shows no Swedish classification name"
    assert classifications.label("industry", "C", "sv") == "Tillverkning"
    assert classifications.label("field", "06", "sv").startswith("Informations- och")
    assert classifications.label("occupation", "2111", "sv") == classifications.label(
        "occupation", "21", "sv"
    )  # levels 3-4 fall back to the nearest labelled parent, in Swedish too


def test_tagline_names_the_pages_own_employment_area(web):
    home = web.get("/", params={"lang": "fi"}).text
    assert f"Työmarkkinoiden ennakointi – {area_name('TA23', 'fi')}" in home
    region = web.get("/training", params={"lang": "en", "area": "MK10"}).text
    assert f"Labour-market foresight – {area_name('MK10', 'en')}" in region
    helsinki = web.get("/scenarios", params={"lang": "en", "municipality": "091"}).text
    own = area_name(geography.employment_area_of("091"), "en")
    assert own != area_name("TA23", "en") and f"Labour-market foresight – {own}" in helsinki


def _all_json_rows(web: Any, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    body = web.get(path, params={**params, "limit": 1000}).json()
    rows += body["data"]
    while body["page"]["next"]:
        body = web.get(body["page"]["next"]).json()
        rows += body["data"]
    return rows


def test_csv_for_finnish_excel_has_bom_semicolons_decimal_commas_and_all_rows(web):
    params = {"area": ["491", "TA23"], "variable": ["unemployed", "vacancies"]}
    r = web.get("/v1/registers/forecasts", params={**params, "format": "csv-fi", "limit": 5})
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('.csv"')
    raw = r.content
    assert raw.startswith(b"\xef\xbb\xbf")
    expected = _all_json_rows(web, "/v1/registers/forecasts", params)
    header, body = csv_fi_table(raw, "fi", list(expected[0]))  # headed in Finnish
    assert len(body) == len(expected) == int(r.headers["x-total-count"]) > 5  # not paged
    force = header.index("labour_force")
    assert all(re.fullmatch(r"\d+,\d+", row[force]) for row in body)  # floats: decimal comma
    for column in ("labour_force", "mean", "hi95"):
        i = header.index(column)
        got = [float(row[i].replace(",", ".")) if row[i] else None for row in body]
        # empty where the API has null; rounded for reading (export.for_reading)
        assert got == [None if e[column] is None else for_reading(e[column]) for e in expected]
        assert all(
            abs(g - e[column]) <= max(0.05, 5e-4 * abs(e[column]))
            for g, e in zip(got, expected, strict=True)
            if g is not None
        )
    assert [row[header.index("area")] for row in body] == [e["area"] for e in expected]


def test_xlsx_opens_and_has_every_row_of_the_api(web):
    from openpyxl import load_workbook

    from service.i18n_products import value_label

    params = {"area": "491"}
    r = web.get("/v1/registers/history", params={**params, "format": "xlsx", "lang": "sv"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    header, body = xlsx_table(book)  # headed in Swedish, the API's names on sheet "columns"
    assert book.worksheets[0]["A1"].value == "Område, kod" and "Arbetslösa arbetssökande" in [
        c.value for c in next(book.worksheets[0].iter_rows(max_row=1))
    ]
    expected = _all_json_rows(web, "/v1/registers/history", {**params, "lang": "sv"})
    assert len(body) == len(expected) == int(r.headers["x-total-count"])
    for row, want in zip(body, expected, strict=True):
        got = dict(zip(header, row, strict=True))
        got["time"] = got["time"].date().isoformat()
        # status meanings are written in the page's language for people (the API keeps codes)
        want = {k: value_label(v, "sv") if k.endswith("_status") else v for k, v in want.items()}
        assert got == want
    about = {key: value for _, value, key in book.worksheets[2].iter_rows(values_only=True)}
    assert about["license"] == "CC BY 4.0" and int(about["total_rows"]) == len(body)


def test_every_chart_and_table_links_its_downloads(web):
    forecasts = web.get("/forecasts", params={"area": "491", "variable": "vacancies"}).text
    links = re.findall(r'href="(/v1/[^"]+)" download', forecasts)
    assert {search(r"format=([\w-]+)", u).group(1) for u in links} == {"csv-fi", "xlsx"}
    assert len(links) == 4  # history and forecast, each as csv-fi and xlsx
    for url in links:
        r = web.get(url.replace("&amp;", "&"))
        assert r.status_code == 200 and int(r.headers["x-total-count"]) > 0, url
    for page in ("/", "/training"):
        assert "format=xlsx" in web.get(page).text, page


def test_pages_state_the_data_date_and_warn_when_stale(web, monkeypatch):
    monkeypatch.setattr(web.app.state.context, "clock", lambda: dt.date(2026, 7, 20))
    fresh = web.get("/forecasts", params={"lang": "fi"}).text
    assert re.search(
        r'class="freshness">Tietojen ajankohta:\s*<span data-source="registers">'
        r"työnvälitystilasto 6/2026",
        fresh,
    )
    assert 'class="notice stale"' not in fresh
    assert "registers" not in web.get("/healthz").json()["stale_sources"]  # one clock for both
    monkeypatch.setattr(web.app.state.context, "clock", lambda: dt.date(2026, 12, 6))
    assert "registers" in web.get("/healthz").json()["stale_sources"]
    stale = web.get("/forecasts", params={"lang": "en"}).text
    assert "newer data was expected by 31.8.2026" in stale  # freshness docstring's example
    training = web.get("/training", params={"lang": "en"}).text
    assert 'data-source="population_totals"' in training  # every source the page shows


def _point(text: str) -> tuple[float, float]:
    x, y = text.split(",")
    return float(x), float(y)


def _polygon(svg: str, band: str) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(upper, lower) vertices of a band, both from left to right."""
    points = search(rf'data-band="{band}" points="([^"]+)"', svg).group(1).split()
    xy = [_point(p) for p in points]
    half = len(xy) // 2
    return xy[:half], xy[half:][::-1]


def test_the_95_band_is_never_inside_the_80_band():
    base = dt.date(2026, 7, 1)
    # The 95 % bound inside the 80 % one on both sides in month 2 (independently estimated).
    points = [
        FanPoint(base.replace(month=7 + i), 100, 90 - i, 110 + i, 85 + 10 * i, 115 - 10 * i)
        for i in range(3)
    ]
    svg = str(fan_chart([], points, title="t", description="d", legend=LEGEND))
    outer_hi, outer_lo = _polygon(svg, "outer")
    inner_hi, inner_lo = _polygon(svg, "inner")
    for (_, oh), (_, ih), (_, ol), (_, il) in zip(
        outer_hi, inner_hi, outer_lo, inner_lo, strict=True
    ):
        assert oh <= ih and ol >= il  # SVG y grows downwards


def test_forecast_page_bands_are_ordered(web):
    svg = web.get("/forecasts", params={"area": "TA23", "variable": "unemployed"}).text
    outer_hi, outer_lo = _polygon(svg, "outer")
    inner_hi, inner_lo = _polygon(svg, "inner")
    assert all(o[1] <= i[1] for o, i in zip(outer_hi, inner_hi, strict=True))
    assert all(o[1] >= i[1] for o, i in zip(outer_lo, inner_lo, strict=True))


finite = st.floats(0, 1e6, allow_nan=False)


@given(st.lists(st.tuples(finite, finite, finite, finite), min_size=1, max_size=12))
def test_envelope_contains_the_inner_band(bounds):
    points = [
        FanPoint(dt.date(2026, 1 + i % 12, 1), 0.0, a, a + b, c, c + d)
        for i, (a, b, c, d) in enumerate(bounds)
    ]
    for p, q in zip(points, envelope(points), strict=True):
        assert q.lo_out <= q.lo_in <= q.hi_in <= q.hi_out
        assert q.lo_out <= p.lo_out and q.hi_out >= p.hi_out  # only ever widened


def test_lines_break_at_missing_months():
    months = [dt.date(2023, m, 1) for m in range(1, 13)] + [dt.date(2026, 6, 1)]
    values = [1.0] * 10 + [math.nan, math.nan, 3.0]
    assert [len(r) for r in segments(list(zip(months, values, strict=True)))] == [10, 1]
    # Rows absent (not NaN) are a break too.
    rows = [(dt.date(2023, m, 1), 1.0) for m in (1, 2, 3)] + [
        (dt.date(2026, 5, 1), 2.0),
        (dt.date(2026, 6, 1), 2.0),
    ]
    assert [len(r) for r in segments(rows)] == [3, 2]


def test_register_history_line_breaks_at_the_2023_2026_gap(web):
    html = web.get("/forecasts", params={"area": "491", "variable": "unemployed"}).text
    lines = re.findall(r'<polyline data-series="history" points="([^"]+)"', html)
    dots = re.findall(r'<circle data-series="history"', html)
    assert len(lines) + len(dots) >= 2  # observed up to 2023-10, then 2026-06 alone
    for line in lines:
        xs = [float(p.split(",")[0]) for p in line.split()]
        steps = [b - a for a, b in itertools.pairwise(xs)]
        assert max(steps) < 2 * min(steps)  # no straight line across the missing months
    assert (
        "months are missing from the data: 11/2023–5/2026"
        in web.get(
            "/forecasts", params={"area": "491", "variable": "unemployed", "lang": "en"}
        ).text
    )


def test_favicon_and_small_screen_css_are_served(web):
    assert web.get("/favicon.ico").headers["content-type"].startswith("image/svg+xml")
    css = web.get("/static/style.css").text
    assert "@media (max-width: 40rem)" in css and ".table-wrap" in css
    html = web.get("/training", params={"lang": "en"}).text
    assert 'rel="icon"' in html and '<div class="table-wrap"' in html


def test_product_pages_are_cached_per_release_and_day_live_pages_never(web, monkeypatch):
    """Issue 21's TTFB target: a page that is a function of the release, the URL and the day
    is answered from the release cache; a new day renders it again (freshness notes); the
    start page (live alert count), the alerts page and scenario runs are never cached."""
    params = {"lang": "fi", "area": "491", "year": 2030}
    first, again = (web.get("/jobs", params=params) for _ in range(2))
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("miss", "hit")
    assert again.content == first.content
    monkeypatch.setattr(web.app.state.context, "clock", lambda: dt.date(2031, 1, 1))
    assert web.get("/jobs", params=params).headers["X-Cache"] == "miss"
    form = {"lang": "fi", "municipality": "491"}
    assert [web.get("/scenarios", params=form).headers["X-Cache"] for _ in "ab"] == ["miss", "hit"]
    run = {**form, "run": "true", "jobs": 10}
    for live, query in (("/", {"lang": "fi"}), ("/alerts", {"lang": "fi"}), ("/scenarios", run)):
        assert "X-Cache" not in web.get(live, params=query).headers
