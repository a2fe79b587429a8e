"""Cube access for the demography package: the cubes come from the caller.

Every public function of the package takes ``cubes``, a mapping from cube name to dataset (a
:class:`forecasting.io.inputs.Inputs` or any ``Mapping[str, xr.Dataset]``), and reads them only
through :func:`cube`, so a missing cube is a :class:`ValidationError` that names it. Nothing
here loads data or caches it. The cubes a projection reads are :data:`CUBES` (from the
single-age base year 2019) plus :data:`BASE_CUBES` (a base year after it, e.g. 2025).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.errors import ValidationError

_T = TypeVar("_T", xr.DataArray, xr.Dataset)

Cubes = Mapping[str, xr.Dataset]

#: Cubes of every projection (base years with a single-age population).
CUBES = (
    "population",
    "population_totals",
    "regional_demography",
    "national_mortality",
    "national_fertility",
)
#: Cubes of a base year after the last single-age population (31.12.2025): totals by sex,
#: the components of the year and the age key figures the aged-forward structure is raked to.
BASE_CUBES = ("population_by_sex", "population_change", "age_key_figures")
#: Cubes of labour supply and retirements (besides :data:`CUBES`).
LABOUR_CUBES = ("employment_by_age_education", "commuting", "registers")


def has(cubes: Cubes, name: str) -> bool:
    """Whether ``cubes`` holds ``name`` (by iteration: ``Inputs`` raises on a failed lookup,
    so ``name in inputs`` would raise instead of returning False)."""
    return name in set(cubes)


def cube(cubes: Cubes, name: str, why: str = "") -> xr.Dataset:
    """The cube ``name`` of ``cubes``.

    Raises
    ------
    ValidationError
        ``cubes`` has no cube ``name`` (the message names it and what needs it).
    """
    if not has(cubes, name):
        need = f" (needed for {why})" if why else ""
        raise ValidationError("cubes", f"the inputs lack the cube {name!r}{need}")
    return cubes[name]


def year_end(year: int) -> np.datetime64:
    """The time label of an annual stock or flow: 31 December of ``year``."""
    return np.datetime64(f"{year:04d}-12-31", "ns")


def years_of(da: xr.DataArray | xr.Dataset) -> np.ndarray:
    """Calendar years of the ``time`` coordinate."""
    return pd.DatetimeIndex(da["time"].values).year.to_numpy()


def by_year(da: _T) -> _T:
    """``da`` with its ``time`` coordinate replaced by an integer ``year`` coordinate."""
    return da.assign_coords(time=years_of(da)).rename(time="year")


def source_tables(cubes: Cubes, names: tuple[str, ...]) -> list[str]:
    """Source tables of the named cubes present in ``cubes`` (for provenance)."""
    tables: list[str] = []
    for name in names:
        if not has(cubes, name):
            continue
        for table in str(cubes[name].attrs.get("source_tables", name)).split(", "):
            if table not in tables:
                tables.append(table)
    return tables


def retrieved(cubes: Cubes, names: tuple[str, ...]) -> str:
    """The latest retrieval date among the named cubes."""
    dates = [str(cubes[n].attrs.get("retrieved", "")) for n in names if has(cubes, n)]
    return max(dates) if dates else ""


def data_version(cubes: Cubes, names: tuple[str, ...]) -> str:
    """One version string for the inputs (the cubes' ``data_version`` combined)."""
    from forecasting.provenance import combine_versions

    return combine_versions(
        str(cubes[n].attrs.get("data_version", n)) for n in names if has(cubes, n)
    )
