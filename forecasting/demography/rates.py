"""All rates of a projection, estimated from the input cubes for every municipality at once.

Rates are always estimated for all municipalities of the current division, whatever the scope
of a request: the pooled estimates (the fertility prior, the migration autocorrelation) and so
every municipality's projection are then the same whether it is projected alone, with its
employment area or nationally. Nothing is cached: the cubes are the caller's arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import xarray as xr

from forecasting import geography
from forecasting.demography import (
    _data,
    fertility,
    immigration,
    migration,
    mortality,
    municipal_components,
)
from forecasting.demography.assumptions import DemographyAssumptions, MigrationAssumption
from forecasting.errors import DataError, ValidationError
from models.cohort import CohortComponentProjection, CohortRates

AGES = np.arange(101)
SEXES = ["F", "M"]
INPUT_CUBES = _data.CUBES


@dataclass(frozen=True)
class RateSet:
    """Rates and base population of every municipality, in one fixed order.

    Attributes
    ----------
    codes : list of municipality codes (2025 division), the order of every array.
    base_year, until : first and last year (31.12.) of the projection.
    population : (A, 2, X) base population.
    rates : the model's :class:`CohortRates` (A areas, H = until - base_year years).
    estimates : labelled estimates for reports (hazard factors, TFR, municipal fertility
        factors, migration level and sd, ...).
    assumptions : what produced them.
    """

    codes: list[str]
    base_year: int
    until: int
    population: np.ndarray
    rates: CohortRates
    estimates: xr.Dataset
    assumptions: DemographyAssumptions

    def index(self, codes: list[str]) -> np.ndarray:
        """Positions of ``codes`` in :attr:`codes`."""
        where = {c: i for i, c in enumerate(self.codes)}
        return np.array([where[c] for c in codes], dtype=np.int64)


def population_years(cubes: _data.Cubes, codes: list[str]) -> xr.DataArray:
    """Population (area, year, sex, age) of the municipalities ``codes`` (``population``)."""
    pop = _data.by_year(_data.cube(cubes, "population")["population"]).sel(area=codes)
    if bool(pop.isnull().any()):
        raise DataError("population has missing cells", source="population")
    return pop.transpose("area", "year", "sex", "age")


def _per_municipality(regional: xr.DataArray, regions: list[str], codes: list[str]) -> xr.DataArray:
    """Regional values (area=region, ...) indexed by the municipalities' regions."""
    return regional.sel(area=regions).assign_coords(area=codes)


def _women_on_1_january(pop: xr.DataArray, year: int) -> np.ndarray:
    """Women (area, age) on 1 January of ``year``: the previous year end, or if that is not in
    the data the same year end one year younger."""
    if year - 1 in pop["year"].values:
        return pop.sel(year=year - 1, sex="F").values
    end = pop.sel(year=year, sex="F").values
    return np.concatenate([end[:, 1:], np.zeros((end.shape[0], 1))], axis=1)


def fertility_factors(
    pop: xr.DataArray, asfr: np.ndarray, q_women: np.ndarray, qb: float, base_year: int,
    prior: float | None,
) -> tuple[xr.DataArray, float]:  # fmt: skip
    """Municipal fertility factors (area,) and the prior worth used (see :mod:`.fertility`).

    Observed births: children aged 0 on 31.12. of the base year and the year before, divided
    by the infant survival; expected: the jump-off rates ``asfr`` (area, age) applied to the
    women of 1 January of those years, with the kernel's exposure.
    """
    years = [y for y in (base_year - 1, base_year) if y in pop["year"].values]
    observed = np.zeros(pop.sizes["area"])
    expected = np.zeros(pop.sizes["area"])
    for year in years:
        expected += fertility.expected_births(_women_on_1_january(pop, year), asfr, q_women)
        observed += pop.sel(year=year, age=0).sum("sex").values / (1.0 - qb)
    tau = fertility.prior_strength(observed, expected) if prior is None else prior
    factors = fertility.municipal_factors(observed, expected, tau)
    return xr.DataArray(factors, dims="area", coords={"area": pop["area"].values}), tau


def _natural_rate(rates: CohortRates, pop0: np.ndarray, codes: list[str]) -> xr.DataArray:
    """Natural increase of the first projection year per resident (area,), no migration."""
    result = CohortComponentProjection().fit(rates.without_migration()).project(pop0)
    change = result.births[:, 0].sum(axis=1) - result.deaths[:, 0].sum(axis=(1, 2))
    return xr.DataArray(change / pop0.sum(axis=(1, 2)), dims="area", coords={"area": codes})


def _target_years(
    cubes: _data.Cubes, codes: list[str], base_year: int, until: int, calibrate: bool
) -> tuple[xr.DataArray, list[int]]:
    totals = _data.by_year(_data.cube(cubes, "population_totals")["population"]).sel(area=codes)
    complete = [int(y) for y in totals["year"].values if bool(totals.sel(year=y).notnull().all())]
    years = [y for y in complete if base_year < y <= until] if calibrate else []
    return totals, years


