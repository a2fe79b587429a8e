"""Table configuration and the cache refresh, against an in-memory StatFin (no network)."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import httpx
import numpy as np
import pytest

from forecasting.errors import DataError, OfflineError, SchemaDriftError, ValidationError
from forecasting.io.refresh import MANIFEST, load_cached, parse_age, parse_time, refresh
from forecasting.io.statfin import StatFinClient, TableMetadata
from forecasting.io.statfin_config import (
    ContentSpec,
    DimSpec,
    TablesConfig,
    load_table_config,
    resolve,
)
from tests.statfin_fakes import BASE, FakeClock, FakePxWeb, make_table

#: The 23 content codes of 12r5 (real response of 2026-07-21, shared data statfin-2026/).
REGISTER_CODES = [
    "HAKIJALOPUSSA", "TYOTTOMATLOPUSSA", "TYOVOIMATK", "TYOTOSUUS", "TYOTTOMATMIEHET",
    "TYOTTOMATNAISET", "TYOTTOMAT20", "TYOTTOMAT25", "TYOTTOMAT50", "TYOTTOMATSAIR",
    "TYOTTOMATULK", "PITKAAIKAISTYOTTOMAT", "KASSASSA", "LOMAUTETTU", "LYHTYOVKO",
    "TYOLLISTETTYLOP", "TYOHARJOITTELULOP", "KOKEILULOP", "TVKOULUTUSLOP", "VALMENNUSLOP",
    "MTPPALVELUTLOP", "AVPAIKATLOPUSSA", "UUDETAVP",
]  # fmt: skip
MONTHS = ["2025M10", "2025M11", "2025M12", "2026M01"]
YEARS = [str(y) for y in range(2012, 2025)]
AGES = ["SSS"] + [f"{a:03d}" for a in range(101)]


def fake_statfin(seed: int = 0, *, drop_content: str | None = None) -> dict:
    """The five configured tables with 2026-style codes (vintages, prefixed content codes)."""
    rng = np.random.default_rng(seed)
    registers = [c for c in REGISTER_CODES if c != drop_content]
    areas = ["SSS", "MK10", "TA23", "KU097", "KU178", "KU213", "KU491", "KU507", "KU623"]
    specs = {
        "tyonv/12r5.px": (
            {"Alue": areas, "timeperiod_m": MONTHS, "contentscode": registers},
            "timeperiod_m",
        ),
        "tyonv/12ti.px": (
            {
                "Alue": areas,
                "Ammattiryhmä": ["SSS", "2221", "5321", "X011"],
                "timeperiod_m": MONTHS,
                "contentscode": ["TYOTTOMATLOPUSSA", "AVPAIKATLOPUSSA"],
            },
            "timeperiod_m",
        ),
        "vaerak/11re.px": (
            {
                "alue_23_20260101": ["SSS", "KU097", "KU491"],
                "sukupuoli_9_20180101": ["SSS", "1", "2"],
                "ika_104_20260101": AGES,
                "timeperiod_y": YEARS,
                "contentscode": ["vaerak-vaesto"],
            },
            "timeperiod_y",
        ),
        "tyokay/115n.px": (
            {
                "alue_23_20260101": areas,
                "pendelointi_1_20260101": ["SSS", "1", "2"],
                "ikaryhma_10_20180101": ["SSS", "18-64"],
                "timeperiod_y": YEARS,
                "contentscode": ["tyokay-tyolliset"],
            },
            "timeperiod_y",
        ),
        "tyokay/115p.px": (
            {
                "Työpaikan alue": areas,
                "Pendelöinti": ["SSS", "1", "2"],
                "timeperiod_y": YEARS,
                "contentscode": ["tyokay-tyolliset3"],
            },
            "timeperiod_y",
        ),
    }
    return {
        path: make_table(shape, rng, time_var=t, p_symbol=0.05, title=path)
        for path, (shape, t) in specs.items()
    }


def client_for(server, clock: FakeClock) -> StatFinClient:
    return StatFinClient(
        BASE,
        "fi",
        transport=httpx.MockTransport(server),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(0),
    )


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def test_packaged_config_is_valid() -> None:
    config = load_table_config()
    assert {"registers", "occupations", "population"} <= set(config.tables)
    registers = config.tables["registers"]
    assert registers.path == "tyonv/12r5.px" and registers.source_table == "tyonv 12r5"
    assert registers.variables["unemployed"].codes == ("TYOTTOMATLOPUSSA",)
    assert len(registers.variables) == 23 and registers.areas == "municipal aggregates"
    assert not registers.variables["unemployment_rate_published"].additive
    assert {"population_change", "education_levels", "population_totals"} <= set(config.tables)
    for spec in config.tables.values():
        assert "time" in spec.dims and "area" in spec.dims
    # every cube the products read from tyokay/vaerak tables has a refresh path
    assert config.cubes()["commuting"] == ("commuting_residence", "commuting_workplace")
    assert {"jobs_totals_2019", "population_totals"} <= set(config.cubes())


def test_invalid_config_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text(
        '[tables.x]\ndb = "tyonv"\ntable = "statfin_tyonv_pxt_12r5.px"\n'
        'time_convention = "month start"\n[tables.x.dims.area]\nprefixes = ["alue"]\n'
        '[tables.x.variables]\nu = "A"\n'
    )
    with pytest.raises(DataError, match="table"):
        load_table_config(bad)
    bad.write_text("not toml [")
    with pytest.raises(DataError, match="cannot read"):
        load_table_config(bad)


def test_resolve_finds_vintage_codes_and_prefixed_content() -> None:
    config = load_table_config()
    table = fake_statfin()["vaerak/11re.px"]
    meta = TableMetadata.from_json("vaerak/11re.px", table.metadata())
    res = resolve("population", config.tables["population"], meta)
    assert res.dims == {
        "alue_23_20260101": "area",
        "timeperiod_y": "time",
        "sukupuoli_9_20180101": "sex",
        "ika_104_20260101": "age",
    }
    assert res.contents == {"vaerak-vaesto": "population"}
    assert res.selections["timeperiod_y"] == tuple(YEARS[-10:])
    assert res.selections["sukupuoli_9_20180101"] == ("1", "2")
    assert "SSS" not in res.selections["ika_104_20260101"]


def test_resolve_reports_optional_and_fails_on_required_content() -> None:
    config = load_table_config()
    spec = config.tables["registers"]
    meta = TableMetadata.from_json("tyonv/12r5.px", fake_statfin()["tyonv/12r5.px"].metadata())
    res = resolve("registers", spec, meta)
    assert res.missing_optional == ()
    assert res.selections["contentscode"] == tuple(REGISTER_CODES)
    assert res.selections["Alue"] == (
        "SSS",
        "MK10",
        "KU097",
        "KU178",
        "KU213",
        "KU491",
        "KU507",
        "KU623",
    )
    optional = spec.model_copy(
        update={"variables": {**spec.variables, "x": ContentSpec(codes=("NOPE",), optional=True)}}
    )
    assert resolve("registers", optional, meta).missing_optional == ("x",)
    drifted = fake_statfin(drop_content="TYOVOIMATK")["tyonv/12r5.px"]
    meta = TableMetadata.from_json("tyonv/12r5.px", drifted.metadata())
    with pytest.raises(SchemaDriftError, match="labour_force"):
        resolve("registers", spec, meta)


def test_resolve_rejects_unconfigured_mandatory_variable_and_missing_values() -> None:
    config = load_table_config()
    doc = fake_statfin()["tyonv/12ti.px"].metadata()
    doc["variables"][1]["elimination"] = False  # occupation must now be selected...
    spec = config.tables["occupations"].model_copy(
        update={
            "dims": {
                k: v for k, v in config.tables["occupations"].dims.items() if k != "occupation"
            }
        }
    )
    with pytest.raises(SchemaDriftError, match="cannot be eliminated"):
        resolve("occupations", spec, TableMetadata.from_json("tyonv/12ti.px", doc))
    doc = fake_statfin()["tyonv/12ti.px"].metadata()
    doc["variables"][0]["values"] = ["TA23", "ELY10"]
    with pytest.raises(SchemaDriftError, match="no values left"):
        resolve(
            "occupations",
            config.tables["occupations"],
            TableMetadata.from_json("tyonv/12ti.px", doc),
        )


def test_content_spec_accepts_string_list_or_table() -> None:
    assert ContentSpec.model_validate("A").codes == ("A",)
    assert ContentSpec.model_validate(["A", "B"]).codes == ("A", "B")
    assert ContentSpec.model_validate({"codes": ["A"], "optional": True}).optional


def test_period_and_age_codes() -> None:
    times = parse_time(["2023M10", "2024", "2024Q2"])
    assert [str(t)[:10] for t in times] == ["2023-10-01", "2024-12-31", "2024-04-01"]
    assert parse_age(["000", "045", "100-", "100"]).tolist() == [0, 45, 100, 100]
    with pytest.raises(DataError):
        parse_time(["2024-10"])
    with pytest.raises(DataError, match="SSS"):
        parse_age(["SSS"])


def consistent_commuting(tables: dict) -> dict:
    """The random 115n with its totals = home + out (the identity the refresh checks)."""
    n = tables["tyokay/115n.px"]
    n.symbols[:] = ""
    n.values[:, 0] = n.values[:, 1] + n.values[:, 2]
    return tables


def test_refresh_merges_115n_and_115p_into_commuting(tmp_path: Path) -> None:
    """``commuting`` (the snapshot's layout) from both tables, status codes pivoted."""
    clock = FakeClock()
    server = FakePxWeb(consistent_commuting(fake_statfin(seed=4)), clock)
    server.config = {"maxCells": 500, "maxCalls": 40, "timeWindow": 60}
    cache = tmp_path / "cache"
    report = refresh(
        cache, client=client_for(server, clock), tables=["commuting"], today=date(2026, 7, 1)
    )
    assert [t.name for t in report.tables] == ["commuting"] and report.changed == ("commuting",)
    assert report.tables[0].source_table == "tyokay 115n, tyokay 115p"
    manifest = json.loads((cache / MANIFEST).read_text())
    assert manifest["retrieved"] == "2026-07-01" and manifest["changed"] == ["commuting"]
    cube = load_cached(cache, "commuting")
    assert [v for v in cube.data_vars if not str(v).endswith("_status")] == [
        "employed_residents",
        "residents_working_in_home_municipality",
        "commuting_out",
        "jobs",
        "commuting_in",
    ]
    assert list(cube["jobs"].dims) == ["area", "time"]
    # pattern SSS|KU###: the country and municipalities as published, no MK/TA rows
    assert sorted(map(str, cube["area"].values)) == [
        "097",
        "178",
        "213",
        "491",
        "507",
        "623",
        "SSS",
    ]
    assert cube.attrs["data_through"] == "2024" and "115p" in cube.attrs["statfin_table"]
    fake = server.tables["tyokay/115p.px"]  # dims area, Pendelöinti, time, content
    for k, var in ((0, "jobs"), (2, "commuting_in")):
        cells, symbols = fake.values[6, k, :, 0], fake.symbols[6, k, :, 0]
        expected = np.where(symbols == "", cells, np.nan)
        expected[symbols == "-"] = 0.0
        np.testing.assert_array_equal(cube[var].sel(area="491").values, expected)
    n = server.tables["tyokay/115n.px"]  # area, pendelointi, ika (eliminated: SSS), time
    np.testing.assert_array_equal(
        cube["commuting_out"].sel(area="491").values, n.values[6, 2, 0, :, 0]
    )
    assert report.requests == len(server.log)


def test_commuting_breaking_its_identity_is_refused(tmp_path: Path) -> None:
    """Random 115n cells: total != home + out, so a mis-mapped status code cannot pass."""
    clock = FakeClock()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "commuting.nc").write_bytes(b"previous cube")
    before = snapshot(cache)
    server = FakePxWeb(fake_statfin(seed=4), clock)
    with pytest.raises(DataError, match=r"tyokay/115n\.px.*field employed_residents"):
        refresh(cache, client=client_for(server, clock), tables=["commuting"])
    assert snapshot(cache) == before


