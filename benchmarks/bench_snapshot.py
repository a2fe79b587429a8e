"""Snapshot size on disk and the time to load and validate every cube in a fresh process.

Targets (issue 2): the snapshot is at most 15 MB; loading and validating all cubes takes at
most 3 s (median of 5 fresh processes). Each run starts a new Python process, imports
``forecasting.snapshot`` and times ``snapshot.load_all()`` (read, cast, contract validation and
content-hash check of every cube); the whole process wall time is reported as well.

Unless ``--no-build``, it also times one full rebuild from ``../shared/data`` into a temporary
directory (``python -m forecasting.io.snapshot_build --out TMP``; wall and CPU time) and checks
that it reproduces the committed manifest. The machine's load (``uptime``) before and after is
written with the figures: on a shared machine wall times are upper bounds, CPU times are not.

    python benchmarks/bench_snapshot.py [--runs 5] [--no-build] [--out docs/results/snapshot.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from forecasting import snapshot
from forecasting.settings import get_settings

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


def uptime() -> str:
    """The ``uptime`` line (load averages over 1, 5 and 15 minutes)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def rebuild() -> dict[str, float | bool]:
    """Time one full rebuild into a temporary directory; compare with the committed manifest."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "snapshot"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "forecasting.io.snapshot_build", "--out", str(out)],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        wall = time.perf_counter() - start
        built = json.loads((out / "manifest.json").read_text())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "identical": built == snapshot.manifest()}


def sizes() -> dict[str, int]:
    """Bytes on disk per file of the snapshot directory."""
    return {p.name: p.stat().st_size for p in sorted(snapshot.snapshot_dir().iterdir())}


def report(
    runs: list[dict[str, float]],
    files: dict[str, int],
    n_runs: int,
    build: dict[str, float | bool] | None,
    load: tuple[str, str],
) -> str:
    total_mb = sum(files.values()) / 1e6
    median_load = statistics.median(r["load_s"] for r in runs)
    proc = statistics.median(r["process_s"] for r in runs)
    imp = statistics.median(r["import_s"] for r in runs)
    size_ok = "yes" if total_mb <= SIZE_LIMIT_MB else "NO"
    load_ok = "yes" if median_load <= LOAD_LIMIT_S else "NO"
    lines = [
        "# Snapshot size, load time and rebuild time",
        "",
        f"Command: `python benchmarks/bench_snapshot.py --runs {n_runs}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; shared with other jobs during the run, so wall times "
        "are upper bounds (CPU times are not); re-run on a quiet machine for final figures.",
        "",
        f"- `uptime` before: `{load[0]}`",
        f"- `uptime` after: `{load[1]}`",
        "",
        f"Snapshot data_version `{snapshot.data_version()}`: {len(snapshot.names())} cubes, "
        f"{int(runs[0]['cells']):,} cells.",
        "",
        "| measure | value | target | met |",
        "|---|---|---|---|",
        f"| size on disk (all files) | {total_mb:.2f} MB | <= {SIZE_LIMIT_MB:.0f} MB | {size_ok} |",
        f"| load + validate all cubes, median of {n_runs} fresh processes | {median_load:.2f} s "
        f"| <= {LOAD_LIMIT_S:.0f} s | {load_ok} |",
        f"| import of forecasting.snapshot (median) | {imp:.2f} s | | |",
        f"| whole process incl. interpreter start (median) | {proc:.2f} s | | |",
        *(
            [
                f"| full rebuild from ../shared/data, wall | {build['wall_s']:.1f} s | well under "
                "30 s | " + ("yes" if float(build["wall_s"]) < 30 else "NO") + " |",
                f"| full rebuild, CPU (user + sys) | {build['cpu_s']:.1f} s | | |",
                "| rebuild reproduces the committed manifest | "
                + ("yes" if build["identical"] else "NO")
                + " | identical | "
                + ("yes" if build["identical"] else "NO")
                + " |",
            ]
            if build
            else []
        ),
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
    parser.add_argument("--no-build", action="store_true", help="skip timing a full rebuild")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "snapshot.md")
    args = parser.parse_args(argv)
    load_before = uptime()
    runs = [one_run() for _ in range(args.runs)]
    shared = get_settings().data.shared_data_dir
    build = None if args.no_build or not (shared / "statfin").is_dir() else rebuild()
    text = report(runs, sizes(), args.runs, build, (load_before, uptime()))
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
