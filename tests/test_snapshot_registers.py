"""The register cubes against the shared source extracts (re-read here with plain pandas)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting import geography, snapshot
from forecasting.io.sources import registers
from forecasting.settings import get_settings

SHARED = get_settings().data.shared_data_dir
needs_shared = pytest.mark.skipif(
    not (SHARED / registers.FILE_12R5).exists(),
    reason=f"shared source extracts not found at {SHARED} (fresh machine without ../shared)",
)


def _source(rel: str) -> pd.DataFrame:
    return pd.read_csv(Path(SHARED) / rel, dtype=str, keep_default_na=False)


def _numeric(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for col in columns:
        out[col] = pd.to_numeric(out[col].replace("", np.nan))
    return out


def _harmonised(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Sum rows by ``keys``; a group is NaN if any member is NaN (a suppressed part)."""
    sums = frame.groupby(keys)[columns].sum(min_count=1)
    has_nan = frame[columns].isna().groupby([frame[k] for k in keys]).any()
    return sums.where(~has_nan)


@pytest.fixture(scope="module")
def cube_registers() -> xr.Dataset:
    """The months of the CSV extract (2006-01..2023-10)."""
    return snapshot.load("registers").sel(time=slice(None, "2023-10-01"))


@pytest.fixture(scope="module")
def june_2026() -> xr.Dataset:
    """The month of the 2026 PxWeb json."""
    return snapshot.load("registers").sel(time="2026-06-01")


def test_mikkeli_area_2026_reference_values(june_2026: xr.Dataset) -> None:
    # Reference: shared/data/README.md, statfin-2026 checks: the six TA23 municipalities
    # summed, 2026M06: labour force 32,675, unemployed 3,675, of whom 1,483 long-term.
    ta23 = june_2026.sel(area="TA23")
    assert float(ta23["labour_force"]) == 32_675
    assert float(ta23["unemployed"]) == 3_675
    assert float(ta23["long_term_unemployed"]) == 1_483
    assert int(ta23["unemployed_status"]) == 0
    # the rate is published for municipalities, regions and the country only
    assert np.isnan(float(ta23["unemployment_rate_published"]))
    assert int(ta23["unemployment_rate_published_status"]) == 1
    assert float(june_2026["unemployment_rate_published"].sel(area="MK10")) == 11.7


@needs_shared
def test_2026_regions_equal_published_and_country_at_most_published(
    june_2026: xr.Dataset,
) -> None:
    doc = json.loads((Path(SHARED) / registers.FILE_12R5_2026).read_text(encoding="utf-8"))
    codes = [c["code"] for c in doc["columns"] if c["type"] == "c"]
    rows = {r["key"][0]: dict(zip(codes, r["values"], strict=True)) for r in doc["data"]}
    regions = [a for a in map(str, june_2026["area"].values) if a.startswith("MK")]
    for code, var in registers.VARS_12R5_ALL.items():
        for region in regions:
            want = rows[region][code]
            got = float(june_2026[var].sel(area=region))
            assert (np.isnan(got) and want == "...") or got == float(want), (region, var)
        if var != registers.RATE_VAR:
            # a region hidden in the source leaves the country unknown (NaN)
            country = float(june_2026[var].sel(area="SSS"))
            by_region = float(june_2026[var].sel(area=regions).sum(skipna=False))
            assert country == by_region or (np.isnan(country) and np.isnan(by_region)), var
            assert not country > float(rows["SSS"][code]), var


def test_the_gap_between_the_extracts_is_missing() -> None:
    ds = snapshot.load("registers")
    gap = ds.sel(time=slice("2023-11-01", "2026-05-01"))
    assert gap.sizes["time"] == 31 and ds.sizes["time"] == 246
    for var in registers.VARS_12R5_ALL.values():
        assert bool(gap[var].isnull().all()), var
        assert bool((gap[f"{var}_status"] == 1).all()), var
    new = [v for v in registers.VARS_12R5_ALL.values() if v not in registers.VARS_12R5.values()]
    before = ds[new].sel(time=slice(None, "2026-05-01"))
    assert all(bool(before[v].isnull().all()) for v in new)


@needs_shared
def test_registers_equal_source_cell_by_cell_and_in_total(cube_registers: xr.Dataset) -> None:
    cols = list(registers.VARS_12R5)
    src = _numeric(_source(registers.FILE_12R5), cols)
    ku = src[src["alue"].str.startswith("KU")].copy()
    ku["area"] = ku["alue"].str[2:].replace(geography.merger_map())
    ku["time"] = pd.to_datetime(ku["month"] + "-01")
    expected = _harmonised(ku, ["area", "time"], cols)
    munis = list(geography.municipalities().index)
    for col, var in registers.VARS_12R5.items():
        got = cube_registers[var].sel(area=munis).to_series()
        want = expected[col].reindex(got.index)
        pd.testing.assert_series_equal(got, want, check_names=False, check_dtype=False)
        assert np.nansum(got) == np.nansum(want)
        # totals of all source rows that survive harmonising (every cell except merged halves)
        assert np.nansum(got) <= np.nansum(ku[col])


