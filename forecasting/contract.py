"""The data contract: one vocabulary of xarray dims and a validator that runs on every load.

Canonical dim order (where present)::

    scenario, draw, area, industry, occupation, field, time, sex, age

- ``area``: official codes as strings with leading zeros ("097"); aggregates are areas
  too ("TA23" employment area, "MK10" region, "SK172" sub-region, "SSS" country).
- ``time``: month starts (registers) or 31 December (population), stated in attrs.
- ``sex``: "F", "M" (and "T" for totals in outputs only); ``age``: 0..100 (100 = 100+).
- A suppressed source cell is NaN with a status flag (``<var>_status``), never 0.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

import numpy as np
import xarray as xr

from forecasting.errors import ContractError

CANONICAL_DIMS: tuple[str, ...] = (
    "scenario",
    "draw",
    "area",
    "industry",
    "occupation",
    "field",
    "time",
    "sex",
    "age",
)

# Status flags for suppressed or missing cells (after the PxWeb symbols).
STATUS_OK = 0
STATUS_CODES: dict[str, int] = {
    ".": 1,  # missing / not reported
    "..": 2,  # not applicable
    "...": 3,  # confidential (suppressed)
    "....": 4,  # not available
    ".....": 5,  # not asked
    "......": 6,  # empty
}
STATUS_MEANING = {
    0: "ok",
    1: "missing",
    2: "not applicable",
    3: "confidential",
    4: "not available",
    5: "not asked",
    6: "empty",
}
STATUS_SUPPRESSED = STATUS_CODES["..."]


def canonical_order(dims: Iterable[Hashable]) -> list[Hashable]:
    """``dims`` sorted into the canonical order; unknown dims keep their place at the end."""
    dims = list(dims)
    known = [d for d in CANONICAL_DIMS if d in dims]
    return known + [d for d in dims if d not in CANONICAL_DIMS]


def to_canonical(ds: xr.Dataset) -> xr.Dataset:
    """Transpose every variable of ``ds`` into the canonical dim order."""
    return ds.transpose(*canonical_order(ds.dims))


def validate(
    ds: xr.Dataset,
    *,
    name: str,
    dims: Mapping[str, Iterable[str]] | None = None,
    counts: Iterable[str] = (),
    required_attrs: Iterable[str] = ("source_tables", "license", "data_version"),
) -> xr.Dataset:
    """Check ``ds`` against the contract; return it unchanged or raise :class:`ContractError`.

    Parameters
    ----------
    ds
        The dataset to check.
    name
        Its name, used in error messages.
    dims
        ``{variable: expected dims in order}``; variables not named are checked for order only.
    counts
        Variables that are counts: finite values must be >= 0 (NaN is allowed: suppressed).
    required_attrs
        Provenance attributes that must be present.
    """
    for attr in required_attrs:
        if attr not in ds.attrs:
            raise ContractError(f"missing provenance attribute {attr!r}", source=name)
    for var_name, var in ds.data_vars.items():
        order = canonical_order(var.dims)
        if list(var.dims) != order:
            raise ContractError(
                f"variable {var_name!r} has dims {var.dims}, canonical order is {tuple(order)}",
                source=name,
            )
        expected = tuple(dims.get(str(var_name), var.dims)) if dims else tuple(var.dims)
        if tuple(var.dims) != expected:
            raise ContractError(
                f"variable {var_name!r} has dims {var.dims}, expected {expected}",
                source=name,
            )
    for coord_name in ds.dims:
        if coord_name not in ds.coords:
            continue
        index = ds.indexes[coord_name]
        if not index.is_unique:
            dup = index[index.duplicated()].unique()[:5].tolist()
            raise ContractError(f"duplicate {coord_name!r} labels {dup}", source=name)
    if "area" in ds.coords and ds["area"].dtype.kind not in "OU":
        raise ContractError("area codes must be strings", source=name)
    if "time" in ds.coords:
        if not np.issubdtype(ds["time"].dtype, np.datetime64):
            raise ContractError("time must be datetime64", source=name)
        if not ds.indexes["time"].is_monotonic_increasing:
            raise ContractError("time must be increasing", source=name)
    if "age" in ds.coords and ds["age"].size:
        ages = ds["age"].values
        if ages.min() < 0 or ages.max() > 100 or np.any(np.diff(ages) <= 0):
            raise ContractError("age must be increasing single years within 0..100", source=name)
    if "sex" in ds.coords and not set(map(str, ds["sex"].values)) <= {"F", "M", "T"}:
        raise ContractError("sex must be F, M (or T)", source=name)
    for var_name in counts:
        if var_name not in ds:
            raise ContractError(f"missing count variable {var_name!r}", source=name)
        values = ds[var_name].values
        bad = np.isfinite(values) & (values < 0) if values.dtype.kind == "f" else values < 0
        if np.any(bad):
            where = np.argwhere(bad)[0]
            label = {
                d: ds[var_name][d].values[i].item()
                for d, i in zip(ds[var_name].dims, where, strict=True)
                if d in ds[var_name].coords
            }
            raise ContractError(f"negative count in {var_name!r} at {label}", source=name)
    return ds


@xr.register_dataset_accessor("enn")
class EnnakointiAccessor:
    """Domain helpers on datasets: ``ds.enn.canonical()``, ``ds.enn.validate(...)``."""

    def __init__(self, ds: xr.Dataset):
        self._ds = ds

    def canonical(self) -> xr.Dataset:
        return to_canonical(self._ds)

    def validate(self, name: str, **kwargs: object) -> xr.Dataset:
        return validate(self._ds, name=name, **kwargs)  # type: ignore[arg-type]
