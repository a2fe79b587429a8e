"""Rates of the population projection, estimated from the real snapshot, checked against the
published figures they are meant to reproduce."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting import geography
from forecasting.demography import _data, fertility, migration, mortality
from forecasting.demography.assumptions import (
    DEFAULT_ASSUMPTIONS,
    DemographyAssumptions,
    FertilityAssumption,
    MigrationAssumption,
)
from forecasting.demography.rates import RateSet, estimate_rates
from forecasting.io.inputs import Inputs
from models.cohort import CohortComponentProjection


@pytest.fixture(scope="module")
def rateset(cubes: Inputs) -> RateSet:
    return estimate_rates(cubes, 2019, 2040, DEFAULT_ASSUMPTIONS)


def test_life_table_reproduces_published_life_expectancy(cubes: Inputs) -> None:
    """HMD 2019 rates give Finland's e0 of 2019 as in regional_demography (SSS, from
    Statistics Finland 12ak): women 84.6, men 79.2 (one decimal in the source)."""
    rates = _data.by_year(cubes["national_mortality"]["death_rate"]).sel(year=2019)
    e0 = _data.by_year(cubes["regional_demography"]["life_expectancy"]).sel(year=2019)
    for sex in ("F", "M"):
        ours = float(mortality.life_expectancy(rates.sel(sex=sex).values, sex))
        assert ours == pytest.approx(float(e0.sel(area="SSS", sex=sex)), abs=0.15)


def test_hazard_scale_hits_the_regional_life_expectancy(cubes: Inputs) -> None:
    a = DEFAULT_ASSUMPTIONS.mortality
    m0, _, _ = mortality.national_schedule(cubes["national_mortality"], 2019, a)
    theta = mortality.regional_scale(cubes["regional_demography"], m0, ["MK10", "MK01"], 2019, a)
    e0 = _data.by_year(cubes["regional_demography"]["life_expectancy"])
    target = e0.sel(year=slice(2017, 2019)).mean("year")
    for region in ("MK10", "MK01"):
        for sex in ("F", "M"):
            scaled = theta.sel(area=region, sex=sex).item() * m0.sel(sex=sex).values
            got = float(mortality.life_expectancy(scaled, sex))
            assert got == pytest.approx(float(target.sel(area=region, sex=sex)), abs=1e-6)
    # Etelä-Savo lives shorter than the country, Uusimaa longer (12ak).
    assert np.all(theta.sel(area="MK10").values > 1) and np.all(theta.sel(area="MK01").values < 1)


def test_cohort_death_probability() -> None:
    m = np.array([0.002, 0.0004, 0.2])
    np.testing.assert_allclose(
        mortality.cohort_death_prob(m), 1 - np.exp(-np.array([0.0012, 0.1002, 0.2]))
    )


def test_regional_fertility_level_and_mean_age(cubes: Inputs) -> None:
    """Etelä-Savo's TFR 2017-2019 is 1.511, 1.370, 1.325 (12du): the jump-off is their mean,
    and the shifted national shape has the region's mean age at childbearing."""
    a = FertilityAssumption()
    jump = fertility.regional_jump_off(
        cubes["regional_demography"], cubes["national_fertility"], ["MK10"], 2019, a
    )
    assert float(jump.sum()) == pytest.approx((1.511 + 1.370 + 1.325) / 3, abs=1e-9)
    shares = _data.by_year(cubes["regional_demography"]["fertility_age_share"])
    window = shares.sel(area="MK10", year=[2017, 2018, 2019], age=slice(15, 49)).mean("year")
    assert float(fertility.mean_age(jump.sel(area="MK10"))) == pytest.approx(
        float(fertility.mean_age(window)), abs=0.05
    )


def test_tfr_target_path() -> None:
    a = FertilityAssumption(tfr_target=1.6, target_year=2029)
    path = fertility.tfr_path(1.4, np.arange(2020, 2041), 2019, a)
    assert path[0] == pytest.approx(1.42) and path[9] == pytest.approx(1.6)
    np.testing.assert_allclose(path[10:], 1.6)


