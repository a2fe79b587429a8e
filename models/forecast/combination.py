"""A forecast combination for one series, weights from backtests inside its training data.

``fit(y)`` holds out the last ``n_windows`` blocks of ``window`` observations in turn (train on
``y[:n - k * window]``, score the next ``window`` values), so the weights use only data
before the forecast origin. The engine is :class:`~models.forecast.panel.PanelCombination`
on a panel of one series without a pooled member.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.forecast._base import BaseForecaster
from models.forecast.panel import WEIGHTINGS, PanelCombination, default_members

__all__ = ["WEIGHTINGS", "Combination", "default_members"]


class Combination(BaseForecaster):
    """Weighted combination of member forecasters, weights from inner rolling-origin backtests.

    Parameters
    ----------
    models
        Member templates (clones are fitted); ``None`` means :func:`default_members`
        (seasonal naive, damped ETS, airline ARIMA, Theta).
    n_windows, window
        Number and length of the held-out blocks at the end of the training data.
    weighting
        See :class:`~models.forecast.panel.PanelCombination`.

    Attributes
    ----------
    members_ : list of fitted estimators
    weights_ : ndarray (k,)
    backtest_mae_ : ndarray (n_used, k)
        MAE of each member in each held-out block.
    backtest_z_ : ndarray (n_used, window)
        Standardised log errors of the combination in each block.
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

    def _engine(self) -> PanelCombination:
        return PanelCombination(
            models=self.models,
            n_windows=self.n_windows,
            window=self.window,
            weighting=self.weighting,
        )

    def _templates(self) -> tuple[BaseForecaster, ...]:
        return self._engine().templates()

    @property
    def min_length(self) -> int:  # type: ignore[override]
        return self._engine().min_length

    def _fit_log(self, z: np.ndarray) -> None:
        panel = self._engine().fit(np.expm1(z)[None, :])
        self.panel_ = panel
        self.members_ = panel.members_[0][0]
        self.weights_ = panel.weights_[0]
        self.backtest_mae_ = panel.backtest_mae_[0]
        self.backtest_z_ = panel.backtest_z_[0]
        self.fittedvalues_ = panel.fittedvalues_[0]
        self.sigma_ = float(np.sqrt(np.nanmean((z - self.fittedvalues_) ** 2)))

    def _predict_log(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        fc = self.panel_.predict(h)
        return fc.loc[0], fc.scale[0]
