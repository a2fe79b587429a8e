"""Cube access for the demography package: the snapshot only (validated on load).

Everything demographic reads its inputs through :func:`cube`, so tests and evaluations can
see exactly which cubes a projection depends on (:data:`CUBES`).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import snapshot

_T = TypeVar("_T", xr.DataArray, xr.Dataset)

CUBES = (
    "population",
    "population_totals",
    "regional_demography",
    "national_mortality",
    "national_fertility",
    "commuting",
    "employment_by_age_education",
    "registers",
    "projection_2019",
)


def cube(name: str) -> xr.Dataset:
    """The snapshot cube ``name`` (validated against the data contract by the snapshot)."""
    return snapshot.load(name)


def year_end(year: int) -> np.datetime64:
    """The time label of an annual stock or flow: 31 December of ``year``."""
    return np.datetime64(f"{year:04d}-12-31", "ns")


def years_of(da: xr.DataArray | xr.Dataset) -> np.ndarray:
    """Calendar years of the ``time`` coordinate."""
    return pd.DatetimeIndex(da["time"].values).year.to_numpy()


def by_year(da: _T) -> _T:
    """``da`` with its ``time`` coordinate replaced by an integer ``year`` coordinate."""
    return da.assign_coords(time=years_of(da)).rename(time="year")


def source_tables(names: tuple[str, ...]) -> list[str]:
    """Source tables of the named cubes (for provenance)."""
    tables: list[str] = []
    for name in names:
        for table in str(cube(name).attrs.get("source_tables", name)).split(", "):
            if table not in tables:
                tables.append(table)
    return tables


def retrieved(names: tuple[str, ...]) -> str:
    """The latest retrieval date among the named cubes."""
    dates = [str(cube(n).attrs.get("retrieved", "")) for n in names]
    return max(dates) if dates else ""


def data_version(names: tuple[str, ...]) -> str:
    """One version string for the inputs (the cubes' ``data_version`` combined)."""
    from forecasting.provenance import combine_versions

    return combine_versions(str(cube(n).attrs.get("data_version", n)) for n in names)
