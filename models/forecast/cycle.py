"""A pooled direct regression for open vacancies with leading and mean-reverting features.

Vacancies swing far more than unemployment (the country's count went 24,000 -> 85,000 ->
18,500 between 2016 and 2026) and turn with the business cycle. :class:`PooledRegression`
learns from their own recent changes, which after a fall mostly predicted a rebound (the
2009 and 2020 falls were followed by recoveries), and it has no notion of a *level* to
return to. This model adds what the data offers ahead of a turn:

- the **national vacancy cycle**: the country's year-on-year change (latest and mean of 3);
- the **national unemployment cycle** (``exog["unemployed"]``): its year-on-year change,
  which rises while vacancies keep falling;
- **mean reversion of the vacancy rate** ``v / labour force`` (``exog["labour_force"]``):
  the trailing year's log rate against its own mean over the last five years (fewer at
  the start) and against its long-run (expanding) mean, own and national.

For series ``i``, last observation ``t``, horizon ``h`` and ``s = t + h - m k`` the latest
observed month of the target's calendar month, on ``z = log1p(v)``::

    z[t + h] - z[s] = x(i, t, h) @ beta_h + e

(change against the seasonal naive forecast), one ridge regression per horizon over every
series of the panel. Features ``x``: a constant; own year-on-year log change (latest, mean
of 3); parent's (mean of 3); national (latest, mean of 3); national unemployed (mean of 3);
the rate gaps (own 5-year, own long-run, national 5-year, national long-run); the seasonal
positions ``z[s] - a[t]``, ``z[t] - a[t]`` and last year's change at the target month
``z[s] - z[s - m]``; each also multiplied by the series' centred log size. Without ``exog``
the unemployment feature is 0 and the rate is the count itself (labour force taken
constant). Scale: each series' in-sample residual RMS per horizon, as in
:class:`PooledRegression`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import numpy as np

from models.forecast._base import Estimator, Forecast, _check_horizon
from models.forecast.pooled import SIZE_CENTRE, SIZE_SCALE, _rolling_mean

N_BASE = 15
MOMENTUM = (1, 2, 3, 4, 5, 14)  # the year-on-year change columns of _design
LONG_WINDOW = 60  # months of the "own recent level" of the vacancy rate (five years)


def _capped_mean(x: np.ndarray, width: int) -> np.ndarray:
    """``out[:, t]`` the mean of ``x[:, max(0, t - width + 1) .. t]`` (no NaN in ``x``)."""
    csum = np.cumsum(np.pad(x, ((0, 0), (1, 0))), axis=1)
    T = x.shape[1]
    stop = np.arange(1, T + 1)
    start = np.maximum(stop - width, 0)
    return (csum[:, stop] - csum[:, start]) / (stop - start)


def _features(
    z: np.ndarray,
    rate: np.ndarray,
    unemployed: np.ndarray,
    m: int,
) -> dict[str, np.ndarray]:
    """Series ``(n, T)`` the design reads at each last-observation index (each value uses
    months up to its own index only)."""
    n, T = z.shape
    yoy = np.full((n, T), np.nan)
    yoy[:, m:] = z[:, m:] - z[:, :-m]
    uyoy = np.full((n, T), np.nan)
    uyoy[:, m:] = unemployed[:, m:] - unemployed[:, :-m]
    annual_rate = _rolling_mean(rate, m)
    filled = np.where(np.isfinite(annual_rate), annual_rate, rate)
    return {
        "yoy": yoy,
        "yoy3": _rolling_mean(yoy, 3),
        "uyoy3": _rolling_mean(uyoy, 3),
        "annual": _rolling_mean(z, m),
        "gap5": annual_rate - _capped_mean(filled, LONG_WINDOW),
        "gaplr": annual_rate - _capped_mean(filled, T),
    }


def _design(
    z: np.ndarray,
    f: dict[str, np.ndarray],
    parent: np.ndarray,
    national: int,
    t: np.ndarray,
    h: int,
    m: int,
    momentum: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Features ``(n, len(t), 2 * N_BASE)`` and the seasonal base ``z[:, s]``."""
    n = z.shape[0]
    k = (h - 1) // m + 1
    s = t + h - m * k
    annual = f["annual"]

    def nat(name: str) -> np.ndarray:
        return np.broadcast_to(f[name][national, t], (n, t.size))

    cols = [
        np.ones((n, t.size)),
        f["yoy"][:, t],
        f["yoy3"][:, t],
        f["yoy3"][parent][:, t],
        nat("yoy"),
        nat("yoy3"),
        nat("uyoy3"),
        f["gap5"][:, t],
        f["gaplr"][:, t],
        nat("gap5"),
        nat("gaplr"),
        z[:, s] - annual[:, t],
        z[:, t] - annual[:, t],
        z[:, s] - z[:, s - m],
        f["yoy"][parent][:, t],
    ]
    if not momentum:  # the columns stay (fixed shape) but carry nothing
        for i in MOMENTUM:
            cols[i] = np.zeros((n, t.size))
    size = (annual[:, t] - SIZE_CENTRE) / SIZE_SCALE
    cols += [col * size for col in cols]
    return np.stack(cols, axis=-1), z[:, s]


