"""Parse StatFin PxWeb responses (json-stat 2.0, JSON-stat 1.x, PxWeb "json") into xarray.

Every parser returns the same raw shape: an :class:`xarray.Dataset` with

- ``value`` (float64): the cells, NaN where the source has a missing-value symbol;
- ``value_status`` (int8): :data:`forecasting.contract.STATUS_CODES` of each cell (0 = ok);
- one dim per PxWeb variable, named by its variable code, in the response's ``id`` order,
  with the value codes as (string) coordinates and ``<dim>_label`` beside them;
- attrs ``label``, ``source``, ``updated``, ``table_id``, ``format`` and, where known,
  ``contents_dim`` (the content variable), ``time_dim`` and ``geo_dim``.

Missing-value symbols (PxWeb): ``.`` missing, ``..`` not applicable, ``...`` confidential,
``....`` not available, ``.....`` not asked, ``......`` empty: NaN plus the status code.
``-`` is a real zero. A suppressed cell is never 0.

:func:`split_contents` turns the content dim into one variable per content code
(``<name>`` and ``<name>_status``), the form of the data contract.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from forecasting.contract import STATUS_CODES, STATUS_OK
from forecasting.errors import DataError

VALUE = "value"
STATUS = "value_status"
ZERO_SYMBOL = "-"
STATUS_MISSING = STATUS_CODES["."]
#: Name of the content dim when the response does not name it (PxWeb "json" format).
DEFAULT_CONTENTS_DIM = "contentscode"
#: How errors in PxWeb json rows are located (row = 0-based index into ``data``).
_PX_ROWS = "PxWeb json data"


def decode_cell(value: object, status: str | None = None) -> tuple[float, int]:
    """One cell as ``(value, status code)``.

    Parameters
    ----------
    value
        A number, ``None`` or a string (a number or a PxWeb symbol).
    status
        The cell's status symbol from a json-stat ``status`` map, if any.

    Returns
    -------
    (float, int)
        NaN and the symbol's status code for ``.`` .. ``......``; ``(0.0, 0)`` for ``-``;
        NaN and "missing" (1) for ``null`` or ``""`` without a known symbol.

    Raises
    ------
    DataError
        A string that is neither a number nor a known symbol.
    """
    symbol = status.strip() if isinstance(status, str) else None
    if symbol in STATUS_CODES:
        return math.nan, STATUS_CODES[symbol]
    if isinstance(value, str):
        text = value.strip()
        if text in STATUS_CODES:
            return math.nan, STATUS_CODES[text]
        if text == ZERO_SYMBOL:
            return 0.0, STATUS_OK
        if not text:
            return math.nan, STATUS_MISSING
        try:
            return float(text), STATUS_OK
        except ValueError:
            raise DataError(f"cell value {value!r} is neither a number nor a symbol") from None
    if value is None:
        return (0.0, STATUS_OK) if symbol == ZERO_SYMBOL else (math.nan, STATUS_MISSING)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(f"cell value {value!r} is neither a number nor a symbol")
    return float(value), STATUS_OK


def decode_values(
    values: Sequence[object], status: Sequence[str | None] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Decode a flat list of cells into ``(float64 values, int8 status)`` arrays, shape (n,)."""
    n = len(values)
    out = np.empty(n, dtype=np.float64)
    flags = np.zeros(n, dtype=np.int8)
    for i, raw in enumerate(values):
        try:
            out[i], flags[i] = decode_cell(raw, None if status is None else status[i])
        except DataError as exc:
            raise CellError(str(exc), index=i) from None
    return out, flags


class CellError(DataError):
    """A cell that cannot be decoded; ``index`` is its position in the flat value list."""

    def __init__(self, message: str, *, index: int):
        super().__init__(message)
        self.index = index


def _cell_name(dims: Sequence[str], coords: Sequence[tuple[list[str], list[str]]], i: int) -> str:
    """``"Alue=KU491, timeperiod_m=2026M06, contentscode=TYOTTOMATLOPUSSA"`` of flat cell ``i``."""
    shape = tuple(len(codes) for codes, _ in coords)
    where = np.unravel_index(i, shape)
    return ", ".join(
        f"{d}={codes[int(k)]}" for d, (codes, _), k in zip(dims, coords, where, strict=True)
    )


