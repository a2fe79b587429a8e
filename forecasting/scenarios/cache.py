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

Shared between processes (:func:`use_files`): behind the in-process table an optional store
of files (:class:`forecasting.io.array_files.ArrayFiles`, set up by the caller that owns a
work directory: the service's scenario worker processes) keeps every baseline run written
by any process of the machine. A miss of the table looks there first (a file read instead
of a kernel run: a baseline computed by one worker serves the others and survives a
restart), and a new run is written there too. Entries are named by a digest of the key and
hold the whole key; an unreadable file is ignored and the run recomputed, never an error.
The arrays read back are the ones written, so results do not depend on where a baseline
came from.

Built baselines (:func:`built_baseline`): :func:`forecasting.scenarios.baseline.build_baseline`
tracks the register targets month by month (about 0.15-0.2 CPU s a run, mostly xarray
selections), and its result depends only on the calibration, the first month, the horizon
and the register forecasts given as targets. The service holds one calibration per area, so
the same window's baseline is built once and reused by every later run; keyed by the
calibration object's identity (the entry holds the calibration, so the identity cannot be
reused while the entry lives), the month, the horizon and a BLAKE2b digest of the targets'
values and labels. At most :data:`MAX_BUILT` entries (each keeps its calibration alive);
their arrays are read-only.

