"""Structural calibration of the labour-flow model from the input cubes (given as arguments).

Everything time-invariant is set here, from real data where the data speak and from stated,
documented assumptions where they do not (``docs/methods/scenarios.md`` lists both):

- commuting: a residence x workplace flow matrix of the area's municipalities plus "outside",
  fitted by iterative proportional fitting to the in- and out-commuting totals of tyokay
  115n/115p (seed: a gravity model on road distances between municipal centres where their
  coordinates are known (TA23, :data:`SEED_DISTANCE`), else a distance-free gravity seed
  (:data:`SEED_GRAVITY`); the totals are matched exactly either way);
- industry structure: jobs by TOL section and workplace (Paavo TP 2017), carried to employed
  residents through the commuting matrix;
- matching elasticity: pooled regression of the vacancy-filling rate on labour-market
  tightness (tyonv 2310 filled vacancies, tyonv 12r5 stocks, all municipalities 2010-2019,
  municipality and calendar-month fixed effects);
- vacancy durations: the area's mean days open of filled vacancies by calendar month;
- exits: retirement from the age structure of employed residents (tyokay 115n) where the
  snapshot has it (Etelä-Savo and a few neighbours), else from the municipality's population
  by age (vaerak 11re) times Finland's employed share by age band (:data:`EXIT_FALLBACK`);
  out-migration from the migration cube.

Every area of :func:`forecasting.geography.aggregate_codes` ``("employment_area")`` can be
calibrated; :attr:`Structure.assumptions` names the fallbacks used for an area.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.classifications import tol2008_sections
from forecasting.errors import DataError
from forecasting.provenance import combine_versions

#: Approximate coordinates (lat, lon, degrees) of municipal centres; only used to seed the
#: commuting fit with distances (road distance ~ 1.3 x great-circle distance).
CENTRES: dict[str, tuple[float, float]] = {
    "097": (61.640, 26.777),  # Hirvensalmi
    "178": (61.898, 27.856),  # Juva
    "213": (61.991, 26.643),  # Kangasniemi
    "491": (61.688, 27.273),  # Mikkeli
    "507": (61.418, 26.878),  # Mäntyharju
    "623": (61.524, 28.177),  # Puumala
}
#: Road distance (km) from each centre to the nearest large job market outside the area
#: (Savonlinna, Varkaus, Jyväskylä/Joutsa, Kouvola/Heinola); seeds the outside column.
OUTSIDE_KM: dict[str, float] = {
    "097": 70.0, "178": 60.0, "213": 60.0, "491": 100.0, "507": 55.0, "623": 55.0,
}  # fmt: skip
ROAD_FACTOR = 1.3
DECAY_KM = 30.0
OUTSIDE_JOBS_WEIGHT = 20_000.0
#: Versioned names of the commuting seeds. ``distance-v1``: gravity on road distances
#: between municipal centres (needs :data:`CENTRES` and :data:`OUTSIDE_KM` for every member;
#: TA23). ``gravity-v1``: distance-free; a municipality's out-commuters are split
#: :data:`OUTSIDE_SHARE_SEED` outside the area and the rest over the other members in
#: proportion to their jobs, a workplace's in-commuters :data:`OUTSIDE_SHARE_SEED` from outside.
SEED_DISTANCE = "distance-v1"
SEED_GRAVITY = "gravity-v1"
#: Share of out- and in-commuting that crosses the area's border in the distance-free seed:
#: an assumption, taken from TA23's distance fit (0.61 of out-commuters work outside the
#: area, 0.60 of in-commuters live outside). IPF then matches the totals exactly.
OUTSIDE_SHARE_SEED = 0.6
#: IPF of the distance-free seed stops when every margin is within this relative error.
IPF_TOLERANCE = 1e-12
IPF_MAX_ITERATIONS = 10_000
#: Versioned names of the retirement-rate sources. ``employed-by-age-v1``: employed residents
#: by age band of the municipality (tyokay 115n). ``population-x-national-rate-v1``: the
#: municipality's population by age band (vaerak 11re, nearest year-end available) times
#: Finland's employed residents per inhabitant of each age band (tyokay 115n SSS over vaerak
#: SSS): an assumption that the area's employment rates by age are the country's.
EXIT_CUBE = "employed-by-age-v1"
EXIT_FALLBACK = "population-x-national-rate-v1"
#: Age bands of the employed-by-age cube and their single years (75+ open-ended).
AGE_BANDS: dict[str, tuple[int, int]] = {
    "0-17": (0, 17), "18-24": (18, 24), "25-34": (25, 34), "35-44": (35, 44),
    "45-54": (45, 54), "55-64": (55, 64), "65-74": (65, 74), "75+": (75, 100),
}  # fmt: skip
#: The closure rate of a calendar month with no usable filled vacancy in the area falls back
#: to all municipalities' filled-weighted mean days open of that month.
CLOSURE_FALLBACK = "national-days-open-v1"
#: Relative monthly separation risk by TOL section (seasonal and project work higher, public
#: services lower); an assumption, normalised away in the level (which comes from the data).
REL_SEPARATION: dict[str, float] = {
    "A": 1.5, "B": 1.0, "C": 1.0, "D": 0.5, "E": 0.8, "F": 2.0, "G": 1.0, "H": 1.2,
    "I": 2.0, "J": 0.8, "K": 0.5, "L": 0.8, "M": 0.8, "N": 2.0, "O": 0.5, "P": 1.0,
    "Q": 0.7, "R": 1.5, "S": 1.2, "T": 1.0, "U": 1.0, "X": 1.5,
}  # fmt: skip
#: Broad sector groups of the area's service plan (primary, processing, services).
SECTOR_GROUP: dict[str, str] = {s: "services" for s in "GHIJKLMNOPQRSTU"} | {
    "A": "primary", "B": "processing", "C": "processing", "D": "processing",
    "E": "processing", "F": "processing", "X": "unknown",
}  # fmt: skip
#: Share of a jobseeker's search aimed at the own industry, and the extra weight on the
#: own sector group; the rest follows the industry's share of jobs.
OWN_INDUSTRY_SEARCH = 0.5
SAME_GROUP_WEIGHT = 3.0
MATCHING_YEARS = (2010, 2019)
DAYS_PER_MONTH = 30.44
#: The input cubes a calibration reads (``population`` only for the retirement fallback).
STRUCTURE_CUBES = (
    "registers", "vacancy_flows", "commuting", "jobs_by_industry",
    "employment_by_age_education", "migration", "population_totals", "population",
)  # fmt: skip


@dataclass(frozen=True)
class Structure:
    """Time-invariant structure of an employment area (``R`` municipalities, ``I`` sections).

    Attributes
    ----------
    municipalities : codes, sorted; industries : TOL sections A..U, X.
    jobs : (R, I) jobs by workplace and industry, 2017.
    flows : (R + 1, R + 1) commuting flows residence x workplace, 2017 (last: outside).
    commute : (R, R + 1) residents' employment shares by workplace (search shares).
    resid_of_work : (R, R + 1) shares of a workplace's jobs by residence (last: outside).
    emp_mix : (R, I) industry mix of employed residents (rows sum to 1).
    own, grp, spread : search weights (see :func:`mobility`); ``mob`` (I, I) the full matrix.
    rel_sep : (I,) relative separation risk.
    alpha, alpha_se, alpha_n : matching elasticity on unemployed, its standard error, obs.
    close_by_month : (12,) monthly closure probability of a vacancy, January..December.
    retire : (R,) monthly retirement probability of an employed resident.
    outmig : (R,) monthly out-migration probability.
    data_version, source_tables : provenance of the inputs.
    commuting_seed : :data:`SEED_DISTANCE` or :data:`SEED_GRAVITY`.
    exit_source : (R,) :data:`EXIT_CUBE` or :data:`EXIT_FALLBACK` per municipality.
    assumptions : human-readable fallbacks used for this area (empty for TA23).
    """

    municipalities: tuple[str, ...]
    industries: tuple[str, ...]
    jobs: np.ndarray
    flows: np.ndarray
    commute: np.ndarray
    resid_of_work: np.ndarray
    emp_mix: np.ndarray
    own: np.ndarray
    grp: np.ndarray
    spread: np.ndarray
    rel_sep: np.ndarray
    alpha: float
    alpha_se: float
    alpha_n: int
    close_by_month: np.ndarray
    retire: np.ndarray
    outmig: np.ndarray
    data_version: str
    source_tables: tuple[str, ...]
    commuting_seed: str = SEED_DISTANCE
    exit_source: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()

    @property
    def mob(self) -> np.ndarray:
        """(I, I) search weights from previous industry i to industry j (rows sum to 1)."""
        full = (1.0 - self.own)[:, None] * self.spread[self.grp]
        full[np.diag_indices_from(full)] += self.own
        return full


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h)) * ROAD_FACTOR


def has_coordinates(munis: list[str]) -> bool:
    """Whether the distance seed can be used (every member has a centre and an outside distance)."""
    return all(m in CENTRES and m in OUTSIDE_KM for m in munis)


def distance_seed(munis: list[str], jobs: np.ndarray) -> np.ndarray:
    """(R + 1, R + 1) gravity seed on road distances (:data:`SEED_DISTANCE`; TA23)."""
    R = len(munis)
    seed = np.zeros((R + 1, R + 1))
    for r, a in enumerate(munis):
        for w, b in enumerate(munis):
            if r != w:
                seed[r, w] = jobs[w] * math.exp(-_distance_km(CENTRES[a], CENTRES[b]) / DECAY_KM)
        out_w = OUTSIDE_JOBS_WEIGHT * math.exp(-OUTSIDE_KM[a] * 1.0 / DECAY_KM)
        seed[r, R] = out_w
        seed[R, r] = out_w * jobs[r] / jobs.mean()
    return seed


def gravity_seed(out_total: np.ndarray, in_total: np.ndarray, jobs: np.ndarray) -> np.ndarray:
    """(R + 1, R + 1) distance-free seed (:data:`SEED_GRAVITY`).

    Row ``r``: ``OUTSIDE_SHARE_SEED * out_total[r]`` to the outside column and the rest over
    the other members ``w`` in proportion to ``jobs[w]``; the outside row holds
    ``OUTSIDE_SHARE_SEED * in_total[w]``. Only the split matters: IPF fits the totals.
    """
    R = len(jobs)
    seed = np.zeros((R + 1, R + 1))
    inner = np.tile(np.asarray(jobs, dtype=np.float64), (R, 1))
    inner[np.arange(R), np.arange(R)] = 0.0
    rows = inner.sum(axis=1, keepdims=True)
    inner = np.divide(inner, rows, out=np.zeros_like(inner), where=rows > 0)
    share_in = np.where(rows[:, 0] > 0, 1.0 - OUTSIDE_SHARE_SEED, 0.0)
    seed[:R, :R] = inner * (share_in * out_total)[:, None]
    seed[:R, R] = out_total * (1.0 - share_in)
    seed[R, :R] = OUTSIDE_SHARE_SEED * np.asarray(in_total, dtype=np.float64)
    return seed


def _ipf_step(flows: np.ndarray, out_total: np.ndarray, in_total: np.ndarray) -> None:
    R = len(out_total)
    rows = flows[:R].sum(axis=1)
    flows[:R] *= np.where(rows > 0, out_total / np.where(rows > 0, rows, 1), 0)[:, None]
    cols = flows[:, :R].sum(axis=0)
    flows[:, :R] *= np.where(cols > 0, in_total / np.where(cols > 0, cols, 1), 0)[None, :]


def _margin_error(flows: np.ndarray, out_total: np.ndarray) -> float:
    """Largest relative error of the row margins (the columns are exact after a step)."""
    R = len(out_total)
    rows = flows[:R].sum(axis=1)
    return float(np.max(np.abs(rows - out_total) / np.maximum(out_total, 1.0)))


def fit_commuting(
    munis: list[str],
    home: np.ndarray,
    out_total: np.ndarray,
    in_total: np.ndarray,
    jobs: np.ndarray,
    iterations: int = 200,
) -> tuple[np.ndarray, str]:
    """Residence x workplace flows matching the commuting totals (gravity seed + IPF).

    Parameters
    ----------
    munis : municipality codes (R,); home : (R,) residents working in the home municipality;
    out_total : (R,) residents commuting out; in_total : (R,) jobs held by in-commuters;
    jobs : (R,) jobs by workplace (for the gravity seed).
    iterations : IPF rounds of the distance seed (the distance-free seed iterates until the
        margins agree within :data:`IPF_TOLERANCE`).

    Returns
    -------
    flows : (R + 1, R + 1); the diagonal is ``home``, row ``r`` off the diagonal sums to
        ``out_total[r]``, column ``w`` to ``in_total[w]``; the outside-outside cell is 0.
    seed : :data:`SEED_DISTANCE` when every member has coordinates, else :data:`SEED_GRAVITY`.
    """
    R = len(munis)
    if has_coordinates(munis):
        flows = distance_seed(munis, jobs)
        for _ in range(iterations):
            _ipf_step(flows, out_total, in_total)
        kind = SEED_DISTANCE
    else:
        flows = gravity_seed(out_total, in_total, jobs)
        for _ in range(IPF_MAX_ITERATIONS):
            _ipf_step(flows, out_total, in_total)
            if _margin_error(flows, out_total) < IPF_TOLERANCE:
                break
        kind = SEED_GRAVITY
    flows[np.arange(R), np.arange(R)] = home
    return flows, kind


GROUPS = ("primary", "processing", "services", "unknown")


def mobility(
    industries: tuple[str, ...], job_share: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Search weights as ``own`` (I,), ``grp`` (I,) and ``spread`` (NG, I).

    A jobseeker aims :data:`OWN_INDUSTRY_SEARCH` of the search at the previous industry and
    spreads the rest over industries by their share of jobs, with :data:`SAME_GROUP_WEIGHT`
    times the weight inside the own sector group; new entrants and the unknown industry (X)
    follow the job shares alone.
    """
    grp = np.array([GROUPS.index(SECTOR_GROUP[s]) for s in industries], dtype=np.int64)
    own = np.where(grp == GROUPS.index("unknown"), 0.0, OWN_INDUSTRY_SEARCH)
    spread = np.zeros((len(GROUPS), len(industries)))
    for g in range(len(GROUPS)):
        same = (grp == g) & (g != GROUPS.index("unknown"))
        weight = job_share * np.where(same, SAME_GROUP_WEIGHT, 1.0)
        spread[g] = weight / weight.sum()
    return own, grp, spread


