"""Finnish geography: municipalities, their hierarchy, and the one place mergers are applied.

Levels, bottom up::

    municipality ("491") -> employment area ("TA23") -> region ("MK10") -> country ("SSS")

and sub-regions ("SK101") as a side hierarchy (municipality -> sub-region). Employment area 46
is Åland, which has its own employment service (AMS) but is kept so every municipality sits in
exactly one area. Tables come from the versioned CSVs in ``forecasting/data/classifications``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.errors import UnknownAreaError
from forecasting.io.files import read_table

CLASSIFICATIONS_DIR = Path(__file__).resolve().parent / "data" / "classifications"
CURRENT_DIVISION = 2025
COUNTRY = "SSS"
MIKKELI_AREA = "TA23"
LEVELS = ("municipality", "employment_area", "region", "country")
SIDE_LEVELS = ("subregion",)
_PREFIX_LEVEL = {"TA": "employment_area", "MK": "region", "SK": "subregion"}


@lru_cache
def municipalities(division: int = CURRENT_DIVISION) -> pd.DataFrame:
    """Municipalities of a division, indexed by 3-digit code, with names and parents.

    Columns: ``name_fi, name_sv, name_en, employment_area, region, subregion`` and the
    names of the parents (``employment_area_name_fi`` ...).
    """
    path = CLASSIFICATIONS_DIR / f"municipalities_{division}.csv"
    if not path.exists():
        raise UnknownAreaError(f"no municipality division {division} (have 2025, 2026)")
    return read_table(path, index="code")


@lru_cache
def mergers() -> pd.DataFrame:
    """The merger table: ``old_code -> new_code`` with the date it took effect."""
    table = read_table(CLASSIFICATIONS_DIR / "municipal_mergers.csv")
    table["effective"] = pd.to_datetime(table["effective"])
    return table


@lru_cache
def merger_map(division: int = CURRENT_DIVISION) -> dict[str, str]:
    """``{old code: code in the given division}``, following chains of mergers (do not mutate)."""
    table = mergers()
    cutoff = pd.Timestamp(f"{division}-01-01")
    direct = dict(
        zip(
            table.loc[table["effective"] <= cutoff, "old_code"],
            table.loc[table["effective"] <= cutoff, "new_code"],
            strict=True,
        )
    )
    resolved = {}
    for old in direct:
        new = direct[old]
        while new in direct:
            new = direct[new]
        resolved[old] = new
    return resolved


@lru_cache
def areas(division: int = CURRENT_DIVISION) -> pd.DataFrame:
    """Every area (municipalities and aggregates), indexed by code.

    Columns: ``level`` (municipality, employment_area, region, subregion, country),
    ``name_fi``, ``name_sv``, ``name_en`` and ``parent`` (next level up; sub-regions point
    to their region).
    """
    munis = municipalities(division)
    rows = [
        pd.DataFrame(
            {
                "level": "municipality",
                "name_fi": munis["name_fi"],
                "name_sv": munis["name_sv"],
                "name_en": munis["name_en"],
                "parent": munis["employment_area"],
            }
        )
    ]
    parent_of = {"employment_area": "region", "region": None, "subregion": "region"}
    for level, parent in parent_of.items():
        cols = [level, f"{level}_name_fi", f"{level}_name_sv", f"{level}_name_en"]
        cols += [parent] if parent else []
        sub = munis[cols].drop_duplicates(level).set_index(level)
        if level == "employment_area":
            # An employment area may span regions; it belongs to its host's (majority) region.
            sub[parent] = munis.groupby("employment_area")["region"].agg(
                lambda s: s.value_counts().index[0]
            )
        frame = pd.DataFrame(
            {
                "level": level,
                "name_fi": sub[f"{level}_name_fi"],
                "name_sv": sub[f"{level}_name_sv"],
                "name_en": sub[f"{level}_name_en"],
                "parent": sub[parent] if parent else COUNTRY,
            }
        )
        rows.append(frame)
    country = pd.DataFrame(
        {
            "level": "country",
            "name_fi": "Koko maa",
            "name_sv": "Hela landet",
            "name_en": "Whole country",
            "parent": None,
        },
        index=[COUNTRY],
    )
    rows.append(country)
    table = pd.concat(rows)
    table.index.name = "code"
    return table


def area_name(code: str, lang: str) -> str:
    """The name of area ``code`` (any level) in ``lang`` (``fi``, ``sv``, ``en``); the code
    itself when the area is not in the 2025 division or has no name in that language."""
    names = areas()
    if code in names.index:
        value = names.loc[code, f"name_{lang}"]
        if isinstance(value, str) and value:
            return value
    return code


def normalise_code(code: str | int) -> str:
    """Canonical form of an area code: ``491``, ``"KU491"``, ``"ta23"`` -> ``"491"``, ``"TA23"``."""
    text = str(code).strip().upper()
    if text.startswith("KU"):
        text = text[2:]
    if text.isdigit():
        return text.zfill(3)
    return text


def resolve_area(code: str | int, division: int = CURRENT_DIVISION) -> str:
    """Normalise ``code`` and check it exists; merged-away municipalities map to their successor.

    Raises
    ------
    UnknownAreaError
        If the code is neither a municipality of the division nor a known aggregate.
    """
    norm = normalise_code(code)
    norm = merger_map(division).get(norm, norm)
    if norm not in areas(division).index:
        raise UnknownAreaError(
            f"unknown area code {code!r}: expected a municipality code such as '491', "
            "an employment area 'TA23', a region 'MK10', a sub-region 'SK101' or 'SSS'",
            kind="unknown_area",
            values={"code": str(code)},
        )
    return norm


def level_of(code: str) -> str:
    """The level of an area code (without checking it exists)."""
    if code == COUNTRY:
        return "country"
    if code[:2] in _PREFIX_LEVEL:
        return _PREFIX_LEVEL[code[:2]]
    return "municipality"


def members(code: str, division: int = CURRENT_DIVISION) -> list[str]:
    """Municipality codes that sum into ``code`` (itself for a municipality), sorted."""
    code = resolve_area(code, division)
    munis = municipalities(division)
    level = level_of(code)
    if level == "municipality":
        return [code]
    if level == "country":
        return sorted(munis.index)
    return sorted(munis.index[munis[level] == code])


def employment_area_of(municipality: str | int, division: int = CURRENT_DIVISION) -> str:
    """The employment area (``"TA23"``) of a municipality code (merged codes followed).

    Raises
    ------
    UnknownAreaError
        If the code is not a municipality of the division.
    """
    code = resolve_area(municipality, division)
    if level_of(code) != "municipality":
        raise UnknownAreaError(
            f"{municipality!r} is not a municipality code",
            kind="not_municipality",
            values={"code": str(municipality)},
        )
    return str(municipalities(division).at[code, "employment_area"])


def aggregate_codes(level: str, division: int = CURRENT_DIVISION) -> list[str]:
    """All codes of one aggregate level, sorted."""
    table = areas(division)
    return sorted(table.index[table["level"] == level])


def summing_matrix(
    levels: Sequence[str] = LEVELS,
    bottom: Sequence[str] | None = None,
    division: int = CURRENT_DIVISION,
) -> tuple[list[str], list[str], np.ndarray]:
    """The hierarchy's summing matrix ``S`` with ``y_all = S @ y_bottom``.

    Parameters
    ----------
    levels
        Levels to include, top rows first in the order country, region, employment area,
        municipality (whatever order is passed, rows are ordered top-down).
    bottom
        Municipality codes (columns); defaults to all municipalities of the division.
        Aggregates are restricted to those with at least one member in ``bottom``.

    Returns
    -------
    rows, cols, S
        Row codes (all areas, top-down), column codes (municipalities) and ``S`` of shape
        ``(len(rows), len(cols))`` with 0/1 entries.
    """
    munis = municipalities(division)
    cols = sorted(bottom) if bottom is not None else sorted(munis.index)
    unknown = [c for c in cols if c not in munis.index]
    if unknown:
        raise UnknownAreaError(f"not municipalities of the {division} division: {unknown[:5]}")
    sub = munis.loc[cols]
    rows: list[str] = []
    blocks: list[np.ndarray] = []
    for level in ("country", "region", "employment_area", "subregion", "municipality"):
        if level not in levels:
            continue
        if level == "country":
            rows.append(COUNTRY)
            blocks.append(np.ones((1, len(cols))))
        elif level == "municipality":
            rows.extend(cols)
            blocks.append(np.eye(len(cols)))
        else:
            codes = sorted(sub[level].unique())
            rows.extend(codes)
            blocks.append((sub[level].to_numpy()[None, :] == np.asarray(codes)[:, None]) * 1.0)
    return rows, cols, np.vstack(blocks)


def harmonise(
    da: xr.DataArray | xr.Dataset,
    *,
    division: int = CURRENT_DIVISION,
    dim: str = "area",
) -> xr.DataArray | xr.Dataset:
    """Map a series on an older division to ``division`` by summing merged municipalities.

    The single place where municipal mergers are applied. Codes that are not merged are kept;
    a merged code's values are added to its successor's (NaN stays NaN: if any part is
    suppressed, the sum is unknown). Use only for additive quantities (counts).
    """
    mapping = merger_map(division)
    codes = [str(c) for c in da[dim].values]
    if not any(c in mapping for c in codes):
        return da
    target = [mapping.get(c, c) for c in codes]
    grouped = da.assign_coords({dim: target}).groupby(dim).sum(skipna=False, min_count=1)
    # groupby sorts labels; keep first-appearance order of the targets instead.
    order = list(dict.fromkeys(target))
    return grouped.sel({dim: order})


def add_aggregates(
    da: xr.DataArray | xr.Dataset,
    *,
    levels: Iterable[str] = ("employment_area", "region", "country"),
    division: int = CURRENT_DIVISION,
) -> xr.DataArray | xr.Dataset:
    """Append aggregate areas (sums of member municipalities) along ``area``.

    An aggregate is NaN wherever any member is NaN: a suppressed part makes the sum unknown.
    """
    if isinstance(da, xr.Dataset):
        return da.map(
            lambda var: (
                add_aggregates(var, levels=levels, division=division) if "area" in var.dims else var
            )
        )
    munis = municipalities(division)
    bottom = [str(c) for c in da["area"].values if str(c) in munis.index]
    rows, cols, matrix = summing_matrix(
        levels=(*levels, "municipality"), bottom=bottom, division=division
    )
    agg_rows = [r for r in rows if r not in cols]
    weights = xr.DataArray(
        matrix[: len(agg_rows)], dims=("agg", "area"), coords={"agg": agg_rows, "area": cols}
    )
    base = da.sel(area=cols)
    summed = xr.dot(base.fillna(0.0), weights, dim="area")
    has_nan = xr.dot(base.isnull().astype(float), weights, dim="area") > 0
    summed = summed.where(~has_nan).rename(agg="area")
    return xr.concat([da, summed.transpose(*da.dims)], dim="area")
