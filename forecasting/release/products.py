"""The release's products, registered in build order: thin adapters over their modules.

ingest (registers history) -> models (register and occupation forecasts) -> backtests ->
labour demand and training needs (mapped over areas) -> demography -> scenarios -> alerts
-> monthly reviews (rendered files, unpublished: attached to the release when publishing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.io.inputs import Inputs
from forecasting.release.attachments import (
    build_date,
    join_packed,
    pack_attachments,
    review_attachments,
    review_units,
)
from forecasting.release.registry import (
    BuildContext,
    BuildFn,
    Product,
    UnitFn,
    register,
)
from forecasting.scenarios.calibration import STRUCTURE_CUBES


# -- the products ------------------------------------------------------------------------------
def _registers_history(
    ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    """The register cube restricted to the release's areas (history the service serves)."""
    cube = cubes["registers"]
    present = set(map(str, cube["area"].values))
    return cube.sel(area=[a for a in ctx.areas if a in present])


def _history_metrics(ds: xr.Dataset) -> dict[str, Any]:
    last = ds["time"].values[-1] if ds.sizes.get("time") else None
    return {"areas": int(ds.sizes["area"]), "last_month": str(last)[:7] if last else None}


register(
    Product(
        name="registers_history",
        stage="ingest",
        requires=("forecasting.io.inputs:assemble",),
        cubes=("registers",),
        build=_registers_history,
        metrics=_history_metrics,
        source_tables=("tyonv 12r5",),
        cost=2.0,
    )
)


#: Years projected after the base year (the latest year with data in the declared cubes).
POPULATION_HORIZON = 20
POPULATION_DRAWS = 1000
#: The cubes of the demography products (``forecasting.demography.CUBES``, ``BASE_CUBES``
#: and ``LABOUR_CUBES``): with the 2025 totals, components and key figures of Snapshot v2
#: the base year is their year (31.12.2025).
POPULATION_CUBES = (
    "population",
    "population_totals",
    "regional_demography",
    "national_mortality",
    "national_fertility",
    "population_by_sex",
    "population_change",
    "age_key_figures",
)
LABOUR_CUBES = (*POPULATION_CUBES, "employment_by_age_education", "commuting", "registers")


#: The base projection's draws are simulated once for two products: ``demography_base``
#: (not published) runs a national projection in ``POPULATION_PARTS`` parts (runs of whole
#: kernel calls, each a task, enough for two workers to share them evenly) and takes both
#: the population's and the labour supply's part statistics from the very same draws
#: (:func:`forecasting.demography.labour.demography_part`), plus the unit ``BY_AGE`` (the
#: expected employed by age); an area release has one part. Its combine gives the numbers of
#: one ``project_population`` and one ``labour_supply`` call with the projection's seed
#: (tests/test_demography_shared.py), which ``population_projection`` and ``labour_supply``
#: publish: the labour supply's ``population`` is the projection's total.
POPULATION_PARTS = 4
BY_AGE = "by_age"
DEMOGRAPHY_BASE = "demography_base"
#: Name prefixes of the population's and the labour supply's variables and dims in the
#: parts of ``demography_base`` (both are in one part's dataset), and the labour supply's in
#: its combined dataset, whose 0-d variables ``*_ATTRS`` carry each product's attrs.
POP, LAB = "population__", "labour__"
POPULATION_ATTRS, LABOUR_ATTRS = "population_attrs", "labour_supply_attrs"


def _demography_units(ctx: BuildContext) -> list[str]:
    parts = POPULATION_PARTS if ctx.scope == "national" else 1
    return [*(f"part{i}" for i in range(parts)), BY_AGE]


def _prefixed(ds: xr.Dataset, prefix: str) -> xr.Dataset:
    """``ds`` with ``prefix`` before the name of every variable and dim (attrs kept)."""
    return ds.rename(
        {name: f"{prefix}{name}" for name in {*map(str, ds.variables), *map(str, ds.dims)}}
    )


def _unprefixed(ds: xr.Dataset, prefix: str) -> xr.Dataset:
    """The variables of ``ds`` named with ``prefix``, without it (the attrs of ``ds``)."""
    sub = ds[[name for name in map(str, ds.data_vars) if name.startswith(prefix)]]
    names = {*map(str, sub.variables), *map(str, sub.dims)}
    return sub.rename(
        {name: name.removeprefix(prefix) for name in names if name.startswith(prefix)}
    )


