"""The pooled quantile gradient boosting (models/forecast/boosting.py).

Oracle: a panel of series scattered around fixed seasonal levels with Gaussian noise whose
spread falls with the series' size, so the true quantiles of every future month are known
(``mu_i + season + z_p sigma_i``): the medians must find the levels, the interval widths
must follow ``sigma_i``, and future draws must fall inside the 80 % and 95 % intervals at
about those rates (a distribution test on a seeded panel). The contract is the one every
panel member keeps (shapes, nested non-negative intervals, ``clone``, clear errors).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from models.forecast import Z80, Z95, Forecast, PooledQuantileBoosting
from models.forecast.boosting import QUANTILES, forecast_from_quantiles

SMALL = {"max_rows": 15_000, "max_iter": 60}  # enough for the oracle panel, quick to fit
TINY = {"max_rows": 3_000, "max_iter": 20}  # for the contract only


def _noisy_levels(
    n: int = 80, T: int = 132, h: int = 12, seed: int = 4
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts ``(n, T)``, and the true log-scale median ``(n, h)`` and spread ``(n,)`` of
    the ``h`` months after them: ``log1p(y) = mu_i + 0.2 sin(2 pi t / 12) + sigma_i e``,
    ``sigma_i`` from 0.16 (smallest series) to 0.04 (largest)."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(np.log(200), np.log(5000), n)
    sigma = 0.04 + 0.12 * (mu.max() - mu) / (mu.max() - mu.min())
    t = np.arange(T + h)
    season = 0.2 * np.sin(2 * np.pi * t / 12)
    z = mu[:, None] + season[None, :T] + sigma[:, None] * rng.normal(size=(n, T))
    return np.expm1(z), mu[:, None] + season[None, T:], sigma


def test_boosting_contract() -> None:
    Y, _, _ = _noisy_levels(n=30, T=96)
    model = PooledQuantileBoosting(max_horizon=14, **TINY).fit(Y)
    fc = model.predict(14)
    assert fc.loc.shape == fc.hi95.shape == (30, 14)
    assert np.all(fc.lo95 >= 0)
    assert np.all((fc.lo95 <= fc.lo80) & (fc.lo80 <= fc.mean) & (fc.mean <= fc.hi80))
    assert np.all(fc.hi80 <= fc.hi95)
    q = model.predict_quantiles(14)
    assert q.shape == (len(QUANTILES), 30, 14) and np.all(np.diff(q, axis=0) >= 0)
    np.testing.assert_allclose(fc.loc, q[2])
    assert model.predict(5) == forecast_from_quantiles(q[:, :, :5])  # a prefix of the path
    again = model.clone().fit(Y).predict(14)  # seeded: the same forecast
    assert again == fc
    assert model.fittedvalues_.shape == Y.shape
    assert np.all(np.isnan(model.fittedvalues_[:, :36]))
    assert np.all(np.isfinite(model.fittedvalues_[:, 36:]))


def test_boosting_validates() -> None:
    Y, _, _ = _noisy_levels(n=6, T=60)
    with pytest.raises(ValueError, match="finite"):
        PooledQuantileBoosting().fit(np.where(Y.mean() < Y, np.nan, Y))
    with pytest.raises(ValueError, match="at least 39 months"):
        PooledQuantileBoosting().fit(Y[:, :30])
    with pytest.raises(ValueError, match="parent"):
        PooledQuantileBoosting().fit(Y, parent=np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="national"):
        PooledQuantileBoosting().fit(Y, national=6)
    with pytest.raises(RuntimeError, match="not fitted"):
        PooledQuantileBoosting().predict(3)
    fitted = PooledQuantileBoosting(max_horizon=4, **TINY).fit(Y)
    with pytest.raises(ValueError, match="max_horizon"):
        fitted.predict(5)


def test_boosting_is_an_sklearn_estimator() -> None:
    from sklearn.base import BaseEstimator, clone

    model = PooledQuantileBoosting(max_horizon=6, band_width=3)
    assert isinstance(model, BaseEstimator)
    params = clone(model).get_params()
    assert params["max_horizon"] == 6 and params["band_width"] == 3
    assert model.clone(max_rows=10).max_rows == 10
    assert [list(b) for b in model._bands()] == [[1, 2, 3], [4, 5, 6]]


@pytest.fixture(scope="module")
def oracle() -> tuple[Forecast, np.ndarray, np.ndarray]:
    """The boosting's 12-month forecast of the oracle panel, its true medians and spreads."""
    Y, truth, sigma = _noisy_levels()
    return PooledQuantileBoosting(max_horizon=12, **SMALL).fit(Y).predict(12), truth, sigma


