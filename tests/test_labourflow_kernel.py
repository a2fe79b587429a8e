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
        return lf.simulate(PARAMS, PATH, INIT, EVENTS, draws=64, seed=seed)
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
    """Two threads taking one draw at a time give the same draws as one thread."""
    if numba.config.NUMBA_NUM_THREADS < 2:  # type: ignore[attr-defined]
        pytest.skip("needs two numba threads")
    reference = _run(1, seed=77)
    monkeypatch.setattr(lf, "DRAW_CHUNK", 1)
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
