"""Area steps of the register cubes, for datasets with ``<var>_status`` flags beside counts.

:func:`forecasting.geography.harmonise` and :func:`forecasting.geography.add_aggregates` sum
values (NaN if any part is NaN). These wrappers apply them to the count variables and give each
merged or aggregated cell the *largest* status of its parts, so a sum over a suppressed cell is
NaN flagged 3 (confidential), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.contract import STATUS_OK
from forecasting.errors import DataError

AGGREGATE_LEVELS = ("employment_area", "region", "country")


def _status_name(var: str) -> str:
    return f"{var}_status"


def _split(ds: xr.Dataset, variables: Sequence[str]) -> tuple[xr.Dataset, xr.Dataset]:
    values = ds[list(variables)]
    status_vars = [_status_name(v) for v in variables if _status_name(v) in ds]
    return values, ds[status_vars]


def _finish_status(values: xr.Dataset, status: xr.Dataset) -> xr.Dataset:
    """Statuses as int8; 0 wherever the value is finite."""
    out = values.copy()
    for name in status.data_vars:
        var = str(name).removesuffix("_status")
        st = status[name].where(values[var].isnull(), STATUS_OK)
        out[name] = st.astype(np.int8).transpose(*values[var].dims)
    return out


def harmonise_with_status(
    ds: xr.Dataset, variables: Sequence[str], *, division: int = geography.CURRENT_DIVISION
) -> xr.Dataset:
    """Harmonise ``variables`` to ``division`` (sum of merged codes) with their status flags.

    Parameters
    ----------
    ds
        Dataset with an ``area`` dim of municipality codes (old division allowed).
    variables
        Additive count variables; ``<var>_status`` (if present) is merged by maximum.

    Returns
    -------
    Dataset on the harmonised ``area`` coord (first-appearance order of successors).
    """
    values, status = _split(ds, variables)
    out_values = geography.harmonise(values, division=division)
    mapping = geography.merger_map(division)
    target = [mapping.get(str(c), str(c)) for c in ds["area"].values]
    order = list(dict.fromkeys(target))
    out_status = status.assign_coords(area=target).groupby("area").max().sel(area=order)
    return _finish_status(out_values, out_status)  # type: ignore[arg-type]


def add_aggregates_with_status(
    ds: xr.Dataset,
    variables: Sequence[str],
    *,
    levels: Iterable[str] = AGGREGATE_LEVELS,
    division: int = geography.CURRENT_DIVISION,
) -> xr.Dataset:
    """Append aggregate areas to ``ds`` (municipalities, then TA.., MK.., SSS).

    Aggregates are sums of member municipalities (NaN if any member is NaN); an aggregate's
    status is the largest status among its members.
    """
    values, status = _split(ds, variables)
    munis = geography.municipalities(division)
    bottom = [str(c) for c in ds["area"].values]
    unknown = [c for c in bottom if c not in munis.index]
    if unknown:
        raise DataError(f"not municipalities of the {division} division: {unknown[:5]}")
    # geography.add_aggregates takes DataArrays (xr.dot does not accept a Dataset).
    with_aggs = xr.Dataset(
        {
            var: geography.add_aggregates(values[var], levels=tuple(levels), division=division)
            for var in variables
        }
    )
    agg_codes = [str(c) for c in with_aggs["area"].values[len(bottom) :]]
    agg_status = []
    for code in agg_codes:
        members = [m for m in geography.members(code, division) if m in bottom]
        agg_status.append(status.sel(area=members).max("area").expand_dims(area=[code]))
    all_status = xr.concat([status, *agg_status], dim="area") if agg_status else status
    order = bottom + sorted(agg_codes, key=_aggregate_sort_key)
    return _finish_status(with_aggs.sel(area=order), all_status.sel(area=order))


def _aggregate_sort_key(code: str) -> tuple[int, str]:
    rank = {"employment_area": 0, "subregion": 1, "region": 2, "country": 3}
    return rank[geography.level_of(code)], code


def municipality_name_index(division: int = geography.CURRENT_DIVISION) -> dict[str, str]:
    """``{casefolded name: code}``: current fi/sv names and old names of merged municipalities.

    Old names map to their *old* code, so that :func:`harmonise_with_status` (through
    :func:`forecasting.geography.harmonise`) applies the merger, in one place; they take
    precedence over a current name that happens to be equal.
    """
    munis = geography.municipalities(division)
    index: dict[str, str] = {}
    for col in ("name_fi", "name_sv"):
        for code, name in munis[col].items():
            index.setdefault(str(name).strip().casefold(), str(code))
    table = geography.mergers()
    for old_code, old_name in zip(table["old_code"], table["old_name"], strict=True):
        if not pd.isna(old_name):
            index[str(old_name).strip().casefold()] = str(old_code)
    return index


def code_for_name(name: str, index: dict[str, str]) -> str | None:
    """The code of a municipality name, also for bilingual forms ``"Maarianhamina - Mariehamn"``."""
    key = name.strip().casefold()
    if key in index:
        return index[key]
    parts = [p.strip() for p in key.replace("–", "-").split(" - ")]
    codes = {index[p] for p in parts if p in index}
    if len(parts) > 1 and len(codes) == 1:
        return codes.pop()
    return None
