"""Build the embedded data snapshot from the shared source extracts, all or nothing.

Usage::

    python -m forecasting.io.snapshot_build [--shared DIR] [--out DIR] [--modules a,b]

Every registered source module (:mod:`forecasting.io.sources`) returns its cubes; each cube is
put in canonical dim order, validated against the data contract, hashed
(:func:`forecasting.provenance.content_hash` of names, coords and values, float64), stamped with
provenance and written as ``<name>.nc``; ``manifest.json`` records per cube the StatFin tables,
source files (with their SHA-256 and line counts), the source repository and commit, licence,
retrieval date, ``data_version``, sizes, non-missing cell counts and value totals.

Everything is written to a temporary directory beside the target, read back and verified, and
only then swapped in; on any error nothing in the target changes. The same inputs give the same
``data_version`` values (and the same bytes) on every run: no wall-clock time is stored.
``--modules`` rebuilds only some source modules and carries the other cubes over unchanged.
A build holds an exclusive lock (``.<snapshot dir>.lock`` beside the target, see
:func:`forecasting.io.snapshot_store.build_lock`) from before it reads the current manifest
until the swap, so concurrent builds run one after the other and never lose each other's cubes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from forecasting import __version__
from forecasting.contract import to_canonical, validate
from forecasting.errors import DataError, EnnakointiError
from forecasting.io.snapshot_store import (
    MANIFEST,
    MANIFEST_FORMAT,
    build_lock,
    file_sha256,
    read_cube,
    read_manifest,
    write_cube,
    write_manifest,
)
from forecasting.io.sources import SOURCE_MODULES, Cube, build_all, builders
from forecasting.provenance import (
    ATTRIBUTION,
    LICENCE,
    combine_versions,
    content_hash,
    stamp,
)
from forecasting.settings import get_settings


def default_snapshot_dir() -> Path:
    """``forecasting/data/snapshot`` (from the settings' ``data.snapshot_dir``)."""
    return get_settings().data.snapshot_dir


def data_through(cube: Cube, ds: xr.Dataset) -> str:
    """Last period with any value in ``ds`` (``"YYYY-MM"`` monthly, ``"YYYY"`` annual).

    A cube without a ``time`` dim takes :attr:`Cube.data_through` (required then); with a
    ``time`` dim a given value must equal the computed one.
    """
    if "time" not in ds.dims:
        if not cube.data_through:
            raise DataError("a cube without a time dim needs data_through", source=cube.name)
        return cube.data_through
    has = np.zeros(ds.sizes["time"], dtype=bool)
    for name, var in ds.data_vars.items():
        if "time" in var.dims and not str(name).endswith("_status"):
            other = [d for d in var.dims if d != "time"]
            has |= var.notnull().any(other).transpose("time").values
    if not has.any():
        raise DataError("the cube has no values", source=cube.name)
    last = str(ds["time"].values[has][-1])
    monthly = (cube.time_convention or "").startswith("month")
    found = last[:7] if monthly else last[:4]
    if cube.data_through and cube.data_through != found:
        raise DataError(f"data_through {cube.data_through} != data {found}", source=cube.name)
    return found


def prepare(cube: Cube) -> xr.Dataset:
    """Canonical, validated, float64 dataset of ``cube`` with provenance attrs.

    Raises
    ------
    DataError
        If the cube breaks the contract (via :class:`forecasting.errors.ContractError`) or
        lacks a ``time_convention`` although it has a time dim.
    """
    ds = to_canonical(cube.dataset)
    for name, var in ds.data_vars.items():
        if var.dtype.kind == "f" and var.dtype != np.float64:
            ds[name] = var.astype(np.float64)
        if str(name).endswith("_status") and var.dtype != np.int8:
            raise DataError(f"{name} must be int8", source=cube.name)
    if "area" in ds.coords:
        ds = ds.assign_coords(area=np.asarray([str(a) for a in ds["area"].values], dtype=object))
    if "time" in ds.dims and not cube.time_convention:
        raise DataError("a cube with a time dim needs a time_convention", source=cube.name)
    validate(ds, name=cube.name, counts=cube.count_vars, required_attrs=())
    extra: dict[str, Any] = {
        "source": cube.attribution,
        "license": cube.licence,
        "code_version": __version__,
        "source_files": ", ".join(cube.source_files),
        "source_repository": cube.source_repo,
        "title": cube.name,
        "data_through": data_through(cube, ds),
    }
    if cube.description:
        extra["description"] = cube.description
    if cube.time_convention:
        extra["time_convention"] = cube.time_convention
    if cube.notes:
        extra["notes"] = " | ".join(cube.notes)
    return stamp(
        ds,
        source_tables=cube.source_tables,
        retrieved=cube.retrieved,
        data_version=content_hash(ds),
        extra=extra,
    )


def _source_entry(shared_dir: Path, rel: str, cube: str) -> dict[str, Any]:
    path = shared_dir / rel
    if not path.is_file():
        raise DataError("source file listed by the cube does not exist", source=str(path))
    raw = path.read_bytes()
    return {"path": rel, "sha256": file_sha256(path), "lines": len(raw.splitlines())}


def _variable_summary(var: xr.DataArray) -> dict[str, Any]:
    values = np.asarray(var.values)
    out: dict[str, Any] = {"dims": list(map(str, var.dims)), "dtype": str(values.dtype)}
    if values.dtype.kind == "f":
        finite = np.isfinite(values)
        total = float(values[finite].sum(dtype=np.float64))
        out["non_missing"] = int(finite.sum())
        integral = bool(np.all(values[finite] == np.round(values[finite])))
        out["total"] = round(total) if integral else round(total, 6)
    elif values.dtype.kind in "iu" and str(var.name).endswith("_status"):
        codes, counts = np.unique(values, return_counts=True)
        out["counts"] = {str(int(c)): int(n) for c, n in zip(codes, counts, strict=True)}
    return out


def manifest_entry(cube: Cube, ds: xr.Dataset, path: Path, shared_dir: Path) -> dict[str, Any]:
    """The manifest record of one written cube."""
    coords: dict[str, Any] = {}
    for dim in map(str, ds.dims):
        values = ds[dim].values
        if dim == "time":
            coords[dim] = {
                "first": str(values[0])[:10],
                "last": str(values[-1])[:10],
                "n": int(values.size),
            }
        elif values.dtype.kind in "OUS":
            coords[dim] = {"n": int(values.size), "first": str(values[0]), "last": str(values[-1])}
        else:
            coords[dim] = {
                "n": int(values.size),
                "first": values[0].item(),
                "last": values[-1].item(),
            }
    return {
        "file": path.name,
        "sha256": file_sha256(path),
        "bytes": path.stat().st_size,
        "data_version": ds.attrs["data_version"],
        "description": cube.description,
        "source_tables": list(cube.source_tables),
        "source_files": [_source_entry(shared_dir, rel, cube.name) for rel in cube.source_files],
        "source_repository": cube.source_repo,
        "license": cube.licence,
        "attribution": cube.attribution,
        "retrieved": cube.retrieved,
        "data_through": ds.attrs["data_through"],
        "time_convention": cube.time_convention,
        "count_vars": list(cube.count_vars),
        "dims": {str(d): int(n) for d, n in ds.sizes.items()},
        "coords": coords,
        "variables": {str(n): _variable_summary(v) for n, v in ds.data_vars.items()},
    }


def verify(directory: Path, manifest: dict[str, Any]) -> None:
    """Read every cube back and check its content hash and contract against ``manifest``."""
    for name, entry in manifest["cubes"].items():
        ds = read_cube(directory / entry["file"])
        validate(ds, name=name, counts=entry["count_vars"])
        if content_hash(ds) != entry["data_version"]:
            raise DataError("content hash changed on the round trip", source=entry["file"])


def _carry_over(old_dir: Path, tmp: Path, keep: set[str]) -> dict[str, Any]:
    """Copy cubes of modules not being rebuilt from the existing snapshot."""
    if not (old_dir / MANIFEST).exists():
        return {}
    old = read_manifest(old_dir)
    carried = {}
    for name, entry in old["cubes"].items():
        if entry.get("module") in keep:
            shutil.copy2(old_dir / entry["file"], tmp / entry["file"])
            carried[name] = entry
    return carried


def build_snapshot(
    shared_dir: Path,
    out_dir: Path,
    modules: Sequence[str] | None = None,
    *,
    lock_timeout: float = 600.0,
) -> dict[str, Any]:
    """Build the snapshot into ``out_dir`` atomically and return its manifest.

    Parameters
    ----------
    shared_dir
        The ``shared/data`` folder with the source extracts.
    out_dir
        Target directory (replaced as a whole on success, untouched on failure).
    modules
        Source modules to rebuild (default: all registered); cubes of the other registered
        modules are carried over from the snapshot as it is once the build lock is held.
    lock_timeout
        Seconds to wait for a concurrent build of the same ``out_dir`` to finish.

    Raises
    ------
    DataError
        Bad source input, a cube that breaks the contract, an unknown module, or the lock
        still held by another build after ``lock_timeout``.
    """
    shared_dir, out_dir = Path(shared_dir), Path(out_dir)
    if not shared_dir.is_dir():
        raise DataError("shared data folder not found", source=str(shared_dir))
    selected = tuple(modules) if modules else SOURCE_MODULES
    unknown = sorted(set(selected) - set(SOURCE_MODULES))
    if unknown:
        raise DataError(f"unknown source modules {unknown}; registered: {list(SOURCE_MODULES)}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(out_dir, timeout=lock_timeout):
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.build-", dir=out_dir.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; the snapshot is package data
        try:
            manifest = _build_into(shared_dir, out_dir, tmp, selected)
            _swap(tmp, out_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return manifest


def _build_into(
    shared_dir: Path, out_dir: Path, tmp: Path, selected: tuple[str, ...]
) -> dict[str, Any]:
    """Write the cubes of ``selected`` (and carried-over ones) and the manifest into ``tmp``."""
    present = builders(SOURCE_MODULES)
    cubes: dict[str, Any] = _carry_over(out_dir, tmp, set(present) - set(selected))
    for mod_name in [m for m in selected if m in present]:
        for cube in build_all(shared_dir, (mod_name,)):
            if cube.name in cubes:
                raise DataError(f"cube {cube.name!r} is built twice", source=mod_name)
            ds = prepare(cube)
            path = tmp / f"{cube.name}.nc"
            write_cube(ds, path)
            cubes[cube.name] = {**manifest_entry(cube, ds, path, shared_dir), "module": mod_name}
    manifest = {
        "format": MANIFEST_FORMAT,
        "attribution": _distinct(e.get("attribution", ATTRIBUTION) for e in cubes.values()),
        "license": _distinct(e.get("license", LICENCE) for e in cubes.values()),
        "code_version": __version__,
        "data_version": combine_versions(e["data_version"] for e in cubes.values()),
        "cubes": dict(sorted(cubes.items())),
    }
    write_manifest(manifest, tmp)
    verify(tmp, manifest)
    return manifest


def _distinct(texts: Iterable[str]) -> str:
    """The different ``texts``, most common first (ties alphabetically), joined by ``" | "``."""
    counts = Counter(texts)
    return " | ".join(sorted(counts, key=lambda t: (-counts[t], t)))


def _swap(new: Path, target: Path) -> None:
    """Replace ``target`` by ``new`` (two renames; the old tree is restored on failure)."""
    if not target.exists():
        os.replace(new, target)
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (0 ok, 1 data error)."""
    parser = argparse.ArgumentParser(
        prog="python -m forecasting.io.snapshot_build", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--shared", type=Path, default=get_settings().data.shared_data_dir)
    parser.add_argument("--out", type=Path, default=default_snapshot_dir())
    parser.add_argument(
        "--modules", default="", help=f"comma-separated subset of {','.join(SOURCE_MODULES)}"
    )
    args = parser.parse_args(argv)
    modules = [m.strip() for m in args.modules.split(",") if m.strip()] or None
    try:
        manifest = build_snapshot(args.shared, args.out, modules)
    except EnnakointiError as exc:
        print(f"error: snapshot build failed, nothing written: {exc}", file=sys.stderr)
        return 1
    total = sum(e["bytes"] for e in manifest["cubes"].values())
    for name, entry in manifest["cubes"].items():
        print(f"{name:40s} {entry['data_version']}  {entry['bytes'] / 1e6:7.2f} MB")
    print(f"{'snapshot':40s} {manifest['data_version']}  {total / 1e6:7.2f} MB -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