def _demography_unit(
    ctx: BuildContext, unit: str, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    """One part of the base projection's population and labour statistics from one
    simulation, or the labour supply's employed by age (``BY_AGE``), from the base rates the
    projections share (estimated once per process and build)."""
    from forecasting.demography.labour import demography_part, labour_by_age

    request = _population_request(ctx, cubes, "base")
    rateset = _labour_rates(ctx, cubes)
    if unit == BY_AGE:
        return labour_by_age(cubes, rateset=rateset, **request)
    parts = len(_demography_units(ctx)) - 1
    population, labour = demography_part(
        cubes, part=int(unit.removeprefix("part")), parts=parts, rateset=rateset, **request
    )
    return xr.merge([_prefixed(population, POP), _prefixed(labour, LAB)]).assign_attrs(
        population.attrs
    )


def _demography_combine(
    ctx: BuildContext,
    parts: Mapping[str, xr.Dataset],
    inputs: Mapping[str, xr.Dataset],
    cubes: Inputs,
) -> xr.Dataset:
    """The base projection and its labour supply from the parts, in one dataset: the
    projection's variables, the labour supply's prefixed with ``LAB``, and each one's attrs
    on a 0-d variable (``POPULATION_ATTRS``, ``LABOUR_ATTRS``)."""
    from forecasting.demography.labour import combine_labour_parts
    from forecasting.demography.projection import combine_population_parts

    request = _population_request(ctx, cubes, "base")
    pieces = [parts[u] for u in sorted(parts) if u != BY_AGE]
    population = combine_population_parts(
        cubes, [_unprefixed(p, POP).assign_attrs(p.attrs) for p in pieces], **request
    )
    labour = combine_labour_parts(
        cubes, [_unprefixed(p, LAB).assign_attrs(p.attrs) for p in pieces], parts[BY_AGE],
        **request,
    )  # fmt: skip
    both = xr.merge(
        [population, labour.rename_vars({v: f"{LAB}{v}" for v in map(str, labour.data_vars)})],
        join="exact",
        combine_attrs="override",
    )
    both[POPULATION_ATTRS] = xr.DataArray(np.int8(0), attrs=population.attrs)
    both[LABOUR_ATTRS] = xr.DataArray(np.int8(0), attrs=labour.attrs)
    return both


def _population_projection(
    ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    """The base projection of ``demography_base``, as one ``project_population`` call."""
    both = inputs[DEMOGRAPHY_BASE]
    names = [v for v in map(str, both.data_vars) if not v.startswith(LAB) and "attrs" not in v]
    out = both[names]
    out.attrs = dict(both[POPULATION_ATTRS].attrs)
    return out


def _labour_supply(
    ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    """The labour supply of ``demography_base``, as one ``labour_supply`` call with the
    projection's keywords and seed."""
    both = inputs[DEMOGRAPHY_BASE]
    out = _unprefixed(both, LAB)
    out.attrs = dict(both[LABOUR_ATTRS].attrs)
    return out


register(
    Product(
        name=DEMOGRAPHY_BASE,
        stage="demography",
        requires=("forecasting.demography.labour:demography_part",),
        cubes=LABOUR_CUBES,
        units=_demography_units,
        build_unit=_demography_unit,
        combine=_demography_combine,
        publish=False,
        cost=17.0,
    )
)
#: Registered before the register forecasts: their labour force after the last published
#: year grows with it (one labour force per area and year, forecasting.labour_force).
register(
    Product(
        name="labour_supply",
        stage="demography",
        requires=("forecasting.demography.labour:demography_part",),
        cubes=LABOUR_CUBES,
        needs=(DEMOGRAPHY_BASE,),
        build=_labour_supply,
        metrics=lambda ds: {"areas": int(ds.sizes["area"])},
    )
)


#: Months ahead of the latest observed month: from 2026-06 data this reaches 2029-12, three
#: years past a release built at the end of 2026.
REGISTER_HORIZON = 42


def _register_units(ctx: BuildContext) -> list[str]:
    """Register forecasts and their backtests run per variable: independent hierarchies."""
    from forecasting.registers import VARIABLES

    return list(VARIABLES)


def _register_variable(
    ctx: BuildContext, unit: str, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    """One variable's reconciled forecast (the whole hierarchy of the scope)."""
    from forecasting.registers import check_registers, forecast_register_variable

    registers = check_registers(cubes["registers"])
    return forecast_register_variable(
        registers, unit, "latest", REGISTER_HORIZON, ctx.scope, ctx.area,
        seed=ctx.seed_for("register_forecasts"),
    )  # fmt: skip


def _register_forecasts(
    ctx: BuildContext,
    parts: Mapping[str, xr.Dataset],
    inputs: Mapping[str, xr.Dataset],
    cubes: Inputs,
) -> xr.Dataset:
    """Reconciled register forecasts from the latest observed month (across any gap in the
    history), ``REGISTER_HORIZON`` months ahead: the variables' forecasts joined with the
    labour force, the rate and the special groups. The same numbers as one
    ``forecast_registers`` call with the same seed (tests/test_release_split.py)."""
    from forecasting.registers import assemble_register_forecasts, check_registers

    registers = check_registers(cubes["registers"])
    out = assemble_register_forecasts(
        registers, parts, "latest", REGISTER_HORIZON, ctx.scope, ctx.area,
        seed=ctx.seed_for("register_forecasts"),
    )  # fmt: skip
    if "labour_supply" in inputs:
        out = with_one_labour_force(out, registers, inputs["labour_supply"])
    return out


def with_one_labour_force(
    forecast: xr.Dataset, registers: xr.Dataset, supply: xr.Dataset
) -> xr.Dataset:
    """``forecast`` with the one labour force: 12r5 published, then the growth of the
    release's ``labour_supply`` (mean), on the 12r5 footing (months of Y: reference Y-2)."""
    from forecasting.labour_force import LAG, apply_to_register_forecast, of_release

    have = set(map(str, registers["area"].values))
    areas = [a for a in map(str, forecast["area"].values) if a in have]
    until = int(forecast["time"].dt.year.values[-1]) - LAG
    one = of_release(registers, supply, areas=areas, until=until)
    return apply_to_register_forecast(forecast, one)


register(
    Product(
        name="register_forecasts",
        stage="models",
        requires=(
            "forecasting.registers:forecast_register_variable",
            "forecasting.registers:assemble_register_forecasts",
        ),
        cubes=("registers",),
        needs=("registers_history", "labour_supply"),
        units=_register_units,
        build_unit=_register_variable,
        combine=_register_forecasts,
        metrics=lambda ds: {"areas": int(ds.sizes["area"]), "months": int(ds.sizes["time"])},
        version="2",
        unit_needs=(),  # the units read the registers cube only; the combine all
        cost=8.0,
    )
)


def _backtest_units(ctx: BuildContext) -> list[str]:
    """One unit per origin and variable (``2012-06_unemployed``): 18 independent forecasts."""
    from forecasting.backtest import DEFAULT_ORIGINS
    from forecasting.registers import VARIABLES

    return [f"{origin}_{variable}" for origin in DEFAULT_ORIGINS for variable in VARIABLES]


def _backtest_rows(ctx: BuildContext) -> tuple[str, ...] | None:
    from forecasting.registers import area_rows

    return area_rows(ctx.area) if ctx.scope == "area" else None


def _backtest_unit(
    ctx: BuildContext, unit: str, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    """The scores of one origin and variable (rows of ``backtest_registers``' frame)."""
    from forecasting.backtest import backtest_unit
    from forecasting.registers import check_registers

    origin, variable = unit.split("_", 1)
    seed = ctx.seed_for("register_backtest_metrics")
    frame = backtest_unit(
        check_registers(cubes["registers"]), origin, variable, rows=_backtest_rows(ctx), seed=seed
    )
    return xr.Dataset.from_dataframe(frame.rename_axis("row"))


def _backtest_metrics(
    ctx: BuildContext,
    parts: Mapping[str, xr.Dataset],
    inputs: Mapping[str, xr.Dataset],
    cubes: Inputs,
) -> xr.Dataset:
    """Rolling-origin accuracy of the register forecasts for the release's areas.

    Mean MASE, sMAPE, interval coverage and MSIS over the default origins (2012-2022), by
    area, variable, method (base, reconciled, bottom-up) and horizon band; the units' scores
    joined in the order of one ``backtest_registers`` run, so the means are the same.
    """
    from forecasting.backtest import join_units, summarise

    frames = {
        tuple(unit.split("_", 1)): part.to_dataframe().reset_index(drop=True)
        for unit, part in parts.items()
    }
    frame = join_units(frames)  # type: ignore[arg-type]
    table = summarise(frame, by=("area", "variable", "method", "band"))
    ds = xr.Dataset.from_dataframe(
        table.rename(columns={"method": "model"}).set_index(["area", "variable", "model", "band"])
    )
    return ds.assign_attrs(
        source_tables=inputs["registers_history"].attrs.get("source_tables", ""),
        retrieved=inputs["registers_history"].attrs.get("retrieved", ""),
        origins="2012-06 .. 2022-06, nine rolling origins; metrics averaged over origins",
    )


register(
    Product(
        name="register_backtest_metrics",
        stage="backtests",
        requires=("forecasting.backtest:backtest_unit",),
        cubes=("registers",),
        needs=("registers_history",),
        units=_backtest_units,
        build_unit=_backtest_unit,
        combine=_backtest_metrics,
        metrics=lambda ds: {
            "mase_h1_12_reconciled_unemployed": float(
                ds["mase"].sel(variable="unemployed", model="reconciled", band="h1-12").mean()
            )
        },
        version="2",
        unit_needs=(),  # the units read the registers cube only
        cost=4.5,
    )
)


def _occupation_forecasts(
    ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    """Unemployed and vacancies by occupation group in Etelä-Savo, with tightness, from the
    present: the groups' shares in the occupation data's last month (it lags the registers)
    times the release's register forecast of Etelä-Savo (``MK10``), so the groups sum to it.
    A release without ``MK10`` rows (an employment area's) forecasts the region's two
    variables with the same engine, origin and horizon."""
    from forecasting.register_occupations import occupations_from_totals
    from forecasting.registers import VARIABLES, check_registers, forecast_register_variable

    area = "MK10"
    totals = inputs.get("register_forecasts")
    if totals is None or area not in set(map(str, totals["area"].values)):
        registers = check_registers(cubes["registers"])
        seed = ctx.seed_for("occupation_forecasts")
        parts = [
            forecast_register_variable(
                registers, v, "latest", REGISTER_HORIZON, "area", area, seed=seed
            ).sel(area=[area])
            for v in VARIABLES
        ]
        origin = data_through_month(registers)
        totals = xr.merge(parts, combine_attrs="drop").assign_attrs(
            origin=origin,
            source_tables=registers.attrs.get("source_tables", ""),
            data_version=registers.attrs.get("data_version", ""),
            seed=seed,
        )
    return occupations_from_totals(cubes["occupations"], totals, area)


def data_through_month(registers: xr.Dataset) -> str:
    """The registers' latest month with data (``YYYY-MM``)."""
    from forecasting.io.inputs import data_through

    return data_through(registers) or f"{registers['time'].values[-1]}"[:7]


register(
    Product(
        name="occupation_forecasts",
        stage="models",
        requires=("forecasting.register_occupations:occupations_from_totals",),
        cubes=("occupations", "registers"),
        needs=("registers_history", "register_forecasts"),
        build=_occupation_forecasts,
        metrics=lambda ds: {"occupations": int(ds.sizes["occupation"])},
        version="2",
    )
)


#: Areas per task of the national labour-demand products: 48 areas in 6 tasks instead of 48,
#: so the flow's per-task cost (Prefect task runs, Dask transfers) is paid 6 times.
AREAS_PER_UNIT = 8


def _area_list(ctx: BuildContext) -> list[str]:
    """The areas of area-level products: the area, or every employment area plus Finland."""
    if ctx.scope == "area":
        return [ctx.area]
    return [*geography.aggregate_codes("employment_area"), geography.COUNTRY]


def _area_units(ctx: BuildContext) -> list[str]:
    """Map units of area-level products: runs of ``AREAS_PER_UNIT`` areas in label order,
    named by their areas joined with ``+`` (each area keeps its own seed)."""
    areas = sorted(_area_list(ctx))
    return ["+".join(areas[i : i + AREAS_PER_UNIT]) for i in range(0, len(areas), AREAS_PER_UNIT)]


def _per_area(fn: UnitFn) -> UnitFn:
    """A unit of several areas: ``fn`` for each, joined along ``area`` (as the combine joins)."""

    def build_unit(
        ctx: BuildContext, unit: str, inputs: Mapping[str, xr.Dataset], cubes: Inputs
    ) -> xr.Dataset:
        parts = {area: fn(ctx, area, inputs, cubes) for area in unit.split("+")}
        if len(parts) == 1:
            return next(iter(parts.values()))
        return _join_areas(parts)

    return build_unit


def _concat_areas(
    ctx: BuildContext,
    parts: Mapping[str, xr.Dataset],
    inputs: Mapping[str, xr.Dataset],
    cubes: Inputs,
) -> xr.Dataset:
    """Join per-area parts along ``area`` (municipalities first, in the release's order).

    The order depends only on the labels, never on which worker finished first.
    """
    ds = _join_areas(parts)
    got = list(map(str, ds["area"].values))
    rank = {a: i for i, a in enumerate(ctx.areas)}
    ds = ds.isel(area=sorted(range(len(got)), key=lambda i: (rank.get(got[i], len(rank)), got[i])))
    return ds.assign_attrs(seed=ctx.seed, unit_seeds="seed_for(product, unit) from the root seed")


def _join_areas(parts: Mapping[str, xr.Dataset]) -> xr.Dataset:
    """``parts`` in label order, concatenated along ``area`` (attrs of the first).

    The area labels go in as Python strings: parts read back from netCDF hold fixed-width
    ones (``<U3`` for ``SSS`` or ``005``), and concatenating those after a ``<U3`` first
    part cut ``TA40`` to ``TA4`` in the joined index (seen on the national release)."""
    ordered = [
        parts[unit].assign_coords(area=parts[unit]["area"].values.astype(object))
        for unit in sorted(parts)
    ]
    return xr.concat(
        ordered,
        dim="area",
        data_vars="minimal",
        coords="minimal",
        compat="override",
        join="exact",
        combine_attrs="override",
    )


def _demand_population(
    ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    """The expected-path population projection (2019 base, every municipality) that the
    labour-demand chain reads, computed once for every area of the release (not published).
    It has no draws, so its numbers do not depend on the seed (which only labels it)."""
    from forecasting import demand

    population = demand.projected_population(cubes, seed=ctx.seed_for("demand_population"))
    return population_dataset(population)


def population_dataset(population: xr.DataArray) -> xr.Dataset:
    """``projected_population`` as a step result: integer years on a ``year`` dim (the
    contract's ``time`` is a date; stored in the contract's order ``area, age, year``), its
    attrs on the dataset; :func:`_population_of` undoes that."""
    both = population.drop_vars("sex", errors="ignore").rename(time="year")
    return xr.Dataset({"population": both}, attrs=population.attrs)


def _population_of(inputs: Mapping[str, xr.Dataset]) -> xr.DataArray:
    ds = inputs["demand_population"]
    population = ds["population"].rename(year="time").transpose("area", "time", "age")
    # C order as computed: numpy sums a contiguous axis pairwise, a strided one in sequence,
    # so the layout decides the last bits of the age sums downstream
    population = population.copy(data=np.ascontiguousarray(population.values))
    population.attrs = dict(ds.attrs)
    return population


#: Last year of the labour-demand chain (jobs by industry, training needs).
DEMAND_UNTIL = 2035


def _jobs_unit(
    ctx: BuildContext, unit: str, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    from forecasting import demand

    seed = ctx.seed_for("jobs_by_industry", unit)
    population = _population_of(inputs)
    base, history = _demand_shared(ctx, cubes, population)
    return demand.jobs_by_industry_projection(
        cubes, until=DEMAND_UNTIL, area=unit, seed=seed, population=population,
        base=base, history=history,
    )  # fmt: skip


def _training_unit(
    ctx: BuildContext, unit: str, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    from forecasting import training

    seed = ctx.seed_for("training_needs", unit)
    scope = "national" if unit == geography.COUNTRY else "area"
    population = _population_of(inputs)
    base, history = _demand_shared(ctx, cubes, population)
    return training.training_needs(
        cubes, until=DEMAND_UNTIL, scope=scope, area=unit, seed=seed,
        population=population, rateset=_training_rates(ctx, cubes),
        base=base, history=history,
    )  # fmt: skip


_DEMAND: dict[tuple[Any, ...], Any] = {}


def _demand_shared(ctx: BuildContext, cubes: Inputs, population: xr.DataArray) -> Any:
    """``(demand_base, jobs_by_industry_history)`` of the labour-demand chain, which cover
    every municipality and are the same for every area, prepared once per process and build
    for the jobs and training units instead of once per area (~0.3 CPU s each, 96 areas in a
    national release: the history's IPF of 33 years for every municipality).

    ``population`` is the build's ``demand_population`` (its numbers do not depend on the
    unit); keyed like :func:`_training_rates`, with the build's seed and code; arrays
    read-only, so a unit that wrote into them would fail instead of changing the next one.
    """
    from forecasting import demand

    versions = tuple(sorted(ctx.versions_of(JOBS_CUBES).items()))
    key = (ctx.work_dir, versions, ctx.seed, ctx.code_fingerprint)
    with _RATES_LOCK:
        if key not in _DEMAND:
            base = demand.demand_base(cubes, seed=ctx.seed_for("demand_population"),
                                      population=population)  # fmt: skip
            history = demand.jobs_by_industry_history(base)
            for value in (*_field_values(base), history):
                _freeze(value)
            _DEMAND.clear()  # one build's at a time
            _DEMAND[key] = (base, history)
        return _DEMAND[key]


def _field_values(obj: Any) -> list[Any]:
    """The values of a dataclass's fields (mappings' values flattened)."""
    out: list[Any] = []
    for f in fields(obj):
        value = getattr(obj, f.name)
        out.extend(value.values() if isinstance(value, Mapping) else [value])
    return out


def _freeze(value: Any) -> None:
    """Make the arrays of an xarray object (or a numpy array) read-only."""
    if isinstance(value, xr.DataArray):
        variables = [value.variable, *(c.variable for c in value.coords.values())]
    elif isinstance(value, xr.Dataset):
        variables = list(value.variables.values())
    else:
        variables = []
    for var in variables:
        var.values.flags.writeable = False
    if isinstance(value, np.ndarray):
        value.flags.writeable = False


_RATES_LOCK = threading.Lock()
_RATES: dict[tuple[Any, ...], Any] = {}


def _training_rates(ctx: BuildContext, cubes: Inputs) -> Any:
    """The demography's and labour's rates every training-needs unit reads (the same for
    all areas: :func:`forecasting.replacement.shared_rates` and
    :func:`forecasting.demography.labour.labour_rates`), prepared once per process and build
    instead of once per area (~1.5 + ~1.3 CPU s each, 47 areas in a national release).

    Keyed by the work area and the versions of the staged cubes (``cubes`` are those staged
    cubes, read-only), so a process serving several builds never mixes their inputs. The
    arrays are made read-only: a unit that wrote into them would fail, not leak into the
    next unit.
    """
    from forecasting import replacement
    from forecasting.demography.assumptions import parse_assumptions
    from forecasting.demography.labour import labour_rates

    key = (ctx.work_dir, tuple(sorted(ctx.versions_of(TRAINING_CUBES).items())), DEMAND_UNTIL)
    with _RATES_LOCK:
        if key not in _RATES:
            rateset = replacement.shared_rates(
                cubes,
                DEMAND_UNTIL,
                base=_base_estimate(
                    ctx, cubes, replacement.base_year(cubes), parse_assumptions(None)
                ),
            )
            prepared = labour_rates(
                cubes, base_year=rateset.base_year, until=DEMAND_UNTIL,
                assumptions=rateset.assumptions, rateset=_read_only(rateset),
            )  # fmt: skip
            _RATES.clear()  # one build's rates at a time
            _RATES[key] = _labour_read_only(prepared)
        return _RATES[key]


def _labour_read_only(prepared: Any) -> Any:
    for array in (prepared.employment, prepared.force_ratio):
        array.values.flags.writeable = False
    return prepared


def _area_count(ds: xr.Dataset) -> dict[str, Any]:
    return {"areas": int(ds.sizes["area"])}


#: The cubes of ``forecasting.demand.CUBES`` and ``forecasting.training.CUBES`` (listed here so
#: registering does not import the modules; tests/test_demand.py checks they agree).
DEMOGRAPHY_RATE_CUBES = POPULATION_CUBES
JOBS_CUBES = (
    "commuting",
    "jobs_totals_2019",
    "jobs_by_industry",
    "jobs_by_industry_postcode_shares",
    "national_employment_by_industry",
    *DEMOGRAPHY_RATE_CUBES,
)
TRAINING_CUBES = (
    *JOBS_CUBES,
    "employment_by_age_education",
    "registers",
    "occupations",
    "migration",
)


register(
    Product(
        name="demand_population",
        stage="labour_demand",
        requires=("forecasting.demand:projected_population",),
        cubes=DEMOGRAPHY_RATE_CUBES,
        build=_demand_population,
        publish=False,
    )
)
register(
    Product(
        name="jobs_by_industry",
        stage="labour_demand",
        requires=("forecasting.demand:jobs_by_industry_projection",),
        cubes=JOBS_CUBES,
        needs=("demand_population",),
        units=_area_units,
        build_unit=_per_area(_jobs_unit),
        combine=_concat_areas,
        metrics=_area_count,
        cost=1.5,
    )
)
register(
    Product(
        name="training_needs",
        stage="training_needs",
        requires=("forecasting.training:training_needs",),
        cubes=TRAINING_CUBES,
        needs=("demand_population",),
        units=_area_units,
        build_unit=_per_area(_training_unit),
        combine=_concat_areas,
        metrics=_area_count,
        cost=8.0,
    )
)


def labour_balance_inputs(
    jobs: xr.Dataset, supply: xr.Dataset, registers: xr.Dataset, areas: Sequence[str]
) -> tuple[xr.DataArray, xr.DataArray]:
    """Jobs by workplace and the one labour force (area, year) that the balance reads.

    Jobs: the total over industries of ``jobs_by_industry`` (mean; missing where a section
    is); the labour force: :func:`forecasting.labour_force.of_release`, the series the
    register forecasts' unemployment rate reads (:func:`with_one_labour_force`). The years of
    ``labour_supply`` to the last year of the jobs; the ``areas`` (release order) both have.
    """
    from forecasting.labour_force import of_release

    mean = jobs["jobs"].sel(statistic="mean", drop=True)
    # a section the product lacks everywhere (X, unknown) is no part of the total; one
    # suppressed in an area and year makes that total missing, never a smaller sum
    mean = mean.sel(industry=mean.notnull().any([d for d in mean.dims if d != "industry"]))
    total = mean.sum("industry", min_count=max(mean.sizes["industry"], 1))
    total = total.assign_coords(year=total["time"].dt.year).swap_dims(time="year")
    supply_years = set(supply["time"].dt.year.values.tolist())
    years = [int(y) for y in sorted(supply_years) if y in set(total["year"].values.tolist())]
    have = set(map(str, registers["area"].values)) & set(map(str, supply["area"].values))
    codes = [a for a in areas if a in have and a in set(map(str, total["area"].values))]
    one = of_release(registers, supply, areas=codes, until=years[-1])
    force = one["labour_force"].sel(year=years)
    return total.drop_vars("time").sel(area=codes, year=years), force


def _labour_balance(
    ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    """Jobs and workers balanced through commuting (:func:`forecasting.demography.balance`)
    for every area with both jobs and a labour force (municipalities and the employment
    area), with the commuting check per area and year; beside the balance its inputs
    ``jobs`` and ``labour_force``."""
    from forecasting.demography.balance import balance, commuting_of_areas, method_notes

    jobs, supply = inputs["jobs_by_industry"], inputs["labour_supply"]
    total, force = labour_balance_inputs(jobs, supply, cubes["registers"], ctx.areas)
    codes = [str(a) for a in total["area"].values]
    commuting = commuting_of_areas(cubes["commuting"], codes)
    out = balance(commuting, total, force).sel(area=codes)
    out = out.assign(jobs=total, labour_force=force)[["jobs", "labour_force", *out.data_vars]]
    years = out["year"].values
    out = out.assign_coords(year=pd.to_datetime([f"{y}-12-31" for y in years]))
    out = out.rename(year="time")
    observed = int(commuting["time"].dt.year.values[-1])
    tables = [
        "tyokay 115n", "tyokay 115p", "tyonv 12r5",
        *(t.strip() for t in str(jobs.attrs.get("source_tables", "")).split(",")),
        *(t.strip() for t in str(supply.attrs.get("source_tables", "")).split(",")),
    ]  # fmt: skip
    return out.assign_attrs(
        source_tables=", ".join(dict.fromkeys(t for t in tables if t)),
        units="persons; shares of jobs (0-1), 31 December of the year",
        time_convention="31 December (YYYY-12-31) labels the year",
        commuting_observed_year=observed,
        jobs_source="jobs_by_industry (mean, total over industries)",
        labour_force_source="one labour force (forecasting.labour_force) carried by the "
        "labour_supply mean",
        **method_notes(observed, out.attrs["min_unemployment"], out.attrs["max_departure"]),
    )


register(
    Product(
        name="labour_balance",
        stage="labour_demand",
        requires=("forecasting.demography.balance:balance",),
        cubes=("commuting", "registers"),
        needs=("jobs_by_industry", "labour_supply"),
        build=_labour_balance,
        metrics=lambda ds: {
            "areas": int(ds.sizes["area"]),
            "flagged": int(ds["commuting_flag"].sum()),
        },
    )
)


def _population_request(ctx: BuildContext, cubes: Inputs, immigration: str) -> dict[str, Any]:
    """The keywords of ``project_population`` for the release, from the latest base year
    with data in ``cubes``."""
    from forecasting import demography

    base_year = demography.base_years(cubes)[-1]
    return {
        "base_year": base_year,
        "until": base_year + POPULATION_HORIZON,
        "scope": ctx.scope,
        "area": ctx.area,
        "draws": POPULATION_DRAWS,
        "seed": ctx.seed_for("project_population"),
        "assumptions": {"migration": {"immigration": immigration}},
    }


_DEMOGRAPHY_RATES: dict[tuple[Any, ...], Any] = {}
_BASE_ESTIMATES: dict[tuple[Any, ...], Any] = {}
_BASE_LOCK = threading.Lock()


def _base_estimate(
    ctx: BuildContext, cubes: Inputs, base_year: int, assumptions: Any
) -> xr.DataArray | None:
    """The base population estimate (:func:`forecasting.demography.base.estimate_base`)
    that both the projections' rates (:func:`_demography_rates`) and the training needs'
    (:func:`_training_rates`, other years) start from, estimated once per process and build
    instead of once for each (~1 CPU s: aging the last single-age year forward and raking it
    to the year's totals); None when ``base_year`` has single-age data (nothing to
    estimate). Keyed like :func:`_training_rates`, and by the assumptions (the base
    immigration variant's are the default ones, so both share one); read-only."""
    from forecasting.demography import _data
    from forecasting.demography.base import estimate_base

    if base_year in _data.years_of(_data.cube(cubes, "population")):
        return None
    versions = tuple(sorted(ctx.versions_of(POPULATION_CUBES).items()))
    key = (ctx.work_dir, versions, base_year, assumptions)
    with _BASE_LOCK:
        if key not in _BASE_ESTIMATES:
            estimate = estimate_base(cubes, base_year, assumptions)
            _freeze(estimate)
            _BASE_ESTIMATES.clear()  # one build's at a time
            _BASE_ESTIMATES[key] = estimate
        return _BASE_ESTIMATES[key]


def _demography_rates(ctx: BuildContext, cubes: Inputs, immigration: str) -> Any:
    """The projection's rates for the ``immigration`` variant, estimated once per process and
    build for the base variant and derived from it for the others
    (:func:`forecasting.demography.rates.with_immigration`: the same numbers), instead of
    once per part and variant. Keyed like :func:`_training_rates`; arrays read-only."""
    from forecasting.demography.assumptions import parse_assumptions
    from forecasting.demography.rates import estimate_rates, with_immigration

    request = _population_request(ctx, cubes, immigration)
    versions = tuple(sorted(ctx.versions_of(POPULATION_CUBES).items()))
    base_key = (ctx.work_dir, versions, request["base_year"], request["until"], "base")
    key = (*base_key[:-1], immigration)
    with _RATES_LOCK:
        if key not in _DEMOGRAPHY_RATES:
            if base_key not in _DEMOGRAPHY_RATES:
                base = parse_assumptions({"migration": {"immigration": "base"}})
                estimate = _base_estimate(ctx, cubes, request["base_year"], base)
                rateset = estimate_rates(
                    cubes, request["base_year"], request["until"], base, base=estimate
                )
                _DEMOGRAPHY_RATES.clear()  # one build's rates at a time
                _DEMOGRAPHY_RATES[base_key] = _read_only(rateset)
            if key != base_key:
                variant = with_immigration(_DEMOGRAPHY_RATES[base_key], cubes, immigration)
                _DEMOGRAPHY_RATES[key] = _read_only(variant)
        return _DEMOGRAPHY_RATES[key]


def _labour_rates(ctx: BuildContext, cubes: Inputs) -> Any:
    """The labour supply's :func:`~forecasting.demography.labour.labour_rates` on the base
    rates (:func:`_demography_rates`), prepared once per process and build for all its units
    (~1.3 CPU s each), kept and made read-only like those."""
    from forecasting.demography.labour import labour_rates

    rateset = _demography_rates(ctx, cubes, "base")
    request = _population_request(ctx, cubes, "base")
    versions = tuple(sorted(ctx.versions_of(LABOUR_CUBES).items()))
    key = (ctx.work_dir, versions, request["base_year"], request["until"], "labour")
    with _RATES_LOCK:
        if key not in _DEMOGRAPHY_RATES:
            prepared = labour_rates(
                cubes, base_year=request["base_year"], until=request["until"],
                assumptions=request["assumptions"], rateset=rateset,
            )  # fmt: skip
            _DEMOGRAPHY_RATES[key] = _labour_read_only(prepared)
        return _DEMOGRAPHY_RATES[key]


def _read_only(rateset: Any) -> Any:
    rates = rateset.rates
    for value in (rateset.population, *(getattr(rates, f.name) for f in fields(rates))):
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return rateset


def _population_variant(immigration: str) -> BuildFn:
    def build(ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs) -> xr.Dataset:
        """The ``immigration`` variant as a deterministic path: the expected path of the
        projection (``draws=0``, bounds NaN), as statistical agencies publish variants; the
        base projection carries the uncertainty."""
        from forecasting.demography.projection import project_population

        request = {**_population_request(ctx, cubes, immigration), "draws": VARIANT_DRAWS}
        return project_population(
            cubes, rateset=_demography_rates(ctx, cubes, immigration), **request
        )

    return build


register(
    Product(
        name="population_projection",
        stage="demography",
        requires=("forecasting.demography.labour:demography_part",),
        cubes=POPULATION_CUBES,
        needs=(DEMOGRAPHY_BASE,),
        build=_population_projection,
        metrics=_area_count,
    )
)

#: The low and high immigration variants of the projection (``/v1/population?variant=``):
#: expected paths, without draws (their ``lo80``..``hi95`` are NaN).
VARIANT_DRAWS = 0
for _variant in ("low", "high"):
    register(
        Product(
            name=f"population_projection_{_variant}",
            stage="demography",
            requires=("forecasting.demography.projection:project_population",),
            cubes=(*POPULATION_CUBES, "projection_2024"),
            build=_population_variant(_variant),
            metrics=_area_count,
        )
    )


def _population_variants(
    ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    """Statistics Finland's official 2024 projection beside ours (a variant in the release)."""
    from forecasting.demography.variants import official_variant

    return official_variant(cubes["projection_2024"], inputs["population_projection"])


register(
    Product(
        name="population_variants",
        stage="demography",
        requires=("forecasting.demography.variants:official_variant",),
        cubes=("projection_2024",),
        needs=("population_projection",),
        build=_population_variants,
        metrics=_area_count,
        source_tables=("vaenn 14wx",),
    )
)


def _scenarios(ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs) -> xr.Dataset:
    """The preset scenarios with the release's seed: the Mikkeli region's library for TA23
    and national releases, the no-event baseline of the area for another area release. The
    area is calibrated once from ``cubes`` and every preset reuses it. Their baseline is the
    release's register forecasts where they hold every municipality of the area (as for a
    scenario of the service's form), else the last observed year repeated. The runs start
    after the latest observation; their events begin after the build's date
    (:attr:`BuildContext.today`, the release's as-of date), so a reader of the release finds
    them ahead of the day it was built (the product is ``dated``)."""
    from forecasting.scenarios import run_presets
    from forecasting.scenarios.baseline import calibrate

    area = ctx.area if ctx.scope == "area" else geography.MIKKELI_AREA
    calibration = calibrate(cubes, area)
    return run_presets(
        seed=ctx.seed_for("scenarios"),
        area=area,
        calibration=calibration,
        baseline=_scenario_targets(inputs.get("register_forecasts"), area),
        # BuildContext.today "" means the date of each call
        as_of=build_date(ctx) or dt.date.today(),
    )


def _scenario_targets(forecasts: xr.Dataset | None, area: str) -> xr.Dataset | None:
    """The register forecasts a scenario of ``area`` follows (its municipalities'
    ``unemployed``, ``vacancies``, ``labour_force``), or None when they lack one."""
    munis = list(geography.members(area))
    if forecasts is None or "area" not in forecasts.indexes:
        return None
    if not set(munis) <= set(map(str, forecasts.indexes["area"])):
        return None
    return forecasts[["unemployed", "vacancies", "labour_force"]].sel(area=munis)


register(
    Product(
        name="scenarios",
        stage="scenarios",
        requires=("forecasting.scenarios.run:run_presets",),
        needs=("register_forecasts",),
        cubes=STRUCTURE_CUBES,
        build=_scenarios,
        metrics=lambda ds: {"scenarios": int(ds.sizes["scenario"])},
        cost=13.0,
        dated=True,
    )
)


def _alerts(ctx: BuildContext, inputs: Mapping[str, xr.Dataset], cubes: Inputs) -> xr.Dataset:
    """Severity of every area rule per municipality and month (0 normal .. 3 critical).

    The register rules (``rate_threshold`` on this release's ``register_forecasts``, at the
    forecast origin) and the working-age decline (from this release's ``labour_supply``,
    each month taking the last year-end before it). NaN where a rule does not cover an area
    or month. Occupation, event-register and stale-data alerts and the alert life cycle
    (firing, hysteresis, delivery) live in the alert store, evaluated after publishing.

    The attr ``alert_numbers`` (JSON ``{"month": "YYYY-MM", "numbers": {area: {rule:
    {name: value}}}}``) keeps, for the last month, the numbers each active alert's
    explanation quotes (the same numbers the alert run stores, so the monthly review says
    "−13 %" and "3 675" rather than only the severity; see :func:`alert_numbers`).
    """
    from forecasting.alerts import rules
    from forecasting.alerts.monitor import rate_forecast_from_registers, register_signals

    registers = inputs["registers_history"]
    rate = rate_forecast_from_registers(
        inputs.get("register_forecasts"), registers["time"].values[-1]
    )
    signals = register_signals(registers, rate_forecast=rate, areas=list(ctx.municipalities))
    if "labour_supply" in inputs:
        signals.append(_working_age_signal(inputs["labour_supply"], registers, ctx))
    severities = [s.severity.astype("float64") for s in signals]
    names = [s.rule for s in signals]
    versions = {s.rule: s.version for s in signals}
    severity = xr.concat(severities, dim=xr.Variable("rule", names), join="outer").transpose(
        "area", "time", "rule"
    )
    codes = {"normal": rules.NORMAL, "info": rules.INFO, "warning": rules.WARNING}
    codes["critical"] = rules.CRITICAL
    return xr.Dataset(
        {"severity": severity},
        attrs={
            "source_tables": registers.attrs.get("source_tables", ""),
            "retrieved": registers.attrs.get("retrieved", ""),
            "rule_versions": json.dumps(versions),
            "severity_codes": json.dumps(codes),
            "alert_numbers": json.dumps(alert_numbers(signals, severity), sort_keys=True),
            "time_convention": "month start (YYYY-MM-01) labels the month",
        },
    )


def alert_numbers(signals: Sequence[Any], severity: xr.DataArray) -> dict[str, Any]:
    """The explanation numbers of every alert active (severity >= 1) in ``severity``'s last
    month: ``{"month": "YYYY-MM", "numbers": {area: {rule: {name: value}}}}`` (values as the
    alert engine records them, :func:`forecasting.alerts.engine.numbers_at`)."""
    import pandas as pd

    from forecasting.alerts.engine import numbers_at

    month = pd.Timestamp(severity["time"].values[-1])
    last = severity.sel(time=month)
    out: dict[str, dict[str, Any]] = {}
    for signal in signals:
        if signal.rule not in set(map(str, last["rule"].values)):
            continue
        sev = last.sel(rule=signal.rule)
        for area in map(str, sev["area"].values):
            value = float(sev.sel(area=area))
            covered = area in set(map(str, signal.numbers["area"].values))
            if np.isfinite(value) and value >= 1 and covered:
                numbers = numbers_at(signal, area, month)
                out.setdefault(area, {})[signal.rule] = numbers
    return {"month": f"{month:%Y-%m}", "numbers": out}


def _working_age_signal(labour_supply: xr.Dataset, registers: xr.Dataset, ctx: BuildContext) -> Any:
    """The working-age-decline signal on the registers' months, its severity NaN before the
    first projected year-end (the alert run's own signal)."""
    import pandas as pd

    from forecasting.alerts import rules
    from forecasting.alerts.monitor import working_age_input
    from forecasting.alerts.run import RuleInputs, extra_signals

    working_age = working_age_input(labour_supply)
    months = pd.DatetimeIndex(registers["time"].values)
    (signal,) = extra_signals(
        RuleInputs(working_age=working_age), list(months), list(ctx.municipalities),
        rules.load_config(),
    )  # fmt: skip
    covered = months > pd.Timestamp(working_age["time"].values.min())
    severity = signal.severity.astype("float64").where(
        xr.DataArray(covered, coords={"time": months}, dims="time")
    )
    return dataclasses.replace(signal, severity=severity)


register(
    Product(
        name="alerts",
        stage="alerts",
        requires=("forecasting.alerts.monitor:register_signals",),
        needs=("registers_history", "register_forecasts", "labour_supply"),
        build=_alerts,
        metrics=lambda ds: {
            "critical_latest": int((ds["severity"].isel(time=-1) == 3).sum()),
            "rules": int(ds.sizes["rule"]),
        },
    )
)


def _monthly_reviews_unit(
    ctx: BuildContext, unit: str, inputs: Mapping[str, xr.Dataset], cubes: Inputs
) -> xr.Dataset:
    """The monthly reviews of the employment areas of ``unit`` (``TA01+TA02+...``), rendered
    and packed as a dataset (:func:`forecasting.release.attachments.pack_attachments`)."""
    files, skipped = review_attachments(
        ctx,
        inputs,
        today=build_date(ctx),
        areas=unit.split("+"),
        occupations=cubes.get("occupations"),
    )
    return pack_attachments(files, skipped)


def _monthly_reviews_join(
    ctx: BuildContext,
    parts: Mapping[str, xr.Dataset],
    inputs: Mapping[str, xr.Dataset],
    cubes: Inputs,
) -> xr.Dataset:
    """Every unit's files in the order of the units (the release's order of the areas)."""
    return join_packed([parts[unit] for unit in review_units(ctx)])


register(
    Product(
        name="monthly_reviews",
        stage="reviews",
        requires=("forecasting.report:monthly_review",),
        cubes=("occupations",),
        needs=(
            "registers_history",
            "register_forecasts",
            "alerts",
            "scenarios",
            "occupation_forecasts",
        ),
        units=review_units,
        build_unit=_monthly_reviews_unit,
        combine=_monthly_reviews_join,
        publish=False,
        dated=True,
        cost=2.5,
    )
)
