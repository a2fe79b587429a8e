"""Special groups from their history: a calendar-month share pattern and an estimated sd."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.register_groups import (
    MIN_HISTORY_MONTHS,
    SHARE_SD_BOUNDS,
    seasonal_share,
)

SUMMER = {6: 0.10, 7: 0.10, 8: 0.10}  # laid-off share of the unemployed in summer, else 2 %


def _history(n_months: int = 36, last: str = "2023-10") -> tuple[np.ndarray, np.ndarray]:
    months = pd.period_range(end=last, periods=n_months, freq="M").month.to_numpy()
    share = np.array([SUMMER.get(int(m), 0.02) for m in months])
    return months, share


def test_a_seasonal_share_is_continued_month_by_month() -> None:
    months, share = _history()
    total = np.full((1, months.size), 1000.0)
    path, sd = seasonal_share(total * share, total, months, np.arange(1, 13))
    # from 2023-10: 2023-11 .. 2024-10; June-August 10 %, the rest 2 %
    expected = [SUMMER.get(m, 0.02) for m in [11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]
    np.testing.assert_allclose(path[0], expected, rtol=1e-9)
    assert sd == SHARE_SD_BOUNDS[0]  # an exact pattern: no change left once deseasonalised


def test_the_sd_is_estimated_from_the_month_to_month_changes() -> None:
    rng = np.random.default_rng(3)
    months, share = _history()
    steps = rng.normal(0.0, 0.05, months.size).cumsum()  # a log-share random walk, sd 0.05
    total = np.full((40, months.size), 1e6)
    group = total * share * np.exp(steps + rng.normal(0, 0.05, (40, months.size)).cumsum(axis=1))
    _, sd = seasonal_share(group, total, months, np.arange(1, 4))
    assert 0.04 < sd < 0.09


@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 2.0), st.integers(MIN_HISTORY_MONTHS, 36), st.integers(1, 12))
def test_a_constant_share_stays_constant(share: float, n: int, last_month: int) -> None:
    months = pd.period_range(end=f"2023-{last_month:02d}", periods=n, freq="M").month.to_numpy()
    total = np.full((2, n), 5000.0)
    path, sd = seasonal_share(total * share, total, months, np.arange(1, 25))
    np.testing.assert_allclose(path, share, rtol=1e-9)
    assert sd == SHARE_SD_BOUNDS[0]


@pytest.mark.slow
def test_a_group_with_three_years_of_history_follows_its_season(cubes) -> None:
    """The laid-off of TA23 given three years of a summer pattern (10 % of the unemployed in
    June-August, 2 % otherwise) are forecast with it, not with the latest month's share."""
    from forecasting.registers import check_registers, forecast_registers

    reg = cubes["registers"].copy(deep=True)
    window = reg["time"].sel(time=slice("2020-11-01", "2023-10-01"))
    share = np.array([SUMMER.get(int(m), 0.02) for m in window.dt.month.values])
    unemployed = reg["unemployed"].sel(time=window)
    laid = (unemployed * xr_share(share, window)).round()
    reg["laid_off"].loc[{"time": window}] = laid.transpose(*reg["laid_off"].dims)
    fc = forecast_registers(check_registers(reg), "2023-10", 12, "area", "TA23", seed=5)
    ratio = (fc["laid_off"] / fc["unemployed"]).sel(area="TA23", statistic="mean")
    assert float(ratio.sel(time="2024-07-01")) == pytest.approx(0.10, rel=0.1)
    assert float(ratio.sel(time="2024-01-01")) == pytest.approx(0.02, rel=0.1)


def xr_share(values: np.ndarray, time):
    import xarray as xr

    return xr.DataArray(values, coords={"time": time.values}, dims="time")
