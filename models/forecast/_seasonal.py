"""Classical additive decomposition helpers shared by ETS initialisation and Theta."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=16)
def _average_weights(m: int) -> np.ndarray:
    """Weights of the centred moving average (read-only; built once per period)."""
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    weights.setflags(write=False)
    return weights


def _centred_average(z: np.ndarray, m: int) -> np.ndarray:
    """The centred moving average (``2 x m`` for even ``m``) of ``z``; ``(n - 2 * (m // 2),)``."""
    return np.convolve(z, _average_weights(int(m)), mode="valid")


def seasonal_indices(z: np.ndarray, m: int) -> np.ndarray:
    """Additive seasonal indices of ``z`` (classical decomposition), ``(m,)`` summing to 0.

    Index ``j`` belongs to times ``t`` with ``t % m == j``, as in statsmodels'
    ``seasonal_decompose(model="additive")``: the mean of the detrended values of season
    ``j`` (NaN-aware), centred.

    The same bits as ``np.nanmean(detrended[j::m])`` for each ``j``, without a Python loop
    over the seasons (Theta computes this for every series of every backtest window): the
    seasons' values become contiguous rows and each row is summed along itself, so numpy
    adds them in the same pairwise order as the strided slice
    (tests/test_forecast_fast_paths.py checks it against the loop).
    """
    n = z.shape[0]
    half = m // 2
    trend = np.full(n, np.nan)
    trend[half : n - half] = _centred_average(z, m)
    detrended = z - trend
    present = ~np.isnan(detrended)
    detrended[~present] = 0.0  # what nanmean sums in place of NaN
    k, r = divmod(n, m)
    # row j of ``values`` holds detrended[j::m] contiguously (C order: numpy sums a row
    # pairwise like a 1-d array); seasons j >= r have one value fewer, summed apart
    values = np.empty((m, k + 1))
    values[:, :k] = detrended[: k * m].reshape(k, m).T
    values[:r, k] = detrended[k * m :]
    totals = np.empty(m)
    totals[:r] = values[:r].sum(axis=1)
    totals[r:] = np.ascontiguousarray(values[r:, :k]).sum(axis=1)
    counts = np.bincount(np.flatnonzero(present) % m, minlength=m)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = totals / counts
    return means - means.mean()
