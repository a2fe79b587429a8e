"""Alert rules. Each is a small, named, versioned unit that turns data into a severity signal.

A rule returns a :class:`Signal`: severity per ``(area, time)`` (0 normal, 1 info, 2 warning,
3 critical) and the numbers behind it, computed causally (month ``t`` uses data up to ``t``
only), so the same code serves the monthly run and a replay of history.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy.stats import norm

import forecasting.contract  # noqa: F401  (registers the ds.enn accessor)
from forecasting.io.files import read_toml

NORMAL, INFO, WARNING, CRITICAL = 0, 1, 2, 3
SEVERITY_NAMES = {INFO: "info", WARNING: "warning", CRITICAL: "critical"}
CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "alerts.toml"


@lru_cache
def load_config(path: Path = CONFIG_PATH) -> dict[str, Any]:
    """The rule configuration (thresholds and life-cycle settings)."""
    return read_toml(path)


@dataclass(frozen=True)
class Signal:
    """A rule's output: ``severity`` (area, time) int8 and ``numbers`` (area, time) floats."""

    rule: str
    version: str
    severity: xr.DataArray
    numbers: xr.Dataset
    subject: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


def _severity(warning: xr.DataArray, critical: Any, info: Any = False) -> xr.DataArray:
    sev = xr.where(critical, CRITICAL, xr.where(warning, WARNING, xr.where(info, INFO, NORMAL)))
    return sev.astype(np.int8)


def _robust_norm(yoy: xr.DataArray, window: int, min_periods: int = 12) -> xr.Dataset:
    """Median and MAD of the previous ``window`` months of ``yoy`` (the current one excluded).

    Returns a Dataset with ``median`` and ``mad`` (area, time); NaN until ``min_periods``
    earlier values exist. The MAD is the median absolute deviation of those same values
    from their own median (rule version 2; version 1 took deviations from each earlier
    month's moving median, which needed 12 more months of history before the first z).
    """
    past = yoy.shift(time=1).transpose("area", "time").values
    n_area = past.shape[0]
    padded = np.concatenate([np.full((n_area, window - 1), np.nan), past], axis=1)
    win = np.lib.stride_tricks.sliding_window_view(padded, window, axis=1)  # (area, time, w)
    enough = np.sum(np.isfinite(win), axis=2) >= min_periods
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(win, axis=2)
        mad = np.nanmedian(np.abs(win - med[..., None]), axis=2)
    med, mad = np.where(enough, med, np.nan), np.where(enough, mad, np.nan)
    coords = {"area": yoy["area"], "time": yoy["time"]}
    return xr.Dataset(
        {
            "median": xr.DataArray(med, dims=("area", "time"), coords=coords),
            "mad": xr.DataArray(mad, dims=("area", "time"), coords=coords),
        }
    )


def seasonal_rise(unemployed: xr.DataArray, cfg: dict[str, Any]) -> Signal:
    """An unusual year-on-year rise of unemployed against its own seasonal norm.

    ``z = (yoy - median) / (1.4826 MAD)`` of the log year-on-year change, the norm taken from
    the previous ``window_months`` (excluding the current month). Also requires a rise of at
    least ``min_rise_share`` and ``min_rise_persons`` so that small counts do not alarm.
    ``z >= z_warning`` is a warning, ``z >= z_critical`` critical. Numbers: ``z``,
    ``yoy_change`` (share), ``rise_persons``, ``value``, ``norm_median`` (the usual
    year-on-year change, share) and ``norm_scale`` (1.4826 MAD of the log change, floor 0.02).

    Parameters
    ----------
    unemployed
        (area, time) monthly counts.
    """
    x = xr.ufuncs.log1p(unemployed.transpose("area", "time"))
    yoy = x - x.shift(time=12)
    norm_ = _robust_norm(yoy, cfg["window_months"])
    scale = np.maximum(1.4826 * norm_["mad"], 0.02)
    z = (yoy - norm_["median"]) / scale
    rise = unemployed - unemployed.shift(time=12)
    big = (np.expm1(yoy) >= cfg["min_rise_share"]) & (rise >= cfg["min_rise_persons"])
    warning = big & (z >= cfg["z_warning"])
    sev = _severity(warning, big & (z >= cfg["z_critical"]))
    numbers = xr.Dataset(
        {
            "z": z,
            "yoy_change": np.expm1(yoy),
            "rise_persons": rise,
            "value": unemployed,
            "norm_median": np.expm1(norm_["median"]),
            "norm_scale": scale,
        }
    )
    return Signal("seasonal_rise", "2", sev, numbers)


