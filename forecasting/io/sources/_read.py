"""Strict readers shared by the source modules: every failure names the file and the row.

Row numbers are 1-based file line numbers (the header is line 1, the first data row line 2).
Parsing uses the standard :mod:`csv` module with ``strict=True`` (broken quoting is an error,
as it should be for a source extract); everything after it works on whole columns or on the
unique labels of a column, so that large extracts (700,000 rows) read in about a second.
"""

from __future__ import annotations

import csv
import gc
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.contract import STATUS_CODES, STATUS_OK
from forecasting.errors import DataError

ROW = "_row"  # column with the file line number of each record
#: Status of an empty cell: the extracts write suppressed cells as empty strings.
STATUS_EMPTY_CELL = STATUS_CODES["..."]
#: Label of an all-ages (or all-categories) row in the StatFin extracts.
TOTAL_LABEL = "Yhteensä"
#: Non-numeric cells of a count column: ``{text: (value, status)}``; ``-`` is a real zero.
SPECIAL_CELLS: dict[str, tuple[float, int]] = {
    **{text: (np.nan, STATUS_EMPTY_CELL) for text in ("", "nan", "NA")},
    **{symbol: (np.nan, code) for symbol, code in STATUS_CODES.items()},
    "-": (0.0, STATUS_OK),
}


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small lists are created.

    Reference counting still frees everything; only the collector's repeated scans of the
    growing heap are skipped (they made parsing the 700,000-row vaenn extract ~8x slower).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _decode(path: Path, encoding: str) -> str:
    """The text of ``path`` without a BOM; a wrong encoding names the line of the first bad byte."""
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
    return text.removeprefix("\ufeff")


def _records(lines: list[str], sep: str, source: str, skiprows: int) -> list[list[str]]:
    reader = csv.reader(lines, delimiter=sep, strict=True)
    try:
        return list(reader)
    except csv.Error as exc:
        raise DataError(
            f"malformed row: {exc}", source=source, row=reader.line_num + skiprows
        ) from exc


def _check_widths(body: list[list[str]], width: int, source: str, first_row: int) -> None:
    """Raise naming the first record whose field count differs from the header's."""
    widths = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
    bad = np.flatnonzero(widths != width)
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"expected {width} fields, found {widths[i]} (malformed or truncated row)",
            source=source,
            row=first_row + i,
        )


_EDGE_SPACE = re.compile(r"\A\s|\s\x00|\x00\s|\s\Z")


