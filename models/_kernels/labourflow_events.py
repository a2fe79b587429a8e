"""Scenario events of one month (step 1 of :mod:`models._kernels.labourflow`): layoffs to the
displaced cohort or to regular jobseekers, new vacancies, temporary layoffs and recalls."""

from __future__ import annotations

import numpy as np

from models._jit import jit
from models._kernels import labourflow_stream as stream
from models._kernels.labourflow_constants import (
    EV_LAYOFF_COHORT,
    EV_TEMP_END,
    EV_TEMP_START,
    EV_VACANCIES,
)


@jit
def layoff(
    rng: np.ndarray,
    n: int,
    w: int,
    i: int,
    E: np.ndarray,
    resid_of_work: np.ndarray,
    dest: np.ndarray,
) -> int:
    """Move up to ``n`` jobs at workplace ``w``, industry ``i`` out of ``E``; residents to ``dest``.

    Each laid-off worker's residence is drawn from ``resid_of_work[w]`` (last entry: outside
    the area, not in the ledger). ``dest`` (R,) receives the residents moved; returns their count.
    """
    R = E.shape[0]
    moved = 0
    total = 0.0
    for r in range(R + 1):
        total += resid_of_work[w, r]
    for _ in range(n):
        r = stream.pick(rng, resid_of_work[w], total)
        if r < R and E[r, i] > 0:
            E[r, i] -= 1
            dest[r] += 1
            moved += 1
    return moved


@jit
def apply_events(
    rng: np.ndarray,
    t: int,
    k0: int,
    ev_t: np.ndarray,
    ev_w: np.ndarray,
    ev_i: np.ndarray,
    ev_kind: np.ndarray,
    ev_pool: np.ndarray,
    ev_amount: np.ndarray,
    ev_recall: np.ndarray,
    ev_band: np.ndarray,
    resid_of_work: np.ndarray,
    E: np.ndarray,
    U: np.ndarray,
    Vev: np.ndarray,
    L: np.ndarray,
    buf: np.ndarray,
    cohort: np.ndarray,
) -> int:
    """Apply the events of month ``t`` (schedule sorted by month from index ``k0``).

    Returns the index of the first event of a later month. ``cohort`` (2,) accumulates
    the displaced (0) and their count still to be reported (unused slot 1 kept for symmetry).
    """
    R = E.shape[0]
    k = k0
    while k < ev_t.size and ev_t[k] == t:
        w, i, kind = ev_w[k], ev_i[k], ev_kind[k]
        if kind == EV_VACANCIES:
            Vev[w, i] += stream.stochastic_round(rng, ev_amount[k])
        elif kind == EV_TEMP_END:
            p = ev_pool[k]
            for r in range(R):
                back = stream.binomial(rng, L[p, r], ev_recall[k])
                E[r, i] += back
                rest = L[p, r] - back
                U[1, r, i, ev_band[k]] += rest
                cohort[0] += rest
                L[p, r] = 0
        else:
            buf[:] = 0
            moved = layoff(
                rng, stream.stochastic_round(rng, ev_amount[k]), w, i, E, resid_of_work, buf
            )
            for r in range(R):
                if kind == EV_TEMP_START:
                    L[ev_pool[k], r] += buf[r]
                elif kind == EV_LAYOFF_COHORT:
                    U[1, r, i, 0] += buf[r]
                else:
                    U[0, r, i, 0] += buf[r]
            if kind == EV_LAYOFF_COHORT:
                cohort[0] += moved
        k += 1
    return k
