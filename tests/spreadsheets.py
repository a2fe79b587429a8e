"""Reading the downloads back as their users' spreadsheets do, by the API's column names."""

from __future__ import annotations

import csv
import io
from typing import Any

from service.export import with_variable_names
from service.i18n_columns import column_labels


def xlsx_table(book: Any) -> tuple[list[str], list[list[Any]]]:
    """The sheet ``data`` as (API column names, rows): the names come from the sheet
    ``columns``, whose headings must be the data sheet's header row."""
    headings, *rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    pairs = [tuple(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert headings == [heading for heading, _ in pairs]
    return [str(name) for _, name in pairs], rows


def csv_fi_table(raw: bytes, lang: str, names: list[str]) -> tuple[list[str], list[list[str]]]:
    """A ``csv-fi`` download as (API column names, rows), checking its header row is the
    headings of ``names`` (the JSON rows' keys) in ``lang``."""
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    names = with_variable_names(list(names), [], lang)[0]  # a variable's name beside its code
    # the time column is headed by the product's period: "Vuosi", "Kuukausi" (else "Aika")
    assert lines[0] in [column_labels(names, lang, p) for p in (None, "year", "month")]
    return names, lines[1:]
