"""The dashboard's read models read the contract's one uncertainty layout."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting.contract import STATISTICS
from service import views

MONTHS = pd.date_range("2024-01-01", periods=3, freq="MS")


def test_fan_reads_the_statistic_dim_and_refuses_names_with_bounds() -> None:
    scale = np.array([1.0, 0.9, 1.1, 0.8, 1.2])
    u = np.array([[100.0, 110.0, 120.0]])[:, :, None] * scale
    ds = xr.Dataset(
        {"unemployed": (("area", "time", "statistic"), u)},
        coords={"area": ["491"], "time": MONTHS, "statistic": list(STATISTICS)},
    )
    assert views.forecast_variables(ds) == ["unemployed"]
    fan = views.fan(ds, "491", "unemployed")
    first = fan.points[0]
    got = (first.mid, first.lo_in, first.hi_in, first.lo_out, first.hi_out)
    assert got == pytest.approx((100.0, 90.0, 110.0, 80.0, 120.0))
    wide = ds["unemployed"].to_dataset(dim="statistic")
    wide = wide.rename({s: f"unemployed_{s}" for s in STATISTICS})
    assert views.fan(wide, "491", "unemployed").points == []  # the old wide layout: no fan
    assert views.forecast_variables(wide) == []


def test_training_bars_read_need_by_statistic() -> None:
    need = np.array([[[[10.0, 8.0, 12.0]], [[5.0, 4.0, 6.0]]]])  # area, field, time, statistic
    ds = xr.Dataset(
        {"need": (("area", "field", "time", "statistic"), need)},
        coords={"area": ["TA23"], "field": ["01", "02"], "time": pd.to_datetime(["2030-12-31"]),
                "statistic": ["mean", "lo80", "hi80"]},
    )  # fmt: skip
    assert views.training_bars(ds, "TA23", 2030, None) == [
        ("01", 10.0, 8.0, 12.0),
        ("02", 5.0, 4.0, 6.0),
    ]
