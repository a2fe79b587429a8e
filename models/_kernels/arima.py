"""The seasonal "airline" ARIMA(0,1,1)(0,1,1)_m by conditional sum of squares (CSS).

With ``w_t = y_t - y_{t-1} - y_{t-m} + y_{t-m-1}`` the model is (statsmodels' signs)::

    w_t = e_t + theta e_{t-1} + Theta e_{t-m} + theta Theta e_{t-m-1}

CSS sets the errors before the first differenced value to zero and minimises
``sum e_t^2`` over ``|theta|, |Theta| < 1``.

Why a kernel: statsmodels' ``SARIMAX`` needs 0.1–0.3 s per fit of this model (exact Kalman
likelihood) and the backtest needs tens of thousands of fits; the CSS recursion costs a few
microseconds per evaluation.
"""

from __future__ import annotations

import numpy as np

from models._jit import jit

BIG = 1e300


@jit
def airline_residuals(
    y: np.ndarray, theta: float, sth: float, m: int, clip: float, out: np.ndarray
) -> float:
    """CSS residuals of the airline model; returns their sum of squares (Huber loss if clipped).

    Parameters
    ----------
    y
        ``(n,)`` finite observations, ``n > m + 1``.
    theta, sth
        Non-seasonal and seasonal MA coefficients.
    m
        Seasonal period.
    clip
        Residuals beyond ``+-clip`` are stored (and propagate) as ``+-clip`` and cost
        ``2 clip |e| - clip^2``: a robust filter as for ETS; ``inf`` gives plain CSS.
    out
        ``(n,)`` output: ``e_t`` (0 for the first ``m + 1`` values, which have no difference).
    """
    n = y.shape[0]
    sse = 0.0
    for t in range(n):
        if t <= m:
            out[t] = 0.0
            continue
        w = y[t] - y[t - 1] - y[t - m] + y[t - m - 1]
        # errors before index m + 1 are the CSS zeros stored above
        e = w - theta * out[t - 1] - sth * out[t - m] - theta * sth * out[t - m - 1]
        if abs(e) > clip:
            sse += 2.0 * clip * abs(e) - clip * clip
            e = clip if e > 0 else -clip
        else:
            sse += e * e
        out[t] = e
    if not np.isfinite(sse):
        return BIG
    return sse


@jit
def airline_objective(x: np.ndarray, y: np.ndarray, m: int, clip: float, work: np.ndarray) -> float:
    """CSS at unconstrained ``x`` (``theta = 0.99 tanh(x0)``, ``Theta = 0.99 tanh(x1)``)."""
    return airline_residuals(y, 0.99 * np.tanh(x[0]), 0.99 * np.tanh(x[1]), m, clip, work)


@jit
def airline_forecast(
    y: np.ndarray, resid: np.ndarray, theta: float, sth: float, m: int, out: np.ndarray
) -> None:
    """Point forecasts for ``h = 1 .. len(out)`` with future errors set to zero.

    ``resid`` are the CSS residuals from :func:`airline_residuals` (same length as ``y``).
    """
    n = y.shape[0]
    h = out.shape[0]
    ext = np.empty(n + h)
    err = np.zeros(n + h)
    ext[:n] = y
    err[:n] = resid
    for i in range(h):
        t = n + i
        ext[t] = (
            ext[t - 1]
            + ext[t - m]
            - ext[t - m - 1]
            + theta * err[t - 1]
            + sth * err[t - m]
            + theta * sth * err[t - m - 1]
        )
        out[i] = ext[t]


@jit
def airline_psi(theta: float, sth: float, m: int, out: np.ndarray) -> None:
    """psi weights of ``(1 + theta L)(1 + Theta L^m) / ((1 - L)(1 - L^m))``; ``out`` is ``(h,)``."""
    h = out.shape[0]
    for j in range(h):
        c = 0.0
        if j == 0:
            c = 1.0
        elif j == 1:
            c = theta
        if j == m:
            c += sth
        elif j == m + 1:
            c += theta * sth
        if j >= 1:
            c += out[j - 1]
        if j >= m:
            c += out[j - m]
        if j >= m + 1:
            c -= out[j - m - 1]
        out[j] = c
