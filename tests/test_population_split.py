"""The national population projection in parts gives the numbers of the whole run, bit for bit.

A release maps ``population_projection`` (and its low/high immigration variants) over runs
of whole kernel calls (forecasting/release/products.py) so that two workers share them. Each
part simulates exactly the kernel calls of the whole run (draws seeded per draw and
municipality), and the aggregates spanning parts are sums of whole-number float32 draws,
exact in any grouping. Here on the national scope with few draws: the parts, through the
work area's netCDF, combine to ``xr.testing.assert_identical`` of one ``project_population``
call; the variants' rates derived from the base estimate equal a fresh estimate.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.contract import to_canonical
from forecasting.demography import base_years, project_population
from forecasting.demography.assumptions import parse_assumptions
from forecasting.demography.projection import (
    _member_sum,
    combine_population_parts,
    project_population_part,
    split_parts,
)
from forecasting.demography.rates import estimate_rates, with_immigration
from forecasting.errors import ValidationError
from forecasting.io.inputs import Inputs
from forecasting.io.release_work import WorkArea

SEED = 20250101


def _call(cubes: Inputs, immigration: str, draws: int = 6) -> dict[str, object]:
    base_year = base_years(cubes)[-1]
    return dict(
        base_year=base_year, until=base_year + 3, scope="national", area="SSS", draws=draws,
        seed=SEED, assumptions={"migration": {"immigration": immigration}},
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("immigration", "parts"), [("base", 4), ("high", 3)])
def test_parts_combine_to_the_whole_projection(
    cubes: Inputs, tmp_path: Path, immigration: str, parts: int
) -> None:
    call = _call(cubes, immigration)
    whole = project_population(cubes, **call)  # type: ignore[arg-type]
    base = estimate_rates(
        cubes, int(call["base_year"]), int(call["until"]),  # type: ignore[call-overload]
        parse_assumptions({"migration": {"immigration": "base"}}),
    )  # fmt: skip
    rateset = with_immigration(base, cubes, immigration)
    work = WorkArea(tmp_path)
    got = []
    for part in range(parts):
        ds = project_population_part(cubes, part=part, parts=parts, rateset=rateset, **call)  # type: ignore[arg-type]
        work.save(f"p{part}", to_canonical(ds))  # a release step's dim order
        got.append(work.load(f"p{part}"))
    assert any("partial_sums" in ds for ds in got)  # the country spans parts
    combined = combine_population_parts(cubes, got[::-1], **call)  # type: ignore[arg-type]
    xr.testing.assert_identical(combined, whole)
    with pytest.raises(ValidationError, match="members"):
        combine_population_parts(cubes, got[:-1], **call)  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("immigration", ["low", "high"])
def test_variant_rates_from_the_base_equal_a_fresh_estimate(
    cubes: Inputs, immigration: str
) -> None:
    years = (base_years(cubes)[-1], base_years(cubes)[-1] + 5)
    base = estimate_rates(cubes, *years, parse_assumptions(None))
    fresh = estimate_rates(
        cubes, *years, parse_assumptions({"migration": {"immigration": immigration}})
    )
    derived = with_immigration(base, cubes, immigration)
    assert derived.assumptions == fresh.assumptions
    assert derived.assumptions.describe() == fresh.assumptions.describe()
    for f in fields(fresh.rates):
        a, b = getattr(derived.rates, f.name), getattr(fresh.rates, f.name)
        if isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b, strict=True)
        else:
            assert a == b or (a != a and b != b), f.name  # NaN floats compare unequal
    assert not np.array_equal(derived.rates.migration_level, base.rates.migration_level)
    with pytest.raises(ValidationError):
        with_immigration(fresh, cubes, "base")


def test_rates_from_a_shared_base_estimate_equal_a_fresh_estimate(cubes: Inputs) -> None:
    """A release estimates the base population once for the projections' rates and the
    training needs' (other years): each is the estimate of its own, bit for bit."""
    from forecasting.demography.base import estimate_base

    base_year = base_years(cubes)[-1]
    estimate = estimate_base(cubes, base_year, parse_assumptions(None))
    estimate.values.flags.writeable = False  # the release's is read-only
    for until in (base_year + 2, base_year + 5):
        shared = estimate_rates(cubes, base_year, until, parse_assumptions(None), base=estimate)
        fresh = estimate_rates(cubes, base_year, until, parse_assumptions(None))
        assert shared.population.tobytes() == fresh.population.tobytes()
        for f in fields(fresh.rates):
            a, b = getattr(shared.rates, f.name), getattr(fresh.rates, f.name)
            if isinstance(b, np.ndarray):
                assert a.tobytes() == b.tobytes(), f.name
            else:
                assert a == b or (a != a and b != b), f.name
        xr.testing.assert_identical(shared.estimates, fresh.estimates)


def test_parts_are_runs_of_whole_kernel_calls() -> None:
    from forecasting.demography import engine

    scope = engine.scope_for("national", "SSS")
    calls = engine.chunks(scope)
    for parts in (1, 2, 4, 7):
        split = split_parts(scope, parts)
        assert len(split) == parts
        assert [c for part in split for c in part] == calls
        sizes = [len(p) for p in split]
        assert max(sizes) - min(sizes) <= 1


def test_the_expected_path_is_not_split(cubes: Inputs) -> None:
    call = _call(cubes, "base", draws=0)
    call["seed"] = None
    with pytest.raises(ValidationError, match="parts"):
        project_population_part(cubes, part=0, parts=2, **call)  # type: ignore[arg-type]


def test_area_units_hold_every_area_once_in_label_order() -> None:
    from forecasting import geography
    from forecasting.release import products
    from forecasting.release.registry import BuildContext

    ctx = BuildContext("national", "SSS", 1, (), (), (), (), "", "", "")
    units = products._area_units(ctx)
    areas = [a for unit in units for a in unit.split("+")]
    expected = sorted([*geography.aggregate_codes("employment_area"), geography.COUNTRY])
    assert areas == expected  # each area once; in a unit, each keeps seed_for(product, area)
    assert units == sorted(units) and len(units) == -(-len(areas) // products.AREAS_PER_UNIT)
    assert products._area_units(BuildContext("area", "TA23", 1, (), (), (), (), "", "", "")) == [
        "TA23"
    ]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 12),
    data=st.data(),
    high=st.sampled_from([3, 500, 40_000]),
    seed=st.integers(0, 2**32 - 1),
)
def test_an_aggregates_members_summed_at_once_equal_their_sum_one_by_one(
    n: int, data: st.DataObject, high: int, seed: int
) -> None:
    """A part adds an aggregate's members of one kernel call summed at once (whole-number
    float32 draws): the bits of adding them one by one (as the whole run does), for
    contiguous, scattered and single members, zeros included."""
    where = sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1)))
    rng = np.random.default_rng(seed)
    pop = rng.integers(0, high, size=(3, n, 2, 2, 4)).astype(np.float32)
    pop[:, :, 0, 0, 0] = 0.0
    one_by_one = pop[:, where[0]].copy()
    for i in where[1:]:
        np.add(one_by_one, pop[:, i], out=one_by_one)
    at_once = _member_sum(pop, where)
    assert at_once.dtype == np.float32
    assert at_once.tobytes() == np.ascontiguousarray(one_by_one).tobytes()
