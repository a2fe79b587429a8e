"""The forecaster contract for every model, and reference values from statsmodels.

The contract test follows statsforecast's ``tests/test_models.py::assert_class``: each model
must give ``fit(y).predict(h) == forecast(y, h)``, nested non-negative intervals and the
right lengths. Re-implemented recursions are checked against statsmodels at the same
parameters (statsmodels 0.14/0.15: ``ETSModel``, ``SARIMAX``, ``ThetaModel`` and the ETS
initialisation helpers).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.forecast import (
    BaseForecaster,
    Combination,
    DampedDrift,
    DampedETS,
    Forecast,
    PanelCombination,
    PooledRegression,
    SeasonalARIMA,
    SeasonalNaive,
    Theta,
)
from models.forecast.ets import heuristic_initial_states, simple_initial_states
from models.metrics import coverage, mase, seasonal_scale, smape, winkler


def _counts(n: int = 120, seed: int = 0, level: float = 400.0) -> np.ndarray:
    """A seasonal count series with a slow cycle and Poisson noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    mu = level * np.exp(0.25 * np.sin(2 * np.pi * t / 12) + 0.2 * np.sin(2 * np.pi * t / 70))
    return rng.poisson(mu).astype(float)


MODELS = [
    SeasonalNaive(),
    DampedETS(),
    DampedETS(trend=False),
    SeasonalARIMA(),
    Theta(),
    Combination(n_windows=2),
    DampedDrift(),
]


@pytest.mark.parametrize("model", MODELS, ids=repr)
@pytest.mark.parametrize("h", [1, 13, 36])
def test_forecaster_contract(model: BaseForecaster, h: int) -> None:
    y = _counts(seed=h)
    fitted = model.clone().fit(y)
    via_fit = fitted.predict(h)
    via_forecast = model.forecast(y, h)
    assert via_fit == via_forecast
    assert not hasattr(model, "n_obs_"), "forecast() must not fit the template in place"
    for name in ("mean", "lo80", "hi80", "lo95", "hi95", "loc", "scale"):
        values = getattr(via_fit, name)
        assert values.shape == (h,)
        assert np.all(np.isfinite(values))
        assert not values.flags.writeable
    assert np.all(via_fit.lo95 >= 0)
    assert np.all(via_fit.lo95 <= via_fit.lo80)
    assert np.all(via_fit.lo80 <= via_fit.mean)
    assert np.all(via_fit.mean <= via_fit.hi80)
    assert np.all(via_fit.hi80 <= via_fit.hi95)
    assert np.all(np.diff(via_fit.scale) >= -1e-12), "log-scale spread must not shrink with h"
    assert fitted.fittedvalues_.shape == y.shape
    assert np.isfinite(fitted.sigma_) and fitted.sigma_ > 0


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_forecaster_rejects_bad_input(model: BaseForecaster) -> None:
    y = _counts()
    with pytest.raises(RuntimeError, match="not fitted"):
        model.clone().predict(3)
    for bad in (
        np.r_[y[:-1], np.nan],
        np.r_[y[:-1], -1.0],
        y.reshape(2, -1),
        y[: model.min_length - 1],
    ):
        with pytest.raises(ValueError):
            model.clone().fit(bad)
    for h in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="h must be"):
            model.clone().fit(y).predict(h)  # type: ignore[arg-type]


def test_forecast_is_immutable() -> None:
    fc = SeasonalNaive().forecast(_counts(), 12)
    with pytest.raises(AttributeError):
        fc.mean = np.zeros(12)  # type: ignore[misc]
    with pytest.raises(ValueError):
        fc.mean[0] = 1.0


def test_recalibrated_widens_intervals_only() -> None:
    fc = DampedETS().forecast(_counts(), 12)
    wide = fc.recalibrated(2.0, 3.0)
    np.testing.assert_allclose(wide.mean, fc.mean)
    assert np.all(wide.hi95 >= fc.hi95) and np.all(wide.lo80 <= fc.lo80)
    with pytest.raises(ValueError, match="point"):
        Forecast.from_log(fc.loc, fc.scale, point="mode")


def test_point_mean_is_lognormal_mean() -> None:
    loc, scale = np.array([3.0, 4.0]), np.array([0.1, 0.5])
    fc = Forecast.from_log(loc, scale, point="mean")
    np.testing.assert_allclose(fc.mean, np.exp(loc + scale**2 / 2) - 1)
    np.testing.assert_allclose(Forecast.from_log(loc, scale).mean, np.expm1(loc))


