"""Refresh the local cache of StatFin cubes from the PxWeb API.

:func:`refresh` fetches every configured table (``forecasting/config/statfin_tables.toml``),
converts it to the data contract (:func:`to_cube`), and only when **all** tables have been
fetched and validated writes them to ``<cache_dir>/<name>.nc`` (netCDF4 via h5netcdf; each
file written to a temporary file in the same directory, fsynced and moved into place with
``os.replace``) plus ``<cache_dir>/manifest.json``. Offline, it raises
:class:`~forecasting.errors.OfflineError` and touches nothing.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.contract import STATUS_CODES, STATUS_OK, to_canonical, validate
from forecasting.errors import DataError, ValidationError
from forecasting.geography import normalise_code
from forecasting.io.jsonstat import split_contents
from forecasting.io.refresh_areas import municipal_aggregates
from forecasting.io.statfin import StatFinClient
from forecasting.io.statfin_config import (
    ResolvedTable,
    TablesConfig,
    TableSpec,
    load_table_config,
    resolve,
)
from forecasting.provenance import stamp

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SEX_CODES = {"1": "M", "2": "F", "SSS": "T"}
_MONTH = re.compile(r"^(\d{4})M(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_AGE = re.compile(r"^(\d{1,3})\s*-?$")


@dataclass(frozen=True)
class TableRefresh:
    """What one table contributed to a refresh."""

    name: str
    source_table: str
    path: Path
    sizes: dict[str, int]
    variables: tuple[str, ...]
    cells: int
    not_ok_cells: int
    missing_optional: tuple[str, ...]
    statfin_updated: str
    data_version: str
    data_through: str = ""
    previous_data_version: str | None = None

    @property
    def changed(self) -> bool:
        """Whether the cube differs from the previous cache's (or there was none)."""
        return self.data_version != self.previous_data_version


