"""Population projections of the 19 regions (``MK##``) from their own single ages (1972-).

The municipal projection needs the single-age municipal population (2018-2019 and the
estimated 2025 base); the regions have single ages by sex for every year from 1972 and
components (net migration by age, fertility, life expectancy) from 1990 in the
``regional_demography`` cube, so they can start from any year 1994.. and be backtested over
long history. The rates are those of the municipal projection at the regional level:

- mortality: :func:`forecasting.demography.mortality.death_rates` (national HMD schedule,
  regional life expectancy); the trend window is shortened to the years the national cube
  has before an early base year (at least 5);
- fertility: :func:`forecasting.demography.fertility.regional_jump_off` and its TFR path;
- migration, by component (:mod:`forecasting.demography.components`, the default
  :data:`DEFAULT_METHOD`): net domestic migration by sex and age (the region's rates pooled
  over ``window`` years) and net international migration (the region's share of the
  country's, spread by the country's age-sex schedule of net immigration); each level blends
  the recent window with the mean since 1991; the uncertainty from each component's history,
  its magnitude and the level's variance ratio from the total since 1973. With
  ``RegionalMethod(by_component=False)`` the total net migration as in the municipal
  projection (:func:`forecasting.demography.migration.regional_pattern`,
  :func:`forecasting.demography.migration.estimate_level`). The low/high variants and the
  immigration variants as in the municipal projection.

Output has the layout of :func:`forecasting.demography.project_population` with ``area`` the
region codes, so :func:`forecasting.demography.projection.dataset_to_frame` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from forecasting.demography import _data, components, fertility, immigration, migration, mortality
from forecasting.demography.assumptions import DemographyAssumptions, parse_assumptions
from forecasting.demography.projection import (
    POPULATION,
    STAT_NAMES,
    TOTAL,
    Request,
    _int,
    _summarise,
    _to_dataset,
)
from forecasting.errors import ValidationError
from forecasting.settings import get_settings
from models.cohort import CohortComponentProjection, CohortRates

AGES = np.arange(101)
#: First year of the regional components (net migration, fertility, life expectancy).
FIRST_COMPONENT_YEAR = 1990
CUBES = (
    "regional_demography", "national_mortality", "national_fertility", "migration",
    "population_change",
)  # fmt: skip
#: Migration assumptions of the regional projection when none are given: the window and the
#: uncertainty scale, with :data:`DEFAULT_METHOD`, chosen on the tuning bases 1997, 2002,
#: 2007, 2012 of ``benchmarks/eval_demography_regions.py --tune`` (never on the evaluation
#: bases; see docs/results/demography.md).
REGIONAL_MIGRATION: dict[str, float] = {"window": 5, "uncertainty_scale": 1.0}


@dataclass(frozen=True)
class RegionalMethod:
    """How the regional projection treats migration.

    ``by_component``: domestic and international migration separately
    (:mod:`forecasting.demography.components`); otherwise the total net migration as in the
    municipal projection (:mod:`forecasting.demography.migration`). ``recent_weight``: the
    weight of the recent window in each component's level (the rest on its mean since 1991);
    ``prior_years``: pseudo-years of the median over the regions in each region's sd;
    ``long_ratio``: the level's variance ratio from the regions' total net migration since
    1973 (:func:`forecasting.demography.components.long_history`), not only since 1991.
    """

    by_component: bool = True
    recent_weight: float = 0.5
    prior_years: float = 10.0
    long_ratio: bool = True


#: The method used when none is given (chosen on the tuning bases, see above).
DEFAULT_METHOD = RegionalMethod()

__all__ = [
    "CUBES", "DEFAULT_METHOD", "POPULATION", "TOTAL", "RegionalMethod", "project_regions",
    "region_codes",
]  # fmt: skip


def region_codes(cubes: _data.Cubes) -> list[str]:
    """The region codes (``MK##``) of the ``regional_demography`` cube."""
    areas = _data.cube(cubes, "regional_demography")["area"].values
    return sorted(str(a) for a in areas if str(a).startswith("MK"))


def regional_rates(
    cubes: _data.Cubes, regions: list[str], base_year: int, until: int,
    assumptions: DemographyAssumptions, method: RegionalMethod = DEFAULT_METHOD,
) -> tuple[np.ndarray, CohortRates]:  # fmt: skip
    """Base population (A, 2, X) and the rates of ``regions`` for ``base_year+1 .. until``."""
    reg = _data.cube(cubes, "regional_demography")
    nat_m = _data.cube(cubes, "national_mortality")
    nat_f = _data.cube(cubes, "national_fertility")
    ma = assumptions.mortality
    have = int(_data.years_of(nat_m).min())
    trend = max(5, min(ma.trend_years, mortality.last_year(nat_m, base_year) - have + 1))
    ma = ma.model_copy(update={"trend_years": trend, "window": min(ma.window, trend)})
    mort = mortality.death_rates(reg, nat_m, regions, base_year, until, ma)
    fa = assumptions.fertility
    asfr = fertility.projected_schedules(
        fertility.regional_jump_off(reg, nat_f, regions, base_year, fa), base_year, until, fa
    )
    pop = _data.by_year(reg["population"]).sel(area=regions)
    pop0 = pop.sel(year=base_year).transpose("area", "sex", "age").sel(sex=["F", "M"]).values
    a = assumptions.migration
    a = a.model_copy(update={"window": min(a.window, base_year - FIRST_COMPONENT_YEAR)})
    spread = migration.spread_schedule(pop0)
    if method.by_component:
        hist = components.history(cubes, regions, base_year)
        long = (
            components.long_history(reg, nat_m, regions, base_year) if method.long_ratio else None
        )
        lv = components.levels(hist, a.window, method.recent_weight, method.prior_years, long)
        rho = components.domestic_rates(reg, hist, regions, base_year, a.window).values
        sched = components.international_schedule(reg, base_year, a.window).values
        spread = np.broadcast_to(sched, pop0.shape).copy()
        shift = {"base": 0.0, "low": -1.0, "high": 1.0, "zero": 0.0}[a.variant]
        level = (lv.level + shift * lv.sigma) * a.multiplier + a.offset_per_1000 / 1000.0
        sigma, sigma_level, phi = lv.sigma, lv.level_sd, lv.phi
    else:
        rho = migration.regional_pattern(reg, regions, base_year, a.window).values
        history = _migration_history(reg, regions, base_year)
        est = migration.estimate_level(
            history, base_year, a.model_copy(update={"history_from": 1991})
        )
        level = migration.adjusted_level(est.level, est.sigma, a).values
        sigma, sigma_level, phi = est.sigma.values, est.sigma_level.values, est.phi
    if a.immigration != "base":
        level = level + immigration.level_shift(
            cubes, regions, pop0.sum(axis=(1, 2)), base_year, a.window, a.immigration
        )
    horizon = until - base_year
    sd = sigma * a.uncertainty_scale
    level_sd = sigma_level * a.uncertainty_scale
    if a.variant == "zero":
        rho, sd, level_sd = np.zeros_like(rho), 0 * sd, 0 * level_sd
        level = np.zeros_like(level)
    rates = CohortRates(
        fertility=asfr.values,
        death_prob=mort["death_prob"].values,
        infant_death_prob=mort["infant_death_prob"].values,
        migration_rate=rho,
        migration_spread=spread,
        migration_level=np.repeat(level[:, None], horizon, axis=1),
        target_total=np.full((len(regions), horizon), np.nan),
        migration_sd=sd,
        migration_level_sd=level_sd,
        migration_ar=phi,
        male_share=fa.male_share,
    )
    return np.rint(pop0), rates


def _migration_history(reg: xr.Dataset, regions: list[str], base_year: int) -> xr.DataArray:
    """Net migration per resident of 1 January (area, year), 1991 .. ``base_year``."""
    net = _data.by_year(reg["net_migration"]).sel(area=regions)
    pop = _data.by_year(reg["population"]).sel(area=regions).sum(("sex", "age"))
    years = np.arange(FIRST_COMPONENT_YEAR + 1, base_year + 1)
    start = pop.sel(year=years - 1).assign_coords(year=years)
    return (net.sel(year=years) / start).transpose("area", "year")


def project_regions(
    cubes: _data.Cubes,
    *,
    base_year: int | None = None,
    until: int | None = None,
    regions: list[str] | None = None,
    draws: int = 1000,
    seed: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
    method: RegionalMethod = DEFAULT_METHOD,
) -> xr.Dataset:
    """Project the regions by sex and single age with intervals (see the module docstring).

    ``base_year`` any year from 1994 to the last of ``regional_demography`` (default the
    last); ``until`` default ``base_year + 20``; ``regions`` default all 19.

    Returns
    -------
    The dataset of :func:`forecasting.demography.project_population` with ``area`` the
    region codes.

    Raises
    ------
    ValidationError
        A parameter is out of range or a region is unknown.
    """
    reg = _data.cube(cubes, "regional_demography", "regional projections")
    years = [int(y) for y in _data.years_of(reg)]
    first_base = FIRST_COMPONENT_YEAR + 4
    year = years[-1] if base_year is None else _int("base_year", base_year)
    if not first_base <= year <= years[-1]:
        raise ValidationError("base_year", f"must lie in {first_base}..{years[-1]} for regions")
    end = year + 20 if until is None else _int("until", until)
    if not year < end <= 2100:
        raise ValidationError("until", f"must lie in {year + 1}..2100")
    known = region_codes(cubes)
    chosen = known if regions is None else list(regions)
    unknown = [r for r in chosen if r not in known]
    if unknown:
        raise ValidationError("regions", f"unknown region codes {unknown}; known: {known}")
    n_draws = _int("draws", draws)
    limit = get_settings().scenario.max_draws
    if not 0 <= n_draws <= limit:
        raise ValidationError("draws", f"must lie in 0..{limit} (0 = expected path only)")
    if seed is None and n_draws > 0:
        raise ValidationError("seed", "required with draws > 0 (the caller owns the seed)")
    if seed is not None and _int("seed", seed) < 0:
        raise ValidationError("seed", "must be >= 0")
    if assumptions is None:
        assumptions = {"migration": REGIONAL_MIGRATION}
    parsed = parse_assumptions(assumptions)
    pop0, rates = regional_rates(cubes, chosen, year, end, parsed, method)
    keys = [int(r[2:]) for r in chosen]
    result = (
        CohortComponentProjection(draws=n_draws, seed=seed).fit(rates).project(pop0, area_keys=keys)
    )
    cells = result.population[None] if n_draws == 0 else result.sampled_population
    assert cells is not None
    stats = np.empty((len(chosen), len(STAT_NAMES), end - year + 1, 3, AGES.size + 1))
    for i in range(len(chosen)):
        stats[i] = _summarise(np.asarray(cells[:, i]), n_draws)
    scope = _RegionScope(chosen)
    req = Request(year, end, scope, n_draws, 0 if seed is None else int(seed), parsed)  # type: ignore[arg-type]
    ds = _to_dataset(cubes, req, stats)
    ds.attrs["level"] = "region"
    ds.attrs["intervals"] = f"central 80 % and 95 % intervals of {n_draws} draws"
    return ds


class _RegionScope:
    """The part of :class:`forecasting.demography.engine.Scope` the dataset builder reads."""

    def __init__(self, regions: list[str]) -> None:
        self.areas = regions
        self.municipalities: list[str] = []
        self.aggregates: dict[str, list[str]] = {}
