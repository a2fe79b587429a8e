"""Scenarios: layoffs, closures, temporary layoffs and large recruitments, simulated.

The labour-flow Monte Carlo of :mod:`models.labourflow`, calibrated to the area's registers
(:mod:`.calibration`, :mod:`.baseline`), driven by event specs after the European
Restructuring Monitor (:mod:`.spec`), with local job multipliers (:mod:`.multipliers`).
Methods: ``docs/methods/scenarios.md``.

Entry points: :func:`run_scenario`, :func:`run_presets`, :func:`run_scenario_file`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from forecasting.scenarios.spec import Event, ScenarioSpec, Staffing

if TYPE_CHECKING:
    from forecasting.scenarios.run import run_presets, run_scenario, run_scenario_file, to_frame

#: The engine's entry points load the numba kernels: imported on first use (PEP 562), so a
#: caller that only validates specs (the service's forms) does not pay for them.
_RUN = ("run_presets", "run_scenario", "run_scenario_file", "to_frame")


def __getattr__(name: str) -> Any:
    if name in _RUN:
        return getattr(importlib.import_module("forecasting.scenarios.run"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Event",
    "ScenarioSpec",
    "Staffing",
    "run_presets",
    "run_scenario",
    "run_scenario_file",
    "to_frame",
]
