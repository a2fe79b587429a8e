"""Split-conformal scaling of published intervals per level and horizon step.

The reconciled bounds of a hierarchy come from sample paths whose dependence across series
is estimated from a few years of inner backtests; when the errors of the municipalities are
more strongly correlated than those years showed (a national turn), the sums under-cover:
the country's 80 % interval covered 66-71 % on the tuning origins, 46 % at horizons 13-36
on the evaluation origins. A factor per level and horizon step (:func:`step_factors`; per
band in :func:`factor_table`), taken from the errors of the published intervals on
calibration origins, widens (or narrows) them on the ``log1p`` scale around the point
forecast:

``hi' = expm1(log1p(point) + f (log1p(hi) - log1p(point)))`` and likewise below.

The factor is the split-conformal quantile (Lei et al. 2018, "Distribution-free predictive
inference for regression", JASA 113; for multi-step series forecasts Stankeviciute et al.
2021, "Conformal time-series forecasting", NeurIPS) of the nonconformity score

``s = (log1p(y) - log1p(point)) / (log1p(hi) - log1p(point))`` above the point, and the
mirror image below it: the interval scaled by ``f`` contains ``y`` exactly when ``s <= f``,
so ``f`` is the ``ceil((m + 1) q) / m`` empirical quantile of the ``m`` scores for a
nominal coverage ``q``. The calibration errors of one origin share its business cycle,
so the guarantee is only approximate (the origins, not the errors, are exchangeable).

Before the factors, :func:`respread` can replace the sampled half-widths (in part or in
full) by a robust spread of each series' yearly log changes (:func:`robust_spread`): the
sampled widths carry the models' in-sample variance, which a shock inflates for years.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.isotonic import isotonic_regression

#: Horizon bands of the band factors: steps 1-12, 13-24 and 25 or more after the last data.
BAND_EDGES = (12, 24)
#: Half-width (months) of the window of steps whose scores set one step's factor.
STEP_WINDOW = 3
#: Factors tried when one is fitted through a limit (:func:`step_factors` with ``parts``).
FACTOR_GRID = np.round(np.arange(0.05, 4.0001, 0.01), 2)


def band_of(steps: np.ndarray) -> np.ndarray:
    """Band index (0, 1, 2) of steps ahead ``steps`` (1 = the first month after the data)."""
    return np.searchsorted(np.asarray(BAND_EDGES), np.asarray(steps), side="left")


def interval_scores(y: np.ndarray, point: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Nonconformity scores of counts ``y`` against intervals ``[lo, hi]`` around ``point``.

    Same-shaped arrays; NaN where ``y`` is NaN, ``inf`` where the interval has no width on
    the side of a ``y`` other than the point. ``s <= 1`` exactly when ``lo <= y <= hi``.
    """
    ly, lp = np.log1p(np.asarray(y, float)), np.log1p(np.asarray(point, float))
    up = np.log1p(np.asarray(hi, float)) - lp
    down = lp - np.log1p(np.asarray(lo, float))
    gap = ly - lp
    width = np.where(gap >= 0, up, down)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.abs(gap) / width
    s = np.where(gap == 0, 0.0, s)
    return np.where(np.isnan(ly), np.nan, s)


def conformal_factor(scores: np.ndarray, coverage: float) -> float:
    """The split-conformal factor: the ``ceil((m + 1) coverage)``-th smallest of the ``m``
    finite-or-infinite scores (NaN skipped); the largest finite score when that rank
    exceeds ``m``; 1.0 without scores."""
    s = np.sort(np.asarray(scores, float)[~np.isnan(scores)])
    m = s.size
    if m == 0:
        return 1.0
    k = min(math.ceil((m + 1) * coverage), m)
    value = float(s[k - 1])
    if not np.isfinite(value):
        finite = s[np.isfinite(s)]
        value = float(finite[-1]) if finite.size else 1.0
    return value


