"""Replacement demand: exits from employment by age (demography's retirements), by education.

The base is :func:`forecasting.demography.retirements` (cohort-component projection from the
latest base population the cubes support, 31.12.2025 with Snapshot v2 (:func:`base_year`),
employment rates by single age of 2017): per municipality and year the
persons leaving employment as employment rates fall with age from ``retirement_min_age`` (50)
on, ``sum_x P_t[x] max(e[x-1] - e[x], 0)``. That counts retirements and the net early exits of
ages 50+ (disability, long unemployment); it does not count exits before 50 nor deaths of the
employed below 50 (small, and the projected population already carries out-migration).

1. **Exit rates** (:func:`exit_rates`): ``rate[a, t] = retirements[a, t] / employed[a, t-1]``,
   exits during year ``t`` per employed resident at the end of ``t-1`` (the demography's
   expected path), and the relative uncertainty of the retirements from its seeded draws.
   The caller applies the rate to jobs by workplace (job holders are assumed to have the age
   structure of the employed residents).
2. **Education split** (:func:`education_shares`): the exits of age ``x`` in year ``t`` belong
   to the cohort aged ``x - (t - 2017)`` in 2017, whose education mix is that of its 10-year
   band among the employed residents of 2017 (``employment_by_age_education``, tyokay 115n;
   Etelä-Savo municipalities their own, other areas Finland's).

Industry detail: the age structure is known by municipality, not by industry, so replacement
demand is shared over industries in proportion to their jobs (a stated shortfall).

Data: the functions take the ``employment_by_age_education`` cube, or (:func:`exit_rates`) a
``cubes`` mapping with it and the demography's cubes (:data:`CUBES`), as arguments; the seed
of the demography's draws comes from the caller.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr

from forecasting import demand, demography, geography
from forecasting.demography.labour import LABOUR_CUBES, LabourRates
from forecasting.demography.rates import RateSet

EDUCATION_LEVELS = ("basic_or_none", "upper_secondary", "lower_tertiary", "higher_tertiary")
#: Bands of ``employment_by_age_education``: label -> (first age, last age).
BANDS = {
    "18-24": (18, 24),
    "25-34": (25, 34),
    "35-44": (35, 44),
    "45-54": (45, 54),
    "55-64": (55, 64),
    "65-74": (65, 74),
    "75+": (75, 100),
}
EDUCATION_YEAR = 2017
#: Draws of the demography for the retirement intervals (0 for the national scope: 308
#: municipalities of draws would add ~10 s for an interval of well under 1 %).
DRAWS = 100
CUBE = "employment_by_age_education"
#: Every cube :func:`exit_rates` needs: its own and the demography's (retirements).
CUBES: tuple[str, ...] = tuple(dict.fromkeys((CUBE, *LABOUR_CUBES, *demand.DEMOGRAPHY_CUBES)))
Z80 = 1.2815515655446004  # standard normal 90 % quantile


def covered_areas(employment: xr.Dataset) -> tuple[str, ...]:
    """Areas with their own age-education data (others use the country's education mix).

    ``employment`` is the ``employment_by_age_education`` cube.
    """
    return tuple(str(a) for a in employment["area"].values)


def education_by_band(employment: xr.Dataset, area: str) -> np.ndarray:
    """Education mix ``(B, E)`` of the employed residents of 2017 per age band (rows sum to 1).

    ``employment`` is the ``employment_by_age_education`` cube.
    """
    code = area if area in covered_areas(employment) else geography.COUNTRY
    emp = employment["employed_residents"].sel(area=code)
    emp = emp.assign_coords(time=emp["time"].dt.year.values).sel(time=EDUCATION_YEAR)
    emp = emp.sel(age_band=list(BANDS), education_level=list(EDUCATION_LEVELS))
    values = np.nan_to_num(emp.transpose("age_band", "education_level").values)
    return values / np.maximum(values.sum(axis=1, keepdims=True), 1e-12)


def education_shares(
    employment: xr.Dataset, area: str, years: np.ndarray, ages: np.ndarray
) -> np.ndarray:
    """Education shares ``(T, X, E)`` of exits at age ``x`` in year ``t`` (cohort-aligned).

    The cohort aged ``x`` in ``t`` was ``x - (t - 2017)`` in 2017 (at least 18); its share is
    the education mix of that age's band (``employment``: the ``employment_by_age_education``
    cube).
    """
    mix = education_by_band(employment, area)
    firsts = np.array([lo for lo, _ in BANDS.values()])
    cohort = np.maximum(ages[None, :] - (years[:, None] - EDUCATION_YEAR), firsts[0])
    band = np.searchsorted(firsts, cohort, side="right") - 1
    return mix[band]


@dataclass(frozen=True)
class ExitRates:
    """Exits from employment per area and year (immutable result of :func:`exit_rates`).

    Attributes
    ----------
    areas : tuple of str
        Municipalities of the request and the aggregate (if any).
    years : (T,) int
        Years of the exits, ``base_year(cubes) + 1 .. until``.
    rate : (A, T)
        Exits during the year per employed resident at the end of the previous year.
    rel_sd : (A, T)
        Relative sd of the exits from the demography's draws (0 without draws).
    by_education : (A, T, E)
        Exits (persons, employed residents) by education level.
    by_age : (A, T, X) or None
        Exits by single age ``ages`` (the demography's ``retirements_by_age``).
    attrs : dict
        The demography output's provenance (assumptions JSON, seed, draws, sources).
    """

    areas: tuple[str, ...]
    years: np.ndarray
    rate: np.ndarray
    rel_sd: np.ndarray
    by_education: np.ndarray
    attrs: dict
    by_age: np.ndarray | None = None
    ages: np.ndarray | None = None

    def take(self, area: str) -> int:
        """Row of ``area``."""
        return self.areas.index(area)


def base_year(cubes: Mapping[str, xr.Dataset]) -> int:
    """The demography's base year for replacement demand: the latest year the cubes support
    (``forecasting.demography.base_years(cubes)[-1]``; 2025 with Snapshot v2)."""
    return demography.base_years(cubes)[-1]


def shared_rates(
    cubes: Mapping[str, xr.Dataset], until: int, *, base: xr.DataArray | None = None
) -> RateSet:
    """The demography's rates that :func:`exit_rates` reads for ``until`` (default
    assumptions, from :func:`base_year`): compute once, pass to many areas. ``base``: the
    base population estimate of ``cubes`` (``estimate_rates``' ``base``) if at hand."""
    from forecasting.demography.assumptions import parse_assumptions
    from forecasting.demography.rates import estimate_rates

    return estimate_rates(cubes, base_year(cubes), until, parse_assumptions(None), base=base)


def exit_rates(
    cubes: Mapping[str, xr.Dataset],
    area: str,
    until: int,
    *,
    seed: int,
    rateset: RateSet | LabourRates | None = None,
) -> ExitRates:
    """Exit rates of ``area`` and its municipalities for ``base_year(cubes) + 1 .. until``.

    Calls :func:`forecasting.demography.retirements` (scope ``"area"``, default assumptions,
    :data:`DRAWS` draws seeded with ``seed``; none for the country, ``SSS``) on ``cubes``
    (cube name -> dataset, at least :data:`CUBES`). ``rateset``: the demography's rates of
    ``cubes`` for ``base_year(cubes) .. until`` (:func:`shared_rates`) when the caller has
    them, so that many areas estimate them once.

    Raises
    ------
    DataError
        ``employment_by_age_education`` missing from ``cubes``.
    """
    code = geography.resolve_area(area)
    employment = demand.cube(cubes, CUBE)
    draws = 0 if code == geography.COUNTRY else DRAWS
    ds = demography.retirements(
        cubes,
        base_year=base_year(cubes),
        until=until,
        scope="area",
        area=code,
        draws=draws,
        seed=seed,
        rateset=rateset,
    )
    ds = ds.assign_coords(time=ds["time"].dt.year.values)
    years = ds["time"].values[1:]
    point = ds[["retirements", "employed"]].enn.point()
    exits = point["retirements"].transpose("area", "time").values[:, 1:]
    employed = point["employed"].transpose("area", "time").values[:, :-1]
    rate = exits / np.maximum(employed, 1e-12)
    lo, hi = (b["retirements"].transpose("area", "time") for b in ds[["retirements"]].enn.bounds())
    width = (hi - lo).values[:, 1:]
    rel_sd = np.nan_to_num(width / (2 * Z80) / np.maximum(exits, 1e-12)) if draws else 0 * rate
    by_age = np.nan_to_num(ds["retirements_by_age"].values[:, 1:])  # (A, T, X)
    areas = tuple(str(a) for a in ds["area"].values)
    ages = ds["age"].values
    # an area without its own age-education data has the country's shares: found once
    covered = set(covered_areas(employment))
    shares: dict[str, np.ndarray] = {}
    for a in areas:
        own = a if a in covered else geography.COUNTRY
        if own not in shares:
            shares[own] = education_shares(employment, own, years, ages)
    by_edu = np.stack(
        [
            np.einsum("tx,txe->te", by_age[i], shares[a if a in covered else geography.COUNTRY])
            for i, a in enumerate(areas)
        ]
    )
    if code in areas and len(areas) > 1:  # the aggregate: the sum of its municipalities
        by_edu[areas.index(code)] = by_edu[[i for i, a in enumerate(areas) if a != code]].sum(0)
    return ExitRates(areas, years, rate, rel_sd, by_edu, dict(ds.attrs), by_age, ages)


def reform_exits(by_age: np.ndarray, years: np.ndarray, ages: np.ndarray, shift_of, from_age: int):
    """Exits by age ``(..., T, X)`` with the 2017 pension reform's cohort-specific delay.

    The demography's exits come from the 2017 employment rates by age, i.e. from cohorts born
    1954 or earlier (lowest pension age 63). A later cohort ``c = t - x`` leaves as the 2017
    profile did ``shift_of(c)`` years younger: its exits at age ``x`` are the profile's at
    ``x - shift`` (linear interpolation in age, within the year), from ``from_age`` on.
    """
    out = np.array(by_age, dtype=float, copy=True)
    ages = np.asarray(ages, dtype=float)
    for k, year in enumerate(years):
        shift = shift_of(int(year) - ages.astype(int))
        shift = np.where(ages >= from_age, shift, 0.0)
        src = ages - shift
        flat = out[..., k, :].reshape(-1, ages.size)
        base = np.asarray(by_age, dtype=float)[..., k, :].reshape(-1, ages.size)
        for row in range(flat.shape[0]):
            flat[row] = np.interp(src, ages, base[row])
        out[..., k, :] = flat.reshape(out[..., k, :].shape)
    return out


def net_exit_rates(rates: ExitRates, shift_of, from_age: int, reentry_share: float) -> ExitRates:
    """``rates`` with the 2017 pension reform (:func:`reform_exits`) and net of re-entries:
    each area-year's rate is scaled by ``reformed / gross`` exits and by ``1 - reentry_share``
    (exits followed by a return to work within the year are not openings)."""
    if rates.by_age is None or rates.ages is None:
        raise ValueError("exit rates without exits by age")
    reformed = reform_exits(rates.by_age, rates.years, rates.ages, shift_of, from_age)
    gross = rates.by_age.sum(-1)
    factor = np.where(gross > 0, reformed.sum(-1) / np.maximum(gross, 1e-12), 1.0)
    factor = factor * (1.0 - reentry_share)
    return ExitRates(
        rates.areas,
        rates.years,
        rates.rate * factor,
        rates.rel_sd,
        rates.by_education * factor[..., None],
        {**rates.attrs, "reform_reentry_factor_mean": float(factor.mean())},
        reformed * (1.0 - reentry_share),
        rates.ages,
    )


def assumptions_version(rates: ExitRates) -> str:
    """The demography assumptions' version string (e.g. ``demography-2019.1``)."""
    return str(json.loads(rates.attrs["assumptions"])["version"])


#: The training levels and the education level of ``employment_by_age_education`` each stands
#: for (lower tertiary holds the UAS degrees and the older college level; higher tertiary the
#: university and UAS masters: an approximation).
TRAINING_LEVEL_OF = {
    "vocational": "upper_secondary",
    "applied_sciences": "lower_tertiary",
    "university": "higher_tertiary",
}
OLDER_BANDS = ("55-64", "65-74")


def level_age_profile(employment: xr.Dataset, area: str, year: int = EDUCATION_YEAR) -> dict:
    """The age profile of the employed residents of ``area`` by education level in ``year``
    (``employment_by_age_education``, tyokay 115n): per training level (and ``all``) the share
    aged 55+ (:data:`OLDER_BANDS`), and its ratio to all employed (``relative``): above 1 an
    older workforce whose replacement runs ahead of the area's average; ``basic_or_none``
    (no post-basic qualification) too, whose leavers are replaced by qualified entrants.

    The cube has education level x age band per area, not field of education or industry x
    age, so this weights levels only; the training chain does not apply it (its level split
    comes from the occupation -> education key), it is reported as a check.

    Raises
    ------
    KeyError
        ``area`` or ``year`` not in the cube.
    """
    emp = employment["employed_residents"].sel(area=area)
    emp = emp.sel(time=emp["time"].dt.year == year)
    if emp.sizes["time"] == 0:
        raise KeyError(f"{year} not in employment_by_age_education")
    emp = emp.isel(time=0)
    older = emp.sel(age_band=list(OLDER_BANDS)).sum("age_band")
    total = emp.sum("age_band")
    share_all = float(older.sum()) / float(total.sum())
    out: dict[str, dict[str, float]] = {"all": {"older_share": share_all, "relative": 1.0}}
    for level, edu in {**TRAINING_LEVEL_OF, "basic_or_none": "basic_or_none"}.items():
        share = float(older.sel(education_level=edu)) / float(total.sel(education_level=edu))
        out[level] = {"older_share": share, "relative": share / share_all}
    return out
