"""The Theta method (Assimakopoulos & Nikolopoulos 2000) as SES with drift (Hyndman & Billah 2003).

The same steps as statsmodels' ``ThetaModel(deseasonalize=True, method="additive",
use_test=False).fit()`` on ``log1p(y)``: classical additive decomposition (2 x m moving
average), SES with ``l0 = x_0`` and estimated ``alpha`` on the seasonally adjusted series
``x``, drift ``b0 / 2`` from the OLS slope ``b0``. The tests compare forecasts with
statsmodels. Engine: the ETS kernel with neither trend nor season (an SES), because
statsmodels' ``ExponentialSmoothing`` fit (scipy minimiser) is ~30x slower.
The interval is the SES one, ``sigma^2 (1 + (h - 1) alpha^2)``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from models._kernels.ets import ets_filter, ets_params
from models._kernels.optim import KIND_ETS, nelder_mead
from models.forecast._base import BaseForecaster
from models.forecast._seasonal import seasonal_indices


@lru_cache(maxsize=64)
def _line_design(n: int) -> tuple[np.ndarray, np.ndarray, float]:
    """``np.polyfit``'s scaled design of a straight line through ``t = 0 .. n - 1``, its
    column scales and ``rcond`` (read-only; the same for every series of a length)."""
    x = np.arange(n, dtype=float) + 0.0
    lhs = np.vander(x, 2)
    scale = np.sqrt((lhs * lhs).sum(axis=0))
    lhs /= scale
    lhs.setflags(write=False)
    scale.setflags(write=False)
    return lhs, scale, n * float(np.finfo(float).eps)


def _ols_slope(x: np.ndarray) -> float:
    """``np.polyfit(np.arange(n), x, 1)[0]``, the same steps without rebuilding the design
    for every series (Theta fits thousands of them in a backtest)."""
    lhs, scale, rcond = _line_design(x.shape[0])
    coef = np.linalg.lstsq(lhs, x + 0.0, rcond)[0]
    return float(coef[0] / scale[0])


class Theta(BaseForecaster):
    """Standard Theta method on ``log1p(y)`` with additive deseasonalisation.

    Parameters
    ----------
    season_length
        Period ``m`` (1: no deseasonalisation).
    theta
        Theta coefficient; the trend weight is ``(theta - 1) / theta`` (2 is the classic).
    alpha
        Fixed SES smoothing parameter instead of estimating it.

    Attributes
    ----------
    alpha_, b0_, level_ : float
        SES parameter, OLS slope of the adjusted series, last SES level.
    seasonal_ : ndarray (m,)
        Seasonal indices.
    """

    def __init__(self, *, season_length: int = 12, theta: float = 2.0, alpha: float | None = None):
        self.season_length = season_length
        self.theta = theta
        self.alpha = alpha

    @property
    def min_length(self) -> int:  # type: ignore[override]
        return 2 * int(self.season_length) + 2

    def _fit_log(self, z: np.ndarray) -> None:
        m = int(self.season_length)
        n = z.shape[0]
        seasonal = seasonal_indices(z, m) if m > 1 else np.zeros(1)
        season_t = seasonal[np.arange(n) % seasonal.shape[0]]
        x = z - season_t
        self.b0_ = _ols_slope(x)
        init = np.array([x[0], 0.0, 0.0])
        flags = np.array([1, 0, 0], dtype=np.int64)
        params = np.zeros(4)
        if self.alpha is None:
            u = np.empty(1)
            work = np.empty(4 + n + 3)
            cfg = np.array([np.inf, 1.0])
            nelder_mead(KIND_ETS, np.array([0.0]), 1.0, x, init, flags, cfg, work, 200, 1e-10, u)
            ets_params(u, flags, 1.0, params)
        else:
            params[0] = float(self.alpha)
        fitted = np.empty(n)
        state = np.empty(3)
        sse = ets_filter(x, params, init, 1, np.inf, fitted, state)
        self.alpha_ = float(params[0])
        self.level_ = float(state[0])
        self.seasonal_ = seasonal
        self.sigma_ = float(np.sqrt(sse / n))
        weight = (self.theta - 1.0) / self.theta
        drift = (
            weight
            * self.b0_
            * (1.0 / self.alpha_ - (1.0 - self.alpha_) ** np.arange(n) / self.alpha_)
        )
        # one-step fitted values of the theta line: SES fit plus the drift known at t - 1
        self.fittedvalues_ = fitted + season_t + np.r_[0.0, drift[:-1]]

    def _predict_log(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        n = self.n_obs_
        alpha = self.alpha_
        steps = np.arange(h, dtype=float)
        weight = (self.theta - 1.0) / self.theta
        trend = weight * self.b0_ * (steps + 1.0 / alpha - (1.0 - alpha) ** n / alpha)
        m = self.seasonal_.shape[0]
        season = self.seasonal_[(n + np.arange(h)) % m]
        loc = self.level_ + trend + season
        scale = self.sigma_ * np.sqrt(1.0 + steps * alpha**2)
        return loc, scale