def test_damped_drift_by_hand() -> None:
    y = np.expm1(np.array([10.0, 10.1, 10.3, 10.4, 10.6, 10.7]))
    fc = DampedDrift(phi=0.5, window=3).fit(y).predict(2)
    drift = 0.1  # median of the last three changes 0.1, 0.2, 0.1
    np.testing.assert_allclose(fc.loc, [10.7 + drift * 0.5, 10.7 + drift * 0.75])


def test_seasonal_naive_by_hand() -> None:
    y = np.tile(np.arange(1.0, 13.0), 3)
    y[-1] = 30.0
    model = SeasonalNaive().fit(y)
    fc = model.predict(14)
    np.testing.assert_allclose(fc.mean[:12], y[-12:])
    np.testing.assert_allclose(fc.mean[12:], y[-12:-10])
    z = np.log1p(y)
    sigma = np.sqrt(np.mean((z[12:] - z[:-12]) ** 2))
    np.testing.assert_allclose(fc.scale, sigma * np.sqrt([1.0] * 12 + [2.0] * 2))


# --- ETS against statsmodels -------------------------------------------------------------


def _log_series(n: int = 96, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 5 + 0.01 * t + 0.3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.05, n)


def test_ets_recursion_matches_statsmodels() -> None:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    z = _log_series()
    params = (0.3, 0.05, 0.1, 0.9)
    ours = DampedETS(params=params, initialization="simple").fit(np.expm1(z))
    init = ours.init_
    ref = ETSModel(
        pd.Series(z),
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=12,
        initialization_method="known",
        initial_level=init[0],
        initial_trend=init[1],
        initial_seasonal=init[2:],
    ).smooth(list(params))
    np.testing.assert_allclose(ours.fittedvalues_, ref.fittedvalues, rtol=1e-12)
    fc = ours.predict(24)
    np.testing.assert_allclose(fc.loc, ref.forecast(24), rtol=1e-12)
    # analytic variances (statsmodels: var_h = sigma2 * factor_h for class-1 models)
    pred = ref.get_prediction(start=len(z), end=len(z) + 23)
    ratio_ref = pred.var_pred_mean / pred.var_pred_mean[0]
    np.testing.assert_allclose((fc.scale / fc.scale[0]) ** 2, ratio_ref, rtol=1e-8)


@pytest.mark.parametrize(
    ("ours", "name"),
    [
        (simple_initial_states, "_initialization_simple"),
        (heuristic_initial_states, "_initialization_heuristic"),
    ],
)
def test_ets_initial_states_match_statsmodels(ours: Callable[..., np.ndarray], name: str) -> None:
    from statsmodels.tsa.exponential_smoothing import initialization

    z = _log_series()
    level, trend, season = getattr(initialization, name)(
        z, trend="add", seasonal="add", seasonal_periods=12
    )
    np.testing.assert_allclose(ours(z, 12, True), np.r_[level, trend, season], rtol=1e-10)


def test_ets_estimates_close_to_statsmodels_fit() -> None:
    """Nelder–Mead on the SSE should fit at least as well as statsmodels' MLE of the same model."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    z = _log_series(n=144, seed=3)
    ours = DampedETS().fit(np.expm1(z))
    init = ours.init_
    ref = ETSModel(
        z,
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=12,
        initialization_method="known",
        initial_level=init[0],
        initial_trend=init[1],
        initial_seasonal=init[2:],
        bounds={"damping_trend": (0.8, 0.98)},
    ).fit(disp=False)
    sse_ours = np.sum((z - ours.fittedvalues_) ** 2)
    sse_ref = np.sum(ref.resid**2)
    assert sse_ours <= sse_ref * (1 + 1e-3)


# --- airline ARIMA against statsmodels ---------------------------------------------------


def _airline_series(
    n: int = 240, theta: float = -0.4, sth: float = -0.6, seed: int = 2
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.normal(0, 0.05, n + 13)
    w = e[13:] + theta * e[12:-1] + sth * e[1:-12] + theta * sth * e[:-13]
    z = np.zeros(n)
    z[:13] = 5 + 0.2 * np.sin(2 * np.pi * np.arange(13) / 12)
    for t in range(13, n):
        z[t] = z[t - 1] + z[t - 12] - z[t - 13] + w[t]
    return z


def test_airline_forecast_matches_statsmodels_at_same_params() -> None:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    z = _airline_series()
    ours = SeasonalARIMA(params=(-0.4, -0.6)).fit(np.expm1(z))
    ref = SARIMAX(z, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).filter(
        [-0.4, -0.6, ours.sigma_**2]
    )
    fc = ours.predict(36)
    # CSS (zero pre-sample errors) and the Kalman filter differ only in start-up effects,
    # which have died out after 240 observations at these MA coefficients.
    np.testing.assert_allclose(fc.loc, ref.forecast(36), rtol=1e-6)
    var_ref = ref.get_forecast(36).var_pred_mean
    np.testing.assert_allclose(fc.scale**2, var_ref, rtol=1e-6)


@pytest.mark.parametrize("seed", [5, 6])
def test_airline_css_estimates_match_statsforecast(seed: int) -> None:
    """statsmodels has no CSS estimator; statsforecast's ``ARIMA(method="CSS")`` is the same one."""
    sf_models = pytest.importorskip("statsforecast.models")
    z = _airline_series(seed=seed)
    ours = SeasonalARIMA().fit(np.expm1(z))
    ref = sf_models.ARIMA(
        order=(0, 1, 1), seasonal_order=(0, 1, 1), season_length=12, method="CSS"
    ).fit(z)
    np.testing.assert_allclose(
        ours.params_, [ref.model_["coef"]["ma1"], ref.model_["coef"]["sma1"]], atol=1e-4
    )