def _stripped(values: list[str]) -> np.ndarray:
    """``values`` as an object array with surrounding whitespace removed.

    One regular-expression scan over the joined column decides whether any value has
    whitespace at an end (``\\s`` is exactly what :meth:`str.strip` removes); usually none has.
    """
    if _EDGE_SPACE.search("\x00".join(values)):
        values = [v.strip() for v in values]
    return np.asarray(values, dtype=object)


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
    DataFrame of str (empty cells as ``""``, whitespace around values stripped) with
    ``columns`` plus ``_row`` (file line).

    Raises
    ------
    DataError
        Wrong encoding, a malformed or truncated row (wrong field count, broken quoting),
        missing or repeated columns, an empty file.
    """
    src = str(path)
    lines = _decode(path, encoding).splitlines()[skiprows:]
    if not lines:
        raise DataError("empty file", source=src)
    with _gc_paused():  # the row lists are freed on return, before the collector is back
        frame = _frame(lines, columns, sep, src, skiprows)
    frame[ROW] = np.arange(2 + skiprows, 2 + skiprows + len(frame))
    return frame


def _frame(
    lines: list[str], columns: Sequence[str], sep: str, src: str, skiprows: int
) -> pd.DataFrame:
    """The checked frame of ``columns`` from the lines of a file (header first)."""
    records = _records(lines, sep, src, skiprows)
    header = [h.strip() for h in records[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"missing columns {missing} (have {header})", source=src, row=1 + skiprows)
    repeated = [c for c in columns if header.count(c) > 1]
    if repeated:
        raise DataError(f"repeated columns {repeated}", source=src, row=1 + skiprows)
    body = records[1:]
    _check_widths(body, len(header), src, 2 + skiprows)
    if not body:
        raise DataError("no data rows", source=src)
    return pd.DataFrame(
        {c: _stripped(list(map(itemgetter(header.index(c)), body))) for c in columns}
    )


def _classify(texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Values, statuses and error messages (None if fine) of unique cell texts."""
    values = np.full(len(texts), np.nan)
    status = np.zeros(len(texts), dtype=np.int8)
    errors: list[str | None] = [None] * len(texts)
    numeric = []
    for k, cell in enumerate(texts):
        if cell in SPECIAL_CELLS:
            values[k], status[k] = SPECIAL_CELLS[cell]
        else:
            numeric.append(k)
    if not numeric:
        return values, status, errors
    cells = np.asarray([texts[k] for k in numeric], dtype=object)
    try:
        values[numeric] = cells.astype(np.float64)  # float() of each cell, in C
    except (ValueError, TypeError):
        for k in numeric:  # only when something is wrong: find which cells
            try:
                values[k] = float(texts[k])
            except ValueError:
                errors[k] = f"{texts[k]!r} is not a number"
    for k in numeric:
        if errors[k] is None and not np.isfinite(values[k]):
            errors[k] = f"{texts[k]!r} is not finite"
    return values, status, errors


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
    Each distinct cell text is parsed once (with Python's ``float``).

    Returns
    -------
    values, status
        Arrays of shape ``(len(frame),)``: float64 (NaN where not a value) and int8.

    Raises
    ------
    DataError
        Naming the row of the first value that is not a number (or not finite), else of the
        first negative count, else of the first non-integer count.
    """
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
    texts = [str(u) for u in uniques]
    u_values, u_status, errors = _classify(texts)
    rows = frame[ROW].to_numpy()
    bad_unique = np.asarray([e is not None for e in errors], dtype=bool)
    if bad_unique.any():
        i = int(np.argmax(bad_unique[codes]))
        raise DataError(f"{column}: {errors[codes[i]]}", source=source, row=int(rows[i]))
    values, status = u_values[codes], u_status[codes]
    finite = np.isfinite(values)
    if not allow_negative and np.any(finite & (values < 0)):
        i = int(np.argmax(finite & (values < 0)))
        raise DataError(
            f"{column}: negative count {texts[codes[i]]}", source=source, row=int(rows[i])
        )
    if integer and np.any(finite & (values != np.round(values))):
        i = int(np.argmax(finite & (values != np.round(values))))
        raise DataError(
            f"{column}: non-integer count {texts[codes[i]]}", source=source, row=int(rows[i])
        )
    status[finite] = STATUS_OK
    return values, status


def first_bad(frame: pd.DataFrame, column: str, bad: np.ndarray | pd.Series) -> tuple[str, int]:
    """The ``column`` label and the file row of the first ``True`` in the mask ``bad``."""
    i = int(np.argmax(np.asarray(bad, dtype=bool)))
    return str(frame[column].iloc[i]), int(frame[ROW].iloc[i])


def check_unique(frame: pd.DataFrame, keys: Sequence[str], source: str) -> None:
    """Raise :class:`DataError` naming the row of the first duplicated key."""
    dup = frame.duplicated(list(keys), keep="first")
    if dup.any():
        first = frame.loc[dup].iloc[0]
        key = {k: first[k] for k in keys}
        raise DataError(f"duplicate key {key}", source=source, row=int(first[ROW]))


def check_rows(
    frame: pd.DataFrame, bad: np.ndarray | pd.Series, column: str, source: str, message: str
) -> None:
    """Raise :class:`DataError` naming the file row of the first ``True`` in ``bad``.

    ``message`` is a format string with the fields ``column`` and ``label`` (the row's value
    of ``column``).
    """
    if np.any(bad):
        label, row = first_bad(frame, column, bad)
        raise DataError(message.format(column=column, label=label), source=source, row=row)


def check_labels(frame: pd.DataFrame, column: str, allowed: Iterable[object], source: str) -> None:
    """Raise naming the first row whose ``column`` label is not in ``allowed``."""
    bad = ~frame[column].isin(list(allowed))
    check_rows(frame, bad, column, source, "{column}: unexpected label {label!r}")


def map_labels(
    frame: pd.DataFrame,
    column: str,
    source: str,
    parse: Callable[[Any], object | None],
    message: str,
) -> pd.Series:
    """``parse`` applied once to each distinct label of ``frame[column]``, aligned with ``frame``.

    A label that ``parse`` maps to None raises ``message`` (format fields ``column``, ``label``)
    naming the first row that has it.
    """
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=False)
    parsed = [parse(label) for label in uniques]
    bad = np.asarray([p is None for p in parsed], dtype=bool)
    check_rows(frame, bad[codes], column, source, message)
    return pd.Series(parsed).take(codes).set_axis(frame.index)


def parse_months(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    """Parse ``YYYY-MM`` (or ``YYYYMmm``) labels to month-start timestamps."""
    text = frame[column].str.replace("M", "-", regex=False)
    parsed = pd.to_datetime(text, format="%Y-%m", errors="coerce")
    message = "{column}: {label!r} is not a month (YYYY-MM)"
    check_rows(frame, parsed.isna(), column, source, message)
    return parsed


def parse_years(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    """Integer years from labels such as ``"2018"`` or ``"2018.0"``; anything else raises."""

    def year(label: object) -> int | None:
        text = str(label).strip().removesuffix(".0")
        return int(text) if re.fullmatch(r"(19|20)\d\d", text) else None

    return map_labels(frame, column, source, year, "{column}: {label!r} is not a year")


def year_end(years: Iterable[int] | pd.Series) -> np.ndarray:
    """31 December of each year as ``datetime64[ns]`` (the convention of annual data)."""
    arr = np.asarray(list(years) if not isinstance(years, pd.Series) else years, dtype=np.int64)
    next_year = (arr - 1969).astype("datetime64[Y]").astype("datetime64[D]")
    return (next_year - np.timedelta64(1, "D")).astype("datetime64[ns]")


def parse_age(
    frame: pd.DataFrame, column: str, source: str, open_labels: dict[str, int]
) -> pd.Series:
    """Ages as int from digit labels and the given open-interval labels; ``Yhteensä`` -> -1."""
    labels = {**open_labels, TOTAL_LABEL: -1}

    def age(label: object) -> int | None:
        if label in labels:
            return labels[str(label)]
        return int(str(label)) if re.fullmatch(r"\d{1,3}", str(label)) else None

    message = "{column}: unknown age label {label!r}"
    return map_labels(frame, column, source, age, message).astype(int)


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
    ordered = np.sort(flat)
    if np.any(ordered[1:] == ordered[:-1]):
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
