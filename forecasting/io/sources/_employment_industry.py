"""Industry sources: Paavo jobs by TOL 2008 section, tyokay 115k and national employment.

Helpers of :mod:`forecasting.io.sources.employment` (which builds the cubes):

- ``jobs_by_industry``: Paavo 2017 (2020 division, ``kunta_code_matched_from_115k_label``,
  names in Finnish or Swedish checked against the code), TOL 2008 sections A..U and X; the
  sections of every municipality sum to ``Workplaces`` (checked); the file's region rows (2020
  regions, no Uusimaa) are checked in total and dropped; harmonised plus TA, MK and SSS.
- ``jobs_by_industry_postcode_shares``: Paavo postal-code data of Etelä-Savo 2012..2016 summed to
  municipality. A postal code whose industry breakdown is suppressed (empty cells) is left out of
  the sums and counted in ``suppressed_postcodes``; the sums are for shares only.
- ``jobs_totals_2019``: tyokay 115k, jobs 2019 (2021 division) plus TA, MK and SSS (checked).
- ``national_employment_by_industry``: national accounts (E1 employment, domestic concept,
  1000 persons -> persons) 1975..2017 by TOL section; tyokay 115i 2007..2023 in its 11 groups
  mapped by :data:`INDUSTRY_115I`; Eurostat (EMP_DC, thousand persons -> persons) 1995..2022
  where it gives sections (C26 is a division and is left out).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.errors import DataError
from forecasting.io.sources import _areas as areas
from forecasting.io.sources._cubes import ANNUAL, check_equal, finish
from forecasting.io.sources._read import (
    ROW,
    check_labels,
    check_unique,
    parse_counts,
    parse_years,
    read_csv,
    to_dataset,
    year_end,
)

FILE_PAAVO_2017 = "statfin/paavo_jobs_by_industry_tol2008_by_municipality_and_region_2017.csv"
FILE_PAAVO_POST = "statfin/paavo_jobs_by_industry_tol2008_postcode_etela-savo_2012-2016.csv"
FILE_115K = "statfin/tyokay_115k_jobs_by_municipality_2019.csv"
FILE_NA = "national/national_accounts_employment_by_industry_finland_1975-2017.csv"
FILE_115I = "national/tyokay_115i_employed_by_industry_11groups_finland_2007-2023.csv"
FILE_EUROSTAT = "national/eurostat_national_accounts_employment_by_industry_finland_1995-2022.csv"
SECTIONS = (*"ABCDEFGHIJKLMNOPQRSTU", "X")
#: Industry labels of national_employment_by_industry: sections, one section group, the total.
NATIONAL_INDUSTRIES = (*SECTIONS[:-1], "B-F", "TOTAL")
#: tyokay 115i industry codes -> TOL 2008 sections (or the section group B-F, or the total).
#: ATA "Primary production (A)" is exactly section A; BTF "Secondary production (B-F)" is the
#: group of sections B..F (it contains C and F, which 115i also gives on their own).
INDUSTRY_115I = {
    "SSS": "TOTAL",
    "ATA": "A",
    "BTF": "B-F",
    "C": "C",
    "F": "F",
    "J": "J",
    "K": "K",
    "L": "L",
    "O": "O",
    "P": "P",
    "Q": "Q",
}


# --------------------------------------------------------------------------- Paavo
_PAAVO_SECTION = re.compile(r"^([A-UX]) .+, 2017 \(TP\)$")
PAAVO_TOTAL = "Workplaces, 2017 (TP)"


def paavo_section_columns(header: list[str], source: str) -> dict[str, str]:
    """``{column: section letter}`` of the Paavo 2017 header; all of A..U and X required."""
    found = {h: m.group(1) for h in header if (m := _PAAVO_SECTION.match(h))}
    missing = sorted(set(SECTIONS) - set(found.values()))
    if missing or len(found) != len(SECTIONS):
        raise DataError(f"industry columns missing or repeated: {missing}", source=source, row=1)
    return found


def read_paavo_frame(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Paavo 2017: all rows, municipality rows with ``code`` (checked against names), sections."""
    src = str(path)
    sections = paavo_section_columns(list(pd.read_csv(path, nrows=0).columns), src)
    code_col = "kunta_code_matched_from_115k_label"
    frame = read_csv(path, columns=["area", "level", code_col, PAAVO_TOTAL, *sections])
    check_labels(frame, "level", ["kunta", "maakunta"], src)
    munis = frame[frame["level"] == "kunta"].copy()
    munis["code"] = areas.check_codes(munis, code_col, src)
    areas.check_names(munis, "area", munis["code"], src, languages=("fi", "sv"))
    check_unique(munis, ["code"], src)
    return frame, munis, sections


