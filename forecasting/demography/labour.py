"""Labour supply and retirements from the projected population.

Employment rates by single age ``e[x]`` (both sexes; the source has no sex split):

- Etelä-Savo municipalities (``employment_by_age_education``, tyokay 115n): employed residents
  by age band in ``employment_year`` over the population of the band; other municipalities:
  the national band rates scaled so that they reproduce the municipality's employed residents
  (``commuting``, 115n). The population of 31.12.2017 by age is the 31.12.2018 population one
  year younger (the snapshot has single ages for 2018 and 2019 only).
- Bands to single ages: below 45 a monotone cubic (PCHIP) through the cumulative rate at the
  band edges, differenced, so each band's mean rate is kept; from 45 a logistic retirement
  curve fitted to the bands 45-54, 55-64 and 65-74 (see :func:`single_age_rates`). The source
  counts ages 18..74.

Derived per year and municipality (totals from the draws, aggregates summed per draw):
employed residents ``sum_x e[x] P[x]``; labour force = employed times the municipality's ratio
of labour force (registers, annual) to employed residents in ``employment_year``; working-age
population 15-64 and 20-69; demographic dependency ratio (0-14 and 65+ per 15-64); economic
dependency ratio (not employed per employed, *huoltosuhde*); retirements = exits from
employment as rates fall with age, ``sum_{x >= min_age} P_t[x] * max(e[x-1] - e[x], 0)`` (the
cohort aged x in year t had rate e[x-1] a year earlier) — the base of replacement demand.

A ratio's central value ("mean") is the ratio of the means of its numerator and denominator
over the draws, ``E[A] / E[B]`` (the usual estimator of a ratio of totals, and the ratio of
the published mean counts); its quantiles are those of the per-draw ratio ``A / B``. The mean
of the per-draw ratio is not used: in a municipality of a few hundred people a few draws with
a handful of employed give huge ratios that pull it above the ratio's own 95 % interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy.interpolate import PchipInterpolator
from scipy.optimize import least_squares

from forecasting import geography
from forecasting.contract import STATISTICS
from forecasting.demography import _data, engine
from forecasting.demography.assumptions import DemographyAssumptions, LabourAssumption
from forecasting.demography.projection import (
    STATS,
    PopulationPart,
    Request,
    input_cubes,
    part_calls,
    simulate_part,
    stamp_output,
    validate_request,
)
from forecasting.demography.rates import RateSet, estimate_rates
from forecasting.errors import DataError, ValidationError
from forecasting.labour_force import labour_force, published
from models.cohort import draw_quantiles

AGES = np.arange(101)
#: Age bands of the employment data: label -> (first age, first age of the next band).
BANDS = {
    "0-17": (0, 18),
    "18-24": (18, 25),
    "25-34": (25, 35),
    "35-44": (35, 45),
    "45-54": (45, 55),
    "55-64": (55, 65),
    "65-74": (65, 75),
    "75+": (75, 101),
}
LABOUR_CUBES = _data.LABOUR_CUBES
#: Additive components per draw, in this order.
COMPONENTS = (
    "population",
    "age_0_14",
    "working_age_15_64",
    "age_65_plus",
    "working_age_20_69",
    "employed",
    "labour_force",
    "retirements",
)


def _population_2017(cubes: _data.Cubes, codes: list[str]) -> xr.DataArray:
    """Population (area, age) of 31.12.2017: the 31.12.2018 population one year younger."""
    pop = _data.by_year(_data.cube(cubes, "population")["population"])
    pop = pop.sel(year=2018, area=codes).sum("sex")
    shifted = np.concatenate([pop.values[:, 1:], np.zeros((len(codes), 1))], axis=1)
    return xr.DataArray(shifted, dims=("area", "age"), coords={"area": codes, "age": AGES})


def _band_sums(values: np.ndarray) -> np.ndarray:
    """Sum (..., X) over the age bands -> (..., n_bands)."""
    return np.stack([values[..., lo:hi].sum(axis=-1) for lo, hi in BANDS.values()], axis=-1)


def single_age_rates(band_rates: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """Single-age employment rates (X,) from band rates (n_bands,) and the population (X,).

    Ages below 45: a monotone cubic (PCHIP) through the cumulative rate at the band edges,
    differenced, then rescaled within each band so that the population-weighted mean is the
    band's rate (the employed of the band are reproduced; likewise ages 75+). Ages 45-74: the curve
    ``e[x] = P / (1 + exp((x - m) / s))`` whose population-weighted means match the bands
    45-54, 55-64 and 65-74 (three equations, three parameters; least squares).
    """
    edges = np.array([lo for lo, _ in BANDS.values()] + [101], dtype=float)
    cumulative = np.concatenate([[0.0], np.cumsum(band_rates * np.diff(edges))])
    curve = PchipInterpolator(edges, cumulative)(np.arange(102, dtype=float))
    rates = np.clip(np.diff(curve), 0.0, 1.0)
    rates[45:] = retirement_curve(retirement_fit(band_rates, pop))[45:]
    for (lo, hi), rate in zip(BANDS.values(), band_rates, strict=True):
        implied = (rates[lo:hi] * pop[lo:hi]).sum()
        if (hi <= 45 or lo >= 75) and implied > 0:
            rates[lo:hi] *= rate * pop[lo:hi].sum() / implied
    return np.clip(rates, 0.0, 1.0)


#: Bands fitted by the retirement curve: (first age, first age of the next band) and label.
OLDER_BANDS = {"45-54": (45, 55), "55-64": (55, 65), "65-74": (65, 75)}


def retirement_curve(theta: np.ndarray) -> np.ndarray:
    """``P / (1 + exp((x - m) / s))`` at ages 0..100 for ``theta = (P, m, s)``."""
    plateau, middle, scale = theta
    return np.asarray(plateau / (1.0 + np.exp((AGES - middle) / scale)))


def retirement_fit(band_rates: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """``(P, m, s)`` of the retirement curve matching the older bands' weighted means."""
    labels = list(BANDS)
    target = np.array([band_rates[labels.index(b)] for b in OLDER_BANDS])
    weights = [np.maximum(pop[lo:hi], 1e-9) for lo, hi in OLDER_BANDS.values()]

    def gap(theta: np.ndarray) -> np.ndarray:
        curve = retirement_curve(theta)
        means = [
            (curve[lo:hi] * w).sum() / w.sum()
            for (lo, hi), w in zip(OLDER_BANDS.values(), weights, strict=True)
        ]
        return np.asarray(means) - target

    fit = least_squares(gap, x0=[0.8, 62.0, 2.0], bounds=([0.0, 45.0, 0.3], [1.0, 85.0, 15.0]))
    return np.asarray(fit.x)


