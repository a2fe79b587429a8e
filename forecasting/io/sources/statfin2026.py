"""Cubes from the newest real figures: ``shared/data/statfin-2026/`` and ``projections/``.

- ``population_by_sex``: vaerak 11re, population 31.12.2025 by sex (F, M).
- ``population_change``: vaerak 121w, vital events and migration during 2025.
- ``age_key_figures``: vaerak 11ra, population, shares under 15 / over 64 and mean age, 2025
  (as published, also for employment areas and regions; the file named ``2024-2025`` holds
  2025 only).
- ``education_levels``: vkour 12bs, population 15+ by level of education and shares, 2025.
- ``projection_2024``: vaenn 14wx, Statistics Finland's official projection 2024 by sex and
  single age (100 = 100+), 2024..2045, for Etelä-Savo (MK10) and the country (SSS).

The PxWeb json files use the 2026 division, which for municipalities equals the 2025 division
of the project (Pertunmaa 588 already inside Mäntyharju 507). Additive variables are summed
from municipalities into employment areas (TA), regions (MK) and the country (SSS) and checked
against every aggregate the file publishes; a sum that is unknown because a member is
suppressed takes the published value. Ratios (shares, means, indices) are never summed: they
are kept where the file publishes them and are NaN with status 1 elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from forecasting import geography
from forecasting.errors import DataError
from forecasting.io.sources import Cube
from forecasting.io.sources import _areas as areas
from forecasting.io.sources._cubes import AGES, ANNUAL, SEXES, check_equal, finish
from forecasting.io.sources._pxweb import read_pxweb
from forecasting.io.sources._read import (
    check_rows,
    check_unique,
    parse_age,
    parse_counts,
    parse_years,
    read_csv,
    to_dataset,
    year_end,
)

DIR = "statfin-2026/"
FILE_11RE_2025 = DIR + "vaerak_11re_pxweb-json_population_by_sex_all_areas_2025.json"
FILE_121W = DIR + "vaerak_121w_pxweb-json_vital_events_migration_all_areas_2025.json"
FILE_11RA = DIR + "vaerak_11ra_pxweb-json_age_key_figures_all_areas_2024-2025.json"
FILE_12BS = DIR + "vkour_12bs_pxweb-json_education_level_all_areas_2025.json"
FILE_14WX = "projections/vaenn_14wx_official_projection_2024_etela-savo_and_finland_2024-2045.csv"
REPO_MAPS = "OskarWestmeijer/maps @ 94494b4 / b4ebd58"
REPO_BAYESPOP = "PPgp/bayesPopFINdata @ 59fc5a4"

VARS_11RE = {"vaerak-vaesto": "population"}
VARS_121W = {
    "ssaaty-vm01": "births",
    "ssaaty-vm11": "deaths",
    "ssaaty-luonvalisays": "natural_increase",
    "ssaaty-vm43_tulo": "in_migration_municipal",
    "ssaaty-vm43_lahto": "out_migration_municipal",
    "ssaaty-vm43_netto": "net_migration_municipal",
    "ssaaty-vm44": "",
    "ssaaty-vm41": "immigration",
    "ssaaty-vm41_nordic": "immigration_nordic",
    "ssaaty-vm41_eu": "immigration_eu",
    "ssaaty-vm42": "emigration",
    "ssaaty-vm42_nordic": "emigration_nordic",
    "ssaaty-vm42_eu": "emigration_eu",
    "ssaaty-vm4142": "net_immigration",
    "ssaaty-koknetmuutto": "net_migration_total",
    "ssaaty-vm2126": "",
    "ssaaty-vm3136": "",
    "ssaaty-valisays": "population_increase",
    "ssaaty-vakorjaus": "corrections",
    "ssaaty-kokmuutos": "total_change",
    "ssaaty-vaesto": "population",
}
COUNTS_121W = (
    "births",
    "deaths",
    "in_migration_municipal",
    "out_migration_municipal",
    "immigration",
    "immigration_nordic",
    "immigration_eu",
    "emigration",
    "emigration_nordic",
    "emigration_eu",
    "population",
)
VARS_11RA = {
    "vaerak-vaesto": "population",
    "vaesto_alle15_p": "share_under_15",
    "vaesto_yli64_p": "share_over_64",
    "vaesto_keski_ika": "mean_age",
}
VARS_12BS = {
    "vaesto_15_": "population_15_plus",
    "kaste0": "no_post_basic",
    "kaste0osuus": "share_no_post_basic",
    "kaste3T8": "post_basic",
    "kaste3T8osuus": "share_post_basic",
    "kaste3": "upper_secondary",
    "kaste3osuus": "share_upper_secondary",
    "kaste4": "specialist_vocational",
    "kaste5T8": "tertiary",
    "kaste5T8osuus": "share_tertiary",
    "kaste5": "short_cycle_tertiary",
    "kaste6": "bachelor",
    "kaste7": "master",
    "kaste8": "doctorate",
    "vktm": "education_level_index",
}
COUNTS_12BS = tuple(v for v in VARS_12BS.values() if not v.startswith(("share", "education")))

LONG_NAMES = {
    "population": "population at the end of the year",
    "births": "live births during the year",
    "deaths": "deaths during the year",
    "natural_increase": "births - deaths",
    "in_migration_municipal": "moves into the municipality from another municipality (sum over "
    "member municipalities for aggregates)",
    "out_migration_municipal": "moves out of the municipality to another municipality (sum over "
    "member municipalities for aggregates)",
    "net_migration_municipal": "net migration between municipalities",
    "immigration": "immigration to Finland",
    "immigration_nordic": "immigration from the Nordic countries",
    "immigration_eu": "immigration from EU countries",
    "emigration": "emigration from Finland",
    "emigration_nordic": "emigration to the Nordic countries",
    "emigration_eu": "emigration to EU countries",
    "net_immigration": "immigration - emigration",
    "net_migration_total": "net migration between municipalities + net immigration",
    "population_increase": "natural increase + total net migration",
    "corrections": "population corrections (total change - population increase)",
    "total_change": "change of the population over the year",
    "share_under_15": "share of the population under 15 years",
    "share_over_64": "share of the population aged 65 or over",
    "mean_age": "mean age (completed years + 0.5)",
    "population_15_plus": "population aged 15 or over",
    "no_post_basic": "population 15+ without a post-basic qualification",
    "share_no_post_basic": "share of population 15+ without a post-basic qualification",
    "post_basic": "population 15+ with a post-basic qualification",
    "share_post_basic": "share of population 15+ with a post-basic qualification",
    "upper_secondary": "population 15+ with an upper secondary qualification",
    "share_upper_secondary": "share of population 15+ with an upper secondary qualification",
    "specialist_vocational": "population 15+ with a specialist vocational qualification",
    "tertiary": "population 15+ with a tertiary qualification",
    "share_tertiary": "share of population 15+ with a tertiary qualification",
    "short_cycle_tertiary": "population 15+ with a short-cycle tertiary qualification",
    "bachelor": "population 15+ with a bachelor's level qualification",
    "master": "population 15+ with a master's level qualification",
    "doctorate": "population 15+ with a doctoral qualification",
    "education_level_index": "education level index of the population 20+ (years of "
    "post-basic education per person x 100)",
}
UNITS = {"mean_age": "years", "education_level_index": "index"}


# --------------------------------------------------------------------------- areas
def _municipalities(ds: xr.Dataset, src: str) -> list[str]:
    """The municipality codes of ``ds``; a code of digits not in the 2025 division fails."""
    known = set(geography.municipalities().index)
    codes = [str(a) for a in ds["area"].values]
    unknown = [a for a in codes if a.isdigit() and a not in known]
    if unknown:
        raise DataError(f"field area: unknown municipality code {unknown[0]!r}", source=src)
    return [a for a in codes if a.isdigit()]


def _with_status(ds: xr.Dataset) -> xr.Dataset:
    for var in areas.split_status(ds)[0]:
        if f"{var}_status" not in ds:
            ds[f"{var}_status"] = xr.zeros_like(ds[var], dtype=np.int8)
    return ds


def with_aggregates(raw: xr.Dataset, counts: Sequence[str], src: str) -> xr.Dataset:
    """Municipalities + TA, MK, SSS: counts summed (checked against the file), ratios as is.

    Every aggregate row the file publishes must equal the sum of its members wherever both
    are known; a sum unknown because of a suppressed member takes the published value.
    Non-additive variables keep the published value; aggregates the file lacks are NaN with
    status 1.
    """
    raw = _with_status(raw)
    munis = _municipalities(raw, src)
    summed = areas.add_aggregates(
        raw[[*counts, *(f"{v}_status" for v in counts)]].sel(area=munis).sortby("area"),
        bottom_up=True,
        complete_only=True,
    )
    order = summed["area"].values
    published = [a for a in map(str, raw["area"].values) if a in set(order) and a not in munis]
    out = summed.copy()
    for var in counts:
        check_equal(
            summed[var].sel(area=published), raw[var].sel(area=published), f"sum of {var}", src
        )
        pub = raw[var].reindex(area=order)
        fill = out[var].isnull() & pub.notnull()
        out[var] = out[var].where(~fill, pub)
        out[f"{var}_status"] = out[f"{var}_status"].where(~fill, 0).astype(np.int8)
    for var in areas.split_status(raw)[0]:
        if var not in counts:
            out[var] = raw[var].reindex(area=order)
            out[f"{var}_status"] = (
                raw[f"{var}_status"].reindex(area=order, fill_value=1).astype(np.int8)
            )
    return out


def _finish(ds: xr.Dataset, raw: xr.Dataset, **attrs: str) -> xr.Dataset:
    attrs["statfin_updated"] = str(raw.attrs.get("statfin_updated", ""))[:10]
    for var in areas.split_status(ds)[0]:
        ds[var].attrs = {"long_name": LONG_NAMES[var], "units": UNITS.get(var, "persons")}
        if var.startswith("share"):
            ds[var].attrs["units"] = "percent"
    return finish(ds, {"time_convention": ANNUAL, **attrs})


# --------------------------------------------------------------------------- readers
def read_population_by_sex(path: Path) -> xr.Dataset:
    """11re 2025: population by sex (F, M); the file's total (T) must equal F + M."""
    src = str(path)
    raw = read_pxweb(path, VARS_11RE)
    check_equal(
        raw["population"].sel(sex="F") + raw["population"].sel(sex="M"),
        raw["population"].sel(sex="T"),
        "men + women vs total",
        src,
    )
    ds = with_aggregates(raw.sel(sex=list(SEXES)), ["population"], src)
    return _finish(ds, raw)


