"""Training need per field of education and level, from the year after the demography's
base year (2026 with Snapshot v2) to 2040, for education providers.

The chain (details and reasons in ``docs/methods/training_needs.md``)::

    jobs by industry (forecasting.demand)  ->  expansion = jobs[t] - jobs[t-1]
    demography exits by age (replacement), 2017 pension reform by cohort, net of re-entries
                                            ->  replacement = net exit rate x jobs[t-1]
    industry -> occupation bridge (RAS on a prior, 12ti structure)  ->  openings by occupation
    occupation -> field x level correspondence (versioned CSV)      ->  demand by field and level
    supply (forecasting.training_supply) and the balance (forecasting.training_balance)
                                            ->  need = demand - supply (signed: < 0 is a surplus)

This module holds the occupation chain (:func:`_chain`), the correspondence and bridge, and the
release product :func:`training_needs` (broad fields, kinds summed); the providers' output
(broad and narrow fields, kinds, totals, balance table, qualifications) is
:mod:`forecasting.training_balance`.

Data: the entry points take one ``cubes`` mapping (cube name -> dataset, at least
:data:`CUBES`, e.g. a :class:`forecasting.io.inputs.Inputs`) and a ``seed`` from the caller;
the steps take the datasets they read as arguments.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import classifications, demand, geography, replacement, training_params
from forecasting.contract import to_canonical, validate
from forecasting.demography.labour import LabourRates
from forecasting.demography.rates import RateSet
from forecasting.errors import DataError, ValidationError
from forecasting.io import correspondence as corr_io
from forecasting.provenance import combine_versions, stamp
from models import shiftshare

LEVELS = ("vocational", "applied_sciences", "university")
#: Weight of the 12ti occupational structure (vs the prior's) in the bridge's column targets.
BRIDGE_LAMBDA = 0.5
#: Months of 12ti data behind the bridge (around the 2017 industry structure) and the supply.
BRIDGE_WINDOW = ("2015-01", "2019-12")
SUPPLY_WINDOW_MONTHS = 12
N_DRAWS = 200
#: Statistics of ``need`` (the contract's ``statistic`` labels; 80 % bounds only).
NEED_STATISTICS: tuple[str, ...] = ("mean", "lo80", "hi80")
#: Every cube the chain needs: the jobs projection's, the replacement's and the 12ti/12r5 ones.
CUBES: tuple[str, ...] = tuple(
    dict.fromkeys((*demand.CUBES, *replacement.CUBES, "occupations", "registers", "migration"))
)


# --------------------------------------------------------------------------- correspondence
def correspondence_version(path: str | Path | None) -> str:
    """``"v1"`` for the shipped key, ``"user:<sha256 prefix>"`` for a user's file."""
    if path is None:
        return corr_io.CORRESPONDENCE_V1.stem.rsplit("_", 1)[-1]
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return f"user:{Path(path).name}:{digest}"


def check_until(cubes: Mapping[str, xr.Dataset], until: object) -> int:
    """``until`` if it lies in the year after the population's base year (the first year the
    chain projects; 2026 with Snapshot v2) .. 2040; :class:`ValidationError` naming that
    range otherwise (a year at or before the base failed deep in the chain, contradicting
    the range it was told)."""
    from forecasting.demography import base_years

    low = 2025
    if "population" in cubes:
        low = max(low, base_years(cubes)[-1] + 1)
    return demand._check_until(until, low=low)  # type: ignore[arg-type]


def load_correspondence(path: str | Path | None = None) -> xr.DataArray:
    """The occupation -> field x level key ``(occupation, field, level)``, shares summing to 1.

    Occupations are 2-digit groups of Ammattiluokitus 2010, fields broad fields of
    Koulutusluokitus 2016, levels ``vocational``, ``applied_sciences``, ``university``.

    Raises
    ------
    DataError
        The file is missing or malformed (names the row).
    ValidationError
        Unknown occupation, field or level codes; repeated rows; shares of an occupation not
        summing to 1 (tolerance 1e-6); an occupation group of the data without a row.
    """
    table = corr_io.read_correspondence(path)
    occupations = classifications.occupations_2010()
    known_occ = set(occupations.index[occupations["level"] == 2])
    checks = {
        "occupation": known_occ,
        "field": set(classifications.education_fields_2016().index),
        "level": set(LEVELS),
    }
    for column, allowed in checks.items():
        bad = sorted(set(table[column]) - allowed)
        if bad:
            raise ValidationError(column, f"codes not in the classification: {bad[:5]}")
    if table.duplicated(["occupation", "field", "level"]).any():
        raise ValidationError("occupation", "repeated occupation, field, level rows")
    sums = table.groupby("occupation")["share"].sum()
    off = sums[np.abs(sums - 1.0) > 1e-6]
    if len(off):
        raise ValidationError(
            "share", f"shares must sum to 1 per occupation; {dict(off.round(4).head(5))}"
        )
    missing = sorted(set(occupation_groups()) - set(table["occupation"]))
    if missing:
        raise ValidationError("occupation", f"no correspondence rows for {missing[:5]}")
    cube = table.set_index(["occupation", "field", "level"])["share"].to_xarray().fillna(0.0)
    cube.attrs["correspondence_version"] = correspondence_version(path)
    return cube.transpose("occupation", "field", "level")


