"""MinT reconciliation: coherence, non-negativity, exact sums, and the shrinkage estimator."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import lsq_linear

from forecasting.geography import summing_matrix
from models.reconcile import METHODS, MinTrace, shrink_covariance


def _shrink_reference(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Line-by-line transcription of ``shrink.estim`` in R's hts (Hyndman et al.), with loops."""
    n, p = x.shape
    covm = x.T @ x / n
    tar = np.diag(np.diag(covm))
    sd = np.sqrt(np.diag(covm))
    corm = covm / np.outer(sd, sd)
    xs = x / sd
    v_sum = 0.0
    d_sum = 0.0
    for i in range(p):
        for j in range(p):
            if i == j:
                continue
            w = xs[:, i] * xs[:, j]
            v_sum += (np.sum(w**2) - np.sum(w) ** 2 / n) / (n * (n - 1))
            d_sum += corm[i, j] ** 2
    lam = max(min(v_sum / d_sum, 1.0), 0.0)
    return lam * tar + (1 - lam) * covm, lam


def _toy_hierarchy() -> np.ndarray:
    """Total, two groups (sizes 2 and 3), five bottom series."""
    return np.array(
        [
            [1, 1, 1, 1, 1],
            [1, 1, 0, 0, 0],
            [0, 0, 1, 1, 1],
            *np.eye(5),
        ],
        dtype=float,
    )


