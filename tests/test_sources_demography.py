"""Demography source module: cube totals against the source files, mergers, bad inputs.

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
from forecasting.io.sources import _areas as areas
from forecasting.io.sources import _demography_rates as demo_rates
from forecasting.io.sources import demography as demo
from forecasting.settings import get_settings

SHARED = get_settings().data.shared_data_dir
needs_data = pytest.mark.skipif(
    not (SHARED / "statfin").is_dir(), reason=f"shared data folder {SHARED} not present"
)


def cube(name: str) -> xr.Dataset:
    """The committed cube."""
    return snapshot.load(name)


def munis(ds: xr.Dataset) -> xr.Dataset:
    return ds.sel(area=[a for a in ds["area"].values if str(a).isdigit()])


def read_11re_plain(year: int) -> pd.DataFrame:
    path = SHARED / demo.FILE_11RE.format(year=year)
    sep = "," if year == 2018 else ";"
    return pd.read_csv(path, encoding="latin-1", sep=sep, skiprows=2)


# --------------------------------------------------------------------------- real data
@needs_data
@pytest.mark.parametrize("year", demo.YEARS_11RE)
def test_population_totals_equal_source(year: int) -> None:
    src = read_11re_plain(year)
    ds = cube("population")
    validate(ds, name="population", counts=["population"], required_attrs=())
    t = np.datetime64(f"{year}-12-31")
    for sex, label in (("M", "Miehet"), ("F", "Naiset")):
        col = f"{label} {year} Väestö 31.12."
        body = src[(src["Alue"] != "KOKO MAA") & (src["Ikä"] != "Yhteensä")]
        country = src[(src["Alue"] == "KOKO MAA") & (src["Ikä"] == "Yhteensä")][col].item()
        harmonised = munis(ds)["population"].sel(time=t, sex=sex).sum().item()
        assert harmonised == body[col].sum() == country
        assert ds["population"].sel(area="SSS", time=t, sex=sex).sum().item() == country


@needs_data
def test_population_merger_and_employment_area() -> None:
    src = read_11re_plain(2019)
    ds = cube("population").sel(time="2019-12-31")
    rows = src[src["Ikä"] == "Yhteensä"].set_index("Alue")["Yhteensä 2019 Väestö 31.12."]
    assert ds["population"].sel(area="507").sum().item() == rows["Mäntyharju"] + rows["Pertunmaa"]
    assert "588" not in ds["area"].values
    members = geography.members("TA23")
    assert ds["population"].sel(area="TA23").sum().item() == pytest.approx(
        ds["population"].sel(area=members).sum().item()
    )
    assert ds["population"].sel(area="478").sum().item() == rows["Maarianhamina - Mariehamn"]


@needs_data
def test_population_totals_cube() -> None:
    src = pd.read_csv(SHARED / demo.FILE_TOTALS)
    ds = cube("population_totals")
    per_year = src.groupby("year")["population"].sum()
    got = munis(ds)["population"].sel(time=slice(None, "2022-12-31")).sum("area").to_series()
    np.testing.assert_array_equal(got.to_numpy(), per_year.to_numpy())
    old = ds["population"].sel(area="SSS", time=slice(None, "2022-12-31")).values
    np.testing.assert_array_equal(old, per_year.to_numpy())
    y2000 = src[src["year"] == 2000].set_index("municipality_code")["population"]
    assert ds["population"].sel(area="507", time="2000-12-31").item() == y2000[507] + y2000[588]


@needs_data
def test_migration_totals_equal_source() -> None:
    src = pd.read_csv(SHARED / demo.FILE_MIGRATION)
    ds = cube("migration")
    for kind, var in demo.MIGRATION_KINDS.items():
        per_year = src[src["Tiedot"] == kind].groupby("Vuosi")["values"].sum()
        np.testing.assert_array_equal(ds[var].sum("area").values, per_year.to_numpy())
    assert ds.sizes["area"] == 308
    assert ds["net_migration"].min() < 0


@needs_data
def test_projection_totals_equal_source() -> None:
    src = pd.read_csv(SHARED / demo.FILE_VAENN, dtype={"alue": str})
    ds = cube("projection_2019")
    validate(
        ds, name="projection_2019", counts=["population", "population_total"], required_attrs=()
    )
    country = src[(src["alue"] == "SSS") & (src["ika"] == 999)]["vaesto_e19"].to_numpy()
    np.testing.assert_array_equal(ds["population_total"].sel(area="SSS").values, country)
    np.testing.assert_array_equal(munis(ds)["population_total"].sum("area").values, country)
    np.testing.assert_array_equal(ds["population"].sel(area="SSS").sum("age").values, country)


@needs_data
def test_regional_demography_matches_source() -> None:
    ds = cube("regional_demography")
    validate(ds, name="regional_demography", counts=["population"], required_attrs=())
    pop = pd.read_csv(SHARED / "region/population_female_single_age_1972-2022.tsv", sep="\t")
    mk10 = pop[pop["reg_code"] == 10]["2022"].sum()
    assert ds["population"].sel(area="MK10", sex="F", time="2022-12-31").sum().item() == mk10
    rates = pd.read_csv(SHARED / "region/net_migration_rates_derived_1990-2022.tsv", sep="\t")
    south_savo = rates[rates["name"] == "South Savo"]["2000"].item()
    got = ds["net_migration_rate"].sel(area="MK10", time="2000-12-31").item()
    assert got == pytest.approx(south_savo, rel=1e-12)
    regions = ds["population"].drop_sel(area="SSS").sum("area")
    xr.testing.assert_equal(regions, ds["population"].sel(area="SSS", drop=True))
    assert np.isnan(ds["total_fertility_rate"].sel(time="1980-12-31")).all()
    assert (ds["total_fertility_rate_status"].sel(time="1980-12-31") == 1).all()


@needs_data
def test_mortality_and_fertility() -> None:
    mort = cube("national_mortality")
    validate(mort, name="national_mortality", counts=["death_rate"], required_attrs=())
    src = pd.read_csv(SHARED / demo.FILE_HMD, sep=r"\s+", na_values=".")
    src = src[src["Age"].str.isdigit()]
    young = src[src["Age"].astype(int) < 100]
    assert mort["death_rate"].sel(sex="F", age=slice(0, 99)).sum().item() == pytest.approx(
        young["Female"].sum()
    )
    old = mort["death_rate_oldest"]
    top = mort["death_rate"].sel(age=100)
    assert bool(((top >= old.min("age_oldest")) & (top <= old.max("age_oldest"))).all())
    fert = cube("national_fertility")
    hfd = pd.read_csv(SHARED / demo.FILE_HFD, sep=r"\s+")
    tfr = hfd.groupby("Year")["ASFR"].sum().to_numpy()
    np.testing.assert_allclose(fert["fertility_rate"].sum("age").values, tfr)
    assert fert["age"].values.tolist() == list(range(12, 56))


# --------------------------------------------------------------------------- pure functions
def test_open_interval_rate_constant_hazard() -> None:
    # A constant rate m at every age gives the open-interval rate m (stationary population).
    assert demo_rates.open_interval_rate(np.full(11, 0.6)) == pytest.approx(0.6)


def test_open_interval_rate_fills_gaps() -> None:
    rates = np.array([0.5, np.nan, 0.7, 0.0, 0.9, 1.1, 1.3, np.nan, 2.0, 5.0, np.nan])
    value = demo_rates.open_interval_rate(rates)
    assert 0.5 < value < 5.0
    assert np.isnan(demo_rates.open_interval_rate(np.array([np.nan, 0.5])))


def test_name_table_merged_and_bilingual() -> None:
    table = areas.name_table(("fi", "sv"))
    assert table["pertunmaa"] == "588"  # keys are casefolded
    assert areas.code_of_name("PERTUNMAA", table) == "588"
    assert areas.code_of_name("S:t Michel", table) == "491"
    assert areas.code_of_name("Maarianhamina - Mariehamn", table) == "478"
    assert areas.code_of_name("KOKO MAA", table) == "SSS"
    assert areas.code_of_name("Atlantis", table) is None
    assert areas.code_of_name("KOKO MAA", table, country=False) is None


# --------------------------------------------------------------------------- bad inputs
HEADER_2019 = (
    '"Alue";"Ikä";"Yhteensä 2019 Väestö 31.12.";"Miehet 2019 Väestö 31.12.";'
    '"Naiset 2019 Väestö 31.12."'
)


def write_11re(path: Path, rows: list[str], *, encoding: str = "latin-1") -> Path:
    title = '"11re -- Väestö iän (1-v.) ja sukupuolen mukaan alueittain, 1972-2019"'
    path.write_bytes("\n".join([title, "", HEADER_2019, *rows, ""]).encode(encoding))
    return path


GOOD_11RE = [
    '"KOKO MAA";"Yhteensä";30;16;14',
    '"KOKO MAA";"0";20;10;10',
    '"KOKO MAA";"100 -";10;6;4',
    '"Mäntyharju";"Yhteensä";20;11;9',
    '"Mäntyharju";"0";12;6;6',
    '"Mäntyharju";"100 -";8;5;3',
    '"Pertunmaa";"Yhteensä";10;5;5',
    '"Pertunmaa";"0";8;4;4',
    '"Pertunmaa";"100 -";2;1;1',
]


def test_11re_tiny_file_harmonises(tmp_path: Path) -> None:
    munis_ds, country = demo.population_year(write_11re(tmp_path / "p.csv", GOOD_11RE))
    assert munis_ds["area"].values.tolist() == ["507"]
    assert munis_ds["population"].sel(area="507", sex="M", age=100).item() == 6
    assert country["population"].sel(area="SSS").sum().item() == 30


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([*GOOD_11RE[:3], '"Atlantis";"0";1;1;0'], "unknown municipality name 'Atlantis'"),
        ([*GOOD_11RE, '"Pertunmaa";"0";8;4;4'], "duplicate key"),
        ([*GOOD_11RE[:4], '"Mäntyharju";"0";-2;-1;-1'], "negative count"),
        ([*GOOD_11RE[:4], '"Mäntyharju";"0";12;6'], "expected 5 fields"),
        ([*GOOD_11RE[:4], '"Mäntyharju";"vauva";12;6;6'], "unknown age label"),
        ([*GOOD_11RE[:4], '"Mäntyharju";"0";12;6;5', *GOOD_11RE[5:]], "total != men + women"),
        ([*GOOD_11RE[:4], '"Mäntyharju";"0";13;7;6', *GOOD_11RE[5:]], "sum over ages"),
    ],
)
def test_11re_bad_rows(tmp_path: Path, rows: list[str], message: str) -> None:
    with pytest.raises(DataError, match=re.escape(message)) as info:
        demo.population_year(write_11re(tmp_path / "p.csv", rows))
    assert "p.csv" in str(info.value)


def test_11re_wrong_encoding(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="UTF-8, expected Latin-1"):
        demo.read_11re(write_11re(tmp_path / "p.csv", GOOD_11RE, encoding="utf-8"))


def test_11re_row_number_of_unknown_name(tmp_path: Path) -> None:
    path = write_11re(tmp_path / "p.csv", [*GOOD_11RE, '"Atlantis";"0";1;1;0'])
    with pytest.raises(DataError) as info:
        demo.read_11re(path)
    assert info.value.row == 13  # title, blank, header, 9 good rows, then this one


def test_population_totals_bad_code(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("municipality_code,population,year\n5,100,2000\n5x,3,2000\n")
    with pytest.raises(DataError, match="not a municipality code") as info:
        demo.read_population_totals(path)
    assert info.value.row == 3


def test_population_totals_suppressed_cell_is_nan(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("municipality_code,population,year\n507,100,2000\n588,,2000\n")
    ds = demo.read_population_totals(path)
    assert np.isnan(ds["population"].sel(area="507").item())  # part unknown -> sum unknown
    assert ds["population_status"].sel(area="507").item() == 3


def test_migration_name_code_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "Alue,Vuosi,seutukunta,maakunta,kuntaryhma,kunta_no,aluetyyppi,vakiluku,Tiedot,values\n"
        "Akaa,1990,x,x,x,020,x,1.0,tulomuutto,5.0\n"
        "Juva,1990,x,x,x,020,x,1.0,lahtomuutto,5.0\n"
    )
    with pytest.raises(DataError, match="does not match code") as info:
        demo.read_migration(path)
    assert info.value.row == 3


def test_projection_bad_age(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("alue,time,ika,vaesto_e19\nSSS,2019,999,5\nSSS,2019,101,5\n")
    with pytest.raises(DataError, match="age 101 > 100"):
        demo.read_projection(path)


def test_projection_total_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text(
        "alue,time,ika,vaesto_e19\nSSS,2019,999,5\nSSS,2019,0,4\n507,2019,999,5\n507,2019,0,4\n"
    )
    with pytest.raises(DataError, match="sum over ages vs ika 999"):
        demo.read_projection(path)


def test_region_code_checked_against_name(tmp_path: Path) -> None:
    path = tmp_path / "r.tsv"
    path.write_text("country_code\treg_code\tname\tinclude_code\t1990\n246\t10\tUusimaa\t2\t1.5\n")
    spec = demo_rates.RegionSpec("total_fertility_rate", "r.tsv", "reg_code")
    with pytest.raises(DataError, match="does not name region 'Uusimaa'"):
        demo_rates.read_region_file(path, spec)
    # Reading the region code from the wrong column is caught the same way.
    path.write_text("country_code\treg_code\tname\tinclude_code\t1990\n246\t10\tSouth Savo\t2\t1\n")
    wrong = demo_rates.RegionSpec("total_fertility_rate", "r.tsv", "country_code")
    with pytest.raises(DataError, match="does not name region"):
        demo_rates.read_region_file(path, wrong)


def test_hmd_malformed_row(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_text(" Year Age Female Male Total\n 1990 0 0.1 0.2 0.15\n 1990 1 0.1 0.2\n")
    with pytest.raises(DataError, match="expected 5 fields") as info:
        demo.read_mortality(path)
    assert info.value.row == 3


def test_hmd_negative_rate(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_text(" Year Age Female Male Total\n 1990 0 -0.1 0.2 0.15\n")
    with pytest.raises(DataError, match="negative"):
        demo.read_mortality(path)


def test_hfd_wrong_country(tmp_path: Path) -> None:
    path = tmp_path / "f.txt"
    path.write_text("Code Year Age ASFR\nFIN 1939 12- 0.0\nSWE 1939 13 0.0\n")
    with pytest.raises(DataError, match="is not FIN") as info:
        demo.read_fertility(path)
    assert info.value.row == 3
