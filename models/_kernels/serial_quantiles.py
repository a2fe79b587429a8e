"""The draws' quantiles of :func:`models._kernels.cohort.column_quantiles` on one thread.

For a small table (a training area's retirements: 210 rows of 100 draws, ~0.07 ms of work
on one thread) starting the parallel region costs more than the work, and the idle threads
spin (numba's OpenMP layer) while they wait: 0.5-5 ms of CPU per call with two threads on a
loaded 2-core machine (``benchmarks/bench_draw_quantiles.py``). The rows are
independent and each goes through the same :func:`~models._kernels.cohort._row_quantiles`,
so the numbers are those of the parallel kernel.
"""

from __future__ import annotations

import numpy as np

from models._jit import jit
from models._kernels.cohort import _row_quantiles


@jit
def column_quantiles_serial(
    cols: np.ndarray, probs: np.ndarray, out_mean: np.ndarray, out_q: np.ndarray
) -> None:
    """:func:`~models._kernels.cohort.column_quantiles` row by row in one thread (the same
    arguments and results)."""
    n_cell, n_draw = cols.shape
    counts = np.empty(2 * n_draw + 1, dtype=np.int64)
    members = np.empty(n_draw)
    out = np.empty(probs.size)
    for c in range(n_cell):
        out_mean[c] = _row_quantiles(cols[c], probs, counts, members, out)
        out_q[:, c] = out
