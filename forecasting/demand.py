"""Jobs by industry per municipality and year: history 1987-2019 and projection to 2040.

Method (details and reasons in ``docs/methods/training_needs.md``):

1. **National industry paths** (:func:`national_paths`): national accounts employment by TOL
   section 1975..2017, extended to 2023 with the growth of the employment-statistics (tyokay 115i)
   group that contains each section (B, D, E grow with B-F less C and F; G-I, M, N, R-U with the
   total less every group 115i gives).
2. **History** (:func:`jobs_by_industry_history`): for every year, a seed structure per
   municipality (the 2017 Paavo structure, or for Etelä-Savo 2012..2016 the postal-code shares of
   the nearest year) moved by the national industry growth since its reference year, then fitted
   by IPF (RAS) to the municipal job totals (tyokay 115p 1987..2017, 115k 2019; 2018 interpolated
   geometrically) and to the national industry shares. Section X (unknown) is spread
   proportionally.
3. **Projection** (:func:`jobs_by_industry_projection`): shift-share from the origin year:
   ``jobs[m,i,t] = jobs[m,i,origin] * national index[i,t] * exp(d_m * D(h))`` where the national
   index is the observed national path up to its last year and a damped log-linear trend after,
   ``d_m`` the municipality's mean regional differential (the growth its industry mix does not
   explain) and ``D(h)`` a damped cumulative weight. Demand-driven industries follow demography
   instead: Q (health and social work) grows with the 75+ population of the employment area with
   elasticity ``ELASTICITY_Q`` (calibrated nationally), P (education) with the 0-19 population
   with ``ELASTICITY_P`` (an assumption); both populations come from our own cohort-component
   projection (:func:`forecasting.demography.project_population`, expected path). Intervals
   come from log-normal draws: national path residuals, the municipality's
   regional-differential residuals and cell noise estimated from the Etelä-Savo postal-code
   shares.

Data: every function takes its cubes as arguments (see :data:`CUBES`); the entry points take
one ``cubes`` mapping (cube name -> dataset, e.g. a :class:`forecasting.io.inputs.Inputs`), and
:func:`demand_base` computes the chain's intermediate results (national paths, municipal
totals, reference structures, noise model, elasticity, projected population) once per call
so that the steps below get them as arguments instead of caching them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import demography, geography
from forecasting.demography._data import BASE_CUBES
from forecasting.demography.rates import INPUT_CUBES
from forecasting.errors import DataError, ValidationError
from forecasting.provenance import (
    combine_versions,
    method_note_attrs,
    readable_version,
    stamp,
)
from models import shiftshare

_XR = TypeVar("_XR", xr.Dataset, xr.DataArray)
SECTIONS: tuple[str, ...] = tuple("ABCDEFGHIJKLMNOPQRSTU")
#: Statistics of the jobs projection (the contract's ``statistic`` labels; 80 % bounds only).
JOBS_STATISTICS: tuple[str, ...] = ("mean", "lo80", "hi80")
LAST_TOTALS_YEAR = 2019
#: Groups of tyokay 115i that carry a section's growth after 2017 (see :func:`national_paths`).
_DIRECT_115I = ("A", "C", "F", "J", "K", "L", "O", "P", "Q")
_BDE = ("B", "D", "E")
#: Damping of the national industry trends and of the regional differential (per year).
PHI_NATIONAL = 0.85
PHI_LOCAL = 0.7
#: Years of history behind the national trend slope and the regional differential.
TREND_YEARS = 10
DIFFERENTIAL_YEARS = 12
#: Elasticity of P (education) jobs w.r.t. the 0-19 population: an assumption (teacher numbers
#: follow pupil numbers only partly; school networks adjust with a lag).
ELASTICITY_P = 0.5
#: Years over which ELASTICITY_Q is calibrated (national Q jobs vs the national 75+ population).
CALIBRATION_YEARS = (2007, 2022)
DEMOGRAPHY_DRIVEN = {"Q": (75, 100), "P": (0, 19)}
SOURCE_TABLES = (
    "tyokay 115p",
    "tyokay 115k",
    "Paavo TP 2017",
    "Paavo TP 2012-2016 (postal codes)",
    "national accounts (kan)",
    "tyokay 115i",
    "vaerak 11re",
)
#: Cubes the demand chain reads itself.
OWN_CUBES = (
    "commuting",
    "jobs_totals_2019",
    "jobs_by_industry",
    "jobs_by_industry_postcode_shares",
    "national_employment_by_industry",
    "regional_demography",
)
#: The demography's cubes: any base year, and those of a base year after 2019 (the drivers
#: start from the latest base year the cubes support).
DEMOGRAPHY_CUBES: tuple[str, ...] = (*INPUT_CUBES, *BASE_CUBES)
#: Every cube :func:`jobs_by_industry_projection` needs: its own and the demography's.
CUBES: tuple[str, ...] = tuple(dict.fromkeys((*OWN_CUBES, *DEMOGRAPHY_CUBES)))


def cube(cubes: Mapping[str, xr.Dataset], name: str) -> xr.Dataset:
    """``cubes[name]``; a :class:`DataError` naming the cube when the caller did not pass it."""
    if name not in cubes:
        raise DataError(
            f"input cube {name!r} was not passed (assemble it with forecasting.io.inputs)",
            source="inputs",
        )
    return cubes[name]


def _year(ds: _XR) -> _XR:
    """``ds`` with integer years on ``time`` (31 December labels the year)."""
    return ds.assign_coords(time=ds["time"].dt.year.values)


def inputs_version(cubes: Mapping[str, xr.Dataset], population: xr.DataArray) -> str:
    """Combined ``data_version`` of the cubes the demand chain reads and of the demography's
    projected ``population`` (:func:`projected_population`)."""
    versions = [cube(cubes, n).attrs["data_version"] for n in OWN_CUBES]
    return combine_versions([*versions, population.attrs["data_version"]])


# --------------------------------------------------------------------------- national
def national_paths(national: xr.Dataset) -> xr.DataArray:
    """National employment by TOL section, persons, ``(industry, time)`` with integer years.

    ``national`` is the ``national_employment_by_industry`` cube: 1975..2017 national accounts
    (E1, domestic concept); 2018..2023 extended with the growth of the tyokay 115i group that
    holds the section since 2017.
    """
    ds = _year(national)
    na = ds["employed_na"].sel(industry=list(SECTIONS), time=slice(1975, 2017))
    es = ds["employed_es"].sel(time=slice(2017, None))
    rest_codes = [*_DIRECT_115I, "B-F"]
    groups = {s: es.sel(industry=s) for s in _DIRECT_115I}
    groups["BDE"] = es.sel(industry="B-F") - es.sel(industry="C") - es.sel(industry="F")
    groups["rest"] = es.sel(industry="TOTAL") - es.sel(industry=rest_codes).sum("industry")
    later = []
    for s in SECTIONS:
        key = s if s in _DIRECT_115I else ("BDE" if s in _BDE else "rest")
        growth = groups[key] / groups[key].sel(time=2017)
        part = na.sel(industry=s, time=2017, drop=True) * growth.sel(time=slice(2018, None))
        later.append(part.drop_vars("industry", errors="ignore"))
    ext = xr.concat(later, dim="industry").assign_coords(industry=list(SECTIONS))
    out = xr.concat([na, ext.transpose("industry", "time")], dim="time")
    return out.fillna(0.0).rename("employed")


def national_trend(
    paths: xr.DataArray, until_data: int, horizon_end: int
) -> tuple[xr.DataArray, xr.DataArray]:
    """National industry index (1 at ``until_data``) to ``horizon_end`` and its yearly log sd.

    A damped log-linear trend (slope = mean log change of the last :data:`TREND_YEARS` years,
    damping :data:`PHI_NATIONAL`); returns ``index (industry, time)`` for years
    ``until_data..horizon_end`` and ``sd (industry,)`` of the yearly log changes around the slope.
    ``paths`` are the :func:`national_paths`.
    """
    path = paths.sel(time=slice(until_data - TREND_YEARS, until_data))
    logs = np.log(np.maximum(path.values, 1.0))
    changes = np.diff(logs, axis=1)
    slope = changes.mean(axis=1)
    sd = changes.std(axis=1, ddof=1)
    h = horizon_end - until_data
    cum = np.concatenate([[0.0], shiftshare.damped_cumulative(PHI_NATIONAL, h)])
    index = np.exp(slope[:, None] * cum[None, :])
    years = np.arange(until_data, horizon_end + 1)
    coords = {"industry": list(SECTIONS)}
    return (
        xr.DataArray(index, dims=("industry", "time"), coords={**coords, "time": years}),
        xr.DataArray(sd, dims=("industry",), coords=coords),
    )


def national_index(
    paths: xr.DataArray, origin: int, until: int, data_until: int | None = None
) -> xr.DataArray:
    """National industry index ``(industry, time)`` relative to ``origin`` for origin..until.

    Observed in ``paths`` (:func:`national_paths`) up to ``data_until`` (default: their last
    year), a damped trend after.
    """
    path = paths
    last = int(path["time"].max()) if data_until is None else data_until
    last = max(min(last, until), origin)
    base = path.sel(time=origin)
    observed = (path.sel(time=slice(origin, last)) / base.where(base > 0)).fillna(1.0)
    trend, _ = national_trend(paths, last, max(until, last))
    tail = trend.sel(time=slice(last + 1, until)) * observed.sel(time=last)
    return xr.concat([observed, tail], dim="time").transpose("industry", "time")


# --------------------------------------------------------------------------- municipal history
def municipal_totals(commuting: xr.Dataset, totals_2019: xr.Dataset) -> xr.DataArray:
    """Jobs by workplace per municipality ``(area, time)``, 1987..2019 (2018 interpolated).

    From the ``commuting`` cube (1987..2017) and the ``jobs_totals_2019`` cube.
    """
    munis = sorted(geography.municipalities().index)
    hist = _year(commuting)["jobs"].sel(area=munis)
    y2019 = totals_2019["jobs"].sel(area=munis).expand_dims(time=[2019])
    y2018 = ((hist.sel(time=2017) * y2019.sel(time=2019)) ** 0.5).expand_dims(time=[2018])
    out = xr.concat([hist, y2018, y2019.transpose("time", "area")], dim="time")
    return out.transpose("area", "time").rename("jobs")


def _shares(jobs: xr.DataArray) -> xr.DataArray:
    """Section shares over A..U with X (unknown) spread proportionally; NaN cells as 0."""
    known = jobs.sel(industry=list(SECTIONS)).fillna(0.0)
    total = known.sum("industry")
    return (known / total.where(total > 0)).fillna(1.0 / len(SECTIONS))


def reference_structures(
    jobs_by_industry: xr.Dataset, postcode_shares: xr.Dataset
) -> dict[int, xr.DataArray]:
    """``{year: shares (area, industry)}``: 2017 for every municipality, 2012..2016 Etelä-Savo.

    From the ``jobs_by_industry`` (Paavo 2017) and ``jobs_by_industry_postcode_shares`` cubes.
    """
    munis = sorted(geography.municipalities().index)
    out = {2017: _shares(jobs_by_industry["jobs"].sel(area=munis))}
    post = _year(postcode_shares["jobs"])
    post_munis = [a for a in map(str, post["area"].values) if a in munis]
    for year in map(int, post["time"].values):
        out[year] = _shares(post.sel(area=post_munis, time=year))
    return out


def _seed(base: DemandBase, year: int, allow: tuple[int, ...]) -> np.ndarray:
    """Seed shares ``(area, industry)`` for ``year`` from the nearest allowed references.

    Rows in the order of the sorted municipalities, columns :data:`SECTIONS`; NaN where no
    allowed reference covers a municipality.
    """
    refs = base.references
    path = base.national.sel(industry=list(SECTIONS))
    position = {m: k for k, m in enumerate(sorted(geography.municipalities().index))}
    target = path.sel(time=year).values
    seed: np.ndarray | None = None
    # Farthest first, so the nearest reference that covers a municipality wins.
    for ref in sorted((r for r in allow if r in refs), key=lambda r: -abs(r - year)):
        level = path.sel(time=ref).values
        shares = refs[ref].transpose("area", "industry").sel(industry=list(SECTIONS))
        moved = shares.values * (target / np.where(level > 0, level, np.nan))
        full = np.full((len(position), len(SECTIONS)), np.nan)
        full[[position[str(a)] for a in shares["area"].values]] = np.nan_to_num(
            moved, nan=0.0, posinf=np.inf, neginf=-np.inf
        )
        seed = full if seed is None else np.where(np.isnan(full), seed, full)
    if seed is None:
        raise DataError(f"no reference industry structure for {year}", source="jobs_by_industry")
    return seed


def concept_bridge(
    references: Mapping[int, xr.DataArray], totals: xr.DataArray, paths: xr.DataArray
) -> xr.DataArray:
    """Per-section ratio of the 2017 workplace-statistics share to the national-accounts share.

    National accounts count employed persons (annual average, domestic concept); the municipal
    totals count jobs by workplace in the last week of the year. Multiplying national-accounts
    shares by this ratio turns them into workplace-concept shares (exactly so in 2017), so the
    IPF column targets and the 2017 Paavo structure agree. Takes the
    :func:`reference_structures`, :func:`municipal_totals` and :func:`national_paths`.
    """
    munis = sorted(geography.municipalities().index)
    paavo = references[2017] * totals.sel(time=2017, area=munis)
    paavo_share = paavo.sum("area") / paavo.sum()
    nat = paths.sel(time=2017)
    ratio = paavo_share / (nat / nat.sum()).where(nat > 0)
    return ratio.fillna(1.0).drop_vars("time", errors="ignore").rename("concept_bridge")


def jobs_by_industry_history(
    base: DemandBase,
    first: int = 1987,
    last: int = LAST_TOTALS_YEAR,
    references: tuple[int, ...] | None = None,
) -> xr.DataArray:
    """Jobs ``(area, industry, time)`` per municipality 1987..2019 fitted by IPF (see module doc).

    Parameters
    ----------
    base
        The chain's inputs (:func:`demand_base`).
    first, last
        Years to fit (within 1987..2019).
    references
        Reference structures allowed as seeds (default all: 2012..2017); a backtest passes only
        the years before its origin.
    """
    totals = base.totals.sel(time=slice(first, last))
    path = base.national
    allow = tuple(base.references) if references is None else references
    years = [int(t) for t in totals["time"].values]
    bridge = base.bridge.values
    out = np.zeros((totals.sizes["area"], len(SECTIONS), len(years)))
    for k, year in enumerate(years):
        seed = _seed(base, year, allow)
        rows = totals.sel(time=year).values
        nat = path.sel(time=min(year, int(path["time"].max()))).values * bridge
        out[:, :, k] = shiftshare.ipf(seed, rows, nat / nat.sum() * rows.sum())
    return xr.DataArray(
        out,
        dims=("area", "industry", "time"),
        coords={"area": totals["area"].values, "industry": list(SECTIONS), "time": years},
        name="jobs",
    )


# --------------------------------------------------------------------------- projection drivers
def regional_differentials(
    base: DemandBase, history: xr.DataArray, origin: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd of each municipality's yearly regional differential up to ``origin``.

    Uses the :data:`DIFFERENTIAL_YEARS` years before ``origin`` (2018 is interpolated, so its
    two half-steps count as one observation each). Returns arrays of shape ``(M,)``.
    """
    hist = history.sel(time=slice(origin - DIFFERENTIAL_YEARS, origin))
    totals = hist.sum("industry").values
    shares = (hist / hist.sum("industry")).fillna(0.0).values
    nat = base.national.sel(time=hist["time"].values).values * base.bridge.values[:, None]
    growth = np.ones_like(nat)
    growth[:, 1:] = nat[:, 1:] / np.where(nat[:, :-1] > 0, nat[:, :-1], 1.0)
    mean, resid = shiftshare.regional_differential(totals, shares, growth)
    sd = np.nanstd(resid, axis=1, ddof=1)
    return np.nan_to_num(mean), np.nan_to_num(sd, nan=np.nanmedian(sd))


