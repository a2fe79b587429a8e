"""Demography cubes of the snapshot (Statistics Finland vaerak, muutl, vaenn; HMD; HFD).

- ``population``: vaerak 11re, population 31.12.2018 and 31.12.2019 by single year of age
  (``"100 -"`` = 100+) and sex. PxWeb CSV exports in Latin-1 whose layouts differ by year (2018:
  comma-separated, men and women; 2019: semicolon-separated, also a total, which is checked).
  Municipalities by Finnish name (2018 file: 2018 division; 2019 file: 2020 division, Valtimo
  already in Nurmes), harmonised to the 2025 division, plus employment areas, regions and the
  country; the computed country equals the file's ``KOKO MAA`` rows (checked).
- ``population_totals``: population 31.12.2000..2022 by municipality (Sotkanet extract, 2021
  division, integer codes without zero padding), harmonised, plus aggregates.
- ``migration``: muutl, in-, out- and net migration by municipality 1990..2017 (2018 division),
  harmonised. In/out moves between two municipalities that later merged stay counted (caveat);
  net migration is exact. Rates are not kept (derive them from population).
- ``projection_2019``: vaenn 2019 official projection 2019..2040 by single age (``ika`` 999 =
  all ages, kept as ``population_total`` and checked), municipalities harmonised plus ``SSS``.
- ``regional_demography``: region-level files of PPgp/bayesPopFINdata (``reg_code`` 10 = Etelä-
  Savo -> ``MK10``, 246 = Finland -> ``SSS``; the rates file keeps region codes in a column
  called ``country_code``; every code is checked against the English region name).
- ``national_mortality``: HMD death rates (Finland, period 1x1) 1990..2022. Ages 0..99 as in the
  source; age 100 is the open interval 100+ computed as the life-table rate ``l_100 / T_100``
  (= 1 / e_100) from the single-year rates 100..109 and 110+; the source rates at 100..110+ are
  kept in ``death_rate_oldest`` (dim ``age_oldest``).
- ``national_fertility``: HFD age-specific fertility rates 1939..2019, ages 12..55 where 12 is
  ``"12-"`` (12 and younger) and 55 is ``"55+"``.

The region, HMD and HFD readers live in :mod:`forecasting.io.sources._demography_rates`.
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
from forecasting.io.sources import HFD_ATTRIBUTION, HMD_ATTRIBUTION, UNDOCUMENTED_REPO, Cube
from forecasting.io.sources import _areas as areas
from forecasting.io.sources._cubes import AGES, ANNUAL, SEXES, check_equal, finish, variable
from forecasting.io.sources._demography_rates import (
    FILE_HFD,
    FILE_HMD,
    REGION_FILES,
    read_fertility,
    read_mortality,
    read_regional_demography,
)
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
from forecasting.io.sources.statfin2026 import FILE_11RE_2025

FILE_11RE = "statfin/vaerak_11re_population_single_age_sex_all_municipalities_{year}.latin1.csv"
FILE_TOTALS = "statfin/population_totals_by_municipality_2000-2022.csv"
FILE_MIGRATION = "statfin/migration_by_municipality_1990-2017.csv"
FILE_VAENN = "statfin/vaenn_projection_2019_by_municipality_single_age_2019-2040.csv"
YEARS_11RE = (2018, 2019)
REPO_11RE = "kausaltech/reina-model @ cbb928e (2018), @ 2097489 (2019)"

_HEADER_11RE = re.compile(r"^(Yhteensä|Miehet|Naiset) (\d{4}) Väestö 31\.12\.$")
_SEX_11RE = {"Miehet": "M", "Naiset": "F", "Yhteensä": "T"}


# --------------------------------------------------------------------------- vaerak 11re
def check_latin1(path: Path) -> str:
    """Return the text of a Latin-1 file; raise if it is really UTF-8 or not text.

    Latin-1 decodes any byte, so the check is the other way round: a file with non-ASCII
    bytes that is valid UTF-8 was exported in the wrong encoding (names would be garbled), and
    C1 control characters (0x80-0x9f) never occur in Latin-1 text.
    """
    raw = path.read_bytes()
    if any(b > 127 for b in raw):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise DataError("file is UTF-8, expected Latin-1 (wrong encoding)", source=str(path))
    text = raw.decode("latin-1")
    bad = re.search("[\x80-\x9f]", text)
    if bad:
        row = text[: bad.start()].count("\n") + 1
        raise DataError("control character: not Latin-1 text", source=str(path), row=row)
    return text


def read_11re_raw(path: Path) -> tuple[pd.DataFrame, int, list[str]]:
    """Read one 11re PxWeb CSV: frame of strings, year, value columns.

    The header line is the first line starting with ``"Alue"``; its separator (``,`` or
    ``;``) and its value columns (``"<Miehet|Naiset|Yhteensä> <year> Väestö 31.12."``) define
    the layout.
    """
    lines = check_latin1(path).splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith('"Alue"')), None)
    if start is None or len(lines[start]) < 7 or lines[start][6] not in ",;":
        raise DataError('no header line starting with "Alue"', source=str(path))
    sep = lines[start][6]
    header = [h.strip().strip('"') for h in lines[start].split(sep)]
    matches = [_HEADER_11RE.match(h) for h in header[2:]]
    if header[:2] != ["Alue", "Ikä"] or not matches or not all(matches):
        raise DataError(f"unexpected 11re header {header}", source=str(path), row=start + 1)
    years = {int(m.group(2)) for m in matches if m}
    if len(years) != 1:
        raise DataError(f"several years in one file: {sorted(years)}", source=str(path))
    frame = read_csv(path, columns=header, encoding="latin-1", sep=sep, skiprows=start)
    return frame, years.pop(), header[2:]


def read_11re(path: Path) -> pd.DataFrame:
    """Long frame ``area, time, sex, age, population, status, _row`` of one 11re file.

    ``sex`` includes ``"T"`` when the file has a total column; ``age`` -1 is the all-ages row.
    """
    raw, year, value_cols = read_11re_raw(path)
    src = str(path)
    raw["area"] = areas.codes_from_names(raw, "Alue", src)
    raw["age"] = parse_age(raw, "Ikä", src, {"100 -": 100})
    long = raw.melt(id_vars=["area", "age", ROW], value_vars=value_cols, var_name="col")
    long["sex"] = long["col"].map(lambda c: _SEX_11RE[c.split(" ")[0]])
    long["time"] = year_end([year])[0]
    check_unique(long, ["area", "sex", "age"], src)
    long["population"], long["status"] = parse_counts(long, "value", src)
    return long.drop(columns=["col", "value"])


def check_11re_totals(long: pd.DataFrame, source: str) -> None:
    """All-ages rows equal the sum over ages; a total-sex column equals men + women."""
    table = long.pivot_table(index=["area", "age"], columns="sex", values="population")
    if "T" in table:
        diff = (table["T"] - table["F"] - table["M"]).abs()
        if (diff > 0).any():
            where = diff.index[int(np.argmax(diff.to_numpy()))]
            raise DataError(
                f"total != men + women in area {where[0]}, age {where[1]}", source=source
            )
    by_age = table.drop(index=-1, level="age").groupby(level="area").sum()
    diff = (by_age - table.xs(-1, level="age")).abs().max(axis=1)
    if (diff > 0).any():
        raise DataError(f"sum over ages != all-ages row for area {diff.idxmax()}", source=source)


def population_year(path: Path) -> tuple[xr.Dataset, xr.Dataset]:
    """One 11re file as (municipalities harmonised to 2025, the file's ``KOKO MAA`` rows)."""
    long = read_11re(path)
    check_11re_totals(long, str(path))
    long = long[(long["age"] >= 0) & long["sex"].isin(SEXES)]
    coords: dict[str, Iterable[object]] = {"sex": SEXES, "age": AGES}
    ds = to_dataset(
        long,
        ("area", "time", "sex", "age"),
        {"population": (long["population"].to_numpy(), long["status"].to_numpy())},
        coords,
    )
    country = ds.sel(area=[geography.COUNTRY])
    munis = ds.drop_sel(area=geography.COUNTRY)
    return areas.harmonise(munis), country


def read_population(shared_dir: Path) -> xr.Dataset:
    """The ``population`` cube: 2018 and 2019, municipalities + TA, MK, SSS."""
    parts = [population_year(shared_dir / FILE_11RE.format(year=y)) for y in YEARS_11RE]
    munis = xr.concat([p[0] for p in parts], dim="time", join="outer")
    country = xr.concat([p[1] for p in parts], dim="time")
    out = areas.add_aggregates(munis)
    check_equal(
        out["population"].sel(area=geography.COUNTRY),
        country["population"].sel(area=geography.COUNTRY),
        "sum of municipalities vs KOKO MAA",
        FILE_11RE.format(year="*"),
    )
    return finish(out, {"time_convention": ANNUAL, "age_convention": "100 = 100 and over"})


# --------------------------------------------------------------------------- totals, muutl
def read_population_totals(path: Path) -> xr.Dataset:
    """The ``population_totals`` cube (municipality codes as integers in the source)."""
    src = str(path)
    frame = read_csv(path, columns=["municipality_code", "population", "year"])
    frame["area"] = areas.check_codes(frame, "municipality_code", src)
    frame["time"] = year_end(parse_years(frame, "year", src))
    check_unique(frame, ["area", "time"], src)
    values = parse_counts(frame, "population", src)
    ds = to_dataset(frame, ("area", "time"), {"population": values})
    out = areas.add_aggregates(areas.harmonise(ds))
    return finish(out, {"time_convention": ANNUAL})


def read_population_totals_v2(shared_dir: Path) -> xr.Dataset:
    """``population_totals``: 2000..2022 (Sotkanet) and 2025 (11re json); 2023..2024 are NaN
    with status 1 (in neither extract)."""
    from forecasting.io.sources.statfin2026 import population_totals_2025

    old = read_population_totals(shared_dir / FILE_TOTALS)
    new = population_totals_2025(shared_dir)
    order = old["area"].values
    if set(map(str, order)) != set(map(str, new["area"].values)):
        raise DataError("11re 2025 areas differ from the totals extract's", source=FILE_TOTALS)
    old["population_status"] = xr.zeros_like(old["population"], dtype=np.int8)
    years = year_end(range(2000, int(str(new["time"].values[-1])[:4]) + 1))
    both = xr.concat([old, new.reindex(area=order)], dim="time")
    out = both[["population"]].reindex(time=years)
    out["population_status"] = both["population_status"].reindex(time=years, fill_value=1)
    out["population_status"] = out["population_status"].astype(np.int8)
    return finish(out, {"time_convention": ANNUAL})


MIGRATION_KINDS = {
    "tulomuutto": "in_migration",
    "lahtomuutto": "out_migration",
    "nettomuutto": "net_migration",
}
MIGRATION_RATES = ("tulomuuttoaste", "lahtomuuttoaste", "nettomuuttoaste")


def read_migration_frame(path: Path) -> pd.DataFrame:
    """The muutl extract with ``area`` (code, checked against the name) and ``time``."""
    src = str(path)
    frame = read_csv(path, columns=["Alue", "Vuosi", "kunta_no", "Tiedot", "values"])
    frame["area"] = areas.check_codes(frame, "kunta_no", src)
    areas.check_names(frame, "Alue", frame["area"], src)
    unknown = ~frame["Tiedot"].isin([*MIGRATION_KINDS, *MIGRATION_RATES])
    check_rows(frame, unknown, "Tiedot", src, "unknown Tiedot {label!r}")
    frame["time"] = year_end(parse_years(frame, "Vuosi", src))
    check_unique(frame, ["area", "time", "Tiedot"], src)
    return frame[frame["Tiedot"].isin(list(MIGRATION_KINDS))]


def read_migration(path: Path) -> xr.Dataset:
    """The ``migration`` cube: in, out and net migration by municipality, harmonised."""
    src = str(path)
    frame = read_migration_frame(path)
    parts = []
    for kind, var in MIGRATION_KINDS.items():
        sub = frame[frame["Tiedot"] == kind]
        values = parse_counts(sub, "values", src, allow_negative=(var == "net_migration"))
        parts.append(to_dataset(sub, ("area", "time"), {var: values}))
    ds = xr.merge(parts, join="outer")
    check_equal(
        ds["in_migration"] - ds["out_migration"],
        ds["net_migration"],
        "in - out vs net migration",
        src,
    )
    return finish(areas.harmonise(ds), {"time_convention": ANNUAL})


# --------------------------------------------------------------------------- vaenn 2019
def read_projection_frame(path: Path) -> pd.DataFrame:
    """The vaenn extract as a long frame ``area, time, age (-1 = all ages), value, status``."""
    src = str(path)
    frame = read_csv(path, columns=["alue", "time", "ika", "vaesto_e19"])
    frame["area"] = areas.check_codes(frame, "alue", src)
    frame["time"] = year_end(parse_years(frame, "time", src))
    frame["age"] = parse_age(frame, "ika", src, {"999": -1})
    check_rows(frame, frame["age"] > 100, "ika", src, "age {label} > 100")
    check_unique(frame, ["area", "time", "age"], src)
    frame["value"], frame["status"] = parse_counts(frame, "vaesto_e19", src)
    return frame


def read_projection(path: Path) -> xr.Dataset:
    """The ``projection_2019`` cube: age 0..100 (100 = 100+) and ``population_total`` (999)."""
    frame = read_projection_frame(path)
    by_age, total = frame[frame["age"] >= 0], frame[frame["age"] < 0]
    dims = ("area", "time")
    ds = xr.merge(
        [
            to_dataset(by_age, (*dims, "age"), variable(by_age, "population"), {"age": AGES}),
            to_dataset(total, dims, variable(total, "population_total")),
        ],
        join="outer",
    )
    summed = ds["population"].sum("age", min_count=1)
    check_equal(summed, ds["population_total"], "sum over ages vs ika 999", str(path))
    return projection_areas(ds, str(path))


def projection_areas(ds: xr.Dataset, src: str) -> xr.Dataset:
    """Harmonise the municipalities, check them against ``SSS`` and keep the source ``SSS``."""
    country = ds.sel(area=[geography.COUNTRY])
    munis = areas.harmonise(ds.drop_sel(area=geography.COUNTRY))
    summed = areas.add_aggregates(munis, ("country",))
    check_equal(
        summed["population_total"].sel(area=geography.COUNTRY),
        country["population_total"].sel(area=geography.COUNTRY),
        "sum of municipalities vs SSS",
        src,
    )
    out = xr.concat([munis, country], dim="area")
    return finish(
        out,
        {
            "time_convention": ANNUAL,
            "age_convention": "100 = 100 and over",
            "projection": "Statistics Finland official projection 2019",
        },
    )


# --------------------------------------------------------------------------- cubes
def build(shared_dir: Path) -> list[Cube]:
    """Build the demography cubes of ``docs/DATA_CONTRACT.md`` (annual, 31 December)."""
    d = Path(shared_dir)
    return [
        Cube(
            name="population",
            dataset=read_population(d),
            source_tables=("vaerak 11re",),
            source_files=tuple(FILE_11RE.format(year=y) for y in YEARS_11RE),
            source_repo=REPO_11RE,
            count_vars=("population",),
            description="Population 31.12. by municipality, single year of age and sex",
            time_convention=ANNUAL,
        ),
        Cube(
            name="population_totals",
            dataset=read_population_totals_v2(d),
            source_tables=("vaerak (Sotkanet)", "vaerak 11re"),
            source_files=(FILE_TOTALS, FILE_11RE_2025),
            source_repo="rOpenGov/geofi @ 18c8c7f (2000..2022); "
            "OskarWestmeijer/maps @ 94494b4 / b4ebd58 (2025)",
            count_vars=("population",),
            description="Population 31.12. by municipality, 2000..2022 and 2025",
            time_convention=ANNUAL,
        ),
        Cube(
            name="migration",
            dataset=read_migration(d / FILE_MIGRATION),
            source_tables=("muutl",),
            source_files=(FILE_MIGRATION,),
            source_repo="pttry/KT162R @ b1a14da",
            count_vars=("in_migration", "out_migration"),
            description="In-, out- and net migration by municipality",
            time_convention=ANNUAL,
        ),
        Cube(
            name="projection_2019",
            dataset=read_projection(d / FILE_VAENN),
            source_tables=("vaenn 2019",),
            source_files=(FILE_VAENN,),
            source_repo="pttry/KT162R @ 47dced1",
            count_vars=("population", "population_total"),
            description="Official population projection 2019..2040",
            time_convention=ANNUAL,
        ),
        Cube(
            name="regional_demography",
            dataset=read_regional_demography(d),
            source_tables=("11re", "12du", "11ae", "12dq", "12ak", "11a2", "11a7"),
            source_files=REGION_FILES,
            source_repo="PPgp/bayesPopFINdata @ 975b274 (partly derived)",
            count_vars=("population",),
            description="Region-level demography",
            time_convention=ANNUAL,
        ),
        Cube(
            name="national_mortality",
            dataset=read_mortality(d / FILE_HMD),
            source_tables=("HMD Finland Mx_1x1",),
            source_files=(FILE_HMD,),
            source_repo=UNDOCUMENTED_REPO,
            count_vars=("death_rate",),
            description="Death rates by age and sex",
            time_convention=ANNUAL,
            attribution=HMD_ATTRIBUTION,
        ),
        Cube(
            name="national_fertility",
            dataset=read_fertility(d / FILE_HFD),
            source_tables=("HFD Finland ASFR",),
            source_files=(FILE_HFD,),
            source_repo=UNDOCUMENTED_REPO,
            count_vars=("fertility_rate",),
            description="Fertility rates by age",
            time_convention=ANNUAL,
            attribution=HFD_ATTRIBUTION,
        ),
    ]
