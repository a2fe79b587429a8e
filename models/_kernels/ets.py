"""Additive exponential-smoothing recursions (ETS class 1: additive error, trend, season).

The state-space form of Hyndman et al. (2008, table 2.2), additive error, additive damped
trend, additive season, for a series ``y`` of length ``n`` and period ``m``::

    yhat_t = l + phi * b + s[t % m]
    e_t    = y_t - yhat_t
    l     <- l + phi * b + alpha * e_t
    b     <- phi * b + beta * e_t
    s[t % m] <- s[t % m] + gamma * e_t

No trend is ``b = beta = phi = 0``; no season is ``gamma = 0`` and ``s = 0``. Non-finite
``y_t`` are treated as missing: the error is 0, so the states move by their forecast.

Why a kernel: one fit of ``statsmodels`` ``ETSModel`` on 200 monthly values takes tens of
milliseconds and statsforecast's AutoETS about 70 ms (it fits a dozen models); the national
backtest needs about 30,000 fits (4 inner windows x 373 series x 2 variables x 10 origins).
This recursion plus Nelder–Mead over four parameters fits in well under a millisecond.
"""

from __future__ import annotations

import numpy as np

from models._jit import jit

BIG = 1e300


@jit
def ets_filter(
    y: np.ndarray,
    params: np.ndarray,
    init: np.ndarray,
    m: int,
    clip: float,
    fitted: np.ndarray,
    state: np.ndarray,
) -> float:
    """Run the recursion over ``y`` and return the (Huber) loss of the one-step errors.

    Parameters
    ----------
    y
        ``(n,)`` observations (non-finite values are missing).
    params
        ``(4,)`` ``alpha, beta, gamma, phi``.
    init
        ``(2 + m,)`` initial ``l, b, s_0 .. s_{m-1}`` where ``s_j`` is the seasonal state
        used at times ``t`` with ``t % m == j``.
    m
        Seasonal period (1 when there is no season; then ``init[2]`` must be 0).
    clip
        Errors beyond ``+-clip`` update the states only by ``+-clip`` (the robust filter of
        Gelper, Fried & Croux 2010) and cost ``2 clip |e| - clip^2`` (Huber's loss); with
        ``clip = inf`` this is the ordinary recursion and the sum of squared errors.
    fitted
        ``(n,)`` output: one-step predictions ``yhat_t``.
    state
        ``(2 + m,)`` output: the states after the last observation, laid out as ``init``
        but with ``s`` rotated so that ``state[2 + j]`` is used at time ``n + j``.
    """
    alpha, beta, gamma, phi = params[0], params[1], params[2], params[3]
    level = init[0]
    trend = init[1]
    season = init[2:].copy()
    n = y.shape[0]
    sse = 0.0
    j = 0  # t % m, kept as a counter: an integer division per step costs more than the step
    for t in range(n):
        yhat = level + phi * trend + season[j]
        fitted[t] = yhat
        err = y[t] - yhat
        if not np.isfinite(err):
            err = 0.0
        if abs(err) > clip:
            sse += 2.0 * clip * abs(err) - clip * clip
            err = clip if err > 0 else -clip
        else:
            sse += err * err
        level = level + phi * trend + alpha * err
        trend = phi * trend + beta * err
        season[j] += gamma * err
        if abs(level) > 1e12:
            return BIG
        j += 1
        if j == m:
            j = 0
    state[0] = level
    state[1] = trend
    for j in range(m):
        state[2 + j] = season[(n + j) % m]
    return sse


@jit
def ets_forecast(state: np.ndarray, phi: float, m: int, out: np.ndarray) -> None:
    """Point forecasts ``l + (phi + ... + phi^h) b + s`` for ``h = 1 .. len(out)``.

    ``state`` is the ``(2 + m,)`` layout returned by :func:`ets_filter`.
    """
    damp = 0.0
    power = 1.0
    for i in range(out.shape[0]):
        power *= phi
        damp += power
        out[i] = state[0] + damp * state[1] + state[2 + i % m]


@jit
def ets_variance_factors(params: np.ndarray, m: int, out: np.ndarray) -> None:
    """Variance factors ``1 + sum_{0<j<h} c_j^2`` of the ``h``-step forecast error.

    ``c_j = alpha + beta phi_j + gamma d_{j,m}`` (Hyndman et al. 2008, table 6.1).

    Multiply by the one-step variance to get the ``h``-step forecast variance.
    ``out`` has shape ``(h,)``.
    """
    alpha, beta, gamma, phi = params[0], params[1], params[2], params[3]
    total = 1.0
    damp = 0.0
    power = 1.0
    out[0] = 1.0
    for j in range(1, out.shape[0]):
        power *= phi
        damp += power
        c = alpha + beta * damp
        if m > 1 and j % m == 0:
            c += gamma
        total += c * c
        out[j] = total


@jit
def ets_objective(
    x: np.ndarray,
    y: np.ndarray,
    init: np.ndarray,
    flags: np.ndarray,
    cfg: np.ndarray,
    work: np.ndarray,
) -> float:
    """Loss of the ETS recursion at unconstrained parameters ``x`` (see :func:`ets_params`).

    ``flags`` is ``(3,)`` int: ``m, has_trend, damped``; ``cfg`` is ``(2,)``: the error clip
    and the largest ``beta / alpha``; ``work`` a ``(4 + n + 2 + m,)`` scratch buffer.
    """
    m = flags[0]
    n = y.shape[0]
    params = work[:4]
    ets_params(x, flags, cfg[1], params)
    fitted = work[4 : 4 + n]
    return ets_filter(y, params, init, m, cfg[0], fitted, work[4 + n : 4 + n + 2 + m])


@jit
def ets_params(x: np.ndarray, flags: np.ndarray, beta_ratio: float, out: np.ndarray) -> None:
    """Map unconstrained ``x`` to ``alpha, beta, gamma, phi`` inside the usual region.

    ``0.0001 <= alpha <= 0.9999``; ``beta = beta_ratio * alpha * u`` (so ``beta <= alpha``);
    ``gamma = (1 - alpha) * u``; ``0.8 <= phi <= 0.98`` when damped, 1 when not; the
    vector ``x`` holds only the free ones, in that order.
    """
    m, has_trend, damped = flags[0], flags[1], flags[2]
    k = 0
    alpha = 0.0001 + 0.9998 / (1.0 + np.exp(-x[k]))
    k += 1
    beta = 0.0
    phi = 0.0
    if has_trend:
        beta = beta_ratio * alpha / (1.0 + np.exp(-x[k]))
        k += 1
        phi = 1.0
    gamma = 0.0
    if m > 1:
        gamma = (1.0 - alpha) / (1.0 + np.exp(-x[k]))
        k += 1
    if has_trend and damped:
        phi = 0.8 + 0.18 / (1.0 + np.exp(-x[k]))
    out[0] = alpha
    out[1] = beta
    out[2] = gamma
    out[3] = phi
