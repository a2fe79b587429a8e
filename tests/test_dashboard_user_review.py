"""Defects found trying the dashboard as its users would (planner, leadership, education
provider), each pinned.

* leadership could not tell two "data is out of date" alerts apart (no source named) and read
  the newest month as ``2023-10`` instead of ``10/2023`` (the pages' month format,
  :mod:`service.formats`); alerts stored before a wording fix kept the old text;
* the alerts page dated only the registers, though it shows population and occupation alerts;
* the freshness line said ``jobs 2019 2019`` and named two sources "population structure";
* a fan chart whose two bands are both 80 % (the training path) listed "80 % interval" twice;
* the XLSX provenance sheet held the data dates as one Python dict and no units.

All fast: no release build, no browser.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from forecasting.alerts.explain import explain, texts
from service import alert_page

#: Numbers of the stale_data alert the review met (release 2026-12, occupations to 10/2023).
STALE = {
    "age_months": 38.0,
    "max_age_months": 2.0,
    "last_month": "2023-10-01",
    "source": "occupations",
}


@pytest.mark.parametrize(
    ("lang", "name"),
    [
        ("fi", "Ammattiryhmien työnvälitystilasto"),
        ("sv", "Arbetsförmedlingsstatistiken efter yrkesgrupp"),
        ("en", "Employment service statistics by occupation"),
    ],
)
def test_stale_data_alert_names_its_source_and_writes_the_month_as_the_pages_do(lang, name):
    detail = texts("stale_data", STALE, lang)["detail"]
    assert detail.startswith(f"{name}: ")
    assert "10/2023" in detail and "2023-10" not in detail
    other = texts("stale_data", {**STALE, "source": "registers", "last_month": "2026-06-01"}, lang)
    assert other["detail"] != detail and "6/2026" in other["detail"]


def test_a_source_without_a_name_is_named_by_its_code_and_no_month_is_a_dash():
    assert texts("stale_data", {**STALE, "source": "x_cube"}, "en")["detail"].startswith("x_cube:")
    bare = texts("stale_data", {"age_months": 3.0}, "fi")["detail"]
    assert bare == "Uusin kuukausi –, 3 kuukautta vanha."


def _stored(rule: str, area: str, month: dt.datetime, numbers: dict[str, Any]) -> Any:
    explanation = explain(rule, area, month, dict(numbers))
    # as stored before the wording fix: the old detail sentence, ISO month, no source
    explanation["text_fi"] = (
        "Mikkelin seutu 12/2026: Aineisto on vanhentunut. Uusin kuukausi 2023-10, "
        "38 kuukautta vanha. Hälytykset ja ennusteet perustuvat vanhaan tietoon."
    )
    fields = {"id": 7, "rule": rule, "area": area, "severity": "critical", "state": "firing"}
    return SimpleNamespace(
        **fields,
        explanation=explanation,
        fired_at=dt.date(2026, 12, 1),
        first_seen=dt.date(2026, 12, 1),
        last_evaluated=dt.date(2026, 12, 1),
        model_dump=lambda: {**fields, "explanation": explanation},
    )


def test_the_alerts_page_writes_a_stored_alert_with_the_rules_current_wording():
    detail = _stored("stale_data", "TA23", dt.datetime(2026, 12, 1), STALE)
    item = alert_page.alert_item(detail, "fi", ["unemployed"])
    assert item["text"].startswith("Mikkelin seutu 12/2026: Aineisto on vanhentunut. ")
    assert "Ammattiryhmien työnvälitystilasto: uusin kuukausi 10/2023" in item["text"]
    assert "2023-10" not in item["text"]


def test_an_alert_without_numbers_keeps_its_stored_text():
    detail = _stored("stale_data", "TA23", dt.datetime(2026, 12, 1), STALE)
    del detail.explanation["numbers"]
    assert alert_page.alert_item(detail, "fi", [])["text"] == detail.explanation["text_fi"]


class _Releases:
    def __init__(self, through: dict[str, str]):
        self.release = SimpleNamespace(manifest={"data_through": through})

    def open(self) -> Any:
        return self.release


#: ``data_through`` of the review's release (healthz, 6.12.2026).
THROUGH = {
    "age_key_figures": "2025",
    "commuting": "2017",
    "employment_by_age_education": "2017",
    "jobs_by_industry": "2017",
    "jobs_by_industry_postcode_shares": "2016",
    "jobs_totals_2019": "2019",
    "migration": "2017",
    "national_employment_by_industry": "2023",
    "national_fertility": "2019",
    "national_mortality": "2022",
    "occupations": "2023-10",
    "population": "2019",
    "population_by_sex": "2025",
    "population_change": "2025",
    "population_totals": "2025",
    "regional_demography": "2025",
    "registers": "2026-06",
    "vacancy_flows": "2020-08",
}


def test_the_alerts_page_dates_the_sources_its_alerts_come_from():
    from service.routers import dashboard

    context = SimpleNamespace(releases=_Releases(THROUGH), clock=lambda: dt.date(2026, 12, 6))
    dates = {d["cube"]: d["period"] for d in dashboard.data_dates(context, "alerts", "fi")}
    assert dates == {"registers": "6/2026", "occupations": "10/2023", "population_totals": "2025"}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_source_names_are_distinct_and_do_not_repeat_the_data_date(lang):
    from service.i18n import texts as ui

    t = ui(lang)
    names = {cube: t[f"src_{cube}"] for cube in THROUGH}
    assert len(set(names.values())) == len(names), names
    for cube, period in THROUGH.items():
        assert period not in names[cube], (cube, names[cube])


def test_a_fan_chart_with_one_band_width_names_it_once():
    from forecasting.charts import FanPoint, fan_chart

    points = [FanPoint(dt.date(2026 + i, 12, 31), 10.0, 5.0, 15.0, 5.0, 15.0) for i in range(3)]
    legend = {"history": "h", "forecast": "f", "inner": "80 %:n väli", "outer": "80 %:n väli"}
    svg = str(fan_chart([], points, title="t", description="d", legend=legend))
    assert svg.count("80 %:n väli") == 1
    legend["outer"] = "95 %:n väli"
    svg = str(fan_chart([], points, title="t", description="d", legend=legend))
    assert svg.count("80 %:n väli") == svg.count("95 %:n väli") == 1


def test_xlsx_provenance_has_a_row_per_source_date_and_the_units():
    from service.deps import export_provenance
    from service.schemas import Provenance

    prov = Provenance(
        release_id="r1",
        dataset="training_needs",
        source_tables=["tyonv 12r5", "vaerak 11re"],
        source="Source: Statistics Finland",
        data_through={"registers": "2026-06", "population_totals": "2025"},
    )
    ds = xr.Dataset({"need": ("field", [1.0]), "lo80": ("field", [0.5])})
    ds.attrs["units"] = "persons per year (new entrants needed)"
    ds["lo80"].attrs["units"] = "persons per year"
    rows = export_provenance(prov, 30, ds)
    about = dict(rows)
    assert len(about) == len(rows)  # one value per key
    assert about["data_through registers"] == "2026-06"
    assert about["data_through population_totals"] == "2025"
    assert not any("{" in v for v in about.values())  # no dict printed into a cell
    assert about["source_tables"] == "tyonv 12r5, vaerak 11re"
    assert about["units"].startswith("persons per year") and about["units lo80"]
    assert about["total_rows"] == "30" and about["dataset"] == "training_needs"


def test_the_jobs_page_compares_a_projection_with_the_last_observed_year():
    """Jobs 2035 for Hirvensalmi were compared with 1987 (the series' first year): the
    comparison year is the last with data, ``data_through`` of jobs_by_industry (2017)."""
    from service.routers.products import observed_base

    years = list(range(1987, 2036))
    context = SimpleNamespace(releases=_Releases(THROUGH), clock=lambda: dt.date(2026, 12, 6))
    assert observed_base(context, "jobs_by_industry", years) == 2017
    assert observed_base(context, "no_such_cube", years) == 1987  # the release does not say
    assert observed_base(context, "jobs_by_industry", []) is None


def test_the_chart_caption_names_the_missing_months_not_a_single_month():
    """The registers miss 31 months (11/2023-5/2026); the caption said "the month is
    missing". It names the runs, in the page's month format."""
    from service.routers.dashboard import missing_months

    nan = float("nan")
    months = [dt.date(2023, m, 1) for m in (9, 10, 11, 12)] + [dt.date(2026, m, 1) for m in (5, 6)]
    past = list(zip(months, [1.0, 2.0, nan, nan, nan, 3.0], strict=True))
    assert missing_months(past, "fi") == "11/2023–5/2026"
    assert missing_months([(months[0], nan), (months[1], 1.0), (months[2], nan)], "en") == (
        "9/2023, 11/2023"
    )
    assert missing_months(past[:2], "sv") == ""


@pytest.mark.parametrize(
    ("rule", "page"),
    [("working_age_decline", "/labour"), ("occupation_shortage", "/occupations")],
)
def test_a_population_or_occupation_alert_opens_the_page_that_charts_it(rule, page):
    """ "Open the chart" of a working-age decline led to the unemployment forecast, then to
    the population pyramid of one year (no decline to read there); the labour page gives the
    working-age population every five years."""
    url = alert_page.chart_url("213", rule, "sv", ["unemployed"])
    assert url == f"{page}?lang=sv&area=213#chart"
    assert alert_page.chart_url("213", "seasonal_rise", "fi", ["unemployed"]).startswith(
        "/forecasts?"
    )


@pytest.mark.parametrize("name", ["population", "occupations", "labour"])
def test_the_pages_alerts_link_to_have_the_chart_anchor(name):
    from pathlib import Path

    from jinja2 import FileSystemLoader

    from service.routers.dashboard import templates

    loader = templates.env.loader
    assert isinstance(loader, FileSystemLoader)
    source = Path(loader.searchpath[0], f"{name}.html").read_text()
    assert '<figure id="chart">' in source


def _base_page(dates: list[dict[str, Any]], lang: str) -> str:
    from service.i18n import texts as ui
    from service.routers.dashboard import templates

    child = templates.env.from_string('{% extends "base.html" %}')
    t = ui(lang)
    return child.render(
        lang=lang,
        t=t,
        nav=(),
        languages=[],
        data_dates=dates,
        page_title="x",
        url_for=lambda name, path: f"/static/{path}",
    )


def _dated(cube: str, period: str, stale: bool, expected: str) -> dict[str, Any]:
    return {"source": cube, "cube": cube, "period": period, "stale": stale, "expected": expected}


def test_many_stale_sources_make_one_notice_not_a_screen_of_boxes():
    """The training page on a 390 px phone began with five stale-data boxes (two screens
    before a figure): several stale sources are one notice naming each with its date."""
    dates = [
        _dated("commuting", "2017", True, "30.11.2020"),
        _dated("registers", "6/2026", True, "31.8.2026"),
        _dated("population_totals", "2025", False, "15.4.2027"),
    ]
    html = _base_page(dates, "en")
    assert html.count('class="notice stale"') == 1
    assert "commuting 2017: 30.11.2020" in html and "registers 6/2026: 31.8.2026" in html
    assert "population_totals 2025:" not in html  # fresh: only on the data-date line
    one = _base_page(dates[1:], "fi")
    assert one.count('class="notice stale"') == 1
    assert "uudempia odotettiin viimeistään 31.8.2026" in one
    assert 'class="notice stale"' not in _base_page(dates[2:], "sv")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fi",
            "Työnvälitystilasto 6/2026: tiedot voivat olla vanhentuneita; uudempia odotettiin "
            "viimeistään 31.8.2026.",
        ),
        (
            "en",
            "Employment service statistics 6/2026: the data may be out of date; newer data was "
            "expected by 31.8.2026.",
        ),
    ],
)
def test_one_stale_source_is_one_sentence(lang, expected):
    """The start page in December 2026 read "työnvälitystilasto 6/2026: Tiedot voivat olla
    vanhentuneita: uudempia ...": a sentence starting in lower case, a capital after the
    colon and two colons."""
    from service.i18n import texts as ui

    source = ui(lang)["src_registers"]
    dated = {**_dated("registers", "6/2026", True, "31.8.2026"), "source": source}
    html = _base_page([dated], lang)
    notice = re.search(r'<p class="notice stale"[^>]*>(.*?)</p>', html, re.S)
    assert notice is not None
    assert notice.group(1).strip() == expected


@given(
    unemployed=st.floats(20.0, 5000.0),
    ratio=st.floats(0.0, 3.0),
)
def test_the_occupations_page_labels_as_the_product_does(unemployed: float, ratio: float) -> None:
    """The page's shortage/surplus call on a group's mean ratio is the product's
    ``tightness_labels`` on the same months (the page used 0.5 for a surplus, the product
    0.2: a group could read "surplus" on the page and "balanced" in the API)."""
    import numpy as np

    from forecasting.register_occupations import tightness_labels
    from service import product_views as pv

    months = 12
    u = np.full((1, months), unemployed)
    v = u * ratio
    product = str(tightness_labels(v, u)[0])
    assert pv.signal(float(v.mean() / u.mean())) == product
