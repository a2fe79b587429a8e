"""Defects met doing the users' tasks on a release built from today's data (registers to
6/2026, population to 2025, an employment-area release), each pinned:

* the population and labour pages linked their comparison downloads with the region and the
  country, which an employment area's release does not hold: both links answered 404, and a
  one-row table was headed "comparison with the region and the country";
* the jobs page of such a release still headed its one-row total "comparison with the
  region and the country", and the labour page gave its observed base year the "interval"
  ``40 295–40 295``;
* an interval with a negative bound read ``−86–802`` (a minus sign and a range dash side by
  side: "Tekniikan alat" on the training page); it is now ``−86 – 802``, and a value that
  rounds to zero is ``0``, not ``−0``; an observed year's population had the "interval"
  ``73 210–73 210``;
* the training page's table for one year (levels summed, so no bounds) had an 80 % column of
  dashes only;
* the scenario table named no unit and wrote an increase of 150 unemployed against the
  baseline as ``150`` under "Muutos";
* the unemployment rate's forecast page had no observed line (the registers publish the
  counts, not the rate), a history download answering 422, and 11.8 % written as ``12``;
* the planner's "how many unemployed next spring in Mikkeli, how sure?" had no answer on the
  forecasts page (only the employment area's April on the start page, else a 42-row table);
* the XLSX provenance sheet gave its source sentence in English on a Finnish workbook, and a
  Finnish workbook's sheets were "data", "columns" and "provenance";
* the scenario page listed the release's preset scenarios as bare titles, nothing to open;
* the start page headed the registers of 6/2026 "Tilanne nyt" (the situation now) in 12/2026;
* the alert "the occupation statistics are out of date" linked the unemployed forecast chart;
* every forecast download was ``register_forecasts.xlsx``, whichever area and release;
* the forecasts page opened on Hirvensalmi, the first municipality, not the Mikkeli region;
* change columns (map, jobs, labour force) wrote a rise without its sign: ``2,4`` beside
  ``−0,8``;

Fast: the service on a small test release, no browser.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.service_data import AREA, MUNICIPALITIES, full_datasets, make_settings, publish

pytest_plugins = ["tests.service_fixtures"]


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="(/v1/[^"]+)"', page)]


@pytest.fixture(scope="module")
def area_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A client on a release of one employment area: its products hold TA23 and its
    municipalities only (no region, no country), as ``release build --scope area`` makes."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import stub_scenario_runner

    own = [*MUNICIPALITIES, AREA]
    datasets = full_datasets()
    for name in ("population_projection", "labour_supply", "jobs_by_industry"):
        ds = datasets[name]
        datasets[name] = ds.sel(area=[a for a in own if a in ds.indexes["area"]])
    # the base year is observed (31.12.2025): a real release's interval there has no width
    pop = datasets["population_projection"]
    total = pop["population_total"].copy()
    for bound in ("lo80", "hi80", "lo95", "hi95"):
        total.loc[{"statistic": bound, "time": pop["time"][0]}] = total.sel(
            statistic="mean", time=pop["time"][0]
        )
    datasets["population_projection"] = pop.assign(population_total=total)
    # and so is its labour supply
    supply = datasets["labour_supply"]
    first = {"time": supply["time"][0]}
    observed = {}
    for name in ("working_age_15_64", "labour_force", "employed"):
        da = supply[name].copy()
        for bound in ("lo80", "hi80"):
            da.loc[{**first, "statistic": bound}] = da.sel(first).sel(statistic="mean")
        observed[name] = da
    datasets["labour_supply"] = supply.assign(observed)
    root = tmp_path_factory.mktemp("area_release") / "releases"
    publish(root, datasets)
    url = f"sqlite:///{tmp_path_factory.mktemp('area_alerts') / 'alerts.sqlite'}"
    app = create_app(make_settings(root, url), scenario_runner=stub_scenario_runner)
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize("page", ["/population", "/labour", "/population?area=213", "/jobs"])
def test_every_download_of_an_area_releases_product_page_answers(area_client, page):
    body = area_client.get(page, params={"lang": "fi"}).text
    links = _links(body)
    assert links, "the page links its data"
    for link in links:
        assert area_client.get(link).status_code == 200, link
    # nothing to compare with: no heading promising the region and the country
    assert "Vertailu maakuntaan ja koko maahan" not in _text(body)


def test_the_comparison_stays_when_the_release_holds_the_region_and_the_country(client):
    body = client.get("/population", params={"lang": "fi"}).text
    assert "Vertailu maakuntaan ja koko maahan" in _text(body)
    assert "area=MK10" in " ".join(_links(body))


# -- an interval with a negative bound -----------------------------------------------------------


def _parse(text: str, lang: str) -> float:
    """A number as :mod:`service.formats` writes it in ``lang``."""
    text = text.replace("\xa0", "").replace("\u2212", "-")
    return float(text.replace(",", "") if lang == "en" else text.replace(",", "."))


@given(
    lo=st.floats(-1e6, 1e6, allow_nan=False),
    width=st.floats(0, 1e6, allow_nan=False),
    lang=st.sampled_from(["fi", "sv", "en"]),
)
def test_an_interval_reads_back_as_its_two_bounds(lo, width, lang):
    from service import formats

    hi = lo + width
    text = formats.interval(lo, hi, lang)
    negative = round(lo) < 0 or round(hi) < 0
    a, b = text.split(" – " if negative else "–")
    assert (_parse(a, lang), _parse(b, lang)) == (round(lo), round(hi))
    assert (" – " in text) == negative


@pytest.mark.parametrize(
    ("lo", "hi", "lang", "expected"),
    [
        (-86.08, 802.3, "fi", "−86 – 802"),  # Tekniikan alat 2026-2030, TA23 (release 12/2026)
        (2249.4, 3222.0, "fi", "2\xa0249–3\xa0222"),
        (-1234.0, -12.0, "en", "\u22121,234 – \u221212"),
        (-0.3, 2.0, "fi", "0–2"),  # rounds to zero: no "−0"
        (float("nan"), 3.0, "fi", "–"),
    ],
)
def test_interval_examples(lo, hi, lang, expected):
    from service import formats

    assert formats.interval(lo, hi, lang) == expected


def test_an_observed_years_labour_supply_shows_no_interval(area_client):
    """The labour page's base year (31.12.2025, observed) read "40 295–40 295"."""
    body = area_client.get("/labour", params={"lang": "fi"}).text
    table = re.search(r'<table id="labour-table">.*?</table>', body, re.S)
    assert table is not None
    rows = re.findall(r"<tr><th scope=\"row\">(\d{4})</th>(.*?)</tr>", table.group(0), re.S)
    assert rows
    first, *later = rows
    assert '<span class="code">' not in first[1], first  # the observed year: no interval
    assert all('<span class="code">' in cells for _, cells in later)  # projected years: one


