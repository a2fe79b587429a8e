"""Flows of the unemployed (step 3 of :mod:`models._kernels.labourflow`): hires, exits and
ageing of every jobseeker cell, and placing the hires that leave their own industry.

Hires, exits and ageing come in two forms with the same variates: the one-draw
:func:`unemployed_flows` (the reference, and what ``benchmarks/labourflow_steps.py``
replays) and :func:`unemployed_flows_lanes`, which the kernel runs on a block of draws side
by side (one draw per lane, each from its own stream); placing runs draw by draw.
"""

# Shape letters (R, I, D, ...) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

import numpy as np

from models._jit import jit
from models._kernels import labourflow_stream as stream
from models._kernels import random as _rand
from models._kernels.labourflow_constants import MANY_HIRES, N_BANDS, SMALL_CELL
from models._kernels.random import _GOLDEN, _S11, _TWO_M53


@jit
def unemployed_flows(
    rng: np.ndarray,
    t: int,
    U: np.ndarray,
    E: np.ndarray,
    own: np.ndarray,
    grp: np.ndarray,
    ysum: np.ndarray,
    yg: np.ndarray,
    eff: np.ndarray,
    hmax: float,
    exit_u: np.ndarray,
    age_p: np.ndarray,
    spreadh: np.ndarray,
    cohort: np.ndarray,
) -> int:
    """Hires, exits and ageing of every unemployed cell; returns exits out of the labour force.

    Competing outcomes per cell: a hire, an exit; then the expected share ``age_p`` of those
    left moves to the next band (rounded without bias). A hire stays in
    the own industry with probability ``own[i] ysum[r, i] / hz[r, i]`` (the same in every
    band and group, so one binomial per residence and industry splits them); the others
    are counted in ``spreadh`` (R, NG) and placed later (:func:`place_spread_hires`).
    ``U`` (G, R, I, D), ``E`` (R, I); ``ysum`` (R, I) and ``yg`` (R, NG) from
    :func:`models._kernels.labourflow_matching.matching_rates`; ``exit_u`` (T, R, D),
    ``age_p`` (D,). ``cohort`` (3,) accumulates the displaced cohort's re-employed (1) and
    exited (2).

    One function on purpose: this is the kernel's hottest loop, and helpers for a cell or a
    group of cells are not inlined by LLVM here (measured: about 15 % slower overall).
    """
    G, R, I, _ = U.shape
    D = N_BANDS  # a compile-time constant: the band loop unrolls, indices need no checks
    exits = 0
    state = rng[0]  # the stream stays in a register; the loops below are written inline
    for r in range(R):
        for i in range(I):
            p_own = own[i] * ysum[r, i]
            hz = p_own + (1.0 - own[i]) * yg[r, grp[i]]
            hires = 0
            for g in range(G):
                # Oldest band first, so a person aged into band d + 1 is not processed twice.
                for dd in range(D):
                    d = D - 1 - dd
                    n = U[g, r, i, d]
                    if n == 0:
                        continue
                    ph = min(eff[d] * hz, hmax)
                    pa = age_p[d] if d < D - 1 else 0.0
                    px = exit_u[t, r, d]
                    if n <= SMALL_CELL:
                        # Competing outcomes, one 32-bit uniform per person (two per
                        # output): hire if u < c1, exit if c1 <= u < c2; the law of
                        # Bin(n, ph) hires, then Bin(n - h, px) exits.
                        k1 = _rand.threshold32(ph)
                        k2 = _rand.threshold32(ph + (1.0 - ph) * px)
                        h, hx, state = _rand.count_below(state, n, k1, k2)
                        x = hx - h
                    else:
                        hf, state = _rand.binomial(state, float(n), ph)
                        h = int(hf)
                        xf, state = _rand.binomial(state, float(n - h), px)
                        x = int(xf)
                    # Durations progress deterministically; only the band representation
                    # makes ageing a share (1 / band width), so it is rounded without bias
                    # rather than drawn binomially.
                    a = 0
                    if pa > 0.0:  # floor(y + u): floor(y), plus one with probability y - floor(y)
                        ua, state = _rand.uniform(state)
                        a = int((n - h - x) * pa + ua)
                    U[g, r, i, d] = n - h - x - a
                    if a > 0:
                        U[g, r, i, d + 1] += a
                    hires += h
                    exits += x
                    if g == 1:
                        cohort[1] += h
                        cohort[2] += x
            if hires > 0:
                q = p_own / hz
                if hires <= SMALL_CELL:
                    kq = _rand.threshold32(q)
                    stay, _, state = _rand.count_below(state, hires, kq, kq)
                else:
                    sf, state = _rand.binomial(state, float(hires), q)
                    stay = int(sf)
                E[r, i] += stay
                spreadh[r, grp[i]] += hires - stay
    rng[0] = state
    return exits


