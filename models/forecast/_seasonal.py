"""Classical additive decomposition helpers shared by ETS initialisation and Theta."""

from __future__ import annotations

import numpy as np


def _centred_average(z: np.ndarray, m: int) -> np.ndarray:
    """The centred moving average (``2 x m`` for even ``m``) of ``z``; ``(n - 2 * (m // 2),)``."""
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    return np.convolve(z, weights, mode="valid")


def seasonal_indices(z: np.ndarray, m: int) -> np.ndarray:
    """Additive seasonal indices of ``z`` (classical decomposition), ``(m,)`` summing to 0.

    Index ``j`` belongs to times ``t`` with ``t % m == j``, as in statsmodels'
    ``seasonal_decompose(model="additive")``.
    """
    n = z.shape[0]
    half = m // 2
    trend = np.full(n, np.nan)
    trend[half : n - half] = _centred_average(z, m)
    detrended = z - trend
    means = np.array([np.nanmean(detrended[j::m]) for j in range(m)])
    return means - means.mean()
