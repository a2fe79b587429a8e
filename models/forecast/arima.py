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
from models.forecast._base import BaseForecaster, robust_clip


class SeasonalARIMA(BaseForecaster):
    """ARIMA(0,1,1)(0,1,1)_m by conditional sum of squares.

    Parameters
    ----------
    season_length
        Period ``m``.
    params
        Fixed ``(theta, Theta)`` instead of estimating them.
    robust
        ``k`` for a robust refit: residuals beyond ``k`` robust standard deviations are
        clipped in the recursion and cost Huber's loss (as for :class:`DampedETS`).
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
        robust: float | None = None,
        max_iter: int = 200,
    ):
        self.robust = robust
        self.season_length = season_length
        self.params = params
        self.max_iter = max_iter

    @property
    def min_length(self) -> int:  # type: ignore[override]
        return 2 * int(self.season_length) + 4

    def _fit_log(self, z: np.ndarray) -> None:
        m = int(self.season_length)
        x = np.array([-0.3, -0.5])
        params, resid = self._run(z, x, np.inf)
        fitted = np.where(np.arange(z.shape[0]) > m, z - resid, np.nan)
        clip = np.inf
        if self.robust is not None:
            clip = robust_clip(resid[m + 1 :], float(self.robust))
            params, resid = self._run(z, x, clip)
            # the clipped residuals drive the recursion; fitted values use the actual errors
            fitted = self._fitted(z, params, resid)
        self.params_ = params
        self.resid_css_ = resid
        self.clip_ = clip
        self.fittedvalues_ = fitted
        dof = max(z.shape[0] - m - 3, 1)
        self.sigma_ = float(np.sqrt(np.nansum((z - fitted) ** 2) / dof))
        self.z_ = z

    def _run(self, z: np.ndarray, x: np.ndarray, clip: float) -> tuple[np.ndarray, np.ndarray]:
        """Estimate (unless fixed) and return ``(theta, Theta)`` and the (clipped) residuals."""
        m = int(self.season_length)
        resid = np.empty_like(z)
        if self.params is None:
            flags = np.array([m, 0, 0], dtype=np.int64)
            nelder_mead(
                KIND_AIRLINE,
                x.copy(),
                0.5,
                z,
                np.empty(0),
                flags,
                np.array([clip, 1.0]),
                resid,
                int(self.max_iter),
                1e-10,
                x,
            )
            params = 0.99 * np.tanh(x)
        else:
            params = np.asarray(self.params, dtype=float)
        airline_residuals(z, float(params[0]), float(params[1]), m, clip, resid)
        return params, resid

    def _fitted(self, z: np.ndarray, params: np.ndarray, resid: np.ndarray) -> np.ndarray:
        """One-step predictions ``z_t - e_t`` where ``e_t`` is the unclipped error."""
        m = int(self.season_length)
        theta, sth = float(params[0]), float(params[1])
        fitted = np.full(z.shape[0], np.nan)
        for t in range(m + 1, z.shape[0]):
            ma = theta * resid[t - 1] + sth * resid[t - m] + theta * sth * resid[t - m - 1]
            fitted[t] = z[t - 1] + z[t - m] - z[t - m - 1] + ma
        return fitted

    def _predict_log(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        m = int(self.season_length)
        theta, sth = float(self.params_[0]), float(self.params_[1])
        loc = np.empty(h)
        airline_forecast(self.z_, self.resid_css_, theta, sth, m, loc)
        psi = np.empty(h)
        airline_psi(theta, sth, m, psi)
        return loc, self.sigma_ * np.sqrt(np.cumsum(psi**2))