@jit
def place_by_binomials(
    rng: np.ndarray,
    h: int,
    r: int,
    g: int,
    total: float,
    spread: np.ndarray,
    ysum: np.ndarray,
    E: np.ndarray,
) -> None:
    """Place ``h`` hires of group ``g`` living in ``r`` by conditional binomials over industries.

    Industry ``j`` has weight ``spread[g, j] ysum[r, j]`` (``total`` their sum); cheaper
    than one draw per person for large counts. ``E`` (R, I) receives them.
    """
    left = total
    for j in range(E.shape[1]):
        wgt = spread[g, j] * ysum[r, j]
        if wgt <= 0.0:
            continue
        k = stream.binomial(rng, h, wgt / left) if left > wgt else h
        E[r, j] += k
        h -= k
        left -= wgt
        if h == 0:
            break


@jit
def place_one_by_one(
    state: np.uint64, h: int, r: int, total: float, cum: np.ndarray, E: np.ndarray
) -> np.uint64:
    """Place ``h`` hires living in ``r`` one at a time by the cumulative weights ``cum`` (I,)
    (``total = cum[-1]``) into ``E`` (R, I); returns the next stream state."""
    I = E.shape[1]
    for _ in range(h):
        u, state = _rand.uniform(state)
        u *= total
        # The first j with u < cum[j] (the last if none), as a branch-free count.
        lo = 0
        for j in range(I - 1):
            lo += int(cum[j] <= u)
        E[r, lo] += 1
    return state


@jit
def place_spread_hires(
    rng: np.ndarray,
    spreadh: np.ndarray,
    spread: np.ndarray,
    ysum: np.ndarray,
    yg: np.ndarray,
    cum: np.ndarray,
    E: np.ndarray,
) -> None:
    """Place the hires that left their own industry: group ``g``'s hires of residents of
    ``r`` (``spreadh`` (R, NG), reset to 0) go to industry ``j`` with weight
    ``spread[g, j] ysum[r, j]`` (cumulative weights in the work array ``cum`` (I,)): one
    uniform per hire up to ``MANY_HIRES``, conditional binomials above.
    ``yg`` (R, NG) is not used."""
    R, NG = spreadh.shape
    I = E.shape[1]
    for r in range(R):
        for g in range(NG):
            h = spreadh[r, g]
            if h == 0:
                continue
            spreadh[r, g] = 0
            acc = 0.0
            for j in range(I):
                acc += spread[g, j] * ysum[r, j]
                cum[j] = acc
            if h > MANY_HIRES:
                place_by_binomials(rng, h, r, g, acc, spread, ysum, E)
            else:
                rng[0] = place_one_by_one(rng[0], h, r, acc, cum, E)


