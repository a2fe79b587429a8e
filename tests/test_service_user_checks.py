"""What a planner, leadership and an education provider met using the service, each fixed.

* the XLSX download showed numbers with fifteen decimals, an unmarked header row and an
  English provenance sheet of API keys in a Finnish workbook;
* a pending alert (stored without numbers) read "Avoimia työpaikkoja työnhakijaa kohden –,
  vuotta aiemmin –" and named neither its area nor its occupation group;
* a malformed period answered "invalid request parameters: query.from" (the reason only in
  the ``errors`` list, as a regular expression), and ``from`` after ``to`` an empty 200;
* the Finnish scenario page showed its compute time with a decimal point ("2.074 s").
"""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
import xarray as xr

pytest_plugins = ["tests.service_fixtures"]


def test_xlsx_shows_numbers_rounded_under_a_frozen_bold_header(web):
    from openpyxl import load_workbook

    params = {"area": "491", "variable": "unemployed", "format": "xlsx", "lang": "fi"}
    r = web.get("/v1/registers/forecasts", params=params)
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    data = book.worksheets[0]
    assert data.freeze_panes == "A2" and all(c.font.b for c in data[1])
    header = [c.value for c in data[1]]
    mean = data.cell(row=2, column=header.index("Keskiarvo") + 1)
    assert isinstance(mean.value, float) and mean.value != round(mean.value, 1)  # kept whole
    assert mean.number_format == "#,##0.0"
    assert data.column_dimensions["A"].width >= len(header[0])


def test_xlsx_provenance_sheet_speaks_the_readers_language(web):
    from openpyxl import load_workbook

    r = web.get("/v1/registers/history", params={"area": "491", "format": "xlsx", "lang": "fi"})
    rows = list(load_workbook(io.BytesIO(r.content)).worksheets[2].iter_rows(values_only=True))
    by_key = {key: (label, value) for label, value, key in rows}
    assert by_key["license"] == ("Lisenssi", "CC BY 4.0")
    assert by_key["release_id"][0] == "Julkaisu"
    assert by_key["data_through registers"] == ("Tietojen ajankohta: työnvälitystilasto", "6/2026")
    r = web.get("/v1/registers/history", params={"area": "491", "format": "xlsx", "lang": "en"})
    rows = list(load_workbook(io.BytesIO(r.content)).worksheets[2].iter_rows(values_only=True))
    assert ("Licence", "CC BY 4.0", "license") in rows


def test_xlsx_formats_shares_as_percent_and_the_method_in_the_readers_language():
    from service import export

    assert export.number_format("replacement_share") == "0.0 %"
    # an English workbook writes the share as the English pages do, 96.2%
    assert export.number_format("replacement_share", lang="en") == "0.0%"
    assert export.number_format("quantile") == "0.00"
    assert export.number_format("need") == "#,##0.0"
    ds = xr.Dataset(attrs={"method_note_fi": "Tarve = kysyntä - tarjonta.", "method_note": "x"})
    rows = export.localised_provenance([("method", "Need = demand - supply.")], "fi", ds)
    assert rows == [("Menetelmä", "Tarve = kysyntä - tarjonta.", "method")]
    assert export.localised_provenance([("method", "m")], "en", None) == [("Method", "m", "method")]


def _pending(**extra: Any) -> Any:
    from service.schemas import AlertDetail

    fields = {
        "id": 6,
        "rule": "occupation_shortage",
        "rule_version": "3",
        "area": "MK10",
        "severity": "info",
        "state": "pending",
        "title": "occupation_shortage (32): Etelä-Savo (MK10)",
        "episode": 0,
    }
    return AlertDetail(**{**fields, **extra})


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_a_pending_alert_names_its_area_and_subject_and_shows_no_dashes(lang):
    from service.alert_page import alert_item
    from service.labels import area_name, label_map

    item = alert_item(_pending(), lang, ["unemployed"])
    assert item is not None
    labels = label_map("occupation", lang)
    assert labels is not None
    occupation = labels["32"]  # 32: health associate professionals
    assert item["summary"].startswith(f"{area_name('MK10', lang)}: ")
    assert item["summary"].endswith(f"(32 {occupation})")
    assert "–" not in item["text"] and item["text"]


