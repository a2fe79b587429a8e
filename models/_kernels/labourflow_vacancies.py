"""Vacancy stocks of one month (step 5 of :mod:`models._kernels.labourflow`): closures,
openings, and the scenario's new jobs filled from inside and outside unemployment."""

# Shape letters (R, I, D, ...) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

import math

import numpy as np

from models._jit import jit
from models._kernels import labourflow_stream as stream
from models._kernels import random as _rand
from models._kernels.labourflow_constants import SMALL_CELL


@jit
def fill_event_vacancies(
    rng: np.ndarray,
    w: int,
    j: int,
    Vev: np.ndarray,
    E: np.ndarray,
    fill: float,
    q_out: float,
    resid_of_work: np.ndarray,
    tot_res: float,
) -> tuple[int, int]:
    """Fill the event vacancies (new jobs) ``Vev[w, j]`` of workplace ``w``, industry ``j``.

    ``Bin(Vev, fill)`` are filled from unemployment at the month's fill rate ``fill`` (the
    vacancy side of the matches, drawn apart from the jobseeker side: vacancies are not
    people); ``Bin(rest, q_out)`` from outside unemployment: each holder's residence is
    drawn from ``resid_of_work[w]`` (R + 1,) (``tot_res`` its sum); residents enter ``E``
    (R, I), non-residents commute in and leave the ledger. Returns the vacancies filled
    and the residents who entered employment.
    """
    R = E.shape[0]
    u = stream.binomial(rng, Vev[w, j], fill)
    o = stream.binomial(rng, Vev[w, j] - u, q_out)
    Vev[w, j] -= u + o
    entries = 0
    for _ in range(o):
        r = stream.pick(rng, resid_of_work[w], tot_res)
        if r < R:
            E[r, j] += 1
            entries += 1
    return u + o, entries


@jit
def vacancy_flows(
    rng: np.ndarray,
    t: int,
    V: np.ndarray,
    Vev: np.ndarray,
    E: np.ndarray,
    fillrate: np.ndarray,
    close_a: np.ndarray,
    close_b: np.ndarray,
    vac_new: np.ndarray,
    vac_mode: np.ndarray,
    vac_pm: np.ndarray,
    vac_fm: np.ndarray,
    q_out: np.ndarray,
    resid_of_work: np.ndarray,
    closed: np.ndarray,
) -> int:
    """Vacancy stocks of one month; ``closed`` (R,) gets closures; returns resident entries.

    The closure intensity at fill rate ``f`` is ``close_a + close_b f`` (T, R, I) both, i.e.
    ``close (1 + f / fillref) / 2`` (``close`` where ``fillref = 0``); ``vac_mode``,
    ``vac_pm``, ``vac_fm`` the mode of Poisson(vac_new), its probability and distribution
    function (:func:`models._kernels.random.poisson_mode_table`); all computed once per run.
    ``V``, ``Vev`` (R, I) registered and event vacancies, ``E`` (R, I), ``fillrate`` (R, I)
    from :func:`models._kernels.labourflow_matching.matching_rates`, ``q_out`` (R,),
    ``resid_of_work`` (R, R + 1); event vacancies by :func:`fill_event_vacancies`.
    """
    R, I = V.shape
    entries = 0
    state = rng[0]  # the stream stays in a register; small samplers written inline
    for w in range(R):
        tot_res = 0.0
        for r in range(R + 1):
            tot_res += resid_of_work[w, r]
        closed[w] = 0
        for j in range(I):
            n = V[w, j]
            if n > 0:
                lam = close_a[t, w, j] + close_b[t, w, j] * fillrate[w, j]
                pc = 1.0 - math.exp(-lam)
                if n <= SMALL_CELL:  # one 32-bit uniform per vacancy
                    kc = _rand.threshold32(pc)
                    c, _, state = _rand.count_below(state, n, kc, kc)
                else:
                    cf, state = _rand.binomial(state, float(n), pc)
                    c = int(cf)
                V[w, j] = n - c
                closed[w] += c
            lamv = vac_new[t, w, j]
            if lamv > 0.0:
                kv, state = _rand.poisson_from_mode(
                    state, lamv, vac_mode[t, w, j], vac_pm[t, w, j], vac_fm[t, w, j]
                )
                V[w, j] += kv
            if Vev[w, j] > 0:
                rng[0] = state
                filled, moved_in = fill_event_vacancies(
                    rng, w, j, Vev, E, fillrate[w, j], q_out[w], resid_of_work, tot_res
                )
                closed[w] += filled
                entries += moved_in
                state = rng[0]
    rng[0] = state
    return entries
