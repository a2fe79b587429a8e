"""The release's split register steps give the numbers of the unsplit computation, bit for bit.

The national release maps ``register_forecasts`` over its variables and
``register_backtest_metrics`` over (origin, variable) so that Dask can run them side by side
(forecasting/release/products.py). Each unit takes the random stream the whole run gives it
(the variable's child of ``SeedSequence(seed)``; the backtest's ``origin * 2 + variable``-th
child), and the parts travel through the work area (netCDF) before they are joined. Here, on
the Mikkeli area (TA23) with few sample paths: the joined result equals one
``forecast_registers`` / ``backtest_registers`` call (``xr.testing.assert_identical``,
``check_exact``), across the 2023-11..2026-05 gap (conditioning, transient shares in attrs)
and from an origin without a gap.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting.backtest import backtest_registers, backtest_unit, join_units
from forecasting.io.inputs import Inputs
from forecasting.io.release_work import WorkArea
from forecasting.registers import (
    STATISTICS,
    VARIABLES,
    area_rows,
    assemble_register_forecasts,
    check_registers,
    forecast_register_variable,
    forecast_registers,
)

SEED = 20250101


@pytest.fixture(scope="module")
def registers(cubes: Inputs) -> xr.Dataset:
    return check_registers(cubes["registers"])


def _through_work_area(ds: xr.Dataset, tmp_path: Path, key: str) -> xr.Dataset:
    """Save and load ``ds`` as a release step result (netCDF, attrs prepared)."""
    work = WorkArea(tmp_path)
    work.save(key, ds)
    return work.load(key)


@pytest.mark.slow
@pytest.mark.parametrize(("origin", "horizon"), [("latest", 14), ("2019-12", 7)])
def test_register_forecast_per_variable_equals_the_whole(
    registers: xr.Dataset, tmp_path: Path, origin: str, horizon: int
) -> None:
    call = dict(origin=origin, horizon=horizon, scope="area", area="TA23", n_samples=60)
    whole = forecast_registers(registers, seed=SEED, **call)  # type: ignore[arg-type]
    parts = {
        v: _through_work_area(
            forecast_register_variable(registers, v, seed=SEED, **call),  # type: ignore[arg-type]
            tmp_path,
            v,
        )
        for v in reversed(VARIABLES)  # any order
    }
    joined = assemble_register_forecasts(registers, parts, seed=SEED, **call)  # type: ignore[arg-type]
    xr.testing.assert_identical(joined, whole)
    assert ("gap_method" in whole.attrs) == (origin == "latest")


def test_parts_of_another_request_are_refused(registers: xr.Dataset) -> None:
    from forecasting.errors import ValidationError

    months = pd.date_range("2020-01-01", periods=3, freq="MS")
    stats = np.zeros((len(area_rows("TA23")), 3, 5))
    part = xr.Dataset(
        {"unemployed": (("area", "time", "statistic"), stats)},
        coords={"area": list(area_rows("TA23")), "time": months, "statistic": list(STATISTICS)},
    )
    parts = {"unemployed": part, "vacancies": part.rename(unemployed="vacancies")}
    call = dict(horizon=3, scope="area", area="TA23", n_samples=20, seed=SEED)
    with pytest.raises(ValidationError, match="another request"):
        assemble_register_forecasts(registers, parts, "2019-11", **call)  # type: ignore[arg-type]


@pytest.mark.slow
def test_backtest_units_join_to_the_whole_run(registers: xr.Dataset) -> None:
    origins = ("2015-06", "2019-12")
    call = dict(rows=area_rows("TA23"), n_samples=40, seed=SEED)
    whole = backtest_registers(registers, origins, **call)  # type: ignore[arg-type]
    units = {
        (o, v): backtest_unit(registers, o, v, origins, **call)  # type: ignore[arg-type]
        for o in reversed(origins)
        for v in VARIABLES
    }
    # as the release ships them: a Dataset over "row" and back
    shipped = {
        k: xr.Dataset.from_dataframe(f.rename_axis("row")).to_dataframe().reset_index(drop=True)
        for k, f in units.items()
    }
    pd.testing.assert_frame_equal(join_units(shipped, origins), whole, check_exact=True)


@pytest.mark.slow
def test_labour_demand_from_the_shared_population_is_unchanged(
    cubes: Inputs, tmp_path: Path
) -> None:
    """jobs_by_industry and training_needs from the release's one population projection
    (through the work area) equal their own per-area computation."""
    from forecasting import demand, training
    from forecasting.contract import to_canonical, validate
    from forecasting.release.products import _population_of, population_dataset

    population = demand.projected_population(cubes, seed=1)
    step = validate(to_canonical(population_dataset(population)), name="demand_population")
    shared = _through_work_area(step, tmp_path, "pop")
    passed = _population_of({"demand_population": shared})
    xr.testing.assert_identical(
        demand.jobs_by_industry_projection(cubes, area="TA23", seed=SEED, population=passed),
        demand.jobs_by_industry_projection(cubes, area="TA23", seed=SEED),
    )
    xr.testing.assert_identical(
        training.training_needs(cubes, area="TA23", seed=SEED, population=passed),
        training.training_needs(cubes, area="TA23", seed=SEED),
    )


@pytest.mark.slow
def test_training_needs_from_the_shared_rates_are_unchanged(cubes: Inputs) -> None:
    """training_needs of two areas in turn, reading the release's one (read-only) estimate
    of the demography's and labour's rates, equal their own per-area computation (the rates
    are the same for every area; a unit writing into them would fail rather than change the
    next)."""
    from forecasting import training
    from forecasting.release import BuildContext
    from forecasting.release.products import DEMAND_UNTIL, _training_rates

    ctx = BuildContext(
        scope="national", area="SSS", seed=SEED, municipalities=(), areas=(),
        cube_versions=(), data_through=(), code_version="test", code_fingerprint="test",
        work_dir="/nonexistent",
    )  # fmt: skip
    shared = _training_rates(ctx, cubes)
    assert _training_rates(ctx, cubes) is shared
    assert not shared.rateset.rates.fertility.flags.writeable
    assert not shared.employment.values.flags.writeable
    for area in ("TA23", "TA10"):
        xr.testing.assert_identical(
            training.training_needs(cubes, DEMAND_UNTIL, area=area, seed=SEED, rateset=shared),
            training.training_needs(cubes, DEMAND_UNTIL, area=area, seed=SEED),
        )


@pytest.mark.slow
def test_labour_demand_from_the_shared_demand_base_is_unchanged(cubes: Inputs) -> None:
    """jobs_by_industry and training_needs of two areas in turn, reading the release's one
    (read-only) demand base and jobs history, equal their own per-area computation (both
    cover every municipality; a unit writing into them would fail rather than change the
    next)."""
    from forecasting import demand, training
    from forecasting.release import BuildContext
    from forecasting.release.products import (
        DEMAND_UNTIL,
        TRAINING_CUBES,
        _demand_shared,
        _training_rates,
    )

    ctx = BuildContext(
        scope="national", area="SSS", seed=SEED, municipalities=(), areas=(),
        cube_versions=(), data_through=(), code_version="test", code_fingerprint="test",
        work_dir="/nonexistent",
    )  # fmt: skip
    # copies: the shared pieces are made read-only, views of the session's cubes included
    own = Inputs({name: cubes[name].copy(deep=True) for name in TRAINING_CUBES})
    population = demand.projected_population(own, seed=1)
    base, history = _demand_shared(ctx, own, population)
    assert _demand_shared(ctx, own, population)[1] is history
    assert not history.values.flags.writeable
    assert not base.totals.values.flags.writeable
    rates = _training_rates(ctx, own)
    for area in ("TA23", "TA10"):
        xr.testing.assert_identical(
            demand.jobs_by_industry_projection(
                own, DEMAND_UNTIL, area=area, seed=SEED, population=population,
                base=base, history=history,
            ),
            demand.jobs_by_industry_projection(
                own, DEMAND_UNTIL, area=area, seed=SEED, population=population
            ),
        )  # fmt: skip
        xr.testing.assert_identical(
            training.training_needs(
                own, DEMAND_UNTIL, area=area, seed=SEED, population=population, rateset=rates,
                base=base, history=history,
            ),
            training.training_needs(
                own, DEMAND_UNTIL, area=area, seed=SEED, population=population, rateset=rates
            ),
        )  # fmt: skip


def test_a_rateset_of_other_years_is_refused(cubes: Inputs) -> None:
    """A caller's rates for other years than the request raise instead of being used."""
    from forecasting import replacement
    from forecasting.demography import retirements
    from forecasting.errors import ValidationError

    base = replacement.base_year(cubes)
    rates = replacement.shared_rates(cubes, base + 3)
    with pytest.raises(ValidationError, match="rateset"):
        retirements(cubes, base_year=base, until=base + 4, area="TA23", draws=0, rateset=rates)


@pytest.mark.parametrize("with_nan", [False, True])
def test_need_statistics_equal_the_nan_aware_quantiles(with_nan: bool) -> None:
    """The training chain's 80 % bounds without the NaN-aware path are the same bits."""
    from forecasting.training import _need_statistics

    rng = np.random.default_rng(7)
    values = rng.normal(50.0, 20.0, (3, 5, 9, 200)) * rng.lognormal(0.0, 1.0, (3, 5, 9, 1))
    if with_nan:
        values[0, 1, 2, :7] = np.nan
    dims = ("area", "occupation", "time", "draw")
    draws = xr.DataArray(values, dims=dims)
    need = draws.mean("draw")
    got = _need_statistics(need, draws)
    for q, label in ((0.1, 1), (0.9, 2)):
        expected = draws.quantile(q, dim="draw", skipna=True).drop_vars("quantile")
        np.testing.assert_array_equal(
            got.isel(statistic=label).values, expected.transpose(*need.dims).values, strict=True
        )
