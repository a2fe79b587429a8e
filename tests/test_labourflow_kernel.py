"""The labour-flow kernel: conservation, reproducibility across thread counts, edge cases."""

from __future__ import annotations

import dataclasses
import warnings

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import labourflow as lf
from tests.test_labourflow_reference import read_only, small_model_inputs

PARAMS, PATH, INIT, EVENTS = small_model_inputs(months=18)
R, N_IND = INIT.E.shape


def _balance(res: lf.SimulationResult) -> np.ndarray:
    """(B, T) employed + unemployed + exits - entries: must equal the start in every cell."""
    return res.people() + res.flows[:, :, lf.FLOW_EXITS] - res.flows[:, :, lf.FLOW_ENTRIES]


@st.composite
def schedules(draw: st.DrawFn) -> lf.EventSchedule:
    """Random event schedules: any kind, cell, month and size; temporary layoffs paired."""
    rows = []
    n_pools = 0
    for _ in range(draw(st.integers(0, 8))):
        t = draw(st.integers(0, PATH.months - 1))
        w, i = draw(st.integers(0, R - 1)), draw(st.integers(0, N_IND - 1))
        kind = draw(st.sampled_from([lf.LAYOFF_COHORT, lf.LAYOFF, lf.VACANCIES, lf.TEMP_START]))
        amount = draw(st.floats(0.0, 400.0, allow_nan=False))
        if kind == lf.TEMP_START:
            rows.append((t, w, i, kind, n_pools, amount, 0.0, 0))
            end = t + draw(st.integers(1, 12))
            if end < PATH.months:
                recall = draw(st.floats(0.0, 1.0))
                rows.append((end, w, i, lf.TEMP_END, n_pools, 0.0, recall, draw(st.integers(0, 3))))
            n_pools += 1
        else:
            rows.append((t, w, i, kind, 0, amount, 0.0, 0))
    return lf.EventSchedule.from_rows(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=schedules(), seed=st.integers(0, 2**32 - 1))
def test_people_are_conserved_in_every_draw_and_month(events, seed):
    res = lf.simulate(PARAMS, PATH, INIT, events, draws=3, seed=seed)
    np.testing.assert_array_equal(_balance(res), res.start_people)
    assert (res.unemployed >= 0).all() and (res.employed >= 0).all()
    assert (res.vacancies >= 0).all() and (res.long_term <= res.unemployed).all()
    cohort = res.cohort
    assert (cohort[:, :, lf.COHORT_REEMPLOYED] + cohort[:, :, lf.COHORT_EXITED]
            + cohort[:, :, lf.COHORT_UNEMPLOYED] <= cohort[:, :, lf.COHORT_SIZE]).all()  # fmt: skip


def _run(threads: int, seed: int) -> lf.SimulationResult:
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        # 80 draws: three blocks of 27 draws side by side, the last lane a repeat.
        return lf.simulate(PARAMS, PATH, INIT, EVENTS, draws=80, seed=seed)
    finally:
        numba.set_num_threads(before)


def test_same_seed_is_bit_identical_with_one_and_two_threads():
    if numba.config.NUMBA_NUM_THREADS < 2:  # type: ignore[attr-defined]
        pytest.skip("needs two numba threads")
    one, two = _run(1, seed=2025), _run(2, seed=2025)
    for field in dataclasses.fields(lf.SimulationResult):
        a, b = getattr(one, field.name), getattr(two, field.name)
        np.testing.assert_array_equal(a, b, err_msg=field.name)


def test_draws_do_not_depend_on_how_threads_share_them(monkeypatch):
    """Two threads taking two blocks of draws at a time give the same draws as one thread."""
    if numba.config.NUMBA_NUM_THREADS < 2:  # type: ignore[attr-defined]
        pytest.skip("needs two numba threads")
    reference = _run(1, seed=77)
    monkeypatch.setattr(lf, "DRAW_CHUNK", 2)
    shared = _run(2, seed=77)
    for field in dataclasses.fields(lf.SimulationResult):
        np.testing.assert_array_equal(
            getattr(shared, field.name), getattr(reference, field.name), field.name
        )


