"""CohortComponentProjection: the accounting against a slow reference, invariants as
properties, the stochastic path by distribution, seeding and the estimator contract."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.cohort import (
    N_AGE,
    CohortComponentProjection,
    CohortProjection,
    CohortRates,
    draw_quantiles,
    draw_seeds,
)

X = N_AGE


def make_rates(
    rng: np.random.Generator,
    n_area: int,
    horizon: int,
    *,
    tfr: float = 1.5,
    mortality: float = 1.0,
    mig_level: float = -0.004,
    mig_sd: float = 0.004,
) -> CohortRates:
    """Plausible rates: Gompertz mortality, a bell-shaped fertility schedule, a migration
    pattern with young adults leaving."""
    ages = np.arange(X, dtype=float)
    m = mortality * (np.exp(-10.4 + 0.094 * ages) + 0.0002)
    m[0] = 0.002
    q = 1 - np.exp(-m)
    shape = np.exp(-0.5 * ((ages - 30.5) / 5.5) ** 2)
    shape[:15] = 0
    shape[50:] = 0
    fert = tfr * shape / shape.sum()
    rho = np.where((ages >= 18) & (ages <= 27), -0.02, 0.002)
    spread = rng.uniform(0.5, 1.5, size=(n_area, 2, X))
    # C-ordered copies of the broadcasts: CohortRates keeps the memory order of what it is
    # given, and a copy of a broadcast (zero strides) comes out C-, F- or other-ordered
    # depending on which dimensions are 1; numba compiles the kernels once per layout, so
    # varied shapes would compile four specialisations of the same arithmetic.
    return CohortRates(
        fertility=np.broadcast_to(fert, (n_area, horizon, X)).copy(),
        death_prob=np.broadcast_to(q, (n_area, horizon, 2, X)).copy(),
        infant_death_prob=np.full((n_area, horizon, 2), 0.0015),
        migration_rate=np.broadcast_to(rho, (n_area, 2, X)).copy(),
        migration_spread=spread / spread.sum(axis=(1, 2), keepdims=True),
        migration_level=np.full((n_area, horizon), mig_level),
        target_total=np.full((n_area, horizon), np.nan),
        migration_sd=np.full(n_area, mig_sd),
        migration_level_sd=np.full(n_area, mig_sd / 2),
        migration_ar=0.3,
    )


def make_population(rng: np.random.Generator, n_area: int, size: float = 3000.0) -> np.ndarray:
    ages = np.arange(X)
    profile = np.exp(-(((ages - 50) / 30) ** 2)) + 0.05
    profile[95:] *= 0.1
    lam = size * profile / profile.sum() / 2
    return rng.poisson(lam, size=(n_area, 2, X)).astype(float)


def reference_expected(rates: CohortRates, pop0: np.ndarray) -> np.ndarray:
    """A slow, loop-by-loop transcription of the accounting in models/_kernels/cohort.py."""
    n_area, horizon = rates.migration_level.shape
    out = np.zeros((n_area, horizon + 1, 2, X))
    out[:, 0] = pop0
    for a in range(n_area):
        for h in range(horizon):
            pop, q = out[a, h], rates.death_prob[a, h]
            lam = sum(
                rates.fertility[a, h, x] * 0.5 * (pop[0, x] + pop[0, x - 1] * (1 - q[0, x - 1]))
                for x in range(1, X)
            )
            births = [lam * (1 - rates.male_share), lam * rates.male_share]
            surv = np.zeros((2, X))
            for s in range(2):
                surv[s, 0] = births[s] * (1 - rates.infant_death_prob[a, h, s])
                for x in range(1, X):
                    surv[s, x] = pop[s, x - 1] * (1 - q[s, x - 1])
                surv[s, X - 1] += pop[s, X - 1] * (1 - q[s, X - 1])
            target = rates.target_total[a, h]
            total = (
                rates.migration_level[a, h] * pop.sum()
                if math.isnan(target)
                else target - surv.sum()
            )
            rated = rates.migration_rate[a] * surv
            new = surv + rated + (total - rated.sum()) * rates.migration_spread[a]
            shortfall = -new[new < 0].sum()
            new = np.maximum(new, 0.0)
            if shortfall > 0:  # taken from the other cells in proportion to their size
                new = new * max(1 - shortfall / new.sum(), 0.0)
            out[a, h + 1] = new
    return out


def test_expected_path_equals_reference() -> None:
    rng = np.random.default_rng(1)
    rates = make_rates(rng, 3, 6)
    pop0 = make_population(rng, 3)
    result = CohortComponentProjection().fit(rates).project(pop0)
    np.testing.assert_allclose(result.population, reference_expected(rates, pop0), rtol=1e-12)


def test_cell_accounting_and_births_minus_deaths() -> None:
    rng = np.random.default_rng(2)
    rates = make_rates(rng, 2, 5)
    pop0 = make_population(rng, 2)
    res = CohortComponentProjection().fit(rates).project(pop0)
    aged = np.zeros_like(res.population[:, 1:])
    aged[..., 1:] = res.population[:, :-1, :, :-1]
    aged[..., -1] += res.population[:, :-1, :, -1]
    aged[..., 0] = res.births
    np.testing.assert_allclose(
        res.population[:, 1:], aged - res.deaths + res.migration, rtol=1e-12, atol=1e-9
    )


@st.composite
def small_problems(draw: st.DrawFn) -> tuple[CohortRates, np.ndarray]:
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    rates = make_rates(
        rng,
        draw(st.integers(1, 3)),
        draw(st.integers(1, 6)),
        tfr=draw(st.floats(0.0, 4.0)),
        mortality=draw(st.floats(0.1, 20.0)),
        mig_level=draw(st.floats(-0.5, 0.2)),
        mig_sd=draw(st.floats(0.0, 0.2)),
    )
    pop0 = make_population(rng, rates.n_areas, draw(st.floats(0.0, 5000.0)))
    return rates, pop0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems(), seed=st.integers(0, 2**32))
def test_population_never_negative(problem: tuple[CohortRates, np.ndarray], seed: int) -> None:
    rates, pop0 = problem
    res = CohortComponentProjection(draws=8, seed=seed).fit(rates).project(pop0)
    assert res.population.min() >= 0
    assert res.sampled_population is not None
    assert res.sampled_population.min() >= 0
    np.testing.assert_array_equal(res.sampled_population, np.round(res.sampled_population))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems(), seed=st.integers(0, 2**32))
def test_zero_migration_change_is_births_minus_deaths(
    problem: tuple[CohortRates, np.ndarray], seed: int
) -> None:
    rates, pop0 = problem
    res = CohortComponentProjection(draws=8, seed=seed).fit(rates.without_migration()).project(pop0)
    change = np.diff(res.population.sum(axis=3), axis=1)  # (A, H, 2)
    np.testing.assert_allclose(change, res.births - res.deaths.sum(axis=3), rtol=1e-12, atol=1e-8)
    np.testing.assert_array_equal(res.migration, 0.0)
    assert res.sampled_population is not None and res.sampled_births is not None
    assert res.sampled_deaths is not None and res.sampled_migration is not None
    s_change = np.diff(res.sampled_population.astype(np.float64).sum(axis=4), axis=2)
    np.testing.assert_array_equal(s_change, res.sampled_births - res.sampled_deaths)
    np.testing.assert_array_equal(res.sampled_migration, 0.0)


def test_sampled_mean_is_the_expected_path() -> None:
    """With 4,000 draws the mean of every year's total and broad age groups lies within 4.5
    standard errors of the expected path."""
    rng = np.random.default_rng(5)
    rates = make_rates(rng, 2, 8)
    pop0 = make_population(rng, 2, 4000)
    res = CohortComponentProjection(draws=4000, seed=11).fit(rates).project(pop0)
    assert res.sampled_population is not None
    sampled = res.sampled_population.astype(np.float64)
    groups = [slice(0, 15), slice(15, 65), slice(65, X), slice(0, X)]
    for group in groups:
        draws = sampled[..., group].sum(axis=(3, 4))  # (D, A, T)
        expected = res.population[..., group].sum(axis=(2, 3))
        se = draws.std(axis=0) / np.sqrt(draws.shape[0])
        z = (draws.mean(axis=0) - expected)[:, 1:] / se[:, 1:]
        assert np.abs(z).max() < 4.5, (group, z)
    spread = sampled.sum(axis=(3, 4))[:, :, -1].std(axis=0)
    assert np.all(spread > 0.005 * res.totals[:, -1])  # migration noise is really there


def test_targets_are_hit_exactly() -> None:
    rng = np.random.default_rng(6)
    base = make_rates(rng, 2, 4)
    pop0 = make_population(rng, 2)
    target = np.full((2, 4), np.nan)
    target[:, :2] = [[2900.0, 2850.0], [3100.0, 3000.0]]
    rates = CohortRates(**{**base.__dict__, "target_total": target})
    res = CohortComponentProjection(draws=50, seed=3).fit(rates).project(pop0)
    np.testing.assert_allclose(res.totals[:, 1:3], target[:, :2], rtol=1e-12)
    assert res.sampled_population is not None
    totals = res.sampled_population.astype(np.float64).sum(axis=(3, 4))
    np.testing.assert_array_equal(totals[:, :, 1:3], np.broadcast_to(target[:, :2], (50, 2, 2)))


def test_draws_do_not_depend_on_batch_or_threads() -> None:
    rng = np.random.default_rng(7)
    rates = make_rates(rng, 3, 5)
    pop0 = make_population(rng, 3)
    keys = [491, 97, 623]
    full = CohortComponentProjection(draws=20, seed=4).fit(rates).project(pop0, area_keys=keys)
    one = rates.take([1])
    alone = CohortComponentProjection(draws=20, seed=4).fit(one).project(pop0[1:2], area_keys=[97])
    assert full.sampled_population is not None and alone.sampled_population is not None
    np.testing.assert_array_equal(full.sampled_population[:, 1], alone.sampled_population[:, 0])
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        serial = (
            CohortComponentProjection(draws=20, seed=4).fit(rates).project(pop0, area_keys=keys)
        )
    finally:
        numba.set_num_threads(threads)
    assert serial.sampled_population is not None
    np.testing.assert_array_equal(full.sampled_population, serial.sampled_population)
    other = CohortComponentProjection(draws=20, seed=5).fit(rates).project(pop0, area_keys=keys)
    assert other.sampled_population is not None
    assert not np.array_equal(full.sampled_population, other.sampled_population)


def test_draw_seeds_follow_seed_sequence_spawn() -> None:
    """One SeedSequence child per draw; per key SplitMix64 of the child's word (reference
    arithmetic in Python integers)."""
    seeds = draw_seeds(42, 3, [5, 2])
    mask = (1 << 64) - 1

    def mix(z: int) -> int:
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    for d, child in enumerate(np.random.SeedSequence(42).spawn(3)):
        word = int(child.generate_state(1, dtype=np.uint64)[0])
        expected = [mix((word + (k + 1) * 0x9E3779B97F4A7C15) & mask) for k in (5, 2)]
        assert seeds[d].tolist() == expected
    assert len(np.unique(draw_seeds(1, 1000, range(1000)))) == 1000 * 1000


def test_estimator_contract() -> None:
    rng = np.random.default_rng(8)
    rates = make_rates(rng, 1, 2)
    model = CohortComponentProjection(draws=2, seed=1)
    assert model.draws == 2 and not hasattr(model, "rates_")
    with pytest.raises(ValueError, match="not fitted"):
        model.project(make_population(rng, 1))
    assert model.fit(rates) is model
    res = model.project(make_population(rng, 1))
    assert isinstance(res, CohortProjection) and res.draws == 2
    with pytest.raises(ValueError, match="read-only"):
        res.population[0, 0, 0, 0] = 1.0
    with pytest.raises(AttributeError):
        res.seed = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"death_prob": np.full((1, 2, 2, X), 1.5)}, "death_prob"),
        ({"fertility": np.full((1, 2, X), -0.1)}, "fertility"),
        ({"fertility": np.zeros((1, 3, X))}, "shape"),
        ({"migration_spread": np.full((1, 2, X), 0.1)}, "sum to 1"),
        ({"migration_ar": 1.0}, "migration_ar"),
        ({"migration_level": np.full((1, 2), np.nan)}, "migration_level"),
    ],
)
def test_bad_rates_are_refused(change: dict[str, object], message: str) -> None:
    rates = make_rates(np.random.default_rng(9), 1, 2)
    bad = CohortRates(**{**rates.__dict__, **change})
    with pytest.raises(ValueError, match=message):
        CohortComponentProjection().fit(bad)


def test_bad_population_is_refused() -> None:
    rng = np.random.default_rng(10)
    model = CohortComponentProjection(draws=3).fit(make_rates(rng, 1, 2))
    with pytest.raises(ValueError, match="shape"):
        model.project(np.zeros((2, 2, X)))
    with pytest.raises(ValueError, match=">= 0"):
        model.project(-np.ones((1, 2, X)))
    with pytest.raises(ValueError, match="whole numbers"):
        model.project(np.full((1, 2, X), 0.5))
    with pytest.raises(ValueError, match="draws"):
        CohortComponentProjection(draws=-1).fit(make_rates(rng, 1, 2))


def test_draw_quantiles_shapes_and_values() -> None:
    values = np.random.default_rng(11).poisson(20, size=(300, 4, 5)).astype(np.float32)
    mean, quant = draw_quantiles(values, [0.1, 0.9])
    assert mean.shape == (4, 5) and quant.shape == (2, 4, 5)
    np.testing.assert_allclose(quant, np.quantile(values.astype(float), [0.1, 0.9], axis=0))
    with pytest.raises(ValueError, match="probs"):
        draw_quantiles(values, [1.5])
