"""The fast paths of the forecast models give the numbers of the plain code, bit for bit.

The register backtests fit about 13,000 member models per origin and variable, so the
members' hot spots take shortcuts: the seasonal indices without a loop over the seasons,
the pooled member's design built in place from features computed once per fit,
the Theta line's design cached per length, the ETS recursion without an integer division
per step, Nelder–Mead sorting its simplex in place, and the panel checking each series
once and skipping the interval bounds of member forecasts it does not use; the filter that
conditions a forecast on the months after a gap solves its fixed system once per
observation instead of once per month. The published
numbers must not move, so each shortcut is compared with the straightforward code it
replaced (written out here) with exact equality.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from models._kernels.ets import ets_filter, ets_objective
from models._kernels.optim import KIND_AIRLINE, KIND_ETS, evaluate, nelder_mead
from models.forecast import DampedETS, PanelCombination, SeasonalARIMA, SeasonalNaive, Theta
from models.forecast._seasonal import seasonal_indices
from models.forecast.gap import _filter_series
from models.forecast.pooled import (
    SIZE_CENTRE,
    SIZE_SCALE,
    _design,
    _expanding_mean,
    _rolling_mean,
    _series_features,
)
from models.forecast.theta import _ols_slope

FINITE = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def _seasonal_indices_loop(z: np.ndarray, m: int) -> np.ndarray:
    """The classical decomposition as first written: ``np.nanmean`` per season."""
    n = z.shape[0]
    half = m // 2
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.full(n, np.nan)
    trend[half : n - half] = np.convolve(z, weights, mode="valid")
    detrended = z - trend
    means = np.array([np.nanmean(detrended[j::m]) for j in range(m)])
    return means - means.mean()


@settings(max_examples=100, deadline=None)
@given(st.data(), st.sampled_from([2, 3, 4, 7, 12]))
def test_seasonal_indices_equal_the_loop_over_seasons(data: st.DataObject, m: int) -> None:
    n = data.draw(st.integers(2 * m + 2, 300))
    z = data.draw(hnp.arrays(np.float64, n, elements=FINITE))
    holes = data.draw(st.lists(st.integers(0, n - 1), max_size=3))
    z[holes] = np.nan
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a season of NaN only: its mean
        expected = _seasonal_indices_loop(z, m)
        got = seasonal_indices(z, m)
    np.testing.assert_array_equal(got, expected)


def test_seasonal_indices_of_a_register_like_series_equal_the_loop() -> None:
    """A fixed case (log counts, 197 months: 5 seasons with one value more), where rows
    laid out in Fortran order had summed in another order (differences of 1e-12)."""
    rng = np.random.default_rng(7)
    t = np.arange(197)
    z = np.log1p(500 * np.exp(0.3 * np.sin(2 * np.pi * t / 12)) + rng.poisson(40, t.size))
    np.testing.assert_array_equal(seasonal_indices(z, 12), _seasonal_indices_loop(z, 12))


@settings(max_examples=100, deadline=None)
@given(st.integers(3, 400), st.integers(0, 2**32 - 1))
def test_theta_slope_equals_polyfit(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * 10.0 ** rng.integers(-3, 3) + 0.01 * rng.normal() * np.arange(n)
    assert _ols_slope(x) == float(np.polyfit(np.arange(n, dtype=float), x, 1)[0])


def _ets_filter_modulo(y, params, init, m, clip):
    """The ETS recursion with ``t % m`` per step (the kernel keeps a counter)."""
    alpha, beta, gamma, phi = params
    level, trend, season = init[0], init[1], list(init[2:])
    sse, fitted = 0.0, np.empty(y.shape[0])
    for t in range(y.shape[0]):
        j = t % m
        yhat = level + phi * trend + season[j]
        fitted[t] = yhat
        err = y[t] - yhat
        if not np.isfinite(err):
            err = 0.0
        if abs(err) > clip:
            sse += 2.0 * clip * abs(err) - clip * clip
            err = clip if err > 0 else -clip
        else:
            sse += err * err
        level = level + phi * trend + alpha * err
        trend = phi * trend + beta * err
        season[j] += gamma * err
    state = [level, trend] + [season[(y.shape[0] + j) % m] for j in range(m)]
    return sse, fitted, np.array(state)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([1, 4, 12]), st.integers(30, 150), st.integers(0, 2**32 - 1))
def test_ets_filter_equals_the_recursion_with_modulo(m: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = np.log1p(rng.poisson(200, n).astype(float))
    y[rng.integers(0, n)] = np.nan
    params = np.array([rng.uniform(0.05, 0.9), rng.uniform(0, 0.1), rng.uniform(0, 0.3), 0.95])
    init = np.r_[y[1], 0.01, rng.normal(0, 0.1, m)] if m > 1 else np.r_[y[1], 0.01, 0.0]
    clip = float(rng.choice([np.inf, 0.05]))
    fitted, state = np.empty(n), np.empty(2 + m)
    sse = ets_filter(y, params, init, m, clip, fitted, state)
    want_sse, want_fitted, want_state = _ets_filter_modulo(y, params, init, m, clip)
    assert sse == want_sse
    np.testing.assert_array_equal(fitted, want_fitted)
    np.testing.assert_array_equal(state, want_state)


def _nelder_mead_argsort(kind, x0, step, y, init, flags, cfg, work, max_iter, ftol):
    """Nelder–Mead as first written (``argsort`` and array expressions per iteration)."""
    k = x0.shape[0]
    simplex = np.empty((k + 1, k))
    fvals = np.empty(k + 1)
    for i in range(k + 1):
        simplex[i] = x0
        if i > 0:
            simplex[i, i - 1] += step
        fvals[i] = evaluate(kind, simplex[i], y, init, flags, cfg, work)
    for _ in range(max_iter):
        order = np.argsort(fvals, kind="stable")
        simplex, fvals = simplex[order], fvals[order]
        if fvals[k] - fvals[0] <= ftol * (abs(fvals[0]) + 1e-10):
            break
        centroid = np.array([sum(simplex[:k, j], 0.0) / k for j in range(k)])
        trial = 2.0 * centroid - simplex[k]
        f_r = evaluate(kind, trial, y, init, flags, cfg, work)
        if f_r < fvals[0]:
            trial2 = 3.0 * centroid - 2.0 * simplex[k]
            f_e = evaluate(kind, trial2, y, init, flags, cfg, work)
            simplex[k], fvals[k] = (trial2, f_e) if f_e < f_r else (trial, f_r)
            continue
        if f_r < fvals[k - 1]:
            simplex[k], fvals[k] = trial, f_r
            continue
        if f_r < fvals[k]:
            trial2 = centroid + 0.5 * (trial - centroid)
        else:
            trial2 = centroid + 0.5 * (simplex[k] - centroid)
        f_c = evaluate(kind, trial2, y, init, flags, cfg, work)
        if f_c < min(f_r, fvals[k]):
            simplex[k], fvals[k] = trial2, f_c
            continue
        for i in range(1, k + 1):
            simplex[i] = simplex[0] + 0.5 * (simplex[i] - simplex[0])
            fvals[i] = evaluate(kind, simplex[i], y, init, flags, cfg, work)
    best = int(np.argmin(fvals))
    return simplex[best], fvals[best]


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["ets4", "ets1", "airline"]), st.integers(0, 2**32 - 1))
def test_nelder_mead_follows_the_argsort_version(model: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 160))
    t = np.arange(n)
    y = np.log1p(300 * np.exp(0.3 * np.sin(2 * np.pi * t / 12)) + rng.poisson(30, n))
    if model == "airline":
        kind, x0, step, init = KIND_AIRLINE, np.array([-0.3, -0.5]), 0.5, np.empty(0)
        flags, work = np.array([12, 0, 0]), np.empty(n)
    else:
        m = 12 if model == "ets4" else 1
        kind, step = KIND_ETS, 1.0
        x0 = np.array([-1.0, -1.0, -1.0, 0.5]) if m == 12 else np.array([0.0])
        init = np.r_[y[:12].mean(), 0.0, y[:12] - y[:12].mean()] if m == 12 else np.r_[y[0], 0, 0]
        flags = np.array([m, int(m == 12), int(m == 12)])
        work = np.empty(4 + n + 2 + m)
    cfg = np.array([float(rng.choice([np.inf, 0.1])), 0.2])
    out = np.empty_like(x0)
    value = nelder_mead(kind, x0.copy(), step, y, init, flags, cfg, work, 300, 1e-10, out)
    want_x, want_value = _nelder_mead_argsort(
        kind, x0.copy(), step, y, init, flags, cfg, work, 300, 1e-10
    )
    assert value == want_value
    np.testing.assert_array_equal(out, want_x)
    assert ets_objective is not None  # the objective the ETS kind dispatches to


class _PlainNaive(SeasonalNaive):
    """Members whose ``fit``/``predict`` are overridden take the panel's general path."""

    def fit(self, y):
        return super().fit(y)

    def predict(self, h):
        return super().predict(h)


