"""The vacancy cycle regression (models/forecast/cycle.py) and the quantile CRPS (models/metrics).

Oracles: a panel whose vacancy *rate* reverts to a fixed level (the model must pull a boom
back, closer to the truth than the pooled regression without rates); the exogenous panels
are read only up to the end of ``Y`` (garbage after it changes nothing); the CRPS of a
point forecast is its absolute error, and with many Gaussian quantiles it matches the
closed form of Gneiting & Raftery (2007, eq. 5).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from models.forecast import PooledRegression
from models.forecast.cycle import VacancyCycleRegression
from models.metrics import crps_quantiles


def _rate_panel(n: int = 40, T: int = 180, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Vacancies = labour force x a rate that is AR(1) (0.93 a month) around a fixed level
    per series; the labour force grows 0.2 % a month; every series ends in a boom."""
    rng = np.random.default_rng(seed)
    lf = rng.uniform(2_000, 50_000, n)[:, None] * np.exp(0.002 * np.arange(T))[None, :]
    level = rng.uniform(np.log(0.01), np.log(0.04), n)[:, None]
    dev = np.zeros((n, T))
    for t in range(1, T):
        dev[:, t] = 0.93 * dev[:, t - 1] + rng.normal(0, 0.08, n)
    dev[:, -1] = np.abs(dev[:, -1]) + 0.5
    return lf * np.exp(level + dev), lf


def test_cycle_regression_pulls_a_rate_boom_back() -> None:
    V, lf = _rate_panel()
    h = 12
    exog = {"labour_force": lf, "unemployed": 0.1 * lf}
    cycle = VacancyCycleRegression(max_horizon=h).fit(V, exog=exog).predict(h)
    plain = PooledRegression(max_horizon=h).fit(V).predict(h)
    assert cycle.loc.shape == (V.shape[0], h)
    assert np.all((cycle.lo95 <= cycle.lo80) & (cycle.lo80 <= cycle.mean))
    # truth at the last step: rate deviation decays by 0.93^12, labour force grows
    rate_now = np.log(V[:, -1] / lf[:, -1])
    level = np.log(V / lf)[:, :-1].mean(axis=1)
    truth = np.log(lf[:, -1]) + 0.002 * h + level + (rate_now - level) * 0.93**h
    err_cycle = np.mean(np.abs(cycle.loc[:, -1] - truth))
    err_plain = np.mean(np.abs(plain.loc[:, -1] - truth))
    assert np.mean(cycle.loc[:, -1]) < np.mean(np.log1p(V[:, -1]))  # pulled back
    assert err_cycle < err_plain


def test_cycle_regression_reads_exog_only_up_to_the_origin() -> None:
    V, lf = _rate_panel(n=12, T=100)
    T = 80
    clean = {"labour_force": lf[:, :T], "unemployed": 0.1 * lf[:, :T]}
    noisy = {k: np.concatenate([v, 1e9 * np.ones((12, 20))], axis=1) for k, v in clean.items()}
    a = VacancyCycleRegression(max_horizon=6).fit(V[:, :T], exog=clean).predict(6)
    b = VacancyCycleRegression(max_horizon=6).fit(V[:, :T], exog=noisy).predict(6)
    assert a == b


def test_cycle_regression_validates() -> None:
    V, lf = _rate_panel(n=6, T=60)
    with pytest.raises(ValueError, match="exog"):
        VacancyCycleRegression().fit(V, exog={"labour_force": lf[:, :30]})
    with pytest.raises(ValueError, match="finite"):
        VacancyCycleRegression().fit(np.where(V.mean() < V, np.nan, V))
    with pytest.raises(RuntimeError, match="not fitted"):
        VacancyCycleRegression().predict(3)
    fitted = VacancyCycleRegression(max_horizon=4).fit(V)  # without exog: rate = count
    with pytest.raises(ValueError, match="max_horizon"):
        fitted.predict(5)


PROBS = (0.025, 0.1, 0.5, 0.9, 0.975)


