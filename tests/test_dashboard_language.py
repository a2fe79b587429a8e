"""The dashboard speaks the page's language where it used to fall back to English or codes.

* a refusal from the domain (an unknown area, a start month outside the data, a count over
  its cap) was the domain's English detail on Finnish and Swedish pages: now a sentence in
  the page's language with the values, while the API keeps the English problem+json;
* a forecast download named its variable only by its code (``unemployed``);
* the occupations page showed its monthly means with no decimals beside a two-decimal ratio
  ("1 / 0 / 0,66") and named no unit.
"""

from __future__ import annotations

import html
import io
import re

import pytest

from forecasting.errors import UnknownAreaError, ValidationError

pytest_plugins = ["tests.service_fixtures"]


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


# -- refusals in the page's language ------------------------------------------------------------

#: The engine's refusals as forecasting/scenarios/run.py and events.py raise them (their kind
#: and values; tests/test_error_kinds.py raises each through the real function).
TOO_LATE = ValidationError(
    "start",
    "2031-01 is too late: the baseline runs on from the last observed month 2026-06, at most "
    "36 months ahead; the last possible start is 2029-06",
    kind="start_too_late",
    values={"start": "2031-01", "last": "2026-06", "ahead": 36, "latest": "2029-06"},
)
TOO_EARLY = ValidationError(
    "start",
    "2006-05 is too early: the baseline needs 36 observed months before the start, the first "
    "possible start is 2008-02",
    kind="start_too_early",
    values={"start": "2006-05", "burn": 36, "earliest": "2008-02"},
)
TOO_MANY_JOBS = ValidationError(
    "events[0].jobs",
    "5000 jobs removed in industry C in 507, but only 1234 exist there (jobs by workplace, "
    "Paavo TP 2017)",
    kind="jobs_over_existing",
    values={"removed": 5000, "industry": "C", "municipality": "507", "have": 1234},
)
DRAWS = ValidationError(
    "draws",
    "9000 draws is outside 1..5000 (the configured cap)",
    kind="draws_over_cap",
    values={"n": 9000, "max": 5000},
)
NOT_MUNICIPALITY = UnknownAreaError(
    "'QQ1' is not a municipality code", kind="not_municipality", values={"code": "QQ1"}
)


@pytest.mark.parametrize(
    ("exc", "lang", "expected"),
    [
        (
            TOO_LATE,
            "fi",
            "Alkukuukausi 1/2031 on liian myöhään: perusura jatkuu viimeisestä havaitusta "
            "kuukaudesta 6/2026 enintään 36 kuukautta eteenpäin; myöhäisin mahdollinen "
            "alkukuukausi on 6/2029.",
        ),
        (
            TOO_LATE,
            "sv",
            "Första månad 1/2031 är för sen: grundbanan fortsätter från den senast observerade "
            "månaden 6/2026 högst 36 månader framåt; den senaste möjliga startmånaden är 6/2029.",
        ),
        (TOO_EARLY, "fi", "aikaisin mahdollinen alkukuukausi on 2/2008."),
        (
            TOO_MANY_JOBS,
            "fi",
            "Työpaikkoja: 5\xa0000 työpaikkaa poistuisi toimialalta Teollisuus (C) kunnassa "
            "Mäntyharju (507), mutta siellä on vain 1\xa0234 työpaikkaa (työpaikat työpaikan "
            "sijainnin mukaan, Paavo TP 2017): valitse enintään 1\xa0234.",
        ),
        (TOO_MANY_JOBS, "sv", "men där finns bara 1\xa0234"),
        (
            DRAWS,
            "sv",
            "Simuleringsomgångar: 9\xa0000 ligger utanför det tillåtna intervallet 1–5\xa0000.",
        ),
        (NOT_MUNICIPALITY, "fi", "'QQ1' ei ole kunnan koodi."),
    ],
)
def test_an_engine_refusal_reads_in_the_pages_language_with_its_values(exc, lang, expected):
    from service.i18n_errors import error_message

    text = error_message(exc, lang)
    assert text is not None and expected in text, text
    assert "too late" not in text and "jobs removed" not in text