def population_totals_2025(shared_dir: Path) -> xr.Dataset:
    """Population 31.12.2025 (11re, both sexes) by municipality + TA, MK, SSS, for
    ``population_totals``."""
    path = Path(shared_dir) / FILE_11RE_2025
    raw = read_pxweb(path, VARS_11RE).sel(sex="T", drop=True)
    return with_aggregates(raw, ["population"], str(path))


def read_population_change(path: Path) -> xr.Dataset:
    """121w 2025: vital events and migration; the accounting identities are checked."""
    src = str(path)
    raw = read_pxweb(path, VARS_121W)
    additive = [v for v in VARS_121W.values() if v]
    ds = with_aggregates(raw, additive, src)
    identities = {
        "natural_increase": ds["births"] - ds["deaths"],
        "net_migration_municipal": ds["in_migration_municipal"] - ds["out_migration_municipal"],
        "net_immigration": ds["immigration"] - ds["emigration"],
        "net_migration_total": ds["net_migration_municipal"] + ds["net_immigration"],
        "population_increase": ds["natural_increase"] + ds["net_migration_total"],
        "total_change": ds["population_increase"] + ds["corrections"],
    }
    for var, computed in identities.items():
        check_equal(computed, ds[var], f"accounting identity of {var}", src)
    return _finish(
        ds,
        raw,
        caveat="in/out municipal migration of an aggregate is the sum over its member "
        "municipalities (moves between members count); net migration is exact",
    )


