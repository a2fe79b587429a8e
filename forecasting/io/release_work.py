"""Intermediate results of a release build, on disk, named by their cache keys.

Each build step writes its dataset to ``<root>/<key>.nc`` (default root
``get_settings().data.cache_dir / "release-work"``) and hands the next step a reference (the
key and content hash) instead of the array. The key is a hash of everything the result depends
on (step, inputs, data versions, code fingerprint, seed), so a file that exists *is* the result:
reruns with unchanged inputs read it instead of recomputing. Writes are atomic (temp file +
``os.replace``), so a killed step never leaves a file that looks finished.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import xarray as xr

from forecasting.io.release_store import _prepare, _write_netcdf
from forecasting.settings import PROJECT_ROOT, get_settings


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
            _write_netcdf(_prepare(ds), tmp)
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