def test_different_seeds_differ_and_draws_are_independent_of_batch_size():
    a = lf.simulate(PARAMS, PATH, INIT, EVENTS, draws=8, seed=1)
    b = lf.simulate(PARAMS, PATH, INIT, EVENTS, draws=8, seed=2)
    assert not np.array_equal(a.unemployed, b.unemployed)
    # Draw b's stream depends only on (seed, b): the first 4 of 8 equal a 4-draw run.
    c = lf.simulate(PARAMS, PATH, INIT, EVENTS, draws=4, seed=1)
    np.testing.assert_array_equal(a.employed[:4], c.employed)
    # Nor on the lanes a draw shares: 8 draws run as one block of 8, 33 as two blocks of 17
    # (the last lane a repeat, not recorded), 40 as two of 20.
    d = lf.simulate(PARAMS, PATH, INIT, EVENTS, draws=33, seed=1)
    np.testing.assert_array_equal(a.employed, d.employed[:8])
    e = lf.simulate(PARAMS, PATH, INIT, EVENTS, draws=40, seed=1)
    for field in dataclasses.fields(lf.SimulationResult):
        x, y = getattr(d, field.name), getattr(e, field.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y[:33], err_msg=field.name)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lanes=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
    big=st.booleans(),
    groups=st.integers(1, 2),
)
def test_jobseeker_step_of_lanes_is_the_one_draw_step_of_each_lane(lanes, seed, big, groups):
    """The jobseekers' step run on draws side by side gives every draw the one-draw step's
    result, bit for bit, and leaves its stream where the one-draw step does: random cells
    (empty, small, and above ``SMALL_CELL`` persons or hires when ``big``), hire rates up
    to the cap, both groups."""
    from models._kernels import labourflow_jobseekers as js
    from models._kernels.labourflow_constants import N_BANDS, N_GROUPS, SMALL_CELL

    gen = np.random.default_rng(seed)
    nr, ni, ng = 3, 5, 2
    top = 4 * SMALL_CELL if big else 30
    U = gen.integers(0, top, size=(N_GROUPS, nr, ni, N_BANDS, lanes)) * gen.integers(
        0, 2, size=(N_GROUPS, nr, ni, N_BANDS, lanes)
    )
    E = gen.integers(0, 500, size=(lanes, nr, ni))
    own = gen.uniform(0.0, 1.0, ni)
    grp = gen.integers(0, ng, ni)
    ysum = gen.uniform(0.0, 0.9 if big else 0.3, size=(lanes, nr, ni))
    yg = gen.uniform(0.0, 0.3, size=(lanes, nr, ng))
    eff = np.array([1.0, 0.75, 0.55, 0.35])
    exit_u = gen.uniform(0.0, 0.1, size=(2, nr, N_BANDS))
    age_p = np.array([1 / 3, 1 / 3, 1 / 6, 0.0])
    states = gen.integers(0, 2**63, size=lanes).astype(np.uint64)
    cohort = gen.integers(0, 50, size=(lanes, 3))
    spreadh = np.zeros((lanes, nr, ng), dtype=np.int64)
    exits = np.zeros(lanes, dtype=np.int64)
    hmax = 0.6

    want = []
    for k in range(lanes):
        rng = states[k : k + 1].copy()
        Ul = U[:groups, :, :, :, k].copy()
        El, sl, cl = E[k].copy(), spreadh[k].copy(), cohort[k].copy()
        x = js.unemployed_flows(
            rng, 1, Ul, El, own, grp, ysum[k], yg[k], eff, hmax, exit_u, age_p, sl, cl
        )
        want.append((rng[0], Ul, El, sl, cl, x))
    wi = np.zeros((7, lanes), dtype=np.int64)
    wf = np.zeros((2, lanes))
    js.unemployed_flows_lanes(
        states, 1, groups, U, E, own, grp, ysum, yg, eff, hmax, exit_u, age_p, spreadh,
        cohort, exits, wi, wf,
    )  # fmt: skip
    for k, (state, Ul, El, sl, cl, x) in enumerate(want):
        assert states[k] == state, k
        np.testing.assert_array_equal(U[:groups, :, :, :, k], Ul)
        np.testing.assert_array_equal(E[k], El)
        np.testing.assert_array_equal(spreadh[k], sl)
        np.testing.assert_array_equal(cohort[k], cl)
        assert exits[k] == x, k


def test_no_vacancies_and_no_outside_search_means_no_hires_from_unemployment():
    params = dataclasses.replace(PARAMS, theta_out=read_only(np.zeros(N_IND)))
    path = dataclasses.replace(PATH, vac_ref=read_only(np.zeros_like(PATH.vac_ref)))
    events = lf.EventSchedule.from_rows([(0, 0, 1, lf.LAYOFF_COHORT, 0, 50.0, 0.0, 0)])
    res = lf.simulate(params, path, INIT, events, draws=4, seed=5)
    assert res.cohort[:, -1, lf.COHORT_SIZE].min() > 0
    np.testing.assert_array_equal(res.cohort[:, :, lf.COHORT_REEMPLOYED], 0)


def test_temporary_layoff_with_full_recall_returns_everyone():
    events = lf.EventSchedule.from_rows(
        [(1, 1, 2, lf.TEMP_START, 0, 40.0, 0.0, 0), (4, 1, 2, lf.TEMP_END, 0, 0.0, 1.0, 1)]
    )
    path = dataclasses.replace(PATH, exit_e=read_only(np.zeros_like(PATH.exit_e)))
    res = lf.simulate(PARAMS, path, INIT, events, draws=4, seed=9)
    np.testing.assert_array_equal(res.cohort[:, :, lf.COHORT_SIZE], 0)


