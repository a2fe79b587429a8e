"""Intermediate results of a release build, on disk, named by their cache keys.

Each build step writes its dataset to ``<root>/<key>.nc`` (default root
``get_settings().data.cache_dir / "release-work"``) and hands the next step a reference (the
key and content hash) instead of the array. The key is a hash of everything the result depends
on (step, inputs, data versions, code fingerprint, seed), so a file that exists *is* the result:
reruns with unchanged inputs read it instead of recomputing. Writes are atomic (temp file +
``os.replace``), so a killed step never leaves a file that looks finished.

The files are not compressed (:data:`WORK_COMPLEVEL`): every result is written once and read
by the steps after it, so zlib's CPU is paid on every build, while the disk it saves is
temporary. A published product's step also writes its release file here, compressed as the
release store writes it (``<key>-release.nc``,
:func:`forecasting.io.release_store.write_dataset_file`), so the steps compress in parallel
and publishing copies the files.

Retention: files are shared between builds (a rerun reuses them), so nothing belongs to one
build by its name. After a successful publish the flow records the keys that build used
(:meth:`WorkArea.record_build`, a small JSON file under ``builds/``) and removes every result
that none of the last ``keep`` recorded builds used (:meth:`WorkArea.prune`). A build holds a
shared lock on the work area while it runs (:meth:`WorkArea.lease`); a prune needs the lock
alone, so it never removes a file from under another build that is still running (it is
skipped and tried again after the next build).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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


log = logging.getLogger(__name__)

#: Sub-folder of the build records (one JSON file per successful build).
BUILDS_DIR = "builds"
#: The file every build holds a shared lock on (``flock``) while it runs.
LOCK_NAME = ".lock"
#: What a prune may remove: a step result ``<key>.nc`` or an unfinished write of one
#: (:meth:`WorkArea.save`); any other name in the folder is left alone.
_RESULT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.nc")
_TMP_NAME = re.compile(r"\.[A-Za-z0-9][A-Za-z0-9_.-]*\.nc\.[0-9a-f]{8}\.tmp")
_RECORD_NAME = re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{8}\.json")
#: An unfinished write older than this (s) is a killed build's residue.
STALE_TMP_S = 3600.0


@dataclass(frozen=True)
class PruneReport:
    """What :meth:`WorkArea.prune` did. ``skipped`` says why nothing was removed (another
    build holds the work area, an unreadable record among the kept ones); ``failed`` names
    the files that could not be removed (left for the next prune)."""

    kept_builds: int = 0
    removed_builds: int = 0
    removed_files: int = 0
    removed_bytes: int = 0
    failed: tuple[str, ...] = ()
    skipped: str | None = None


class Lease:
    """A running build's hold on a work area (a shared ``flock`` on its lock file)."""

    def __init__(self, fd: int):
        self.fd = fd


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
        return self.write(key, lambda path: write_netcdf(_prepare(ds), path))

    def write(self, key: str, writer: Callable[[Path], object]) -> Path:
        """Let ``writer(path)`` write the file of ``key`` under a temporary name, then move
        it into place (atomically); returns its path."""
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.path(key)
        tmp = final.with_name(f".{final.name}.{secrets.token_hex(4)}.tmp")
        try:
            writer(tmp)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final

    def load(self, key: str) -> xr.Dataset:
        """The result of ``key``, loaded into memory (``FileNotFoundError`` if absent)."""
        with xr.open_dataset(self.path(key), engine="h5netcdf") as ds:
            return ds.load()

    # -- retention ------------------------------------------------------------------------
    @contextmanager
    def lease(self) -> Iterator[Lease]:
        """Hold the work area for a build: a shared lock, released when the block ends (or
        the process dies), which keeps any prune from running meanwhile."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = self._open_lock()
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            yield Lease(fd)
        finally:
            os.close(fd)  # releases the lock

    def _open_lock(self) -> int:
        """A descriptor of the work area's lock file (created if missing, never a link)."""
        return os.open(self.root / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)

    def record_build(self, keys: Iterable[str], release_id: str | None = None) -> Path:
        """Record the results a successful build used (its inputs, every unit, combine and
        step), so that :meth:`prune` keeps them while the build is among the last ones."""
        folder = self.root / BUILDS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        name = f"{now:%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(4)}.json"
        body = {"finished": now.isoformat(), "release": release_id, "keys": sorted(set(keys))}
        tmp = folder / f".{name}.tmp"
        try:
            tmp.write_text(json.dumps(body, indent=0), encoding="utf-8")
            os.replace(tmp, folder / name)
        finally:
            tmp.unlink(missing_ok=True)
        return folder / name

    def prune(
        self, keep: int, lease: Lease | None = None, protect: Iterable[str] = ()
    ) -> PruneReport:
        """Remove the results that none of the last ``keep`` recorded builds used, the
        records of older builds, and unfinished writes older than :data:`STALE_TMP_S`.

        Only plain files directly in the folder whose names a build writes are removed (never
        a symbolic link, a sub-folder or another name; nothing outside the folder). Nothing is
        removed while another build holds the work area (:meth:`lease`): pass this build's
        own ``lease``, else the prune takes the lock itself. A file that cannot be removed is
        logged and reported, never raised. ``protect``: keys kept whatever the records say
        (the calling build's own).
        """
        if keep < 1:
            raise ValueError(f"keep must be at least 1 build, not {keep}")
        if not self.root.is_dir():
            return PruneReport()
        protect = set(protect)
        own = lease is None
        fd = self._open_lock() if lease is None else lease.fd
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not own:  # a refused conversion may drop the shared lock: take it again
                    fcntl.flock(fd, fcntl.LOCK_SH)
                return PruneReport(skipped="another build is using the work area")
            try:
                return self._prune_alone(keep, protect)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN if own else fcntl.LOCK_SH)
        finally:
            if own:
                os.close(fd)

    def _prune_alone(self, keep: int, protect: set[str]) -> PruneReport:
        """:meth:`prune` once this process holds the work area alone."""
        records_dir = self.root / BUILDS_DIR
        if records_dir.is_symlink() or (records_dir.exists() and not records_dir.is_dir()):
            return PruneReport(skipped=f"{BUILDS_DIR} is not a folder of the work area")
        names = (
            sorted(
                (e.name for e in os.scandir(records_dir) if _is_plain(e, _RECORD_NAME)),
                reverse=True,
            )
            if records_dir.is_dir()
            else []
        )
        kept, old = names[:keep], names[keep:]
        used = set(protect)
        for name in kept:
            try:
                body = json.loads((records_dir / name).read_text(encoding="utf-8"))
                used.update(str(k) for k in body["keys"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("work area %s: build record %s unreadable (%s)", self.root, name, exc)
                return PruneReport(skipped=f"build record {name} is unreadable")
        failed: list[str] = []
        removed_builds = 0
        if old:
            removed_builds, fails = _remove(records_dir, old)
            failed += [f"{BUILDS_DIR}/{n}" for n in fails]
        stale = time.time() - STALE_TMP_S
        sizes: dict[str, int] = {}
        for entry in os.scandir(self.root):
            unused = _is_plain(entry, _RESULT_NAME) and entry.name[: -len(".nc")] not in used
            residue = _is_plain(entry, _TMP_NAME) and _mtime(entry) < stale
            if unused or residue:
                sizes[entry.name] = entry.stat(follow_symlinks=False).st_size
        files, fails = _remove(self.root, sizes)
        failed += fails
        return PruneReport(
            kept_builds=len(kept),
            removed_builds=removed_builds,
            removed_files=files,
            removed_bytes=sum(size for name, size in sizes.items() if name not in fails),
            failed=tuple(failed),
        )


def _is_plain(entry: os.DirEntry[str], pattern: re.Pattern[str]) -> bool:
    """A regular file (not a link) whose whole name matches ``pattern``."""
    return pattern.fullmatch(entry.name) is not None and entry.is_file(follow_symlinks=False)


def _mtime(entry: os.DirEntry[str]) -> float:
    return entry.stat(follow_symlinks=False).st_mtime


def _remove(folder: Path, names: Iterable[str]) -> tuple[int, list[str]]:
    """Unlink ``names`` (plain names, no separators) in ``folder`` through the folder's own
    descriptor, so nothing outside it is touched; ``(removed, failed names)``."""
    removed, failed = 0, []
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in names:
            if "/" in name or name in (".", ".."):
                failed.append(name)
                continue
            try:
                os.unlink(name, dir_fd=fd)
                removed += 1
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("work area %s: could not remove %s (%s)", folder, name, exc)
                failed.append(name)
    finally:
        os.close(fd)
    return removed, failed


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