def _residuals(S: np.ndarray, t: int = 60, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    bottom = rng.normal(0, 1, (t, S.shape[1])) * rng.uniform(0.5, 3, S.shape[1])
    return bottom @ S.T + rng.normal(0, 0.5, (t, S.shape[0]))


def test_shrink_covariance_matches_hts_transcription() -> None:
    x = _residuals(_toy_hierarchy(), t=40, seed=3)
    ours, lam = shrink_covariance(x)
    ref, lam_ref = _shrink_reference(x)
    assert 0.0 < lam < 1.0
    np.testing.assert_allclose(lam, lam_ref, rtol=1e-12)
    np.testing.assert_allclose(ours, ref, rtol=1e-12)


def test_ols_reconciliation_by_hand() -> None:
    """Two bottom series and their total, W = I: G = (S'S)^-1 S' (worked out by hand)."""
    S = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    rec = MinTrace(method="ols").fit(S)
    # S'S = [[2, 1], [1, 2]], inverse [[2, -1], [-1, 2]] / 3
    np.testing.assert_allclose(rec.G_, np.array([[1, 2, -1], [1, -1, 2]]) / 3.0, atol=1e-12)
    # total 12, bottoms 5 and 4: the gap of 3 is split equally among the three series
    np.testing.assert_allclose(rec.transform(np.array([12.0, 5.0, 4.0])), [11.0, 6.0, 5.0])


coherent_bottoms = st.lists(
    st.floats(min_value=0.0, max_value=1e5, allow_nan=False), min_size=5, max_size=5
)


@settings(max_examples=40, deadline=None)
@given(bottom=coherent_bottoms, method=st.sampled_from(METHODS))
def test_coherent_input_is_unchanged(bottom: list[float], method: str) -> None:
    S = _toy_hierarchy()
    rec = MinTrace(method=method).fit(S, _residuals(S))
    y = S @ np.asarray(bottom)
    np.testing.assert_allclose(rec.transform(y), y, rtol=1e-8, atol=1e-6)
    np.testing.assert_allclose(rec.transform_samples(y[:, None]), y[:, None], rtol=1e-8, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(st.floats(min_value=0.0, max_value=1e4, allow_nan=False), min_size=8, max_size=8),
    seed=st.integers(0, 2**16),
)
def test_output_is_non_negative_and_adds_up(base: list[float], seed: int) -> None:
    S = _toy_hierarchy()
    rec = MinTrace().fit(S, _residuals(S, seed=seed))
    out = rec.transform(np.asarray(base))
    assert np.all(out >= 0.0)
    np.testing.assert_allclose(out[:3], S[:3] @ out[3:], rtol=1e-12, atol=1e-9)
    samples = rec.transform_samples(np.asarray(base)[:, None] * np.array([[0.5, 1.0, 2.0]]))
    assert np.all(samples >= 0.0)
    np.testing.assert_allclose(samples[:3], S[:3] @ samples[3:], rtol=1e-12, atol=1e-9)


def test_nonnegative_solution_is_the_constrained_optimum() -> None:
    """A total far below its parts forces negatives; compare with scipy's bounded least squares."""
    S = _toy_hierarchy()
    rec = MinTrace().fit(S, _residuals(S, seed=1))
    base = np.array([10.0, 8.0, 2.0, 9.0, 0.5, 0.2, 0.3, 1.5])
    assert np.any(rec.G_ @ base < 0), "the example must need the constraint"
    out = rec.transform(base)
    chol = np.linalg.cholesky(rec.W_)
    design = np.linalg.solve(chol, S)
    target = np.linalg.solve(chol, base)
    ref = lsq_linear(design, target, bounds=(0, np.inf), tol=1e-12).x
    np.testing.assert_allclose(out[3:], ref, atol=1e-6)


def test_levels_add_up_on_the_finnish_hierarchy() -> None:
    rows, cols, S = summing_matrix()
    rng = np.random.default_rng(7)
    resid = rng.normal(0, 1, (48, len(cols))) @ S.T + rng.normal(0, 1, (48, len(rows)))
    rec = MinTrace().fit(S, resid)
    base = np.abs(rng.normal(50, 40, (len(rows), 3)))
    out = rec.transform(base)
    assert np.all(out >= 0)
    bottom = out[len(rows) - len(cols) :]
    np.testing.assert_allclose(out, S @ bottom, rtol=1e-12)
    assert rows[0] == "SSS"
    np.testing.assert_allclose(out[0], bottom.sum(axis=0), rtol=1e-12)


def test_bottom_up_keeps_bottom_forecasts() -> None:
    S = _toy_hierarchy()
    base = np.arange(8.0)
    out = MinTrace(method="bottom_up").fit(S).transform(base)
    np.testing.assert_allclose(out[3:], base[3:])
    np.testing.assert_allclose(out[0], base[3:].sum())


def test_mintrace_validates() -> None:
    S = _toy_hierarchy()
    with pytest.raises(ValueError, match="method"):
        MinTrace(method="magic").fit(S, _residuals(S))
    with pytest.raises(ValueError, match="resid"):
        MinTrace().fit(S)
    with pytest.raises(ValueError, match="identity"):
        MinTrace(method="ols").fit(S[::-1])
    with pytest.raises(RuntimeError, match="not fitted"):
        MinTrace().transform(np.ones(8))


def test_supplied_variances_replace_the_diagonal_only() -> None:
    S = _toy_hierarchy()
    resid = _residuals(S, seed=4)
    variances = np.linspace(1.0, 8.0, 8)
    rec = MinTrace().fit(S, resid, variances=variances)
    shrunk, _ = shrink_covariance(resid)
    corr = shrunk / np.sqrt(np.outer(np.diag(shrunk), np.diag(shrunk)))
    expected = corr * np.sqrt(np.outer(variances, variances))
    np.testing.assert_allclose(rec.W_, expected + np.eye(8) * 1e-9 * 8.0, rtol=1e-10)


def test_calibrated_scores_hit_the_multipliers() -> None:
    from models.forecast import Z80, Z95
    from models.reconcile import calibrated_scores

    u = np.array([-Z95, -Z80, 0.0, Z80, Z95, 3.0])
    g = calibrated_scores(u, 1.5, 2.5)
    np.testing.assert_allclose(g[:5], [-2.5, -1.5, 0.0, 1.5, 2.5])
    assert g[5] > 2.5 and np.all(np.diff(g) > 0)


def test_shuffled_scores_keep_marginals_and_follow_the_template() -> None:
    from scipy.stats import spearmanr

    from models.reconcile import shuffled_scores

    rng = np.random.default_rng(0)
    common = rng.normal(size=200)
    template = np.vstack([common, common + 0.1 * rng.normal(size=200), rng.normal(size=200)])
    scores = shuffled_scores(template, 1000, np.random.default_rng(1))
    grid = np.sort(scores, axis=1)
    np.testing.assert_allclose(grid[0], grid[2])  # identical normal-score grid per series
    assert abs(np.mean(scores)) < 1e-12 and abs(np.std(scores[0]) - 1) < 0.01
    assert spearmanr(scores[0], scores[1])[0] > 0.9
    assert abs(spearmanr(scores[0], scores[2])[0]) < 0.15


def test_dependence_widens_the_aggregate_interval() -> None:
    from models.reconcile import reconciled_quantiles, shuffled_scores

    S = _toy_hierarchy()
    rec = MinTrace(method="bottom_up").fit(S)
    loc = np.log1p(np.full((8, 1), 100.0))
    scale = np.full((8, 1), 0.2)
    mult80, mult95 = np.full((8, 1), 1.28), np.full((8, 1), 1.96)
    rng = np.random.default_rng(2)
    together = np.tile(rng.normal(size=300), (8, 1))
    apart = rng.normal(size=(8, 300))
    widths = []
    for template in (together, apart):
        scores = shuffled_scores(template, 2000, np.random.default_rng(3))
        q = reconciled_quantiles(rec, loc, scale, mult80, mult95, scores, (0.1, 0.9))
        widths.append(q[1, 0, 0] - q[0, 0, 0])
        parts = q[1, 3:, 0] - q[0, 3:, 0]  # the marginals, the same either way
    assert widths[0] > 1.8 * widths[1]
    np.testing.assert_allclose(widths[0], parts.sum(), rtol=0.1)  # comonotone widths add up


def test_forecast_hierarchy_on_a_synthetic_panel() -> None:
    from models.forecast import PanelCombination, PooledRegression, forecast_hierarchy

    S = _toy_hierarchy()
    rng = np.random.default_rng(6)
    t = np.arange(96)
    bottom = np.exp(
        rng.uniform(2, 6, (5, 1)) + 0.3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.1, (5, 96))
    ).round()
    Y = S @ bottom
    engine = PanelCombination(pooled=PooledRegression(max_horizon=6), weighting="stacked")
    is_bottom = np.array([False] * 3 + [True] * 5)
    fc = forecast_hierarchy(
        engine, Y, S, np.arange(8), is_bottom, 6, rng=np.random.default_rng(0), n_samples=400
    )
    np.testing.assert_allclose(fc.point[:3], S[:3] @ fc.point[3:], rtol=1e-12)
    b = fc.bounds
    assert np.all(b["lo95"] >= 0)
    assert np.all(
        (b["lo95"] <= b["lo80"])
        & (b["lo80"] <= fc.point)
        & (fc.point <= b["hi80"])
        & (b["hi80"] <= b["hi95"])
    )
    np.testing.assert_allclose(fc.bottom_up[3:], fc.base.mean[3:])
    assert fc.weights.shape == (8, 5) and 0.0 <= fc.shrinkage <= 1.0
    assert np.all(fc.base.mult80 >= 1.2815) and np.all(fc.base.mult95 >= 1.9599)


