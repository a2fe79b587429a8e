"""Flows of the employed (steps 2 and 4 of :mod:`models._kernels.labourflow`): separations
and exits out of the labour force, then separations joining unemployment and Poisson entries."""

# Shape letters (R, I, D, ...) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

import math

import numpy as np

from models._jit import jit
from models._kernels import random as _rand
from models._kernels.labourflow_constants import BERNOULLI_MAX


@jit
def employed_flows(
    rng: np.ndarray,
    t: int,
    E: np.ndarray,
    leave: np.ndarray,
    log1m_leave: np.ndarray,
    odds_leave: np.ndarray,
    sep_share: np.ndarray,
    sepbuf: np.ndarray,
) -> int:
    """Separations into ``sepbuf`` (R, I) and exits out of the labour force; returns exits.

    Leavers ``Bin(E, leave)``, ``leave = s + (1 - s) x``, split into separations
    ``Bin(leavers, s / leave)`` and exits: the same law as ``Bin(E, s)`` followed by
    ``Bin(E - sep, x)``. ``log(1 - leave)``, ``leave / (1 - leave)`` and ``s / leave`` are
    precomputed per month (T, R, I), once per run.
    """
    R, I = E.shape
    exits = 0
    state = rng[0]
    for r in range(R):
        for i in range(I):
            n = E[r, i]
            if n == 0:
                continue
            pl = leave[t, r, i]
            if pl <= 0.0:
                continue
            if n <= BERNOULLI_MAX:  # one 32-bit uniform per person
                kl = _rand.threshold32(pl)
                k, _, state = _rand.count_below(state, n, kl, kl)
            elif pl > 0.5 or n * pl >= 10.0:
                kf, state = _rand.binomial(state, float(n), pl)
                k = int(kf)
            else:
                # :func:`models._kernels.random.binomial_inv_pre` written inline (the same
                # variates; as a call it is not inlined, and this is most of the step).
                u, state = _rand.uniform(state)
                k = 0
                if u > 1.0 - n * pl:
                    pk = math.exp(n * log1m_leave[t, r, i])
                    odds = odds_leave[t, r, i]
                    while u > pk and k < n:
                        u -= pk
                        inv = _rand._INV[k] if k < _rand._N_INV else 1.0 / (k + 1.0)
                        pk *= (n - k) * inv * odds
                        k += 1
            s = 0
            if 0 < k <= 4 * BERNOULLI_MAX:
                ks = _rand.threshold32(sep_share[t, r, i])
                s, _, state = _rand.count_below(state, k, ks, ks)
            elif k > 0:
                sf, state = _rand.binomial(state, float(k), sep_share[t, r, i])
                s = int(sf)
            E[r, i] = n - k
            sepbuf[r, i] = s
            exits += k - s
    rng[0] = state
    return exits


@jit
def inflows(
    rng: np.ndarray,
    t: int,
    U: np.ndarray,
    E: np.ndarray,
    sepbuf: np.ndarray,
    ent_u: np.ndarray,
    ent_e: np.ndarray,
    pois_u: np.ndarray,
    pois_e: np.ndarray,
    new_industry: int,
) -> int:
    """Separations join band 0; Poisson entries to unemployment and employment (returned).

    ``pois_u`` (3, T, R) and ``pois_e`` (3, T, R, I): mode, its probability and the
    distribution function there of each Poisson mean, computed per run.
    """
    R, I = E.shape
    entries = 0
    state = rng[0]
    for r in range(R):
        for i in range(I):
            U[0, r, i, 0] += sepbuf[r, i]
            sepbuf[r, i] = 0
            lam = ent_e[t, r, i]
            if lam > 0.0:
                k, state = _rand.poisson_from_mode(
                    state, lam, int(pois_e[0, t, r, i]), pois_e[1, t, r, i], pois_e[2, t, r, i]
                )
                E[r, i] += k
                entries += k
        lam = ent_u[t, r]
        if lam > 0.0:
            k, state = _rand.poisson_from_mode(
                state, lam, int(pois_u[0, t, r]), pois_u[1, t, r], pois_u[2, t, r]
            )
            U[0, r, new_industry, 0] += k
            entries += k
    rng[0] = state
    return entries
