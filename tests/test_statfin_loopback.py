"""The refresh over real HTTP on 127.0.0.1, answered from REAL recorded StatFin responses.

The server (:mod:`tests.fake_pxweb`) rebuilds each table from a verbatim PxWeb "json"
response of 2025-2026 (``statfin-2026/`` of the shared source data, Statistics Finland /
KEHA-keskus, CC BY 4.0); reference figures are those of that folder's README (checked there
against the Mikkeli region service plan and the region files). Nothing here touches the internet.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from forecasting import geography
from forecasting.contract import STATUS_CODES
from forecasting.errors import DataError, SchemaDriftError
from forecasting.io.refresh import MANIFEST, RefreshReport, load_cached, refresh
from forecasting.io.statfin import StatFinClient
from forecasting.settings import get_settings
from tests.fake_pxweb import (
    FILES,
    RECORDED,
    FakePxWebServer,
    RecordedTable,
    next_month,
    serving,
    standard_tables,
    with_next_month,
)

pytestmark = pytest.mark.skipif(not RECORDED.is_dir(), reason="recorded responses not here")
CUBES = [
    "registers",
    "occupations",
    "population",
    "population_change",
    "education_levels",
    "population_totals",
    "commuting",
    "jobs_totals_2019",
]
TA23 = geography.members("TA23")  # 097 178 213 491 507 623


def client(server: FakePxWebServer, sleeps: list[float] | None = None) -> StatFinClient:
    """A client of the loopback server; backoff sleeps are recorded, not slept."""
    return StatFinClient(
        server.base_url,
        "fi",
        sleep=(sleeps if sleeps is not None else []).append,
        rng=random.Random(0),
    )


def files_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, RefreshReport, dict]]:
    """One refresh of every recorded cube; the first POST is answered 429 (Retry-After: 1)."""
    cache = tmp_path_factory.mktemp("cache")
    sleeps: list[float] = []
    with serving() as server:
        server.fail_next_posts = 1
        report = refresh(cache, client=client(server, sleeps), tables=CUBES, today=date(2026, 8, 1))
        log = list(server.log)
    yield cache, report, {"sleeps": sleeps, "log": log}


def recorded_rows(table: str) -> tuple[list[str], list[dict]]:
    doc = json.loads((RECORDED / FILES[table]).read_text(encoding="utf-8"))
    return [c["code"] for c in doc["columns"] if c["type"] == "c"], doc["data"]


def test_reference_figures_over_http(first: tuple[Path, RefreshReport, dict]) -> None:
    cache, report, meta = first
    reg = load_cached(cache, "registers").sel(time="2026-06-01")
    ta23 = reg.sel(area="TA23")
    assert float(ta23["unemployed"]) == 3675
    assert float(ta23["labour_force"]) == 32675
    assert float(ta23["long_term_unemployed"]) == 1483
    pop = load_cached(cache, "population").sel(time="2025-12-31")
    assert float(pop["population"].sel(area="MK10").sum()) == 128144
    change = load_cached(cache, "population_change").sel(time="2025-12-31")
    assert float(change["population"].sel(area="MK10")) == 128144
    # the 429 was retried after its Retry-After, and the report counts that request
    assert [e[2] for e in meta["log"]].count(429) == 1 and meta["sleeps"][0] >= 1.0
    assert report.requests == len(meta["log"])
    assert report.changed == tuple(CUBES)  # no previous cache: everything is new


def test_every_recorded_cell_is_in_the_cube(first: tuple[Path, RefreshReport, dict]) -> None:
    """Each municipality cell of 12r5, 121w and 12bs is in its cube; `...` is NaN, status 3."""
    cache, _, _ = first
    config = {
        "tyonv/12r5.px": "registers",
        "vaerak/121w.px": "population_change",
        "vkour/12bs.px": "education_levels",
    }
    checked = suppressed = 0
    for table, name in config.items():
        cube = load_cached(cache, name).isel(time=-1)
        codes, rows = recorded_rows(table)
        by_area = {k: r["values"] for r in rows for k in r["key"] if k.startswith("KU")}
        areas = [a for a in map(str, cube["area"].values) if f"KU{a}" in by_area]
        assert len(areas) == 308
        for var in (v for v in cube.data_vars if not str(v).endswith("_status")):
            k = codes.index(cube[var].attrs["statfin_code"])
            cells = np.array([by_area[f"KU{a}"][k] for a in areas])
            got = cube[var].sel(area=areas).values
            status = cube[f"{var}_status"].sel(area=areas).values
            hidden = np.isin(cells, [c for c in STATUS_CODES if c.startswith(".")])
            assert np.isnan(got[hidden]).all()
            assert status[hidden].tolist() == [STATUS_CODES[c] for c in cells[hidden]]
            np.testing.assert_array_equal(got[~hidden], cells[~hidden].astype(float))
            checked += cells.size
            suppressed += int((cells == "...").sum())
    assert checked == 308 * (23 + 12 + 10) and suppressed > 500


def test_cubes_have_the_snapshot_layout(first: tuple[Path, RefreshReport, dict]) -> None:
    cache, report, _ = first
    reg = load_cached(cache, "registers")
    assert len([v for v in reg.data_vars if not str(v).endswith("_status")]) == 23
    areas = [str(a) for a in reg["area"].values]
    assert len(areas) == 374 and areas[0] == "005" and areas[-1] == "SSS" and "TA23" in areas
    assert (
        str(reg["time"].values[-1])[:10] == "2026-06-01" and reg.attrs["data_through"] == "2026-06"
    )
    rate = reg["unemployment_rate_published"].sel(time="2026-06-01")
    assert np.isnan(float(rate.sel(area="TA23")))  # a rate is never summed; TA has no row
    assert float(rate.sel(area="MK10")) == 11.7 and float(rate.sel(area="491")) == 11.8
    pop = load_cached(cache, "population")
    assert list(pop["population"].dims) == ["area", "time", "sex", "age"]
    assert list(pop["sex"].values) == ["F", "M"] and pop["age"].values.tolist() == list(range(101))
    occ = load_cached(cache, "occupations")
    assert {"SSS", "MK10", "491"} <= set(occ["area"].values.tolist())
    assert not any(str(a).startswith(("TA", "SK", "ELY")) for a in occ["area"].values)
    ta = load_cached(cache, "education_levels")["master"].sel(time="2025-12-31")
    assert float(ta.sel(area="TA23")) == float(ta.sel(area=TA23).sum())
    assert {t.name: t.data_through for t in report.tables}["education_levels"] == "2025"


def test_jobs_commuting_and_totals_equal_the_snapshot(
    first: tuple[Path, RefreshReport, dict], cubes
) -> None:
    """115k (its recorded json-stat1 response), derived 115n/115p and 11re's totals give
    the snapshot's cubes cell for cell (same areas, same layout)."""
    cache, report, _ = first
    jobs = load_cached(cache, "jobs_totals_2019")
    assert list(jobs["jobs"].dims) == ["area"] and jobs.attrs["data_through"] == "2019"
    assert float(jobs["jobs"].sel(area="SSS")) == 2373526  # the response's own SSS cell
    commuting = load_cached(cache, "commuting")
    totals = load_cached(cache, "population_totals")
    assert float(totals["population"].sel(area="MK10", time="2025-12-31")) == 128144
    for cube, name in (
        (jobs, "jobs_totals_2019"),
        (commuting, "commuting"),
        (totals, "population_totals"),
    ):
        old = cubes[name]
        assert set(map(str, cube["area"].values)) == set(map(str, old["area"].values)), name
        for var in (v for v in cube.data_vars if not str(v).endswith("_status")):
            new_values = cube[var]
            if "time" in new_values.dims:
                old_var = old[var].sel(time=new_values["time"])
            else:
                old_var = old[var]
            np.testing.assert_array_equal(
                new_values.transpose(*old_var.dims).sel(area=old_var["area"]).values,
                old_var.values,
                err_msg=f"{name}.{var}",
            )
    through = {t.name: t.data_through for t in report.tables}
    assert through["commuting"] == "2017" and through["population_totals"] == "2025"


