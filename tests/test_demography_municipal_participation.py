"""The municipal excess trend of participation on top of the region's (issue 18)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecasting import geography
from forecasting.demography import _data, labour
from forecasting.demography.assumptions import LabourAssumption


@settings(max_examples=40)
@given(
    pop=arrays(np.float64, (3, 2, 101), elements=st.floats(0.0, 500.0)),
    shift=st.integers(-20, 20),
)
def test_shifted_population_moves_cohorts(pop: np.ndarray, shift: int) -> None:
    got = labour.shifted_population(pop, 2019, 2019 + shift)
    both = pop.sum(axis=1)
    for age in range(101):
        source = age - shift
        expected = both[:, source] if 0 <= source <= 100 else np.zeros(3)
        np.testing.assert_allclose(got[:, age], expected)


def test_excess_is_zero_when_a_municipality_follows_its_region() -> None:
    years = np.arange(7, dtype=float)
    employed = np.array([[100.0] * 7, [200.0] * 7, [50.0] * 7])
    # same growth of 2 % a year in the labour force per employed for A and B (region R)
    force = employed * np.exp(0.02 * years)[None, :]
    got = labour.excess_slopes(force, employed, ["R", "R", "S"])
    np.testing.assert_allclose(got, 0.0, atol=1e-12)
    # C grows 1 % a year faster than the rest of region R (A + C)
    force2 = force.copy()
    force2[2] = 50.0 * np.exp(0.03 * years)
    got2 = labour.excess_slopes(force2, employed, ["R", "S", "R"])
    assert got2[1] == 0.0  # alone in its region
    assert got2[2] > 0 > got2[0]
    # a missing year leaves the municipality on its region's trend
    force2[2, 3] = np.nan
    assert labour.excess_slopes(force2, employed, ["R", "S", "R"])[2] == 0.0


def test_factor_is_one_at_the_anchor_and_off_with_weight_zero(cubes) -> None:
    codes = sorted(geography.municipalities().index)
    pop = _data.by_year(cubes["population"]["population"]).sel(area=codes, year=2019)
    pop_v = pop.transpose("area", "sex", "age").values
    la = LabourAssumption()
    rates = labour.employment_rates(cubes, codes, la).values
    years = np.arange(2019, 2027)
    known = dict(cubes)
    known["registers"] = cubes["registers"].sel(time=slice(None, "2023-10-01"))
    factor = labour.municipal_participation(known, codes, 2019, years, pop_v, 2019, rates, la)
    np.testing.assert_allclose(factor.sel(year=2019).values, 1.0)
    assert bool(np.isfinite(factor).all()) and float(abs(np.log(factor)).max()) < 0.5
    off = labour.municipal_participation(
        known, codes, 2019, years, pop_v, 2019, rates,
        la.model_copy(update={"municipal_trend_weight": 0.0}),
    )  # fmt: skip
    np.testing.assert_array_equal(off.values, 1.0)
    # registers cut at 2023-10 hold reference years to 2021: the trend runs undamped to 2021
    # and damped after it, so the yearly step shrinks by the damping 0.8
    step = np.diff(np.log(factor.sel(area="097").values))
    np.testing.assert_allclose(step[3], 0.8 * step[2], rtol=1e-9)
