"""Split-conformal interval factors per level and horizon band (models.forecast.calibration,
forecasting.registers.calibrate_intervals)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

import forecasting.registers as registers
from forecasting.interval_factors import INTERVAL_FACTORS
from models.forecast.calibration import (
    band_of,
    conformal_factor,
    factor_table,
    interval_scores,
    scale_bounds,
)


def _bounds(point: np.ndarray, a80: float, a95: float) -> dict[str, np.ndarray]:
    """Intervals ``point * exp(+-a)`` on the log1p scale (approximately)."""
    lp = np.log1p(point)
    return {
        "lo80": np.expm1(lp - a80), "hi80": np.expm1(lp + a80),
        "lo95": np.expm1(lp - a95), "hi95": np.expm1(lp + a95),
    }  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 1e5), min_size=3, max_size=3),
    st.floats(0, 1e5),
)
def test_score_at_most_one_exactly_inside(triple: list[float], y: float) -> None:
    lo, point, hi = sorted(triple)
    s = float(interval_scores(np.array(y), np.array(point), np.array(lo), np.array(hi)))
    inside = lo <= y <= hi
    # floating point: allow a hair at the edges
    lp, ly = np.log1p(point), np.log1p(y)
    edge = np.isclose(ly, np.log1p(lo), rtol=1e-12) or np.isclose(ly, np.log1p(hi), rtol=1e-12)
    if not edge:
        assert (s <= 1.0) == inside
    assert s >= 0.0 and (s == 0.0) == (ly == lp)


def test_missing_actuals_score_nan() -> None:
    s = interval_scores(np.array([np.nan, 5.0]), np.ones(2), np.zeros(2), np.full(2, 3.0))
    assert np.isnan(s[0]) and s[1] > 1.0


def test_conformal_factor_is_the_finite_sample_rank() -> None:
    scores = np.arange(1.0, 10.0)  # m = 9
    # ceil((9 + 1) * 0.8) = 8 -> the 8th smallest; ceil(10 * 0.95) = 10 > 9 -> the largest
    assert conformal_factor(scores, 0.8) == 8.0
    assert conformal_factor(scores, 0.95) == 9.0
    assert conformal_factor(np.array([np.nan, np.nan]), 0.8) == 1.0
    assert conformal_factor(np.array([0.5, np.inf, np.nan]), 0.95) == 0.5


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([0.8, 0.95]))
def test_scaled_intervals_cover_at_least_nominal_on_the_calibration_set(
    seed: int, q: float
) -> None:
    """Split conformal: the factor's intervals cover at least ``q`` of the scores it was
    taken from (here also of a fresh exchangeable sample, within sampling error)."""
    rng = np.random.default_rng(seed)
    point = rng.uniform(5, 500, (2, 400))
    y = np.expm1(np.log1p(point) + rng.standard_t(4, point.shape) * 0.3)
    b = _bounds(point, 0.1, 0.2)
    key = "80" if q == 0.8 else "95"
    s = interval_scores(y[0], point[0], b[f"lo{key}"][0], b[f"hi{key}"][0])
    f = conformal_factor(s, q)
    scaled = scale_bounds(point, b, f, f)
    inside = (scaled[f"lo{key}"] <= y) & (y <= scaled[f"hi{key}"])
    assert inside[0].mean() >= q
    # the fresh sample's coverage and the factor both vary: 5 sd of their difference
    assert inside[1].mean() >= q - 5 * np.sqrt(2 * q * (1 - q) / 400)


def test_factor_table_recovers_the_gaussian_width() -> None:
    """Errors N(0, 1) on the log scale, intervals half as wide as needed in band 0, right
    in band 1, twice too wide in band 2: factors 2, 1 and 0.5 (z from scipy.stats.norm)."""
    rng = np.random.default_rng(7)
    steps = np.arange(1, 37)
    point = np.full((3000, 36), 200.0)
    y = np.expm1(np.log1p(point) + rng.standard_normal(point.shape))
    z80, z95 = norm.ppf(0.9), norm.ppf(0.975)
    half = np.select([steps <= 12, steps <= 24], [0.5, 1.0], 2.0)[None, :]
    lp = np.log1p(point)
    b = {
        "lo80": np.expm1(lp - half * z80), "hi80": np.expm1(lp + half * z80),
        "lo95": np.expm1(lp - half * z95), "hi95": np.expm1(lp + half * z95),
    }  # fmt: skip
    table = factor_table(steps, y, point, b)
    np.testing.assert_allclose(table, [[2.0, 2.0], [1.0, 1.0], [0.5, 0.5]], rtol=0.04)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.2, 4.0), st.floats(0.2, 4.0))
def test_scaled_bounds_stay_nested_and_non_negative(seed: int, f80: float, f95: float) -> None:
    rng = np.random.default_rng(seed)
    point = rng.uniform(0, 50, (5, 7))
    b = _bounds(point, 0.3, 0.5)
    b["lo95"] = np.maximum(b["lo95"], 0.0)
    out = scale_bounds(point, b, f80, f95)
    assert np.all(out["lo95"] >= 0)
    assert np.all(out["lo95"] <= out["lo80"]) and np.all(out["lo80"] <= point)
    assert np.all(point <= out["hi80"]) and np.all(out["hi80"] <= out["hi95"])


def test_factor_one_changes_nothing() -> None:
    point = np.array([[0.0, 3.0, 250.0]])
    b = _bounds(point, 0.4, 0.9)
    b["lo80"], b["lo95"] = np.maximum(b["lo80"], 0), np.maximum(b["lo95"], 0)
    out = scale_bounds(point, b, 1.0, 1.0)
    for key in b:
        np.testing.assert_allclose(out[key], b[key], rtol=1e-12, atol=1e-12)


def test_bands_and_steps_after_the_data() -> None:
    np.testing.assert_array_equal(band_of(np.array([1, 12, 13, 24, 25, 60])), [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(registers.data_steps(4), [1, 2, 3, 4])
    observed = np.full((2, 6), np.nan)
    observed[1, 2] = 5.0  # the third column was seen: the fourth is one month after data
    np.testing.assert_array_equal(registers.data_steps(6, observed), [1, 1, 1, 1, 2, 3])


def _forecast(point: np.ndarray) -> registers.VariableForecast:
    return registers.VariableForecast(
        base=None, point=point, bounds=_bounds(point, 0.2, 0.4),  # type: ignore[arg-type]
        bottom_up=point, weights=np.ones((len(point), 1)), shrinkage=0.0,
    )  # fmt: skip


def test_calibrate_intervals_scales_by_level_and_band(monkeypatch: pytest.MonkeyPatch) -> None:
    table = {"unemployed": {"country": ((2.0, 3.0), (1.5, 1.5), (0.5, 0.5))}}
    monkeypatch.setattr(registers, "INTERVAL_FACTORS", table)
    point = np.full((3, 30), 1000.0)
    fc = _forecast(point)
    steps = np.arange(1, 31)
    out = registers.calibrate_intervals(
        fc, "unemployed", ("country", "municipality", "occupation"), steps
    )
    np.testing.assert_array_equal(out.point, point)
    lp = np.log1p(point[0])
    up80 = np.log1p(out.bounds["hi80"][0]) - lp
    np.testing.assert_allclose(up80[:12], 2.0 * 0.2, rtol=1e-9)
    np.testing.assert_allclose(up80[12:24], 1.5 * 0.2, rtol=1e-9)
    np.testing.assert_allclose(up80[24:], 0.5 * 0.2, rtol=1e-9)
    np.testing.assert_allclose(np.log1p(out.bounds["hi95"][0, :12]) - lp[:12], 3.0 * 0.4)
    for key in fc.bounds:  # levels without factors, and other variables, are unchanged
        np.testing.assert_array_equal(out.bounds[key][1:], fc.bounds[key][1:])
    same = registers.calibrate_intervals(fc, "vacancies", ("country",) * 3, steps)
    assert same is fc


def test_shipped_factors_cover_every_variable_level_and_band() -> None:
    """The table written by benchmarks/calibrate_registers.py: both variables, the four
    levels, three bands of finite, positive (80 %, 95 %) factors."""
    assert set(INTERVAL_FACTORS) == set(registers.VARIABLES)
    for levels in INTERVAL_FACTORS.values():
        assert set(levels) == {"municipality", "employment_area", "region", "country"}
        for factors in levels.values():
            arr = np.asarray(factors)
            assert arr.shape == (3, 2)
            assert np.all(np.isfinite(arr)) and np.all((arr > 0.1) & (arr < 10))


def test_aggregate_bounds_stay_within_the_sum_of_their_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A large aggregate factor is held at the comonotone limit: no bound of the total goes
    beyond the sum of its parts' bounds, so its interval is never wider than theirs together."""
    table = {"unemployed": {"country": ((5.0, 5.0),) * 3}}
    monkeypatch.setattr(registers, "INTERVAL_FACTORS", table)
    parts = np.array([[100.0] * 4, [40.0] * 4])
    point = np.vstack([parts.sum(axis=0), parts])
    S = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    fc = _forecast(point)
    out = registers.calibrate_intervals(
        fc, "unemployed", ("country", "municipality", "municipality"), np.arange(1, 5), S
    )
    for key, values in out.bounds.items():
        np.testing.assert_array_equal(values[1:], fc.bounds[key][1:])
        np.testing.assert_allclose(values[0], fc.bounds[key][1:].sum(axis=0))
    np.testing.assert_array_equal(out.point, point)
