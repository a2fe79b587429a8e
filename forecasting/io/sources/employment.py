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
from forecasting.io.sources import SHARED_DATA_RETRIEVED, Cube
from forecasting.io.sources import _dem_emp_areas as areas
from forecasting.io.sources._dem_emp_areas import ANNUAL
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
from forecasting.io.sources._read import check_unique, parse_counts, read_csv, to_dataset

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
    areas.check_labels(frame, "pendelointi", spec.variables, src)
    for col, label in spec.fixed.items():
        areas.check_labels(frame, col, [label], src)
    for col, (dim, mapping) in spec.extra.items():
        areas.check_labels(frame, col, mapping, src)
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


def check_commuting(ds: xr.Dataset) -> None:
    """Identities between the 115n and 115p variables (all exact in the source)."""
    both = f"{FILE_115N} + {FILE_115P}"
    home_n, home_p = ds["residents_working_in_home_municipality"], ds["jobs_held_by_residents"]
    areas.check_equal(home_p, home_n, "115p vs 115n 'Asuinkunnassaan työssäkäyvät'", both)
    out_total = home_n + ds["commuting_out"]
    areas.check_equal(out_total, ds["employed_residents"], "home + out vs total", FILE_115N)
    in_total = home_p + ds["commuting_in"]
    areas.check_equal(in_total, ds["jobs"], "home + in vs total", FILE_115P)


def read_commuting(shared_dir: Path) -> xr.Dataset:
    """The ``commuting`` cube (municipalities harmonised + SSS)."""
    n = read_tyokay(shared_dir / FILE_115N, COMMUTING_N)
    p = read_tyokay(shared_dir / FILE_115P, COMMUTING_P)
    ds = xr.merge([n, p], join="exact")
    check_commuting(ds)
    ds = ds.drop_vars("jobs_held_by_residents")
    check_country(ds, f"{FILE_115N} + {FILE_115P}")
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
