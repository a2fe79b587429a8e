"""The command line refuses bad input as the API does: one ``error: ...`` line naming what is
wrong, a non-zero exit, no traceback, and nothing lost or half-written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.cli import main
from forecasting.settings import get_settings


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one error line of a refused command (exit 2, nothing on stdout)."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["forecast", "registers", "--out", "{dir}"], "is a folder"),
        (["forecast", "population", "--out", "{dir}/file.csv/x.csv"], "is not a folder"),
        (["forecast", "registers", "--out", ""], "the output path is empty"),
        (["scenario", "run", "{dir}/spec.json", "--out", "{dir}/spec.json"], "also an input"),
        (["report", "monthly", "--out", "{dir}/folder.html"], "is a folder"),
        (["alerts", "episodes", "--out", "{dir}"], "is a folder"),
    ],
)
def test_an_unusable_out_is_refused_before_the_work(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A folder, a path under a file or the command's own input as ``--out`` printed a
    traceback after the work (minutes for a scenario), or overwrote the scenario's spec."""
    import forecasting.io.inputs

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the work ran before --out was checked")

    monkeypatch.setattr(forecasting.io.inputs, "assemble", no_work)
    (tmp_path / "folder.html").mkdir()
    (tmp_path / "file.csv").write_text("x")
    (tmp_path / "spec.json").write_text("{}")
    argv = [a.replace("{dir}", str(tmp_path)) for a in argv]
    assert message in _refused(argv, capsys)
    assert (tmp_path / "spec.json").read_text() == "{}"


