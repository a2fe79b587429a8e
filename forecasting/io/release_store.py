"""The release store: versioned, immutable, atomically published releases on disk.

Layout under ``root`` (default ``get_settings().release.store_dir``, i.e. ``var/releases``)::

    root/
      CURRENT             pointer {"current": id, "releases": [id, ...]}: the ONE commit point
      releases/<id>/      one folder per release: manifest.json and <name>.nc (h5netcdf, zlib)
      .staging-<random>/  a publish in progress (ignored by readers, removed by the next publish)
      .lock               serialises publishers (flock)

A release becomes visible only when ``CURRENT`` is replaced (temp file + fsync + ``os.replace``),
and the pointer lists both the current release and the archive, so one atomic rename commits
both. Everything before it (dataset files, manifest, the rename of the staging folder into
``releases/``) is fsynced but invisible: a folder in ``releases/`` that the pointer does not list
is the residue of a failed publish, is never served, and is removed by the next publish.
Readers therefore see either the previous release or the new one, never a partial one.

The release id is ``<UTC timestamp>-<content hash>`` (``20250126T060000Z-1a2b3c4d``); the hash
covers the datasets (values and attributes) and the manifest minus its timings, so republishing
unchanged content is recognised and, by default, returns the current release without writing.

*Attachments* are files (bytes) published with the datasets, e.g. the monthly review rendered
as PDF and HTML: written into the staging folder, so they appear with the release in the same
atomic rename, and listed in the manifest's ``attachments`` with their sha256, size, media
type and free-form ``meta``. :meth:`Release.verify` checks them like the datasets (so the
service's ``/healthz`` covers them). They are renderings of the datasets and so are left out
of the release hash: republishing the same datasets deduplicates to the current release even
if a rendering differs by its generation date.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from forecasting.errors import EnnakointiError
from forecasting.io._atomic import fsync_path
from forecasting.io.indexes import prime_indexes
from forecasting.provenance import content_hash
from forecasting.settings import get_settings

#: The datasets a full release holds (the service serves them by these names).
CANONICAL_NAMES: tuple[str, ...] = (
    "registers_history",
    "register_forecasts",
    "register_backtest_metrics",
    "occupation_forecasts",
    "population_projection",
    "population_variants",
    "population_projection_low",
    "population_projection_high",
    "labour_supply",
    "jobs_by_industry",
    "labour_balance",
    "training_needs",
    "scenarios",
    "alerts",
)
POINTER = "CURRENT"
MANIFEST = "manifest.json"
RELEASES_DIR = "releases"
STAGING_PREFIX = ".staging-"
FORMAT_VERSION = 1
#: Manifest keys left out of the content hash (they differ between identical rebuilds).
VOLATILE_KEYS = frozenset(
    {"created", "timings", "id", "release_hash", "datasets", "libraries", "attachments"}
)
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: An attachment's file name: letters, digits, ``_ . -``; no path separators, no leading dot.
_ATTACHMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
ATTACHMENTS_DIR = "attachments"
_ID_RE = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?$")
_LIBRARIES = ("numpy", "pandas", "xarray", "h5netcdf", "h5py", "scipy", "statsmodels", "numba")


class ReleaseError(EnnakointiError):
    """The release store cannot complete a request (bad input or a damaged store)."""


class ReleaseNotFoundError(ReleaseError, KeyError):
    """No such release, no release published yet, or no such dataset in a release."""

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0]) if self.args else "release not found"


@dataclass(frozen=True)
class ReleaseInfo:
    """What a listing says about one published release."""

    id: str
    created: datetime
    data_version: str
    code_version: str
    path: Path


@dataclass(frozen=True)
class Attachment:
    """A file to publish with a release: ``name`` (its file name), ``data``, ``media_type``
    and ``meta`` (JSON facts, e.g. ``{"kind": "monthly_review", "area": "TA23"}``)."""

    name: str
    data: bytes
    media_type: str = "application/octet-stream"
    meta: Mapping[str, Any] = field(default_factory=dict)


class Release:
    """One published release, opened for reading. Datasets load lazily and are cached.

    Treat returned datasets as read-only: they are shared by every caller of this object.
    """

    def __init__(self, path: Path, manifest: dict[str, Any]):
        self.path = path
        self.manifest = manifest
        self._cache: dict[str, xr.Dataset] = {}
        self._lock = threading.Lock()  # guards the per-dataset locks below
        self._loading: dict[str, threading.Lock] = {}

    @property
    def id(self) -> str:
        return str(self.manifest["id"])

    @property
    def info(self) -> ReleaseInfo:
        return _info(self.path, self.manifest)

    def names(self) -> list[str]:
        """The dataset names in this release, in the order they were published."""
        return [entry["name"] for entry in self.manifest["datasets"]]

    def dataset(self, name: str) -> xr.Dataset:
        """Dataset ``name``, fully loaded into memory (cached per :class:`Release`)."""
        if name not in self.names():
            raise ReleaseNotFoundError(
                f"release {self.id} has no dataset {name!r} (has: {', '.join(self.names())})"
            )
        cached = self._cache.get(name)  # no lock: a dataset being loaded must not block reads
        if cached is not None:
            return cached
        with self._lock:
            loading = self._loading.setdefault(name, threading.Lock())
        # one lock per dataset: a read of one dataset never waits for another being loaded
        # (the start-up's check loads them all in the background)
        with loading:
            if name not in self._cache:
                try:
                    with xr.open_dataset(self.path / f"{name}.nc", engine="h5netcdf") as ds:
                        self._cache[name] = prime_indexes(ds.load())
                except (OSError, ValueError, KeyError) as exc:  # truncated, missing, not HDF5
                    raise ReleaseError(
                        f"dataset {name!r} of release {self.id} is unreadable "
                        f"({type(exc).__name__}: {exc})"
                    ) from exc
            return self._cache[name]

    def attachments(self) -> list[dict[str, Any]]:
        """The manifest entries of the release's attachments (``name``, ``file``,
        ``sha256``, ``bytes``, ``media_type``, ``meta``); empty for a release without any."""
        return [dict(entry) for entry in self.manifest.get("attachments", [])]

    def find_attachment(self, **meta: Any) -> dict[str, Any] | None:
        """The first attachment whose ``meta`` has every given key/value, or None."""
        for entry in self.attachments():
            if all(entry.get("meta", {}).get(k) == v for k, v in meta.items()):
                return entry
        return None

    def attachment(self, name: str) -> bytes:
        """The bytes of attachment ``name``, checked against the manifest's sha256.

        Raises
        ------
        ReleaseNotFoundError
            If the release has no such attachment.
        ReleaseError
            If its file is missing or its content differs from the manifest.
        """
        entry = next((e for e in self.attachments() if e["name"] == name), None)
        if entry is None:
            raise ReleaseNotFoundError(f"release {self.id} has no attachment {name!r}")
        try:
            data = (self.path / entry["file"]).read_bytes()
        except OSError as exc:
            raise ReleaseError(f"attachment {name!r} of release {self.id} is unreadable") from exc
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ReleaseError(f"attachment {name!r} of release {self.id} differs from its hash")
        return data

    def verify(self) -> list[str]:
        """The datasets and attachments whose file is unreadable or whose content hash
        differs from the manifest's (empty when the release is intact). Loads every dataset
        (cached); an attachment is named ``attachments/<name>``."""
        bad = []
        for entry in self.manifest["datasets"]:
            try:
                ds = self.dataset(entry["name"])
            except ReleaseError:
                bad.append(entry["name"])
                continue
            if entry.get("content_hash") and content_hash(ds) != entry["content_hash"]:
                bad.append(entry["name"])
        for att in self.attachments():
            try:
                self.attachment(att["name"])
            except ReleaseError:
                bad.append(f"{ATTACHMENTS_DIR}/{att['name']}")
        return bad

    def __repr__(self) -> str:
        return f"Release({self.id!r}, datasets={self.names()})"


class ReleaseStore:
    """Publish and read releases under ``root`` (see the module docstring for the layout).

    Parameters
    ----------
    root
        The store directory, created on first publish.
        Default: ``get_settings().release.store_dir``.
    """

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root is not None else get_settings().release.store_dir

    # -- reading ---------------------------------------------------------------------------
    def current(self) -> ReleaseInfo | None:
        """The current release, or None before the first publish."""
        pointer = self._read_pointer()
        if pointer["current"] is None:
            return None
        return self._load_info(pointer["current"])

    def list_releases(self) -> list[ReleaseInfo]:
        """Every published release (the archive), oldest first."""
        return [self._load_info(rid) for rid in self._read_pointer()["releases"]]

    def open(self, release_id: str | None = None) -> Release:
        """Open release ``release_id`` (default: the current one) for reading."""
        pointer = self._read_pointer()
        if release_id is None:
            release_id = pointer["current"]
            if release_id is None:
                raise ReleaseNotFoundError(f"no release has been published in {self.root}")
        elif release_id not in pointer["releases"]:
            raise ReleaseNotFoundError(f"unknown release {release_id!r}")
        path = self._release_dir(release_id)
        return Release(path, _read_manifest(path))

    # -- writing ---------------------------------------------------------------------------
    def publish(
        self,
        datasets: Mapping[str, xr.Dataset],
        manifest: Mapping[str, Any],
        *,
        attachments: Sequence[Attachment] = (),
        dedupe: bool = True,
        files: Mapping[str, PreparedFile] | None = None,
    ) -> ReleaseInfo:
        """Write ``datasets`` and ``manifest`` as a new release and make it current, atomically.

        Parameters
        ----------
        datasets
            ``{name: dataset}``; names are lower-case identifiers (see :data:`CANONICAL_NAMES`).
        manifest
            JSON-serialisable facts about the build: ``data_version``, ``code_version``,
            ``seeds``, ``metrics``, and optionally ``timings`` (excluded from the content hash).
            The store adds ``id``, ``created``, ``release_hash``, ``libraries``, ``datasets``
            and ``attachments``.
        attachments
            Files written into the release's ``attachments/`` folder (see the module
            docstring); not part of the release hash.
        dedupe
            If the content equals the current release's, return it and write nothing.
        files
            ``{name: PreparedFile}``: the file of a dataset already written by
            :func:`write_dataset_file` (e.g. by the step that built it, in parallel with the
            others), copied into the release instead of writing ``datasets[name]`` again.
            Its bytes must have the SHA-256 the entry states, else :class:`ReleaseError`
            and nothing is published.

        Returns
        -------
        ReleaseInfo
            The new (or, when deduplicated, the unchanged current) release.
        """
        if not datasets:
            raise ReleaseError("a release needs at least one dataset")
        for name, ds in datasets.items():
            if not _NAME_RE.match(name):
                raise ReleaseError(f"invalid dataset name {name!r} (lower-case identifier)")
            if not isinstance(ds, xr.Dataset):
                raise ReleaseError(f"dataset {name!r} is a {type(ds).__name__}, not xr.Dataset")
        _check_attachments(attachments)
        prepared = {name: _prepare(ds) for name, ds in datasets.items()}
        entries = [_entry(name, ds) for name, ds in prepared.items()]
        body = _jsonable(dict(manifest))
        release_hash = _release_hash(entries, body)
        self.root.mkdir(parents=True, exist_ok=True)
        with self._publish_lock():
            pointer = self._read_pointer()
            self._clean_residue(pointer)
            if dedupe and pointer["current"] is not None:
                current = _read_manifest(self._release_dir(pointer["current"]))
                if current.get("release_hash") == release_hash:
                    return _info(self._release_dir(pointer["current"]), current)
            created = datetime.now(UTC).replace(microsecond=0)
            release_id = self._new_id(created, release_hash, pointer)
            full = {
                **body,
                "id": release_id,
                "created": created.isoformat(),
                "release_hash": release_hash,
                "format_version": FORMAT_VERSION,
                "libraries": {**_library_versions(), **body.get("libraries", {})},
                "datasets": entries,
                "attachments": [_attachment_entry(a) for a in attachments],
            }
            final = self._write_release(prepared, full, release_id, attachments, files or {})
            try:
                self._write_pointer(
                    {
                        "current": release_id,
                        "previous": pointer["current"],
                        "releases": [*pointer["releases"], release_id],
                    }
                )
            except BaseException:
                shutil.rmtree(final, ignore_errors=True)
                raise
            return _info(final, full)

    def set_current(self, release_id: str) -> ReleaseInfo:
        """Point ``CURRENT`` at an archived release (roll back or forward), atomically."""
        with self._publish_lock():
            pointer = self._read_pointer()
            if release_id not in pointer["releases"]:
                raise ReleaseNotFoundError(f"unknown release {release_id!r}")
            self._write_pointer(
                {
                    "current": release_id,
                    "previous": pointer["current"],
                    "releases": pointer["releases"],
                }
            )
        return self._load_info(release_id)

    def withdraw(self, release_id: str) -> ReleaseInfo | None:
        """Take a release out of the archive (undo a publish whose build failed later).

        If it is current, the release that was current before it becomes current again (or
        the newest remaining one). The folder stays until the next publish removes it, so a
        reader that opened it just before keeps working. Returns the new current release.
        """
        with self._publish_lock():
            pointer = self._read_pointer()
            if release_id not in pointer["releases"]:
                raise ReleaseNotFoundError(f"unknown release {release_id!r}")
            remaining = [r for r in pointer["releases"] if r != release_id]
            current = pointer["current"]
            if current == release_id:
                previous = pointer.get("previous")
                current = previous if previous in remaining else (remaining or [None])[-1]
            self._write_pointer({"current": current, "previous": None, "releases": remaining})
        return None if current is None else self._load_info(current)

    # -- internals -------------------------------------------------------------------------
    def _release_dir(self, release_id: str) -> Path:
        if not _ID_RE.match(release_id):
            raise ReleaseNotFoundError(f"malformed release id {release_id!r}")
        return self.root / RELEASES_DIR / release_id

    def _load_info(self, release_id: str) -> ReleaseInfo:
        path = self._release_dir(release_id)
        return _info(path, _read_manifest(path))

    def _read_pointer(self) -> dict[str, Any]:
        path = self.root / POINTER
        try:
            pointer = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"current": None, "releases": []}
        except (OSError, ValueError) as exc:
            raise ReleaseError(f"release pointer {path} is unreadable: {exc}") from exc
        if not isinstance(pointer, dict) or not isinstance(pointer.get("releases"), list):
            raise ReleaseError(f"release pointer {path} is malformed")
        return pointer

    def _write_pointer(self, pointer: Mapping[str, Any]) -> None:
        tmp = self.root / f".{POINTER}.{secrets.token_hex(6)}.tmp"
        try:
            _write_synced(tmp, json.dumps(pointer, indent=1).encode())
            os.replace(tmp, self.root / POINTER)
        finally:
            tmp.unlink(missing_ok=True)
        fsync_path(self.root)

    def _write_release(
        self,
        datasets: Mapping[str, xr.Dataset],
        manifest: Mapping[str, Any],
        release_id: str,
        attachments: Sequence[Attachment] = (),
        files: Mapping[str, PreparedFile] | None = None,
    ) -> Path:
        staging = self.root / f"{STAGING_PREFIX}{secrets.token_hex(8)}"
        staging.mkdir()
        try:
            for name, ds in datasets.items():
                prepared_file = (files or {}).get(name)
                if prepared_file is None:
                    _write_netcdf(ds, staging / f"{name}.nc")
                else:
                    _copy_prepared(name, prepared_file, staging / f"{name}.nc")
            if attachments:
                folder = staging / ATTACHMENTS_DIR
                folder.mkdir()
                for att in attachments:
                    _write_synced(folder / att.name, att.data)
                fsync_path(folder)
            _write_synced(staging / MANIFEST, _dumps(manifest).encode())
            fsync_path(staging)
            releases = self.root / RELEASES_DIR
            releases.mkdir(exist_ok=True)
            final = releases / release_id
            os.rename(staging, final)
            fsync_path(releases)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return final

    def _new_id(self, created: datetime, release_hash: str, pointer: Mapping[str, Any]) -> str:
        base = f"{created:%Y%m%dT%H%M%SZ}-{release_hash[:8]}"
        release_id, n = base, 0
        while release_id in pointer["releases"] or (self.root / RELEASES_DIR / release_id).exists():
            n += 1
            release_id = f"{base}-{n}"
        return release_id

    def _clean_residue(self, pointer: Mapping[str, Any]) -> None:
        """Remove staging folders and release folders no pointer lists (failed publishes)."""
        for path in self.root.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(path, ignore_errors=True)
        for path in self.root.glob(f".{POINTER}.*.tmp"):
            path.unlink(missing_ok=True)
        releases = self.root / RELEASES_DIR
        if releases.is_dir():
            listed = set(pointer["releases"])
            for path in releases.iterdir():
                if path.name not in listed:
                    shutil.rmtree(path, ignore_errors=True)

    @contextlib.contextmanager
    def _publish_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


# -- helpers ---------------------------------------------------------------------------------
def _info(path: Path, manifest: Mapping[str, Any]) -> ReleaseInfo:
    return ReleaseInfo(
        id=str(manifest["id"]),
        created=datetime.fromisoformat(manifest["created"]),
        data_version=str(manifest.get("data_version", "")),
        code_version=str(manifest.get("code_version", "")),
        path=path,
    )


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReleaseNotFoundError(f"release folder {path} has no manifest") from exc
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"manifest of {path} is unreadable: {exc}") from exc
    return manifest


def _prepare(ds: xr.Dataset) -> xr.Dataset:
    """A shallow copy whose attrs netCDF can hold (dicts and lists of mixed types as JSON)."""
    out = ds.copy()
    out.attrs = {k: _attr(v) for k, v in ds.attrs.items() if v is not None}
    for name in out.variables:
        var = out.variables[name]
        var.attrs = {k: _attr(v) for k, v in var.attrs.items() if v is not None}
    return out


def _attr(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, Mapping) or (
        isinstance(value, list | tuple) and not all(isinstance(v, int | float) for v in value)
    ):
        return json.dumps(_jsonable(value), sort_keys=True)
    return value


def _entry(name: str, ds: xr.Dataset) -> dict[str, Any]:
    attrs_hash = hashlib.sha256(_dumps(_jsonable(ds.attrs)).encode()).hexdigest()[:16]
    return {
        "name": name,
        "file": f"{name}.nc",
        "content_hash": content_hash(ds),
        "attrs_hash": attrs_hash,
        "dims": {str(k): int(v) for k, v in ds.sizes.items()},
        "variables": sorted(map(str, ds.data_vars)),
    }


def _check_attachments(attachments: Sequence[Attachment]) -> None:
    names = [a.name for a in attachments]
    for att in attachments:
        if not isinstance(att, Attachment) or not isinstance(att.data, bytes):
            raise ReleaseError(f"attachment {getattr(att, 'name', att)!r} is not bytes")
        if not _ATTACHMENT_RE.match(att.name):
            raise ReleaseError(f"invalid attachment name {att.name!r} (a plain file name)")
    if len(set(names)) != len(names):
        raise ReleaseError(f"duplicate attachment names in {names}")


def _attachment_entry(att: Attachment) -> dict[str, Any]:
    return {
        "name": att.name,
        "file": f"{ATTACHMENTS_DIR}/{att.name}",
        "sha256": hashlib.sha256(att.data).hexdigest(),
        "bytes": len(att.data),
        "media_type": att.media_type,
        "meta": _jsonable(dict(att.meta)),
    }


def _release_hash(entries: list[dict[str, Any]], manifest: Mapping[str, Any]) -> str:
    stable = {k: v for k, v in manifest.items() if k not in VOLATILE_KEYS}
    parts = [(e["name"], e["content_hash"], e["attrs_hash"]) for e in entries]
    return hashlib.sha256(_dumps({"datasets": parts, "manifest": stable}).encode()).hexdigest()


@dataclass(frozen=True)
class PreparedFile:
    """A dataset's release file written ahead of publishing (:func:`write_dataset_file`)
    and the SHA-256 (hex) of its bytes, which publishing checks."""

    path: Path
    sha256: str


def write_dataset_file(ds: xr.Dataset, path: Path) -> PreparedFile:
    """Write ``ds`` to ``path`` as :meth:`ReleaseStore.publish` writes a release's dataset
    (the same bytes: attrs made storable, numeric arrays zlib level 4 with shuffle), fsynced;
    to hand to ``publish(files=...)``. Not atomic by itself: write to a temporary name and
    rename if a reader might see the path."""
    _write_netcdf(_prepare(ds), path)
    return PreparedFile(path=path, sha256=hashlib.sha256(path.read_bytes()).hexdigest())


def _copy_prepared(name: str, prepared: PreparedFile, target: Path) -> None:
    """Copy a prepared release file into a staging folder (fsynced) after checking its hash."""
    try:
        data = Path(prepared.path).read_bytes()
    except OSError as exc:
        raise ReleaseError(f"the prepared file of {name!r} cannot be read: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != prepared.sha256:
        raise ReleaseError(
            f"the prepared file of {name!r} ({prepared.path}) does not have the SHA-256 "
            f"{prepared.sha256[:16]}..; it changed after it was written"
        )
    _write_synced(target, data)


def _write_netcdf(ds: xr.Dataset, path: Path) -> None:
    encoding = {
        str(name): {"zlib": True, "complevel": 4, "shuffle": True}
        for name, var in ds.variables.items()
        if var.dtype.kind in "fiu" and var.ndim > 0
    }
    ds.to_netcdf(path, engine="h5netcdf", encoding=encoding)
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _jsonable(value: Any) -> Any:
    """``value`` with numpy scalars/arrays, paths and datetimes turned into JSON types."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, indent=1, allow_nan=False)


def _library_versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for lib in _LIBRARIES:
        with contextlib.suppress(PackageNotFoundError):
            out[lib] = version(lib)
    return out
