"""Labour rates prepared once (``labour_rates``) give the numbers of a call that prepares
its own: the employment rates, trends and labour force ratios cover every municipality and
depend only on the cubes, years and assumptions, so a release prepares them once for all
its areas and parts (training needs, labour supply)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.demography import base_years, engine, labour_supply, retirements
from forecasting.demography.assumptions import parse_assumptions
from forecasting.demography.labour import (
    COMPONENTS,
    EMPLOYED,
    FORCE,
    INDICATORS,
    RETIRED,
    _summarise,
    labour_rates,
)
from forecasting.demography.rates import estimate_rates
from forecasting.errors import ValidationError
from forecasting.io.inputs import Inputs

SEED = 20250101


@pytest.mark.slow
def test_retirements_and_supply_from_prepared_rates_are_unchanged(cubes: Inputs) -> None:
    """~6 s: three preparations of the labour rates (each ~1.3 CPU s) and five projections."""
    base = base_years(cubes)[-1]
    until = base + 3
    rateset = estimate_rates(cubes, base, until, parse_assumptions(None))
    prepared = labour_rates(cubes, base_year=base, until=until, rateset=rateset)
    assert prepared.rateset is rateset
    assert set(map(str, prepared.employment["area"].values)) == set(rateset.codes)
    for area in ("TA23", "491"):
        call: dict[str, Any] = {
            "base_year": base, "until": until, "area": area, "draws": 7, "seed": SEED,
        }  # fmt: skip
        xr.testing.assert_identical(
            retirements(cubes, rateset=prepared, **call),
            retirements(cubes, rateset=rateset, **call),
        )
    xr.testing.assert_identical(
        labour_supply(cubes, base_year=base, until=until, area="TA23", draws=7, seed=SEED,
                      rateset=prepared),
        labour_supply(cubes, base_year=base, until=until, area="TA23", draws=7, seed=SEED),
    )  # fmt: skip


def test_prepared_rates_of_other_years_or_assumptions_are_refused(cubes: Inputs) -> None:
    base = base_years(cubes)[-1]
    prepared = labour_rates(cubes, base_year=base, until=base + 2)
    with pytest.raises(ValidationError, match="rateset"):
        retirements(cubes, base_year=base, until=base + 3, area="TA23", draws=0, rateset=prepared)
    other = {"migration": {"immigration": "high"}}
    with pytest.raises(ValidationError, match="rateset"):
        retirements(
            cubes, base_year=base, until=base + 2, area="TA23", draws=0, assumptions=other,
            rateset=prepared,
        )  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sums_added_in_place_equal_the_sums_of_new_arrays(dtype: type) -> None:
    """``engine.accumulate`` (the aggregates' draw sums) gives the bits of ``a + b`` member
    by member, and never writes into a member's values."""
    rng = np.random.default_rng(3)
    members: list[np.ndarray] = [rng.gamma(2.0, 50.0, (4, 3, 2, 5)).astype(dtype) for _ in range(6)]
    members[2] = np.moveaxis(members[2], 0, 1).copy().swapaxes(0, 1)  # a strided member
    kept = [m.copy() for m in members]
    sums: dict[str, np.ndarray] = {}
    expected = members[0].copy()
    engine.accumulate(sums, "agg", members[0])
    for m in members[1:]:
        engine.accumulate(sums, "agg", m)
        expected = expected + m
    assert sums["agg"].dtype == expected.dtype
    assert sums["agg"].tobytes() == expected.tobytes()
    for m, k in zip(members, kept, strict=True):
        np.testing.assert_array_equal(m, k)


@settings(max_examples=50, deadline=None)
@given(
    draws=st.sampled_from([0, 1, 7, 100]),
    years=st.integers(1, 6),
    names=st.lists(st.sampled_from(INDICATORS), min_size=1, max_size=4, unique=True),
    seed=st.integers(0, 2**32 - 1),
)
def test_statistics_of_some_indicators_are_those_of_all(
    draws: int, years: int, names: list[str], seed: int
) -> None:
    """``retirements`` and ``labour_supply`` summarise only the indicators they return: each
    indicator's statistics are the same bits as in the summary of every indicator (whole
    persons and fractional components, a NaN base year as the retirements have, zero
    denominators of the ratios)."""
    rng = np.random.default_rng(seed)
    n = max(draws, 1)
    parts = rng.poisson(50, size=(n, years, len(COMPONENTS))).astype(np.float64)
    parts[..., [EMPLOYED, FORCE, RETIRED]] *= rng.random((n, years, 3))
    parts[:, 0, RETIRED] = np.nan
    parts[:, -1, COMPONENTS.index("working_age_15_64")] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        every = _summarise(parts, draws)
        some = _summarise(parts, draws, names)
    for i, name in enumerate(names):
        assert some[i].tobytes() == every[INDICATORS.index(name)].tobytes()