def scale_bounds(
    point: np.ndarray,
    bounds: dict[str, np.ndarray],
    f80: np.ndarray | float,
    f95: np.ndarray | float,
) -> dict[str, np.ndarray]:
    """``bounds`` (``lo80, hi80, lo95, hi95``, counts) scaled around ``point`` on the
    ``log1p`` scale by ``f80`` and ``f95`` (broadcasting against ``point``).

    The results stay non-negative and nested: ``lo95 <= lo80 <= point <= hi80 <= hi95``.
    """
    lp = np.log1p(np.asarray(point, float))

    def side(key: str, f: np.ndarray | float) -> np.ndarray:
        return np.maximum(np.expm1(lp + f * (np.log1p(bounds[key]) - lp)), 0.0)

    p = np.asarray(point, float)
    lo80, hi80 = np.minimum(side("lo80", f80), p), np.maximum(side("hi80", f80), p)
    lo95 = np.minimum(side("lo95", f95), lo80)
    hi95 = np.maximum(side("hi95", f95), hi80)
    return {"lo80": lo80, "hi80": hi80, "lo95": lo95, "hi95": hi95}


def factor_table(
    steps: np.ndarray,
    y: np.ndarray,
    point: np.ndarray,
    bounds: dict[str, np.ndarray],
    coverages: tuple[float, float] = (0.80, 0.95),
) -> np.ndarray:
    """Factors ``(3, 2)`` (band x 80/95 %) from calibration forecasts of one group of series.

    ``y``, ``point`` and ``bounds`` are ``(m, h)`` (rows: series x origins), ``steps``
    ``(h,)`` the steps ahead of the columns. A band without any actual gets 1.0.
    """
    bands = band_of(steps)
    out = np.ones((len(BAND_EDGES) + 1, 2))
    for b in range(out.shape[0]):
        cols = bands == b
        if not cols.any():
            continue
        for j, (cov, lvl) in enumerate(zip(coverages, (80, 95), strict=True)):
            s = interval_scores(
                y[:, cols], point[:, cols], bounds[f"lo{lvl}"][:, cols], bounds[f"hi{lvl}"][:, cols]
            )
            out[b, j] = conformal_factor(s, cov)
    return out


def robust_spread(history: np.ndarray, lag: int = 12) -> np.ndarray:
    """Robust spread ``(n,)`` of each row's ``lag``-month changes of ``log1p(history)``
    (``history`` ``(n, T)`` counts, NaN skipped): 1.4826 x their median absolute deviation,
    a scale of a year's log change that a few shock months (the 2020 spike) barely move,
    unlike the models' in-sample variance (the mean absolute deviation where the median
    one is 0). NaN for a row with no change to measure."""
    z = np.log1p(np.asarray(history, float))
    if z.shape[1] <= lag:
        return np.full(z.shape[0], np.nan)
    dz = z[:, lag:] - z[:, :-lag]
    out = np.full(z.shape[0], np.nan)
    ok = np.isfinite(dz).any(axis=1)
    if ok.any():
        dev = np.abs(dz[ok] - np.nanmedian(dz[ok], axis=1, keepdims=True))
        mad = 1.4826 * np.nanmedian(dev, axis=1)
        # mostly unchanged months (small series at the suppression value): the mean
        # absolute deviation (x 1.2533, normal-consistent) still sees the changes there are
        out[ok] = np.where(mad > 0, mad, 1.2533 * np.nanmean(dev, axis=1))
    return out


def respread(
    point: np.ndarray,
    bounds: dict[str, np.ndarray],
    spread: np.ndarray,
    mix: np.ndarray | float,
) -> dict[str, np.ndarray]:
    """``bounds`` whose ``log1p`` half-widths around ``point`` (``(..., n, h)``) become
    ``model ** (1 - mix) * spread ** mix``: ``mix`` 0 keeps the sampled widths, 1 puts the
    same symmetric width ``spread`` (``(..., n)``, :func:`robust_spread`) under the 80 %
    and 95 % bounds (their factors then set each). Rows whose ``spread`` is not a positive
    number keep their bounds."""
    lp = np.log1p(np.asarray(point, float))
    sp = np.asarray(spread, float)[..., None]
    m = np.broadcast_to(np.asarray(mix, float)[..., None] if np.ndim(mix) else mix, lp.shape)
    use = np.isfinite(sp) & (sp > 0) & (m > 0)
    safe = np.where(use, sp, 1.0)
    out = {}
    for key, values in bounds.items():
        model = np.abs(np.log1p(np.asarray(values, float)) - lp)
        half = np.where(use, np.maximum(model, 1e-12) ** (1 - m) * safe**m, model)
        sign = -1.0 if key.startswith("lo") else 1.0
        out[key] = np.maximum(np.expm1(lp + sign * half), 0.0)
    return out


