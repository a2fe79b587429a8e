"""Numpy arithmetic of the labour-demand chain: IPF, damped trends, shift-share, band ageing.

Everything here is plain numpy (no labels, no files): :mod:`forecasting.demand` and
:mod:`forecasting.training` fix the dim order and hand arrays in. Shapes are stated per function;
``M`` municipalities, ``I`` industries, ``T`` years, ``H`` projection years, ``X`` single ages.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "contract",
    "contracts_in_order",
    "damped_cumulative",
    "ipf",
    "regional_differential",
]


def ipf(
    seed: np.ndarray,
    row_targets: np.ndarray,
    col_targets: np.ndarray,
    *,
    tol: float = 1e-9,
    max_iter: int = 500,
) -> np.ndarray:
    """Iterative proportional fitting (RAS) of a non-negative ``(R, C)`` matrix to two margins.

    Parameters
    ----------
    seed : (R, C)
        Non-negative prior; zero cells stay zero.
    row_targets : (R,)
        Row sums to reach.
    col_targets : (C,)
        Column sums to reach; rescaled to the row total when the two totals differ.
    tol
        Stop when the largest relative row and column misfit is below ``tol``.
    max_iter
        Upper bound on the number of (row, column) sweeps.

    Returns
    -------
    (R, C) array with the row sums of ``row_targets`` and (as far as the zero pattern allows)
    the column sums of ``col_targets``. Rows whose seed is all zero but whose target is positive
    are filled with the column target shares (there is no other information).
    """
    out = np.array(seed, dtype=float, copy=True)
    rows = np.asarray(row_targets, dtype=float)
    cols = np.asarray(col_targets, dtype=float)
    if cols.sum() > 0:
        cols = cols * rows.sum() / cols.sum()
    empty = (out.sum(axis=1) <= 0) & (rows > 0)
    out[empty] = cols / max(cols.sum(), 1e-300)
    for _ in range(max_iter):
        rs = out.sum(axis=1)
        out *= np.divide(rows, rs, out=np.zeros_like(rs), where=rs > 0)[:, None]
        cs = out.sum(axis=0)
        out *= np.divide(cols, cs, out=np.ones_like(cs), where=cs > 0)[None, :]
        rs = out.sum(axis=1)
        misfit = np.abs(rs - rows) / np.maximum(rows, 1.0)
        if misfit.max(initial=0.0) < tol:
            break
    return out


def damped_cumulative(phi: float, horizon: int) -> np.ndarray:
    """Cumulative damping weights ``sum_{k=1..h} phi**k`` for ``h = 1..horizon``, shape (H,).

    A damped trend with slope ``b`` reaches ``b * damped_cumulative(phi, H)[h-1]`` after ``h``
    steps (Gardner-McKenzie); ``phi = 1`` is the undamped linear trend.
    """
    k = np.arange(1, horizon + 1, dtype=float)
    return np.cumsum(phi**k)


def regional_differential(
    totals: np.ndarray, shares: np.ndarray, national_growth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Shift-share regional differential of yearly job growth per area.

    Parameters
    ----------
    totals : (M, T)
        Jobs per area and year.
    shares : (M, I, T)
        Industry shares per area and year (sum to 1 over ``I``).
    national_growth : (I, T)
        National industry growth factors ``N[i, t] / N[i, t-1]`` (column 0 unused).

    Returns
    -------
    mean, residuals : (M,), (M, T-1)
        ``residuals[m, t-1] = log(totals[t] / totals[t-1]) - log(sum_i shares[t-1] g[i, t])``,
        the part of growth not explained by the area's industry mix (the regional shift), and
        its mean over years (NaN years are skipped).
    """
    expected = np.einsum("mit,it->mt", shares[:, :, :-1], national_growth[:, 1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        resid = np.log(totals[:, 1:] / totals[:, :-1]) - np.log(expected)
    resid[~np.isfinite(resid)] = np.nan
    return np.nanmean(resid, axis=1), resid


def contracts_in_order(x: np.ndarray, weights: np.ndarray) -> bool:
    """Whether :func:`contract` sums ``x`` (``(..., K, T)``) in einsum's order: a C-contiguous
    ``x`` of at least two ``T`` (einsum then loops innermost over ``t``), all values finite."""
    return bool(
        x.dtype == float
        and x.flags["C_CONTIGUOUS"]
        and x.ndim >= 2
        and x.shape[-1] > 1
        and np.isfinite(x).all()
        and np.isfinite(weights).all()
    )


def contract(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``np.einsum("...kt,km->...mt", x, weights)`` to the last bit, summing only the products
    of non-zero weights (the chain's bridges and keys are mostly zeros: the occupation ->
    education key has 102 non-zero cells of 1,170).

    ``x`` is ``(..., K, T)``, ``weights`` ``(K, M)``; returns ``(..., M, T)``, C-contiguous.
    For a C-contiguous ``x`` einsum loops innermost over ``t`` and adds the products
    ``x[..., k, t] * weights[k, m]`` one by one in the order of ``k`` to a sum that starts at
    +0 (separate multiply and add, no fused multiply-add); this does the same for the non-zero
    weights. A skipped product is +0 or -0 (for finite ``x``), and adding either to a sum that
    started at +0 leaves it unchanged (such a sum is never -0), so every value and sign is the
    same. Any other ``x`` goes through einsum itself: a strided ``x`` (e.g. ``T`` outermost in
    memory) makes einsum loop innermost over ``k`` with another order of the additions, and
    a non-finite ``x`` or weight would make ``inf * 0`` a NaN.
    """
    x = np.asarray(x, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if not contracts_in_order(x, weights):
        return np.einsum("...kt,km->...mt", x, weights)
    lead, steps = x.shape[:-2], x.shape[-1]
    out = np.zeros((*lead, weights.shape[1], steps))
    acc = np.empty((*lead, steps))
    term = np.empty((*lead, steps))
    cols, rows = np.nonzero(weights.T)  # by column, rows ascending within each
    bounds = np.searchsorted(cols, np.arange(weights.shape[1] + 1))
    for m in range(weights.shape[1]):
        if bounds[m] == bounds[m + 1]:
            continue
        acc.fill(0.0)
        for k in rows[bounds[m] : bounds[m + 1]]:
            np.multiply(x[..., k, :], weights[k, m], out=term)
            np.add(acc, term, out=acc)
        out[..., m, :] = acc
    return out
