"""Readers of the 2026 PxWeb json files and of the 14wx projection: strict about bad input.

Small files written here (offline); the real files are checked in test_snapshot_totals.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from forecasting.contract import STATUS_CODES
from forecasting.errors import DataError
from forecasting.io.sources import registers, statfin2026
from forecasting.io.sources._pxweb import read_pxweb

AREA = "alue_23_20260101"
TA23 = ("097", "178", "213", "491", "507", "623")  # Mikkelin seutu, municipality_key_2025


def pxweb(
    rows: list[tuple[list[str], list[str]]], codes: list[str], keys: tuple[str, ...]
) -> dict[str, Any]:
    columns: list[dict[str, str]] = [
        {"code": k, "text": k, "type": "t" if k.startswith("timeperiod") else "d"} for k in keys
    ]
    columns += [{"code": c, "text": c, "type": "c"} for c in codes]
    data = [{"key": key, "values": values} for key, values in rows]
    return {"columns": columns, "comments": [], "data": data, "metadata": [{"updated": "x"}]}


def write(tmp_path: Path, doc: dict[str, Any] | str, name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


POP = ["vaerak-vaesto"]
KEYS = (AREA, "timeperiod_y")


def test_symbols_are_nan_with_their_status_and_dash_is_zero(tmp_path: Path) -> None:
    rows = [
        (["KU491", "2025"], ["52000"]),
        (["KU507", "2025"], ["-"]),
        (["KU097", "2025"], ["..."]),
        (["KU178", "2025"], ["."]),
        (["KU213", "2025"], [".."]),
        (["SSS", "2025"], ["5652881"]),
    ]
    ds = read_pxweb(write(tmp_path, pxweb(rows, POP, KEYS)), {"vaerak-vaesto": "population"})
    got = ds["population"].isel(time=0).to_series()
    status = ds["population_status"].isel(time=0).to_series()
    assert got["491"] == 52000 and got["507"] == 0 and got["SSS"] == 5652881
    assert str(ds["time"].values[0])[:10] == "2025-12-31"
    for area, symbol in (("097", "..."), ("178", "."), ("213", "..")):
        assert np.isnan(got[area]) and status[area] == STATUS_CODES[symbol]
    assert status["507"] == 0 and status["491"] == 0


def test_months_and_sex_codes_map_to_the_contract(tmp_path: Path) -> None:
    rows = [(["SSS", "1", "2026M06"], ["5"]), (["SSS", "2", "2026M06"], ["7"])]
    doc = pxweb(rows, POP, ("Alue", "sukupuoli_9_20180101", "timeperiod_m"))
    ds = read_pxweb(write(tmp_path, doc), {"vaerak-vaesto": "population"})
    assert str(ds["time"].values[0])[:10] == "2026-06-01"
    assert ds["population"].sel(sex="F").item() == 7 and ds["population"].sel(sex="M").item() == 5


def test_malformed_json_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '{"columns": [', "broken.json")
    with pytest.raises(DataError, match=r"broken\.json: malformed JSON"):
        read_pxweb(path, {"vaerak-vaesto": "population"})


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"absent\.json: cannot read"):
        read_pxweb(tmp_path / "absent.json", {"vaerak-vaesto": "population"})


def test_unknown_variable_code_names_file_and_field(tmp_path: Path) -> None:
    doc = pxweb([(["SSS", "2025"], ["1", "2"])], ["vaerak-vaesto", "uusi-muuttuja"], KEYS)
    with pytest.raises(DataError, match=r"t\.json: unknown variable code 'uusi-muuttuja'"):
        read_pxweb(write(tmp_path, doc), {"vaerak-vaesto": "population"})


def test_a_needed_code_that_is_absent_names_the_field(tmp_path: Path) -> None:
    doc = pxweb([(["SSS", "2025"], ["1"])], POP, KEYS)
    with pytest.raises(DataError, match="'vaesto_alle15_p' is missing"):
        read_pxweb(write(tmp_path, doc), {"vaerak-vaesto": "population", "vaesto_alle15_p": "s"})


def test_non_numeric_cell_names_file_row_and_field(tmp_path: Path) -> None:
    rows = [(["SSS", "2025"], ["1", "2"]), (["KU491", "2025"], ["3", "n/a"])]
    doc = pxweb(rows, ["vaerak-vaesto", "vaesto_keski_ika"], KEYS)
    names = {"vaerak-vaesto": "population", "vaesto_keski_ika": "mean_age"}
    with pytest.raises(DataError, match=r"t\.json, row 1: field vaesto_keski_ika: 'n/a'"):
        read_pxweb(write(tmp_path, doc), names)


def test_short_row_and_bad_period_and_duplicate_key_fail(tmp_path: Path) -> None:
    names = {"vaerak-vaesto": "population"}
    short = pxweb([(["SSS", "2025"], [])], POP, KEYS)
    with pytest.raises(DataError, match="row 0: data row needs 1 values"):
        read_pxweb(write(tmp_path, short), names)
    period = pxweb([(["SSS", "2025Q1"], ["1"])], POP, KEYS)
    with pytest.raises(DataError, match="field timeperiod_y: bad period '2025Q1'"):
        read_pxweb(write(tmp_path, period), names)
    twice = pxweb([(["SSS", "2025"], ["1"]), (["SSS", "2025"], ["2"])], POP, KEYS)
    with pytest.raises(DataError, match=r"t\.json, row 1: duplicate key"):
        read_pxweb(write(tmp_path, twice), names)


def test_unknown_municipality_code_fails(tmp_path: Path) -> None:
    codes = list(statfin2026.VARS_11RA)
    doc = pxweb([(["KU999", "2025"], ["1", "2", "3", "4"])], codes, KEYS)
    with pytest.raises(DataError, match="unknown municipality code '999'"):
        statfin2026.read_age_key_figures(write(tmp_path, doc))


def test_aggregates_are_checked_against_published_rows(tmp_path: Path) -> None:
    codes = list(statfin2026.VARS_11RA)
    rows = [([f"KU{m}", "2025"], ["100", "10.0", "30.0", "50.1"]) for m in TA23]
    ok = statfin2026.read_age_key_figures(write(tmp_path, pxweb(rows, codes, KEYS)))
    assert ok["population"].sel(area="TA23").item() == 600
    assert int(ok["mean_age_status"].sel(area="TA23").item()) == 1  # not published: not summed
    rows.append((["TA23", "2025"], ["601", "11.0", "31.0", "49.0"]))  # not the sum: 600
    with pytest.raises(DataError, match="sum of population: computed"):
        statfin2026.read_age_key_figures(write(tmp_path, pxweb(rows, codes, KEYS)))


def test_accounting_identities_of_population_change_are_checked(tmp_path: Path) -> None:
    codes = list(statfin2026.VARS_121W)
    good = dict.fromkeys(codes, "0")
    good.update({"ssaaty-vm01": "10", "ssaaty-vm11": "4", "ssaaty-luonvalisays": "6"})
    good.update({"ssaaty-valisays": "6", "ssaaty-kokmuutos": "6", "ssaaty-vaesto": "100"})
    keys = ("timeperiod_y", AREA)
    doc = pxweb([(["2025", f"KU{m}"], list(good.values())) for m in TA23], codes, keys)
    ds = statfin2026.read_population_change(write(tmp_path, doc))
    assert ds["natural_increase"].sel(area="TA23").item() == 6 * len(TA23)
    bad = {**good, "ssaaty-kokmuutos": "7"}  # total change != increase + corrections
    doc = pxweb([(["2025", f"KU{m}"], list(bad.values())) for m in TA23], codes, keys)
    with pytest.raises(DataError, match="accounting identity of total_change"):
        statfin2026.read_population_change(write(tmp_path, doc))


def test_12r5_json_unknown_code_fails_with_the_field(tmp_path: Path) -> None:
    codes = [*registers.VARS_12R5_ALL, "UUSI"]
    doc = pxweb([(["KU491", "2026M06"], ["1"] * len(codes))], codes, ("Alue", "timeperiod_m"))
    with pytest.raises(DataError, match="unknown variable code 'UUSI'"):
        registers.read_registers_2026(write(tmp_path, doc))


PROJ_HEADER = "year,reg_code,name,sex,age,pop\n"


def _projection(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "p.csv"
    path.write_text(PROJ_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_projection_adds_pertunmaa_to_mk10_and_reads_na_as_100_plus(tmp_path: Path) -> None:
    rows = []
    for reg, name, n in (("10.0", "South Savo", 5), ("", "", 1), ("246.0", "Finland", 9)):
        for age in ("0.0", ""):
            rows += [f"2024,{reg},{name},Miehet,{age},{n}.0", f"2024,{reg},{name},Naiset,{age},{n}"]
            rows.append(f"2024,{reg},{name},Yhteensä,{age},{2 * n}.0")
    ds = statfin2026.read_projection_2024(_projection(tmp_path, rows))
    assert ds["population"].sel(area="MK10", sex="M", age=100).item() == 6  # 5 + Pertunmaa
    assert ds["population"].sel(area="SSS").sum().item() == 36
    assert np.isnan(ds["population"].sel(area="SSS", sex="F", age=50).item())


def test_projection_bad_rows_fail_with_file_and_row(tmp_path: Path) -> None:
    bad_sex = ["2024,10.0,South Savo,Muut,0.0,5"]
    with pytest.raises(DataError, match=r"p\.csv, row 2: bad sex 'Muut'"):
        statfin2026.read_projection_2024(_projection(tmp_path, bad_sex))
    bad_pop = ["2024,10.0,South Savo,Miehet,0.0,x"]
    with pytest.raises(DataError, match=r"p\.csv, row 2"):
        statfin2026.read_projection_2024(_projection(tmp_path, bad_pop))
    bad_sum = ["2024,10.0,S,Miehet,0.0,5", "2024,10.0,S,Naiset,0.0,5", "2024,10.0,S,Yhteensä,0.0,9"]
    with pytest.raises(DataError, match="Yhteensä != Miehet"):
        statfin2026.read_projection_2024(_projection(tmp_path, bad_sum))