def step_factors(
    y: np.ndarray,
    point: np.ndarray,
    bounds: dict[str, np.ndarray],
    *,
    parts: dict[str, np.ndarray] | None = None,
    coverages: tuple[float, float] = (0.80, 0.95),
    window: int = STEP_WINDOW,
) -> np.ndarray:
    """Factors ``(h, 2)`` (step x 80/95 %) from calibration forecasts of one group of series.

    ``y``, ``point`` and ``bounds`` are ``(m, h)`` (rows: series x origins; column ``j`` is
    step ``j + 1``). The factor of a step is taken from the scores of the steps within
    ``window`` months of it, so it follows how the errors grow with the horizon without
    resting on one month's few origins. Without ``parts`` it is the split-conformal
    quantile (:func:`conformal_factor`); with ``parts`` (``lo80 .. hi95`` ``(m, h)``: the
    sums of the member series' scaled bounds, the comonotone limit the published bounds
    are held within) it is the smallest factor of :data:`FACTOR_GRID` whose limited
    intervals reach the same finite-sample rank, or, when the limit keeps that out of
    reach, the coverage of the largest factor. A step without actuals gets 1.0.
    """
    h = np.shape(y)[1]
    out = np.ones((h, 2))
    lp = np.log1p(np.asarray(point, float))
    for j in range(h):
        cols = slice(max(j - window, 0), min(j + window + 1, h))
        yy = np.asarray(y, float)[:, cols]
        ok = ~np.isnan(yy)
        n = int(ok.sum())
        if n == 0:
            continue
        for k, (q, lvl) in enumerate(zip(coverages, (80, 95), strict=True)):
            lo, hi = bounds[f"lo{lvl}"][:, cols], bounds[f"hi{lvl}"][:, cols]
            if parts is None:
                out[j, k] = conformal_factor(interval_scores(yy, point[:, cols], lo, hi), q)
                continue
            plo, phi = parts[f"lo{lvl}"][:, cols], parts[f"hi{lvl}"][:, cols]
            out[j, k] = _limited_factor(yy, lp[:, cols], lo, hi, plo, phi, q)
    return out


def _limited_factor(
    y: np.ndarray,
    lp: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    plo: np.ndarray,
    phi: np.ndarray,
    q: float,
) -> float:
    """The least factor of :data:`FACTOR_GRID` whose intervals ``[lo, hi]`` scaled around
    ``expm1(lp)`` and held within ``[plo, phi]`` cover the split-conformal rank of ``q``
    of the non-NaN ``y`` (or, out of reach, as much as the largest factor covers)."""
    ok = ~np.isnan(y)
    n = int(ok.sum())
    low, high = np.log1p(lo) - lp, np.log1p(hi) - lp

    def cover(g: float) -> float:
        a = np.maximum(np.expm1(lp + g * low), plo)
        b = np.minimum(np.expm1(lp + g * high), phi)
        return float(np.mean(((y >= a) & (y <= b))[ok]))

    # coverage only grows with the factor: bisection on the grid
    need = min(min(math.ceil((n + 1) * q), n) / n, cover(float(FACTOR_GRID[-1])))
    lo_i, hi_i = 0, len(FACTOR_GRID) - 1
    while lo_i < hi_i:
        mid = (lo_i + hi_i) // 2
        if cover(float(FACTOR_GRID[mid])) >= need:
            hi_i = mid
        else:
            lo_i = mid + 1
    return float(FACTOR_GRID[lo_i])


def factors_at(steps: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Factors ``(len(steps), 2)`` of ``steps`` (1 = first month after the data) from a
    per-step ``table`` ``(H, 2)``; steps beyond ``H`` take its last row."""
    idx = np.clip(np.asarray(steps) - 1, 0, len(table) - 1)
    return np.asarray(table, float)[idx]


def isotonic(values: np.ndarray) -> np.ndarray:
    """The non-decreasing sequence nearest ``values`` in least squares (pool adjacent
    violators, :func:`sklearn.isotonic.isotonic_regression`): factors that grow with the
    horizon, a one-origin spike spread over its neighbours instead of standing alone."""
    return isotonic_regression(np.asarray(values, float), increasing=True)
