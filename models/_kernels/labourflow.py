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
   or picks industry ``j``
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
uniforms than numba's Mersenne Twister. A draw runs on one thread from start to end, so the
output does not depend on the number of threads.
"""

# Shape letters (R, I, D, ...) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

import math

import numpy as np

from models._jit import jit, prange
from models._kernels import random as _rand  # SplitMix64 stream, exact binomial/Poisson

_INV = _rand._INV  # reciprocals 1 / (k + 1) of the inversion samplers

N_BANDS = 4
N_GROUPS = 2
#: Event kinds of the schedule (``ev_kind``).
EV_LAYOFF_COHORT = 0
EV_LAYOFF = 1
EV_VACANCIES = 2
EV_TEMP_START = 3
EV_TEMP_END = 4
#: Cells up to this size draw one uniform per person instead of three binomials.
SMALL_CELL = 160
#: Binomials of up to this many trials are drawn trial by trial.
BERNOULLI_MAX = 16
#: Above this many hires to place, a multinomial by conditional binomials is cheaper.
MANY_HIRES = 40
#: Columns of ``out_cohort``: cumulative displaced, re-employed, exited; unemployed now.
COHORT_SIZE, COHORT_REEMPLOYED, COHORT_EXITED, COHORT_UNEMPLOYED = 0, 1, 2, 3
#: Columns of ``out_flows``: cumulative entries, cumulative exits (persons).
FLOW_ENTRIES, FLOW_EXITS = 0, 1


@jit
def _uniform(rng: np.ndarray) -> float:
    """A uniform variate on (0, 1) from the draw's SplitMix64 state ``rng`` (uint64[1])."""
    u, state = _rand.uniform(rng[0])
    rng[0] = state
    return u


@jit
def _stoch_round(rng: np.ndarray, x: float) -> int:
    """``floor(x)`` plus one with probability ``x - floor(x)`` (unbiased), ``x >= 0``."""
    n = math.floor(x)
    if _uniform(rng) < x - n:
        n += 1
    return n


@jit
def _pick(rng: np.ndarray, weights: np.ndarray, total: float) -> int:
    """Index drawn with probability ``weights[k] / total`` (linear scan, last index as fallback)."""
    u = _uniform(rng) * total
    acc = 0.0
    last = weights.size - 1
    for k in range(last):
        acc += weights[k]
        if u < acc:
            return k
    return last