def test_a_jobs_total_of_the_area_alone_is_not_called_a_comparison(area_client):
    body = _text(area_client.get("/jobs", params={"lang": "fi"}).text)
    assert "Työpaikat yhteensä" in body


def test_an_observed_years_population_shows_no_interval(area_client):
    body = area_client.get("/population", params={"lang": "fi"}).text
    table = re.search(r'<table id="population-compare">.*?</table>', body, re.S)
    assert table is not None
    spans = [s.split("–") for s in re.findall(r'<span class="code">([^<]*)</span>', table.group(0))]
    # "73 210–73 210" (an observed year) said nothing
    assert spans and all(a != b for a, b in spans), spans


def test_the_pages_write_their_intervals_with_the_interval_format():
    """Every ``lo–hi`` of the templates goes through ``span`` (no two numbers glued by a
    dash in a template: the negative bounds of the training need read wrong)."""
    from pathlib import Path

    import service.routers.dashboard as dashboard

    folder = Path(dashboard.__file__).resolve().parent.parent / "templates"
    glued = {
        p.name: re.findall(r"\{\{ fmt\([^)]*\) \}\}\s*–\s*\{\{ fmt\(", p.read_text())
        for p in folder.glob("*.html")
    }
    assert not any(glued.values()), glued


# -- the training page's year table --------------------------------------------------------------