class VacancyCycleRegression(Estimator):
    """Direct multi-horizon ridge regression for vacancies, pooled over a panel.

    Parameters
    ----------
    season_length
        Period ``m``.
    max_horizon
        Horizons ``1 .. max_horizon`` get their own coefficients.
    ridge
        Penalty per training row (``lambda = ridge * rows``).
    momentum
        Keep the year-on-year change features (own, parent, national vacancies); without
        them the model only reverts toward the rate's levels and follows unemployment.

    Attributes
    ----------
    coef_ : ndarray (max_horizon, 2 * N_BASE)
    scale_ : ndarray (n, max_horizon)
    fittedvalues_ : ndarray (n, T)
        In-sample one-step predictions of ``log1p(y)`` (NaN for the first ``3 m`` months).
    """

    def __init__(
        self,
        *,
        season_length: int = 12,
        max_horizon: int = 36,
        ridge: float = 1e-3,
        momentum: bool = True,
    ):
        self.season_length = season_length
        self.max_horizon = max_horizon
        self.ridge = ridge
        self.momentum = momentum

    @property
    def min_length(self) -> int:
        return 3 * int(self.season_length) + 2

    def fit(
        self,
        Y: np.ndarray,
        parent: np.ndarray | None = None,
        national: int = 0,
        exog: Mapping[str, np.ndarray] | None = None,
    ) -> Self:
        """Fit on vacancy counts ``Y`` ``(n, T)``. ``exog`` may hold ``"labour_force"`` and
        ``"unemployed"`` count panels ``(n, T_x)`` on the same rows, ``T_x >= T`` (only the
        first ``T`` months are read, so nothing after the origin enters)."""
        Y = np.asarray(Y, dtype=float)
        if Y.ndim != 2 or not np.all(np.isfinite(Y)) or np.any(Y < 0):
            raise ValueError("Y must be a finite, non-negative (n, T) array")
        n, T = Y.shape
        m, H = int(self.season_length), int(self.max_horizon)
        if self.min_length + 1 > T:
            raise ValueError(f"VacancyCycleRegression needs at least {self.min_length + 1} months")
        parent = np.arange(n) if parent is None else np.asarray(parent, dtype=np.int64)
        z = np.log1p(Y)
        rate, unemployed = z, np.zeros_like(z)
        exog = {} if exog is None else exog
        if "labour_force" in exog:
            lf = np.asarray(exog["labour_force"], float)[:, :T]
            rate = z - np.log1p(_check_exog(lf, Y.shape, "labour_force"))
        if "unemployed" in exog:
            u = np.asarray(exog["unemployed"], float)[:, :T]
            unemployed = np.log1p(_check_exog(u, Y.shape, "unemployed"))
        f = _features(z, rate, unemployed, m)
        first = 3 * m - 1
        k = 2 * N_BASE
        coef = np.zeros((H, k))
        scale = np.full((n, H), np.nan)
        fitted = np.full((n, T), np.nan)
        for h in range(1, H + 1):
            t = np.arange(first, T - h)
            if t.size == 0:
                coef[h - 1], scale[:, h - 1] = coef[h - 2], scale[:, h - 2] * np.sqrt(h / (h - 1))
                continue
            X, base = _design(z, f, parent, int(national), t, h, m, bool(self.momentum))
            target = z[:, t + h] - base
            A, b = X.reshape(-1, k), target.reshape(-1)
            coef[h - 1] = np.linalg.solve(A.T @ A + self.ridge * b.size * np.eye(k), A.T @ b)
            resid = target - X @ coef[h - 1]
            if h == 1:
                fitted[:, t + 1] = z[:, t + 1] - resid
            scale[:, h - 1] = np.sqrt(np.mean(resid**2, axis=1))
        self.coef_, self.scale_ = coef, np.maximum.accumulate(scale, axis=1)
        self.z_, self.features_, self.parent_, self.national_ = z, f, parent, int(national)
        self.fittedvalues_ = fitted
        return self

    def predict(self, h: int) -> Forecast:
        """Forecasts for every series: a :class:`Forecast` with arrays of shape ``(n, h)``."""
        if not hasattr(self, "coef_"):
            raise RuntimeError("VacancyCycleRegression is not fitted; call fit(Y) first")
        h = _check_horizon(h)
        if h > int(self.max_horizon):
            raise ValueError(f"h must be at most max_horizon={self.max_horizon}, got {h}")
        z, m = self.z_, int(self.season_length)
        last = np.array([z.shape[1] - 1])
        loc = np.empty((z.shape[0], h))
        for step in range(1, h + 1):
            X, base = _design(
                z, self.features_, self.parent_, self.national_, last, step, m, bool(self.momentum)
            )
            loc[:, step - 1] = base[:, 0] + X[:, 0] @ self.coef_[step - 1]
        return Forecast.from_log(loc, self.scale_[:, :h])


def _check_exog(x: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    if x.shape != shape or not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError(f"exog[{name!r}] must be finite, non-negative and cover Y {shape}")
    return x
