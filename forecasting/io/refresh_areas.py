"""Areas of a refreshed cube: municipalities of the 2025 division plus summed aggregates.

StatFin tables do not publish every area the products read (12r5 has no employment areas,
11re and 121w no regions), so a table configured with ``areas = "municipal aggregates"``
becomes a cube laid out as the snapshot's (:mod:`forecasting.io.sources.registers`):

1. its municipalities (``"491"``), merged ones summed into their successor
   (:func:`forecasting.io.sources._areas.harmonise`); municipality-like codes outside the
   division and the merger table (``199`` unknown municipality) are left out and named in
   the attr ``areas_left_out``;
2. employment areas (``TA``), regions (``MK``) and the country (``SSS``) appended as sums of
   their members (:func:`forecasting.io.sources._areas.add_aggregates`, NaN with the worst
   member status where a member is suppressed);
3. a region whose sum is unknown takes the total the table publishes for it (and where both
   are known they must agree exactly); the country, where its sum is unknown, the sum of the
   regions;
4. non-additive variables (rates, indices) are never summed: every area takes the value the
   table publishes for it, or NaN with status 1 (missing) where the table has no such row.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from forecasting import geography
from forecasting.contract import STATUS_CODES, STATUS_OK
from forecasting.errors import DataError
from forecasting.io.sources._areas import add_aggregates, harmonise

STATUS = "_status"
MISSING = STATUS_CODES["."]


def _with_status(ds: xr.Dataset, var: str) -> xr.DataArray:
    """``<var>_status`` of ``ds``, all ok when the source had no gaps."""
    name = f"{var}{STATUS}"
    if name in ds:
        return ds[name].astype(np.int8)
    flags = xr.zeros_like(ds[var], dtype=np.int8)
    flags.attrs = {}
    return flags


def _municipalities(ds: xr.Dataset, table: str) -> tuple[list[str], list[str]]:
    """``(municipality codes to keep, municipality-like codes left out)``."""
    known = set(geography.municipalities().index) | set(geography.merger_map())
    codes = [str(c) for c in ds["area"].values]
    digits = [c for c in codes if c.isdigit()]
    keep = [c for c in digits if c in known]
    if not keep:
        raise DataError("field area: no municipality of the 2025 division", source=table)
    return keep, [c for c in digits if c not in known]


def _fill_published(
    out: xr.Dataset, pub: xr.Dataset, var: str, areas: list[str], table: str
) -> xr.Dataset:
    """Where the sum of ``var`` for ``areas`` is unknown, take the published total."""
    if not areas:
        return out
    computed, published = out[var].sel(area=areas), pub[var].sel(area=areas)
    differs = computed.notnull() & published.notnull() & (computed != published)
    if bool(differs.any()):
        where = differs.where(differs, drop=True)
        raise DataError(
            f"{var}: sum of municipalities differs from the published total of "
            f"{where['area'].values[0]}",
            source=table,
        )
    fill = computed.isnull() & published.notnull()
    out[var].loc[{"area": areas}] = computed.where(~fill, published)
    flags = out[f"{var}{STATUS}"].sel(area=areas).where(~fill, STATUS_OK).astype(np.int8)
    out[f"{var}{STATUS}"].loc[{"area": areas}] = flags
    return out


def _fill_country(out: xr.Dataset, var: str) -> xr.Dataset:
    """Where the country's sum is unknown, take the sum of the regions."""
    regions = [str(a) for a in out["area"].values if str(a).startswith("MK")]
    by_region = out[var].sel(area=regions).sum("area", min_count=len(regions), skipna=False)
    country = out[var].sel(area=geography.COUNTRY)
    fill = country.isnull() & by_region.notnull()
    out[var].loc[{"area": geography.COUNTRY}] = country.where(~fill, by_region)
    flags = out[f"{var}{STATUS}"].sel(area=geography.COUNTRY).where(~fill, STATUS_OK)
    out[f"{var}{STATUS}"].loc[{"area": geography.COUNTRY}] = flags.astype(np.int8)
    return out


def _published(ds: xr.Dataset, var: str, areas: list[str]) -> tuple[xr.DataArray, xr.DataArray]:
    """``(values, status)`` of ``var`` as published for ``areas`` (NaN, missing elsewhere)."""
    values = ds[var].reindex(area=areas)
    status = _with_status(ds, var).reindex(area=areas, fill_value=MISSING)
    return values, status.astype(np.int8)


def municipal_aggregates(ds: xr.Dataset, additive: list[str], table: str) -> xr.Dataset:
    """The cube of ``ds`` with the areas of the module docstring.

    Parameters
    ----------
    ds
        A converted query result with dim ``area`` (codes normalised: ``"491"``, ``"MK10"``,
        ``"SSS"``) and variables ``<var>`` / ``<var>_status``.
    additive
        The variables that are sums of their municipalities; the others are taken as published.
    table
        ``"db/table.px"``, for messages.

    Returns
    -------
    xr.Dataset
        Areas: municipalities (sorted), employment areas, regions, the country. Every
        variable has a ``<var>_status`` (int8).
    """
    keep, left_out = _municipalities(ds, table)
    values = [str(v) for v in ds.data_vars if not str(v).endswith(STATUS)]
    base = xr.Dataset({v: ds[v] for v in additive})
    for var in additive:
        base[f"{var}{STATUS}"] = _with_status(ds, var)
    summed = add_aggregates(
        harmonise(base.sel(area=keep)).sortby("area"), complete_only=False, bottom_up=True
    )
    published = [str(a) for a in ds["area"].values]
    regions = [a for a in map(str, summed["area"].values) if a.startswith("MK")]
    for var in additive:
        summed = _fill_published(summed, ds, var, [a for a in regions if a in published], table)
        if geography.COUNTRY in summed["area"].values:
            summed = _fill_country(summed, var)
    areas = [str(a) for a in summed["area"].values]
    for var in values:
        if var not in additive:
            summed[var], summed[f"{var}{STATUS}"] = _published(ds, var, areas)
    out = xr.Dataset(
        {
            name: summed[name].transpose(*ds[name.removesuffix(STATUS)].dims)
            for name in _order(values)
        },
        attrs=dict(ds.attrs),
    )
    for name in values:
        out[name].attrs = dict(ds[name].attrs)
    out.attrs["aggregates"] = (
        "TA, MK and SSS are sums of the member municipalities (2025 division); where a member "
        "is suppressed a region takes the total the table publishes and the country the sum "
        "of the regions. Rates and indices are not summed: only published rows"
    )
    if left_out:
        out.attrs["areas_left_out"] = ", ".join(left_out)
    return out


def _order(values: list[str]) -> list[str]:
    """``[v1, v1_status, v2, v2_status, ...]``."""
    return [name for v in values for name in (v, f"{v}{STATUS}")]
