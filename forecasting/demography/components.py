"""Migration by component for the regions: domestic and international, with age-sex schedules.

What the cubes hold, and what is estimated from it:

- ``regional_demography``: total net migration per region and year (1990-) and by sex and
  single age; for the country (``SSS``) domestic moves cancel, so its net migration is the
  net *international* migration ``N_t``, by sex and age too;
- ``migration`` (muutl, 1990-2017): domestic in- and out-migration per municipality. Summed
  over a region's municipalities the *net* is the region's net domestic migration (moves
  between municipalities of the same region cancel); the gross sums include those moves and
  are not the region's gross flows, so gross domestic flows are not used;
- ``population_change`` (121w, 2025 only): domestic in/out, immigration, emigration per
  municipality and region.

Estimated per region ``r`` and year ``t`` up to the base year:

- net domestic ``D_rt``: the muutl sum (1991-2017); the region's net international ``I_rt =
  total_rt - D_rt``; its share of the country's ``s_rt = I_rt / N_t``;
- years without muutl (2018-): ``I_rt = s_r N_t`` with ``s_r`` the share pooled over the
  last five muutl years (or the 121w share of 2025 for that year), ``D_rt = total_rt - I_rt``;
- the international age-sex schedule: the country's net migration by sex and age pooled over
  the window (negatives clipped, normalised to 1): who arrives from abroad;
- the domestic age-sex rates of a region: its net migration by age minus its share of the
  international schedule, over its population, pooled over the window.

Levels (rates per resident of 1 January): each component blends the mean of the recent
``window`` years with the mean of its whole history since 1991 (weight ``recent_weight`` on
the recent window); the international level is the region's share of the country's blended
level. Uncertainty per component: the sd of the residuals of a linear trend through its
history (``sigma``), shrunk towards the median over the regions when the history is short
(``prior_years`` pseudo-years of the pooled value), with the level's own sd from
rolling-origin errors of the same blend (:func:`level_ratio`); the two components are
independent, so their variances add.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from forecasting import geography
from forecasting.demography import _data, migration

FIRST_YEAR = 1991
#: Years pooled for a region's share of the country's immigration after the muutl years.
SHARE_YEARS = 5


@dataclass(frozen=True)
class ComponentHistory:
    """Net migration by component (area, year) in persons, 1991 .. base year."""

    domestic: xr.DataArray
    international: xr.DataArray
    national: xr.DataArray  # (year,) the country's net international migration
    population: xr.DataArray  # (area, year) population of 1 January (31.12. of year - 1)
    observed_split: xr.DataArray  # (year,) bool: domestic from muutl (True) or by share


@dataclass(frozen=True)
class ComponentLevels:
    """Levels and uncertainty of each component, rates per resident a year (area,)."""

    domestic: np.ndarray
    international: np.ndarray
    sigma_domestic: np.ndarray
    sigma_international: np.ndarray
    level_sd_domestic: np.ndarray
    level_sd_international: np.ndarray
    phi: float

    @property
    def level(self) -> np.ndarray:
        return self.domestic + self.international

    @property
    def sigma(self) -> np.ndarray:
        return np.sqrt(self.sigma_domestic**2 + self.sigma_international**2)

    @property
    def level_sd(self) -> np.ndarray:
        return np.sqrt(self.level_sd_domestic**2 + self.level_sd_international**2)


def history(cubes: _data.Cubes, regions: list[str], base_year: int) -> ComponentHistory:
    """Split each region's net migration 1991 .. ``base_year`` into domestic and international."""
    reg = _data.cube(cubes, "regional_demography", "migration by component")
    years = np.arange(FIRST_YEAR, base_year + 1)
    total = _data.by_year(reg["net_migration"]).sel(area=regions, year=years)
    national = _data.by_year(reg["net_migration"]).sel(area=geography.COUNTRY, year=years)
    pop = _data.by_year(reg["population"]).sel(area=regions).sum(("sex", "age"))
    start = pop.sel(year=years - 1).assign_coords(year=years)
    domestic = xr.full_like(total, np.nan)
    if _data.has(cubes, "migration"):
        muni = _data.by_year(_data.cube(cubes, "migration")["net_migration"])
        region_of = geography.municipalities()["region"]
        codes = [str(c) for c in muni["area"].values if str(c) in region_of.index]
        keys = xr.DataArray([region_of[c] for c in codes], dims="area", coords={"area": codes})
        summed = muni.sel(area=codes).groupby(keys.rename("region")).sum("area")
        summed = summed.rename(region="area").reindex(area=regions)
        have = [int(y) for y in summed["year"].values if FIRST_YEAR <= y <= base_year]
        domestic.loc[{"year": have}] = summed.sel(year=have).transpose(*domestic.dims)
    observed = domestic.notnull().all("area")
    international = total - domestic
    split_years = years[observed.values]
    if split_years.size:
        last = split_years[-SHARE_YEARS:]
        share = international.sel(year=last).sum("year") / national.sel(year=last).sum()
    else:  # no muutl years before the base: the region's share of the population
        country = _data.by_year(reg["population"]).sel(area=geography.COUNTRY).sum(("sex", "age"))
        share = start.isel(year=-1) / float(country.sel(year=base_year - 1))
    filled = share * national
    if _data.has(cubes, "population_change"):
        change = _data.by_year(_data.cube(cubes, "population_change")["net_immigration"])
        for y in [int(v) for v in change["year"].values if v in years]:
            net = change.sel(year=y).reindex(area=regions)
            arrivals = float(change.sel(year=y, area=geography.COUNTRY))
            if bool(net.notnull().all()) and arrivals != 0:
                filled.loc[{"year": y}] = net * float(national.sel(year=y)) / arrivals
    international = international.where(observed, filled)
    domestic = total - international
    return ComponentHistory(
        domestic.transpose("area", "year"),
        international.transpose("area", "year"),
        national,
        start.transpose("area", "year"),
        observed,
    )


