"""Matching of jobseekers and vacancies in one month (step 3 of the labour-flow kernel)."""

# Shape letters (R, I, D, ...) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

import math

import numpy as np

from models._jit import jit
from models._kernels.labourflow_constants import N_BANDS


@jit
def matching_rates(
    U: np.ndarray,
    vt: np.ndarray,
    logvt: np.ndarray,
    eff: np.ndarray,
    commute: np.ndarray,
    own: np.ndarray,
    grp: np.ndarray,
    spread: np.ndarray,
    match_A: np.ndarray,
    alpha: float,
    cap: float,
    hmax: float,
    theta_out: np.ndarray,
    wj: np.ndarray,
    theta: np.ndarray,
    fillrate: np.ndarray,
    ysum: np.ndarray,
    yg: np.ndarray,
    hz: np.ndarray,
) -> None:
    """Matching of one month: fill ``theta``, ``fillrate``, ``ysum``, ``yg`` and ``hz``.

    The search weights of a jobseeker from industry ``i`` on industry ``j`` are
    ``mob[i, j] = own[i] * (i == j) + (1 - own[i]) * spread[grp[i], j]``: a share of the
    search stays in the own industry, the rest follows a distribution of the sector group.

    Parameters
    ----------
    U : (G, R, I, D) unemployed; vt : (R, I) vacancies (openings) of the matching function
    and logvt : (R, I) their logarithm (precomputed by the caller).
    eff : (D,) search efficiency by band; commute : (R, R + 1) search shares by workplace;
    own : (I,) own-industry search share; grp : (I,) int sector group; spread : (NG, I)
    rows sum to 1; match_A : (R,) matching efficiency; alpha : elasticity on searchers;
    cap : max matches per vacancy; hmax : max hazard; theta_out : (I,) hire rate per
    searcher outside the area.
    wj : (R, I) work array; yg : (R, NG) output, ``sum_j spread[g, j] ysum[r, j]``.

    Outputs
    -------
    theta : (R, I) matches per effective searcher at workplace w, industry j.
    fillrate : (R, I) matches per vacancy ``M / Vt`` (0 where no vacancies).
    ysum : (R, I) hires per effective searcher of residence r in industry j, over all
    workplaces (``sum_w commute[r, w] theta[w, j] + commute[r, R] theta_out[j]``).
    hz : (R, I) hazard per unit search efficiency: ``sum_j mob[i, j] ysum[r, j]``.
    """
    search_by_industry(U, eff, own, grp, spread, wj, yg)
    matches_per_searcher(wj, vt, logvt, commute, match_A, alpha, cap, hmax, theta, fillrate)
    hire_rates(theta, commute, theta_out, own, grp, spread, ysum, yg, hz)


@jit
def search_by_industry(
    U: np.ndarray,
    eff: np.ndarray,
    own: np.ndarray,
    grp: np.ndarray,
    spread: np.ndarray,
    wj: np.ndarray,
    yg: np.ndarray,
) -> None:
    """Effective searchers of each residence by target industry into ``wj`` (R, I).

    ``wj[r, j] = sum_i mob[i, j] sum_{g,d} eff[d] U[g, r, i, d]`` (persons, weighted by
    search efficiency); ``U`` (G, R, I, D), ``eff`` (D,), ``own`` (I,), ``grp`` (I,),
    ``spread`` (NG, I); ``yg`` (R, NG) is work space (searchers spread by sector group).
    """
    G, R, I, _ = U.shape
    D = N_BANDS  # compile-time constant: band loops unroll
    NG = spread.shape[0]
    for r in range(R):
        for g in range(NG):
            yg[r, g] = 0.0  # used as work space first: searchers spread by group
        for i in range(I):
            ue = 0.0
            for g in range(G):
                for d in range(D):
                    ue += eff[d] * U[g, r, i, d]
            wj[r, i] = own[i] * ue
            yg[r, grp[i]] += (1.0 - own[i]) * ue
        for g in range(NG):
            if yg[r, g] > 0.0:
                for j in range(I):
                    wj[r, j] += yg[r, g] * spread[g, j]


