"""Employment source module: cube totals against the source files, mergers, bad inputs.

Real-data tests re-read the source files with plain pandas (independently of the readers) and
compare them with the committed cubes (``snapshot.load``), which
``tests/test_snapshot_build.py`` proves are exactly what the readers build now (a full rebuild
gives the same bytes), so the readers run once per test session, not once per test module.
They are skipped when the shared data folder is absent. Bad-input tests use tiny temporary files.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting import geography, snapshot
from forecasting.contract import validate
from forecasting.errors import DataError
from forecasting.io.sources import _employment_industry as ind
from forecasting.io.sources import employment as emp
from forecasting.settings import get_settings

SHARED = get_settings().data.shared_data_dir
needs_data = pytest.mark.skipif(
    not (SHARED / "statfin").is_dir(), reason=f"shared data folder {SHARED} not present"
)


def cube(name: str) -> xr.Dataset:
    """The committed cube (short names: ``postcode``, ``national``)."""
    names = {
        "postcode": "jobs_by_industry_postcode_shares",
        "national": "national_employment_by_industry",
    }
    return snapshot.load(names.get(name, name))


def munis(ds: xr.Dataset) -> xr.Dataset:
    return ds.sel(area=[a for a in ds["area"].values if str(a).isdigit()])


# --------------------------------------------------------------------------- real data
@needs_data
def test_commuting_totals_equal_source() -> None:
    ds = cube("commuting")
    validate(ds, name="commuting", counts=[str(v) for v in ds.data_vars], required_attrs=())
    n = pd.read_csv(SHARED / emp.FILE_115N)
    body = n[n["alue"] != "KOKO MAA"]
    for label, var in (
        ("Yhteensä", "employed_residents"),
        ("Asuinkuntansa ulkopuolella työssäkäyvät", "commuting_out"),
    ):
        per_year = body[body["pendelointi"] == label].groupby("time")["values"].sum()
        np.testing.assert_array_equal(munis(ds)[var].sum("area").values, per_year.to_numpy())
        np.testing.assert_array_equal(ds[var].sel(area="SSS").values, per_year.to_numpy())
    p = pd.read_csv(SHARED / emp.FILE_115P)
    jobs = p[(p["tyopaikan_alue"] != "KOKO MAA") & (p["pendelointi"] == "Yhteensä")]
    np.testing.assert_array_equal(
        munis(ds)["jobs"].sum("area").values, jobs.groupby("time")["values"].sum().to_numpy()
    )
    j17 = jobs[jobs["time"] == 2017].set_index("tyopaikan_alue")["values"]
    assert (
        ds["jobs"].sel(area="507", time="2017-12-31").item() == j17["Mäntyharju"] + j17["Pertunmaa"]
    )
    assert ds.sizes["area"] == 309  # 308 municipalities of 2025 + SSS


@needs_data
def test_employment_by_age_education_totals() -> None:
    ds = cube("employment_by_age_education")
    validate(
        ds,
        name="employment_by_age_education",
        counts=["employed_residents", "jobs"],
        required_attrs=(),
    )
    src = pd.read_csv(SHARED / emp.FILE_115P_ES)
    tot = src[
        (src["pendelointi"] == "Yhteensä")
        & (src["koulutusaste"] == "Yhteensä")
        & (src["ika"] == "Yhteensä")
    ]
    by_area = tot.pivot(index="time", columns="tyopaikan_alue", values="values")
    jobs = ds["jobs"].sum(["education_level", "age_band"])
    np.testing.assert_array_equal(jobs.sel(area="SSS").values, by_area["KOKO MAA"].to_numpy())
    np.testing.assert_array_equal(
        jobs.sel(area="507").values, (by_area["Mäntyharju"] + by_area["Pertunmaa"]).to_numpy()
    )
    members = geography.members("MK10")
    xr.testing.assert_equal(jobs.sel(area="MK10", drop=True), jobs.sel(area=members).sum("area"))
    assert {"MK10", "TA23"} <= set(ds["area"].values)
    assert "MK12" not in ds["area"].values  # only Heinävesi present: not a complete region


@needs_data
def test_jobs_by_industry_equals_workplaces_and_115p() -> None:
    ds = cube("jobs_by_industry")
    validate(ds, name="jobs_by_industry", counts=["jobs"], required_attrs=())
    src = pd.read_csv(SHARED / emp.FILE_PAAVO_2017)
    kunta = src[src["level"] == "kunta"]
    assert munis(ds)["jobs"].sum().item() == kunta["Workplaces, 2017 (TP)"].sum()
    assert ds["jobs"].sel(area="SSS").sum().item() == kunta["Workplaces, 2017 (TP)"].sum()
    # Paavo municipality totals equal the official job counts (115p) exactly.
    commuting = cube("commuting")["jobs"].sel(time="2017-12-31", drop=True)
    xr.testing.assert_equal(
        munis(ds)["jobs"].sum("industry"), commuting.sel(area=munis(ds)["area"].values, drop=True)
    )
    assert ds["industry"].values.tolist() == list(ind.SECTIONS)


@needs_data
def test_postcode_shares_equal_derived_sums() -> None:
    ds = cube("postcode")
    der = pd.read_csv(
        SHARED / "statfin/paavo_jobs_by_industry_summed_to_municipality_etela-savo_2012-2016.csv",
        dtype={"kunta_code": str},
    )
    cols = [c for c in der.columns if re.match(r"^[A-UX]_", c)]
    der["area"] = der["kunta_code"].replace({"588": "507"})
    totals = der.groupby(["area", "vuosi"])[cols].sum().sum(axis=1)
    frame = ds["jobs"].sum("industry").to_dataframe().reset_index()
    got = frame.assign(vuosi=frame["time"].dt.year).set_index(["area", "vuosi"])["jobs"]
    np.testing.assert_array_equal(got.reindex(totals.index).to_numpy(), totals.to_numpy())
    assert ds["suppressed_postcodes"].sel(area="491").min() >= 1


@needs_data
def test_jobs_totals_2019() -> None:
    ds = cube("jobs_totals_2019")
    src = pd.read_csv(SHARED / emp.FILE_115K)
    country = src[src["area_code"] == "SSS"]["jobs_in_area_tyolliset3"].item()
    assert ds["jobs"].sel(area="SSS").item() == country
    assert munis(ds)["jobs"].sum().item() == country
    ta23 = ds["jobs"].sel(area=geography.members("TA23")).sum().item()
    assert ds["jobs"].sel(area="TA23").item() == ta23


@needs_data
def test_national_employment() -> None:
    ds = cube("national")
    validate(
        ds,
        name="national",
        counts=["employed_na", "employed_es", "employed_eurostat"],
        required_attrs=(),
    )
    na = pd.read_csv(SHARED / emp.FILE_NA)
    total = na[(na["Industry"] == "0 Industries total") & na["Transaction"].str.startswith("E1 ")]
    got = ds["employed_na"].sel(industry="TOTAL", time=slice("1975", "2017")).values
    np.testing.assert_allclose(got, total.iloc[0, 3:].astype(float).to_numpy() * 1000)
    sections = ds["employed_na"].sel(industry=list("ABCDEFGHIJKLMNOPQRST")).sum("industry")
    diff = (sections - ds["employed_na"].sel(industry="TOTAL")).sel(time=slice("1975", "2017"))
    assert float(abs(diff).max()) <= 1000  # rounding of the 0.1-thousand figures
    es = pd.read_csv(SHARED / emp.FILE_115I)
    assert (
        ds["employed_es"].sel(industry="TOTAL", time="2023-12-31").item()
        == es[(es["industry_code"] == "SSS") & (es["year"] == 2023)]["employed"].item()
    )
    assert (
        ds["employed_es"].sel(industry="A", time="2023-12-31").item()
        == es[(es["industry_code"] == "ATA") & (es["year"] == 2023)]["employed"].item()
    )


# --------------------------------------------------------------------------- bad inputs
N_HEADER = "alue,pendelointi,koulutusaste,ika,time,values"
N_ROWS = [
    "KOKO MAA,Yhteensä,Yhteensä,Yhteensä,1987,30.0",
    "KOKO MAA,Asuinkunnassaan työssäkäyvät,Yhteensä,Yhteensä,1987,20.0",
    "KOKO MAA,Asuinkuntansa ulkopuolella työssäkäyvät,Yhteensä,Yhteensä,1987,10.0",
    "Pertunmaa,Yhteensä,Yhteensä,Yhteensä,1987,30.0",
    "Pertunmaa,Asuinkunnassaan työssäkäyvät,Yhteensä,Yhteensä,1987,20.0",
    "Pertunmaa,Asuinkuntansa ulkopuolella työssäkäyvät,Yhteensä,Yhteensä,1987,10.0",
]


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows, ""]), encoding="utf-8")
    return path


def test_tyokay_tiny_file(tmp_path: Path) -> None:
    ds = emp.read_tyokay(write(tmp_path / "n.csv", N_HEADER, N_ROWS), emp.COMMUTING_N)
    assert ds["employed_residents"].sel(area="588").item() == 30
    emp.check_country(ds, "n.csv")


@pytest.mark.parametrize(
    ("rows", "message", "row"),
    [
        ([*N_ROWS, "Ristiina,Yhteensä,Yhteensä,Yhteensä,1987,1"], "unknown municipality", 8),
        ([*N_ROWS, "Pertunmaa,Yhteensä,Yhteensä,Yhteensä,1987,1"], "duplicate key", 8),
        ([*N_ROWS, "Juva,Yhteensä,Yhteensä,Yhteensä,1987,-1"], "negative count", 8),
        ([*N_ROWS, "Juva,Pendelöijät,Yhteensä,Yhteensä,1987,1"], "unexpected label", 8),
        ([*N_ROWS, "Juva,Yhteensä,Perusaste,Yhteensä,1987,1"], "unexpected label", 8),
        ([*N_ROWS, "Juva,Yhteensä,Yhteensä,1987,1"], "expected 6 fields", 8),
        ([*N_ROWS, "Juva,Yhteensä,Yhteensä,Yhteensä,19x7,1"], "not a year", 8),
        ([*N_ROWS, "Juva,Yhteensä,Yhteensä,Yhteensä,1987,1.5"], "non-integer", 8),
    ],
)
def test_tyokay_bad_rows(tmp_path: Path, rows: list[str], message: str, row: int) -> None:
    with pytest.raises(DataError, match=message) as info:
        emp.read_tyokay(write(tmp_path / "n.csv", N_HEADER, rows), emp.COMMUTING_N)
    assert info.value.row == row
    assert "n.csv" in str(info.value)


def test_tyokay_suppressed_cell(tmp_path: Path) -> None:
    rows = [*N_ROWS[:3], "Pertunmaa,Yhteensä,Yhteensä,Yhteensä,1987,", *N_ROWS[4:]]
    ds = emp.read_tyokay(write(tmp_path / "n.csv", N_HEADER, rows), emp.COMMUTING_N)
    assert np.isnan(ds["employed_residents"].sel(area="588").item())
    assert ds["employed_residents_status"].sel(area="588").item() == 3


def test_country_check_fails(tmp_path: Path) -> None:
    rows = [N_ROWS[0].replace("30.0", "31.0"), *N_ROWS[1:]]
    ds = emp.read_tyokay(write(tmp_path / "n.csv", N_HEADER, rows), emp.COMMUTING_N)
    with pytest.raises(DataError, match="KOKO MAA"):
        emp.check_country(ds, "n.csv")


PAAVO_SECTIONS = [f'"{s} Section {s}, 2017 (TP)"' for s in ind.SECTIONS]
PAAVO_HEADER = ",".join(
    [
        "area",
        "level",
        "kunta_code_matched_from_115k_label",
        '"Workplaces, 2017 (TP)"',
        *PAAVO_SECTIONS,
    ]
)


def paavo_row(name: str, code: str, total: int, first: int) -> str:
    return ",".join([name, "kunta", code, str(total), str(first), *["0"] * 21])


def test_paavo_sections_must_sum_to_total(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", PAAVO_HEADER, [paavo_row("Juva", "KU178", 10, 9)])
    with pytest.raises(DataError, match="sections sum to") as info:
        emp.read_jobs_by_industry(path)
    assert info.value.row == 2


def test_paavo_name_code_mismatch(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", PAAVO_HEADER, [paavo_row("Juva", "KU491", 9, 9)])
    with pytest.raises(DataError, match="name 'Juva' does not match code '491'") as info:
        emp.read_jobs_by_industry(path)
    assert info.value.row == 2


def test_paavo_missing_section(tmp_path: Path) -> None:
    header = PAAVO_HEADER.replace("X Section X, 2017 (TP)", "Y Other, 2017 (TP)")
    with pytest.raises(DataError, match=r"missing or repeated: \['X'\]"):
        emp.read_jobs_by_industry(write(tmp_path / "p.csv", header, []))


def test_postcode_duplicate(tmp_path: Path) -> None:
    cols = [f"{s}_Nimi" for s in ind.SECTIONS]
    header = ",".join(["kunta_code", "postinumero", "vuosi", *cols])
    row = ",".join(["178", "51900", "2012", *["1.0"] * 22])
    with pytest.raises(DataError, match="duplicate key") as info:
        emp.read_postcode_shares(write(tmp_path / "q.csv", header, [row, row]))
    assert info.value.row == 3


def test_115k_year_and_name(tmp_path: Path) -> None:
    header = "area_code,area_name_en,year,jobs_in_area_tyolliset3"
    with pytest.raises(DataError, match="unexpected label '2018'"):
        emp.read_jobs_2019(write(tmp_path / "k.csv", header, ["KU178,Juva,2018,5"]))
    with pytest.raises(DataError, match="name 'Mikkeli' does not match code '178'"):
        emp.read_jobs_2019(write(tmp_path / "k.csv", header, ["KU178,Mikkeli,2019,5"]))


def test_115i_unknown_industry(tmp_path: Path) -> None:
    header = "area,industry_code,industry_label,sex,year,employed"
    rows = ["SSS,SSS,Industries total,SSS,2007,10", "SSS,G,G Trade (Level 1),SSS,2007,5"]
    with pytest.raises(DataError, match="unexpected label 'G'") as info:
        ind.read_115i(write(tmp_path / "i.csv", header, rows))
    assert info.value.row == 3


def test_national_accounts_not_a_number(tmp_path: Path) -> None:
    header = '"Industry","Sector","Transaction","1975"'
    rows = ['"A Agri","S1 Total economy","E1 Employment, domestic concept, 1000 persons",x1']
    with pytest.raises(DataError, match="not a number"):
        ind.read_national_accounts(write(tmp_path / "a.csv", header, rows))


def test_eurostat_wrong_country(tmp_path: Path) -> None:
    header = "geo,time,nace_r2,EMP_DC__THS_PER"
    with pytest.raises(DataError, match="unexpected label 'SE'"):
        ind.read_eurostat(write(tmp_path / "e.csv", header, ["SE,1995.0,C,1.0"]))


def test_tyokay_wrong_encoding(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes("\n".join([N_HEADER, *N_ROWS, ""]).encode("latin-1"))
    with pytest.raises(DataError, match="not valid utf-8") as info:
        emp.read_tyokay(path, emp.COMMUTING_N)
    assert info.value.row == 2  # "Yhteensä" in the first data row
