"""Numba kernel of the Monte Carlo labour-flow model (private; see :mod:`models.labourflow`).

Shapes (``B`` draws, ``T`` months, ``R`` municipalities (residence = workplace list), ``I``
industries, ``D = 4`` unemployment duration bands 0-3, 3-6, 6-12, 12+ months, ``G = 2``
jobseeker groups: 0 regular, 1 the displaced cohort of the scenario's direct events; the
workplace axis has ``R + 1`` entries where the last one is "outside the area"):

- ``E``      (R, I)        employed residents by industry, persons.
- ``U``      (G, R, I, D)  unemployed jobseekers by previous industry and duration band.
- ``V``      (R, I)        registered open vacancies at the workplace (baseline stock).
- ``Vev``    (R, I)        vacancies opened by the scenario's events (new jobs).
- ``L``      (P, R)        temporarily laid-off persons of layoff tranche ``p`` (unemployed,
                           not searching, waiting for recall).

One month ``t`` of one draw, in this order:

1. events of month ``t`` (layoffs to the cohort or to regular jobseekers, new vacancies,
   temporary layoffs and their end: a binomial recall share returns to work);
2. employed: separations ``Bin(E, sep)`` to band 0 (held back until step 4) and exits out of
   the labour force ``Bin(E - sep, exit_e)`` (retirement, out-migration);
3. matching: effective searchers ``S[w, j] = sum_r commute[r, w] sum_i mob[i, j]
   sum_{g,d} eff[d] U[g, r, i, d]`` with ``mob[i, j] = own[i] (i == j) + (1 - own[i])
   spread[grp[i], j]`` (own industry, then the sector group's distribution); matches
   ``M = min(A_w S^a Vt^(1-a), cap Vt, hmax S)``
   with ``Vt = vac_ref + Vev``: the expected registered vacancies (openings are many more
   than the registered vacancies, which are a noisy indicator of them; using their
   expectation keeps small cells free of a Jensen bias) plus the events' new jobs; hazard
   of a jobseeker ``eff[d] sum_j mob[i, j] sum_w commute[r, w] M[w, j] / S[w, j]`` (plus
   search outside the area at the fixed rate ``theta_out``);
   per cell, competing outcomes: a hire, then exits ``exit_u``; of those left the share
   ``age_p`` moves to the next band, rounded without bias (durations progress
   deterministically, so ageing adds no binomial noise); a hire stays in the own industry
   (binomial per residence and industry)
   or picks industry ``j`` (one uniform per hire, or conditional binomials above
   ``MANY_HIRES`` hires)
   with weight ``spread[g, j] * sum_w commute[r, w] M[w, j] / S[w, j]``;
4. separations enter band 0; entries (Poisson) join band 0 of the new-entrant industry and
   employment;
5. vacancies: registered vacancies close with ``1 - exp(-close * (1 + f / fref) / 2)``,
   ``f = M / Vt`` the month's fill rate and ``fref`` the baseline's (so half of the closing
   responds to tightness: more searchers fill vacancies faster), and open
   ``Poisson(vac_new)``; event vacancies (new jobs) are filled from unemployment with
   ``Bin(Vev, f)`` (the vacancy side of the matches, drawn apart from the jobseeker side:
   vacancies are not people) and from outside unemployment with ``q_out``: residents (by
   ``resid_of_work``) enter employment, non-residents commute in and leave the ledger.

Every person move is an integer transfer between cells, so in every draw and month
``sum E + sum U + sum L + exits = start + entries`` holds exactly.

Random numbers come from a SplitMix64 stream per draw (state ``rng``, uint64[1], started
at ``seeds[b]``, a per-draw value from ``SeedSequence(seed).spawn``) with exact binomial
(inversion / BTRS) and Poisson (multiplication / PTRS) samplers of
:mod:`models._kernels.random`, shared with the cohort kernel: about ten times cheaper
uniforms than numba's Mersenne Twister. Draws run in blocks of up to ``LANES`` side by side
on one thread, month by month in step: the events, the matching, placing hires and
recording run draw by draw; the flows of the employed and the unemployed, the entries and
the vacancies take each cell in all the block's draws at once (one draw per vector lane:
the ``_lanes`` forms of the steps, e.g.
:func:`models._kernels.labourflow_jobseekers.unemployed_flows_lanes`). Each draw still
reads only its own stream, in the order of a one-draw run, so a draw's output depends
neither on the block it shares nor on the number of threads.

numba's on-disk cache keys each kernel on its own source file only: a change to a constant
of ``labourflow_constants`` or to a step module must come with a change to the modules
whose compiled code includes it (this one includes every step), or cached machine code of
the old version stays in use.

Layout: this module holds the entry kernel :func:`simulate` (per-run invariants, the
parallel loop over draws and the order of the month's steps) and re-exports the names the
wrapper imports. The steps live in ``labourflow_events`` (1), ``labourflow_employed``
(2 and 4), ``labourflow_matching`` and ``labourflow_jobseekers`` (3; its one-draw
``unemployed_flows`` is the reference of the lanes form the kernel runs),
``labourflow_vacancies`` (5) and ``labourflow_record`` (outputs); ``labourflow_stream``
holds the draws that read and write the stream state ``rng``; ``labourflow_constants`` the
shapes and codes; ``draw_quantiles`` the quantile kernels (all in :mod:`models._kernels`).
"""