def test_the_training_year_table_has_no_column_of_dashes(client):
    """Levels summed (the release's layout) give no bounds: the table drops the column
    rather than fill it with dashes; the caption says where the intervals are."""
    body = client.get("/training", params={"lang": "fi", "year": 2030}).text
    year_table = r"<table[^>]*>\s*<caption>Koulutustarve koulutusaloittain.*?</table>"
    table = re.search(year_table, body, re.S)
    assert table is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', table.group(0))
    rows = re.findall(r"<tr>", table.group(0))
    assert cells and "–" not in cells, cells
    assert len(cells) == len(rows) - 1  # one number a field (the header row has none)
    assert "80 %:n väli" not in _text(table.group(0))
    assert "välit asteittain ovat API:ssa" in _text(table.group(0))


# -- the scenario table --------------------------------------------------------------------------


def test_the_scenario_table_names_its_unit_and_signs_the_change(client):
    """300 manufacturing jobs lost in Mäntyharju: the table says what its numbers count and
    an increase against the baseline reads ``+150``, not ``150`` (a level)."""
    params = {"run": 1, "municipality": "507", "industry": "C", "jobs": 300, "lang": "fi"}
    body = client.get("/scenarios", params=params).text
    table = re.search(r'<table id="scenario-table">.*?</table>', body, re.S)
    assert table is not None
    found = re.search(r"<caption[^>]*>.*?</caption>", table.group(0), re.S)
    assert found is not None
    caption = _text(found.group(0))
    assert "Työttömät työnhakijat" in caption and "henkeä" in caption
    assert "Muutos perusuraan verrattuna" in _text(table.group(0))
    changes = [
        re.findall(r'<td class="num">([^<]*)</td>', row)[-1]
        for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", table.group(0), re.S)
    ]
    assert changes and all(c[:1] in "+−" or c == "0" for c in changes), changes
    assert any(c.startswith("+") for c in changes)


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [(150.2, "fi", "+150"), (-5.0, "fi", "−5"), (0.2, "fi", "0"), (1234.5, "en", "+1,234")],
)
def test_signed_examples(value, lang, expected):
    from service import formats

    assert formats.signed(value, lang) == expected


# -- the unemployment rate's forecast page -------------------------------------------------------


def test_the_rates_forecast_page_has_its_history_working_links_and_decimals(client):
    """The registers publish counts, not the rate the forecasts carry (unemployed / labour
    force): the page drew no observed line ("toteutunut –––"), its history download asked for
    a variable the API does not have (422), and 11.8 % was written "12"."""
    params = {"lang": "fi", "area": "491", "variable": "unemployment_rate"}
    body = client.get("/forecasts", params=params).text
    assert "–––" not in _text(body)
    for link in _links(body):
        assert client.get(link).status_code == 200, link
    table = re.search(r"<table>.*?</table>", body, re.S)
    assert table is not None
    means = re.findall(r'</time></th><td class="num">([^<]*)</td>', table.group(0))
    assert means and all(re.fullmatch(r"\d+,\d\xa0%", m) for m in means), means[:3]


def test_the_observed_rate_is_the_forecasts_definition():
    """Unemployed over the labour force, in per cent, month by month (not the published
    rate, whose labour force is another statistic's)."""
    import math

    from service import views
    from tests.service_data import registers_history

    ds = registers_history()
    line = views.history(ds, "491", "unemployment_rate")
    assert len(line) == 72
    for when, value in line:
        row = ds.sel(area="491", time=str(when))
        expected = 100 * float(row["unemployed"]) / float(row["labour_force"])
        assert (math.isnan(value) and math.isnan(expected)) or value == pytest.approx(expected)
    assert sum(math.isfinite(v) for _, v in line) > 12


# -- next spring on the forecasts page -----------------------------------------------------------


