"""A base population by single age for a year after the last single-age population.

The single-age population (``population``) ends in 2019; later years have totals by sex
(``population_by_sex``, 11re), the year's components (``population_change``, 121w), the age
key figures (``age_key_figures``, 11ra: shares under 15 and 65+, mean age) and the regions'
single ages by sex (``regional_demography``). :func:`estimate_base`:

1. ages the last single-age population forward to the base year with the cohort model
   (default assumptions' rates, net migration closed to the published totals of each year
   with totals, the other years at the estimated level); the children aged 0 are replaced
   by the base year's births (121w) surviving the infant death probability;
2. rakes (iterative proportional fitting) the result to, in turn, the regions' single ages by
   sex, each municipality's three broad age groups (11ra shares), its mean age (an
   exponential tilt within the age groups, which keeps their sizes) and its totals by sex;
3. rounds to whole persons (the stochastic projection needs them) in a controlled way: the
   age groups' totals first (summing to the municipality's total), then the women's groups
   (summing to the women's total; the men's are the rest), then the single ages within each
   sex and group (largest remainders). Totals by sex stay exact and the group shares move by
   at most half a person.

Figures: ``benchmarks/eval_population_2025.py`` -> ``docs/results/population_2025.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.demography import _data
from forecasting.demography.assumptions import DemographyAssumptions
from forecasting.errors import ValidationError
from models.cohort import CohortComponentProjection

AGES = np.arange(101)
SEXES = ["F", "M"]
#: Broad age groups of the 11ra key figures: under 15, 15-64, 65 and over.
GROUPS = ((0, 15), (15, 65), (65, 101))
ITERATIONS = 30


def has_data(cubes: _data.Cubes, name: str, var: str, year: int) -> bool:
    """Whether ``cubes[name][var]`` has any value in ``year``."""
    if not _data.has(cubes, name) or var not in cubes[name]:
        return False
    da = cubes[name][var]
    at = np.flatnonzero(_data.years_of(da) == year)  # positions: no relabelled copy per call
    if at.size == 0:
        return False
    return bool(pd.notna(np.take(da.values, at, axis=da.get_axis_num("time"))).any())


def check_base_year(cubes: _data.Cubes, base_year: int) -> None:
    """Raise :class:`ValidationError` unless ``base_year`` can be estimated from ``cubes``."""
    needs = (
        ("population_by_sex", "population"),
        ("population_change", "births"),
        ("age_key_figures", "mean_age"),
        ("regional_demography", "population"),
        ("population_totals", "population"),
    )
    for name, var in needs:
        if not _data.has(cubes, name):
            raise ValidationError(
                "base_year", f"{base_year} needs the cube {name!r}, which the inputs lack"
            )
        if not has_data(cubes, name, var, base_year):
            raise ValidationError(
                "base_year", f"no data for {base_year} in the cube {name!r} ({var})"
            )


def _values(cubes: _data.Cubes, name: str, var: str, year: int, codes: list[str]) -> np.ndarray:
    da = _data.by_year(_data.cube(cubes, name)[var]).sel(year=year)
    return np.asarray(da.reindex(area=codes).values, dtype=float)


def aged_forward(
    cubes: _data.Cubes, start: int, base_year: int, assumptions: DemographyAssumptions
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Municipality codes, the expected population (A, 2, X) of ``base_year`` aged from
    ``start`` and the infant death probability (A,) of the base year."""
    from forecasting.demography.rates import estimate_rates

    observed = assumptions.migration.model_copy(update={"immigration": "base"})
    rs = estimate_rates(
        cubes, start, base_year, assumptions.model_copy(update={"migration": observed})
    )
    result = CohortComponentProjection().fit(rs.rates).project(rs.population)
    qb = rs.rates.infant_death_prob[:, -1].mean(axis=-1)
    return rs.codes, np.array(result.population[:, -1], dtype=float), qb


