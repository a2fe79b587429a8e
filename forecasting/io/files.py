"""Reading configuration and user-supplied files, and writing results, with clear errors.

Every reader here raises :class:`forecasting.errors.DataError` naming the file (and row) for
a missing, unreadable or malformed file, so a caller never sees a bare ``OSError``,
``TOMLDecodeError``, ``JSONDecodeError`` or ``UnicodeDecodeError``. The writers write a
temporary file beside the target and rename it, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tomllib
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from forecasting.errors import DataError


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML document as a dict."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"cannot read TOML: {exc}", source=str(path)) from exc


def read_json(path: Path) -> Any:
    """A JSON document."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read JSON: {exc}", source=str(path)) from exc


def csv_records(
    path: Path, *, required: Iterable[str] = ()
) -> Iterator[tuple[int, dict[str, str | None]]]:
    """``(row number, record)`` for every data row of a CSV with a header (row 1).

    Empty cells are None; a column without a header is dropped. With ``required`` column
    names the file must have a header with each of them (an empty file, or one of another
    kind, is refused instead of giving no rows) and no row may have more cells than the
    header (a shifted row, e.g. an unquoted comma in a name).
    """
    need = list(required)
    try:
        with Path(path).open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if need:
                missing = [c for c in need if c not in (reader.fieldnames or ())]
                if missing:
                    raise DataError(f"missing columns {missing}", source=str(path), row=1)
            for row, record in enumerate(reader, start=2):
                if need and record.get(None):
                    raise DataError(
                        "more cells than the header has columns", source=str(path), row=row
                    )
                yield row, {k: (v or None) for k, v in record.items() if k is not None}
    except UnicodeDecodeError as exc:
        raise DataError("not UTF-8 text", source=str(path)) from exc
    except OSError as exc:
        raise DataError(f"cannot read: {exc}", source=str(path)) from exc


def read_table(path: Path, *, index: str | None = None, empty_as_na: bool = True) -> pd.DataFrame:
    """A CSV with a header as a DataFrame of strings (a classification or a key table).

    ``index`` names the column to index by; it must exist. With ``empty_as_na=False`` empty
    cells stay ``""`` and no text is taken for a missing value (codes like ``"NA"``).
    """
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=empty_as_na)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"cannot read CSV: {exc}", source=str(path)) from exc
    if index is None:
        return table
    if index not in table.columns:
        raise DataError(f"no {index!r} column (have {list(table.columns)})", source=str(path))
    return table.set_index(index)


