"""A global (pooled) direct model: one small ridge regression per horizon, shared by all series.

Local models estimate each municipality's trend and season from its own short, noisy
history. Pooling the regression over hundreds of series (Montero-Manso & Hyndman 2021,
"Principles and algorithms for forecasting groups of time series: locality and globality")
lets every series borrow the dynamics of all the others, and the parent and national
features carry the business cycle that moves them together.

For series ``i``, last observation ``t`` and horizon ``h``, with ``s = t + h - m k`` the latest
observed month of the same calendar month (``k = ceil(h / m)``), on ``z = log1p(y)``::

    z[t + h] - z[s] = x(i, t, h) @ beta_h + e

so the model predicts the change against the seasonal naive forecast. Features ``x``:
a constant; the series' year-on-year log change (latest, mean of the last 3 and of the last
12); the same for the parent series and (latest, last 3) for the national series; the target
month's and the latest months' distance from the trailing 12-month mean (``z[s] - a[t]``,
``z[t] - a[t]``, ``z[t-1] - a[t]``, ``z[t-2] - a[t]``); last year's change at the target month
``z[s] - z[s - m]`` and its seasonal position one year earlier ``z[s - m] - a[s - m]``; and
each of these 15 multiplied by the series' centred log size ``(a[t] - 6) / 2``. The scale is
each series' root mean squared in-sample residual at that horizon.
"""

from __future__ import annotations

from typing import Self

import numpy as np

from models.forecast._base import Estimator, Forecast, _check_horizon

N_BASE = 15  # features before the size interactions
N_REVERSION = 3  # own, parent and national distance from the long-run level
N_FEATURES = 2 * N_BASE
SIZE_CENTRE, SIZE_SCALE = 6.0, 2.0  # log1p of about 400 counts; a factor e^2 ~ 7.4


def _rolling_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Trailing mean over ``width`` columns; ``out[:, t]`` averages ``x[:, t-width+1 .. t]``
    (NaN where the window is incomplete or holds a NaN)."""
    pad = ((0, 0), (1, 0))
    total = np.cumsum(np.pad(np.nan_to_num(x), pad), axis=1)
    holes = np.cumsum(np.pad(np.isnan(x).astype(float), pad), axis=1)
    out = np.full(x.shape, np.nan)
    window_sum = total[:, width:] - total[:, :-width]
    clean = (holes[:, width:] - holes[:, :-width]) == 0
    out[:, width - 1 :] = np.where(clean, window_sum / width, np.nan)
    return out


def _expanding_mean(x: np.ndarray, first: int) -> np.ndarray:
    """``out[:, t]`` the mean of ``x[:, :t + 1]`` (NaN for ``t < first``)."""
    out = np.cumsum(x, axis=1) / np.arange(1, x.shape[1] + 1)
    out[:, :first] = np.nan
    return out


def _series_features(
    z: np.ndarray, parent: np.ndarray, m: int, reversion: bool
) -> dict[str, np.ndarray]:
    """The features of every month that do not depend on the horizon, ``(n, T)`` each:
    year-on-year change ``yoy`` and its trailing means ``yoy3``/``yoy12``, the trailing
    12-month mean ``annual`` and (``reversion``) its ``gap`` from the expanding mean; the
    parent's rows of these as ``parent_yoy`` and so on.

    Computed once per panel: :func:`_design` takes columns of them for each horizon."""
    n, T = z.shape
    yoy = np.full((n, T), np.nan)
    yoy[:, m:] = z[:, m:] - z[:, :-m]
    annual = _rolling_mean(z, m)
    out = {"yoy": yoy, "yoy3": _rolling_mean(yoy, 3), "yoy12": _rolling_mean(yoy, m)}
    out["annual"] = annual
    if reversion:
        # distance of the trailing year from the series' long-run level (mean since the
        # start): the pull back toward the cycle's middle after a boom or a slump
        out["gap"] = annual - _expanding_mean(z, 3 * m - 1)
    for name in ("yoy", "yoy3", "yoy12", "gap"):
        if name in out:
            out[f"parent_{name}"] = out[name][parent]
    return out


def _design(
    z: np.ndarray,
    parent: np.ndarray,
    national: int,
    t: np.ndarray,
    h: int,
    m: int,
    reversion: bool = False,
    features: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Features ``(n, len(t), n_features)`` and the base ``z[:, s]`` ``(n, len(t))``.

    ``features`` are :func:`_series_features` of ``z`` (computed here when not given)."""
    f = _series_features(z, parent, m, reversion) if features is None else features
    n = z.shape[0]
    yoy, yoy3, yoy12, annual = f["yoy"], f["yoy3"], f["yoy12"], f["annual"]
    k = (h - 1) // m + 1
    s = t + h - m * k
    n_base = N_BASE + (N_REVERSION if reversion else 0)
    # the columns are written into their place in X (what np.stack of them would give,
    # without a temporary array per column and a second pass)
    X = np.empty((n, t.size, 2 * n_base))
    at_t = annual[:, t]
    X[..., 0] = 1.0
    X[..., 1] = yoy[:, t]
    X[..., 2] = yoy3[:, t]
    X[..., 3] = yoy12[:, t]
    X[..., 4] = f["parent_yoy"][:, t]
    X[..., 5] = f["parent_yoy3"][:, t]
    X[..., 6] = f["parent_yoy12"][:, t]
    X[..., 7] = yoy[national, t]
    X[..., 8] = yoy3[national, t]
    base = z[:, s]
    np.subtract(base, at_t, out=X[..., 9])
    np.subtract(z[:, t], at_t, out=X[..., 10])
    np.subtract(z[:, t - 1], at_t, out=X[..., 11])
    np.subtract(z[:, t - 2], at_t, out=X[..., 12])
    np.subtract(base, z[:, s - m], out=X[..., 13])
    np.subtract(z[:, s - m], annual[:, s - m], out=X[..., 14])
    if reversion:
        gap = f["gap"]
        X[..., 15] = gap[:, t]
        X[..., 16] = f["parent_gap"][:, t]
        X[..., 17] = gap[national, t]
    # every feature also enters multiplied by the series' centred log size, so small and
    # large series can have different dynamics (more noise and mean reversion when small)
    size = (at_t - SIZE_CENTRE) / SIZE_SCALE
    np.multiply(X[..., :n_base], size[..., None], out=X[..., n_base:])
    return X, base


