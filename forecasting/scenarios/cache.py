"""An in-process LRU of baseline simulations (the common-random-numbers comparison runs).

``run_scenario`` with ``compare_baseline`` (the default) runs the kernel twice with the same
seed: once with the scenario's events and once without them. The second run depends only on
the calibrated baseline (data and calibration version, area, first month, horizon, register
forecast targets), the number of draws and the seed, never on the spec's events, so a
planner trying several scenarios with the same seed and window pays for it once.

Key (:func:`baseline_key`): ``(data_version, area, first month, months, draws, seed,
digest)`` where ``digest`` is a BLAKE2b digest of every kernel input of the baseline run
(the :class:`~models.labourflow.FlowParameters`, :class:`~models.labourflow.FlowPath` and
:class:`~models.labourflow.InitialState` arrays, values and shapes): register forecasts
passed as the baseline's targets, a recalibration or a new snapshot change the digest even
where the labelled parts of the key stay the same. A new data version therefore never
reuses an old entry; old entries simply age out.

Size: at most :data:`MAX_ENTRIES` entries and :data:`MAX_BYTES` bytes of arrays (a
1,000-draw, 60-month run of the six municipalities is about 45 MB); the least recently used
entry goes first. Cached arrays are read-only, so a caller cannot corrupt a later run.
:func:`clear` empties the cache (tests, or after replacing the snapshot in a running process);
:func:`info` reports hits, misses and size. Thread-safe: a lock guards the table (two
threads missing the same key at once both simulate; the results are identical).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from models import labourflow as lf

if TYPE_CHECKING:
    from forecasting.scenarios.baseline import Baseline

#: Most baseline runs kept.
MAX_ENTRIES = 8
#: Most bytes of result arrays kept (about five 1,000-draw, 60-month runs).
MAX_BYTES = 256 * 2**20

Key = tuple[str, str, str, int, int, int, str]


@dataclass(frozen=True)
class CacheInfo:
    """Counters of the baseline cache: hits, misses, entries and their bytes."""

    hits: int
    misses: int
    entries: int
    nbytes: int


_lock = threading.Lock()
_table: OrderedDict[Key, lf.SimulationResult] = OrderedDict()
_stats = {"hits": 0, "misses": 0}


def _digest(base: Baseline) -> str:
    """BLAKE2b (128 bits) of every array and scalar the baseline run reads."""
    h = hashlib.blake2b(digest_size=16)
    for obj in (base.params, base.path, base.init):
        for f in fields(obj):
            value = getattr(obj, f.name)
            h.update(f.name.encode())
            if isinstance(value, np.ndarray):
                arr = np.ascontiguousarray(value)
                h.update(f"{arr.dtype.str}{arr.shape}".encode())
                h.update(arr.tobytes())
            else:
                h.update(repr(value).encode())
    return h.hexdigest()


def baseline_key(base: Baseline, *, area: str, draws: int, seed: int) -> Key:
    """The cache key of the baseline run of ``base`` (of ``area``), ``draws`` draws, ``seed``."""
    return (
        base.structure.data_version,
        area,
        f"{base.months[0]:%Y-%m}",
        len(base.months),
        int(draws),
        int(seed),
        _digest(base),
    )


def _nbytes(res: lf.SimulationResult) -> int:
    return sum(v.nbytes for f in fields(res) if isinstance(v := getattr(res, f.name), np.ndarray))


def _freeze(res: lf.SimulationResult) -> lf.SimulationResult:
    for f in fields(res):
        value = getattr(res, f.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return res


def simulate_baseline(base: Baseline, *, area: str, draws: int, seed: int) -> lf.SimulationResult:
    """The no-event run of ``base`` (employment area ``area``, ``draws`` draws, ``seed``),
    from the cache if present.

    Returns the same values as ``lf.simulate(base.params, base.path, base.init, None,
    draws=draws, seed=seed)``; the arrays are read-only.
    """
    key = baseline_key(base, area=area, draws=draws, seed=seed)
    with _lock:
        hit = _table.get(key)
        if hit is not None:
            _table.move_to_end(key)
            _stats["hits"] += 1
            return hit
        _stats["misses"] += 1
    res = _freeze(lf.simulate(base.params, base.path, base.init, None, draws=draws, seed=seed))
    _store(key, res)
    return res


def _store(key: Key, res: lf.SimulationResult) -> None:
    size = _nbytes(res)
    if size > MAX_BYTES:
        return
    with _lock:
        _table[key] = res
        _table.move_to_end(key)
        total = sum(_nbytes(r) for r in _table.values())
        while len(_table) > MAX_ENTRIES or total > MAX_BYTES:
            _, old = _table.popitem(last=False)
            total -= _nbytes(old)


def clear() -> None:
    """Drop every cached baseline run and reset the counters."""
    with _lock:
        _table.clear()
        _stats["hits"] = _stats["misses"] = 0


def info() -> CacheInfo:
    """Hits, misses, entries and bytes held."""
    with _lock:
        return CacheInfo(
            _stats["hits"], _stats["misses"], len(_table), sum(map(_nbytes, _table.values()))
        )
