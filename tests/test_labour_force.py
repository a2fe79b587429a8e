"""The one labour force per area and year (forecasting.labour_force)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.errors import ValidationError
from forecasting.labour_force import INTERPOLATED, LAG, PROJECTED, PUBLISHED, labour_force


def _registers(values: dict[int, float], area: str = "491") -> xr.Dataset:
    """Monthly registers repeating one labour force per publication year (NaN elsewhere)."""
    months = pd.date_range("2018-01-01", "2026-06-01", freq="MS")
    lf = np.array([values.get(m.year, np.nan) for m in months], dtype=float)
    return xr.Dataset(
        {"labour_force": (("area", "time"), lf[None])},
        coords={"area": [area], "time": months},
    )


def test_reference_year_is_two_years_before_publication() -> None:
    ds = labour_force({"registers": _registers({2021: 100.0, 2022: 110.0})})
    assert LAG == 2
    assert ds["year"].values.tolist() == [2019, 2020]
    assert ds["labour_force"].sel(area="491").values.tolist() == [100.0, 110.0]
    assert (ds["labour_force_status"].values == PUBLISHED).all()


def test_gap_interpolated_log_linearly_and_projected_with_population_side() -> None:
    regs = _registers({2023: 1000.0, 2026: 1331.0})  # references 2021 and 2024
    side = xr.DataArray(
        [[1400.0, 1540.0]], dims=("area", "year"), coords={"area": ["491"], "year": [2025, 2026]}
    )
    ds = labour_force({"registers": regs}, until=2027, population_side=side)
    got = ds["labour_force"].sel(area="491")
    np.testing.assert_allclose(got.sel(year=[2022, 2023]).values, [1100.0, 1210.0])
    # the side starts after 2024 (tied to it, as labour_supply is): its levels; 2027 held
    np.testing.assert_allclose(got.sel(year=[2024, 2025, 2026, 2027]).values,
                               [1331.0, 1400.0, 1540.0, 1540.0])  # fmt: skip
    # a side covering the last published year carries it with its growth
    covering = xr.DataArray(
        [[500.0, 550.0]], dims=("area", "year"), coords={"area": ["491"], "year": [2024, 2025]}
    )
    grown = labour_force({"registers": regs}, until=2025, population_side=covering)
    np.testing.assert_allclose(grown["labour_force"].sel(area="491", year=2025), 1464.1)
    status = ds["labour_force_status"].sel(area="491")
    assert status.sel(year=2022) == INTERPOLATED
    assert status.sel(year=2026) == PROJECTED
    assert ds.attrs["data_through"] == "2024"


@settings(max_examples=30, deadline=None)
@given(st.floats(100, 1e6), st.floats(100, 1e6))
def test_interpolated_between_its_neighbours(a: float, b: float) -> None:
    ds = labour_force({"registers": _registers({2020: a, 2024: b})})
    mid = ds["labour_force"].sel(area="491", year=[2019, 2020, 2021]).values
    assert min(a, b) * (1 - 1e-9) <= mid.min() and mid.max() <= max(a, b) * (1 + 1e-9)


def test_missing_cube_and_area_named() -> None:
    with pytest.raises(ValidationError, match="registers"):
        labour_force({})
    with pytest.raises(ValidationError, match="999"):
        labour_force({"registers": _registers({2020: 1.0})}, areas=["999"])


def test_real_registers_ta23_2024(cubes) -> None:
    """12r5 of 2026-06 (statfin-2026): TA23 labour force 32,675 = reference year 2024."""
    ds = labour_force(cubes, areas=["TA23", "491"])
    assert float(ds["labour_force"].sel(area="TA23", year=2024)) == 32_675
    assert int(ds["labour_force_status"].sel(area="TA23", year=2023)) == INTERPOLATED


def _forecast(months: pd.DatetimeIndex, unemployed: float) -> xr.Dataset:
    stats = ["mean", "lo80", "hi80", "lo95", "hi95"]
    un = np.full((1, len(months), len(stats)), unemployed)
    return xr.Dataset(
        {
            "unemployed": (("area", "time", "statistic"), un),
            "labour_force": (("area", "time"), np.full((1, len(months)), 1.0)),
            "unemployment_rate": (("area", "time", "statistic"), 100.0 * un),
        },
        coords={"area": ["491"], "time": months, "statistic": stats},
    )


def test_register_forecast_carries_the_one_labour_force_and_its_rate() -> None:
    """The earlier bug: TA23 2025 30,552 (population model) vs 31,856 (registers). The
    register forecast's months of Y carry the one labour force of reference Y-2, the same
    number the population side has for that year, and the rate is recomputed from it."""
    from forecasting.labour_force import apply_to_register_forecast, by_month
    from forecasting.release.products import with_one_labour_force

    regs = _registers({2023: 1000.0, 2026: 1331.0})
    months = pd.date_range("2026-07-01", "2029-12-01", freq="MS")
    fc = _forecast(months, 100.0)
    side_years = np.arange(2025, 2046)
    supply = xr.Dataset(
        {"labour_force": (("area", "time", "statistic"),
                          np.linspace(1400.0, 1200.0, side_years.size)[None, :, None]
                          * np.ones((1, 1, 5)))},
        coords={"area": ["491"], "time": pd.to_datetime([f"{y}-12-31" for y in side_years]),
                "statistic": ["mean", "lo80", "hi80", "lo95", "hi95"]},
    )  # fmt: skip
    out = with_one_labour_force(fc, regs, supply)
    lf = out["labour_force"].sel(area="491").to_pandas()
    one = labour_force({"registers": regs}, until=2027, population_side=supply[
        "labour_force"].sel(statistic="mean").assign_coords(year=("time", side_years))
        .swap_dims(time="year").drop_vars("time"))  # fmt: skip
    for year in (2026, 2027, 2028, 2029):
        values = lf[lf.index.year == year].unique()
        assert values.size == 1  # one value per year
        ref = year - LAG
        want = float(one["labour_force"].sel(area="491", year=ref))
        assert values[0] == pytest.approx(want)
        if ref >= 2025:  # and that is the population side's own number for the year
            side = float(supply["labour_force"].sel(area="491", statistic="mean")
                         .isel(time=ref - 2025))  # fmt: skip
            assert values[0] == pytest.approx(side)
    assert lf.iloc[0] == 1331.0  # 2026 months: the published reference year 2024
    rate = out["unemployment_rate"].sel(area="491", statistic="hi95")
    np.testing.assert_allclose(rate.values, 100.0 * 100.0 / lf.values)
    # by_month is the footing: months of Y -> reference Y - LAG
    bm = by_month(one, months)
    assert float(bm.sel(area="491", time="2027-03-01")) == pytest.approx(
        float(one["labour_force"].sel(area="491", year=2025))
    )
    # areas the series lacks keep their values
    other = apply_to_register_forecast(fc.assign_coords(area=["999"]), one)
    assert (other["labour_force"].values == 1.0).all()
