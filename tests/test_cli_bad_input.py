"""The command line refuses bad input as the API does: one ``error: ...`` line naming what is
wrong, a non-zero exit, no traceback, and nothing lost or half-written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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