# --------------------------------------------------------------------------- occupations
def occupation_groups() -> list[str]:
    """2-digit occupation groups of the 12ti data (armed forces and X groups left out)."""
    table = classifications.occupations_2010()
    codes = table.index[(table["level"] == 2)]
    return sorted(c for c in codes if c[0] in "123456789")


def occupations_by_group(occupations: xr.Dataset, region: str, start: str, end: str) -> xr.Dataset:
    """Mean monthly ``unemployed`` and ``vacancies`` per 2-digit group of ``region``.

    ``occupations`` is the 12ti ``occupations`` cube.
    """
    ds = occupations.sel(area=region, time=slice(start, end))
    codes = [str(c) for c in ds["occupation"].values if str(c) != "SSS"]
    sub = mean_over_time(ds[["unemployed", "vacancies"]].sel(occupation=codes))
    groups = occupation_groups()
    members = _group_members([c[:2] for c in codes], groups)
    data = {
        name: ("occupation", _group_nansums(var.values, members), var.attrs)
        for name, var in sub.data_vars.items()
    }
    coords = {"occupation": groups, **{k: v for k, v in sub.coords.items() if k != "occupation"}}
    return xr.Dataset(data, coords=coords, attrs=sub.attrs)


def _group_members(labels: list[str], groups: list[str]) -> list[np.ndarray]:
    """Positions of ``labels`` equal to each of ``groups`` (ascending; empty if none)."""
    position = {g: j for j, g in enumerate(groups)}
    out: list[list[int]] = [[] for _ in groups]
    for k, label in enumerate(labels):
        if label in position:
            out[position[label]].append(k)
    return [np.array(m, dtype=np.intp) for m in out]


_XrT = TypeVar("_XrT", xr.Dataset, xr.DataArray)


def mean_over_time(data: _XrT) -> _XrT:
    """The mean over ``time`` of each cell, missing (NaN) where the window has no value.

    The same numbers as ``data.mean("time")`` (numpy's ``nanmean`` of each cell with a value),
    but a cell without one (a 12ti count suppressed through the whole window: MK10 has 82
    occupations with no unemployed count in 11/2022-10/2023) is set missing, not averaged:
    ``nanmean`` of an empty slice warns "Mean of empty slice", and xarray's silencing of that
    warning (``warnings.catch_warnings``) is not thread-safe, so with two threads averaging at
    once (a request and the service's start-up warm-up) the warning escaped.
    """
    seen = data.count("time") > 0
    return data.where(seen, 0.0).mean("time").where(seen)


def _group_nansums(values: np.ndarray, members: list[np.ndarray]) -> np.ndarray:
    """Sums of ``values`` (1-d) over each group's ``members``, NaN as 0, 0 for an empty group:
    the bits of xarray's ``groupby(...).sum()`` then ``reindex(...).fillna(0)`` (each group's
    values gathered into one contiguous array, NaN replaced by 0, summed by numpy)."""
    out = np.zeros(len(members))
    for j, rows in enumerate(members):
        if rows.size:
            part = values[rows]
            out[j] = np.where(np.isnan(part), 0.0, part).sum()
    return out


def occupation_region(area: str) -> str:
    """The 12ti area for ``area``: Etelä-Savo (MK10) for its members, else the country."""
    code = geography.resolve_area(area)
    members = geography.members(code)
    munis = geography.municipalities()
    if code != geography.COUNTRY and set(munis.loc[members, "region"]) == {"MK10"}:
        return "MK10"
    return geography.COUNTRY