def _number(text: str) -> float:
    return float(re.sub(r"[\s\xa0]", "", text).replace(",", ".").replace("\u2212", "-"))


@pytest.mark.parametrize("area", ["491", "TA23"])
def test_the_forecasts_page_answers_next_spring_with_its_interval(client, area):
    """ "How many unemployed next spring (3-5/2027) in Mikkeli, how sure?": the page says it
    for the chosen area, month by month with the 80 % interval, the API's numbers."""
    body = client.get("/forecasts", params={"lang": "fi", "area": area}).text
    section = re.search(r'<section id="spring".*?</section>', body, re.S)
    assert section is not None
    assert "Ensi kevät 3–5/2027" in _text(section.group(0))
    found = re.findall(
        r'<span class="figure">([^<]*)</span><span class="label"><time datetime="([\d-]+)">'
        r"[^<]*</time>: 80 %:n väli ([^<]*)–([^<]*)</span>",
        section.group(0),
    )
    assert [when for _, when, _, _ in found] == ["2027-03", "2027-04", "2027-05"]
    api = client.get(
        "/v1/registers/forecasts",
        params={"area": area, "variable": "unemployed", "from": "2027-03", "to": "2027-05"},
    ).json()["data"]
    for (mean, _, lo, hi), row in zip(found, api, strict=True):
        assert (_number(mean), _number(lo), _number(hi)) == tuple(
            round(row[k]) for k in ("mean", "lo80", "hi80")
        )


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_start_page_gives_next_spring_as_the_forecasts_page_does(client, lang):
    """The start page wrote next spring as April alone ("Ennuste keväälle 4/2027") while the
    forecasts page gives March to May: both now say the same months, numbers and interval."""
    area = client.get("/", params={"lang": lang}).text
    home = re.search(r'<section id="spring".*?</section>', area, re.S)
    assert home is not None
    default = re.search(r'href="/forecasts\?area=([^&"]+)', area)
    assert default is not None
    page = client.get("/forecasts", params={"lang": lang, "area": default.group(1)}).text
    forecasts = re.search(r'<section id="spring".*?</section>', page, re.S)
    assert forecasts is not None
    assert home.group(0) == forecasts.group(0)
    assert re.findall(r'<time datetime="([\d-]+)">', home.group(0)) == [
        "2027-03",
        "2027-04",
        "2027-05",
    ]


@pytest.mark.parametrize(
    ("lang", "missing", "compared"),
    [
        ("fi", "vuotta aiempi luku (6/2025) puuttuu", "verrattuna kuukauteen 6/2023"),
        ("sv", "siffran ett år tidigare (6/2025) saknas", "jämfört med 6/2023"),
        ("en", "the figure a year earlier (6/2025) is missing", "against 6/2023"),
    ],
)
def test_the_start_pages_comparison_says_the_year_ago_month_is_missing(
    client, lang, missing, compared
):
    """The latest month is 6/2026 and 6/2025 falls in the registers' gap (11/2023-5/2026,
    tyonv 12r5): the start page compared with 6/2023 saying only "verrattuna kuukauteen
    6/2023". It now says that the year-ago month is missing, then names the month it compares
    with (missing is missing, not another year silently)."""
    page = client.get("/", params={"lang": lang}).text
    headline = re.search(r'<ul class="headline" id="headline">.*?</ul>', page, re.S)
    assert headline is not None
    text = _text(headline.group(0))
    assert missing in text and compared in text
    assert text.index(missing) < text.index(compared)


def test_the_maps_change_says_the_year_ago_month_is_missing(client):
    """The map's change in percentage points compares 6/2026 with 6/2023 too: its caption
    says 6/2025 is missing before naming the month it compares with."""
    page = _text(client.get("/map", params={"lang": "fi", "show": "change"}).text)
    assert "Vuotta aiempi luku (6/2025) puuttuu. Muutos verrattuna kuukauteen 6/2023." in page


