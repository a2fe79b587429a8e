"""Flows of the employed (steps 2 and 4 of :mod:`models._kernels.labourflow`): separations
and exits out of the labour force, then separations joining unemployment and Poisson entries.

Each step comes in two forms with the same variates: the one-draw function (the reference,
and what ``benchmarks/labourflow_steps.py`` replays) and its ``_lanes`` form, which the
kernel runs on a block of draws side by side (one draw per lane, each from its own stream).
"""

# Shape letters (R, I, D, ...) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

import math

import numpy as np

from models._jit import jit
from models._kernels import random as _rand
from models._kernels.labourflow_constants import BERNOULLI_MAX
from models._kernels.random import _GOLDEN, _LOW32, _S11, _S32, _TWO_M53


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


@jit
def employed_flows_lanes(
    states: np.ndarray,
    t: int,
    E: np.ndarray,
    leave: np.ndarray,
    log1m_leave: np.ndarray,
    odds_leave: np.ndarray,
    sep_share: np.ndarray,
    sepbuf: np.ndarray,
    exits: np.ndarray,
    wi: np.ndarray,
    wf: np.ndarray,
) -> None:
    """:func:`employed_flows` of several draws side by side, one draw per lane.

    ``states`` (NL,) the lanes' stream states; ``E``, ``sepbuf`` (NL, R, I); ``exits`` (NL,)
    receives each lane's exits out of the labour force; ``wi`` (7, NL) int64 and ``wf``
    (2, NL) float64 work arrays. As in
    :func:`models._kernels.labourflow_jobseekers.unemployed_flows_lanes`, every lane draws
    the one-draw step's random numbers in its order from its own stream (the same
    variates, bit for bit); the per-person counts, the uniforms and the inversion's walk run
    in all lanes at once (masked), the logarithm-free set-up is shared (the probabilities do
    not depend on the draw), and only ``exp`` and the rare large-count samplers run lane
    by lane. The lane count is read at run time so that LLVM vectorises the lane loops.
    """
    NL = states.shape[0]
    R = E.shape[1]
    I = E.shape[2]
    nv = wi[0]
    kv = wi[1]
    mv = wi[2]
    c1 = wi[3]
    act = wi[4]
    cls = wi[5]
    kk = wi[6]
    uv = wf[0]
    pk = wf[1]
    for l in range(NL):
        exits[l] = 0
    for r in range(R):
        for i in range(I):
            pl = leave[t, r, i]
            if pl <= 0.0:
                continue
            kl = np.int64(_rand.threshold32(pl))
            general = pl > 0.5
            nmax = 0
            nbig = 0
            ninv = 0
            for l in range(NL):
                n = E[l, r, i]
                nv[l] = n
                nmax = max(nmax, n)
                small = int(n > 0) * int(n <= BERNOULLI_MAX)
                big = int(n > BERNOULLI_MAX) * int(general or n * pl >= 10.0)
                inv = int(n > BERNOULLI_MAX) * (1 - big)
                cls[l] = small + 2 * big + 3 * inv
                nbig += big
                ninv += inv
                kk[l] = kl
            if nmax == 0:
                continue
            # Up to BERNOULLI_MAX persons: one 32-bit uniform each (count_below).
            _rand.count_below_lanes(states, nv, BERNOULLI_MAX, kk, c1, mv)
            if ninv > 0:
                # Inversion (binomial_inv_pre written out): a uniform, the squeeze, then
                # the walk from P(0) = exp(n log(1 - p)) in every lane still walking.
                lm = log1m_leave[t, r, i]
                odds = odds_leave[t, r, i]
                for l in range(NL):
                    a = np.uint64(int(cls[l] == 3))
                    st = states[l] + a * _GOLDEN
                    u = (float(_rand._mix(st) >> _S11) + 0.5) * _TWO_M53
                    states[l] = st
                    uv[l] = u
                    kv[l] = 0
                    act[l] = int(a) * int(u > 1.0 - nv[l] * pl)
                for l in range(NL):
                    pk[l] = math.exp(nv[l] * lm) if act[l] else 0.0
                walking = ninv
                while walking > 0:
                    walking = 0
                    for l in range(NL):
                        k = kv[l]
                        n = nv[l]
                        a = act[l] * int(uv[l] > pk[l]) * int(k < n)
                        inv = _rand._INV[k] if k < _rand._N_INV else 1.0 / (k + 1.0)
                        if a:
                            uv[l] -= pk[l]
                            pk[l] *= (n - k) * inv * odds
                        kv[l] = k + a
                        act[l] = a
                        walking += a
                for l in range(NL):
                    if cls[l] == 3:
                        c1[l] = kv[l]
            if nbig > 0:
                for l in range(NL):
                    if cls[l] == 2:
                        kf, st = _rand.binomial(states[l], float(nv[l]), pl)
                        states[l] = st
                        c1[l] = int(kf)
            # Separations among the leavers: a 32-bit uniform each up to 4 BERNOULLI_MAX.
            sp = sep_share[t, r, i]
            ks = np.int64(_rand.threshold32(sp))
            mmax = 0
            nbig = 0
            for l in range(NL):
                k = c1[l]
                few = int(k <= 4 * BERNOULLI_MAX)
                m = (k >> 1) * few
                mv[l] = m
                mmax = max(mmax, m)
                nbig += 1 - few
                kv[l] = 0
            for j in range(mmax):
                inc = np.uint64(j + 1) * _GOLDEN
                for l in range(NL):
                    z = _rand._mix(states[l] + inc)
                    hi = np.int64(z >> _S32)
                    lo = np.int64(z & _LOW32)
                    kv[l] += int(j < mv[l]) * (int(hi < ks) + int(lo < ks))
            for l in range(NL):
                k = c1[l]
                odd = np.uint64((k & 1) * int(k <= 4 * BERNOULLI_MAX))
                st = states[l] + np.uint64(mv[l]) * _GOLDEN + odd * _GOLDEN
                kv[l] += int(odd) * int(np.int64(_rand._mix(st) >> _S32) < ks)
                states[l] = st
            if nbig > 0:
                for l in range(NL):
                    k = c1[l]
                    if k > 4 * BERNOULLI_MAX:
                        sf, st = _rand.binomial(states[l], float(k), sp)
                        states[l] = st
                        kv[l] = int(sf)
            for l in range(NL):
                k = c1[l]
                s = kv[l]
                E[l, r, i] = nv[l] - k
                sepbuf[l, r, i] = s
                exits[l] += k - s


