"""Special groups of the registers, forecast as a share of a total.

Each group is forecast as ``share x total``, ``total`` the reconciled forecast of the
unemployed (every group of persons) or of the open vacancies (``new_vacancies``). For groups
that are not part of the unemployed (jobseekers, people on short-time work or in services) the
"share" is a ratio to the unemployed, which may exceed 1.

- **One month or a short history** (the 2026 extracts hold a single month of the groups): the
  share of the latest month at or before the origin that has the group, held constant.
- **From history** (at least :data:`MIN_HISTORY_MONTHS` observed months in the last three
  years, as a refresh of the monthly table gives): the share follows its own calendar-month
  pattern (:func:`seasonal_share`): the latest share with its seasonal deviation removed,
  plus the mean deviation of each calendar month on the log scale; the random walk's monthly
  sd is estimated from the deseasonalised month-to-month changes instead of assumed.

Share uncertainty (assumed where there is one month of data, estimated from history
otherwise): ``log(share)`` is a random walk with monthly standard deviation ``q``
(:data:`SHARE_DRIFT`, per group) plus the Poisson noise of the base month's count,
``var = q^2 h + 1 / max(count, 1)``. On the log scale this is added to the total's interval
half-widths in quadrature:
``d = sign * sqrt(d_total^2 + (z sigma_share)^2)`` with ``z`` 1.28 (80 %) or 1.96 (95 %),
so a group's interval widens with the horizon even where the total's does not. Groups are
computed for each area from its own (summed) counts, so they are not reconciled: an
aggregate's group forecast is close to, but not exactly, the sum of its municipalities'.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.registers import Hierarchy, aggregate, bottom_values
from models.forecast import Z80, Z95

# group -> (total it is a share of, monthly sd of the log share's random walk)
SHARE_DRIFT: dict[str, tuple[str, float]] = {
    "jobseekers": ("unemployed", 0.01),
    "long_term_unemployed": ("unemployed", 0.03),
    "unemployed_under_25": ("unemployed", 0.02),
    "unemployed_over_50": ("unemployed", 0.02),
    "unemployed_foreign": ("unemployed", 0.02),
    "unemployed_disabled": ("unemployed", 0.02),
    "laid_off": ("unemployed", 0.10),
    "short_time": ("unemployed", 0.10),
    "subsidised_employment": ("unemployed", 0.05),
    "in_labour_market_training": ("unemployed", 0.05),
    "in_work_practice": ("unemployed", 0.05),
    "in_trials": ("unemployed", 0.05),
    "in_coaching": ("unemployed", 0.05),
    "new_vacancies": ("vacancies", 0.08),
}
#: Observed months of a group (in the last 36 before the origin) to read its share from history.
MIN_HISTORY_MONTHS = 25
#: Bounds of the monthly log-share sd estimated from history.
SHARE_SD_BOUNDS = (0.005, 0.25)
GROUPS_METHOD = (
    "special groups = share x total forecast (unemployed; vacancies for new_vacancies); with "
    f"at least {MIN_HISTORY_MONTHS} observed months in the last three years the share follows "
    "its calendar-month pattern and its log-share sd is estimated from history, otherwise the "
    "share of the latest month with the group is held constant; log-share uncertainty assumed: "
    "random walk with monthly sd q (0.01 jobseekers, 0.02 age/foreign/disabled groups, 0.03 "
    "long-term unemployed, 0.05 services, 0.08 new vacancies, 0.10 laid off and short time) "
    "plus 1/count Poisson noise of the base month, added in quadrature to the total's "
    "log-scale interval; not reconciled across areas"
)


def group_forecasts(
    ds: xr.Dataset,
    hier: Hierarchy,
    rows: tuple[str, ...],
    end: int,
    totals: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Forecasts ``(len(rows), h, 5)`` (mean, lo80, hi80, lo95, hi95) of each special group.

    Parameters
    ----------
    ds
        The registers cube; groups absent from it or without data up to month ``end - 1``
        are left out.
    hier, rows
        The hierarchy and the forecast's rows.
    end
        Months of data usable (the origin is month ``end - 1``).
    totals
        ``{"unemployed": (n, h, 5), "vacancies": (n, h, 5)}`` reconciled forecasts.
    """
    out: dict[str, np.ndarray] = {}
    idx = hier.index(rows)
    for name, (total_name, q) in SHARE_DRIFT.items():
        if name not in ds.data_vars:
            continue
        group = bottom_values(ds, name, hier, end)
        have = np.flatnonzero(np.isfinite(group).any(axis=0))
        if have.size == 0:
            continue
        t = int(have[-1])
        base = np.nan_to_num(group[:, t], nan=0.0)
        total = bottom_values(ds, total_name, hier, t + 1)
        count = aggregate(hier.S, base[:, None])[idx, 0]
        denom = aggregate(hier.S, np.nan_to_num(total[:, t], nan=0.0)[:, None])[idx, 0]
        share: np.ndarray = count / np.maximum(denom, 1.0)
        steps = np.arange(1, totals[total_name].shape[1] + 1) + (end - 1 - t)
        recent = have[have > t - 36]
        if recent.size >= MIN_HISTORY_MONTHS:
            months = pd.DatetimeIndex(ds["time"].values).month.to_numpy()
            g = aggregate(hier.S, np.nan_to_num(group[:, recent], nan=0.0))[idx]
            tot = aggregate(hier.S, np.nan_to_num(total[:, recent], nan=0.0))[idx]
            share, q = seasonal_share(g, tot, months[recent], steps)
        var = q**2 * steps[None, :] + 1.0 / np.maximum(count, 1.0)[:, None]
        out[name] = scale_interval(totals[total_name], share, np.sqrt(var))
    return out


