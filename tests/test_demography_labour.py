"""Employment rates, labour supply and retirements on the real snapshot."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from forecasting.contract import validate
from forecasting.demography.assumptions import LabourAssumption
from forecasting.demography.labour import (
    BANDS,
    _population_2017,
    employment_rates,
    labour_supply,
    retirement_weights,
    retirements,
)
from forecasting.errors import ValidationError
from forecasting.io.inputs import Inputs

SIX = ["097", "178", "213", "491", "507", "623"]


def test_rates_reproduce_employed_by_band(cubes: Inputs) -> None:
    """Etelä-Savo municipalities: rates times the 2017 population give the employed residents
    of every band in 2017 (tyokay 115n)."""
    rates = employment_rates(cubes, SIX, LabourAssumption())
    pop = _population_2017(cubes, SIX)
    employed = (
        cubes["employment_by_age_education"]["employed_residents"]
        .sel(time="2017-12-31", area=SIX)
        .sum("education_level")
    )
    for band, (lo, hi) in BANDS.items():
        got = (rates * pop).isel(age=slice(lo, hi)).sum("age")
        np.testing.assert_allclose(got, employed.sel(age_band=band), rtol=1e-3, atol=0.5)


def test_other_municipalities_reproduce_their_employed_total(cubes: Inputs) -> None:
    codes = ["091", "005", "837"]
    rates = employment_rates(cubes, codes, LabourAssumption())
    total = (rates * _population_2017(cubes, codes)).sum("age")
    employed = cubes["commuting"]["employed_residents"].sel(time="2017-12-31", area=codes)
    np.testing.assert_allclose(total, employed, rtol=1e-9)
    assert bool((rates >= 0).all() and (rates <= 1).all())


def test_retirement_curve_falls_through_the_sixties(cubes: Inputs) -> None:
    rates = employment_rates(cubes, ["491"], LabourAssumption()).sel(area="491").values
    assert np.all(np.diff(rates[50:80]) <= 1e-12)
    assert rates[55] > 0.7 and 0.3 < rates[63] < 0.6 and rates[70] < 0.05
    shifted = employment_rates(cubes, ["491"], LabourAssumption(retirement_age_shift=2)).values[0]
    assert shifted[63] > rates[63] and shifted[40] == rates[40]


def test_retirement_weights() -> None:
    e = np.array([[0.0, 0.5, 0.8, 0.6, 0.7, 0.2]])
    np.testing.assert_allclose(retirement_weights(e, 3), [[0, 0, 0, 0.2, 0, 0.5]])


def _s(ds: xr.Dataset, var: str, stat: str) -> xr.DataArray:
    """One statistic of an indicator (area, time)."""
    return ds[var].sel(statistic=stat, drop=True)


@pytest.fixture(scope="module")
def supply(cubes: Inputs) -> xr.Dataset:
    return labour_supply(
        cubes, base_year=2019, until=2030, scope="area", area="TA23", draws=200, seed=4
    )


def test_labour_supply_is_coherent(supply: xr.Dataset) -> None:
    assert supply["employed"].dims == ("area", "time", "statistic")
    assert not [v for v in supply.data_vars if str(v).endswith(("_mean", "_lo80", "_hi80"))]
    validate(supply, name="labour_supply")  # the contract's layout, straight from demography
    for name in ("employed", "labour_force", "working_age_15_64", "working_age_20_69"):
        members = _s(supply, name, "mean").sel(area=SIX).sum("area")
        np.testing.assert_allclose(_s(supply, name, "mean").sel(area="TA23"), members, rtol=1e-9)
    by_age = supply["employed_by_age"].sum("age")
    np.testing.assert_allclose(
        by_age.isel(time=0), _s(supply, "employed", "mean").isel(time=0), rtol=1e-9
    )
    # A ratio's mean is the ratio of the mean counts (E[A]/E[B]), as a reader recomputes it.
    pop, emp = _s(supply, "population", "mean"), _s(supply, "employed", "mean")
    working = _s(supply, "working_age_15_64", "mean")
    np.testing.assert_allclose(
        _s(supply, "economic_dependency_ratio", "mean"), (pop - emp) / emp, rtol=1e-12
    )
    np.testing.assert_allclose(
        _s(supply, "demographic_dependency_ratio", "mean"), (pop - working) / working, rtol=1e-12
    )
    assert "E[A]/E[B]" in supply.attrs["ratio_statistics"]
    assert bool((_s(supply, "labour_force", "mean") >= _s(supply, "employed", "mean")).all())
    ordered = _s(supply, "employed", "lo80") <= _s(supply, "employed", "hi80")
    assert bool(ordered.all())


def test_base_year_working_age_is_observed(cubes: Inputs, supply: xr.Dataset) -> None:
    pop = cubes["population"]["population"].sel(time="2019-12-31", area=[*SIX, "TA23"])
    np.testing.assert_allclose(
        _s(supply, "working_age_15_64", "mean").isel(time=0),
        pop.sel(age=slice(15, 64)).sum(["sex", "age"]),
    )


def test_retirements(cubes: Inputs) -> None:
    ds = retirements(
        cubes, base_year=2019, until=2030, scope="area", area="TA23", draws=200, seed=4
    )
    assert ds["retirements"].dims == ds["employed"].dims == ("area", "time", "statistic")
    assert bool(_s(ds, "retirements", "mean").isel(time=0).isnull().all())
    later = ds.isel(time=slice(1, None))
    assert bool((_s(later, "retirements", "lo80") > 0).all())
    by_age = later["retirements_by_age"]
    assert float(by_age.sel(age=slice(0, 49)).sum()) == 0.0
    np.testing.assert_allclose(by_age.sum("age"), _s(later, "retirements", "mean"), rtol=0.01)
    np.testing.assert_allclose(
        _s(later, "retirements", "mean").sel(area="TA23"),
        _s(later, "retirements", "mean").sel(area=SIX).sum("area"),
        rtol=1e-9,
    )
    # Retirements are a few per cent of the employed each year.
    share = _s(later, "retirements", "mean") / _s(later, "employed", "mean")
    assert bool(((share > 0.01) & (share < 0.08)).all())


def test_bad_labour_parameters(cubes: Inputs) -> None:
    with pytest.raises(ValidationError) as err:
        retirements(cubes, draws=0, assumptions={"labour": {"retirement_min_age": 20}})
    assert err.value.field == "labour.retirement_min_age"