@jit
def poisson_lanes(
    states: np.ndarray,
    lam: float,
    mode: int,
    pm: float,
    fm: float,
    kv: np.ndarray,
    act: np.ndarray,
    uv: np.ndarray,
    pv: np.ndarray,
    fv: np.ndarray,
) -> None:
    """:func:`models._kernels.random.poisson_from_mode` in every lane at once: ``kv`` (NL,)
    receives each lane's ``Poisson(lam)`` variate; ``act``, ``uv``, ``pv``, ``fv`` (NL,) are
    work arrays. The same variates as lane by lane: one uniform per lane, then the walk from
    the mode (down or up, as each lane's uniform says) masked until every lane is done."""
    NL = states.shape[0]
    il = 1.0 / lam
    limit = 2 * mode + 100
    walking = 0
    for l in range(NL):
        st = states[l] + _GOLDEN
        u = (float(_rand._mix(st) >> _S11) + 0.5) * _TWO_M53
        states[l] = st
        uv[l] = u
        kv[l] = mode
        pv[l] = pm
        fv[l] = fm
        a = int(u <= fm) * int(mode > 0) * int(u <= fm - pm) + 2 * int(u > fm) * int(mode < limit)
        act[l] = a
        walking += int(a > 0)
    while walking > 0:
        walking = 0
        for l in range(NL):
            a = act[l]
            k = kv[l]
            u = uv[l]
            p = pv[l]
            f = fv[l]
            if a == 1:  # down: P(X <= k - 1) = f - p still covers u
                f -= p
                p *= k * il
                k -= 1
                a = int(k > 0) * int(u <= f - p)
            elif a == 2:  # up
                p *= lam * (_rand._INV[k] if k < _rand._N_INV else 1.0 / (k + 1.0))
                k += 1
                f += p
                a = 2 * int(u > f) * int(k < limit)
            kv[l] = k
            pv[l] = p
            fv[l] = f
            act[l] = a
            walking += int(a > 0)


@jit
def inflows_lanes(
    states: np.ndarray,
    t: int,
    U: np.ndarray,
    E: np.ndarray,
    sepbuf: np.ndarray,
    ent_u: np.ndarray,
    ent_e: np.ndarray,
    pois_u: np.ndarray,
    pois_e: np.ndarray,
    new_industry: int,
    entries: np.ndarray,
    wi: np.ndarray,
    wf: np.ndarray,
) -> None:
    """:func:`inflows` of several draws side by side: ``U`` (GG, R, I, D, NL), ``E``,
    ``sepbuf`` (NL, R, I), ``entries`` (NL,) receives each lane's entries; ``wi`` (7, NL)
    int64 and ``wf`` (3, NL) float64 work arrays. The Poisson means do not depend on the
    draw, so each cell's set-up is shared and its draws run in all lanes at once
    (:func:`poisson_lanes`), each lane from its own stream in the one-draw order."""
    NL = states.shape[0]
    R = E.shape[1]
    I = E.shape[2]
    kv = wi[0]
    act = wi[1]
    uv = wf[0]
    pv = wf[1]
    fv = wf[2]
    for l in range(NL):
        entries[l] = 0
    for r in range(R):
        for i in range(I):
            for l in range(NL):
                U[0, r, i, 0, l] += sepbuf[l, r, i]
                sepbuf[l, r, i] = 0
            lam = ent_e[t, r, i]
            if lam > 0.0:
                poisson_lanes(
                    states, lam, int(pois_e[0, t, r, i]), pois_e[1, t, r, i], pois_e[2, t, r, i],
                    kv, act, uv, pv, fv,
                )  # fmt: skip
                for l in range(NL):
                    E[l, r, i] += kv[l]
                    entries[l] += kv[l]
        lam = ent_u[t, r]
        if lam > 0.0:
            poisson_lanes(
                states, lam, int(pois_u[0, t, r]), pois_u[1, t, r], pois_u[2, t, r],
                kv, act, uv, pv, fv,
            )  # fmt: skip
            for l in range(NL):
                U[0, r, new_industry, 0, l] += kv[l]
                entries[l] += kv[l]
