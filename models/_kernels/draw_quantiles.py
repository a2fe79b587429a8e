"""Quantiles over Monte Carlo draws, in parallel over blocks of cells (private; see
:func:`models.labourflow.quantiles`).

The draws axis comes first in memory (``x`` (B, N), C order); a block of ``QBLOCK`` columns
is gathered draw by draw into a (block, B) buffer, so every read is contiguous and no
transposed copy of the whole array is needed. Float columns are sorted (NaN ignored);
integer columns are counted (``O(B + range)``). :func:`models.labourflow.quantiles` counts
integers here and sorts floats with numpy (faster, the same bits as
:func:`quantiles_over_draws`, which stays as its reference: tests/test_scenarios_outputs.py).
"""

from __future__ import annotations

import math

import numpy as np

from models._jit import jit, prange

#: Columns per block: a block is gathered draw by draw into a (block, B) buffer.
QBLOCK = 64


@jit
def _interp_sorted(col: np.ndarray, m: int, probs: np.ndarray, out: np.ndarray, n: int) -> None:
    """Quantiles ``probs`` of the first ``m`` sorted values of ``col`` into ``out[n]``."""
    for q in range(probs.size):
        if m == 0:
            out[n, q] = np.nan
            continue
        pos = probs[q] * (m - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, m - 1)
        out[n, q] = col[lo] + (col[hi] - col[lo]) * (pos - lo)


@jit(parallel=True)
def quantiles_over_draws(x: np.ndarray, probs: np.ndarray, out: np.ndarray) -> None:
    """Quantiles of each column ignoring NaN (linear interpolation, as ``np.nanquantile``).

    x : (B, N) float64 values, draws first (C order), one column per cell; probs : (Q,) in
    [0, 1]; out : (N, Q) filled (NaN where a column has no value).
    """
    B, N = x.shape
    for blk in prange((N + QBLOCK - 1) // QBLOCK):
        n0 = blk * QBLOCK
        n1 = min(N, n0 + QBLOCK)
        buf = np.empty((n1 - n0, B))
        for b in range(B):
            for n in range(n0, n1):
                buf[n - n0, b] = x[b, n]
        for n in range(n0, n1):
            col = np.sort(buf[n - n0])  # NaN sorts last
            m = B
            while m > 0 and np.isnan(col[m - 1]):
                m -= 1
            _interp_sorted(col, m, probs, out, n)


@jit
def _kth(counts: np.ndarray, k: int) -> int:
    """Index of the ``k``-th smallest (0-based) value in a histogram ``counts``."""
    acc = 0
    for v in range(counts.size):
        acc += counts[v]
        if acc > k:
            return v
    return counts.size - 1


@jit
def _quantiles_counted(row: np.ndarray, probs: np.ndarray, out: np.ndarray, n: int) -> None:
    """Quantiles of the integer values ``row`` (B,) into ``out[n]``, by counting."""
    B = row.size
    lo_v = row.min()
    span = row.max() - lo_v + 1
    if span > 65536:
        _interp_sorted(np.sort(row), B, probs, out, n)
        return
    counts = np.zeros(span, dtype=np.int64)
    for b in range(B):
        counts[row[b] - lo_v] += 1
    for q in range(probs.size):
        pos = probs[q] * (B - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, B - 1)
        a = _kth(counts, lo)
        c = a if hi == lo else _kth(counts, hi)
        out[n, q] = lo_v + a + (c - a) * (pos - lo)


@jit(parallel=True)
def quantiles_over_draws_int(x: np.ndarray, probs: np.ndarray, out: np.ndarray) -> None:
    """As :func:`quantiles_over_draws` for integer columns, by counting (``O(B + range)``).

    x : (B, N) integers, draws first; out : (N, Q) filled. Columns whose range exceeds
    65,536 are sorted.
    """
    B, N = x.shape
    for blk in prange((N + QBLOCK - 1) // QBLOCK):
        n0 = blk * QBLOCK
        n1 = min(N, n0 + QBLOCK)
        buf = np.empty((n1 - n0, B), dtype=np.int64)
        for b in range(B):
            for n in range(n0, n1):
                buf[n - n0, b] = x[b, n]
        for n in range(n0, n1):
            _quantiles_counted(buf[n - n0], probs, out, n)
