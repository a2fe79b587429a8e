"""The product pages (population, labour supply, jobs, occupations, special groups, map) and
the start page's headline figures, through the app with the test release."""

from __future__ import annotations

import itertools
import math
import re
from html import unescape
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import geography
from forecasting.io.geo import dissolve, load_shapes, simplify
from service import product_views as pv
from service.i18n import texts
from service.i18n_products import SOURCES, VARIABLES
from tests.matching import search

pytest_plugins = ["tests.service_fixtures"]

PAGES = ("/", "/population", "/labour", "/jobs", "/occupations", "/groups", "/map")


def _text(html: str) -> str:
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture(scope="module")
def pages(service_store, tmp_path_factory):
    """Every product page in every language, rendered once for the module."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import make_settings, seed_alerts, stub_scenario_runner

    url = f"sqlite:///{tmp_path_factory.mktemp('products') / 'alerts.sqlite'}"
    seed_alerts(url)
    app = create_app(make_settings(service_store, url), scenario_runner=stub_scenario_runner)
    # (path, lang) -> page text; "map-change" -> page text; "downloads" -> {link: response}
    out: dict[tuple[str, str] | str, Any] = {}
    with TestClient(app) as client:
        for path in PAGES:
            for lang in ("fi", "sv", "en"):
                response = client.get(path, params={"lang": lang})
                assert response.status_code == 200, (path, lang, response.text[-500:])
                out[path, lang] = response.text
        out["map-change"] = client.get("/map", params={"show": "change"}).text
        # the downloads the pages link: every one answers with a file
        links = {
            unescape(href)
            for html in out.values()
            for href in re.findall(r'href="(/v1/[^"]+format=(?:csv-fi|xlsx)[^"]*)"', html)
        }
        out["downloads"] = {link: client.get(link) for link in links}
    return out


@pytest.mark.slow  # renders every page in three languages once (about 20 s)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_dates_its_sources_in_words_not_cube_names(pages, path):
    from service.routers.dashboard import PAGE_PRODUCTS, _product_cubes
    from tests.service_data import DATA_THROUGH

    page = path.strip("/") or "home"
    dated = set(_product_cubes(PAGE_PRODUCTS[page])) & set(DATA_THROUGH)
    for lang in ("fi", "sv", "en"):
        html = pages[path, lang]
        spans = re.findall(r'<span data-source="([^"]+)">([^<]+)</span>', html)
        assert {cube for cube, _ in spans} == dated, (path, lang)
        for cube, text in spans:
            assert cube not in text, (path, lang, text)
            assert text.startswith(texts(lang)[f"src_{cube}"])
        assert "Traceback" not in html
        assert f'<html lang="{lang}">' in html


@pytest.mark.slow  # renders every page in three languages once (about 20 s)
def test_every_download_link_answers_with_a_file(pages):
    downloads = pages["downloads"]
    assert len(downloads) >= 10
    for link, response in downloads.items():
        assert response.status_code == 200, (link, response.text[:300])
        if "csv-fi" in link:
            assert response.content.startswith(b"\xef\xbb\xbf"), link  # BOM for Excel
        else:
            assert response.content[:2] == b"PK", link  # an XLSX is a zip


def test_source_and_variable_names_exist_in_three_languages():
    import forecasting.release.products  # noqa: F401
    from forecasting.release.registry import registered

    cubes = {c for p in registered().values() for c in p.cubes}
    assert cubes <= set(SOURCES), cubes - set(SOURCES)
    assert set(pv.REGISTER_VARIABLES) <= set(VARIABLES)
    assert len(pv.REGISTER_VARIABLES) == 23
    for lang in ("fi", "sv", "en"):
        assert texts(lang)["src_jobs_by_industry_postcode_shares"] != (
            "jobs_by_industry_postcode_shares"
        )


@pytest.mark.slow  # renders every page in three languages once (about 20 s)
def test_home_sums_published_members_where_one_is_suppressed(pages):
    """TA23 vacancies 6/2026: Hirvensalmi (097) is suppressed in tyonv 12r5; the published
    members are 45 + 60 + 228 + 12 + 0 = 345 (statfin-2026 12r5 2026M06)."""
    text = _text(pages["/", "fi"])
    assert "≥ 345" in text  # a lower bound, as in the monthly review
    assert "osittainen: 1/6 kunnan luku salattu" in text
    assert "partial: 1 of 6 municipalities suppressed" in _text(pages["/", "en"])
    # headline figures: 3 675 unemployed, rate 11,2 %, the spring forecast with its interval
    headline = search(r'<ul class="headline".*?</ul>', pages["/", "fi"], re.S).group(0)
    assert "3\xa0675" in headline or "3 675" in _text(headline)
    assert "11,2\xa0%" in headline
    assert "Ennuste" not in headline  # next spring has its own section, as on /forecasts
    section = search(r'<section id="spring".*?</section>', pages["/", "fi"], re.S).group(0)
    spring = r"Ensi kevät 3–5/2027.*(80 %:n väli [\d\s\xa0]+–[\d\s\xa0]+.*){3}"
    assert re.search(spring, _text(section))


@pytest.mark.slow  # renders every page in three languages once (about 20 s)
def test_population_page_has_a_pyramid_and_the_comparison(pages):
    html = pages["/population", "fi"]
    # one pyramid, drawn for a desktop and for a phone
    assert html.count('role="img"') == 2 and html.count("chart-narrow") == 1 and "<rect" in html
    compare = search(r'<table id="population-compare">.*?</table>', html, re.S).group(0)
    for name in ("Mikkelin seutu", "Etelä-Savo", "Koko maa"):
        assert name in compare


@pytest.mark.slow  # renders every page in three languages once (about 20 s)
def test_groups_page_lists_the_23_variables_and_never_sums_rates(pages):
    html = pages["/groups", "fi"]
    rows = re.findall(r"<tr><th scope=\"row\">", html)
    assert len(rows) == 23
    rate_row = search(r"Työttömyysaste \(julkaistu\), %</th>(.*?)</tr>", html, re.S).group(1)
    first_cell = re.findall(r'<td class="num">(.*?)</td>', rate_row)[0]
    assert first_cell.strip() == "–"  # a rate of TA23 is not the sum of its members' rates


@pytest.mark.slow  # renders every page in three languages once (about 20 s)
def test_occupations_page_says_shortage_or_surplus(pages):
    html = pages["/occupations", "fi"]
    signals = re.findall(r'class="signal signal-(\w+)"', html)
    assert signals and set(signals) <= {"shortage", "surplus", "balanced", "unknown"}


@pytest.mark.slow  # renders every page in three languages once (about 20 s)
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_occupations_page_dates_the_shares_and_the_level_apart(pages, lang):
    from tests.service_data import registers_history

    last = pd.Timestamp(registers_history()["time"].values[-1])
    text = _text(pages["/occupations", lang])
    sentence = texts(lang)["occupations_dates"].format(
        shares="10/2023", level=f"{last.month}/{last.year}"
    )
    assert sentence in text  # shares of the occupation data, level of the registers


@pytest.mark.slow  # renders every page in three languages once (about 20 s)
def test_map_is_small_draws_the_2025_division_and_outlines_the_area(pages):
    html = pages["/map", "fi"]
    svg = search(r"<svg.*?</svg>", html, re.S).group(0)
    assert len(svg.encode()) < 25_000
    drawn = set(re.findall(r'data-area="(\d{3})"', svg))
    assert drawn == set(geography.members("MK10"))
    assert "507" in drawn and "588" not in drawn
    assert svg.count('class="outline"') == 1
    table = search(r'<table id="map-table">.*?</table>', html, re.S).group(0)
    assert "Mäntyharju" in table and "11,2\xa0%" in table
    assert "url(#nodata)" in svg  # the legend's no-data hatching (a missing value is not 0)
    assert "Muutos verrattuna kuukauteen 6/2023" in _text(pages["map-change"])


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fi", "ei mukana julkaisussa"), ("sv", "ingår inte i publiceringen"),
     ("en", "not in the release")],
)  # fmt: skip
def test_map_draws_municipalities_outside_the_release_grey_not_as_missing(client, lang, words):
    from service.product_charts import OUTSIDE
    from tests.service_data import AREAS

    svg = re.search(r"<svg.*?</svg>", client.get("/map", params={"lang": lang}).text, re.S)
    assert svg is not None
    paths = re.findall(r'<path d="[^"]*" fill="([^"]+)"[^>]*data-area="(\d{3})"', svg[0])
    fills = {code: fill for fill, code in paths}
    outside = set(geography.members("MK10")) - set(AREAS) - {"588"}  # 588: drawn in 507
    assert outside and outside <= set(fills)
    assert {fills[c] for c in outside} == {OUTSIDE}  # neutral, not the no-data hatching
    assert all(fills[c] != OUTSIDE for c in set(fills) - outside)
    assert f'fill="{OUTSIDE}" stroke="#595959"/><text' in svg[0] and f">{words}</text>" in svg[0]


def test_map_asset_merges_pertunmaa_into_mantyharju():
    shapes, outlines = load_shapes()
    assert "588" not in shapes and len(shapes["507"]) == 1
    assert len(shapes) == len(geography.municipalities())
    assert len(outlines["TA23"]) == 1


def test_dissolve_removes_the_shared_edge_of_two_squares():
    a: list[tuple[float, float]] = [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
    b: list[tuple[float, float]] = [(1, 0), (2, 0), (2, 1), (1, 1), (1, 0)]
    (ring,) = dissolve([a, b])
    assert set(ring) == {(0, 0), (1, 0), (2, 0), (2, 1), (1, 1), (0, 1)}
    assert ring[0] == ring[-1]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=3, max_size=60), st.floats(0.01, 5))
def test_simplify_keeps_ends_and_stays_within_tolerance(ys, tol):
    pts = np.column_stack([np.arange(len(ys), dtype=float), ys])
    out = simplify(pts, tol)
    assert (out[0] == pts[0]).all() and (out[-1] == pts[-1]).all()
    # every dropped point lies within tol of the simplified polyline
    for p in pts:
        assert min(_distance(p, a, b) for a, b in itertools.pairwise(out)) <= tol + 1e-9


def _distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Distance of point ``p`` from segment ``a-b``."""
    ab, ap = b - a, p - a
    u = 0.0 if not ab.any() else float(np.clip(ap @ ab / (ab @ ab), 0, 1))
    return float(np.hypot(*(ap - u * ab)))


