"""Snapshot size on disk and the time to load and validate every cube in a fresh process.

Targets (issue 2): the snapshot is at most 15 MB; loading and validating all cubes takes at
most 3 s (median of 5 fresh processes). Each run starts a new Python process, imports
``forecasting.snapshot`` and times ``snapshot.load_all()`` (read, cast, contract validation and
content-hash check of every cube); the whole process wall time is reported as well.

    python benchmarks/bench_snapshot.py [--runs 5] [--out docs/results/snapshot.md]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from forecasting import snapshot

ROOT = Path(__file__).resolve().parent.parent
SIZE_LIMIT_MB = 15.0
LOAD_LIMIT_S = 3.0
CHILD = """
import json, time
t0 = time.perf_counter()
from forecasting import snapshot
t1 = time.perf_counter()
cubes = snapshot.load_all()
t2 = time.perf_counter()
cells = sum(int(v.size) for ds in cubes.values() for v in ds.data_vars.values())
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "cubes": len(cubes), "cells": cells}))
"""


def one_run() -> dict[str, float]:
    """One fresh process: import time, load+validate time, whole-process wall time."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def sizes() -> dict[str, int]:
    """Bytes on disk per file of the snapshot directory."""
    return {p.name: p.stat().st_size for p in sorted(snapshot.snapshot_dir().iterdir())}


def report(runs: list[dict[str, float]], files: dict[str, int], n_runs: int) -> str:
    total_mb = sum(files.values()) / 1e6
    load = statistics.median(r["load_s"] for r in runs)
    proc = statistics.median(r["process_s"] for r in runs)
    imp = statistics.median(r["import_s"] for r in runs)
    size_ok = "yes" if total_mb <= SIZE_LIMIT_MB else "NO"
    load_ok = "yes" if load <= LOAD_LIMIT_S else "NO"
    lines = [
        "# Snapshot size and load time",
        "",
        f"Command: `python benchmarks/bench_snapshot.py --runs {n_runs}`",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}; the machine was "
        "shared with other workers during the run, so times are upper bounds; re-run on a "
        "quiet machine for final figures.",
        "",
        f"Snapshot data_version `{snapshot.data_version()}`: {len(snapshot.names())} cubes, "
        f"{int(runs[0]['cells']):,} cells.",
        "",
        "| measure | value | target | met |",
        "|---|---|---|---|",
        f"| size on disk (all files) | {total_mb:.2f} MB | <= {SIZE_LIMIT_MB:.0f} MB | {size_ok} |",
        f"| load + validate all cubes, median of {n_runs} fresh processes | {load:.2f} s "
        f"| <= {LOAD_LIMIT_S:.0f} s | {load_ok} |",
        f"| import of forecasting.snapshot (median) | {imp:.2f} s | | |",
        f"| whole process incl. interpreter start (median) | {proc:.2f} s | | |",
        "",
        "Runs (load s): " + ", ".join(f"{r['load_s']:.2f}" for r in runs),
        "",
        "| file | bytes |",
        "|---|---|",
        *[f"| {name} | {size:,} |" for name, size in files.items()],
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "snapshot.md")
    args = parser.parse_args(argv)
    runs = [one_run() for _ in range(args.runs)]
    text = report(runs, sizes(), args.runs)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