#: Mean of log|Z| for a standard normal Z (turns a fit of log|deviation| into log sd).
_MEAN_LOG_ABS_NORMAL = -0.6352


def cell_noise_model(
    postcode_shares: xr.Dataset, paths: xr.DataArray, min_jobs: float = 20.0
) -> tuple[float, float]:
    """Yearly sd of local industry shares drifting from national shares, by cell size.

    From the Etelä-Savo postal-code shares (the ``jobs_by_industry_postcode_shares`` cube,
    against the :func:`national_paths`): the log change 2012 -> 2016 of each cell's share
    relative to the national share (cells with at least ``min_jobs`` jobs in every year),
    divided by the square root of the span (a random walk per year; measured over the whole span
    so that year-to-year coverage noise of the postal-code data is not counted as drift). The sd
    falls with the cell's size: ``log|deviation| = a + b log(jobs) + E log|Z|`` is fitted by least
    squares, so ``sd(jobs) = exp(a) * jobs**b``.

    Returns
    -------
    a, b
        Intercept and slope of the fit (``b`` about -0.4).
    """
    post = _year(postcode_shares["jobs"])
    munis = [a for a in map(str, post["area"].values) if a.isdigit()]
    post = post.sel(area=munis, industry=list(SECTIONS))
    share = post / post.sum("industry")
    nat = paths.sel(time=post["time"].values)
    nat_share = nat / nat.sum("industry")
    rel = xr.apply_ufunc(np.log, (share / nat_share.where(nat_share > 0)).where(share > 0))
    span = int(rel["time"].max() - rel["time"].min())
    change = (rel.isel(time=-1) - rel.isel(time=0)).where(post.min("time") >= min_jobs)
    size = post.mean("time").values.ravel()
    dev = np.abs(change.values.ravel() - np.nanmedian(change.values)) / np.sqrt(span)
    ok = np.isfinite(dev) & (dev > 0)
    slope, intercept = np.polyfit(np.log(size[ok]), np.log(dev[ok]) - _MEAN_LOG_ABS_NORMAL, 1)
    return float(intercept), float(slope)


