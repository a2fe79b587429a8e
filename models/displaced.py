"""Displaced workers by age, sex and education: competing risks of re-employment, retirement
and other exits, month by month (numpy wrapper of :mod:`models._kernels.displaced`).

Cells ``C`` are the flattened (age band, sex, education level) grid of the caller. The
kernel fills a preallocated ``(B, T, C, 5)`` int32 array of cumulative counts (columns
``DISPLACED``, ``UNEMPLOYED``, ``REEMPLOYED``, ``RETIRED``, ``OTHER``); in every draw, month
and cell ``UNEMPLOYED + REEMPLOYED + RETIRED + OTHER == DISPLACED`` exactly. Draw ``b`` runs
on its own SplitMix64 stream from ``SeedSequence([seed, STREAM]).spawn(B)[b]`` on one
thread: bit-identical whatever the number of threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from models._kernels import displaced as _k

DISPLACED = _k.D_DISPLACED
UNEMPLOYED = _k.D_UNEMPLOYED
REEMPLOYED = _k.D_REEMPLOYED
RETIRED = _k.D_RETIRED
OTHER = _k.D_OTHER
N_STATES = _k.N_STATES
#: Entropy word that separates these streams from the labour-flow kernel's.
STREAM = 0xD15


@dataclass(frozen=True)
class DisplacedHazards:
    """Monthly hazards of the displaced.

    Attributes
    ----------
    profile : (C,) shares of the displaced by cell (sum 1).
    h_re : (T, C) re-employment hazard at duration 0 (local slack included).
    dur : (T,) factor of ``h_re`` by months since the layoff.
    h_ret : (C,) retirement and early-retirement hazard.
    h_oth : other exits (out-migration, studies), probability a month.
    lre, lret : (B, C) each draw's log multipliers (parameter uncertainty).
    age_up : (C,) monthly probability of moving to the next age band (0: no ageing; the
        last band must be 0), the cell ``c + age_step``; None: nobody ages.
    age_step : cell offset of the next age band (cells per age band).
    """

    profile: np.ndarray
    h_re: np.ndarray
    dur: np.ndarray
    h_ret: np.ndarray
    h_oth: float
    lre: np.ndarray
    lret: np.ndarray
    age_up: np.ndarray | None = None
    age_step: int = 0


@lru_cache(maxsize=16)
def _seeds(seed: int, draws: int) -> np.ndarray:
    children = np.random.SeedSequence([seed, STREAM]).spawn(draws)
    return np.array([c.generate_state(1, dtype=np.uint64)[0] for c in children], dtype=np.uint64)


def simulate_displaced(
    inflow: np.ndarray, hz: DisplacedHazards, *, seed: int, groups: np.ndarray | None = None
) -> np.ndarray:
    """Follow the displaced of ``inflow`` (B, T) int: newly displaced per draw and month.

    Returns (B, T, C, N_STATES) int32 cumulative counts by cell; with ``groups`` ((C,)
    ints 0..G-1, e.g. each cell's age band and sex), the same draws summed over the cells
    of each group in the kernel: (B, T, G, N_STATES) int32.
    """
    inflow = np.ascontiguousarray(inflow, dtype=np.int64)
    if inflow.ndim != 2 or np.any(inflow < 0):
        raise ValueError("inflow must be (B, T) non-negative counts")
    B, T = inflow.shape
    C = hz.profile.size
    p = np.asarray(hz.profile, dtype=np.float64)
    if np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError("profile must be non-negative shares summing to 1")
    for name, shape in (("h_re", (T, C)), ("dur", (T,)), ("h_ret", (C,)),
                        ("lre", (B, C)), ("lret", (B, C))):  # fmt: skip
        arr = getattr(hz, name)
        if arr.shape != shape:
            raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
    if np.any(hz.h_re < 0) or np.any(hz.h_ret < 0) or not 0.0 <= hz.h_oth <= 1.0:
        raise ValueError("hazards must be non-negative")
    up = np.zeros(C) if hz.age_up is None else np.asarray(hz.age_up, dtype=np.float64)
    step = int(hz.age_step) if hz.age_up is not None else 0
    if up.shape != (C,) or np.any(up < 0) or np.any(up > 1):
        raise ValueError("age_up must be (C,) probabilities")
    if np.any(up > 0) and (step <= 0 or C % step or np.any(up[C - step :] > 0)):
        raise ValueError("age_step must divide C and the last age band cannot age")
    f64 = np.ascontiguousarray
    args = (
        _seeds(int(seed), B).copy(), inflow, f64(p), f64(hz.h_re, dtype=np.float64),
        f64(hz.dur, dtype=np.float64), f64(hz.h_ret, dtype=np.float64), float(hz.h_oth),
        f64(hz.lre, dtype=np.float64), f64(hz.lret, dtype=np.float64), f64(up), step,
    )  # fmt: skip
    g = np.arange(C) if groups is None else np.ascontiguousarray(groups, dtype=np.int64)
    if g.shape != (C,) or (C and (g.min() < 0)):
        raise ValueError("groups must be (C,) non-negative group numbers")
    out = np.zeros((B, T, int(g.max()) + 1 if C else 0, N_STATES), dtype=np.int32)
    _k.simulate_displaced(*args, g, out)
    return out
