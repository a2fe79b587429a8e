"""CPU seconds and disk size of the release work area's files per zlib level.

    python benchmarks/work_encoding.py DIR [--levels 0,1,4] [--inputs] [--repeat 2]

``DIR`` holds a build's products as ``<product>.nc`` (``benchmarks/profile_release.py
--save DIR``); ``--inputs`` adds the input cubes a build stages (``assemble()``). Each
dataset is written as the work area writes it (:func:`forecasting.io.release_work.write_netcdf`
at each level) and read back as it reads it (``WorkArea.load``), ``--repeat`` times; the
figures are the process CPU (``time.process_time``) of one write and one read (the smallest
of the repeats) and the file's size. Every read-back is ``assert_identical`` to the dataset
written (values and attrs), at every level. A build reads most products more than once (a
mapped product's every unit reads its inputs), so the totals are a lower bound of a build's
share; ``profile_release.py`` measures whole builds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(ds: Any, level: int, folder: Path, repeat: int) -> dict[str, float]:
    """Smallest CPU s of writing and of reading ``ds`` at zlib ``level``, and its MB."""
    import xarray as xr

    from forecasting.io.release_store import _prepare
    from forecasting.io.release_work import write_netcdf

    path = folder / f"level{level}.nc"
    writes, reads = [], []
    for _ in range(repeat):
        path.unlink(missing_ok=True)
        c0 = time.process_time()
        write_netcdf(_prepare(ds), path, complevel=level)
        writes.append(time.process_time() - c0)
        c0 = time.process_time()
        with xr.open_dataset(path, engine="h5netcdf") as opened:
            back = opened.load()
        reads.append(time.process_time() - c0)
    xr.testing.assert_identical(back, _prepare(ds))
    return {
        "write_cpu_s": round(min(writes), 3),
        "read_cpu_s": round(min(reads), 3),
        "mb": round(path.stat().st_size / 1e6, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--levels", default="0,1,4")
    parser.add_argument("--inputs", action="store_true", help="add the staged input cubes")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()

    import xarray as xr

    levels = [int(x) for x in args.levels.split(",")]
    datasets: dict[str, Any] = {}
    for file in sorted(args.dir.glob("*.nc")):
        with xr.open_dataset(file, engine="h5netcdf") as opened:
            datasets[file.stem] = opened.load()
    if args.inputs:
        from forecasting.io.inputs import assemble

        inputs = assemble()
        datasets |= {f"input:{name}": inputs[name] for name in sorted(inputs)}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, ds in datasets.items():
            for var in ds.variables.values():
                var.encoding = {}  # as a step computes it, not as it was read
            row: dict[str, Any] = {"dataset": name}
            for level in levels:
                row[str(level)] = measure(ds, level, Path(tmp), args.repeat)
            rows.append(row)
            print(json.dumps(row), flush=True)
    total = {
        str(level): {
            key: round(sum(r[str(level)][key] for r in rows), 2)
            for key in ("write_cpu_s", "read_cpu_s", "mb")
        }
        for level in levels
    }
    figures = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "python " + " ".join(sys.argv),
        "load_average_end": [round(x, 1) for x in os.getloadavg()],
        "total": total,
        "datasets": rows,
    }
    print(json.dumps({"total": total}), flush=True)
    print("| zlib level | write CPU s | read CPU s | MB |\n|---|---|---|---|")
    for name, t in total.items():
        print(f"| {name} | {t['write_cpu_s']} | {t['read_cpu_s']} | {t['mb']} |")
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
