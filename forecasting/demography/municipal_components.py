"""Municipal net migration by component: domestic and international, levels from the base year.

The municipal projection (:mod:`.rates`) carries one level ``M`` of total net migration per
municipality (:mod:`.migration`). With ``MigrationAssumption(components=True)`` that level is
the sum of two components, each estimated from data up to the base year only:

- **history** per municipality and year (rates per resident of 1 January), 2001 .. base year:
  the total ``T_mt`` implied by the population totals (:func:`migration.implied_rates`), less
  the drift of the region's natural increase since then (:func:`natural_drift`);
  domestic net ``D_mt`` = muutl in- minus out-migration (1990-2017) or, for 2025, 121w
  ``net_migration_municipal``; international ``I_mt = T_mt - D_mt``. Years without a
  domestic figure (2018-2024) split the total by the municipality's share ``s_m`` of the
  country's net international migration ``N_t`` (``regional_demography`` SSS, where
  domestic moves cancel): ``I_mt = s_m N_t / P_m``, ``D_mt = T_mt - I_mt``; ``s_m`` is pooled
  over the last :data:`SHARE_YEARS` years with both figures;
- **levels**: domestic ``recent_weight * mean(D, window) + (1 - recent_weight) * mean(D)``
  (the whole history from ``history_from``); international ``s_m`` times the same blend of
  ``N_t``, over the base population. The level is per resident a year, like ``M``.

``component_window`` 3 and ``recent_weight`` 0.25 were chosen on the tuning origins
2006-2013, six years ahead (targets up to 2019, ``benchmarks/eval_population_components.py
--tune``); the evaluation base 2019 -> 2025 was run after that choice.

Age and sex: both components enter the kernel through ``M`` with the regional age pattern
``rho`` and the spread ``g`` of :mod:`.migration` (the kernel's form is unchanged); the gross
flows by age and sex are not in the cubes for municipalities (muutl has totals only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from forecasting import geography
from forecasting.demography import _data
from forecasting.errors import DataError

#: Years (with both the total and the domestic figure) pooled for the international share.
SHARE_YEARS = 5


@dataclass(frozen=True)
class MunicipalComponents:
    """Net migration rates by component (area, year), per resident of 1 January."""

    total: xr.DataArray
    domestic: xr.DataArray
    international: xr.DataArray
    observed: xr.DataArray  # (year,) bool: domestic from muutl/121w (True) or by share
    share: xr.DataArray  # (area,) share of the country's net international migration
    national: xr.DataArray  # (year,) the country's net international migration, persons
    population: xr.DataArray  # (area, year) population of 1 January


def domestic_net(cubes: _data.Cubes, codes: list[str], years: list[int]) -> xr.DataArray:
    """Net domestic migration in persons (area, year), NaN where no cube has the year.

    muutl (``migration``) for its years, 121w (``population_change``
    ``net_migration_municipal``) for its years (2025); municipalities a cube lacks are NaN.
    """
    out = xr.DataArray(
        np.full((len(codes), len(years)), np.nan), dims=("area", "year"),
        coords={"area": codes, "year": years},
    )  # fmt: skip
    sources = (("migration", "net_migration"), ("population_change", "net_migration_municipal"))
    for name, var in sources:
        if not _data.has(cubes, name) or var not in cubes[name]:
            continue
        da = _data.by_year(cubes[name][var]).reindex(area=codes)
        have = [y for y in years if y in da["year"].values]
        if have:
            out.loc[{"year": have}] = da.sel(year=have).transpose("area", "year").values
    return out


def natural_drift(
    cubes: _data.Cubes, codes: list[str], years: list[int], last: int
) -> xr.DataArray:
    """The region's natural increase rate of each year minus that of ``last`` (area, year),
    per municipality: ``(P_t - P_{t-1} - net_t) / P_{t-1}`` of its region
    (``regional_demography``, where net migration is published).

    The implied history (:func:`migration.implied_rates`) subtracts the natural rate of the
    first projection year from every year's growth; births exceeded deaths by more in the
    2000s than in 2019, so without this drift the history overstates migration (summed over
    the municipalities by 10,000-20,000 a year against the country's net migration).
    """
    reg = _data.cube(cubes, "regional_demography", "migration by component")
    region_of = geography.municipalities()["region"]
    regions = sorted({str(region_of[c]) for c in codes})
    pop = _data.by_year(reg["population"]).sel(area=regions).sum(("sex", "age"))
    net = _data.by_year(reg["net_migration"]).sel(area=regions)
    span = sorted({*years, last})
    before = pop.sel(year=[y - 1 for y in span]).assign_coords(year=span)
    rate = (pop.sel(year=span) - before - net.sel(year=span)) / before
    if bool(rate.isnull().any()):
        raise DataError(f"regional population or migration missing in {span}",
                        source="regional_demography")  # fmt: skip
    drift = (rate - rate.sel(year=last)).sel(year=years)
    keys = [str(region_of[c]) for c in codes]
    return drift.sel(area=keys).assign_coords(area=codes).transpose("area", "year")


def history(
    cubes: _data.Cubes, total: xr.DataArray, base_year: int, first: int
) -> MunicipalComponents:
    """Split the implied total rates ``total`` (area, year) ``first`` .. ``base_year``, after
    removing the drift of the natural increase (:func:`natural_drift`).

    Raises
    ------
    DataError
        No year with a domestic figure up to the base year, or no national series.
    """
    years = list(range(first, base_year + 1))
    codes = [str(c) for c in total["area"].values]
    drift = natural_drift(cubes, codes, years, base_year)
    return split(cubes, total.sel(year=years) - drift, base_year, first)


def split(
    cubes: _data.Cubes, total: xr.DataArray, base_year: int, first: int
) -> MunicipalComponents:
    """Split net migration rates ``total`` (area, year) ``first`` .. ``base_year`` as they are
    (:func:`history` without the drift; see the module docstring).

    Raises
    ------
    DataError
        No year with a domestic figure up to the base year, or no national series.
    """
    years = list(range(first, base_year + 1))
    codes = [str(c) for c in total["area"].values]
    tot = total.sel(year=years)
    pops = _data.by_year(_data.cube(cubes, "population_totals")["population"]).sel(area=codes)
    logs = xr.apply_ufunc(np.log, pops.where(pops > 0)).interpolate_na("year", method="linear")
    start = np.exp(logs.reindex(year=[y - 1 for y in years])).assign_coords(year=years)
    reg = _data.cube(cubes, "regional_demography", "migration by component")
    national = _data.by_year(reg["net_migration"]).sel(area=geography.COUNTRY)
    national = national.reindex(year=years)
    if bool(national.isnull().any()):
        raise DataError(f"national net migration missing in {years}", source="regional_demography")
    dom = domestic_net(cubes, codes, years) / start
    observed = dom.notnull().all("area")
    split = [y for y, ok in zip(years, observed.values, strict=True) if ok]
    if not split:
        raise DataError(f"no domestic migration in {first}..{base_year}", source="migration")
    pooled = split[-SHARE_YEARS:]
    intl_persons = ((tot - dom) * start).sel(year=pooled).sum("year")
    share = intl_persons / float(national.sel(year=pooled).sum())
    by_share = share * national / start
    intl = (tot - dom).where(observed, by_share)
    dom = tot - intl
    return MunicipalComponents(tot, dom, intl, observed, share, national, start)


def blend(series: xr.DataArray, window: int, recent_weight: float) -> xr.DataArray:
    """``recent_weight`` x the mean of the last ``window`` years + the rest x the whole mean."""
    recent = series.isel(year=slice(-window, None)).mean("year")
    return recent_weight * recent + (1.0 - recent_weight) * series.mean("year")


def levels(
    comp: MunicipalComponents, population: np.ndarray, window: int, recent_weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """Domestic and international levels (A,), rates per resident a year.

    ``population`` (A,) is the base population (31.12. of the base year): the international
    level is the municipality's share of the blended national level over it.
    """
    domestic = blend(comp.domestic, window, recent_weight).values
    national = float(blend(comp.national, window, recent_weight))
    international = comp.share.values * national / np.maximum(population, 1.0)
    return domestic, international
