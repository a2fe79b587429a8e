"""Reading and writing the snapshot's files: one netCDF file per cube plus ``manifest.json``.

Files are written with h5netcdf, zlib + shuffle, counts as float32 where that is exact, time as
int32 days since 1970-01-01, and no wall-clock timestamps, so the same data gives the same
bytes. Reading loads everything into memory, closes the file and casts float32 back to float64.
:func:`build_lock` keeps two builds of the same snapshot from running at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from forecasting.errors import DataError
from forecasting.io._atomic import fsync_path
from forecasting.io.indexes import prime_indexes

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
COMPRESSION = {"zlib": True, "complevel": 6, "shuffle": True}
TIME_ENCODING = {"units": "days since 1970-01-01", "calendar": "proleptic_gregorian"}


def float32_exact(values: np.ndarray) -> bool:
    """True if ``values`` (float) survive a round trip through float32 unchanged (NaN kept)."""
    if values.dtype.kind != "f":
        return False
    back = values.astype(np.float32).astype(values.dtype)
    return bool(np.array_equal(back, values, equal_nan=True))


def encoding_for(ds: xr.Dataset) -> dict[str, dict[str, Any]]:
    """Deterministic netCDF encoding of every variable of ``ds``."""
    enc: dict[str, dict[str, Any]] = {}
    for name, var in ds.variables.items():
        key = str(name)
        if np.issubdtype(var.dtype, np.datetime64):
            days = var.values.astype("datetime64[D]")
            if np.any(days != var.values):
                raise DataError(f"{key}: times must fall on whole days to be stored")
            enc[key] = {**TIME_ENCODING, "dtype": "int32", "_FillValue": None}
        elif var.dtype.kind in "OUS":
            enc[key] = {"dtype": str}
        elif var.dtype.kind == "f":
            dtype = np.float32 if float32_exact(np.asarray(var.values)) else np.float64
            enc[key] = {"dtype": dtype, "_FillValue": np.nan, **COMPRESSION}
        else:
            enc[key] = {"_FillValue": None, **COMPRESSION}
        if var.ndim == 0 or key in ds.dims:
            for opt in COMPRESSION:
                enc[key].pop(opt, None)
    return enc


def write_cube(ds: xr.Dataset, path: Path) -> None:
    """Write ``ds`` to ``path`` (netCDF4/HDF5 via h5netcdf) and fsync it."""
    ds.to_netcdf(path, engine="h5netcdf", encoding=encoding_for(ds), invalid_netcdf=False)
    fsync_path(path)


def read_cube(path: Path) -> xr.Dataset:
    """Load a cube file fully into memory; float32 variables come back as float64.

    Raises
    ------
    DataError
        If the file is missing or cannot be read as netCDF.
    """
    try:
        with xr.open_dataset(path, engine="h5netcdf") as handle:
            ds = handle.load()
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"cannot read snapshot cube: {exc}", source=str(path)) from exc
    for name, var in ds.data_vars.items():
        if var.dtype == np.float32:
            ds[name] = var.astype(np.float64)
    for name in ds.variables:
        ds[name].encoding = {}
    return prime_indexes(ds)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(manifest: dict[str, Any], directory: Path) -> Path:
    """Write ``manifest.json`` (sorted keys, 2-space indent, trailing newline) and fsync it."""
    path = directory / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    fsync_path(path)
    return path


def read_manifest(directory: Path) -> dict[str, Any]:
    """Read and minimally check ``manifest.json``.

    Raises
    ------
    DataError
        If it is missing, not JSON, or of another format version.
    """
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError(
            "no snapshot manifest: build it with `python -m forecasting.io.snapshot_build`",
            source=str(path),
        ) from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read snapshot manifest: {exc}", source=str(path)) from exc
    if manifest.get("format") != MANIFEST_FORMAT or "cubes" not in manifest:
        raise DataError(f"unsupported manifest format {manifest.get('format')!r}", source=str(path))
    return manifest


def lock_path(directory: Path) -> Path:
    """The lock file of the snapshot ``directory``: ``.<name>.lock`` beside it."""
    directory = Path(directory)
    return directory.parent / f".{directory.name}.lock"


def _try_lock(path: Path) -> int | None:
    """An open descriptor of ``path`` holding an exclusive flock, or None if it is taken.

    The lock counts only if ``path`` still names the locked file afterwards: the holder
    unlinks it on release, and a waiter may have opened the old, unlinked file.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    try:
        same = os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        same = False
    if not same:
        os.close(fd)
        return None
    return fd


@contextmanager
def build_lock(directory: Path, *, timeout: float = 600.0, poll: float = 0.1) -> Iterator[Path]:
    """Hold the exclusive build lock of the snapshot ``directory`` (POSIX ``flock``).

    Parameters
    ----------
    directory
        The snapshot directory (it need not exist; its parent must).
    timeout
        Seconds to wait for another build to finish.
    poll
        Seconds between attempts.

    Raises
    ------
    DataError
        If the lock is still held by another process after ``timeout`` seconds.

    The operating system releases the lock if the holder dies; the lock file is removed on
    release, so no file is left beside the snapshot.
    """
    path = lock_path(directory)
    deadline = time.monotonic() + timeout
    while (fd := _try_lock(path)) is None:
        if time.monotonic() >= deadline:
            raise DataError(
                f"another snapshot build still holds the lock after {timeout:g} s", source=str(path)
            )
        time.sleep(poll)
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)