def test_rate_cells_match_recorded() -> None:
    """The published rates the cube keeps (MK10 11.7, Mikkeli 491 11.8) are in the response."""
    codes, rows = recorded_rows("tyonv/12r5.px")
    rows_by = {r["key"][0]: r["values"] for r in rows}
    k = codes.index("TYOTOSUUS")
    assert rows_by["MK10"][k] == "11.7" and rows_by["KU491"][k] == "11.8"


def test_next_month_and_unchanged_source(
    first: tuple[Path, RefreshReport, dict], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(first[0], cache)
    tables = standard_tables()
    with serving(tables) as server:  # the same source again: nothing new
        same = refresh(cache, client=client(server), tables=["registers"], today=date(2026, 8, 2))
    assert same.changed == () and not same.tables[0].changed
    assert json.loads((cache / MANIFEST).read_text())["changed"] == []
    tables["tyonv/12r5.px"] = with_next_month(tables["tyonv/12r5.px"])
    with serving(tables) as server:
        new = refresh(cache, client=client(server), tables=["registers"], today=date(2026, 8, 21))
    assert new.changed == ("registers",) and new.tables[0].data_through == "2026-07"
    manifest = json.loads((cache / MANIFEST).read_text())
    # a refresh of one table keeps the other cached cubes in the manifest, unchanged
    assert sorted(t["name"] for t in manifest["tables"]) == sorted(CUBES)
    assert {t["name"]: t["changed"] for t in manifest["tables"]}["population"] is False
    reg = load_cached(cache, "registers").sel(time="2026-07-01")
    _, rows = recorded_rows("tyonv/12r5.px")
    june = {r["key"][0]: r["values"][1] for r in rows}  # TYOTTOMATLOPUSSA
    assert float(reg["unemployed"].sel(area="TA23")) == sum(
        int(next_month(june[f"KU{m}"])) for m in TA23
    )


def renamed_content(table: RecordedTable, old: str, new: str) -> RecordedTable:
    variables = [dict(v) for v in table.variables]
    variables[-1]["values"] = [new if c == old else c for c in variables[-1]["values"]]
    cells = {(*k[:-1], new if k[-1] == old else k[-1]): v for k, v in table.cells.items()}
    return RecordedTable(table.title, variables, cells, table.updated, table.source)


def gap_in_time(table: RecordedTable) -> RecordedTable:
    two = with_next_month(with_next_month(table), "2026M07", "2026M08")
    time_var = two.variables[1]
    time_var["values"] = [t for t in time_var["values"] if t != "2026M07"]
    return two


def broken_cell(table: RecordedTable) -> RecordedTable:
    cells = dict(table.cells)
    cells[("KU491", "2026M06", "TYOTTOMATLOPUSSA")] = "3 0l2"
    return RecordedTable(table.title, table.variables, cells, table.updated, table.source)


@pytest.mark.parametrize(
    ("damage", "error", "match"),
    [
        (
            lambda t: renamed_content(t, "TYOVOIMATK", "TYOVOIMA_TK"),
            SchemaDriftError,
            r"tyonv/12r5\.px.*labour_force",
        ),
        (gap_in_time, DataError, r"tyonv/12r5\.px.*field time.*2026-06 is followed by 2026-08"),
        (
            broken_cell,
            DataError,
            r"12r5\.px.*'3 0l2'.*Alue=KU491, timeperiod_m=2026M06, contentscode=TYOTTOMATLOPUSSA",
        ),
    ],
    ids=["changed variable code", "missing month", "non-numeric cell"],
)
def test_bad_source_is_refused_and_cache_kept(
    first: tuple[Path, RefreshReport, dict], tmp_path: Path, damage, error, match
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(first[0], cache)
    before = files_of(cache)
    tables = standard_tables()
    tables["tyonv/12r5.px"] = damage(tables["tyonv/12r5.px"])
    with serving(tables) as server, pytest.raises(error, match=match):
        refresh(cache, client=client(server), tables=["population_change", "registers"])
    assert files_of(cache) == before


def test_cli_refresh_reads_the_base_url_from_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from flows.cli import main

    with serving() as server:
        monkeypatch.setenv("ENNAKOINTI_STATFIN__BASE_URL", server.base_url)
        get_settings.cache_clear()
        try:
            code = main(
                ["data", "refresh", "--cache-dir", str(tmp_path), "--table", "education_levels"]
            )
        finally:
            get_settings.cache_clear()
        assert all(path.startswith("/PxWeb/api/v1/fi/") for _, path, _ in server.log)
    assert code == 0 and "education_levels" in capsys.readouterr().out
    assert (
        float(load_cached(tmp_path, "education_levels")["doctorate"].sel(area="SSS").item())
        == 57326
    )


def test_commuting_with_a_miscoded_status_is_refused_and_cache_kept(
    first: tuple[Path, RefreshReport, dict], tmp_path: Path
) -> None:
    """115n's "2" answering with 115n's "1" (a mis-mapped code) breaks total = home + out:
    refused naming the table and the field, the previous cache byte-identical."""
    cache = tmp_path / "cache"
    shutil.copytree(first[0], cache)
    before = files_of(cache)
    tables = standard_tables()
    n = tables["tyokay/115n.px"]
    cells = {**n.cells}
    for key in n.cells:
        if key[1] == "2":
            cells[key] = n.cells[(key[0], "1", *key[2:])]
    tables["tyokay/115n.px"] = RecordedTable(n.title, n.variables, cells, n.updated, n.source)
    with (
        serving(tables) as server,
        pytest.raises(DataError, match=r"tyokay/115n\.px.*field employed_residents"),
    ):
        refresh(cache, client=client(server), tables=["commuting", "registers"])
    assert files_of(cache) == before