def read_age_key_figures(path: Path) -> xr.Dataset:
    """11ra (2025 only in the file): population (summed, checked), published shares, mean age."""
    src = str(path)
    raw = read_pxweb(path, VARS_11RA)
    return _finish(with_aggregates(raw, ["population"], src), raw)


def read_education_levels(path: Path) -> xr.Dataset:
    """12bs 2025: counts by level summed to TA (checked against MK, SSS) and published shares."""
    src = str(path)
    raw = read_pxweb(path, VARS_12BS)
    ds = with_aggregates(raw, list(COUNTS_12BS), src)
    check_equal(ds["no_post_basic"] + ds["post_basic"], ds["population_15_plus"], "levels", src)
    return _finish(ds, raw)


PROJECTION_AREAS = {"10.0": "MK10", "246.0": "SSS", "": "MK10"}
PROJECTION_SEXES = {"Miehet": "M", "Naiset": "F", "Yhteensä": "T"}


def read_projection_2024(path: Path) -> xr.Dataset:
    """14wx: the official 2024 projection, MK10 (2025 division) and SSS, by sex and age.

    The source's Etelä-Savo rows (``reg_code`` 10) leave out Pertunmaa, whose rows have an
    empty ``reg_code`` (``NA``); Pertunmaa is part of Mäntyharju in the 2025 division, so
    ``MK10`` here is reg_code 10 + those rows. An empty age (``NA``) is 100+. The total sex
    (``Yhteensä``) must equal men + women.
    """
    src = str(path)
    frame = read_csv(path, columns=["year", "reg_code", "name", "sex", "age", "pop"])
    bad = ~frame["reg_code"].isin(list(PROJECTION_AREAS))
    check_rows(frame, bad, "reg_code", src, "unknown reg_code {label!r}")
    check_rows(frame, ~frame["sex"].isin(list(PROJECTION_SEXES)), "sex", src, "bad sex {label!r}")
    frame["area"] = frame["reg_code"].map(PROJECTION_AREAS)
    frame["sex"] = frame["sex"].map(PROJECTION_SEXES)
    frame["age"] = frame["age"].str.removesuffix(".0").replace({"": "100+"})
    frame["age"] = parse_age(frame, "age", src, {"100+": 100})
    frame["time"] = year_end(parse_years(frame, "year", src))
    check_unique(frame, ["reg_code", "time", "sex", "age"], src)
    frame["pop"] = frame["pop"].str.removesuffix(".0")
    frame["value"], frame["status"] = parse_counts(frame, "pop", src)
    summed = frame.groupby(["area", "time", "sex", "age"], as_index=False)[["value"]].sum()
    summed["status"] = 0
    total = summed[summed["sex"] == "T"].set_index(["area", "time", "age"])["value"]
    parts = summed[summed["sex"] != "T"].groupby(["area", "time", "age"])["value"].sum()
    if not np.array_equal(parts.sort_index().to_numpy(), total.sort_index().to_numpy()):
        raise DataError("Yhteensä != Miehet + Naiset", source=src)
    by_sex = summed[summed["sex"] != "T"]
    ds = to_dataset(
        by_sex,
        ("area", "time", "sex", "age"),
        {"population": (by_sex["value"].to_numpy(), by_sex["status"].to_numpy())},
        {"area": ["MK10", "SSS"], "sex": SEXES, "age": AGES},
    )
    ds["population"].attrs = {"long_name": "projected population at the end of the year"}
    return finish(
        ds,
        {
            "time_convention": ANNUAL,
            "age_convention": "100 = 100 and over",
            "projection": "Statistics Finland official population projection 2024 (14wx)",
            "areas": "MK10 in the 2025 division: the source's Etelä-Savo (reg_code 10, without "
            "Pertunmaa) + Pertunmaa (reg_code NA)",
        },
    )