def cell_noise_sd(model: tuple[float, float], jobs: np.ndarray) -> np.ndarray:
    """Yearly log sd of a cell's drift for cells of ``jobs`` jobs (clipped to 0.01..0.15).

    ``model`` is ``(a, b)`` of :func:`cell_noise_model`.
    """
    a, b = model
    return np.clip(np.exp(a) * np.maximum(jobs, 1.0) ** b, 0.01, 0.15)


def elasticity_q(national: xr.Dataset, regional_demography: xr.Dataset) -> float:
    """Elasticity of Q jobs w.r.t. the 75+ population, calibrated on national data.

    The ratio of the log growth of national Q employment (tyokay 115i) to the log growth of the
    national 75+ population over :data:`CALIBRATION_YEARS` (about 0.53: part of Q, e.g.
    children's day care and hospitals for all ages, does not follow the old-age population).
    From the ``national_employment_by_industry`` and ``regional_demography`` cubes.
    """
    a, b = CALIBRATION_YEARS
    es = _year(national)["employed_es"].sel(industry="Q")
    pop = _year(regional_demography)["population"].sel(area=geography.COUNTRY)
    old = pop.sel(age=slice(75, 100)).sum(("sex", "age"))
    ratio = np.log(es.sel(time=b) / es.sel(time=a)) / np.log(old.sel(time=b) / old.sel(time=a))
    return float(ratio)