@needs_shared
def test_region_sums_match_published_regions_where_nothing_is_suppressed(
    cube_registers: xr.Dataset,
) -> None:
    cols = list(registers.VARS_12R5)
    src = _numeric(_source(registers.FILE_12R5), cols)
    src["time"] = pd.to_datetime(src["month"] + "-01")
    ku = src[src["alue"].str.startswith("KU")].copy()
    ku["area"] = ku["alue"].str[2:].replace(geography.merger_map())
    ku["region"] = ku["area"].map(geography.municipalities()["region"])
    computed = _harmonised(ku, ["region", "time"], cols)
    published = src[src["alue"].str.startswith("MK")].set_index(["alue", "time"])[cols]
    published.index.names = ["region", "time"]
    both = computed.notna() & published.reindex(computed.index).notna()
    checked = 0
    for col in cols:
        mask = both[col]
        assert (computed.loc[mask, col] == published.reindex(computed.index).loc[mask, col]).all()
        checked += int(mask.sum())
    assert checked > 8000
    # The cube's MK rows equal the published totals everywhere (filled where members hide).
    for col, var in registers.VARS_12R5.items():
        cube = cube_registers[var].sel(area=sorted(published.index.levels[0])).to_series()
        want = published[col].reindex(cube.index)
        pd.testing.assert_series_equal(cube, want, check_names=False, check_dtype=False)


@needs_shared
def test_country_is_the_sum_of_regions_and_at_most_the_published_total(
    cube_registers: xr.Dataset,
) -> None:
    src = _numeric(_source(registers.FILE_12R5), list(registers.VARS_12R5))
    sss = src[src["alue"] == "SSS"]
    regions = [a for a in cube_registers["area"].values if str(a).startswith("MK")]
    for col, var in registers.VARS_12R5.items():
        country = cube_registers[var].sel(area="SSS").values
        assert np.array_equal(country, cube_registers[var].sel(area=regions).sum("area").values)
        published = sss[col].to_numpy(dtype=float)
        assert np.all(country <= published)
    # The labour force has no "municipality unknown" part: equal to the published total.
    lf = cube_registers["labour_force"].sel(area="SSS").values
    assert np.array_equal(lf, sss["TYOVOIMATK"].to_numpy(dtype=float))


def test_mikkeli_area_reference_values(cube_registers: xr.Dataset) -> None:
    # Reference: shared/data/README.md and the Mikkeli region service plan: labour force of
    # the six municipalities 2023-10 = 32,407.
    lf = cube_registers["labour_force"].sel(area="TA23", time="2023-10-01")
    assert float(lf) == 32407.0
    assert "588" not in cube_registers["area"].values
    members = cube_registers["unemployed"].sel(area=geography.members("TA23"), time="2023-10-01")
    assert float(members.sum()) == float(
        cube_registers["unemployed"].sel(area="TA23", time="2023-10-01")
    )


def test_status_flags_mark_exactly_the_missing_cells(cube_registers: xr.Dataset) -> None:
    for name in snapshot.names():
        ds = snapshot.load(name)
        for var in [v for v in ds.data_vars if f"{v}_status" in ds]:
            isnan = ds[var].isnull()
            status = ds[f"{var}_status"]
            assert status.dtype == np.int8
            assert ((status == 0) == ~isnan).all(), f"{name}.{var}"


@needs_shared
def test_occupations_equal_source_and_absent_rows_are_suppressed() -> None:
    cube = snapshot.load("occupations")
    cols = list(registers.VARS_12TI)
    src = _numeric(_source(registers.FILE_12TI), cols)
    src["time"] = pd.to_datetime(src["month"] + "-01")
    src = src.set_index(["alue", "ammattiryhma", "time"])
    src.index.names = ["area", "occupation", "time"]
    for col, var in registers.VARS_12TI.items():
        got = cube[var].to_series()
        pd.testing.assert_series_equal(
            got, src[col].reindex(got.index), check_names=False, check_dtype=False
        )
        assert np.nansum(got) == np.nansum(src[col])
        absent = ~got.index.isin(src.index)
        assert (cube[f"{var}_status"].to_series()[absent] == 3).all()
    assert cube["occupation"].dtype.kind in "OU"
    assert "0110" in cube["occupation"].values  # leading zeros kept


@needs_shared
def test_vacancy_flows_equal_source_after_name_mapping_and_merging() -> None:
    cube = snapshot.load("vacancy_flows")
    counts = {k: v for k, v in registers.VARS_2310.items() if v != "mean_days_open"}
    src = _numeric(_source(registers.FILE_2310), list(registers.VARS_2310))
    munis = geography.municipalities()
    names = dict(zip(munis["name_fi"], munis.index, strict=True))
    names |= {"Pertunmaa": "507", "Honkajoki": "214", "Maarianhamina - Mariehamn": "478"}
    src["area"] = src["kunta"].map(names)
    assert src["area"].notna().all()
    src["time"] = pd.to_datetime(src["time"] + "-01")
    expected = _harmonised(src, ["area", "time"], list(counts))
    for col, var in counts.items():
        got = cube[var].to_series()
        pd.testing.assert_series_equal(
            got, expected[col].reindex(got.index), check_names=False, check_dtype=False
        )
    plain = src[~src["area"].isin(["507", "214"])].set_index(["area", "time"])
    mean_col = "Tayttyneiden_tyopaikkojen_avoinnaolon_km_kesto_paivaa"
    got = cube["mean_days_open"].to_series().reindex(plain.index)
    pd.testing.assert_series_equal(got, plain[mean_col], check_names=False, check_dtype=False)
    assert cube.sizes["area"] == 308