def test_pivot_and_squeeze_are_checked() -> None:
    base = load_table_config().tables["commuting_residence"].model_dump()
    base["variables"] = {"a": ["x"], "b": ["y"]}
    with pytest.raises(ValueError, match="exactly one content variable"):
        TablesConfig.model_validate({"tables": {"t": base}})
    with pytest.raises(ValueError, match="squeeze needs exactly one"):
        DimSpec.model_validate({"prefixes": ["vuosi"], "squeeze": True})
    with pytest.raises(ValueError, match="pivot fetches its own"):
        DimSpec.model_validate({"prefixes": ["p"], "pivot": {"SSS": "a"}, "top": 2})
    clash = load_table_config().model_dump()
    clash["tables"]["commuting_workplace"]["dims"]["commuting"]["pivot"] = {"SSS": "commuting_out"}
    with pytest.raises(ValueError, match="'commuting_out' comes from both"):
        TablesConfig.model_validate(clash)


def test_offline_refresh_raises_and_writes_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "registers.nc").write_bytes(b"previous cube")
    before = snapshot(cache)
    clock = FakeClock()

    def offline(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    with pytest.raises(OfflineError, match="not reachable"):
        refresh(cache, client=client_for(offline, clock))
    assert snapshot(cache) == before


def test_connection_lost_midway_writes_nothing(tmp_path: Path) -> None:
    """The first tables are fetched, then the network drops: no cube is written."""
    clock = FakeClock()
    server = FakePxWeb(fake_statfin(), clock)
    budget = {"left": 4}

    def dropping(request: httpx.Request) -> httpx.Response:
        budget["left"] -= 1
        if budget["left"] < 0:
            raise httpx.ConnectError("Network is unreachable", request=request)
        return server(request)

    with pytest.raises(OfflineError):
        refresh(
            tmp_path / "cache",
            client=client_for(dropping, clock),
            tables=["occupations", "commuting_residence", "commuting_workplace"],
        )
    assert any(entry[1] == "POST" for entry in server.log)
    assert not (tmp_path / "cache").exists()


def test_schema_drift_refresh_writes_nothing(tmp_path: Path) -> None:
    clock = FakeClock()
    server = FakePxWeb(fake_statfin(drop_content="AVPAIKATLOPUSSA"), clock)
    with pytest.raises(SchemaDriftError, match="vacancies"):
        refresh(tmp_path / "cache", client=client_for(server, clock), tables=["registers"])
    assert not (tmp_path / "cache").exists()


def test_unknown_table_name_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="tables"):
        refresh(
            tmp_path, client=client_for(FakePxWeb({}, FakeClock()), FakeClock()), tables=["nope"]
        )


def test_subset_of_tables(tmp_path: Path) -> None:
    clock = FakeClock()
    server = FakePxWeb(fake_statfin(), clock)
    config = TablesConfig.model_validate(
        {"tables": {"occupations": load_table_config().tables["occupations"].model_dump()}}
    )
    report = refresh(
        tmp_path, client=client_for(server, clock), tables=["occupations"], config=config
    )
    assert [t.name for t in report.tables] == ["occupations"]
    assert {e[2] for e in server.log if e[1] == "POST"} == {
        "/PxWeb/api/v1/fi/StatFin/tyonv/12ti.px"
    }
    occupations = load_cached(tmp_path, "occupations")
    assert list(occupations["area"].values) == [
        "SSS",
        "MK10",
        "097",
        "178",
        "213",
        "491",
        "507",
        "623",
    ]