def _tilt(pop: np.ndarray, target_mean: np.ndarray) -> np.ndarray:
    """``pop`` (A, 2, X) times ``exp(b (x - 50))`` within each age group, group sizes kept,
    with ``b`` per municipality (bisection) so the mean age (x + 0.5) is ``target_mean``."""
    x = AGES + 0.5

    def tilted(b: np.ndarray) -> np.ndarray:
        w = pop * np.exp(b[:, None, None] * (x - 50.0))
        for lo, hi in GROUPS:
            have = pop[..., lo:hi].sum(axis=(1, 2))
            got = w[..., lo:hi].sum(axis=(1, 2))
            w[..., lo:hi] *= np.where(got > 0, have / np.maximum(got, 1e-300), 0.0)[:, None, None]
        return w

    lo, hi = np.full(pop.shape[0], -0.3), np.full(pop.shape[0], 0.3)
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        w = tilted(mid)
        mean = (w * x).sum(axis=(1, 2)) / np.maximum(w.sum(axis=(1, 2)), 1e-300)
        up = mean < target_mean
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    ok = np.isfinite(target_mean)
    return np.where(ok[:, None, None], tilted(0.5 * (lo + hi)), pop)


def rake(
    pop: np.ndarray, by_sex: np.ndarray, shares: np.ndarray, mean_age: np.ndarray,
    regions: np.ndarray, regional: dict[str, np.ndarray], iterations: int = ITERATIONS,
) -> np.ndarray:  # fmt: skip
    """Iterative proportional fitting of ``pop`` (A, 2, X).

    ``by_sex`` (A, 2) totals; ``shares`` (A, 3) fractions of the groups :data:`GROUPS` (NaN:
    no constraint); ``mean_age`` (A,) years; ``regions`` (A,) region of each municipality;
    ``regional`` region -> single ages by sex (2, X). The last step fits the totals by sex.
    """
    pop = np.maximum(pop, 1e-9)
    total = by_sex.sum(axis=1)
    for _ in range(iterations):
        for region, margin in regional.items():
            rows = regions == region
            have = pop[rows].sum(axis=0)
            pop[rows] *= np.where(have > 0, margin / np.maximum(have, 1e-300), 0.0)[None]
        for g, (lo, hi) in enumerate(GROUPS):
            want = shares[:, g] * total
            have = pop[..., lo:hi].sum(axis=(1, 2))
            factor = np.where(np.isfinite(want) & (have > 0), want / np.maximum(have, 1e-300), 1)
            pop[..., lo:hi] *= factor[:, None, None]
        pop = _tilt(pop, mean_age)
        pop *= (by_sex / np.maximum(pop.sum(axis=2), 1e-300))[..., None]
    return pop


def largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers (N,) summing to ``total``, each the floor or ceiling of ``values``."""
    floor = np.floor(values)
    short = int(total - floor.sum())
    order = np.argsort(-(values - floor), kind="stable")
    out = floor.copy()
    if short > 0:
        out[order[:short]] += 1
    elif short < 0:
        positive = [int(i) for i in order[::-1] if floor[i] > 0]
        out[positive[:-short]] -= 1
    return out


def round_persons(pop: np.ndarray, by_sex: np.ndarray) -> np.ndarray:
    """``pop`` (A, 2, X) in whole persons with the totals ``by_sex`` (A, 2) exact and the age
    groups' sizes rounded first (see the module docstring, step 3)."""
    out = np.empty_like(pop)
    targets = np.rint(by_sex).astype(int)
    for a in range(pop.shape[0]):
        cells = np.array([[pop[a, s, lo:hi].sum() for lo, hi in GROUPS] for s in range(2)])
        groups = largest_remainder(cells.sum(axis=0), int(targets[a].sum()))
        women = np.minimum(largest_remainder(cells[0], int(targets[a, 0])), groups)
        while women.sum() < targets[a, 0]:  # a group capped by its size: move the slack
            women[int(np.argmax(groups - women))] += 1
        for s, counts in enumerate((women, groups - women)):
            for (lo, hi), count in zip(GROUPS, counts, strict=True):
                out[a, s, lo:hi] = largest_remainder(pop[a, s, lo:hi], int(count))
    return out