@jit
def matches_per_searcher(
    wj: np.ndarray,
    vt: np.ndarray,
    logvt: np.ndarray,
    commute: np.ndarray,
    match_A: np.ndarray,
    alpha: float,
    cap: float,
    hmax: float,
    theta: np.ndarray,
    fillrate: np.ndarray,
) -> None:
    """Matches per searcher ``theta`` and per vacancy ``fillrate`` (R, I) at each workplace.

    Searchers at workplace ``w`` are ``S[w, j] = sum_r commute[r, w] wj[r, j]``; matches
    ``M = min(A_w S^alpha vt^(1 - alpha), cap vt, hmax S)`` with ``vt`` (R, I) and its
    logarithm ``logvt``; both rates are 0 where ``S`` or ``vt`` is 0.
    """
    R, I = wj.shape
    for w in range(R):
        # Searchers S[w, :] summed over residences with the industry innermost (contiguous,
        # vectorised; the same order of additions as a sum over r per cell).
        for j in range(I):
            theta[w, j] = 0.0
        for r in range(R):
            c = commute[r, w]
            for j in range(I):
                theta[w, j] += c * wj[r, j]
        for j in range(I):
            s = theta[w, j]
            v = vt[w, j]
            if s > 0.0 and v > 0.0:
                m = match_A[w] * math.exp(alpha * math.log(s) + (1.0 - alpha) * logvt[w, j])
                m = min(m, cap * v, hmax * s)
                theta[w, j] = m / s
                fillrate[w, j] = m / v
            else:
                theta[w, j] = 0.0
                fillrate[w, j] = 0.0


@jit
def hire_rates(
    theta: np.ndarray,
    commute: np.ndarray,
    theta_out: np.ndarray,
    own: np.ndarray,
    grp: np.ndarray,
    spread: np.ndarray,
    ysum: np.ndarray,
    yg: np.ndarray,
    hz: np.ndarray,
) -> None:
    """Hires per effective searcher by residence: ``ysum`` (R, I) by target industry over all
    workplaces and outside the area, ``yg`` (R, NG) by sector group, ``hz`` (R, I) by the
    searcher's own industry (see :func:`matching_rates`)."""
    R, I = theta.shape
    NG = spread.shape[0]
    for r in range(R):
        for j in range(I):
            ysum[r, j] = commute[r, R] * theta_out[j]
        for w in range(R):
            c = commute[r, w]
            for j in range(I):
                ysum[r, j] += c * theta[w, j]
        for g in range(NG):
            y = 0.0
            for j in range(I):
                y += spread[g, j] * ysum[r, j]
            yg[r, g] = y
        for i in range(I):
            hz[r, i] = own[i] * ysum[r, i] + (1.0 - own[i]) * yg[r, grp[i]]


@jit
def matching_vacancies(
    t: int,
    vac_ref: np.ndarray,
    log_ref: np.ndarray,
    Vev: np.ndarray,
    Vm: np.ndarray,
    logVm: np.ndarray,
) -> None:
    """Openings side of month ``t``'s matching: ``Vm = vac_ref[t] + Vev`` (R, I) and its log.

    ``vac_ref`` (T, R, I) expected registered vacancies and ``log_ref`` their logarithm
    (per run); ``Vev`` (R, I) the events' open vacancies. ``logVm`` is left as it was
    where ``Vm`` is 0.
    """
    R, I = Vev.shape
    for w in range(R):
        for j in range(I):
            Vm[w, j] = vac_ref[t, w, j] + Vev[w, j]
            if Vev[w, j] == 0:
                logVm[w, j] = log_ref[t, w, j]
            elif Vm[w, j] > 0.0:
                logVm[w, j] = math.log(Vm[w, j])