def test_next_spring_is_the_first_march_to_may_after_the_data():
    import datetime as dt

    from service.charts import FanPoint
    from service.views import next_spring

    points = [
        FanPoint(dt.date(2026 + (m - 1) // 12, (m - 1) % 12 + 1, 1), m, 0, 0, 0, 0)
        for m in range(3, 30)
    ]
    june = [(dt.date(2026, 6, 1), 1.0), (dt.date(2026, 7, 1), float("nan"))]
    assert [p.time.month for p in next_spring(june, points)] == [3, 4, 5]
    assert {p.time.year for p in next_spring(june, points)} == {2027}
    february = [(dt.date(2026, 2, 1), 1.0)]
    assert {p.time.year for p in next_spring(february, points)} == {2026}
    assert next_spring([(dt.date(2026, 6, 1), float("nan"))], points) == []


# -- the spreadsheet's provenance sheet ----------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fi", "Lähde: Tilastokeskus ja KEHA-keskus, StatFin; CC BY 4.0"),
        ("sv", "Källa: Statistikcentralen och KEHA-centret, StatFin; CC BY 4.0"),
        (
            "en",
            "Source: Statistics Finland (Tilastokeskus) and the KEHA Centre, StatFin; CC BY 4.0",
        ),
    ],
)
def test_the_workbooks_source_line_is_in_the_readers_language(client, lang, expected):
    """The education provider's XLSX of training needs: its provenance sheet gave the
    source sentence in English on a Finnish workbook."""
    import io

    from openpyxl import load_workbook

    params = {"area": "TA23", "until": 2030, "lang": lang, "format": "xlsx"}
    r = client.get("/v1/training-needs/cumulative", params=params)
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    about = {row[2]: row[1] for row in book.worksheets[-1].iter_rows(values_only=True)}
    assert about["source"] == expected


@pytest.mark.parametrize(
    ("lang", "sheets"),
    [
        ("fi", ["Tiedot", "Sarakkeet", "Lähteet ja menetelmä"]),
        ("sv", ["Data", "Kolumner", "Källor och metod"]),
        ("en", ["data", "columns", "provenance"]),
    ],
)
def test_the_workbooks_sheets_are_named_in_the_readers_language(client, lang, sheets):
    """A Finnish workbook had sheets "data", "columns" and "provenance"."""
    import io

    from openpyxl import load_workbook

    params = {"area": "TA23", "year": 2030, "lang": lang, "format": "xlsx"}
    book = load_workbook(io.BytesIO(client.get("/v1/training-needs", params=params).content))
    assert book.sheetnames == sheets


# -- the preset scenarios ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_each_preset_scenario_can_be_opened(client, lang):
    """The scenario page listed the release's presets ("Teollisuuslaitos sulkee
    Mäntyharjulla") as bare titles: nothing to click. Each has its stored result to
    download, that preset's rows only."""
    body = client.get("/scenarios", params={"lang": lang}).text
    section = body[body.index('id="presets-h"') :]
    items = re.findall(r'<li data-preset="([a-z_]+)">(.*?)</li>', section, re.S)
    assert len(items) == 2
    for preset, item in items:
        links = _links(item)
        assert len(links) == 2 and any("format=xlsx" in link for link in links)
        csv = client.get(next(link for link in links if "format=csv-fi" in link))
        assert csv.status_code == 200
        lines = csv.text.lstrip("\ufeff").splitlines()
        assert len(lines) > 1 and all(line.startswith(f"{preset};") for line in lines[1:])


# -- the start page's headline ------------------------------------------------------------------


def test_the_start_page_does_not_call_six_month_old_figures_now(client):
    """In 12/2026 the headline said "Tilanne nyt (6/2026)": the registers' latest month is
    not "now" when the next one is overdue; the heading says what it is."""
    text = _text(client.get("/", params={"lang": "fi"}).text)
    assert "Tilanne nyt" not in text
    assert "Uusimmat luvut (6/2026)" in text


