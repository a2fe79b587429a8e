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
    TablesConfig,
    load_table_config,
    resolve,
)
from tests.statfin_fakes import BASE, FakeClock, FakePxWeb, make_table

MONTHS = ["2025M10", "2025M11", "2025M12", "2026M01"]
YEARS = [str(y) for y in range(2012, 2025)]
AGES = ["SSS"] + [f"{a:03d}" for a in range(101)]


def fake_statfin(seed: int = 0, *, drop_content: str | None = None) -> dict:
    """The five configured tables with 2026-style codes (vintages, prefixed content codes)."""
    rng = np.random.default_rng(seed)
    registers = [
        "HAKIJALOPUSSA",
        "TYOTTOMATLOPUSSA",
        "TYOVOIMATK",
        "TYOTOSUUS",
        "PITKAAIKAISTYOTTOMAT",
        "AVPAIKATLOPUSSA",
    ]
    registers = [c for c in registers if c != drop_content]
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
                "Pendelöinti": ["SSS", "2", "3"],
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
    assert registers.variables["laid_off"].optional
    for spec in config.tables.values():
        assert "time" in spec.dims and "area" in spec.dims


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
    assert res.missing_optional == ("laid_off",)
    assert "TYOTOSUUS" not in res.selections["contentscode"]
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
    doc["variables"][0]["values"].remove("MK10")
    with pytest.raises(SchemaDriftError, match="MK10"):
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


def test_refresh_writes_validated_cubes(tmp_path: Path) -> None:
    clock = FakeClock()
    tables = fake_statfin(seed=4)
    server = FakePxWeb(tables, clock)
    server.config = {"maxCells": 5000, "maxCalls": 40, "timeWindow": 60}
    cache = tmp_path / "cache"
    report = refresh(cache, client=client_for(server, clock), today=date(2026, 7, 1))
    assert {t.name for t in report.tables} == set(load_table_config().tables)
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        [f"{t.name}.nc" for t in report.tables] + [MANIFEST]
    )
    assert any("laid_off" in w for w in report.warnings)
    manifest = json.loads((cache / MANIFEST).read_text())
    assert manifest["retrieved"] == "2026-07-01" and len(manifest["tables"]) == 5

    reg = load_cached(cache, "registers")
    assert list(reg["unemployed"].dims) == ["area", "time"]
    assert list(reg["area"].values[:4]) == ["SSS", "MK10", "TA23", "097"]
    assert str(reg["time"].values[0])[:10] == "2025-10-01"
    assert reg.attrs["source_tables"] == "tyonv 12r5" and reg.attrs["retrieved"] == "2026-07-01"
    assert reg.attrs["time_convention"] == "month start"
    assert "time_dim" not in reg.attrs and reg.attrs["statfin_table"] == "tyonv/12r5.px"
    fake = tables["tyonv/12r5.px"]
    k = fake.variables[2]["values"].index("TYOTTOMATLOPUSSA")
    expected = np.where(fake.symbols[6, :, k] == "", fake.values[6, :, k], np.nan)
    expected[fake.symbols[6, :, k] == "-"] = 0.0
    np.testing.assert_array_equal(reg["unemployed"].sel(area="491").values, expected)

    pop = load_cached(cache, "population")
    assert list(pop["population"].dims) == ["area", "time", "sex", "age"]
    assert pop["age"].values.tolist() == list(range(101))
    assert list(pop["sex"].values) == ["M", "F"]
    assert str(pop["time"].values[-1])[:10] == "2024-12-31" and pop.sizes["time"] == 10
    assert list(load_cached(cache, "commuting_workplace")["jobs"].dims) == [
        "area",
        "time",
        "commuting",
    ]
    assert report.requests == len(server.log)


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
    budget = {"left": 8}

    def dropping(request: httpx.Request) -> httpx.Response:
        budget["left"] -= 1
        if budget["left"] < 0:
            raise httpx.ConnectError("Network is unreachable", request=request)
        return server(request)

    with pytest.raises(OfflineError):
        refresh(tmp_path / "cache", client=client_for(dropping, clock))
    assert any(entry[1] == "POST" for entry in server.log)
    assert not (tmp_path / "cache").exists()


def test_schema_drift_refresh_writes_nothing(tmp_path: Path) -> None:
    clock = FakeClock()
    server = FakePxWeb(fake_statfin(drop_content="AVPAIKATLOPUSSA"), clock)
    with pytest.raises(SchemaDriftError, match="vacancies"):
        refresh(tmp_path / "cache", client=client_for(server, clock))
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
        {"tables": {"registers": load_table_config().tables["registers"].model_dump()}}
    )
    report = refresh(
        tmp_path, client=client_for(server, clock), tables=["registers"], config=config
    )
    assert [t.name for t in report.tables] == ["registers"]
    assert {e[2] for e in server.log if e[1] == "POST"} == {
        "/PxWeb/api/v1/fi/StatFin/tyonv/12r5.px"
    }
