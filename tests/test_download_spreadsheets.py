"""The XLSX downloads opened as a spreadsheet would open them (openpyxl), for the planner's
"unemployed next spring" and the education provider's "needs by 2030". Defects met on
7.12.2026 (registers to 6/2026), each pinned:

* the cumulative training need's workbook gave its unit as "persons per year (new entrants
  needed) ..." (the yearly product's unit, copied) for a sum over 2026-2030, and in English
  on a Finnish sheet: it is a total over the period, in the reader's language.

Fast: the service on the test release, no browser.
"""

from __future__ import annotations

import io
from typing import Any

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