def _dense(obj: object, n: int, what: str) -> list[Any]:
    """A json-stat ``value`` or ``status`` (list, dict or scalar) as a list of length ``n``."""
    if obj is None:
        return [None] * n
    if isinstance(obj, str):
        return [obj] * n
    if isinstance(obj, Mapping):
        dense: list[Any] = [None] * n
        for key, item in obj.items():
            idx = int(key)
            if not 0 <= idx < n:
                raise DataError(f"{what} index {key} outside 0..{n - 1}")
            dense[idx] = item
        return dense
    if isinstance(obj, Sequence):
        if len(obj) != n:
            raise DataError(f"{what} has {len(obj)} entries, the sizes give {n} cells")
        return list(obj)
    raise DataError(f"{what} must be a list or an object, got {type(obj).__name__}")


def _categories(dim: str, spec: Mapping[str, Any], size: int) -> tuple[list[str], list[str]]:
    """Codes in index order and their labels for one json-stat dimension."""
    category = spec.get("category") or {}
    index = category.get("index")
    labels = category.get("label") or {}
    if isinstance(index, Mapping):
        codes = [str(c) for c, _ in sorted(index.items(), key=lambda kv: int(kv[1]))]
        if sorted(int(p) for p in index.values()) != list(range(len(index))):
            raise DataError(f"dimension {dim!r}: category index is not 0..{len(index) - 1}")
    elif isinstance(index, Sequence) and not isinstance(index, str):
        codes = [str(c) for c in index]
    elif isinstance(labels, Mapping) and labels:
        codes = [str(c) for c in labels]
    else:
        raise DataError(f"dimension {dim!r} has no categories")
    if len(codes) != size:
        raise DataError(f"dimension {dim!r} has {len(codes)} categories, size says {size}")
    if len(set(codes)) != len(codes):
        raise DataError(f"dimension {dim!r} has duplicate category codes")
    return codes, [str(labels.get(c, c)) for c in codes]


def _units(spec: Mapping[str, Any], codes: list[str]) -> list[str] | None:
    """``category.unit[code].base`` per code, or ``None`` when the dim has no units."""
    unit = (spec.get("category") or {}).get("unit")
    if not isinstance(unit, Mapping):
        return None
    return [str((unit.get(c) or {}).get("base", "")) for c in codes]


def _build(
    dims: Sequence[str],
    coords: Sequence[tuple[list[str], list[str]]],
    values: np.ndarray,
    status: np.ndarray,
    attrs: Mapping[str, Any],
) -> xr.Dataset:
    """Assemble the raw dataset from row-major flat ``values``/``status`` (shape (n,))."""
    shape = tuple(len(codes) for codes, _ in coords)
    coord_vars: dict[str, Any] = {}
    for dim, (codes, labels) in zip(dims, coords, strict=True):
        coord_vars[dim] = (dim, np.array(codes, dtype=str))
        coord_vars[f"{dim}_label"] = (dim, np.array(labels, dtype=str))
    ds = xr.Dataset(
        {
            VALUE: (tuple(dims), values.reshape(shape)),
            STATUS: (tuple(dims), status.reshape(shape)),
        },
        coords=coord_vars,
        attrs={k: v for k, v in attrs.items() if v is not None},
    )
    ds[STATUS].attrs["flag_values"] = np.array(sorted({0, *STATUS_CODES.values()}), dtype=np.int8)
    ds[STATUS].attrs["long_name"] = "status of the cell (forecasting.contract.STATUS_MEANING)"
    return ds


def _role(doc: Mapping[str, Any], role: str) -> str | None:
    """The first dim with json-stat ``role`` ``role`` (``metric``, ``time``, ``geo``)."""
    dims = (doc.get("role") or {}).get(role) or []
    return str(dims[0]) if dims else None


def _jsonstat_attrs(doc: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    """Dataset attrs from a json-stat document (``None`` where absent)."""
    ext = (doc.get("extension") or {}).get("px") or {}
    return {
        "label": doc.get("label"),
        "source": doc.get("source"),
        "updated": doc.get("updated"),
        "table_id": ext.get("tableid"),
        "format": fmt,
        "contents_dim": _role(doc, "metric"),
        "time_dim": _role(doc, "time"),
        "geo_dim": _role(doc, "geo"),
    }


def _dataset_from_jsonstat(
    doc: Mapping[str, Any], dims: Sequence[str], sizes: Sequence[int], fmt: str
) -> xr.Dataset:
    """Shared body of the 1.x and 2.0 parsers (``doc`` holds ``dimension``, ``value``...)."""
    if len(dims) != len(sizes):
        raise DataError(f"id has {len(dims)} dims but size has {len(sizes)} entries")
    dimension = doc.get("dimension") or {}
    coords = []
    for dim, size in zip(dims, sizes, strict=True):
        if dim not in dimension:
            raise DataError(f"dimension {dim!r} listed in id is not described")
        coords.append(_categories(dim, dimension[dim], int(size)))
    n = math.prod(int(s) for s in sizes)
    raw = doc.get("value")
    if isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) != n:
        raise DataError(f"{len(raw)} values but the product of sizes {list(sizes)} is {n}")
    try:
        values, status = decode_values(
            _dense(raw, n, "value"), _dense(doc.get("status"), n, "status")
        )
    except CellError as exc:
        raise DataError(f"{exc} (cell {_cell_name(dims, coords, exc.index)})") from None
    attrs = _jsonstat_attrs(doc, fmt)
    ds = _build(dims, coords, values, status, attrs)
    metric = attrs["contents_dim"]
    if metric is not None and metric in dimension:
        units = _units(dimension[metric], coords[list(dims).index(metric)][0])
        if units is not None:
            ds = ds.assign_coords({f"{metric}_unit": (metric, np.array(units, dtype=str))})
    return ds


