"""A forecast combination whose weights come from backtests inside the training data.

``fit(y)`` holds out the last ``n_windows`` blocks of ``window`` observations in turn (rolling
origin inside ``y``: train on ``y[:n - k * window]``, score the next ``window`` values), so
the weights use only data before the forecast origin. Members are combined on the log scale:
``loc = sum w_i loc_i``; the scale is ``sum w_i scale_i`` (the spread of perfectly correlated
members, an upper bound on that of the weighted mean of Gaussians, so never too narrow).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.forecast._base import BaseForecaster
from models.forecast.arima import SeasonalARIMA
from models.forecast.ets import DampedETS
from models.forecast.naive import SeasonalNaive
from models.forecast.theta import Theta

WEIGHTINGS = ("equal", "inverse_mae", "inverse_mae2", "best")


def default_members(season_length: int = 12) -> tuple[BaseForecaster, ...]:
    """Seasonal naive, damped ETS, airline ARIMA and Theta."""
    m = season_length
    return (
        SeasonalNaive(season_length=m),
        DampedETS(season_length=m),
        SeasonalARIMA(season_length=m),
        Theta(season_length=m),
    )


class Combination(BaseForecaster):
    """Weighted combination of member forecasters, weights from inner rolling-origin backtests.

    Parameters
    ----------
    models
        Member estimators (unfitted templates; clones are fitted); ``None`` means
        :func:`default_members`.
    n_windows, window
        Number and length of the held-out blocks at the end of the training data.
    weighting
        ``"inverse_mae"`` (``w_i ∝ 1 / MAE_i``), ``"inverse_mae2"`` (``∝ 1 / MAE_i^2``),
        ``"best"`` (all weight on the lowest MAE) or ``"equal"``. MAE is on the count scale,
        over all held-out values; with no window that fits, weights are equal.

    Attributes
    ----------
    members_ : tuple of fitted estimators
    weights_ : ndarray (k,)
    backtest_mae_ : ndarray (n_used, k)
        MAE of each member in each held-out block.
    backtest_z_ : ndarray (n_used, window)
        Standardised log errors ``(log1p(y) - loc) / scale`` of the combination in each block
        (for calibrating intervals across many series).
    """

    def __init__(
        self,
        *,
        models: Sequence[BaseForecaster] | None = None,
        n_windows: int = 3,
        window: int = 12,
        weighting: str = "inverse_mae",
    ):
        self.models = models
        self.n_windows = n_windows
        self.window = window
        self.weighting = weighting

    def _templates(self) -> tuple[BaseForecaster, ...]:
        return tuple(self.models) if self.models is not None else default_members()

    @property
    def min_length(self) -> int:  # type: ignore[override]
        return max(model.min_length for model in self._templates())

    def _fit_log(self, z: np.ndarray) -> None:
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {self.weighting!r}")
        templates = self._templates()
        y = np.expm1(z)
        maes, locs, scales, tests = self._inner_backtests(templates, y)
        self.backtest_mae_ = maes
        self.weights_ = _weights(maes, self.weighting)
        loc = np.einsum("k,wkh->wh", self.weights_, locs)
        scale = np.einsum("k,wkh->wh", self.weights_, scales)
        self.backtest_z_ = (np.log1p(tests) - loc) / np.where(scale > 0, scale, np.nan)
        self.members_ = tuple(t.clone().fit(y) for t in templates)
        fitted = np.stack([mem.fittedvalues_ for mem in self.members_])
        self.fittedvalues_ = self.weights_ @ fitted
        self.sigma_ = float(np.sqrt(np.nanmean((z - self.fittedvalues_) ** 2)))

    def _inner_backtests(
        self, templates: tuple[BaseForecaster, ...], y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n, w = y.shape[0], int(self.window)
        need = max(t.min_length for t in templates)
        cuts = [n - k * w for k in range(1, int(self.n_windows) + 1) if n - k * w >= need]
        k = len(templates)
        maes = np.empty((len(cuts), k))
        locs = np.empty((len(cuts), k, w))
        scales = np.empty((len(cuts), k, w))
        tests = np.empty((len(cuts), w))
        for i, cut in enumerate(cuts):
            tests[i] = y[cut : cut + w]
            for j, template in enumerate(templates):
                fc = template.forecast(y[:cut], w)
                maes[i, j] = np.mean(np.abs(fc.mean - tests[i]))
                locs[i, j], scales[i, j] = fc.loc, fc.scale
        return maes, locs, scales, tests

    def _predict_log(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        parts = [mem.predict(h) for mem in self.members_]
        loc = self.weights_ @ np.stack([p.loc for p in parts])
        scale = self.weights_ @ np.stack([p.scale for p in parts])
        return loc, scale


def _weights(maes: np.ndarray, weighting: str) -> np.ndarray:
    """Weights ``(k,)`` from held-out MAEs ``(windows, k)``; equal when nothing was held out."""
    k = maes.shape[1]
    if maes.shape[0] == 0 or weighting == "equal":
        return np.full(k, 1.0 / k)
    score = maes.mean(axis=0)
    if weighting == "best":
        out = np.zeros(k)
        out[np.argmin(score)] = 1.0
        return out
    power = 2.0 if weighting == "inverse_mae2" else 1.0
    inv = 1.0 / np.maximum(score, 1e-9 * max(score.max(), 1e-12)) ** power
    return inv / inv.sum()