# Shape letters (R, I, D, ...) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

import numpy as np

from models._jit import jit, prange
from models._kernels import random as _rand  # SplitMix64 stream, exact binomial/Poisson
from models._kernels.draw_quantiles import QBLOCK, quantiles_over_draws, quantiles_over_draws_int
from models._kernels.labourflow_constants import (
    BERNOULLI_MAX,
    COHORT_EXITED,
    COHORT_REEMPLOYED,
    COHORT_SIZE,
    COHORT_UNEMPLOYED,
    EV_LAYOFF,
    EV_LAYOFF_COHORT,
    EV_TEMP_END,
    EV_TEMP_START,
    EV_VACANCIES,
    FLOW_ENTRIES,
    FLOW_EXITS,
    LANES,
    MANY_HIRES,
    N_BANDS,
    N_GROUPS,
    SMALL_CELL,
)
from models._kernels.labourflow_employed import employed_flows_lanes, inflows_lanes
from models._kernels.labourflow_events import apply_events
from models._kernels.labourflow_jobseekers import place_spread_hires, unemployed_flows_lanes
from models._kernels.labourflow_matching import matching_rates, matching_vacancies
from models._kernels.labourflow_record import record_month
from models._kernels.labourflow_vacancies import vacancy_flows_lanes

__all__ = [
    "BERNOULLI_MAX",
    "COHORT_EXITED",
    "COHORT_REEMPLOYED",
    "COHORT_SIZE",
    "COHORT_UNEMPLOYED",
    "EV_LAYOFF",
    "EV_LAYOFF_COHORT",
    "EV_TEMP_END",
    "EV_TEMP_START",
    "EV_VACANCIES",
    "FLOW_ENTRIES",
    "FLOW_EXITS",
    "MANY_HIRES",
    "N_BANDS",
    "N_GROUPS",
    "QBLOCK",
    "SMALL_CELL",
    "matching_rates",
    "quantiles_over_draws",
    "quantiles_over_draws_int",
    "simulate",
]


@jit
def _poisson_tables(lam: np.ndarray) -> np.ndarray:
    """(3, *lam.shape): mode, its probability and the distribution function at the mode of
    Poisson(lam) for every mean (float64; the mode is a whole number)."""
    flat = np.ascontiguousarray(lam).ravel()
    mode = np.zeros(flat.size, dtype=np.int64)
    pmf = np.zeros(flat.size)
    cdf = np.zeros(flat.size)
    _rand.poisson_mode_table(flat, mode, pmf, cdf)
    out = np.empty((3, flat.size))
    out[0] = mode
    out[1] = pmf
    out[2] = cdf
    return out.reshape((3,) + lam.shape)  # noqa: RUF005 (numba: no tuple unpacking)