@dataclass(frozen=True)
class _Migration:
    rate: np.ndarray  # (A, 2, X)
    spread: np.ndarray  # (A, 2, X)
    level: np.ndarray  # (A, H)
    target: np.ndarray  # (A, H)
    sd: np.ndarray  # (A,)
    level_sd: np.ndarray  # (A,)
    phi: float
    estimates: migration.MigrationLevel


def _migration(
    cubes: _data.Cubes, codes: list[str], regions: list[str], pop0: np.ndarray,
    natural: xr.DataArray, base_year: int, until: int, a: MigrationAssumption,
) -> _Migration:  # fmt: skip
    horizon = until - base_year
    reg = _data.cube(cubes, "regional_demography")
    pattern = migration.regional_pattern(reg, sorted(set(regions)), base_year, a.window)
    rho = _per_municipality(pattern, regions, codes).values
    totals, target_years = _target_years(cubes, codes, base_year, until, a.calibrate_to_totals)
    last = max(target_years, default=base_year)
    history = migration.implied_rates(totals, natural, a.history_from, last)
    est = migration.estimate_level(history, last, a)
    raw = est.level
    if a.components:  # domestic + international, each from the data up to the base year
        comp = municipal_components.history(cubes, history, last, a.history_from)
        dom, intl = municipal_components.levels(
            comp, pop0.sum(axis=(1, 2)), a.component_window, a.recent_weight
        )
        raw = est.level.copy(data=dom + intl)
    level = migration.adjusted_level(raw, est.sigma, a).values
    if a.immigration != "base":
        level = level + immigration.level_shift(
            cubes, codes, pop0.sum(axis=(1, 2)), base_year, a.window, a.immigration
        )
    target = np.full((len(codes), horizon), np.nan)
    for year in target_years:
        target[:, year - base_year - 1] = totals.sel(year=year).values
    sd = est.sigma.values * a.uncertainty_scale
    level_sd = est.sigma_level.values * a.uncertainty_scale
    if a.variant == "zero":
        rho, target, sd, level_sd = (
            np.zeros_like(rho),
            np.full_like(target, np.nan),
            0 * sd,
            0 * level_sd,
        )
    return _Migration(
        rho, migration.spread_schedule(pop0), np.repeat(level[:, None], horizon, axis=1), target,
        sd, level_sd, est.phi, est,
    )  # fmt: skip


def base_population(
    cubes: _data.Cubes,
    codes: list[str],
    base_year: int,
    assumptions: DemographyAssumptions,
    estimate: xr.DataArray | None = None,
) -> xr.DataArray:
    """Base population (area, year, sex, age) of ``codes``: the single-age ``population`` of
    ``base_year`` (with the year before when present), or for a later year the estimate of
    :func:`forecasting.demography.base.estimate_base` (year ``base_year`` only), or
    ``estimate`` when the caller has it (``estimate_base`` of the same cubes, year and
    assumptions: a release estimates it once for its projections and its training needs)."""
    pop = population_years(cubes, codes)
    if base_year in pop["year"].values:
        return pop
    if estimate is None:
        from forecasting.demography.base import estimate_base

        estimate = estimate_base(cubes, base_year, assumptions)
    est = estimate.sel(area=codes)
    return est.expand_dims(year=[base_year]).transpose("area", "year", "sex", "age")


