"""Split-conformal interval factors per level and horizon step, the robust spread they
scale (models.forecast.calibration, forecasting.registers.calibrate_intervals)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

import forecasting.registers as registers
from forecasting.interval_factors import INTERVAL_FACTORS, INTERVAL_SPREAD
from models.forecast.calibration import (
    FACTOR_GRID,
    band_of,
    conformal_factor,
    factor_table,
    factors_at,
    interval_scores,
    isotonic,
    respread,
    robust_spread,
    scale_bounds,
    step_factors,
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


def test_calibrate_intervals_scales_by_level_and_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """One factor pair per step; steps beyond the table take its last pair."""
    table = {"unemployed": {"country": ((2.0, 3.0),) * 12 + ((1.5, 1.5),) * 12 + ((0.5, 0.5),)}}
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


def test_shipped_factors_cover_every_variable_level_and_step() -> None:
    """The tables written by benchmarks/calibrate_registers.py: both variables, the four
    levels, 36 steps of finite, positive (80 %, 95 %) factors that never shrink with the
    step, and a spread share in [0, 1] per level."""
    levels_all = {"municipality", "employment_area", "region", "country"}
    assert set(INTERVAL_FACTORS) == set(registers.VARIABLES) == set(INTERVAL_SPREAD)
    for variable, levels in INTERVAL_FACTORS.items():
        assert set(levels) == levels_all == set(INTERVAL_SPREAD[variable])
        assert all(0.0 <= m <= 1.0 for m in INTERVAL_SPREAD[variable].values())
        for factors in levels.values():
            arr = np.asarray(factors)
            assert arr.shape == (36, 2)
            assert np.all(np.isfinite(arr)) and np.all((arr > 0.01) & (arr < 10))
            assert np.all(np.diff(arr, axis=0) >= 0)


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


def test_robust_spread_is_the_scaled_mad_and_ignores_a_short_spike() -> None:
    """12-month log changes cycling through -0.2, -0.1, 0, 0.1, 0.2: median 0, median
    absolute deviation 0.1, so the spread is 1.4826 x 0.1. A six-month spike (x3) moves the
    standard deviation of the changes about two-fold, the spread little."""
    changes = np.tile([-0.2, -0.1, 0.0, 0.1, 0.2], 50)
    z = np.empty(262)
    z[:12] = 5.0
    for t in range(12, 262):
        z[t] = z[t - 12] + changes[t - 12]
    y = np.expm1(z)[None, :]
    np.testing.assert_allclose(robust_spread(y), [1.4826 * 0.1], rtol=1e-9)
    spiked = y.copy()
    spiked[0, 150:156] *= 3.0
    dz = np.log1p(spiked[0, 12:]) - np.log1p(spiked[0, :-12])
    assert np.std(dz) > 1.8 * np.std(changes)
    assert robust_spread(spiked)[0] < 1.3 * robust_spread(y)[0]


def test_robust_spread_of_mostly_constant_and_empty_rows() -> None:
    flat = np.full((1, 60), 2.5)
    flat[0, 40] = 9.0  # one month off the suppression value: a positive spread, not 0
    assert robust_spread(flat)[0] > 0
    assert np.isnan(robust_spread(np.full((1, 60), np.nan))[0])
    assert np.isnan(robust_spread(np.ones((1, 10)))[0])  # shorter than a year


def test_respread_mixes_the_widths_on_the_log_scale() -> None:
    point = np.array([[100.0, 100.0], [50.0, 50.0], [7.0, 7.0]])
    b = _bounds(point, 0.2, 0.4)
    spread = np.array([0.3, 0.3, np.nan])
    out = respread(point, b, spread, np.array([1.0, 0.5, 1.0]))
    lp = np.log1p(point)
    for key, sign in (("lo80", -1), ("hi80", 1), ("lo95", -1), ("hi95", 1)):
        np.testing.assert_allclose(sign * (np.log1p(out[key][0]) - lp[0]), 0.3, rtol=1e-9)
        a = 0.2 if key.endswith("80") else 0.4
        np.testing.assert_allclose(
            sign * (np.log1p(out[key][1]) - lp[1]), np.sqrt(a * 0.3), rtol=1e-9
        )
        np.testing.assert_allclose(out[key][2], b[key][2], rtol=1e-12)  # no spread: kept
    same = respread(point, b, spread, 0.0)
    for key in b:
        np.testing.assert_allclose(same[key], b[key], rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=1, max_size=40))
def test_isotonic_is_non_decreasing_and_keeps_the_mean(values: list[float]) -> None:
    x = np.array(values)
    fit = isotonic(x)
    assert fit.shape == x.shape
    assert np.all(np.diff(fit) >= -1e-9)
    np.testing.assert_allclose(fit.mean(), x.mean(), atol=1e-7)
    np.testing.assert_allclose(isotonic(np.sort(x)), np.sort(x))


def test_isotonic_pools_a_spike_with_its_neighbours() -> None:
    np.testing.assert_allclose(isotonic(np.array([1.0, 3.0, 1.0, 2.0])), [1.0, 2.0, 2.0, 2.0])


def test_factors_at_takes_the_last_row_beyond_the_table() -> None:
    table = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(factors_at(np.array([1, 2, 3, 42]), table)[:, 0], [1, 3, 3, 3])


def test_step_factors_recover_a_width_growing_with_the_step() -> None:
    """Log errors N(0, sqrt(h) / 10), intervals with the width of step 1 everywhere: the
    factor of step h is about sqrt(h) (within the +-3-step window's spread of widths)."""
    rng = np.random.default_rng(11)
    h = 24
    sd = np.sqrt(np.arange(1, h + 1)) / 10
    point = np.full((4000, h), 300.0)
    y = np.expm1(np.log1p(point) + rng.standard_normal(point.shape) * sd)
    lp = np.log1p(point)
    z80, z95 = norm.ppf(0.9), norm.ppf(0.975)
    b = {
        "lo80": np.expm1(lp - 0.1 * z80), "hi80": np.expm1(lp + 0.1 * z80),
        "lo95": np.expm1(lp - 0.1 * z95), "hi95": np.expm1(lp + 0.1 * z95),
    }  # fmt: skip
    f = step_factors(y, point, b)
    # the window pools steps h-3..h+3: its quantile is that of a mixture of their widths
    np.testing.assert_allclose(f[6:-6, 0], np.sqrt(np.arange(7, h - 5)), rtol=0.06)
    np.testing.assert_allclose(f[6:-6, 1], np.sqrt(np.arange(7, h - 5)), rtol=0.06)


def test_step_factors_through_a_limit() -> None:
    """With the limit far away the factor is the plain conformal one (to the grid step);
    with a limit that leaves some actuals outside whatever the factor, it is the least
    factor that covers as much as the limit allows."""
    rng = np.random.default_rng(5)
    point = np.full((2000, 1), 100.0)
    lp = np.log1p(point)
    y = np.expm1(lp + rng.standard_normal(point.shape) * 0.2)
    b = _bounds(point, 0.1, 0.2)
    free = step_factors(y, point, b)
    far = {k: (np.zeros_like(point) if k.startswith("lo") else np.full_like(point, 1e9)) for k in b}
    limited = step_factors(y, point, b, parts=far)
    np.testing.assert_allclose(limited, free, atol=0.011)
    tight = {k: np.expm1(lp + (-0.15 if k.startswith("lo") else 0.15)) for k in b}
    capped = step_factors(y, point, b, parts=tight)
    inside = np.mean((y >= tight["lo80"]) & (y <= tight["hi80"]))
    g80 = capped[0, 0]
    assert g80 in FACTOR_GRID
    scaled = scale_bounds(point, b, g80, g80)
    lo, hi = np.maximum(scaled["lo80"], tight["lo80"]), np.minimum(scaled["hi80"], tight["hi80"])
    assert np.mean((y >= lo) & (y <= hi)) == pytest.approx(inside)
    assert g80 == pytest.approx(1.5, abs=0.011)  # the limit 0.15 = 1.5 x the width 0.1


def test_calibrate_intervals_respreads_before_scaling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registers, "INTERVAL_FACTORS", {"unemployed": {"country": ((2.0, 2.0),)}})
    monkeypatch.setattr(registers, "INTERVAL_SPREAD", {"unemployed": {"country": 1.0}})
    point = np.full((2, 5), 1000.0)
    fc = _forecast(point)
    out = registers.calibrate_intervals(
        fc,
        "unemployed",
        ("country", "municipality"),
        np.arange(1, 6),
        spread=np.array([0.05, 0.05]),
    )
    lp = np.log1p(point[0])
    np.testing.assert_allclose(np.log1p(out.bounds["hi95"][0]) - lp, 2 * 0.05, rtol=1e-9)
    np.testing.assert_allclose(lp - np.log1p(out.bounds["lo80"][0]), 2 * 0.05, rtol=1e-9)
    for key in fc.bounds:  # the municipality has no factors or share: unchanged
        np.testing.assert_array_equal(out.bounds[key][1], fc.bounds[key][1])
