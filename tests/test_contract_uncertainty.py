"""The one uncertainty layout of the data contract: a ``statistic`` dim for forecasts, a
``draw`` or ``quantile`` dim for simulations; the old layouts (bounds in variable names) are
refused; ``ds.enn.point()`` / ``bounds()`` / ``kernel_arrays()`` read every accepted one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.contract import (
    STATISTICS,
    check_uncertainty,
    stack_statistics,
    validate,
)
from forecasting.errors import ContractError

MONTHS = pd.date_range("2024-01-01", periods=4, freq="MS")
ATTRS = {"source_tables": "test", "license": "CC BY 4.0", "data_version": "x"}


def forecast(mean: np.ndarray | None = None, areas: tuple[str, ...] = ("491",)) -> xr.Dataset:
    """``unemployed`` (area, time, statistic) with bands +-10 % (80 %) and +-20 % (95 %)."""
    mean = np.array([[100.0, 110.0, 120.0, 130.0]]) if mean is None else mean
    scale = np.array([1.0, 0.9, 1.1, 0.8, 1.2])
    values = mean[:, :, None] * scale
    return xr.Dataset(
        {"unemployed": (("area", "time", "statistic"), values)},
        coords={"area": list(areas), "time": MONTHS, "statistic": list(STATISTICS)},
        attrs=ATTRS,
    )


def test_the_statistic_layout_passes_validation() -> None:
    validate(forecast(), name="register_forecasts")


@pytest.mark.parametrize(
    "legacy",
    [
        {"unemployed_mean": 1.0, "unemployed_lo80": 0.9, "unemployed_hi80": 1.1},  # wide
        {"mean": 1.0, "lo80": 0.9, "hi80": 1.1},  # bare (demand, training)
        {"need": 1.0, "lo80": 0.9, "hi80": 1.1},  # bare bounds next to a point
        {"total_mean": 1.0, "total_lo95": 0.8, "total_hi95": 1.2},  # population totals
        {"retirements_hi80": 1.0},  # a bound alone
    ],
)
def test_bounds_in_variable_names_are_refused(legacy: dict[str, float]) -> None:
    ds = xr.Dataset(
        {k: (("area", "time"), np.full((1, 4), v)) for k, v in legacy.items()},
        coords={"area": ["491"], "time": MONTHS},
        attrs=ATTRS,
    )
    with pytest.raises(ContractError, match="statistic"):
        validate(ds, name="some_forecast")
    with pytest.raises(ContractError, match="interval bound in its name"):
        check_uncertainty(ds, name="some_forecast")


@pytest.mark.parametrize(
    "name", ["training_needs[TA23]", "population_projection", "jobs_by_industry", "labour_supply"]
)
def test_no_product_passes_bounds_in_names(name: str) -> None:
    ds = xr.Dataset(
        {"mean": (("area",), [1.0]), "lo80": (("area",), [0.9]), "hi80": (("area",), [1.1])},
        coords={"area": ["491"]},
        attrs=ATTRS,
    )
    with pytest.raises(ContractError, match="interval bound in its name"):
        validate(ds, name=name)


@pytest.mark.parametrize(
    ("labels", "why"),
    [
        (["mean", "lo80"], "only one of"),
        (["lo80", "hi80"], "include 'mean'"),
        (["mean", "p10"], "must be among"),
    ],
)
def test_bad_statistic_labels_are_refused(labels: list[str], why: str) -> None:
    ds = forecast().isel(statistic=slice(0, len(labels))).assign_coords(statistic=labels)
    with pytest.raises(ContractError, match=why):
        check_uncertainty(ds, name="f")


def test_bad_quantiles_and_two_uncertainty_dims_are_refused() -> None:
    q = xr.Dataset({"u": (("time", "quantile"), np.ones((4, 2)))},
                   coords={"time": MONTHS, "quantile": [0.5, 1.0]})  # fmt: skip
    with pytest.raises(ContractError, match="quantile"):
        check_uncertainty(q, name="s")
    both = xr.Dataset({"u": (("draw", "time", "quantile"), np.ones((2, 4, 2)))},
                      coords={"time": MONTHS, "quantile": [0.1, 0.9]})  # fmt: skip
    with pytest.raises(ContractError, match="one uncertainty dim"):
        check_uncertainty(both, name="s")


def test_stack_statistics_converts_the_wide_layout() -> None:
    fc = forecast()
    wide = fc["unemployed"].to_dataset(dim="statistic")
    wide = wide.rename({s: f"unemployed_{s}" for s in STATISTICS})
    wide["labour_force"] = wide["unemployed_mean"] * 0 + 4000.0
    got = stack_statistics(wide)
    xr.testing.assert_identical(got["unemployed"], fc["unemployed"])
    assert "labour_force" in got and "statistic" not in got["labour_force"].dims
    check_uncertainty(got, name="converted")


def test_accessor_point_and_bounds_read_each_layout() -> None:
    fc = forecast()
    np.testing.assert_array_equal(fc.enn.point()["unemployed"].values, [[100, 110, 120, 130]])
    lo, hi = fc.enn.bounds(0.8)
    np.testing.assert_allclose(lo["unemployed"].values, [[90, 99, 108, 117]])
    np.testing.assert_allclose(hi["unemployed"].values, [[110, 121, 132, 143]])
    lo95, _ = fc.enn.bounds(0.95)
    np.testing.assert_allclose(lo95["unemployed"].values, [[80, 88, 96, 104]])
    # a simulation by quantile: the median and the 10/90 % quantiles
    sim = xr.Dataset({"u": (("time", "quantile"), np.array([[1.0, 2.0, 3.0]] * 4))},
                     coords={"time": MONTHS, "quantile": [0.1, 0.5, 0.9]})  # fmt: skip
    assert (sim.enn.point()["u"] == 2.0).all()
    lo, hi = sim.enn.bounds(0.8)
    assert (lo["u"] == 1.0).all() and (hi["u"] == 3.0).all()
    with pytest.raises(ContractError, match=r"0\.025"):
        sim.enn.bounds(0.95)
    # variables without an uncertainty dim are kept by point() and left out of bounds()
    mixed = fc.assign(labour_force=(("area", "time"), np.full((1, 4), 4000.0)))
    assert set(mixed.enn.point()) == {"unemployed", "labour_force"}
    assert set(mixed.enn.bounds()[0]) == {"unemployed"}


@settings(max_examples=30, deadline=None)
@given(
    draws=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=50),
    level=st.sampled_from([0.5, 0.8, 0.95]),
)
def test_draw_bounds_bracket_the_point_of_any_sample(draws: list[float], level: float) -> None:
    ds = xr.Dataset({"x": (("draw",), np.array(draws))})
    lo, hi = ds.enn.bounds(level)
    point = float(ds.enn.point()["x"])
    assert float(lo["x"]) <= float(hi["x"])
    assert min(draws) <= float(lo["x"]) and float(hi["x"]) <= max(draws)
    assert min(draws) - 1e-6 <= point <= max(draws) + 1e-6


def test_kernel_arrays_hand_numpy_to_kernels_in_the_asked_order() -> None:
    two = np.array([[100.0, 110.0, 120.0, 130.0], [10.0, 11.0, 12.0, 13.0]])
    fc = forecast(two, areas=("491", "097"))
    arrays = fc.enn.kernel_arrays("unemployed", dims=("time", "area"), levels=(0.8, 0.95))
    assert set(arrays) == set(STATISTICS)
    assert arrays["mean"].shape == (4, 2) and arrays["mean"].flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(arrays["hi95"][:, 1], [12.0, 13.2, 14.4, 15.6])
    assert arrays["lo80"].dtype == np.float64