# --- Theta against statsmodels -----------------------------------------------------------


def test_theta_matches_statsmodels() -> None:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    z = np.log1p(_counts(n=132, seed=4))
    ref = ThetaModel(z, period=12, deseasonalize=True, method="additive", use_test=False).fit()
    alpha = float(ref.params["alpha"])
    ours = Theta(alpha=alpha).fit(np.expm1(z))
    np.testing.assert_allclose(ours.b0_, ref.params["b0"], rtol=1e-10)
    np.testing.assert_allclose(ours.predict(30).loc, ref.forecast(30), rtol=1e-10)
    estimated = Theta().fit(np.expm1(z))
    np.testing.assert_allclose(estimated.alpha_, alpha, atol=0.02)


# --- combination -------------------------------------------------------------------------


def test_combination_weights_from_inner_backtests() -> None:
    y = np.tile(np.r_[50.0, 80, 120, 90, 60, 40, 30, 35, 70, 100, 110, 70], 8)
    model = Combination(weighting="best", n_windows=3).fit(y)
    # a series that repeats exactly is forecast without error by the seasonal naive
    np.testing.assert_allclose(model.weights_, [1.0, 0.0, 0.0, 0.0])
    assert model.backtest_mae_.shape == (3, 4)
    np.testing.assert_allclose(model.predict(12).mean, y[-12:], rtol=1e-12)


def test_combination_backtests_are_the_last_blocks() -> None:
    y = _counts(n=96, seed=8)
    model = Combination(n_windows=2, window=12).fit(y)
    for row, cut in enumerate((84, 72)):
        for col, member in enumerate(model._templates()):
            fc = member.forecast(y[:cut], 12)
            expected = np.mean(np.abs(fc.mean - y[cut : cut + 12]))
            np.testing.assert_allclose(model.backtest_mae_[row, col], expected, rtol=1e-12)
    inv = 1.0 / model.backtest_mae_.mean(axis=0)
    np.testing.assert_allclose(model.weights_, inv / inv.sum(), rtol=1e-12)
    assert model.backtest_z_.shape == (2, 12)


# --- metrics (reference values worked out by hand, and utilsforecast where it has the metric)


def test_mase_by_hand() -> None:
    train = np.r_[np.arange(12.0), np.arange(12.0) + 2.0]  # every seasonal difference is 2
    np.testing.assert_allclose(seasonal_scale(train), 2.0)
    np.testing.assert_allclose(mase([10.0, 10.0], [11.0, 7.0], train), 1.0)
    np.testing.assert_allclose(mase([10.0, np.nan], [11.0, 7.0], train), 0.5)


def test_mase_matches_utilsforecast() -> None:
    losses = pytest.importorskip("utilsforecast.losses")
    rng = np.random.default_rng(0)
    train, test, pred = rng.poisson(50, 36).astype(float), rng.poisson(50, 6), rng.normal(50, 5, 6)
    df = pd.DataFrame({"unique_id": 0, "ds": np.arange(36, 42), "y": test, "m": pred})
    train_df = pd.DataFrame({"unique_id": 0, "ds": np.arange(36), "y": train})
    ref = losses.mase(df, ["m"], seasonality=12, train_df=train_df)["m"].iloc[0]
    np.testing.assert_allclose(mase(test, pred, train), ref, rtol=1e-12)
    ref_smape = losses.smape(df, ["m"])["m"].iloc[0]
    np.testing.assert_allclose(smape(test, pred), 200.0 * ref_smape, rtol=1e-12)