@jit
def _binom(rng: np.ndarray, n: int, p: float) -> int:
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
def _layoff(
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
        r = _pick(rng, resid_of_work[w], total)
        if r < R and E[r, i] > 0:
            E[r, i] -= 1
            dest[r] += 1
            moved += 1
    return moved


@jit
def _apply_events(
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
            Vev[w, i] += _stoch_round(rng, ev_amount[k])
        elif kind == EV_TEMP_END:
            p = ev_pool[k]
            for r in range(R):
                back = _binom(rng, L[p, r], ev_recall[k])
                E[r, i] += back
                rest = L[p, r] - back
                U[1, r, i, ev_band[k]] += rest
                cohort[0] += rest
                L[p, r] = 0
        else:
            buf[:] = 0
            moved = _layoff(rng, _stoch_round(rng, ev_amount[k]), w, i, E, resid_of_work, buf)
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


@jit
def _employed_flows(
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
            else:
                kf, state = _rand.binomial_inv_pre(
                    state, float(n), pl, log1m_leave[t, r, i], odds_leave[t, r, i]
                )
                k = int(kf)
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
def _place_spread_hires(
    rng: np.ndarray,
    spreadh: np.ndarray,
    spread: np.ndarray,
    ysum: np.ndarray,
    yg: np.ndarray,
    cum: np.ndarray,
    E: np.ndarray,
) -> None:
    """Place the hires that left their own industry: group ``g``'s hires of residents of
    ``r`` (``spreadh`` (R, NG)) go to industry ``j`` with weight ``spread[g, j] ysum[r, j]``
    (binary search in the cumulative weights ``cum`` (I,))."""
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
                # Conditional binomials: cheaper than one draw per person for large counts.
                left = acc
                for j in range(I):
                    wgt = spread[g, j] * ysum[r, j]
                    if wgt <= 0.0:
                        continue
                    k = _binom(rng, h, wgt / left) if left > wgt else h
                    E[r, j] += k
                    h -= k
                    left -= wgt
                    if h == 0:
                        break
                continue
            state = rng[0]
            for _ in range(h):
                u, state = _rand.uniform(state)
                u *= acc
                # The first j with u < cum[j] (the last if none), as a branch-free count.
                lo = 0
                for j in range(I - 1):
                    lo += int(cum[j] <= u)
                E[r, lo] += 1
            rng[0] = state


@jit
def _unemployed_flows(
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
    are counted in ``spreadh`` (R, NG) and placed later. ``cohort`` (3,) accumulates the
    displaced cohort's re-employed (1) and exited (2).
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
def _entries(
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
def _vacancies(
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
                u = _binom(rng, Vev[w, j], fillrate[w, j])
                o = _binom(rng, Vev[w, j] - u, q_out[w])
                Vev[w, j] -= u + o
                closed[w] += u + o
                for _ in range(o):
                    r = _pick(rng, resid_of_work[w], tot_res)
                    if r < R:
                        E[r, j] += 1
                        entries += 1
                state = rng[0]
    rng[0] = state
    return entries


@jit
def _record(
    b: int,
    t: int,
    E: np.ndarray,
    U: np.ndarray,
    V: np.ndarray,
    Vev: np.ndarray,
    L: np.ndarray,
    closed: np.ndarray,
    cohort: np.ndarray,
    flows: np.ndarray,
    out_unemp: np.ndarray,
    out_ltu: np.ndarray,
    out_emp: np.ndarray,
    out_vac: np.ndarray,
    out_closed: np.ndarray,
    out_cohort: np.ndarray,
    out_cohort_u: np.ndarray,
    out_flows: np.ndarray,
) -> None:
    """Write the end-of-month state of draw ``b``, month ``t`` into the outputs."""
    R, I = E.shape
    D = N_BANDS  # compile-time constant: band loops unroll
    cu = 0
    for i in range(I):
        out_cohort_u[b, t, i] = 0
    for r in range(R):
        un = 0
        for p in range(L.shape[0]):
            un += L[p, r]
        lt = 0
        vac = 0
        for i in range(I):
            out_emp[b, t, r, i] = E[r, i]
            vac += V[r, i] + Vev[r, i]
            for d in range(D):
                un += U[0, r, i, d]
            lt += U[0, r, i, D - 1]
            if cohort[0] > 0:  # the cohort's cells are empty until someone is displaced
                for d in range(D):
                    un += U[1, r, i, d]
                    out_cohort_u[b, t, i] += U[1, r, i, d]
                    cu += U[1, r, i, d]
                lt += U[1, r, i, D - 1]
        out_unemp[b, t, r] = un
        out_ltu[b, t, r] = lt
        out_vac[b, t, r] = vac
        out_closed[b, t, r] = closed[r]
    out_cohort[b, t, COHORT_SIZE] = cohort[0]
    out_cohort[b, t, COHORT_REEMPLOYED] = cohort[1]
    out_cohort[b, t, COHORT_EXITED] = cohort[2]
    out_cohort[b, t, COHORT_UNEMPLOYED] = cu
    out_flows[b, t, FLOW_ENTRIES] = flows[0]
    out_flows[b, t, FLOW_EXITS] = flows[1]


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
    """Run ``B = seeds.size`` draws of ``T = sep.shape[0]`` months in parallel over draws.

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
    for b in prange(B):
        rng = np.empty(1, dtype=np.uint64)
        rng[0] = seeds[b]
        E = E0.copy()
        U = np.zeros((N_GROUPS, R, I, N_BANDS), dtype=np.int64)
        U[0] = U0
        V = V0.copy()
        Vev = np.zeros((R, I), dtype=np.int64)
        L = np.zeros((max(n_pools, 1), R), dtype=np.int64)
        sepbuf = np.zeros((R, I), dtype=np.int64)
        buf = np.zeros(R, dtype=np.int64)
        closed = np.zeros(R, dtype=np.int64)
        cohort = np.zeros(3, dtype=np.int64)
        flows = np.zeros(2, dtype=np.int64)
        wj = np.zeros((R, I))
        theta = np.zeros((R, I))
        fillrate = np.zeros((R, I))
        ysum = np.zeros((R, I))
        hz = np.zeros((R, I))
        yg = np.zeros((R, spread.shape[0]))
        spreadh = np.zeros((R, spread.shape[0]), dtype=np.int64)
        cum = np.zeros(I)
        Vm = np.zeros((R, I))
        logVm = np.zeros((R, I))
        k = 0
        for t in range(T):
            k = _apply_events(
                rng, t, k, ev_t, ev_w, ev_i, ev_kind, ev_pool, ev_amount, ev_recall, ev_band,
                resid_of_work, E, U, Vev, L, buf, cohort,
            )  # fmt: skip
            flows[1] += _employed_flows(
                rng, t, E, leave, log1m_leave, odds_leave, sep_share, sepbuf
            )
            for w in range(R):
                for j in range(I):
                    Vm[w, j] = vac_ref[t, w, j] + Vev[w, j]
                    if Vev[w, j] == 0:
                        logVm[w, j] = log_ref[t, w, j]
                    elif Vm[w, j] > 0.0:
                        logVm[w, j] = math.log(Vm[w, j])
            # The cohort's cells (group 1) are all empty until someone is displaced (and in
            # every baseline run): leave them out of the loops.
            Ua = U if cohort[0] > 0 else U[:1]
            matching_rates(
                Ua, Vm, logVm, eff, commute, own, grp, spread, match_A, alpha, cap, hmax,
                theta_out, wj, theta, fillrate, ysum, yg, hz,
            )  # fmt: skip
            flows[1] += _unemployed_flows(
                rng, t, Ua, E, own, grp, ysum, yg, eff, hmax, exit_u, age_p, spreadh, cohort
            )
            _place_spread_hires(rng, spreadh, spread, ysum, yg, cum, E)
            flows[0] += _entries(rng, t, U, E, sepbuf, ent_u, ent_e, pois_u, pois_e, new_industry)
            flows[0] += _vacancies(
                rng, t, V, Vev, E, fillrate, close_a, close_b, vac_new, vac_mode, pois_v[1],
                pois_v[2], q_out, resid_of_work, closed,
            )  # fmt: skip
            _record(
                b, t, E, U, V, Vev, L, closed, cohort, flows, out_unemp, out_ltu, out_emp,
                out_vac, out_closed, out_cohort, out_cohort_u, out_flows,
            )  # fmt: skip


#: Columns per block of the quantile kernels: a block is gathered draw by draw (each read
#: contiguous) into a (block, B) buffer, so the draw axis can stay first in memory.
QBLOCK = 64


@jit
def _interp_sorted(col: np.ndarray, m: int, probs: np.ndarray, out: np.ndarray, n: int) -> None:
    """Quantiles ``probs`` of the first ``m`` sorted values of ``col`` into ``out[n]``."""
    for q in range(probs.size):
        if m == 0:
            out[n, q] = np.nan
            continue
        pos = probs[q] * (m - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, m - 1)
        out[n, q] = col[lo] + (col[hi] - col[lo]) * (pos - lo)


@jit(parallel=True)
def quantiles_over_draws(x: np.ndarray, probs: np.ndarray, out: np.ndarray) -> None:
    """Quantiles of each column ignoring NaN (linear interpolation, as ``np.nanquantile``).

    x : (B, N) float64 values, draws first (C order), one column per cell; probs : (Q,) in
    [0, 1]; out : (N, Q) filled (NaN where a column has no value).
    """
    B, N = x.shape
    for blk in prange((N + QBLOCK - 1) // QBLOCK):
        n0 = blk * QBLOCK
        n1 = min(N, n0 + QBLOCK)
        buf = np.empty((n1 - n0, B))
        for b in range(B):
            for n in range(n0, n1):
                buf[n - n0, b] = x[b, n]
        for n in range(n0, n1):
            col = np.sort(buf[n - n0])  # NaN sorts last
            m = B
            while m > 0 and np.isnan(col[m - 1]):
                m -= 1
            _interp_sorted(col, m, probs, out, n)


@jit
def _kth(counts: np.ndarray, k: int) -> int:
    """Index of the ``k``-th smallest (0-based) value in a histogram ``counts``."""
    acc = 0
    for v in range(counts.size):
        acc += counts[v]
        if acc > k:
            return v
    return counts.size - 1


@jit
def _quantiles_counted(row: np.ndarray, probs: np.ndarray, out: np.ndarray, n: int) -> None:
    """Quantiles of the integer values ``row`` (B,) into ``out[n]``, by counting."""
    B = row.size
    lo_v = row.min()
    span = row.max() - lo_v + 1
    if span > 65536:
        _interp_sorted(np.sort(row), B, probs, out, n)
        return
    counts = np.zeros(span, dtype=np.int64)
    for b in range(B):
        counts[row[b] - lo_v] += 1
    for q in range(probs.size):
        pos = probs[q] * (B - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, B - 1)
        a = _kth(counts, lo)
        c = a if hi == lo else _kth(counts, hi)
        out[n, q] = lo_v + a + (c - a) * (pos - lo)


@jit(parallel=True)
def quantiles_over_draws_int(x: np.ndarray, probs: np.ndarray, out: np.ndarray) -> None:
    """As :func:`quantiles_over_draws` for integer columns, by counting (``O(B + range)``).

    x : (B, N) integers, draws first; out : (N, Q) filled. Columns whose range exceeds
    65,536 are sorted.
    """
    B, N = x.shape
    for blk in prange((N + QBLOCK - 1) // QBLOCK):
        n0 = blk * QBLOCK
        n1 = min(N, n0 + QBLOCK)
        buf = np.empty((n1 - n0, B), dtype=np.int64)
        for b in range(B):
            for n in range(n0, n1):
                buf[n - n0, b] = x[b, n]
        for n in range(n0, n1):
            _quantiles_counted(buf[n - n0], probs, out, n)