def test_boosting_finds_levels_and_spreads(oracle: tuple[Forecast, np.ndarray, np.ndarray]) -> None:
    """Oracle: the medians sit on the true levels (the noise sd is 0.04-0.16) and the 80 %
    widths follow each series' true spread (small series swing more)."""
    fc, truth, sigma = oracle
    err = np.abs(fc.loc - truth)
    assert np.median(err) < 0.05
    assert np.median(err / sigma[:, None]) < 0.5  # well inside the noise
    width = fc.mult80 * fc.scale  # log-scale half-width of the 80 % interval
    true_width = Z80 * sigma[:, None]
    ratio = np.median(width, axis=1) / true_width[:, 0]
    assert 0.75 < np.median(ratio) < 1.25
    order = np.argsort(sigma)
    quiet, loud = order[:20], order[-20:]  # the model learns who swings more
    assert np.median(width[loud]) > 2 * np.median(width[quiet])


def test_boosting_intervals_cover_future_draws(
    oracle: tuple[Forecast, np.ndarray, np.ndarray],
) -> None:
    """Distribution test: 200 seeded future paths per series; the share of draws inside
    the 80 % and 95 % intervals (19,200 points per path set) is near 0.8 and 0.95. The
    tolerance covers the estimation error of the quantiles, not sampling noise (which is
    below 0.5 %)."""
    fc, truth, sigma = oracle
    rng = np.random.default_rng(99)
    draws = np.expm1(truth + sigma[:, None] * rng.normal(size=(200, *truth.shape)))
    cov80 = np.mean((draws >= fc.lo80) & (draws <= fc.hi80))
    cov95 = np.mean((draws >= fc.lo95) & (draws <= fc.hi95))
    assert 0.74 < cov80 < 0.86
    assert 0.91 < cov95 < 0.98
    below = np.mean(draws < fc.mean)
    assert 0.42 < below < 0.58


@settings(max_examples=50, deadline=None)
@given(
    q=arrays(
        float,
        (len(QUANTILES), 3, 4),
        elements=st.floats(-5, 12, allow_nan=False, allow_infinity=False),
    )
)
def test_quantiles_to_forecast_sorts_and_keeps_the_widths(q: np.ndarray) -> None:
    """Crossing quantiles are sorted; the forecast's median is the middle one and its
    log-scale 80 % / 95 % half-widths are the means of the learnt lower and upper ones."""
    fc = forecast_from_quantiles(q)
    s = np.sort(q, axis=0)
    np.testing.assert_allclose(fc.loc, s[2])
    np.testing.assert_allclose(fc.mult80 * fc.scale, (s[3] - s[1]) / 2, atol=1e-9)
    np.testing.assert_allclose(fc.mult95 * fc.scale, (s[4] - s[0]) / 2, atol=1e-9)
    assert np.all((fc.lo95 <= fc.lo80) & (fc.lo80 <= fc.mean) & (fc.mean <= fc.hi80))
    assert np.all(fc.hi80 <= fc.hi95)


def test_gaussian_quantiles_give_the_gaussian_forecast() -> None:
    """Reference: quantiles of N(loc, scale) at the published levels give back ``scale``
    and the multipliers 1.2816 / 1.9600."""
    from scipy import stats

    loc, scale = np.array([[3.0, 5.0]]), np.array([[0.1, 0.3]])
    q = loc + scale * stats.norm.ppf(QUANTILES)[:, None, None]
    fc = forecast_from_quantiles(q)
    np.testing.assert_allclose(fc.scale, scale)
    np.testing.assert_allclose(fc.mult80, Z80)
    np.testing.assert_allclose(fc.mult95, Z95)


def test_boosting_takes_the_pooled_slot_of_a_panel_combination() -> None:
    """Same ``fit(Y, parent, national)`` / ``predict(h)`` / ``fittedvalues_`` contract as
    the pooled ridge: it can stand in the panel's pooled slot (weights stacked over it)."""
    from models.forecast import PanelCombination

    Y, _, _ = _noisy_levels(n=12, T=96)
    boost = PooledQuantileBoosting(max_horizon=24, **TINY)
    panel = PanelCombination(n_windows=2).set_params(pooled=boost).fit(Y)
    assert panel.weights_.shape == (12, 5)
    assert panel.member_names_[-1] == "PooledQuantileBoosting"  # named as what it is
    np.testing.assert_allclose(panel.weights_.sum(axis=1), 1.0)
    fc = panel.predict(24)
    assert fc.mean.shape == (12, 24) and np.all(np.isfinite(fc.hi95))
