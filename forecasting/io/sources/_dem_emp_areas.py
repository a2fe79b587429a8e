"""Area and time helpers shared by the demography and employment source modules.

- Municipality *names* of the source files -> codes: names of the 2025 division (Finnish, and
  Swedish where asked), the ``old_name`` of every row of the merger table
  (``forecasting/data/classifications/municipal_mergers.csv``, the one place mergers live) and
  bilingual labels ``"Maarianhamina - Mariehamn"``. A merged municipality keeps its *old* code
  here; :func:`harmonise` (through :func:`forecasting.geography.harmonise`) moves it to its
  successor, so mergers are applied in one place only.
- Harmonising and aggregating datasets that carry ``<var>_status`` flags (flags are combined
  with ``max``: the worst member status wins; values are summed by :mod:`forecasting.geography`).
- Annual time labels (31 December).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.contract import to_canonical
from forecasting.errors import DataError
from forecasting.io.sources._read import ROW

COUNTRY_NAMES = frozenset({"KOKO MAA", "Koko maa", "WHOLE COUNTRY", "Finland", "SSS"})
STATUS_SUFFIX = "_status"
ANNUAL = "31 December (YYYY-12-31) labels the year: stocks at year end, flows during the year"
AGES = np.arange(101)
SEXES = ("F", "M")
TOTAL_LABEL = "Yhteensä"


@lru_cache
def name_table(languages: tuple[str, ...] = ("fi",)) -> dict[str, str]:
    """``{municipality name: code}`` over the 2025 division and every merged-away name.

    Raises
    ------
    DataError
        If two different municipalities share a name (the lookup would be ambiguous).
    """
    munis = geography.municipalities()
    pairs: list[tuple[str, str]] = []
    for lang in languages:
        pairs += list(zip(munis[f"name_{lang}"], munis.index, strict=True))
    merged = geography.mergers()
    pairs += list(zip(merged["old_name"], merged["old_code"], strict=True))
    table: dict[str, str] = {}
    for name, code in pairs:
        if table.setdefault(name, code) != code:
            raise DataError(f"municipality name {name!r} is ambiguous ({table[name]}, {code})")
    return table


def code_of_name(name: str, table: dict[str, str]) -> str | None:
    """Code of one source label: a known name, a bilingual ``"fi - sv"`` label or the country."""
    if name in COUNTRY_NAMES:
        return geography.COUNTRY
    if name in table:
        return table[name]
    parts = [p.strip() for p in name.split(" - ")] if " - " in name else []
    found = {table[p] for p in parts if p in table}
    return found.pop() if len(found) == 1 else None


def codes_from_names(
    frame: pd.DataFrame, column: str, source: str, *, languages: tuple[str, ...] = ("fi",)
) -> pd.Series:
    """Area codes for the names in ``frame[column]`` (``"SSS"`` for the whole country).

    Raises
    ------
    DataError
        Naming the file row of the first name that is not a municipality of the 2025 division,
        a merged-away municipality of the merger table, or the country.
    """
    table = name_table(languages)
    unique = frame[column].unique()
    lookup = {name: code_of_name(name, table) for name in unique}
    unknown = [name for name, code in lookup.items() if code is None]
    if unknown:
        row = int(frame.loc[frame[column] == unknown[0], ROW].iloc[0])
        raise DataError(
            f"{column}: unknown municipality name {unknown[0]!r} (not in the 2025 division "
            "nor in municipal_mergers.csv)",
            source=source,
            row=row,
        )
    return frame[column].map(lookup)


def _first_bad_row(frame: pd.DataFrame, column: str, bad_labels: set[str]) -> tuple[str, int]:
    """The first label in ``bad_labels`` and its file row."""
    i = int(np.argmax(frame[column].isin(list(bad_labels)).to_numpy()))
    return str(frame[column].iloc[i]), int(frame[ROW].iloc[i])


def check_codes(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    """Normalise numeric municipality codes (``5`` -> ``"005"``) and check that they exist.

    A code is accepted if it is a municipality of the 2025 division, a merged-away code of the
    merger table, or ``"SSS"``; ``KU`` prefixes are dropped. Works on unique labels (fast).
    """
    known = set(geography.municipalities().index) | set(geography.mergers()["old_code"])
    lookup: dict[str, str] = {}
    for label in frame[column].unique():
        text = str(label).strip().removeprefix("KU")
        code = text.zfill(3) if text.isdigit() and len(text) <= 3 else text
        if code == geography.COUNTRY or code in known:
            lookup[label] = code
    bad = set(frame[column].unique()) - set(lookup)
    if bad:
        label, row = _first_bad_row(frame, column, bad)
        raise DataError(f"{column}: {label!r} is not a municipality code", source=source, row=row)
    return frame[column].map(lookup)


def year_end(years: Iterable[int] | pd.Series) -> np.ndarray:
    """31 December of each year as ``datetime64[ns]`` (the convention of annual data)."""
    arr = np.asarray(list(years) if not isinstance(years, pd.Series) else years, dtype=np.int64)
    next_year = (arr - 1969).astype("datetime64[Y]").astype("datetime64[D]")
    return (next_year - np.timedelta64(1, "D")).astype("datetime64[ns]")


def parse_years(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    """Integer years from labels such as ``"2018"`` or ``"2018.0"``; anything else raises."""
    lookup: dict[str, int] = {}
    for label in frame[column].unique():
        text = str(label).strip().removesuffix(".0")
        if re.fullmatch(r"(19|20)\d\d", text):
            lookup[label] = int(text)
    bad = set(frame[column].unique()) - set(lookup)
    if bad:
        label, row = _first_bad_row(frame, column, bad)
        raise DataError(f"{column}: {label!r} is not a year", source=source, row=row)
    return frame[column].map(lookup)


def parse_age(
    frame: pd.DataFrame, column: str, source: str, open_labels: dict[str, int]
) -> pd.Series:
    """Ages as int from digit labels and the given open-interval labels; ``Yhteensä`` -> -1."""
    labels = {**open_labels, TOTAL_LABEL: -1}
    lookup: dict[str, int] = {}
    for label in frame[column].unique():
        if label in labels:
            lookup[label] = labels[label]
        elif re.fullmatch(r"\d{1,3}", str(label)):
            lookup[label] = int(label)
    bad = [label for label in frame[column].unique() if label not in lookup]
    if bad:
        i = int(np.argmax((frame[column] == bad[0]).to_numpy()))
        raise DataError(
            f"{column}: unknown age label {bad[0]!r}", source=source, row=int(frame[ROW].iloc[i])
        )
    return frame[column].map(lookup).astype(int)


def check_labels(frame: pd.DataFrame, column: str, allowed: object, source: str) -> None:
    """Raise naming the first row whose ``column`` label is not in ``allowed``."""
    bad = ~frame[column].isin(list(allowed))  # type: ignore[call-overload]
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataError(
            f"{column}: unexpected label {frame[column].iloc[i]!r}",
            source=source,
            row=int(frame[ROW].iloc[i]),
        )


def variable(frame: pd.DataFrame, name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{name: (values, status)}`` from a frame's ``value`` and ``status`` columns."""
    return {name: (frame["value"].to_numpy(), frame["status"].to_numpy())}