def projected_population(
    cubes: Mapping[str, xr.Dataset], *, seed: int, until: int = 2040
) -> xr.DataArray:
    """Our own population projection (area, time, age), both sexes, base year..``until``.

    :func:`forecasting.demography.project_population` from the latest base year the cubes
    support (``forecasting.demography.base_years(cubes)[-1]``, 31.12.2025 with Snapshot v2),
    every municipality (national scope), expected path (no draws: the drivers use the mean, so
    ``seed`` only labels the run), default assumptions, on the demography's cubes of ``cubes``;
    its attrs (assumptions, seed, ``base_year``) are kept.
    """
    ds = demography.project_population(
        cubes,
        base_year=demography.base_years(cubes)[-1],
        until=until,
        scope="national",
        draws=0,
        seed=seed,
    )
    mean = _year(ds["population"].sel(sex="T", statistic="mean", drop=True))
    mean.attrs = dict(ds.attrs)
    return mean


def _age_population(
    base: DemandBase, ages: tuple[int, int], origin: int, until: int
) -> xr.DataArray:
    """Population aged ``ages`` per municipality ``(area, time)`` for ``origin..until``.

    From the demography's base year (``base.population``, :func:`projected_population`: the
    estimated base population, then the projection) the municipality's own population; before
    it (the years between a jobs origin such as 2019 and the base year, and backtests) the
    observed population of the municipality's region (``regional_demography``, to the base
    year), scaled to the municipality's population of these ages in the base year.
    """
    munis = sorted(geography.municipalities().index)
    proj = base.population.sel(age=slice(*ages)).sum("age").sel(area=munis)
    first = int(proj["time"].min())
    if origin >= first:
        return proj.sel(time=slice(origin, until))
    reg = base.regional_population.sel(age=slice(*ages))
    reg = reg.sum(("sex", "age"))
    region_of = geography.municipalities().loc[munis, "region"].to_numpy()
    reg_m = reg.reindex(area=region_of).assign_coords(area=munis)
    scale = proj.sel(time=first) / reg_m.sel(time=first)
    past = (reg_m * scale).sel(time=slice(origin, min(until, first - 1)))
    return xr.concat([past, proj.sel(time=slice(first, until))], dim="time")