def test_a_stored_alert_keeps_its_numbers():
    from service.alert_page import alert_item

    numbers = {"tightness": 0.8, "tightness_year_before": 0.3}
    explanation = {"rule": "occupation_shortage", "numbers": numbers}
    item = alert_item(_pending(explanation=explanation), "fi", ["unemployed"])
    assert "0,80" in item["text"] and "0,30" in item["text"]


def test_a_malformed_period_is_explained_in_the_detail(web):
    r = web.get("/v1/registers/forecasts", params={"area": "TA23", "from": "2027-13"})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "query.from: '2027-13' is not a year YYYY or a month YYYY-MM" in detail
    assert "(19|20|21)" not in detail
    r = web.get("/v1/registers/forecasts", params={"release": "latest"})
    assert "release id such as" in r.json()["errors"][0]["reason"]


def test_a_window_ending_before_it_starts_is_refused(web):
    params = {"area": "TA23", "from": "2028-01", "to": "2027-01"}
    r = web.get("/v1/registers/forecasts", params=params)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "to", "reason": "2027-01 is before from=2028-01"}]
    r = web.get("/v1/registers/forecasts", params={**params, "to": "2028-01"})
    assert r.status_code == 200  # a one-month window is fine


@pytest.mark.parametrize(
    ("lang", "pattern"), [("fi", r"Laskenta-aika: \d+,\d s"), ("en", r"Compute time: \d+\.\d s")]
)
def test_scenario_compute_time_uses_the_pages_decimal_mark(web, lang, pattern):
    params = {"run": 1, "municipality": "507", "industry": "C", "jobs": 300, "lang": lang}
    page = web.get("/scenarios", params=params).text
    assert re.search(pattern, page), re.findall(r"(?:Laskenta-aika|Compute time)[^<]*", page)


def test_an_unknown_forecast_variable_is_a_404_naming_it(web):
    r = web.get("/forecasts", params={"area": "TA23", "variable": "foo"})
    assert r.status_code == 404
    assert "variable 'foo' is not forecast" in html.unescape(r.text)
    assert "None" not in r.text


def test_an_unknown_area_on_the_alerts_page_is_not_called_an_unavailable_register(web):
    r = web.get("/alerts", params={"area": "ZZZ", "lang": "fi"})
    assert r.status_code == 200
    assert "Aluekoodia &#39;ZZZ&#39; ei tunneta" in r.text  # in Finnish, naming the code
    assert "ei ole käytettävissä" not in r.text


SCENARIO_FORM = {"run": 1, "municipality": "507", "industry": "C", "jobs": 300, "lang": "fi"}


def test_a_month_13_on_the_scenario_form_says_what_a_month_looks_like(web):
    page = html.unescape(web.get("/scenarios", params={**SCENARIO_FORM, "start": "2026-13"}).text)
    assert "Alkukuukausi 2026-13 ei ole kuukausi muodossa VVVV-KK" in page  # in Finnish
    assert "errors.pydantic.dev" not in page and "validation error for" not in page


