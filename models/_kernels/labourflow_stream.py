"""A draw's random stream for the labour-flow kernels: SplitMix64 state in a uint64[1] array.

The per-draw state ``rng`` (uint64[1]) is read and written back around each variate of
:mod:`models._kernels.random`, so helpers can share one stream without returning it; they
serve the rarer draws (events, large-count placements, event vacancies). The hot loops of
the flow steps instead keep ``rng[0]`` in a local (a register), call
:mod:`models._kernels.random` with it by value and store it back once at the end.
"""

from __future__ import annotations

import math

import numpy as np

from models._jit import jit
from models._kernels import random as _rand  # SplitMix64 stream, exact binomial/Poisson
from models._kernels.labourflow_constants import BERNOULLI_MAX


@jit
def uniform(rng: np.ndarray) -> float:
    """A uniform variate on (0, 1) from the draw's SplitMix64 state ``rng`` (uint64[1])."""
    u, state = _rand.uniform(rng[0])
    rng[0] = state
    return u


@jit
def stochastic_round(rng: np.ndarray, x: float) -> int:
    """``floor(x)`` plus one with probability ``x - floor(x)`` (unbiased), ``x >= 0``."""
    n = math.floor(x)
    if uniform(rng) < x - n:
        n += 1
    return n


@jit
def pick(rng: np.ndarray, weights: np.ndarray, total: float) -> int:
    """Index drawn with probability ``weights[k] / total`` (linear scan, last index as fallback)."""
    u = uniform(rng) * total
    acc = 0.0
    last = weights.size - 1
    for k in range(last):
        acc += weights[k]
        if u < acc:
            return k
    return last


@jit
def binomial(rng: np.ndarray, n: int, p: float) -> int:
    """``Bin(n, p)``, exact: trial by trial for small ``n``, else inversion or BTRS."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if n <= BERNOULLI_MAX:  # a handful of cheap uniforms beats the sampler's set-up
        kb, state = _rand.bernoulli_count(rng[0], n, p)
        rng[0] = state
        return kb
    k, state = _rand.binomial(rng[0], float(n), p)
    rng[0] = state
    return int(k)