class _PlainETS(DampedETS):
    def fit(self, y):
        return super().fit(y)

    def predict(self, h):
        return super().predict(h)


class _PlainARIMA(SeasonalARIMA):
    def fit(self, y):
        return super().fit(y)

    def predict(self, h):
        return super().predict(h)


class _PlainTheta(Theta):
    def fit(self, y):
        return super().fit(y)

    def predict(self, h):
        return super().predict(h)


def test_panel_fast_path_equals_fitting_each_member_through_fit_and_predict() -> None:
    rng = np.random.default_rng(11)
    t = np.arange(96)
    Y = np.stack(
        [
            level * np.exp(0.2 * np.sin(2 * np.pi * t / 12 + shift)) + rng.poisson(5, t.size)
            for level, shift in zip(rng.uniform(20, 900, 6), rng.uniform(0, 3, 6), strict=True)
        ]
    )
    fast_members = (SeasonalNaive(), DampedETS(initialization="simple"), SeasonalARIMA(), Theta())
    plain_members = (
        _PlainNaive(),
        _PlainETS(initialization="simple"),
        _PlainARIMA(),
        _PlainTheta(),
    )
    fast = PanelCombination(models=fast_members, weighting="stacked", n_windows=3).fit(Y)
    plain = PanelCombination(models=plain_members, weighting="stacked", n_windows=3).fit(Y)
    for name in ("backtest_loc_", "backtest_scale_", "weights_", "fittedvalues_"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(plain, name), err_msg=name)
    assert fast.predict(18) == plain.predict(18)


