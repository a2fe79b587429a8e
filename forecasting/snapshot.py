"""The embedded data snapshot: validated cubes by name (see ``docs/DATA_CONTRACT.md``).

Only the input layer (:mod:`forecasting.io.inputs`) reads it; everything else gets its cubes
as arguments from ``forecasting.io.inputs.assemble()``.

>>> from forecasting.snapshot import load, names
>>> names()                                            # doctest: +SKIP
['age_key_figures', ..., 'registers', 'vacancy_flows']
>>> ds = load("registers")                             # doctest: +SKIP

Every :func:`load` reads the cube fully into memory, casts counts back to float64, checks it
against the data contract (with the manifest's count variables) and against its recorded
content hash, and caches it per process. Cached arrays are read-only: copy before changing.
The snapshot is rebuilt with ``python -m forecasting.io.snapshot_build``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import xarray as xr

from forecasting.contract import validate
from forecasting.errors import ContractError, ValidationError
from forecasting.io import snapshot_store
from forecasting.provenance import content_hash
from forecasting.settings import get_settings


def snapshot_dir() -> Path:
    """Directory of the snapshot (``settings.data.snapshot_dir``)."""
    return get_settings().data.snapshot_dir


@lru_cache(maxsize=4)
def _manifest(directory: Path) -> dict[str, Any]:
    return snapshot_store.read_manifest(directory)


def manifest() -> dict[str, Any]:
    """The snapshot's ``manifest.json`` as a dict (cached; do not modify)."""
    return _manifest(snapshot_dir())


def names() -> list[str]:
    """Names of all cubes in the snapshot, sorted."""
    return sorted(manifest()["cubes"])


def _entry(name: str) -> dict[str, Any]:
    cubes = manifest()["cubes"]
    if name not in cubes:
        raise ValidationError(
            "name", f"unknown cube {name!r}; valid names: {', '.join(sorted(cubes))}"
        )
    return cubes[name]


def load(name: str) -> xr.Dataset:
    """The cube ``name``, validated (cached per process; arrays are read-only).

    Raises
    ------
    ValidationError
        If ``name`` is not a cube of the snapshot (the message lists the valid names).
    ContractError
        If the stored cube breaks the contract or no longer matches its ``data_version``.
    """
    _entry(name)
    return _load(snapshot_dir(), name)


@lru_cache(maxsize=64)
def _load(directory: Path, name: str) -> xr.Dataset:
    entry = _manifest(directory)["cubes"][name]
    ds = snapshot_store.read_cube(directory / entry["file"])
    validate(ds, name=name, counts=entry["count_vars"])
    if ds.attrs.get("data_version") != entry["data_version"]:
        raise ContractError(
            f"data_version {ds.attrs.get('data_version')!r} differs from the manifest's "
            f"{entry['data_version']!r}",
            source=name,
        )
    actual = content_hash(ds)
    if actual != entry["data_version"]:
        raise ContractError(
            f"content hash {actual} differs from data_version {entry['data_version']}: "
            "the cube file is corrupted or was changed outside the builder",
            source=name,
        )
    for var in ds.variables.values():
        var.values.flags.writeable = False
    return ds


def load_all() -> dict[str, xr.Dataset]:
    """Every cube, by name."""
    return {name: load(name) for name in names()}


def data_version() -> str:
    """Combined content hash of all cubes (changes whenever any cube's data changes)."""
    return str(manifest()["data_version"])


def info() -> dict[str, Any]:
    """A description of the snapshot from its manifest (nothing is loaded).

    Returns
    -------
    ``{"data_version", "license", "attribution", "cubes": {name: {...}}}`` where each cube
    has ``description``, ``source`` (the attribution), ``data_through`` (last period with
    data, ``YYYY-MM`` or ``YYYY``), ``retrieved``, ``tables`` (source table ids), ``dims``,
    ``variables``, ``periods``
    (first, last, n of ``time`` or None), ``areas`` (n, first, last or None) and
    ``provenance`` (source files, repository, licence, attribution, retrieved, data_version).
    The top-level ``license`` and ``attribution`` list the different ones of the cubes.
    """
    man = manifest()
    cubes = {}
    for name, entry in sorted(man["cubes"].items()):
        coords = entry.get("coords", {})
        cubes[name] = {
            "description": entry.get("description", ""),
            "source": entry.get("attribution", man["attribution"]),
            "data_through": entry.get("data_through"),
            "retrieved": entry["retrieved"],
            "tables": entry["source_tables"],
            "dims": entry["dims"],
            "variables": sorted(v for v in entry["variables"] if not v.endswith("_status")),
            "periods": coords.get("time"),
            "areas": coords.get("area"),
            "provenance": {
                "source_files": [f["path"] for f in entry["source_files"]],
                "source_repository": entry["source_repository"],
                "license": entry["license"],
                "attribution": entry.get("attribution", man["attribution"]),
                "retrieved": entry["retrieved"],
                "data_version": entry["data_version"],
            },
        }
    return {
        "data_version": man["data_version"],
        "license": man["license"],
        "attribution": man["attribution"],
        "directory": str(snapshot_dir()),
        "cubes": cubes,
    }


def clear_cache() -> None:
    """Forget cached manifests and cubes (after a rebuild in the same process)."""
    _manifest.cache_clear()
    _load.cache_clear()