def test_a_kind_without_a_sentence_keeps_the_english_detail():
    from service.i18n_errors import error_message

    assert error_message(ValidationError("seed", "must be a non-negative integer"), "fi") is None
    # the English wording alone is not read: without its kind no sentence is guessed
    assert error_message(ValidationError("start", TOO_LATE.reason), "fi") is None
    # a kind without a sentence, or a sentence missing a value, keeps the English detail
    assert error_message(ValidationError("start", "x", kind="new_kind"), "fi") is None
    assert error_message(ValidationError("start", "x", kind="start_too_late"), "fi") is None


@pytest.mark.parametrize(
    ("lang", "heading", "words"),
    [
        ("fi", "404 Ei löytynyt", "Aluekoodia 'ZZZ' ei tunneta"),
        ("sv", "404 Hittades inte", "Områdeskoden 'ZZZ' är okänd"),
        ("en", "404 Not found", "Unknown area code 'ZZZ'"),
    ],
)
def test_an_unknown_area_page_speaks_its_language_and_the_api_stays_english(
    web, lang, heading, words
):
    r = web.get("/forecasts", params={"area": "ZZZ", "lang": lang}, headers={"accept": "text/html"})
    assert r.status_code == 404
    page = _text(r.text)
    assert heading in page and words in page
    assert f'lang="{lang}"' in r.text
    if lang != "en":
        assert "unknown area code" not in page and "expected a municipality" not in page
    api = web.get("/v1/registers/history", params={"area": "ZZZ"})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["detail"].startswith("unknown area code 'ZZZ'")


SCENARIO_FORM = {"run": 1, "municipality": "507", "industry": "C", "jobs": 300}


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fi", "Alkukuukausi 1/1990 on jo havaittua aikaa (rekisteritiedot 6/2026 asti)"),
        ("sv", "Startmånaden 1/1990 ligger i den redan observerade tiden"),
    ],
)
def test_a_start_outside_the_data_is_refused_on_the_form_in_its_language(web, lang, words):
    """The form refuses a start in the observed data itself, before the engine would (the
    engine's own refusal in each language is tested above)."""
    page = _text(
        web.get("/scenarios", params={**SCENARIO_FORM, "start": "1990-01", "lang": lang}).text
    )
    assert words in page
    assert "too early" not in page


def test_an_unknown_municipality_on_the_form_is_refused_in_finnish(web):
    params = {**SCENARIO_FORM, "municipality": "ZZZ", "lang": "fi"}
    page = _text(web.get("/scenarios", params=params).text)
    assert "Aluekoodia 'ZZZ' ei tunneta" in page
    assert "unknown area code" not in page


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fi", "Työpaikkoja: arvo saa olla enintään 100\xa0000."),
        ("sv", "Arbetsplatser: värdet får vara högst 100\xa0000."),
        ("en", "Jobs: the value must be at most 100,000."),
    ],
)
def test_a_form_field_out_of_range_is_refused_in_the_pages_language(web, lang, words):
    params = {**SCENARIO_FORM, "jobs": 300_000, "lang": lang}
    r = web.get("/scenarios", params=params, headers={"accept": "text/html"})
    assert r.status_code == 422
    assert words in _text(r.text)
    api = web.get("/v1/registers/history", params={"area": "491", "limit": 0})
    assert api.status_code == 422 and "invalid request parameters" in api.json()["detail"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fi", "'TA23' ei ole kunnan koodi. Työpaikkoja: arvon pitää olla suurempi kuin 0."),
        ("sv", "'TA23' är inte en kommunkod. Arbetsplatser: värdet måste vara större än 0."),
    ],
)
def test_a_scenario_spec_refused_by_its_own_checks_reads_in_the_pages_language(lang, expected):
    import pydantic

    from forecasting.scenarios.spec import Event
    from service.errors import request_errors_text

    with pytest.raises(pydantic.ValidationError) as info:
        Event.model_validate(
            {
                "kind": "closure",
                "municipality": "TA23",
                "industry": "C",
                "jobs": 0,
                "start": "2026-09",
            }
        )
    assert request_errors_text(info.value.errors(), lang) == expected


