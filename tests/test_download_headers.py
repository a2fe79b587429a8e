"""Downloads are headed for people: every column of every download route has a heading in
the request's language, and the XLSX workbook names each heading's API column."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from service.i18n_columns import COLUMNS, column_label, column_labels
from service.i18n_products import VARIABLES
from tests.spreadsheets import csv_fi_table, xlsx_table
from tests.test_service_provenance import _path_values
from tests.test_service_scenarios_training import SPEC as RECRUITMENT

pytest_plugins = ["tests.service_fixtures"]

LANGS = ("fi", "sv", "en")


def _download_urls(client) -> list[tuple[str, dict[str, object]]]:
    """Every route that offers downloads, with its path filled in, and each variable of an
    on-demand run (a recruitment: its training-need change included) on its own."""
    values = _path_values(client)
    schema = client.get("/openapi.json").json()
    urls: list[tuple[str, dict[str, object]]] = []
    for path, ops in schema["paths"].items():
        if "get" in ops and "text/csv" in ops["get"]["responses"]["200"].get("content", {}):
            for key, value in values.items():
                path = path.replace(key, value)
            urls.append((path, {}))
    run = client.post("/v1/scenarios/runs", json=RECRUITMENT, headers={"X-API-Key": "key-all"})
    assert run.status_code == 201, run.text
    urls += [(run.json()["results"], {"variable": v}) for v in run.json()["variables"]]
    return urls


@pytest.mark.parametrize("lang", LANGS)
def test_every_download_column_has_a_heading_in_the_language(training_client, lang):
    urls = _download_urls(training_client)
    assert len(urls) > 30
    unlabelled: set[str] = set()
    for url, params in urls:
        # one area and two years keep the files small; the columns are all there
        query = {**params, "lang": lang, "area": "TA23", "from": "2026", "to": "2027"}
        r = training_client.get(url, params={**query, "format": "xlsx"})
        if r.status_code == 404 and "not in" in r.text:  # a product of the region only
            query.pop("area")
            r = training_client.get(url, params={**query, "format": "xlsx"})
        if r.status_code == 422 and "outside_time_span" in r.text:  # presets of 2024-2025
            query.pop("from"), query.pop("to")
            r = training_client.get(url, params={**query, "format": "xlsx"})
        if r.status_code == 422 and "are for data products" in r.text:
            continue  # alerts and events: JSON and CSV for programs only
        assert r.status_code == 200, (url, params, r.text[:200])
        book = load_workbook(io.BytesIO(r.content), read_only=True)
        names, _ = xlsx_table(book)  # the API's names, from the sheet "columns"
        rows = training_client.get(url, params={**query, "limit": 1}).json()["data"]
        assert not rows or set(rows[0]) <= set(names), url  # (downloads: every variable)
        headings = next(book.worksheets[0].iter_rows(max_row=1, values_only=True))
        assert len(set(headings)) == len(headings), (url, headings)  # told apart by people
        unlabelled |= {n for n, h in zip(names, headings, strict=True) if h == n}
        csv_fi = training_client.get(url, params={**query, "format": "csv-fi"})
        csv_fi_table(csv_fi.content, lang, names)  # the same headings in the CSV
    assert not unlabelled, f"columns without a heading in {lang}: {sorted(unlabelled)}"


def test_a_code_column_beside_its_names_says_code():
    assert column_labels(["field", "field_name", "need"], "fi") == [
        "Koulutusala, koodi",
        "Koulutusala",
        "Koulutustarve",
    ]
    assert column_labels(["area", "time", "unemployed_status"], "sv") == [
        "Område",
        "Tid",
        "Arbetslösa arbetssökande: status",
    ]
    assert column_label("training_field_name_sv", "en") == "Field of education (sv)"


@given(st.sampled_from(sorted({*COLUMNS, *VARIABLES})), st.sampled_from(LANGS))
def test_every_heading_is_the_tables_word_and_unknown_names_stay(name, lang):
    words = COLUMNS.get(name) or VARIABLES[name]
    assert column_label(name, lang) == words[LANGS.index(lang)]
    assert column_label(f"{name}_not_a_column", lang) == f"{name}_not_a_column"
    assert column_label(name, "de") == words[0]  # an unknown language falls back to Finnish


#: The time column's heading of a yearly and of a monthly product, per language.
TIME_WORDS = {
    "year": {"fi": "Vuosi", "sv": "År", "en": "Year"},
    "month": {"fi": "Kuukausi", "sv": "Månad", "en": "Month"},
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("path", "params", "period"),
    [
        ("/v1/training-needs", {"area": "TA23"}, "year"),
        ("/v1/labour-supply", {"area": "TA23"}, "year"),
        ("/v1/registers/forecasts", {"area": "TA23", "variable": "unemployed"}, "month"),
    ],
)
def test_the_time_column_is_headed_year_or_month_as_its_rows_are(
    training_client, lang, path, params, period
):
    """A yearly product's workbook and csv-fi headed its years "Aika" / "Tid" / "Time",
    where the pages head them "Vuosi" / "År" / "Year"."""
    word = TIME_WORDS[period][lang]
    query = {**params, "lang": lang}
    book = load_workbook(
        io.BytesIO(training_client.get(path, params={**query, "format": "xlsx"}).content)
    )
    names, _ = xlsx_table(book)
    headings = next(book.worksheets[0].iter_rows(max_row=1, values_only=True))
    assert headings[names.index("time")] == word
    raw = training_client.get(path, params={**query, "format": "csv-fi"}).content
    first = raw.decode("utf-8-sig").splitlines()[0].split(";")
    assert first[names.index("time")] == word
    assert "Aika" not in first and "Time" not in first
