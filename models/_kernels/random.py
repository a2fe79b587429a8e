"""SplitMix64 random-number stream and exact samplers of the numba kernels (private).

Used by :mod:`models._kernels.cohort` and :mod:`models._kernels.labourflow`. The generator
state is a uint64 that every sampler takes by value and returns with the variate, started
by the caller from an explicit seed. Binomial: inversion for ``n * min(p, 1 - p) < 10``,
BTRS (Hörmann 1993) otherwise; Poisson: multiplication below 10, PTRS above.
"""

from __future__ import annotations

import math

import numpy as np

from models._jit import jit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0

# log(k!) - Stirling's approximation, k = 0..9 (Hörmann 1993; as in TensorFlow's BTRS).
_STIRLING_TAIL = np.array(
    [
        0.0810614667953272,
        0.0413406959554092,
        0.0276779256849983,
        0.02079067210376509,
        0.0166446911898211,
        0.0138761288230707,
        0.0118967099458917,
        0.0104112652619720,
        0.00925546218271273,
        0.00833056343336287,
    ]
)


@jit
def _mix(z: np.uint64) -> np.uint64:
    """The SplitMix64 output function (Steele, Lea & Flood 2014)."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


# The generator state is a uint64 passed by value and returned with every variate: helpers
# called once per cell take no arrays, so no reference counting happens on the hot path.


@jit
def uniform(state: np.uint64) -> tuple[float, np.uint64]:
    """A uniform variate on the open interval (0, 1) (53 bits) and the next state."""
    state = state + _GOLDEN
    return (float(_mix(state) >> _S11) + 0.5) * _TWO_M53, state


@jit
def normal(state: np.uint64) -> tuple[float, np.uint64]:
    """A standard normal variate (Box-Muller, one of the pair) and the next state."""
    u1, state = uniform(state)
    u2, state = uniform(state)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2), state


@jit
def poisson(state: np.uint64, lam: float) -> tuple[float, np.uint64]:
    """Poisson(lam): multiplication method below 10, PTRS transformed rejection above."""
    if lam <= 0.0:
        return 0.0, state
    if lam < 10.0:
        limit = math.exp(-lam)
        k = 0.0
        prod, state = uniform(state)
        while prod > limit:
            k += 1.0
            u, state = uniform(state)
            prod *= u
        return k, state
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u, state = uniform(state)
        v, state = uniform(state)
        u -= 0.5
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k, state
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        lhs = math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
        if lhs <= -lam + k * loglam - math.lgamma(k + 1.0):
            return k, state


@jit
def _stirling_tail(k: float) -> float:
    if k <= 9.0:
        return _STIRLING_TAIL[int(k)]
    kp1sq = (k + 1.0) * (k + 1.0)
    return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / kp1sq) / kp1sq) / (k + 1.0)


@jit
def _binomial_btrs(state: np.uint64, n: float, p: float) -> tuple[float, np.uint64]:
    """Binomial by transformed rejection with squeeze (Hörmann 1993), for ``n * p >= 10``."""
    spq = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    r = p / (1.0 - p)
    alpha = (2.83 + 5.1 / b) * spq
    m = math.floor((n + 1.0) * p)
    while True:
        u, state = uniform(state)
        v, state = uniform(state)
        u -= 0.5
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + c)
        if k < 0.0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return k, state
        v = math.log(v * alpha / (a / (us * us) + b))
        bound = (
            (m + 0.5) * math.log((m + 1.0) / (r * (n - m + 1.0)))
            + (n + 1.0) * math.log((n - m + 1.0) / (n - k + 1.0))
            + (k + 0.5) * math.log(r * (n - k + 1.0) / (k + 1.0))
            + _stirling_tail(m)
            + _stirling_tail(n - m)
            - _stirling_tail(k)
            - _stirling_tail(n - k)
        )
        if v <= bound:
            return k, state


@jit
def _binomial_inversion(
    state: np.uint64, n: float, mean: float, log1mp: float, odds: float
) -> tuple[float, np.uint64]:
    """Walk the binomial pmf from 0 (expected ``n * p + 1`` steps; for ``n * p < 10``).

    ``mean = n * p``; the squeeze ``P(0) = (1 - p)^n >= 1 - n p`` settles most draws of
    small cells without an ``exp``.
    """
    u, state = uniform(state)
    if u <= 1.0 - mean:
        return 0.0, state
    pk = math.exp(n * log1mp)
    k = 0.0
    while u > pk and k < n:
        u -= pk
        pk *= (n - k) / (k + 1.0) * odds
        k += 1.0
    return k, state


@jit
def binomial(state: np.uint64, n: float, p: float) -> tuple[float, np.uint64]:
    """Binomial(n, p) for a whole number ``n >= 0``: inversion when ``n * min(p, 1-p) < 10``,
    BTRS otherwise. Returns the variate and the next state."""
    if n <= 0.0 or p <= 0.0:
        return 0.0, state
    if p >= 1.0:
        return n, state
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    if n * pp >= 10.0:
        k, state = _binomial_btrs(state, n, pp)
    else:
        k, state = _binomial_inversion(state, n, n * pp, math.log1p(-pp), pp / (1.0 - pp))
    return (n - k if flip else k), state


@jit
def binomial_pre(
    state: np.uint64, n: float, p: float, log1mp: float, odds: float
) -> tuple[float, np.uint64]:
    """:func:`binomial` with ``log1mp = log(1 - p)`` and ``odds = p / (1 - p)`` precomputed.

    The hot path of the projection: nearly every cell has ``n * p < 10`` and ``p <= 0.5``.
    """
    if n <= 0.0 or p <= 0.0:
        return 0.0, state
    if p > 0.5 or n * p >= 10.0:
        return binomial(state, n, p)
    return _binomial_inversion(state, n, n * p, log1mp, odds)
