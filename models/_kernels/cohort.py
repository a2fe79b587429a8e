"""Numba kernels of the cohort-component projection (private; see :mod:`models.cohort`).

Conventions shared by every kernel here (``A`` areas, ``H`` projection years, ``D`` draws,
``X = 101`` single ages 0..100 where 100 is the open class 100+, sex index 0 = F, 1 = M):

- ``pop0``   (A, 2, X)     population at 31.12. of the base year, persons.
- ``fert``   (A, H, X)     births per woman-year by age of mother (age at last birthday).
- ``q``      (A, H, 2, X)  probability that a person aged x on 1.1. dies during the year.
- ``qb``     (A, H, 2)     probability that a child born during the year dies before 31.12.
- ``rho``    (A, 2, X)     net migration rate by end-of-year age (per person of that age).
- ``g``      (A, 2, X)     distribution of the remaining net migration over sex and age (sums to 1).
- ``mu``     (A, H)        expected net migration rate of the whole area (per person on 1.1.).
- ``target`` (A, H)        population total to hit on 31.12. (NaN: no target that year).

One year, for each area (ages at the end of the year; a cohort aged x on 1.1. is x+1 on 31.12.):

1. births ``B = sum_x fert[x] * (P_F[x] + P_F[x-1] * (1 - q_F[x-1])) / 2`` split by the male
   share; ``Q[s, 0] = B_s - infant deaths`` with ``infant deaths = B_s * qb[s]``;
2. survivors are aged: ``Q[s, x] = P[s, x-1] - deaths``, the open class collects 99 and 100+;
3. net migration ``N = rho * Q + (M - sum(rho * Q)) * g`` with ``M = target - sum(Q)`` in a
   target year and ``M = mu * sum(P) (+ noise)`` otherwise; the new population is ``Q + N``
   where no cell goes below zero (a cell's shortfall is taken from the other cells in
   proportion to their size, so the total still moves by ``M`` when it can), and the
   migration actually applied is recorded.

Deaths are recorded by end-of-year age (cohort): ``deaths[s, 0]`` are the year's births who
died, ``deaths[s, x]`` those aged x-1 on 1.1. (the open class adds those aged 100+), so that
``P_new = P_old (aged) + B - deaths + migration`` holds cell by cell.

The sampled kernel draws births (Poisson, split binomially by sex), deaths (binomial), the
migration level (a per-draw level shift plus AR(1) yearly deviations, both normal, in rate
units times the base-year total) and rounds the age-sex allocation of migrants without bias
(systematic rounding, one uniform per area-year). Every quantity is affine in the population,
so the expected path of the sampled kernel is the expected kernel's path (up to the rare
case where a cell would go below zero). Random numbers come from a SplitMix64 stream per
(draw, area), seeded by the caller: results do not depend on thread count or on which other
areas are in the batch.
"""

from __future__ import annotations

import math

import numpy as np

from models._jit import jit, prange
from models._kernels.random import binomial, binomial_pre, normal, poisson, uniform


@jit
def _age_and_die(
    pop: np.ndarray,
    fert: np.ndarray,
    q: np.ndarray,
    log1mq: np.ndarray,
    odds: np.ndarray,
    qb: np.ndarray,
    male_share: float,
    state: np.uint64,
    sampled: bool,
    surv: np.ndarray,
    deaths: np.ndarray,
) -> tuple[float, float, np.uint64]:
    """Births, deaths and ageing of one area over one year.

    ``pop`` (2, X) on 1.1.; ``q``, ``log1mq = log(1 - q)`` and ``odds = q / (1 - q)`` (2, X);
    fills ``surv`` (2, X) = the population on 31.12. before migration and ``deaths`` (2, X) by
    end-of-year age; returns births ``(female, male)`` and the generator state.
    """
    n_age = pop.shape[1]
    lam = 0.0
    for x in range(1, n_age):
        if fert[x] > 0.0:
            lam += fert[x] * 0.5 * (pop[0, x] + pop[0, x - 1] * (1.0 - q[0, x - 1]))
    if sampled:
        total, state = poisson(state, lam)
        births_m, state = binomial(state, total, male_share)
        births_f = total - births_m
    else:
        births_m = lam * male_share
        births_f = lam - births_m
    for s in range(2):
        born = births_f if s == 0 else births_m
        if sampled:
            dead, state = binomial(state, born, qb[s])
        else:
            dead = born * qb[s]
        surv[s, 0] = born - dead
        deaths[s, 0] = dead
        for x in range(1, n_age + 1):
            n = pop[s, x - 1]
            if sampled:
                dead, state = binomial_pre(state, n, q[s, x - 1], log1mq[s, x - 1], odds[s, x - 1])
            else:
                dead = n * q[s, x - 1]
            dest = min(x, n_age - 1)
            if x < n_age:
                surv[s, dest] = n - dead
                deaths[s, dest] = dead
            else:  # the open class 100+ stays in 100+
                surv[s, dest] += n - dead
                deaths[s, dest] += dead
    return births_f, births_m, state