def test_smape_coverage_winkler_by_hand() -> None:
    np.testing.assert_allclose(smape([100.0, 0.0], [110.0, 0.0]), 100.0 * 10 / 210)
    y = np.array([1.0, 5.0, 9.0, np.nan])
    lo, hi = np.full(4, 2.0), np.full(4, 8.0)
    np.testing.assert_allclose(coverage(y, lo, hi), 1 / 3)
    # alpha = 0.2: width 6 each; misses of 1 below and 1 above cost 2 / 0.2 = 10 each
    np.testing.assert_allclose(winkler(y, lo, hi, 0.8), (16 + 6 + 16) / 3)
    with pytest.raises(ValueError, match="level"):
        winkler(y, lo, hi, 80)


# --- pooled (global) regression and the panel combination ---------------------------------


def _panel(n: int = 30, T: int = 120, seed: int = 9) -> np.ndarray:
    """Series sharing a seasonal profile and a common growth of 0.5 % a month."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    season = 0.2 * np.sin(2 * np.pi * t / 12)
    size = rng.uniform(np.log(50), np.log(5000), n)[:, None]
    z = size + 0.005 * t + season + rng.normal(0, 0.02, (n, T))
    return np.expm1(z)


def test_pooled_regression_learns_shared_dynamics() -> None:
    Y = _panel()
    train, test = Y[:, :108], Y[:, 108:]
    fc = PooledRegression(max_horizon=12).fit(train).predict(12)
    assert fc.loc.shape == fc.hi95.shape == (30, 12)
    assert np.all((fc.lo95 <= fc.lo80) & (fc.lo80 <= fc.mean) & (fc.mean <= fc.hi80))
    rel_error = np.abs(np.log1p(test) - fc.loc)
    assert np.median(rel_error) < 0.03  # noise sd is 0.02
    naive = np.abs(np.log1p(test) - np.log1p(train[:, -12:]))
    assert np.mean(rel_error) < 0.8 * np.mean(naive)  # it learnt the growth the naive misses


def test_pooled_regression_validates() -> None:
    Y = _panel()
    with pytest.raises(ValueError, match="finite"):
        PooledRegression().fit(np.where(Y > 100, np.nan, Y))
    model = PooledRegression(max_horizon=6).fit(Y)
    with pytest.raises(ValueError, match="max_horizon"):
        model.predict(7)
    with pytest.raises(RuntimeError, match="not fitted"):
        PooledRegression().predict(3)


def test_panel_combination_matches_single_series_combination() -> None:
    Y = _panel(n=3, T=96)
    panel = PanelCombination(n_windows=2).fit(Y)
    for i in range(3):
        single = Combination(n_windows=2).fit(Y[i])
        np.testing.assert_allclose(panel.weights_[i], single.weights_)
        np.testing.assert_allclose(panel.predict(12).loc[i], single.predict(12).loc)


def test_panel_combination_with_pooled_member() -> None:
    Y = _panel(n=12, T=96)
    panel = PanelCombination(pooled=PooledRegression()).fit(Y)
    assert panel.member_names_[-1] == "PooledRegression"
    assert panel.weights_.shape == (12, 5)
    np.testing.assert_allclose(panel.weights_.sum(axis=1), 1.0)
    fc = panel.predict(36)
    assert fc.mean.shape == (12, 36) and np.all(np.isfinite(fc.hi95))
    assert panel.backtest_z_.shape == (12, 3, 12)


def test_panel_combination_targets_borrow_from_the_whole_panel() -> None:
    Y = _panel(n=12, T=96)
    full = PanelCombination(pooled=PooledRegression()).fit(Y)
    some = PanelCombination(pooled=PooledRegression()).fit(Y, targets=np.array([2, 5]))
    np.testing.assert_allclose(some.weights_, full.weights_[[2, 5]])
    np.testing.assert_allclose(some.predict(24).loc, full.predict(24).loc[[2, 5]])
    assert some.fittedvalues_.shape == (2, 96)


def test_stacked_weights_solve_the_simplex_least_squares() -> None:
    from scipy.optimize import minimize

    from models.forecast.panel import stacked_weights

    rng = np.random.default_rng(11)
    truth = np.log1p(rng.poisson(200, (40, 3, 12)).astype(float))
    locs = np.stack(
        [
            truth + rng.normal(bias, sd, truth.shape)
            for bias, sd in ((0.0, 0.05), (0.1, 0.02), (-0.05, 0.2), (0.3, 0.3))
        ],
        axis=2,
    )
    w = stacked_weights(locs, np.expm1(truth))
    A = np.moveaxis(locs, 2, -1).reshape(-1, 4)
    b = truth.reshape(-1)
    ref = minimize(
        lambda v: np.sum((b - v[4] - A @ v[:4]) ** 2),
        np.r_[np.full(4, 0.25), 0.0],
        method="SLSQP",
        bounds=[(0, 1)] * 4 + [(None, None)],
        constraints={"type": "eq", "fun": lambda v: v[:4].sum() - 1},
        options={"ftol": 1e-14, "maxiter": 500},
    ).x
    np.testing.assert_allclose(w, ref[:4], atol=1e-4)
    assert np.all(w >= 0) and np.isclose(w.sum(), 1.0)
    assert w[3] < 0.05  # the biased, noisy member gets (almost) nothing


def test_interval_multipliers_calibrate_95_on_the_worst_block() -> None:
    """Blocks share their shocks: one stormy block of three sets the 95 % multiplier alone,
    the 80 % one stays the pooled quantile, and calm errors keep the Gaussian floor."""
    from models.forecast._base import Z80, Z95
    from models.forecast.hierarchy import interval_multipliers

    rng = np.random.default_rng(3)
    calm = rng.standard_normal((100, 3, 12)) * 0.6
    m80, m95 = interval_multipliers(calm, 14)
    np.testing.assert_allclose(m80, Z80)
    np.testing.assert_allclose(m95, Z95)
    assert m80.shape == m95.shape == (14,)

    stormy = calm.copy()
    stormy[:, 1] = rng.standard_normal((100, 12)) * 1.3  # 2.2 times calm: no outlier
    m80, m95 = interval_multipliers(stormy, 12)
    for h in (0, 5, 11):
        near = np.abs(stormy[:, :, max(h - 1, 0) : h + 2])
        assert m95[h] == pytest.approx(np.quantile(near[:, 1], 0.95))
        assert m80[h] == pytest.approx(max(np.quantile(near, 0.8), Z80))
        assert m95[h] > np.quantile(near, 0.95)  # wider than the pooled quantile


def test_an_outlier_block_is_scaled_down_to_the_fence() -> None:
    """A 2020-like block (its |z| 0.95 quantile 20 times the others') counts as the fence,
    ``OUTLIER_RATIO`` x the median of the blocks' 0.95 quantiles, for both multipliers; the
    2023-10 anchor had 8-14 against a median of 1.7 (docs/methods/registers.md)."""
    from models.forecast.hierarchy import OUTLIER_RATIO, block_weights, interval_multipliers

    rng = np.random.default_rng(5)
    z = rng.standard_normal((60, 8, 12)) * np.linspace(1.0, 1.6, 8)[None, :, None]
    spiked = z.copy()
    spiked[:, 3] *= 20.0
    m80, m95 = interval_multipliers(spiked, 12)
    for h in (0, 6, 11):
        near = np.abs(spiked[:, :, max(h - 1, 0) : h + 2])
        q = np.array([np.quantile(near[:, b], 0.95) for b in range(8)])
        weights = block_weights(near)
        assert weights[3] == pytest.approx(OUTLIER_RATIO * np.median(q) / q[3])
        np.testing.assert_array_equal(np.delete(weights, 3), 1.0)
        assert m95[h] == pytest.approx(OUTLIER_RATIO * np.median(q))
        assert m95[h] < 0.2 * q[3]
        scaled = near * weights[None, :, None]
        assert m80[h] == pytest.approx(max(np.quantile(scaled, 0.8), 1.2815515655446004))
    plain = interval_multipliers(z, 12)  # no outlier: as before (the block maximum)
    for h in (0, 6, 11):
        near = np.abs(z[:, :, max(h - 1, 0) : h + 2])
        np.testing.assert_array_equal(block_weights(near), 1.0)
        assert plain[1][h] == pytest.approx(max(np.quantile(near[:, b], 0.95) for b in range(8)))


@settings(max_examples=40, deadline=None)
@given(
    spread=st.lists(st.floats(0.2, 30.0), min_size=1, max_size=8),
    seed=st.integers(0, 2**16),
)
def test_outlier_scaling_never_widens_and_caps_the_95_multiplier(
    spread: list[float], seed: int
) -> None:
    import models.forecast.hierarchy as hierarchy

    z = np.random.default_rng(seed).standard_normal((20, len(spread), 12))
    z *= np.asarray(spread)[None, :, None]
    new80, new95 = hierarchy.interval_multipliers(z, 12)
    weights = np.stack([hierarchy.block_weights(np.abs(z[:, :, max(h - 1, 0) : h + 2]))
                        for h in range(12)])  # fmt: skip
    assert np.all((weights > 0) & (weights <= 1))
    if len(spread) < 3:
        np.testing.assert_array_equal(weights, 1.0)
    try:
        hierarchy.OUTLIER_RATIO, kept = float("inf"), hierarchy.OUTLIER_RATIO
        old80, old95 = hierarchy.interval_multipliers(z, 12)
    finally:
        hierarchy.OUTLIER_RATIO = kept
    assert np.all(new80 <= old80 + 1e-12) and np.all(new95 <= old95 + 1e-12)
    untouched = np.all(weights == 1.0, axis=1)
    np.testing.assert_array_equal(new95[untouched], old95[untouched])


def test_panel_combination_weights_from_the_recent_blocks_only() -> None:
    """Extra (older) blocks feed backtest_z_ but leave the weights of the recent ones."""
    from models.forecast.panel import stacked_weights

    Y = _panel(n=6, T=120)
    recent = PanelCombination(n_windows=2, weighting="stacked").fit(Y)
    longer = PanelCombination(n_windows=5, weight_windows=2, weighting="stacked").fit(Y)
    np.testing.assert_allclose(longer.weights_, recent.weights_)
    assert longer.backtest_z_.shape == (6, 5, 12) and recent.backtest_z_.shape == (6, 2, 12)
    np.testing.assert_array_equal(longer.backtest_cut_, [108, 96, 84, 72, 60])
    np.testing.assert_allclose(longer.backtest_z_[:, :2], recent.backtest_z_)
    every = stacked_weights(longer.backtest_loc_, longer.backtest_actual_)
    assert not np.allclose(every, longer.weights_[0])  # all five blocks would differ


@pytest.mark.parametrize(
    "model", [*MODELS, PooledRegression(max_horizon=6), PanelCombination()], ids=repr
)
def test_estimators_are_sklearn_estimators(model: object) -> None:
    """The base is scikit-learn's ``BaseEstimator``: ``sklearn.base.clone`` gives an unfitted
    copy with equal parameters, ``set_params`` changes one, ``clone(**changes)`` agrees."""
    from sklearn.base import BaseEstimator, clone

    assert isinstance(model, BaseEstimator)
    copy = clone(model)
    assert type(copy) is type(model) and copy is not model
    assert repr(copy.get_params(deep=False)) == repr(model.get_params(deep=False))
    name = next(iter(model.get_params(deep=False)))
    value = model.get_params(deep=False)[name]
    assert repr(model.clone(**{name: value}).get_params()) == repr(model.get_params())


def test_pooled_reversion_pulls_a_boom_back() -> None:
    """With ``reversion=True`` the pooled model learns that a level far above its long-run
    mean falls back: a panel of mean-reverting series (AR(1) around a fixed level) that
    ends high is forecast lower 12 months on, and closer to the truth than without."""
    rng = np.random.default_rng(11)
    n, T = 40, 180
    level = rng.uniform(4, 7, n)[:, None]
    dev = np.zeros((n, T))
    for t in range(1, T):
        dev[:, t] = 0.93 * dev[:, t - 1] + rng.normal(0, 0.08, n)
    dev[:, -1] = np.abs(dev[:, -1]) + 0.5  # every series ends in a boom
    Y = np.expm1(level + dev)
    plain = PooledRegression(max_horizon=12).fit(Y).predict(12)
    rev = PooledRegression(max_horizon=12, reversion=True).fit(Y).predict(12)
    assert rev.loc.shape == (n, 12)
    truth = level[:, 0] + dev[:, -1] * 0.93**12
    assert np.mean(rev.loc[:, -1]) < np.mean(plain.loc[:, -1])
    assert np.mean(np.abs(rev.loc[:, -1] - truth)) < np.mean(np.abs(plain.loc[:, -1] - truth))
