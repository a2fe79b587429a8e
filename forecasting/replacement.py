"""Replacement demand: retirements and other exits of the employed, by age and education level.

A clearly separated exit-rate step built on ``employment_by_age_education`` (tyokay 115n/115p,
Etelä-Savo municipalities and Finland, 10-year age bands, 1987..2017) until the demography
module's ``retirements(...)`` can replace it:

1. **Cohort ratios** (:func:`cohort_ratios`): ``c[e, a] = E[a+1, t+10] / E[a, t]`` of employed
   residents (people, not jobs) by education level ``e`` for bands 35-44 -> 45-54 up to
   65-74 -> 75+, averaged over the end years 2013..2017, in a reference area (Etelä-Savo MK10;
   Finland for areas outside it). A band's members are on average 5 years into it, so ``c``
   measures the net survival in employment over ages ``a_lo + 5 .. a_lo + 14``; each of those
   single ages gets the yearly continuation ``c ** (1/10)`` (ages below 40 keep 1: their net
   flows are inflows; ages 80+ exit). Net exits thus cover retirement and other exits
   (disability, long unemployment, out-migration) net of re-entries.
2. **Ageing** (:func:`replacement_path`): the municipality's jobs (by workplace) of 2017 by
   education and band are spread uniformly over single ages and aged year by year with
   :func:`models.shiftshare.age_stock_path`; exits are replacement demand; entrants (ages 20-34,
   with the education mix of the 25-34 year-olds of 2017) fill the projected job totals.

Industry detail: the age structure is known by municipality, not by industry, so replacement
demand is shared over industries in proportion to their jobs (a stated shortfall).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import xarray as xr

from forecasting import geography, snapshot
from forecasting.errors import DataError
from models import shiftshare

EDUCATION_LEVELS = ("basic_or_none", "upper_secondary", "lower_tertiary", "higher_tertiary")
BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
BAND_AGES = {
    "18-24": (18, 24),
    "25-34": (25, 34),
    "35-44": (35, 44),
    "45-54": (45, 54),
    "55-64": (55, 64),
    "65-74": (65, 74),
    "75+": (75, 79),
}
AGES = np.arange(15, 81)  # single ages carried (80 = the exit age group)
RATIO_END_YEARS = tuple(range(2013, 2018))
STOCK_YEAR = 2017
ENTRY_AGES = (20, 34)
REFERENCE_AREA = "MK10"
CUBE = "employment_by_age_education"


def _cube() -> xr.Dataset:
    if CUBE not in snapshot.names():
        raise DataError(f"cube {CUBE!r} is not in the snapshot yet", source="snapshot")
    ds = snapshot.load(CUBE)
    return ds.assign_coords(time=ds["time"].dt.year.values)


def covered_areas() -> list[str]:
    """Areas with their own age-education data (others use the country's structure)."""
    return [str(a) for a in _cube()["area"].values]


@lru_cache(maxsize=4)
def cohort_ratios(area: str = REFERENCE_AREA) -> tuple[np.ndarray, np.ndarray]:
    """10-year cohort ratios ``(E, A-1)`` for band pairs, and their sd over end years.

    Bands 35-44 use the all-education ratio (education upgrading at those ages would look like
    exits from basic education); older bands are education-specific.
    """
    emp = _cube()["employed_residents"].sel(area=area)
    ratios = np.ones((len(EDUCATION_LEVELS), len(BANDS) - 1, len(RATIO_END_YEARS)))
    for j, (a, b) in enumerate(itertools.pairwise(BANDS)):
        for k, year in enumerate(RATIO_END_YEARS):
            later = emp.sel(age_band=b, time=year)
            earlier = emp.sel(age_band=a, time=year - 10)
            by_edu = (later / earlier.where(earlier > 0)).fillna(0.0).values
            pooled = float(later.sum() / earlier.sum())
            ratios[:, j, k] = pooled if a in ("18-24", "25-34", "35-44") else by_edu
    return ratios.mean(axis=2), ratios.std(axis=2, ddof=1)


def continuation(area: str = REFERENCE_AREA) -> np.ndarray:
    """Yearly continuation in employment ``(E, X)`` by education level and single age."""
    ratios, _ = cohort_ratios(area)
    out = np.ones((len(EDUCATION_LEVELS), AGES.size))
    for j, band in enumerate(BANDS[:-1]):
        lo = BAND_AGES[band][0]
        if lo < 35:
            continue
        ages = (lo + 5 <= AGES) & (lo + 14 >= AGES)
        out[:, ages] = np.minimum(ratios[:, j], 1.0)[:, None] ** 0.1
    out[:, AGES >= 80] = 0.0
    return out


def exit_uncertainty(area: str = REFERENCE_AREA) -> float:
    """Relative sd of the 10-year exit share of the 55-64 band over end years (about 0.01)."""
    ratios, sd = cohort_ratios(area)
    j = BANDS.index("55-64")
    return float(np.max(sd[:, j] / np.maximum(1.0 - ratios[:, j], 1e-6)))


def age_stock(area: str, year: int = STOCK_YEAR) -> np.ndarray:
    """Jobs by workplace ``(E, X)`` by education and single age (uniform within bands).

    Areas without own data get the country's structure scaled to their job total in ``year``
    (the caller scales again to its totals).
    """
    ds = _cube()["jobs"]
    code = area if area in covered_areas() else geography.COUNTRY
    jobs = ds.sel(area=code, time=year).sel(education_level=list(EDUCATION_LEVELS))
    out = np.zeros((len(EDUCATION_LEVELS), AGES.size))
    for band in BANDS:
        lo, hi = BAND_AGES[band]
        ages = (lo <= AGES) & (hi >= AGES)
        values = np.nan_to_num(jobs.sel(age_band=band).values)
        out[:, ages] = values[:, None] / ages.sum()
    return out


def entry_profile(area: str) -> np.ndarray:
    """Entrants by education and age ``(E, X)``: ages 20-34 uniform, 25-34 education mix."""
    stock = age_stock(area)
    young = stock[:, (AGES >= 25) & (AGES <= 34)].sum(axis=1)
    mix = young / young.sum()
    ages = ((ENTRY_AGES[0] <= AGES) & (ENTRY_AGES[1] >= AGES)).astype(float)
    return mix[:, None] * ages[None, :] / ages.sum()


@dataclass(frozen=True)
class ReplacementPath:
    """Yearly exits of one area (immutable result of :func:`replacement_path`).

    Attributes
    ----------
    years : (H,) int
        Years of the exits (``STOCK_YEAR + 1 ..``).
    exits : (H, E)
        Exits during each year by education level (persons).
    rate : (H,)
        Exits per job at the start of the year.
    proxy : bool
        True when the area's age structure was borrowed from the country.
    """

    years: np.ndarray
    exits: np.ndarray
    rate: np.ndarray
    proxy: bool


def replacement_path(area: str, totals: np.ndarray, first_year: int) -> ReplacementPath:
    """Exits by year and education for ``area`` with job totals ``totals`` (H,) per year.

    ``totals[k]`` is the job total at the end of year ``first_year + k``; the stock starts at
    the end of :data:`STOCK_YEAR` (2017) scaled to ``totals`` of 2017 when ``first_year`` is
    2017, else to the first total.
    """
    if first_year != STOCK_YEAR:
        raise DataError(f"the age structure starts in {STOCK_YEAR}, not {first_year}")
    proxy = area not in covered_areas()
    reference = geography.COUNTRY if proxy or area == geography.COUNTRY else REFERENCE_AREA
    stock = age_stock(area)
    stock = stock * totals[0] / stock.sum()
    exits, stocks = shiftshare.age_stock_path(
        stock, continuation(reference), np.asarray(totals[1:], dtype=float), entry_profile(area)
    )
    by_edu = exits.sum(axis=2)
    start = np.concatenate([[stock.sum()], stocks.sum(axis=(1, 2))[:-1]])
    years = np.arange(first_year + 1, first_year + len(totals))
    return ReplacementPath(years, by_edu, by_edu.sum(axis=1) / start, proxy)
