"""Read models of the product pages (population, labour supply, jobs, occupations, special
groups, the map, the start page's headline figures), taken from release cubes.

Each function takes datasets and returns plain values for a template or a chart. An
aggregate area whose value is missing because a member municipality is suppressed is never
shown as 0: :func:`aggregate_value` (:func:`forecasting.partial_totals.area_total`, the rule
the monthly review uses too) gives the sum of the published members and how many were
suppressed, a lower bound the page shows as "≥ 345".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.io.sources.registers import VARS_12R5_ALL
from forecasting.partial_totals import area_total as aggregate_value
from forecasting.partial_totals import as_float as _num
from forecasting.tightness import SHORTAGE_AT, SURPLUS_BELOW

#: Five-year bands of the pyramid (the last open: 90+).
PYRAMID_BANDS = [(a, a + 4) for a in range(0, 90, 5)] + [(90, 100)]


def method_note(ds: xr.Dataset | None, lang: str) -> str:
    """The product's method note in ``lang`` (``method_note_<lang>``), else its English one
    (``method_note``); "" without a dataset or a note."""
    if ds is None:
        return ""
    return str(ds.attrs.get(f"method_note_{lang}") or ds.attrs.get("method_note") or "")


def _has_area(ds: xr.Dataset | None, area: str) -> bool:
    return ds is not None and "area" in ds.indexes and area in ds.indexes["area"]


def _point(da: xr.DataArray, stat: str = "mean") -> xr.DataArray:
    return da.sel(statistic=stat) if "statistic" in da.dims else da


def last_month(ds: xr.Dataset, variable: str = "unemployed") -> pd.Timestamp | None:
    """The last month with any value of ``variable``."""
    if variable not in ds:
        return None
    have = ds[variable].notnull().any([d for d in ds[variable].dims if d != "time"])
    times = ds["time"].values[have.values]
    return pd.Timestamp(times[-1]) if len(times) else None


def earlier_same_month(ds: xr.Dataset, when: pd.Timestamp, area: str) -> pd.Timestamp | None:
    """The latest earlier month with the same calendar month and an unemployed count in
    ``area`` (the registers have a gap, so a year ago may be missing)."""
    if not _has_area(ds, area):
        return None
    series = ds["unemployed"].sel(area=area)
    for t in reversed(pd.DatetimeIndex(ds["time"].values)):
        if t < when and t.month == when.month and math.isfinite(_num(series.sel(time=t).values)):
            return t
    return None


def missing_year_ago(ds: xr.Dataset, when: pd.Timestamp, area: str) -> pd.Timestamp | None:
    """The month a year before ``when`` if ``area`` has no unemployed count for it (the
    registers' gap 11/2023-5/2026 leaves 6/2025 empty), else None: a page comparing with an
    earlier year says that the year-ago month is missing, rather than silently comparing
    with another year."""
    year_ago = pd.Timestamp(when) - pd.DateOffset(years=1)
    if not _has_area(ds, area):
        return None
    times = pd.DatetimeIndex(ds["time"].values)
    if year_ago in times and math.isfinite(
        _num(ds["unemployed"].sel(area=area, time=year_ago).values)
    ):
        return None
    return year_ago


def rate(ds: xr.Dataset, area: str, time: Any) -> float:
    """Unemployment rate (%): unemployed over labour force."""
    u = aggregate_value(ds, area, "unemployed", time)
    f = aggregate_value(ds, area, "labour_force", time)
    if u.partial or f.partial or not (math.isfinite(u.value) and f.value):
        return float("nan")
    return 100 * u.value / f.value


def headline(history: xr.Dataset, area: str) -> dict[str, Any]:
    """The start page's figures for ``area``: latest unemployed, rate and vacancies, and the
    change of the unemployed against the same month of the latest earlier year with data
    (``before``), with ``year_ago_missing`` the month a year earlier when it has no data
    (:func:`missing_year_ago`)."""
    when = last_month(history)
    if when is None or not _has_area(history, area):
        return {}
    before = earlier_same_month(history, when, area)
    unemployed = aggregate_value(history, area, "unemployed", when)
    prior = aggregate_value(history, area, "unemployed", before) if before is not None else None
    change = (
        100 * (unemployed.value / prior.value - 1)
        if prior is not None and prior.value and not unemployed.partial
        else float("nan")
    )
    return {
        "month": when,
        "before": before,
        "year_ago_missing": missing_year_ago(history, when, area),
        "unemployed": unemployed,
        "rate": rate(history, area, when),
        "vacancies": aggregate_value(history, area, "vacancies", when),
        "change": change,
    }


def forecast_at(ds: xr.Dataset | None, area: str, variable: str, time: Any) -> dict[str, float]:
    """``mean, lo80, hi80`` of ``variable`` in ``area`` at ``time`` (NaN where absent)."""
    out = {"mean": float("nan"), "lo80": float("nan"), "hi80": float("nan")}
    if ds is None or variable not in ds or not _has_area(ds, area):
        return out
    t = pd.Timestamp(time)
    if t not in pd.DatetimeIndex(ds["time"].values):
        return out
    da = ds[variable].sel(area=area, time=t)
    if "statistic" not in da.dims:
        return {**out, "mean": _num(da.values)}
    have = set(map(str, da["statistic"].values))
    return {s: _num(da.sel(statistic=s).values) if s in have else out[s] for s in out}


# -- population ---------------------------------------------------------------------------------
def population_years(ds: xr.Dataset) -> list[int]:
    return sorted({int(y) for y in pd.DatetimeIndex(ds["time"].values).year})


def _year_sel(ds: xr.Dataset, year: int) -> xr.Dataset:
    return ds.sel(time=ds["time"].dt.year == year).isel(time=0)


def pyramid_bands(ds: xr.Dataset, area: str, year: int) -> list[tuple[str, float, float]]:
    """``(band, women, men)`` in five-year bands (mean) for ``area`` at the end of ``year``."""
    if "population" not in ds or not _has_area(ds, area) or year not in population_years(ds):
        return []
    pop = _point(_year_sel(ds, year)["population"].sel(area=area))
    out = []
    for lo, hi in PYRAMID_BANDS:
        band = pop.sel(age=slice(lo, hi)).sum("age", min_count=1)
        label = f"{lo}–{hi}" if hi < 100 else f"{lo}+"
        out.append((label, _num(band.sel(sex="F").values), _num(band.sel(sex="M").values)))
    return out


def population_rows(ds: xr.Dataset, areas: list[str], years: list[int]) -> list[dict[str, Any]]:
    """Per area: total population (mean, 80 %) in each of ``years``, and the share aged 65+."""
    rows = []
    for area in areas:
        if not _has_area(ds, area):
            continue
        row: dict[str, Any] = {"area": area, "years": []}
        for year in years:
            cube = _year_sel(ds, year)
            total = cube["population"].sel(area=area, sex="T")
            mean = _point(total).sum("age", min_count=1)
            old = _point(total).sel(age=slice(65, None)).sum("age", min_count=1)
            lo = hi = float("nan")
            if "population_total" in cube and "statistic" in cube["population_total"].dims:
                tot = cube["population_total"].sel(area=area, sex="T")
                lo, hi = _num(tot.sel(statistic="lo80").values), _num(tot.sel(statistic="hi80"))
            m = _num(mean.values)
            row["years"].append(
                {
                    "year": year,
                    "mean": m,
                    "lo80": lo,
                    "hi80": hi,
                    "old_share": 100 * _num(old.values) / m if m else float("nan"),
                }
            )
        rows.append(row)
    return rows


# -- labour supply ------------------------------------------------------------------------------
LABOUR_VARIABLES = ("working_age_15_64", "labour_force", "employed", "retirements")


def labour_rows(ds: xr.Dataset, area: str, step: int = 5) -> list[dict[str, Any]]:
    """Every ``step``-th year (and the first and last): each labour variable's mean and 80 %."""
    if not _has_area(ds, area):
        return []
    years = population_years(ds)
    chosen = sorted({years[0], years[-1], *(y for y in years if (y - years[0]) % step == 0)})
    variables = [v for v in LABOUR_VARIABLES if v in ds]
    rows = []
    for year in chosen:
        cube = _year_sel(ds, year)
        values = {}
        for v in variables:
            da = cube[v].sel(area=area)
            values[v] = {
                s: _num(_point(da, s).values)
                if "statistic" not in da.dims or s in da.indexes["statistic"]
                else float("nan")
                for s in ("mean", "lo80", "hi80")
            }
        rows.append({"year": year, "values": values})
    return rows


def labour_compare(ds: xr.Dataset, areas: list[str], first: int, last: int) -> list[dict[str, Any]]:
    """Per area: labour force in ``first`` and ``last`` and its change in per cent."""
    out = []
    for area in areas:
        if not _has_area(ds, area) or "labour_force" not in ds:
            continue
        a = _num(_point(_year_sel(ds, first)["labour_force"].sel(area=area)).values)
        b = _num(_point(_year_sel(ds, last)["labour_force"].sel(area=area)).values)
        out.append({"area": area, "first": a, "last": b, "change": 100 * (b / a - 1) if a else a})
    return out


# -- jobs by industry ---------------------------------------------------------------------------
def jobs_rows(
    ds: xr.Dataset, area: str, base: int, year: int, labels: dict[str, str] | None
) -> list[dict[str, Any]]:
    """Jobs by industry in ``base`` and ``year`` (mean, 80 % in ``year``), largest first;
    industries without a published value (suppressed) are left out, never shown as 0."""
    if "jobs" not in ds or not _has_area(ds, area):
        return []
    a = _year_sel(ds, base)["jobs"].sel(area=area)
    b = _year_sel(ds, year)["jobs"].sel(area=area)
    has = "statistic" in b.dims and {"lo80", "hi80"} <= set(map(str, b["statistic"].values))

    def by_industry(da: xr.DataArray) -> dict[str, float]:
        # one selection per series, then plain lookups (a .sel per industry cost ~20 ms a page)
        return {str(c): _num(v) for c, v in zip(da["industry"].values, da.values, strict=True)}

    then_of, now_of = by_industry(_point(a)), by_industry(_point(b))
    lo_of = by_industry(b.sel(statistic="lo80")) if has else {}
    hi_of = by_industry(b.sel(statistic="hi80")) if has else {}
    rows = []
    for code in map(str, ds["industry"].values):
        now = now_of[code]
        if not math.isfinite(now):
            continue
        then = then_of[code]
        rows.append(
            {
                "code": code,
                "label": (labels or {}).get(code, code),
                "base": then,
                "value": now,
                "lo80": lo_of.get(code, math.nan),
                "hi80": hi_of.get(code, math.nan),
                "change": now - then if math.isfinite(then) else float("nan"),
            }
        )
    return sorted(rows, key=lambda r: -r["value"])


def jobs_suppressed(
    ds: xr.Dataset, area: str, year: int, labels: dict[str, str] | None
) -> list[str]:
    """Industries without a published value in ``year`` (suppressed or missing), which
    :func:`jobs_rows` leaves out of the chart: the page lists them by name."""
    if "jobs" not in ds or not _has_area(ds, area) or year not in population_years(ds):
        return []
    now = _point(_year_sel(ds, year)["jobs"].sel(area=area))
    return [
        (labels or {}).get(str(code), str(code))
        for code, value in zip(now["industry"].values, now.values, strict=True)
        if not math.isfinite(float(value))
    ]


# -- occupations --------------------------------------------------------------------------------
#: The product's own thresholds (its ``tightness_label``), so the page and the API agree.
SHORTAGE, SURPLUS = SHORTAGE_AT, SURPLUS_BELOW


def balance_years(ds: xr.Dataset, step: int = 5) -> list[int]:
    """Years of the jobs-and-workers balance a page shows: the first, every ``step``-th
    (2030, 2035) and the last."""
    years = [int(y) for y in pd.DatetimeIndex(ds["time"].values).year]
    if not years:
        return []
    return [y for y in years if y in (years[0], years[-1]) or y % step == 0]


def balance_rows(ds: xr.Dataset, area: str, years: list[int]) -> list[dict[str, Any]]:
    """Jobs, employed residents, the labour force and its implied unemployment rate (per
    cent), and the implied net in-commuting (persons, share of jobs, per cent) of ``area``
    in ``years``, beside the observed share and the commuting flag."""
    if not _has_area(ds, area):
        return []
    one = ds.sel(area=area)
    observed = 100 * _num(one["commuting_share_observed"].values)
    rows = []
    for year in years:
        at = _year_sel(one, year)
        rows.append(
            {
                "year": year,
                "jobs": _num(at["jobs"].values),
                "employed": _num(at["employed_residents"].values),
                "labour_force": _num(at["labour_force"].values),
                "unemployment_rate": 100
                * _num(at["unemployed"].values)
                / _num(at["labour_force"].values),
                "net": _num(at["net_commuting"].values),
                "share": 100 * _num(at["commuting_share"].values),
                "observed": observed,
                "flag": bool(at["commuting_flag"].values),
            }
        )
    return rows


def balance_flag(ds: xr.Dataset, area: str) -> dict[str, Any] | None:
    """The row (:func:`balance_rows`) of the last year of ``area`` whose implied net
    in-commuting share departs from the observed by more than the release's threshold;
    None without one."""
    if not _has_area(ds, area):
        return None
    one = ds.sel(area=area)
    flagged = np.asarray(one["commuting_flag"].values, dtype=bool)
    if not flagged.any():
        return None
    last = int(pd.DatetimeIndex(one["time"].values)[flagged][-1].year)
    return balance_rows(ds, area, [last])[0]


def signal(tightness: float) -> str:
    """``shortage`` (at least :data:`SHORTAGE` vacancies per unemployed), ``surplus`` (under
    :data:`SURPLUS`), else ``balanced``; ``unknown`` for missing."""
    if not math.isfinite(tightness):
        return "unknown"
    if tightness >= SHORTAGE:
        return "shortage"
    return "surplus" if tightness < SURPLUS else "balanced"


def occupation_rows(
    ds: xr.Dataset, area: str, labels: dict[str, str] | None, months: int = 12
) -> list[dict[str, Any]]:
    """Per occupation: mean unemployed and vacancies over the first ``months`` forecast
    months, their ratio and its signal; tightest first."""
    if not _has_area(ds, area):
        return []
    window = ds.isel(time=slice(0, months)).sel(area=area)
    rows = []
    for code in map(str, ds["occupation"].values):
        u = _num(_point(window["unemployed"].sel(occupation=code)).mean("time").values)
        v = _num(_point(window["vacancies"].sel(occupation=code)).mean("time").values)
        ratio = v / u if u else float("nan")
        rows.append(
            {
                "code": code,
                "label": (labels or {}).get(code, code),
                "unemployed": u,
                "vacancies": v,
                "tightness": ratio,
                "signal": signal(ratio),
            }
        )
    return sorted(rows, key=lambda r: -(r["tightness"] if math.isfinite(r["tightness"]) else -1))


# -- special groups -----------------------------------------------------------------------------
#: The 23 register variables of 12r5 in the page's order (forecasting/io/sources/registers.py).
REGISTER_VARIABLES = tuple(VARS_12R5_ALL.values())


def group_rows(
    history: xr.Dataset, forecasts: xr.Dataset | None, areas: list[str], ahead: int = 12
) -> tuple[pd.Timestamp | None, pd.Timestamp | None, list[dict[str, Any]]]:
    """``(month, forecast month, rows)``: each register variable at the latest month in each
    of ``areas`` (suppressed members summed as :func:`aggregate_value`), and the forecast
    ``ahead`` months later (mean and 80 %) in the first area where one exists."""
    when = last_month(history)
    if when is None:
        return None, None, []
    target = when + pd.DateOffset(months=ahead)
    rows = []
    for variable in REGISTER_VARIABLES:
        if variable not in history:
            continue
        values = {a: aggregate_value(history, a, variable, when) for a in areas}
        rows.append(
            {
                "variable": variable,
                "values": values,
                "forecast": forecast_at(forecasts, areas[0], variable, target),
                "percent": variable == "unemployment_rate_published",
            }
        )
    return when, target, rows


# -- the map ------------------------------------------------------------------------------------
def map_rows(history: xr.Dataset, codes: list[str]) -> tuple[Any, Any, list[dict[str, Any]]]:
    """``(month, earlier month, rows)``: unemployment rate (%) per municipality at the latest
    month and its change in percentage points against the same month of the latest earlier
    year with data (both from unemployed / labour force); where that is not a year earlier,
    :func:`missing_year_ago` of the first present code names the missing month."""
    when = last_month(history)
    present = [c for c in codes if _has_area(history, c)]
    if when is None or not present:
        return None, None, []
    before = earlier_same_month(history, when, present[0])
    rows = []
    for code in present:
        now = rate(history, code, when)
        then = rate(history, code, before) if before is not None else float("nan")
        rows.append({"area": code, "rate": now, "change": now - then})
    return when, before, rows


def finite(values: list[float]) -> list[float]:
    return [v for v in values if isinstance(v, float | int) and np.isfinite(v)]