def test_a_scenario_starting_after_the_forecasts_is_refused_on_the_page_and_in_the_api(web):
    page = web.get("/scenarios", params={**SCENARIO_FORM, "start": "2099-01"}).text
    assert re.search(
        r"Alkukuukausi 1/2099 on ennusteiden viimeisen kuukauden \d{1,2}/\d{4} jälkeen", page
    )
    assert "Skenaarion tulos" not in page  # no result of a run in 2099
    spec: dict[str, Any] = {
        "area": "TA23",
        "events": [
            {
                "kind": "closure",
                "municipality": "507",
                "industry": "C",
                "jobs": 300,
                "start": "2099-01",
            }
        ],
    }
    r = web.post("/v1/scenarios/runs", json=spec, headers={"X-API-Key": "key-all"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "events[0].start"
    spec["events"][0]["start"] = "2026-09"
    assert (
        web.post("/v1/scenarios/runs", json=spec, headers={"X-API-Key": "key-all"}).status_code
        == 201
    )


def test_a_scenario_starting_in_the_observed_months_is_refused_in_the_api(web):
    """The page refuses such a start with the months it takes; the API did not: a start of
    2025-03 simulated months the registers hold (the test release's forecasts start 7/2026)."""
    spec: dict[str, Any] = {
        "area": "TA23",
        "events": [
            {"kind": "closure", "municipality": "507", "industry": "C", "jobs": 300,
             "start": "2025-03"}
        ],
    }  # fmt: skip
    r = web.post("/v1/scenarios/runs", json=spec, headers={"X-API-Key": "key-all"})
    assert r.status_code == 422
    body = r.json()
    assert body["kind"] == "start_before_forecasts"
    assert body["values"]["first"] == "2026-07" and body["values"]["start"] == "2025-03"
    assert body["errors"][0]["field"] == "events[0].start"
    spec["start"], spec["events"][0]["start"] = "2025-01", "2026-09"  # the run's own start
    r = web.post("/v1/scenarios/runs", json=spec, headers={"X-API-Key": "key-all"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "start"
    spec["start"] = "2026-07"  # the first forecast month is a start
    r = web.post("/v1/scenarios/runs", json=spec, headers={"X-API-Key": "key-all"})
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fi", "osuu 80 %:n väliin 80 kertaa sadasta ja 95 %:n väliin 95 kertaa sadasta"),
        ("en", "within the 80% interval 80 times in 100 and within the 95% interval 95 times"),
    ],
)
def test_the_forecast_page_says_what_its_intervals_mean(web, lang, words):
    page = web.get("/forecasts", params={"area": "TA23", "lang": lang}).text
    assert words in html.unescape(page)


def test_xlsx_shows_whole_counts_without_decimals(web):
    from openpyxl import load_workbook

    params = {"area": "TA23", "from": "2026-06", "to": "2026-06", "format": "xlsx", "lang": "fi"}
    r = web.get("/v1/registers/history", params=params)
    data = load_workbook(io.BytesIO(r.content)).worksheets[0]
    header = [c.value for c in data[1]]
    unemployed = data.cell(row=2, column=header.index("Työttömät työnhakijat") + 1)
    assert unemployed.value == 3675 and unemployed.number_format == "#,##0"  # 12r5 2026-06
    assert export_format_of("unemployment_rate_published") == "#,##0.0"


def export_format_of(name: str) -> str:
    from service.export import number_format

    return number_format(name)


@pytest.mark.parametrize("page", ["/population", "/labour", "/jobs", "/groups"])
def test_a_product_page_says_when_it_shows_another_area_than_asked(web, page):
    shown = html.unescape(web.get(page, params={"area": "TA99", "lang": "fi"}).text)
    assert "Aluetta TA99 ei tunneta; näytetään Mikkelin seutu." in shown
    english = html.unescape(web.get(page, params={"area": "TA99", "lang": "en"}).text)
    assert "Unknown area TA99; showing Mikkeli region." in english
    assert "ei tunneta" not in web.get(page, params={"area": "491", "lang": "fi"}).text


def test_api_alerts_carry_a_summary_in_the_requested_language(web):
    fi = web.get("/v1/alerts", params={"lang": "fi"}).json()["data"]
    en = web.get("/v1/alerts", params={"lang": "en"}).json()["data"]
    assert fi and all(a["summary"].startswith(f"{a['area_name']}: ") for a in fi + en)
    assert all(a["rule"] not in a["summary"] for a in fi + en)  # words, not the rule's name
    assert {a["summary"] for a in fi}.isdisjoint({a["summary"] for a in en})
    one = web.get(f"/v1/alerts/{fi[0]['id']}", params={"lang": "en"}).json()["data"]
    assert one["summary"] == en[[a["id"] for a in en].index(fi[0]["id"])]["summary"]


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fi", "kuntien lukujen summa"), ("sv", "summan av kommunerna"), ("en", "sum of its")],
)
def test_the_whole_country_says_it_is_the_sum_of_its_municipalities(web, lang, words):
    """The source's own national total also counts vacancies without a municipality (2026-06:
    26,641 published against 18,498 over the municipalities), so the country's line says
    what it is; a municipality's page has no such note."""
    country = web.get(f"/forecasts?lang={lang}&area=SSS&variable=vacancies").text
    assert words in country
    assert words not in web.get(f"/forecasts?lang={lang}&area=491&variable=vacancies").text
