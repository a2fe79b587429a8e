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


# Samplers of the labour-flow kernel's hot loops (the cohort kernel keeps the ones above).
_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO_M32 = 1.0 / 4294967296.0
#: Reciprocals ``1 / k`` for ``k = 1..256``: the inversion samplers multiply instead of
#: dividing at every step.
_INV = 1.0 / np.arange(1.0, 257.0)
_N_INV = 256


@jit
def uniform_pair(state: np.uint64) -> tuple[float, float, np.uint64]:
    """Two uniforms on (0, 1) of 32 bits each from one SplitMix64 output, and the next state.

    For Bernoulli trials, where a 32-bit uniform decides ``u < p`` with an error in the
    probability below ``2**-32``: half the mixing of :func:`uniform` per trial.
    """
    state = state + _GOLDEN
    z = _mix(state)
    return (float(z >> _S32) + 0.5) * _TWO_M32, (float(z & _LOW32) + 0.5) * _TWO_M32, state


@jit
def bernoulli_count(state: np.uint64, n: int, p: float) -> tuple[int, np.uint64]:
    """Successes of ``n`` trials with probability ``p``, trial by trial (for small ``n``)."""
    k = 0
    for _ in range(n >> 1):
        u1, u2, state = uniform_pair(state)
        k += int(u1 < p) + int(u2 < p)
    if n & 1:
        u1, _u2, state = uniform_pair(state)
        k += int(u1 < p)
    return k, state


@jit
def competing_count(state: np.uint64, n: int, c1: float, c2: float) -> tuple[int, int, np.uint64]:
    """Competing outcomes of ``n`` persons, one 32-bit uniform each: outcome 1 when
    ``u < c1``, outcome 2 when ``c1 <= u < c2`` (``c2 = c1 + (1 - c1) p2`` gives the law of
    ``k1 = Bin(n, c1)``, ``k2 = Bin(n - k1, p2)``)."""
    k1 = 0
    k2 = 0
    for _ in range(n >> 1):
        u1, u2, state = uniform_pair(state)
        k1 += int(u1 < c1) + int(u2 < c1)
        k2 += int(u1 < c2) + int(u2 < c2)
    if n & 1:
        u1, _u2, state = uniform_pair(state)
        k1 += int(u1 < c1)
        k2 += int(u1 < c2)
    return k1, k2 - k1, state


@jit
def binomial_inv_pre(
    state: np.uint64, n: float, p: float, log1mp: float, odds: float
) -> tuple[float, np.uint64]:
    """:func:`binomial_pre` with the inversion steps multiplying by ``1 / (k + 1)`` from a
    table (no division in the loop): ``n * p < 10``, ``p <= 0.5`` by inversion, else BTRS."""
    if n <= 0.0 or p <= 0.0:
        return 0.0, state
    if p > 0.5 or n * p >= 10.0:
        return binomial(state, n, p)
    u, state = uniform(state)
    if u <= 1.0 - n * p:
        return 0.0, state
    pk = math.exp(n * log1mp)
    k = 0
    while u > pk and k < n:
        u -= pk
        inv = _INV[k] if k < _N_INV else 1.0 / (k + 1.0)
        pk *= (n - k) * inv * odds
        k += 1
    return float(k), state


@jit
def poisson_pre(state: np.uint64, lam: float, explam: float) -> tuple[float, np.uint64]:
    """Poisson(lam) with ``explam = exp(-lam)`` precomputed: inversion (one uniform, about
    ``lam`` steps) below 10, PTRS (:func:`poisson`) above."""
    if lam <= 0.0:
        return 0.0, state
    if lam >= 10.0:
        return poisson(state, lam)
    u, state = uniform(state)
    pk = explam
    cdf = pk
    k = 0
    # The cap only matters if rounding leaves the summed pmf below u (u within 1e-15 of 1).
    while u > cdf and k < 200:
        inv = _INV[k] if k < _N_INV else 1.0 / (k + 1.0)
        pk *= lam * inv
        cdf += pk
        k += 1
    return float(k), state


@jit
def threshold32(p: float) -> np.uint64:
    """The integer ``K`` with ``x < K`` equivalent to ``(x + 0.5) 2**-32 < p`` for 32-bit
    ``x``: a Bernoulli(p) trial on 32 random bits is ``x < K`` (``P = K / 2**32``)."""
    if p <= 0.0:
        return np.uint64(0)
    if p >= 1.0:
        return np.uint64(4294967296)
    return np.uint64(math.ceil(p * 4294967296.0 - 0.5))


@jit
def count_below(
    state: np.uint64, n: int, k1: np.uint64, k2: np.uint64
) -> tuple[int, int, np.uint64]:
    """Of ``n`` 32-bit random numbers (two per SplitMix64 output, in stream order), how many
    are below ``k1`` and how many below ``k2``; and the next state.

    The ``j``-th output of the stream is ``mix(state + j * golden)``, so the outputs do not
    depend on each other and the loop vectorises. Same stream as :func:`uniform_pair`.
    """
    c1 = 0
    c2 = 0
    m = n >> 1
    for j in range(m):
        z = _mix(state + np.uint64(j + 1) * _GOLDEN)
        hi = z >> _S32
        lo = z & _LOW32
        c1 += int(hi < k1) + int(lo < k1)
        c2 += int(hi < k2) + int(lo < k2)
    state = state + np.uint64(m) * _GOLDEN
    if n & 1:
        state = state + _GOLDEN
        hi = _mix(state) >> _S32
        c1 += int(hi < k1)
        c2 += int(hi < k2)
    return c1, c2, state