def parse_jsonstat2(doc: Mapping[str, Any]) -> xr.Dataset:
    """Parse a json-stat 2.0 dataset (``version == "2.0"``, ``class == "dataset"``).

    Raises
    ------
    DataError
        Wrong version or class, inconsistent ``id``/``size``/``dimension``, or a ``value`` list
        whose length differs from the product of ``size``.
    """
    if doc.get("class") != "dataset":
        raise DataError(f"json-stat class {doc.get('class')!r}, expected 'dataset'")
    if str(doc.get("version")) != "2.0":
        raise DataError(f"json-stat version {doc.get('version')!r}, expected '2.0'")
    dims, sizes = doc.get("id"), doc.get("size")
    if not isinstance(dims, list) or not isinstance(sizes, list):
        raise DataError("json-stat 2.0 dataset without id and size lists")
    return _dataset_from_jsonstat(doc, [str(d) for d in dims], sizes, "json-stat2")


def parse_jsonstat1(doc: Mapping[str, Any], name: str | None = None) -> xr.Dataset:
    """Parse a JSON-stat 1.x bundle (``{"dataset": {...}}``; ``id``/``size`` in ``dimension``).

    Parameters
    ----------
    doc
        The bundle.
    name
        Which dataset of the bundle; optional when it holds exactly one.
    """
    datasets = {k: v for k, v in doc.items() if isinstance(v, Mapping) and "dimension" in v}
    if name is None:
        if len(datasets) != 1:
            raise DataError(f"JSON-stat 1.x bundle holds {len(datasets)} datasets; name one")
        name = next(iter(datasets))
    if name not in datasets:
        raise DataError(f"JSON-stat 1.x bundle has no dataset {name!r}")
    ds_doc = datasets[name]
    dimension = ds_doc["dimension"]
    dims, sizes = dimension.get("id"), dimension.get("size")
    if not isinstance(dims, list) or not isinstance(sizes, list):
        raise DataError("JSON-stat 1.x dataset without dimension.id and dimension.size")
    body = {**ds_doc, "role": dimension.get("role") or {}}
    return _dataset_from_jsonstat(body, [str(d) for d in dims], sizes, "json-stat")


def _px_positions(rows: list[Any], n_keys: int, n_contents: int) -> list[dict[str, int]]:
    """``{code: position}`` per key column, in order of first appearance; checks row widths."""
    positions: list[dict[str, int]] = [{} for _ in range(n_keys)]
    for r, row in enumerate(rows):
        key = row.get("key") or []
        if len(key) != n_keys or len(row.get("values") or []) != n_contents:
            raise DataError("wrong number of keys or values", source=_PX_ROWS, row=r)
        for pos, code in zip(positions, key, strict=True):
            pos.setdefault(str(code), len(pos))
    return positions


def _px_grid(
    rows: list[Any], n_keys: int, n_contents: int
) -> tuple[list[dict[str, int]], np.ndarray, np.ndarray]:
    """Positions per key column, and values/status of shape (*keys, contents)."""
    positions = _px_positions(rows, n_keys, n_contents)
    shape = (*(len(p) for p in positions), n_contents)
    values = np.full(shape, np.nan)
    status = np.full(shape, STATUS_MISSING, dtype=np.int8)
    seen = np.zeros(shape[:-1], dtype=bool)
    for r, row in enumerate(rows):
        idx = tuple(p[str(c)] for p, c in zip(positions, row["key"], strict=True))
        if seen[idx]:
            raise DataError(f"duplicate key {row['key']}", source=_PX_ROWS, row=r)
        seen[idx] = True
        try:
            values[idx], status[idx] = decode_values(row["values"])
        except CellError as exc:
            where = f"key {row['key']}, content column {exc.index}"
            raise DataError(f"{exc} ({where})", source=_PX_ROWS, row=r) from None
    return positions, values, status