def check_output(path: Path | str, *, inputs: Iterable[Path | str | None] = ()) -> Path:
    """``path`` if a result can be written there; :class:`DataError` naming it if not.

    Checked before the work that makes the result, so a bad ``--out`` costs nothing: the
    path must name a file (not empty, not a folder), its nearest existing folder must be a
    writable folder (missing folders are created when the file is written), and it must not
    be one of ``inputs`` (writing a result over its own input file would lose the input).
    An existing file is replaced, atomically, only when the result is complete.
    """
    text = str(path)
    if not text.strip():
        raise DataError("the output path is empty", source="out")
    path = Path(text)
    if path.is_dir():
        raise DataError("is a folder; name the file to write", source=text)
    for other in inputs:
        if other is not None and _same_file(path, Path(other)):
            raise DataError("is also an input of this command; write elsewhere", source=text)
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise DataError(f"cannot write: {folder} is not a folder", source=text)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataError(f"cannot write: the folder {folder} is not writable", source=text)
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def _write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Write through ``write(tmp)`` to a fresh temporary file beside ``path``, then rename.

    A failure (a full disk, a folder in the way, no permission) raises :class:`DataError`
    naming ``path`` and leaves neither half a file nor the temporary one; an existing
    ``path`` is kept until the new content is complete.
    """
    path = Path(path)
    if not str(path).strip() or path.name in ("", ".", ".."):
        raise DataError("the output path names no file", source=str(path))
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own (not ``<name>.tmp``, which a user's file may have), created by
        # the writer with the usual permissions.
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
        write(tmp)
        tmp.replace(path)
    except OSError as exc:
        raise DataError(f"cannot write: {exc.strerror or exc}", source=str(path)) from exc
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return path


def write_bytes(data: bytes, path: Path) -> Path:
    """``data`` at ``path``, atomically (a rendered report); returns ``path``."""

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return _write_atomic(path, write)


#: First characters a spreadsheet takes for a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Characters that make a CSV cell need quotes: the comma, the semicolon (the list separator
#: of Finnish and other European Excel locales, which splits ``Oy;=1+1`` into a formula
#: otherwise), the quote, tab and line breaks; leading or trailing blanks are kept by quoting.
_NEEDS_QUOTES = re.compile(r'[,;"\t\r\n]|^\s|\s$')
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
#: A ``;`` followed (after blanks) by a formula start: a cell start in a ``;``-splitting sheet.
_SEMICOLON_FORMULA = re.compile(r";(?=\s*[=+\-@\t\r])")


def inert_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading ``'``.

    Also after every ``;`` that precedes a formula start (``"Oy;=1+1"`` -> ``"Oy;'=1+1"``): a
    spreadsheet that splits comma-separated files on ``;`` (Finnish Excel) starts a cell there
    whatever the quoting. Only text is changed: numbers (and text that is just a number, such
    as ``"-5"``) stay numbers. Use on every cell that may hold user-entered text.
    """
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        return value
    value = _SEMICOLON_FORMULA.sub(";'", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_field(value: Any, *, decimal: str = ".") -> str:
    """One CSV field: None empty, floats as ``repr`` (like :mod:`csv`), text quoted if needed.

    Quoting follows RFC 4180 (``"`` doubled inside quotes) and also quotes a ``;``, so a
    spreadsheet that splits on semicolons keeps the cell whole. ``decimal=","`` writes floats
    with a decimal comma, unquoted (for ``;``-separated files: Finnish Excel reads them as
    numbers).
    """
    if value is None:
        return ""
    if isinstance(value, float) and decimal != ".":
        return repr(value).replace(".", decimal)
    text = repr(float(value)) if isinstance(value, float) else str(value)
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(
    cells: Iterable[Any], *, inert: bool = True, delimiter: str = ",", decimal: str = "."
) -> str:
    """One CSV line (``\n``-terminated) of ``cells``; ``inert`` neutralises formula starts.

    A row of one empty cell is written ``""`` (as :mod:`csv` does), not as an empty line.
    ``delimiter=";", decimal=","`` is the dialect of Finnish Excel (any cell holding either
    character other than a float's decimal comma is quoted).
    """
    fields = [csv_field(inert_cell(c) if inert else c, decimal=decimal) for c in cells]
    return (delimiter.join(fields) if fields != [""] else '""') + "\n"


def frame_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index): pandas' formatting of numbers and dates, every text
    cell neutralised (:func:`inert_cell`) and quoted where needed (:func:`csv_field`)."""
    text_columns = [c for c in frame.columns if frame[c].dtype == object]
    if text_columns:
        frame = frame.assign(**{str(c): frame[c].map(inert_cell) for c in text_columns})
    rendered = frame.to_csv(index=False, lineterminator="\n")
    return "".join(csv_line(row, inert=False) for row in csv.reader(io.StringIO(rendered)))


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as CSV (no index) at ``path``, atomically; returns ``path``.

    Text cells are neutralised against spreadsheet formulas and quoted where needed
    (:func:`frame_csv`).
    """

    def write(tmp: Path) -> None:
        tmp.write_text(frame_csv(frame), encoding="utf-8")

    return _write_atomic(path, write)


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """``sheets`` (sheet name -> frame, no index) as one XLSX workbook at ``path``, atomically.

    Text cells are neutralised against formulas like the CSV (:func:`inert_cell`).
    """

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                safe = frame.map(inert_cell) if len(frame) else frame
                safe.to_excel(writer, sheet_name=name[:31], index=False)

    return _write_atomic(path, write)


def write_netcdf(ds: xr.Dataset, path: Path) -> Path:
    """``ds`` as netCDF-4 (h5netcdf) at ``path``, atomically; returns ``path``."""
    return _write_atomic(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))
