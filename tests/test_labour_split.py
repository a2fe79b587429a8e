"""The national labour supply in parts gives the numbers of the whole run, bit for bit.

A release runs the labour supply in runs of whole kernel calls (as the population
projection, tests/test_population_split.py; both from one simulation,
tests/test_demography_shared.py) plus one unit for the expected employed by age. The
whole-person components of an aggregate that spans parts are float64 whole numbers, exact
in any grouping; the fractional ones (employed, labour force, retirements) are continued
member by member in the engine's order by the combine, as the whole run adds them.
Here on the national scope with few draws: the parts, through the contract's transpose and
the work area's netCDF and combined in reverse order, are ``xr.testing.assert_identical`` to
one ``labour_supply`` call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from forecasting.contract import to_canonical
from forecasting.demography import base_years, labour_supply
from forecasting.demography.assumptions import parse_assumptions
from forecasting.demography.labour import (
    INDICATORS,
    _summarise,
    combine_labour_parts,
    labour_by_age,
    labour_supply_part,
)
from forecasting.demography.rates import estimate_rates
from forecasting.errors import ValidationError
from forecasting.io.inputs import Inputs
from forecasting.io.release_work import WorkArea

SEED = 20250101


def _call(cubes: Inputs, draws: int = 5) -> dict[str, object]:
    base_year = base_years(cubes)[-1]
    return dict(
        base_year=base_year, until=base_year + 3, scope="national", area="SSS", draws=draws,
        seed=SEED, assumptions={"migration": {"immigration": "base"}},
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("parts", [3])
def test_parts_combine_to_the_whole_labour_supply(
    cubes: Inputs, tmp_path: Path, parts: int
) -> None:
    call = _call(cubes)
    whole = labour_supply(cubes, **call)  # type: ignore[arg-type]
    rateset = estimate_rates(
        cubes, int(call["base_year"]), int(call["until"]),  # type: ignore[call-overload]
        parse_assumptions(call["assumptions"]),  # type: ignore[arg-type]
    )  # fmt: skip
    work = WorkArea(tmp_path)
    got = []
    for part in range(parts):
        ds = labour_supply_part(cubes, part=part, parts=parts, rateset=rateset, **call)  # type: ignore[arg-type]
        work.save(f"p{part}", to_canonical(ds))  # a release step's dim order
        got.append(work.load(f"p{part}"))
    work.save("age", to_canonical(labour_by_age(cubes, rateset=rateset, **call)))  # type: ignore[arg-type]
    by_age = work.load("age")
    assert any("member_values" in ds for ds in got)  # the country spans parts
    combined = combine_labour_parts(cubes, got[::-1], by_age, **call)  # type: ignore[arg-type]
    xr.testing.assert_identical(combined, whole)
    with pytest.raises(ValidationError, match="members"):
        combine_labour_parts(cubes, got[:-1], by_age, **call)  # type: ignore[arg-type]


def test_one_quantile_call_equals_one_per_indicator() -> None:
    """``_summarise`` sorts every indicator in one call; the numbers are those of one call
    per indicator (each column's order statistics are its own), NaN where the first draw is;
    a ratio's mean is the ratio of the means of its terms."""
    from forecasting.demography.labour import STATS, _indicators, ratio_of_means
    from models.cohort import draw_quantiles

    rng = np.random.default_rng(3)
    parts = rng.integers(1, 500, size=(40, 4, 8)).astype(np.float64)
    parts[..., 5:] *= rng.uniform(0.3, 0.9, size=(40, 4, 3))  # fractional, as employment
    parts[:, 0, 7] = np.nan  # no retirements into the base year
    got = _summarise(parts, draws=40)
    named, terms = _indicators(parts)
    for i, (name, values) in enumerate(named.items()):
        assert INDICATORS[i] == name
        mean, quant = draw_quantiles(np.nan_to_num(values, nan=0.0), list(STATS.values()))
        if name in terms:
            mean = ratio_of_means(*terms[name])
        valid = ~np.isnan(values[0])
        np.testing.assert_array_equal(got[i, 0], np.where(valid, mean, np.nan))
        np.testing.assert_array_equal(got[i, 1:], np.where(valid, quant, np.nan))
    assert np.isnan(got[INDICATORS.index("retirements"), :, 0]).all()


def test_the_expected_path_is_not_split(cubes: Inputs) -> None:
    call = _call(cubes, draws=0)
    call["seed"] = None
    with pytest.raises(ValidationError, match="parts"):
        labour_supply_part(cubes, part=0, parts=2, **call)  # type: ignore[arg-type]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_components_equal_the_axis_sums(dtype: type) -> None:
    """The components of whole-number draws (float32: sexes added once, age groups by a 0/1
    matrix product) and of the expected path (float64) are the numbers of the axis sums
    they replace, bit for bit."""
    from forecasting.demography.labour import AGES, labour_components, retirement_weights

    rng = np.random.default_rng(7)
    codes = ["a", "b", "c"]
    years = np.arange(2025, 2029)
    pop: np.ndarray = rng.integers(0, 4000, size=(30, 3, 4, 2, AGES.size)).astype(dtype)
    if dtype == np.float64:  # the expected path: fractional persons
        pop *= rng.uniform(0.5, 1.5, size=pop.shape)
    e = rng.uniform(0.0, 1.0, size=(3, 4, AGES.size))
    rates = xr.DataArray(
        e, dims=("area", "year", "age"), coords={"area": codes, "year": years, "age": AGES}
    )
    ratio = xr.DataArray(rng.uniform(1.0, 1.2, 3), dims="area", coords={"area": codes})
    got = labour_components(rates, ratio, 55)(codes, pop)
    both = pop.sum(axis=3, dtype=np.float64)
    employed = np.einsum("dntx,ntx->dnt", both, e)
    retire = np.einsum("dntx,ntx->dnt", both, retirement_weights(e, 55))
    retire[:, :, 0] = np.nan
    expected = [
        both.sum(axis=-1), both[..., :15].sum(axis=-1), both[..., 15:65].sum(axis=-1),
        both[..., 65:].sum(axis=-1), both[..., 20:70].sum(axis=-1), employed,
        employed * ratio.values[None, :, None], retire,
    ]  # fmt: skip
    np.testing.assert_array_equal(got, np.moveaxis(np.stack(expected, axis=-1), 1, 0))
