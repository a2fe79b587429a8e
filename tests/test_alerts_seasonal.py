"""The seasonal norm of ``seasonal_rise`` (version 2): a robust median and MAD of the past."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.alerts import rules

CFG = rules.load_config()["rules"]["seasonal_rise"]


def series(values: np.ndarray) -> xr.DataArray:
    months = pd.date_range("2006-01-01", periods=values.size, freq="MS")
    return xr.DataArray(
        values[None], dims=("area", "time"), coords={"area": ["491"], "time": months}
    )


def test_norm_is_ready_after_twelve_year_on_year_changes() -> None:
    rng = np.random.default_rng(3)
    sig = rules.seasonal_rise(series(400 * np.exp(rng.normal(0, 0.05, 60))), CFG)
    z = sig.numbers["z"].isel(area=0).values
    # year-on-year changes exist from month 12; twelve earlier ones from month 24 (2008-01).
    # Version 1 needed twelve moving medians first and gave its first z only in 2008-12.
    assert np.isnan(z[23]) and np.isfinite(z[24])


def test_norm_is_the_median_and_mad_of_the_previous_window() -> None:
    rng = np.random.default_rng(4)
    values = 400 * np.exp(rng.normal(0, 0.05, 100))
    sig = rules.seasonal_rise(series(values), CFG)
    x = np.log1p(values)
    yoy = x[12:] - x[:-12]  # yoy[k] belongs to month k + 12
    t = 90
    past = yoy[t - 12 - CFG["window_months"] : t - 12]  # the 60 months before t
    med = np.median(past)
    scale = max(1.4826 * np.median(np.abs(past - med)), 0.02)
    expected = (yoy[t - 12] - med) / scale
    assert abs(float(sig.numbers["z"].isel(area=0, time=t)) - expected) < 1e-9


def test_a_jump_against_a_calm_norm_is_flagged_and_the_calm_is_not() -> None:
    rng = np.random.default_rng(5)
    calm = 400 * np.exp(rng.normal(0, 0.03, 72))
    jump = calm.copy()
    jump[60:] *= 1.5
    assert int(rules.seasonal_rise(series(calm), CFG).severity.max()) == rules.NORMAL
    assert int(rules.seasonal_rise(series(jump), CFG).severity.isel(time=60).max()) >= rules.WARNING