def _registers(values: list[float]) -> xr.Dataset:
    members = geography.members("TA23")
    time = pd.DatetimeIndex(["2026-06-01"])
    data = np.array([*values, np.nan])[:, None]
    return xr.Dataset(
        {"vacancies": (("area", "time"), data)},
        coords={"area": [*members, "TA23"], "time": time},
    )


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 500)), min_size=6, max_size=6))
def test_aggregate_is_the_sum_of_published_members_and_counts_suppressed(values):
    ds = _registers([np.nan if v is None else float(v) for v in values])
    agg = pv.aggregate_value(ds, "TA23", "vacancies", "2026-06-01")
    published = [v for v in values if v is not None]
    assert agg.suppressed == (6 - len(published) if published else 6)
    if published:
        assert agg.value == sum(published)
    else:
        assert math.isnan(agg.value)  # never a silent 0


def test_signal_thresholds():
    # the product's thresholds (forecasting.tightness): shortage from 1.0, surplus below 0.2
    assert pv.signal(1.0) == "shortage"
    assert pv.signal(0.19) == "surplus"
    assert pv.signal(0.49) == "balanced"
    assert pv.signal(0.7) == "balanced"
    assert pv.signal(float("nan")) == "unknown"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("path", ["/jobs", "/occupations"])
def test_jobs_and_occupation_pages_state_their_method_in_the_readers_language(
    pages, path: str, lang: str
) -> None:
    """Only the training page printed its product's method; a planner on the jobs or the
    occupations page had to open a workbook to learn how the projection was made. The page
    prints the product's own note in the reader's language (``method_note_<lang>``, as
    forecasting.demand and forecasting.register_occupations stamp it)."""
    from forecasting.demand import method_notes as jobs_notes
    from forecasting.register_occupations import method_notes as occupation_notes

    if path == "/jobs":
        notes = jobs_notes("demography-2019.1")
    else:  # the fixture's months (tests/service_data.full_datasets)
        from tests.service_data import registers_history

        level = pd.Timestamp(registers_history()["time"].values[-1])
        notes = occupation_notes("2023-10", f"{level:%Y-%m}")
    found = search(r'<p class="method">(.*?)</p>', pages[path, lang], re.S).group(1)
    assert unescape(found) == notes[f"method_note_{lang}"]
