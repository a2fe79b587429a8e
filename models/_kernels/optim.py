"""Nelder–Mead in nopython mode for the model objectives of this package.

numba cannot cache a kernel that takes another jitted function as an argument (it recompiles
in every process), so the objective is chosen by an integer ``kind`` instead.

Caveat of numba's on-disk cache: it is keyed on this file only, so after editing an objective
in ``ets.py`` or ``arima.py`` delete ``models/_kernels/__pycache__/optim.*.nb[ic]`` (or touch
this file), or ``nelder_mead`` keeps the old objective compiled in.
"""

from __future__ import annotations

import numpy as np

from models._jit import jit
from models._kernels.arima import airline_objective
from models._kernels.ets import ets_objective

KIND_ETS = 0
KIND_AIRLINE = 1


@jit
def evaluate(
    kind: int,
    x: np.ndarray,
    y: np.ndarray,
    init: np.ndarray,
    flags: np.ndarray,
    cfg: np.ndarray,
    work: np.ndarray,
) -> float:
    """The objective ``kind`` at ``x`` (see :mod:`models._kernels.ets` and ``.arima``)."""
    if kind == KIND_ETS:
        return ets_objective(x, y, init, flags, cfg, work)
    return airline_objective(x, y, flags[0], cfg[0], work)


@jit
def _before(a: float, b: float) -> bool:
    """``a`` sorts before ``b``: numpy's order, NaN last (numba's ``argsort`` comparison)."""
    return a < b or (np.isnan(b) and not np.isnan(a))


@jit
def _sort_simplex(simplex: np.ndarray, fvals: np.ndarray) -> None:
    """Sort the vertices by value in place, stably: the order of
    ``simplex[np.argsort(fvals)]`` (numba's argsort is an insertion sort for so few
    values) without allocating two arrays per iteration."""
    n, k = simplex.shape
    row = np.empty(k)
    for i in range(1, n):
        v = fvals[i]
        if not _before(v, fvals[i - 1]):
            continue
        row[:] = simplex[i]
        j = i
        while j > 0 and _before(v, fvals[j - 1]):
            fvals[j] = fvals[j - 1]
            simplex[j] = simplex[j - 1]
            j -= 1
        fvals[j] = v
        simplex[j] = row


@jit
def nelder_mead(
    kind: int,
    x0: np.ndarray,
    step: float,
    y: np.ndarray,
    init: np.ndarray,
    flags: np.ndarray,
    cfg: np.ndarray,
    work: np.ndarray,
    max_iter: int,
    ftol: float,
    out: np.ndarray,
) -> float:
    """Minimise objective ``kind`` from ``x0``; minimiser into ``out``, minimum returned.

    Standard coefficients (reflection 1, expansion 2, contraction and shrink 1/2). Stops when
    the relative spread of the simplex values falls below ``ftol`` or after ``max_iter``
    iterations. ``x0`` and ``out`` have shape ``(k,)``; the other arrays are passed through
    to the objective.
    """
    k = x0.shape[0]
    simplex = np.empty((k + 1, k))
    fvals = np.empty(k + 1)
    for i in range(k + 1):
        simplex[i] = x0
        if i > 0:
            simplex[i, i - 1] += step
        fvals[i] = evaluate(kind, simplex[i], y, init, flags, cfg, work)
    centroid = np.empty(k)
    trial = np.empty(k)
    trial2 = np.empty(k)
    for _ in range(max_iter):
        _sort_simplex(simplex, fvals)
        if fvals[k] - fvals[0] <= ftol * (abs(fvals[0]) + 1e-10):
            break
        for j in range(k):
            total = 0.0
            for i in range(k):
                total += simplex[i, j]
            centroid[j] = total / k
        for j in range(k):
            trial[j] = 2.0 * centroid[j] - simplex[k, j]
        f_r = evaluate(kind, trial, y, init, flags, cfg, work)
        if f_r < fvals[0]:
            for j in range(k):
                trial2[j] = 3.0 * centroid[j] - 2.0 * simplex[k, j]
            f_e = evaluate(kind, trial2, y, init, flags, cfg, work)
            if f_e < f_r:
                simplex[k] = trial2
                fvals[k] = f_e
            else:
                simplex[k] = trial
                fvals[k] = f_r
            continue
        if f_r < fvals[k - 1]:
            simplex[k] = trial
            fvals[k] = f_r
            continue
        if f_r < fvals[k]:
            for j in range(k):
                trial2[j] = centroid[j] + 0.5 * (trial[j] - centroid[j])
        else:
            for j in range(k):
                trial2[j] = centroid[j] + 0.5 * (simplex[k, j] - centroid[j])
        f_c = evaluate(kind, trial2, y, init, flags, cfg, work)
        if f_c < min(f_r, fvals[k]):
            simplex[k] = trial2
            fvals[k] = f_c
            continue
        for i in range(1, k + 1):
            for j in range(k):
                simplex[i, j] = simplex[0, j] + 0.5 * (simplex[i, j] - simplex[0, j])
            fvals[i] = evaluate(kind, simplex[i], y, init, flags, cfg, work)
    best = np.argmin(fvals)
    out[:] = simplex[best]
    return fvals[best]