def long_history(
    reg: xr.Dataset, national_mortality: xr.Dataset, regions: list[str], last: int
) -> np.ndarray:
    """Total net migration rate (A, T) of the regions 1973 .. ``last``, the longest history.

    Before 1991 (no published components) by cohort accounting from the single ages:
    ``sum_x P_{x+1}(t+1) - P_x(t) (1 - q_x)`` over ages 0..99 and the open group, ``q`` the
    earliest national death rates (1990; earlier mortality was higher, so these years'
    migration is biased upwards by a smooth trend, which the detrending in the uncertainty
    removes); from 1991 the published net migration. Per resident of 1 January.
    """
    pop = _data.by_year(reg["population"]).sel(area=regions).transpose("area", "year", "sex", "age")
    m = _data.by_year(national_mortality["death_rate"]).isel(year=0).transpose("sex", "age").values
    q = -np.expm1(-m)
    years = [int(y) for y in pop["year"].values]
    values = pop.values
    net = _data.by_year(reg["net_migration"]).sel(area=regions)
    out = []
    for t in range(1, len(years)):
        year = years[t]
        if year > last:
            break
        start = values[:, t - 1]
        if year >= FIRST_YEAR:
            moved = net.sel(year=year).values
        else:
            surv = start * (1 - q)
            moved = values[:, t][:, :, 1:].sum(axis=(1, 2)) - surv.sum(axis=(1, 2))
        out.append(moved / start.sum(axis=(1, 2)))
    return np.stack(out, axis=1)


def blend(series: np.ndarray, window: int, recent_weight: float) -> np.ndarray:
    """Blended level of rows of ``series`` (..., T): recent window mean and whole-history mean."""
    recent = series[..., -window:].mean(axis=-1)
    return recent_weight * recent + (1.0 - recent_weight) * series.mean(axis=-1)


def level_ratio(z: np.ndarray, window: int, recent_weight: float, max_h: int = 10) -> float:
    """``lambda`` of ``V_h = h + lambda h^2`` from rolling-origin errors of :func:`blend`.

    ``z`` (A, T) is each area's history divided by its sigma; for every origin with at least
    ``window`` years before it the blend of the years so far forecasts the next ``h`` years'
    sum; ``lambda`` is the least-squares fit over ``h``, at least ``1 / window``.
    """
    return migration.fit_level_ratio(
        z, window, lambda past: blend(past, window, recent_weight), max_h
    )


