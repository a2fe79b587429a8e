"""The dependency ratios of the labour supply: their central value, and draws that leave no
one in a denominator.

A ratio's published mean is the ratio of the means of its numerator and denominator over
the draws (``E[A] / E[B]``, the ratio of the published mean counts); its quantiles are
those of the per-draw ratio. The mean of the per-draw ratio was published before: in the
smallest municipalities a few draws with a handful of employed gave huge ratios, so Kökar's
(318) 2045 economic dependency ratio had a mean of 2.75 above its own 95 % upper bound of
2.07.

A national run of 1000 draws empties the smallest Åland municipalities (about 100-230
people) in a few draws by the 2040s, or leaves them with no one employed. The ratio of such
a draw is undefined: its quantiles are those of the other draws, never infinite or
overflowing (before, the release published 1.8e305 and inf for Kökar and Sottunga).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
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


def test_a_draw_that_empties_the_area_leaves_the_ratio_quantiles_to_the_other_draws() -> None:
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
        got[DEMOGRAPHIC, 1:, -1], np.quantile(demographic[keep_demographic], PROBS), rtol=1e-12
    )
    np.testing.assert_allclose(
        got[ECONOMIC, 1:, -1], np.quantile(economic[keep_economic], PROBS), rtol=1e-12
    )
    # the means are over every draw: the emptied one adds nothing to either term, the
    # jobless one its whole population to the economic ratio's numerator
    np.testing.assert_allclose(
        got[DEMOGRAPHIC, 0, -1],
        (last[:, YOUNG] + last[:, OLD]).mean() / working.mean(),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        got[ECONOMIC, 0, -1], (last[:, POP] - employed).mean() / employed.mean(), rtol=1e-12
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
def test_ratio_mean_is_the_ratio_of_the_means_and_quantiles_those_of_the_draws(
    draws: int, years: int, empty: float, seed: int
) -> None:
    """Whatever share of the draws empties the area or its employment, each ratio's mean is
    ``mean(num) / mean(den)`` over every draw (NaN if no draw has a denominator) and equals
    the ratio of the published means of the counts; its quantiles are NumPy's of the draws
    that define the ratio and lie within their range. The mean is at least the smallest
    defined ratio, and at most the largest when every undefined draw has an empty numerator
    too (a draw with people but no one employed adds to the numerator alone)."""
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
            assert np.all((got[k, 1:, t] >= lo - span) & (got[k, 1:, t] <= hi + span))
            np.testing.assert_allclose(got[k, 1:, t], np.quantile(ratios, PROBS), rtol=1e-9)
            mean = got[k, 0, t]
            np.testing.assert_allclose(mean, nums[k][:, t].mean() / dens[k][:, t].mean())
            assert mean >= lo - span
            if not nums[k][~ok, t].any():
                assert mean <= hi + span
    # the ratio of the published means of the counts (population, working age 15-64,
    # employed), as a reader recomputes it
    for t in range(years):
        pop, working, employed = (
            got[INDICATORS.index(c), 0, t] for c in ("population", "working_age_15_64", "employed")
        )
        if working > 0:
            np.testing.assert_allclose(got[DEMOGRAPHIC, 0, t], (pop - working) / working)
        if employed > 0:
            np.testing.assert_allclose(got[ECONOMIC, 0, t], (pop - employed) / employed)


def test_a_few_nearly_jobless_draws_keep_the_mean_inside_the_interval() -> None:
    """Reference case, worked by hand: 100 draws of a municipality of 100 people, 49 with 38
    employed (economic dependency 62/38 = 31/19), 49 with 42 (58/42 = 29/21) and 2 with one
    employed (99). The quantiles (NumPy's linear interpolation, positions 2.475 and 96.525 of
    the sorted draws) are 29/21 and 31/19. The mean of the per-draw ratios,
    (49 * 31/19 + 49 * 29/21 + 2 * 99) / 100 = 3.456, lies above hi95 = 31/19 = 1.632; the
    ratio of the means, (100 - 39.22) / 39.22 = 3039/1961 = 1.550, lies inside."""
    parts = np.zeros((100, 1, len(COMPONENTS)))
    parts[..., POP] = 100.0
    parts[..., YOUNG], parts[..., WORKING], parts[..., OLD] = 15.0, 60.0, 25.0
    parts[:49, 0, EMPLOYED] = 38.0
    parts[49:98, 0, EMPLOYED] = 42.0
    parts[98:, 0, EMPLOYED] = 1.0
    got = _summarise(parts, draws=100)[ECONOMIC, :, 0]
    mean, lo95, lo80, hi80, hi95 = got  # STAT_NAMES order
    old_mean = (49 * 31 / 19 + 49 * 29 / 21 + 2 * 99) / 100
    assert old_mean == pytest.approx(3.4561, abs=1e-4)
    assert hi95 == pytest.approx(31 / 19, rel=1e-12)
    assert lo95 == pytest.approx(29 / 21, rel=1e-12)
    assert old_mean > hi95  # the estimator published before lies outside its interval
    assert mean == pytest.approx(3039 / 1961, rel=1e-12)
    assert lo95 <= mean <= hi95
    assert lo95 <= lo80 <= hi80 <= hi95
    # a constant ratio: every draw, the mean and the bounds are 40/60
    np.testing.assert_allclose(_summarise(parts, draws=100)[DEMOGRAPHIC, :, 0], 40 / 60)