def paavo_long(frame: pd.DataFrame, sections: dict[str, str], source: str) -> pd.DataFrame:
    """Long ``area, industry, jobs, status`` rows; sections checked against the total column."""
    long = frame.melt(id_vars=["code", ROW], value_vars=list(sections), var_name="col")
    long["industry"] = long["col"].map(sections)
    long["jobs"], long["status"] = parse_counts(long, "value", source)
    total, _ = parse_counts(frame, PAAVO_TOTAL, source)
    summed = long.groupby("code", sort=False)["jobs"].sum(min_count=1)
    diff = np.abs(summed.reindex(frame["code"]).to_numpy() - total)
    if np.any(diff > 0):
        i = int(np.nanargmax(diff))
        raise DataError(
            f"sections sum to {summed.iloc[i]}, {PAAVO_TOTAL} is {total[i]}",
            source=source,
            row=int(frame[ROW].iloc[i]),
        )
    return long.rename(columns={"code": "area"})


def check_paavo_regions(frame: pd.DataFrame, munis: xr.DataArray, source: str) -> None:
    """Region rows (2020 regions) sum to the municipalities outside the regions left out.

    Municipalities that changed region in 2021 moved between regions that are all present, so
    the check holds on the 2025 division; region rows are then dropped.
    """
    regions = frame[frame["level"] == "maakunta"]
    codes = regions["area"].str.split().str[0]
    check_labels(regions.assign(code=codes), "code", geography.aggregate_codes("region"), source)
    reported, _ = parse_counts(regions, PAAVO_TOTAL, source)
    absent = set(geography.aggregate_codes("region")) - set(codes)
    outside = [m for r in absent for m in geography.members(r)]
    expected = float(munis.sum()) - float(munis.sel(area=outside).sum())
    if abs(float(np.nansum(reported)) - expected) > 0:
        raise DataError(
            f"region rows sum to {np.nansum(reported)}, municipalities to {expected}", source=source
        )


def read_jobs_by_industry(path: Path) -> xr.Dataset:
    """The ``jobs_by_industry`` cube: 2017, TOL sections A..U and X, harmonised + aggregates."""
    src = str(path)
    frame, munis, sections = read_paavo_frame(path)
    long = paavo_long(munis, sections, src)
    ds = to_dataset(
        long,
        ("area", "industry"),
        {"jobs": (long["jobs"].to_numpy(), long["status"].to_numpy())},
        {"industry": SECTIONS},
    )
    ds = areas.harmonise(ds)
    check_paavo_regions(frame, ds["jobs"].sum("industry"), src)
    return finish(
        areas.add_aggregates(ds),
        {
            "year": "2017",
            "reference_time": "2017-12-31",
            "industry": "TOL 2008 sections A..U; X = industry unknown",
        },
    )


POSTCODE_SECTION = re.compile(r"^([A-UX])_[A-Za-z_]+$")