def exceedance_probability(
    mean: xr.DataArray, lo80: xr.DataArray, hi80: xr.DataArray, threshold: float
) -> xr.DataArray:
    """P(value > threshold) from a forecast's mean and 80 % interval (lognormal assumption)."""
    eps = 1e-9
    sigma = (np.log(hi80 + eps) - np.log(np.maximum(lo80, eps))) / (2 * norm.ppf(0.9))
    sigma = np.maximum(sigma, 1e-6)
    zscore = (np.log(threshold) - np.log(np.maximum(mean, eps))) / sigma
    return xr.apply_ufunc(norm.sf, zscore)


def rate_threshold(rate_forecast: xr.Dataset, cfg: dict[str, Any]) -> Signal:
    """Probability that the unemployment rate exceeds a threshold within the horizon.

    Parameters
    ----------
    rate_forecast
        ``rate`` (area, time, step, statistic) in the contract's layout (``mean`` and the
        80 % bounds are read): ``time`` the forecast origin, ``step`` months ahead 1..H.
        The monthly run passes the release's register forecasts
        (:func:`forecasting.alerts.monitor.rate_forecast_from_registers`).
    """
    rate = rate_forecast[["rate"]]
    mean = rate.enn.point()["rate"]
    lo, hi = rate.enn.bounds(0.8)
    lo80, hi80 = lo["rate"], hi["rate"]
    p = exceedance_probability(mean, lo80, hi80, cfg["threshold"])
    p_any = p.isel(step=slice(0, cfg["horizon_months"])).max("step")
    sev = _severity(p_any >= cfg["p_warning"], p_any >= cfg["p_critical"])
    peak = mean.isel(step=slice(0, cfg["horizon_months"])).max("step")
    return Signal(
        "rate_threshold",
        "1",
        sev,
        xr.Dataset({"probability": p_any, "peak": peak}),
        meta={"threshold": cfg["threshold"]},
    )


# Andrews (1993), Table 1: asymptotic critical values of sup-F for one restriction, 15 % trimming.
SUP_F_CRITICAL = {0.10: 7.17, 0.05: 8.68, 0.01: 12.16}