def seasonal_share(
    group: np.ndarray, total: np.ndarray, months: np.ndarray, steps: np.ndarray
) -> tuple[np.ndarray, float]:
    """A group's share path from its history, and the monthly sd of its log share.

    Parameters
    ----------
    group, total
        ``(n, m)`` observed counts of the group and of its total in ``m`` months (oldest
        first, the last one the latest observation).
    months
        ``(m,)`` calendar months (1..12) of those observations.
    steps
        ``(h,)`` months ahead of the latest observation to forecast.

    Returns
    -------
    share
        ``(n, h)``: ``exp(level + dev[month])``, ``level`` the latest log share less its
        calendar month's deviation, ``dev`` each calendar month's mean log share less the
        mean over months (0 for a month never observed).
    sd
        The pooled sd of the deseasonalised log share's month-to-month changes (consecutive
        observed months only), clipped to :data:`SHARE_SD_BOUNDS`.
    """
    log_s = np.log(np.maximum(group, 0.5) / np.maximum(total, 1.0))
    season = np.full((log_s.shape[0], 12), np.nan)
    for m in range(1, 13):
        hit = months == m
        if hit.any():
            season[:, m - 1] = log_s[:, hit].mean(axis=1)
    dev = np.nan_to_num(season - np.nanmean(season, axis=1, keepdims=True), nan=0.0)
    adjusted = log_s - dev[:, months - 1]
    level = adjusted[:, -1]
    ahead = (months[-1] - 1 + steps) % 12
    share = np.exp(level[:, None] + dev[:, ahead])
    consecutive = np.diff(months) % 12 == 1
    changes = np.diff(adjusted, axis=1)[:, consecutive]
    sd = float(np.std(changes)) if changes.size > 1 else SHARE_SD_BOUNDS[1]
    return share, float(np.clip(sd, *SHARE_SD_BOUNDS))


def scale_interval(total: np.ndarray, share: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``share x total`` with the log-share spread ``sigma`` ``(n, h)`` added in quadrature.

    ``total`` is ``(n, h, 5)`` (mean, lo80, hi80, lo95, hi95), ``share`` ``(n,)`` (held) or
    ``(n, h)`` (a path); returns the shape of ``total``.
    """
    point = (share if share.ndim == 2 else share[:, None]) * total[..., 0]
    out = np.empty_like(total)
    out[..., 0] = point
    centre = np.log1p(total[..., 0])
    for k, (sign, z) in enumerate(((-1, Z80), (1, Z80), (-1, Z95), (1, Z95)), start=1):
        d_total = np.log1p(total[..., k]) - centre
        d = sign * np.sqrt(d_total**2 + (z * sigma) ** 2)
        out[..., k] = np.maximum(np.expm1(np.log1p(point) + d), 0.0)
    return out