@jit
def unemployed_flows_lanes(
    states: np.ndarray,
    t: int,
    G: int,
    U: np.ndarray,
    E: np.ndarray,
    own: np.ndarray,
    grp: np.ndarray,
    ysum: np.ndarray,
    yg: np.ndarray,
    eff: np.ndarray,
    hmax: float,
    exit_u: np.ndarray,
    age_p: np.ndarray,
    spreadh: np.ndarray,
    cohort: np.ndarray,
    exits: np.ndarray,
    wi: np.ndarray,
    wf: np.ndarray,
) -> None:
    """:func:`unemployed_flows` of several draws side by side, one draw per lane.

    ``states`` (NL,) the lanes' stream states; ``U`` (GG, R, I, D, NL), lanes innermost, of
    which the first ``G`` groups are processed; ``E``, ``ysum`` (NL, R, I); ``yg``,
    ``spreadh`` (NL, R, NG); ``cohort`` (NL, 3); ``exits`` (NL,) receives each lane's exits
    out of the labour force. ``wi`` (7, NL) int64 and ``wf`` (2, NL) float64 work arrays.

    Every lane draws the random numbers of the one-draw step in the same order from its own
    stream, so each lane ends with the one-draw step's state and stream, bit for bit. Taking
    a cell in all lanes at once turns the one-draw step's branches (empty cells, the length
    of each per-person count) into masks: every loop over lanes below is branch-free and
    LLVM vectorises it (the SplitMix64 outputs of eight lanes per instruction). The lane
    count is read from ``states`` at run time on purpose: with a compile-time count LLVM
    unrolls these short loops instead of vectorising them (measured: slower than the
    one-draw step).
    """
    NL = states.shape[0]
    R = U.shape[1]
    I = U.shape[2]
    D = N_BANDS
    nv = wi[0]
    mv = wi[1]
    c1 = wi[2]
    c2 = wi[3]
    k1 = wi[4]
    k2 = wi[5]
    hires = wi[6]
    pown = wf[0]
    hzv = wf[1]
    for l in range(NL):
        exits[l] = 0
    for r in range(R):
        for i in range(I):
            ow = own[i]
            gi = grp[i]
            for l in range(NL):
                p = ow * ysum[l, r, i]
                pown[l] = p
                hzv[l] = p + (1.0 - ow) * yg[l, r, gi]
                hires[l] = 0
            for g in range(G):
                for dd in range(D):
                    d = D - 1 - dd
                    nmax = 0
                    big = 0
                    for l in range(NL):
                        n = U[g, r, i, d, l]
                        nv[l] = n
                        nmax = max(nmax, n)
                        big += int(n > SMALL_CELL)
                    if nmax == 0:
                        continue
                    pa = age_p[d] if d < D - 1 else 0.0
                    px = exit_u[t, r, d]
                    ed = eff[d]
                    for l in range(NL):
                        ph = min(ed * hzv[l], hmax)
                        k1[l] = np.int64(_rand.threshold32(ph))
                        k2[l] = np.int64(_rand.threshold32(ph + (1.0 - ph) * px))
                    _rand.count_below2_lanes(states, nv, SMALL_CELL, k1, k2, c1, c2, mv)
                    if big > 0:
                        for l in range(NL):
                            n = nv[l]
                            if n > SMALL_CELL:
                                ph = min(ed * hzv[l], hmax)
                                st = states[l]
                                hf, st = _rand.binomial(st, float(n), ph)
                                xf, st = _rand.binomial(st, float(n - int(hf)), px)
                                states[l] = st
                                c1[l] = int(hf)
                                c2[l] = int(hf) + int(xf)
                    for l in range(NL):
                        n = nv[l]
                        h = c1[l]
                        x = c2[l] - h
                        a = 0
                        if pa > 0.0:
                            live = int(n > 0)
                            st = states[l] + np.uint64(live) * _GOLDEN
                            ua = (float(_rand._mix(st) >> _S11) + 0.5) * _TWO_M53
                            a = int((n - h - x) * pa + ua) * live
                            states[l] = st
                        U[g, r, i, d, l] = n - h - x - a
                        if d < D - 1:
                            U[g, r, i, d + 1, l] += a
                        hires[l] += h
                        exits[l] += x
                        if g == 1:
                            cohort[l, 1] += h
                            cohort[l, 2] += x
            hmx = 0
            for l in range(NL):
                hmx = max(hmx, hires[l])
            if hmx == 0:
                continue
            for l in range(NL):
                q = pown[l] / hzv[l] if hires[l] > 0 else 0.0
                k1[l] = np.int64(_rand.threshold32(q))
            _rand.count_below_lanes(states, hires, SMALL_CELL, k1, c1, mv)
            for l in range(NL):
                hl = hires[l]
                if hl > SMALL_CELL:
                    sf, st = _rand.binomial(states[l], float(hl), pown[l] / hzv[l])
                    states[l] = st
                    c1[l] = int(sf)
                E[l, r, i] += c1[l]
                spreadh[l, r, gi] += hl - c1[l]
