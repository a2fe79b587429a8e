"""Intermediate results of a release build, on disk, named by their cache keys.

Each build step writes its dataset to ``<root>/<key>.nc`` (default root
``get_settings().data.cache_dir / "release-work"``) and hands the next step a reference (the
key and content hash) instead of the array. The key is a hash of everything the result depends
on (step, inputs, data versions, code fingerprint, seed), so a file that exists *is* the result:
reruns with unchanged inputs read it instead of recomputing. Writes are atomic (temp file +
``os.replace``), so a killed step never leaves a file that looks finished.

The files are not compressed (:data:`WORK_COMPLEVEL`): every result is written once and read
by the steps after it, so zlib's CPU is paid on every build, while the disk it saves is
temporary. Published products are written by the release store with their own compression.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import xarray as xr

from forecasting.io.release_store import _prepare
from forecasting.settings import PROJECT_ROOT, get_settings

#: zlib level of the work area's numeric variables (0: none). A national build wrote and read
#: ~40 CPU s of zlib level 4 (with shuffle) per build; ``benchmarks/work_encoding.py`` gives
#: CPU seconds and sizes per level on a build's saved products (docs/results/release.md).
WORK_COMPLEVEL = 0


def write_netcdf(ds: xr.Dataset, path: Path, complevel: int | None = None) -> None:
    """Write ``ds`` to ``path`` (h5netcdf) with numeric arrays at zlib ``complevel`` (with
    shuffle; 0: stored as they are; default :data:`WORK_COMPLEVEL`) and fsync it. The values
    and attrs read back are the same at every level; the encoding a variable was read with
    is not carried over."""
    if complevel is None:
        complevel = WORK_COMPLEVEL
    encoding = {
        str(name): {"zlib": True, "complevel": complevel, "shuffle": True} if complevel else {}
        for name, var in ds.variables.items()
        if var.dtype.kind in "fiu" and var.ndim > 0
    }
    ds.to_netcdf(path, engine="h5netcdf", encoding=encoding)
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


class WorkArea:
    """A folder of step results keyed by cache key.

    Parameters
    ----------
    root
        The folder (created on first save). Default: ``<cache_dir>/release-work``.
    """

    def __init__(self, root: Path | str | None = None):
        self.root = (
            Path(root) if root is not None else get_settings().data.cache_dir / "release-work"
        )

    def path(self, key: str) -> Path:
        """Where the result for ``key`` lives."""
        return self.root / f"{key}.nc"

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def save(self, key: str, ds: xr.Dataset) -> Path:
        """Write ``ds`` as the result of ``key`` (atomically); returns its path."""
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.path(key)
        tmp = final.with_name(f".{final.name}.{secrets.token_hex(4)}.tmp")
        try:
            write_netcdf(_prepare(ds), tmp)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final

    def load(self, key: str) -> xr.Dataset:
        """The result of ``key``, loaded into memory (``FileNotFoundError`` if absent)."""
        with xr.open_dataset(self.path(key), engine="h5netcdf") as ds:
            return ds.load()


def source_fingerprint(packages: tuple[str, ...] = ("forecasting", "models")) -> str:
    """A hash (16 hex) of the Python sources of ``packages`` under the project root.

    Catches uncommitted edits that the git-based ``code_version`` misses, so a cached step
    result is never reused after its code changed.
    """
    h = hashlib.sha256()
    for package in packages:
        base = PROJECT_ROOT / package
        for path in sorted(base.rglob("*.py")):
            h.update(str(path.relative_to(PROJECT_ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]
