"""Rate-like demography sources: region-level files and the national HMD/HFD tables.

Helpers of :mod:`forecasting.io.sources.demography` (which builds the cubes):

- ``regional_demography``: the region-level TSV files of PPgp/bayesPopFINdata (``reg_code`` 10
  = Etelä-Savo -> ``MK10``, 246 = Finland -> ``SSS``). The rates file keeps region codes in a
  column called ``country_code``; every code is checked against the English region name, so
  reading the code from the wrong column fails loudly. Regions are as delimited in the source.
  Variables with a shorter coverage (1990..2025, ages 10..54 for fertility shares) are NaN
  outside it, with status 1 (missing).
- ``national_mortality``: HMD death rates (Finland, period 1x1) 1990..2022, ages 0..99 as in the
  source; age 100 is the open interval 100+ as the life-table rate ``l_100 / T_100``
  (= 1 / e_100) of the single-year rates 100..109 and 110+ (see :func:`open_interval_rate`);
  the source rates at 100..110+ stay available in ``death_rate_oldest`` (dim ``age_oldest``).
- ``national_fertility``: HFD age-specific fertility rates 1939..2019, ages 12..55 where 12 is
  ``"12-"`` (12 and younger) and 55 is ``"55+"``; ages outside 12..55 are not in the cube.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.errors import DataError
from forecasting.io.sources._cubes import AGES, ANNUAL, SEXES, finish, variable
from forecasting.io.sources._read import (
    ROW,
    check_rows,
    check_unique,
    parse_age,
    parse_counts,
    parse_years,
    read_csv,
    to_dataset,
    year_end,
)

FILE_HMD = "national/hmd_death_rates_single_age_sex_finland_1990-2022.txt"
FILE_HFD = "national/hfd_fertility_rates_single_age_finland_1939-2019.txt"


# --------------------------------------------------------------------------- region files
@dataclass(frozen=True)
class RegionSpec:
    """One region-level TSV file: variable, file name, code column and layout."""

    var: str
    file: str
    code_col: str
    by_sex: bool = False
    by_age: bool = False
    integer: bool = False
    negative: bool = False


REGION_SPECS = (
    RegionSpec(
        "population", "population_{sex}_single_age_1972-2025.tsv", "reg_code", True, True, True
    ),
    RegionSpec("total_fertility_rate", "total_fertility_rate_1990-2025.tsv", "reg_code"),
    RegionSpec("life_expectancy", "life_expectancy_{sex}_derived_1990-2025.tsv", "reg_code", True),
    RegionSpec(
        "net_migration",
        "net_migration_counts_1990-2025.tsv",
        "reg_code",
        integer=True,
        negative=True,
    ),
    # This file names its region-code column "country_code" (verified against the names).
    RegionSpec(
        "net_migration_rate",
        "net_migration_rates_derived_1990-2025.tsv",
        "country_code",
        negative=True,
    ),
    RegionSpec(
        "fertility_age_share", "fertility_age_shares_derived_1990-2025.tsv", "reg_code", by_age=True
    ),
    RegionSpec(
        "net_migration_by_age",
        "net_migration_{sex}_by_age_derived_1990-2025.tsv",
        "reg_code",
        True,
        True,
        negative=True,
    ),
)
REGION_SEX_FILES = {"F": "female", "M": "male"}
REGION_UNITS = {
    "population": "persons",
    "total_fertility_rate": "children per woman",
    "life_expectancy": "years (at birth)",
    "net_migration": "persons per year",
    "net_migration_rate": "net migrants per resident per year",
    "fertility_age_share": "percent of the total fertility rate at each age of the mother",
    "net_migration_by_age": "persons per year (derived; non-integer)",
}


def region_codes(frame: pd.DataFrame, code_col: str, source: str) -> pd.Series:
    """``MK##`` / ``SSS`` codes from numeric region codes, checked against the English names."""
    table = geography.areas()
    text = frame[code_col].str.strip()
    codes = text.map(lambda c: "SSS" if c == "246" else f"MK{c.zfill(2)}" if c.isdigit() else "?")
    expected = codes.map(lambda c: "Finland" if c == "SSS" else table["name_en"].get(c))
    bad = expected.isna() | (expected != frame["name"])
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise DataError(
            f"{code_col} {text.iloc[i]!r} does not name region {frame['name'].iloc[i]!r}",
            source=source,
            row=int(frame[ROW].iloc[i]),
        )
    return codes


