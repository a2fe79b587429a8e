"""Readers of configuration and user files: clear DataErrors naming the file, never bare ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecasting.errors import DataError
from forecasting.io.files import csv_records, read_json, read_toml


def test_malformed_or_missing_files_name_the_file(tmp_path: Path) -> None:
    bad_toml = tmp_path / "rules.toml"
    bad_toml.write_text("[rules\nx = 1\n")
    bad_json = tmp_path / "spec.json"
    bad_json.write_text('{"events": [}')
    latin = tmp_path / "events.csv"
    latin.write_bytes("employer,municipality\nKäyttäjä,491\n".encode("latin-1"))
    cases = [
        (lambda: read_toml(bad_toml), "rules.toml"),
        (lambda: read_json(bad_json), "spec.json"),
        (lambda: list(csv_records(latin)), "not UTF-8"),
        (lambda: read_toml(tmp_path / "missing.toml"), "missing.toml"),
        (lambda: list(csv_records(tmp_path / "missing.csv")), "missing.csv"),
    ]
    for call, text in cases:
        with pytest.raises(DataError, match=text):
            call()


def test_csv_rows_are_numbered_from_the_header_and_empty_cells_are_none(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("employer,jobs,source\nA Oy,120,\nB Oy,,lehti\n", encoding="utf-8")
    rows = list(csv_records(path))
    assert rows == [
        (2, {"employer": "A Oy", "jobs": "120", "source": None}),
        (3, {"employer": "B Oy", "jobs": None, "source": "lehti"}),
    ]


@given(st.dictionaries(st.text(min_size=1), st.integers() | st.text() | st.booleans()))
def test_json_round_trips(tmp_path_factory: pytest.TempPathFactory, doc: dict) -> None:
    path = tmp_path_factory.mktemp("j") / "doc.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert read_json(path) == doc


def test_tables_keep_codes_and_refuse_a_missing_index_or_a_broken_file(tmp_path: Path) -> None:
    from forecasting.io.files import read_table

    path = tmp_path / "sections.csv"
    path.write_text("code,name_fi\nNA,Tuntematon\nA,\n", encoding="utf-8")
    kept = read_table(path, index="code", empty_as_na=False)
    assert list(kept.index) == ["NA", "A"] and kept.loc["A", "name_fi"] == ""
    assert read_table(path)["name_fi"].isna().tolist() == [False, True]
    with pytest.raises(DataError, match="no 'id' column"):
        read_table(path, index="id")
    (tmp_path / "empty.csv").write_text("")
    broken = tmp_path / "broken.csv"
    broken.write_text('code,name\n"A,x\n')
    for name in ("empty.csv", "broken.csv", "missing.csv"):
        with pytest.raises(DataError, match=name):
            read_table(tmp_path / name)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    """The writers rename a finished temporary file: a write that fails half-way leaves the
    previous content and no temporary file, and an OSError becomes a DataError naming it."""
    from forecasting.io.files import _write_atomic

    target = tmp_path / "out.csv"
    target.write_text("old\n")
    (tmp_path / "out.csv.tmp").write_text("a user's own file\n")

    def half(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(DataError, match=r"out\.csv: cannot write: No space left on device"):
        _write_atomic(target, half)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.csv.tmp"]
    assert (tmp_path / "out.csv.tmp").read_text() == "a user's own file\n"


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("", "the output path is empty"),
        ("folder", "is a folder"),
        ("file.csv/x.csv", "file.csv is not a folder"),
        ("spec.json", "is also an input"),
    ],
)
def test_an_unusable_output_path_is_refused_before_any_work(
    tmp_path: Path, out: str, message: str
) -> None:
    from forecasting.io.files import check_output, write_bytes

    (tmp_path / "folder").mkdir()
    (tmp_path / "file.csv").write_text("x")
    (tmp_path / "spec.json").write_text("{}")
    path = str(tmp_path / out) if out else out
    with pytest.raises(DataError, match=message):
        check_output(path, inputs=[tmp_path / "spec.json", None])
    assert (tmp_path / "spec.json").read_text() == "{}"
    if out != "spec.json":  # the writer itself refuses too (a caller that skipped the check)
        with pytest.raises(DataError, match=r"cannot write|names no file"):
            write_bytes(b"x", Path(path))


def test_missing_folders_of_an_output_are_created(tmp_path: Path) -> None:
    from forecasting.io.files import check_output, write_bytes

    out = tmp_path / "a" / "b" / "review.html"
    assert check_output(out) == out
    assert write_bytes(b"<p>", out).read_bytes() == b"<p>"
