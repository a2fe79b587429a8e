"""Dataset helpers shared by the source modules: conventions, checks and the final touch.

- Time conventions (:data:`ANNUAL`, :data:`MONTHLY`) and the age and sex coordinates.
- :func:`check_equal`: a computed sum against the total the source publishes.
- :func:`finish`: canonical dim order, float64 values, int8 flags (all-zero flags dropped) and
  ``long_name`` attributes from :data:`LONG_NAMES`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.contract import to_canonical
from forecasting.errors import DataError
from forecasting.io.sources._areas import split_status

ANNUAL = "31 December (YYYY-12-31) labels the year: stocks at year end, flows during the year"
MONTHLY = "month start (YYYY-MM-01) labels the month; stocks are counted at the end of the month"
AGES = np.arange(101)
SEXES = ("F", "M")

#: ``long_name`` attributes of the variables of the demography and employment cubes.
LONG_NAMES = {
    "population": "population at the end of the year",
    "population_total": "population at the end of the year, all ages",
    "in_migration": "moves into the municipality during the year",
    "out_migration": "moves out of the municipality during the year",
    "net_migration": "net migration during the year (in - out)",
    "total_fertility_rate": "total fertility rate",
    "life_expectancy": "life expectancy at birth",
    "net_migration_rate": "net migration per resident",
    "fertility_age_share": "share of the total fertility rate at each age of the mother",
    "net_migration_by_age": "net migration by single year of age (derived)",
    "death_rate": "central death rate m(x)",
    "death_rate_oldest": "central death rate at 100..109 and 110+ as in the source",
    "fertility_rate": "age-specific fertility rate",
    "employed_residents": "employed persons living in the area",
    "residents_working_in_home_municipality": "employed residents working in their home "
    "municipality",
    "commuting_out": "employed residents working outside their home municipality",
    "jobs": "employed persons working in the area (jobs)",
    "commuting_in": "employed persons working in the area and living elsewhere",
    "suppressed_postcodes": "postal codes left out because their breakdown is suppressed",
    "employed_na": "employment, domestic concept (national accounts), annual average",
    "employed_es": "employed persons (employment statistics 115i), last week of the year",
    "employed_eurostat": "employment, domestic concept (Eurostat nama_10_a64_e)",
}


def variable(frame: pd.DataFrame, name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{name: (values, status)}`` from a frame's ``value`` and ``status`` columns."""
    return {name: (frame["value"].to_numpy(), frame["status"].to_numpy())}


def check_equal(
    computed: xr.DataArray, reported: xr.DataArray, what: str, source: str, *, rtol: float = 0.0
) -> None:
    """Raise :class:`DataError` if a computed sum differs from the source's reported total."""
    a, b = xr.align(computed, reported, join="exact")
    diff = np.abs(a.values - b.values)
    bad = np.isfinite(diff) & (diff > rtol * np.abs(b.values) + 1e-6)
    if np.any(bad):
        where = np.argwhere(bad)[0]
        label = {
            d: str(a[d].values[i]) for d, i in zip(a.dims, where, strict=True) if d in a.coords
        }
        raise DataError(
            f"{what}: computed {a.values[tuple(where)]} != reported {b.values[tuple(where)]} "
            f"at {label}",
            source=source,
        )


def finish(ds: xr.Dataset, attrs: dict[str, str] | None = None) -> xr.Dataset:
    """Canonical dim order, float64 values, int8 flags; all-zero status variables dropped.

    A ``<var>_status`` is kept only where the source has gaps (contract: "wherever the source
    has gaps"). Variables get a ``long_name`` from :data:`LONG_NAMES`.
    """
    values, status = split_status(ds)
    out = ds.copy()
    for var in values:
        out[var] = out[var].astype(np.float64)
        if var in LONG_NAMES:
            out[var].attrs.setdefault("long_name", LONG_NAMES[var])
    for var in status:
        if not np.any(out[var].values != 0):
            out = out.drop_vars(var)
        else:
            out[var] = out[var].astype(np.int8)
    if "area" in out.coords:
        out = out.assign_coords(area=out["area"].values.astype(str).astype(object))
    out = to_canonical(out)
    out.attrs.update(attrs or {})
    return out
