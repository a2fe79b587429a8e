"""Supply side of the training-need balance: new entrants who fill openings without the
training need the balance measures (parameters and their sources:
``forecasting/config/training.toml``, :mod:`forecasting.training_params`).

- **Youth cohort by education pathway** (:func:`youth_graduates`): the area's own projected
  population (the project's projection, :func:`forecasting.demand.projected_population`) at each
  level's entry age x the cohort's attainment share of the level x the share who stay and work
  in the region, split over broad fields by the graduates' field shares of the level.
- **In-migration** (:func:`migrant_workers`): positive net migration of the area (muutl, mean
  over the window) x share aged 25-54 x share employed in the year. Negative net migration adds
  nothing (and is not added to demand: a stated shortfall).
- **Re-employment of the unemployed** (:func:`matched_unemployed`): the occupation's registered
  unemployed (12ti, scaled to the area by 12r5) x yearly outflow to jobs x the share whose
  occupation and education match x the share not laid off (12r5 ``laid_off``, latest month):
  laid-off and seasonal workers return to their own jobs and are no new supply. The caller caps
  it at the occupation's openings (the unemployed do not make a training surplus).

Data: functions take their datasets as arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from forecasting.training_params import LEVELS, Params


def youth_graduates(
    population: xr.DataArray,
    groups: Mapping[str, Sequence[str]],
    years: np.ndarray,
    fields: Sequence[str],
    params: Params,
) -> np.ndarray:
    """Graduates entering the region's labour market ``(G, T, L, F)`` per group and year.

    ``population`` is ``(area, time, age)`` by municipality with integer years (the project's
    own projection); years past its end use its last year. ``groups`` maps each output label
    to its municipalities (in the caller's order).
    """
    last = int(population["time"].max())
    out = np.zeros((len(groups), len(years), len(LEVELS), len(fields)))
    shares = np.array(
        [[params.graduate_fields[lv].get(f, 0.0) for f in fields] for lv in LEVELS]
    )  # (L, F)
    # positions instead of labels, on the array as stored: the members' rows gathered and
    # summed (NaN as 0) as xarray's .sel(area=...).sum("area") does
    axis = population.get_axis_num("area")
    rest = [str(d) for d in population.dims if d != "area"]
    values = population.values
    times = [population.indexes["time"].get_loc(min(int(y), last)) for y in years]
    ages = [population.indexes["age"].get_loc(int(params.entry_age[lv])) for lv in LEVELS]
    for g, members in enumerate(groups.values()):
        rows = population.indexes["area"].get_indexer(list(members))
        if (rows < 0).any():
            raise KeyError(f"areas not in the population: {list(np.asarray(members)[rows < 0])}")
        gathered = values[(slice(None),) * axis + (rows,)]
        pop = np.where(np.isnan(gathered), 0.0, gathered).sum(axis=axis)
        for k, t in enumerate(times):
            for j, level in enumerate(LEVELS):
                cell = {"time": t, "age": ages[j]}
                cohort = float(pop[tuple(cell[d] for d in rest)])
                entrants = cohort * params.pathway_share[level] * params.retention[level]
                out[g, k, j] = entrants * shares[j]
    return out


def migrant_workers(
    migration: xr.Dataset, groups: Mapping[str, Sequence[str]], params: Params
) -> np.ndarray:
    """Working in-migrants per year ``(G,)``: positive mean net migration over the window of the
    group's municipalities (summed: moves between members cancel) x working-age x employed."""
    first, last = params.migration_window
    net = migration["net_migration"].sel(
        time=migration["time"].dt.year.isin(range(first, last + 1))
    )
    out = np.zeros(len(groups))
    for g, members in enumerate(groups.values()):
        have = [m for m in members if m in net.indexes["area"]]
        mean = float(net.sel(area=have).sum("area").mean("time")) if have else 0.0
        out[g] = (
            max(mean, 0.0) * params.migration_working_age_share * params.migration_employed_share
        )
    return out


def laid_off_share(registers: xr.Dataset, groups: Mapping[str, Sequence[str]]) -> np.ndarray:
    """Share of the unemployed who are temporarily laid off or long-term unemployed ``(G,)``
    in the latest month with ``laid_off`` data (12r5; 2026-06 in Snapshot v2); 0 where the data
    have none. Laid-off workers return to their employer; the long-term unemployed rarely move
    straight into open-market jobs: neither is counted as new supply."""
    laid = registers["laid_off"] + registers["long_term_unemployed"]
    known = laid.notnull().any("area")
    out = np.zeros(len(groups))
    if not bool(known.any()):
        return out
    month = laid["time"].values[np.flatnonzero(known.values)[-1]]
    laid_m = laid.sel(time=month)
    unemp_m = registers["unemployed"].sel(time=month)
    for g, members in enumerate(groups.values()):
        have = [m for m in members if m in laid_m.indexes["area"]]
        u = float(unemp_m.sel(area=have).sum())
        out[g] = float(laid_m.sel(area=have).sum()) / u if u > 0 else 0.0
    return np.clip(out, 0.0, 1.0)


def matched_unemployed(unemployed: np.ndarray, laid_off: np.ndarray, params: Params) -> np.ndarray:
    """Unemployed re-employed per year in their own occupation ``(G, O)`` (before the cap at
    the occupation's openings): ``unemployed x outflow x matched x (1 - laid_off)``."""
    factor = params.outflow_rate * params.matched_share * (1.0 - np.asarray(laid_off))
    return np.asarray(unemployed) * factor[:, None]
