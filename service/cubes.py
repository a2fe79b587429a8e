"""From a release cube to rows: selection by query parameters, labels, pagination, CSV.

A cube is an ``xr.Dataset`` in the data contract's dim order. A request selects labels along
some dims and a time window, and the selection is served as long rows (one per cell of the
selected variables' dims), in canonical dim order, ``limit`` rows from ``offset``. Rows are
gathered by flat index (``np.unravel_index``), so a page costs O(limit) whatever the cube's size.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.contract import STATUS_MEANING, canonical_order
from forecasting.errors import ValidationError
from forecasting.geography import resolve_area
from forecasting.io.files import csv_line
from service.errors import NotInReleaseError
from service.labels import label_map

STATUS_SUFFIX = "_status"


@dataclass(frozen=True)
class Selection:
    """The part of a cube a request asked for.

    Attributes
    ----------
    ds
        The selected cube (only the served variables).
    dims
        Output dims in canonical order (the union of the variables' dims).
    name
        The product name (for messages and CSV file names).
    omitted
        Variables of the cube left out because their breakdown differs (ask by name).
    """

    ds: xr.Dataset
    dims: tuple[str, ...]
    name: str
    omitted: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        """Number of rows of the whole selection."""
        return int(np.prod([self.ds.sizes[d] for d in self.dims], dtype=np.int64))


def _coerce(values: Sequence[str], coord: xr.DataArray, dim: str) -> list[Any]:
    """Query strings as labels of ``coord``'s dtype (ints for ``age``, codes for ``area``)."""
    if dim == "area":
        return [resolve_area(v) for v in values]
    if coord.dtype.kind in "iu":
        try:
            return [int(v) for v in values]
        except ValueError as exc:
            raise ValidationError(dim, f"expected integers, got {list(values)}") from exc
    return [str(v) for v in values]


def _time_bound(text: str, field: str, *, end: bool) -> pd.Timestamp:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as the first (or last) instant it names."""
    try:
        if len(text) == 4 and text.isdigit():
            period = pd.Period(text, freq="Y")
        elif len(text) == 7:
            period = pd.Period(text, freq="M")
        else:
            period = pd.Period(text, freq="D")
    except (ValueError, TypeError) as exc:
        raise ValidationError(field, f"expected YYYY, YYYY-MM or YYYY-MM-DD, got {text!r}") from exc
    return period.end_time.normalize() if end else period.start_time


def by_year(times: pd.DatetimeIndex) -> bool:
    """Whether ``times`` are a product's years: every date 31 December (training needs,
    population, labour supply, jobs)."""
    return bool(len(times)) and bool(((times.month == 12) & (times.day == 31)).all())


def _span(ds: xr.Dataset) -> tuple[str, str]:
    """The first and last period of ``ds``'s ``time``: years (``2026``) in a product by year
    (:func:`by_year`), else months (``2026-07``)."""
    times = pd.DatetimeIndex(ds["time"].values)
    shown = "%Y" if by_year(times) else "%Y-%m"
    return times.min().strftime(shown), times.max().strftime(shown)


def _check_overlap(
    ds: xr.Dataset,
    name: str,
    lo: pd.Timestamp | None,
    hi: pd.Timestamp | None,
    time_from: str | None,
    time_to: str | None,
) -> None:
    """Refuse a window wholly outside the product's months (``from=2040-01`` of forecasts
    to 2029-12): an empty 200 read as "no data" and did not say what there is. A window
    that overlaps them, gaps and all, is answered."""
    if ds.sizes.get("time", 0) == 0:
        return
    times = pd.DatetimeIndex(ds["time"].values)
    after = lo is not None and lo > times.max()
    before = hi is not None and hi < times.min()
    if not (after or before):
        return
    first, last = _span(ds)
    field, value = ("from", time_from) if after else ("to", time_to)
    side = "after" if after else "before"
    raise ValidationError(
        field,
        f"{value} is {side} the {'last' if after else 'first'} period of {name} in this "
        f"release; it covers {first} to {last}",
        kind="outside_time_span",
        values={"first": first, "last": last},
    )


def select(
    ds: xr.Dataset,
    *,
    name: str,
    labels: Mapping[str, Sequence[str] | None] | None = None,
    time_from: str | None = None,
    time_to: str | None = None,
    years: Sequence[int] | None = None,
    variables: Sequence[str] | None = None,
) -> Selection:
    """Select ``labels`` along dims, a time window and variables of ``ds``.

    Parameters
    ----------
    ds
        The cube.
    name
        Product name, used in messages.
    labels
        ``{dim: labels}``; None or empty means all. A dim the cube lacks is a 422 (the product
        has no such breakdown); labels it lacks are a 404 ("not in this release").
    time_from, time_to
        Inclusive bounds on ``time`` (``YYYY``, ``YYYY-MM`` or a date).
    years
        Calendar years to keep along ``time`` (annual products).
    variables
        Variables to serve (their ``_status`` companions come along); default all. A cube
        with a ``variable`` dim (long layout) is selected along that dim instead.
    """
    labels = dict(labels or {})
    if variables and "variable" in ds.dims:
        labels["variable"] = variables
        variables = None
    for dim, wanted in labels.items():
        if not wanted:
            continue
        if dim not in ds.dims:
            raise NotInReleaseError(
                f"{name} has no {dim!r} breakdown in this release (dims: {list(ds.dims)})"
            )
        keys = list(dict.fromkeys(_coerce(wanted, ds[dim], dim)))
        missing = [k for k in keys if k not in ds.indexes[dim]]
        if missing:
            raise not_in_release(dim, missing, name, list(ds.indexes[dim]))
        ds = ds.sel({dim: keys})
    if time_from is not None or time_to is not None:
        if "time" not in ds.dims:
            raise NotInReleaseError(f"{name} has no time dim in this release")
        lo = _time_bound(time_from, "from", end=False) if time_from else None
        hi = _time_bound(time_to, "to", end=True) if time_to else None
        if lo is not None and hi is not None and lo > hi:
            # An empty answer would read as "no data"; the window is the mistake.
            raise ValidationError("to", f"{time_to} is before from={time_from}")
        _check_overlap(ds, name, lo, hi, time_from, time_to)
        ds = ds.sel(time=slice(lo, hi))
    if years:
        if "time" not in ds.dims:
            raise NotInReleaseError(f"{name} has no time dim in this release")
        kept = ds["time"].dt.year.isin(list(years))
        if ds.sizes["time"] and not bool(kept.any()):
            first, last = _span(ds)
            raise ValidationError(
                "year",
                f"{', '.join(map(str, years))}: {name} of this release covers {first} to {last}",
                kind="outside_time_span",
                values={"first": first, "last": last},
            )
        ds = ds.sel(time=kept)
    served = _served_variables(ds, variables, name)
    omitted = tuple(
        str(v) for v in ds.data_vars if v not in served and not str(v).endswith(STATUS_SUFFIX)
    )
    ds = ds[served]
    used = {d for var in ds.data_vars.values() for d in var.dims}
    dims = tuple(str(d) for d in canonical_order(ds.dims) if d in used)
    return Selection(ds=ds, dims=dims, name=name, omitted=omitted)


#: Labels a "not in this release" refusal lists (a national release has 300+ areas).
LABELS_LISTED = 20


def not_in_release(dim: str, missing: list[Any], name: str, have: list[Any]) -> NotInReleaseError:
    """The 404 of labels a product lacks, with the labels it has (the first
    :data:`LABELS_LISTED`; areas: where to find the rest): ``kind`` ``label_not_in_release``,
    ``values`` ``dim``, ``missing``, ``have`` (those listed) and ``count``."""
    labels = [str(k) for k in have]
    listed = ", ".join(labels[:LABELS_LISTED])
    if len(labels) > LABELS_LISTED:
        listed += f", ... ({len(labels)} in all" + ("; /v1/areas" if dim == "area" else "") + ")"
    return NotInReleaseError(
        f"{dim} {missing} not in {name} of this release; it has: {listed}",
        kind="label_not_in_release",
        values={
            "dim": dim,
            "missing": [str(k) for k in missing],
            "have": labels[:LABELS_LISTED],
            "count": len(labels),
        },
    )


def statistics_long(ds: xr.Dataset, dim: str = "statistic") -> xr.Dataset:
    """Variables with a ``statistic`` dim (mean, lo80, ...) as rows of a ``variable`` dim.

    ``unemployed(area, time, statistic)`` and ``vacancies(...)`` become ``mean, lo80, ...``
    by ``(area, time, variable)``: one row per area, month and variable with the statistics
    as columns, like the forecast CSV of ``ennakointi forecast registers``. Variables without
    the dim (``labour_force``, ``tightness``) stay as columns.
    """
    if dim not in ds.dims:
        return ds
    with_stat = [str(v) for v in ds.data_vars if dim in ds[v].dims]
    others = {str(v): ds[v] for v in ds.data_vars if dim not in ds[v].dims}
    long = ds[with_stat].to_array("variable").to_dataset(dim=dim).assign(others)
    # the statistic columns mix the variables: their units go by the row's variable
    units = {v: str(ds[v].attrs["units"]) for v in with_stat if ds[v].attrs.get("units")}
    long.attrs = {**dict(ds.attrs), **({VARIABLE_UNITS: units} if units else {})}
    return long


#: The attr of a long layout (:func:`statistics_long`) with each variable's unit,
#: ``{variable: unit}`` (the workbook's provenance sheet lists those of the rows).
VARIABLE_UNITS = "variable_units"


def statistic_columns(
    ds: xr.Dataset, variable: str, centre: str = "mean", dim: str = "statistic"
) -> xr.Dataset:
    """The statistics of ``variable`` as columns: ``mean, lo80, hi80, ...`` (``mean`` renamed
    to ``centre``), next to the other variables that lack the dim.

    For products with one forecast variable whose rows keep the statistics as columns:
    ``jobs(area, industry, time, statistic)`` becomes ``mean, lo80, hi80`` by ``(area,
    industry, time)``, ``need(..., statistic)`` becomes ``need, lo80, hi80``. A variable
    without the dim is served as it is.
    """
    if variable not in ds or dim not in ds[variable].dims:
        return ds
    columns: dict[str, xr.DataArray] = {}
    for name, da in ds.data_vars.items():
        if name == variable:
            for label in map(str, da[dim].values):
                columns[centre if label == "mean" else label] = da.sel({dim: label}, drop=True)
        elif dim not in da.dims:
            columns[str(name)] = da
    return xr.Dataset(columns, attrs=dict(ds.attrs))


def _served_variables(ds: xr.Dataset, variables: Sequence[str] | None, name: str) -> list[str]:
    """The variables to serve, all of one breakdown (plus their ``_status`` companions).

    Rows span the dims of the served variables, so variables of different breakdowns (a
    scenario's ``unemployed`` by area and month next to ``employed`` by area, industry and
    month) are not mixed: the anchor is the requested variable with the most dims, or by
    default the breakdown most variables share, and variables whose dims are a subset of the
    anchor's come along (repeated, never multiplying rows). Others are asked for by name. By
    default the breakdown is by area where the product has areas.
    """
    values = [str(v) for v in ds.data_vars if not str(v).endswith(STATUS_SUFFIX)]
    if variables:
        unknown = [v for v in variables if v not in values]
        if unknown:
            raise NotInReleaseError(
                f"variables {unknown} not in {name} of this release (has {values})"
            )
        values = [v for v in values if v in variables]
        dims_of = {v: frozenset(map(str, ds[v].dims)) for v in values}
        anchor = max(dims_of.values(), key=len)
        apart = [v for v in values if not dims_of[v] <= anchor]
        if apart:
            raise ValidationError(
                "variable", f"{apart} have another breakdown than {sorted(anchor)}; ask separately"
            )
    elif values:
        dims_of = {v: frozenset(map(str, ds[v].dims)) for v in values}
        groups = Counter(dims_of.values())
        # By area if the product has areas, then the breakdown most variables share.
        anchor = max(groups, key=lambda g: ("area" in g, groups[g], -len(g)))
        values = [v for v in values if dims_of[v] <= anchor]
    status = [f"{v}{STATUS_SUFFIX}" for v in values if f"{v}{STATUS_SUFFIX}" in ds.data_vars]
    return values + status


def _column(values: np.ndarray) -> list[Any]:
    """A numpy column as JSON-ready Python values (dates as ISO strings, NaN as None)."""
    if values.dtype.kind == "M":
        return list(np.datetime_as_string(values, unit="D"))
    if values.dtype.kind == "f":
        return [None if v != v else v for v in values.tolist()]
    if values.dtype.kind in "OUS":
        return [str(v) for v in values.tolist()]
    return list(values.tolist())


def _status_column(values: np.ndarray) -> list[str | None]:
    return [STATUS_MEANING.get(int(v), str(v)) if v == v else None for v in values.tolist()]


def rows(sel: Selection, offset: int, limit: int, lang: str) -> tuple[list[str], list[list[Any]]]:
    """Columns and ``limit`` rows of ``sel`` from ``offset`` (column-wise lists, not dicts)."""
    total = sel.total
    stop = min(total, offset + limit)
    flat = np.arange(offset, stop, dtype=np.int64) if offset < stop else np.empty(0, np.int64)
    shape = tuple(sel.ds.sizes[d] for d in sel.dims)
    index = dict(zip(sel.dims, np.unravel_index(flat, shape), strict=True)) if shape else {}
    names: list[str] = []
    cols: list[list[Any]] = []
    for dim in sel.dims:
        coord = sel.ds[dim].values[index[dim]]
        names.append(dim)
        cols.append(_column(coord))
        names_of = label_map(dim, lang)
        if names_of is not None:
            names.append(f"{dim}_name")
            cols.append([names_of.get(str(c)) for c in coord.tolist()])
    for var_name, var in sel.ds.data_vars.items():
        own = [d for d in sel.dims if d in var.dims]
        arr = var.transpose(*own).values
        picked = arr[tuple(index[d] for d in own)] if own else np.repeat(arr, len(flat))
        names.append(str(var_name))
        is_status = str(var_name).endswith(STATUS_SUFFIX)
        cols.append(_status_column(picked) if is_status else _column(picked))
    return names, [list(r) for r in zip(*cols, strict=True)] if cols else []


def records(sel: Selection, offset: int, limit: int, lang: str) -> list[dict[str, Any]]:
    """The page as a list of dicts (JSON rows)."""
    names, body = rows(sel, offset, limit, lang)
    return [dict(zip(names, r, strict=True)) for r in body]


def csv_chunks(
    sel: Selection,
    offset: int,
    limit: int,
    lang: str,
    preamble: Sequence[str] = (),
    chunk: int = 2000,
) -> Iterator[str]:
    """The page as CSV text in chunks: ``# ``-prefixed provenance lines, a header, the rows."""
    buffer = io.StringIO()
    for line in preamble:
        buffer.write(f"# {line}\n")
    stop = min(sel.total, offset + limit)
    header_written = False
    start = offset
    while True:
        size = max(0, min(chunk, stop - start))
        names, body = rows(sel, start, size, lang)
        if not header_written:
            buffer.write(csv_line(names))
            header_written = True
        buffer.writelines(csv_line(r) for r in body)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        start += size
        if start >= stop:
            return


def records_csv(
    records: Sequence[Mapping[str, Any]], columns: Sequence[str], preamble: Sequence[str] = ()
) -> str:
    """Flat records as CSV text (nested values as JSON), with ``# ``-prefixed preamble lines.

    Text cells are neutralised against spreadsheet formulas and quoted where needed
    (:func:`forecasting.io.files.csv_line`).
    """
    buffer = io.StringIO()
    for line in preamble:
        buffer.write(f"# {line}\n")
    names = list(columns)
    buffer.write(csv_line(names))
    buffer.writelines(csv_line(_csv_cell(rec.get(n)) for n in names) for rec in records)
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value
