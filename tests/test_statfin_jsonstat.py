"""Parsing real StatFin PxWeb responses (json-stat 2.0, JSON-stat 1.x, PxWeb json).

Fixtures are real responses copied from shared/data/pxweb-responses (Source: Statistics
Finland, tables vaerak 11rc, tyokay 115i, tyokay 115k, tulot 14ww; CC BY 4.0). Reference
values below were read from those files by hand.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

from forecasting.contract import STATUS_CODES, STATUS_OK, STATUS_SUPPRESSED
from forecasting.errors import DataError
from forecasting.io.jsonstat import (
    STATUS,
    VALUE,
    decode_cell,
    parse_jsonstat1,
    parse_jsonstat2,
    parse_pxweb_json,
    parse_response,
    split_contents,
    to_dataarray,
)

FIXTURES = Path(__file__).parent / "fixtures" / "pxweb"
F_11RC = FIXTURES / "vaerak_11rc_jsonstat2_sv_2020-2022.json"
F_115I = FIXTURES / "tyokay_115i_jsonstat2_employed_by_industry_finland_2007-2023.json"
F_115K = FIXTURES / "tyokay_115k_jsonstat1_jobs_by_municipality_2019.json"
F_14WW = FIXTURES / "tulot_14ww_pxweb-json_income_2024_by_area_column-subset.json"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_11rc_jsonstat2_shape_order_and_values() -> None:
    ds = parse_response(F_11RC.read_bytes())
    assert list(ds[VALUE].dims) == ["Vuosi", "Sukupuoli", "Ikä", "Tiedot"]
    assert ds[VALUE].shape == (3, 3, 10, 1)
    assert list(ds["Sukupuoli"].values) == ["SSS", "1", "2"]
    assert ds["Sukupuoli_label"].values.tolist() == ["Totalt", "Män", "Kvinnor"]
    # first and last value of the file; row-major with the last dim fastest
    assert ds[VALUE].sel(Vuosi="2020", Sukupuoli="SSS", Ikä="20-24").item() == 308410
    assert ds[VALUE].sel(Vuosi="2022", Sukupuoli="2", Ikä="65-69").item() == 181956
    # 11th value: 2020, men, 20-24
    assert ds[VALUE].sel(Vuosi="2020", Sukupuoli="1", Ikä="20-24").item() == 159178
    assert (ds[STATUS] == STATUS_OK).all()
    assert ds.attrs["table_id"] == "statfin_vaerak_pxt_11rc"
    assert ds.attrs["contents_dim"] == "Tiedot"
    assert ds.attrs["time_dim"] == "Vuosi"


def test_11rc_totals_are_sums_of_sexes() -> None:
    ds = parse_response(F_11RC.read_bytes())
    v = ds[VALUE]
    np.testing.assert_array_equal(
        v.sel(Sukupuoli="SSS"), v.sel(Sukupuoli="1") + v.sel(Sukupuoli="2")
    )


def test_115i_jsonstat2_values() -> None:
    ds = parse_jsonstat2(load(F_115I))
    assert ds[VALUE].shape == (1, 11, 1, 17, 1)
    v = ds[VALUE].squeeze(["Alue", "Sukupuoli", "Tiedot"])
    assert v.sel(Toimiala="SSS", Vuosi="2007").item() == 2369066
    assert v.sel(Toimiala="SSS", Vuosi="2023").item() == 2417365
    assert v.sel(Toimiala="Q", Vuosi="2023").item() == 438115
    assert v.sel(Toimiala="ATA", Vuosi="2007").item() == 93297
    assert ds["Alue_label"].item() == "WHOLE COUNTRY"


def test_115k_jsonstat1_bundle() -> None:
    ds = parse_response(F_115K.read_bytes())
    assert ds.attrs["format"] == "json-stat"
    assert ds[VALUE].shape == (310, 1, 1)
    v = ds[VALUE].squeeze(["Vuosi", "Tiedot"])
    assert v.sel({"Työpaikan alue": "SSS"}).item() == 2373526
    assert v.sel({"Työpaikan alue": "KU020"}).item() == 4857
    assert v.sel({"Työpaikan alue": "KU491"}).item() == 21938
    assert v.sel({"Työpaikan alue": "KU097"}).item() == 590
    assert ds["Työpaikan alue_label"].sel({"Työpaikan alue": "KU491"}).item() == "Mikkeli"
    assert ds.attrs["geo_dim"] == "Työpaikan alue"


def test_14ww_pxweb_json_with_vintage_codes_and_confidential_cells() -> None:
    ds = parse_response(F_14WW.read_bytes())
    assert list(ds[VALUE].dims) == ["alue_23_20250101", "timeperiod_y", "contentscode"]
    assert ds[VALUE].shape == (420, 1, 4)
    cube = split_contents(ds)
    sel = {"alue_23_20250101": "KU491", "timeperiod_y": "2024"}
    assert cube["hkturaha18_med"].sel(sel).item() == 25283
    assert cube["gini_kturaha"].sel(sel).item() == pytest.approx(25.2)
    assert cube["pt2_lapsia"].sel(sel).item() == 96
    assert cube["hkturaha18_med"].sel(alue_23_20250101="SSS").item() == 26605
    # KU020 has '...' (confidential) for pt2_lapsia: NaN with the confidential flag, never 0
    ku020 = {"alue_23_20250101": "KU020", "timeperiod_y": "2024"}
    assert math.isnan(cube["pt2_lapsia"].sel(ku020).item())
    assert cube["pt2_lapsia_status"].sel(ku020).item() == STATUS_SUPPRESSED
    # the file has 290 '...' cells, all in pt2_lapsia; the other contents have no gaps
    assert int((ds[STATUS] == STATUS_SUPPRESSED).sum()) == 290
    assert int(np.isnan(cube["pt2_lapsia"]).sum()) == 290
    assert "hkturaha18_med_status" not in cube
    assert cube["pt2_lapsia"].attrs["long_name"].startswith("Lapset, joiden asuntokunta")


@pytest.mark.parametrize(
    ("symbol", "code"),
    [(".", 1), ("..", 2), ("...", 3), ("....", 4), (".....", 5), ("......", 6)],
)
def test_each_missing_value_symbol(symbol: str, code: int) -> None:
    assert STATUS_CODES[symbol] == code
    value, status = decode_cell(symbol)
    assert math.isnan(value) and status == code
    value, status = decode_cell(None, symbol)  # json-stat: null value + status map
    assert math.isnan(value) and status == code
    doc = load(F_14WW)
    doc["data"][0]["values"][0] = symbol
    ds = parse_pxweb_json(doc)
    cell = {"alue_23_20250101": "SSS", "timeperiod_y": "2024", "contentscode": "hkturaha18_med"}
    assert math.isnan(ds[VALUE].sel(cell).item())
    assert ds[STATUS].sel(cell).item() == code


def test_dash_is_a_real_zero() -> None:
    assert decode_cell("-") == (0.0, STATUS_OK)
    assert decode_cell(None, "-") == (0.0, STATUS_OK)
    doc = load(F_14WW)
    doc["data"][0]["values"][3] = "-"
    ds = parse_pxweb_json(doc)
    cell = {"alue_23_20250101": "SSS", "timeperiod_y": "2024", "contentscode": "pt2_lapsia"}
    assert ds[VALUE].sel(cell).item() == 0.0
    assert ds[STATUS].sel(cell).item() == STATUS_OK


def test_null_without_symbol_is_missing_not_zero() -> None:
    value, status = decode_cell(None)
    assert math.isnan(value) and status == STATUS_CODES["."]


def test_status_map_in_jsonstat2_as_dict_and_list() -> None:
    doc = load(F_11RC)
    doc["value"][5] = None
    doc["status"] = {"5": "..."}
    ds = parse_jsonstat2(doc)
    cell = {"Vuosi": "2020", "Sukupuoli": "SSS", "Ikä": "45-49", "Tiedot": "vaesto"}
    assert math.isnan(ds[VALUE].sel(cell).item())
    assert ds[STATUS].sel(cell).item() == STATUS_SUPPRESSED
    doc["status"] = [None] * 90
    doc["status"][5] = ".."
    assert parse_jsonstat2(doc)[STATUS].sel(cell).item() == STATUS_CODES[".."]


def test_category_index_as_list_and_sparse_values() -> None:
    doc = load(F_11RC)
    dense = parse_jsonstat2(doc)
    listed = copy.deepcopy(doc)
    for dim in listed["dimension"].values():
        index = dim["category"]["index"]
        dim["category"]["index"] = sorted(index, key=index.get)
    listed["value"] = {str(i): v for i, v in enumerate(doc["value"])}
    other = parse_jsonstat2(listed)
    np.testing.assert_array_equal(other[VALUE].values, dense[VALUE].values)
    assert list(other["Ikä"].values) == list(dense["Ikä"].values)


def test_size_product_must_match_value_count() -> None:
    doc = load(F_11RC)
    doc["value"] = doc["value"][:-1]
    with pytest.raises(DataError, match="product of sizes"):
        parse_jsonstat2(doc)
    doc = load(F_115K)
    doc["dataset"]["dimension"]["size"] = [309, 1, 1]
    with pytest.raises(DataError):
        parse_jsonstat1(doc)


@pytest.mark.parametrize(("key", "bad"), [("version", "1.0"), ("class", "collection")])
def test_version_and_class_are_checked(key: str, bad: str) -> None:
    doc = load(F_11RC)
    doc[key] = bad
    with pytest.raises(DataError, match=key):
        parse_jsonstat2(doc)


def test_bad_cells_and_rows_raise_data_error() -> None:
    with pytest.raises(DataError):
        decode_cell("12,3x")
    doc = load(F_14WW)
    doc["data"][3]["values"] = doc["data"][3]["values"][:2]
    with pytest.raises(DataError, match="row 3"):
        parse_pxweb_json(doc)
    doc = load(F_14WW)
    doc["data"].append(copy.deepcopy(doc["data"][0]))
    with pytest.raises(DataError, match="duplicate"):
        parse_pxweb_json(doc)
    with pytest.raises(DataError):
        parse_response(b"<html>502</html>")


def test_to_dataarray_carries_status() -> None:
    da = to_dataarray(parse_response(F_14WW.read_bytes()))
    assert "status" in da.coords
    assert int((da["status"] == STATUS_SUPPRESSED).sum()) == 290