def demography_index(base: DemandBase, origin: int, until: int) -> xr.DataArray:
    """Demand index ``(area, industry, time)`` of the demography-driven industries Q and P.

    ``(pop[t] / pop[origin]) ** elasticity`` where ``pop`` is the population of the driver ages
    in the municipality's employment area (health, social and education services are organised
    and used across the area, so the area's ageing drives the host's jobs too).
    """
    munis = sorted(geography.municipalities().index)
    areas_of = geography.municipalities().loc[munis, "employment_area"].to_numpy()
    elasticity = {"Q": base.elasticity_q, "P": ELASTICITY_P}
    labels = sorted(set(areas_of))
    members = [np.flatnonzero(areas_of == label) for label in labels]
    own = np.searchsorted(labels, areas_of)  # each municipality's employment area
    parts, times, name, attrs = [], None, None, None
    for industry, ages in DEMOGRAPHY_DRIVEN.items():
        pop = _age_population(base, ages, origin, until).transpose("area", "time")
        times, name = pop["time"].values, pop.name
        attrs = dict(pop.attrs) if attrs is None else attrs  # the first's, as concat keeps
        # each area's municipalities gathered and summed (NaN as 0), as xarray's groupby sums
        values = pop.values
        area_pop = np.stack(
            [np.where(np.isnan(values[rows]), 0.0, values[rows]).sum(axis=0) for rows in members]
        )
        per_muni = area_pop[own]
        ratio = per_muni / per_muni[:, np.flatnonzero(times == origin)[0]][:, None]
        parts.append(ratio ** elasticity[industry])
    assert times is not None
    years = np.arange(origin, until + 1)
    at = np.searchsorted(times, np.minimum(years, int(times.max())))
    return xr.DataArray(
        np.stack(parts, axis=1)[:, :, at],
        dims=("area", "industry", "time"),
        coords={
            "area": munis,
            "industry": np.array(list(DEMOGRAPHY_DRIVEN), dtype=object),  # as concat labels
            "time": years,
        },
        name=name,
        attrs=attrs,
    )