def estimate_rates(
    cubes: _data.Cubes,
    base_year: int,
    until: int,
    assumptions: DemographyAssumptions,
    *,
    base: xr.DataArray | None = None,
) -> RateSet:
    """Estimate every rate of every municipality for ``base_year+1 .. until``.

    ``cubes`` holds :data:`forecasting.demography._data.CUBES` (and, for a base year after
    the single-age population, :data:`~forecasting.demography._data.BASE_CUBES`). ``base``:
    the base population estimate of those cubes, year and assumptions
    (:func:`forecasting.demography.base.estimate_base`) when the caller has it, for several
    estimates of one base year (other ``until``) without estimating it again.

    Raises
    ------
    DataError
        When a cube lacks the years the assumptions need.
    ValidationError
        When ``cubes`` lacks a cube (named).
    """
    munis = geography.municipalities()
    codes = sorted(munis.index)
    regions = [str(munis.loc[c, "region"]) for c in codes]
    unique_regions = sorted(set(regions))
    pop = base_population(cubes, codes, base_year, assumptions, base)
    if base_year not in pop["year"].values:
        raise DataError(f"no base population for {base_year}", source="population")
    pop0 = pop.sel(year=base_year).values.copy()
    reg = _data.cube(cubes, "regional_demography")
    nat_fert = _data.cube(cubes, "national_fertility")

    mort = mortality.death_rates(
        reg, _data.cube(cubes, "national_mortality"), unique_regions, base_year, until,
        assumptions.mortality,
    )  # fmt: skip
    q = _per_municipality(mort["death_prob"], regions, codes).values
    qb = _per_municipality(mort["infant_death_prob"], regions, codes).values

    fa = assumptions.fertility
    jump = fertility.regional_jump_off(reg, nat_fert, unique_regions, base_year, fa)
    asfr = _per_municipality(
        fertility.projected_schedules(jump, base_year, until, fa), regions, codes
    )
    factor, tau = (
        xr.DataArray(np.ones(len(codes)), dims="area", coords={"area": codes}),
        float("nan"),
    )
    if fa.municipal_scaling:
        jump_m = _per_municipality(jump, regions, codes).values
        factor, tau = fertility_factors(
            pop, jump_m, q[:, 0, 0], float(qb[:, 0].mean()), base_year, fa.prior_births
        )
    asfr = asfr * factor

    horizon = until - base_year
    no_mig = CohortRates(
        fertility=asfr.values, death_prob=q, infant_death_prob=qb,
        migration_rate=np.zeros((len(codes), 2, AGES.size)),
        migration_spread=migration.spread_schedule(pop0),
        migration_level=np.zeros((len(codes), horizon)),
        target_total=np.full((len(codes), horizon), np.nan),
        migration_sd=np.zeros(len(codes)), migration_level_sd=np.zeros(len(codes)),
        male_share=fa.male_share,
    )  # fmt: skip
    natural = _natural_rate(no_mig, pop0, codes)
    mig = _migration(cubes, codes, regions, pop0, natural, base_year, until, assumptions.migration)
    rates = replace(
        no_mig, migration_rate=mig.rate, migration_spread=mig.spread, migration_level=mig.level,
        target_total=mig.target, migration_sd=mig.sd, migration_level_sd=mig.level_sd,
        migration_ar=mig.phi,
    )  # fmt: skip
    estimates = _estimates(mort, jump, factor, natural, mig, tau)
    pop0.flags.writeable = False
    return RateSet(codes, base_year, until, pop0, rates, estimates, assumptions)


def _estimates(
    mort: xr.Dataset, jump: xr.DataArray, factor: xr.DataArray, natural: xr.DataArray,
    mig: _Migration, tau: float,
) -> xr.Dataset:  # fmt: skip
    """Labelled estimates for reports and tests."""
    first = mort["death_rate"].isel(time=0)
    e0 = xr.concat(
        [xr.DataArray(mortality.life_expectancy(first.sel(sex=s).values, s), dims="area",
                      coords={"area": first["area"].values}) for s in SEXES],
        dim=xr.DataArray(SEXES, dims="sex", name="sex"),
    ).transpose("area", "sex")  # fmt: skip
    region = {"area": "region"}
    return xr.Dataset(
        {
            "hazard_scale": mort["hazard_scale"].rename(region),
            "life_expectancy_first_year": e0.rename(region),
            "mortality_improvement": mort["improvement"],
            "jump_off_tfr": jump.sum("age").rename(region),
            "fertility_factor": factor,
            "natural_increase_rate": natural,
            "migration_level": mig.estimates.level,
            "migration_sd": mig.estimates.sigma,
            "migration_level_sd": mig.estimates.sigma_level,
            "implied_net_migration_rate": mig.estimates.history,
        },
        attrs={
            "fertility_prior_births": tau,
            "migration_ar": mig.phi,
            "migration_level_variance_ratio": mig.estimates.ratio,
        },
    )


def with_immigration(rateset: RateSet, cubes: _data.Cubes, variant: str) -> RateSet:
    """``rateset`` (estimated with the ``base`` immigration variant) for the immigration
    ``variant``: the same numbers as :func:`estimate_rates` with that variant, without
    estimating again (only the migration level moves, by
    :func:`forecasting.demography.immigration.level_shift`; every other rate and the
    reported estimates are the base's). A release projects three variants from one estimate.

    Raises
    ------
    ValidationError
        When ``rateset`` was not estimated with the ``base`` variant.
    """
    a = rateset.assumptions.migration
    if a.immigration != "base":
        raise ValidationError("rateset", "derive variants from the base variant's rates")
    horizon = rateset.until - rateset.base_year
    level = rateset.rates.migration_level[:, 0] + immigration.level_shift(
        cubes, rateset.codes, rateset.population.sum(axis=(1, 2)), rateset.base_year,
        a.window, variant,
    )  # fmt: skip
    rates = replace(rateset.rates, migration_level=np.repeat(level[:, None], horizon, axis=1))
    migration_a = a.model_copy(update={"immigration": variant})
    assumptions = rateset.assumptions.model_copy(update={"migration": migration_a})
    return replace(rateset, rates=rates, assumptions=assumptions)
