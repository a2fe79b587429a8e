"""Scenarios: layoffs, closures, temporary layoffs and large recruitments, simulated.

The labour-flow Monte Carlo of :mod:`models.labourflow`, calibrated to the area's registers
(:mod:`.calibration`, :mod:`.baseline`), driven by event specs after the European
Restructuring Monitor (:mod:`.spec`), with local job multipliers (:mod:`.multipliers`).
Methods: ``docs/methods/scenarios.md``.

Entry points: :func:`run_scenario`, :func:`run_presets`, :func:`run_scenario_file`.
"""

from forecasting.scenarios.run import run_presets, run_scenario, run_scenario_file, to_frame
from forecasting.scenarios.spec import Event, ScenarioSpec, Staffing

__all__ = [
    "Event",
    "ScenarioSpec",
    "Staffing",
    "run_presets",
    "run_scenario",
    "run_scenario_file",
    "to_frame",
]