def _sigma(rates: np.ndarray, prior_years: float) -> tuple[np.ndarray, np.ndarray]:
    """Sd of linear-trend residuals per row (A, T), shrunk to the median; and the residuals."""
    t = np.arange(rates.shape[1], dtype=float)
    coef = np.polyfit(t, rates.T, 1)
    resid = rates - (coef[0][:, None] * t + coef[1][:, None])
    dof = max(rates.shape[1] - 2, 1)
    var = (resid**2).sum(axis=1) / dof
    pooled = float(np.median(var))
    shrunk = (dof * var + prior_years * pooled) / (dof + prior_years)
    return np.sqrt(shrunk), resid


def levels(
    hist: ComponentHistory, window: int, recent_weight: float, prior_years: float = 10.0,
    long: np.ndarray | None = None,
) -> ComponentLevels:  # fmt: skip
    """Blended levels and uncertainty of both components (see the module docstring).

    ``long`` (A, T): the longest total history (:func:`long_history`); when given, the
    level's variance ratio comes from it (pooled over the regions) for both components,
    instead of from each component's own history since 1991, and the yearly sd of the total
    is its sd (split between the components in proportion to their own variances).
    """
    pop = hist.population.values
    dom = hist.domestic.values / pop
    intl = hist.international.values / pop
    window = min(window, dom.shape[1])
    nat = hist.national.values
    share = hist.international.values[:, -SHARE_YEARS:].sum(axis=1) / nat[-SHARE_YEARS:].sum()
    nat_level = blend(nat, window, recent_weight)
    int_level = share * nat_level / pop[:, -1]
    lam_long = sd_long = None
    if long is not None:
        sd_long, _ = _sigma(long, prior_years)
        lam_long = level_ratio(long / sd_long[:, None], window, recent_weight)
    out = {}
    resids = []
    for name, rates in (("domestic", dom), ("international", intl)):
        sigma, resid = _sigma(rates, prior_years)
        resids.append(resid)
        ok = sigma > 0
        lam = (
            lam_long
            if lam_long is not None
            else level_ratio(rates[ok] / sigma[ok, None], window, recent_weight)
        )
        out[name] = (sigma, sigma * np.sqrt(lam))
    if sd_long is not None:  # magnitude from the longest history, the split from the components
        factor = sd_long / np.sqrt(out["domestic"][0] ** 2 + out["international"][0] ** 2)
        out = {k: (v[0] * factor, v[1] * factor) for k, v in out.items()}
    both = np.concatenate(resids)
    phi = float(np.clip((both[:, 1:] * both[:, :-1]).sum() / (both**2).sum(), 0.0, 0.9))
    return ComponentLevels(
        domestic=blend(dom, window, recent_weight),
        international=int_level,
        sigma_domestic=out["domestic"][0],
        sigma_international=out["international"][0],
        level_sd_domestic=out["domestic"][1],
        level_sd_international=out["international"][1],
        phi=phi,
    )


def international_schedule(reg: xr.Dataset, base_year: int, window: int) -> xr.DataArray:
    """Age-sex distribution (sex, age) of net immigration: the country's pooled over the window."""
    years = list(range(base_year - window + 1, base_year + 1))
    net = _data.by_year(reg["net_migration_by_age"]).sel(area=geography.COUNTRY, year=years)
    pooled = net.sum("year").clip(min=0.0).transpose("sex", "age")
    total = float(pooled.sum())
    if total <= 0:
        return xr.full_like(pooled, 1.0 / pooled.size)
    return pooled / total


def domestic_rates(
    reg: xr.Dataset, hist: ComponentHistory, regions: list[str], base_year: int, window: int
) -> xr.DataArray:
    """Net domestic migration rates by sex and age (area, sex, age), pooled over the window.

    The region's net migration by age minus its international part (its international net
    of each year times the country's age-sex distribution of that year).
    """
    years = list(range(base_year - window + 1, base_year + 1))
    net = _data.by_year(reg["net_migration_by_age"]).sel(area=regions, year=years).fillna(0.0)
    nat = _data.by_year(reg["net_migration_by_age"]).sel(area=geography.COUNTRY, year=years)
    nat_share = nat / nat.sum(("sex", "age")).where(nat.sum(("sex", "age")) != 0)
    intl = hist.international.sel(year=years) * nat_share.fillna(0.0)
    pop = _data.by_year(reg["population"]).sel(area=regions, year=years)
    rates = (net - intl).sum("year") / pop.sum("year").where(pop.sum("year") > 0)
    return rates.fillna(0.0).transpose("area", "sex", "age")