@jit
def _migrate(
    surv: np.ndarray,
    rho: np.ndarray,
    g: np.ndarray,
    total_migration: float,
    state: np.uint64,
    sampled: bool,
    new: np.ndarray,
    mig: np.ndarray,
) -> np.uint64:
    """Distribute ``total_migration`` persons over sex and age; fill ``new`` and ``mig`` (2, X).

    The rate part ``rho * surv`` follows the age pattern of migration, the rest is spread by
    ``g``. Sampled: cell counts are rounded without bias by systematic rounding (one uniform),
    so a whole-number total is kept exactly. A cell cannot lose more people than it has: the
    shortfall is taken from the other cells in proportion to their size (see
    :func:`_take_shortfall`), and ``mig`` records the migration actually applied. Returns
    the generator state.
    """
    n_age = surv.shape[1]
    rated = 0.0
    for s in range(2):
        for x in range(n_age):
            rated += rho[s, x] * surv[s, x]
    rest = total_migration - rated
    cum = 0.0
    if sampled:
        cum, state = uniform(state)
    floor_cum = 0.0  # floor(cum) with cum in [0, 1) at the start
    shortfall = 0.0
    for s in range(2):
        for x in range(n_age):
            want = rho[s, x] * surv[s, x] + rest * g[s, x]
            if sampled:
                whole = math.floor(want)
                cum += want - whole
                before = floor_cum
                floor_cum = math.floor(cum)
                want = whole + (floor_cum - before)
            value = surv[s, x] + want
            if value < 0.0:
                shortfall -= value
                value = 0.0
            new[s, x] = value
    if shortfall > 0.0:
        state = _take_shortfall(new, shortfall, state, sampled)
    for s in range(2):
        for x in range(n_age):
            mig[s, x] = new[s, x] - surv[s, x]
    return state


@jit
def _take_shortfall(
    new: np.ndarray, shortfall: float, state: np.uint64, sampled: bool
) -> np.uint64:
    """Remove ``shortfall`` persons from ``new`` (2, X) in proportion to the cells' sizes.

    Sampled: the shares are rounded systematically (whole numbers stay whole; no cell goes
    below zero). If the area has fewer people than the shortfall, it empties.
    """
    total = new.sum()
    if total <= shortfall:
        new[:, :] = 0.0
        return state
    share = shortfall / total
    cum = 0.0
    if sampled:
        cum, state = uniform(state)
    for s in range(new.shape[0]):
        for x in range(new.shape[1]):
            take = new[s, x] * share
            if sampled:
                whole = math.floor(take)
                before = math.floor(cum)
                cum += take - whole
                take = whole + (math.floor(cum) - before)
            new[s, x] = max(new[s, x] - take, 0.0)
    return state


@jit
def _net_total(mu: float, target: float, pop: np.ndarray, surv: np.ndarray, noise: float) -> float:
    """Net migration of the year: ``mu * sum(pop) + noise``, or what closes to ``target``."""
    if math.isnan(target):
        return mu * pop.sum() + noise
    return target - surv.sum()


