"""Seasonal ARIMA: the airline model ARIMA(0,1,1)(0,1,1)_m on ``log1p(y)``, fitted by CSS.

Engine: the numba recursion in :mod:`models._kernels.arima` with Nelder–Mead over the two
MA coefficients. statsmodels' ``SARIMAX`` is the reference (the tests check forecasts and
their variances against it at the same coefficients) but its exact-likelihood fit costs
0.1–0.3 s per series, too slow for the tens of thousands of fits of the backtest. The airline
model is the classic seasonal ARIMA for monthly counts (Box & Jenkins; the default of
X-13ARIMA-SEATS) and needs no order search.
"""

from __future__ import annotations

import numpy as np

from models._kernels.arima import (
    airline_forecast,
    airline_psi,
    airline_residuals,
)
from models._kernels.optim import KIND_AIRLINE, nelder_mead
from models.forecast._base import BaseForecaster


class SeasonalARIMA(BaseForecaster):
    """ARIMA(0,1,1)(0,1,1)_m by conditional sum of squares.

    Parameters
    ----------
    season_length
        Period ``m``.
    params
        Fixed ``(theta, Theta)`` instead of estimating them.
    max_iter
        Nelder–Mead iteration limit.

    Attributes
    ----------
    params_ : ndarray (2,)
        ``theta, Theta`` (statsmodels' sign: ``w_t = e_t + theta e_{t-1} + ...``).
    sigma_ : float
        ``sqrt(CSS / (n - m - 1 - 2))`` on the log scale.
    """

    def __init__(
        self,
        *,
        season_length: int = 12,
        params: tuple[float, float] | None = None,
        max_iter: int = 200,
    ):
        self.season_length = season_length
        self.params = params
        self.max_iter = max_iter

    @property
    def min_length(self) -> int:  # type: ignore[override]
        return 2 * int(self.season_length) + 4

    def _fit_log(self, z: np.ndarray) -> None:
        m = int(self.season_length)
        resid = np.empty_like(z)
        if self.params is None:
            x = np.empty(2)
            flags = np.array([m, 0, 0, 0], dtype=np.int64)
            nelder_mead(
                KIND_AIRLINE,
                np.array([-0.3, -0.5]),
                0.5,
                z,
                np.empty(0),
                flags,
                resid,
                int(self.max_iter),
                1e-10,
                x,
            )
            params = 0.99 * np.tanh(x)
        else:
            params = np.asarray(self.params, dtype=float)
        css = airline_residuals(z, float(params[0]), float(params[1]), m, resid)
        self.params_ = params
        self.resid_css_ = resid
        self.fittedvalues_ = np.where(np.arange(z.shape[0]) > m, z - resid, np.nan)
        self.sigma_ = float(np.sqrt(css / max(z.shape[0] - m - 3, 1)))
        self.z_ = z

    def _predict_log(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        m = int(self.season_length)
        theta, sth = float(self.params_[0]), float(self.params_[1])
        loc = np.empty(h)
        airline_forecast(self.z_, self.resid_css_, theta, sth, m, loc)
        psi = np.empty(h)
        airline_psi(theta, sth, m, psi)
        return loc, self.sigma_ * np.sqrt(np.cumsum(psi**2))
