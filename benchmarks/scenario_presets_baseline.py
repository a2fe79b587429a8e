"""The preset scenarios on the register forecasts versus on seasonal persistence.

Usage::

    python benchmarks/scenario_presets_baseline.py [--area TA23] [--draws 1000] [--no-write]

Builds the area's calibration from the snapshot (``assemble(use_cache=False)``) and the
release's register forecasts (``forecast_registers(registers, "latest", 42, "area", area)``,
the release product ``register_forecasts``), then runs the release's preset scenarios
(``run_presets``, the ``scenarios`` product) twice with the release's draws: without the
forecasts (the last observed year repeated) and with them (``baseline=``, what the product
does now). Reports the CPU and wall seconds of each (what following the forecasts costs the
build), and the Mäntyharju closure's baseline column at each December (the dashboard's
table rows) with the statement of where it comes from.

Writes ``docs/results/scenario_presets_baseline.md`` with the command and the machine's load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.io.inputs import assemble  # noqa: E402
from forecasting.registers import forecast_registers  # noqa: E402
from forecasting.release.products import _scenario_targets  # noqa: E402
from forecasting.scenarios import baseline as bl  # noqa: E402
from forecasting.scenarios import run_presets  # noqa: E402

OUT = ROOT / "docs" / "results" / "scenario_presets_baseline.md"
CLOSURE = "mantyharju_manufacturing_closure"
T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - w0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--area", default="TA23")
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    cubes = assemble(use_cache=False)
    cal = bl.calibrate(cubes, args.area)
    reg = cubes["registers"]
    fc_all, fc_cpu, _ = _timed(
        lambda: forecast_registers(reg, "latest", 42, "area", args.area, seed=args.seed)
    )
    fc = _scenario_targets(fc_all, args.area)
    runs = {}
    for label, base in (("persistence", None), ("register forecasts", fc)):
        runs[label] = _timed(
            partial(run_presets, seed=args.seed, draws=args.draws, calibration=cal, baseline=base)
        )
    rows = ["| baseline | CPU s | wall s | Mäntyharju (507) baseline, each December |",
            "|---|---:|---:|---|"]  # fmt: skip
    notes = []
    for label, (ds, cpu, wall) in runs.items():
        if CLOSURE in ds.indexes["scenario"]:
            s = ds["unemployed_baseline_target"].sel(scenario=CLOSURE, area="507").to_series()
        else:
            s = ds["unemployed_baseline_target"].sel(scenario="baseline", area="507").to_series()
        dec = ", ".join(f"{t:%m/%Y} {v:.1f}" for t, v in s[s.index.month == 12].items())
        rows.append(f"| {label} | {cpu:.1f} | {wall:.1f} | {dec} |")
        notes.append(f"- {label}: {ds.attrs['baseline_method']}")
    table = "\n".join(rows)
    print(table)
    print("\n".join(notes))
    print(f"register forecasts (built by the release anyway): {fc_cpu:.1f} CPU s")
    if args.no_write:
        return
    load = os.getloadavg()
    OUT.write_text(
        f"""# Preset scenarios: baseline on the register forecasts

Command: `python benchmarks/scenario_presets_baseline.py --area {args.area} --draws \\
{args.draws} --seed {args.seed}` ({dt.date.today():%Y-%m-%d}; load average {load[0]:.2f}
{load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores). Timings taken on a busy machine are
upper bounds.

The release's `scenarios` product runs the preset scenarios of {args.area} from the present.
It now needs `register_forecasts` and passes them as the presets' baseline targets (as a
scenario of the service's form gets them), instead of repeating the last observed year.
The cost is the difference between the two rows (the calibration, about as long, is built
once either way and not counted; the register forecasts, {fc_cpu:.1f} CPU s here, are a
product of every release anyway, so the only build-order change is that `scenarios` starts
after them). The persistence run goes first, so it may carry the process's warm-up;
re-run on a quiet machine for the figure.

{table}

Where each baseline comes from (the result's `baseline_method`, shown under the scenario
page's table):

{chr(10).join(notes)}
""",
        encoding="utf-8",
    )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
