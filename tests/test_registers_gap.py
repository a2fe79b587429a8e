"""Forecasts across a data gap: the Kalman-type conditioning, origins, special groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import geography
from forecasting.errors import ValidationError
from forecasting.io.inputs import Inputs
from forecasting.registers import forecast_registers, gap_plan, resolve_origin
from models.forecast import DampedETS, Forecast, PanelCombination, SeasonalNaive
from models.forecast.gap import condition_on_observations, transient_share
from models.forecast.hierarchy import forecast_hierarchy


def _anchor_forecast(H: int, s0: float, level: float = 5.0) -> Forecast:
    """A flat log forecast whose spread grows like a random walk's, sqrt(h)."""
    steps = np.arange(1, H + 1)
    return Forecast.from_log(np.full((1, H), level), s0 * np.sqrt(steps)[None, :])


def test_observed_level_shift_moves_the_forecast_toward_it() -> None:
    base = _anchor_forecast(40, 0.05)
    observed = np.full((1, 40), np.nan)
    observed[0, 31] = np.expm1(5.0 + 0.3)  # 35 % more than expected, after 31 empty months
    out = condition_on_observations(base, observed, phi=0.3).forecast
    after = out.loc[0, 32:]
    assert np.all(after > 5.0 + 0.2) and np.all(after < 5.0 + 0.3)  # most of the shift
    np.testing.assert_array_equal(out.loc[0, :31], base.loc[0, :31])  # before it: unchanged
    assert out.mean[0, 31] == pytest.approx(observed[0, 31])  # the observation itself


@settings(max_examples=60, deadline=None)
@given(
    o=st.integers(6, 36),
    s0=st.floats(0.01, 0.5),
    phi=st.floats(0.05, 0.95),
    shift=st.floats(-1.0, 1.0),
)
def test_intervals_narrow_at_the_observation_after_a_gap(
    o: int, s0: float, phi: float, shift: float
) -> None:
    H = o + 12
    base = _anchor_forecast(H, s0)
    observed = np.full((1, H), np.nan)
    observed[0, o] = np.expm1(5.0 + shift)
    out = condition_on_observations(base, observed, phi).forecast
    width = out.hi80[0] - out.lo80[0]
    prior = base.hi80[0] - base.lo80[0]
    assert width[o] < width[o - 1]  # observed: no spread
    assert out.scale[0, o + 1] < out.scale[0, o - 1]  # widened across the gap, narrower after
    assert np.all(out.scale[0, o + 1 :] < base.scale[0, o + 1 :])  # than without the data
    np.testing.assert_allclose(width[:o], prior[:o])  # the gap itself is not conditioned
    assert np.all(np.diff(out.scale[0, o + 1 :]) >= -1e-12)  # widening again after it


def test_transient_share_of_a_random_walk_plus_noise() -> None:
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(0, 0.1, (2000, 1, 12)), axis=-1)  # L_h = 0.01 h
    errors = walk + rng.normal(0, 0.1, walk.shape)  # r = 0.01: phi = r / (L_1 + r) = 0.5
    assert transient_share(errors) == pytest.approx(0.5, abs=0.03)
    assert transient_share(np.full((3, 1, 1), np.nan)) == 0.5  # nothing usable


def test_gap_aware_hierarchy_follows_a_shift_seen_after_the_gap() -> None:
    rng = np.random.default_rng(3)
    T, gap = 120, 20
    season = 0.2 * np.sin(2 * np.pi * np.arange(T + gap + 13) / 12)
    levels = np.array([200.0, 80.0, 40.0])
    bottom = levels[:, None] * np.exp(season + rng.normal(0, 0.03, (3, season.size)))
    S = np.vstack([np.ones(3), np.eye(3)])
    Y = S @ bottom[:, :T]
    truth = S @ (bottom * np.where(np.arange(season.size) >= T, 1.4, 1.0))  # +40 % in the gap
    H = gap + 1 + 12
    observed = np.full((4, H), np.nan)
    observed[:, gap] = truth[:, T + gap]
    engine = PanelCombination(models=(SeasonalNaive(), DampedETS()), n_windows=3)
    args = (Y, S, np.arange(4), np.array([False, True, True, True]), H)
    kw = {"rng": np.random.default_rng(1), "n_samples": 200}
    plain = forecast_hierarchy(engine.clone(), *args, **kw)  # type: ignore[arg-type]
    aware = forecast_hierarchy(engine.clone(), *args, observed=observed, **kw)  # type: ignore[arg-type]
    target = truth[:, T + gap + 1 : T + H]
    err_plain = np.abs(plain.point[:, gap + 1 :] - target).mean()
    err_aware = np.abs(aware.point[:, gap + 1 :] - target).mean()
    assert err_aware < 0.4 * err_plain
    np.testing.assert_allclose(aware.point[0], aware.point[1:].sum(axis=0), rtol=1e-10)
    assert aware.transient_share is not None and plain.transient_share is None