@jit
def count_below_lanes(
    states: np.ndarray, nv: np.ndarray, small: int, k: np.ndarray, c: np.ndarray, mv: np.ndarray
) -> None:
    """:func:`count_below` with one threshold in every lane at once: lane ``l`` counts, of
    ``nv[l]`` 32-bit numbers of its own stream ``states[l]``, how many are below ``k[l]``,
    into ``c[l]``, and advances ``states[l]`` past them; lanes with ``nv[l] > small`` count
    nothing and keep their state (their caller samples them otherwise). ``mv`` (NL,) is a
    work array. Branch-free over lanes, so LLVM vectorises the loops (the lane count is a
    run-time value on purpose: see :func:`count_below2_lanes`)."""
    NL = states.shape[0]
    mmax = 0
    for l in range(NL):  # noqa: E741
        n = nv[l]
        m = (n >> 1) * int(n <= small)
        mv[l] = m
        mmax = max(mmax, m)
        c[l] = 0
    for j in range(mmax):
        inc = np.uint64(j + 1) * _GOLDEN
        for l in range(NL):  # noqa: E741
            z = _mix(states[l] + inc)
            hi = np.int64(z >> _S32)
            lo = np.int64(z & _LOW32)
            c[l] += int(j < mv[l]) * (int(hi < k[l]) + int(lo < k[l]))
    for l in range(NL):  # noqa: E741
        n = nv[l]
        odd = np.uint64((n & 1) * int(n <= small))
        st = states[l] + np.uint64(mv[l]) * _GOLDEN + odd * _GOLDEN
        c[l] += int(odd) * int(np.int64(_mix(st) >> _S32) < k[l])
        states[l] = st


@jit
def count_below2_lanes(
    states: np.ndarray,
    nv: np.ndarray,
    small: int,
    k1: np.ndarray,
    k2: np.ndarray,
    c1: np.ndarray,
    c2: np.ndarray,
    mv: np.ndarray,
) -> None:
    """:func:`count_below_lanes` with two thresholds (``k1``, ``k2`` into ``c1``, ``c2``): the
    lanes' :func:`count_below`, each lane reading its own stream in the one-draw order, so
    each lane's counts and state are :func:`count_below`'s bit for bit. The lane loops are
    branch-free (the differing counts are masks) and LLVM vectorises them; with a
    compile-time lane count it unrolls them instead (measured slower)."""
    NL = states.shape[0]
    mmax = 0
    for l in range(NL):  # noqa: E741
        n = nv[l]
        m = (n >> 1) * int(n <= small)
        mv[l] = m
        mmax = max(mmax, m)
        c1[l] = 0
        c2[l] = 0
    for j in range(mmax):
        inc = np.uint64(j + 1) * _GOLDEN
        for l in range(NL):  # noqa: E741
            z = _mix(states[l] + inc)
            hi = np.int64(z >> _S32)
            lo = np.int64(z & _LOW32)
            on = int(j < mv[l])
            c1[l] += on * (int(hi < k1[l]) + int(lo < k1[l]))
            c2[l] += on * (int(hi < k2[l]) + int(lo < k2[l]))
    for l in range(NL):  # noqa: E741
        n = nv[l]
        odd = np.uint64((n & 1) * int(n <= small))
        st = states[l] + np.uint64(mv[l]) * _GOLDEN + odd * _GOLDEN
        hi = np.int64(_mix(st) >> _S32)
        c1[l] += int(odd) * int(hi < k1[l])
        c2[l] += int(odd) * int(hi < k2[l])
        states[l] = st


@jit
def poisson_mode_table(lam: np.ndarray, mode: np.ndarray, pmf: np.ndarray, cdf: np.ndarray) -> None:
    """For each mean ``lam[k]`` (flat, >= 0): the mode ``floor(lam)``, its probability and
    the distribution function there, for :func:`poisson_from_mode`."""
    for k in range(lam.size):
        lm = lam[k]
        if lm <= 0.0:
            mode[k], pmf[k], cdf[k] = 0, 1.0, 1.0
            continue
        m = math.floor(lm)
        pm = math.exp(-lm + m * math.log(lm) - math.lgamma(m + 1.0))
        p = pm
        total = pm
        for j in range(m, 0, -1):
            p *= j / lm
            total += p
        mode[k], pmf[k], cdf[k] = m, pm, min(total, 1.0)


@jit
def poisson_from_mode(
    state: np.uint64, lam: float, mode: int, pm: float, fm: float
) -> tuple[int, np.uint64]:
    """Poisson(lam) by inversion searched from the mode (``pm = P(mode)``, ``fm = P(X <=
    mode)`` precomputed): one uniform and about ``0.8 sqrt(lam)`` steps."""
    u, state = uniform(state)
    k = mode
    p = pm
    f = fm
    if u <= f:  # walk down while P(X <= k - 1) = f - p still covers u
        il = 1.0 / lam
        while k > 0 and u <= f - p:
            f -= p
            p *= k * il
            k -= 1
        return k, state
    limit = 2 * mode + 100  # only rounding could leave f below u for long
    while u > f and k < limit:
        p *= lam * (_INV[k] if k < _N_INV else 1.0 / (k + 1.0))
        k += 1
        f += p
    return k, state