Derived arrays (:func:`derived`): what every run of a window derives again from its cached
(read-only) baseline run or built baseline (the baseline run's employed summed over
industries, the area's slack factor: about 0.02 CPU s a run) is computed once and kept while
that object is alive (not longer: it goes with the object when the table drops it).
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from models import labourflow as lf

if TYPE_CHECKING:
    import xarray as xr

    from forecasting.scenarios.baseline import Baseline, Calibration

#: Most baseline runs kept.
MAX_ENTRIES = 8
#: Most bytes of result arrays kept (about five 1,000-draw, 60-month runs).
MAX_BYTES = 256 * 2**20

#: Most built baselines kept (:func:`built_baseline`): the service's warm windows (three
#: start months, with and without register forecasts) and two more.
MAX_BUILT = 8

Key = tuple[str, str, str, int, int, int, str]
BuiltKey = tuple[int, str, int, str]


@dataclass(frozen=True)
class CacheInfo:
    """Counters of the baseline cache: hits, misses, entries and their bytes; ``file_hits``:
    misses of the in-process table answered by the shared files (:func:`use_files`)."""

    hits: int
    misses: int
    entries: int
    nbytes: int
    file_hits: int = 0


class ArrayStore(Protocol):
    """Where baseline runs are shared between processes
    (:class:`forecasting.io.array_files.ArrayFiles`)."""

    def load(self, name: str, key: str) -> dict[str, np.ndarray] | None: ...

    def save(self, name: str, key: str, arrays: dict[str, np.ndarray]) -> bool: ...


_lock = threading.Lock()
_table: OrderedDict[Key, lf.SimulationResult] = OrderedDict()
_stats = {"hits": 0, "misses": 0, "file_hits": 0}
_files: ArrayStore | None = None
_files_version = ""
_built: OrderedDict[BuiltKey, tuple[Calibration, Baseline]] = OrderedDict()
_derived: dict[tuple[int, str], tuple[weakref.ref[Any], np.ndarray]] = {}
_built_stats = {"hits": 0, "misses": 0}


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


def use_files(store: ArrayStore | None, version: str = "") -> None:
    """Share baseline runs through ``store`` (None: this process's table only).

    ``version``: of the code that simulates (e.g. the commit and a digest of ``models/``),
    part of every entry's key, so that files written by other code are never read (the
    in-process table needs none: it lives and dies with its code)."""
    global _files, _files_version
    with _lock:
        _files, _files_version = store, version


def _file_name(key: Key) -> tuple[str, str]:
    """``(entry name, key text)`` of ``key`` in the shared files."""
    text = json.dumps([_files_version, *key])
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest(), text


def _to_arrays(res: lf.SimulationResult) -> dict[str, np.ndarray]:
    return {f.name: np.asarray(getattr(res, f.name)) for f in fields(res)}


def _from_arrays(arrays: dict[str, np.ndarray]) -> lf.SimulationResult | None:
    """The result the arrays hold, or None when a field is missing (another layout)."""
    names = [f.name for f in fields(lf.SimulationResult)]
    if set(names) != set(arrays):
        return None
    values: dict[str, Any] = {n: arrays[n] if arrays[n].ndim else int(arrays[n]) for n in names}
    return _freeze(lf.SimulationResult(**values))


def _from_files(key: Key) -> lf.SimulationResult | None:
    store = _files
    if store is None:
        return None
    arrays = store.load(*_file_name(key))
    return None if arrays is None else _from_arrays(arrays)


def simulate_baseline(base: Baseline, *, area: str, draws: int, seed: int) -> lf.SimulationResult:
    """The no-event run of ``base`` (employment area ``area``, ``draws`` draws, ``seed``),
    from the cache (this process's table, then the shared files) if present.

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
    res = _from_files(key)
    if res is not None:
        with _lock:
            _stats["file_hits"] += 1
        _store(key, res)
        return res
    res = _freeze(lf.simulate(base.params, base.path, base.init, None, draws=draws, seed=seed))
    store = _files
    if store is not None:
        store.save(*_file_name(key), _to_arrays(res))
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


def _targets_digest(targets: xr.Dataset | None) -> str:
    """BLAKE2b (128 bits) of every variable and coordinate of ``targets`` (names, dims,
    values); empty for None."""
    if targets is None:
        return ""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(map(str, targets.variables)):
        var = targets.variables[name]
        arr = np.asarray(var.values)
        if arr.dtype.kind in "OUS":  # labels: their text, not object pointers
            arr = np.asarray(arr.astype(str), dtype=np.str_)
        arr = np.ascontiguousarray(arr)
        h.update(f"{name}{var.dims}{arr.dtype.str}{arr.shape}".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _freeze_arrays(obj: object) -> None:
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            value.flags.writeable = False


def built_baseline(
    calibration: Calibration,
    first: str | pd.Timestamp,
    months: int,
    *,
    baseline: xr.Dataset | None = None,
) -> Baseline:
    """:func:`forecasting.scenarios.baseline.build_baseline` of the same arguments, from
    the cache when the same calibration object built it before (arrays read-only)."""
    from forecasting.scenarios.baseline import build_baseline

    month = pd.Timestamp(first).to_period("M").to_timestamp()
    key = (id(calibration), f"{month:%Y-%m}", int(months), _targets_digest(baseline))
    with _lock:
        hit = _built.get(key)
        if hit is not None and hit[0] is calibration:
            _built.move_to_end(key)
            _built_stats["hits"] += 1
            return hit[1]
        _built_stats["misses"] += 1
    base = build_baseline(calibration, month, months, baseline=baseline)
    for part in (base.params, base.path, base.init, base.targets):
        _freeze_arrays(part)
    for arr in (base.expected_unemployed, base.expected_long_term, base.expected_vacancies):
        arr.flags.writeable = False
    with _lock:
        _built[key] = (calibration, base)
        _built.move_to_end(key)
        while len(_built) > MAX_BUILT:
            _built.popitem(last=False)
    return base


def derived(obj: Any, name: str, compute: Callable[[Any], np.ndarray]) -> np.ndarray:
    """``compute(obj)``, kept while ``obj`` lives, for an object of this cache: a baseline
    run (:func:`simulate_baseline`) or a built baseline (:func:`built_baseline`), whose
    arrays are read-only; computed every time for any other object (its arrays could
    change). ``name`` names what ``compute`` derives (from ``obj`` and what ``obj`` was made
    from: a built baseline's calibration); the array returned is read-only."""
    arrays = [v for f in fields(obj) if isinstance(v := getattr(obj, f.name), np.ndarray)]
    if not arrays or any(a.flags.writeable for a in arrays):
        return compute(obj)
    k = (id(obj), name)
    with _lock:
        hit = _derived.get(k)
    if hit is not None and hit[0]() is obj:
        return hit[1]
    value = np.asarray(compute(obj))
    value.flags.writeable = False

    def drop(_: object, k: tuple[int, str] = k) -> None:
        _derived.pop(k, None)  # no lock: may run while a caller holds it (an eviction)

    with _lock:
        _derived[k] = (weakref.ref(obj, drop), value)
    return value


def built_info() -> CacheInfo:
    """Hits, misses and entries of the built baselines (``nbytes`` 0: not counted)."""
    with _lock:
        return CacheInfo(_built_stats["hits"], _built_stats["misses"], len(_built), 0)


def clear() -> None:
    """Drop every cached baseline run and built baseline of this process and reset the
    counters (the shared files stay: they are the other processes' too)."""
    with _lock:
        _table.clear()
        _stats["hits"] = _stats["misses"] = _stats["file_hits"] = 0
        _built.clear()
        _derived.clear()
        _built_stats["hits"] = _built_stats["misses"] = 0


def info() -> CacheInfo:
    """Hits, misses, entries and bytes held."""
    with _lock:
        return CacheInfo(
            _stats["hits"],
            _stats["misses"],
            len(_table),
            sum(map(_nbytes, _table.values())),
            _stats["file_hits"],
        )