@jit
def project_expected(
    pop0: np.ndarray,
    fert: np.ndarray,
    q: np.ndarray,
    qb: np.ndarray,
    male_share: float,
    rho: np.ndarray,
    g: np.ndarray,
    mu: np.ndarray,
    target: np.ndarray,
    out_pop: np.ndarray,
    out_births: np.ndarray,
    out_deaths: np.ndarray,
    out_mig: np.ndarray,
) -> None:
    """The expected (deterministic) projection.

    Fills ``out_pop`` (A, H+1, 2, X), ``out_births`` (A, H, 2), ``out_deaths`` (A, H, 2, X) and
    ``out_mig`` (A, H, 2, X); index ``h`` of the flows is the year from ``h`` to ``h + 1``.
    """
    n_area, horizon = mu.shape
    n_age = pop0.shape[2]
    state = np.uint64(0)  # no variates on the expected path
    surv = np.empty((2, n_age))
    for a in range(n_area):
        out_pop[a, 0] = pop0[a]
        for h in range(horizon):
            pop = out_pop[a, h]
            qy = q[a, h]
            bf, bm, state = _age_and_die(
                pop,
                fert[a, h],
                qy,
                qy,
                qy,
                qb[a, h],
                male_share,
                state,
                False,
                surv,
                out_deaths[a, h],
            )
            out_births[a, h, 0] = bf
            out_births[a, h, 1] = bm
            total = _net_total(mu[a, h], target[a, h], pop, surv, 0.0)
            state = _migrate(
                surv, rho[a], g[a], total, state, False, out_pop[a, h + 1], out_mig[a, h]
            )


@jit(parallel=True)
def project_sampled(
    pop0: np.ndarray,
    fert: np.ndarray,
    q: np.ndarray,
    qb: np.ndarray,
    male_share: float,
    rho: np.ndarray,
    g: np.ndarray,
    mu: np.ndarray,
    target: np.ndarray,
    sigma: np.ndarray,
    sigma_level: np.ndarray,
    phi: float,
    seeds: np.ndarray,
    out_pop: np.ndarray,
    out_births: np.ndarray,
    out_deaths: np.ndarray,
    out_mig: np.ndarray,
) -> None:
    """Stochastic projection, parallel over draws.

    Extra inputs: ``sigma`` (A,) sd of the yearly migration-rate deviation (AR(1) with
    coefficient ``phi``, stationary), ``sigma_level`` (A,) sd of a per-draw shift of the
    migration rate, both per person of the base-year total; ``seeds`` (D, A) uint64.
    ``pop0`` must hold whole numbers. Fills ``out_pop`` (D, A, H+1, 2, X) and the totals over
    age ``out_births``, ``out_deaths``, ``out_mig`` (D, A, H, 2).
    """
    n_draw = seeds.shape[0]
    n_area, horizon = mu.shape
    n_age = pop0.shape[2]
    innov = math.sqrt(max(1.0 - phi * phi, 0.0))
    log1mq = np.log1p(-np.minimum(q, 0.5))
    odds = q / (1.0 - np.minimum(q, 0.5))
    for d in prange(n_draw):
        pop = np.empty((2, n_age))
        surv = np.empty((2, n_age))
        deaths = np.empty((2, n_age))
        new = np.empty((2, n_age))
        mig = np.empty((2, n_age))
        for a in range(n_area):
            state = seeds[d, a]
            pop[:, :] = pop0[a]
            base_total = pop.sum()
            z_level, state = normal(state)
            z_dev, state = normal(state)
            level = sigma_level[a] * z_level
            dev = sigma[a] * z_dev
            for s in range(2):
                for x in range(n_age):
                    out_pop[d, a, 0, s, x] = pop[s, x]
            for h in range(horizon):
                if h > 0:
                    z_dev, state = normal(state)
                    dev = phi * dev + sigma[a] * innov * z_dev
                bf, bm, state = _age_and_die(
                    pop,
                    fert[a, h],
                    q[a, h],
                    log1mq[a, h],
                    odds[a, h],
                    qb[a, h],
                    male_share,
                    state,
                    True,
                    surv,
                    deaths,
                )
                total = _net_total(mu[a, h], target[a, h], pop, surv, (level + dev) * base_total)
                state = _migrate(surv, rho[a], g[a], total, state, True, new, mig)
                out_births[d, a, h, 0] = bf
                out_births[d, a, h, 1] = bm
                for s in range(2):
                    out_deaths[d, a, h, s] = deaths[s].sum()
                    out_mig[d, a, h, s] = mig[s].sum()
                    for x in range(n_age):
                        pop[s, x] = new[s, x]
                        out_pop[d, a, h + 1, s, x] = new[s, x]


