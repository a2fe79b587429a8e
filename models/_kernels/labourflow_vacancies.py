"""Vacancy stocks of one month (step 5 of :mod:`models._kernels.labourflow`): closures,
openings, and the scenario's new jobs filled from inside and outside unemployment.

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
from models._kernels import labourflow_stream as stream
from models._kernels import random as _rand
from models._kernels.labourflow_constants import SMALL_CELL
from models._kernels.labourflow_employed import poisson_lanes


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


@jit
def vacancy_flows_lanes(
    states: np.ndarray,
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
    entries: np.ndarray,
    wi: np.ndarray,
    wf: np.ndarray,
) -> None:
    """:func:`vacancy_flows` of several draws side by side, one draw per lane.

    ``V``, ``Vev``, ``E``, ``fillrate`` (NL, R, I); ``closed`` (NL, R) gets closures and
    ``entries`` (NL,) each lane's resident entries; ``wi`` (7, NL) int64 and ``wf`` (3, NL)
    float64 work arrays. Each lane draws the one-draw step's random numbers in its order
    from its own stream: the closures' per-vacancy counts and the openings' Poisson draws
    (:func:`models._kernels.labourflow_employed.poisson_lanes`; their means do not depend on
    the draw) run in all lanes at once, the closing probability's ``exp``, large counts and
    the events' new jobs lane by lane.
    """
    NL = states.shape[0]
    R = V.shape[1]
    I = V.shape[2]
    nv = wi[2]
    mv = wi[3]
    c1 = wi[4]
    kc = wi[5]
    for l in range(NL):
        entries[l] = 0
    for w in range(R):
        tot_res = 0.0
        for r in range(R + 1):
            tot_res += resid_of_work[w, r]
        for l in range(NL):
            closed[l, w] = 0
        for j in range(I):
            ca = close_a[t, w, j]
            cb = close_b[t, w, j]
            nmax = 0
            nbig = 0
            for l in range(NL):
                n = V[l, w, j]
                nv[l] = n
                nmax = max(nmax, n)
                nbig += int(n > SMALL_CELL)
                c1[l] = 0
            if nmax > 0:
                for l in range(NL):
                    if nv[l] > 0:
                        pc = 1.0 - math.exp(-(ca + cb * fillrate[l, w, j]))
                        kc[l] = np.int64(_rand.threshold32(pc))
                _rand.count_below_lanes(states, nv, SMALL_CELL, kc, c1, mv)
                if nbig > 0:
                    for l in range(NL):
                        n = nv[l]
                        if n > SMALL_CELL:
                            pc = 1.0 - math.exp(-(ca + cb * fillrate[l, w, j]))
                            cf, st = _rand.binomial(states[l], float(n), pc)
                            states[l] = st
                            c1[l] = int(cf)
                for l in range(NL):
                    V[l, w, j] = nv[l] - c1[l]
                    closed[l, w] += c1[l]
            lamv = vac_new[t, w, j]
            if lamv > 0.0:
                poisson_lanes(
                    states, lamv, vac_mode[t, w, j], vac_pm[t, w, j], vac_fm[t, w, j],
                    wi[0], wi[1], wf[0], wf[1], wf[2],
                )  # fmt: skip
                for l in range(NL):
                    V[l, w, j] += wi[0, l]
            for l in range(NL):
                if Vev[l, w, j] > 0:
                    rng = states[l : l + 1]
                    filled, moved_in = fill_event_vacancies(
                        rng, w, j, Vev[l], E[l], fillrate[l, w, j], q_out[w], resid_of_work,
                        tot_res,
                    )  # fmt: skip
                    closed[l, w] += filled
                    entries[l] += moved_in
