"""Register forecasts on the real snapshot: validation, coherence, no look-ahead, the frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import forecasting.registers as registers
from forecasting import geography, snapshot
from forecasting.backtest import backtest_registers, summarise
from forecasting.errors import ValidationError
from forecasting.register_occupations import (
    forecast_occupations,
    occupation_group,
    tightness_labels,
)
from forecasting.registers import (
    STATISTICS,
    area_rows,
    forecast_frame,
    forecast_registers,
    national_hierarchy,
)

ORIGIN = "2016-06"


@pytest.fixture(scope="module")
def cube() -> xr.Dataset:
    return registers.registers_cube()


@pytest.fixture(scope="module")
def area_forecast(cube: xr.Dataset) -> xr.Dataset:
    return forecast_registers(cube, ORIGIN, 14, "area", "TA23", n_samples=300, seed=1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"origin": "2030-01"}, "origin"),
        ({"origin": "2008-06"}, "origin"),  # less than four years of history
        ({"origin": "June 2016"}, "origin"),
        ({"horizon": 0}, "horizon"),
        ({"horizon": 61}, "horizon"),
        ({"origin": "2023-11"}, "origin"),  # after the data
        ({"horizon": 2.5}, "horizon"),
        ({"scope": "galaxy"}, "scope"),
        ({"area": "TA99"}, "area"),
        ({"area": "491"}, "area"),  # a municipality is not a hierarchy
    ],
)
def test_requests_are_validated(cube: xr.Dataset, kwargs: dict[str, object], field: str) -> None:
    request: dict[str, object] = {"origin": ORIGIN, "horizon": 3, "scope": "area", "area": "TA23"}
    request.update(kwargs)
    with pytest.raises(ValidationError) as info:
        forecast_registers(cube, **request)  # type: ignore[arg-type]
    assert info.value.field == field
    assert field in str(info.value)


def test_forecast_dataset_shape_and_provenance(area_forecast: xr.Dataset) -> None:
    ds = area_forecast
    assert list(ds["area"].values) == ["TA23", "097", "178", "213", "491", "507", "623"]
    assert list(ds["statistic"].values) == list(STATISTICS)
    months = pd.date_range("2016-07-01", periods=14, freq="MS")
    np.testing.assert_array_equal(ds["time"].values, months.values)
    for variable in ("unemployed", "vacancies", "unemployment_rate"):
        assert ds[variable].dims == ("area", "time", "statistic")
    for key in ("source_tables", "license", "data_version", "code_version", "seed", "model"):
        assert key in ds.attrs
    assert ds.attrs["origin"] == ORIGIN and ds.attrs["scope"] == "area"
    assert "MinT" in ds.attrs["model"]


def test_forecasts_are_coherent_nested_and_non_negative(area_forecast: xr.Dataset) -> None:
    for variable in registers.VARIABLES:
        da = area_forecast[variable]
        values = da.values
        assert np.all(np.isfinite(values)) and np.all(values >= 0)
        lo95, lo80, mean, hi80, hi95 = (
            da.sel(statistic=s).values for s in ("lo95", "lo80", "mean", "hi80", "hi95")
        )
        assert np.all((lo95 <= lo80) & (lo80 <= mean) & (mean <= hi80) & (hi80 <= hi95))
        total = da.sel(area="TA23", statistic="mean").values
        parts = da.sel(area=geography.members("TA23"), statistic="mean").sum("area").values
        np.testing.assert_allclose(total, parts, rtol=1e-12)
        # the aggregate's interval is narrower than the parts' sum (their errors are not all
        # alike) and not much narrower than its largest part: it can be a little narrower,
        # because the area's own forecast is trusted and the split between Mikkeli and its
        # neighbours is less certain than their total (the calibrated base intervals
        # already show this for vacancies)
        width = (da.sel(statistic="hi80") - da.sel(statistic="lo80")).values
        assert np.all(width[0] <= width[1:].sum(axis=0) + 1e-9)
        assert np.all(width[0] >= 0.8 * width[1:].max(axis=0))


def test_unemployment_rate_and_annual_labour_force(area_forecast: xr.Dataset) -> None:
    ds = area_forecast
    rate = ds["unemployment_rate"].values
    expected = 100 * ds["unemployed"].values / ds["labour_force"].values[..., None]
    np.testing.assert_allclose(rate, expected, rtol=1e-12)
    labour = ds["labour_force"].to_pandas()
    years = pd.DatetimeIndex(ds["time"].values).year
    for year in np.unique(years):
        block = labour.loc[:, years == year]
        np.testing.assert_allclose(block.values, block.values[:, :1] * np.ones(block.shape[1]))
    cube = registers.registers_cube()
    known = cube["labour_force"].sel(area="491", time="2016-06-01").item()
    assert labour.loc["491"].iloc[0] == pytest.approx(known)  # 2016 is known at the origin
    np.testing.assert_allclose(
        labour.loc["TA23"].values, labour.loc[geography.members("TA23")].sum().values
    )


def test_no_data_after_the_origin_is_used(cube: xr.Dataset) -> None:
    first = forecast_registers(cube, ORIGIN, 2, "area", "TA23", n_samples=100, seed=3)
    late = cube["time"] > np.datetime64(f"{ORIGIN}-01")
    changed = cube.copy(deep=True)
    for variable in (*registers.VARIABLES, "labour_force"):
        changed[variable] = changed[variable].where(~late, changed[variable] * 5 + 7)
    second = forecast_registers(changed, ORIGIN, 2, "area", "TA23", n_samples=100, seed=3)
    xr.testing.assert_allclose(first, second)


def test_forecast_frame_columns_and_codes(cube: xr.Dataset) -> None:
    frame = forecast_frame(cube, "2019-03", 2, "area", "MK10", seed=5)
    assert list(frame.columns) == ["area", "variable", "month", *STATISTICS, "model"]
    assert set(frame["variable"]) == {"unemployed", "vacancies", "unemployment_rate"}
    assert set(frame["month"]) == {"2019-04", "2019-05"}
    assert {"MK10", "491", "097"} <= set(frame["area"])
    assert len(frame) == 3 * 2 * len(area_rows("MK10"))
    assert frame[list(STATISTICS)].notna().all().all()


def test_hierarchy_subsets() -> None:
    hier = national_hierarchy()
    assert len(hier.rows) == 1 + 19 + 46 + 308 and hier.rows[hier.national] == "SSS"
    idx, S, is_bottom = hier.subset(area_rows("TA23"))
    np.testing.assert_array_equal(S[0], np.ones(6))
    np.testing.assert_array_equal(S[1:], np.eye(6))
    assert is_bottom.tolist() == [False] + [True] * 6
    assert hier.rows[hier.parent[idx[0]]] == "MK10"  # TA23's region
    assert hier.rows[hier.parent[idx[4]]] == "MK10"  # Mikkeli's region
    with pytest.raises(ValueError, match="last"):
        hier.subset(("491", "TA23"))


def test_backtest_scores_one_origin(cube: xr.Dataset) -> None:
    frame = backtest_registers(
        cube, origins=("2015-06",), variables=("unemployed",), rows=area_rows("TA23"), n_samples=100
    )
    assert set(frame["method"]) == {"base", "reconciled", "bottom_up"}
    assert set(frame["band"]) == {"h1-12", "h13-36"}
    assert set(frame["level"]) == {"employment_area", "municipality"}
    table = summarise(frame)
    assert np.all(table["mase"] > 0) and np.all(table["mase"] < 5)
    base = frame[frame["method"] == "base"]
    assert base[["coverage80", "coverage95"]].stack().between(0, 1).all()
    assert np.all(base["coverage95"] >= base["coverage80"])
    # CRPS from the five published quantiles: positive, and the scaled one summarised
    assert np.all(base["crps"] > 0) and np.all(np.isfinite(table["scrps"].dropna()))


def test_occupation_groups() -> None:
    assert occupation_group("5321") == "53"
    assert occupation_group("0110") == "01"
    assert occupation_group("X999") == "X"
    assert occupation_group("SSS") is None
    labels = tightness_labels(
        np.array([[30.0, 30.0], [2.0, 2.0], [10.0, 10.0], [1.0, 1.0]]),
        np.array([[20.0, 20.0], [50.0, 50.0], [20.0, 20.0], [2.0, 2.0]]),
    )
    assert labels.tolist() == ["shortage", "surplus", "balanced", "too small"]


def test_forecast_occupations_for_etela_savo() -> None:
    occupations = snapshot.load("occupations")
    ds = forecast_occupations(occupations, "2021-06", 6, n_samples=200, seed=2)
    groups = [str(g) for g in ds["occupation"].values]
    assert groups[0] == "SSS" and "53" in groups and "X" in groups
    assert all(len(g) == 2 for g in groups[1:-1])
    mean = ds["vacancies"].sel(area="MK10", statistic="mean")
    np.testing.assert_allclose(
        mean.sel(occupation="SSS"), mean.drop_sel(occupation="SSS").sum("occupation"), rtol=1e-12
    )
    unemployed = ds["unemployed"].sel(area="MK10", statistic="mean")
    np.testing.assert_allclose(
        ds["tightness"].sel(area="MK10"), mean / np.maximum(unemployed, 1.0), rtol=1e-12
    )
    assert set(ds["tightness_label"].values.ravel()) <= {
        "shortage",
        "balanced",
        "surplus",
        "too small",
    }
    # health associate professionals (32) are the region's clearest shortage
    assert ds["tightness_label"].sel(area="MK10", occupation="32").item() == "shortage"
    with pytest.raises(ValidationError, match="area"):
        forecast_occupations(occupations, "2021-06", 6, area="MK05")


def test_vacancy_ceiling_is_the_smaller_of_history_and_labour_force() -> None:
    history = np.array([[10.0, 40.0, 20.0], [100.0, 300.0, 200.0]])
    labour = np.array([[1000.0, 1000.0], [843.0, 843.0]])
    ceiling = registers.vacancy_ceiling(history, labour)
    # 3 x own maximum (120) for the first series; half of 843 for the second (not 900)
    np.testing.assert_allclose(ceiling, [[120.0, 120.0], [421.5, 421.5]])


def test_cap_bounds_keeps_the_point_and_the_nesting() -> None:
    rng = np.random.default_rng(3)
    point = rng.uniform(10, 100, (4, 6))
    bounds = {
        "lo95": point * 0.3, "lo80": point * 0.6, "hi80": point * 2.0, "hi95": point * 4.0,
    }  # fmt: skip
    fc = registers.VariableForecast(
        base=None, point=point, bounds=bounds, bottom_up=point, weights=np.ones((4, 1)),  # type: ignore[arg-type]
        shrinkage=0.0,
    )  # fmt: skip
    ceiling = np.full((4, 3), 150.0)
    capped = registers.cap_bounds(fc, ceiling)
    np.testing.assert_array_equal(capped.point, point)
    np.testing.assert_array_equal(capped.bounds["hi95"][:, :3], bounds["hi95"][:, :3])
    tail = {k: v[:, 3:] for k, v in capped.bounds.items()}
    assert np.all(tail["hi95"] <= np.maximum(150.0, point[:, 3:]))
    assert np.all(tail["lo95"] <= tail["lo80"])
    assert np.all(tail["lo80"] <= point[:, 3:]) and np.all(point[:, 3:] <= tail["hi80"])
    assert np.all(tail["hi80"] <= tail["hi95"])


def test_vacancy_upper_bounds_respect_the_labour_force(cube: xr.Dataset) -> None:
    """Issue 17: the 95 % upper bound of vacancies (Puumala 2,341 against a labour force of
    843) must stay at or below half the labour force and three times the series' record."""
    fc = forecast_registers(cube, "latest", 42, "area", "MK10", n_samples=200, seed=2)
    hi95 = fc["vacancies"].sel(statistic="hi95")
    assert np.all(hi95 <= registers.VACANCY_LF_SHARE * fc["labour_force"] + 1e-9)
    record = cube["vacancies"].sel(area=list(fc["area"].values)).max("time")
    assert np.all(hi95 <= registers.VACANCY_HISTORY_FACTOR * record + 1e-9)