@jit
def _bin_of(v: float, lo: float, inv_width: float, n_bins: int) -> int:
    return min(int((v - lo) * inv_width), n_bins - 1)


@jit
def _order_stats(
    row: np.ndarray,
    k: int,
    lo: float,
    inv_width: float,
    exact: bool,
    cum: np.ndarray,
    members: np.ndarray,
) -> tuple[float, float]:
    """The k-th and (k+1)-th smallest values (0-based, the latter capped at the largest) of
    ``row`` from its cumulative bin counts ``cum``.

    With ``exact`` bins (whole numbers, width 1) a bin is its value; otherwise the values of
    the bin holding rank k (and the next one if rank k+1 lies there) are gathered into the
    work buffer ``members`` (D,) and sorted.
    """
    n_bins = cum.size
    k1 = min(k + 1, row.size - 1)
    b0 = np.searchsorted(cum, k, side="right")
    b1 = np.searchsorted(cum, k1, side="right")
    if exact:
        return lo + b0, lo + b1
    first = cum[b0 - 1] if b0 > 0 else 0
    j = 0
    for v in row:
        b = _bin_of(v, lo, inv_width, n_bins)
        if b0 <= b <= b1:
            members[j] = v
            j += 1
    chosen = members[:j]
    chosen.sort()
    return chosen[k - first], chosen[k1 - first]


@jit
def _row_quantiles(
    row: np.ndarray, probs: np.ndarray, counts: np.ndarray, members: np.ndarray, out: np.ndarray
) -> float:
    """Quantiles of one row into ``out`` (K,); returns the mean. ``counts`` (2D+1,) and
    ``members`` (D,) are work buffers."""
    n_draw = row.size
    lo = row[0]
    hi = row[0]
    total = 0.0
    whole = True
    for d in range(n_draw):
        v = row[d]
        total += v
        lo = min(lo, v)
        hi = max(hi, v)
        if whole and v != float(int(v)):
            whole = False
    if hi == lo:
        out[:] = lo
        return total / n_draw
    exact = whole and (hi - lo) < 2 * n_draw
    n_bins = int(hi - lo) + 1 if exact else 2 * n_draw
    inv_width = 1.0 if exact else n_bins / (hi - lo)
    cum = counts[:n_bins]
    cum[:] = 0
    for d in range(n_draw):
        cum[_bin_of(row[d], lo, inv_width, n_bins)] += 1
    for b in range(1, n_bins):
        cum[b] += cum[b - 1]
    for j in range(probs.size):
        h = (n_draw - 1) * probs[j]
        k = math.floor(h)
        a, b = _order_stats(row, k, lo, inv_width, exact, cum, members)
        out[j] = a + (h - k) * (b - a)
    return total / n_draw


@jit(parallel=True)
def column_quantiles(
    cols: np.ndarray, probs: np.ndarray, out_mean: np.ndarray, out_q: np.ndarray
) -> None:
    """Mean and linearly interpolated quantiles (NumPy's default) of each row of ``cols``.

    ``cols`` (C, D): C cells, D draws each; fills ``out_mean`` (C,) and ``out_q`` (K, C) for
    ``probs`` (K,). Exact bucket selection in O(D) per quantile: the draws are counted in
    ``2 D`` bins (one per value when they are whole numbers spanning fewer values), and the
    order statistics are read off their bins (or found among the few values of their bins).
    Rows are processed in blocks that share work buffers.
    """
    n_cell, n_draw = cols.shape
    block = 64
    for blk in prange((n_cell + block - 1) // block):
        counts = np.empty(2 * n_draw + 1, dtype=np.int64)
        members = np.empty(n_draw)
        out = np.empty(probs.size)
        for c in range(blk * block, min(n_cell, (blk + 1) * block)):
            out_mean[c] = _row_quantiles(cols[c], probs, counts, members, out)
            out_q[:, c] = out
