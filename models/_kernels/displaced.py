"""Numba kernel of the displaced workers by age, sex and education (private; see
:mod:`models.displaced`).

Shapes: ``B`` draws, ``T`` months, ``C`` cells (age band x sex x education level). A draw
follows every month's newly displaced residents (``inflow[b, t]``, the labour-flow kernel's
cohort entries of that draw) from their layoff: they are split over the cells by sequential
binomials (a multinomial with ``profile``), then each entry month's survivors face, in this
order, re-employment ``1 - exp(-h_re[t, c] exp(lre[b, c]) dur[m])`` (``m`` months since the
layoff, ``h_re`` the evidence-calibrated hazard times the month's local slack factor),
retirement or early retirement ``1 - exp(-h_ret[c] exp(lret[b, c]))`` and other exits
``h_oth`` (out-migration, studies), as successive binomials of those left; then the
survivors age: ``Bin(left, up[c])`` move from cell ``c`` to ``c + step`` (the next age band,
same sex and education), so hazards follow the age reached while every count stays with
the cell of entry (age at the layoff). Every move is an integer transfer: in every draw,
month and cell of entry ``unemployed + reemployed + retired + other = displaced`` exactly.
Draw ``b`` uses its own SplitMix64 stream (``seeds[b]``) and runs on one thread, so the
output does not depend on the number of threads.
"""

from __future__ import annotations

import math

import numpy as np

from models._jit import jit, prange
from models._kernels import random as _rand

#: Columns of the output's last axis.
D_DISPLACED = 0
D_UNEMPLOYED = 1
D_REEMPLOYED = 2
D_RETIRED = 3
D_OTHER = 4
N_STATES = 5


@jit
def _conditional_shares(profile: np.ndarray) -> np.ndarray:
    """(C,) conditional shares of the sequential-binomial multinomial with ``profile``."""
    C = profile.size
    cond = np.zeros(C)
    left = 1.0
    for c in range(C):
        cond[c] = min(1.0, profile[c] / left) if left > 1e-15 else 1.0
        left -= profile[c]
    return cond


@jit
def _follow_draw(
    state: np.uint64,
    inflow: np.ndarray,
    cond: np.ndarray,
    h_re: np.ndarray,
    dur: np.ndarray,
    h_ret: np.ndarray,
    h_oth: float,
    ere: np.ndarray,
    lret: np.ndarray,
    up: np.ndarray,
    step: int,
    group: np.ndarray,
    out: np.ndarray,
) -> None:
    """One draw: add its cumulative counts of cell ``c`` to ``out[t, group[c]]`` (T, G,
    N_STATES) (``out`` zero on entry). ``inflow`` (T,) the draw's newly displaced; ``ere``
    (C,) its re-employment multipliers ``exp(lre[b])``; ``lret`` (C,) its log retirement
    multipliers; other arguments as :func:`simulate_displaced`."""
    T = inflow.size
    C = cond.size
    NA = C // step if step > 0 else 1
    # U[k0, c, j]: entered in month k0 in cell c, now j age bands older
    U = np.zeros((T, C, NA), dtype=np.int64)
    cum = np.zeros((C, N_STATES), dtype=np.int64)
    # still unemployed by entry month and by cell: entry months and cells without anyone
    # are skipped (no random numbers are drawn for empty cells either way, so skipping
    # them changes no result; it saves scanning T^2 C NA mostly empty cells per draw)
    alive = np.zeros(T, dtype=np.int64)
    left_c = np.zeros(C, dtype=np.int64)
    pret = np.empty(C)
    for c in range(C):
        pret[c] = 1.0 - math.exp(-h_ret[c] * math.exp(lret[c]))
    for t in range(T):
        n = inflow[t]
        for c in range(C):
            if n <= 0:
                break
            k = n
            if c < C - 1:
                x, state = _rand.binomial(state, float(n), cond[c])
                k = int(x)
            U[t, c, 0] += k
            cum[c, D_DISPLACED] += k
            alive[t] += k
            left_c[c] += k
            n -= k
        for k0 in range(t + 1):
            if alive[k0] == 0:
                continue
            m = t - k0
            for c in range(C):
                # oldest first, so those who age this month are not exposed twice
                for j in range(NA - 1, -1, -1):
                    n = U[k0, c, j]
                    if n == 0:
                        continue
                    a = c + j * step  # the cell of the age reached
                    p = 1.0 - math.exp(-h_re[t, a] * ere[a] * dur[m])
                    x, state = _rand.binomial(state, float(n), p)
                    re = int(x)
                    x, state = _rand.binomial(state, float(n - re), pret[a])
                    ret = int(x)
                    x, state = _rand.binomial(state, float(n - re - ret), h_oth)
                    oth = int(x)
                    left = n - re - ret - oth
                    alive[k0] -= n - left
                    left_c[c] -= n - left
                    cum[c, D_REEMPLOYED] += re
                    cum[c, D_RETIRED] += ret
                    cum[c, D_OTHER] += oth
                    older = 0
                    if left > 0 and up[a] > 0.0 and a + step < C and j + 1 < NA:
                        x, state = _rand.binomial(state, float(left), up[a])
                        older = int(x)
                    U[k0, c, j] = left - older
                    if older > 0:
                        U[k0, c, j + 1] += older
        for c in range(C):
            g = group[c]
            out[t, g, D_DISPLACED] += cum[c, D_DISPLACED]
            out[t, g, D_UNEMPLOYED] += left_c[c]
            out[t, g, D_REEMPLOYED] += cum[c, D_REEMPLOYED]
            out[t, g, D_RETIRED] += cum[c, D_RETIRED]
            out[t, g, D_OTHER] += cum[c, D_OTHER]


@jit(parallel=True)
def simulate_displaced(
    seeds: np.ndarray,
    inflow: np.ndarray,
    profile: np.ndarray,
    h_re: np.ndarray,
    dur: np.ndarray,
    h_ret: np.ndarray,
    h_oth: float,
    lre: np.ndarray,
    lret: np.ndarray,
    up: np.ndarray,
    step: int,
    group: np.ndarray,
    out: np.ndarray,
) -> None:
    """Fill ``out`` (B, T, G, N_STATES) int32, zero on entry, with cumulative counts summed
    over the cells of each group: cell ``c``'s counts go to ``out[:, :, group[c]]`` (one
    group per cell gives the counts by cell). Summing in the kernel spares writing and
    reading back a (B, T, C, N_STATES) array when only groups are wanted.

    Parameters
    ----------
    seeds : (B,) uint64 stream states; inflow : (B, T) int64 newly displaced per month.
    profile : (C,) cell shares (sum 1); h_re : (T, C) monthly re-employment hazard at
    duration 0 (slack included); dur : (T,) hazard factor by months since the layoff;
    h_ret : (C,) monthly retirement hazard; h_oth : monthly other-exit probability;
    lre, lret : (B, C) the draw's log multipliers of the two hazards (parameter uncertainty).
    up : (C,) monthly probability of moving to the next age band (0 in the last band);
    step : cell offset of the next age band (sexes x education levels);
    group : (C,) int64 group of each cell, 0..G-1.
    """
    B = inflow.shape[0]
    cond = _conditional_shares(profile)
    for b in prange(B):
        _follow_draw(seeds[b], inflow[b], cond, h_re, dur, h_ret, h_oth, np.exp(lre[b]),
                     lret[b], up, step, group, out[b])  # fmt: skip