def test_an_unknown_area_filter_on_the_swedish_alerts_page(web):
    page = _text(web.get("/alerts", params={"area": "ZZZ", "lang": "sv"}).text)
    assert "Områdeskoden 'ZZZ' är okänd" in page
    assert "unknown area code" not in page and "inte tillgängligt" not in page


# -- a forecast download names its variable -----------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "code_heading", "heading", "name"),
    [
        ("fi", "Muuttuja, koodi", "Muuttuja", "Työttömät työnhakijat"),
        ("sv", "Variabel, kod", "Variabel", "Arbetslösa arbetssökande"),
    ],
)
def test_a_forecast_csv_names_its_variable_in_the_readers_language(
    web, lang, code_heading, heading, name
):
    params = {"area": "491", "variable": "unemployed", "lang": lang}
    r = web.get("/v1/registers/forecasts", params={**params, "format": "csv-fi"})
    assert r.status_code == 200
    lines = [line.split(";") for line in r.content.decode("utf-8-sig").splitlines()]
    header = [h.strip('"') for h in lines[0]]
    code, named = header.index(code_heading), header.index(heading)
    assert named == code + 1  # the name beside the code, as area and area name
    assert {row[code] for row in lines[1:]} == {"unemployed"}
    assert {row[named] for row in lines[1:]} == {name}
    # the API's JSON rows are unchanged: the code, no name column
    row = web.get("/v1/registers/forecasts", params={**params, "limit": 1}).json()["data"][0]
    assert row["variable"] == "unemployed" and "variable_name" not in row


def test_a_forecast_xlsx_names_its_variable_and_history_names_its_units():
    from service.export import localised_provenance, with_variable_names

    names, body = with_variable_names(["time", "variable", "mean"], [["t", "vacancies", 1.0]], "sv")
    assert names == ["time", "variable", "variable_name", "mean"]
    assert body == [["t", "vacancies", "Lediga arbetsplatser", 1.0]]
    rows = localised_provenance([("units unemployed", "persons")], "fi")
    assert rows == [("Yksikkö: Työttömät työnhakijat", "henkeä", "units unemployed")]


def test_a_forecast_xlsx_has_the_variable_name_column(web):
    from openpyxl import load_workbook

    params = {"area": "491", "variable": "vacancies", "lang": "fi", "format": "xlsx"}
    r = web.get("/v1/registers/forecasts", params=params)
    book = load_workbook(io.BytesIO(r.content))
    header = [c.value for c in book.worksheets[0][1]]
    named = header.index("Muuttuja")
    assert header[named - 1] == "Muuttuja, koodi"
    assert book.worksheets[0].cell(row=2, column=named + 1).value == "Avoimet työpaikat"
    params = {**params, "variable": "unemployed"}
    history = load_workbook(io.BytesIO(web.get("/v1/registers/history", params=params).content))
    about = list(history.worksheets[2].iter_rows(values_only=True))
    assert ("Yksikkö: Työttömät työnhakijat", "henkeä", "units unemployed") in about


# -- the occupations table: means and ratio with consistent decimals and units -------------------


def _occupation_cells(page: str) -> list[list[str]]:
    table = re.search(r'<table id="occupations-table">.*?</table>', page, re.S)
    assert table is not None
    return [
        re.findall(r'<td class="num">(.*?)</td>', row)
        for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", table.group(0), re.S)
    ]


@pytest.mark.parametrize(
    ("lang", "mean", "ratio", "units"),
    [
        (
            "fi",
            r"\d{1,3}(\xa0\d{3})*,\d",
            r"\d+,\d\d",
            ("henkeä (kuukausikeskiarvo)", "(suhdeluku)"),
        ),
        ("sv", r"\d{1,3}(\xa0\d{3})*,\d", r"\d+,\d\d", ("personer (månadsmedelvärde)", "(kvot)")),
        ("en", r"\d{1,3}(,\d{3})*\.\d", r"\d+\.\d\d", ("persons (monthly mean)", "(ratio)")),
    ],
)
def test_occupation_means_have_one_decimal_the_ratio_two_and_units_are_named(
    web, lang, mean, ratio, units
):
    page = web.get("/occupations", params={"lang": lang}).text
    rows = _occupation_cells(page)
    assert rows
    for unemployed, vacancies, tightness in rows:
        assert re.fullmatch(mean, unemployed) and re.fullmatch(mean, vacancies), (
            unemployed,
            vacancies,
        )
        assert re.fullmatch(ratio, tightness) or tightness == "–", tightness
    header = _text(re.search(r"<thead>.*?</thead>", page, re.S).group(0))  # type: ignore[union-attr]
    assert all(unit in header for unit in units)


