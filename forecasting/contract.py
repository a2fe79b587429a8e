"""The data contract: one vocabulary of xarray dims and a validator that runs on every load.

Canonical dim order (where present)::

    scenario, draw, area, industry, occupation, field, time, sex, age

- ``area``: official codes as strings with leading zeros ("097"); aggregates are areas
  too ("TA23" employment area, "MK10" region, "SK172" sub-region, "SSS" country).
- ``time``: month starts (registers) or 31 December (population), stated in attrs.
- ``sex``: "F", "M" (and "T" for totals in outputs only); ``age``: 0..100 (100 = 100+).
- A suppressed source cell is NaN with a status flag (``<var>_status``), never 0.
- Uncertainty has ONE layout: a forecast variable carries a ``statistic`` dim (labels from
  :data:`STATISTICS`: ``mean`` and bound pairs ``lo80/hi80``, ``lo95/hi95``); a simulation a
  ``draw`` dim (the draws) or a ``quantile`` dim (levels in (0, 1)). Bounds in variable names
  (``<v>_lo80``, bare ``lo80``, ``<v>_mean`` next to them) are refused by :func:`validate`.
  ``ds.enn.point()`` / ``ds.enn.bounds(level)`` read any of the three;
  ``ds.enn.kernel_arrays(var)`` hands the statistics to numpy kernels.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping

import numpy as np
import pandas as pd
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

#: Labels of the ``statistic`` dim of a forecast: the mean and the 80 % and 95 % bounds.
STATISTICS: tuple[str, ...] = ("mean", "lo80", "hi80", "lo95", "hi95")
#: Central interval level -> (lower, upper) statistic labels.
BOUNDS: dict[float, tuple[str, str]] = {0.8: ("lo80", "hi80"), 0.95: ("lo95", "hi95")}
#: Names of a bound or a point put in a variable's name (the layouts the contract refuses).
_LEGACY_NAME = re.compile(r"^(?:(?P<var>.+)_)?(?P<stat>lo\d\d|hi\d\d|mean)$")


def canonical_order(dims: Iterable[Hashable]) -> list[Hashable]:
    """``dims`` sorted into the canonical order; unknown dims keep their place at the end."""
    dims = list(dims)
    known = [d for d in CANONICAL_DIMS if d in dims]
    return known + [d for d in dims if d not in CANONICAL_DIMS]


def to_canonical(ds: xr.Dataset) -> xr.Dataset:
    """Transpose every variable of ``ds`` into the canonical dim order."""
    return ds.transpose(*canonical_order(ds.dims))


def check_uncertainty(ds: xr.Dataset, *, name: str) -> xr.Dataset:
    """Check the one uncertainty layout; return ``ds`` or raise :class:`ContractError`.

    Refused: a variable named like a bound (``lo80``, ``hi95``, ``<v>_lo80``, ...; any
    ``lo``/``hi`` plus two digits; bounds go on a ``statistic`` dim); ``statistic`` labels
    outside :data:`STATISTICS`, without ``mean`` or with half a bound pair; ``quantile``
    levels outside (0, 1) or not increasing; a variable with more than one of
    ``statistic``, ``quantile``, ``draw``.
    """
    for var in map(str, ds.data_vars):
        m = _LEGACY_NAME.match(var)
        if m and m["stat"] != "mean":
            raise ContractError(
                f"variable {var!r} puts an interval bound in its name; forecasts carry a "
                f"'statistic' dim ({', '.join(STATISTICS)}) and simulations a 'draw' or "
                "'quantile' dim",
                source=name,
            )
    if "statistic" in ds.dims:
        labels = [str(v) for v in ds["statistic"].values] if "statistic" in ds.coords else []
        unknown = [s for s in labels if s not in STATISTICS]
        if unknown or "mean" not in labels:
            raise ContractError(
                f"statistic labels {labels} must be among {STATISTICS} and include 'mean'",
                source=name,
            )
        for lo, hi in BOUNDS.values():
            if (lo in labels) != (hi in labels):
                raise ContractError(f"statistic has only one of {lo!r}, {hi!r}", source=name)
    if "quantile" in ds.dims and "quantile" in ds.coords:
        q = np.asarray(ds["quantile"].values, dtype=float)
        if q.size and (q.min() <= 0 or q.max() >= 1 or np.any(np.diff(q) <= 0)):
            raise ContractError("quantile levels must be increasing within (0, 1)", source=name)
    for var_name, data in ds.data_vars.items():
        kinds = [d for d in ("statistic", "quantile", "draw") if d in data.dims]
        if len(kinds) > 1:
            raise ContractError(
                f"variable {var_name!r} has {' and '.join(kinds)} dims; one uncertainty dim only",
                source=name,
            )
    return ds


def stack_statistics(ds: xr.Dataset) -> xr.Dataset:
    """Convert ``<v>_mean, <v>_lo80, ...`` variables to ``<v>`` over a ``statistic`` dim.

    For reading data written in the refused layout (e.g. an old file); other variables are
    kept. The statistic
    labels are those of :data:`STATISTICS` present for any variable (NaN where a variable
    lacks one). Bare ``mean, lo80, ...`` variables must be renamed to ``<v>_<stat>`` first.
    """
    groups: dict[str, dict[str, str]] = {}
    for var in map(str, ds.data_vars):
        m = _LEGACY_NAME.match(var)
        if m and m["var"]:
            groups.setdefault(m["var"], {})[m["stat"]] = var
    groups = {g: stats for g, stats in groups.items() if "mean" in stats and len(stats) > 1}
    if not groups:
        return ds
    present = [s for s in STATISTICS if any(s in st for st in groups.values())]
    out = ds.drop_vars([v for st in groups.values() for v in st.values()])
    index = pd.Index(present, name="statistic")
    for group, stats in groups.items():
        template = ds[stats["mean"]]
        parts = [
            ds[stats[s]] if s in stats else xr.full_like(template, np.nan, float) for s in present
        ]
        out[group] = xr.concat(parts, dim=index).transpose(*template.dims, "statistic")
    return out


def validate(
    ds: xr.Dataset,
    *,
    name: str,
    dims: Mapping[str, Iterable[str]] | None = None,
    counts: Iterable[str] = (),
    required_attrs: Iterable[str] = ("source_tables", "license", "data_version"),
    finite: bool = False,
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
    finite
        Every floating-point variable holds finite numbers or NaN (missing), never an
        infinity: what a release's steps must give (an inf is a division by zero that
        escaped, not a number anyone can publish). Off for input cubes read lazily, which
        it would load whole.

    The uncertainty layout is checked too (:func:`check_uncertainty`), for every product.
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
    if finite:
        for var_name, var in ds.data_vars.items():
            if var.dtype.kind == "f" and np.isinf(var.values).any():
                raise ContractError(
                    f"infinite value in {var_name!r} at {_label(var, np.isinf(var.values))}: "
                    "a published number is finite or missing (NaN)",
                    source=name,
                )
    for var_name in counts:
        if var_name not in ds:
            raise ContractError(f"missing count variable {var_name!r}", source=name)
        values = ds[var_name].values
        bad = np.isfinite(values) & (values < 0) if values.dtype.kind == "f" else values < 0
        if np.any(bad):
            label = _label(ds[var_name], bad)
            raise ContractError(f"negative count in {var_name!r} at {label}", source=name)
    check_uncertainty(ds, name=name)
    return ds


def _label(var: xr.DataArray, bad: np.ndarray) -> dict[str, object]:
    """The coordinates of the first True cell of ``bad`` (``var``'s shape), for messages."""
    where = np.argwhere(bad)[0]
    return {
        str(d): var[d].values[i].item()
        for d, i in zip(var.dims, where, strict=True)
        if d in var.coords
    }


def _point(da: xr.DataArray) -> xr.DataArray:
    if "statistic" in da.dims:
        return da.sel(statistic="mean", drop=True)
    if "quantile" in da.dims:
        return da.sel(quantile=0.5, drop=True)
    if "draw" in da.dims:
        return da.mean("draw")
    return da


def _bounds(da: xr.DataArray, level: float) -> tuple[xr.DataArray, xr.DataArray]:
    if "statistic" in da.dims:
        if level not in BOUNDS:
            raise ContractError(f"no {level:.0%} bounds: the statistic dim has {list(BOUNDS)}")
        lo, hi = BOUNDS[level]
        return da.sel(statistic=lo, drop=True), da.sel(statistic=hi, drop=True)
    tail = (1.0 - level) / 2.0
    if "quantile" in da.dims:
        qs = np.asarray(da["quantile"].values, dtype=float)
        for q in (tail, 1.0 - tail):
            if not np.any(np.isclose(qs, q)):
                raise ContractError(f"no {q:g} quantile for {level:.0%} bounds (have {list(qs)})")
        lo_q = float(qs[np.isclose(qs, tail)][0])
        hi_q = float(qs[np.isclose(qs, 1.0 - tail)][0])
        return da.sel(quantile=lo_q, drop=True), da.sel(quantile=hi_q, drop=True)
    if "draw" in da.dims:
        pair = da.quantile([tail, 1.0 - tail], dim="draw")
        return pair.isel(quantile=0, drop=True), pair.isel(quantile=1, drop=True)
    raise ContractError("no uncertainty dim (statistic, quantile or draw) to take bounds from")


@xr.register_dataset_accessor("enn")
class EnnakointiAccessor:
    """Domain helpers on datasets: ``ds.enn.canonical()``, ``ds.enn.validate(...)`` and the
    uncertainty layout: ``ds.enn.point()``, ``ds.enn.bounds(level)``,
    ``ds.enn.kernel_arrays(var)``."""

    def __init__(self, ds: xr.Dataset):
        self._ds = ds

    def canonical(self) -> xr.Dataset:
        return to_canonical(self._ds)

    def validate(self, name: str, **kwargs: object) -> xr.Dataset:
        return validate(self._ds, name=name, **kwargs)  # type: ignore[arg-type]

    def point(self) -> xr.Dataset:
        """The point value of every variable: ``statistic="mean"``, the median quantile or
        the mean over draws (variables without an uncertainty dim as they are)."""
        return self._ds.map(_point, keep_attrs=True)

    def bounds(self, level: float = 0.8) -> tuple[xr.Dataset, xr.Dataset]:
        """Lower and upper bounds of the central ``level`` interval of every variable that has
        an uncertainty dim (``lo80/hi80`` or ``lo95/hi95`` of ``statistic``, the matching
        quantiles, or quantiles over draws); :class:`ContractError` if one cannot be had."""
        names = [v for v, da in self._ds.data_vars.items() if _has_uncertainty(da)]
        pairs = {v: _bounds(self._ds[v], level) for v in names}
        lo = xr.Dataset({v: p[0] for v, p in pairs.items()}, attrs=self._ds.attrs)
        hi = xr.Dataset({v: p[1] for v, p in pairs.items()}, attrs=self._ds.attrs)
        return lo, hi

    def kernel_arrays(
        self, var: str, dims: Iterable[str] | None = None, levels: Iterable[float] = (0.8,)
    ) -> dict[str, np.ndarray]:
        """Numpy arrays for a kernel: ``{"mean": ..., "lo80": ..., "hi80": ...}`` of ``var``
        (``levels`` choose the bound pairs), each transposed to ``dims`` (default: the
        variable's dims without the uncertainty dim), float64 and contiguous."""
        da = self._ds[var]
        point = _point(da)
        order = list(dims) if dims is not None else list(point.dims)
        out = {"mean": np.ascontiguousarray(point.transpose(*order).values, dtype=np.float64)}
        for level in levels:
            lo, hi = _bounds(da, level)
            names = BOUNDS.get(level, (f"lo{round(100 * level)}", f"hi{round(100 * level)}"))
            out[names[0]] = np.ascontiguousarray(lo.transpose(*order).values, dtype=np.float64)
            out[names[1]] = np.ascontiguousarray(hi.transpose(*order).values, dtype=np.float64)
        return out


def _has_uncertainty(da: xr.DataArray) -> bool:
    return any(d in da.dims for d in ("statistic", "quantile", "draw"))
