"""Reading configuration and user-supplied files, and writing results, with clear errors.

Every reader here raises :class:`forecasting.errors.DataError` naming the file (and row) for
a missing, unreadable or malformed file, so a caller never sees a bare ``OSError``,
``TOMLDecodeError``, ``JSONDecodeError`` or ``UnicodeDecodeError``. The writers write a
temporary file beside the target and rename it, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Callable, Iterator
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


def csv_records(path: Path) -> Iterator[tuple[int, dict[str, str | None]]]:
    """``(row number, record)`` for every data row of a CSV with a header (row 1).

    Empty cells are None; a column without a header is dropped.
    """
    try:
        with Path(path).open(newline="", encoding="utf-8") as fh:
            for row, record in enumerate(csv.DictReader(fh), start=2):
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


def _write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as CSV (no index) at ``path``, atomically; returns ``path``."""
    return _write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))


def write_netcdf(ds: xr.Dataset, path: Path) -> Path:
    """``ds`` as netCDF-4 (h5netcdf) at ``path``, atomically; returns ``path``."""
    return _write_atomic(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))