def test_origins_latest_gap_and_after_the_data() -> None:
    times = pd.date_range("2006-01-01", "2026-06-01", freq="MS")
    seen = times <= pd.Timestamp("2023-10-01")
    seen = np.asarray(seen | (times == pd.Timestamp("2026-06-01")))
    assert resolve_origin("latest", times, seen) == pd.Timestamp("2026-06-01")
    assert resolve_origin("2023-10", times, seen) == pd.Timestamp("2023-10-01")
    with pytest.raises(ValidationError, match=r"gap.*2023-10 and 2026-06"):
        resolve_origin("2025-01", times, seen)
    with pytest.raises(ValidationError, match="outside the data"):
        resolve_origin("2026-07", times, seen)
    with pytest.raises(ValidationError, match="latest"):
        resolve_origin("last", times, seen)
    assert gap_plan(seen, len(times)) == int(np.flatnonzero(seen)[-2]) + 1  # anchor 2023-10
    assert gap_plan(seen, 100) == 100  # no gap: the origin itself


@pytest.mark.parametrize("origin", ["2024-05", "2026-07", "2031-01"])
def test_forecast_refuses_origins_in_the_gap_or_after_the_data(cubes: Inputs, origin: str) -> None:
    with pytest.raises(ValidationError) as info:
        forecast_registers(cubes["registers"], origin, 12, "area", "TA23", seed=1)
    assert info.value.field == "origin"


def test_snapshot_v2_has_the_published_2026_figures(cubes: Inputs) -> None:
    ds = cubes["registers"]
    assert ds.attrs["data_through"] == "2026-06"
    june = ds.sel(area="TA23", time="2026-06-01")
    # data/README.md: the TA23 municipalities, 2026M06
    assert june["unemployed"].item() == 3675
    assert june["labour_force"].item() == 32675
    assert june["long_term_unemployed"].item() == 1483
    assert ds["unemployed"].sel(area="491", time="2025-01-01").isnull().item()
    assert ds["unemployed_status"].sel(area="491", time="2025-01-01").item() == 1


@pytest.mark.slow
def test_forecast_from_the_present_reaches_2029_with_special_groups(cubes: Inputs) -> None:
    ds = forecast_registers(cubes["registers"], "latest", 42, "area", "TA23", n_samples=200, seed=1)
    assert ds.attrs["origin"] == "2026-06" and ds.attrs["anchor"] == "2023-10"
    assert "gap_method" in ds.attrs and "special_groups_method" in ds.attrs
    assert pd.Timestamp(ds["time"].values[-1]) == pd.Timestamp("2029-12-01")
    mean = ds["unemployed"].sel(statistic="mean")
    np.testing.assert_allclose(
        mean.sel(area="TA23"), mean.sel(area=geography.members("TA23")).sum("area"), rtol=1e-10
    )
    # the first month continues from 3,675 in 2026-06, not from the 2023 level
    assert 0.85 * 3675 < mean.sel(area="TA23").values[0] < 1.15 * 3675
    long_term = ds["long_term_unemployed"].sel(area="TA23")
    share = long_term.sel(statistic="mean") / mean.sel(area="TA23")
    np.testing.assert_allclose(share, 1483 / 3675, rtol=1e-9)
    width = long_term.sel(statistic="hi80") - long_term.sel(statistic="lo80")
    relative = (width / long_term.sel(statistic="mean")).values
    assert relative[-1] > relative[0]
    for name in ("unemployed", "vacancies", "new_vacancies", "laid_off"):
        da: xr.DataArray = ds[name]
        lo95, lo80, m, hi80, hi95 = (da.sel(statistic=s).values for s in
                                     ("lo95", "lo80", "mean", "hi80", "hi95"))  # fmt: skip
        assert np.all((lo95 <= lo80) & (lo80 <= m) & (m <= hi80) & (hi80 <= hi95))
