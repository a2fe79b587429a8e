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
        order = np.argsort(fvals)
        simplex = simplex[order]
        fvals = fvals[order]
        if fvals[k] - fvals[0] <= ftol * (abs(fvals[0]) + 1e-10):
            break
        for j in range(k):
            centroid[j] = simplex[:k, j].mean()
        trial[:] = 2.0 * centroid - simplex[k]
        f_r = evaluate(kind, trial, y, init, flags, cfg, work)
        if f_r < fvals[0]:
            trial2[:] = 3.0 * centroid - 2.0 * simplex[k]
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
            trial2[:] = centroid + 0.5 * (trial - centroid)
        else:
            trial2[:] = centroid + 0.5 * (simplex[k] - centroid)
        f_c = evaluate(kind, trial2, y, init, flags, cfg, work)
        if f_c < min(f_r, fvals[k]):
            simplex[k] = trial2
            fvals[k] = f_c
            continue
        for i in range(1, k + 1):
            simplex[i] = simplex[0] + 0.5 * (simplex[i] - simplex[0])
            fvals[i] = evaluate(kind, simplex[i], y, init, flags, cfg, work)
    best = np.argmin(fvals)
    out[:] = simplex[best]
    return fvals[best]
