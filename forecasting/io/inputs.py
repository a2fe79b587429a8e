"""The one input layer: every cube a product reads, assembled from ordered sources.

Sources, oldest first:

1. the embedded snapshot (``forecasting/data/snapshot``), which holds the published extracts
   shipped with the project (``ennakointi data build-snapshot``);
2. the refreshed StatFin cache (``settings.data.cache_dir``, written by
   ``ennakointi data refresh``), when it has a cube of the same name.

Per cube and period the newest source wins (:func:`overlay`): a period the newer source holds
replaces the older value for every area and variable it covers, so a revision replaces the old
value and a cell the publisher has since suppressed becomes missing again (NaN with its
status), never the stale number. Periods only the older source holds are kept.

Domain code never calls this module: a flow or the service assembles the inputs once
(:func:`assemble`) and hands each product the cubes it reads as arguments.

>>> from forecasting.io.inputs import assemble
>>> inputs = assemble(["registers"])                      # doctest: +SKIP
>>> inputs.data_through()                                 # doctest: +SKIP
{'registers': '2026-06'}
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import snapshot
from forecasting.contract import validate
from forecasting.errors import DataError, ValidationError
from forecasting.provenance import combine_versions, content_hash

CACHE_MANIFEST = "manifest.json"


def data_through(ds: xr.Dataset) -> str | None:
    """The last period with any observed value: ``"YYYY-MM"`` for monthly cubes (month
    starts), ``"YYYY"`` for annual ones (year ends), None without a ``time`` dim or data.

    Status variables and all-missing periods (a gap, suppressed cells only) do not count.
    """
    if "time" not in ds.dims or ds.sizes["time"] == 0:
        return None
    values = [v for name, v in ds.data_vars.items() if not str(name).endswith("_status")]
    observed = np.zeros(ds.sizes["time"], dtype=bool)
    for var in values:
        if "time" not in var.dims:
            continue
        other = [d for d in var.dims if d != "time"]
        observed |= np.asarray(var.notnull().any(other).transpose("time").values, dtype=bool)
    if not observed.any():
        return None
    times = pd.DatetimeIndex(ds["time"].values)
    last = times[np.flatnonzero(observed)[-1]]
    monthly = bool(np.all(times.is_month_start))
    return f"{last:%Y-%m}" if monthly else f"{last:%Y}"


def overlay(older: xr.Dataset, newer: xr.Dataset) -> xr.Dataset:
    """``older`` with every period of ``newer`` replacing it (newest wins per period).

    For a cube with a ``time`` dim, the result spans the union of both sources' coordinates;
    each variable of ``newer`` replaces ``older``'s value in every cell whose coordinates
    ``newer`` has (its NaN included: a newly suppressed cell is missing, not stale), and
    ``older``'s value is kept elsewhere. Variables only ``older`` has are kept as they are.
    A cube without ``time`` is replaced whole. Attributes come from ``newer``, with
    ``sources`` listing both.

    Raises
    ------
    DataError
        If the two sources disagree on a variable's dims (a schema change).
    """
    if "time" not in newer.dims or "time" not in older.dims:
        return newer.copy()
    for name, var in newer.data_vars.items():
        if name in older.data_vars and set(older[name].dims) != set(var.dims):
            raise DataError(
                f"variable {name!r} has dims {var.dims} in the newer source but "
                f"{older[name].dims} in the older one",
                source=str(newer.attrs.get("source_tables", "refresh cache")),
            )
    old_aligned, new_aligned = xr.align(older, newer, join="outer")
    out = old_aligned.copy()
    for name, var in newer.data_vars.items():
        covered = xr.ones_like(var, dtype=bool).reindex_like(new_aligned, fill_value=False)
        new = new_aligned[name]
        if name in older.data_vars:
            dims = older[name].dims
            out[name] = new.where(covered, old_aligned[name]).transpose(*dims)
        else:
            out[name] = new
    sources = [str(older.attrs.get("source_tables", "")), str(newer.attrs.get("source_tables", ""))]
    return out.assign_attrs(
        {**older.attrs, **newer.attrs, "sources": " + ".join(s for s in sources if s)}
    )


class Inputs(Mapping[str, xr.Dataset]):
    """The assembled input cubes by name, each with its provenance and ``data_through``.

    A read-only mapping: ``inputs["registers"]``; an unknown name raises
    :class:`~forecasting.errors.ValidationError` listing the known ones.
    """

    def __init__(self, cubes: Mapping[str, xr.Dataset]):
        self._cubes = dict(cubes)

    def __getitem__(self, name: str) -> xr.Dataset:
        try:
            return self._cubes[name]
        except KeyError:
            raise ValidationError(
                "cube", f"no input cube {name!r}; available: {', '.join(sorted(self._cubes))}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._cubes

    def get(self, name: str, default: Any = None) -> Any:
        return self._cubes.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._cubes)

    def __len__(self) -> int:
        return len(self._cubes)

    def only(self, names: Sequence[str]) -> Inputs:
        """The cubes ``names`` (each must be present)."""
        return Inputs({name: self[name] for name in names})

    def versions(self) -> dict[str, str]:
        """``{cube: data_version}`` (content hashes; change whenever a cube's data changes)."""
        return {name: str(ds.attrs["data_version"]) for name, ds in sorted(self._cubes.items())}

    @property
    def data_version(self) -> str:
        """One version for all cubes."""
        return combine_versions(f"{c}={v}" for c, v in self.versions().items())

    def data_through(self) -> dict[str, str | None]:
        """``{cube: last period with data}``."""
        return {name: ds.attrs.get("data_through") for name, ds in sorted(self._cubes.items())}

    def provenance(self) -> dict[str, dict[str, Any]]:
        """Per cube: ``source`` (tables), ``sources`` (layers), ``data_through``, ``retrieved``
        and ``data_version``."""
        return {
            name: {
                "source": str(ds.attrs.get("source_tables", "")),
                "sources": list(ds.attrs.get("input_layers", "snapshot").split(" + ")),
                "data_through": ds.attrs.get("data_through"),
                "retrieved": str(ds.attrs.get("retrieved", "")),
                "data_version": str(ds.attrs.get("data_version", "")),
            }
            for name, ds in sorted(self._cubes.items())
        }


def _cached_names(cache_dir: Path) -> set[str]:
    """Cube names of a refresh cache (none without its manifest)."""
    path = cache_dir / CACHE_MANIFEST
    if not path.is_file():
        return set()
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read the refresh cache manifest: {exc}", source=path.name) from exc
    tables = manifest.get("tables", manifest.get("cubes", []))
    names = tables if isinstance(tables, Mapping) else [t.get("name") for t in tables]
    return {str(n) for n in names if n}


def _finish(ds: xr.Dataset, name: str, layers: list[str]) -> xr.Dataset:
    """Stamp the assembled cube with its layers, ``data_through`` and content version."""
    through = data_through(ds) if "time" in ds.dims else ds.attrs.get("data_through")
    out = ds.assign_attrs(
        input_layers=" + ".join(layers),
        data_through=through or "",
        data_version=content_hash(ds),
    )
    validate(out, name=name)
    for var in out.variables.values():
        var.values.flags.writeable = False
    return out


def assemble(
    names: Sequence[str] | None = None,
    *,
    cache_dir: Path | str | None = None,
    use_cache: bool = True,
) -> Inputs:
    """Assemble the input cubes ``names`` (default: every cube of the snapshot).

    Parameters
    ----------
    names
        Cube names; an unknown one raises :class:`~forecasting.errors.ValidationError`.
    cache_dir
        The refresh cache (default ``settings.data.cache_dir``).
    use_cache
        False: the embedded snapshot alone (reproducible builds of the shipped data).
    """
    from forecasting.io import refresh
    from forecasting.settings import get_settings

    wanted = list(names) if names is not None else snapshot.names()
    directory = Path(cache_dir) if cache_dir is not None else get_settings().data.cache_dir
    cached = _cached_names(directory) if use_cache else set()
    cubes: dict[str, xr.Dataset] = {}
    for name in wanted:
        ds = snapshot.load(name)
        layers = ["snapshot"]
        if name in cached:
            ds = overlay(ds, refresh.load_cached(directory, name))
            layers.append("refresh")
        cubes[name] = _finish(ds, name, layers)
    return Inputs(cubes)