def test_a_small_occupation_group_is_not_rounded_to_one_and_zero(web, monkeypatch):
    from service import product_views

    row = {"code": "9", "label": "x", "unemployed": 0.6, "vacancies": 0.4, "tightness": 0.4 / 0.6}
    monkeypatch.setattr(
        product_views, "occupation_rows", lambda *a, **k: [{**row, "signal": "balanced"}]
    )
    params = {"lang": "fi", "view": "small"}  # another URL than the cached page above
    rows = _occupation_cells(web.get("/occupations", params=params).text)
    assert rows == [["0,6", "0,4", "0,67"]]  # was "1", "0", "0,67"


# -- the occupations chart: its axis and bar labels in the page's number format ---------------


def _chart_numbers(page: str, chart_id: str) -> list[str]:
    svg = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-t.*?</svg>', page, re.S)
    assert svg is not None
    return re.findall(r'font-size="12"[^>]*>([^<]*)<', svg.group(0))


@pytest.mark.parametrize(
    ("lang", "ratio", "other_mark"), [("fi", r"\d+,\d+", "."), ("sv", r"\d+,\d+", "."),
                                      ("en", r"\d+\.\d+", ",")]
)  # fmt: skip
def test_the_occupations_chart_writes_its_ratios_in_the_pages_number_format(
    web, lang, ratio, other_mark
):
    """The tightness chart's ticks (0 to about 0.6) and bars were whole numbers: an axis
    "0 0 0 1" and bars "1", "0", "0" beside the table's 0,50, 0,48, 0,44."""
    numbers = _chart_numbers(web.get("/occupations", params={"lang": lang}).text, "occupations")
    assert numbers and all(re.fullmatch(ratio, n) for n in numbers), numbers
    assert not any(other_mark in n for n in numbers)
    rows = _occupation_cells(web.get("/occupations", params={"lang": lang}).text)
    bars = numbers[-len(rows) :]
    assert bars == [tightness for _, _, tightness in rows]  # the table's two decimals
    ticks = numbers[: -len(rows)]
    assert len(set(ticks)) == len(ticks) >= 2, ticks  # each tick tells itself apart


# -- one Swedish form of "80 % interval" ---------------------------------------------------------


def _strings(value: object) -> list[str]:
    """Every string in a module-level text table (nested dicts, tuples and lists)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, tuple | list):
        return [s for v in value for s in _strings(v)]
    return []


def test_swedish_writes_the_interval_one_way():
    """Swedish wrote "80 %:s intervall" on the forecasts page, "80 % intervall" in the table
    heads and "80 %-intervall" in the training note: the service's texts and the method notes
    now all write "80 %:s intervall" (the genitive, as Swedish in Finland writes it; the noun
    after it takes no definite ending)."""
    import importlib

    modules = (
        "service.i18n",
        "service.i18n_products",
        "service.i18n_columns",
        "forecasting.demand",
        "forecasting.register_occupations",
        "forecasting.training_balance",
        "forecasting.training_scenario",
    )
    texts = [
        re.sub(r"\s+", " ", s)
        for name in modules
        for value in vars(importlib.import_module(name)).values()
        for s in _strings(value)
    ]
    swedish = [s for s in texts if "intervall" in s]  # the Finnish "väli", the English "interval"
    assert any("80 %:s intervall" in s for s in swedish)
    assert [s for s in swedish if re.search(r"%[\s-]*intervall|%:s intervall(?:et|ets)\b", s)] == []


@pytest.mark.parametrize("path", ["/forecasts", "/groups", "/labour"])
def test_swedish_pages_write_the_interval_one_way(client, path):
    page = _text(client.get(path, params={"lang": "sv"}).text)
    assert "%:s intervall" in page
    assert not re.search(r"%[\s\xa0-]*intervall", page)
