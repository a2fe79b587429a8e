"""Whole selections as downloads for spreadsheets: CSV for Finnish Excel and XLSX workbooks.

Both are unpaged (every row of the selection, up to :data:`MAX_EXPORT_ROWS`, the row limit
of an Excel sheet) and carry the same columns and values as the JSON rows
(:func:`service.cubes.rows`), headings and text values in the request's language (below).

* ``csv-fi``: UTF-8 with a byte-order mark (so Excel detects the encoding), ``;`` between
  cells, decimal comma, text cells neutralised against formulas
  (:func:`forecasting.io.files.csv_line`), numbers rounded for reading
  (:func:`for_reading`: four significant digits, at least one decimal, at most six; a
  mean of 2 790,295848292982 persons is 2 790,3), flags in words (``kyllä``/``ei``). No
  ``#`` preamble (Excel would show it as rows); the provenance is in the response headers.
  ``format=csv``, the JSON and the workbook's cells keep every digit.
* ``xlsx``: the data sheet (bold header row frozen above the rows, ``time`` as real dates,
  shown as the year when every date is 31 December (a product by year), as the month
  ``7/2026`` when every date is a month's first (a monthly product),
  numbers stored in full but shown as ``#,##0.0`` (a column of whole numbers as ``#,##0``),
  shares (``*_share``) as percentages), the columns sheet (each heading and its API column
  name) and the provenance sheet (the field in the reader's language, its value, the API's
  key; the method in the reader's language where the product has it), named in the reader's
  language (:data:`SHEET_NAMES`: ``Tiedot``, ``Sarakkeet``, ``Lähteet ja menetelmä``; in
  English ``data``, ``columns``, ``provenance``). Text that a spreadsheet would take for a
  formula or an error code stays text.

Both are for people, so the column headings (:func:`service.i18n_columns.column_labels`) and
the text values of the cells (flags such as ``replacement_share_flag``, the status meanings)
are written in the request's language (:func:`service.i18n_products.value_label`), and a
``variable`` column of codes has the variable's name beside it (:func:`with_variable_names`),
a ``scenario`` column of preset ids the preset's title (:func:`with_scenario_names`);
the JSON and ``format=csv`` keep the API's names and codes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from forecasting.errors import ValidationError
from forecasting.io.files import csv_line
from forecasting.provenance import ATTRIBUTION
from service import cubes, formats
from service.i18n_columns import column_label, column_labels
from service.i18n_products import SOURCES, value_label

BOM = "\ufeff"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_FI_MEDIA_TYPE = "text/csv; charset=utf-8"
#: Rows of an Excel sheet (1 048 576) less the header row.
MAX_EXPORT_ROWS = 1_048_575
#: How a number cell is shown (the stored value keeps every digit): a count or a rate with
#: one decimal and a thousands separator; a share (a fraction, ``*_share``) as a percentage,
#: written as the pages write it: ``96,2 %`` in Finnish and Swedish, ``96.2%`` in English
#: (:func:`service.formats.percent`; the spreadsheet supplies the decimal sign).
NUMBER_FORMAT = "#,##0.0"
SHARE_FORMAT = "0.0 %"
SHARE_FORMAT_EN = "0.0%"
#: Columns shown otherwise: a quantile level (0.05) with two decimals.
COLUMN_FORMATS = {"quantile": "0.00"}
#: A ratio of two counts (``*_ratio``: dependency ratios, 0.82) with two decimals, as the
#: pages write it; at one decimal 0.82 and 0.77 both read 0,8.
RATIO_FORMAT = "0.00"
#: The provenance sheet's fields: API key -> (fi, sv, en).
PROVENANCE_LABELS = {
    "release_id": ("Julkaisu", "Publicering", "Release"),
    "release_created": ("Julkaistu", "Publicerad", "Published"),
    "dataset": ("Tietoaineisto", "Datamängd", "Dataset"),
    "source_tables": ("Lähdetaulukot", "Källtabeller", "Source tables"),
    "source": ("Lähde", "Källa", "Source"),
    "license": ("Lisenssi", "Licens", "Licence"),
    "retrieved": ("Haettu", "Hämtad", "Retrieved"),
    "data_version": ("Aineiston versio", "Dataversion", "Data version"),
    "code_version": ("Ohjelman versio", "Programversion", "Code version"),
    "seed": ("Satunnaislukujen siemen", "Slumptalsfrö", "Random seed"),
    "method": ("Menetelmä", "Metod", "Method"),
    "units": ("Yksikkö", "Enhet", "Units"),
    "total_rows": ("Rivejä", "Rader", "Rows"),
    "data_through": ("Tietojen ajankohta", "Uppgifternas tidpunkt", "Data as of"),
}
_LANG_INDEX = {"fi": 0, "sv": 1, "en": 2}
#: The workbook's sheets in the reader's language: (data, column headings, provenance) per
#: fi, sv, en (English keeps the names the workbook always had).
SHEET_NAMES = (
    ("Tiedot", "Sarakkeet", "Lähteet ja menetelmä"),
    ("Data", "Kolumner", "Källor och metod"),
    ("data", "columns", "provenance"),
)


def sheet_names(lang: str) -> tuple[str, str, str]:
    """The names of the data, columns and provenance sheets in ``lang``."""
    return SHEET_NAMES[_LANG_INDEX.get(lang, 2)]


def provenance_label(key: str, lang: str) -> str:
    """The provenance field ``key`` in words (``data_through registers`` -> "Tietojen
    ajankohta: työnvälitystilasto"); an unknown key as it is."""
    i = _LANG_INDEX.get(lang, 2)
    field, _, part = key.partition(" ")
    if field not in PROVENANCE_LABELS:
        return key
    label = PROVENANCE_LABELS[field][i]
    if not part:
        return label
    if field == "data_through" and part in SOURCES:
        return f"{label}: {SOURCES[part][i]}"
    if field == "units":  # a variable's unit: the variable by its name, not its code
        return f"{label}: {column_label(part, lang)}"
    return f"{label}: {part}"


#: Units the products record (``units`` attrs) in words: unit -> (fi, sv, en).
UNIT_LABELS = {
    "persons": ("henkeä", "personer", "persons"),
    "percent": ("prosenttia", "procent", "percent"),
    "vacancies": ("avoimia työpaikkoja", "lediga arbetsplatser", "vacancies"),
    "persons (ratios: per person)": (
        "henkeä (suhdeluvut: henkeä kohden)",
        "personer (kvoter: per person)",
        "persons (ratios: per person)",
    ),
    "jobs by workplace (persons), 31 December": (
        "työpaikkoja työpaikan sijainnin mukaan (henkeä), 31.12.",
        "arbetsplatser efter arbetsställe (personer), 31.12",
        "jobs by workplace (persons), 31 December",
    ),
    "days": ("päivää", "dagar", "days"),
    "jobs": ("työpaikkaa", "arbetsplatser", "jobs"),
    "share": (
        "osuus (0–1, näytetään prosentteina)",
        "andel (0–1, visas i procent)",
        "share (0–1, shown as per cent)",
    ),
    "clients per expert": (
        "asiakasta asiantuntijaa kohden",
        "kunder per expert",
        "clients per expert",
    ),
    "persons per year (new entrants needed); negative need = surplus": (
        "henkeä vuodessa (uusien tulijoiden tarve); negatiivinen tarve on ylitarjontaa",
        "personer per år (behov av nya personer); ett negativt behov är ett överskott",
        "persons per year (new entrants needed); negative need = surplus",
    ),
    "persons in total over the period first_year-until (new entrants needed); "
    "negative need = surplus": (
        "henkeä yhteensä koko jaksolla (ensimmäinen vuosi – viimeinen vuosi; uusien "
        "tulijoiden tarve); negatiivinen tarve on ylitarjontaa",
        "personer sammanlagt under hela perioden (första år – sista år; behov av nya "
        "personer); ett negativt behov är ett överskott",
        "persons in total over the whole period (first year to last year; new entrants "
        "needed); negative need = surplus",
    ),
}


#: The attribution (:data:`forecasting.provenance.ATTRIBUTION`, stored as data with the
#: agency's Finnish name) in the reader's language: (fi, sv, en), the agency named as it
#: names itself in each (KEHA-keskus, KEHA-centret, the KEHA Centre). The Finnish is the
#: monthly review's licence line (:mod:`forecasting.report.labels`); the dashboard's footer
#: (``source`` in :mod:`service.i18n`) words it a little differently ("lisenssi CC BY 4.0").
ATTRIBUTION_LABELS = (
    "Lähde: Tilastokeskus ja KEHA-keskus, StatFin; CC BY 4.0",
    "Källa: Statistikcentralen och KEHA-centret, StatFin; CC BY 4.0",
    "Source: Statistics Finland (Tilastokeskus) and the KEHA Centre, StatFin; CC BY 4.0",
)


#: A projection's source (``projection_2024``): its data date is the year it was made,
#: not the last year it projects to (``data_through`` records 2045 for the 2024 projection,
#: which on a provenance sheet read as if the data ran to 2045).
_PROJECTION = re.compile(r"projection_(\d{4})")
#: A projection's data date in words: (fi, sv, en), the projection's year and its last.
PROJECTION_DATE = (
    "{year} (ennuste vuoteen {until})",
    "{year} (prognos till {until})",
    "{year} (projected to {until})",
)


def data_date(source: str, value: str, lang: str) -> str:
    """The data date of ``source`` as the pages write it: a month ``6/2026``, a year; a
    projection by the year it was made (``2024 (projected to 2045)``)."""
    made = _PROJECTION.fullmatch(source)
    if made and value[:4].isdigit() and int(value[:4]) > int(made.group(1)):
        template = PROJECTION_DATE[_LANG_INDEX.get(lang, 2)]
        return template.format(year=made.group(1), until=value[:4])
    return formats.period(value, lang)


def localised_provenance(
    provenance: Sequence[tuple[str, str]], lang: str, ds: Any = None
) -> list[tuple[str, str, str]]:
    """``(label in lang, value, API key)`` rows of the provenance sheet; the method in
    ``lang`` where the dataset has it (``method_note_<lang>``)."""
    attrs = getattr(ds, "attrs", {}) or {}
    method = attrs.get(f"method_note_{lang}") or attrs.get(f"method_{lang}")
    rows = []
    for key, value in provenance:
        if key == "method" and method:
            value = str(method)
        elif key.partition(" ")[0] == "units" and value in UNIT_LABELS:
            value = UNIT_LABELS[value][_LANG_INDEX.get(lang, 2)]
        elif key == "source" and value == ATTRIBUTION:
            value = ATTRIBUTION_LABELS[_LANG_INDEX.get(lang, 2)]
        elif key.partition(" ")[0] == "data_through":
            value = data_date(key.partition(" ")[2], value, lang)  # 6/2026 as on the pages
        rows.append((provenance_label(key, lang), value, key))
    return rows


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
    return with_scenario_names(*with_variable_names(names, body, lang), lang)


def with_scenario_names(
    names: list[str], body: list[list[Any]], lang: str
) -> tuple[list[str], list[list[Any]]]:
    """A ``scenario`` column of preset ids (``mantyharju_manufacturing_closure``) gets a
    ``scenario_name`` column beside it with the preset's title in ``lang`` ("Teollisuuslaitos
    sulkee Mäntyharjulla (300 työpaikkaa)"), as the scenario page names it; a name that is no
    preset is repeated as it is."""
    from forecasting.scenarios.presets import preset_title  # the engine's package: lazily

    titles: dict[str, str] = {}
    return _with_names(
        names, body, "scenario", lambda code: titles.setdefault(code, preset_title(code, lang))
    )


def _with_names(
    names: list[str], body: list[list[Any]], column: str, name: Callable[[str], str]
) -> tuple[list[str], list[list[Any]]]:
    """``column`` of codes with a ``<column>_name`` column beside it, ``name(code)`` of each
    text cell (None for another); unchanged without ``column`` or with its names already."""
    if column not in names or f"{column}_name" in names:
        return names, body
    at = names.index(column) + 1
    out = [
        [*r[:at], name(r[at - 1]) if isinstance(r[at - 1], str) else None, *r[at:]] for r in body
    ]
    return [*names[:at], f"{column}_name", *names[at:]], out


#: Columns whose values are column names (codes the API uses as headings elsewhere): the
#: long layout's ``variable`` and a yearly product's ``statistic`` (``mean``, ``lo80``).
NAMED_BY_COLUMN_LABEL = ("variable", "statistic")


def with_variable_names(
    names: list[str], body: list[list[Any]], lang: str
) -> tuple[list[str], list[list[Any]]]:
    """A ``variable`` column of codes (``unemployed``) gets a ``variable_name`` column
    beside it with each variable's name in ``lang`` ("Työttömät työnhakijat"), as a coded
    dimension gets ``<dim>_name``: a reader of the download sees what the rows are, a
    script still has the code (the JSON rows are unchanged). A ``statistic`` column
    (``mean``, ``lo80`` of the labour supply) gets ``statistic_name`` the same way
    ("Keskiarvo", "80 %:n välin alaraja"), not English codes on a Finnish sheet."""
    for column in NAMED_BY_COLUMN_LABEL:
        names, body = _with_names(names, body, column, lambda code: column_label(code, lang))
    return names, body


#: Significant digits a number of a ``csv-fi`` download keeps (:func:`for_reading`), and
#: the most decimals it keeps (a share of 2e-17 is a rounding residue, not a figure).
READING_DIGITS = 4
READING_MAX_DECIMALS = 6
#: A yes/no cell (a flag) of a ``csv-fi`` download in words: lang -> (true, false). A
#: Finnish Excel does not read ``True`` as a truth value.
YES_NO = {"fi": ("kyllä", "ei"), "sv": ("ja", "nej"), "en": ("yes", "no")}


def for_reading(value: float) -> float:
    """``value`` rounded as a ``csv-fi`` cell shows it: to :data:`READING_DIGITS`
    significant digits but never to fewer than one decimal nor more than
    :data:`READING_MAX_DECIMALS`, so a count keeps one decimal (3 765,03609506813 ->
    3 765,0; 123 456,78 -> 123 456,8), a small share or rate its leading digits
    (0,9620887838838672 -> 0,9621; 0,012345 -> 0,01235) and a residue of floating-point
    arithmetic is 0 (2,08e-17 -> 0,0). A CSV cell has no display format: Excel shows what
    is written, and a model's mean carries digits no count has. Not finite: unchanged; a
    rounded zero has no sign."""
    value = float(value)  # a numpy float's repr names its type
    if not math.isfinite(value):
        return value
    if value == 0.0:
        return 0.0
    decimals = max(1, READING_DIGITS - 1 - math.floor(math.log10(abs(value))))
    decimals = min(decimals, READING_MAX_DECIMALS)
    return round(value, decimals) + 0.0  # + 0.0: -0.0 -> 0.0


def _for_reading_cell(value: Any, lang: str) -> Any:
    """A cell of a ``csv-fi`` row: a flag in words (:data:`YES_NO`), a number rounded for
    reading (:func:`for_reading`), anything else as it is."""
    if isinstance(value, (bool, np.bool_)):
        return YES_NO.get(lang, YES_NO["en"])[0 if value else 1]
    if isinstance(value, float):
        return for_reading(value)
    return value


def csv_fi_chunks(sel: cubes.Selection, lang: str, chunk: int = 2000) -> Iterator[str]:
    """Every row of ``sel`` as Finnish-Excel CSV text in chunks (BOM first), numbers
    rounded for reading and flags in words (:func:`_for_reading_cell`)."""
    check_size(sel)
    start, total, first = 0, sel.total, True
    while first or start < total:
        names, body = localised_rows(sel, start, min(chunk, total - start), lang)
        headings = column_labels(names, lang, period(sel)) if first else []
        text = (BOM + csv_line(headings, delimiter=";")) if first else ""
        text += "".join(
            csv_line([_for_reading_cell(c, lang) for c in r], delimiter=";", decimal=",")
            for r in body
        )
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


#: A column of whole numbers (counts as the registers publish them) without decimals.
WHOLE_FORMAT = "#,##0"


def number_format(name: str, whole: bool = False, lang: str = "fi") -> str:
    """How the float cells of column ``name`` are shown in a workbook in ``lang``; ``whole``:
    its values are whole numbers (a count of 5 907 is not shown as 5 907,0)."""
    if name in COLUMN_FORMATS:
        return COLUMN_FORMATS[name]
    if name.endswith("_share"):
        return SHARE_FORMAT_EN if lang == "en" else SHARE_FORMAT
    if name.endswith("_ratio"):
        return RATIO_FORMAT
    return WHOLE_FORMAT if whole else NUMBER_FORMAT


def _whole(body: Sequence[Sequence[Any]], i: int) -> bool:
    """Whether every number in column ``i`` of ``body`` is whole (the first chunk decides)."""
    return all(float(r[i]).is_integer() for r in body if isinstance(r[i], float))


#: How a date cell of a yearly product is shown: its year (a training need "of 2026" stamped
#: 31 December read "31.12.2026" in Excel, as if it were a day's count).
YEAR_FORMAT = "yyyy"


def yearly(sel: cubes.Selection) -> bool:
    """Whether every ``time`` of ``sel`` is 31 December (a product by year,
    :func:`service.cubes.by_year`)."""
    if "time" not in sel.ds.coords:
        return False
    return cubes.by_year(pd.DatetimeIndex(np.atleast_1d(sel.ds["time"].values)))


#: How a date cell of a monthly product is shown: the month as the pages write it, ``7/2026``
#: (a forecast "of 1.7.2026" read as a day's count; the slash escaped, else a Finnish Excel
#: shows its own date separator, ``7.2026``).
MONTH_FORMAT = "m\\/yyyy"


def monthly(sel: cubes.Selection) -> bool:
    """Whether every ``time`` of ``sel`` is the first of a month (the monthly registers,
    their forecasts, scenario results)."""
    if "time" not in sel.ds.coords or sel.ds["time"].size == 0:
        return False
    times = pd.DatetimeIndex(np.atleast_1d(sel.ds["time"].values))
    return bool((times.day == 1).all() and (times.normalize() == times).all())


def period(sel: cubes.Selection) -> str | None:
    """What a row's ``time`` of ``sel`` is: ``"year"``, ``"month"`` or None (mixed); heads
    the column (:func:`service.i18n_columns.column_labels`)."""
    if yearly(sel):
        return "year"
    return "month" if monthly(sel) else None


def date_format(sel: cubes.Selection) -> str | None:
    """How the ``time`` cells of ``sel`` are shown: the year of a yearly product, the month
    of a monthly one, else the spreadsheet's default (None)."""
    if yearly(sel):
        return YEAR_FORMAT
    return MONTH_FORMAT if monthly(sel) else None


def _dated(ws: WriteOnlyWorksheet, value: Any, shown: str) -> Any:
    """A date cell shown as ``shown`` (:data:`YEAR_FORMAT`, :data:`MONTH_FORMAT`); still a
    date for a formula."""
    if not isinstance(value, dt.date):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = shown
    return cell


def _number(ws: WriteOnlyWorksheet, value: Any, shown: str) -> Any:
    """A float cell shown as ``shown`` (the stored value keeps every digit)."""
    if not isinstance(value, float):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = shown
    return cell


def _header(
    ws: WriteOnlyWorksheet, headings: Sequence[str], body: Sequence[Sequence[Any]] = ()
) -> None:
    """The bold, frozen header row, each column wide enough for its heading and for the
    text of ``body`` (the first rows; "Mikkelin seutu" was cut off at the width of "Alue"),
    at most 40 characters."""
    ws.freeze_panes = "A2"
    for i, heading in enumerate(headings, start=1):
        texts = [len(r[i - 1]) for r in body if isinstance(r[i - 1], str)]
        wide = max([len(heading), *texts])
        ws.column_dimensions[get_column_letter(i)].width = min(max(wide + 2, 10), 40)
    cells = []
    for heading in headings:
        cell = WriteOnlyCell(ws, value=heading)
        cell.font = Font(bold=True)
        cells.append(cell)
    ws.append(cells)


def xlsx_bytes(
    sel: cubes.Selection, lang: str, provenance: Sequence[tuple[str, str]], chunk: int = 5000
) -> bytes:
    """Every row of ``sel`` as an XLSX workbook: the rows, each heading beside its API column
    name, and the provenance, on sheets named in ``lang`` (:func:`sheet_names`)."""
    check_size(sel)
    names_of = sheet_names(lang)
    book = Workbook(write_only=True)
    data = book.create_sheet(names_of[0])
    start, total, first = 0, sel.total, True
    while first or start < total:
        names, body = localised_rows(sel, start, min(chunk, total - start), lang)
        if first:
            columns = list(zip(column_labels(names, lang, period(sel)), names, strict=True))
            _header(data, [heading for heading, _ in columns], body)
            dates = [n == "time" for n in names]
            shown = [number_format(n, _whole(body, i), lang) for i, n in enumerate(names)]
            dated = date_format(sel)
        for row in body:
            data.append(
                [
                    _dated(data, _cell(data, v, d), dated)
                    if d and dated
                    else _number(data, _cell(data, v, d), s)
                    for v, d, s in zip(row, dates, shown, strict=True)
                ]
            )
        first = False
        start += chunk
    headings = book.create_sheet(names_of[1])
    # wide enough for the longest heading and name (at the default 8.43 a heading such as
    # "80 %:n välin alaraja" was cut off by the name beside it)
    for letter, texts in (("A", [h for h, _ in columns]), ("B", [n for _, n in columns])):
        headings.column_dimensions[letter].width = min(max(map(len, texts), default=8) + 2, 60)
    for heading, name in columns:
        headings.append([_cell(headings, heading, False), _cell(headings, name, False)])
    about = book.create_sheet(names_of[2])
    about.column_dimensions["A"].width = 36
    about.column_dimensions["B"].width = 60
    for label, value, key in localised_provenance(provenance, lang, sel.ds):
        about.append([_cell(about, label, False), _cell(about, value, False), key])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
