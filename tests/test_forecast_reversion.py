"""Mean reversion of long-horizon centres (models.forecast.reversion) and its use on the
register hierarchy (forecasting.registers.revert_centres)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.registers import VariableForecast, revert_centres
from models.forecast.reversion import reversion_weights, revert_to_level, seasonal_profile

PATTERN = np.array([0.3, 0.2, 0.1, 0.0, -0.1, -0.3, -0.2, -0.1, 0.0, 0.05, 0.02, 0.03])


def _seasonal_series(n_years: int, level: float, slope: float = 0.0) -> np.ndarray:
    t = np.arange(12 * n_years)
    return level + slope * t + np.tile(PATTERN - PATTERN.mean(), n_years)


def test_seasonal_profile_recovers_the_pattern_under_a_linear_trend() -> None:
    """The centred 2x12 average removes a linear trend exactly, so the profile is the
    pattern (centred), whatever the trend."""
    z = _seasonal_series(8, 5.0, slope=0.004)[None, :]
    np.testing.assert_allclose(seasonal_profile(z)[0], PATTERN - PATTERN.mean(), atol=1e-12)


def test_weights_are_zero_up_to_start_and_half_at_one_half_life() -> None:
    lam = reversion_weights(np.arange(1, 37), half_life=12.0, start=12)
    np.testing.assert_array_equal(lam[:12], 0.0)
    assert lam[23] == pytest.approx(0.5)  # step 24 = start + one half-life
    assert lam[35] == pytest.approx(0.75)
    assert np.all(np.diff(lam) >= 0)
    np.testing.assert_array_equal(reversion_weights(np.arange(1, 5), np.inf), 0.0)
    # a slower pull over the first 12 months, then the late half-life on top of it
    lam = reversion_weights(np.arange(1, 37), 18.0, start=12, early_half_life=48.0)
    assert lam[11] == pytest.approx(1 - 2**-0.25)
    assert lam[29] == pytest.approx(1 - 2**-1.25)
    assert np.all(np.diff(lam) > 0)
    with pytest.raises(ValueError):
        reversion_weights(np.arange(1, 5), 0.0)


def test_constant_rate_oracle() -> None:
    """A series whose log rate is constant (log count = log rate + log labour force, plus a
    seasonal pattern): the target is exactly that rate times the labour force ahead, and
    a forecast moves half-way to it after one half-life."""
    rate = np.log(0.08)
    x_hist = np.log(np.linspace(10_000, 9_000, 120))[None, :]
    z = rate + x_hist + np.tile(PATTERN - PATTERN.mean(), 10)[None, :]
    x_ahead = np.log(np.full((1, 36), 8_800.0))
    season = np.tile(PATTERN - PATTERN.mean(), 3)  # the history ends at a full year
    target = rate + x_ahead[0] + season
    loc = target[None, :] + 0.4  # a forecast 0.4 above the long-run rate
    steps = np.arange(1, 37)
    out = revert_to_level(loc, z, steps, half_life=12.0, start=12, x_hist=x_hist, x_ahead=x_ahead)
    np.testing.assert_allclose(out[0, :12], loc[0, :12])
    np.testing.assert_allclose(out[0, 23], target[23] + 0.2, atol=1e-9)
    np.testing.assert_allclose(out[0, 35], target[35] + 0.1, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    half_life=st.floats(1.0, 60.0),
    weight=st.floats(0.0, 1.0),
    start=st.integers(0, 24),
)
def test_reverted_centre_lies_between_the_forecast_and_the_target(
    seed: int, half_life: float, weight: float, start: int
) -> None:
    """Each reverted centre is a convex combination of the forecast and the target: it never
    overshoots either, and a larger weight moves it at least as far."""
    rng = np.random.default_rng(seed)
    z = np.log1p(rng.gamma(3.0, 200.0, size=(4, 96)))
    loc = z[:, -1:] + rng.normal(0.0, 0.5, size=(4, 36))
    steps = np.arange(1, 37)
    full = revert_to_level(loc, z, steps, half_life=half_life, start=start, years=5)
    out = revert_to_level(loc, z, steps, half_life=half_life, start=start, years=5, weight=weight)
    lo, hi = np.minimum(loc, full), np.maximum(loc, full)
    assert np.all(out >= lo - 1e-12) and np.all(out <= hi + 1e-12)
    assert np.all(np.abs(out - loc) <= np.abs(full - loc) + 1e-12)
    np.testing.assert_array_equal(out[:, :start], loc[:, :start])


def test_series_without_history_keep_their_forecast() -> None:
    z = np.full((1, 48), np.nan)
    loc = np.ones((1, 24))
    out = revert_to_level(loc, z, np.arange(1, 25), half_life=6.0, start=0)
    np.testing.assert_array_equal(out, loc)
    with pytest.raises(ValueError):
        revert_to_level(loc, z, np.arange(1, 25), half_life=6.0, x_hist=z)


def _forecast(point: np.ndarray) -> VariableForecast:
    lp = np.log1p(point)
    bounds = {
        "lo80": np.expm1(lp - 0.2), "hi80": np.expm1(lp + 0.2),
        "lo95": np.expm1(lp - 0.4), "hi95": np.expm1(lp + 0.4),
    }  # fmt: skip
    return VariableForecast(
        base=None, point=point, bounds=bounds,  # type: ignore[arg-type]
        bottom_up=point, weights=np.ones((len(point), 1)), shrinkage=0.0,
    )  # fmt: skip


def test_revert_centres_keeps_the_hierarchy_coherent_and_the_log_widths() -> None:
    """Two municipalities and their sum: after the reversion the sum is still the sum of
    its parts, the first 12 months are unchanged and every bound keeps its log1p
    distance from its (moved) point."""
    rng = np.random.default_rng(7)
    S = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    history = np.expm1(
        np.stack([_seasonal_series(10, 6.0), _seasonal_series(10, 4.0)])
        + rng.normal(0, 0.02, size=(2, 120))
    )
    labour = np.full((2, 120 + 36), 5_000.0)
    bottom = history[:, -1:] * np.linspace(1.0, 2.0, 36)[None, :]  # a forecast drifting up
    point = S @ bottom
    fc = _forecast(point)
    out = revert_centres(
        fc, history, labour, np.arange(1, 37), S,
        {"half_life": 12.0, "start": 12, "years": 10, "weight": 1.0},
    )  # fmt: skip
    np.testing.assert_allclose(out.point[0], out.point[1] + out.point[2], rtol=1e-12)
    np.testing.assert_allclose(out.point[:, :12], point[:, :12], rtol=1e-12)
    assert np.all(out.point[1:, 24:] < point[1:, 24:])  # pulled back toward the history
    lp = np.log1p(out.point)
    np.testing.assert_allclose(np.log1p(out.bounds["hi80"]) - lp, 0.2, atol=1e-9)
    np.testing.assert_allclose(lp - np.log1p(out.bounds["lo95"]), 0.4, atol=1e-9)
