"""A scenario run's training downloads and the scenario words in Swedish and English.

Read in a browser and in the files themselves (a TA23 release, a 300-job closure in
Mikkeli from 3/2027): the Swedish qualification download listed the qualifications in
Finnish ("Lähihoitaja ..."), its level and the field download's field and level as codes
("vocational", "01" without its name), and the run's columns said "basbanan" where every
page says "grundbana".
"""

from __future__ import annotations

import importlib
import io
import re

import pytest

from tests.test_dashboard_language import _strings

pytest_plugins = ["tests.service_fixtures"]

RUN = {"run": 1, "kind": "recruitment", "municipality": "491", "industry": "Q", "jobs": 200,
       "start": "2026-09"}  # fmt: skip


def _links(page: str, marker: str, fmt: str) -> list[str]:
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', page)]
    return [h for h in hrefs if marker in h and f"format={fmt}" in h]


def _csv(client, url: str) -> list[list[str]]:
    r = client.get(url)
    assert r.status_code == 200, r.text
    return [line.split(";") for line in r.content.decode("utf-8-sig").splitlines()]


@pytest.mark.parametrize(
    ("lang", "nurse", "level", "finnish"),
    [
        ("sv", "Närvårdare", "yrkesutbildning", "Lähihoitaja"),
        ("en", "Practical nurse", "vocational", "Lähihoitaja"),
        ("fi", "Lähihoitaja", "ammatillinen", "Practical nurse"),
    ],
)
def test_a_runs_qualification_download_names_them_in_the_readers_language(
    training_client, lang, nurse, level, finnish
):
    page = training_client.get("/scenarios", params={**RUN, "lang": lang}).text
    (url,) = _links(page, "qualification_demand_change", "csv-fi")
    rows = _csv(training_client, url)
    header = [h.strip('"') for h in rows[0]]
    name = next(i for i, h in enumerate(header) if h in ("Tutkinto", "Examen", "Qualification"))
    names = [r[name] for r in rows[1:]]
    assert any(n.startswith(nurse) for n in names), names
    assert not any(finnish in n for n in names) or lang == "fi", names
    at = next(i for i, h in enumerate(header) if h.startswith(("Tutkinnon taso", "Examensniv",
                                                               "Level of the")))  # fmt: skip
    levels = {r[at] for r in rows[1:]}
    assert level in levels and (lang == "en" or "vocational" not in levels), levels


@pytest.mark.parametrize(
    ("lang", "field", "level", "code", "name", "level_name"),
    [
        ("sv", "Utbildningsområde", "Utbildningsnivå", "kod", "Hälso- och välfärdsområden",
         "yrkesutbildning"),
        ("en", "Field of education", "Level of education", "code", "Health and welfare",
         "vocational"),
        ("fi", "Koulutusala", "Koulutusaste", "koodi", "Terveys- ja hyvinvointialat",
         "ammatillinen"),
    ],
)  # fmt: skip
def test_a_runs_training_change_download_names_fields_and_levels(
    training_client, lang, field, level, code, name, level_name
):
    """The field download had the codes alone: "01", "vocational"."""
    from openpyxl import load_workbook

    page = training_client.get("/scenarios", params={**RUN, "lang": lang}).text
    (url,) = _links(page, "training_demand_change", "xlsx")
    book = load_workbook(io.BytesIO(training_client.get(url).content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    assert f"{field}, {code}" in header and f"{level}, {code}" in header
    assert name in {r[header.index(field)] for r in rows[1:]}
    assert level_name in {r[header.index(level)] for r in rows[1:]}


def test_swedish_calls_the_baseline_grundbana_everywhere():
    """The run's download columns said "skillnad mot basbanan", "Arbetslösa i basbanan"
    beside the page's "Grundbana" and "jämfört med grundbanan"."""
    modules = ("service.i18n", "service.i18n_columns", "service.i18n_products",
               "forecasting.report.labels", "forecasting.scenarios.presets")  # fmt: skip
    texts = [s for m in modules for v in vars(importlib.import_module(m)).values()
             for s in _strings(v)]  # fmt: skip
    assert any("grundban" in s.lower() for s in texts)
    assert [s for s in texts if "basban" in s.lower()] == []


def test_swedish_calls_the_alerts_varningar_everywhere():
    """The Swedish alerts page is "Varningar", the review's section "Aktiva varningar", but
    a stale-data alert said "Larm och prognoser bygger på gamla uppgifter", an unknown
    rule was a "Larm" and the data-date line named the source "larm"."""
    from forecasting.alerts.explain import texts as alert_texts
    from forecasting.alerts.registry import registered

    modules = ("service.i18n", "service.i18n_columns", "service.i18n_products",
               "forecasting.report.labels")  # fmt: skip
    texts = [s for m in modules for v in vars(importlib.import_module(m)).values()
             for s in _strings(v)]  # fmt: skip
    texts += [e.title["sv"] + " " + e.why["sv"] for e in registered().values()]
    texts.append(alert_texts("no_such_rule", {}, "sv")["title"])
    assert [s for s in texts if re.search(r"\blarm", s, re.I)] == []


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_partial_total_says_suppressed_in_the_words_of_a_suppressed_cell(lang):
    """The Swedish start page's vacancies card said "1 av 6 kommuners tal skyddade" beside
    the table's "sekretessbelagd" for the same municipality (and the review's "siffror
    sekretessbelagda"): one fact, two words."""
    from service.i18n_products import product_texts

    words = product_texts(lang)
    stem = words["suppressed"][:-1]  # "salattu"/"salatt", "sekretessbelagd", "suppressed"
    assert stem in words["partial"], (words["suppressed"], words["partial"])
    if lang == "sv":  # nor "skyddade" elsewhere: "skyddade näringsgrenar", "... kommuner"
        assert [s for s in words.values() if "skyddad" in s] == []
