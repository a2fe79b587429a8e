"""The packages import from this repository, not from some other installed package."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["forecasting", "models", "flows", "service"])
def test_package_imports_from_this_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().parent == REPO / name


def test_models_layer_imports_no_xarray_or_frameworks() -> None:
    """models/ is numpy-only: importing every module of it pulls in no xarray, prefect, fastapi."""
    code = (
        "import pkgutil, sys, importlib, models\n"
        "for m in pkgutil.walk_packages(models.__path__, 'models.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [n for n in ('xarray', 'prefect', 'fastapi', 'forecasting') if n in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"models/ imported {out.stdout.strip()}"


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("forecasting", ("flows", "service")), ("flows", ("service",)), ("service", ("flows",))],
)
def test_imports_point_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    """forecasting/ depends on nothing above it; flows/ and service/ never import each other."""
    pattern = re.compile(r"^\s*(from|import)\s+(" + "|".join(forbidden) + r")\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / package).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_cli_help_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "flows.cli", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0
    for command in ("data", "forecast", "scenario", "release", "serve", "run"):
        assert command in out.stdout


def test_no_domain_code_loads_the_snapshot_itself() -> None:
    """Inputs flow down as arguments: only forecasting/io/ (and the snapshot module it uses)
    reads the embedded snapshot."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pattern = re.compile(r"snapshot\.load(_all)?\(")
    offenders = [
        str(path.relative_to(root))
        for package in ("forecasting", "models", "flows", "service")
        for path in (root / package).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
        and not str(path.relative_to(root)).startswith(
            ("forecasting/io/", "forecasting/snapshot.py")
        )
    ]
    assert offenders == []
