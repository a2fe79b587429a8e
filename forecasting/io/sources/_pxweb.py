"""Read a verbatim PxWeb "json" response of ``shared/data/statfin-2026/`` into a cube dataset.

The parsing itself is :func:`forecasting.io.jsonstat.parse_pxweb_json` (one PxWeb parser in
the project); this module adds what a snapshot source needs:

- :class:`DataError` naming the file and the field (content code or key column) at fault:
  malformed JSON, a content code the reader does not know (schema drift), a code it needs that
  is absent, a cell that is neither a number nor a PxWeb symbol (``.``, ``..``, ``...`` ->
  NaN with the status code of :data:`forecasting.contract.STATUS_CODES`; ``-`` is a real zero);
- dims renamed to the contract: the area column (``Alue``, ``alue_23_20260101`` ...) to
  ``area`` with ``KU005`` -> ``"005"`` (other codes kept: ``MK10``, ``TA23``, ``SSS``), the time
  column (``timeperiod_m`` ``2026M06`` -> 2026-06-01; ``timeperiod_y`` ``2025`` -> 2025-12-31)
  to ``time``, ``sukupuoli_*`` (``1`` men, ``2`` women, ``SSS`` total) to ``sex`` (M, F, T).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.errors import DataError
from forecasting.io.jsonstat import decode_cell, parse_pxweb_json, split_contents
from forecasting.io.sources._read import year_end

SEX_CODES = {"1": "M", "2": "F", "SSS": "T"}
_MONTH = re.compile(r"^(\d{4})M(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^\d{4}$")


def load_json(path: Path) -> dict[str, Any]:
    """The decoded document; malformed JSON or a non-object is a :class:`DataError`."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"malformed JSON: {exc}", source=str(path)) from None
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror}", source=str(path)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), list):
        raise DataError("not a PxWeb json response (no columns list)", source=str(path))
    if not isinstance(doc.get("data"), list):
        raise DataError("not a PxWeb json response (no data list)", source=str(path))
    return doc


def check_contents(doc: Mapping[str, Any], names: Mapping[str, str], src: str) -> list[str]:
    """Content codes of ``doc``; unknown or missing codes are a :class:`DataError`."""
    codes = [str(c.get("code")) for c in doc["columns"] if c.get("type") == "c"]
    unknown = [c for c in codes if c not in names]
    if unknown:
        raise DataError(f"unknown variable code {unknown[0]!r} (field {unknown[0]})", source=src)
    absent = [c for c in names if c not in codes]
    if absent:
        raise DataError(f"variable code {absent[0]!r} is missing (field {absent[0]})", source=src)
    return codes


def check_cells(doc: Mapping[str, Any], codes: Sequence[str], src: str) -> None:
    """Every cell a number or a PxWeb symbol; else :class:`DataError` with row and field."""
    for r, row in enumerate(doc["data"]):
        values = row.get("values") if isinstance(row, Mapping) else None
        if not isinstance(values, list) or len(values) != len(codes):
            raise DataError(f"data row needs {len(codes)} values", source=src, row=r)
        for code, cell in zip(codes, values, strict=True):
            try:
                decode_cell(cell)
            except DataError:
                raise DataError(
                    f"field {code}: {cell!r} is neither a number nor a symbol", source=src, row=r
                ) from None


def _time_coord(labels: Sequence[str], dim: str, src: str) -> np.ndarray:
    if all(_MONTH.match(t) for t in labels):
        return pd.to_datetime([f"{t[:4]}-{t[5:]}-01" for t in labels]).to_numpy()
    if all(_YEAR.match(t) for t in labels):
        return year_end([int(t) for t in labels])
    bad = next(t for t in labels if not (_MONTH.match(t) or _YEAR.match(t)))
    raise DataError(f"field {dim}: bad period {bad!r} (expected YYYY or YYYYMmm)", source=src)


def _area_coord(labels: Sequence[str], dim: str, src: str) -> list[str]:
    out = []
    for code in labels:
        if not re.fullmatch(r"[A-Z]+[0-9A-Z]*", code):
            raise DataError(f"field {dim}: malformed area code {code!r}", source=src)
        out.append(code[2:] if re.fullmatch(r"KU\d{3}", code) else code)
    return out


def _rename_dims(ds: xr.Dataset, src: str) -> xr.Dataset:
    drop = [str(c) for c in ds.coords if str(c).endswith("_label")]
    ds = ds.drop_vars(drop)
    for dim in [str(d) for d in ds.dims]:
        labels = [str(v) for v in ds[dim].values]
        if dim.lower().startswith("alue"):
            ds = ds.rename({dim: "area"}).assign_coords(area=_area_coord(labels, dim, src))
        elif dim.startswith("timeperiod") or dim.lower() in ("vuosi", "kuukausi"):
            ds = ds.rename({dim: "time"}).assign_coords(time=_time_coord(labels, dim, src))
        elif dim.startswith("sukupuoli"):
            unknown = [s for s in labels if s not in SEX_CODES]
            if unknown:
                raise DataError(f"field {dim}: unknown sex code {unknown[0]!r}", source=src)
            ds = ds.rename({dim: "sex"}).assign_coords(sex=[SEX_CODES[s] for s in labels])
        else:
            raise DataError(f"field {dim}: unexpected key column", source=src)
    return ds


def read_pxweb(path: Path, names: Mapping[str, str], *, keep: Sequence[str] = ()) -> xr.Dataset:
    """One PxWeb json file as a dataset with the contract's dims.

    Parameters
    ----------
    path
        The response file.
    names
        ``{content code: variable name}`` for *every* content code of the file: an unknown
        code is schema drift and fails; map a code to ``""`` to read it and drop it.
    keep
        Variables that are kept (default: every named one).

    Returns
    -------
    Dataset with dims among ``area`` (str), ``time`` (datetime64), ``sex``; float64 variables
    and int8 ``<var>_status`` where some cell is not ok. Key combinations absent from the file
    are NaN, status 1.
    """
    src = str(path)
    doc = load_json(path)
    codes = check_contents(doc, names, src)
    check_cells(doc, codes, src)
    try:
        raw = parse_pxweb_json(doc)
    except DataError as exc:
        raise DataError(exc.message, source=src, row=exc.row) from None
    wanted = {c: v for c, v in names.items() if v and (not keep or v in keep)}
    ds = _rename_dims(split_contents(raw, wanted), src)
    for var in list(ds.data_vars):
        if str(var).endswith("_status"):
            ds[var] = ds[var].astype(np.int8)
    ds.attrs = {"statfin_updated": str(raw.attrs.get("updated") or "")}
    return ds


def updated(path: Path) -> str:
    """``metadata[0].updated`` of a response as ``YYYY-MM-DD`` (the table's release date)."""
    meta = (load_json(path).get("metadata") or [{}])[0]
    return str(meta.get("updated", ""))[:10]
