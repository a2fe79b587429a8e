"""Forecast accuracy metrics (numpy; the last axis is the forecast horizon).

Missing actuals (NaN, for example suppressed cells) are left out of every average. Each
function takes arrays of the same shape ``(..., h)`` and returns ``(...)`` (one value per
series), so a panel of series is scored in one call.

- MASE (Hyndman & Koehler 2006) with the in-sample seasonal naive scale, ``m = 12``;
- sMAPE as in the M4 competition, in per cent (0–200), with ``0 / 0 = 0``;
- interval coverage, the share of actuals inside ``[lo, hi]``;
- the Winkler (1972) interval score: width plus ``2 / alpha`` times the miss;
- CRPS from a few quantiles (the quantile decomposition of the CRPS, Gneiting & Raftery 2007).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def seasonal_scale(y_train: ArrayLike, m: int = 12) -> np.ndarray:
    """Mean absolute seasonal difference ``mean |y_t - y_{t-m}|`` over the training data.

    ``y_train`` is ``(..., T)``; returns ``(...)``; NaN where there are no complete pairs.
    """
    y = np.asarray(y_train, dtype=float)
    if y.shape[-1] <= m:
        raise ValueError(f"need more than m={m} training values, got {y.shape[-1]}")
    diffs = np.abs(y[..., m:] - y[..., :-m])
    return _nanmean(diffs)


def mase(y_true: ArrayLike, y_pred: ArrayLike, y_train: ArrayLike, *, m: int = 12) -> np.ndarray:
    """Mean absolute scaled error: ``mean |y - yhat| / seasonal_scale(y_train, m)``.

    A zero scale (a constant training series) gives ``inf`` for any error and NaN for none.
    """
    err = _nanmean(np.abs(np.asarray(y_true, float) - np.asarray(y_pred, float)))
    scale = seasonal_scale(y_train, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        return err / scale


def smape(y_true: ArrayLike, y_pred: ArrayLike) -> np.ndarray:
    """Symmetric MAPE in per cent: ``200 / h * sum |y - yhat| / (|y| + |yhat|)``."""
    y = np.asarray(y_true, dtype=float)
    f = np.asarray(y_pred, dtype=float)
    denom = np.abs(y) + np.abs(f)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(denom == 0, 0.0, np.abs(y - f) / denom)
    ratio = np.where(np.isnan(y), np.nan, ratio)
    return 200.0 * _nanmean(ratio)


def coverage(y_true: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> np.ndarray:
    """Share (0–1) of actuals with ``lo <= y <= hi``."""
    y = np.asarray(y_true, dtype=float)
    inside = ((y >= np.asarray(lo)) & (y <= np.asarray(hi))).astype(float)
    return _nanmean(np.where(np.isnan(y), np.nan, inside))


def winkler(y_true: ArrayLike, lo: ArrayLike, hi: ArrayLike, level: float) -> np.ndarray:
    """Mean Winkler score of the central ``level`` interval (same units as ``y``).

    ``(hi - lo) + 2 / alpha * (lo - y)`` if ``y < lo``, ``+ 2 / alpha * (y - hi)`` if
    ``y > hi``, with ``alpha = 1 - level``; lower is better.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    y = np.asarray(y_true, dtype=float)
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    alpha = 1.0 - level
    score = (hi - lo) + (2.0 / alpha) * (np.maximum(lo - y, 0.0) + np.maximum(y - hi, 0.0))
    return _nanmean(score)


def crps_quantiles(y_true: ArrayLike, quantiles: ArrayLike, probs: ArrayLike) -> np.ndarray:
    """Mean CRPS approximated from forecast quantiles (same units as ``y``; lower is better).

    ``CRPS = 2 * integral_0^1 QS_tau(q_tau, y) dtau`` with the pinball loss
    ``QS_tau = (1{y < q} - tau) (q - y)`` (Gneiting & Raftery 2007, eq. 41); the integral
    is the trapezoid rule over ``probs`` (increasing, in (0, 1)), normalised to weights
    summing to one, so the tails beyond the outer levels count as the outer quantiles'
    scores. ``quantiles`` is ``(k, ..., h)`` (one slice per level of ``probs`` ``(k,)``),
    ``y_true`` ``(..., h)``. With levels symmetric around 0.5 a point forecast (all
    quantiles equal) scores its absolute error exactly. Quantiles out of order are sorted.
    Few levels give a coarse, low value: with the five published ones (0.025, 0.1, 0.5,
    0.9, 0.975) a Gaussian forecast scores 0.58 times its exact CRPS when ``y`` is at the
    median and within 8 % of it beyond one standard deviation; compare methods on the same
    levels only.
    """
    p = np.asarray(probs, dtype=float)
    if p.ndim != 1 or p.size < 2 or np.any(np.diff(p) <= 0) or p[0] <= 0 or p[-1] >= 1:
        raise ValueError("probs must be increasing levels in (0, 1), at least two")
    q = np.sort(np.asarray(quantiles, dtype=float), axis=0)
    y = np.asarray(y_true, dtype=float)
    if q.shape != (p.size, *y.shape):
        raise ValueError(f"quantiles must be {(p.size, *y.shape)}, got {q.shape}")
    gaps = np.diff(p)
    w = np.zeros(p.size)
    w[:-1] += gaps / 2
    w[1:] += gaps / 2
    w /= w.sum()
    tau = p.reshape(-1, *([1] * y.ndim))
    loss = ((y < q).astype(float) - tau) * (q - y)
    score = 2.0 * np.tensordot(w, loss, axes=1)
    return _nanmean(np.where(np.isnan(y), np.nan, score))


def _nanmean(x: np.ndarray) -> np.ndarray:
    """Mean over the last axis ignoring NaN, NaN (without a warning) when all are NaN."""
    x = np.asarray(x, dtype=float)
    count = np.sum(~np.isnan(x), axis=-1)
    total = np.nansum(x, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