def test_gamma_poisson_prior_is_recovered() -> None:
    """Municipal factors drawn from a gamma with prior worth 40 births are recovered."""
    rng = np.random.default_rng(1)
    expected = rng.uniform(5, 500, size=4000)
    factor = rng.gamma(40, 1 / 40, size=expected.size)
    observed = rng.poisson(factor * expected)
    tau = fertility.prior_strength(observed.astype(float), expected)
    assert 30 < tau < 55
    post = fertility.municipal_factors(observed.astype(float), expected, tau)
    assert np.mean((post - factor) ** 2) < np.mean((observed / expected - factor) ** 2)


def test_level_variance_ratio_is_recovered() -> None:
    """Histories simulated from the projection's own migration model (a level drifting as a
    random walk plus yearly noise) give back a ratio above the mean's sampling error, and
    plain white noise gives about the sampling error."""
    rng = np.random.default_rng(2)
    noise = rng.normal(size=(3000, 22))
    white = migration.level_variance_ratio(noise, np.ones(3000), window=5)
    assert white == pytest.approx(0.2, abs=0.05)
    drift = np.cumsum(rng.normal(scale=0.5, size=(3000, 22)), axis=1) + noise
    assert migration.level_variance_ratio(drift, np.ones(3000), window=5) > 0.5


def test_natural_increase_matches_the_regional_accounts(cubes: Inputs, rateset: RateSet) -> None:
    """The model's births minus deaths of 2020 for the municipalities of Etelä-Savo (MK10)
    lies within 10 % of the region's 2019-2021 natural increase implied by the published
    population change minus net migration (11re, 11ae): about -1,200 a year."""
    munis = geography.municipalities()
    idx = rateset.index([c for c in rateset.codes if munis.loc[c, "region"] == "MK10"])
    res = (
        CohortComponentProjection()
        .fit(rateset.rates.without_migration())
        .project(rateset.population)
    )
    model = res.births[idx, 0].sum() - res.deaths[idx, 0].sum()
    reg = cubes["regional_demography"]
    pop = _data.by_year(reg["population"]).sel(area="MK10").sum(["sex", "age"])
    net = _data.by_year(reg["net_migration"]).sel(area="MK10")
    years = [2019, 2020, 2021]
    data = np.mean([float(pop.sel(year=y) - pop.sel(year=y - 1) - net.sel(year=y)) for y in years])
    assert model == pytest.approx(data, rel=0.10)


def test_rates_are_estimated_for_every_municipality(rateset: RateSet) -> None:
    assert rateset.codes == sorted(geography.municipalities().index)
    assert rateset.rates.n_areas == len(rateset.codes) and rateset.rates.horizon == 21
    est = rateset.estimates
    assert np.all(est["fertility_factor"] > 0.3) and np.all(est["fertility_factor"] < 3)
    assert np.all(est["migration_sd"] > 0) and 0 <= est.attrs["migration_ar"] < 1
    # Net migration levels drift: more level uncertainty than a 5-year mean's sampling error.
    assert est.attrs["migration_level_variance_ratio"] > 1 / 5
    # Published totals (2020-2022 and 2025 in Snapshot v2) are targets; other years are not.
    published = [0, 1, 2, 5]
    assert np.isfinite(rateset.rates.target_total[:, published]).all()
    assert np.isnan(np.delete(rateset.rates.target_total, published, axis=1)).all()


def test_migration_variants_move_the_level(cubes: Inputs) -> None:
    def level(**kw: object) -> np.ndarray:
        a = DemographyAssumptions(migration=MigrationAssumption(**kw))  # type: ignore[arg-type]
        return estimate_rates(cubes, 2019, 2025, a).rates.migration_level[:, -1]

    base, low, high = level(), level(variant="low"), level(variant="high")
    assert np.all(low < base) and np.all(base < high)
    np.testing.assert_allclose(level(offset_per_1000=2.0), base + 0.002)
    zero = estimate_rates(
        cubes, 2019, 2025, DemographyAssumptions(migration=MigrationAssumption(variant="zero"))
    )
    assert np.all(zero.rates.migration_level == 0) and np.isnan(zero.rates.target_total).all()
