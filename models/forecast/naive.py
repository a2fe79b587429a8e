"""Seasonal naive: every month repeats the same month of the last observed year."""

from __future__ import annotations

import numpy as np

from models.forecast._base import BaseForecaster


class SeasonalNaive(BaseForecaster):
    """``yhat_{n+h} = y_{n+h-m(k+1)}``, ``k = (h-1) // m``, on ``log1p(y)``.

    The interval uses the residual standard deviation of the seasonal differences,
    ``sigma sqrt(k + 1)`` (Hyndman & Athanasopoulos, *FPP3*, section 5.5).

    Parameters
    ----------
    season_length
        Period ``m`` in observations (12 for monthly data).
    """

    def __init__(self, *, season_length: int = 12):
        self.season_length = season_length

    def _fit_log(self, z: np.ndarray) -> None:
        m = int(self.season_length)
        if m < 1 or z.shape[0] < m + 2:
            raise ValueError(f"SeasonalNaive needs season_length >= 1 and > {m + 1} values")
        self.fittedvalues_ = np.concatenate([np.full(m, np.nan), z[:-m]])
        diffs = z[m:] - z[:-m]
        self.sigma_ = float(np.sqrt(np.mean(diffs**2)))
        self.last_season_ = z[-m:].copy()

    def _predict_log(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        m = int(self.season_length)
        steps = np.arange(h)
        loc = self.last_season_[steps % m]
        scale = self.sigma_ * np.sqrt(1.0 + steps // m)
        return loc, scale