def test_quantiles_equal_numpy():
    probs = np.array([0.05, 0.5, 0.95])
    x = np.random.default_rng(0).poisson(20, size=(101, 7, 3)).astype(np.int32)
    np.testing.assert_allclose(lf.quantiles(x, probs), np.quantile(x, probs, axis=0))
    f = np.random.default_rng(1).normal(size=(50, 4, 3))
    f[:7, 0, 0] = np.nan  # some draws undefined: ignored
    f[:, 1, 1] = np.nan  # all undefined: NaN
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanquantile(f, probs, axis=0)
    np.testing.assert_allclose(lf.quantiles(f, probs), expected)


def test_seeds_follow_seedsequence_spawn():
    seeds = lf.spawn_seeds(42, 3)
    child = np.random.SeedSequence(42).spawn(3)[2]
    assert seeds[2] == child.generate_state(1, dtype=np.uint64)[0]


def test_bad_shapes_are_refused():
    bad = dataclasses.replace(PATH, sep=PATH.sep[:, :, :-1])
    with pytest.raises(ValueError, match="sep"):
        lf.simulate(PARAMS, bad, INIT, draws=2, seed=0)
    bad = dataclasses.replace(PATH, exit_e=PATH.exit_e + 2.0)
    with pytest.raises(ValueError, match="probabilities"):
        lf.simulate(PARAMS, bad, INIT, draws=2, seed=0)


def _placements(h: int, reps: int, seed: int, by_binomials: bool) -> np.ndarray:
    """(reps, I) industries of ``h`` hires of residence 0, group 0 placed by the kernel's
    one-uniform-per-hire path or by its conditional binomials."""
    from models._kernels import labourflow_jobseekers as js

    spread = np.array([[0.05, 0.3, 0.0, 0.15, 0.2, 0.1, 0.2], [1 / 7] * 7])
    ysum = np.array([[0.02, 0.05, 0.04, 0.01, 0.03, 0.06, 0.02]])
    total = float(np.sum(spread[0] * ysum[0]))
    cum = np.cumsum(spread[0] * ysum[0])
    rng = np.array([seed], dtype=np.uint64)
    out = np.zeros((reps, spread.shape[1]), dtype=np.int64)
    for k in range(reps):
        E = np.zeros((1, spread.shape[1]), dtype=np.int64)
        if by_binomials:
            js.place_by_binomials(rng, h, 0, 0, total, spread, ysum, E)
        else:
            rng[0] = js.place_one_by_one(rng[0], h, 0, total, cum, E)
        out[k] = E[0]
    return out


