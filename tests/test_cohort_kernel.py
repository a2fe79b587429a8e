"""The cohort kernels' random variates, by distribution against SciPy (seeded, offline)."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from models._kernels import cohort as k
from models._kernels import serial_quantiles


@numba.njit
def _binomials(seed: int, n: float, p: float, size: int) -> np.ndarray:
    state = np.uint64(seed)
    out = np.empty(size)
    for i in range(size):
        out[i], state = k.binomial(state, n, p)
    return out


@numba.njit
def _binomials_pre(seed: int, n: float, p: float, size: int) -> np.ndarray:
    state = np.uint64(seed)
    out = np.empty(size)
    log1mp, odds = np.log1p(-min(p, 0.5)), p / (1.0 - min(p, 0.5))
    for i in range(size):
        out[i], state = k.binomial_pre(state, n, p, log1mp, odds)
    return out


@numba.njit
def _poissons(seed: int, lam: float, size: int) -> np.ndarray:
    state = np.uint64(seed)
    out = np.empty(size)
    for i in range(size):
        out[i], state = k.poisson(state, lam)
    return out


@numba.njit
def _normals(seed: int, size: int) -> np.ndarray:
    state = np.uint64(seed)
    out = np.empty(size)
    for i in range(size):
        out[i], state = k.normal(state)
    return out


def _chi_square_p(sample: np.ndarray, pmf: np.ndarray) -> float:
    """Goodness of fit of whole-number draws to ``pmf`` (cells with expected < 5 pooled)."""
    counts = np.bincount(sample.astype(np.int64), minlength=pmf.size)[: pmf.size]
    expected = pmf * sample.size
    keep = expected >= 5
    obs = np.append(counts[keep], sample.size - counts[keep].sum())
    exp = np.append(expected[keep], sample.size - expected[keep].sum())
    if exp[-1] < 5:  # fold the small remainder into the largest cell
        obs[np.argmax(exp[:-1])] += obs[-1]
        exp[np.argmax(exp[:-1])] += exp[-1]
        obs, exp = obs[:-1], exp[:-1]
    return float(stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue)


@pytest.mark.parametrize(
    ("n", "p"),
    [(20.0, 0.01), (60.0, 0.1), (9.0, 0.7), (400.0, 0.2), (3000.0, 0.5), (500.0, 0.93)],
)
@pytest.mark.parametrize("sampler", [_binomials, _binomials_pre])
def test_binomial_matches_scipy(n: float, p: float, sampler: object) -> None:
    size = 200_000
    draws = sampler(12345, n, p, size)  # type: ignore[operator]
    assert draws.min() >= 0 and draws.max() <= n
    mean_z = (draws.mean() - n * p) / np.sqrt(n * p * (1 - p) / size)
    assert abs(mean_z) < 4.5
    np.testing.assert_allclose(draws.var(), n * p * (1 - p), rtol=0.03)
    assert _chi_square_p(draws, stats.binom.pmf(np.arange(int(n) + 1), n, p)) > 1e-4


def test_binomial_edge_cases() -> None:
    np.testing.assert_array_equal(_binomials(1, 0.0, 0.3, 10), 0.0)
    np.testing.assert_array_equal(_binomials(1, 25.0, 0.0, 10), 0.0)
    np.testing.assert_array_equal(_binomials(1, 25.0, 1.0, 10), 25.0)


@pytest.mark.parametrize("lam", [0.3, 4.0, 12.0, 80.0, 2500.0])
def test_poisson_matches_scipy(lam: float) -> None:
    size = 200_000
    draws = _poissons(777, lam, size)
    mean_z = (draws.mean() - lam) / np.sqrt(lam / size)
    assert abs(mean_z) < 4.5
    np.testing.assert_allclose(draws.var(), lam, rtol=0.03)
    top = int(lam + 10 * np.sqrt(lam) + 10)
    assert _chi_square_p(draws, stats.poisson.pmf(np.arange(top), lam)) > 1e-4


def test_normal_and_uniform() -> None:
    z = _normals(99, 200_000)
    assert stats.kstest(z, "norm").pvalue > 1e-4
    assert _normals(99, 5).tolist() == _normals(99, 5).tolist()
    assert _normals(99, 5).tolist() != _normals(100, 5).tolist()


def test_column_quantiles_match_numpy() -> None:
    rng = np.random.default_rng(3)
    whole = rng.poisson(40, size=(7, 501)).astype(np.float64)
    whole[0] = 5.0  # a constant row
    wide = rng.normal(0, 1e6, size=(3, 400)).round()  # whole numbers, too wide to count
    real = rng.normal(size=(4, 300))
    probs = np.array([0.0, 0.025, 0.1, 0.5, 0.9, 0.975, 1.0])
    for cols in (whole, wide, real):
        mean = np.empty(cols.shape[0])
        quant = np.empty((probs.size, cols.shape[0]))
        k.column_quantiles(np.ascontiguousarray(cols), probs, mean, quant)
        np.testing.assert_allclose(quant, np.quantile(cols, probs, axis=1), rtol=1e-12)
        np.testing.assert_allclose(mean, cols.mean(axis=1), rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(["whole", "wide", "real", "constant", "float32", "one_draw"]),
    rows=st.integers(1, 150),
    draws=st.integers(1, 400),
    seed=st.integers(0, 2**32 - 1),
)
def test_serial_column_quantiles_are_the_parallel_ones_bit_for_bit(
    kind: str, rows: int, draws: int, seed: int
) -> None:
    """The one-thread kernel small tables take gives the parallel kernel's bits, in every
    branch of the row algorithm (counted whole numbers, binned wide or real values, a
    constant row, float32 draws, a single draw), signs of zero included."""
    rng = np.random.default_rng(seed)
    draws = 1 if kind == "one_draw" else draws
    if kind in ("whole", "float32", "one_draw"):
        cols = rng.poisson(30, size=(rows, draws)).astype(np.float64)
    elif kind == "wide":
        cols = rng.normal(0, 1e6, size=(rows, draws)).round()
    elif kind == "constant":
        cols = np.full((rows, draws), -0.0)
    else:
        cols = rng.normal(size=(rows, draws)) * 10.0 ** rng.integers(-3, 4)
    if kind == "float32":
        cols = cols.astype(np.float32)
    probs = np.array([0.025, 0.1, 0.5, 0.9, 0.975, 0.0, 1.0])
    got, want = [(np.empty(rows), np.empty((probs.size, rows))) for _ in range(2)]
    serial_quantiles.column_quantiles_serial(cols, probs, *got)
    k.column_quantiles(cols, probs, *want)
    for a, b in zip(got, want, strict=True):
        assert a.tobytes() == b.tobytes()


def test_draw_quantiles_takes_one_thread_only_for_small_tables() -> None:
    from models import cohort

    rng = np.random.default_rng(5)
    small = rng.poisson(40, size=(100, 10, 21)).astype(np.float64)  # a training area's
    large = rng.poisson(40, size=(300, 1000)).astype(np.float32)  # 300,000 values
    assert small.size < cohort.PARALLEL_QUANTILES_FROM <= large.size
    for values in (small, large):
        mean, quant = cohort.draw_quantiles(values, [0.1, 0.9])
        flat = np.moveaxis(values, 0, -1).reshape(-1, values.shape[0]).astype(np.float64)
        np.testing.assert_array_equal(quant.reshape(2, -1), np.quantile(flat, [0.1, 0.9], axis=1))
        np.testing.assert_allclose(mean.ravel(), flat.mean(axis=1), rtol=1e-12)