def industry_occupation_bridge(
    jobs_by_industry: xr.Dataset, occupations: xr.Dataset, region: str = "MK10"
) -> xr.DataArray:
    """Shares ``(industry, occupation)`` of each industry's jobs by occupation (rows sum to 1).

    A prior of typical occupations per TOL section (``industry_to_occupation_prior_v1.csv``,
    expert weights) is fitted by RAS to the region's 2017 jobs by industry (rows, the
    ``jobs_by_industry`` cube) and to an occupational structure (columns) that blends, with
    weight :data:`BRIDGE_LAMBDA`, the 12ti structure (``occupations`` cube) of jobseekers plus
    vacancies in :data:`BRIDGE_WINDOW` and the prior's own.
    """
    prior = corr_io.read_bridge_prior()
    groups = occupation_groups()
    bad = sorted(set(prior["occupation"]) - set(groups))
    if bad:
        raise ValidationError("occupation", f"bridge prior has unknown groups {bad[:5]}")
    weights = prior.pivot_table(index="industry", columns="occupation", values="weight")
    weights = weights.reindex(index=list(demand.SECTIONS), columns=groups).fillna(0.0)
    jobs = jobs_by_industry["jobs"].sel(area=region)
    rows = jobs.sel(industry=list(demand.SECTIONS)).fillna(0.0).values
    seed = weights.to_numpy() / np.maximum(weights.to_numpy().sum(axis=1, keepdims=True), 1e-12)
    seed = seed * rows[:, None]
    occ = occupations_by_group(occupations, region, *BRIDGE_WINDOW)
    observed = (occ["unemployed"] + occ["vacancies"]).values
    target = BRIDGE_LAMBDA * observed / observed.sum() + (1 - BRIDGE_LAMBDA) * (
        seed.sum(axis=0) / seed.sum()
    )
    fitted = shiftshare.ipf(seed, rows, target * rows.sum())
    shares = fitted / np.maximum(fitted.sum(axis=1, keepdims=True), 1e-12)
    prior_rows = weights.to_numpy() / np.maximum(weights.to_numpy().sum(1, keepdims=True), 1e-12)
    shares[rows <= 0] = prior_rows[rows <= 0]  # no jobs in the region: the prior's mix
    return xr.DataArray(
        shares,
        dims=("industry", "occupation"),
        coords={"industry": list(demand.SECTIONS), "occupation": groups},
        name="bridge",
        attrs={"region": region, "lambda": BRIDGE_LAMBDA},
    )


