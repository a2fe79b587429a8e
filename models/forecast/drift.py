"""Damped drift for short annual series (the labour force)."""

from __future__ import annotations

import numpy as np

from models.forecast._base import BaseForecaster


class DampedDrift(BaseForecaster):
    """Last value plus a damped drift on ``log1p(y)``: ``z_n + d (phi + ... + phi^h)``.

    ``d`` is the median of the last ``window`` changes, robust with the 6–18 annual values
    the labour-force series offers. On the 308 municipalities' annual labour force (origins
    2011–2020, one year ahead) it has a mean absolute error of 1.30 % against 1.66 % for no
    change and 1.47 % for a fitted damped-trend ETS(A,Ad,N).

    Parameters
    ----------
    phi
        Damping factor per step (0 freezes the level, 1 is an undamped drift).
    window
        Number of most recent changes whose median is the drift.
    """

    min_length = 2

    def __init__(self, *, phi: float = 0.8, window: int = 5):
        self.phi = phi
        self.window = window

    def _fit_log(self, z: np.ndarray) -> None:
        if not 0.0 <= self.phi <= 1.0 or int(self.window) < 1:
            raise ValueError("phi must be in [0, 1] and window >= 1")
        changes = np.diff(z)
        self.drift_ = float(np.median(changes[-int(self.window) :]))
        self.last_ = float(z[-1])
        self.fittedvalues_ = np.r_[np.nan, z[:-1] + self.drift_]
        spread = changes - self.drift_
        self.sigma_ = float(np.sqrt(np.mean(spread**2))) if spread.size > 1 else 0.0

    def _predict_log(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        steps = np.arange(1, h + 1)
        damp = np.cumsum(float(self.phi) ** steps)
        return self.last_ + self.drift_ * damp, self.sigma_ * np.sqrt(steps)