@jit(parallel=True)
def simulate(
    seeds: np.ndarray,
    E0: np.ndarray,
    U0: np.ndarray,
    V0: np.ndarray,
    sep: np.ndarray,
    exit_e: np.ndarray,
    exit_u: np.ndarray,
    ent_u: np.ndarray,
    ent_e: np.ndarray,
    vac_new: np.ndarray,
    close: np.ndarray,
    fillref: np.ndarray,
    vac_ref: np.ndarray,
    age_p: np.ndarray,
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
    resid_of_work: np.ndarray,
    q_out: np.ndarray,
    new_industry: int,
    ev_t: np.ndarray,
    ev_w: np.ndarray,
    ev_i: np.ndarray,
    ev_kind: np.ndarray,
    ev_pool: np.ndarray,
    ev_amount: np.ndarray,
    ev_recall: np.ndarray,
    ev_band: np.ndarray,
    n_pools: int,
    out_unemp: np.ndarray,
    out_ltu: np.ndarray,
    out_emp: np.ndarray,
    out_vac: np.ndarray,
    out_closed: np.ndarray,
    out_cohort: np.ndarray,
    out_cohort_u: np.ndarray,
    out_flows: np.ndarray,
) -> None:
    """Run ``B = seeds.size`` draws of ``T = sep.shape[0]`` months, blocks of draws in parallel.

    Parameters
    ----------
    seeds : (B,) uint64, the initial SplitMix64 state of each draw (from
    ``SeedSequence(seed).spawn(B)``).
    E0 : (R, I) int64; U0 : (R, I, D) int64 (regular jobseekers); V0 : (R, I) int64.
    sep : (T, R, I) monthly separation probability to unemployment.
    exit_e : (T, R) and exit_u : (T, R, D) monthly probabilities of leaving the labour force.
    ent_u : (T, R) and ent_e : (T, R, I) Poisson means of entries (persons per month).
    vac_new : (T, R, I) Poisson mean of new vacancies; close : (T, R, I) closure intensity of
    a vacancy at the reference fill rate fillref : (T, R, I) (matches per vacancy); vac_ref :
    (T, R, I) expected registered vacancies, the openings side of the matching function.
    age_p, eff : (D,) probability of moving up a band, search efficiency.
    commute : (R, R + 1); own : (I,), grp : (I,) int64, spread : (NG, I) search weights
    (see :func:`matching_rates`); match_A : (R,); alpha, cap, hmax : floats;
    theta_out : (I,); resid_of_work : (R, R + 1) residence of a job's holder (last: outside);
    q_out : (R,) monthly probability an event vacancy is filled from outside unemployment;
    new_industry : index of the "previous industry" given to new entrants (TOL X, unknown).
    ev_* : (K,) event schedule sorted by month ``ev_t`` (kinds ``EV_*``), ``n_pools`` tranches.

    Outputs (filled, int32): out_unemp, out_ltu (B, T, R); out_emp (B, T, R, I);
    out_vac, out_closed (B, T, R); out_cohort (B, T, 4); out_cohort_u (B, T, I);
    out_flows (B, T, 2).
    """
    B = seeds.size
    T = sep.shape[0]
    R, I = E0.shape
    log_ref = np.log(np.maximum(vac_ref, 1e-300))
    leave = np.empty_like(sep)
    for t in range(T):
        for r in range(R):
            for i in range(I):
                leave[t, r, i] = sep[t, r, i] + (1.0 - sep[t, r, i]) * exit_e[t, r]
    log1m_leave = np.log1p(-np.minimum(leave, 1.0 - 1e-12))
    # Per-month invariants of the samplers, computed once rather than in every draw.
    odds_leave = leave / (1.0 - np.minimum(leave, 1.0 - 1e-12))
    sep_share = np.where(leave > 0.0, sep / np.maximum(leave, 1e-300), 0.0)
    pois_u = _poisson_tables(ent_u)
    pois_e = _poisson_tables(ent_e)
    pois_v = _poisson_tables(vac_new)
    vac_mode = pois_v[0].astype(np.int64)
    close_a = np.where(fillref > 0.0, 0.5 * close, close)
    close_b = np.where(fillref > 0.0, 0.5 * close / np.maximum(fillref, 1e-300), 0.0)
    # Blocks of at most LANES draws, as even as can be (33 draws: two blocks of 17).
    n_blocks = (B + LANES - 1) // LANES
    NL = (B + n_blocks - 1) // n_blocks
    NG = spread.shape[0]
    for blk in prange(n_blocks):
        # Draws blk * NL ... blk * NL + NL - 1 side by side, one per lane; a lane past the
        # last draw repeats it and is not recorded.
        rngs = np.empty(NL, dtype=np.uint64)
        for l in range(NL):
            rngs[l] = seeds[min(blk * NL + l, B - 1)]
        E = np.empty((NL, R, I), dtype=np.int64)
        U = np.zeros((N_GROUPS, R, I, N_BANDS, NL), dtype=np.int64)
        V = np.empty((NL, R, I), dtype=np.int64)
        for l in range(NL):
            E[l] = E0
            U[0, :, :, :, l] = U0
            V[l] = V0
        Vev = np.zeros((NL, R, I), dtype=np.int64)
        L = np.zeros((NL, max(n_pools, 1), R), dtype=np.int64)
        sepbuf = np.zeros((NL, R, I), dtype=np.int64)
        buf = np.zeros(R, dtype=np.int64)
        closed = np.zeros((NL, R), dtype=np.int64)
        cohort = np.zeros((NL, 3), dtype=np.int64)
        flows = np.zeros((NL, 2), dtype=np.int64)
        wj = np.zeros((R, I))
        theta = np.zeros((R, I))
        fillrate = np.zeros((NL, R, I))
        ysum = np.zeros((NL, R, I))
        hz = np.zeros((R, I))
        yg = np.zeros((NL, R, NG))
        spreadh = np.zeros((NL, R, NG), dtype=np.int64)
        cum = np.zeros(I)
        Vm = np.zeros((R, I))
        logVm = np.zeros((R, I))
        kev = np.zeros(NL, dtype=np.int64)
        exits = np.zeros(NL, dtype=np.int64)
        entries = np.zeros(NL, dtype=np.int64)
        wi = np.zeros((7, NL), dtype=np.int64)
        wf = np.zeros((3, NL))
        for t in range(T):
            G = 1
            for l in range(NL):
                rng = rngs[l : l + 1]
                Ul = U[:, :, :, :, l]
                kev[l] = apply_events(
                    rng, t, kev[l], ev_t, ev_w, ev_i, ev_kind, ev_pool, ev_amount, ev_recall,
                    ev_band, resid_of_work, E[l], Ul, Vev[l], L[l], buf, cohort[l],
                )  # fmt: skip
            employed_flows_lanes(
                rngs, t, E, leave, log1m_leave, odds_leave, sep_share, sepbuf, exits, wi, wf
            )
            for l in range(NL):
                flows[l, 1] += exits[l]
                Ul = U[:, :, :, :, l]
                matching_vacancies(t, vac_ref, log_ref, Vev[l], Vm, logVm)
                # The cohort's cells (group 1) are all empty until someone is displaced (and
                # in every baseline run): leave them out of the loops.
                Ua = Ul if cohort[l, 0] > 0 else Ul[:1]
                if cohort[l, 0] > 0:
                    G = N_GROUPS
                matching_rates(
                    Ua, Vm, logVm, eff, commute, own, grp, spread, match_A, alpha, cap, hmax,
                    theta_out, wj, theta, fillrate[l], ysum[l], yg[l], hz,
                )  # fmt: skip
            unemployed_flows_lanes(
                rngs, t, G, U, E, own, grp, ysum, yg, eff, hmax, exit_u, age_p, spreadh, cohort,
                exits, wi, wf,
            )  # fmt: skip
            for l in range(NL):
                flows[l, 1] += exits[l]
                rng = rngs[l : l + 1]
                place_spread_hires(rng, spreadh[l], spread, ysum[l], yg[l], cum, E[l])
            inflows_lanes(
                rngs, t, U, E, sepbuf, ent_u, ent_e, pois_u, pois_e, new_industry, entries, wi, wf
            )
            for l in range(NL):
                flows[l, 0] += entries[l]
            vacancy_flows_lanes(
                rngs, t, V, Vev, E, fillrate, close_a, close_b, vac_new, vac_mode, pois_v[1],
                pois_v[2], q_out, resid_of_work, closed, entries, wi, wf,
            )  # fmt: skip
            for l in range(NL):
                flows[l, 0] += entries[l]
                b = blk * NL + l
                if b < B:
                    record_month(
                        b, t, E[l], U[:, :, :, :, l], V[l], Vev[l], L[l], closed[l], cohort[l],
                        flows[l],
                        out_unemp, out_ltu, out_emp, out_vac, out_closed, out_cohort,
                        out_cohort_u, out_flows,
                    )  # fmt: skip
