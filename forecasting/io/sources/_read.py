"""Strict readers shared by the source modules: every failure names the file and the row.

Row numbers are 1-based file line numbers (the header is line 1, the first data row line 2).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.contract import STATUS_CODES, STATUS_OK
from forecasting.errors import DataError

ROW = "_row"  # column with the file line number of each record
#: Status of an empty cell: the extracts write suppressed cells as empty strings.
STATUS_EMPTY_CELL = STATUS_CODES["..."]


def read_csv(
    path: Path,
    *,
    columns: Sequence[str],
    encoding: str = "utf-8",
    sep: str = ",",
    skiprows: int = 0,
) -> pd.DataFrame:
    """Read a delimited text file as strings, strictly.

    Parameters
    ----------
    path
        The file.
    columns
        Columns that must be present (others are dropped); order is kept as given.
    encoding, sep, skiprows
        As in :func:`pandas.read_csv`.

    Returns
    -------
    DataFrame of str (empty cells as ``""``) with ``columns`` plus ``_row`` (file line).

    Raises
    ------
    DataError
        Wrong encoding, a malformed or truncated row (wrong field count), missing columns,
        an empty file.
    """
    src = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read: {exc}", source=src) from exc
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"not valid {encoding} (byte {exc.start})", source=src, row=row) from exc
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()[skiprows:]
    if not lines:
        raise DataError("empty file", source=src)
    reader = csv.reader(lines, delimiter=sep, strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise DataError(
            f"malformed row: {exc}", source=src, row=reader.line_num + skiprows
        ) from exc
    header = [h.strip() for h in records[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"missing columns {missing} (have {header})", source=src, row=1 + skiprows)
    width = len(header)
    for i, rec in enumerate(records[1:], start=2 + skiprows):
        if len(rec) != width:
            raise DataError(
                f"expected {width} fields, found {len(rec)} (malformed or truncated row)",
                source=src,
                row=i,
            )
    body = records[1:]
    if not body:
        raise DataError("no data rows", source=src)
    frame = pd.DataFrame(body, columns=header, dtype=str)[list(columns)]
    frame = frame.apply(lambda col: col.str.strip())
    frame[ROW] = np.arange(2 + skiprows, 2 + skiprows + len(frame))
    return frame


def parse_counts(
    frame: pd.DataFrame,
    column: str,
    source: str,
    *,
    allow_negative: bool = False,
    integer: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column of counts into float64 values and int8 status flags.

    Empty cells become NaN with status 3 (suppressed, the extracts' convention); PxWeb
    symbols (``.``, ``..``, ``...`` ...) become NaN with their status; ``-`` is a real zero.

    Raises
    ------
    DataError
        A value that is not a number, a negative count, or a non-integer count.
    """
    text = frame[column].astype(str).to_numpy()
    values = np.full(len(text), np.nan)
    status = np.zeros(len(text), dtype=np.int8)
    rows = frame[ROW].to_numpy()
    for i, cell in enumerate(text):
        if cell in ("", "nan", "NA"):
            status[i] = STATUS_EMPTY_CELL
        elif cell in STATUS_CODES:
            status[i] = STATUS_CODES[cell]
        elif cell == "-":
            values[i] = 0.0
        else:
            try:
                values[i] = float(cell)
            except ValueError:
                raise DataError(
                    f"{column}: {cell!r} is not a number", source=source, row=int(rows[i])
                ) from None
            if not np.isfinite(values[i]):
                raise DataError(
                    f"{column}: {cell!r} is not finite", source=source, row=int(rows[i])
                )
    finite = np.isfinite(values)
    if not allow_negative and np.any(finite & (values < 0)):
        i = int(np.argmax(finite & (values < 0)))
        raise DataError(f"{column}: negative count {text[i]}", source=source, row=int(rows[i]))
    if integer and np.any(finite & (values != np.round(values))):
        i = int(np.argmax(finite & (values != np.round(values))))
        raise DataError(f"{column}: non-integer count {text[i]}", source=source, row=int(rows[i]))
    status[finite] = STATUS_OK
    return values, status


def check_unique(frame: pd.DataFrame, keys: Sequence[str], source: str) -> None:
    """Raise :class:`DataError` naming the row of the first duplicated key."""
    dup = frame.duplicated(list(keys), keep="first")
    if dup.any():
        first = frame.loc[dup].iloc[0]
        key = {k: first[k] for k in keys}
        raise DataError(f"duplicate key {key}", source=source, row=int(first[ROW]))


def parse_months(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    """Parse ``YYYY-MM`` (or ``YYYYMmm``) labels to month-start timestamps."""
    text = frame[column].str.replace("M", "-", regex=False)
    parsed = pd.to_datetime(text, format="%Y-%m", errors="coerce")
    if parsed.isna().any():
        i = int(np.argmax(parsed.isna().to_numpy()))
        raise DataError(
            f"{column}: {frame[column].iloc[i]!r} is not a month (YYYY-MM)",
            source=source,
            row=int(frame[ROW].iloc[i]),
        )
    return parsed


def to_dataset(
    frame: pd.DataFrame,
    dims: Sequence[str],
    variables: Mapping[str, tuple[np.ndarray, np.ndarray | None]],
    coords: dict[str, Iterable[object]] | None = None,
    source: str | None = None,
) -> xr.Dataset:
    """Pivot a long frame (unique on ``dims``) into a dense dataset.

    Parameters
    ----------
    frame
        Long frame with one column per dim.
    dims
        Dims in canonical order.
    variables
        ``{name: (values, status or None)}`` aligned with ``frame``'s rows.
    coords
        Optional full coordinate labels per dim (default: sorted unique values). Cells not
        in the frame become NaN with status 1 (missing).
    source
        File name for error messages.

    Raises
    ------
    DataError
        Labels outside ``coords``, or two rows for the same cell (naming the later row).

    Returns
    -------
    Dataset with float64 variables of shape ``[len(coord) for dim in dims]`` and int8
    ``<name>_status`` where a status was given.
    """
    index = {
        d: pd.Index(list(coords[d]) if coords and d in coords else sorted(frame[d].unique()))
        for d in dims
    }
    positions = tuple(index[d].get_indexer(frame[d]) for d in dims)
    if any(np.any(p < 0) for p in positions):
        raise DataError("labels outside the given coordinates", source=source)
    flat = np.ravel_multi_index(positions, tuple(len(index[d]) for d in dims))
    if len(np.unique(flat)) != len(flat):
        dup = frame.loc[pd.Series(flat).duplicated().to_numpy()].iloc[0]
        row = int(dup[ROW]) if ROW in frame else None
        key = {d: dup[d] for d in dims}
        raise DataError(f"duplicate key {key}", source=source, row=row)
    shape = tuple(len(index[d]) for d in dims)
    data_vars: dict[str, tuple[Sequence[str], np.ndarray]] = {}
    for name, (values, status) in variables.items():
        out = np.full(shape, np.nan)
        out[positions] = values
        data_vars[name] = (tuple(dims), out)
        if status is not None:
            st = np.full(shape, STATUS_CODES["."], dtype=np.int8)
            st[positions] = status
            data_vars[f"{name}_status"] = (tuple(dims), st)
    return xr.Dataset(data_vars, coords={d: index[d].to_numpy() for d in dims})