def supply_window(occupations: xr.Dataset) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last month of the supply: the last :data:`SUPPLY_WINDOW_MONTHS` of 12ti."""
    end = pd.Timestamp(occupations["time"].values[-1])
    return end - pd.DateOffset(months=SUPPLY_WINDOW_MONTHS - 1), end


def supply_base(
    occupations: xr.Dataset,
    registers: xr.Dataset,
    area: str,
    grouped: xr.Dataset | None = None,
    window_unemployed: xr.DataArray | None = None,
) -> tuple[xr.DataArray, xr.DataArray, str]:
    """Unemployed jobseekers ``(occupation,)`` of ``area`` per year of supply, and tightness.

    The 12ti region's mean over the :func:`supply_window` of ``occupations``, scaled to
    ``area`` by its share of the region's registered unemployed (``registers``, 12r5) over the
    same months. Tightness is vacancies per unemployed jobseeker of the region. ``grouped`` is
    :func:`occupations_by_group` of the region over that window when the caller has it (the
    chain computes it once per region), ``window_unemployed`` the registered unemployed per
    area averaged over that window (:func:`_window_unemployed`; the chain's once for all its
    groups). Returns ``(unemployed, tightness, basis)``.
    """
    region = occupation_region(area)
    start, end = supply_window(occupations)
    occ = grouped
    if occ is None:
        occ = occupations_by_group(occupations, region, str(start.date()), str(end.date()))
    unemployed = window_unemployed
    if unemployed is None:
        unemployed = _window_unemployed(registers, occupations)
    code = geography.resolve_area(area)
    if code == region:
        scale = 1.0
    else:
        members = geography.members(code)
        scale = float(unemployed.sel(area=members).sum() / unemployed.sel(area=region))
    # Undefined (NaN) where the occupation has no unemployed jobseekers.
    tightness = occ["vacancies"] / occ["unemployed"].where(occ["unemployed"] > 0)
    basis = f"12ti {region} {start:%Y-%m}..{end:%Y-%m} x {scale:.4f} (12r5 share)"
    return occ["unemployed"] * scale, tightness, basis


def _window_unemployed(registers: xr.Dataset, occupations: xr.Dataset) -> xr.DataArray:
    """Registered unemployed (12r5) per area, mean over the :func:`supply_window`."""
    start, end = supply_window(occupations)
    return mean_over_time(registers["unemployed"].sel(time=slice(start, end)))


# --------------------------------------------------------------------------- the chain
def _check_scope(scope: str, area: str) -> str:
    if scope not in ("area", "national"):
        raise ValidationError("scope", f"must be 'area' or 'national', got {scope!r}")
    if scope == "national":
        return geography.COUNTRY
    return geography.resolve_area(area)


def _groups(code: str) -> dict[str, list[str]]:
    if code == geography.COUNTRY:
        return {code: geography.members(code)}
    return demand.area_groups(code)


def _from_year(sim: demand.JobsSimulation, year: int) -> demand.JobsSimulation:
    """``sim`` from ``year`` on (the demography's base year: openings start the year after)."""
    keep = sim.years >= year
    if not keep.any() or sim.years[0] > year:
        raise DataError(
            f"jobs years {sim.years[[0, -1]]} do not reach the demography's base year {year}",
            source="demography",
        )
    return demand.JobsSimulation(
        sim.groups, sim.years[keep], sim.central[..., keep], sim.draws[..., keep]
    )


def _replacement_rates(
    cubes: Mapping[str, xr.Dataset],
    code: str,
    sim: demand.JobsSimulation,
    seed: int,
    rateset: RateSet | LabourRates | None = None,
) -> replacement.ExitRates:
    """Exit rates of the demography for ``code``'s groups, checked against the simulation years
    (``sim`` starts in the demography's base year, see :func:`_from_year`).

    Column ``k`` of ``rate`` holds the exits during ``sim.years[k + 1]`` per employed resident
    at the end of ``sim.years[k]``; the chain applies it to the jobs of ``sim.years[k]``.
    """
    rates = replacement.exit_rates(cubes, code, int(sim.years[-1]), seed=seed, rateset=rateset)
    if not np.array_equal(rates.years, sim.years[1:]):
        raise DataError(
            f"demography years {rates.years[[0, -1]]} do not match the jobs {sim.years[[1, -1]]}",
            source="demography",
        )
    return rates


def _exit_multipliers(
    rates: replacement.ExitRates, labels: tuple[str, ...], n_draws: int, seed: int
) -> np.ndarray:
    """Log-normal, mean-one multipliers ``(D, G, H)`` of the exits: one normal per draw and
    group, scaled by the demography's relative sd of each year (a persistent population error).
    """
    sd = np.stack([rates.rel_sd[rates.take(label)] for label in labels])  # (G, H)
    z = np.random.default_rng([seed, 1]).standard_normal((n_draws, len(labels), 1))
    return np.exp(z * sd[None] - 0.5 * sd[None] ** 2)


def _to_occupations(by_industry: np.ndarray, bridge: np.ndarray) -> np.ndarray:
    """``(..., I, T) -> (..., O, T)`` through the bridge ``(I, O)``.

    einsum, not :func:`models.shiftshare.contract`: the chain's job arrays have the years
    outermost in memory, and einsum's order of the additions over ``I`` follows the layout.
    """
    return np.einsum("...it,io->...ot", by_industry, bridge)


def _chain(
    cubes: Mapping[str, xr.Dataset],
    code: str,
    until: int,
    n_draws: int,
    seed: int,
    population: xr.DataArray | None = None,
    params: training_params.Params | None = None,
    rateset: RateSet | LabourRates | None = None,
    base: demand.DemandBase | None = None,
    history: xr.DataArray | None = None,
) -> tuple[xr.Dataset, dict[str, str]]:
    """Expansion, replacement and openings (signed) by occupation per group and year, with
    their draws, the unemployed jobseekers per occupation and the tightness.

    Replacement: the demography's exits by age with the 2017 pension reform's cohort delays
    and net of re-entries (:func:`forecasting.replacement.net_exit_rates`, ``params``).
    ``base`` and ``history``: :func:`forecasting.demand.demand_base` of ``cubes`` and
    ``population`` and its :func:`~forecasting.demand.jobs_by_industry_history` when the
    caller has them (the same for every area).
    """
    params = params or training_params.load_params()
    groups = _groups(code)
    if base is None:
        base = demand.demand_base(cubes, seed=seed, population=population)
    sim = demand.simulate_jobs(
        base, groups, until=until, n_draws=n_draws, seed=seed, history=history
    )
    sim = _from_year(sim, replacement.base_year(cubes))
    gross = _replacement_rates(cubes, code, sim, seed, rateset)
    exits = replacement.net_exit_rates(
        gross, params.retirement_shift, params.shift_from_age, params.reentry_share
    )
    rates = np.stack([exits.rate[exits.take(label)] for label in sim.groups])  # (G, H)
    region = occupation_region(code)
    occupations = demand.cube(cubes, "occupations")
    jobs = demand.cube(cubes, "jobs_by_industry")
    bridge = industry_occupation_bridge(jobs, occupations, region).values
    central, draws = sim.central, sim.draws
    expansion = _to_occupations(np.diff(central, axis=2), bridge)
    repl = _to_occupations(rates[:, None, :] * central[:, :, :-1], bridge)
    multipliers = _exit_multipliers(exits, sim.groups, n_draws, seed)
    # Draws of expansion: the central yearly change plus the draw's deviation of the whole
    # change base..until spread evenly over the years (the job draws' year-to-year noise is
    # uncertainty of the level, not hiring and firing every year: differencing it would count
    # it as openings and as released workers). The years' draws add up to the draw's change.
    dev = (draws[..., -1:] - draws[..., :1]) - (central[..., -1:] - central[..., :1])[None]
    steps = central.shape[2] - 1
    exp_d = _to_occupations(np.diff(central, axis=2)[None] + dev / steps, bridge)
    rep_d = _to_occupations((rates[None] * multipliers)[:, :, None, :] * draws[..., :-1], bridge)
    open_d = exp_d + rep_d
    registers = demand.cube(cubes, "registers")
    start, end = supply_window(occupations)
    regions = {label: occupation_region(label) for label in sim.groups}
    grouped = {
        r: occupations_by_group(occupations, r, str(start.date()), str(end.date()))
        for r in sorted(set(regions.values()))
    }
    window = _window_unemployed(registers, occupations)
    bases = [
        supply_base(occupations, registers, label, grouped[regions[label]], window)
        for label in sim.groups
    ]
    unemployed = np.stack([b[0].values for b in bases])
    for g, label in enumerate(sim.groups):
        members = [sim.groups.index(m) for m in groups[label] if m in sim.groups and m != label]
        if len(members) == len(groups[label]) > 1:  # bottom-up: aggregates sum their members
            for arr in (expansion, repl):
                arr[g] = arr[members].sum(axis=0)
            for arr in (open_d, exp_d, rep_d):
                arr[:, g] = arr[:, members].sum(axis=1)
            unemployed[g] = unemployed[members].sum(axis=0)
    dims = ("area", "occupation", "time")
    coords = {
        "area": list(sim.groups),
        "occupation": occupation_groups(),
        "time": sim.years[1:],
    }
    ds = xr.Dataset(
        {
            "expansion": (dims, expansion),
            "replacement": (dims, repl),
            "gross_replacement_rate": (
                ("area", "time"),
                np.stack([gross.rate[gross.take(label)] for label in sim.groups]),
            ),
            "replacement_rate": (("area", "time"), rates),
            "unemployed": (("area", "occupation"), unemployed),
            "tightness": (("area", "occupation"), np.stack([b[1].values for b in bases])),
        },
        coords=coords,
    )
    ds["openings_draws"] = (("draw", *dims), open_d)
    # the two parts of the draws, for the intervals' sources (training_balance.interval_sources)
    ds["expansion_draws"] = (("draw", *dims), exp_d)
    ds["replacement_draws"] = (("draw", *dims), rep_d)
    notes = {
        "supply_basis": "; ".join(f"{g}: {b[2]}" for g, b in zip(sim.groups, bases, strict=True))
    }
    notes["bridge_region"] = region
    notes["education_mix_proxy"] = ", ".join(
        g for g in sim.groups if g not in replacement.covered_areas(cubes[replacement.CUBE])
    )
    notes["demography_assumptions"] = exits.attrs["assumptions"]
    notes["demography_assumptions_version"] = replacement.assumptions_version(exits)
    notes["demography_draws"] = str(exits.attrs["draws"])
    notes["demography_seed"] = str(exits.attrs["seed"])
    notes["demography_source_tables"] = exits.attrs["source_tables"]
    notes["training_params_version"] = params.version
    notes["_data_version"] = combine_versions(
        [
            base.data_version,
            *(str(cubes[n].attrs["data_version"]) for n in ("occupations", "registers")),
            str(cubes[replacement.CUBE].attrs["data_version"]),
            exits.attrs["data_version"],
        ]
    )
    notes["_retrieved"] = str(occupations.attrs["retrieved"])
    return ds.assign_attrs(groups=json.dumps(groups)), notes


def _source_tables(notes: dict[str, str]) -> tuple[str, ...]:
    """The chain's source tables: jobs, demography (retirements), 12ti and 12r5."""
    demo = notes["demography_source_tables"]  # already joined (some names hold commas)
    return (*demand.SOURCE_TABLES, demo, "tyonv 12ti", "tyonv 12r5")


def _need_statistics(need: xr.DataArray, draws: xr.DataArray) -> xr.DataArray:
    """``need`` (the central path) with the 80 % bounds of its ``draws`` on a ``statistic``
    dim (:data:`NEED_STATISTICS`), last.

    Without NaN in ``draws`` the quantiles skip the NaN-aware path (``nanquantile`` loops in
    Python over every cell; the order statistics and their interpolation are the same).
    """
    skipna = bool(np.isnan(draws.values).any())
    lo = draws.quantile(0.1, dim="draw", skipna=skipna).drop_vars("quantile")
    hi = draws.quantile(0.9, dim="draw", skipna=skipna).drop_vars("quantile")
    parts = [need, lo.transpose(*need.dims), hi.transpose(*need.dims)]
    return xr.concat(parts, dim=pd.Index(list(NEED_STATISTICS), name="statistic"))


#: The need summed from the first year of the product to the year of ``time``: by field
#: (levels summed) and in total.
CUMULATIVE_NEEDS: tuple[str, ...] = ("need_cumulative", "need_total_cumulative")
CUMULATIVE_LONG_NAME = (
    "need summed from the first year to the year of time (persons); 80 % bounds are "
    "quantiles of the summed draws"
)


def cumulative_need(need: xr.DataArray, draws: xr.DataArray, over: tuple[str, ...]) -> xr.DataArray:
    """``need`` summed over the dims ``over`` and cumulated along ``time`` from its first year,
    with the 80 % bounds of the same sums of ``draws`` (dim ``draw``) on a ``statistic`` dim
    (:data:`NEED_STATISTICS`), last. A cell without a need (NaN: suppressed) stays NaN in
    every later sum, never counted as 0.

    The bounds are quantiles of each draw's cumulative sum (the years and fields of one draw
    move together as they were drawn), widened to contain the central sum
    (:func:`forecasting.training_balance._quantiles`); never the sum of yearly bounds.
    """
    from forecasting import training_balance

    central = need.sum(over, min_count=1).cumsum("time", skipna=False)
    summed = draws.sum(over, min_count=1).cumsum("time", skipna=False)
    summed = summed.transpose("draw", *central.dims)
    lo, hi = training_balance._quantiles(summed.values, central.values)
    stat = pd.Index(list(NEED_STATISTICS), name="statistic")
    out = xr.concat([central, central.copy(data=lo), central.copy(data=hi)], dim=stat)
    return out.transpose(..., "statistic")


#: How the 80 % interval of a cumulative need was found (:func:`cumulative_to`).
INTERVAL_FROM_DRAWS = "draws"
INTERVAL_BOUNDS_SUMMED = "bounds_summed"


def cumulative_to(product: xr.Dataset, until: int) -> xr.Dataset:
    """The need from the product's first year to ``until`` by area and field (levels summed),
    from a :func:`training_needs` product: ``need`` ``(area, field, statistic)`` and
    ``need_total`` ``(area, statistic)``, with ``first_year``, ``until`` and
    ``interval_method`` in attrs.

    A product with :data:`CUMULATIVE_NEEDS` gives the intervals of the summed draws
    (``interval_method`` :data:`INTERVAL_FROM_DRAWS`). An older product without them has only
    the yearly bounds: their sums over years and levels are given instead
    (:data:`INTERVAL_BOUNDS_SUMMED`). That is the interval of the sum if every year and level
    erred the same way; the chain's years err almost together (a drawn job path is
    persistent), so it comes close (within 1 % for the Mikkeli area in the tests), but it is
    an approximation, not a bound. A field without a published
    need (suppressed, NaN) stays NaN, never 0.

    Raises
    ------
    ValidationError
        ``until`` outside the product's years.
    """
    years = pd.DatetimeIndex(product["time"].values).year
    if until not in set(years):
        raise ValidationError(
            "until", f"{until} is not a year of the product ({years.min()}..{years.max()})"
        )
    at = int(np.flatnonzero(years == until)[0])
    if set(CUMULATIVE_NEEDS) <= set(product.data_vars):
        need = product["need_cumulative"].isel(time=at, drop=True)
        total = product["need_total_cumulative"].isel(time=at, drop=True)
        method = INTERVAL_FROM_DRAWS
    else:
        upto = product["need"].isel(time=slice(0, at + 1))
        need = upto.sum(("time", "level"), min_count=1)
        total = need.sum("field", min_count=1)
        method = INTERVAL_BOUNDS_SUMMED
    out = xr.Dataset({"need": need.transpose(..., "statistic"), "need_total": total})
    out.attrs = {
        **dict(product.attrs),
        "first_year": int(years.min()),
        "until": int(until),
        "interval_method": method,
    }
    return out


#: The ``field`` label of the all-fields row of :func:`need_with_total` (as ``level`` has
#: ``total`` in the service's labels).
TOTAL_FIELD = "total"


def need_with_total(cumulative: xr.Dataset) -> xr.DataArray:
    """The cumulative ``need`` of :func:`cumulative_to` with its all-fields total as one more
    field, :data:`TOTAL_FIELD`, last: ``(area, field, statistic)``.

    The total's interval is the one :func:`cumulative_to` gives for the total (the quantiles
    of the summed draws when the product carries them), not the fields' bounds added up,
    which no reader of the per-field rows could compute. It is the total the product
    publishes: the fields with a published need (a suppressed field, NaN in its own row, is
    not in it), as the training page's "all fields" row shows it.
    """
    total = cumulative["need_total"].expand_dims(field=[TOTAL_FIELD])
    need = cumulative["need"]
    return xr.concat([need, total.transpose(*need.dims)], dim="field")


REPLACEMENT_SHARE_RANGE = (0.65, 0.95)
#: Expansion below this share of the openings: jobs are flat or shrinking, and a replacement
#: share near (or above) 100 % is the expected arithmetic, not an anomaly.
FLAT_EXPANSION_SHARE = 0.05


def replacement_share(ds: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
    """Replacement demand over all openings, summed over fields, levels and years, per area.

    Returns the share and a flag: ``"ok"``, ``"below anchors"``, ``"above anchors"`` against
    the 65-95 % anchors for ageing regions, or ``"flat jobs: expected"`` where expansion is
    under :data:`FLAT_EXPANSION_SHARE` of the openings (with flat jobs replacement is about all
    of the openings; above 100 % when jobs shrink) - information, never an error.
    """
    rep = ds["replacement"].sum(("field", "time", "level"))
    exp = ds["expansion"].sum(("field", "time", "level"))
    opened = exp + rep
    share = rep / opened.where(opened > 0)
    lo, hi = REPLACEMENT_SHARE_RANGE
    flat = exp < FLAT_EXPANSION_SHARE * opened.where(opened > 0)
    flag = xr.where(
        flat,
        "flat jobs: expected",
        xr.where(share < lo, "below anchors", xr.where(share > hi, "above anchors", "ok")),
    )
    return share, flag


def training_needs(
    cubes: Mapping[str, xr.Dataset],
    until: int = 2035,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    *,
    correspondence: str | Path | None = None,
    n_draws: int = N_DRAWS,
    seed: int,
    population: xr.DataArray | None = None,
    rateset: RateSet | LabourRates | None = None,
    base: demand.DemandBase | None = None,
    history: xr.DataArray | None = None,
) -> xr.Dataset:
    """Training need per broad field of education and level, years base + 1..``until`` (the
    release product): :func:`forecasting.training_balance.balance` summed over the kinds.

    ``base`` is the demography's base year (2025 with Snapshot v2, so 2026..``until``).

    Parameters
    ----------
    cubes
        Input cubes by name, at least :data:`CUBES`.
    until
        Last year, the year after the population's base year (2026) .. 2040.
    scope
        ``"area"`` (``area`` and, for an aggregate, each member municipality) or ``"national"``
        (Finland, ``SSS``; ``area`` is ignored).
    area
        Municipality or aggregate code (default the Mikkeli employment area TA23).
    correspondence
        Path of an occupation -> education CSV; default the shipped version ``v1``.
    n_draws, seed
        Monte Carlo draws of the 80 % intervals and their seed (from the caller).
    population
        :func:`forecasting.demand.projected_population` of ``cubes`` when the caller has it.
    rateset
        :func:`forecasting.replacement.shared_rates` of ``cubes`` and ``until`` (or their
        :func:`forecasting.demography.labour.labour_rates`) when the caller has it (the
        demography's rates, the same for every area; a release prepares them once).
    base, history
        :func:`forecasting.demand.demand_base` of ``cubes`` and ``population`` and its
        :func:`~forecasting.demand.jobs_by_industry_history` when the caller has them (every
        municipality's, the same for every area; a release prepares them once).

    Returns
    -------
    Dataset ``(area, field, time, level)`` with ``expansion``, ``replacement``, ``openings``
    (demand), ``supply`` and ``need`` (signed: negative is a surplus; also over ``statistic``:
    ``mean, lo80, hi80`` with ``lo80 <= mean <= hi80``; persons per year; ``time`` 31
    December), ``need_by_level`` ``(area, time, level, statistic)`` and ``need_total`` ``(area,
    time, statistic)`` with the intervals of their summed draws, ``need_cumulative`` ``(area,
    field, time, statistic)`` and ``need_total_cumulative`` ``(area, time, statistic)``: the
    need from the first year to each year (levels, and fields, summed;
    :func:`cumulative_need`), ``replacement_share`` and
    ``replacement_share_flag`` per area, the method note
    and provenance in attrs.

    Raises
    ------
    ValidationError
        ``until`` outside base year + 1 .. 2040, unknown ``scope``, a bad correspondence.
    UnknownAreaError
        Unknown ``area``.
    DataError
        A malformed correspondence file, or an input cube missing from ``cubes``.
    """
    from forecasting import training_balance

    until = check_until(cubes, until)
    code = _check_scope(scope, area)
    bal = training_balance.balance(
        cubes,
        until,
        code,
        seed=seed,
        n_draws=n_draws,
        correspondence=correspondence,
        population=population,
        rateset=rateset,
        base=base,
        history=history,
    )
    broad = [f for f in map(str, bal["field"].values) if len(f) == 2]
    sub = bal.sel(field=broad)
    ds = xr.Dataset(
        {
            "expansion": sub["expansion"],
            "replacement": sub["replacement"],
            "openings": sub["demand"].sum("kind"),
            "supply": sub["supply"].sum("kind"),
        }
    )
    need = sub["need"].sum("kind")
    draws = sub["need_draws"].sum("kind")
    lo, hi = training_balance._quantiles(draws.values, need.values)
    ds["need"] = xr.concat(
        [need, need.copy(data=lo), need.copy(data=hi)],
        dim=pd.Index(list(NEED_STATISTICS), name="statistic"),
    )
    # Need by level and in total per year, with intervals of the summed draws (quantiles of
    # cells do not add up): the page's yearly path and level split.
    stat = pd.Index(list(NEED_STATISTICS), name="statistic")
    for name, dims in (("need_by_level", ("field",)), ("need_total", ("field", "level"))):
        central = need.sum(dims)
        lo, hi = training_balance._quantiles(draws.sum(dims).values, central.values)
        ds[name] = xr.concat([central, central.copy(data=lo), central.copy(data=hi)], dim=stat)
    # Need summed from the first year to each year (the providers' "how many by 2030"), with
    # intervals of the summed draws: a sum's interval is not the sum of the yearly bounds.
    for name, dims in (
        ("need_cumulative", ("level",)),
        ("need_total_cumulative", ("field", "level")),
    ):
        ds[name] = cumulative_need(need, draws, dims)
    ds = to_canonical(ds)
    for name in CUMULATIVE_NEEDS:
        ds[name].attrs["long_name"] = CUMULATIVE_LONG_NAME
    for name in ("need", "need_by_level", "need_total", *CUMULATIVE_NEEDS):
        ds[name] = ds[name].transpose(..., "statistic")
    ds = ds.assign_coords(time=pd.to_datetime([f"{y}-12-31" for y in ds["time"].values]))
    share, flag = replacement_share(ds)
    ds["replacement_share"], ds["replacement_share_flag"] = share, flag
    ds.attrs = dict(bal.attrs)
    ds.attrs["replacement_share_anchors"] = "65-95 % for ageing regions (Cedefop, COPS)"
    return validate(ds, name="training_needs", counts=("replacement", "openings", "supply"))


def replacement_demand(
    cubes: Mapping[str, xr.Dataset],
    until: int = 2035,
    area: str = geography.MIKKELI_AREA,
    *,
    seed: int,
) -> xr.Dataset:
    """Replacement demand ``(area, industry, time, education_level)``, persons per year.

    Exits from employment by age (:func:`forecasting.demography.retirements`) per municipality,
    delayed by cohort after the 2017 pension reform and net of re-entries (the chain's
    :data:`forecasting.training_params` values), as a rate per employed resident applied to
    the jobs of the previous year, split by
    education level (cohort-aligned 2017 mix, :mod:`forecasting.replacement`) and shared over
    industries by their jobs of the previous year (the age structure is not known by
    industry). Years base + 1..``until`` (base: the demography's base year); aggregates are
    sums of their municipalities. ``cubes`` as for :func:`training_needs`; ``seed`` seeds the
    jobs and the demography's draws.
    """
    until = check_until(cubes, until)
    code = geography.resolve_area(area)
    groups = _groups(code)
    base = demand.demand_base(cubes, seed=seed)
    sim = demand.simulate_jobs(base, groups, until=until, n_draws=1, seed=seed)
    sim = _from_year(sim, replacement.base_year(cubes))
    params = training_params.load_params()
    exits = replacement.net_exit_rates(
        _replacement_rates(cubes, code, sim, seed),
        params.retirement_shift,
        params.shift_from_age,
        params.reentry_share,
    )
    out = np.zeros((len(sim.groups), len(demand.SECTIONS), sim.years.size - 1, 4))
    for g, label in enumerate(sim.groups):
        members = [sim.groups.index(m) for m in groups[label] if m in sim.groups and m != label]
        if len(members) == len(groups[label]) > 1:  # bottom-up, as in the chain
            out[g] = out[members].sum(axis=0)
            continue
        k = exits.take(label)
        jobs_prev = sim.central[g][:, :-1]  # (I, H)
        by_edu = exits.by_education[k]
        edu = by_edu / np.maximum(by_edu.sum(axis=1, keepdims=True), 1e-12)  # (H, E)
        out[g] = (exits.rate[k] * jobs_prev)[:, :, None] * edu[None]
    ds = xr.Dataset(
        {"replacement": (("area", "industry", "time", "education_level"), out)},
        coords={
            "area": list(sim.groups),
            "industry": list(demand.SECTIONS),
            "time": pd.to_datetime([f"{y}-12-31" for y in sim.years[1:]]),
            "education_level": list(replacement.EDUCATION_LEVELS),
        },
    )
    return stamp(
        ds,
        source_tables=("tyokay 115n", exits.attrs["source_tables"], *demand.SOURCE_TABLES),
        retrieved=str(cubes[replacement.CUBE].attrs["retrieved"]),
        data_version=combine_versions([base.data_version, exits.attrs["data_version"]]),
        seed=seed,
        extra={
            "method_note": replacement.__doc__.split("\n\n")[0] if replacement.__doc__ else "",
            "demography_assumptions": exits.attrs["assumptions"],
            "demography_assumptions_version": replacement.assumptions_version(exits),
        },
    )


def openings_by_occupation(
    cubes: Mapping[str, xr.Dataset],
    until: int = 2035,
    scope: str = "area",
    area: str = geography.MIKKELI_AREA,
    *,
    seed: int,
) -> xr.Dataset:
    """Openings (signed: expansion + net replacement, with 80 % bounds on ``statistic``)
    ``(area, occupation, time)``, the unemployed jobseekers and the tightness ``(area,
    occupation)``.

    Tightness is vacancies per unemployed jobseeker of the occupation in the last 12 months of
    12ti. ``cubes`` and ``seed`` as for :func:`training_needs`.
    """
    until = check_until(cubes, until)
    code = _check_scope(scope, area)
    ds, notes = _chain(cubes, code, until, N_DRAWS, seed)
    ds["openings"] = _need_statistics(ds["expansion"] + ds["replacement"], ds["openings_draws"])
    ds = ds.drop_vars(["openings_draws", "expansion_draws", "replacement_draws"])
    ds = ds.assign_coords(time=pd.to_datetime([f"{y}-12-31" for y in ds["time"].values]))
    ds.attrs.pop("groups", None)
    return stamp(
        to_canonical(ds),
        source_tables=_source_tables(notes),
        retrieved=notes.pop("_retrieved"),
        data_version=notes.pop("_data_version"),
        seed=seed,
        extra=notes,
    )
