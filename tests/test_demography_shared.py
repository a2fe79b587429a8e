"""The release's population projection and labour supply come from one simulation.

``demography_base`` (forecasting/release/products.py, not published) simulates the base
projection's draws once, in parts, and takes both the population's and the labour supply's
statistics from the same draws (:func:`forecasting.demography.labour.demography_part`);
``population_projection`` and ``labour_supply`` publish its two halves. Checked here: a part
of the shared simulation is bit for bit the parts of the two separate functions with the
same seed (national scope, few draws, through the work area's netCDF); the release products
of an area release equal one ``project_population`` and one ``labour_supply`` call with the
projection's seed, and the labour supply's ``population`` is the projection's total (the
same draws), which two simulations under two seeds did not give; the low/high variants are
the expected path (bounds NaN, documented in docs/API.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from forecasting.contract import to_canonical
from forecasting.demography import base_years, labour_supply, project_population
from forecasting.demography.assumptions import parse_assumptions
from forecasting.demography.labour import demography_part, labour_rates, labour_supply_part
from forecasting.demography.projection import NO_INTERVALS, project_population_part
from forecasting.demography.rates import estimate_rates
from forecasting.io.inputs import Inputs
from forecasting.io.release_work import WorkArea

SEED = 20250101


@pytest.mark.slow
def test_one_simulation_gives_the_parts_of_both(cubes: Inputs, tmp_path: Path) -> None:
    """Each part of the shared simulation equals ``project_population_part`` and
    ``labour_supply_part`` of the same request, seed and rates (assert_identical)."""
    base_year = base_years(cubes)[-1]
    call = dict(
        base_year=base_year, until=base_year + 1, scope="national", area="SSS", draws=2,
        seed=SEED, assumptions={"migration": {"immigration": "base"}},
    )  # fmt: skip
    rateset = estimate_rates(cubes, base_year, base_year + 1, parse_assumptions(None))
    prepared = labour_rates(
        cubes, base_year=base_year, until=base_year + 1, assumptions=None, rateset=rateset
    )
    work = WorkArea(tmp_path)
    parts = 2
    for part in range(parts):
        population, labour = demography_part(
            cubes,
            part=part,
            parts=parts,
            rateset=prepared,
            **call,  # type: ignore[arg-type]
        )
        alone_population = project_population_part(
            cubes,
            part=part,
            parts=parts,
            rateset=rateset,
            **call,  # type: ignore[arg-type]
        )
        alone_labour = labour_supply_part(
            cubes,
            part=part,
            parts=parts,
            rateset=prepared,
            **call,  # type: ignore[arg-type]
        )
        for name, got, alone in (
            ("pop", population, alone_population),
            ("lab", labour, alone_labour),
        ):
            work.save(f"{name}{part}", to_canonical(got))
            xr.testing.assert_identical(work.load(f"{name}{part}"), to_canonical(alone))
        if part == parts - 1:  # the country began in an earlier part
            assert "partial_sums" in population and "member_values" in labour


@pytest.fixture(scope="module")
def area_release(cubes: Inputs, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The demography products of a TA23 release, built as the flow builds them."""
    from forecasting import release

    names = ["population_projection", "labour_supply", "population_projection_low"]
    chosen, _ = release.plan(names)
    ctx = release.make_context(
        "area", "TA23", SEED, chosen, cubes, str(tmp_path_factory.mktemp("w"))
    )
    release.stage_inputs(ctx, cubes)
    refs: dict[str, release.ProductRef] = {}
    for product in chosen:
        needs = {n: refs[n] for n in product.needs}
        if product.mapped:
            assert product.units is not None
            units = [release.run_unit(ctx, product, u, needs) for u in product.units(ctx)]
            refs[product.name] = release.run_combine(ctx, product, units, needs)
        else:
            refs[product.name] = release.run_step(ctx, product, needs)
    got = {name: release.load(ctx, refs[name]) for name in names}
    return {"ctx": ctx, "products": got, "refs": refs, "chosen": chosen}


@pytest.mark.slow
def test_release_products_equal_one_call_each_with_one_seed(
    area_release: dict[str, object], cubes: Inputs
) -> None:
    from forecasting import release
    from forecasting.release import products

    ctx = area_release["ctx"]
    got = area_release["products"]
    refs = area_release["refs"]
    assert isinstance(ctx, release.BuildContext) and isinstance(got, dict)
    assert isinstance(refs, dict)
    assert not refs[products.DEMOGRAPHY_BASE].publish  # an intermediate step
    staged = release.cubes_for(ctx, release.registered()["labour_supply"])
    base_year = base_years(staged)[-1]
    call = dict(
        base_year=base_year, until=base_year + products.POPULATION_HORIZON, scope="area",
        area="TA23", draws=products.POPULATION_DRAWS, seed=ctx.seed_for("project_population"),
        assumptions={"migration": {"immigration": "base"}},
    )  # fmt: skip
    population = to_canonical(project_population(staged, **call))  # type: ignore[arg-type]
    labour = to_canonical(labour_supply(staged, **call))  # type: ignore[arg-type]
    for name, whole in (("population_projection", population), ("labour_supply", labour)):
        xr.testing.assert_equal(got[name], whole)
        assert {k: got[name].attrs[k] for k in whole.attrs} == whole.attrs
        assert got[name].attrs["release_product"] == name
        assert got[name].attrs["seed"] == ctx.seed_for("project_population")
    # one population: the labour supply's population is the projection's total, every stat
    total = got["population_projection"]["population_total"].sel(sex="T")
    np.testing.assert_array_equal(
        got["labour_supply"]["population"].transpose(*total.dims).values, total.values
    )


@pytest.mark.slow
def test_variants_are_expected_paths(area_release: dict[str, object]) -> None:
    got = area_release["products"]
    assert isinstance(got, dict)
    low = got["population_projection_low"]
    base = got["population_projection"]
    assert int(low.attrs["draws"]) == 0 and low.attrs["intervals"] == NO_INTERVALS
    bounds = low["population_total"].sel(statistic=["lo80", "hi80", "lo95", "hi95"])
    assert bool(bounds.isnull().all())
    mean = low["population_total"].sel(statistic="mean")
    assert bool((mean > 0).all())
    # the low immigration path lies below the base projection's mean by the horizon
    last = {"time": mean["time"][-1], "sex": "T"}
    assert float(mean.sel(last).sel(area="TA23")) < float(
        base["population_total"].sel(statistic="mean").sel(last).sel(area="TA23")
    )
