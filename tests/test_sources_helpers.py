"""The helpers every source module uses: the strict reader and the area steps with flags."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import geography
from forecasting.contract import STATUS_CODES
from forecasting.errors import DataError
from forecasting.io.sources import _areas as areas
from forecasting.io.sources._read import ROW, parse_counts, read_csv


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- read_csv
def test_read_csv_strips_values_keeps_rows_and_restores_gc(tmp_path: Path) -> None:
    path = write(tmp_path, " a , b ,c\n 1 ,x y,\n2,  z,3\n")
    assert gc.isenabled()
    frame = read_csv(path, columns=["b", "a"])
    assert gc.isenabled()
    assert list(frame.columns) == ["b", "a", ROW]
    assert frame["b"].tolist() == ["x y", "z"]
    assert frame["a"].tolist() == ["1", "2"]
    assert frame[ROW].tolist() == [2, 3]


@pytest.mark.parametrize(
    ("text", "row", "message"),
    [
        ("a,b\n1,2\n\n3,4\n", 3, "expected 2 fields, found 0"),  # blank line
        ("a,b\n1,2\n3,4,5\n", 3, "expected 2 fields, found 3"),
        ("a,b\n1,2\n3\n", 3, "expected 2 fields, found 1"),  # truncated
        ('a,b\n1,"2"x\n', 2, "malformed row"),
        ("a,a,b\n1,2,3\n", 1, "repeated columns"),
        ("a,c\n1,2\n", 1, "missing columns"),
    ],
)
def test_read_csv_names_the_row_of_bad_input(
    tmp_path: Path, text: str, row: int, message: str
) -> None:
    with pytest.raises(DataError, match=message) as info:
        read_csv(write(tmp_path, text), columns=["a", "b"])
    assert info.value.row == row
    assert gc.isenabled()


# --------------------------------------------------------------------------- parse_counts
def reference_parse(cells: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The cell-by-cell definition parse_counts must match (allow_negative, not integer)."""
    values, status = np.full(len(cells), np.nan), np.zeros(len(cells), dtype=np.int8)
    for i, cell in enumerate(cells):
        if cell in ("", "nan", "NA"):
            status[i] = 3
        elif cell in STATUS_CODES:
            status[i] = STATUS_CODES[cell]
        elif cell == "-":
            values[i] = 0.0
        else:
            values[i] = float(cell)
    return values, status


CELLS = st.one_of(
    st.sampled_from(["", "nan", "NA", "-", *STATUS_CODES]),
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.integers(-(10**9), 10**9).map(str),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=40))
def test_parse_counts_equals_the_cell_by_cell_definition(cells: list[str]) -> None:
    frame = pd.DataFrame({"v": cells, ROW: np.arange(2, 2 + len(cells))})
    values, status = parse_counts(frame, "v", "f.csv", allow_negative=True, integer=False)
    want_values, want_status = reference_parse(cells)
    np.testing.assert_array_equal(values, want_values)  # bit for bit, NaN where missing
    np.testing.assert_array_equal(status, want_status)
    assert status.dtype == np.int8


@pytest.mark.parametrize(
    ("cells", "row", "message"),
    [
        (["1", "x", "-2", "x"], 3, "'x' is not a number"),
        (["1", "-2", "inf", "1.5"], 4, "'inf' is not finite"),
        (["1", "1.5", "-2"], 4, "negative count -2"),  # the negative wins over the fraction
        (["1", "2", "2.5", "2.5"], 4, "non-integer count 2.5"),
    ],
)
def test_parse_counts_names_the_first_bad_row(cells: list[str], row: int, message: str) -> None:
    frame = pd.DataFrame({"v": cells, ROW: np.arange(2, 2 + len(cells))})
    with pytest.raises(DataError, match=message) as info:
        parse_counts(frame, "v", "f.csv")
    assert info.value.row == row


# --------------------------------------------------------------------------- names, codes
def test_codes_from_names_country_only_where_allowed() -> None:
    frame = pd.DataFrame({"n": ["Mikkeli", "KOKO MAA", "Pertunmaa"], ROW: [2, 3, 4]})
    assert areas.codes_from_names(frame, "n", "f.csv").tolist() == ["491", "SSS", "588"]
    with pytest.raises(DataError, match="unknown municipality name 'KOKO MAA'") as info:
        areas.codes_from_names(frame, "n", "f.csv", country=False)
    assert info.value.row == 3


def test_check_codes_pads_and_rejects() -> None:
    frame = pd.DataFrame({"c": ["5", "KU491", "SSS", "999"], ROW: [2, 3, 4, 5]})
    with pytest.raises(DataError, match="'999' is not a municipality code") as info:
        areas.check_codes(frame, "c", "f.csv")
    assert info.value.row == 5
    assert areas.check_codes(frame.iloc[:3], "c", "f.csv").tolist() == ["005", "491", "SSS"]


# --------------------------------------------------------------------------- area steps
def flagged(codes: list[str], values: list[float]) -> xr.Dataset:
    """A dataset with ``n`` over (area, time) and its flags (3 where NaN)."""
    arr = np.asarray(values, dtype=float)[:, None].repeat(2, axis=1)
    status = np.where(np.isnan(arr), 3, 0).astype(np.int8)
    coords = {"area": codes, "time": pd.to_datetime(["2020-12-31", "2021-12-31"])}
    return xr.Dataset(
        {"n": (("area", "time"), arr), "n_status": (("area", "time"), status)}, coords
    )


def test_harmonise_merges_values_and_flags_and_keeps_order() -> None:
    ds = flagged(["491", "588", "507", "099"], [1.0, np.nan, 3.0, 4.0])
    out = areas.harmonise(ds)
    assert out["area"].values.tolist() == ["491", "507", "214"]
    assert np.isnan(out["n"].sel(area="507")).all()
    assert (out["n_status"].sel(area="507") == 3).all()
    assert out["n"].sel(area="214").values.tolist() == [4.0, 4.0]
    assert out["n"].dims == ("area", "time") and out["n_status"].dtype == np.int8


def test_add_aggregates_complete_only_order_and_flags() -> None:
    members = geography.members("TA23")
    values = [np.nan if c == "097" else 1.0 for c in members]
    ds = flagged(members, values)
    complete = areas.add_aggregates(ds)  # TA23 is complete; MK10 and SSS are not
    assert complete["area"].values.tolist() == [*members, "TA23"]
    assert (complete["n_status"].sel(area="TA23") == 3).all()
    partial = areas.add_aggregates(ds, complete_only=False, bottom_up=True)
    assert partial["area"].values.tolist()[-3:] == ["TA23", "MK10", "SSS"]
    top_down = areas.add_aggregates(ds, complete_only=False)
    assert top_down["area"].values.tolist()[-3:] == ["SSS", "MK10", "TA23"]
    fine = areas.add_aggregates(flagged(members, [1.0] * len(members)))
    assert fine["n"].sel(area="TA23").values.tolist() == [6.0, 6.0]
    assert (fine["n_status"].sel(area="TA23") == 0).all()


def test_add_aggregates_rejects_old_codes_and_existing_aggregates() -> None:
    with pytest.raises(DataError, match="not of the 2025 division"):
        areas.add_aggregates(flagged(["507", "588"], [1.0, 2.0]))
    with pytest.raises(DataError, match="already in the data"):
        areas.add_aggregates(flagged(["507", "SSS"], [1.0, 2.0]), complete_only=False)
