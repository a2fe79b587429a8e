"""Defects met doing the users' tasks in a browser on 7.12.2026, on a release with registers to
6/2026 and population to 2025, each pinned:

* the training page summed the need "2026–2030" without a word that 2026 was nearly over:
  it now says the period starts with a year under way and how much of the sum falls in the
  years begun and in the years ahead (the yearly means, as the yearly table shows them);
* the training need's yearly chart put each year at 31 December, so 2026's value stood
  beside the label "2027" (the axis labels 1 January) and the chart seemed to start a year
  late, and its caption said "by level" though it draws the total of all levels only;
* "Avaa kuvaaja" of the alert "Työikäinen väestö vähenee" (15-64: 2 451, in five years
  2 195) opened the population pyramid of 2025, where no decline can be read; it opens the
  labour page, whose table gives the working-age population every five years;
* the training page's sum for one year read "Koulutustarve yhteensä 2026–2026";
* the training needs workbook (and every yearly product's) showed each year as
  "31.12.2026" in its "Aika" column, as if the need were a day's count: a yearly product's
  dates are shown as the year;
* the start page's table wrote Hirvensalmi's suppressed vacancies as a bare dash, beside the
  area's "≥ 345, partial: 1 of 6 municipalities suppressed": it now says "salattu";
* the scenario result's table starts at the first year end, when a closure's effect has
  mostly passed (300 jobs in Mäntyharju from 1/2027: about +200 in the first months, +92 in
  12/2027): the page now names each area's largest change and its month;
* the scenario's first chart drew the unemployed with the event alone: the planner could not
  see what the closure changes without reading the second chart; the baseline (without the
  event) is now the solid line beside it;
* a refusal of the scenario form's start month wrote its months as ``2031-01`` and
  ``2029-12`` beside a hint and tables that write ``6/2026``
  (``tests/test_dashboard_language.py``, ``tests/test_service_user_checks.py``);
* ``/map?show=nonsense`` listed the allowed values as ``'rate', 'change'``, words the reader
  never saw (``tests/test_request_error_kinds.py``);

Fast: the service on the test release, no browser; the service's clock is set.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest_plugins = ["tests.service_fixtures"]

DECEMBER = dt.date(2026, 12, 7)


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _parse(text: str) -> float:
    """A number as :mod:`service.formats` writes it in Finnish."""
    return float(re.sub(r"[\s\xa0]", "", text).replace("\u2212", "-").replace(",", "."))


@pytest.fixture
def at(web: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``day -> web``: the module's client with the service's clock at ``day``."""

    def set_day(day: dt.date) -> Any:
        monkeypatch.setattr(web.app.state.context, "clock", lambda: day)
        return web

    return set_day


# -- a summed period that starts with a year under way -------------------------------------------


def _path_means(web: Any, area: str) -> dict[int, float]:
    from service import views

    context = web.app.state.context
    cube = context.releases.dataset(context.releases.open(), "training_needs")
    return {r["year"]: r["total"][0] for r in views.training_path(cube, area)}


def test_the_training_sum_says_its_first_year_is_under_way_and_splits_it(at):
    web = at(DECEMBER)
    body = web.get("/training", params={"lang": "fi", "year": 2030}).text
    note = re.search(r'<p class="note" id="training-started">(.*?)</p>', body, re.S)
    assert note is not None, "no word that 2026 is nearly over"
    text = _text(note.group(1))
    assert text.startswith("Jakso alkaa vuodesta 2026, joka on jo alkanut (tänään 7.12.2026).")
    found = re.search(
        r"Summasta ([\d ,\u2212]+) on jo alkaneilta vuosilta \(2026\) ja ([\d ,\u2212]+) "
        r"tulevilta vuosilta \(2027–2030\)",
        text,
    )
    assert found is not None, text
    means = _path_means(web, "TA23")
    done, rest = (_parse(g) for g in found.groups())
    assert done == round(means[2026])
    assert rest == round(sum(means[y] for y in range(2027, 2031)))


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2025, 12, 31), 2030),  # the period lies ahead
        (DECEMBER, 2026),  # the period is this year only: nothing to split
        (dt.date(2040, 1, 1), 2030),  # the whole period is past
    ],
)
def test_no_note_when_the_period_does_not_start_under_way(at, day, year):
    body = at(day).get("/training", params={"lang": "fi", "year": year}).text
    assert 'id="training-started"' not in body


@pytest.mark.parametrize(
    ("lang", "start"),
    [
        ("sv", "Perioden börjar med år 2026, som redan har börjat (i dag 7.12.2026)."),
        ("en", "The period starts with 2026, a year already under way (today 7.12.2026)."),
    ],
)
def test_the_note_reads_in_the_pages_language(at, lang, start):
    body = at(DECEMBER).get("/training", params={"lang": lang, "year": 2030}).text
    note = re.search(r'id="training-started">(.*?)</p>', body, re.S)
    assert note is not None and _text(note.group(1)).startswith(start)


