"""Whole selections as downloads for spreadsheets: CSV for Finnish Excel and XLSX workbooks.

Both are unpaged (every row of the selection, up to :data:`MAX_EXPORT_ROWS`, the row limit
of an Excel sheet) and carry the same columns and values as the JSON rows
(:func:`service.cubes.rows`), headings and text values in the request's language (below).

* ``csv-fi``: UTF-8 with a byte-order mark (so Excel detects the encoding), ``;`` between
  cells, decimal comma, text cells neutralised against formulas
  (:func:`forecasting.io.files.csv_line`). No ``#`` preamble (Excel would show it as rows);
  the provenance is in the response headers.
* ``xlsx``: sheet ``data`` (header row, then the rows; ``time`` as real dates), sheet
  ``columns`` (each heading and its API column name) and sheet ``provenance`` (key, value).
  Text that a spreadsheet would take for a formula or an error code stays text.

Both are for people, so the column headings (:func:`service.i18n_columns.column_labels`) and
the text values of the cells (flags such as ``replacement_share_flag``, the status meanings)
are written in the request's language (:func:`service.i18n_products.value_label`); the JSON
and ``format=csv`` keep the API's names and codes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from forecasting.errors import ValidationError
from forecasting.io.files import csv_line
from service import cubes
from service.i18n_columns import column_labels
from service.i18n_products import value_label

BOM = "\ufeff"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_FI_MEDIA_TYPE = "text/csv; charset=utf-8"
#: Rows of an Excel sheet (1 048 576) less the header row.
MAX_EXPORT_ROWS = 1_048_575


def check_size(sel: cubes.Selection) -> None:
    """Refuse an export larger than a spreadsheet holds (a 422 naming the way out)."""
    if sel.total > MAX_EXPORT_ROWS:
        raise ValidationError(
            "format",
            f"{sel.total} rows is more than a spreadsheet holds ({MAX_EXPORT_ROWS}); "
            "narrow the selection (area, from/to, variable) or page with format=csv",
        )


def localised_rows(
    sel: cubes.Selection, start: int, count: int, lang: str
) -> tuple[list[str], list[list[Any]]]:
    """:func:`service.cubes.rows` with the text values of data columns (not the dims' codes)
    in ``lang``: a Swedish download says "oförändrade arbetsplatser: väntat", not "flat jobs:
    expected"."""
    names, body = cubes.rows(sel, start, count, lang)
    codes = set(sel.dims)
    text = [i for i, n in enumerate(names) if n not in codes and not n.endswith("_name")]
    for row in body:
        for i in text:
            if isinstance(row[i], str):
                row[i] = value_label(row[i], lang)
    return names, body


def csv_fi_chunks(sel: cubes.Selection, lang: str, chunk: int = 2000) -> Iterator[str]:
    """Every row of ``sel`` as Finnish-Excel CSV text in chunks (BOM first)."""
    check_size(sel)
    start, total, first = 0, sel.total, True
    while first or start < total:
        names, body = localised_rows(sel, start, min(chunk, total - start), lang)
        text = (BOM + csv_line(column_labels(names, lang), delimiter=";")) if first else ""
        text += "".join(csv_line(r, delimiter=";", decimal=",") for r in body)
        yield text
        first = False
        start += chunk


def _cell(ws: WriteOnlyWorksheet, value: Any, date: bool) -> Any:
    """A value for a write-only sheet: dates as dates, formula-like text kept as text."""
    if date and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("=") or value in ERROR_CODES:
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def xlsx_bytes(
    sel: cubes.Selection, lang: str, provenance: Sequence[tuple[str, str]], chunk: int = 5000
) -> bytes:
    """Every row of ``sel`` as an XLSX workbook (sheets ``data``, ``columns``, ``provenance``)."""
    check_size(sel)
    book = Workbook(write_only=True)
    data = book.create_sheet("data")
    start, total, first = 0, sel.total, True
    while first or start < total:
        names, body = localised_rows(sel, start, min(chunk, total - start), lang)
        if first:
            columns = list(zip(column_labels(names, lang), names, strict=True))
            data.append([heading for heading, _ in columns])
            dates = [n == "time" for n in names]
        for row in body:
            data.append([_cell(data, v, d) for v, d in zip(row, dates, strict=True)])
        first = False
        start += chunk
    headings = book.create_sheet("columns")
    for heading, name in columns:
        headings.append([_cell(headings, heading, False), _cell(headings, name, False)])
    about = book.create_sheet("provenance")
    for key, value in provenance:
        about.append([_cell(about, key, False), _cell(about, value, False)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
