"""Employment cubes of the snapshot (Statistics Finland tyokay, Paavo, national accounts).

- ``commuting``: tyokay 115n (by area of residence) and 115p (by area of workplace), 1987..2017,
  by Finnish municipality *name* on the 2018 division (the extracts restate all years on that
  division; no older names occur), harmonised to 2025, plus ``SSS`` (``KOKO MAA``, checked
  against the sum of municipalities). Merging sums the commuting flows across the *old*
  boundary (Pertunmaa <-> Mäntyharju stays a commute); totals are exact.
- ``employment_by_age_education``: the same tables for the Etelä-Savo municipalities of 2018 by
  education level and age band (source totals checked, then dropped), harmonised, plus complete
  aggregates (``MK10``, ``TA23`` ...) and ``SSS``.
- ``jobs_by_industry``: Paavo 2017 (2020 division, ``kunta_code_matched_from_115k_label``),
  TOL 2008 sections A..U and X; sections sum to ``Workplaces`` (checked); the file's region rows
  (2020 regions) are checked in total and dropped; harmonised plus TA, MK, SSS.
- ``jobs_by_industry_postcode_shares``: Paavo postal-code data of Etelä-Savo 2012..2016 summed to
  municipality. Postal codes whose industry breakdown is suppressed (empty cells) are left out
  of the sums and counted in ``suppressed_postcodes``; use the sums as shares only.
- ``jobs_totals_2019``: tyokay 115k, jobs 2019 (2021 division) plus TA, MK and SSS (checked).
- ``national_employment_by_industry``: national accounts (E1 employment, domestic concept,
  1000 persons -> persons) 1975..2017 by TOL section; tyokay 115i 2007..2023 in its 11 groups;
  Eurostat nama_10_a64_e (EMP_DC, thousand persons -> persons) 1995..2022 where it has sections.
  See :data:`INDUSTRY_115I` for the 115i mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.errors import DataError
from forecasting.io.sources import SHARED_DATA_RETRIEVED, Cube
from forecasting.io.sources import _dem_emp_areas as areas
from forecasting.io.sources._read import ROW, check_unique, parse_counts, read_csv, to_dataset

FILE_115N = "statfin/tyokay_115n_employed_by_residence_all_areas_1987-2017.csv"
FILE_115P = "statfin/tyokay_115p_jobs_by_workplace_all_areas_1987-2017.csv"
FILE_115N_ES = "statfin/tyokay_115n_employed_by_residence_etela-savo_by_education_age_1987-2017.csv"
FILE_115P_ES = "statfin/tyokay_115p_jobs_by_workplace_etela-savo_by_education_age_1987-2017.csv"
FILE_PAAVO_2017 = "statfin/paavo_jobs_by_industry_tol2008_by_municipality_and_region_2017.csv"
FILE_PAAVO_POST = "statfin/paavo_jobs_by_industry_tol2008_postcode_etela-savo_2012-2016.csv"
FILE_115K = "statfin/tyokay_115k_jobs_by_municipality_2019.csv"
FILE_NA = "national/national_accounts_employment_by_industry_finland_1975-2017.csv"
FILE_115I = "national/tyokay_115i_employed_by_industry_11groups_finland_2007-2023.csv"
FILE_EUROSTAT = "national/eurostat_national_accounts_employment_by_industry_finland_1995-2022.csv"
ANNUAL = "31 December (YYYY-12-31) labels the year"
TOTAL = "Yhteensä"
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
EDUCATION_LEVELS = {
    "Ei perusasteen jälkeistä tutkintoa": "basic_or_none",
    "Toinen aste tai erikoisammattikoulutusaste 3, 4": "upper_secondary",
    "Alin korkea-aste tai alempi korkeakouluaste 5, 6": "lower_tertiary",
    "Ylempi korkeakouluaste tai tutkijakoulutusaste 7, 8": "higher_tertiary",
    TOTAL: "total",
}
AGE_BANDS = {
    "- 17": "0-17",
    "18 - 24": "18-24",
    "25 - 34": "25-34",
    "35 - 44": "35-44",
    "45 - 54": "45-54",
    "55 - 64": "55-64",
    "65 - 74": "65-74",
    "75 -": "75+",
    TOTAL: "total",
}


# --------------------------------------------------------------------------- tyokay 115n/115p
@dataclass(frozen=True)
class TyokaySpec:
    """Layout of one tyokay extract: its area column, variables, fixed and extra dims."""

    file: str
    area_col: str
    variables: dict[str, str | None]  # pendelointi label -> variable (None: ignored)
    fixed: dict[str, str] = field(default_factory=dict)  # column -> the only allowed label
    extra: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)


COMMUTING_N = TyokaySpec(
    FILE_115N,
    "alue",
    {
        TOTAL: "employed_residents",
        "Asuinkunnassaan työssäkäyvät": "residents_working_in_home_municipality",
        "Asuinkuntansa ulkopuolella työssäkäyvät": "commuting_out",
    },
    {"koulutusaste": TOTAL, "ika": TOTAL},
)
COMMUTING_P = TyokaySpec(
    FILE_115P,
    "tyopaikan_alue",
    {
        TOTAL: "jobs",
        "Alueelle pendelöivät": "commuting_in",
        "Asuinkunnassaan työssäkäyvät": "jobs_held_by_residents",
    },
    {"koulutusaste": TOTAL, "ika": TOTAL, "tiedot": "Alueella työssäkäyvät"},
)
_EXTRA = {"koulutusaste": ("education_level", EDUCATION_LEVELS), "ika": ("age_band", AGE_BANDS)}
EDU_N = TyokaySpec(
    FILE_115N_ES,
    "alue",
    {
        TOTAL: "employed_residents",
        "Asuinkunnassaan työssäkäyvät": None,
        "Asuinkuntansa ulkopuolella työssäkäyvät": None,
    },
    extra=_EXTRA,
)
EDU_P = TyokaySpec(
    FILE_115P_ES,
    "tyopaikan_alue",
    {TOTAL: "jobs", "Alueelle pendelöivät": None, "Asuinkunnassaan työssäkäyvät": None},
    {"tiedot": "Alueella työssäkäyvät"},
    _EXTRA,
)


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


def read_tyokay_frame(path: Path, spec: TyokaySpec) -> pd.DataFrame:
    """One tyokay extract as strings with ``area``, ``time`` and extra-dim codes."""
    src = str(path)
    cols = [spec.area_col, "pendelointi", *spec.fixed, *spec.extra, "time", "values"]
    frame = read_csv(path, columns=list(dict.fromkeys(cols)))
    check_labels(frame, "pendelointi", spec.variables, src)
    for col, label in spec.fixed.items():
        check_labels(frame, col, [label], src)
    for col, (dim, mapping) in spec.extra.items():
        check_labels(frame, col, mapping, src)
        frame[dim] = frame[col].map(mapping)
    frame["area"] = areas.codes_from_names(frame, spec.area_col, src)
    frame["time"] = areas.year_end(areas.parse_years(frame, "time", src))
    dims = ["area", "time", *(d for d, _ in spec.extra.values())]
    check_unique(frame, [*dims, "pendelointi"], src)
    return frame


def read_tyokay(path: Path, spec: TyokaySpec) -> xr.Dataset:
    """One tyokay extract as a dataset ``(area, time, extra dims...)`` on the source division."""
    frame = read_tyokay_frame(path, spec)
    dims = ["area", "time", *(d for d, _ in spec.extra.values())]
    coords: dict[str, Iterable[object]] = {
        d: list(dict.fromkeys(m.values())) for d, m in spec.extra.values()
    }
    parts = []
    for label, var in spec.variables.items():
        if var is None:
            continue
        sub = frame[frame["pendelointi"] == label]
        parts.append(to_dataset(sub, dims, {var: parse_counts(sub, "values", str(path))}, coords))
    return xr.merge(parts, join="outer")


def check_country(ds: xr.Dataset, source: str) -> None:
    """``SSS`` (the file's ``KOKO MAA``) equals the sum over municipalities, per variable."""
    munis = ds.drop_sel(area=geography.COUNTRY)
    for var in (v for v in ds.data_vars if not str(v).endswith(areas.STATUS_SUFFIX)):
        areas.check_equal(
            munis[var].sum("area", min_count=1),
            ds[var].sel(area=geography.COUNTRY),
            f"{var}: KOKO MAA",
            source,
        )


def read_commuting(shared_dir: Path) -> xr.Dataset:
    """The ``commuting`` cube (municipalities harmonised + SSS)."""
    n = read_tyokay(shared_dir / FILE_115N, COMMUTING_N)
    p = read_tyokay(shared_dir / FILE_115P, COMMUTING_P)
    ds = xr.merge([n, p], join="exact")
    src = f"{FILE_115N} + {FILE_115P}"
    areas.check_equal(
        ds["jobs_held_by_residents"],
        ds["residents_working_in_home_municipality"],
        "115p and 115n 'Asuinkunnassaan työssäkäyvät'",
        src,
    )
    areas.check_equal(
        ds["residents_working_in_home_municipality"] + ds["commuting_out"],
        ds["employed_residents"],
        "home + out vs total",
        FILE_115N,
    )
    areas.check_equal(
        ds["jobs_held_by_residents"] + ds["commuting_in"],
        ds["jobs"],
        "home + in vs total",
        FILE_115P,
    )
    ds = ds.drop_vars("jobs_held_by_residents")
    check_country(ds, src)
    return areas.finish(
        areas.harmonise(ds),
        {
            "time_convention": ANNUAL + " (employment in the last week of the year)",
            "harmonisation": "merged municipalities summed; flows between them stay counted",
        },
    )


def drop_totals(ds: xr.Dataset, source: str) -> xr.Dataset:
    """Check that education levels and age bands add up to their totals, then drop totals."""
    for dim in ("education_level", "age_band"):
        for var in ds.data_vars:
            parts = ds[var].drop_sel({dim: "total"}).sum(dim, min_count=1)
            areas.check_equal(parts, ds[var].sel({dim: "total"}), f"{var} over {dim}", source)
    return ds.drop_sel(education_level="total", age_band="total")


def read_employment_by_age_education(shared_dir: Path) -> xr.Dataset:
    """The ``employment_by_age_education`` cube (Etelä-Savo, 1987..2017)."""
    n = drop_totals(read_tyokay(shared_dir / FILE_115N_ES, EDU_N), FILE_115N_ES)
    p = drop_totals(read_tyokay(shared_dir / FILE_115P_ES, EDU_P), FILE_115P_ES)
    ds = xr.merge([n, p], join="exact")
    ds = areas.add_aggregates(areas.harmonise(ds), ("employment_area", "region"))
    return areas.finish(
        ds,
        {
            "time_convention": ANNUAL + " (employment in the last week of the year)",
            "education_level": "basic_or_none = no post-basic qualification; upper_secondary = "
            "levels 3-4; lower_tertiary = 5-6; higher_tertiary = 7-8 (Koulutusluokitus)",
            "area_note": "Etelä-Savo municipalities of 2018 (with Heinävesi and Joroinen, which "
            "left the region in 2021); aggregates only where every member is present",
        },
    )


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
    by_name = areas.codes_from_names(munis, "area", src, languages=("fi", "sv"))
    if (by_name != munis["code"]).any():
        i = int(np.argmax((by_name != munis["code"]).to_numpy()))
        raise DataError(
            f"name {munis['area'].iloc[i]!r} does not match its code",
            source=src,
            row=int(munis[ROW].iloc[i]),
        )
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
    return areas.finish(
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
    frame["time"] = areas.year_end(areas.parse_years(frame, "vuosi", src))
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
    return areas.finish(
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
    by_name = areas.codes_from_names(frame, "area_name_en", src, languages=("fi", "en"))
    if (by_name != frame["area"]).any():
        i = int(np.argmax((by_name != frame["area"]).to_numpy()))
        raise DataError("name does not match code", source=src, row=int(frame[ROW].iloc[i]))
    check_labels(frame, "year", ["2019"], src)
    check_unique(frame, ["area"], src)
    ds = to_dataset(frame, ("area",), {"jobs": parse_counts(frame, "jobs_in_area_tyolliset3", src)})
    country = ds.sel(area=geography.COUNTRY)
    out = areas.add_aggregates(areas.harmonise(ds.drop_sel(area=geography.COUNTRY)))
    areas.check_equal(out["jobs"].sel(area=geography.COUNTRY), country["jobs"], "SSS", src)
    return areas.finish(out, {"year": "2019", "reference_time": "2019-12-31"})


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
    long["time"] = areas.year_end(long["year"].astype(int))
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
    frame["time"] = areas.year_end(areas.parse_years(frame, "year", src))
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
    frame["time"] = areas.year_end(areas.parse_years(frame, "time", src))
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
    return areas.finish(
        ds,
        {
            "time_convention": ANNUAL + " (national accounts: annual average; 115i: last week)",
            "industry": "TOL 2008 sections A..U, B-F = sections B..F together, TOTAL = all",
            "industry_mapping_115i": "; ".join(f"{k} -> {v}" for k, v in INDUSTRY_115I.items()),
            "units": "persons",
        },
    )


# --------------------------------------------------------------------------- cubes
def cube(
    name: str,
    dataset: xr.Dataset,
    tables: tuple[str, ...],
    files: tuple[str, ...],
    repo: str,
    counts: tuple[str, ...],
    description: str,
) -> Cube:
    """A :class:`Cube` of this module (annual data labelled 31 December where timed)."""
    return Cube(
        name=name,
        dataset=dataset,
        source_tables=tables,
        source_files=files,
        source_repo=repo,
        retrieved=SHARED_DATA_RETRIEVED,
        count_vars=counts,
        description=description,
        time_convention=ANNUAL if "time" in dataset.dims else None,
    )


def build(shared_dir: Path) -> list[Cube]:
    """Build the employment cubes of ``docs/DATA_CONTRACT.md``."""
    d = Path(shared_dir)
    tyokay = ("tyokay 115n", "tyokay 115p")
    return [
        cube(
            "commuting",
            read_commuting(d),
            tyokay,
            (FILE_115N, FILE_115P),
            "pttry/KT162R @ a47702d (115n), @ 9095555 (115p)",
            (
                "employed_residents",
                "residents_working_in_home_municipality",
                "commuting_out",
                "jobs",
                "commuting_in",
            ),
            "Employed residents, jobs and commuting by municipality",
        ),
        cube(
            "employment_by_age_education",
            read_employment_by_age_education(d),
            tyokay,
            (FILE_115N_ES, FILE_115P_ES),
            "pttry/KT162R",
            ("employed_residents", "jobs"),
            "Etelä-Savo employment by education level and age band",
        ),
        cube(
            "jobs_by_industry",
            read_jobs_by_industry(d / FILE_PAAVO_2017),
            ("Paavo TP 2020",),
            (FILE_PAAVO_2017,),
            "synthetichealth/synthea-international @ ceec491",
            ("jobs",),
            "Jobs 2017 by TOL 2008 section",
        ),
        cube(
            "jobs_by_industry_postcode_shares",
            read_postcode_shares(d / FILE_PAAVO_POST),
            ("Paavo TP",),
            (FILE_PAAVO_POST,),
            "pttry/KT162R @ 8a904df; postal key ilmoeuro/hackathon @ b81cf6f",
            ("jobs", "suppressed_postcodes"),
            "Postal-code job sums by section (use as shares)",
        ),
        cube(
            "jobs_totals_2019",
            read_jobs_2019(d / FILE_115K),
            ("tyokay 115k",),
            (FILE_115K,),
            "Fl4yd/intro_web_3 @ eeae82e",
            ("jobs",),
            "Jobs 2019 by municipality",
        ),
        cube(
            "national_employment_by_industry",
            read_national_employment(d),
            ("national accounts (kan)", "tyokay 115i", "Eurostat nama_10_a64_e"),
            (FILE_NA, FILE_115I, FILE_EUROSTAT),
            "see shared/data/README.md (national/)",
            ("employed_na", "employed_es", "employed_eurostat"),
            "National employment by industry",
        ),
    ]