@given(
    first=st.integers(2000, 2100),
    length=st.integers(0, 15),
    today=st.dates(dt.date(1990, 1, 1), dt.date(2130, 12, 31)),
)
def test_the_note_is_there_exactly_when_the_period_starts_under_way(first, length, today):
    from service.routers.dashboard import started_note

    until = first + length
    path = [{"year": y, "total": (float(y - first), 0.0, 1.0)} for y in range(first, until + 1)]
    cumulative = {"first_year": first, "until": until}
    note = started_note(cumulative, path, today, "en")
    assert bool(note) == (first <= today.year < until)
    if note:  # the two parts add up to the whole period's sum of means
        parts = re.search(r"Of the total, (\S+) falls .* and (\S+) in the years", note)
        assert parts is not None, note
        done, rest = (float(n.replace(",", "")) for n in parts.groups())
        assert done + rest == sum(range(length + 1))


# -- the yearly chart ----------------------------------------------------------------------------


def test_each_years_need_sits_on_its_years_label(at):
    body = at(DECEMBER).get("/training", params={"lang": "fi", "year": 2030}).text
    svg = re.search(r'<svg[^>]*aria-labelledby="training-path-t.*?</svg>', body, re.S)
    assert svg is not None
    chart = svg.group(0)
    tick = r'<text x="([\d.]+)"[^>]*text-anchor="middle"[^>]*>(\d{4})<'
    labels = {int(year): float(x) for x, year in re.findall(tick, chart)}
    line = re.search(r'data-series="forecast" points="([^"]+)"', chart)
    assert line is not None
    xs = [float(p.split(",")[0]) for p in line.group(1).split()]
    years = sorted(_path_means(at(DECEMBER), "TA23"))
    assert len(xs) == len(years)
    # the first year (2026) has its label, and every year's point is on its label
    assert years[0] in labels, labels
    for year, x in zip(years, xs, strict=True):
        assert x == pytest.approx(labels[year], abs=0.1), year


# -- the scenario's largest effect ---------------------------------------------------------------


def test_the_scenario_result_names_its_largest_effect_and_month(web):
    """300 manufacturing jobs lost in Mäntyharju from 1/2027: the table's first row is
    12/2027, when most of the effect has passed; the page names the largest change and its
    month (the test engine's change is ``jobs * exp(-h / 18)``: +284 in the first month)."""
    params = {
        "run": 1,
        "municipality": "507",
        "industry": "C",
        "jobs": 300,
        "start": "2027-01",
        "lang": "fi",
    }
    body = web.get("/scenarios", params=params).text
    peak = re.search(r'<p id="scenario-peak">(.*?)</p>', body, re.S)
    assert peak is not None, "no word of the largest effect"
    sentence = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", peak.group(1))))
    assert sentence.strip() == (
        "Suurin muutos perusuraan verrattuna (työttömiä, mediaani): Mäntyharju +284 (1/2027); "
        "Mikkelin seutu +284 (1/2027)."
    )
    table = re.search(r'<table id="scenario-table">.*?</table>', body, re.S)
    assert table is not None
    first = re.search(r"<time[^>]*>([^<]*)</time>", table.group(0))
    assert first is not None and first.group(1) == "12/2027"  # the table alone starts late


@given(
    path=st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=60),
)
def test_the_largest_effect_is_the_largest_in_size_of_the_median_path(path):
    import numpy as np
    import pandas as pd
    import xarray as xr

    from service.views import scenario_peaks

    time = pd.date_range("2027-01-01", periods=len(path), freq="MS")
    values = np.array(path)[None, :, None] + np.array([-1.0, 0.0, 1.0])[None, None, :]
    result = xr.Dataset(
        {"unemployed_vs_baseline": (("area", "time", "quantile"), values)},
        coords={"area": ["507"], "time": time, "quantile": [0.05, 0.5, 0.95]},
    )
    (peak,) = scenario_peaks(result, ["507", "TA23"])  # an area not in the run: none
    assert abs(peak["change"]) == max(abs(v) for v in path)
    assert peak["change"] == path[[abs(v) for v in path].index(abs(peak["change"]))]


def test_the_yearly_charts_caption_says_it_draws_all_levels_together(at):
    body = at(DECEMBER).get("/training", params={"lang": "fi", "year": 2030}).text
    figure = re.search(r'<figure id="training-path-figure">.*?</figure>', body, re.S)
    assert figure is not None
    caption = re.search(r"<figcaption>(.*?)</figcaption>", figure.group(0), re.S)
    assert caption is not None
    assert "kaikki koulutusasteet yhteensä" in caption.group(1)
    assert "koulutusasteittain" not in caption.group(1)  # one line: the levels are in the table


@pytest.mark.parametrize(("year", "period"), [(2026, "2026"), (2030, "2026–2030")])
def test_a_sum_of_one_year_is_written_as_that_year(at, year, period):
    body = _text(at(DECEMBER).get("/training", params={"lang": "fi", "year": year}).text)
    assert f"Koulutustarve yhteensä {period}: Mikkelin seutu" in body
    assert f"Koulutustarve {period} 80 %:n väli" in body  # the column
    assert "2026–2026" not in body


