"""The input layer: ordered sources, newest period wins, data dates, and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.errors import DataError, ValidationError
from forecasting.io import inputs as inputs_mod
from forecasting.io.inputs import Inputs, assemble, data_through, overlay
from forecasting.io.refresh import write_netcdf_atomic

AREAS = ["097", "491"]


def _cube(months: list[str], values: np.ndarray, name: str = "unemployed") -> xr.Dataset:
    return xr.Dataset(
        {name: (("area", "time"), values)},
        coords={"area": AREAS, "time": pd.to_datetime(months)},
        attrs={"source_tables": "tyonv 12r5"},
    )


def test_newer_periods_replace_older_ones_and_older_periods_are_kept() -> None:
    older = _cube(["2023-09-01", "2023-10-01"], np.array([[10.0, 11.0], [20.0, 21.0]]))
    newer = _cube(["2023-10-01", "2023-11-01"], np.array([[12.0, 13.0], [np.nan, 23.0]]))
    out = overlay(older, newer)
    assert list(out["time"].dt.strftime("%Y-%m").values) == ["2023-09", "2023-10", "2023-11"]
    np.testing.assert_array_equal(
        out["unemployed"].values, [[10.0, 12.0, 13.0], [20.0, np.nan, 23.0]]
    )  # 2023-10 revised to 12, and 491's 2023-10 newly suppressed: missing, not the stale 21
    assert out.attrs["sources"] == "tyonv 12r5 + tyonv 12r5"


def test_variables_only_the_older_source_has_are_kept_and_new_ones_added() -> None:
    older = _cube(["2023-10-01"], np.array([[1.0], [2.0]])).assign(
        vacancies=(("area", "time"), np.array([[5.0], [6.0]]))
    )
    newer = _cube(["2023-11-01"], np.array([[3.0], [4.0]]), name="long_term_unemployed")
    out = overlay(older, newer)
    np.testing.assert_array_equal(out["vacancies"].values, [[5.0, np.nan], [6.0, np.nan]])
    np.testing.assert_array_equal(
        out["long_term_unemployed"].values, [[np.nan, 3.0], [np.nan, 4.0]]
    )


def test_a_variable_whose_dims_changed_is_refused() -> None:
    older = _cube(["2023-10-01"], np.array([[1.0], [2.0]]))
    newer = xr.Dataset(
        {"unemployed": ("time", [1.0])}, coords={"time": pd.to_datetime(["2023-11-01"])}
    )
    with pytest.raises(DataError, match="unemployed"):
        overlay(older, newer)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 23), min_size=1, max_size=12, unique=True),
    st.lists(st.integers(0, 23), min_size=1, max_size=12, unique=True),
    st.integers(0, 2**32 - 1),
)
def test_overlay_equals_the_newer_source_wherever_it_has_the_period(
    old_months: list[int], new_months: list[int], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    months = pd.date_range("2020-01-01", periods=24, freq="MS")
    older = _cube(list(months[sorted(old_months)]), rng.gamma(2, 10, (2, len(old_months))))
    newer = _cube(list(months[sorted(new_months)]), rng.gamma(2, 10, (2, len(new_months))))
    out = overlay(older, newer)
    xr.testing.assert_equal(out["unemployed"].sel(time=newer["time"]), newer["unemployed"])
    kept = sorted(set(old_months) - set(new_months))
    xr.testing.assert_equal(
        out["unemployed"].sel(time=months[kept]), older["unemployed"].sel(time=months[kept])
    )
    assert out.sizes["time"] == len(set(old_months) | set(new_months))


def test_data_through_skips_a_trailing_gap_and_labels_months_and_years() -> None:
    months = _cube(["2023-10-01", "2023-11-01"], np.array([[1.0, np.nan], [2.0, np.nan]]))
    assert data_through(months) == "2023-10"
    years = xr.Dataset(
        {"population": ("time", [1.0, 2.0])},
        coords={"time": pd.to_datetime(["2024-12-31", "2025-12-31"])},
    )
    assert data_through(years) == "2025"
    one_year = years.isel(time=[1])  # a cube of one year-end is annual, not a December
    assert data_through(one_year) == "2025"
    assert data_through(months.isel(time=[0])) == "2023-10"
    assert data_through(xr.Dataset({"x": ("area", [1.0])})) is None


def test_inputs_name_the_known_cubes_when_one_is_missing() -> None:
    inputs = Inputs({"registers": _cube(["2023-10-01"], np.ones((2, 1)))})
    with pytest.raises(ValidationError, match="available: registers"):
        inputs["population"]
    assert "population" not in inputs and "registers" in inputs
    assert inputs.get("population") is None


def test_assemble_overlays_the_refresh_cache_on_the_snapshot(tmp_path: Path) -> None:
    base = assemble(["registers"], use_cache=False)["registers"]
    last = pd.Timestamp(base["time"].values[-1])
    nxt = last + pd.offsets.MonthBegin(1)
    fresh = base[["unemployed"]].sel(time=[last]).copy(deep=True)
    fresh = fresh.assign_coords(time=[nxt]).assign_attrs(
        source_tables="tyonv 12r5", retrieved="2026-12-01"
    )
    fresh["unemployed"].values[:] = 7.0
    write_netcdf_atomic(fresh, tmp_path / "registers.nc")
    (tmp_path / "manifest.json").write_text(json.dumps({"tables": [{"name": "registers"}]}))
    got = assemble(["registers"], cache_dir=tmp_path)
    cube = got["registers"]
    assert cube.attrs["data_through"] == f"{nxt:%Y-%m}"
    assert cube.attrs["input_layers"] == "snapshot + refresh"
    assert float(cube["unemployed"].sel(time=nxt, area="491")) == 7.0
    xr.testing.assert_equal(
        cube["unemployed"].sel(time=base["time"]), base["unemployed"]
    )  # every snapshot period kept
    assert got.data_version != assemble(["registers"], use_cache=False).data_version
    assert got.provenance()["registers"]["sources"] == ["snapshot", "refresh"]


def test_a_broken_cache_manifest_is_a_data_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(DataError, match="refresh cache manifest"):
        assemble(["registers"], cache_dir=tmp_path)


def test_assembled_cubes_are_read_only() -> None:
    cube = inputs_mod.assemble(["registers"], use_cache=False)["registers"]
    with pytest.raises(ValueError, match="read-only"):
        cube["unemployed"].values[0, 0] = 1.0
