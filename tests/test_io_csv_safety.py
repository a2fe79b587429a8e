"""CSV cells are quoted where a spreadsheet would split them and never start a formula.

Reference: OWASP "CSV Injection" (formula starts ``=``, ``+``, ``-``, ``@``, tab, CR get a
leading ``'``); Finnish Excel splits CSV cells on ``;`` (its list separator) unless quoted.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from forecasting.io.files import FORMULA_STARTS, csv_line, frame_csv, inert_cell, write_csv

cells = st.one_of(
    st.none(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30),
)


def _read(line: str, delimiter: str = ",") -> list[str]:
    return next(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter))


@given(st.lists(cells, min_size=1, max_size=6))
def test_a_line_reads_back_cell_for_cell(row):
    expected = [
        "" if c is None else (repr(c) if isinstance(c, float) else str(inert_cell(c))) for c in row
    ]
    assert _read(csv_line(row)) == expected


@given(st.lists(st.text(max_size=20), min_size=1, max_size=5))
def test_no_text_cell_starts_a_formula_and_no_semicolon_splits_a_line(row):
    line = csv_line(row)
    for cell in _read(line):
        assert not cell.startswith(FORMULA_STARTS) or float(cell) == float(cell), line
    # A spreadsheet splitting on every ";" (quotes or not) starts no formula either.
    for fragment in line.split(";")[1:]:
        assert not fragment.lstrip().startswith(FORMULA_STARTS), line


def test_the_semicolon_attack_is_quoted_and_numbers_stay_numbers():
    assert csv_line(["Konepaja Oy;=1+1", -5, 2.5, "-5", "@SUM(A1)", None]) == (
        "\"Konepaja Oy;'=1+1\",-5,2.5,-5,'@SUM(A1),\n"
    )
    assert _read(csv_line([3, "Oy;=2+5;x"]), ";") == ['3,"Oy', "'=2+5", 'x"']


def test_write_csv_neutralises_text_and_keeps_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "employer": ["Oy;=1+1", "=cmd|' /C calc'!A0", "Normaali Oy"],
            "jobs": [-5, 10, 3],
            "rate": [0.5, float("nan"), -1.25],
        }
    )
    path = write_csv(frame, tmp_path / "out.csv")
    text = path.read_text(encoding="utf-8")
    assert text == frame_csv(frame)
    assert text.splitlines() == [
        "employer,jobs,rate",
        '"Oy;\'=1+1",-5,0.5',
        "'=cmd|' /C calc'!A0,10,",
        "Normaali Oy,3,-1.25",
    ]
    back = pd.read_csv(path)
    assert back["jobs"].tolist() == [-5, 10, 3]
    assert back["employer"].tolist()[0] == "Oy;'=1+1"
