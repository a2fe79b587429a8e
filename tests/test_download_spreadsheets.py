"""The XLSX downloads opened as a spreadsheet would open them (openpyxl), for the planner's
"unemployed next spring" and the education provider's "needs by 2030". Defects met on
7.12.2026 (registers to 6/2026), each pinned:

* the cumulative training need's workbook gave its unit as "persons per year (new entrants
  needed) ..." (the yearly product's unit, copied) for a sum over 2026-2030, and in English
  on a Finnish sheet: it is a total over the period, in the reader's language;
* the register forecasts' workbook showed each month as "2026-07-01" (a day, in ISO), where
  the pages write 7/2026: a monthly product's dates are shown as the month;
* the same workbook gave the unit of the labour force column only: its mean and bounds,
  the unemployed of each row, had none. The unit of each variable of the rows is listed;
* the training needs named "tyokay 115p" and "tyonv 12r5" twice each among their source
  tables (in the JSON, the headers and the workbook): each table is named once;
* the register forecasts' workbook gave 19 data dates, the commuting statistics of 2017 and
  "väestöennuste 2024: 2045" among them, for numbers made from the registers alone, and
  wrote them 2026-06: the sheet gives the dates of the dataset's own sources, as the pages
  write them (6/2026); the JSON keeps every source of the release;
* a ``csv-fi`` download, whose provenance is only in the response headers, carried no data
  date at all: ``X-Data-Through`` gives it;
* the columns sheet kept Excel's default width, so "80 %:n välin alaraja" was cut off by the
  API name beside it; on the data sheet "Mikkelin seutu" was cut off at the width of its
  heading "Alue";
* the labour supply's workbook gave its statistic as the codes "mean", "lo80", "hi80" on a
  Finnish sheet, and its dependency ratios (0.82) at one decimal, "0,8": the statistic gets
  its name beside the code, a ratio two decimals as on the pages.

Fast: the service on the test release, no browser.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

pytest_plugins = ["tests.service_fixtures"]


def _book(web: Any, path: str, **params: Any) -> Any:
    answer = web.get(path, params={**params, "format": "xlsx"})
    assert answer.status_code == 200, answer.text
    return load_workbook(io.BytesIO(answer.content))


def _about(book: Any) -> dict[str, tuple[str, str]]:
    """The provenance sheet as ``{API key: (label, value)}``."""
    return {
        str(key): (str(label), str(value))
        for label, value, key in book.worksheets[2].iter_rows(values_only=True)
    }


@pytest.mark.parametrize(
    ("lang", "words", "not_words"),
    [
        ("fi", "henkeä yhteensä koko jaksolla", "vuodessa"),
        ("sv", "personer sammanlagt under hela perioden", "per år"),
        ("en", "persons in total over the whole period", "per year"),
    ],
)
def test_the_cumulative_needs_unit_is_a_total_in_the_readers_language(web, lang, words, not_words):
    book = _book(web, "/v1/training-needs/cumulative", area="TA23", until=2030, lang=lang)
    label, unit = _about(book)["units"]
    assert unit.startswith(words) and not_words not in unit, unit
    assert label == {"fi": "Yksikkö", "sv": "Enhet", "en": "Units"}[lang]


@pytest.mark.parametrize(
    ("lang", "start"),
    [("fi", "henkeä vuodessa"), ("sv", "personer per år"), ("en", "persons per year")],
)
def test_the_yearly_needs_unit_is_per_year_in_the_readers_language(lang, start):
    from service.export import localised_provenance

    unit = "persons per year (new entrants needed); negative need = surplus"
    [(_label, value, key)] = localised_provenance([("units", unit)], lang)
    assert value.startswith(start) and key == "units"


def _time_cells(book: Any, heading: str = "Kuukausi") -> list[Any]:
    sheet = book.worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    column = header.index(heading) + 1
    return [row[0] for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column)]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/registers/forecasts", {"area": "491", "variable": "unemployed"}),
        ("/v1/registers/history", {"area": "491", "variable": "unemployed"}),
    ],
)
def test_a_monthly_workbook_shows_each_month_as_the_pages_write_it(web, path, params):
    cells = _time_cells(_book(web, path, lang="fi", **params))
    assert cells
    for cell in cells:
        assert cell.is_date and cell.value.day == 1  # still a date for a formula
        # m/yyyy with the slash literal: 7/2026, not Excel's locale separator (7.2026)
        assert cell.number_format == "m\\/yyyy"


def test_a_yearly_workbook_still_shows_the_year(web):
    cells = _time_cells(_book(web, "/v1/training-needs", area="TA23", lang="fi"), "Vuosi")
    assert cells and all(c.is_date and c.number_format == "yyyy" for c in cells)


def test_dates_that_are_neither_month_starts_nor_year_ends_keep_the_default():
    import xarray as xr

    from service import cubes, export

    def sel(times: list[str]) -> Any:
        ds = xr.Dataset({"x": ("time", [1.0] * len(times))}, coords={"time": pd.to_datetime(times)})
        return cubes.Selection(ds=ds, dims=("time",), name="x", omitted=())

    assert export.date_format(sel(["2026-07-01", "2026-08-01"])) == export.MONTH_FORMAT
    assert export.date_format(sel(["2026-12-31", "2027-12-31"])) == export.YEAR_FORMAT
    assert export.date_format(sel(["2026-07-01", "2026-07-15"])) is None


def _forecasts() -> Any:
    """A register forecast cube as the release stores it: ``statistic`` dim, units."""
    import xarray as xr

    return xr.Dataset(
        {
            "unemployed": (("area", "statistic"), [[1.0, 0.5]], {"units": "persons"}),
            "vacancies": (("area", "statistic"), [[2.0, 1.5]], {"units": "vacancies"}),
            "rate": (("area", "statistic"), [[3.0, 2.5]]),  # no unit recorded: none listed
        },
        coords={"area": ["491"], "statistic": ["mean", "lo80"]},
    )


@pytest.mark.parametrize(
    ("lang", "label", "unit"),
    [
        ("fi", "Yksikkö: Työttömät työnhakijat", "henkeä"),
        ("sv", "Enhet: Arbetslösa arbetssökande", "personer"),
        ("en", "Units: Unemployed jobseekers", "persons"),
    ],
)
def test_a_forecast_workbook_gives_the_unit_of_its_rows_variable(lang, label, unit):
    from service import cubes
    from service.deps import export_provenance
    from service.export import xlsx_bytes
    from service.schemas import Provenance

    long = cubes.statistics_long(_forecasts())
    sel = cubes.select(long, name="register_forecasts", variables=["unemployed"])
    prov = Provenance(release_id=None, dataset="register_forecasts", source_tables=[], source="s")
    book = load_workbook(io.BytesIO(xlsx_bytes(sel, lang, export_provenance(prov, 2, sel.ds))))
    assert _about(book)["units unemployed"] == (label, unit)
    assert "units vacancies" not in _about(book)  # only the variables the rows hold


def test_each_variable_of_a_long_selection_has_its_unit_once():
    from service import cubes
    from service.deps import export_provenance
    from service.schemas import Provenance

    sel = cubes.select(cubes.statistics_long(_forecasts()), name="f")
    rows = export_provenance(
        Provenance(release_id=None, dataset="f", source_tables=[], source="s"), 6, sel.ds
    )
    units = [(k, v) for k, v in rows if k.startswith("units")]
    assert units == [("units unemployed", "persons"), ("units vacancies", "vacancies")]


def test_a_source_table_is_named_once_in_the_order_first_met():
    from service.deps import export_provenance, provenance, provenance_headers

    attrs = {"source_tables": "tyokay 115p, tyonv 12r5, vaerak 11re, tyokay 115p, tyonv 12r5"}
    prov = provenance(None, "training_needs", attrs)
    assert prov.source_tables == ["tyokay 115p", "tyonv 12r5", "vaerak 11re"]
    assert provenance_headers(prov)["X-Source-Tables"] == "tyokay 115p, tyonv 12r5, vaerak 11re"
    assert dict(export_provenance(prov, 1))["source_tables"] == (
        "tyokay 115p, tyonv 12r5, vaerak 11re"
    )


def _dates(book: Any) -> dict[str, tuple[str, str]]:
    return {k: v for k, v in _about(book).items() if k.startswith("data_through")}


def test_a_workbook_dates_the_sources_of_its_own_dataset_as_the_pages_do(web):
    book = _book(web, "/v1/registers/forecasts", area="491", variable="unemployed", lang="fi")
    assert _dates(book) == {
        "data_through registers": ("Tietojen ajankohta: työnvälitystilasto", "6/2026")
    }
    # the JSON keeps every input source of the release
    prov = web.get("/v1/registers/forecasts", params={"area": "491"}).json()["provenance"]
    assert prov["data_through"] == {"registers": "2026-06", "population_totals": "2025"}
    # a product of several sources dates each of them
    cumulative = _book(web, "/v1/training-needs/cumulative", area="TA23", until=2030, lang="sv")
    assert {k: v for k, (_, v) in _dates(cumulative).items()} == {
        "data_through population_totals": "2025",
        "data_through registers": "6/2026",
    }


def test_a_dataset_the_registry_does_not_know_keeps_every_date():
    from service.deps import export_provenance
    from service.schemas import Provenance

    through = {"registers": "2026-06", "population_totals": "2025"}
    for dataset in ("scenario_result", "register_forecasts"):
        prov = Provenance(
            release_id=None, dataset=dataset, source_tables=[], source="s", data_through=through
        )
        dates = {k for k, _ in export_provenance(prov, 1) if k.startswith("data_through")}
        expected = {"data_through registers"} | (
            {"data_through population_totals"} if dataset == "scenario_result" else set()
        )
        assert dates == expected


@pytest.mark.parametrize("fmt", ["csv-fi", "csv", "json", "xlsx"])
def test_every_format_carries_the_data_date_in_its_headers(web, fmt):
    answer = web.get("/v1/registers/forecasts", params={"area": "491", "format": fmt})
    assert answer.status_code == 200
    assert answer.headers["X-Data-Through"] == "registers=2026-06"
    cumulative = web.get("/v1/training-needs/cumulative", params={"format": fmt})
    assert cumulative.headers["X-Data-Through"] == "population_totals=2025, registers=2026-06"


def test_the_columns_sheet_is_wide_enough_for_its_words(web):
    book = _book(web, "/v1/registers/forecasts", area="491", lang="fi")
    sheet = book.worksheets[1]
    for letter, index in (("A", 0), ("B", 1)):
        longest = max(len(str(row[index])) for row in sheet.iter_rows(values_only=True))
        assert sheet.column_dimensions[letter].width >= longest


def test_the_data_sheets_text_columns_are_wide_enough_for_their_text(web):
    book = _book(web, "/v1/registers/forecasts", area=["TA23", "491"], lang="fi")
    sheet = book.worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    for i, heading in enumerate(header):
        letter = sheet.cell(row=1, column=i + 1).column_letter
        texts = [str(r[i]) for r in sheet.iter_rows(values_only=True) if isinstance(r[i], str)]
        wanted = min(max(map(len, texts)), 38)
        assert sheet.column_dimensions[letter].width >= wanted, heading


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("fi", {"mean": "Keskiarvo", "lo80": "80 %:n välin alaraja"}),
        ("sv", {"mean": "Medelvärde", "lo80": "Nedre gräns för 80 %:s intervall"}),
    ],
)
def test_a_statistic_column_has_its_name_beside_the_code(web, lang, names):
    from tests.spreadsheets import xlsx_table

    book = _book(web, "/v1/labour-supply", area="TA23", lang=lang)
    columns, rows = xlsx_table(book)
    at = columns.index("statistic")
    assert columns[at + 1] == "statistic_name"
    pairs = {r[at]: r[at + 1] for r in rows}
    assert {code: pairs[code] for code in names} == names
    csv_fi = web.get("/v1/labour-supply", params={"area": "TA23", "lang": lang, "format": "csv-fi"})
    header = next(csv.reader(io.StringIO(csv_fi.content.decode("utf-8-sig")), delimiter=";"))
    assert header[at : at + 2] == [
        {"fi": "Tunnusluku, koodi", "sv": "Nyckeltal, kod"}[lang],
        {"fi": "Tunnusluku", "sv": "Nyckeltal"}[lang],
    ]


def test_a_ratio_is_shown_with_two_decimals():
    from service.export import number_format

    assert number_format("economic_dependency_ratio") == "0.00"
    assert number_format("demographic_dependency_ratio", whole=True) == "0.00"
    assert number_format("labour_force") == "#,##0.0"


@pytest.mark.parametrize(
    ("path", "params", "lang", "start"),
    [
        ("/v1/jobs", {"area": "TA23"}, "fi", "Työpaikat toimialoittain: kuntien"),
        ("/v1/jobs", {"area": "TA23"}, "sv", "Arbetsplatser per näringsgren: kommunernas"),
        ("/v1/jobs", {"area": "TA23"}, "en", "Jobs by industry: municipal"),
        ("/v1/occupations/tightness", {"area": "MK10"}, "fi", "Ammattiryhmien osuudet"),
        ("/v1/occupations/tightness", {"area": "MK10"}, "sv", "Yrkesgruppernas andelar"),
    ],
)
def test_the_jobs_and_occupation_workbooks_give_the_method_in_the_readers_language(
    web, path, params, lang, start
):
    """The jobs and occupation workbooks showed their English method note under
    "Menetelmä" and "Metod": the products now carry it in Finnish and Swedish too."""
    label, value = _about(_book(web, path, lang=lang, **params))["method"]
    assert label == {"fi": "Menetelmä", "sv": "Metod", "en": "Method"}[lang]
    assert value.startswith(start), value


@pytest.mark.parametrize(
    ("lang", "heading", "title"),
    [
        ("fi", "Skenaario", "Teollisuuslaitos sulkee Mäntyharjulla (300 työpaikkaa)"),
        ("sv", "Scenario", "En industrianläggning i Mäntyharju läggs ned (300 arbetsplatser)"),
        ("en", "Scenario", "A manufacturing plant closes in Mäntyharju (300 jobs)"),
    ],
)
def test_a_preset_download_names_its_preset_as_the_page_does(web, lang, heading, title):
    """The scenario page's preset download said "mantyharju_manufacturing_closure" on every
    row of a Finnish file: the preset's title in the reader's language stands beside the id
    (the JSON keeps the id alone)."""
    from tests.spreadsheets import xlsx_table

    params = {"scenario": "mantyharju_manufacturing_closure", "variable": "unemployed",
              "lang": lang, "limit": 5}  # fmt: skip
    text = web.get("/v1/scenarios", params={**params, "format": "csv-fi"}).text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    code = {"fi": "koodi", "sv": "kod", "en": "code"}[lang]
    assert rows[0][:2] == [f"{heading}, {code}", heading]
    assert {tuple(r[:2]) for r in rows[1:]} == {("mantyharju_manufacturing_closure", title)}
    xlsx = web.get("/v1/scenarios", params={**params, "format": "xlsx"}).content
    book = load_workbook(io.BytesIO(xlsx))
    names, body = xlsx_table(book)
    assert names[:2] == ["scenario", "scenario_name"] and body[0][1] == title
    json_rows = web.get("/v1/scenarios", params=params).json()["data"]
    assert "scenario_name" not in json_rows[0]