def _split(ds: xr.Dataset) -> tuple[list[str], list[str]]:
    names = [str(v) for v in ds.data_vars]
    status = [v for v in names if v.endswith(STATUS_SUFFIX)]
    return [v for v in names if v not in status], status


def harmonise(ds: xr.Dataset) -> xr.Dataset:
    """Move merged municipalities to the 2025 division (values summed, statuses max-ed).

    Only the areas touched by a merger go through :func:`forecasting.geography.harmonise`
    (the one place mergers are applied); the others are passed through unchanged.
    """
    mapping = geography.merger_map()
    codes = [str(c) for c in ds["area"].values]
    touched = [c for c in codes if c in mapping or c in mapping.values()]
    if not any(c in mapping for c in codes):
        return ds
    values, status = _split(ds)
    merged = geography.harmonise(ds[values].sel(area=touched))
    assert isinstance(merged, xr.Dataset)
    if status:
        target = [mapping.get(c, c) for c in touched]
        flags = ds[status].sel(area=touched).assign_coords(area=target).groupby("area").max()
        merged = merged.merge(flags.sel(area=merged["area"].values).astype(np.int8))
    order = list(dict.fromkeys(mapping.get(c, c) for c in codes))
    rest = ds.drop_sel(area=touched)
    return xr.concat([rest, merged], dim="area").sel(area=order)


def add_aggregates(
    ds: xr.Dataset,
    levels: Sequence[str] = ("employment_area", "region", "country"),
    *,
    complete_only: bool = True,
) -> xr.Dataset:
    """Append aggregate areas (sums of member municipalities of the 2025 division).

    With ``complete_only`` an aggregate is kept only if every member municipality is present
    (a partly covered region would otherwise look like a real, smaller region). Status flags
    of an aggregate are the maximum over its members.
    """
    values, status = _split(ds)
    munis = geography.municipalities()
    present = [str(c) for c in ds["area"].values if str(c) in munis.index]
    parts = {v: geography.add_aggregates(ds[v], levels=levels) for v in values}
    out = xr.Dataset(parts)
    new = [str(c) for c in out["area"].values[ds.sizes["area"] :]]
    if complete_only:
        new = [c for c in new if set(geography.members(c)) <= set(present)]
    keep = list(map(str, ds["area"].values)) + new
    out = out.sel(area=keep)
    for var in status:
        flags = [ds[var].sel(area=geography.members(c)).max("area") for c in new]
        agg = xr.concat(flags, dim=pd.Index(new, name="area")) if flags else None
        full = ds[var] if agg is None else xr.concat([ds[var], agg], dim="area")
        out[var] = full.transpose(*ds[var].dims).astype(np.int8)
    return out


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


def finish(ds: xr.Dataset, attrs: dict[str, str] | None = None) -> xr.Dataset:
    """Canonical dim order, float64 values, int8 flags; all-zero status variables dropped.

    A ``<var>_status`` is kept only where the source has gaps (contract: "wherever the source
    has gaps"). Variables get a ``long_name`` from :data:`LONG_NAMES`.
    """
    values, status = _split(ds)
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
