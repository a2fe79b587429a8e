"""Every cube of the committed snapshot against sums of its source files (issue 2 figure).

The source files in ``../shared/data`` are re-read here with plain pandas, independently of the
readers in ``forecasting.io.sources``, and summed the way each cube is defined (municipalities
harmonised to the 2025 division: a merged cell is unknown if any part is suppressed). The cubes
are the ones :func:`forecasting.snapshot.load` returns, i.e. what is committed. Counts must agree
exactly; rates to 1e-12 relative. A cube without a check here fails
:func:`test_every_cube_has_a_totals_check`. Skipped without the shared folder (a fresh machine);
in CI the folder is at ``../shared`` next to the clone, so these tests run there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting import geography, snapshot
from forecasting.io.sources.statfin2026 import (
    COUNTS_12BS,
    FILE_11RA,
    FILE_11RE_2025,
    FILE_12BS,
    FILE_14WX,
    FILE_121W,
    VARS_11RA,
    VARS_12BS,
    VARS_121W,
)
from forecasting.settings import get_settings

SHARED = Path(get_settings().data.shared_data_dir)
needs_shared = pytest.mark.skipif(
    not (SHARED / "statfin").is_dir(),
    reason=f"shared source extracts not found at {SHARED} (fresh machine without ../shared)",
)
TOTAL = "Yhteensä"
CHECKS: dict[str, Callable[[xr.Dataset], None]] = {}


def check(name: str) -> Callable[[Callable[[xr.Dataset], None]], Callable[[xr.Dataset], None]]:
    def register(fn: Callable[[xr.Dataset], None]) -> Callable[[xr.Dataset], None]:
        CHECKS[name] = fn
        return fn

    return register


def source(rel: str, **kwargs: object) -> pd.DataFrame:
    """A source file read with plain pandas (not with the snapshot's readers)."""
    return pd.read_csv(SHARED / rel, **kwargs)


def munis(da: xr.DataArray) -> xr.DataArray:
    """The municipality rows of a cube variable (codes of digits)."""
    return da.sel(area=[a for a in da["area"].values if str(a).isdigit()])


def merged_totals(frame: pd.DataFrame, keys: Sequence[str], cols: Sequence[str]) -> pd.DataFrame:
    """Sums over municipalities per ``keys`` after merging ``area`` codes into their successors.

    A merged cell (e.g. Mäntyharju + Pertunmaa) is unknown if either part is, so its known
    part does not count; every other cell counts as in the file.
    """
    area = frame["area"].replace(geography.merger_map())
    groups = [area, *(frame[k] for k in keys)]
    sums = frame[list(cols)].groupby(groups).sum(min_count=1)
    unknown = frame[list(cols)].isna().groupby(groups).any()
    return sums.where(~unknown).groupby(level=list(range(1, len(groups)))).sum()


def assert_series(got: xr.DataArray, want: pd.Series | np.ndarray, *, exact: bool = True) -> None:
    got_values = got.to_numpy() if isinstance(got, xr.DataArray) else np.asarray(got)
    want_values = want.to_numpy() if isinstance(want, pd.Series) else np.asarray(want)
    if exact:
        np.testing.assert_array_equal(got_values, want_values.astype(float))
    else:
        np.testing.assert_allclose(got_values, want_values, rtol=1e-12, atol=0)


# --------------------------------------------------------------------------- registers
@check("registers")
def _registers(ds: xr.Dataset) -> None:
    cols = {"TYOTTOMATLOPUSSA": "unemployed", "TYOVOIMATK": "labour_force"}
    cols |= {"AVPAIKATLOPUSSA": "vacancies"}
    src = source(
        "statfin/tyonv_12r5_unemployed_labourforce_vacancies_all_areas_2006-01_2023-10.csv"
    )
    ku = src[src["alue"].str.startswith("KU")].assign(area=lambda f: f["alue"].str[2:])
    want = merged_totals(ku, ["month"], list(cols))
    old = ds.sel(time=slice(None, "2023-10-01"))
    for col, var in cols.items():
        assert_series(munis(old[var]).sum("area"), want[col])
    country = src[src["alue"] == "SSS"]
    assert_series(old["labour_force"].sel(area="SSS"), country["TYOVOIMATK"])
    # 2026-06: all 23 variables of the PxWeb json, municipalities (KU199 = no municipality
    # and KUJOU = not allocated are not municipalities); suppressed cells count as unknown
    new = pxweb_frame(FILE_12R5_2026)
    ku = new[new["Alue"].str.fullmatch(r"KU\d{3}") & (new["Alue"] != "KU199")]
    june = ds.sel(time="2026-06-01")
    for code in [c for c in new.columns if c.isupper() and c not in ("Alue", "TYOTOSUUS")]:
        assert munis(june[REGISTER_NAMES[code]]).sum().item() == ku[code].sum(), code
    gap = ds.sel(time=slice("2023-11-01", "2026-05-01"))
    assert gap.sizes["time"] == 31
    for var in REGISTER_NAMES.values():
        assert bool(gap[var].isnull().all()) and bool((gap[f"{var}_status"] == 1).all()), var


def pxweb_frame(rel: str) -> pd.DataFrame:
    """A PxWeb json file as a frame read with plain json: key columns by code, value columns
    numeric (symbols ``.``, ``..``, ``...`` -> NaN, ``-`` -> 0)."""
    doc = json.loads((SHARED / rel).read_text(encoding="utf-8"))
    keys = [c["code"] for c in doc["columns"] if c["type"] != "c"]
    values = [c["code"] for c in doc["columns"] if c["type"] == "c"]
    frame = pd.DataFrame(
        [[*row["key"], *row["values"]] for row in doc["data"]], columns=[*keys, *values]
    )
    for col in values:
        frame[col] = pd.to_numeric(frame[col].replace("-", "0"), errors="coerce")
    for col in keys:
        if col.startswith("alue"):
            frame = frame.rename(columns={col: "Alue"})
    return frame


FILE_12R5_2026 = "statfin-2026/tyonv_12r5_pxweb-json_all_variables_all_areas_2026M06.json"
REGISTER_NAMES = {
    "HAKIJALOPUSSA": "jobseekers",
    "TYOTTOMATLOPUSSA": "unemployed",
    "TYOVOIMATK": "labour_force",
    "TYOTOSUUS": "unemployment_rate_published",
    "TYOTTOMATMIEHET": "unemployed_men",
    "TYOTTOMATNAISET": "unemployed_women",
    "TYOTTOMAT20": "unemployed_under_20",
    "TYOTTOMAT25": "unemployed_under_25",
    "TYOTTOMAT50": "unemployed_over_50",
    "TYOTTOMATSAIR": "unemployed_disabled",
    "TYOTTOMATULK": "unemployed_foreign",
    "PITKAAIKAISTYOTTOMAT": "long_term_unemployed",
    "KASSASSA": "unemployed_fund_members",
    "LOMAUTETTU": "laid_off",
    "LYHTYOVKO": "short_time",
    "TYOLLISTETTYLOP": "subsidised_employment",
    "TYOHARJOITTELULOP": "in_work_practice",
    "KOKEILULOP": "in_trials",
    "TVKOULUTUSLOP": "in_labour_market_training",
    "VALMENNUSLOP": "in_coaching",
    "MTPPALVELUTLOP": "in_other_services",
    "AVPAIKATLOPUSSA": "vacancies",
    "UUDETAVP": "new_vacancies",
}


def pxweb_municipalities(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["Alue"].str.fullmatch(r"KU\d{3}")]


@check("occupations")
def _occupations(ds: xr.Dataset) -> None:
    src = source("statfin/tyonv_12ti_by_occupation_etela-savo_and_finland_2006-01_2023-10.csv")
    for col, var in {"TYOTTOMATLOPUSSA": "unemployed", "AVPAIKATLOPUSSA": "vacancies"}.items():
        want = src.groupby("alue")[col].sum()
        assert_series(ds[var].sum(["occupation", "time"]), want.reindex(ds["area"].values))


def name_codes(names: pd.Series) -> pd.Series:
    """Municipality names (fi, sv, merged-away, "fi - sv") -> codes of the 2025 division."""
    table = geography.municipalities()
    lookup = dict(zip(table["name_fi"], table.index, strict=True))
    lookup |= dict(zip(table["name_sv"], table.index, strict=True))
    mergers = geography.mergers()
    lookup |= dict(zip(mergers["old_name"], mergers["new_code"], strict=True))
    codes = names.map(lambda n: lookup.get(n) or lookup.get(n.split(" - ")[0]))
    assert codes.notna().all(), sorted(names[codes.isna()].unique())
    return codes


@check("vacancy_flows")
def _vacancy_flows(ds: xr.Dataset) -> None:
    cols = {
        "Avoimet_tyopaikat_kauden_aikana": "open_during_month",
        "Uudet_avoimet_tyopaikat_kauden_aikana": "new",
        "Tayttyneet_tyopaikat_kauden_aikana": "filled",
    }
    src = source("statfin/tyonv_2310_vacancy_flows_by_municipality_2006-01_2020-08.csv")
    src = src.assign(area=name_codes(src["kunta"]))
    mean = "Tayttyneiden_tyopaikkojen_avoinnaolon_km_kesto_paivaa"
    src = src.assign(days=src[mean] * src["Tayttyneet_tyopaikat_kauden_aikana"])
    want = merged_totals(src, ["time"], [*cols, "days"])
    for col, var in cols.items():
        assert_series(ds[var].sum("area"), want[col])
    days = (ds["mean_days_open"] * ds["filled"]).sum("area")
    assert_series(days, want["days"], exact=False)


# --------------------------------------------------------------------------- demography
@check("population")
def _population(ds: xr.Dataset) -> None:
    for year, sep in ((2018, ","), (2019, ";")):
        rel = f"statfin/vaerak_11re_population_single_age_sex_all_municipalities_{year}.latin1.csv"
        src = source(rel, encoding="latin-1", sep=sep, skiprows=2)
        body = src[(src["Alue"] != "KOKO MAA") & (src["Ikä"] != TOTAL)]
        country = src[(src["Alue"] == "KOKO MAA") & (src["Ikä"] == TOTAL)]
        cube = ds["population"].sel(time=f"{year}-12-31")
        for sex, label in (("M", "Miehet"), ("F", "Naiset")):
            col = f"{label} {year} Väestö 31.12."
            assert munis(cube.sel(sex=sex)).sum().item() == body[col].sum()
            assert cube.sel(sex=sex, area="SSS").sum().item() == country[col].item()


@check("population_totals")
def _population_totals(ds: xr.Dataset) -> None:
    src = source("statfin/population_totals_by_municipality_2000-2022.csv")
    want = src.groupby("year")["population"].sum()
    old = ds["population"].sel(time=slice(None, "2022-12-31"))
    assert_series(munis(old).sum("area"), want)
    assert_series(old.sel(area="SSS"), want)
    new = pxweb_frame(FILE_11RE_2025)
    total = pxweb_municipalities(new[new["sukupuoli_9_20180101"] == "SSS"])
    year = ds["population"].sel(time="2025-12-31")
    assert munis(year).sum().item() == total["vaerak-vaesto"].sum()
    assert year.sel(area="SSS").item() == 5_652_881  # 11re 2025, whole country row
    assert year.sel(area="MK10").item() == 128_144  # shared/data/README.md check
    assert bool(ds["population"].sel(time=["2023-12-31", "2024-12-31"]).isnull().all())


@check("migration")
def _migration(ds: xr.Dataset) -> None:
    src = source("statfin/migration_by_municipality_1990-2017.csv")
    kinds = {"tulomuutto": "in", "lahtomuutto": "out", "nettomuutto": "net"}
    for kind, var in kinds.items():
        want = src[src["Tiedot"] == kind].groupby("Vuosi")["values"].sum()
        assert_series(ds[f"{var}_migration"].sum("area"), want)


@check("projection_2019")
def _projection(ds: xr.Dataset) -> None:
    src = source(
        "statfin/vaenn_projection_2019_by_municipality_single_age_2019-2040.csv",
        dtype={"alue": str},
    )
    body = src[src["alue"] != "SSS"]
    ages = body[body["ika"] != 999].groupby("time")["vaesto_e19"].sum()
    totals = body[body["ika"] == 999].groupby("time")["vaesto_e19"].sum()
    assert_series(munis(ds["population"]).sum(["area", "age"]), ages)
    assert_series(munis(ds["population_total"]).sum("area"), totals)
    country = src[(src["alue"] == "SSS") & (src["ika"] == 999)]["vaesto_e19"]
    assert_series(ds["population_total"].sel(area="SSS"), country)


REGION_FILES = {
    "total_fertility_rate": ["total_fertility_rate_1990-2025.tsv"],
    "life_expectancy": [f"life_expectancy_{s}_derived_1990-2025.tsv" for s in ("female", "male")],
    "net_migration": ["net_migration_counts_1990-2025.tsv"],
    "net_migration_rate": ["net_migration_rates_derived_1990-2025.tsv"],
    "fertility_age_share": ["fertility_age_shares_derived_1990-2025.tsv"],
    "net_migration_by_age": [
        f"net_migration_{s}_by_age_derived_1990-2025.tsv" for s in ("female", "male")
    ],
}


@check("regional_demography")
def _regional(ds: xr.Dataset) -> None:
    regions = [a for a in ds["area"].values if str(a).startswith("MK")]
    for sex, label in (("F", "female"), ("M", "male")):
        src = source(f"region/population_{label}_single_age_1972-2025.tsv", sep="\t")
        years = [c for c in src.columns if re.fullmatch(r"\d{4}", c)]
        want = src[src["reg_code"] != 246][years].sum()
        got = ds["population"].sel(area=regions, sex=sex).sum(["area", "age"])
        assert_series(got, want)
    for var, files in REGION_FILES.items():
        frames = [source(f"region/{f}", sep="\t") for f in files]
        want = sum(
            f[[c for c in f.columns if re.fullmatch(r"\d{4}", c)]].sum().sum() for f in frames
        )
        assert float(ds[var].sum()) == pytest.approx(want, rel=1e-12), var


@check("population_by_sex")
def _population_by_sex(ds: xr.Dataset) -> None:
    src = pxweb_frame(FILE_11RE_2025)
    for sex, code in (("M", "1"), ("F", "2")):
        rows = src[src["sukupuoli_9_20180101"] == code]
        cube = ds["population"].sel(sex=sex)
        assert munis(cube).sum().item() == pxweb_municipalities(rows)["vaerak-vaesto"].sum()
        country = rows[rows["Alue"] == "SSS"]["vaerak-vaesto"].item()
        assert cube.sel(area="SSS").item() == country
    assert ds["population"].sel(area="MK10").sum().item() == 128_144  # README check


@check("population_change")
def _population_change(ds: xr.Dataset) -> None:
    src = pxweb_frame(FILE_121W)
    ku = pxweb_municipalities(src)
    country = src[src["Alue"] == "SSS"].iloc[0]
    for code, var in VARS_121W.items():
        if var:
            assert munis(ds[var]).sum().item() == ku[code].sum(), var
            assert ds[var].sel(area="SSS").item() == country[code], var


@check("age_key_figures")
def _age_key_figures(ds: xr.Dataset) -> None:
    src = pxweb_frame(FILE_11RA).set_index("Alue")
    assert (
        munis(ds["population"]).sum().item()
        == src.filter(regex=r"^KU", axis=0)["vaerak-vaesto"].sum()
    )
    for area in ("TA23", "MK10", "SSS"):
        for code, var in VARS_11RA.items():
            assert ds[var].sel(area=area).item() == src.loc[area, code], (area, var)


@check("education_levels")
def _education_levels(ds: xr.Dataset) -> None:
    src = pxweb_frame(FILE_12BS)
    ku = pxweb_municipalities(src)
    published = src.set_index("Alue")
    for code, var in VARS_12BS.items():
        if var in COUNTS_12BS:
            assert munis(ds[var]).sum().item() == ku[code].sum(), var
        for area in ("MK10", "SSS"):
            assert ds[var].sel(area=area).item() == published.loc[area, code], (area, var)


@check("projection_2024")
def _projection_2024(ds: xr.Dataset) -> None:
    src = source(FILE_14WX, keep_default_na=False, dtype=str)
    src["pop"] = src["pop"].astype(float)
    body = src[src["sex"] != "Yhteensä"]
    for area, codes in (("MK10", ["10.0", ""]), ("SSS", ["246.0"])):
        want = body[body["reg_code"].isin(codes)].groupby(src["year"].astype(int))["pop"].sum()
        assert_series(ds["population"].sel(area=area).sum(["sex", "age"]), want)
    # shared/data/README.md: Etelä-Savo without Pertunmaa (reg_code 10) 2024, 2030, 2040, 2045
    pertunmaa = body[body["reg_code"] == ""].groupby(src["year"].astype(int))["pop"].sum()
    mk10 = ds["population"].sel(area="MK10").sum(["sex", "age"]).to_series()
    mk10.index = mk10.index.year
    readme = {2024: 127_408, 2030: 121_634, 2040: 114_097, 2045: 111_544}
    assert {y: mk10[y] - pertunmaa[y] for y in readme} == readme
    assert pertunmaa[2024] == 1_547


@check("national_mortality")
def _mortality(ds: xr.Dataset) -> None:
    src = source(
        "national/hmd_death_rates_single_age_sex_finland_1990-2022.txt", sep=r"\s+", na_values="."
    )
    age = src["Age"].str.rstrip("+").astype(int)
    for sex, col in (("F", "Female"), ("M", "Male")):
        young = src.loc[age < 100, col].sum()
        assert float(ds["death_rate"].sel(sex=sex, age=slice(0, 99)).sum()) == pytest.approx(
            young, rel=1e-12
        )
        oldest = ds["death_rate_oldest"].sel(sex=sex).sum()
        assert float(oldest) == pytest.approx(src.loc[age >= 100, col].sum(), rel=1e-12)


@check("national_fertility")
def _fertility(ds: xr.Dataset) -> None:
    src = source("national/hfd_fertility_rates_single_age_finland_1939-2019.txt", sep=r"\s+")
    assert_series(ds["fertility_rate"].sum("age"), src.groupby("Year")["ASFR"].sum(), exact=False)


# --------------------------------------------------------------------------- employment
TYOKAY = "statfin/tyokay_{table}_{what}_1987-2017.csv"


@check("commuting")
def _commuting(ds: xr.Dataset) -> None:
    files = {
        ("115n", "employed_by_residence_all_areas", "alue"): {
            TOTAL: "employed_residents",
            "Asuinkunnassaan työssäkäyvät": "residents_working_in_home_municipality",
            "Asuinkuntansa ulkopuolella työssäkäyvät": "commuting_out",
        },
        ("115p", "jobs_by_workplace_all_areas", "tyopaikan_alue"): {
            TOTAL: "jobs",
            "Alueelle pendelöivät": "commuting_in",
        },
    }
    for (table, what, area), variables in files.items():
        src = source(TYOKAY.format(table=table, what=what))
        for label, var in variables.items():
            rows = src[src["pendelointi"] == label]
            body = rows[rows[area] != "KOKO MAA"].groupby("time")["values"].sum()
            assert_series(munis(ds[var]).sum("area"), body)
            assert_series(ds[var].sel(area="SSS"), rows[rows[area] == "KOKO MAA"]["values"])


@check("employment_by_age_education")
def _age_education(ds: xr.Dataset) -> None:
    files = {
        "employed_residents": ("115n", "employed_by_residence", "alue"),
        "jobs": ("115p", "jobs_by_workplace", "tyopaikan_alue"),
    }
    for var, (table, what, area) in files.items():
        src = source(TYOKAY.format(table=table, what=f"{what}_etela-savo_by_education_age"))
        rows = src[
            (src["pendelointi"] == TOTAL) & (src["koulutusaste"] != TOTAL) & (src["ika"] != TOTAL)
        ]
        cube = ds[var].sum(["education_level", "age_band"])
        body = rows[rows[area] != "KOKO MAA"].groupby("time")["values"].sum()
        assert_series(munis(cube).sum("area"), body)
        assert_series(
            cube.sel(area="SSS"), rows[rows[area] == "KOKO MAA"].groupby("time")["values"].sum()
        )


@check("jobs_by_industry")
def _jobs_by_industry(ds: xr.Dataset) -> None:
    src = source("statfin/paavo_jobs_by_industry_tol2008_by_municipality_and_region_2017.csv")
    kunta = src[src["level"] == "kunta"]
    sections = {m.group(1): c for c in src.columns if (m := re.match(r"^([A-UX]) .+, 2017", c))}
    want = pd.Series({s: kunta[c].sum() for s, c in sections.items()})
    assert_series(munis(ds["jobs"]).sum("area"), want.reindex(ds["industry"].values))
    assert ds["jobs"].sel(area="SSS").sum().item() == kunta["Workplaces, 2017 (TP)"].sum()


@check("jobs_by_industry_postcode_shares")
def _postcode_shares(ds: xr.Dataset) -> None:
    src = source("statfin/paavo_jobs_by_industry_tol2008_postcode_etela-savo_2012-2016.csv")
    sections = {c[0]: c for c in src.columns if re.match(r"^[A-UX]_", c)}
    hidden = src[list(sections.values())].isna().any(axis=1)
    shown = src[~hidden].groupby("vuosi")[list(sections.values())].sum()
    for section, col in sections.items():
        assert_series(munis(ds["jobs"]).sel(industry=section).sum("area"), shown[col])
    count = hidden.groupby(src["vuosi"]).sum()
    assert_series(munis(ds["suppressed_postcodes"]).sum("area"), count)


@check("jobs_totals_2019")
def _jobs_2019(ds: xr.Dataset) -> None:
    src = source("statfin/tyokay_115k_jobs_by_municipality_2019.csv")
    ku = src[src["area_code"].str.startswith("KU")]["jobs_in_area_tyolliset3"].sum()
    country = src[src["area_code"] == "SSS"]["jobs_in_area_tyolliset3"].item()
    assert munis(ds["jobs"]).sum().item() == ku == country
    assert ds["jobs"].sel(area="SSS").item() == country


@check("national_employment_by_industry")
def _national(ds: xr.Dataset) -> None:
    na = source(
        "national/national_accounts_employment_by_industry_finland_1975-2017.csv", na_values="."
    )
    e1 = na[
        (na["Transaction"] == "E1 Employment, domestic concept, 1000 persons")
        & (na["Sector"] == "S1 Total economy")
        & na["Industry"].str.match(r"^([A-U] |0 Industries total)")
    ]
    years = [c for c in na.columns if re.fullmatch(r"\d{4}", c)]
    want = np.nansum(np.round(e1[years].to_numpy(dtype=float) * 1000.0))
    assert float(ds["employed_na"].sum()) == want
    es = source("national/tyokay_115i_employed_by_industry_11groups_finland_2007-2023.csv")
    assert float(ds["employed_es"].sum()) == es["employed"].sum()
    eu = source("national/eurostat_national_accounts_employment_by_industry_finland_1995-2022.csv")
    eu = eu[eu["nace_r2"].str.fullmatch(r"[A-U]|TOTAL")]
    want = np.nansum(np.round(eu["EMP_DC__THS_PER"].to_numpy() * 1000.0))
    assert float(ds["employed_eurostat"].sum()) == want


# --------------------------------------------------------------------------- tests
def test_every_cube_has_a_totals_check() -> None:
    assert sorted(CHECKS) == snapshot.names()


@needs_shared
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_cube_totals_equal_the_source_files(name: str) -> None:
    CHECKS[name](snapshot.load(name))
