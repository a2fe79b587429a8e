"""A scenario run's result does not move when the run is made faster: every variable,
coordinate and attribute of three runs (a closure, a recruitment, a dismissal with a
temporary layoff) through the service's engine runner and local training supply is compared
bit for bit with digests recorded from the same specs before the speed work
(``tests/fixtures/scenario_run_digests.json``).

Re-record (only for an intended change of results, saying why in the commit)::

    python -m tests.test_scenario_run_identity [OUT.json]
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

FIXTURE = Path(__file__).parent / "fixtures" / "scenario_run_digests.json"
#: Attributes that name the code, not the result.
VOLATILE = ("code_version",)

SPECS: dict[str, dict[str, Any]] = {
    "closure": {
        "events": [{"kind": "closure", "municipality": "507", "industry": "C", "jobs": 300,
                    "start": "2026-07", "phase_in_months": 2}],
        "horizon_months": 24, "draws": 40, "seed": 7,
    },
    "recruitment": {
        "events": [{"kind": "recruitment", "municipality": "491", "industry": "Q", "jobs": 200,
                    "start": "2026-09"}],
        "horizon_months": 24, "draws": 40, "seed": 7,
    },
    "dismissal_layoff": {
        "events": [
            {"kind": "dismissal", "municipality": "097", "industry": "G", "jobs": 40,
             "start": "2026-08"},
            {"kind": "temporary_layoff", "municipality": "178", "industry": "F", "jobs": 30,
             "start": "2026-08"},
        ],
        "horizon_months": 18, "draws": 30, "seed": 11,
    },
}  # fmt: skip


def _digest(values: Any) -> str:
    arr = np.asarray(values)
    h = hashlib.sha256(f"{arr.dtype.str}{arr.shape}".encode())
    if arr.dtype.kind in "OUS":
        h.update(json.dumps([str(v) for v in arr.ravel()]).encode())
    else:
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:24]


def digests(ds: xr.Dataset) -> dict[str, Any]:
    """Per variable and coordinate: dims, a digest of dtype, shape and values and its attrs;
    the order of the variables; the dataset's attrs (without :data:`VOLATILE`)."""
    return {
        "data_vars": {str(k): [list(map(str, v.dims)), _digest(v.values), _attrs(v.attrs)]
                      for k, v in sorted(ds.data_vars.items())},
        "coords": {str(k): [list(map(str, v.dims)), _digest(v.values), _attrs(v.attrs)]
                   for k, v in sorted(ds.coords.items())},
        "order": [str(k) for k in ds.data_vars],
        "attrs": {k: v for k, v in _attrs(ds.attrs).items() if k not in VOLATILE},
    }  # fmt: skip


def _attrs(attrs: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): (v if isinstance(v, str | int | float) else str(v))
            for k, v in sorted(attrs.items())}  # fmt: skip


def run_all(cubes: Any, calibration: Any = None) -> dict[str, dict[str, Any]]:
    """The three runs through :class:`service.scenarios.ScenarioService` with the engine
    runner and the test release's training-need balance as local supply."""
    from forecasting.scenarios.spec import ScenarioSpec
    from service.scenarios import EngineRunner, ScenarioService
    from tests.service_data import training_needs

    runner = EngineRunner(cubes)
    if calibration is not None:  # the session's TA23 calibration, instead of a new one
        runner._calibrations[(calibration.area, runner._version())] = calibration
    balance = training_needs()
    service = ScenarioService(
        runner, max_draws=100, max_horizon=60, supply=lambda spec, rid: (balance, "test balance")
    )
    return {
        name: digests(service.run(ScenarioSpec(**spec), None).result)
        for name, spec in SPECS.items()
    }


@pytest.mark.slow
def test_scenario_runs_are_unchanged(cubes, ta23) -> None:
    recorded = json.loads(FIXTURE.read_text())
    now = run_all(cubes, ta23)
    for name in SPECS:
        for part in ("coords", "data_vars", "order", "attrs"):
            assert now[name][part] == recorded[name][part], (name, part)


if __name__ == "__main__":
    import sys

    from forecasting.io.inputs import assemble

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURE
    out.write_text(json.dumps(run_all(assemble(use_cache=False)), indent=1) + "\n")
    print(f"wrote {out}")
