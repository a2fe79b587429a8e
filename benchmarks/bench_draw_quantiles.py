"""CPU per call of the draws' quantiles: numba's parallel kernel against the one-thread one.

    python benchmarks/bench_draw_quantiles.py
    NUMBA_NUM_THREADS=1 python benchmarks/bench_draw_quantiles.py   # a 2-worker build's workers

Tables as the release makes them: a training area's retirements (210 rows of 100 draws), a
municipality's labour indicators (210 x 1,000) and its population cells (6,426 x 1,000).
``models.cohort.draw_quantiles`` takes the one-thread kernel below
``PARALLEL_QUANTILES_FROM`` values; both give the same bits (checked here too). CPU seconds
of the process (every thread), best of three rounds; the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models._kernels import cohort as parallel
from models._kernels import serial_quantiles as serial

TABLES = ((210, 100), (210, 1000), (6426, 1000))
PROBS = np.array([0.1, 0.9, 0.025, 0.975])


def cpu_per_call(kernel: object, cols: np.ndarray, calls: int) -> float:
    mean, quant = np.empty(cols.shape[0]), np.empty((PROBS.size, cols.shape[0]))
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for _ in range(calls):
            kernel(cols, PROBS, mean, quant)  # type: ignore[operator]
        best = min(best, (time.process_time() - start) / calls)
    return best


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args(argv)
    rng = np.random.default_rng(0)
    threads = os.environ.get("NUMBA_NUM_THREADS", "default")
    print(f"load average {os.getloadavg()[0]:.1f}; numba threads {threads}")
    for rows, draws in TABLES:
        cols = rng.poisson(300, size=(rows, draws)).astype(np.float64)
        outs = [(np.empty(rows), np.empty((PROBS.size, rows))) for _ in range(2)]
        parallel.column_quantiles(cols, PROBS, *outs[0])
        serial.column_quantiles_serial(cols, PROBS, *outs[1])
        same = all(a.tobytes() == b.tobytes() for a, b in zip(*outs, strict=True))
        calls = max(5, int(2e7 // cols.size))
        par = cpu_per_call(parallel.column_quantiles, cols, calls)
        one = cpu_per_call(serial.column_quantiles_serial, cols, calls)
        print(
            f"{rows:>5} rows x {draws:>4} draws: parallel {1000 * par:7.2f} ms CPU a call, "
            f"one thread {1000 * one:7.2f} ms; same bits: {same}"
        )
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
