"""The dependency ratios of the labour supply when a draw leaves no one in a denominator.

A national run of 1000 draws empties the smallest Åland municipalities (about 100-230
people) in a few draws by the 2040s, or leaves them with no one employed. The ratio of such
a draw is undefined: its statistics are those of the other draws, never an infinite or
overflowing mean (before, the release published 1.8e305 and inf for Kökar and Sottunga).
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.demography.labour import COMPONENTS, INDICATORS, STATS, _summarise

POP, YOUNG, WORKING, OLD = (COMPONENTS.index(c) for c in COMPONENTS[:4])
EMPLOYED = COMPONENTS.index("employed")
DEMOGRAPHIC = INDICATORS.index("demographic_dependency_ratio")
ECONOMIC = INDICATORS.index("economic_dependency_ratio")
PROBS = list(STATS.values())


def _parts(rng: np.random.Generator, draws: int, years: int) -> np.ndarray:
    """Whole-person components that add up (population = 0-14 + 15-64 + 65+) and fractional
    employment, as a municipality's summed draws are."""
    parts = np.zeros((draws, years, len(COMPONENTS)))
    parts[..., YOUNG] = rng.poisson(20, (draws, years))
    parts[..., WORKING] = rng.poisson(60, (draws, years))
    parts[..., OLD] = rng.poisson(40, (draws, years))
    parts[..., POP] = parts[..., YOUNG] + parts[..., WORKING] + parts[..., OLD]
    parts[..., COMPONENTS.index("working_age_20_69")] = parts[..., WORKING]
    parts[..., EMPLOYED] = parts[..., WORKING] * rng.uniform(0.5, 0.8, (draws, years))
    parts[..., COMPONENTS.index("labour_force")] = parts[..., EMPLOYED] * 1.1
    parts[..., COMPONENTS.index("retirements")] = rng.poisson(2, (draws, years))
    return parts


def _numpy_statistics(values: np.ndarray) -> np.ndarray:
    """Mean and :data:`STATS` quantiles (NumPy's linear interpolation) of 1-D ``values``."""
    return np.array([values.mean(), *np.quantile(values, PROBS)])


def test_a_draw_that_empties_the_area_leaves_the_ratios_to_the_other_draws() -> None:
    rng = np.random.default_rng(11)
    parts = _parts(rng, draws=9, years=3)
    parts[2, -1] = 0.0  # draw 2 empties the municipality in the last year
    parts[5, -1, EMPLOYED] = 0.0  # draw 5 has people but no one employed
    parts[5, -1, COMPONENTS.index("labour_force")] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        got = _summarise(parts, draws=9)
    assert np.all(np.isfinite(got[:, :, :]))
    last = parts[:, -1]
    working, employed = last[:, WORKING], last[:, EMPLOYED]
    demographic = (last[:, YOUNG] + last[:, OLD]) / np.where(working == 0, 1, working)
    economic = (last[:, POP] - employed) / np.where(employed == 0, 1, employed)
    keep_demographic = np.arange(9) != 2
    keep_economic = ~np.isin(np.arange(9), [2, 5])
    np.testing.assert_allclose(
        got[DEMOGRAPHIC, :, -1], _numpy_statistics(demographic[keep_demographic]), rtol=1e-12
    )
    np.testing.assert_allclose(
        got[ECONOMIC, :, -1], _numpy_statistics(economic[keep_economic]), rtol=1e-12
    )
    # the counts keep every draw, the emptied one included
    np.testing.assert_allclose(got[INDICATORS.index("population"), 0, -1], last[:, POP].mean())


def test_a_ratio_no_draw_defines_is_missing() -> None:
    parts = _parts(np.random.default_rng(2), draws=4, years=2)
    parts[:, 1] = 0.0  # every draw empties it
    got = _summarise(parts, draws=4)
    assert np.isnan(got[[DEMOGRAPHIC, ECONOMIC], :, 1]).all()
    assert np.isfinite(got[[DEMOGRAPHIC, ECONOMIC], :, 0]).all()
    assert (got[INDICATORS.index("population"), :, 1] == 0).all()


@settings(max_examples=60, deadline=None)
@given(
    draws=st.integers(1, 60),
    years=st.integers(1, 5),
    empty=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_ratio_statistics_are_finite_and_within_the_defined_draws(
    draws: int, years: int, empty: float, seed: int
) -> None:
    """Whatever share of the draws empties the area or its employment, each ratio's mean
    and quantiles lie within the range of the draws that define it (NaN if none does), and
    a column every draw defines has the numbers of one quantile call over all of them."""
    rng = np.random.default_rng(seed)
    parts = _parts(rng, draws, years)
    emptied = rng.random((draws, years)) < empty
    parts[emptied] = 0.0
    jobless = rng.random((draws, years)) < empty / 2
    parts[jobless, EMPLOYED] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        got = _summarise(parts, draws)
    assert not np.isinf(got).any()
    dens = {DEMOGRAPHIC: parts[..., WORKING], ECONOMIC: parts[..., EMPLOYED]}
    nums = {
        DEMOGRAPHIC: parts[..., YOUNG] + parts[..., OLD],
        ECONOMIC: parts[..., POP] - parts[..., EMPLOYED],
    }
    for k in (DEMOGRAPHIC, ECONOMIC):
        for t in range(years):
            ok = dens[k][:, t] != 0
            if not ok.any():
                assert np.isnan(got[k, :, t]).all()
                continue
            ratios = nums[k][ok, t] / dens[k][ok, t]
            lo, hi = ratios.min(), ratios.max()
            span = 1e-12 * max(1.0, abs(hi))
            assert np.all((got[k, :, t] >= lo - span) & (got[k, :, t] <= hi + span))
            np.testing.assert_allclose(got[k, :, t], _numpy_statistics(ratios), rtol=1e-9)