# --------------------------------------------------------------------------- inputs of the chain
@dataclass(frozen=True)
class DemandBase:
    """The demand chain's intermediate results, computed once per call by :func:`demand_base`.

    Attributes
    ----------
    national : (industry, time) DataArray
        :func:`national_paths`, integer years.
    totals : (area, time) DataArray
        :func:`municipal_totals`.
    references : dict of int -> (area, industry) DataArray
        :func:`reference_structures`.
    bridge : (industry,) DataArray
        :func:`concept_bridge`.
    cell_noise : (float, float)
        :func:`cell_noise_model`.
    elasticity_q : float
        :func:`elasticity_q`.
    population : (area, time, age) DataArray
        :func:`projected_population` (its attrs are the demography's provenance).
    regional_population : (area, time, sex, age) DataArray
        Observed population of ``regional_demography``, integer years (backtest origins).
    retrieved, data_version : str
        Provenance of the inputs (:func:`inputs_version`).
    """

    national: xr.DataArray
    totals: xr.DataArray
    references: Mapping[int, xr.DataArray]
    bridge: xr.DataArray
    cell_noise: tuple[float, float]
    elasticity_q: float
    population: xr.DataArray
    regional_population: xr.DataArray
    retrieved: str
    data_version: str


def demand_base(
    cubes: Mapping[str, xr.Dataset], *, seed: int, population: xr.DataArray | None = None
) -> DemandBase:
    """Compute the chain's inputs once from ``cubes`` (the :data:`CUBES`, by name).

    ``seed`` labels the demography's expected-path run (:func:`projected_population`).
    ``population`` is that projection when the caller has it (it does not depend on the
    seed: a release computes it once for all its areas instead of once per area).

    Raises
    ------
    DataError
        A cube of :data:`OWN_CUBES` missing from ``cubes``.
    """
    national = cube(cubes, "national_employment_by_industry")
    regional = cube(cubes, "regional_demography")
    paths = national_paths(national)
    totals = municipal_totals(cube(cubes, "commuting"), cube(cubes, "jobs_totals_2019"))
    postcode = cube(cubes, "jobs_by_industry_postcode_shares")
    refs = reference_structures(cube(cubes, "jobs_by_industry"), postcode)
    if population is None:
        population = projected_population(cubes, seed=seed)
    return DemandBase(
        national=paths,
        totals=totals,
        references=refs,
        bridge=concept_bridge(refs, totals, paths),
        cell_noise=cell_noise_model(postcode, paths),
        elasticity_q=elasticity_q(national, regional),
        population=population,
        regional_population=_year(regional)["population"],
        retrieved=str(cube(cubes, "commuting").attrs["retrieved"]),
        data_version=inputs_version(cubes, population),
    )


# --------------------------------------------------------------------------- projection
@dataclass(frozen=True)
class JobsSimulation:
    """Projected jobs of groups of municipalities (immutable result of :func:`simulate_jobs`).

    Attributes
    ----------
    groups : tuple of str
        Group labels (a municipality code or an aggregate code).
    years : (H+1,) int array
        ``origin..until``.
    central : (G, I, H+1)
        Central path (the expected value of the draws: log noise is mean-corrected).
    draws : (D, G, I, H+1)
        Simulated paths.
    """

    groups: tuple[str, ...]
    years: np.ndarray
    central: np.ndarray
    draws: np.ndarray


