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
        [[500.0, 550.0]], dims=("area", "year"), coords={"area": ["491"], "year": [2025, 2026]}
    )
    ds = labour_force({"registers": regs}, until=2027, population_side=side)
    got = ds["labour_force"].sel(area="491")
    np.testing.assert_allclose(got.sel(year=[2022, 2023]).values, [1100.0, 1210.0])
    # 2025 is the side's first year: held at 2024's value; 2026 grows 10 %; 2027 held
    np.testing.assert_allclose(got.sel(year=[2024, 2025, 2026, 2027]).values,
                               [1331.0, 1331.0, 1464.1, 1464.1])  # fmt: skip
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