def test_common_shock_matches_the_observed_variance_of_the_bottom_total() -> None:
    """gamma makes 1' W_bb 1 equal the mean squared summed error; it loads on every series."""
    from models.reconcile import add_common_shock

    S = _toy_hierarchy()
    W, _ = shrink_covariance(_residuals(S, seed=5))
    rng = np.random.default_rng(9)
    shared = rng.normal(0, 4, (36, 1))  # a shock every bottom series takes
    errors = shared + rng.normal(0, 1, (36, 5))
    errors[3, 2] = np.nan  # missing errors count as zero in the sums
    new, gamma = add_common_shock(W, S, errors)
    observed = np.mean(np.nansum(errors, axis=1) ** 2)
    assert gamma > 0
    np.testing.assert_allclose(new[3:, 3:].sum(), observed, rtol=1e-12)
    d = np.sqrt(np.diag(W))
    np.testing.assert_allclose(new - W, gamma * np.outer(d, d), rtol=1e-12)
    # the implied correlation is the one-step one mixed with an equicorrelation < 1
    sd = np.sqrt(np.diag(new))
    corr, corr0 = new / np.outer(sd, sd), W / np.outer(d, d)
    rho = gamma / (1 + gamma)
    np.testing.assert_allclose(corr, (1 - rho) * corr0 + rho, rtol=1e-12)
    # errors that share nothing beyond what W already implies: no shock added
    calm, zero = add_common_shock(W, S, np.zeros((36, 5)))
    assert zero == 0.0
    np.testing.assert_array_equal(calm, W)
    with pytest.raises(ValueError, match="shape"):
        add_common_shock(W, S, errors[:, :4])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.0, 1e4))
def test_common_shock_keeps_w_a_valid_covariance(seed: int, scale: float) -> None:
    """For any errors, however large: gamma >= 0 and W stays positive definite."""
    from models.reconcile import add_common_shock

    S = _toy_hierarchy()
    W, _ = shrink_covariance(_residuals(S, seed=seed % 1000))
    rng = np.random.default_rng(seed)
    errors = rng.normal(0, scale, (24, 1)) + rng.normal(0, 1, (24, 5))
    new, gamma = add_common_shock(W, S, errors)
    assert gamma >= 0
    assert np.all(
        np.linalg.eigvalsh(new / np.outer(np.sqrt(np.diag(new)), np.sqrt(np.diag(new)))) > 0
    )


def test_common_shock_keeps_coherent_input_and_exact_sums() -> None:
    S = _toy_hierarchy()
    resid = _residuals(S, seed=2)
    rng = np.random.default_rng(4)
    shocks = rng.normal(0, 3, (24, 1)) + rng.normal(0, 1, (24, 5))
    rec = MinTrace().fit(S, resid, common_errors=shocks)
    assert rec.common_ > 0
    coherent = S @ rng.uniform(0, 50, (5, 7))
    np.testing.assert_allclose(rec.transform(coherent), coherent, rtol=1e-9, atol=1e-9)
    out = rec.transform(rng.uniform(0, 50, (S.shape[0], 7)))
    assert np.all(out >= 0)
    np.testing.assert_allclose(out[:3], S[:3] @ out[3:], rtol=1e-12)