def parse_pxweb_json(
    doc: Mapping[str, Any], *, contents_dim: str = DEFAULT_CONTENTS_DIM
) -> xr.Dataset:
    """Parse PxWeb's own "json" format (``columns``; ``data`` rows with ``key``/``values``).

    Columns of type ``d`` and ``t`` become dims (in column order), columns of type ``c``
    the values of a content dim named ``contents_dim``. Key combinations absent from
    ``data`` are NaN with status "missing".

    Raises
    ------
    DataError
        No content columns, a row with the wrong number of keys or values, a duplicate key.
    """
    columns = doc.get("columns")
    rows = doc.get("data")
    if not isinstance(columns, list) or not isinstance(rows, list):
        raise DataError("PxWeb json without columns and data lists")
    keys = [c for c in columns if c.get("type") in ("d", "t")]
    contents = [c for c in columns if c.get("type") == "c"]
    if not contents:
        raise DataError("PxWeb json has no content columns (type 'c')")
    positions, values, status = _px_grid(rows, len(keys), len(contents))
    dims = [str(c["code"]) for c in keys] + [contents_dim]
    coords = [(list(p), list(p)) for p in positions]
    coords.append(
        ([str(c["code"]) for c in contents], [str(c.get("text", c["code"])) for c in contents])
    )
    meta = (doc.get("metadata") or [{}])[0]
    time_cols = [str(c["code"]) for c in keys if c.get("type") == "t"]
    attrs = {
        "label": meta.get("label"),
        "source": meta.get("source"),
        "updated": meta.get("updated"),
        "format": "json",
        "contents_dim": contents_dim,
        "time_dim": time_cols[0] if time_cols else None,
    }
    return _build(dims, coords, values.ravel(), status.ravel(), attrs)


def parse_response(payload: bytes | str | Mapping[str, Any]) -> xr.Dataset:
    """Parse any of the three formats, recognised from its shape.

    Parameters
    ----------
    payload
        The response body (bytes or text of JSON) or the decoded document.
    """
    if isinstance(payload, bytes | str):
        try:
            doc = json.loads(payload)
        except ValueError as exc:
            raise DataError(f"response is not JSON: {exc}") from None
    else:
        doc = payload
    if not isinstance(doc, Mapping):
        raise DataError("response is not a JSON object")
    if "columns" in doc and "data" in doc:
        return parse_pxweb_json(doc)
    if "class" in doc:
        return parse_jsonstat2(doc)
    return parse_jsonstat1(doc)


def to_dataarray(ds: xr.Dataset) -> xr.DataArray:
    """The ``value`` array of a raw dataset with ``value_status`` attached as coord ``status``."""
    return ds[VALUE].assign_coords(status=ds[STATUS])


def split_contents(
    ds: xr.Dataset, names: Mapping[str, str] | None = None, *, dim: str | None = None
) -> xr.Dataset:
    """Turn the content dim into variables: ``<name>`` (float64) and ``<name>_status`` (int8).

    Parameters
    ----------
    ds
        A raw dataset from the parsers above.
    names
        ``{content code: variable name}``; only these codes are kept. Default: every code,
        named by itself.
    dim
        The content dim; default ``ds.attrs["contents_dim"]``.

    Returns
    -------
    Dataset without the content dim. A ``_status`` variable is kept only where some cell
    is not ok. Variable attrs: ``long_name`` (the content label), ``units`` where known,
    ``statfin_code``.
    """
    dim = dim or ds.attrs.get("contents_dim")
    if not dim or dim not in ds.dims:
        raise DataError(f"dataset has no content dim {dim!r}")
    codes = [str(c) for c in ds[dim].values]
    names = dict(names) if names is not None else {c: c for c in codes}
    absent = [c for c in names if c not in codes]
    if absent:
        raise DataError(f"content codes {absent} are not in the data (have {codes})")
    extra = [c for c in ds.coords if dim in ds[c].dims and c != dim]
    out = xr.Dataset(attrs=dict(ds.attrs))
    for code, var in names.items():
        sub = ds.sel({dim: code}).drop_vars([dim, *extra])
        out[var] = sub[VALUE]
        out[var].attrs = {
            "long_name": str(ds[f"{dim}_label"].sel({dim: code}).item()),
            "statfin_code": code,
        }
        unit_coord = f"{dim}_unit"
        if unit_coord in ds.coords and (unit := str(ds[unit_coord].sel({dim: code}).item())):
            out[var].attrs["units"] = unit
        if bool((sub[STATUS] != STATUS_OK).any()):
            out[f"{var}_status"] = sub[STATUS]
    out.attrs.pop("contents_dim", None)
    return out