def read_region_file(path: Path, spec: RegionSpec) -> pd.DataFrame:
    """One wide region TSV as a long frame ``area, time, (age), value, status, _row``."""
    src = str(path)
    with path.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
    years = [h for h in header if re.fullmatch(r"(19|20)\d\d", h)]
    ids = [spec.code_col, "name"] + (["age"] if spec.by_age else [])
    frame = read_csv(path, columns=ids + years, sep="\t")
    frame["area"] = region_codes(frame, spec.code_col, src)
    long = frame.melt(id_vars=["area", ROW, *ids[2:]], value_vars=years, var_name="year")
    long["time"] = year_end(long["year"].astype(int))
    if spec.by_age:
        long["age"] = parse_age(long, "age", src, {})
    check_unique(long, ["area", "time", *ids[2:]], src)
    long["value"], long["status"] = parse_counts(
        long, "value", src, allow_negative=spec.negative, integer=spec.integer
    )
    return long


def read_region_var(
    region_dir: Path, spec: RegionSpec, coords: dict[str, Iterable[object]]
) -> xr.Dataset:
    """One variable of ``regional_demography`` (both sexes' files when split by sex)."""
    dims = ["area", "time"] + (["sex"] if spec.by_sex else []) + (["age"] if spec.by_age else [])
    sexes = SEXES if spec.by_sex else ("",)
    frames = []
    for sex in sexes:
        name = spec.file.format(sex=REGION_SEX_FILES.get(sex, ""))
        long = read_region_file(region_dir / name, spec)
        frames.append(long.assign(sex=sex))
    long = pd.concat(frames, ignore_index=True)
    var = (long["value"].to_numpy(), long["status"].to_numpy())
    ds = to_dataset(long, dims, {spec.var: var}, {d: coords[d] for d in dims})
    ds[spec.var].attrs["units"] = REGION_UNITS[spec.var]
    return ds


def read_regional_demography(shared_dir: Path) -> xr.Dataset:
    """The ``regional_demography`` cube: 19 regions and the country, 1972..2025."""
    regions = geography.aggregate_codes("region")
    coords: dict[str, Iterable[object]] = {
        "area": [*regions, geography.COUNTRY],
        "time": year_end(range(1972, 2026)),
        "sex": SEXES,
        "age": AGES,
    }
    parts = [read_region_var(shared_dir / "region", spec, coords) for spec in REGION_SPECS]
    ds = xr.merge(parts, join="exact")
    return finish(
        ds,
        {
            "time_convention": ANNUAL,
            "age_convention": "100 = 100 and over (population); fertility_age_share covers 10..54",
            "regions": "regions as delimited in the source (PPgp/bayesPopFINdata)",
        },
    )


REGION_FILES = tuple(
    f"region/{s.file.format(sex=x)}"
    for s in REGION_SPECS
    for x in (REGION_SEX_FILES.values() if s.by_sex else ("",))
)


# --------------------------------------------------------------------------- HMD, HFD
def read_whitespace_table(path: Path, header: list[str]) -> pd.DataFrame:
    """A whitespace-separated text table (HMD/HFD) as strings with ``_row``."""
    src = str(path)
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(f"not ASCII text: {exc}", source=src) from exc
    start = next((i for i, line in enumerate(lines) if line.split() == header), None)
    if start is None:
        raise DataError(f"no header line {header}", source=src)
    records, rows = [], []
    for i, line in enumerate(lines[start + 1 :], start=start + 2):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != len(header):
            raise DataError(
                f"expected {len(header)} fields, found {len(fields)}", source=src, row=i
            )
        records.append(fields)
        rows.append(i)
    if not records:
        raise DataError("no data rows", source=src)
    return pd.DataFrame(records, columns=header).assign(**{ROW: rows})


