"""CPU seconds of register backtest and forecast units, two checkouts side by side.

    python benchmarks/bench_register_units.py --before /path/to/other/checkout \\
        [--units 2012-06_unemployed,2017-06_vacancies,2022-06_unemployed] \\
        [--forecasts unemployed] [--repeat 2] [--out docs/results/register_units.json]

Runs the same units of the national release (``register_backtest_metrics`` units are
``ORIGIN_VARIABLE``, ``register_forecasts`` units a variable) in a fresh process per checkout
and repetition, alternating the checkouts (before, after, before, after, ...), so both see the
same load on a shared machine. Each process loads the numba caches with one untimed unit
first, then records ``time.process_time()`` per unit and a SHA-256 of each unit's result
(the backtest frame, or every variable of the forecast dataset, bit for bit): equal
digests mean the two checkouts computed the same numbers. "after" is the checkout this
script lies in. The checkout given as ``--before`` must have compiled its numba kernels
once (any build or test run there does).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import hashlib, json, sys, time
import numpy as np, pandas as pd
from forecasting.io.inputs import assemble
from forecasting.registers import check_registers, forecast_register_variable
from forecasting.backtest import backtest_unit
units, forecasts, seed = json.loads(sys.argv[1])
registers = check_registers(assemble()["registers"])
backtest_unit(registers, "2012-06", "vacancies", seed=seed)  # load the numba caches
out = {}
for unit in units:
    origin, variable = unit.split("_", 1)
    c0 = time.process_time()
    frame = backtest_unit(registers, origin, variable, seed=seed)
    cpu = time.process_time() - c0
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=True).values).hexdigest()
    out[unit] = {"cpu_s": round(cpu, 2), "sha256": digest[:16]}
for variable in forecasts:
    c0 = time.process_time()
    ds = forecast_register_variable(
        registers, variable, "latest", 42, "national", "TA23", seed=seed
    )
    cpu = time.process_time() - c0
    h = hashlib.sha256()
    for name in sorted(ds.data_vars):
        h.update(name.encode()); h.update(np.ascontiguousarray(ds[name].values).tobytes())
    out["forecast_" + variable] = {"cpu_s": round(cpu, 2), "sha256": h.hexdigest()[:16]}
print(json.dumps(out))
"""


def run(root: Path, units: list[str], forecasts: list[str], seed: int) -> dict[str, dict]:
    """One fresh process on the code of ``root`` (its package first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    args = json.dumps([units, forecasts, seed])
    done = subprocess.run(
        [sys.executable, "-c", CHILD, args],
        cwd=root, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _commit(root: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, type=Path, help="the other checkout")
    parser.add_argument(
        "--units", default="2012-06_unemployed,2017-06_vacancies,2022-06_unemployed"
    )
    parser.add_argument("--forecasts", default="unemployed")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()
    units = [u for u in args.units.split(",") if u]
    forecasts = [v for v in args.forecasts.split(",") if v]
    sides = {"before": args.before.resolve(), "after": ROOT}
    runs: dict[str, list[dict[str, dict]]] = {"before": [], "after": []}
    load = [os.getloadavg()[0]]
    for _ in range(args.repeat):
        for side, root in sides.items():
            runs[side].append(run(root, units, forecasts, args.seed))
            load.append(os.getloadavg()[0])
    names = list(runs["after"][0])
    lines = [
        "| unit | CPU s before (each run) | CPU s after (each run) | median before -> after "
        "| same result |",
        "|---|---|---|---|---|",
    ]
    total = {"before": 0.0, "after": 0.0}
    for name in names:
        cpu = {s: [r[name]["cpu_s"] for r in runs[s]] for s in sides}
        med = {s: round(statistics.median(v), 2) for s, v in cpu.items()}
        for s in sides:
            total[s] += med[s]
        same = {r[name]["sha256"] for s in sides for r in runs[s]}
        lines.append(
            f"| {name} | {', '.join(map(str, cpu['before']))} | "
            f"{', '.join(map(str, cpu['after']))} | {med['before']} -> {med['after']} "
            f"| {'yes' if len(same) == 1 else 'NO'} |"
        )
    lines.append(
        f"| **sum of medians** | | | {total['before']:.2f} -> {total['after']:.2f} "
        f"({total['before'] / total['after']:.2f}x) | |"
    )
    table = "\n".join(lines)
    print(table)
    figures = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "python benchmarks/bench_register_units.py " + " ".join(sys.argv[1:]),
        "commits": {side: _commit(root) for side, root in sides.items()},
        "load_average_1min": [round(x, 1) for x in load],
        "runs": runs,
        "table": table,
    }
    print(json.dumps({k: figures[k] for k in ("when", "command", "commits", "load_average_1min")}))
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
