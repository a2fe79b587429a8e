"""Employment cubes of the snapshot (Statistics Finland tyokay, Paavo, national accounts).

- ``commuting``: tyokay 115n (by area of residence) and 115p (by area of workplace), 1987..2017,
  by Finnish municipality *name* on the 2018 division (the extracts restate all years on that
  division; no older names occur), harmonised to 2025, plus ``SSS`` (``KOKO MAA``, checked
  against the sum of municipalities). Merging sums the commuting flows across the *old*
  boundary (Pertunmaa <-> Mäntyharju stays a commute); totals are exact.
- ``employment_by_age_education``: the same tables for the Etelä-Savo municipalities of 2018 by
  education level and age band (source totals checked, then dropped), harmonised, plus complete
  aggregates (``MK10``, ``TA23`` ...) and ``SSS``.
- ``jobs_by_industry``, ``jobs_by_industry_postcode_shares``, ``jobs_totals_2019`` and
  ``national_employment_by_industry`` (with the 115i industry mapping): readers and decisions
  in :mod:`forecasting.io.sources._employment_industry`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.io.sources import EUROSTAT_LICENCE, UNDOCUMENTED_REPO, Cube
from forecasting.io.sources import _areas as areas
from forecasting.io.sources._cubes import ANNUAL, check_equal, finish
from forecasting.io.sources._employment_industry import (
    FILE_115I,
    FILE_115K,
    FILE_EUROSTAT,
    FILE_NA,
    FILE_PAAVO_2017,
    FILE_PAAVO_POST,
    read_jobs_2019,
    read_jobs_by_industry,
    read_national_employment,
    read_postcode_shares,
)
from forecasting.io.sources._read import (
    check_labels,
    check_unique,
    parse_counts,
    parse_years,
    read_csv,
    to_dataset,
    year_end,
)
from forecasting.provenance import LICENCE

FILE_115N = "statfin/tyokay_115n_employed_by_residence_all_areas_1987-2017.csv"
FILE_115P = "statfin/tyokay_115p_jobs_by_workplace_all_areas_1987-2017.csv"
FILE_115N_ES = "statfin/tyokay_115n_employed_by_residence_etela-savo_by_education_age_1987-2017.csv"
FILE_115P_ES = "statfin/tyokay_115p_jobs_by_workplace_etela-savo_by_education_age_1987-2017.csv"
TOTAL = "Yhteensä"
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
    frame["time"] = year_end(parse_years(frame, "time", src))
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
        check_equal(
            munis[var].sum("area", min_count=1),
            ds[var].sel(area=geography.COUNTRY),
            f"{var}: KOKO MAA",
            source,
        )


def check_commuting(ds: xr.Dataset) -> None:
    """Identities between the 115n and 115p variables (all exact in the source)."""
    both = f"{FILE_115N} + {FILE_115P}"
    home_n, home_p = ds["residents_working_in_home_municipality"], ds["jobs_held_by_residents"]
    check_equal(home_p, home_n, "115p vs 115n 'Asuinkunnassaan työssäkäyvät'", both)
    out_total = home_n + ds["commuting_out"]
    check_equal(out_total, ds["employed_residents"], "home + out vs total", FILE_115N)
    in_total = home_p + ds["commuting_in"]
    check_equal(in_total, ds["jobs"], "home + in vs total", FILE_115P)


def read_commuting(shared_dir: Path) -> xr.Dataset:
    """The ``commuting`` cube (municipalities harmonised + SSS)."""
    n = read_tyokay(shared_dir / FILE_115N, COMMUTING_N)
    p = read_tyokay(shared_dir / FILE_115P, COMMUTING_P)
    ds = xr.merge([n, p], join="exact")
    check_commuting(ds)
    ds = ds.drop_vars("jobs_held_by_residents")
    check_country(ds, f"{FILE_115N} + {FILE_115P}")
    return finish(
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
            check_equal(parts, ds[var].sel({dim: "total"}), f"{var} over {dim}", source)
    return ds.drop_sel(education_level="total", age_band="total")


def read_employment_by_age_education(shared_dir: Path) -> xr.Dataset:
    """The ``employment_by_age_education`` cube (Etelä-Savo, 1987..2017)."""
    n = drop_totals(read_tyokay(shared_dir / FILE_115N_ES, EDU_N), FILE_115N_ES)
    p = drop_totals(read_tyokay(shared_dir / FILE_115P_ES, EDU_P), FILE_115P_ES)
    ds = xr.merge([n, p], join="exact")
    ds = areas.add_aggregates(areas.harmonise(ds), ("employment_area", "region"))
    return finish(
        ds,
        {
            "time_convention": ANNUAL + " (employment in the last week of the year)",
            "education_level": "basic_or_none = no post-basic qualification; upper_secondary = "
            "levels 3-4; lower_tertiary = 5-6; higher_tertiary = 7-8 (Koulutusluokitus)",
            "area_note": "Etelä-Savo municipalities of 2018 (with Heinävesi and Joroinen, which "
            "left the region in 2021); aggregates only where every member is present",
        },
    )


# --------------------------------------------------------------------------- cubes
#: Attribution of ``national_employment_by_industry`` (Statistics Finland and Eurostat parts).
NATIONAL_ATTRIBUTION = (
    "Source: Statistics Finland (Tilastokeskus), StatFin national accounts and tyokay 115i, "
    "CC BY 4.0; Eurostat, nama_10_a64_e (employed_eurostat)"
)
NATIONAL_LICENCE = f"{LICENCE} (Statistics Finland parts); Eurostat part: {EUROSTAT_LICENCE}"


def build(shared_dir: Path) -> list[Cube]:
    """Build the employment cubes of ``docs/DATA_CONTRACT.md``."""
    d = Path(shared_dir)
    tyokay = ("tyokay 115n", "tyokay 115p")
    return [
        Cube(
            name="commuting",
            dataset=read_commuting(d),
            source_tables=tyokay,
            source_files=(FILE_115N, FILE_115P),
            source_repo="pttry/KT162R @ a47702d (115n), @ 9095555 (115p)",
            count_vars=(
                "employed_residents",
                "residents_working_in_home_municipality",
                "commuting_out",
                "jobs",
                "commuting_in",
            ),
            description="Employed residents, jobs and commuting by municipality",
            time_convention=ANNUAL,
        ),
        Cube(
            name="employment_by_age_education",
            dataset=read_employment_by_age_education(d),
            source_tables=tyokay,
            source_files=(FILE_115N_ES, FILE_115P_ES),
            source_repo="pttry/KT162R",
            count_vars=("employed_residents", "jobs"),
            description="Etelä-Savo employment by education level and age band",
            time_convention=ANNUAL,
        ),
        Cube(
            name="jobs_by_industry",
            dataset=read_jobs_by_industry(d / FILE_PAAVO_2017),
            source_tables=("Paavo TP 2020",),
            source_files=(FILE_PAAVO_2017,),
            source_repo="synthetichealth/synthea-international @ ceec491",
            count_vars=("jobs",),
            description="Jobs 2017 by TOL 2008 section",
            data_through="2017",
        ),
        Cube(
            name="jobs_by_industry_postcode_shares",
            dataset=read_postcode_shares(d / FILE_PAAVO_POST),
            source_tables=("Paavo TP",),
            source_files=(FILE_PAAVO_POST,),
            source_repo="pttry/KT162R @ 8a904df; postal key ilmoeuro/hackathon @ b81cf6f",
            count_vars=("jobs", "suppressed_postcodes"),
            description="Postal-code job sums by section (use as shares)",
            time_convention=ANNUAL,
        ),
        Cube(
            name="jobs_totals_2019",
            dataset=read_jobs_2019(d / FILE_115K),
            source_tables=("tyokay 115k",),
            source_files=(FILE_115K,),
            source_repo="Fl4yd/intro_web_3 @ eeae82e",
            count_vars=("jobs",),
            description="Jobs 2019 by municipality",
            data_through="2019",
        ),
        Cube(
            name="national_employment_by_industry",
            dataset=read_national_employment(d),
            source_tables=("national accounts (kan)", "tyokay 115i", "Eurostat nama_10_a64_e"),
            source_files=(FILE_NA, FILE_115I, FILE_EUROSTAT),
            source_repo=UNDOCUMENTED_REPO,
            count_vars=("employed_na", "employed_es", "employed_eurostat"),
            description="National employment by industry",
            time_convention=ANNUAL,
            attribution=NATIONAL_ATTRIBUTION,
            licence=NATIONAL_LICENCE,
        ),
    ]