def test_a_working_age_alert_opens_a_page_showing_the_working_age_years(web):
    from service import alert_page

    url = alert_page.chart_url("213", "working_age_decline", "fi", ["unemployed"])
    path, _, anchor = url.partition("#")
    body = web.get(path).text
    assert f'id="{anchor}"' in body
    table = re.search(r'<table id="labour-table">.*?</table>', body, re.S)
    assert table is not None
    text = _text(table.group(0))
    assert "Työikäiset 15–64-v." in text  # the alert's numbers, year by year
    years = [int(y) for y in re.findall(r'<th scope="row">(\d{4})</th>', table.group(0))]
    assert len(years) >= 2 and years[1] - years[0] <= 5  # the first five years can be read


# -- the workbook of a yearly product --------------------------------------------------------------


def _time_cells(web: Any, path: str, params: dict[str, Any], heading: str = "Vuosi") -> list[Any]:
    import io

    from openpyxl import load_workbook

    r = web.get(path, params={**params, "lang": "fi", "format": "xlsx"})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    column = header.index(heading) + 1
    return [sheet.cell(row, column) for row in range(2, sheet.max_row + 1)]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/training-needs", {"area": "TA23"}),
        ("/v1/labour-supply", {"area": "TA23"}),
    ],
)
def test_a_yearly_workbook_shows_its_years(web, path, params):
    cells = _time_cells(web, path, params)
    assert cells
    assert {c.number_format for c in cells} == {"yyyy"}
    assert all(c.value.month == 12 and c.value.day == 31 for c in cells)  # still dates


def test_a_monthly_workbook_keeps_its_dates(web):
    cells = _time_cells(
        web, "/v1/registers/forecasts", {"area": "TA23", "variable": "unemployed"}, "Kuukausi"
    )
    assert cells and "yyyy" not in {c.number_format for c in cells}


# -- a suppressed count on the start page ----------------------------------------------------------


@pytest.mark.parametrize(("lang", "word"), [("fi", "salattu"), ("en", "suppressed")])
def test_the_start_page_says_a_suppressed_count_is_suppressed(web, lang, word):
    body = web.get("/", params={"lang": lang}).text
    row = re.search(
        r'<tr><th scope="row">[^<]*<span class="code">097</span></th>(.*?)</tr>', body, re.S
    )
    assert row is not None
    cells = [
        _text(c).strip() for c in re.findall(r'<td class="num">(.*?)</td>', row.group(1), re.S)
    ]
    # the test release's Hirvensalmi: unemployed published, vacancies confidential (as 6/2026)
    at = {"area": "097", "variable": "vacancies", "from": "2026-06", "to": "2026-06"}
    api = web.get("/v1/registers/history", params=at).json()
    assert api["data"][0]["vacancies_status"] == "confidential"
    assert cells[0] not in ("–", word) and cells[1] == word, cells


# -- the scenario chart with its baseline ----------------------------------------------------------


def _run(with_baseline: bool) -> Any:
    import types

    import numpy as np
    import pandas as pd
    import xarray as xr

    time = pd.date_range("2027-01-01", periods=24, freq="MS")
    quantiles = [0.05, 0.25, 0.5, 0.75, 0.95]
    base = np.linspace(340.0, 300.0, len(time))
    effect = 200.0 * np.exp(-np.arange(1, len(time) + 1) / 6.0)
    spread = np.array([-30.0, -10.0, 0.0, 10.0, 30.0])
    data: dict[str, Any] = {
        "unemployed": (
            ("area", "time", "quantile"),
            (base + effect)[None, :, None] + spread[None, None, :],
        )
    }
    if with_baseline:
        data["unemployed_baseline_target"] = (("area", "time"), base[None, :])
    result = xr.Dataset(data, coords={"area": ["507"], "time": time, "quantile": quantiles})
    return types.SimpleNamespace(result=result), base


def test_the_scenario_chart_draws_the_baseline_beside_the_scenario():
    from service.routers.dashboard import _charts_for_page

    run, base = _run(with_baseline=True)
    form = {"municipality": "507", "draws": 500}
    (chart, caption), *_ = _charts_for_page(run, form, "fi")
    line = re.search(r'<polyline data-series="history" points="([^"]+)"', str(chart))
    assert line is not None, "no baseline line"
    assert len(line.group(1).split()) == len(base)  # every month of the run
    assert ">Perusura<" in str(chart)  # the legend names it
    assert caption.endswith("; yhtenäinen viiva: perusura ilman tapahtumaa")


def test_a_run_without_a_baseline_draws_the_scenario_alone():
    from service.routers.dashboard import _charts_for_page

    run, _ = _run(with_baseline=False)
    (chart, caption), *_ = _charts_for_page(run, {"municipality": "507", "draws": 500}, "fi")
    assert 'data-series="history"' not in str(chart) and "perusura" not in caption