@lru_cache
def _break_design(window: int, phase: int, trim: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """Annihilator ``M`` of (constant, trend, month dummies) and the residualised step dummies.

    Returns ``M`` (window, window) and ``D`` (window, n_candidates): column ``j`` is the step
    ``1[t >= tau_j]`` after partialling out the base design (Frisch-Waugh-Lovell).
    """
    t = np.arange(window)
    month = (t + phase) % 12
    base = np.column_stack([np.ones(window), t / window, np.eye(12)[month][:, 1:]])
    m = np.eye(window) - base @ np.linalg.pinv(base)
    taus = np.arange(int(trim * window), int((1 - trim) * window) + 1)
    steps = (t[:, None] >= taus[None, :]).astype(float)
    return m, m @ steps


def _sup_f(windows: np.ndarray, phase: int) -> tuple[np.ndarray, np.ndarray]:
    """Andrews' sup-F for a level shift in each window (rows of ``windows``, log counts).

    Parameters
    ----------
    windows
        (k, w) array of windows that share the calendar phase of their first month.

    Returns
    -------
    sup_f, shift
        (k,) the largest F statistic over candidate break dates and the relative level
        shift (exp(coef) - 1) at that date.
    """
    w = windows.shape[1]
    m, d = _break_design(w, phase)
    resid = windows @ m.T
    dd = np.einsum("ij,ij->j", d, d)
    ed = resid @ d
    ssr0 = np.einsum("ij,ij->i", resid, resid)[:, None]
    dof = w - 13 - 1
    ssr1 = np.maximum(ssr0 - ed**2 / dd, 1e-12)
    f = (ssr0 - ssr1) / (ssr1 / dof)
    best = np.argmax(f, axis=1)
    rows = np.arange(windows.shape[0])
    return f[rows, best], np.expm1(ed[rows, best] / dd[best])


def structural_break(series: xr.DataArray, cfg: dict[str, Any]) -> Signal:
    """A level shift in the last ``window_months`` (Andrews' sup-F test, 15 % trimming).

    The log window is regressed on a constant, a linear trend and month dummies, plus a step
    at every candidate date; the largest F of the step (sup-F) above Andrews' critical value at
    ``p_value`` with a shift of at least ``min_shift_share`` is a breach (a rise is a warning,
    a fall info). statsmodels offers only CUSUM-type tests (``breaks_cusumolsresid``), which
    with a trend in the window barely reacted to a 40 % shift (p = 0.012 at best, ten months
    after it) in the synthetic test; sup-F is written here, vectorised with Frisch-Waugh-Lovell.
    """
    w = cfg["window_months"]
    x = np.log1p(series.transpose("area", "time").values)
    _n_area, n_time = x.shape
    sup_f = np.full(x.shape, np.nan)
    shift = np.full(x.shape, np.nan)
    if n_time >= w:
        windows = np.lib.stride_tricks.sliding_window_view(x, w, axis=1)  # (area, n_time-w+1, w)
        first_month = pd.DatetimeIndex(series["time"].values).month.to_numpy() - 1
        for start in range(n_time - w + 1):
            block = windows[:, start, :]
            ok = np.all(np.isfinite(block), axis=1) & (np.ptp(block, axis=1) > 0)
            if ok.any():
                f, s = _sup_f(block[ok], int(first_month[start]))
                sup_f[ok, start + w - 1], shift[ok, start + w - 1] = f, s
    coords = {"area": series["area"], "time": series["time"]}
    f_da = xr.DataArray(sup_f, dims=("area", "time"), coords=coords)
    s_da = xr.DataArray(shift, dims=("area", "time"), coords=coords)
    breach = (f_da > SUP_F_CRITICAL[cfg["p_value"]]) & (abs(s_da) >= cfg["min_shift_share"])
    sev = _severity(breach & (s_da > 0), xr.zeros_like(breach), info=breach & (s_da < 0))
    return Signal("structural_break", "2", sev, xr.Dataset({"sup_f": f_da, "shift": s_da}))


def event_tier(
    events: pd.DataFrame,
    labour_force: xr.DataArray,
    cfg: dict[str, Any],
    impacts: Mapping[int, Any] | None = None,
) -> Signal:
    """Registered events at or above tiers relative to the municipality's labour force.

    Parameters
    ----------
    events
        Rows with ``id, municipality, kind, jobs, announced, effect_start`` (the event
        register).
    labour_force
        (area, time) monthly labour force; the event is sized against its last value at the
        month of announcement. The event is live from announcement until its effect starts
        plus ``lookahead_months``.
    impacts
        Simulated impacts by event id (:class:`forecasting.alerts.impact.EventImpact`). The
        largest median rate change of the live events is reported (``sim_rate_change_pp``,
        with its 90 % band, and ``sim_extra_unemployed``) and escalates the severity: at or
        above ``sim_rate_pp_warning`` at least a warning, ``sim_rate_pp_critical`` critical.
    """
    shares = xr.zeros_like(labour_force, dtype=float)
    jobs = xr.zeros_like(labour_force, dtype=float)
    sim = {
        name: xr.full_like(labour_force, np.nan, dtype=float)
        for name in ("sim_rate_change_pp", "sim_rate_pp_lo90", "sim_rate_pp_hi90")
    }
    sim["sim_extra_unemployed"] = xr.full_like(labour_force, np.nan, dtype=float)
    times = pd.DatetimeIndex(labour_force["time"].values)
    for record in events.to_dict("records"):
        muni = str(record["municipality"])
        if muni not in labour_force["area"]:
            continue
        start = pd.Timestamp(record["announced"]).to_period("M").to_timestamp()
        end = pd.Timestamp(record["effect_start"]) + pd.DateOffset(months=cfg["lookahead_months"])
        live = (times >= start) & (times <= end)
        jobs.loc[{"area": muni}] += np.where(live, float(record["jobs"]), 0.0)
        shares.loc[{"area": muni}] = jobs.sel(area=muni) / labour_force.sel(area=muni)
        impact = (impacts or {}).get(int(record.get("id") or 0))
        if impact is not None and impact.simulated:
            _max_impact(sim, muni, live, impact)
    info = shares >= cfg["share_info"]
    warning = (shares >= cfg["share_warning"]) | (jobs >= cfg["jobs_warning"])
    rate, tiered = sim["sim_rate_change_pp"], info | warning
    warning = warning | (tiered & (rate >= cfg.get("sim_rate_pp_warning", np.inf)))
    critical = (shares >= cfg["share_critical"]) | (
        tiered & (rate >= cfg.get("sim_rate_pp_critical", np.inf))
    )
    sev = _severity(warning, critical, info=info)
    return Signal("event_tier", "2", sev, xr.Dataset({"share": shares, "jobs": jobs, **sim}))


def _max_impact(sim: dict[str, xr.DataArray], muni: str, live: np.ndarray, impact: Any) -> None:
    """Keep, per month, the live event with the largest simulated median rate change."""
    lo, mid, hi = impact.rate_change_pp
    current = sim["sim_rate_change_pp"].sel(area=muni).values
    better = live & ~(current >= mid)
    for name, value in (
        ("sim_rate_change_pp", mid),
        ("sim_rate_pp_lo90", lo),
        ("sim_rate_pp_hi90", hi),
        ("sim_extra_unemployed", impact.peak_extra_unemployed[1]),
    ):
        row = sim[name].sel(area=muni).values.copy()
        row[better] = value
        sim[name].loc[{"area": muni}] = row


def working_age_decline(working_age: xr.DataArray, cfg: dict[str, Any]) -> Signal:
    """A falling working-age population: the projected change over ``years`` years.

    Parameters
    ----------
    working_age
        (area, time) or (area, time, age_band) annual working-age population (persons on
        31.12., history and projection, consecutive years). With ``age_band`` the change is
        split into the bands' contributions (``contribution_<band>``, shares of the base
        that sum to ``change``).

    Severity: info from a fall of ``decline_info``, warning from ``decline_warning``, critical
    only from an optional ``decline_critical`` (shares of today's working-age population).

    Returns
    -------
    Signal on the annual ``time``: ``change`` (share), ``working_age`` and
    ``working_age_ahead`` (persons now and ``years`` years later), ``change_persons``.
    """
    years = cfg["years"]
    banded = "age_band" in working_age.dims
    total = working_age.sum("age_band", min_count=1) if banded else working_age
    ahead = total.shift(time=-years)
    change = ahead / total - 1.0
    decline = -change
    critical = cfg.get("decline_critical")
    sev = _severity(
        decline >= cfg["decline_warning"],
        decline >= critical if critical is not None else False,
        info=decline >= cfg["decline_info"],
    )
    numbers = xr.Dataset(
        {
            "change": change,
            "working_age": total,
            "working_age_ahead": ahead,
            "change_persons": ahead - total,
        }
    )
    if banded:
        for band in map(str, working_age["age_band"].values):
            part = working_age.sel(age_band=band, drop=True)
            numbers[f"contribution_{band.replace('-', '_')}"] = (
                part.shift(time=-years) - part
            ) / total
    return Signal("working_age_decline", "3", sev, numbers, meta={"years": years})


def clients_per_expert(unemployed: xr.DataArray, cfg: dict[str, Any]) -> Signal:
    """Clients per client-facing employment expert against the 100-200 rule.

    Parameters
    ----------
    unemployed
        (area, time) registered unemployed jobseekers of employment areas ("TA23" ...). Areas
        without a configured staff count are skipped.
    """
    staff = cfg.get("client_facing_experts", {})
    areas = [a for a in map(str, unemployed["area"].values) if a in staff]
    sub = unemployed.sel(area=areas)
    experts = xr.DataArray([float(staff[a]) for a in areas], dims="area", coords={"area": areas})
    clients = sub * cfg["client_share_of_unemployed"] / experts
    over = clients > cfg["max_clients"]
    sev = _severity(over, clients > 1.25 * cfg["max_clients"], info=clients < cfg["min_clients"])
    numbers = xr.Dataset(
        {
            "clients_per_expert": clients,
            "experts": experts,
            "staff_needed_at_max": np.ceil(sub / cfg["max_clients"]),
        }
    )
    return Signal("clients_per_expert", "1", sev, numbers)


def occupation_shortage(
    tightness: xr.DataArray,
    cfg: dict[str, Any],
    *,
    vacancies: xr.DataArray | None = None,
    unemployed: xr.DataArray | None = None,
) -> list[Signal]:
    """An occupation group turning from surplus to shortage (vacancies per unemployed).

    A breach (warning) is tightness at or above ``tightness_shortage`` in a month where it
    was below it in the same month a year earlier, with at least ``min_vacancies``
    vacancies (tightness of a handful of vacancies is noise).

    Parameters
    ----------
    tightness
        (area, occupation, time) vacancies per unemployed jobseeker, observed or forecast
        (monthly, usually a 3-month mean).
    vacancies, unemployed
        (area, occupation, time) the counts behind it (for the guard and the explanation).

    Returns
    -------
    One Signal per occupation group (``subject`` = its code), numbers ``tightness``,
    ``tightness_year_before`` and, when given, ``vacancies``, ``unemployed`` and their
    12-month changes.
    """
    signals = []
    for occ in map(str, tightness["occupation"].values):
        t = tightness.sel(occupation=occ, drop=True)
        before = t.shift(time=12)
        was_surplus = (before < cfg["tightness_shortage"]).fillna(False)
        shortage = (t >= cfg["tightness_shortage"]) & was_surplus
        data = {"tightness": t, "tightness_year_before": before}
        for name, counts in (("vacancies", vacancies), ("unemployed", unemployed)):
            if counts is not None:
                c = counts.sel(occupation=occ, drop=True)
                data[name], data[f"{name}_change_12m"] = c, c - c.shift(time=12)
        if vacancies is not None:
            # unknown vacancies (a forecast without counts) do not block
            shortage = shortage & ~(data["vacancies"] < cfg.get("min_vacancies", 0))
        sev = _severity(shortage, xr.zeros_like(shortage))
        signals.append(Signal("occupation_shortage", "2", sev, xr.Dataset(data), subject=occ))
    return signals


def stale_data(
    last_month: pd.Timestamp,
    today: pd.Timestamp,
    area: str,
    cfg: dict[str, Any],
    *,
    source: str = "",
    meta: dict[str, Any] | None = None,
) -> Signal:
    """The newest month of a data source is older than ``max_age_months`` at ``today``.

    Age in whole months from the last observed month to ``today``'s month; over
    ``max_age_months`` a warning, over ``critical_age_months`` (if set) critical. The
    signal has the single month of ``today``; ``source`` (a cube or product name) is the
    alert's subject, so each source is its own alert.
    """
    age = (today.year - last_month.year) * 12 + today.month - last_month.month
    time = pd.DatetimeIndex([today.to_period("M").to_timestamp()])
    level = NORMAL
    if age > cfg["max_age_months"]:
        level = WARNING
    if age > cfg.get("critical_age_months", np.inf):
        level = CRITICAL
    sev = xr.DataArray(
        np.array([[level]], dtype=np.int8),
        dims=("area", "time"),
        coords={"area": [area], "time": time},
    )
    numbers = xr.Dataset(
        {
            "age_months": sev.copy(data=[[float(age)]]),
            "max_age_months": sev.copy(data=[[float(cfg["max_age_months"])]]),
        }
    )
    info = {"last_month": str(last_month.date()), "source": source, **(meta or {})}
    return Signal("stale_data", "2", sev, numbers, subject=source, meta=info)
