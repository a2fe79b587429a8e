"""Scenarios and alerts take their input cubes as arguments: no snapshot reads, no caches
over data (only configuration tables and pure design matrices are cached)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(
    [
        *(ROOT / "forecasting" / "scenarios").glob("*.py"),
        *(ROOT / "forecasting" / "alerts").glob("*.py"),
    ]
)
#: Cached functions allowed: configuration read through forecasting.io, and a pure function
#: of integers (the structural-break design).
#: Readers of versioned configuration tables and a pure function of integers: not data.
ALLOWED_CACHES = {"load_config", "load_multipliers", "_break_design", "_table"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_snapshot_and_no_data_cache(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = {a.name for a in node.names}
            assert node.module != "forecasting.snapshot", path
            assert not (node.module == "forecasting" and "snapshot" in names), path
        if isinstance(node, ast.FunctionDef):
            cached = any("cache" in ast.unparse(d) for d in node.decorator_list)
            assert not cached or node.name in ALLOWED_CACHES, f"{path.name}: {node.name}"


def test_a_register_forecast_spec_without_forecasts_is_refused(ta23) -> None:
    from forecasting.errors import ValidationError
    from forecasting.scenarios import run_scenario

    last = ta23.registers["time"].values[-1]
    spec = {"start": str(last)[:7], "horizon_months": 6, "baseline_source": "register_forecast"}
    with pytest.raises(ValidationError, match="register_forecasts") as info:
        run_scenario(spec, calibration=ta23, draws=2, seed=1)
    assert info.value.field == "baseline_source"


def test_a_calibration_of_another_area_is_refused(ta23) -> None:
    from forecasting.errors import ValidationError
    from forecasting.scenarios import run_scenario

    with pytest.raises(ValidationError, match="calibration is of TA23") as info:
        run_scenario({"area": "TA01", "horizon_months": 2}, calibration=ta23, draws=2, seed=1)
    assert info.value.field == "area"
