"""Small read models for the dashboard pages, taken from release cubes.

Each function takes a cube and returns plain Python values for a template or a chart. A
forecast cube has the data contract's one uncertainty layout: a ``statistic`` dim (mean,
lo80, ...) for forecasts, a ``quantile`` dim for simulations (scenarios); :func:`fan` reads
both (bounds in variable names are refused by the contract when a release is built).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.contract import STATISTICS, STATUS_MEANING
from service.charts import Fan, FanPoint

STATS = STATISTICS


def _dates(values: np.ndarray) -> list[dt.date]:
    return [ts.date() for ts in pd.DatetimeIndex(values)]


def _num(value: Any) -> float:
    out = float(value)
    return out if math.isfinite(out) else float("nan")


#: Forecast variables the registers do not publish, and what they are made of: the observed
#: values are computed the way the forecasts compute them (per cent of the labour force).
DERIVED = {"unemployment_rate": ("unemployed", "labour_force")}


def derived_history(ds: xr.Dataset, variable: str) -> xr.DataArray | None:
    """``variable`` observed, computed from the registers when they do not publish it
    (:data:`DERIVED`); None when they have neither it nor its parts."""
    if variable in ds:
        return ds[variable]
    parts = DERIVED.get(variable)
    if parts is None or not set(parts) <= set(ds.data_vars):
        return None
    numerator, denominator = (ds[p] for p in parts)
    return 100 * numerator / denominator.where(denominator > 0)


def history(
    ds: xr.Dataset, area: str, variable: str, months: int = 72
) -> list[tuple[dt.date, float]]:
    """The last ``months`` observed values of ``variable`` in ``area`` (a derived variable
    such as the unemployment rate computed from its parts, :func:`derived_history`)."""
    observed = derived_history(ds, variable)
    if observed is None or area not in ds.indexes["area"]:
        return []
    series = observed.sel(area=area).isel(time=slice(-months, None))
    return list(zip(_dates(series["time"].values), map(_num, series.values), strict=True))


def forecast_variables(ds: xr.Dataset) -> list[str]:
    """The variables a forecast cube forecasts (those with a ``statistic`` dim)."""
    return [str(v) for v in ds.data_vars if "statistic" in ds[v].dims]


def fan(ds: xr.Dataset, area: str, variable: str) -> Fan:
    """The forecast fan of ``variable`` in ``area``.

    A ``statistic`` dim (``ds.enn.point()`` and ``ds.enn.bounds(0.8 / 0.95)``) or quantiles
    over draws (a ``quantile`` dim: the median, and the 25-75 % and 5-95 % bands). An area or
    variable the cube lacks, or a variable without every statistic, gives an empty fan.
    """
    if area not in ds.indexes.get("area", pd.Index([])) or variable not in ds:
        return Fan([])
    cube = ds[[variable]].sel(area=area)
    if "quantile" in cube[variable].dims:
        return _quantile_fan(cube[variable])
    if "statistic" not in cube[variable].dims:
        return Fan([])
    have = {str(s) for s in cube["statistic"].values}
    if not set(STATS) <= have:
        return Fan([])
    point = cube.enn.point()[variable]
    lo80, hi80 = (b[variable] for b in cube.enn.bounds(0.8))
    lo95, hi95 = (b[variable] for b in cube.enn.bounds(0.95))
    columns = {
        s: da.transpose("time").values
        for s, da in zip(STATS, (point, lo80, hi80, lo95, hi95), strict=True)
    }
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


def _status(code: Any) -> str:
    """A status flag's meaning (``confidential``, ``missing``, ...; "" for none)."""
    value = float(code)
    return STATUS_MEANING.get(int(value), "") if math.isfinite(value) else ""


def latest(ds: xr.Dataset, areas: list[str]) -> list[dict[str, Any]]:
    """Latest month's unemployed, vacancies and unemployment rate (%) per area, with the
    status flag of each count (``status``: ``confidential`` for a cell the publisher
    suppresses) where the cube carries one."""
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
                "status": {
                    v: _status(row[f"{v}_status"].values)
                    for v in ("unemployed", "vacancies")
                    if f"{v}_status" in row
                },
            }
        )
    return out


def training_years(ds: xr.Dataset) -> list[int]:
    return sorted({int(y) for y in pd.DatetimeIndex(ds["time"].values).year})


def training_path(ds: xr.Dataset, area: str) -> list[dict[str, Any]]:
    """Need per year for ``area``: the total and each level, each ``(need, lo80, hi80)``
    (``need_total`` / ``need_by_level`` with their own intervals; a release without them
    gives no rows). A negative need is a surplus."""
    if "need_total" not in ds or area not in ds.indexes["area"]:
        return []
    total = ds["need_total"].sel(area=area)
    by_level = ds["need_by_level"].sel(area=area) if "need_by_level" in ds else None
    rows = []
    for k, stamp in enumerate(pd.DatetimeIndex(ds["time"].values)):
        cell = total.isel(time=k)
        row: dict[str, Any] = {
            "year": int(stamp.year),
            "total": tuple(_num(cell.sel(statistic=s).values) for s in ("mean", "lo80", "hi80")),
            "levels": {},
        }
        if by_level is not None:
            for level in map(str, by_level["level"].values):
                lv = by_level.isel(time=k).sel(level=level)
                row["levels"][level] = tuple(
                    _num(lv.sel(statistic=s).values) for s in ("mean", "lo80", "hi80")
                )
        rows.append(row)
    return rows