def estimate_matching_elasticity(
    registers: xr.Dataset, vacancy_flows: xr.Dataset, years: tuple[int, int] = MATCHING_YEARS
) -> tuple[float, float, int]:
    """Elasticity of filled vacancies on unemployed, constant returns imposed.

    ``log(filled_t / V_{t-1}) = c_m + c_month + alpha log(U_{t-1} / V_{t-1})`` over all
    municipalities with at least 5 filled and 5 open vacancies (suppressed cells are NaN and
    drop out), fixed effects removed by alternating demeaning.

    Returns
    -------
    alpha, its standard error (homoskedastic, FE degrees of freedom), number of observations.
    """
    areas = [a for a in map(str, vacancy_flows["area"].values) if a in registers["area"].values]
    time = vacancy_flows["time"].values
    U = registers["unemployed"].sel(area=areas).reindex(time=time).shift(time=1).values
    V = registers["vacancies"].sel(area=areas).reindex(time=time).shift(time=1).values
    F = vacancy_flows["filled"].sel(area=areas).values
    years_of = pd.DatetimeIndex(time).year
    in_years = (years_of >= years[0]) & (years_of <= years[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(F / V)
        x = np.log(U / V)
    ok = np.isfinite(y) & np.isfinite(x) & (F >= 5) & (V >= 5) & in_years[None, :]
    rows, cols = np.nonzero(ok)
    frame = pd.DataFrame(
        {"y": y[ok], "x": x[ok], "a": rows, "m": pd.DatetimeIndex(time[cols]).month}
    )
    for _ in range(30):
        for g in ("a", "m"):
            frame["y"] -= frame.groupby(g)["y"].transform("mean")
            frame["x"] -= frame.groupby(g)["x"].transform("mean")
    sxx = float((frame.x**2).sum())
    alpha = float((frame.x * frame.y).sum() / sxx)
    dof = len(frame) - frame.a.nunique() - 12
    resid = frame.y - alpha * frame.x
    se = float(np.sqrt((resid**2).sum() / dof / sxx))
    return alpha, se, len(frame)


def _mean_days_by_month(vacancy_flows: xr.Dataset, munis: list[str]) -> np.ndarray:
    """(12,) filled-weighted mean days open by calendar month (NaN: no usable month)."""
    sub = vacancy_flows.sel(area=munis)
    sub = sub.sel(time=sub["time"].dt.year >= MATCHING_YEARS[0])
    days = sub["mean_days_open"]
    filled = sub["filled"]
    ok = (days > 0) & (filled > 0)
    weighted = (days * filled).where(ok).groupby("time.month").sum(dim=...)
    weights = filled.where(ok).groupby("time.month").sum(dim=...)
    return (weighted / weights).values


def vacancy_closure_by_month(vacancy_flows: xr.Dataset, munis: list[str]) -> np.ndarray:
    """(12,) monthly closure probability ``1 - exp(-30.44 / days)``, January..December.

    ``days`` is the filled-weighted mean of the area's mean days open of filled vacancies
    (2010 onwards; months with no filled vacancy or a suppressed figure are left out). A
    calendar month with no usable figure in the area takes all municipalities' mean
    (:data:`CLOSURE_FALLBACK`; never needed with the current snapshot, where every area has
    at least 5 usable months of each calendar month).
    """
    return _closure(vacancy_flows, munis)[0]


def _closure(vacancy_flows: xr.Dataset, munis: list[str]) -> tuple[np.ndarray, int]:
    """:func:`vacancy_closure_by_month` and the number of months that used the fallback."""
    mean_days = _mean_days_by_month(vacancy_flows, munis)
    missing = ~np.isfinite(mean_days) | (mean_days <= 0)
    if missing.any():
        national = _mean_days_by_month(vacancy_flows, list(map(str, vacancy_flows["area"].values)))
        mean_days = np.where(missing, national, mean_days)
    return 1.0 - np.exp(-DAYS_PER_MONTH / mean_days), int(missing.sum())


def _nearest_year(da: xr.DataArray, year: str) -> xr.DataArray:
    """``da`` at the year-end nearest to ``year`` (dim ``time`` dropped)."""
    years = pd.DatetimeIndex(da["time"].values).year
    k = int(np.argmin(np.abs(years - int(year))))
    return da.isel(time=k, drop=True)


def population_by_band(population: xr.Dataset, areas: list[str], year: str) -> xr.DataArray:
    """(area, age_band) population of the year-end nearest to ``year`` (the ``population``
    cube, vaerak 11re)."""
    pop = _nearest_year(population["population"].sel(area=areas), year)
    pop = pop.sum("sex")
    bands = [pop.sel(age=slice(lo, hi)).sum("age") for lo, hi in AGE_BANDS.values()]
    return xr.concat(bands, dim=pd.Index(list(AGE_BANDS), name="age_band")).transpose(
        "area", "age_band"
    )


def _retirement_yearly(emp: xr.DataArray) -> xr.DataArray:
    """Yearly retirement share of the employed from employed residents by ``age_band``."""
    total = emp.sum("age_band")
    # Employed aged 55-64 cross 65 at a tenth a year; those 65-74 stop within about 5 years.
    return (emp.sel(age_band="55-64") / 10 + emp.sel(age_band="65-74") / 5) / total


def retirement_fallback(
    employment: xr.Dataset, population: xr.Dataset, munis: list[str], year: str
) -> np.ndarray:
    """(R,) monthly retirement probability from population by age x Finland's employment rates.

    :data:`EXIT_FALLBACK`: employed residents by band are estimated as the municipality's
    population of the band times Finland's employed residents per inhabitant of that band
    (tyokay 115n ``SSS`` of ``year`` over vaerak 11re ``SSS`` of the nearest year-end).
    ``employment``: the ``employment_by_age_education`` cube; ``population``: the
    ``population`` cube.
    """
    cube = employment["employed_residents"]
    national = cube.sel(area="SSS", time=year).sum("education_level").squeeze("time", drop=True)
    rate = national / population_by_band(population, ["SSS"], year).sel(area="SSS", drop=True)
    emp = population_by_band(population, munis, year) * rate.fillna(0.0)
    return _retirement_yearly(emp).values / 12.0


def _exit_rates(
    cubes: Mapping[str, xr.Dataset], munis: list[str], year: str
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Monthly retirement and out-migration probabilities by municipality, and the source of
    each municipality's retirement rate (:data:`EXIT_CUBE` or :data:`EXIT_FALLBACK`)."""
    emp = cubes["employment_by_age_education"]["employed_residents"]
    have = set(map(str, emp["area"].values))
    inside = [m for m in munis if m in have]
    retire = np.full(len(munis), np.nan)
    if inside:
        sub = emp.sel(area=inside, time=year).sum("education_level").squeeze("time", drop=True)
        rates = _retirement_yearly(sub).values / 12.0
        for m, v in zip(inside, rates, strict=True):
            retire[munis.index(m)] = v
    missing = ~np.isfinite(retire)
    if missing.any():
        lacking = [m for m, x in zip(munis, missing, strict=True) if x]
        retire[missing] = retirement_fallback(
            cubes["employment_by_age_education"], _cube(cubes, "population"), lacking, year
        )
    source = tuple(EXIT_FALLBACK if x else EXIT_CUBE for x in missing)
    mig = cubes["migration"]["out_migration"].sel(area=munis, time=year)
    pop = cubes["population_totals"]["population"].sel(area=munis, time=year)
    out_rate = (mig / pop).squeeze("time", drop=True)
    return retire, out_rate.values / 12.0, source


def _cube(cubes: Mapping[str, xr.Dataset], name: str) -> xr.Dataset:
    """``cubes[name]``, or a :class:`DataError` naming the missing cube."""
    try:
        return cubes[name]
    except KeyError:
        raise DataError(
            f"the scenario calibration needs the {name!r} cube; pass it in ``cubes`` "
            f"(calibration reads {', '.join(STRUCTURE_CUBES)})",
            source=name,
        ) from None


def _commuting_totals(
    com: xr.Dataset, area: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(home, out, in, jobs), each (R,); a missing total is completed from the identities
    employed residents = home + out and jobs = home + in, else :class:`DataError`."""
    home = com["residents_working_in_home_municipality"].values.astype(np.float64)
    out = com["commuting_out"].values.astype(np.float64)
    into = com["commuting_in"].values.astype(np.float64)
    jobs = com["jobs"].values.astype(np.float64)
    emp = com["employed_residents"].values.astype(np.float64)
    out = np.where(np.isnan(out), emp - home, out)
    into = np.where(np.isnan(into), jobs - home, into)
    home = np.where(np.isnan(home), emp - out, home)
    jobs = np.where(np.isnan(jobs), home + into, jobs)
    if any(np.isnan(x).any() for x in (home, out, into, jobs)):
        raise DataError(
            f"commuting totals of {area} are suppressed and cannot be completed", source="commuting"
        )
    return home, out, into, jobs


def _assumptions(
    seed: str, exit_source: tuple[str, ...], munis: list[str], closure_fallback: int
) -> tuple[str, ...]:
    """Human-readable list of the fallbacks an area's calibration used."""
    notes = []
    if closure_fallback:
        notes.append(
            f"vacancy closure {CLOSURE_FALLBACK} for {closure_fallback} calendar month(s) "
            "without a usable filled vacancy in the area"
        )
    if seed != SEED_DISTANCE:
        notes.append(
            f"commuting seed {seed}: no centre coordinates; {OUTSIDE_SHARE_SEED:.0%} of "
            "commuting assumed to cross the area border before IPF"
        )
    fallback = [m for m, src in zip(munis, exit_source, strict=True) if src == EXIT_FALLBACK]
    if fallback:
        notes.append(
            f"retirement {EXIT_FALLBACK} for {', '.join(fallback)}: population by age x "
            "Finland's employed share by age band"
        )
    return tuple(notes)


def load_structure(
    cubes: Mapping[str, xr.Dataset],
    area: str = geography.MIKKELI_AREA,
    year: int = 2017,
    *,
    elasticity: tuple[float, float, int] | None = None,
) -> Structure:
    """The calibrated structure of employment area ``area`` from the input cubes.

    ``cubes`` maps cube name to dataset and holds :data:`STRUCTURE_CUBES` (``population``
    is read only when a municipality needs the retirement fallback); a missing cube is a
    :class:`DataError`. Nothing is cached: a caller that calibrates several times (the
    service, a release) keeps the result. ``elasticity`` (alpha, se, n) reuses an
    :func:`estimate_matching_elasticity` result (the same for every area of one data
    version) instead of estimating it again.

    Any employment area (``"TA01"`` .. ``"TA46"``) or a municipality's code works; where the
    data lack the area the documented fallbacks apply (:attr:`Structure.assumptions`).
    Raises :class:`forecasting.errors.UnknownAreaError` for an unknown code.
    """
    munis = geography.members(area)
    industries = tuple(tol2008_sections().index)
    names = [n for n in STRUCTURE_CUBES if n != "population"]
    used = {name: _cube(cubes, name) for name in names}
    y = str(year)
    com = used["commuting"].sel(area=munis, time=y).squeeze("time", drop=True)
    jobs = used["jobs_by_industry"]["jobs"].sel(area=munis, industry=list(industries))
    jobs_arr = np.nan_to_num(jobs.values)
    home, out, into, com_jobs = _commuting_totals(com, area)
    flows, seed = fit_commuting(munis, home, out, into, com_jobs)
    R = len(munis)
    commute = flows[:R] / flows[:R].sum(axis=1, keepdims=True)
    resid_of_work = (flows[:, :R] / flows[:, :R].sum(axis=0, keepdims=True)).T
    ind_share = jobs_arr / jobs_arr.sum(axis=1, keepdims=True)
    outside_mix = ind_share.sum(axis=0) / ind_share.sum()
    emp_mix = commute[:, :R] @ ind_share + commute[:, R:] * outside_mix[None, :]
    emp_mix /= emp_mix.sum(axis=1, keepdims=True)
    job_share = jobs_arr.sum(axis=0) / jobs_arr.sum()
    alpha, se, n = elasticity or estimate_matching_elasticity(
        used["registers"], used["vacancy_flows"]
    )
    retire, outmig, exit_source = _exit_rates(cubes, munis, y)
    if exit_source.count(EXIT_FALLBACK):
        used["population"] = _cube(cubes, "population")
    own, grp, spread = mobility(industries, job_share)
    close_by_month, closure_fallback = _closure(used["vacancy_flows"], munis)
    return Structure(
        municipalities=tuple(munis),
        industries=industries,
        jobs=jobs_arr,
        flows=flows,
        commute=commute,
        resid_of_work=resid_of_work,
        emp_mix=emp_mix,
        own=own,
        grp=grp,
        spread=spread,
        rel_sep=np.array([REL_SEPARATION[s] for s in industries]),
        alpha=alpha,
        alpha_se=se,
        alpha_n=n,
        close_by_month=close_by_month,
        retire=retire,
        outmig=outmig,
        data_version=combine_versions(ds.attrs["data_version"] for ds in used.values()),
        source_tables=tuple(
            sorted(
                {t.strip() for ds in used.values() for t in ds.attrs["source_tables"].split(",")}
            )
        ),
        commuting_seed=seed,
        exit_source=exit_source,
        assumptions=_assumptions(seed, exit_source, munis, closure_fallback),
    )