def employment_rates(cubes: _data.Cubes, codes: list[str], a: LabourAssumption) -> xr.DataArray:
    """Employment rates (area, age) of ``employment_year`` for the municipalities ``codes``
    (cubes ``employment_by_age_education``, ``commuting``, ``population``)."""
    if a.employment_year != 2017:
        # Single-age population exists for 2018-2019 only; other years would need another base.
        raise DataError("employment rates need employment_year 2017", source="population")
    when = _data.year_end(a.employment_year)
    by_band = _data.cube(cubes, "employment_by_age_education")["employed_residents"]
    by_band = by_band.sel(time=when)
    by_band = by_band.sum("education_level").sel(age_band=list(BANDS))
    pop = _population_2017(cubes, [*codes, geography.COUNTRY])
    bands = _band_sums(pop.values)
    national = by_band.sel(area=geography.COUNTRY).values / np.maximum(bands[-1], 1.0)
    national_single = single_age_rates(national, pop.values[-1])
    totals = _data.cube(cubes, "commuting")["employed_residents"].sel(time=when)
    out = np.empty((len(codes), AGES.size))
    for i, code in enumerate(codes):
        if code in by_band["area"].values:
            band_rates = by_band.sel(area=code).values / np.maximum(bands[i], 1.0)
            out[i] = single_age_rates(band_rates, pop.values[i])
        else:
            employed = float(totals.sel(area=code))
            if not np.isfinite(employed):
                raise DataError(f"no employed residents for {code}", source="commuting")
            expected = float((national_single * pop.values[i]).sum())
            out[i] = np.clip(national_single * employed / expected, 0.0, 1.0)
    rates = xr.DataArray(out, dims=("area", "age"), coords={"area": codes, "age": AGES})
    return _adjust(rates, a)


#: Lowest statutory old-age pension age (years) by birth cohort after the 2017 pension reform:
#: Employees Pensions Act (TyEL 395/2006, section 11, as amended by 72/2015): 63 for the
#: cohorts up to 1954, then 3 months more per cohort to 65 for 1962-1964; from 1965 linked to
#: life expectancy, confirmed by the Ministry of Social Affairs and Health on the Finnish
#: Centre for Pensions' (ETK) calculation: 1965 65 y 2 m, 1966 65 y 3 m, 1967 65 y 4 m;
#: later cohorts +1 month per cohort (an assumption of this model, about ETK's projected pace).
PENSION_AGE = {
    **{c: 63.0 + 0.25 * (c - 1954) for c in range(1954, 1963)},
    1963: 65.0, 1964: 65.0, 1965: 65 + 2 / 12, 1966: 65 + 3 / 12, 1967: 65 + 4 / 12,
}  # fmt: skip


def pension_age(cohort: np.ndarray) -> np.ndarray:
    """:data:`PENSION_AGE` of birth cohorts (63 before 1954; +1 month a cohort after 1967)."""
    c = np.asarray(cohort, dtype=float)
    known = np.array([PENSION_AGE[k] for k in sorted(PENSION_AGE)])
    first, last = min(PENSION_AGE), max(PENSION_AGE)
    inside = np.interp(c, np.arange(first, last + 1), known)
    return np.where(c > last, known[-1] + (c - last) / 12.0, inside)


def cohort_rates(rates: xr.DataArray, years: np.ndarray, a: LabourAssumption) -> xr.DataArray:
    """Rates (area, year, age) for ``years``: the ``employment_year`` rates at ages 55+ moved
    later for each birth cohort ``c = year - age`` by ``pension_passthrough`` times the rise of
    its pension age over that of the cohort of the same age in ``employment_year`` (no
    shift with ``pension_reform=False``)."""
    values = np.repeat(rates.values[:, None, :], len(years), axis=1)
    if a.pension_reform and a.pension_passthrough > 0:
        older = AGES >= 55
        for t, year in enumerate(years):
            shift = a.pension_passthrough * (
                pension_age(year - AGES) - pension_age(a.employment_year - AGES)
            )
            for i in range(values.shape[0]):
                values[i, t, older] = np.interp(AGES[older] - shift[older], AGES, rates.values[i])
    return xr.DataArray(
        np.clip(values, 0.0, 1.0), dims=("area", "year", "age"),
        coords={"area": rates["area"].values, "year": np.asarray(years), "age": AGES},
    )  # fmt: skip


def _adjust(rates: xr.DataArray, a: LabourAssumption) -> xr.DataArray:
    """Apply the retirement-age shift (ages 55+) and the rate multiplier."""
    values = rates.values.copy()
    if a.retirement_age_shift:
        older = AGES >= 55
        for i in range(values.shape[0]):
            values[i, older] = np.interp(
                AGES[older] - a.retirement_age_shift, AGES, rates.values[i]
            )
    return rates.copy(data=np.clip(values * a.rate_multiplier, 0.0, 1.0))


def labour_force_ratio(cubes: _data.Cubes, codes: list[str], a: LabourAssumption) -> xr.DataArray:
    """Labour force (12r5, reference year ``employment_year``) over employed residents (115n)
    of the same year: the ratio of the earlier versions, kept for reports."""
    year = a.employment_year
    force = published(_data.cube(cubes, "registers"), codes).reindex(year=[year])
    employed = _data.cube(cubes, "commuting")["employed_residents"].sel(
        area=codes, time=_data.year_end(year)
    )
    ratio = (force.isel(year=0, drop=True) / employed).fillna(1.0)
    return ratio.drop_vars("time", errors="ignore")