# -- the alerts page's chart links ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "page"),
    [("occupations", "/occupations?"), ("registers", "/forecasts?"), (None, "/forecasts?")],
)
def test_a_stale_data_alert_links_the_page_of_its_source(source, page):
    """Leadership's critical alert of 12/2026, "the occupation statistics are 38 months
    old", opened the unemployed forecast chart; it opens the occupations page."""
    import datetime as dt
    from types import SimpleNamespace

    from forecasting.alerts.explain import explain
    from service import alert_page

    numbers = {"age_months": 38.0, "max_age_months": 2.0, "last_month": "2023-10-01"}
    if source is not None:
        numbers["source"] = source
    explanation = explain("stale_data", "TA23", dt.datetime(2026, 12, 1), dict(numbers))
    fields = {"id": 1, "rule": "stale_data", "area": "TA23", "severity": "critical",
              "state": "firing", "title": "stale_data: Mikkelin seutu (TA23)"}  # fmt: skip
    detail = SimpleNamespace(
        **fields,
        explanation=explanation,
        fired_at=dt.date(2026, 12, 1),
        first_seen=dt.date(2026, 12, 1),
        last_evaluated=dt.date(2026, 12, 1),
        model_dump=lambda: {**fields, "explanation": explanation},
    )
    url = alert_page.alert_item(detail, "fi", ["unemployed"])["chart_url"]
    assert url.startswith(page) and "area=TA23" in url, url


# -- download file names -------------------------------------------------------------------------


def test_a_download_is_named_by_its_product_area_and_release_day(client):
    """Mikkeli's and the area's forecast both arrived as ``register_forecasts.xlsx``."""
    release = client.get("/v1/releases").json()["current"]
    names = {}
    for area in ("491", "TA23"):
        for fmt in ("xlsx", "csv-fi"):
            params = {"area": area, "variable": "unemployed", "lang": "fi", "format": fmt}
            r = client.get("/v1/registers/forecasts", params=params)
            found = re.search(r'filename="([^"]+)"', r.headers["content-disposition"])
            assert found is not None
            names[area, fmt] = found.group(1)
    ext = {"xlsx": "xlsx", "csv-fi": "csv"}
    for (area, fmt), name in names.items():
        assert name == f"register_forecasts_{area}_{release[:8]}.{ext[fmt]}"
    both = client.get("/v1/registers/forecasts", params={"format": "xlsx", "area": ["491", "507"]})
    assert re.search(
        r'filename="register_forecasts_\d{8}\.xlsx"', both.headers["content-disposition"]
    )


def test_the_forecasts_menu_entry_shows_the_default_area(client):
    """ "Ennusteet" in the menu opened Hirvensalmi (the area's first municipality by code,
    75 unemployed), not the Mikkeli region the service is for."""
    body = client.get("/forecasts", params={"lang": "fi"}).text
    assert "<h1>Ennusteet: Mikkelin seutu</h1>" in body
    assert '<option value="TA23" selected>' in body


# -- changes carry their sign --------------------------------------------------------------------


def _column(table: str, index: int) -> list[str]:
    rows = re.findall(r"<tr[^>]*><th scope=\"row\">.*?</tr>", table, re.S)
    return [re.findall(r'<td class="num">([^<]*)</td>', row)[index] for row in rows]


@pytest.mark.parametrize(
    ("page", "table_id", "column"),
    [("/map", "map-table", -1), ("/labour", None, -1), ("/jobs", None, -1)],
)
def test_a_change_column_says_rise_or_fall(client, page, table_id, column):
    """The map's "Muutos, %-yks." read ``2,4`` for a rise of 2.4 points beside ``−0,8``; the
    labour-force and jobs comparisons and the jobs table likewise."""
    body = client.get(page, params={"lang": "fi"}).text
    pattern = rf'<table id="{table_id}">.*?</table>' if table_id else r"<table>.*?</table>"
    tables = re.findall(pattern, body, re.S)
    assert tables
    changes = [c for table in tables for c in _column(table, column)]
    numbers = [c for c in changes if c not in ("–", "")]
    assert numbers and all(re.match(r"[+−]|0(,0)?(\xa0%)?$", c) for c in numbers), numbers