def _log_noise(
    rng: np.random.Generator, sd: np.ndarray, n_draws: int, horizon: int, start: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative normal shocks ``(D, *sd.shape, H+1)`` (zero up to ``start``) and variances."""
    steps = rng.standard_normal((n_draws, *sd.shape, horizon + 1)) * sd[..., None]
    steps[..., : start + 1] = 0.0
    variance = np.cumsum(np.where(np.arange(horizon + 1) > start, 1.0, 0.0)) * sd[..., None] ** 2
    return np.cumsum(steps, axis=-1), variance


def simulate_jobs(
    base: DemandBase,
    groups: dict[str, list[str]],
    *,
    seed: int,
    origin: int = LAST_TOTALS_YEAR,
    until: int = 2035,
    n_draws: int = 200,
    data_until: int | None = None,
    references: tuple[int, ...] | None = None,
    history: xr.DataArray | None = None,
) -> JobsSimulation:
    """Project jobs by industry for groups of municipalities (see the module docstring).

    Parameters
    ----------
    base
        The chain's inputs (:func:`demand_base`).
    groups
        ``{label: member municipality codes}``; every municipality is projected on its own and
        summed into each group that lists it (so groups are coherent sums).
    origin
        Last year of municipal data used (the base year).
    until
        Last projected year.
    n_draws, seed
        Monte Carlo draws for the intervals; a municipality's stream depends on ``seed`` and
        its code only, so it does not change with the other groups asked for.
    data_until
        Last year of national data used (default: all, 2023); a backtest sets it to ``origin``.
    references
        Reference industry structures allowed (see :func:`jobs_by_industry_history`).
    history
        :func:`jobs_by_industry_history` up to ``origin`` with these ``references``, when the
        caller has computed it already (else it is fitted here).
    """
    if history is None:
        history = jobs_by_industry_history(base, last=origin, references=references)
    diff_mean, diff_sd = regional_differentials(base, history, origin)
    horizon = until - origin
    index = national_index(base.national, origin, until, data_until).values
    last_national = min(int(base.national["time"].max()), data_until or 9999)
    _, nat_sd = national_trend(base.national, max(last_national, origin), until)
    demo = demography_index(base, origin, until)
    demo_rows = {str(a): k for k, a in enumerate(demo["area"].values)}
    demo_values = demo.transpose("area", "industry", "time").values  # by position, not label
    damp = np.concatenate([[0.0], shiftshare.damped_cumulative(PHI_LOCAL, horizon)])
    rng_nat = np.random.default_rng([seed, 0])
    nat_noise, nat_var = _log_noise(
        rng_nat, nat_sd.values, n_draws, horizon, start=max(last_national - origin, 0)
    )
    q_p = [SECTIONS.index(s) for s in DEMOGRAPHY_DRIVEN]
    position = {str(a): k for k, a in enumerate(history["area"].values)}
    labels = tuple(groups)
    central = np.zeros((len(labels), len(SECTIONS), horizon + 1))
    draws = np.zeros((n_draws, *central.shape))
    for muni in sorted({m for members in groups.values() for m in members}):
        k = position[muni]
        idx = index.copy()
        idx[q_p] = demo_values[demo_rows[muni]]
        path = history.values[k, :, -1][:, None] * idx * np.exp(diff_mean[k] * damp)[None, :]
        rng = np.random.default_rng([seed, int(muni)])
        loc_noise, loc_var = _log_noise(rng, np.array(diff_sd[k]), n_draws, horizon)
        cell_sd = cell_noise_sd(base.cell_noise, history.values[k, :, -1])
        cell_noise, cell_var = _log_noise(rng, cell_sd, n_draws, horizon)
        log_noise = nat_noise + loc_noise[:, None, :] + cell_noise
        variance = nat_var + loc_var[None, :] + cell_var
        sims = path[None] * np.exp(log_noise - 0.5 * variance[None])
        for g, label in enumerate(labels):
            if muni in groups[label]:
                central[g] += path
                draws[:, g] += sims
    years = np.arange(origin, until + 1)
    return JobsSimulation(labels, years, central, draws)


def _check_until(until: int, low: int = 2025, high: int = 2040) -> int:
    if isinstance(until, bool) or not isinstance(until, (int, np.integer)):
        raise ValidationError("until", f"must be an integer year, got {until!r}")
    if not low <= until <= high:
        raise ValidationError("until", f"must be within {low}..{high}, got {until}")
    return int(until)


def area_groups(area: str) -> dict[str, list[str]]:
    """``{code: members}`` for ``area`` and (for an aggregate) each of its municipalities."""
    code = geography.resolve_area(area)
    members = geography.members(code)
    groups = {m: [m] for m in members} if len(members) <= 40 else {}
    groups[code] = members
    return groups


def jobs_by_industry_projection(
    cubes: Mapping[str, xr.Dataset],
    until: int = 2035,
    area: str = geography.MIKKELI_AREA,
    *,
    n_draws: int = 200,
    seed: int,
    population: xr.DataArray | None = None,
    base: DemandBase | None = None,
    history: xr.DataArray | None = None,
) -> xr.Dataset:
    """Projected jobs by industry: ``jobs`` ``(area, industry, time, statistic)``.

    ``statistic`` is ``mean, lo80, hi80`` (the contract's layout; no 95 % bounds). Jobs
    origin 2019 (the last municipal totals); history 1987..2019 is included (lo80 = hi80 =
    mean there); the demography drivers start from the latest base year of ``cubes``.
    ``area`` is a municipality or an aggregate; an aggregate comes with its member
    municipalities (up to 40 of them). ``time`` is 31 December of each year.

    Parameters
    ----------
    cubes
        Input cubes by name, at least :data:`CUBES` (e.g. a
        :class:`forecasting.io.inputs.Inputs`).
    until, area
        Last projected year (2025..2040) and the area.
    n_draws, seed
        Monte Carlo draws of the intervals and their seed (from the caller: the release's
        ``ctx.seed_for(...)``, the CLI's ``settings.release.seed``).
    population
        :func:`projected_population` of ``cubes`` when the caller has it (else computed).
    base, history
        :func:`demand_base` of ``cubes`` and ``population`` and its
        :func:`jobs_by_industry_history` (default years and references) when the caller has
        them: they cover every municipality, so a caller projecting many areas computes
        them once (``population`` is then unused).

    Raises
    ------
    ValidationError
        ``until`` outside 2025..2040.
    UnknownAreaError
        Unknown ``area``.
    DataError
        A cube of :data:`OWN_CUBES` missing from ``cubes``.
    """
    until = _check_until(until)
    groups = area_groups(area)
    if base is None:
        base = demand_base(cubes, seed=seed, population=population)
    if history is None:
        history = jobs_by_industry_history(base)
    sim = simulate_jobs(base, groups, until=until, n_draws=n_draws, seed=seed, history=history)
    hist = np.stack([history.sel(area=m).sum("area").values for m in groups.values()])
    years = np.concatenate([history["time"].values[:-1], sim.years])
    mean = np.concatenate([hist[:, :, :-1], sim.central], axis=2)
    lo = np.concatenate([hist[:, :, :-1], np.quantile(sim.draws, 0.1, axis=0)], axis=2)
    hi = np.concatenate([hist[:, :, :-1], np.quantile(sim.draws, 0.9, axis=0)], axis=2)
    coords = {
        "area": list(sim.groups),
        "industry": list(SECTIONS),
        "time": pd.to_datetime([f"{y}-12-31" for y in years]),
    }
    ds = xr.Dataset(
        {"jobs": (("area", "industry", "time", "statistic"), np.stack([mean, lo, hi], axis=-1))},
        coords={**coords, "statistic": list(JOBS_STATISTICS)},
    )
    ds["projected"] = ("time", years > LAST_TOTALS_YEAR)
    demo = base.population.attrs
    return stamp(
        ds,
        source_tables=(*SOURCE_TABLES, demo["source_tables"]),
        retrieved=base.retrieved,
        data_version=base.data_version,
        seed=seed,
        extra={
            "units": "jobs by workplace (persons), 31 December",
            "time_convention": "31 December (YYYY-12-31) labels the year",
            **method_notes(_assumptions_version(demo)),
            "demography_assumptions": demo["assumptions"],
            "demography_assumptions_version": _assumptions_version(demo),
            "elasticity_q_75plus": round(base.elasticity_q, 4),
            "elasticity_p_0_19": ELASTICITY_P,
            "interval": "80% from log-normal draws (national, regional, cell noise)",
            "demography_base_year": int(demo["base_year"]),
        },
    )


def _assumptions_version(attrs: dict) -> str:
    return str(json.loads(attrs["assumptions"])["version"])


#: The method for readers in each language (fi, sv, en): the same facts in each, the
#: demography's assumptions named by their version in words (the id is the attr
#: ``demography_assumptions_version``).
METHOD_NOTES: dict[str, str] = {
    "en": (
        "Jobs by industry: municipal job totals (tyokay 115p/115k) split by TOL section with "
        "IPF on 2017 Paavo and 2012-2016 postal-code structures and national industry shares; "
        "projected from 2019 by shift-share on damped national industry trends (observed to "
        "2023) plus a damped regional differential; Q follows the area's 75+ population and P "
        "its 0-19 population (our cohort-component projection, assumptions {demography}). "
        "80% intervals from log-normal draws."
    ),
    "fi": (
        "Työpaikat toimialoittain: kuntien työpaikkamäärät (tyokay 115p/115k) on jaettu "
        "toimialaluokituksen TOL pääluokkiin IPF-menetelmällä vuoden 2017 Paavo-aineiston ja "
        "vuosien 2012–2016 postinumeroalueittaisten rakenteiden sekä koko maan "
        "toimialaosuuksien avulla; ennuste vuodesta 2019 on laskettu shift-share-menetelmällä "
        "vaimennetuista koko maan toimialatrendeistä (havainnot vuoteen 2023) ja vaimennetusta "
        "alue-erosta; toimiala Q seuraa alueen 75 vuotta täyttäneiden ja toimiala P "
        "0–19-vuotiaiden määrää (oma kohorttikomponenttimenetelmällä laadittu väestöennuste, "
        "oletusten {demography}). 80 %:n välit log-normaalijakauman arvonnoista."
    ),
    "sv": (
        "Arbetsplatser per näringsgren: kommunernas antal arbetsplatser (tyokay 115p/115k) "
        "har fördelats på huvudavdelningarna i näringsgrensindelningen TOL med IPF-metoden "
        "utifrån Paavo-uppgifterna 2017, postnummerområdenas strukturer 2012–2016 och hela "
        "landets näringsgrensandelar; prognosen från 2019 bygger på shift-share-metoden med "
        "dämpade nationella näringsgrenstrender (observerade till 2023) och en dämpad regional "
        "skillnad; näringsgren Q följer områdets befolkning 75 år och äldre och näringsgren P "
        "dess befolkning 0–19 år (egen befolkningsprognos enligt kohort-komponentmetoden, "
        "antaganden i {demography}). 80 %:s intervall från log-normala dragningar."
    ),
}
METHOD_NOTE = METHOD_NOTES["en"]


def method_notes(assumptions_version: str) -> dict[str, str]:
    """``method_note_<lang>`` for fi, sv and en, and ``method_note`` (English), with the
    demography's assumptions version in words (:func:`readable_version`:
    ``demography-2019.1`` is "version 2019.1", "versio 2019.1")."""
    return method_note_attrs(
        {
            lang: note.format(demography=readable_version(assumptions_version, lang))
            for lang, note in METHOD_NOTES.items()
        }
    )
