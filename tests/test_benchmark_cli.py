"""Every benchmark script answers ``--help`` without running: its command line is argparse's.

Running all of them under ``--help`` would import numba and xarray some forty times, so the
rule is checked on the source (every script with a ``__main__`` block imports :mod:`argparse`),
and the help of two scripts that once took bare positional words is run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _scripts() -> list[Path]:
    return sorted(p for p in BENCHMARKS.glob("*.py") if "__main__" in p.read_text())


@pytest.mark.parametrize("script", _scripts(), ids=lambda p: p.name)
def test_every_script_parses_its_command_line_with_argparse(script: Path) -> None:
    tree = ast.parse(script.read_text())
    imported = {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
        for alias in node.names
    }  # fmt: skip
    assert "argparse" in imported, f"{script.name} has a __main__ block but no argparse"


@pytest.mark.parametrize("name", ["compare_intervals", "vacancy_members"])
def test_help_prints_usage_and_runs_nothing(name: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{name}.py"), "--help"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {name}.py")


def test_a_missing_frame_is_refused_by_name(tmp_path: Path) -> None:
    missing = tmp_path / "before.pkl"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "compare_intervals.py"), str(missing), str(missing)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert f"{missing}: no such file" in done.stderr