def open_interval_rate(rates: np.ndarray) -> float:
    """Death rate of the open interval from single-year rates ``m_100..m_109, m_110+``.

    Life table with deaths at mid-year: ``q = m / (1 + m/2)`` (capped at 1), ``L = d / m``
    (``L = l`` when ``m = 0``), open interval ``L = l / m``; the result ``l_100 / sum(L)`` is
    the rate of a stationary population aged 100+ (= 1 / e_100). Missing rates (HMD ``.``, no
    exposure) and a zero open-interval rate are filled with the last positive rate below.
    """
    m = pd.Series(rates, dtype=float)
    if np.isnan(m.iloc[0]):
        return float("nan")
    m = m.ffill()
    if m.iloc[-1] <= 0:
        positive = m[m > 0]
        if positive.empty:
            return float("nan")
        m.iloc[-1] = positive.iloc[-1]
    alive, person_years = 1.0, 0.0
    for rate in m.iloc[:-1]:
        deaths = alive * min(1.0, rate / (1 + rate / 2))
        person_years += deaths / rate if rate > 0 else alive
        alive -= deaths
    person_years += alive / m.iloc[-1]
    return 1.0 / person_years


def read_hmd_frame(path: Path) -> pd.DataFrame:
    """HMD death rates as a long frame ``time, sex, age_label, value, status``."""
    src = str(path)
    frame = read_whitespace_table(path, ["Year", "Age", "Female", "Male", "Total"])
    frame["year"] = parse_years(frame, "Year", src)
    bad = ~frame["Age"].str.fullmatch(r"\d{1,3}\+?")
    check_rows(frame, bad, "Age", src, "{column}: {label!r} is not an age")
    check_unique(frame, ["year", "Age"], src)
    long = frame.melt(id_vars=["year", "Age", ROW], value_vars=["Female", "Male"], var_name="sx")
    long["sex"] = long["sx"].str[0]
    long["value"], long["status"] = parse_counts(long, "value", src, integer=False)
    return long


def oldest_rates(long: pd.DataFrame) -> xr.Dataset:
    """Source rates at ages 100..109 and 110+ on dim ``age_oldest`` (labels as in the source)."""
    old = long[long["num"] >= 100].sort_values("num", kind="stable")
    labels = list(dict.fromkeys(old["Age"]))
    coords: dict[str, Iterable[object]] = {"sex": SEXES, "Age": labels}
    ds = to_dataset(old, ("time", "sex", "Age"), variable(old, "death_rate_oldest"), coords)
    return ds.rename(Age="age_oldest")


def read_mortality(path: Path) -> xr.Dataset:
    """The ``national_mortality`` cube: ``death_rate`` (time, sex, age 0..100)."""
    long = read_hmd_frame(path)
    long["time"] = year_end(long["year"])
    long["num"] = long["Age"].str.rstrip("+").astype(int)
    young = long[long["num"] < 100].rename(columns={"num": "age"})
    coords: dict[str, Iterable[object]] = {"sex": SEXES, "age": AGES}
    ds = to_dataset(young, ("time", "sex", "age"), variable(young, "death_rate"), coords)
    old = oldest_rates(long)
    top = xr.apply_ufunc(
        open_interval_rate,
        old["death_rate_oldest"],
        input_core_dims=[["age_oldest"]],
        vectorize=True,
    )
    ds["death_rate"].loc[{"age": 100}] = top
    ds["death_rate_status"].loc[{"age": 100}] = xr.where(top.isnull(), 1, 0).astype(np.int8)
    return finish(
        xr.merge([ds, old]),
        {
            "time_convention": ANNUAL,
            "age_convention": "100 = 100+: life-table rate l_100/T_100 (= 1/e_100) of the HMD "
            "rates 100..109 and 110+; source rates at 100..110+ in death_rate_oldest",
            "units": "deaths per person-year",
        },
    )


def read_fertility(path: Path) -> xr.Dataset:
    """The ``national_fertility`` cube: ``fertility_rate`` (time, age 12..55)."""
    src = str(path)
    frame = read_whitespace_table(path, ["Code", "Year", "Age", "ASFR"])
    check_rows(frame, frame["Code"] != "FIN", "Code", src, "{column} {label!r} is not FIN")
    frame["time"] = year_end(parse_years(frame, "Year", src))
    frame["age"] = parse_age(frame, "Age", src, {"12-": 12, "55+": 55})
    check_unique(frame, ["time", "age"], src)
    values = parse_counts(frame, "ASFR", src, integer=False)
    ds = to_dataset(frame, ("time", "age"), {"fertility_rate": values})
    return finish(
        ds,
        {
            "time_convention": ANNUAL,
            "age_convention": "age 12 = 12 and younger (HFD '12-'), 55 = 55 and older ('55+')",
            "units": "births per woman-year",
        },
    )
