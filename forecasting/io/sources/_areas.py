"""Areas of the source files: municipality names and codes, mergers and aggregates.

One module for every source module (registers, demography, employment):

- Municipality *names* -> codes (:func:`codes_from_names`): names of the 2025 division in the
  requested languages, the ``old_name`` of every row of the merger table
  (``forecasting/data/classifications/municipal_mergers.csv``), bilingual labels
  ``"Maarianhamina - Mariehamn"`` and the country (``"KOKO MAA"`` -> ``"SSS"``), matched
  without regard to case. A merged municipality keeps its *old* code here; :func:`harmonise`
  (through :func:`forecasting.geography.harmonise`) moves it to its successor, so mergers are
  applied in one place only.
- Numeric codes (:func:`check_codes`): ``5`` / ``"KU005"`` -> ``"005"``, checked to exist.
- :func:`harmonise` and :func:`add_aggregates` for datasets whose count variables carry
  ``<var>_status`` flags: values are summed by :mod:`forecasting.geography` (NaN if any part
  is NaN), and a merged or aggregated cell gets the *largest* status of its parts, so a sum
  over a suppressed cell is NaN flagged 3 (confidential), never 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.errors import DataError
from forecasting.io.sources._read import first_bad, map_labels

STATUS_SUFFIX = "_status"
#: Labels of the whole country in the extracts (compared casefolded).
COUNTRY_NAMES = frozenset({"koko maa", "whole country", "finland", "sss"})
AGGREGATE_LEVELS = ("employment_area", "region", "country")
_LEVEL_RANK = {"employment_area": 0, "subregion": 1, "region": 2, "country": 3}


def _key(name: str) -> str:
    return str(name).strip().casefold()


@lru_cache
def name_table(languages: tuple[str, ...] = ("fi",)) -> dict[str, str]:
    """``{casefolded name: code}`` over the 2025 division and every merged-away name.

    An old name equal to the name of its own successor maps to the old code (harmonising
    gives the same result either way).

    Raises
    ------
    DataError
        If two different municipalities share a name (the lookup would be ambiguous).
    """
    munis = geography.municipalities()
    table: dict[str, str] = {}
    for lang in languages:
        for code, name in zip(munis.index, munis[f"name_{lang}"], strict=True):
            other = table.setdefault(_key(name), code)
            if other != code:
                raise DataError(f"municipality name {name!r} is ambiguous ({other}, {code})")
    successor = geography.merger_map()
    merged = geography.mergers()
    for old_code, old_name in zip(merged["old_code"], merged["old_name"], strict=True):
        if pd.isna(old_name):
            continue
        current = table.get(_key(old_name))
        if current not in (None, old_code, successor.get(old_code)):
            raise DataError(f"municipality name {old_name!r} is ambiguous ({current}, {old_code})")
        table[_key(old_name)] = old_code
    return table


def code_of_name(name: str, table: dict[str, str], *, country: bool = True) -> str | None:
    """Code of one source label: a known name, a bilingual ``"fi - sv"`` label or the country."""
    key = _key(name)
    if country and key in COUNTRY_NAMES:
        return geography.COUNTRY
    if key in table:
        return table[key]
    parts = [p.strip() for p in key.replace("–", "-").split(" - ")]
    found = {table[p] for p in parts if p in table}
    return found.pop() if len(parts) > 1 and len(found) == 1 else None


def codes_from_names(
    frame: pd.DataFrame,
    column: str,
    source: str,
    *,
    languages: tuple[str, ...] = ("fi",),
    country: bool = True,
) -> pd.Series:
    """Area codes for the names in ``frame[column]`` (``"SSS"`` for the whole country).

    Parameters
    ----------
    frame, column
        Frame with a ``_row`` column and municipality names in ``column``.
    source
        File name for errors.
    languages
        Name columns of the municipality table to match (``"fi"``, ``"sv"``, ``"en"``).
    country
        Whether country labels (``KOKO MAA`` ...) are accepted.

    Raises
    ------
    DataError
        Naming the file row of the first name that is not a municipality of the 2025 division,
        a merged-away municipality of the merger table, or (if allowed) the country.
    """
    table = name_table(languages)
    message = (
        "{column}: unknown municipality name {label!r} (not in the 2025 division nor in "
        "municipal_mergers.csv)"
    )
    return map_labels(
        frame, column, source, lambda n: code_of_name(n, table, country=country), message
    )


def check_names(
    frame: pd.DataFrame,
    column: str,
    codes: pd.Series,
    source: str,
    *,
    languages: tuple[str, ...] = ("fi",),
) -> None:
    """Check that the municipality names in ``frame[column]`` are those of ``codes``.

    Raises
    ------
    DataError
        Naming the row of the first unknown name or of the first name of another code.
    """
    bad = (codes_from_names(frame, column, source, languages=languages) != codes).to_numpy()
    if bad.any():
        name, row = first_bad(frame, column, bad)
        code = codes.iloc[int(np.argmax(bad))]
        raise DataError(
            f"{column}: name {name!r} does not match code {code!r}", source=source, row=row
        )


def check_codes(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    """Normalise numeric municipality codes (``5`` -> ``"005"``) and check that they exist.

    A code is accepted if it is a municipality of the 2025 division, a merged-away code of the
    merger table, or ``"SSS"``; ``KU`` prefixes are dropped. Works on unique labels (fast).
    """
    known = set(geography.municipalities().index) | set(geography.mergers()["old_code"])

    def code(label: object) -> str | None:
        text = str(label).strip().removeprefix("KU")
        text = text.zfill(3) if text.isdigit() and len(text) <= 3 else text
        return text if text == geography.COUNTRY or text in known else None

    message = "{column}: {label!r} is not a municipality code"
    return map_labels(frame, column, source, code, message)


def split_status(ds: xr.Dataset) -> tuple[list[str], list[str]]:
    """``(value variables, <var>_status variables)`` of ``ds``."""
    names = [str(v) for v in ds.data_vars]
    status = [v for v in names if v.endswith(STATUS_SUFFIX)]
    return [v for v in names if v not in status], status


def harmonise(ds: xr.Dataset) -> xr.Dataset:
    """Move merged municipalities to the 2025 division (values summed, statuses max-ed).

    Only the areas touched by a merger go through :func:`forecasting.geography.harmonise`
    (the one place mergers are applied); the others are passed through unchanged. Areas keep
    the first-appearance order of their successors.
    """
    mapping = geography.merger_map()
    codes = [str(c) for c in ds["area"].values]
    if not any(c in mapping for c in codes):
        return ds
    touched = [c for c in codes if c in mapping or c in mapping.values()]
    values, status = split_status(ds)
    merged = geography.harmonise(ds[values].sel(area=touched))
    assert isinstance(merged, xr.Dataset)
    if status:
        target = [mapping.get(c, c) for c in touched]
        flags = ds[status].sel(area=touched).assign_coords(area=target).groupby("area").max()
        merged = merged.merge(flags.sel(area=merged["area"].values).astype(np.int8))
    merged = xr.Dataset({v: merged[v].transpose(*ds[v].dims) for v in merged.data_vars})
    order = list(dict.fromkeys(mapping.get(c, c) for c in codes))
    return xr.concat([ds.drop_sel(area=touched), merged], dim="area").sel(area=order)


def _new_aggregates(
    ds: xr.Dataset, levels: Sequence[str], complete_only: bool, bottom_up: bool
) -> list[str]:
    """Codes of the aggregates to append, in output order (see :func:`add_aggregates`)."""
    areas = geography.areas()
    codes = [str(c) for c in ds["area"].values]
    unknown = [c for c in codes if c not in areas.index]
    if unknown:
        raise DataError(f"areas not of the {geography.CURRENT_DIVISION} division: {unknown[:5]}")
    present = [c for c in codes if areas.loc[c, "level"] == "municipality"]
    rows, cols, _ = geography.summing_matrix(levels=(*levels, "municipality"), bottom=present)
    new = [r for r in rows if r not in cols]
    if complete_only:
        new = [c for c in new if set(geography.members(c)) <= set(present)]
    clash = sorted(set(new) & set(codes))
    if clash:
        raise DataError(f"aggregates {clash} are already in the data")
    if bottom_up:
        new.sort(key=lambda c: (_LEVEL_RANK[geography.level_of(c)], c))
    return new


def add_aggregates(
    ds: xr.Dataset,
    levels: Sequence[str] = AGGREGATE_LEVELS,
    *,
    complete_only: bool = True,
    bottom_up: bool = False,
) -> xr.Dataset:
    """Append aggregate areas (sums of member municipalities of the 2025 division).

    Parameters
    ----------
    ds
        Dataset with an ``area`` dim of 2025 municipalities (other areas of the hierarchy,
        such as a source's own ``SSS`` row, are passed through and not summed).
    levels
        Aggregate levels to add (``employment_area``, ``region``, ``subregion``, ``country``).
    complete_only
        Keep an aggregate only if every member municipality is present (a partly covered
        region would otherwise look like a real, smaller region); if False, any aggregate
        with a member present is the sum over the members present.
    bottom_up
        Order of the new areas: employment areas, sub-regions, regions, country (True), or
        that of :func:`forecasting.geography.add_aggregates`: country, regions, employment
        areas (False).

    Returns
    -------
    ``ds`` with the aggregates appended along ``area``; an aggregate is NaN wherever a member
    is NaN, and its status flags are the maximum over its members.
    """
    new = _new_aggregates(ds, levels, complete_only, bottom_up)
    values, status = split_status(ds)
    out = xr.Dataset(
        {v: geography.add_aggregates(ds[v], levels=tuple(levels)) for v in values}
    ).sel(area=[*map(str, ds["area"].values), *new])
    position = {str(c): i for i, c in enumerate(ds["area"].values)}
    members = [[position[m] for m in geography.members(c) if m in position] for c in new]
    for var in status:
        flags = ds[var].transpose("area", ...)
        maxima = [flags.values[idx].max(axis=0) for idx in members]
        worst = np.reshape(np.asarray(maxima, dtype=np.int8), (len(new), *flags.shape[1:]))
        coords = {d: flags[d].values for d in flags.dims[1:] if d in flags.coords}
        full = xr.DataArray(
            np.concatenate([flags.values, worst]),
            dims=flags.dims,
            coords={"area": out["area"].values, **coords},
        )
        out[var] = full.transpose(*ds[var].dims)
    return out