def training_bars(
    ds: xr.Dataset, area: str, year: int, labels: dict[str, str] | None
) -> list[tuple[str, float, float | None, float | None]]:
    """Need by field in ``year`` (summed over levels), largest first, with 80 % bounds.

    ``need`` with a ``statistic`` dim (the contract's layout: ``ds.enn.point()`` and
    ``ds.enn.bounds(0.8)``); a ``need`` without one is shown without bounds.
    """
    if area not in ds.indexes["area"] or "need" not in ds:
        return []
    need_ds = ds[["need"]]
    parts = {"need": need_ds.enn.point()["need"]}
    if "statistic" in ds["need"].dims:
        lo, hi = need_ds.enn.bounds(0.8)
        parts.update(lo80=lo["need"], hi80=hi["need"])
    cube = xr.Dataset(parts).sel(area=area)
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


def training_suppressed(
    ds: xr.Dataset, area: str, year: int, labels: dict[str, str] | None
) -> list[str]:
    """Fields without a published need in ``year`` (every level NaN: suppressed or missing),
    which :func:`training_bars` cannot draw: the page lists them instead of dropping them."""
    if area not in ds.indexes["area"] or "need" not in ds:
        return []
    need = ds["need"].sel(area=area)
    need = need.sel(time=need["time"].dt.year == year)
    if need.sizes["time"] == 0:
        return []
    if "statistic" in need.dims:
        need = need.sel(statistic="mean")
    other = [d for d in need.dims if d != "field"]
    have = need.notnull().any(other).values
    return [
        (labels or {}).get(code, code)
        for code, ok in zip(map(str, need["field"].values), have, strict=True)
        if not ok
    ]


def training_cumulative(
    ds: xr.Dataset, area: str, until: int, labels: dict[str, str] | None
) -> dict[str, Any] | None:
    """The need from the first year to ``until`` for ``area`` by field, largest first, with
    fields without a value (suppressed) last as ``None`` rows, and the total
    (:func:`forecasting.training.cumulative_to`); None when ``until`` is not a year of ``ds``
    or the area is not in it."""
    from forecasting import training

    if "need" not in ds or area not in ds.indexes["area"]:
        return None
    if until not in training_years(ds):
        return None
    cum = training.cumulative_to(ds.sel(area=[area]), until).sel(area=area)
    stats = ("mean", "lo80", "hi80")
    rows: list[dict[str, Any]] = []
    suppressed: list[dict[str, Any]] = []
    for code in map(str, cum["field"].values):
        cell = cum["need"].sel(field=code)
        values = tuple(_num(cell.sel(statistic=s).values) for s in stats)
        label = (labels or {}).get(code, code)
        if math.isfinite(values[0]):
            rows.append({"code": code, "label": label, "need": values})
        else:
            suppressed.append({"code": code, "label": label, "need": None})
    rows.sort(key=lambda r: -float(r["need"][0]))
    total = tuple(_num(cum["need_total"].sel(statistic=s).values) for s in stats)
    return {
        "rows": rows + suppressed,
        "total": total,
        "first_year": int(cum.attrs["first_year"]),
        "until": int(cum.attrs["until"]),
        "interval_method": str(cum.attrs["interval_method"]),
    }


#: The months of "next spring" a planner asks about (March to May).
SPRING = (3, 4, 5)


def next_spring(past: list[tuple[Any, float]], points: list[FanPoint]) -> list[FanPoint]:
    """The forecast's months of the first spring (:data:`SPRING`) after the latest observed
    month of ``past``: the planner's "how many next spring, and how sure"; [] when nothing
    was observed or the forecast does not reach that spring."""
    observed = [when for when, value in past if math.isfinite(value)]
    if not observed:
        return []
    year = spring_year(observed[-1])
    return [p for p in points if p.time.year == year and p.time.month in SPRING]


def spring_year(last: Any) -> int:
    """The year of the first spring (:data:`SPRING`) after the month ``last`` (anything with
    ``year`` and ``month``): this year's before March, else next year's."""
    return int(last.year + (last.month >= SPRING[0]))


def scenario_peaks(result: xr.Dataset, areas: list[str]) -> list[dict[str, Any]]:
    """Each area's largest median change in the unemployed against the baseline and its
    month (``area`` code, ``change``, ``time``): a closure's effect is largest in its first
    months and has mostly faded by the table's first year end (300 jobs in Mäntyharju from
    1/2027: about +200 in 2/2027, +92 in 12/2027), so the table alone understates the
    planner's "what if"."""
    if "unemployed_vs_baseline" not in result:
        return []
    times = pd.DatetimeIndex(result["time"].values)
    peaks = []
    for area in areas:
        if area not in result.indexes["area"]:
            continue
        path = result["unemployed_vs_baseline"].sel(area=area, quantile=0.5).values
        if not np.isfinite(path).any():
            continue
        k = int(np.nanargmax(np.abs(path)))
        peaks.append({"area": area, "change": float(path[k]), "time": times[k]})
    return peaks


def baseline_line(result: xr.Dataset, area: str) -> list[tuple[dt.date, float]]:
    """The run's baseline (``unemployed_baseline_target``: the unemployed without the event)
    of ``area`` by month; [] when the run has none for it."""
    if "unemployed_baseline_target" not in result or area not in result.indexes["area"]:
        return []
    path = result["unemployed_baseline_target"].sel(area=area)
    times = pd.DatetimeIndex(result["time"].values)
    return [(ts.date(), float(v)) for ts, v in zip(times, path.values, strict=True)]
