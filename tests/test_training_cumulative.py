"""The cumulative training need (:func:`forecasting.training.cumulative_need`): the need from
the first forecast year to a target year, with the 80 % interval of the summed draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.training import cumulative_need


def _need(draws: np.ndarray) -> tuple[xr.DataArray, xr.DataArray]:
    dims = ("field", "time", "level")
    coords = {
        "field": ["01", "02"][: draws.shape[1]],
        "time": pd.date_range("2026-12-31", periods=draws.shape[2], freq="YE"),
        "level": ["vocational", "university"][: draws.shape[3]],
    }
    d = xr.DataArray(draws, dims=("draw", *dims), coords=coords)
    return d.mean("draw"), d


def test_cumulative_bounds_are_quantiles_of_the_summed_draws_not_summed_bounds() -> None:
    # Two years, one field, one level, four draws of the yearly need:
    # (10, 20), (12, 14), (8, 26), (10, 20).
    draws = np.array([[10, 20], [12, 14], [8, 26], [10, 20]], float)[:, None, :, None]
    need, d = _need(draws)
    out = cumulative_need(need, d, ("level",)).sel(field="01")
    # Summed by draw: 30, 26, 34, 30; mean 30; numpy's linear 10 % / 90 % quantiles 27.2, 32.8.
    np.testing.assert_allclose(out.sel(statistic="mean").values, [10.0, 30.0])
    np.testing.assert_allclose(
        out.isel(time=1).sel(statistic=["lo80", "hi80"]).values, [27.2, 32.8]
    )
    # The yearly bounds added up would be (8.6 + 15.8, 11.4 + 24.2) = (24.4, 35.6): too wide.
    lo_year = np.quantile(draws[:, 0, :, 0], 0.1, axis=0).sum()
    assert lo_year < 27.2 - 2


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    years=st.integers(1, 6),
    fields=st.integers(1, 2),
    levels=st.integers(1, 2),
)
def test_cumulative_need_contains_its_centre_and_grows_with_positive_needs(
    seed: int, years: int, fields: int, levels: int
) -> None:
    rng = np.random.default_rng(seed)
    draws = rng.gamma(2.0, 10.0, (30, fields, years, levels))
    need, d = _need(draws)
    out = cumulative_need(need, d, ("level",))
    lo, mean, hi = (out.sel(statistic=s).values for s in ("lo80", "mean", "hi80"))
    assert (lo <= mean + 1e-9).all() and (mean <= hi + 1e-9).all()
    np.testing.assert_allclose(mean[:, -1], draws.mean(axis=0).sum(axis=(1, 2)))
    assert (np.diff(mean, axis=1) > 0).all()  # positive needs only add up
    total = cumulative_need(need, d, ("field", "level"))
    assert total.dims == ("time", "statistic")


def test_a_missing_year_leaves_the_later_sums_missing_not_zero() -> None:
    draws = np.array([[10, 20, 5], [12, 14, 5]], float)[:, None, :, None]
    draws[:, :, 1, :] = np.nan
    need, d = _need(draws)
    out = cumulative_need(need, d, ("level",)).sel(field="01", statistic="mean").values
    assert out[0] == 11.0 and np.isnan(out[1:]).all()
