"""Damped-trend seasonal exponential smoothing, ETS(A,Ad,A) on ``log1p(y)``.

Engine: the numba recursion in :mod:`models._kernels.ets`, fitted by Nelder–Mead over the
smoothing parameters with statsmodels' "simple" initial states (first two seasons).
statsmodels' ``ETSModel`` computes the same recursion (the tests check states and forecasts
against it) but a fit costs tens of milliseconds, and statsforecast's AutoETS about 70 ms
for a monthly series (it searches a dozen models); the national backtest needs ~30,000
fits, and this kernel does one in about a millisecond.
"""

from __future__ import annotations

import numpy as np

from models._kernels.ets import ets_filter, ets_forecast, ets_params, ets_variance_factors
from models._kernels.optim import KIND_ETS, nelder_mead
from models.forecast._base import BaseForecaster, robust_clip
from models.forecast._seasonal import _centred_average, seasonal_indices


def simple_initial_states(z: np.ndarray, m: int, trend: bool) -> np.ndarray:
    """statsmodels' ``_initialization_simple``: ``l0`` is the first season's mean, ``b0`` the
    mean change per step between the first two seasons, ``s`` the first season minus ``l0``.

    Returns ``(2 + m,)`` ``l0, b0, s_0 .. s_{m-1}`` (``m = 1``: no season, ``s_0 = 0``).
    """
    if m == 1:
        level = z[0]
        slope = (z[1] - z[0]) if trend else 0.0
        return np.array([level, slope, 0.0])
    level = z[:m].mean()
    slope = (z[m : 2 * m].mean() - level) / m if trend else 0.0
    return np.concatenate([[level, slope], z[:m] - level])


def heuristic_initial_states(z: np.ndarray, m: int, trend: bool) -> np.ndarray:
    """statsmodels' ``_initialization_heuristic`` (Hyndman et al. 2008, section 2.6.1).

    Seasonal states from a classical decomposition of the first ``min(5, n // m)`` seasons
    (at least enough for 10 trend values); ``l0, b0`` from a straight line through the first
    10 values of the centred moving average. Less noisy than the "simple" states, which rest
    on a single season. Returns ``(2 + m,)`` as :func:`simple_initial_states`.
    """
    n = z.shape[0]
    if m == 1:
        trend_values = z[:10]
        season = np.zeros(1)
    else:
        half = m // 2
        k_cycles = max(min(5, n // m), int(np.ceil((10 + 2 * half) / m)))
        head = z[: m * k_cycles]
        season = seasonal_indices(head, m)
        trend_values = _centred_average(head, m)[:10]
    steps = np.arange(1, trend_values.shape[0] + 1, dtype=float)
    slope, level = np.polyfit(steps, trend_values, 1)
    if not trend:
        slope = 0.0
    return np.concatenate([[level, slope], season])


INITIALIZATIONS = {"simple": simple_initial_states, "heuristic": heuristic_initial_states}


class DampedETS(BaseForecaster):
    """Additive-error exponential smoothing with a damped trend and additive season.

    On the log scale an additive season is a multiplicative one for the counts. Parameters
    are bounded as in :func:`models._kernels.ets.ets_params` (``phi`` in 0.8–0.98).

    Parameters
    ----------
    season_length
        Period ``m`` (1 for none).
    trend
        Include the (damped) trend.
    damped
        Damp the trend (``phi < 1``); ``False`` gives Holt–Winters' linear trend.
    params
        Fixed ``(alpha, beta, gamma, phi)`` instead of estimating them.
    initialization
        ``"heuristic"`` or ``"simple"`` initial states (statsmodels' methods of those names).
    robust
        ``k`` for a robust refit: after an ordinary fit, errors beyond ``k`` robust standard
        deviations (1.4826 MAD of the residuals) are clipped in the state updates and cost
        Huber's loss (Gelper, Fried & Croux 2010), so a one-off shock such as the spring 2020
        lay-offs is not learnt as a seasonal pattern. ``None``: ordinary least squares.
    max_iter
        Nelder–Mead iteration limit.

    Attributes
    ----------
    params_ : ndarray (4,)
        ``alpha, beta, gamma, phi``.
    init_ : ndarray (2 + m,)
        Initial states ``l0, b0, s_0 .. s_{m-1}``.
    state_ : ndarray (2 + m,)
        States after the last observation (season rotated to start at time ``n``).
    sigma_ : float
        Root mean squared one-step error on the log scale.
    clip_ : float
        Error clip of the robust refit (``inf`` without one).
    """

    def __init__(
        self,
        *,
        season_length: int = 12,
        trend: bool = True,
        damped: bool = True,
        params: tuple[float, float, float, float] | None = None,
        initialization: str = "heuristic",
        robust: float | None = None,
        beta_ratio: float = 1.0,
        max_iter: int = 400,
    ):
        self.robust = robust
        self.beta_ratio = beta_ratio
        self.initialization = initialization
        self.season_length = season_length
        self.trend = trend
        self.damped = damped
        self.params = params
        self.max_iter = max_iter

    @property
    def min_length(self) -> int:  # type: ignore[override]
        return 2 * int(self.season_length) + 2

    def _fit_log(self, z: np.ndarray) -> None:
        m = int(self.season_length)
        if self.initialization not in INITIALIZATIONS:
            raise ValueError(
                f"initialization must be one of {sorted(INITIALIZATIONS)}, "
                f"got {self.initialization!r}"
            )
        make_init = INITIALIZATIONS[self.initialization]
        init = make_init(z, m, bool(self.trend))
        flags = np.array([m, int(bool(self.trend)), int(bool(self.damped))], dtype=np.int64)
        x = np.array([-1.0, -1.0, -1.0, 0.5])[
            : 1 + bool(self.trend) + (m > 1) + bool(self.trend and self.damped)
        ]
        clip = np.inf
        params, fitted, state = self._run(z, init, flags, x, clip)
        if self.robust is not None:
            clip = robust_clip((z - fitted)[2 * m :], float(self.robust))
            params, fitted, state = self._run(z, init, flags, x, clip)
        self.params_ = params
        self.init_ = init
        self.state_ = state
        self.clip_ = clip
        self.fittedvalues_ = fitted
        self.sigma_ = float(np.sqrt(np.mean((z - fitted) ** 2)))

    def _run(
        self, z: np.ndarray, init: np.ndarray, flags: np.ndarray, x: np.ndarray, clip: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Estimate (unless fixed) and filter; ``x`` (the start) is updated to the optimum."""
        m = int(flags[0])
        params = np.empty(4)
        if self.params is None:
            work = np.empty(4 + z.shape[0] + 2 + m)
            cfg = np.array([clip, float(self.beta_ratio)])
            nelder_mead(
                KIND_ETS, x.copy(), 1.0, z, init, flags, cfg, work, int(self.max_iter), 1e-9, x
            )
            ets_params(x, flags, float(self.beta_ratio), params)
        else:
            params[:] = np.asarray(self.params, dtype=float)
        fitted = np.empty_like(z)
        state = np.empty(2 + m)
        ets_filter(z, params, init, m, clip, fitted, state)
        return params, fitted, state

    def _predict_log(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        m = int(self.season_length)
        loc = np.empty(h)
        ets_forecast(self.state_, float(self.params_[3]), m, loc)
        factors = np.empty(h)
        ets_variance_factors(self.params_, m, factors)
        return loc, self.sigma_ * np.sqrt(factors)