@settings(max_examples=30, deadline=None)
@given(
    y=st.floats(-1e4, 1e4, allow_nan=False),
    q=st.floats(-1e4, 1e4, allow_nan=False),
)
def test_crps_of_a_point_forecast_is_its_absolute_error(y: float, q: float) -> None:
    quantiles = np.full((len(PROBS), 1, 1), q)
    got = crps_quantiles(np.array([[y]]), quantiles, PROBS)
    assert got[0] == pytest.approx(abs(y - q), rel=1e-9, abs=1e-9)


def test_crps_matches_the_gaussian_closed_form() -> None:
    """Gneiting & Raftery (2007), eq. (5): CRPS(N(mu, s), y) = s (z (2 Phi(z) - 1) +
    2 phi(z) - 1 / sqrt(pi)), z = (y - mu) / s; 199 quantile levels suffice for 1 %."""
    probs = np.linspace(0.005, 0.995, 199)
    mu, s = 100.0, 15.0
    y = np.array([[70.0, 100.0, 112.0, 160.0]])
    quantiles = mu + s * stats.norm.ppf(probs)[:, None, None] * np.ones((1, *y.shape))
    z = (y - mu) / s
    exact = s * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    got = np.array([crps_quantiles(y[:, [j]], quantiles[:, :, [j]], probs)[0] for j in range(4)])
    np.testing.assert_allclose(got, exact[0], rtol=0.03)
    # the five published levels: a coarse, low approximation (0.58 x at the median, within
    # 8 % further out), which is why methods are compared on the same five levels only
    five = mu + s * stats.norm.ppf(PROBS)[:, None, None] * np.ones((1, *y.shape))
    coarse = np.array([crps_quantiles(y[:, [j]], five[:, :, [j]], PROBS)[0] for j in range(4)])
    assert np.all(coarse <= exact[0])
    np.testing.assert_allclose(coarse[[0, 2, 3]], exact[0][[0, 2, 3]], rtol=0.08)
    assert coarse[1] / exact[0][1] == pytest.approx(0.58, abs=0.01)


def test_crps_skips_missing_actuals_and_checks_levels() -> None:
    y = np.array([[1.0, np.nan, 3.0]])
    q = np.stack([y - 1, y, y + 1])
    got = crps_quantiles(y, np.nan_to_num(q), PROBS[1:4])
    assert got[0] == pytest.approx(crps_quantiles(y[:, [0, 2]], q[:, :, [0, 2]], PROBS[1:4])[0])
    with pytest.raises(ValueError, match="increasing"):
        crps_quantiles(y, q, (0.5, 0.1, 0.9))


def test_long_share_moves_weight_only_beyond_the_window() -> None:
    from models.forecast import DampedETS, PanelCombination, SeasonalNaive

    rng = np.random.default_rng(3)
    t = np.arange(96)
    Y = rng.poisson(200 * np.exp(0.2 * np.sin(2 * np.pi * t / 12)), (4, 96)).astype(float)
    members = (SeasonalNaive(), DampedETS())
    plain = PanelCombination(models=members, n_windows=2).fit(Y)
    long = PanelCombination(
        models=members, n_windows=2, long_member="DampedETS", long_share=0.5
    ).fit(Y)
    w = long.step_weights(20)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    np.testing.assert_array_equal(w[:, :, :12], plain.step_weights(20)[:, :, :12])
    expected_w = np.broadcast_to(0.5 + 0.5 * plain.weights_[:, 1, None], (4, 8))
    np.testing.assert_allclose(w[:, 1, 12:], expected_w)
    a, b = plain.predict(20), long.predict(20)
    np.testing.assert_array_equal(a.loc[:, :12], b.loc[:, :12])
    ets = long.members_[0]
    ets_loc = np.array([row[1].predict(20).loc for row in ets])
    expected = 0.5 * a.loc[:, 12:] + 0.5 * ets_loc[:, 12:]
    np.testing.assert_allclose(b.loc[:, 12:], expected, rtol=1e-12)


def test_cycle_regression_is_an_sklearn_estimator() -> None:
    from sklearn.base import clone

    model = VacancyCycleRegression(max_horizon=6, momentum=False)
    params = clone(model).get_params()
    assert params == {"season_length": 12, "max_horizon": 6, "ridge": 1e-3, "momentum": False}
    assert model.clone(ridge=0.1).ridge == 0.1