def labour_force_anchor(
    cubes: _data.Cubes, codes: list[str], base_year: int, population: np.ndarray,
    rates: np.ndarray,
) -> tuple[xr.DataArray, int]:  # fmt: skip
    """Labour force per employed resident (area,) that ties the population side to the one
    published labour force (:func:`forecasting.labour_force.labour_force`), and its year.

    The anchor is the latest reference year ``y <= base_year`` with a published or
    interpolated value in the registers of ``cubes`` (a backtest passes registers cut at its
    base). Employed on the population side in ``y`` are the base year's ``sum_x e[x] P[x]``
    (``population`` (A, 2, X), ``rates`` (A, X) of the base year) scaled by the ratio of the
    population totals ``y / base_year``; without a value the ratio of
    :func:`labour_force_ratio` is used.
    """
    one = labour_force(cubes, areas=codes)
    years = [int(y) for y in one["year"].values if y <= base_year]
    employed = np.einsum("asx,ax->a", population, rates)
    fallback = labour_force_ratio(cubes, codes, LabourAssumption()).values
    if not years:
        return xr.DataArray(fallback, dims="area", coords={"area": codes}), -1
    anchor = years[-1]
    force = one["labour_force"].sel(year=anchor).values
    totals = _data.by_year(_data.cube(cubes, "population_totals")["population"]).sel(area=codes)
    scale = np.ones(len(codes))
    if anchor != base_year:  # totals of the anchor year, log-linear across missing years
        logs = xr.apply_ufunc(np.log, totals.where(totals > 0))
        logs = logs.interpolate_na("year", method="linear")
        years_t = [int(y) for y in logs["year"].values]
        if {anchor, base_year} <= set(years_t):
            step = np.exp(logs.sel(year=anchor).values - logs.sel(year=base_year).values)
            scale = np.where(np.isfinite(step), step, 1.0)
    ratio = force / np.maximum(employed * scale, 1.0)
    ratio = np.where(np.isfinite(ratio) & (ratio > 0), ratio, fallback)
    return xr.DataArray(ratio, dims="area", coords={"area": codes}), anchor


def trend_steps(years: np.ndarray, last: int, anchor: int, damping: float) -> np.ndarray:
    """Years of trend from ``anchor`` to each of ``years``: undamped up to ``last`` (the last
    published reference year), then damped by ``damping`` a year (1 + phi + phi^2 + ...)."""
    after = np.maximum(years - last, 0)
    damped = np.array([sum(damping**i for i in range(int(h))) for h in after], dtype=float)
    return np.minimum(years, last) - anchor + damped


def participation_factor(
    cubes: _data.Cubes, codes: list[str], anchor: int, years: np.ndarray, a: LabourAssumption
) -> xr.DataArray:
    """Trend factor (area, year) of employment and participation, 1 in the ``anchor`` year.

    For each region: the one labour force (:func:`forecasting.labour_force.labour_force`) of
    the ``participation_trend_years`` reference years up to the last one the registers hold
    (``last``: the last published year, at or after ``anchor``; a backtest whose base year
    precedes the last published year uses the years after its base too) over its employed on
    the population side with the national 2017 rates by single age (the region's own single
    ages, ``regional_demography``); the log-linear slope of that ratio runs undamped up to
    ``last`` and continues after it damped by ``participation_damping`` a year.
    Municipalities take their region's factor. Window 7 and damping 0.8 were chosen on
    region-level origins 2010-2016, three years ahead (``benchmarks/eval_labour_force.py``).
    """
    ones = xr.DataArray(
        np.ones((len(codes), len(years))), dims=("area", "year"),
        coords={"area": codes, "year": years},
    )  # fmt: skip
    n = a.participation_trend_years
    if anchor < 0 or n < 2:
        return ones
    munis = geography.municipalities()
    regions = sorted({str(munis.loc[c, "region"]) for c in codes})
    reg_pop = _data.by_year(_data.cube(cubes, "regional_demography")["population"]).sum("sex")
    one_ds = labour_force(cubes, areas=regions)
    have_pop = {int(y) for y in reg_pop["year"].values}
    last = max(anchor, int(one_ds.attrs.get("data_through", anchor)))
    while last > anchor and last not in have_pop:
        last -= 1
    span = list(range(last - n + 1, last + 1))
    if not set(span) <= have_pop:
        return ones
    by_band = _data.cube(cubes, "employment_by_age_education")["employed_residents"]
    by_band = (
        by_band.sel(time=_data.year_end(2017)).sum("education_level").sel(age_band=list(BANDS))
    )
    pop17 = _population_2017(cubes, [geography.COUNTRY]).values[0]
    national = single_age_rates(
        by_band.sel(area=geography.COUNTRY).values / np.maximum(_band_sums(pop17), 1.0), pop17
    )
    one = one_ds["labour_force"]
    ahead = trend_steps(years, last, anchor, a.participation_damping)
    slope = {}
    for r in regions:
        employed = (reg_pop.sel(area=r, year=span).values * national[None]).sum(axis=1)
        ratio = one.sel(area=r).reindex(year=span).values / employed
        ok = np.isfinite(ratio) & (ratio > 0)
        slope[r] = (
            float(np.polyfit(np.array(span)[ok], np.log(ratio[ok]), 1)[0]) if ok.sum() >= 2 else 0.0
        )
    factor = np.array([np.exp(slope[str(munis.loc[c, "region"])] * ahead) for c in codes])
    return ones.copy(data=factor)


def shifted_population(population: np.ndarray, base_year: int, year: int) -> np.ndarray:
    """Both sexes (A, X) in ``year`` from the base population (A, 2, X) by moving the cohorts
    ``year - base_year`` years (no deaths, no migration; the caller rescales to the year's
    totals): the age structure of a year without single ages."""
    both = population.sum(axis=1)
    k = year - base_year
    out = np.zeros_like(both)
    if k >= 0:
        out[:, k:] = both[:, : both.shape[1] - k]
    else:
        out[:, : both.shape[1] + k] = both[:, -k:]
    return out


def employed_history(
    cubes: _data.Cubes, codes: list[str], population: np.ndarray, base_year: int,
    rates: np.ndarray, years: list[int],
) -> np.ndarray:  # fmt: skip
    """Employed residents on the population side (A, len(years)): ``rates`` (A, X) times the
    base population moved to each year (:func:`shifted_population`), scaled to the year's
    published total (``population_totals``, log-linear across missing years)."""
    totals = _data.by_year(_data.cube(cubes, "population_totals")["population"]).sel(area=codes)
    logs = xr.apply_ufunc(np.log, totals.where(totals > 0)).interpolate_na("year", method="linear")
    out = np.empty((len(codes), len(years)))
    for j, year in enumerate(years):
        shifted = shifted_population(population, base_year, year)
        total = np.exp(logs.sel(year=year).values)
        out[:, j] = (rates * shifted).sum(axis=1) * total / np.maximum(shifted.sum(axis=1), 1.0)
    return out