class PooledRegression(Estimator):
    """Direct multi-horizon ridge regression pooled over a panel of count series.

    Parameters
    ----------
    season_length
        Period ``m``.
    max_horizon
        Horizons ``1 .. max_horizon`` get their own coefficients.
    ridge
        Penalty per training row (``lambda = ridge * rows``), for numerical stability.
    reversion
        Add the distance of the series', its parent's and the national trailing-year level
        from their long-run (expanding) mean, and their size interactions: mean reversion
        toward the cycle.

    Attributes
    ----------
    coef_ : ndarray (max_horizon, n_features)
    scale_ : ndarray (n, max_horizon)
        In-sample residual RMS per series and horizon (log scale).
    fittedvalues_ : ndarray (n, T)
        In-sample one-step predictions of ``log1p(y)`` (NaN for the first ``3 m`` months).
    """

    def __init__(
        self,
        *,
        season_length: int = 12,
        max_horizon: int = 36,
        ridge: float = 1e-3,
        reversion: bool = False,
    ):
        self.season_length = season_length
        self.max_horizon = max_horizon
        self.ridge = ridge
        self.reversion = reversion

    @property
    def n_features(self) -> int:
        return 2 * (N_BASE + (N_REVERSION if self.reversion else 0))

    @property
    def min_length(self) -> int:
        return 3 * int(self.season_length) + 2

    def fit(self, Y: np.ndarray, parent: np.ndarray | None = None, national: int = 0) -> Self:
        """Fit on counts ``Y`` ``(n, T)``; ``parent[i]`` is the row of series ``i``'s parent
        (itself for the top), ``national`` the row of the national total."""
        Y = np.asarray(Y, dtype=float)
        if Y.ndim != 2 or not np.all(np.isfinite(Y)) or np.any(Y < 0):
            raise ValueError("Y must be a finite, non-negative (n, T) array")
        n, T = Y.shape
        m, H = int(self.season_length), int(self.max_horizon)
        if self.min_length + 1 > T:
            raise ValueError(f"PooledRegression needs at least {self.min_length + 1} months")
        parent = np.arange(n) if parent is None else np.asarray(parent, dtype=np.int64)
        z = np.log1p(Y)
        first = 3 * m - 1  # earliest last-observation index with every feature defined
        k, rev = self.n_features, bool(self.reversion)
        coef = np.zeros((H, k))
        features = _series_features(z, parent, m, rev)
        scale = np.full((n, H), np.nan)
        fitted = np.full((n, T), np.nan)
        for h in range(1, H + 1):
            t = np.arange(first, T - h)
            if t.size == 0:
                coef[h - 1], scale[:, h - 1] = coef[h - 2], scale[:, h - 2] * np.sqrt(h / (h - 1))
                continue
            X, base = _design(z, parent, national, t, h, m, rev, features)
            target = z[:, t + h] - base
            A, b = X.reshape(-1, k), target.reshape(-1)
            penalty = self.ridge * b.size * np.eye(k)
            coef[h - 1] = np.linalg.solve(A.T @ A + penalty, A.T @ b)
            resid = target - X @ coef[h - 1]
            if h == 1:
                fitted[:, t + 1] = z[:, t + 1] - resid
            scale[:, h - 1] = np.sqrt(np.mean(resid**2, axis=1))
        self.coef_, self.scale_ = coef, np.maximum.accumulate(scale, axis=1)
        self.z_, self.parent_, self.national_ = z, parent, int(national)
        self.fittedvalues_ = fitted
        return self

    def predict(self, h: int) -> Forecast:
        """Forecasts for every series: a :class:`Forecast` with arrays of shape ``(n, h)``."""
        if not hasattr(self, "coef_"):
            raise RuntimeError("PooledRegression is not fitted; call fit(Y) first")
        h = _check_horizon(h)
        if h > int(self.max_horizon):
            raise ValueError(f"h must be at most max_horizon={self.max_horizon}, got {h}")
        z, m = self.z_, int(self.season_length)
        last = np.array([z.shape[1] - 1])
        loc = np.empty((z.shape[0], h))
        features = _series_features(z, self.parent_, m, bool(self.reversion))
        for step in range(1, h + 1):
            X, base = _design(
                z, self.parent_, self.national_, last, step, m, self.reversion, features
            )
            loc[:, step - 1] = base[:, 0] + X[:, 0] @ self.coef_[step - 1]
        return Forecast.from_log(loc, self.scale_[:, :h])