def test_hires_placed_one_by_one_follow_the_law_of_the_conditional_binomials():
    """Spread hires of up to ``MANY_HIRES`` (160; 40 before) are placed one uniform per hire
    instead of by conditional binomials: the same multinomial law, a different stream.
    Both paths, 3,000 seeded placements of 120 hires each: per industry, the means agree
    with each other and with ``h p_j`` within 4.5 standard errors, the variances with
    ``h p_j (1 - p_j)`` within 10 %, and a two-sample KS test does not reject (p > 0.001 / 7)."""
    from scipy import stats

    from models._kernels.labourflow_constants import MANY_HIRES

    assert MANY_HIRES >= 120
    h, reps = 120, 3000
    one = _placements(h, reps, seed=11, by_binomials=False)
    old = _placements(h, reps, seed=12, by_binomials=True)
    w = np.array([0.05, 0.3, 0.0, 0.15, 0.2, 0.1, 0.2]) * [0.02, 0.05, 0.04, 0.01, 0.03, 0.06, 0.02]
    p = w / w.sum()
    np.testing.assert_array_equal(one.sum(axis=1), h)  # every hire placed, none invented
    np.testing.assert_array_equal(old.sum(axis=1), h)
    assert one[:, 2].max() == 0  # a zero weight gets nobody
    for j in np.nonzero(p > 0)[0]:
        var = h * p[j] * (1 - p[j])
        for x in (one[:, j], old[:, j]):
            assert abs(x.mean() - h * p[j]) <= 4.5 * np.sqrt(var / reps), j
            assert abs(x.var() / var - 1) <= 0.10, j
        assert abs(one[:, j].mean() - old[:, j].mean()) <= 4.5 * np.sqrt(2 * var / reps), j
        assert stats.ks_2samp(one[:, j], old[:, j]).pvalue > 0.001 / p.size, j


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lanes=st.integers(1, 40), seed=st.integers(0, 2**32 - 1), big=st.booleans())
def test_employed_entry_and_vacancy_steps_of_lanes_are_the_one_draw_steps(lanes, seed, big):
    """The employed, entry and vacancy steps run on draws side by side give every draw the
    one-draw step's result and stream, bit for bit: random cells from empty to large (every
    sampler path: per person, inversion, BTRS; Poisson means below and far above their
    mode's walk), event vacancies in some cells."""
    from models._kernels import labourflow as K
    from models._kernels import labourflow_employed as em
    from models._kernels import labourflow_vacancies as va
    from models._kernels.labourflow_constants import N_BANDS, N_GROUPS

    gen = np.random.default_rng(seed)
    nr, ni, t = 3, 5, 1
    top = 3000 if big else 40

    def cells(*shape: int) -> np.ndarray:
        return gen.integers(0, top, size=shape) * gen.integers(0, 2, size=shape)

    E = cells(lanes, nr, ni)
    V = cells(lanes, nr, ni)
    Vev = gen.integers(0, 30, size=(lanes, nr, ni)) * (gen.uniform(size=(lanes, nr, ni)) < 0.2)
    U = cells(N_GROUPS, nr, ni, N_BANDS, lanes)
    sepbuf = np.zeros((lanes, nr, ni), dtype=np.int64)
    sep = gen.uniform(0.0, 0.6 if big else 0.05, size=(2, nr, ni))
    sep[:, 0, 0] = 0.0
    leave = sep + (1 - sep) * 0.01
    log1m = np.log1p(-leave)
    odds = leave / (1 - leave)
    share = np.where(leave > 0, sep / leave, 0.0)
    ent_u = gen.uniform(0.0, 40.0, size=(2, nr))
    ent_e = gen.uniform(0.0, 60.0 if big else 3.0, size=(2, nr, ni)) * (
        gen.uniform(size=(2, nr, ni)) < 0.8
    )
    pois_u, pois_e = K._poisson_tables(ent_u), K._poisson_tables(ent_e)
    vac_new = gen.uniform(0.0, 30.0, size=(2, nr, ni))
    pois_v = K._poisson_tables(vac_new)
    fillrate = gen.uniform(0.0, 2.0, size=(lanes, nr, ni))
    close_a = gen.uniform(0.0, 0.5, size=(2, nr, ni))
    close_b = gen.uniform(0.0, 0.5, size=(2, nr, ni))
    q_out = gen.uniform(0.0, 0.5, nr)
    resid = gen.uniform(0.0, 1.0, size=(nr, nr + 1))
    states = gen.integers(0, 2**63, size=lanes).astype(np.uint64)
    vac_mode = pois_v[0].astype(np.int64)

    want = []
    for k in range(lanes):
        rng = states[k : k + 1].copy()
        Ek, Vk, Vevk, sk = E[k].copy(), V[k].copy(), Vev[k].copy(), sepbuf[k].copy()
        Uk = U[:, :, :, :, k].copy()
        closed = np.zeros(nr, dtype=np.int64)
        x = em.employed_flows(rng, t, Ek, leave, log1m, odds, share, sk)
        n = em.inflows(rng, t, Uk, Ek, sk, ent_u, ent_e, pois_u, pois_e, ni - 1)
        m = va.vacancy_flows(
            rng, t, Vk, Vevk, Ek, fillrate[k], close_a, close_b, vac_new, vac_mode, pois_v[1],
            pois_v[2], q_out, resid, closed,
        )  # fmt: skip
        want.append((rng[0], Ek, Vk, Vevk, Uk, closed, x, n, m))
    wi = np.zeros((7, lanes), dtype=np.int64)
    wf = np.zeros((3, lanes))
    exits = np.zeros(lanes, dtype=np.int64)
    entries = np.zeros(lanes, dtype=np.int64)
    moved = np.zeros(lanes, dtype=np.int64)
    closed = np.zeros((lanes, nr), dtype=np.int64)
    em.employed_flows_lanes(states, t, E, leave, log1m, odds, share, sepbuf, exits, wi, wf)
    em.inflows_lanes(states, t, U, E, sepbuf, ent_u, ent_e, pois_u, pois_e, ni - 1, entries, wi, wf)
    va.vacancy_flows_lanes(
        states, t, V, Vev, E, fillrate, close_a, close_b, vac_new, vac_mode, pois_v[1],
        pois_v[2], q_out, resid, closed, moved, wi, wf,
    )  # fmt: skip
    for k, (state, Ek, Vk, Vevk, Uk, ck, x, n, m) in enumerate(want):
        assert states[k] == state, k
        for got, exp in ((E[k], Ek), (V[k], Vk), (Vev[k], Vevk), (U[..., k], Uk), (closed[k], ck)):
            np.testing.assert_array_equal(got, exp)
        assert (exits[k], entries[k], moved[k]) == (x, n, m), k
    np.testing.assert_array_equal(sepbuf, 0)