def read_postcode_frame(path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """The Etelä-Savo postal-code file with ``area``, ``time`` and its section columns."""
    src = str(path)
    header = list(pd.read_csv(path, nrows=0).columns)
    sections = {h: m.group(1) for h in header if (m := POSTCODE_SECTION.match(h))}
    if sorted(sections.values()) != sorted(SECTIONS):
        raise DataError(f"industry columns {sorted(sections.values())}", source=src, row=1)
    frame = read_csv(path, columns=["kunta_code", "postinumero", "vuosi", *sections])
    frame["area"] = areas.check_codes(frame, "kunta_code", src)
    frame["time"] = year_end(parse_years(frame, "vuosi", src))
    check_unique(frame, ["postinumero", "time"], src)
    return frame, sections


def read_postcode_shares(path: Path) -> xr.Dataset:
    """The ``jobs_by_industry_postcode_shares`` cube (sums over postal codes, 2012..2016)."""
    src = str(path)
    frame, sections = read_postcode_frame(path)
    long = frame.melt(
        id_vars=["area", "time", "postinumero", ROW], value_vars=list(sections), var_name="col"
    )
    long["industry"] = long["col"].map(sections)
    long["jobs"], long["status"] = parse_counts(long, "value", src)
    hidden = long.groupby(["postinumero", "time"])["status"].transform("max") > 0
    known = long[~hidden].groupby(["area", "industry", "time"])["jobs"].sum().reset_index()
    count = long[hidden].groupby(["area", "time"])["postinumero"].nunique()
    ds = to_dataset(
        known,
        ("area", "industry", "time"),
        {"jobs": (known["jobs"].to_numpy(), None)},
        {"industry": SECTIONS},
    )
    ds["suppressed_postcodes"] = (
        count.to_xarray().reindex_like(ds["jobs"].isel(industry=0, drop=True)).fillna(0.0)
    )
    ds = areas.add_aggregates(areas.harmonise(ds), ("employment_area", "region"))
    return finish(
        ds,
        {
            "time_convention": ANNUAL,
            "use": "shares only: postal-code data cover 81-95 % of official jobs; postal codes "
            "whose industry breakdown is suppressed are left out (count in suppressed_postcodes)",
        },
    )


def read_jobs_2019(path: Path) -> xr.Dataset:
    """The ``jobs_totals_2019`` cube: tyokay 115k, harmonised, TA/MK/SSS (SSS checked)."""
    src = str(path)
    frame = read_csv(path, columns=["area_code", "area_name_en", "year", "jobs_in_area_tyolliset3"])
    frame["area"] = areas.check_codes(frame, "area_code", src)
    areas.check_names(frame, "area_name_en", frame["area"], src, languages=("fi", "en"))
    check_labels(frame, "year", ["2019"], src)
    check_unique(frame, ["area"], src)
    ds = to_dataset(frame, ("area",), {"jobs": parse_counts(frame, "jobs_in_area_tyolliset3", src)})
    country = ds.sel(area=geography.COUNTRY)
    out = areas.add_aggregates(areas.harmonise(ds.drop_sel(area=geography.COUNTRY)))
    check_equal(out["jobs"].sel(area=geography.COUNTRY), country["jobs"], "SSS", src)
    return finish(out, {"year": "2019", "reference_time": "2019-12-31"})


# --------------------------------------------------------------------------- national
def read_national_accounts(path: Path) -> pd.DataFrame:
    """E1 employment (domestic concept) by TOL section and total, long, in persons."""
    src = str(path)
    header = list(pd.read_csv(path, nrows=0).columns)
    years = [h for h in header if re.fullmatch(r"(19|20)\d\d", h)]
    frame = read_csv(path, columns=["Industry", "Sector", "Transaction", *years])
    frame = frame[frame["Transaction"] == "E1 Employment, domestic concept, 1000 persons"]
    code = frame["Industry"].str.extract(r"^([A-U]) ", expand=False)
    frame = frame.assign(industry=code.mask(frame["Industry"] == "0 Industries total", "TOTAL"))
    frame = frame.dropna(subset=["industry"])
    check_unique(frame, ["industry", "Sector"], src)
    check_labels(frame, "Sector", ["S1 Total economy"], src)
    long = frame.melt(id_vars=["industry", ROW], value_vars=years, var_name="year")
    long["time"] = year_end(long["year"].astype(int))
    values, status = parse_counts(long, "value", src, integer=False)
    long["value"], long["status"] = np.round(values * 1000.0), status
    return long


def read_115i(path: Path) -> pd.DataFrame:
    """tyokay 115i employed by industry (11 groups) mapped to :data:`INDUSTRY_115I`."""
    src = str(path)
    frame = read_csv(
        path, columns=["area", "industry_code", "industry_label", "sex", "year", "employed"]
    )
    check_labels(frame, "area", ["SSS"], src)
    check_labels(frame, "sex", ["SSS"], src)
    check_labels(frame, "industry_code", INDUSTRY_115I, src)
    single = frame["industry_code"].str.fullmatch("[A-U]")
    bad = single & ~frame.apply(
        lambda r: r["industry_label"].startswith(r["industry_code"] + " "), axis=1
    )
    check_labels(frame[bad], "industry_label", [], src)
    frame["industry"] = frame["industry_code"].map(INDUSTRY_115I)
    frame["time"] = year_end(parse_years(frame, "year", src))
    check_unique(frame, ["industry", "time"], src)
    frame["value"], frame["status"] = parse_counts(frame, "employed", src)
    return frame


def read_eurostat(path: Path) -> pd.DataFrame:
    """Eurostat EMP_DC (thousand persons) by section and total, long, in persons."""
    src = str(path)
    frame = read_csv(path, columns=["geo", "time", "nace_r2", "EMP_DC__THS_PER"])
    check_labels(frame, "geo", ["FI"], src)
    frame = frame[frame["nace_r2"].str.fullmatch("[A-U]|TOTAL")].copy()
    frame["industry"] = frame["nace_r2"]
    frame["time"] = year_end(parse_years(frame, "time", src))
    check_unique(frame, ["industry", "time"], src)
    values, status = parse_counts(frame, "EMP_DC__THS_PER", src, integer=False)
    frame["value"], frame["status"] = np.round(values * 1000.0), status
    return frame


def read_national_employment(shared_dir: Path) -> xr.Dataset:
    """The ``national_employment_by_industry`` cube (industry, time), persons."""
    parts = {
        "employed_na": read_national_accounts(shared_dir / FILE_NA),
        "employed_es": read_115i(shared_dir / FILE_115I),
        "employed_eurostat": read_eurostat(shared_dir / FILE_EUROSTAT),
    }
    years = sorted({t for f in parts.values() for t in f["time"]})
    coords: dict[str, Iterable[object]] = {"industry": NATIONAL_INDUSTRIES, "time": years}
    ds = xr.merge(
        [
            to_dataset(
                f,
                ("industry", "time"),
                {v: (f["value"].to_numpy(), f["status"].to_numpy())},
                coords,
            )
            for v, f in parts.items()
        ],
        join="exact",
    )
    return finish(
        ds,
        {
            "time_convention": ANNUAL + " (national accounts: annual average; 115i: last week)",
            "industry": "TOL 2008 sections A..U, B-F = sections B..F together, TOTAL = all",
            "industry_mapping_115i": "; ".join(f"{k} -> {v}" for k, v in INDUSTRY_115I.items()),
            "units": "persons",
        },
    )