def _design_stacked(z, parent, national, t, h, m, reversion):
    """The pooled member's design as first written: every feature recomputed per horizon,
    one array per column, then ``np.stack``."""
    n, T = z.shape
    yoy = np.full((n, T), np.nan)
    yoy[:, m:] = z[:, m:] - z[:, :-m]
    yoy3, yoy12 = _rolling_mean(yoy, 3), _rolling_mean(yoy, m)
    annual = _rolling_mean(z, m)
    k = (h - 1) // m + 1
    s = t + h - m * k
    cols = [
        np.ones((n, t.size)),
        yoy[:, t],
        yoy3[:, t],
        yoy12[:, t],
        yoy[parent][:, t],
        yoy3[parent][:, t],
        yoy12[parent][:, t],
        np.broadcast_to(yoy[national, t], (n, t.size)),
        np.broadcast_to(yoy3[national, t], (n, t.size)),
        z[:, s] - annual[:, t],
        z[:, t] - annual[:, t],
        z[:, t - 1] - annual[:, t],
        z[:, t - 2] - annual[:, t],
        z[:, s] - z[:, s - m],
        z[:, s - m] - annual[:, s - m],
    ]
    if reversion:
        gap = annual - _expanding_mean(z, 3 * m - 1)
        cols += [gap[:, t], gap[parent][:, t], np.broadcast_to(gap[national, t], (n, t.size))]
    size = (annual[:, t] - SIZE_CENTRE) / SIZE_SCALE
    cols += [col * size for col in cols]
    return np.stack(cols, axis=-1), z[:, s]


@pytest.mark.parametrize("reversion", [False, True])
def test_pooled_design_equals_the_stacked_columns(reversion: bool) -> None:
    rng = np.random.default_rng(5)
    n, T, m = 40, 120, 12
    z = np.log1p(rng.poisson(300, (n, T)).astype(float))
    parent = rng.integers(0, 5, n)
    features = _series_features(z, parent, m, reversion)
    for h in (1, 7, 12, 13, 36):
        for t in (np.arange(3 * m - 1, T - h), np.array([T - 1])):
            X, base = _design(z, parent, 0, t, h, m, reversion, features)
            want_X, want_base = _design_stacked(z, parent, 0, t, h, m, reversion)
            np.testing.assert_array_equal(X, want_X)
            np.testing.assert_array_equal(base, want_base)
            assert X.flags["C_CONTIGUOUS"]


def _filter_series_per_month(loc, sigma, z_obs, phi):
    """The gap filter as first written: both linear systems solved for every month."""
    r = phi * sigma[0] ** 2
    L = np.maximum.accumulate(np.maximum(sigma**2 - r, 0.0))
    out_loc, out_sd = loc.copy(), sigma.copy()
    where = np.flatnonzero(np.isfinite(z_obs))
    for t in range(loc.shape[0]):
        o = where[where <= t]
        if o.size == 0:
            continue
        if o[-1] == t:
            out_loc[t], out_sd[t] = z_obs[t], 0.0
            continue
        C_oo = L[np.minimum.outer(o, o)] + r * np.eye(o.size)
        C_to = L[np.minimum(o, t)]
        out_loc[t] = loc[t] + np.linalg.solve(C_oo, C_to) @ (z_obs[o] - loc[o])
        c_last = L[np.minimum(o, o[-1])]
        level_var = max(L[o[-1]] - c_last @ np.linalg.solve(C_oo, c_last), 0.0)
        out_sd[t] = np.sqrt(sigma[t - o[-1] - 1] ** 2 + level_var)
    return out_loc, out_sd


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_gap_filter_equals_solving_every_month(seed: int, phi: float) -> None:
    rng = np.random.default_rng(seed)
    H = int(rng.integers(5, 50))
    loc = rng.normal(7.0, 1.0, H)
    sigma = np.sort(rng.uniform(0.01, 0.3, H))
    z_obs = np.full(H, np.nan)
    seen = rng.choice(H, size=int(rng.integers(1, 4)), replace=False)
    z_obs[seen] = loc[seen] + rng.normal(0, 0.1, seen.size)
    got = _filter_series(loc, sigma, z_obs, phi)
    want = _filter_series_per_month(loc, sigma, z_obs, phi)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
