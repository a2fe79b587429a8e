"""Projection from 31.12.2025: the base population estimated from the 2025 figures.

The 2025 cubes are Snapshot v2's (the session fixture ``cubes``). Reference figures: 11re 2025
totals by sex (exact), 11ra 2025 shares under 15 / 65+ (one decimal), the region file's
Etelä-Savo single ages by sex (README: MK10 31.12.2025 = 128,144).
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import demography, geography
from forecasting.demography import base
from forecasting.demography.assumptions import DEFAULT_ASSUMPTIONS
from forecasting.errors import ValidationError
from forecasting.io.inputs import Inputs

SIX = ["097", "178", "213", "491", "507", "623"]


@pytest.fixture(scope="module")
def cubes25(cubes: Inputs) -> Inputs:
    """Snapshot v2's cubes (they have 2025); the name says which year the tests rely on."""
    assert cubes["population_by_sex"].attrs["data_through"].startswith("2025")
    return cubes


@pytest.fixture(scope="module")
def pop25(cubes25: Inputs) -> xr.DataArray:
    return base.estimate_base(cubes25, 2025, DEFAULT_ASSUMPTIONS)


def region_single_ages(cubes: Inputs, year: int, region: str = "MK10") -> np.ndarray:
    """The region file's single ages by sex (2, X) of ``region`` in ``year``."""
    reg = cubes["regional_demography"]["population"]
    return np.asarray(reg.sel(area=region, time=f"{year}-12-31").sel(sex=["F", "M"]).values)


def test_totals_by_sex_are_exact(cubes25: Inputs, pop25: xr.DataArray) -> None:
    published = cubes25["population_by_sex"]["population"].sel(time="2025-12-31")
    published = published.sel(area=pop25["area"].values).transpose("area", "sex")
    np.testing.assert_array_equal(pop25.sum("age").values, published.values)
    assert bool((pop25 == pop25.round()).all()) and float(pop25.min()) >= 0


def test_age_key_figures_within_0_3_points(cubes25: Inputs, pop25: xr.DataArray) -> None:
    key = cubes25["age_key_figures"].sel(time="2025-12-31", area=pop25["area"].values)
    total = pop25.sum(["sex", "age"])
    under = pop25.sel(age=slice(0, 14)).sum(["sex", "age"]) / total * 100
    over = pop25.sel(age=slice(65, 100)).sum(["sex", "age"]) / total * 100
    assert float(abs(under - key["share_under_15"]).max()) <= 0.3
    assert float(abs(over - key["share_over_64"]).max()) <= 0.3
    mean = (pop25.sum("sex") * (pop25["age"] + 0.5)).sum("age") / total
    assert float(abs(mean - key["mean_age"]).median()) <= 0.05


def test_etela_savo_single_ages_within_2_percent(cubes25: Inputs, pop25: xr.DataArray) -> None:
    munis = geography.municipalities()
    members = [a for a in pop25["area"].values if munis.loc[a, "region"] == "MK10"]
    got = pop25.sel(area=members).sum("area").sel(sex=["F", "M"]).values
    ref = region_single_ages(cubes25, 2025)
    assert ref.sum() == 128_144
    assert np.abs(got - ref).sum() / ref.sum() < 0.02


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(0, 50), min_size=1, max_size=30),
    delta=st.integers(-3, 3),
)
def test_largest_remainder_keeps_the_total(values: list[float], delta: int) -> None:
    arr = np.asarray(values)
    low, high = int(np.floor(arr).sum()), int(np.ceil(arr).sum())
    total = min(max(round(float(arr.sum())) + delta, low), high)
    out = base.largest_remainder(arr, total)
    assert out.sum() == total and (out >= 0).all()
    assert (np.abs(out - arr) < 1 + 1e-9).all()


def test_base_years_and_missing_cube(cubes25: Inputs) -> None:
    assert demography.base_years(cubes25) == [2018, 2019, 2025]
    without = Inputs({k: v for k, v in cubes25.items() if k != "population_by_sex"})
    assert demography.base_years(without) == [2018, 2019]
    with pytest.raises(ValidationError, match="population_by_sex"):
        demography.project_population(without, base_year=2025, draws=0)
    with pytest.raises(ValidationError, match="no data for 2024"):
        demography.project_population(cubes25, base_year=2024, draws=0)
    with pytest.raises(ValidationError, match="2026"):
        demography.project_population(cubes25, base_year=2026, draws=0)


@pytest.mark.slow
def test_projection_from_2025(cubes25: Inputs, pop25: xr.DataArray) -> None:
    ds = demography.project_population(cubes25, until=2035, area="TA23", draws=100, seed=5)
    assert ds.attrs["base_year"] == 2025
    first = ds["population"].sel(time="2025-12-31", area=SIX, sex=["F", "M"], statistic="mean")
    np.testing.assert_array_equal(first.values, pop25.sel(area=SIX).values)
    totals = ds["population_total"].sel(area="TA23", sex="T")
    total = totals.sel(statistic="mean")
    assert float(total.isel(time=0)) == float(pop25.sel(area=SIX).sum())
    lo, hi = totals.sel(statistic="lo80"), totals.sel(statistic="hi80")
    assert bool((lo.isel(time=-1) < total.isel(time=-1)).item())
    assert bool((total.isel(time=-1) < hi.isel(time=-1)).item())