def estimate_base(
    cubes: _data.Cubes, base_year: int, assumptions: DemographyAssumptions
) -> xr.DataArray:
    """Population (area, sex, age) on 31.12. of ``base_year`` for every municipality.

    See the module docstring for the method.

    Raises
    ------
    ValidationError
        ``base_year`` lacks data (the message names the cube) or precedes the single-age data.
    """
    years = _data.years_of(_data.cube(cubes, "population"))
    start = max((int(y) for y in years if y < base_year), default=None)
    if start is None:
        raise ValidationError("base_year", f"no single-age population before {base_year}")
    check_base_year(cubes, base_year)
    codes, pop, qb = aged_forward(cubes, start, base_year, assumptions)
    births = _values(cubes, "population_change", "births", base_year, codes)
    male = assumptions.fertility.male_share
    born = births[:, None] * np.array([1 - male, male])[None] * (1 - qb[:, None])
    pop[..., 0] = np.where(np.isfinite(born), born, pop[..., 0])
    by_sex = _by_sex(cubes, base_year, codes)
    under = _values(cubes, "age_key_figures", "share_under_15", base_year, codes) / 100
    over = _values(cubes, "age_key_figures", "share_over_64", base_year, codes) / 100
    shares = np.stack([under, 1 - under - over, over], axis=1)
    mean_age = _values(cubes, "age_key_figures", "mean_age", base_year, codes)
    munis = geography.municipalities()
    regions = np.array([str(munis.loc[c, "region"]) for c in codes])
    regional = _regional(cubes, base_year, sorted(set(regions)))
    raked = round_persons(rake(pop, by_sex, shares, mean_age, regions, regional), by_sex)
    return xr.DataArray(
        raked, dims=("area", "sex", "age"), coords={"area": codes, "sex": SEXES, "age": AGES},
        name="population",
    )  # fmt: skip


def _by_sex(cubes: _data.Cubes, year: int, codes: list[str]) -> np.ndarray:
    da = _data.by_year(_data.cube(cubes, "population_by_sex")["population"]).sel(year=year)
    values = np.asarray(da.reindex(area=codes).transpose("area", "sex").sel(sex=SEXES).values)
    if not np.isfinite(values).all():
        missing = [
            c for c, ok in zip(codes, np.isfinite(values).all(axis=1), strict=True) if not ok
        ]
        raise ValidationError("base_year", f"no totals by sex for {missing[:5]} in {year}")
    return values.astype(float)


def _regional(cubes: _data.Cubes, year: int, regions: list[str]) -> dict[str, np.ndarray]:
    """Single ages by sex (2, X) of the regions with complete data in ``year``."""
    pop = _data.by_year(_data.cube(cubes, "regional_demography")["population"]).sel(year=year)
    out: dict[str, np.ndarray] = {}
    for region in regions:
        if region in pop["area"].values:
            values = pop.sel(area=region).transpose("sex", "age").sel(sex=SEXES).values
            if np.isfinite(values).all():
                out[region] = np.asarray(values, dtype=float)
    return out


def base_years(cubes: _data.Cubes) -> list[int]:
    """Years a projection can start from: those of the single-age ``population`` and the
    later years :func:`estimate_base` can estimate from ``cubes``."""
    years = sorted({int(y) for y in _data.years_of(_data.cube(cubes, "population"))})
    if _data.has(cubes, "population_by_sex"):
        for year in sorted({int(y) for y in _data.years_of(cubes["population_by_sex"])}):
            if year > years[-1] and _can_estimate(cubes, year):
                years.append(year)
    return years


def _can_estimate(cubes: _data.Cubes, year: int) -> bool:
    try:
        check_base_year(cubes, year)
    except ValidationError:
        return False
    return True
