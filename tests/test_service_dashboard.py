"""Dashboard pages through the ASGI client (fast; the browser test renders them for real)."""

from __future__ import annotations

import itertools
import math
import re
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import geography
from service.charts import FanPoint, bar_chart, fan_chart, nice_ticks

pytest_plugins = ["tests.service_fixtures"]

PAGES = ["/", "/forecasts", "/alerts", "/scenarios", "/training"]


@pytest.mark.parametrize("lang", ["fi", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_pages_render_with_lang_and_attribution(client, path, lang):
    r = client.get(path, params={"lang": lang})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in r.text
    assert "CC BY 4.0" in r.text
    other = "en" if lang == "fi" else "fi"
    assert f'hreflang="{other}"' in r.text


def test_forecast_page_draws_the_fan_and_a_table(client):
    html = client.get("/forecasts", params={"area": "491", "variable": "vacancies"}).text
    # the 80 % and 95 % bands, in the desktop's drawing and in the phone's
    for drawing in ("chart-wide", "chart-narrow"):
        svg = re.search(rf'<svg class="chart {drawing}".*?</svg>', html, re.S)
        assert svg is not None and svg.group(0).count("<polygon") == 2
    assert "<title id=" in html and "<desc id=" in html
    assert "Avoimet työpaikat: Mikkeli" in html
    # the release forecasts 42 months from the latest observation (tests/service_data.py)
    assert len(re.findall(r"<tr><th scope=\"row\"><time datetime=\"\d{4}-\d{2}\">", html)) == 42


def test_scenario_form_runs_and_shows_the_result(client):
    html = client.get(
        "/scenarios",
        params={"run": 1, "municipality": "213", "industry": "F", "jobs": 120, "lang": "en"},
    ).text
    assert "Scenario result" in html and "<svg" in html
    assert 'value="213" selected' in html


def test_dashboard_escapes_user_input_and_answers_errors_in_html(client):
    r = client.get("/forecasts", params={"area": "<b>x</b>"}, headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<b>x</b>" not in r.text
    assert "&lt;b&gt;x&lt;/b&gt;" in r.text
    api = client.get("/v1/areas/xyz", headers={"Accept": "text/html"})
    assert api.headers["content-type"] == "application/problem+json"


def test_scenario_page_says_when_the_engine_is_missing(service_store, tmp_path):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import make_settings

    app = create_app(make_settings(service_store, f"sqlite:///{tmp_path / 'a.sqlite'}"))
    app_without_engine = app
    with TestClient(app_without_engine) as c:
        app_without_engine.state.context.scenarios.runner = None
        html = c.get("/scenarios", params={"lang": "en", "run": 1}).text
        assert "The scenario engine is not available" in html
        r = c.post("/v1/scenarios/runs", json={"events": []}, headers={"X-API-Key": "key-all"})
        assert r.status_code == 503


def test_scenario_form_runs_in_the_employment_area_of_the_municipality(service_store, tmp_path):
    """A municipality outside the release's area is simulated in its own area (Helsinki in
    TA08), not refused as outside TA23."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import make_settings, stub_scenario_runner

    seen = []

    def runner(spec, baseline=None):
        seen.append(spec)
        return stub_scenario_runner(spec)

    settings = make_settings(service_store, f"sqlite:///{tmp_path / 'a.sqlite'}")
    with TestClient(create_app(settings, scenario_runner=runner)) as c:
        params: dict[str, str | int] = {
            "run": 1,
            "municipality": "091",
            "industry": "J",
            "jobs": 100,
            "lang": "en",
        }
        html = c.get("/scenarios", params=params).text
        unknown = c.get("/scenarios", params={**params, "municipality": "999"}).text
    runs = [s.area for s in seen if s.name == "dashboard"]  # not the start-up warm-up run
    assert runs == ["TA08"]
    assert "not a municipality" not in html
    assert "999" in unknown  # refused before any run, with the code


def test_every_preset_has_a_name_in_every_ui_language():
    from forecasting.scenarios.presets import PRESETS, TITLES, preset_title
    from service.i18n import UI_LANGS

    assert set(TITLES) == set(PRESETS)
    assert all(set(titles) == set(UI_LANGS) for titles in TITLES.values())
    assert preset_title("baseline", "sv") == "Grundbana (inga händelser)"
    assert preset_title("baseline", "de") == "Baseline (no events)"  # English otherwise
    assert preset_title("my_own_run", "fi") == "my_own_run"  # not a preset: as it is


def test_scenario_form_baseline_follows_the_release_forecasts(service_store, tmp_path):
    """A run in the release's area gets the release's register forecasts as its baseline
    targets (the table's baseline column is the forecast path, not the last year repeated);
    an area the release does not cover keeps the persistence baseline."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import make_settings, stub_scenario_runner

    seen = []

    def runner(spec, baseline=None):
        seen.append((spec, baseline))
        return stub_scenario_runner(spec)

    settings = make_settings(service_store, f"sqlite:///{tmp_path / 'a.sqlite'}")
    app = create_app(settings, scenario_runner=runner)
    with TestClient(app) as c:
        params: dict[str, str | int] = {"run": 1, "industry": "F", "jobs": 120, "lang": "en"}
        c.get("/scenarios", params={**params, "municipality": "213"})
        c.get("/scenarios", params={**params, "municipality": "091"})
        forecasts = app.state.context.releases.open().dataset("register_forecasts")
    runs = [(s.area, s.baseline_source, b) for s, b in seen if s.name == "dashboard"]
    assert [r[:2] for r in runs] == [("TA23", "register_forecast"), ("TA08", "persistence")]
    baseline, helsinki = runs[0][2], runs[1][2]
    assert helsinki is None
    munis = geography.members("TA23")
    assert sorted(map(str, baseline["area"].values)) == sorted(munis)
    expected = forecasts["unemployed"].sel(area=munis)
    np.testing.assert_array_equal(baseline["unemployed"].values, expected.values)


def test_nice_ticks_cover_the_range():
    for lo, hi in [(0, 432), (0, 1), (0, 3541), (-3, 7), (10, 10)]:
        ticks = nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi
        steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1


def test_charts_carry_title_and_description_and_skip_missing_values():
    import datetime as dt

    points = [
        FanPoint(dt.date(2024, m, 1), 10.0 + m, 9.0, 12.0 + m, 8.0, 14.0 + m) for m in (1, 2, 3)
    ]
    svg = str(
        fan_chart(
            [(dt.date(2023, 12, 1), math.nan), (dt.date(2023, 11, 1), 10.0)],
            points,
            title="T <x>",
            description="D",
            legend={"history": "h", "forecast": "f", "inner": "b8", "outer": "b9"},
        )
    )
    assert 'role="img"' in svg and "<title id=" in svg and "T &lt;x&gt;" in svg
    assert "nan" not in svg
    bars = str(bar_chart([("a", 5.0, None, None)], title="B", description="d"))
    assert "<rect" in bars and "<desc" in bars


@pytest.mark.parametrize(
    ("lang", "title", "description"),
    [
        ("fi", "Teollisuuslaitos sulkee Mäntyharjulla (300 työpaikkaa) helmikuusta 2027 alkaen",
         "Sulkeminen vie 300 työpaikkaa kolmen kuukauden aikana helmikuusta 2027 alkaen"),
        ("sv", "En industrianläggning i Mäntyharju läggs ned (300 arbetsplatser) från och med "
         "februari 2027", "Nedläggningen tar bort 300 arbetsplatser under tre månader från "
         "och med februari 2027"),
        ("en", "A manufacturing plant closes in Mäntyharju (300 jobs) from February 2027",
         "The closure removes 300 jobs over three months from February 2027"),
    ],
)  # fmt: skip
def test_scenario_page_names_the_presets_in_the_page_language(client, lang, title, description):
    """Each preset by its human name and what it simulates, in the page's language, with
    the month its events begin in the release's stored specs (a release built 2026-12-07
    on data to 2026-06: February 2027, ahead of the reader, not 2026-09 in the past)."""
    html = client.get("/scenarios", params={"lang": lang}).text
    section = html[html.index('id="presets-h"') :]
    items = re.findall(
        r'<li data-preset="([a-z_]+)"><span class="preset-title">([^<]+)</span>'
        r' <span class="preset-description">([^<]+)</span>',
        section,
    )
    closure = {pid: (text, desc) for pid, text, desc in items}["mantyharju_manufacturing_closure"]
    assert closure[0] == title and description in closure[1]
    assert len(items) == 2  # the two presets of tests/service_data.py
    assert all(text != pid and "_" not in text for pid, text, _ in items)  # no raw ids shown


def test_scenario_form_draws_come_from_the_settings_and_match_the_warm_up(service_store, tmp_path):
    """The form's runs use ``scenario.form_draws`` (capped at the default draws), and the
    service's warm-up computes the form's baselines at that very number, so a planner's
    first form run finds its baseline computed; a number typed in the form is kept."""
    from fastapi.testclient import TestClient

    from forecasting.settings import ScenarioSettings
    from service.app import create_app
    from tests.service_data import make_settings, stub_scenario_runner

    seen = []

    def runner(spec, baseline=None):
        seen.append(spec)
        return stub_scenario_runner(spec)

    settings = make_settings(service_store, f"sqlite:///{tmp_path / 'a.sqlite'}")
    settings.scenario = ScenarioSettings(form_draws=321, default_draws=1000)
    app = create_app(settings, scenario_runner=runner)
    with TestClient(app) as c:
        params: dict[str, str | int] = {
            "run": 1,
            "municipality": "213",
            "industry": "F",
            "jobs": 120,
            "lang": "en",
        }
        html = c.get("/scenarios", params=params).text
        c.get("/scenarios", params={**params, "draws": 77})
        c.get("/scenarios", params={**params, "draws": 4000})
        assert app.state.context.scenarios.form_draws == 321
    assert 'value="321"' in html
    assert [s.draws for s in seen if s.name == "dashboard"] == [321, 77, 1000]


@settings(max_examples=200, deadline=None)
@given(
    lo=st.floats(-1e6, 1e6, allow_nan=False),
    width=st.floats(1e-3, 1e7, allow_nan=False),
)
def test_axis_labels_of_nice_ticks_are_distinct_and_exact(lo, width):
    """Ticks labelled with :func:`tick_digits` decimals read apart (0,25 0,5 0,75, not 0 0 1)
    and each label is its tick's value."""
    from forecasting.alerts.text import number
    from forecasting.charts import tick_digits

    ticks = nice_ticks(lo, lo + width)
    digits = tick_digits(ticks)
    labels = [number(t, "en", digits) for t in ticks]
    assert len(set(labels)) == len(labels), labels
    for tick, label in zip(ticks, labels, strict=True):
        assert math.isclose(float(label.replace(",", "").replace("\u2212", "-")), tick,
                            rel_tol=1e-9, abs_tol=10.0**-digits / 2)  # fmt: skip
    assert tick_digits([0.0, 0.25, 0.5]) == 2 and tick_digits([0, 500, 1000]) == 0


def test_each_preset_names_its_largest_effect_as_the_monthly_review_does(client, monkeypatch):
    """A listed preset said what it simulates but not what it does: the page now gives its
    largest change in the area's median unemployed against the baseline preset and its
    month, the very figure of the monthly review's scenario table (``scenario_items``). The
    test release's presets get the baseline a release runs beside them."""
    import xarray as xr

    from forecasting.report.review import scenario_items
    from service import formats
    from service.cache import memo

    releases = client.app.state.context.releases
    presets = releases.open(releases.current_id()).dataset("scenarios")
    closure = presets.sel(scenario="mantyharju_manufacturing_closure")
    baseline = closure.assign(unemployed=closure["unemployed"] - closure["unemployed_vs_baseline"])
    cube = xr.concat([baseline.assign_coords(scenario="baseline"), presets], dim="scenario")
    cube.attrs = presets.attrs
    dataset = releases.dataset
    monkeypatch.setattr(
        releases, "dataset", lambda r, name: cube if name == "scenarios" else dataset(r, name)
    )
    # the page memoises a release's derived parts (a release never changes; this one does)
    monkeypatch.setattr(memo, "entries", OrderedDict())
    items = {i.name: i for i in scenario_items(cube, "TA23")}
    html = client.get("/scenarios", params={"lang": "fi"}).text
    section = html[html.index('id="presets-h"') :]
    found = re.findall(r'<li data-preset="([a-z_]+)">(.*?)</li>', section, re.S)
    effects = {
        name: " ".join(re.sub(r"<[^>]+>", " ", m.group(1)).split()) if m else None
        for name, body in found
        for m in [re.search(r'<span class="preset-effect">(.*?)</span>', body, re.S)]
    }
    item = items["mantyharju_manufacturing_closure"]
    assert item.effect is not None and item.peak is not None and item.effect > 0
    assert effects["mantyharju_manufacturing_closure"] == (
        f"Suurin muutos perusuraan verrattuna (työttömiä, mediaani): Mikkelin seutu "
        f"{formats.signed(item.effect, 'fi')} ( {item.peak.month}/{item.peak.year} )."
    )
    assert effects["baseline"] is None  # the baseline has no effect of its own
