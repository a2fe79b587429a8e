"""Tables the command line writes carry their provenance: the data date, sources, licence
and versions, as a sheet of the workbook or a CSV beside the table's CSV."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from flows.cli import main
from forecasting.provenance import TABLE_FIELDS, data_through, provenance_table

_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)


@given(
    attrs=st.dictionaries(
        st.sampled_from([*TABLE_FIELDS, "origin", "base_year", "units", "draws"]),
        _text,
    ),
    base_year=st.none() | st.integers(1990, 2100),
)
def test_the_table_lists_the_known_fields_in_order_and_the_data_date_by_its_rule(
    attrs: dict[str, Any], base_year: int | None
) -> None:
    attrs = {k: v for k, v in attrs.items() if k != "base_year"}
    if base_year is not None:
        attrs["base_year"] = base_year
    expected = attrs.get("data_through") or attrs.get("origin")
    if not expected and base_year is not None:
        expected = f"{base_year}-12-31"
    assert data_through(attrs) == (expected or None)
    if not expected or not attrs.get("source_tables") or not attrs.get("license"):
        with pytest.raises(ValueError, match="lack provenance"):
            provenance_table(attrs)
        return
    table = provenance_table(attrs)
    fields = list(table["field"])
    assert fields == [f for f in TABLE_FIELDS if f in fields]  # the stated order
    assert fields[0] == "data_through" and table["value"].iloc[0] == expected
    for field, value in zip(fields[1:], table["value"].iloc[1:], strict=True):
        assert value == str(attrs[field])
    assert set(fields) >= {"source_tables", "license"}


def _rows(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row["field"]: row["value"] for row in csv.DictReader(f)}


def test_a_register_forecast_csv_gets_its_provenance_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The data date is the forecast's origin, the registers' last month (read from the
    cube, not written here), and the table names the source and its licence."""
    from forecasting.io.inputs import assemble

    last = str(assemble(["registers"])["registers"].attrs["data_through"])
    out = tmp_path / "forecast.csv"
    assert main(["forecast", "registers", "--horizon", "2", "--out", str(out)]) == 0
    beside = tmp_path / "forecast_provenance.csv"
    assert str(beside) in capsys.readouterr().out
    rows = _rows(beside)
    assert rows["data_through"] == last
    assert rows["source_tables"] == "tyonv 12r5" and rows["license"] == "CC BY 4.0"
    assert rows["seed"] and rows["code_version"] and rows["data_version"]


def test_a_population_workbook_gets_a_provenance_sheet(tmp_path: Path) -> None:
    out = tmp_path / "population.xlsx"
    args = ["forecast", "population", "--until", "2027", "--draws", "0", "--out", str(out)]
    assert main(args) == 0
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["data", "provenance"]
    rows = dict(list(book["provenance"].iter_rows(values_only=True))[1:])
    base_year = min(row[1] for row in book["data"].iter_rows(min_row=2, values_only=True))
    assert rows["data_through"] == f"{base_year}-12-31"
    assert "vaerak 11re" in rows["source_tables"] and rows["license"] == "CC BY 4.0"
    assert not (tmp_path / "population_provenance.xlsx").exists()


def test_an_unusable_place_for_the_provenance_is_refused_before_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import forecasting.registers as registers

    def never(*_a: object, **_k: object) -> None:
        raise AssertionError("the forecast ran before its provenance file was checked")

    monkeypatch.setattr(registers, "forecast_frame", never)
    (tmp_path / "f_provenance.csv").mkdir()
    assert main(["forecast", "registers", "--out", str(tmp_path / "f.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "f_provenance.csv" in err
    assert not (tmp_path / "f.csv").exists()