@dataclass(frozen=True)
class RefreshReport:
    """The outcome of :func:`refresh`.

    Attributes
    ----------
    cache_dir
        Where the cubes were written.
    retrieved
        ISO date of the retrieval (the ``retrieved`` provenance attr).
    tables
        One entry per cube written.
    requests
        HTTP requests made (retries included).
    """

    cache_dir: Path
    retrieved: str
    tables: tuple[TableRefresh, ...]
    requests: int = 0
    warnings: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> tuple[str, ...]:
        """Names of the cubes whose ``data_version`` differs from the previous cache's.

        Empty when the source had nothing new: a scheduled flow can then publish nothing.
        """
        return tuple(t.name for t in self.tables if t.changed)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (paths as strings; ``changed`` per table and overall)."""
        out = asdict(self)
        out["cache_dir"] = str(self.cache_dir)
        for table, entry in zip(self.tables, out["tables"], strict=True):
            entry["path"] = str(entry["path"])
            entry["changed"] = table.changed
        out["changed"] = list(self.changed)
        return out

    def summary(self) -> str:
        """A few human-readable lines for the CLI."""
        lines = [f"refreshed {len(self.tables)} cube(s) into {self.cache_dir} ({self.retrieved})"]
        for t in self.tables:
            dims = ", ".join(f"{k}={v}" for k, v in t.sizes.items())
            new = "changed" if t.changed else "unchanged"
            lines.append(
                f"  {t.name:<22} {t.source_table:<12} {dims}; {t.not_ok_cells} gaps; "
                f"through {t.data_through}; {new}"
            )
        lines.extend(f"  warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def parse_time(codes: Sequence[str]) -> np.ndarray:
    """StatFin period codes to datetime64[ns].

    ``2023M10`` -> 2023-10-01 (month start), ``2024Q2`` -> 2024-04-01 (quarter start),
    ``2024`` -> 2024-12-31 (year end: stocks on 31 December, as in the data contract).
    """
    out = []
    for code in codes:
        if m := _MONTH.match(code):
            out.append(pd.Timestamp(int(m[1]), int(m[2]), 1))
        elif m := _QUARTER.match(code):
            out.append(pd.Timestamp(int(m[1]), 3 * int(m[2]) - 2, 1))
        elif m := _YEAR.match(code):
            out.append(pd.Timestamp(int(m[1]), 12, 31))
        else:
            raise DataError(f"unrecognised period code {code!r}")
    return np.array(out, dtype="datetime64[ns]")


def parse_age(codes: Sequence[str]) -> np.ndarray:
    """Single-year age codes (``000``, ``45``, ``100-``) to int64; totals are an error."""
    ages = []
    for code in codes:
        m = _AGE.match(code.strip())
        if m is None:
            raise DataError(f"age code {code!r} is not a single year (exclude totals such as SSS)")
        ages.append(min(int(m[1]), 100))
    return np.array(ages, dtype=np.int64)


def _convert_coord(dim: str, codes: list[str]) -> np.ndarray:
    """Our dim's StatFin value codes in the data contract's form."""
    if dim == "area":
        return np.array([normalise_code(c) for c in codes], dtype=object)
    if dim == "time":
        return parse_time(codes)
    if dim == "sex":
        unknown = [c for c in codes if c not in SEX_CODES]
        if unknown:
            raise DataError(f"unknown sex codes {unknown}")
        return np.array([SEX_CODES[c] for c in codes], dtype=object)
    if dim == "age":
        return parse_age(codes)
    return np.array(codes, dtype=object)


def to_cube(raw: xr.Dataset, resolved: ResolvedTable, *, retrieved: str) -> xr.Dataset:
    """A raw query result as a cube of the data contract, stamped and validated.

    Dims are renamed to ours (``area``, ``time`` ...) and put in canonical order; content
    codes become our variables (float64, plus int8 ``<var>_status`` where the source has
    gaps); value codes are converted (see :func:`_convert_coord`); StatFin's labels are
    dropped (the snapshot's cubes have none). A time axis with a gap is refused
    (:func:`check_periods`); ``areas = "municipal aggregates"`` lays the areas out as the
    snapshot does (:func:`forecasting.io.refresh_areas.municipal_aggregates`); attr
    ``data_through`` names the last period with data.
    """
    spec = resolved.spec
    ds = split_contents(raw, resolved.contents, dim=resolved.contents_dim)
    ds = ds.drop_vars([c for c in ds.coords if str(c).endswith("_unit")])
    renames = {code: dim for code, dim in resolved.dims.items() if code in ds.dims}
    ds = ds.rename({f"{code}_label": f"{dim}_label" for code, dim in renames.items()})
    ds = ds.rename(renames)
    ds = ds.drop_vars([c for c in ds.coords if str(c).endswith("_label")])  # as the snapshot
    for dim in renames.values():
        ds = ds.assign_coords({dim: _convert_coord(dim, [str(c) for c in ds[dim].values])})
    if "time" in ds.dims:
        check_periods(ds["time"].values, spec)
    if (pivot := spec.pivot) is not None:
        ds = pivot_dim(ds, *pivot)
    through = data_through(ds, spec)
    squeezed = [d for d, d_spec in spec.dims.items() if d_spec.squeeze and d in ds.dims]
    ds = ds.squeeze(squeezed, drop=True)
    outputs = spec.output_variables
    if spec.areas == "municipal aggregates":
        additive = [v for v, c in outputs.items() if c.additive and v in ds.data_vars]
        ds = municipal_aggregates(ds, additive, spec.path)
    if "sex" in ds.dims:
        ds = ds.sortby("sex")  # "F", "M" as in the snapshot
    ds = to_canonical(ds)
    ds.attrs = {}  # the response's attrs name StatFin codes; kept below as statfin_* only
    counts = [v for v, c in outputs.items() if c.count and v in ds.data_vars]
    ds = stamp(
        ds,
        source_tables=[spec.source_table],
        retrieved=retrieved,
        extra={
            "time_convention": spec.time_convention,
            "data_through": through,
            "statfin_table": spec.path,
            "statfin_label": str(raw.attrs.get("label", "")),
            "statfin_source": str(raw.attrs.get("source", "")),
            "statfin_updated": str(raw.attrs.get("updated", "")),
        },
    )
    return validate(ds, name=resolved.name, counts=counts)


def pivot_dim(ds: xr.Dataset, dim: str, codes: dict[str, str]) -> xr.Dataset:
    """The values ``codes`` of ``dim`` as variables (``{value code: variable}``), ``dim`` gone.

    ``ds`` holds one content variable (and its ``_status``); each pivoted variable gets its
    slice of it, with a ``_status`` where that slice has gaps.
    """
    (content,) = [v for v in ds.data_vars if not str(v).endswith("_status")]
    status = f"{content}_status"
    out = xr.Dataset(attrs=dict(ds.attrs))
    for code, var in codes.items():
        out[var] = ds[content].sel({dim: code}, drop=True)
        if status in ds and bool((ds[status].sel({dim: code}) != STATUS_OK).any()):
            out[f"{var}_status"] = ds[status].sel({dim: code}, drop=True)
    return out


#: Exact identities checked on a refreshed cube: ``{cube: ((total, (parts...)), ...)}``
#: (where all are known). A wrongly mapped status code breaks them instead of passing.
IDENTITIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "commuting": (
        ("employed_residents", ("residents_working_in_home_municipality", "commuting_out")),
    ),
}


def check_identities(name: str, ds: xr.Dataset) -> None:
    """Refuse a cube that breaks one of its :data:`IDENTITIES` (names table, field, cell)."""
    for total, parts in IDENTITIES.get(name, ()):
        if total not in ds or any(p not in ds for p in parts):
            continue
        computed = sum((ds[p] for p in parts), xr.zeros_like(ds[total]))
        diff = np.abs(np.asarray(computed.values) - np.asarray(ds[total].values))
        bad = np.argwhere(np.nan_to_num(diff) > 1e-6)
        if bad.size:
            where = {d: str(ds[d].values[i]) for d, i in zip(ds[total].dims, bad[0], strict=True)}
            raise DataError(
                f"{ds.attrs.get('statfin_table', name)}: field {total}: "
                f"{' + '.join(parts)} = {float(computed.values[tuple(bad[0])])} != "
                f"{float(ds[total].values[tuple(bad[0])])} at {where}",
                source=str(ds.attrs.get("statfin_table", name)),
            )


def merge_parts(name: str, parts: Sequence[xr.Dataset], specs: Sequence[TableSpec]) -> xr.Dataset:
    """The cube ``name`` from the cubes of the tables that feed it (outer join of coords).

    Cells one table lacks after the join are NaN with status 1 (missing); provenance lists
    every table; ``data_through`` is recomputed, ``statfin_updated`` the latest.
    """
    if len(parts) == 1:
        check_identities(name, parts[0])
        return validate(parts[0], name=name, counts=_counts(specs, parts[0]))
    merged = xr.merge(parts, join="outer", compat="no_conflicts", combine_attrs="drop")
    missing = np.int8(STATUS_CODES["."])
    for var in [v for v in merged.data_vars if not str(v).endswith("_status")]:
        status = f"{var}_status"
        gaps = merged[var].isnull()
        if status in merged:
            merged[status] = merged[status].fillna(missing).astype(np.int8)
        elif bool(gaps.any()):
            merged[status] = xr.where(gaps, missing, np.int8(STATUS_OK)).astype(np.int8)
    merged = to_canonical(merged)
    attrs = [p.attrs for p in parts]
    ds = stamp(
        merged,
        source_tables=[str(a["source_tables"]) for a in attrs],
        retrieved=str(attrs[0]["retrieved"]),
        extra={
            "time_convention": specs[0].time_convention,
            "data_through": data_through(merged, specs[0]),
            "statfin_table": ", ".join(str(a["statfin_table"]) for a in attrs),
            "statfin_label": " | ".join(str(a["statfin_label"]) for a in attrs),
            "statfin_source": str(attrs[0]["statfin_source"]),
            "statfin_updated": max(str(a["statfin_updated"]) for a in attrs),
        },
    )
    check_identities(name, ds)
    return validate(ds, name=name, counts=_counts(specs, ds))


def _counts(specs: Sequence[TableSpec], ds: xr.Dataset) -> list[str]:
    return [v for s in specs for v, c in s.output_variables.items() if c.count and v in ds]


def check_periods(times: np.ndarray, spec: TableSpec) -> None:
    """Refuse a time axis with a gap (a month or year missing between two present).

    Raises
    ------
    DataError
        Naming the table, the field ``time`` and the first missing period.
    """
    index = pd.DatetimeIndex(times)
    if len(index) < 2:
        return
    monthly = spec.time_convention == "month start"
    steps = (
        (index.year[1:] - index.year[:-1]) * 12 + (index.month[1:] - index.month[:-1])
        if monthly
        else index.year[1:] - index.year[:-1]
    )
    bad = np.flatnonzero(np.asarray(steps) != 1)
    if bad.size:
        i = int(bad[0])
        fmt = "%Y-%m" if monthly else "%Y"
        raise DataError(
            f"{spec.path}: field time: periods are not consecutive: "
            f"{index[i]:{fmt}} is followed by {index[i + 1]:{fmt}}",
            source=spec.path,
        )


def data_through(ds: xr.Dataset, spec: TableSpec) -> str:
    """The last period with any data (``"YYYY-MM"`` monthly, ``"YYYY"`` annual), or ``""``."""
    if "time" not in ds.dims:
        return ""
    values = [v for v in ds.data_vars if not str(v).endswith("_status")]
    has = xr.concat(
        [ds[v].notnull().any([d for d in ds[v].dims if d != "time"]) for v in values], "v"
    ).any("v")
    times = ds["time"].values[has.values]
    if not times.size:
        return ""
    fmt = "%Y-%m" if spec.time_convention == "month start" else "%Y"
    return f"{pd.Timestamp(times[-1]):{fmt}}"


def fetch_table(
    client: StatFinClient, name: str, spec: TableSpec
) -> tuple[xr.Dataset, ResolvedTable]:
    """Resolve ``spec`` against the live metadata and fetch the raw data."""
    resolved = resolve(name, spec, client.metadata(spec.path))
    for var in resolved.missing_optional:
        log.warning("%s: %s offers no code for optional variable %r", name, spec.path, var)
    return client.query(spec.path, resolved.selections), resolved


def write_netcdf_atomic(ds: xr.Dataset, path: Path) -> None:
    """Write ``ds`` to ``path`` via a temporary file in the same directory and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".nc.tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        ds.to_netcdf(tmp, engine="h5netcdf")
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_json_atomic(doc: dict[str, Any], path: Path) -> None:
    """Write JSON through a temporary file in the same directory and ``os.replace``."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def _previous_entries(cache: Path) -> list[dict[str, Any]]:
    """The table entries of the previous cache's manifest (empty if none or unreadable)."""
    try:
        doc = json.loads((cache / MANIFEST).read_text(encoding="utf-8"))
        return [dict(t) for t in doc.get("tables", []) if "name" in t]
    except (OSError, ValueError, TypeError, AttributeError):
        return []


def _previous_versions(cache: Path) -> dict[str, str]:
    """``{cube name: data_version}`` of the previous cache's manifest (empty if none)."""
    return {str(t["name"]): str(t.get("data_version", "")) for t in _previous_entries(cache)}


def _table_report(
    name: str,
    cube: xr.Dataset,
    resolved: Sequence[ResolvedTable],
    path: Path,
    previous: str | None,
) -> TableRefresh:
    """Summary of one cube for the report."""
    data = [v for v in cube.data_vars if not str(v).endswith("_status")]
    not_ok = sum(
        int((cube[v] != STATUS_OK).sum()) for v in cube.data_vars if str(v).endswith("_status")
    )
    return TableRefresh(
        name=name,
        source_table=", ".join(r.spec.source_table for r in resolved),
        path=path,
        sizes={str(k): int(v) for k, v in cube.sizes.items()},
        variables=tuple(map(str, data)),
        cells=sum(int(cube[v].size) for v in data),
        not_ok_cells=not_ok,
        missing_optional=tuple(v for r in resolved for v in r.missing_optional),
        statfin_updated=str(cube.attrs.get("statfin_updated", "")),
        data_version=str(cube.attrs["data_version"]),
        data_through=str(cube.attrs.get("data_through", "")),
        previous_data_version=previous,
    )


def _select_tables(config: TablesConfig, tables: Sequence[str] | None) -> dict[str, TableSpec]:
    """The configured tables named in ``tables`` (all when ``None``); a cube name selects
    every table that feeds it (``commuting``: 115n and 115p)."""
    if tables is None:
        return dict(config.tables)
    cubes = config.cubes()
    unknown = [t for t in tables if t not in config.tables and t not in cubes]
    if unknown:
        known = sorted({*config.tables, *cubes})
        raise ValidationError("tables", f"unknown {unknown}; configured: {known}")
    keys = [k for t in tables for k in (cubes.get(t) or (t,))]
    return {k: config.tables[k] for k in dict.fromkeys(keys)}


def refresh(
    cache_dir: Path | str,
    client: StatFinClient | None = None,
    tables: Sequence[str] | None = None,
    *,
    config: TablesConfig | None = None,
    today: date | None = None,
) -> RefreshReport:
    """Fetch the configured StatFin tables into ``cache_dir`` (all or nothing).

    Parameters
    ----------
    cache_dir
        Target directory (created when the fetch succeeded), e.g.
        ``get_settings().data.cache_dir``.
    client
        A :class:`StatFinClient`; default: one from settings, closed afterwards.
    tables
        Cube names to refresh (keys of the configuration); default all.
    config
        Table configuration; default :func:`load_table_config`.
    today
        Retrieval date for provenance; default today (UTC).

    Returns
    -------
    RefreshReport

    Raises
    ------
    OfflineError
        StatFin is unreachable; nothing was written.
    SchemaDriftError
        A table's metadata no longer matches the configuration; nothing was written.
    StatFinHTTPError
        A request failed for good; nothing was written.
    ValidationError
        An unknown cube name in ``tables``.
    """
    config = config or load_table_config()
    selected = _select_tables(config, tables)
    retrieved = (today or datetime.now(UTC).date()).isoformat()
    own = client is None
    client = client or StatFinClient()
    try:
        fetched = {name: fetch_table(client, name, spec) for name, spec in selected.items()}
    finally:
        if own:
            client.close()
    parts: dict[str, list[tuple[xr.Dataset, ResolvedTable]]] = {}
    for key, (raw, res) in fetched.items():
        cube_name = res.spec.cube or key
        parts.setdefault(cube_name, []).append((to_cube(raw, res, retrieved=retrieved), res))
    cubes = {
        name: (
            merge_parts(name, [c for c, _ in group], [r.spec for _, r in group]),
            [r for _, r in group],
        )
        for name, group in parts.items()
    }
    cache = Path(cache_dir)
    earlier = _previous_entries(cache)
    previous = _previous_versions(cache)
    reports = []
    for name, (cube, resolved) in cubes.items():
        path = cache / f"{name}.nc"
        write_netcdf_atomic(cube, path)
        reports.append(_table_report(name, cube, resolved, path, previous.get(name)))
    warnings = tuple(
        f"{t.name}: {t.source_table} lacks optional {list(t.missing_optional)}"
        for t in reports
        if t.missing_optional
    )
    report = RefreshReport(cache, retrieved, tuple(reports), client.requests, warnings)
    doc = report.to_dict()
    # cubes not refreshed this time stay in the cache, and so in its manifest (unchanged)
    kept = [{**t, "changed": False} for t in earlier if t["name"] not in cubes]
    doc["tables"] = [*kept, *doc["tables"]]
    _write_json_atomic(doc, cache / MANIFEST)
    return report


def load_cached(cache_dir: Path | str, name: str) -> xr.Dataset:
    """Open a refreshed cube (loaded into memory, file closed) and validate it."""
    path = Path(cache_dir) / f"{name}.nc"
    if not path.exists():
        raise DataError("no such cached cube; run refresh first", source=str(path))
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        loaded = ds.load()
    return validate(loaded, name=name)