def excess_slopes(force: np.ndarray, employed: np.ndarray, regions: list[str]) -> np.ndarray:
    """Per municipality (A,): the log-linear slope of labour force per employed on the
    population side (``force``, ``employed`` (A, n) over consecutive years) minus the same
    slope of its region (the municipalities of ``regions`` summed). 0 where a series has a
    non-positive or missing value."""
    t = np.arange(force.shape[1], dtype=float)

    def slope(f: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ratio = f / np.where(e > 0, e, np.nan)
        ok = np.all(np.isfinite(ratio) & (ratio > 0), axis=1)
        logs = np.log(np.where(ok[:, None], ratio, 1.0))
        return np.where(ok, np.polyfit(t, logs.T, 1)[0], 0.0), ok

    own, ok = slope(force, employed)
    keys = np.asarray(regions)
    groups = sorted(set(regions))
    f_r = np.stack([np.nansum(force[keys == r], axis=0) for r in groups])
    e_r = np.stack([employed[keys == r].sum(axis=0) for r in groups])
    region = dict(zip(groups, slope(f_r, e_r)[0], strict=True))
    return np.where(ok, own - np.array([region[r] for r in regions]), 0.0)


def municipal_participation(
    cubes: _data.Cubes, codes: list[str], anchor: int, years: np.ndarray,
    population: np.ndarray, base_year: int, rates: np.ndarray, a: LabourAssumption,
) -> xr.DataArray:  # fmt: skip
    """Municipal factor (area, year) on top of the region's :func:`participation_factor`, 1
    in the ``anchor`` year.

    The municipality's labour force per employed on the population side (``rates`` (A, X) of
    ``employment_year`` times its age structure of each year, :func:`employed_history`) over
    the ``municipal_trend_years`` reference years up to the last published one: its
    log-linear slope minus its region's, times ``municipal_trend_weight``, runs like the
    region's trend (undamped to the last published year, damped by
    ``participation_damping`` after it). Reference years after the last published one are
    never read, so a backtest with the registers cut at its origin uses none of its
    evaluation years. Weight and window: ``benchmarks/eval_labour_force.py`` (municipal
    origins 2014-2018, three years ahead).
    """
    ones = xr.DataArray(
        np.ones((len(codes), len(years))), dims=("area", "year"),
        coords={"area": codes, "year": years},
    )  # fmt: skip
    n, weight = a.municipal_trend_years, a.municipal_trend_weight
    if anchor < 0 or n < 2 or weight == 0:
        return ones
    one = labour_force(cubes, areas=codes)
    last = max(anchor, int(one.attrs.get("data_through", anchor)))
    span = list(range(last - n + 1, last + 1))
    force = one["labour_force"].reindex(year=span).values
    employed = employed_history(cubes, codes, population, base_year, rates, span)
    munis = geography.municipalities()
    excess = excess_slopes(force, employed, [str(munis.loc[c, "region"]) for c in codes])
    ahead = trend_steps(years, last, anchor, a.participation_damping)
    return ones.copy(data=np.exp(weight * excess[:, None] * ahead[None, :]))


def retirement_weights(rates: np.ndarray, min_age: int) -> np.ndarray:
    """``max(e[x-1] - e[x], 0)`` for ages >= ``min_age`` (..., X), zero elsewhere."""
    drop = np.zeros_like(rates)
    drop[..., 1:] = np.maximum(rates[..., :-1] - rates[..., 1:], 0.0)
    drop[..., :min_age] = 0.0
    return drop


def labour_components(
    rates: xr.DataArray, lf_ratio: xr.DataArray, min_age: int
) -> Callable[[list[str], np.ndarray], np.ndarray]:
    """An engine components function: (codes, pop (D, n, T, 2, X)) -> (n, D, T, K).

    Sampled draws (float32) are whole persons, so their sums over sex and age are exact in
    any order: one float64 addition of the sexes and one product with the 0/1 matrix of the
    age groups (a fifth of the time of the axis sums, the same numbers). The expected path
    (float64, fractional) keeps the axis sums. Employed and retirements (fractional) are
    the same ``einsum`` either way.
    """

    def components(codes: list[str], pop: np.ndarray) -> np.ndarray:
        if pop.dtype == np.float32:  # draws: whole numbers
            both = np.add(pop[:, :, :, 0], pop[:, :, :, 1], dtype=np.float64)  # (D, n, T, X)
            groups = both @ _AGE_GROUPS
            counts = [groups[..., k] for k in range(_AGE_GROUPS.shape[1])]
        else:
            both = pop.sum(axis=3, dtype=np.float64)
            counts = [both[..., lo:hi].sum(axis=-1) for lo, hi in _AGE_SPANS]
        e = rates.sel(area=codes).transpose("area", "year", "age").values  # (n, T, X)
        employed = np.einsum("dntx,ntx->dnt", both, e)
        retire = np.einsum("dntx,ntx->dnt", both, retirement_weights(e, min_age))
        retire[:, :, 0] = np.nan  # no flow into the base year
        parts = [
            *counts,
            employed,
            employed * lf_ratio.sel(area=codes).values[None, :, None],
            retire,
        ]
        return np.moveaxis(np.stack(parts, axis=-1), 1, 0)

    return components


#: Ages of the whole-person components (population, 0-14, 15-64, 65+, 20-69), and as a 0/1
#: matrix (X, 5).
_AGE_SPANS = ((0, AGES.size), (0, 15), (15, 65), (65, AGES.size), (20, 70))
_AGE_GROUPS = np.zeros((AGES.size, len(_AGE_SPANS)))
for _k, (_lo, _hi) in enumerate(_AGE_SPANS):
    _AGE_GROUPS[_lo:_hi, _k] = 1.0


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` per draw, NaN where ``den`` is 0.

    A draw in which no one is left in the denominator has no ratio rather than an infinite
    one: in a national run a few of the 1000 draws empty the smallest municipalities
    (Sottunga, Kökar, Kumlinge: about 100-230 people) by the 2040s, or leave them with no
    one employed."""
    out = np.full(np.broadcast_shapes(num.shape, den.shape), np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _ratio_terms(named: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Numerator and denominator (D, T) of each ratio, from the named components (D, T)."""
    return {
        "demographic_dependency_ratio": (
            named["age_0_14"] + named["age_65_plus"], named["working_age_15_64"]
        ),
        "economic_dependency_ratio": (named["population"] - named["employed"], named["employed"]),
    }  # fmt: skip


#: The ratio indicators (:func:`_ratio_terms`), in this order.
RATIOS = ("demographic_dependency_ratio", "economic_dependency_ratio")


def _indicators(
    parts: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Per-draw indicators (D, T) from summed components (D, T, K), ratios included (NaN in
    a draw whose denominator is 0, :func:`_ratio`), and each ratio's numerator and
    denominator (D, T)."""
    named = {name: parts[..., i] for i, name in enumerate(COMPONENTS)}
    terms = _ratio_terms(named)
    for name, (num, den) in terms.items():
        named[name] = _ratio(num, den)
    return named, terms


#: Indicators of :func:`_indicators`, in this order (the components, then the ratios).
INDICATORS = (*COMPONENTS, *RATIOS)


def ratio_of_means(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """The central value of a ratio over the draws (axis 0): ``mean(num) / mean(den)``
    over every draw, NaN where the mean denominator is 0 (no draw has any).

    The ratio of totals ``E[A] / E[B]``, the ratio of the published mean counts. Draws whose
    denominator is 0 count in both means (their numerator raises the ratio), as they count
    in the published means of the counts."""
    return _ratio(np.mean(num, axis=0), np.mean(den, axis=0))


def _summarise(parts: np.ndarray, draws: int, names: Sequence[str] = INDICATORS) -> np.ndarray:
    """Statistics (indicator, stat, T) of one area's summed components ``parts`` (D, T, K)
    for the indicators ``names`` (default all of :data:`INDICATORS`, in order): the mean and
    the quantiles of :data:`STATS` over the draws in which the indicator is defined (not
    NaN); NaN where no draw defines it (the retirements of the base year, a ratio with a 0
    denominator in every draw), and the quantiles NaN without draws. A ratio's mean is
    :func:`ratio_of_means` of its numerator and denominator instead (over every draw), its
    quantiles those of the per-draw ratio.

    One quantile call for every column that every draw defines: each column's order
    statistics are its own, so the numbers are those of one call per indicator, whichever
    others are asked for. A column that only some draws define (a ratio in a draw that
    empties a tiny municipality) is summarised over those draws alone, the same way."""
    named, terms = _indicators(parts)
    values = np.stack([named[name] for name in names], axis=1)  # (D, I, T)
    out = np.full((len(names), 1 + len(STATS), values.shape[-1]), np.nan)
    probs = list(STATS.values())
    defined = ~np.isnan(values)
    every = defined.all(axis=0)
    mean, quant = draw_quantiles(np.nan_to_num(values, nan=0.0), probs)
    out[:, 0] = np.where(every, mean, np.nan)
    if draws:
        out[:, 1:] = np.where(every[:, None], np.moveaxis(quant, 0, 1), np.nan)
    for i, t in zip(*np.nonzero(defined.any(axis=0) & ~every), strict=True):
        some_mean, some_quant = draw_quantiles(values[defined[:, i, t], i, t], probs)
        out[i, 0, t] = some_mean
        if draws:
            out[i, 1:, t] = some_quant
    for i, name in enumerate(names):
        if name in terms:
            out[i, 0] = ratio_of_means(*terms[name])
    return out


def _as_named(stats: np.ndarray, names: Sequence[str] = INDICATORS) -> dict[str, np.ndarray]:
    """(area, indicator, stat, T) -> {indicator: (area, stat, T)}."""
    return {name: stats[:, i] for i, name in enumerate(names)}


def _run_labour(
    req: Request,
    rateset: RateSet,
    rates: xr.DataArray,
    ratio: xr.DataArray,
    names: Sequence[str] = INDICATORS,
) -> dict[str, np.ndarray]:
    """Statistics {indicator: (area, stat, T)} over the scope, of the indicators ``names``
    (the draws' quantiles of the others would be thrown away)."""
    la = req.assumptions.labour
    comp = labour_components(rates, ratio, la.retirement_min_age)
    where = {a: i for i, a in enumerate(req.scope.areas)}
    horizon = req.until - req.base_year + 1
    out = np.full((len(where), len(names), 1 + len(STATS), horizon), np.nan)
    for code, parts in engine.run(rateset, req.scope, comp, draws=req.draws, seed=req.seed):
        out[where[code]] = _summarise(parts, req.draws, names)
    return _as_named(out, names)


def _by_age(
    req: Request, rateset: RateSet, rates: xr.DataArray, min_age: int
) -> tuple[np.ndarray, np.ndarray]:
    """Expected employed and retirements by age (area, T, X) from the expected path."""
    where = {a: i for i, a in enumerate(req.scope.areas)}
    horizon = req.until - req.base_year + 1
    employed = np.zeros((len(where), horizon, AGES.size))
    retired = np.full((len(where), horizon, AGES.size), np.nan)

    def components(codes: list[str], pop: np.ndarray) -> np.ndarray:
        both = pop[0].sum(axis=2)  # (n, T, X)
        e = rates.sel(area=codes).transpose("area", "year", "age").values  # (n, T, X)
        w = retirement_weights(e, min_age)
        return np.stack([both * e, both * w], axis=1)  # (n, 2, T, X)

    for code, parts in engine.run(rateset, req.scope, components, draws=0, seed=req.seed):
        employed[where[code]] = parts[0]
        retired[where[code], 1:] = parts[1][1:]
    return employed, retired


def _dataset(req: Request, stats: dict[str, np.ndarray], names: list[str]) -> xr.Dataset:
    """The indicators ``names`` (area, time, statistic) in the contract's layout."""
    years = np.arange(req.base_year, req.until + 1)
    coords = {
        "area": req.scope.areas,
        "time": [_data.year_end(int(y)) for y in years],
        "statistic": list(STATISTICS),
    }
    order = [["mean", *STATS].index(s) for s in STATISTICS]
    dims = ("area", "time", "statistic")
    data = {name: (dims, np.moveaxis(stats[name][:, order], 1, -1)) for name in names}
    return xr.Dataset(data, coords=coords)


#: How the ratios' statistics are formed (the ``ratio_statistics`` attr of a labour supply).
RATIO_STATISTICS = (
    "dependency ratios: mean = mean over the draws of the numerator / mean of the "
    "denominator (E[A]/E[B], the ratio of totals: the ratio of the published mean counts, "
    "e.g. (population - employed) / employed); lo80, hi80, lo95, hi95 = quantiles of the "
    "per-draw ratio over the draws whose denominator is not 0"
)


def _stamp(cubes: _data.Cubes, ds: xr.Dataset, req: Request, what: str, **extra: str) -> xr.Dataset:
    names = (*LABOUR_CUBES, *input_cubes(req.base_year))
    return stamp_output(
        cubes, ds, req, names, units="persons (ratios: per person)", method=what, **extra
    )


def _prepare(
    cubes: _data.Cubes,
    req: Request,
    rateset: RateSet | LabourRates | None = None,
    names: Sequence[str] = INDICATORS,
) -> tuple[RateSet, xr.DataArray, dict[str, np.ndarray]]:
    """Rates, employment rates by age and the statistics of the indicators ``names`` of
    ``req``; ``rateset`` is :func:`estimate_rates` of ``req`` when the caller has it
    (checked, not recomputed)."""
    rateset, rates, ratio = _prepare_rates(cubes, req, rateset)
    return rateset, rates, _run_labour(req, rateset, rates, ratio, names)


@dataclass(frozen=True)
class LabourRates:
    """What a labour projection reads besides the population draws, for every municipality
    of ``rateset`` (:func:`labour_rates`): the same for every scope and area of a request's
    years and assumptions, so a caller projecting many areas prepares it once.

    Attributes
    ----------
    rateset
        The demography's rates (:func:`~forecasting.demography.rates.estimate_rates`).
    employment
        Employment rates (area, year, age) with the participation trends.
    force_ratio
        Labour force per employed resident (area,).
    """

    rateset: RateSet
    employment: xr.DataArray
    force_ratio: xr.DataArray


def labour_rates(
    cubes: _data.Cubes,
    *,
    base_year: int | None = None,
    until: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
    rateset: RateSet | None = None,
) -> LabourRates:
    """The :class:`LabourRates` of a request with these years and assumptions (any scope,
    area, draws and seed): pass them as ``rateset=`` to :func:`labour_supply`,
    :func:`retirements`, :func:`labour_supply_part` or :func:`labour_by_age` to skip their
    preparation (the numbers are the same). ``rateset``: :func:`estimate_rates` of the same
    request when the caller has it (checked, not recomputed)."""
    req = validate_request(
        cubes, base_year, until, "national", geography.COUNTRY, 0, None, assumptions
    )
    return LabourRates(*_prepare_rates(cubes, req, rateset))


def _prepare_rates(
    cubes: _data.Cubes, req: Request, rateset: RateSet | LabourRates | None = None
) -> tuple[RateSet, xr.DataArray, xr.DataArray]:
    """Rates, employment rates (area, year, age) and labour force per employed (area,);
    ``rateset`` as :class:`LabourRates` is returned as it is (checked against ``req``)."""
    prepared: LabourRates | None = None
    given: RateSet | None = None
    if isinstance(rateset, LabourRates):
        prepared, given = rateset, rateset.rateset
    else:
        given = rateset
    if given is None:
        found = estimate_rates(cubes, req.base_year, req.until, req.assumptions)
    elif (given.base_year, given.until) != (req.base_year, req.until) or (
        given.assumptions != req.assumptions
    ):
        raise ValidationError(
            "rateset", f"estimated for {given.base_year}..{given.until} with other "
            f"assumptions or years than the request ({req.base_year}..{req.until})"
        )  # fmt: skip
    else:
        found = given
    if prepared is not None:
        return found, prepared.employment, prepared.force_ratio
    la = req.assumptions.labour
    fixed = employment_rates(cubes, found.codes, la)
    years = np.arange(req.base_year, req.until + 1)
    rates = cohort_rates(fixed, years, la)
    base_rates = rates.isel(year=0).sel(area=found.codes).values
    ratio, anchor = labour_force_anchor(
        cubes, found.codes, req.base_year, found.population, base_rates
    )
    trend = participation_factor(cubes, found.codes, anchor, years, la)
    trend = trend * municipal_participation(
        cubes, found.codes, anchor, years, found.population, req.base_year,
        fixed.sel(area=found.codes).values, la,
    )  # fmt: skip
    rates = (rates * trend).clip(0.0, 1.0).transpose("area", "year", "age")
    return found, rates, ratio


def labour_supply(
    cubes: _data.Cubes,
    *,
    base_year: int | None = None,
    until: int | None = None,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    draws: int = 1000,
    seed: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
    rateset: RateSet | LabourRates | None = None,
) -> xr.Dataset:
    """Projected labour supply by municipality and year, with intervals.

    Same parameters as :func:`forecasting.demography.project_population`; ``cubes`` also
    holds :data:`forecasting.demography._data.LABOUR_CUBES`.

    Returns
    -------
    Dataset with the indicators (area, time, statistic; ``statistic`` the contract's ``mean,
    lo80, hi80, lo95, hi95``) ``population, working_age_15_64, working_age_20_69, employed,
    labour_force, demographic_dependency_ratio, economic_dependency_ratio`` (persons on
    31.12.; ratios per person), and ``employed_by_age`` (area, time, age), the expected
    employed residents. ``rateset``: :func:`estimate_rates` of the same request, or its
    :func:`labour_rates`, when the caller has it (checked, not recomputed).
    """
    req = validate_request(cubes, base_year, until, scope, area, draws, seed, assumptions)
    rateset, rates, stats = _prepare(cubes, req, rateset, SUPPLY)
    employed, _ = _by_age(req, rateset, rates, req.assumptions.labour.retirement_min_age)
    return _supply_dataset(cubes, req, stats, employed)


#: The indicators of :func:`retirements` (besides ``retirements_by_age``).
RETIREMENTS = ["retirements", "employed"]
#: The indicators of :func:`labour_supply` (besides ``employed_by_age``).
SUPPLY = ["population", "working_age_15_64", "working_age_20_69", "employed", "labour_force",
          "demographic_dependency_ratio", "economic_dependency_ratio"]  # fmt: skip


def _supply_dataset(
    cubes: _data.Cubes, req: Request, stats: dict[str, np.ndarray], employed: np.ndarray
) -> xr.Dataset:
    ds = _dataset(req, stats, SUPPLY)
    ds["employed_by_age"] = (("area", "time", "age"), employed)
    ds = ds.assign_coords(age=AGES)
    return _stamp(
        cubes, ds, req, "employment rates by age times the projected population",
        ratio_statistics=RATIO_STATISTICS,
    )  # fmt: skip


def retirements(
    cubes: _data.Cubes,
    *,
    base_year: int | None = None,
    until: int | None = None,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    draws: int = 1000,
    seed: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
    rateset: RateSet | LabourRates | None = None,
) -> xr.Dataset:
    """Projected retirements (exits from employment with age) per municipality and year.

    Same parameters as :func:`forecasting.demography.project_population`; ``cubes`` also
    holds :data:`forecasting.demography._data.LABOUR_CUBES`.

    Returns
    -------
    Dataset with ``retirements`` (area, time, statistic; the contract's ``mean, lo80, hi80,
    lo95, hi95``): persons leaving employment during the year (NaN in the base year),
    ``retirements_by_age`` (area, time, age) expected, and ``employed`` (area, time, statistic)
    for context. The base of replacement demand. ``rateset`` is
    :func:`~forecasting.demography.rates.estimate_rates` of the same ``cubes``, years and
    assumptions, or its :func:`labour_rates`, when the caller already has it (a release
    prepares them once for all areas).
    """
    req = validate_request(cubes, base_year, until, scope, area, draws, seed, assumptions)
    rateset, rates, stats = _prepare(cubes, req, rateset, RETIREMENTS)
    ds = _dataset(req, stats, RETIREMENTS)
    _, retired = _by_age(req, rateset, rates, req.assumptions.labour.retirement_min_age)
    ds["retirements_by_age"] = (("area", "time", "age"), retired)
    ds = ds.assign_coords(age=AGES)
    return _stamp(cubes, ds, req, "exits from employment as employment rates fall with age")


# -- labour supply in parts (a release maps them over workers) ---------------------------------
#: Components that are sums of whole persons (float64 whole numbers: exact in any grouping)
#: and the fractional ones (employment rates times persons), whose aggregate sums depend on
#: the order of the additions.
FRACTIONAL = ("employed", "labour_force", "retirements")
WHOLE = [i for i, c in enumerate(COMPONENTS) if c not in FRACTIONAL]
EMPLOYED, FORCE, RETIRED = (COMPONENTS.index(c) for c in FRACTIONAL)


def labour_supply_part(
    cubes: _data.Cubes,
    *,
    part: int,
    parts: int,
    base_year: int | None = None,
    until: int | None = None,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    draws: int = 1000,
    seed: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
    rateset: RateSet | LabourRates | None = None,
) -> xr.Dataset:
    """Part ``part`` of ``parts`` of the indicator statistics of :func:`labour_supply` (same
    other parameters); :func:`combine_labour_parts` joins them, with :func:`labour_by_age`,
    into the very numbers of one :func:`labour_supply` call.

    The part simulates its runs of whole kernel calls
    (:func:`~forecasting.demography.projection.part_calls`), exactly the calls of the whole
    run (draws are seeded per draw and municipality). It returns ``stats`` (done, indicator,
    stat, year) of its municipalities and of the aggregates wholly inside it, and for every
    other aggregate ``partial_sums`` (partial, draw, year, component): its members' component
    sums in the engine's order. The whole-person components add up exactly in any grouping;
    the fractional ones (employed, labour force, retirements) are floating-point sums whose
    bits depend on the order, so for the members of an aggregate that began in an earlier
    part the part also returns ``member_values`` (member, draw, year, pair: employed and
    retirements) and ``member_ratio`` (labour force per employed), and the combine continues
    the aggregate's sum member by member in the engine's order, as the whole run adds them.

    Raises
    ------
    ValidationError
        A parameter is out of range, ``draws=0`` with several parts (the expected path's
        persons are fractional too), or ``rateset`` does not match the request.
    """
    req = validate_request(cubes, base_year, until, scope, area, draws, seed, assumptions)
    calls = part_calls(req, part, parts)
    rateset, rates, ratio = _prepare_rates(cubes, req, rateset)
    accumulator = LabourPart(req, calls, rates, ratio)
    simulate_part(rateset, req, calls, accumulator)
    return accumulator.finish().assign_attrs(part=part, parts=parts)


class LabourPart:
    """The indicator statistics of one part of a labour supply
    (:func:`labour_supply_part`) from the population draws of its kernel calls, fed in the
    engine's order with :meth:`add` (the draws are only read).

    Parameters
    ----------
    req
        The validated request.
    calls
        The part's kernel calls (:func:`~forecasting.demography.projection.part_calls`).
    rates, ratio
        Employment rates (area, year, age) and labour force per employed (area,), as
        :func:`_prepare_rates` gives them.
    """

    def __init__(
        self, req: Request, calls: list[list[str]], rates: xr.DataArray, ratio: xr.DataArray
    ):
        self.req, self.ratio = req, ratio
        self.comp = labour_components(rates, ratio, req.assumptions.labour.retirement_min_age)
        self.mine = {c for call in calls for c in call}
        order = {c: i for i, c in enumerate(c for call in engine.chunks(req.scope) for c in call)}
        self.member_of = req.scope.member_of()
        # aggregates of this part that began in an earlier one: their members' values go out
        self.continued = {
            agg
            for agg, members in req.scope.aggregates.items()
            if self.mine & set(members) and min(members, key=order.__getitem__) not in self.mine
        }
        self.done: dict[str, np.ndarray] = {}
        self.sums: dict[str, np.ndarray] = {}
        self.counts: dict[str, int] = {}
        self.shipped: dict[str, np.ndarray] = {}

    def add(self, codes: list[str], pop: np.ndarray) -> None:
        """Take the draws ``pop`` (D, n, T, 2, X) of the municipalities ``codes``."""
        values = self.comp(codes, pop)
        for code, mine_values in zip(codes, values, strict=True):
            self.done[code] = _summarise(mine_values, self.req.draws)
            for agg in self.member_of.get(code, []):
                engine.accumulate(self.sums, agg, mine_values)
                self.counts[agg] = self.counts.get(agg, 0) + 1
            if self.continued.intersection(self.member_of.get(code, [])):
                self.shipped[code] = mine_values[..., [EMPLOYED, RETIRED]]

    def finish(self) -> xr.Dataset:
        """``stats``, ``partial_sums``, ``members``, ``member_values`` and ``member_ratio``
        of the part (see :func:`labour_supply_part`)."""
        req, done, sums, shipped = self.req, self.done, self.sums, self.shipped
        for agg in [a for a in sums if set(req.scope.aggregates[a]) <= self.mine]:
            done[agg] = _summarise(sums.pop(agg), req.draws)
        horizon = req.until - req.base_year + 1
        shape = (len(INDICATORS), 1 + len(STATS), horizon)
        ds = xr.Dataset(
            {
                "stats": (
                    ("done", "indicator", "stat", "year"),
                    np.stack(list(done.values())) if done else np.empty((0, *shape)),
                )
            },
            coords={"done": list(done), "indicator": list(INDICATORS)},
        )
        if sums:
            ds["partial_sums"] = (
                ("partial", "draw", "year", "component"),
                np.stack(list(sums.values())),
            )
            ds["members"] = ("partial", np.array([self.counts[a] for a in sums], dtype=np.int64))
            ds = ds.assign_coords(partial=list(sums), component=list(COMPONENTS))
        if shipped:
            ds["member_values"] = (
                ("member", "draw", "year", "pair"),
                np.stack(list(shipped.values())),
            )
            ds["member_ratio"] = (
                "member",
                self.ratio.sel(area=list(shipped)).values.astype(np.float64),
            )
            ds = ds.assign_coords(member=list(shipped), pair=["employed", "retirements"])
        return ds


def demography_part(
    cubes: _data.Cubes,
    *,
    part: int,
    parts: int,
    base_year: int | None = None,
    until: int | None = None,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    draws: int = 1000,
    seed: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
    rateset: RateSet | LabourRates | None = None,
) -> tuple[xr.Dataset, xr.Dataset]:
    """Part ``part`` of ``parts`` of a population projection and of its labour supply from
    one simulation: ``(population part, labour part)``, the numbers of
    :func:`~forecasting.demography.projection.project_population_part` and
    :func:`labour_supply_part` of the same request (same other parameters), whose kernel
    calls draw the same population. So the labour supply is computed from the very draws of
    the projection (its ``population`` indicator is the projection's total over sex and
    age), and the kernel runs once instead of twice.

    Raises
    ------
    ValidationError
        As :func:`labour_supply_part`.
    """
    req = validate_request(cubes, base_year, until, scope, area, draws, seed, assumptions)
    calls = part_calls(req, part, parts)
    rateset, rates, ratio = _prepare_rates(cubes, req, rateset)
    population = PopulationPart(req, calls)
    labour = LabourPart(req, calls, rates, ratio)
    simulate_part(rateset, req, calls, population, labour)
    attrs = {"part": part, "parts": parts}
    return population.finish().assign_attrs(attrs), labour.finish().assign_attrs(attrs)


def labour_by_age(
    cubes: _data.Cubes,
    *,
    base_year: int | None = None,
    until: int | None = None,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    draws: int = 1000,
    seed: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
    rateset: RateSet | LabourRates | None = None,
) -> xr.Dataset:
    """``employed_by_age`` (area, year, age) of :func:`labour_supply` (the expected path; the
    same parameters), the unit of a release that runs beside the parts."""
    req = validate_request(cubes, base_year, until, scope, area, draws, seed, assumptions)
    rateset, rates, _ = _prepare_rates(cubes, req, rateset)
    employed, _ = _by_age(req, rateset, rates, req.assumptions.labour.retirement_min_age)
    years = np.arange(req.base_year, req.until + 1)
    return xr.Dataset(
        {"employed_by_age": (("area", "year", "age"), employed)},
        coords={"area": req.scope.areas, "year": years, "age": AGES},
    )


def combine_labour_parts(
    cubes: _data.Cubes,
    parts: list[xr.Dataset],
    by_age: xr.Dataset,
    *,
    base_year: int | None = None,
    until: int | None = None,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    draws: int = 1000,
    seed: int | None = None,
    assumptions: DemographyAssumptions | dict | None = None,
) -> xr.Dataset:
    """:func:`labour_supply` from every part of :func:`labour_supply_part` and
    :func:`labour_by_age` (the same parameters): identical to the whole run.

    Raises
    ------
    ValidationError
        When an area is missing, or an aggregate's sums miss members.
    """
    req = validate_request(cubes, base_year, until, scope, area, draws, seed, assumptions)
    where = {a: i for i, a in enumerate(req.scope.areas)}
    horizon = req.until - req.base_year + 1
    out = np.full((len(where), len(INDICATORS), 1 + len(STATS), horizon), np.nan)
    filled: set[str] = set()
    sums: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for ds in sorted(parts, key=lambda d: int(d.attrs["part"])):
        # in the part's own layout (a release step transposes to the contract's dim order)
        done = ds["stats"].transpose("done", "indicator", "stat", "year")
        if list(map(str, done["indicator"].values)) != list(INDICATORS):
            raise ValidationError("parts", "indicators differ from this version's")
        for code, stats in zip(map(str, ds["done"].values), done.values, strict=True):
            out[where[code]] = stats
            filled.add(code)
        if "partial_sums" not in ds:
            continue
        partial = ds["partial_sums"].transpose("partial", "draw", "year", "component").values
        members: list[str] = []
        if "member_values" in ds:
            values = ds["member_values"].transpose("member", "draw", "year", "pair").values
            ratio = ds["member_ratio"].values
            members = list(map(str, ds["member"].values))
        for i, agg in enumerate(map(str, ds["partial"].values)):
            if agg not in sums:  # the aggregate's first part: its sum in the engine's order
                sums[agg] = partial[i].copy()
            else:
                total = sums[agg]
                total[..., WHOLE] = total[..., WHOLE] + partial[i][..., WHOLE]
                of_agg = set(req.scope.aggregates[agg])
                for j in (j for j, code in enumerate(members) if code in of_agg):
                    employed = values[j, ..., 0]
                    total[..., EMPLOYED] = total[..., EMPLOYED] + employed
                    total[..., FORCE] = total[..., FORCE] + employed * ratio[j]
                    total[..., RETIRED] = total[..., RETIRED] + values[j, ..., 1]
            counts[agg] = counts.get(agg, 0) + int(ds["members"].values[i])
    for agg, total in sums.items():
        if counts[agg] != len(req.scope.aggregates[agg]):
            raise ValidationError("parts", f"{agg}: {counts[agg]} members in the parts")
        out[where[agg]] = _summarise(total, req.draws)
        filled.add(agg)
    missing = [a for a in req.scope.areas if a not in filled]
    if missing:
        raise ValidationError("parts", f"no part holds {missing[:5]}")
    employed_by_age = by_age["employed_by_age"].transpose("area", "year", "age")
    return _supply_dataset(
        cubes, req, _as_named(out), employed_by_age.sel(area=req.scope.areas).values
    )
