"""International migration as its own component: low, base and high immigration variants.

The municipal level of net migration ``M`` (:mod:`.migration`) is the mean implied rate of
the ``window`` years up to the base year: domestic and international together. Splitting it:

- the country's net international migration ``N_t`` is its net migration (the
  ``regional_demography`` cube, area ``SSS``, 1990-), since domestic moves cancel;
- a municipality's share of it ``s_m`` is its share of the country's immigration (gross,
  so shares are positive) in the base year (``population_change`` 121w: ``immigration``);
  its domestic part, ``net_migration_municipal`` of the same cube, is left as it is;
- the international part of ``M`` is ``s_m * mean(N, window) / P_m``; a variant replaces
  the national level by its own ``N_v`` (:func:`national_levels`), so the level moves by
  ``s_m (N_v - mean(N, window)) / P_m`` and the domestic part stays.

National levels ``N_v`` (persons a year), from data only:

- ``low``: the mean of 2015-2019 (before the surge of 2022-2024);
- ``base``: the mean of the ``window`` years up to the base year (what the level already
  holds: the base variant changes nothing);
- ``high``: Statistics Finland's 2024 projection's own net immigration, implied by its
  population (``projection_2024``, SSS) by cohort accounting with the latest national death
  rates (:func:`official_net_migration`), mean of its first ten years; at least ``base``.

Uncertainty per component: the yearly sd of the national series over 2015-2025
(:func:`component_history`), reported with the levels; the projection's own intervals still
come from each municipality's total implied history (:mod:`.migration`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from forecasting import geography
from forecasting.demography import _data
from forecasting.errors import ValidationError

VARIANTS = ("low", "base", "high")
LOW_YEARS = (2015, 2019)
OFFICIAL_YEARS = 10


@dataclass(frozen=True)
class NationalLevels:
    """National net immigration levels (persons a year) and their sources."""

    low: float
    base: float
    high: float
    official: float
    observed_sd: float
    base_years: tuple[int, int]

    def level(self, variant: str) -> float:
        return float(getattr(self, variant))


def national_series(cubes: _data.Cubes) -> xr.DataArray:
    """Net international migration of the country by year (``regional_demography`` SSS)."""
    reg = _data.cube(cubes, "regional_demography", "immigration variants")
    return _data.by_year(reg["net_migration"]).sel(area=geography.COUNTRY).dropna("year")


def official_net_migration(cubes: _data.Cubes) -> xr.DataArray:
    """Net migration implied by the official 2024 projection of the country (year,).

    Cohort accounting: ``sum_x [P_{x+1}(t+1) - P_x(t) (1 - q_x)]`` for ages 0..99 and the
    open age group with its own survivors, ``q`` from the latest national death rates (their
    later improvement is ignored: a small upward bias of the deaths, a downward one of this).
    """
    proj = _data.by_year(_data.cube(cubes, "projection_2024")["population"])
    pop = proj.sel(area=geography.COUNTRY).transpose("year", "sex", "age").values
    rates = _data.by_year(_data.cube(cubes, "national_mortality")["death_rate"])
    m = rates.isel(year=-1).transpose("sex", "age").values
    q = -np.expm1(-m)
    years = proj["year"].values
    out = []
    for t in range(len(years) - 1):
        surv = pop[t] * (1 - q)
        moved = pop[t + 1][:, 1:100].sum() - surv[:, :99].sum()
        moved += pop[t + 1][:, 100].sum() - surv[:, 99:].sum()
        out.append(moved)
    return xr.DataArray(np.array(out), dims="year", coords={"year": years[1:]})


def national_levels(cubes: _data.Cubes, base_year: int, window: int) -> NationalLevels:
    """The levels of the variants (see the module docstring)."""
    series = national_series(cubes)
    have = [int(y) for y in series["year"].values]
    first = base_year - window + 1
    if not {first, base_year} <= set(have):
        raise ValidationError("base_year", f"no national net migration for {first}..{base_year}")
    base = float(series.sel(year=slice(first, base_year)).mean())
    low = float(series.sel(year=slice(*LOW_YEARS)).mean())
    official = float("nan")
    if _data.has(cubes, "projection_2024") and _data.has(cubes, "national_mortality"):
        off = official_net_migration(cubes)
        official = float(off.isel(year=slice(0, OFFICIAL_YEARS)).mean())
    high = max(base, official) if np.isfinite(official) else base
    sd = float(series.sel(year=slice(LOW_YEARS[0], base_year)).std(ddof=1))
    return NationalLevels(min(low, base), base, high, official, sd, (first, base_year))


def municipal_shares(cubes: _data.Cubes, codes: list[str], base_year: int) -> np.ndarray:
    """Each municipality's share (A,) of the country's immigration in ``base_year``."""
    change = _data.cube(cubes, "population_change", "immigration variants")
    net = _data.by_year(change["immigration"])
    if base_year not in net["year"].values:
        raise ValidationError(
            "immigration", f"the cube 'population_change' has no year {base_year}: the "
            "low/high immigration variants need the base year's components",
        )  # fmt: skip
    year = net.sel(year=base_year)
    country = float(year.sel(area=geography.COUNTRY))
    values = np.asarray(year.reindex(area=codes).values, dtype=float)
    return np.where(np.isfinite(values), values, 0.0) / country


def level_shift(
    cubes: _data.Cubes, codes: list[str], population: np.ndarray, base_year: int,
    window: int, variant: str,
) -> np.ndarray:  # fmt: skip
    """Shift (A,) of the net migration rate per resident for ``variant`` (0 for ``base``)."""
    if variant not in VARIANTS:
        raise ValidationError("immigration", f"must be one of {VARIANTS}")
    if variant == "base":
        return np.zeros(len(codes))
    levels = national_levels(cubes, base_year, window)
    shares = municipal_shares(cubes, codes, base_year)
    delta = levels.level(variant) - levels.base
    return shares * delta / np.maximum(population, 1.0)
