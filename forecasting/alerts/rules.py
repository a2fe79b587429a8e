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
from forecasting import freshness
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
    mean: xr.DataArray, lo80: xr.DataArray, hi80: xr.DataArray, threshold: float | xr.DataArray
) -> xr.DataArray:
    """P(value > threshold) from a forecast's mean and 80 % interval (lognormal assumption)."""
    eps = 1e-9
    sigma = (np.log(hi80 + eps) - np.log(np.maximum(lo80, eps))) / (2 * norm.ppf(0.9))
    sigma = np.maximum(sigma, 1e-6)
    zscore = (np.log(threshold) - np.log(np.maximum(mean, eps))) / sigma
    return xr.apply_ufunc(norm.sf, zscore)


def rate_threshold(
    rate_forecast: xr.Dataset, cfg: dict[str, Any], labour_force: xr.DataArray | None = None
) -> Signal:
    """Probability that the unemployment rate exceeds a threshold within the horizon.

    Scaled to size (version 2): with ``labour_force`` (area) the threshold of an area is
    ``threshold + min_excess_persons / labour_force``, i.e. the rate must exceed the threshold
    by at least that many persons: in Hirvensalmi (labour force 847) 25 persons are 3 points,
    in Mikkeli (23 475) 0.1 point, so a small municipality near 12 % does not alarm on a
    handful of jobseekers.

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
    threshold: Any = cfg["threshold"]
    if labour_force is not None and cfg.get("min_excess_persons"):
        lf = labour_force.reindex(area=mean["area"])
        threshold = (cfg["threshold"] + cfg["min_excess_persons"] / lf.where(lf > 0)).fillna(
            cfg["threshold"]
        )
    p = exceedance_probability(mean, lo80, hi80, threshold)
    p_any = p.isel(step=slice(0, cfg["horizon_months"])).max("step")
    sev = _severity(p_any >= cfg["p_warning"], p_any >= cfg["p_critical"])
    peak = mean.isel(step=slice(0, cfg["horizon_months"])).max("step")
    numbers = xr.Dataset({"probability": p_any, "peak": peak})
    numbers["effective_threshold"] = xr.zeros_like(p_any) + threshold
    return Signal("rate_threshold", "2", sev, numbers, meta={"threshold": cfg["threshold"]})


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


def _sup_f(windows: np.ndarray, phase: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Andrews' sup-F for a level shift in each window (rows of ``windows``, log counts).

    Parameters
    ----------
    windows
        (k, w) array of windows that share the calendar phase of their first month.

    Returns
    -------
    sup_f, shift, tau
        (k,) the largest F statistic over candidate break dates, the relative level shift
        (exp(coef) - 1) at that date and the date (index of the first month after the break).
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
    taus = np.arange(int(0.15 * w), int(0.85 * w) + 1)
    return f[rows, best], np.expm1(ed[rows, best] / dd[best]), taus[best]


def _persisting_shift(
    windows: np.ndarray, tau: np.ndarray, up: np.ndarray, hold: int, confirm: int
) -> np.ndarray:
    """The level shift that still holds at the end of each window (log scale), or NaN.

    Each of the last ``hold`` months is compared with the mean of the same calendar months
    before the break (``tau``); the smallest of those seasonal differences in the break's
    direction (``up``: a rise) is the shift that persists (every month must still hold it: a
    shock that is fading is not a level shift). NaN when the break is younger than
    ``confirm`` months (not yet confirmed) or a month has no same-month value before it.
    """
    k, w = windows.shape
    out = np.full(k, np.nan)
    for i in range(k):
        t0 = int(tau[i])
        if w - t0 < confirm:
            continue
        diffs = []
        for p in range(w - hold, w):
            same = windows[i, p % 12 : t0 : 12]  # the same calendar month, before the break
            diffs.append(windows[i, p] - same.mean() if same.size else np.nan)
        if np.all(np.isfinite(diffs)):
            d = np.asarray(diffs)
            out[i] = float(d.min() if up[i] else d.max())
    return out


def structural_break(series: xr.DataArray, cfg: dict[str, Any]) -> Signal:
    """A persistent level shift in the last ``window_months`` (sup-F, then a persistence check).

    The log window is regressed on a constant, a linear trend and month dummies, plus a step
    at every candidate date; the largest F of the step (sup-F, Andrews 1993, 15 % trimming)
    above the critical value at ``p_value`` with a shift of at least ``min_shift_share`` is a
    candidate. Version 3 also requires the shift to persist: the break must be at least
    ``confirm_months`` old, and each of the last ``hold_months`` must still be shifted, against
    the same calendar months before the break, in the same direction by at least
    ``min_persist_share``. A transient shock (the 2020 surge,
    back at the 2019 level by 2022) is not a level shift: version 2 warned continuously from
    2020 to 2023 in Mikkeli, Juva, Mäntyharju and Hirvensalmi. A rise is a warning, a fall
    info. Numbers: ``sup_f``, ``shift`` (the step's size), ``persisting_shift`` (share) and
    ``break_age_months``.
    """
    w = cfg["window_months"]
    hold, confirm = int(cfg.get("hold_months", 6)), int(cfg.get("confirm_months", 12))
    x = np.log1p(series.transpose("area", "time").values)
    _n_area, n_time = x.shape
    sup_f = np.full(x.shape, np.nan)
    shift = np.full(x.shape, np.nan)
    persist = np.full(x.shape, np.nan)
    age = np.full(x.shape, np.nan)
    if n_time >= w:
        windows = np.lib.stride_tricks.sliding_window_view(x, w, axis=1)  # (area, n_time-w+1, w)
        first_month = pd.DatetimeIndex(series["time"].values).month.to_numpy() - 1
        for start in range(n_time - w + 1):
            block = windows[:, start, :]
            ok = np.all(np.isfinite(block), axis=1) & (np.ptp(block, axis=1) > 0)
            if ok.any():
                f, s, tau = _sup_f(block[ok], int(first_month[start]))
                end = start + w - 1
                sup_f[ok, end], shift[ok, end], age[ok, end] = f, s, w - tau
                persist[ok, end] = np.expm1(_persisting_shift(block[ok], tau, s > 0, hold, confirm))
    coords = {"area": series["area"], "time": series["time"]}

    def da(values: np.ndarray) -> xr.DataArray:
        return xr.DataArray(values, dims=("area", "time"), coords=coords)

    f_da, s_da, p_da = da(sup_f), da(shift), da(persist)
    breach = (f_da > SUP_F_CRITICAL[cfg["p_value"]]) & (abs(s_da) >= cfg["min_shift_share"])
    holds = cfg.get("min_persist_share", 0.0)
    rise = breach & (s_da > 0) & (p_da >= holds)
    fall = breach & (s_da < 0) & (p_da <= -holds)
    sev = _severity(rise, xr.zeros_like(breach), info=fall)
    numbers = xr.Dataset(
        {"sup_f": f_da, "shift": s_da, "persisting_shift": p_da, "break_age_months": da(age)}
    )
    return Signal("structural_break", "3", sev, numbers)


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


def clients_per_expert(
    jobseekers: xr.DataArray, experts: Mapping[str, float], cfg: dict[str, Any]
) -> Signal:
    """Clients per client-facing employment expert against the 100-200 rule.

    Clients are the registered jobseekers (12r5 ``jobseekers``, HAKIJALOPUSSA: unemployed plus
    those in services, laid off or employed while seeking), not a multiple of the unemployed;
    the register has them from 2026-06 only, so earlier months are missing (NaN, no alert).

    Parameters
    ----------
    jobseekers
        (area, time) registered jobseekers of employment areas ("TA23" ...).
    experts
        Client-facing experts (person-years) by area, from the staffing table
        (``forecasting/config/staffing.toml``); areas without a figure are skipped.
    """
    areas = [a for a in map(str, jobseekers["area"].values) if a in experts]
    sub = jobseekers.sel(area=areas)
    staff = xr.DataArray([float(experts[a]) for a in areas], dims="area", coords={"area": areas})
    clients = sub / staff
    over = clients > cfg["max_clients"]
    sev = _severity(over, clients > 1.25 * cfg["max_clients"], info=clients < cfg["min_clients"])
    numbers = xr.Dataset(
        {
            "clients_per_expert": clients,
            "jobseekers": sub,
            "experts": staff,
            "staff_needed_at_max": np.ceil(sub / cfg["max_clients"]),
        }
    )
    return Signal("clients_per_expert", "2", sev, numbers)


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
        signals.append(Signal("occupation_shortage", "3", sev, xr.Dataset(data), subject=occ))
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
    """The next period of a data source is overdue at ``today``, by its publisher's calendar.

    With a publication calendar for ``source`` (:data:`forecasting.freshness.PUBLICATIONS`,
    e.g. KEHA publishes the registers of month M by the end of M+1): a warning once the
    period after ``last_month`` is overdue, critical when it is more than
    ``critical_overdue_days`` late. A source without a calendar falls back to its age in whole
    months: over ``max_age_months`` a warning, over ``critical_age_months`` critical. The
    signal has the single month of ``today``; ``source`` (a cube or product name) is the
    alert's subject, so each source is its own alert.
    """
    age = (today.year - last_month.year) * 12 + today.month - last_month.month
    time = pd.DatetimeIndex([today.to_period("M").to_timestamp()])
    calendar = freshness.PUBLICATIONS.get(source)
    overdue = np.nan
    level = NORMAL
    if calendar is not None:
        label = f"{last_month:%Y-%m}" if calendar.frequency == "monthly" else f"{last_month:%Y}"
        fresh = freshness.freshness(source, label, today.date())
        if fresh.stale and fresh.next_expected_by is not None:
            overdue = float((today.date() - fresh.next_expected_by).days)
            level = WARNING
            if overdue > cfg.get("critical_overdue_days", np.inf):
                level = CRITICAL
    else:
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
            "overdue_days": sev.copy(data=[[overdue]]),
        }
    )
    info = {"last_month": str(last_month.date()), "source": source, **(meta or {})}
    if calendar is not None:
        info["calendar"] = calendar.note
    return Signal("stale_data", "3", sev, numbers, subject=source, meta=info)


# -- labour demand: vacancies and tightness -------------------------------------------------


def _three_month(counts: xr.DataArray, months: int) -> xr.DataArray:
    return counts.rolling(time=months, min_periods=months).mean()


def vacancy_decline(
    vacancies: xr.DataArray, cfg: dict[str, Any], unemployed: xr.DataArray | None = None
) -> Signal:
    """Open vacancies down on the year: labour demand turning before unemployment does.

    ``smooth_months``-month means (3) against the same months a year earlier (seasonally
    comparable: vacancies peak every January-March). A breach needs a fall of at least
    ``drop_warning`` (share) and ``min_drop`` vacancies, from a year-earlier mean of at least
    ``min_vacancies`` (a municipality with a handful of vacancies would flap); a fall of
    ``drop_critical`` from at least ``min_vacancies_critical`` is critical. Mikkeli 10/2023:
    360 open vacancies against 723 a year earlier (-50 %).

    Unemployment guard (``min_unemployed_change``, share; absent = no guard): with
    ``unemployed`` given, a breach also needs the same-window mean of unemployed to have
    changed on the year by at least this much (e.g. -0.05: not falling by more than 5 %). A
    fall of vacancies while unemployment still falls fast is mostly employers' reporting,
    not a turn (tuned on 2010-2015 and 2021-2023 only: ``benchmarks/tune_vacancy_decline.py``).

    Parameters
    ----------
    vacancies
        (area, time) open vacancies at the end of each month.
    unemployed
        (area, time) unemployed jobseekers (only read with ``min_unemployed_change``).

    Returns
    -------
    Signal with ``vacancies`` (the month's count), ``vacancies_3m``,
    ``vacancies_3m_year_before``, ``change`` (share) and ``change_count``.
    """
    v = _three_month(vacancies.transpose("area", "time"), int(cfg["smooth_months"]))
    before = v.shift(time=12)
    change = v / before.where(before > 0) - 1
    drop = before - v
    big = (before >= cfg["min_vacancies"]) & (drop >= cfg["min_drop"])
    guard = cfg.get("min_unemployed_change")
    if guard is not None and unemployed is not None:
        u = _three_month(unemployed.transpose("area", "time"), int(cfg["smooth_months"]))
        big = big & ((u / u.shift(time=12) - 1) >= guard)
    warning = big & (change <= -cfg["drop_warning"])
    critical = (
        warning & (change <= -cfg["drop_critical"]) & (before >= cfg["min_vacancies_critical"])
    )
    numbers = xr.Dataset(
        {
            "vacancies": vacancies,
            "vacancies_3m": v,
            "vacancies_3m_year_before": before,
            "change": change,
            "change_count": -drop,
        }
    )
    return Signal("vacancy_decline", "2", _severity(warning, critical), numbers)


def tightness_decline(
    vacancies: xr.DataArray, unemployed: xr.DataArray, cfg: dict[str, Any]
) -> Signal:
    """Vacancies per unemployed falling on the year while unemployment rises.

    Tightness = ``smooth_months``-month mean vacancies over unemployed. A breach: tightness
    down at least ``drop_warning`` (share) on the same months a year earlier, unemployed up at
    least ``min_unemployed_rise`` (share) and ``min_unemployed_rise_persons``, with at least
    ``min_vacancies`` vacancies a year earlier. Both sides of the market weakening together
    (the 2023 turn: Mikkeli's vacancies halved while unemployed rose 12 %), not a reporting
    swing of vacancies alone.

    Returns
    -------
    Signal with ``tightness``, ``tightness_year_before``, ``change`` (share),
    ``unemployed_change`` (share), ``unemployed_change_persons``, ``vacancies_3m``,
    ``unemployed_3m``.
    """
    months = int(cfg["smooth_months"])
    v = _three_month(vacancies.transpose("area", "time"), months)
    u = _three_month(unemployed.transpose("area", "time"), months)
    tight = v / u.where(u > 0)
    before = tight.shift(time=12)
    change = tight / before.where(before > 0) - 1
    u_change = u / u.shift(time=12).where(u.shift(time=12) > 0) - 1
    u_persons = u - u.shift(time=12)
    breach = (
        (v.shift(time=12) >= cfg["min_vacancies"])
        & (change <= -cfg["drop_warning"])
        & (u_change >= cfg["min_unemployed_rise"])
        & (u_persons >= cfg["min_unemployed_rise_persons"])
    )
    numbers = xr.Dataset(
        {
            "tightness": tight,
            "tightness_year_before": before,
            "change": change,
            "unemployed_change": u_change,
            "unemployed_change_persons": u_persons,
            "vacancies_3m": v,
            "unemployed_3m": u,
        }
    )
    return Signal("tightness_decline", "1", _severity(breach, False), numbers)


def with_area_sums(counts: xr.DataArray) -> xr.DataArray:
    """Employment areas' counts where the published aggregate is missing: the sum of the known
    member municipalities (a suppressed small cell is left out, so a lower bound)."""
    from forecasting import geography

    out = counts.copy()
    names = set(map(str, counts["area"].values))
    for area in names:
        if geography.level_of(area) != "employment_area":
            continue
        members = [m for m in geography.members(area) if m in names]
        if not members:
            continue
        summed = counts.sel(area=members).sum("area", min_count=1)
        out.loc[{"area": area}] = counts.sel(area=area).fillna(summed)
    return out


# -- the registry: one registration per rule ------------------------------------------------
# Texts: what happened (title), why it matters (why), the numbers as a sentence (detail),
# in Finnish, Swedish and English. Defaults: thresholds and life cycle; the TOML table of the
# same name overrides them key by key.

from forecasting.alerts import text as fmt  # noqa: E402
from forecasting.alerts.registry import RegisterInputs, Rule, register  # noqa: E402


def _n(numbers: Mapping[str, Any], key: str) -> Any:
    value = numbers.get(key)
    return value if isinstance(value, int | float) else None


def _seasonal_detail(n: Mapping[str, Any], lang: str) -> str:
    value, ch, rise = (
        fmt.number(_n(n, "value"), lang),
        fmt.change(_n(n, "yoy_change"), lang),
        (fmt.signed(_n(n, "rise_persons"), lang)),
    )
    usual = fmt.change(_n(n, "norm_median"), lang)
    return {
        "fi": f"Työttömiä {value}, {ch} vuodentakaisesta ({rise} henkeä); tavallinen "
        f"vuosimuutos on ollut {usual}.",
        "sv": f"{value} arbetslösa, {ch} jämfört med ett år tidigare ({rise} personer); den "
        f"vanliga årsförändringen har varit {usual}.",
        "en": f"{value} unemployed, {ch} on a year earlier ({rise} persons); the usual "
        f"year-on-year change has been {usual}.",
    }[lang]


def _rate_detail(n: Mapping[str, Any], lang: str) -> str:
    p = fmt.percent(_n(n, "probability"), lang, 0)
    peak = fmt.percent(_n(n, "peak"), lang)
    thr = fmt.percent(_n(n, "effective_threshold") or _n(n, "threshold"), lang)
    return {
        "fi": f"Ennusteen mukaan työttömyysaste nousee enimmillään {peak}:iin; todennäköisyys "
        f"ylittää {thr} on {p}.",
        "sv": f"Enligt prognosen stiger arbetslöshetsgraden till högst {peak}; sannolikheten "
        f"att den överstiger {thr} är {p}.",
        "en": f"The forecast puts the unemployment rate at up to {peak}; the probability of "
        f"exceeding {thr} is {p}.",
    }[lang]


def _break_detail(n: Mapping[str, Any], lang: str) -> str:
    now = fmt.change(_n(n, "persisting_shift"), lang)
    age = fmt.number(_n(n, "break_age_months"), lang)
    return {
        "fi": f"Työttömien taso on muuttunut pysyvästi: {now} samoihin kuukausiin ennen "
        f"muutosta, joka alkoi {age} kuukautta sitten.",
        "sv": f"Nivån på de arbetslösa har förändrats varaktigt: {now} mot samma månader före "
        f"förändringen, som började för {age} månader sedan.",
        "en": f"The level of unemployed has shifted for good: {now} against the same months "
        f"before the change, which began {age} months ago.",
    }[lang]


def _vacancy_detail(n: Mapping[str, Any], lang: str) -> str:
    now, before = (
        fmt.number(_n(n, "vacancies_3m"), lang),
        fmt.number(_n(n, "vacancies_3m_year_before"), lang),
    )
    ch = fmt.change(_n(n, "change"), lang)
    month = fmt.number(_n(n, "vacancies"), lang)
    return {
        "fi": f"Avoimia työpaikkoja keskimäärin {now} kolmen viime kuukauden aikana, vuotta "
        f"aiemmin {before} ({ch}); kuluvan kuun lopussa {month}.",
        "sv": f"I genomsnitt {now} lediga jobb de tre senaste månaderna, ett år tidigare "
        f"{before} ({ch}); i slutet av månaden {month}.",
        "en": f"On average {now} open vacancies over the last three months, {before} a year "
        f"earlier ({ch}); {month} at the end of the month.",
    }[lang]


def _tightness_detail(n: Mapping[str, Any], lang: str) -> str:
    t, b = (
        fmt.number(_n(n, "tightness"), lang, 2),
        fmt.number(_n(n, "tightness_year_before"), lang, 2),
    )
    ch, u = fmt.change(_n(n, "change"), lang), fmt.change(_n(n, "unemployed_change"), lang)
    return {
        "fi": f"Avoimia työpaikkoja työtöntä kohden {t}, vuotta aiemmin {b} ({ch}); työttömiä "
        f"{u} vuodentakaisesta.",
        "sv": f"Lediga jobb per arbetslös {t}, ett år tidigare {b} ({ch}); arbetslösa {u} "
        f"jämfört med ett år tidigare.",
        "en": f"Open vacancies per unemployed {t}, {b} a year earlier ({ch}); unemployed {u} "
        f"on a year earlier.",
    }[lang]


def _event_detail(n: Mapping[str, Any], lang: str) -> str:
    jobs, share = fmt.number(_n(n, "jobs"), lang), fmt.percent(_n(n, "share"), lang)
    pp = _n(n, "sim_rate_change_pp")
    sim = (
        {
            "fi": f" Simuloitu vaikutus työttömyysasteeseen {fmt.signed(pp, lang, 1)} "
            "prosenttiyksikköä.",
            "sv": f" Simulerad effekt på arbetslöshetsgraden {fmt.signed(pp, lang, 1)} "
            "procentenheter.",
            "en": f" Simulated effect on the unemployment rate {fmt.signed(pp, lang, 1)} "
            "percentage points.",
        }[lang]
        if pp is not None
        else ""
    )
    return {
        "fi": f"Ilmoitettuja vähennyksiä {jobs} työpaikkaa, {share} kunnan työvoimasta.",
        "sv": f"Aviserade minskningar {jobs} jobb, {share} av kommunens arbetskraft.",
        "en": f"Announced cuts of {jobs} jobs, {share} of the municipality's labour force.",
    }[lang] + sim


def _working_age_detail(n: Mapping[str, Any], lang: str) -> str:
    now, ahead = (
        fmt.number(_n(n, "working_age"), lang),
        fmt.number(_n(n, "working_age_ahead"), lang),
    )
    ch, years = fmt.change(_n(n, "change"), lang), fmt.number(_n(n, "years"), lang)
    return {
        "fi": f"Työikäisiä (15–64) {now}, {years} vuoden päästä ennusteen mukaan {ahead} ({ch}).",
        "sv": f"{now} personer i arbetsför ålder (15–64), om {years} år enligt prognosen "
        f"{ahead} ({ch}).",
        "en": f"{now} people of working age (15–64), {ahead} in {years} years by the "
        f"projection ({ch}).",
    }[lang]


def _clients_detail(n: Mapping[str, Any], lang: str) -> str:
    c, e = fmt.number(_n(n, "clients_per_expert"), lang), fmt.number(_n(n, "experts"), lang)
    j = fmt.number(_n(n, "jobseekers"), lang)
    return {
        "fi": f"Työnhakijoita {j}, asiakkaita {c} asiantuntijaa kohden ({e} asiantuntijaa); "
        "tavoite 100–200.",
        "sv": f"{j} arbetssökande, {c} kunder per sakkunnig ({e} sakkunniga); målet är 100–200.",
        "en": f"{j} jobseekers, {c} clients per expert ({e} experts); the target is 100–200.",
    }[lang]


def _month_text(raw: Any) -> str:
    """``"2023-10"`` (or ``"2023-10-01"``) as people write it: ``10/2023``; else ``–``."""
    raw = str(raw or "")
    if len(raw) >= 7 and raw[4] == "-" and raw[5:7].isdigit():
        return f"{int(raw[5:7])}/{raw[:4]}"
    return "–"


def _occupation_detail(n: Mapping[str, Any], lang: str) -> str:
    """Observed turn: tightness now and a year earlier. Projected turn (a forecast from the
    present): tightness at the projected month and at the forecast's start, and the months
    of the groups' shares and of the level the forecast rests on."""
    lead = _n(n, "months_to_projected_shortage")
    if lead is not None and n.get("level_data_through"):
        t = fmt.number(_n(n, "projected_tightness"), lang, 2)
        s = fmt.number(_n(n, "tightness_at_start"), lang, 2)
        k = fmt.number(lead, lang)
        shares = _month_text(n.get("shares_data_through"))
        level = _month_text(n.get("level_data_through"))
        return {
            "fi": f"Ennusteen mukaan {k} kuukauden kuluttua avoimia työpaikkoja on {t} "
            f"työnhakijaa kohden, ennusteen alussa {s}. Ammattiryhmien osuudet {shares}, "
            f"taso {level}.",
            "sv": f"Enligt prognosen {t} lediga jobb per arbetssökande om {k} månader, "
            f"{s} i prognosens början. Yrkesgruppernas andelar {shares}, nivå {level}.",
            "en": f"Forecast: {t} open vacancies per jobseeker in {k} months, {s} at the "
            f"forecast's start. Occupation groups' shares of {shares}, level of {level}.",
        }[lang]
    t, b = (
        fmt.number(_n(n, "tightness"), lang, 2),
        fmt.number(_n(n, "tightness_year_before"), lang, 2),
    )
    return {
        "fi": f"Avoimia työpaikkoja työnhakijaa kohden {t}, vuotta aiemmin {b}.",
        "sv": f"Lediga jobb per arbetssökande {t}, ett år tidigare {b}.",
        "en": f"Open vacancies per jobseeker {t}, {b} a year earlier.",
    }[lang]


#: The data sources ``stale_data`` watches, in words (fi, sv, en); another is named by code.
STALE_SOURCES = {
    "registers": (
        "Työnvälitystilasto", "Arbetsförmedlingsstatistiken", "Employment service statistics"
    ),
    "occupations": (
        "Ammattiryhmien työnvälitystilasto",
        "Arbetsförmedlingsstatistiken efter yrkesgrupp",
        "Employment service statistics by occupation",
    ),
}  # fmt: skip


def _stale_detail(n: Mapping[str, Any], lang: str) -> str:
    """Which source is old, its newest month as people write it (``10/2023``) and its age."""
    age = fmt.number(_n(n, "age_months"), lang)
    raw, last = str(n.get("last_month") or ""), "–"
    if len(raw) >= 7 and raw[4] == "-" and raw[5:7].isdigit():
        last = f"{int(raw[5:7])}/{raw[:4]}"
    code = str(n.get("source") or "")
    names = STALE_SOURCES.get(code)
    name = names[("fi", "sv", "en").index(lang)] if names else code
    text = {
        "fi": f"uusin kuukausi {last}, {age} kuukautta vanha.",
        "sv": f"senaste månaden {last}, {age} månader gammal.",
        "en": f"newest month {last}, {age} months old.",
    }[lang]
    return f"{name}: {text}" if name else text[0].upper() + text[1:]


def _life(k: int, n: int, m: int) -> dict[str, int]:
    return {"for_k": k, "of_n": n, "clear_m": m}


register(Rule(
    "seasonal_rise", "2",
    title={
        "fi": "Työttömien määrä nousi poikkeuksellisen paljon",
        "sv": "Antalet arbetslösa steg ovanligt mycket",
        "en": "Unemployment rose unusually fast",
    },
    why={
        "fi": "Nousu on suurempi kuin tavallinen vuosivaihtelu: kysyntä voi olla heikkenemässä.",
        "sv": "Ökningen är större än den vanliga årsvariationen: efterfrågan kan försvagas.",
        "en": "The rise is larger than the usual year-to-year swing: demand may be weakening.",
    },
    detail=_seasonal_detail,
    compute=lambda inp, cfg: seasonal_rise(inp.counts("unemployed"), cfg),
    defaults={"window_months": 60, "z_warning": 2.0, "z_critical": 4.0,
              "min_rise_share": 0.15, "min_rise_persons": 15, **_life(1, 1, 3)},
    series="unemployed", variables=("unemployed",),
))  # fmt: skip
register(Rule(
    "rate_threshold", "2",
    title={
        "fi": "Työttömyysaste todennäköisesti ylittää kynnyksen vuoden sisällä",
        "sv": "Arbetslöshetsgraden överstiger sannolikt gränsen inom ett år",
        "en": "The unemployment rate is likely to pass the threshold within a year",
    },
    why={
        "fi": "Palvelujen ja talouden mitoitus kannattaa tarkistaa ennen kuin raja ylittyy.",
        "sv": "Tjänsterna och budgeten bör ses över innan gränsen passeras.",
        "en": "Services and budgets should be reviewed before the threshold is passed.",
    },
    detail=_rate_detail,
    compute=lambda inp, cfg: None if inp.rate_forecast is None else rate_threshold(
        inp.rate_forecast.sel(area=[a for a in inp.areas
                                    if a in inp.rate_forecast.indexes["area"]]),
        cfg, inp.registers["labour_force"].isel(time=-1, drop=True)
        if "labour_force" in inp.registers else None,
    ),
    defaults={"threshold": 0.12, "horizon_months": 12, "p_warning": 0.6, "p_critical": 0.9,
              "min_excess_persons": 25, **_life(2, 2, 6)},
    series="unemployed", variables=("unemployed",),
))  # fmt: skip
register(Rule(
    "structural_break", "3",
    title={
        "fi": "Työttömien taso on muuttunut pysyvästi",
        "sv": "Nivån på de arbetslösa har förändrats varaktigt",
        "en": "The level of unemployment has shifted for good",
    },
    why={
        "fi": "Muutos on kestänyt yli vuoden eikä ole palannut: ennusteiden ja palvelujen "
        "lähtötaso kannattaa päivittää.",
        "sv": "Förändringen har varat över ett år utan att gå tillbaka: utgångsnivån för "
        "prognoser och tjänster bör uppdateras.",
        "en": "The change has lasted over a year without reversing: the baseline of forecasts "
        "and services should be updated.",
    },
    detail=_break_detail,
    compute=lambda inp, cfg: structural_break(inp.counts("unemployed"), cfg),
    defaults={"window_months": 48, "p_value": 0.01, "min_shift_share": 0.25,
              "confirm_months": 12, "hold_months": 6, "min_persist_share": 0.15,
              **_life(3, 3, 3)},
    series="unemployed", variables=("unemployed",),
))  # fmt: skip
register(Rule(
    "vacancy_decline", "2",
    title={
        "fi": "Avoimien työpaikkojen määrä laski selvästi vuodentakaisesta",
        "sv": "Antalet lediga jobb sjönk klart jämfört med ett år tidigare",
        "en": "Open vacancies fell sharply on a year earlier",
    },
    why={
        "fi": "Työvoiman kysyntä heikkenee yleensä ennen kuin työttömyys nousee.",
        "sv": "Efterfrågan på arbetskraft brukar försvagas innan arbetslösheten stiger.",
        "en": "Demand for labour usually weakens before unemployment rises.",
    },
    detail=_vacancy_detail,
    compute=lambda inp, cfg: vacancy_decline(
        with_area_sums(inp.counts("vacancies")), cfg,
        unemployed=with_area_sums(inp.counts("unemployed")),
    ),
    # version 2: the unemployment guard (min_unemployed_change = 0: not while unemployed
    # still fall on the year), chosen on 2010-2015 and 2021-2023 only
    # (docs/results/alerts_tuning.md): precision there 25 % -> 38 %, onsets 35 -> 33 of 224
    defaults={"smooth_months": 3, "drop_warning": 0.30, "drop_critical": 0.50,
              "min_vacancies": 40, "min_drop": 20, "min_vacancies_critical": 200,
              "min_unemployed_change": 0.0, **_life(2, 3, 3)},
    series="vacancies", variables=("vacancies", "unemployed"),
))  # fmt: skip
register(Rule(
    "tightness_decline", "1",
    title={
        "fi": "Työmarkkinat löystyvät: avoimia työpaikkoja on vähemmän työtöntä kohden",
        "sv": "Arbetsmarknaden mattas av: färre lediga jobb per arbetslös",
        "en": "The labour market is loosening: fewer vacancies per unemployed",
    },
    why={
        "fi": "Työpaikat vähenevät ja työttömät lisääntyvät yhtä aikaa: työllistyminen vaikeutuu.",
        "sv": "Jobben minskar och de arbetslösa ökar samtidigt: det blir svårare att få jobb.",
        "en": "Jobs are falling while unemployment rises: finding work is getting harder.",
    },
    detail=_tightness_detail,
    compute=lambda inp, cfg: tightness_decline(
        with_area_sums(inp.counts("vacancies")), inp.counts("unemployed"), cfg
    ),
    defaults={"smooth_months": 3, "drop_warning": 0.35, "min_unemployed_rise": 0.05,
              "min_unemployed_rise_persons": 20, "min_vacancies": 40, **_life(2, 3, 3)},
    series="unemployed", variables=("vacancies", "unemployed"),
))  # fmt: skip


def _clients(inp: RegisterInputs, cfg: dict[str, Any]) -> Signal | None:
    from forecasting.scenarios import staffing

    known = set(map(str, inp.registers["area"].values))
    table = {a: staffing.client_facing_experts(a) for a in known}
    experts = {a: float(v) for a, v in table.items() if v is not None}
    if not experts:
        return None
    jobseekers = with_area_sums(inp.registers["jobseekers"])
    return clients_per_expert(jobseekers.sel(area=sorted(experts)), experts, cfg)


register(Rule(
    "clients_per_expert", "2",
    title={
        "fi": "Asiakkaita työllisyysasiantuntijaa kohden on yli tavoitteen",
        "sv": "Antalet kunder per sysselsättningsexpert överstiger målet",
        "en": "Clients per employment expert are above the target",
    },
    why={
        "fi": "Palvelun laatu ja lakisääteiset tapaamiset ovat vaarassa ilman lisähenkilöstöä.",
        "sv": "Tjänsternas kvalitet och lagstadgade möten är i fara utan mer personal.",
        "en": "Service quality and statutory meetings are at risk without more staff.",
    },
    detail=_clients_detail, compute=_clients,
    defaults={"max_clients": 200, "min_clients": 100, **_life(2, 3, 3)},
    series="jobseekers", variables=("jobseekers",),
))  # fmt: skip
register(Rule(
    "event_tier", "2",
    title={
        "fi": "Ilmoitettu irtisanominen tai lomautus on suuri suhteessa kunnan työvoimaan",
        "sv": "En aviserad uppsägning eller permittering är stor i förhållande till "
        "kommunens arbetskraft",
        "en": "An announced layoff or closure is large for the municipality's labour force",
    },
    why={
        "fi": "Vaikutus näkyy työttömyydessä viiveellä; palveluihin voi varautua nyt.",
        "sv": "Effekten syns i arbetslösheten med fördröjning; tjänsterna kan förberedas nu.",
        "en": "The effect reaches unemployment with a delay; services can prepare now.",
    },
    detail=_event_detail,
    defaults={"share_info": 0.003, "share_warning": 0.01, "share_critical": 0.03,
              "jobs_warning": 100, "lookahead_months": 12, **_life(1, 1, 1)},
))  # fmt: skip
register(Rule(
    "working_age_decline", "3",
    title={
        "fi": "Työikäinen väestö vähenee",
        "sv": "Befolkningen i arbetsför ålder minskar",
        "en": "The working-age population is falling",
    },
    why={
        "fi": "Työvoiman tarjonta supistuu: rekrytointi vaikeutuu ja palvelutarve muuttuu.",
        "sv": "Utbudet av arbetskraft krymper: rekryteringen blir svårare och servicebehovet "
        "förändras.",
        "en": "Labour supply shrinks: recruiting gets harder and service needs change.",
    },
    detail=_working_age_detail,
    defaults={"years": 5, "decline_info": 0.05, "decline_warning": 0.10, **_life(1, 1, 1)},
))  # fmt: skip
register(Rule(
    "occupation_shortage", "3",
    title={
        "fi": "Ammattiryhmä kääntyi ylitarjonnasta työvoimapulaan",
        "sv": "En yrkesgrupp vände från överskott till brist",
        "en": "An occupation group turned from surplus to shortage",
    },
    why={
        "fi": "Työnantajien rekrytointi vaikeutuu; koulutusta ja ohjausta voi suunnata ryhmään.",
        "sv": "Arbetsgivarnas rekrytering försvåras; utbildning kan riktas till gruppen.",
        "en": "Employers will struggle to recruit; training and guidance can target the group.",
    },
    detail=_occupation_detail,
    defaults={"tightness_shortage": 1.0, "min_vacancies": 20, **_life(3, 3, 3)},
))  # fmt: skip
register(Rule(
    "stale_data", "2",
    title={
        "fi": "Aineisto on vanhentunut",
        "sv": "Uppgifterna är föråldrade",
        "en": "The data is out of date",
    },
    why={
        "fi": "Hälytykset ja ennusteet perustuvat vanhaan tietoon, kunnes aineisto päivitetään.",
        "sv": "Varningar och prognoser bygger på gamla uppgifter tills de uppdateras.",
        "en": "Alerts and forecasts rest on old data until the source is refreshed.",
    },
    detail=_stale_detail,
    defaults={"max_age_months": 2, "critical_age_months": 6, **_life(1, 1, 1)},
))  # fmt: skip
