"""Small read models for the dashboard pages, taken from release cubes.

Each function takes a cube and returns plain Python values for a template or a chart. The
forecast cube may be published long (a ``variable`` dim with ``mean, lo80, ...`` variables),
wide (``<variable>_mean, <variable>_lo80, ...``) or as quantiles over draws (scenarios);
:func:`fan` reads all three.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from service.charts import Fan, FanPoint
from service.cubes import statistics_long

STATS = ("mean", "lo80", "hi80", "lo95", "hi95")


def _dates(values: np.ndarray) -> list[dt.date]:
    return [ts.date() for ts in pd.DatetimeIndex(values)]


def _num(value: Any) -> float:
    out = float(value)
    return out if math.isfinite(out) else float("nan")


def history(
    ds: xr.Dataset, area: str, variable: str, months: int = 72
) -> list[tuple[dt.date, float]]:
    """The last ``months`` observed values of ``variable`` in ``area``."""
    if variable not in ds or area not in ds.indexes["area"]:
        return []
    series = ds[variable].sel(area=area).isel(time=slice(-months, None))
    return list(zip(_dates(series["time"].values), map(_num, series.values), strict=True))


def forecast_variables(ds: xr.Dataset) -> list[str]:
    """The variables a forecast cube forecasts (any of the layouts :func:`fan` reads)."""
    ds = statistics_long(ds)
    if "variable" in ds.dims:
        return [str(v) for v in ds["variable"].values]
    return sorted({str(n)[: -len("_mean")] for n in ds.data_vars if str(n).endswith("_mean")})


def fan(ds: xr.Dataset, area: str, variable: str) -> Fan:
    """The forecast fan of ``variable`` in ``area`` from any of the published layouts.

    Long (``variable`` dim; ``mean, lo80, hi80, lo95, hi95``), by ``statistic`` (each
    variable over a ``statistic`` dim), wide (``<variable>_mean`` ...) or quantiles over
    draws (a ``quantile`` dim: the median, and the 25-75 % and 5-95 % bands). An area or
    variable the cube lacks gives an empty fan.
    """
    if area not in ds.indexes.get("area", pd.Index([])):
        return Fan([])
    cube = statistics_long(ds.sel(area=area))
    if "quantile" in ds.dims and variable in cube:
        return _quantile_fan(cube[variable])
    if "variable" in cube.dims:
        if variable not in cube.indexes["variable"]:
            return Fan([])
        cube = cube.sel(variable=variable)
        names = dict(zip(STATS, STATS, strict=True))
    else:
        names = {s: f"{variable}_{s}" for s in STATS}
    if not all(n in cube for n in names.values()):
        return Fan([])
    columns = {s: cube[n].values for s, n in names.items()}
    points = [
        FanPoint(t, *(_num(columns[s][i]) for s in STATS))
        for i, t in enumerate(_dates(cube["time"].values))
    ]
    return Fan(points)


def _quantile_fan(da: xr.DataArray) -> Fan:
    """Median with the central and the widest quantile bands of a ``(time, quantile)`` array."""
    qs = [float(q) for q in da["quantile"].values]
    mid = min(qs, key=lambda q: abs(q - 0.5))
    outer = (min(qs), max(qs))
    inner_lo = max((q for q in qs if q < mid), default=outer[0])
    inner_hi = min((q for q in qs if q > mid), default=outer[1])
    order = [mid, inner_lo, inner_hi, *outer]
    cols = [da.sel(quantile=q).transpose("time").values for q in order]
    points = [
        FanPoint(t, *(_num(c[i]) for c in cols)) for i, t in enumerate(_dates(da["time"].values))
    ]
    pct = round(100 * (inner_hi - inner_lo)), round(100 * (outer[1] - outer[0]))
    return Fan(points, inner=pct[0], outer=pct[1], centre="median")


def latest(ds: xr.Dataset, areas: list[str]) -> list[dict[str, Any]]:
    """Latest month's unemployed, vacancies and unemployment rate (%) per area."""
    out = []
    present = [a for a in areas if a in ds.indexes["area"]]
    for area in present:
        cube = ds.sel(area=area)
        valid = cube["unemployed"].dropna("time")
        if valid.sizes["time"] == 0:
            continue
        last = valid["time"].values[-1]
        row = cube.sel(time=last)
        unemployed = _num(row["unemployed"].values)
        force = _num(row["labour_force"].values) if "labour_force" in row else float("nan")
        out.append(
            {
                "area": area,
                "month": pd.Timestamp(last).strftime("%Y-%m"),
                "unemployed": unemployed,
                "vacancies": _num(row["vacancies"].values) if "vacancies" in row else float("nan"),
                "rate": 100 * unemployed / force
                if force and math.isfinite(force)
                else float("nan"),
            }
        )
    return out


def training_years(ds: xr.Dataset) -> list[int]:
    return sorted({int(y) for y in pd.DatetimeIndex(ds["time"].values).year})


def training_bars(
    ds: xr.Dataset, area: str, year: int, labels: dict[str, str] | None
) -> list[tuple[str, float, float | None, float | None]]:
    """Need by field in ``year`` (summed over levels), largest first, with 80 % bounds."""
    if area not in ds.indexes["area"] or "need" not in ds:
        return []
    cube = ds[[v for v in ("need", "lo80", "hi80") if v in ds]].sel(area=area)
    cube = cube.sel(time=cube["time"].dt.year == year)
    if cube.sizes["time"] == 0:
        return []
    summed = False
    if "level" in cube.dims:
        if "total" in cube.indexes["level"]:
            cube = cube.sel(level="total")
        else:
            summed = cube.sizes["level"] > 1
            cube = cube.sum("level", min_count=1)
    sums = cube.isel(time=0)
    # Quantiles do not add up: bounds are shown only when nothing was summed.
    bounds = not summed and "lo80" in sums and "hi80" in sums
    bars = []
    for code in map(str, sums["field"].values):
        need = _num(sums["need"].sel(field=code).values)
        lo = _num(sums["lo80"].sel(field=code).values) if bounds else None
        hi = _num(sums["hi80"].sel(field=code).values) if bounds else None
        if math.isfinite(need):
            bars.append(((labels or {}).get(code, code), need, lo, hi))
    return sorted(bars, key=lambda b: -b[1])