# --------------------------------------------------------------------------- cubes
def build(shared_dir: Path) -> list[Cube]:
    """Build the cubes of the 2026 PxWeb json files and of the 2024 projection."""
    d = Path(shared_dir)
    return [
        Cube(
            name="population_by_sex",
            dataset=read_population_by_sex(d / FILE_11RE_2025),
            source_tables=("vaerak 11re",),
            source_files=(FILE_11RE_2025,),
            count_vars=("population",),
            description="Population 31.12.2025 by sex, municipalities and aggregates",
            source_repo=REPO_MAPS,
            time_convention=ANNUAL,
        ),
        Cube(
            name="population_change",
            dataset=read_population_change(d / FILE_121W),
            source_tables=("vaerak 121w",),
            source_files=(FILE_121W,),
            count_vars=COUNTS_121W,
            description="Births, deaths, migration and population change during 2025",
            source_repo=REPO_MAPS,
            time_convention=ANNUAL,
        ),
        Cube(
            name="age_key_figures",
            dataset=read_age_key_figures(d / FILE_11RA),
            source_tables=("vaerak 11ra",),
            source_files=(FILE_11RA,),
            count_vars=("population",),
            description="Population, shares under 15 and over 64, mean age, 2025",
            source_repo=REPO_MAPS,
            time_convention=ANNUAL,
        ),
        Cube(
            name="education_levels",
            dataset=read_education_levels(d / FILE_12BS),
            source_tables=("vkour 12bs",),
            source_files=(FILE_12BS,),
            count_vars=COUNTS_12BS,
            description="Population 15+ by level of education (counts and shares), 2025",
            source_repo=REPO_MAPS,
            time_convention=ANNUAL,
        ),
        Cube(
            name="projection_2024",
            dataset=read_projection_2024(d / FILE_14WX),
            source_tables=("vaenn 14wx",),
            source_files=(FILE_14WX,),
            source_repo=REPO_BAYESPOP,
            count_vars=("population",),
            description="Official population projection 2024 by sex and age, Etelä-Savo and "
            "Finland, 2024..2045",
            time_convention=ANNUAL,
        ),
    ]