def test_the_review_is_written_atomically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``report monthly`` wrote with ``Path.write_bytes``: a failure left half a file and a
    missing folder printed a traceback. It now goes through the atomic writer."""
    import forecasting.io.files

    out = tmp_path / "new" / "review.html"
    written: list[Path] = []
    real = forecasting.io.files._write_atomic

    def recording(path: Path, write: Callable[[Path], None]) -> Path:
        written.append(path)
        return real(path, write)

    monkeypatch.setattr(forecasting.io.files, "_write_atomic", recording)
    monkeypatch.setenv("ENNAKOINTI_RELEASE__STORE_DIR", str(tmp_path / "no-releases"))
    get_settings.cache_clear()
    try:
        assert main(["report", "monthly", "--month", "2023-06", "--out", str(out)]) == 0
    finally:
        get_settings.cache_clear()
    assert written == [out] and out.read_bytes().startswith(b"<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["review.html"]


@pytest.fixture
def no_prefect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a test that starts Prefect: a refused build must not get that far."""
    import flows.prefect_api

    def started() -> None:
        raise AssertionError("Prefect started for a build that should have been refused")

    monkeypatch.setattr(flows.prefect_api, "prefect_api", started)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["release", "build", "--area", "XX99"], "unknown area code 'XX99'"),
        (["release", "build", "--area", ""], "unknown area code ''"),
        (["release", "build", "--area", "491"], "one employment area (TA..), not '491'"),
        (["release", "build", "--workers", "0"], "workers: must be 1.."),
        (["release", "build", "--workers", "100000"], "workers: must be 1.."),
        (["release", "build", "--product", "nope"], "unknown products ['nope']"),
        (["run", "--area", "XX99"], "unknown area code 'XX99'"),
        (["run", "--seed", "-1"], "seed: must be a whole number 0.."),
        (
            ["release", "build", "--scope", "national", "--area", "TA01"],
            "--scope national covers every area; drop --area 'TA01'",
        ),
    ],
)
def test_a_bad_build_is_refused_before_prefect_starts(
    argv: list[str], message: str, no_prefect: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """These started Prefect's server and the flow, then printed its tracebacks (a bare
    ValueError for --workers 0, thirty for --seed -1), hung on exit, or built a release for
    the default area when given an empty one; --workers 100000 started a cluster that size."""
    assert message in _refused(argv, capsys)


@given(seed=st.integers(max_value=-1) | st.integers(min_value=2**63))
@settings(max_examples=20)
def test_any_seed_outside_the_range_is_refused(seed: int) -> None:
    from flows.release import check_build
    from forecasting.errors import ValidationError

    with pytest.raises(ValidationError, match="seed"):
        check_build("area", "TA23", seed, 1)


@pytest.mark.parametrize(
    "argv",
    [
        ["serve", "--port", "70000"],
        ["serve", "--port", "-1"],
        ["run", "--port", "0"],
        ["alerts", "list", "--limit", "-1"],
        ["alerts", "list", "--limit", "10000000000000000000"],
        ["alerts", "dead-letters", "--limit", "0"],
    ],
)
def test_out_of_range_numbers_are_refused_by_the_parser(
    argv: list[str], no_prefect: None, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A port outside 1..65535 reached uvicorn (a traceback after the service started); a
    limit of -1 listed everything (SQLite's 'no limit'), a huge one raised OverflowError."""
    import flows.cli

    def execv(*args: object) -> None:
        raise AssertionError("the service was started")

    monkeypatch.setattr(flows.cli.os, "execv", execv)
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "must be 1.." in err and "Traceback" not in err


def test_a_failed_flow_still_sends_its_events_before_the_server_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The queued logs and events were sent only after a successful block: after a failed
    flow Prefect's workers sent them at exit to the stopped server and waited on it."""
    import flows.prefect_api as api

    calls: list[str] = []

    class Server:
        api_url = "http://127.0.0.1:9/api"

        def stop(self) -> None:
            calls.append("stop")

    monkeypatch.setattr(api, "_owned_server", lambda timeout_s: Server())
    monkeypatch.setattr(api, "_drain_workers", lambda: calls.append("drain"))
    with pytest.raises(RuntimeError, match="flow failed"), api._serve_privately(1):
        raise RuntimeError("flow failed")
    assert calls == ["drain", "stop"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///{dir}/notes.txt", "notes.txt cannot be used: file is not a database"),
        ("sqlite:///{dir}", "cannot be used: unable to open database file"),
        ("not a url", "ENNAKOINTI_ALERTS__DATABASE_URL) is malformed"),
        ("postgresql://ops:secret@127.0.0.1:9/alerts", "ops:***@127.0.0.1:9/alerts cannot be"),
    ],
)
@pytest.mark.parametrize("argv", [["db", "current"], ["db", "upgrade"], ["events", "list"]])
def test_an_unusable_alert_database_is_one_error_line(
    url: str, message: str, argv: list[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """A file that is not a database, a folder, a malformed URL or a server that is down
    printed SQLAlchemy's tracebacks (exit 1); the password of a URL stays hidden, and the
    file is left as it was."""
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 100)
    monkeypatch.setenv("ENNAKOINTI_ALERTS__DATABASE_URL", url.replace("{dir}", str(tmp_path)))
    get_settings.cache_clear()
    try:
        line = _refused(argv, capsys)
    finally:
        get_settings.cache_clear()
    assert message in line and "secret" not in line
    assert notes.read_text() == "not a database\n" * 100


@pytest.mark.parametrize(
    ("area", "message"),
    [
        ("TA23", "--level region takes a region code MK01..MK21, not 'TA23'"),
        ("491", "not '491'"),
        ("XX99", "unknown area code 'XX99'"),
    ],
)
def test_the_region_level_refuses_an_area_that_is_not_a_region(
    area: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any code not starting with 'MK' (TA23, 491, XX99, even 'mk10') silently projected all
    19 regions instead of refusing or normalising the code."""
    out = tmp_path / "r.csv"
    argv = ["forecast", "population", "--level", "region", "--area", area, "--out", str(out)]
    assert message in _refused(argv, capsys)
    assert not out.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"draws": 10, "seed": -1}, "seed: must be >= 0"),
        ({"draws": -3, "seed": 1}, r"draws: must lie in 0\.\.\d+"),
    ],
)
def test_the_regional_projection_names_the_range_of_draws_and_seed(
    kwargs: dict[str, int], message: str, cubes: object
) -> None:
    """A negative seed reached numpy (a bare ValueError); draws out of range said only
    'out of range'."""
    from forecasting.demography.regional import project_regions
    from forecasting.errors import ValidationError

    with pytest.raises(ValidationError, match=message):
        project_regions(cubes, regions=["MK10"], **kwargs)  # type: ignore[arg-type]


def test_the_region_level_takes_a_lower_case_region_code(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    argv = ["forecast", "population", "--level", "region", "--area", "mk10", "--base-year",
            "2020", "--until", "2021", "--draws", "0", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert set(out.read_text().splitlines()[1:][0].split(",")[:1]) == {"MK10"}


EVENT = ["events", "add", "--employer", "X Oy", "--municipality", "491", "--industry", "C",
         "--kind", "closure", "--jobs", "10", "--announced", "2024-01-01",
         "--effect-start", "2024-02-01", "--source", "lehti"]  # fmt: skip


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--jobs", "0", "error: jobs: Input should be greater than 0"),
        ("--employer", "", "error: employer: String should have at least 1 character"),
        ("--source", "", "error: source: String should have at least 1 character"),
        (
            "--effect-end",
            "2023-01-01",
            "error: effect_end: Value error, effect_end is before effect_start",
        ),
    ],
)
def test_events_add_names_what_is_wrong_with_a_zero_or_empty_value(
    option: str, value: str, message: str, alert_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--jobs 0`` and an empty ``--employer`` were dropped as if not given ('Field
    required'); an error of the whole event printed an empty field name (': Value error'),
    and an end before the start was named as the whole event's ('event: ...'), not the
    option's field."""
    argv = list(EVENT)
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    assert _refused(argv, capsys).startswith(message)
    assert main(["events", "list"]) == 0
    assert capsys.readouterr().out.strip() == "no events"


HEADER = "employer,municipality,industry,kind,jobs,announced,effect_start,effect_end,source\n"
ROW = "Y Oy,491,C,closure,10,2024-01-01,2024-02-01,,lehti\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "events.csv, row 1: missing columns ['employer'"),
        ('[{"employer": "Y Oy", "jobs": 10}]\n', "row 1: missing columns ['employer'"),
        ("employer,jobs\nY Oy,10\n", "row 1: missing columns ['municipality'"),
        (HEADER + ROW + ROW.replace("Y Oy", "Z Oy, Ab"), "row 3: more cells than the header"),
    ],
)
def test_events_import_refuses_a_file_that_is_not_an_events_csv(
    text: str, message: str, tmp_path: Path, alert_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty file or a JSON file 'imported 0 events' with exit 0, and a row shifted by an
    unquoted comma lost its last cells silently; nothing is imported from such a file."""
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    assert message in _refused(["events", "import", str(path)], capsys)
    assert main(["events", "list"]) == 0
    assert capsys.readouterr().out.strip() == "no events"


def test_events_import_of_a_header_only_file_imports_nothing(
    tmp_path: Path, alert_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(HEADER, encoding="utf-8")
    assert main(["events", "import", str(path)]) == 0
    assert capsys.readouterr().out.strip() == (
        "imported 0 rows: 0 new, 0 corrected, 0 already registered"
    )


def test_a_corrected_event_corrects_the_register_from_the_command_line(
    tmp_path: Path, alert_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A re-import or re-add with the same employer, municipality, kind and announcement
    but other jobs counted as imported and kept the old jobs (the API corrects since #15)."""
    path = tmp_path / "events.csv"
    path.write_text(HEADER + ROW, encoding="utf-8")
    assert main(["events", "import", str(path)]) == 0
    assert "1 new, 0 corrected, 0 already registered" in capsys.readouterr().out
    path.write_text(HEADER + ROW + ROW.replace(",10,", ",500,"), encoding="utf-8")
    assert main(["events", "import", str(path)]) == 0
    assert "0 new, 1 corrected, 1 already registered" in capsys.readouterr().out
    assert main(["events", "list"]) == 0
    listed = capsys.readouterr().out
    assert "500" in listed and len(listed.strip().splitlines()) == 2  # header and one event
    assert main(EVENT) == 0
    assert capsys.readouterr().out.strip().endswith(" registered")
    assert main(EVENT) == 0
    assert capsys.readouterr().out.strip().endswith(" already registered")
    jobs = EVENT.index("--jobs") + 1
    assert main([*EVENT[:jobs], "25", *EVENT[jobs + 1 :]]) == 0
    assert capsys.readouterr().out.strip().endswith(" corrected")


def test_replaying_a_delivery_that_is_not_a_dead_letter_is_an_error_line(
    alert_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It printed the reason without the ``error:`` every other refusal starts with."""
    assert main(["alerts", "dead-letters", "--replay", "5"]) == 1
    assert capsys.readouterr().err == "error: delivery 5 is not a dead letter\n"


def test_a_snapshot_build_from_a_missing_folder_is_an_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It printed its reason without the ``error:`` every other refusal starts with."""
    out = tmp_path / "snapshot"
    argv = ["data", "build-snapshot", "--shared", str(tmp_path / "none"), "--out", str(out)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: snapshot build failed, nothing written: ")
    assert "shared data folder not found" in err and not out.exists()


def _run_quietly(argv: list[str]) -> tuple[int, str]:
    """Exit status and stderr of ``main(argv)`` (argparse's exits included)."""
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, err.getvalue()


#: Out-of-range years of each option (Snapshot v2: base populations 2018, 2019 and 2025).
YEARS_OUTSIDE = {
    ("population", "--until"): st.integers(max_value=2025) | st.integers(min_value=2101),
    ("population", "--base-year"): st.integers(max_value=2017) | st.integers(min_value=2026),
    ("training-needs", "--until"): st.integers(max_value=2025) | st.integers(min_value=2041),
}


@given(data=st.data(), case=st.sampled_from(sorted(YEARS_OUTSIDE)))
@settings(max_examples=25)
def test_any_year_out_of_range_is_one_error_line(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, case: tuple[str, str]
) -> None:
    """Years before the data or after 2100 (2040 for training needs), however absurd, are
    refused with exit 2, one ``error:`` line and no file."""
    year = data.draw(YEARS_OUTSIDE[case].filter(lambda y: abs(y) < 10**15), label="year")
    command, option = case
    out = tmp_path_factory.mktemp("y") / "out.csv"
    code, err = _run_quietly(["forecast", command, option, str(year), "--out", str(out)])
    assert code == 2 and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    if command == "training-needs":  # the range that holds, from the population's base year
        assert err.startswith(f"error: until: must be within 2026..2040, got {year}")
    assert not out.exists()


def test_db_current_does_not_create_a_missing_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``db current`` only checks, yet it created the folders and an empty SQLite file."""
    path = tmp_path / "var" / "alerts.sqlite"
    monkeypatch.setenv("ENNAKOINTI_ALERTS__DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    try:
        assert main(["db", "current"]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("error: the alert database sqlite:///") and "does not exist" in err
    assert not (tmp_path / "var").exists()


def test_training_needs_checks_all_three_csv_files_before_the_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The needs CSV comes with ``<name>_balance`` and ``<name>_qualifications`` beside it: a
    folder in the way of one of those failed after the work and the first file's write."""
    import forecasting.io.inputs

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("the work ran before --out was checked")

    monkeypatch.setattr(forecasting.io.inputs, "assemble", no_work)
    (tmp_path / "needs_balance.csv").mkdir()
    out = tmp_path / "needs.csv"
    line = _refused(["forecast", "training-needs", "--out", str(out)], capsys)
    assert "needs_balance.csv: is a folder" in line and not out.exists()


@pytest.mark.parametrize("suffix", [".xlsx", ".XLSX"])
def test_a_table_named_for_excel_is_a_workbook_with_the_rows_of_the_csv(
    tmp_path: Path, suffix: str
) -> None:
    """``--out x.xlsx`` used to get CSV text, which Excel refuses to open."""
    from openpyxl import load_workbook

    argv = ["forecast", "population", "--level", "region", "--area", "MK10", "--base-year",
            "2020", "--until", "2021", "--draws", "0", "--out"]  # fmt: skip
    assert main([*argv, str(tmp_path / "r.csv")]) == 0
    assert main([*argv, str(tmp_path / f"r{suffix}")]) == 0
    csv_rows = (tmp_path / "r.csv").read_text().splitlines()
    assert (tmp_path / f"r{suffix}").read_bytes()[:2] == b"PK"  # a zip: an OOXML workbook
    book = load_workbook(tmp_path / f"r{suffix}", read_only=True)
    rows = list(book["data"].iter_rows(values_only=True))
    assert list(rows[0]) == csv_rows[0].split(",")
    assert len(rows) == len(csv_rows)
    assert {r[0] for r in rows[1:]} == {"MK10"}


def test_an_area_beside_the_national_scope_is_refused_not_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``forecast registers --scope national --area TA01`` forecast every area and wrote
    them all, as if the area had not been given. It is refused before any work; without
    ``--area`` the scope's default (TA23) still reaches the forecast."""
    import forecasting.registers as registers

    seen: list[tuple[str, str]] = []

    def frame(_registers: object, **kw: Any) -> pd.DataFrame:
        seen.append((kw["scope"], kw["area"]))
        out = pd.DataFrame({"area": ["TA23"], "mean": [1.0]})
        out.attrs.update(origin="2026-06", source_tables="tyonv 12r5", license="CC BY 4.0")
        return out

    monkeypatch.setattr(registers, "forecast_frame", frame)
    monkeypatch.setattr(registers, "check_registers", lambda ds: ds)
    monkeypatch.setattr("forecasting.io.inputs.assemble", lambda names: {"registers": None})
    out = tmp_path / "f.csv"
    argv = ["forecast", "registers", "--scope", "national", "--area", "TA01", "--out", str(out)]
    assert "--scope national covers every area" in _refused(argv, capsys)
    assert seen == [] and not out.exists()
    assert main(["forecast", "registers", "--out", str(out)]) == 0
    assert main(["forecast", "registers", "--scope", "national", "--out", str(out)]) == 0
    assert seen == [("area", "TA23"), ("national", "TA23")]
