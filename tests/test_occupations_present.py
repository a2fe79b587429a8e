"""Occupation forecasts from the present: shares of the occupation data's last month times the
area's register forecast (forecasting.register_occupations.occupations_from_totals)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from forecasting.errors import ValidationError
from forecasting.register_occupations import occupations_from_totals, share_paths
from forecasting.registers import STATISTICS, VARIABLES


def totals_dataset(
    start: str, horizon: int, level: dict[str, float], spread: float = 0.05
) -> xr.Dataset:
    """A register forecast of MK10 (the release layout): flat means, log-normal bands."""
    h = np.arange(1, horizon + 1)
    w = spread * np.sqrt(h)
    data = {}
    for variable, m in level.items():
        stats = [m * np.ones(horizon)]
        stats += [m * np.exp(s * z * w) for z in (1.28, 1.96) for s in (-1, 1)]
        data[variable] = (("area", "time", "statistic"), np.stack(stats, -1)[None])
    coords = {
        "area": ["MK10"],
        "time": pd.date_range(start, periods=horizon, freq="MS"),
        "statistic": list(STATISTICS),
    }
    attrs = {"origin": "2026-06", "source_tables": "tyonv 12r5", "data_version": "r", "seed": 3}
    return xr.Dataset(data, coords=coords, attrs=attrs)


@pytest.fixture(scope="module")
def present(cubes) -> tuple[xr.Dataset, xr.Dataset]:
    totals = totals_dataset("2026-07-01", 42, {"unemployed": 6556.0, "vacancies": 1400.0})
    return occupations_from_totals(cubes["occupations"], totals), totals


def test_first_forecast_month_follows_the_registers_not_the_occupation_data(present) -> None:
    out, _ = present
    assert pd.Timestamp(out["time"].values[0]) == pd.Timestamp("2026-07-01")
    assert out.sizes["time"] == 42 and pd.Timestamp(out["time"].values[-1]).year == 2029


def test_groups_sum_to_the_area_forecast_and_the_total_row_is_it(present) -> None:
    out, totals = present
    for variable in VARIABLES:
        mean = out[variable].sel(area="MK10", statistic="mean")
        groups = mean.drop_sel(occupation="SSS").sum("occupation").values
        expected = totals[variable].sel(area="MK10", statistic="mean").values
        np.testing.assert_allclose(groups, expected, rtol=1e-9)
        np.testing.assert_array_equal(
            out[variable].sel(area="MK10", occupation="SSS").values,
            totals[variable].sel(area="MK10").transpose("time", "statistic").values,
        )


def test_provenance_carries_both_data_dates(present) -> None:
    out, _ = present
    assert out.attrs["shares_data_through"] == "2023-10"  # snapshot v2's occupations cube
    assert out.attrs["level_data_through"] == "2026-06"  # the registers' latest month
    # the note writes the months as the pages do, 10/2023, in English too
    assert "10/2023" in out.attrs["method_note"] and "6/2026" in out.attrs["method_note"]
    # Finnish and Swedish readers get the note in their language
    fi, sv = out.attrs["method_note_fi"], out.attrs["method_note_sv"]
    assert fi.startswith("Ammattiryhmien osuudet") and "10/2023" in fi and "6/2026" in fi
    assert sv.startswith("Yrkesgruppernas andelar") and "10/2023" in sv and "6/2026" in sv
    assert out.attrs["method_note_en"] == out.attrs["method_note"]
    assert out.attrs["source_tables"] == "tyonv 12ti, tyonv 12r5"


def test_group_intervals_are_wider_than_the_totals_and_widen_with_time(present) -> None:
    out, totals = present
    u = out["unemployed"].sel(area="MK10").drop_sel(occupation="SSS")
    big = (u.sel(statistic="mean").isel(time=0) > 50).values  # away from the floor at 0
    ratio = np.log(u.sel(statistic="hi80") / u.sel(statistic="mean")).isel(occupation=big)
    total = totals["unemployed"].sel(area="MK10")
    total_ratio = np.log(total.sel(statistic="hi80") / total.sel(statistic="mean")).values
    assert np.all(ratio.values > total_ratio[None, :])
    assert np.all(ratio.isel(time=-1).values > ratio.isel(time=0).values)


def test_totals_that_do_not_start_after_the_share_month_are_refused(cubes) -> None:
    early = totals_dataset("2023-10-01", 6, {"unemployed": 5000.0, "vacancies": 900.0})
    with pytest.raises(ValidationError):
        occupations_from_totals(cubes["occupations"], early)
    other = totals_dataset("2026-07-01", 6, {"unemployed": 5000.0, "vacancies": 900.0})
    with pytest.raises(ValidationError):
        occupations_from_totals(cubes["occupations"], other.assign_coords(area=["TA23"]))


@settings(max_examples=40)
@given(
    counts=hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 6), st.integers(30, 60)),
        elements=st.floats(0.0, 1e4, allow_nan=False),
    ),
    first=st.integers(1, 40),
    horizon=st.integers(1, 30),
    level_months=st.integers(1, 12),
)
def test_share_paths_sum_to_one_and_spread_never_shrinks(
    counts: np.ndarray, first: int, horizon: int, level_months: int
) -> None:
    T = counts.shape[1]
    months = (np.arange(T) % 12) + 1
    steps = np.arange(first, first + horizon)
    share, sigma = share_paths(counts, months, steps, level_months)
    np.testing.assert_allclose(share.sum(axis=0), 1.0, rtol=1e-12)
    assert np.all(share > 0) and np.all(np.isfinite(sigma)) and np.all(sigma >= 0)
    assert np.all(np.diff(sigma, axis=1) >= -1e-12)


@settings(max_examples=25)
@given(
    level=st.floats(1.0, 1e6),
    spread=st.floats(0.0, 0.3),
    horizon=st.integers(1, 24),
    seed=st.integers(0, 2**32 - 1),
)
def test_occupations_sum_to_any_area_forecast(
    level: float, spread: float, horizon: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    codes = ["SSS", "2111", "2221", "5321", "7112", "9111", "X999"]
    time = pd.date_range("2021-01-01", periods=34, freq="MS")
    values = {
        v: rng.poisson(rng.uniform(0, 300, (1, len(codes), 34))).astype(float) for v in VARIABLES
    }
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for v, x in values.items():
        x[:, 0] = x[:, 1:].sum(axis=1)
        data[v] = (("area", "occupation", "time"), x)
        data[f"{v}_status"] = (("area", "occupation", "time"), np.zeros(x.shape, np.int8))
    cube = xr.Dataset(
        data,
        coords={"area": ["MK10"], "occupation": codes, "time": time},
        attrs={
            "source_tables": "tyonv 12ti",
            "license": "CC BY 4.0",
            "retrieved": "2026-11-27",
            "data_version": "o",
        },
    )
    totals = totals_dataset("2024-01-01", horizon, dict.fromkeys(VARIABLES, level), spread)
    out = occupations_from_totals(cube, totals)
    for v in VARIABLES:
        mean = out[v].sel(area="MK10", statistic="mean")
        np.testing.assert_allclose(
            mean.drop_sel(occupation="SSS").sum("occupation").values, level, rtol=1e-9
        )
        lo, hi = out[v].sel(statistic="lo95"), out[v].sel(statistic="hi95")
        assert bool((lo <= mean).all()) and bool((mean <= hi).all())


def test_the_release_product_scales_to_the_release_register_forecast(cubes, tmp_path) -> None:
    from forecasting.release import products
    from forecasting.release.registry import BuildContext, registered

    ctx = BuildContext(
        scope="national", area="SSS", seed=1, municipalities=(), areas=("MK10", "SSS"),
        cube_versions=(("occupations", "o1"), ("registers", "r1")),
        data_through=(("occupations", "2023-10"), ("registers", "2026-06")),
        code_version="c1", code_fingerprint="f1", work_dir=str(tmp_path),
    )  # fmt: skip
    totals = totals_dataset("2026-07-01", 42, {"unemployed": 6556.0, "vacancies": 1400.0})
    product = registered()["occupation_forecasts"]
    assert "register_forecasts" in product.needs and product.build is not None
    out = product.build(ctx, {"register_forecasts": totals}, cubes)
    assert f"{pd.Timestamp(out['time'].values[0]):%Y-%m}" == "2026-07"
    assert out.attrs["level_data_through"] == "2026-06"
    assert out.attrs["shares_data_through"] == "2023-10"
    assert products.data_through_month(cubes["registers"]) == "2026-06"


@pytest.mark.slow  # two register engine runs for Etelä-Savo (about 40 s on a loaded machine)
def test_an_area_release_forecasts_the_region_itself(cubes, tmp_path) -> None:
    from forecasting.release.registry import BuildContext, registered, scope_areas

    munis, areas = scope_areas("area", "TA23")
    ctx = BuildContext(
        scope="area", area="TA23", seed=1, municipalities=munis, areas=areas,
        cube_versions=(("occupations", "o1"), ("registers", "r1")),
        data_through=(("occupations", "2023-10"), ("registers", "2026-06")),
        code_version="c1", code_fingerprint="f1", work_dir=str(tmp_path),
    )  # fmt: skip
    ta23_only = totals_dataset("2026-07-01", 42, {"unemployed": 3000.0, "vacancies": 600.0})
    build = registered()["occupation_forecasts"].build
    assert build is not None
    out = build(ctx, {"register_forecasts": ta23_only.assign_coords(area=["TA23"])}, cubes)
    assert f"{pd.Timestamp(out['time'].values[0]):%Y-%m}" == "2026-07"
    assert out.attrs["level_data_through"] == "2026-06"
    mean = out["unemployed"].sel(area="MK10", statistic="mean")
    np.testing.assert_allclose(
        mean.drop_sel(occupation="SSS").sum("occupation"), mean.sel(occupation="SSS"), rtol=1e-9
    )
    # the region's forecast starts near its 2026-06 count (6,556 unemployed, 12r5)
    assert 0.8 < float(mean.sel(occupation="SSS").isel(time=0)) / 6556.0 < 1.2
