"""Speed: the whole national backtest plus the final forecast, ours against statsforecast.

    .venv/bin/python benchmarks/bench_registers.py            # the full job, side by side
    .venv/bin/python benchmarks/bench_registers.py --quick    # two origins

Ours: :func:`forecasting.backtest.backtest_registers` over the default origins (all 374
series of the national hierarchy, unemployed and vacancies, horizons up to 36, combination of
five models with inner backtests, calibration, MinT, sample-path intervals, scoring) and
then :func:`forecasting.registers.forecast_registers` at the last month for 36 months.
Peer: statsforecast ``AutoETS(season_length=12)`` (``n_jobs=1``) on the same 374 series, the
same origins and horizons, with 80/95 % intervals, plus the final forecast. Both are warmed
up first (numba caches). Wall and CPU times are reported; the machine is shared, so CPU
time is the fairer figure. Writes the "Speed" section of ``docs/results/registers.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval_registers import write_section  # noqa: E402

from forecasting.backtest import DEFAULT_ORIGINS, backtest_registers  # noqa: E402
from forecasting.registers import (  # noqa: E402
    BACKTEST_HORIZON,
    VARIABLES,
    forecast_registers,
    hierarchy_panel,
    national_hierarchy,
    registers_cube,
)

RESULTS = ROOT / "docs" / "results" / "registers.md"


def timed(job: Callable[[], None]) -> tuple[float, float]:
    """Wall and CPU seconds of ``job()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    job()
    return time.perf_counter() - wall, time.process_time() - cpu


def ours(origins: tuple[str, ...], last: str) -> None:
    backtest_registers(registers_cube(), origins)
    forecast_registers(registers_cube(), last, BACKTEST_HORIZON, "national")


def peer(origins: tuple[str, ...], last: str) -> None:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    ds = registers_cube()
    times = pd.DatetimeIndex(ds["time"].values)
    hier = national_hierarchy()
    for origin in (*origins, last):
        end = int(times.get_loc(pd.Timestamp(origin + "-01"))) + 1
        horizon = min(BACKTEST_HORIZON, len(times) - end) if origin != last else BACKTEST_HORIZON
        for variable in VARIABLES:
            panel = hierarchy_panel(ds, variable, hier, end)
            frame = pd.DataFrame({
                "unique_id": np.repeat(np.arange(panel.shape[0]), end),
                "ds": np.tile(times[:end], panel.shape[0]),
                "y": panel.ravel(),
            })  # fmt: skip
            sf = StatsForecast(models=[AutoETS(season_length=12)], freq="MS", n_jobs=1)
            sf.forecast(df=frame, h=horizon, level=[80, 95])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="two origins only")
    args = parser.parse_args()
    origins = DEFAULT_ORIGINS[::4][:2] if args.quick else DEFAULT_ORIGINS
    last = f"{pd.Timestamp(registers_cube()['time'].values[-1]):%Y-%m}"
    load = os.getloadavg()
    ours(origins[:1], origins[0])  # warm-up: imports, numba caches, snapshot
    peer(origins[:1], origins[0])
    ours_wall, ours_cpu = timed(lambda: ours(origins, last))
    print(f"ours: {ours_wall:.1f} s wall, {ours_cpu:.1f} s CPU", flush=True)
    peer_wall, peer_cpu = timed(lambda: peer(origins, last))
    print(f"statsforecast AutoETS: {peer_wall:.1f} s wall, {peer_cpu:.1f} s CPU", flush=True)
    n_series = len(national_hierarchy().rows)
    command = "python benchmarks/bench_registers.py" + (" --quick" if args.quick else "")
    body = "\n".join([
        "## Speed (national backtest + final forecast)", "",
        f"Command: `{command}`; run {pd.Timestamp.now():%Y-%m-%d %H:%M} on a shared 2-core "
        f"machine (load average {load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the "
        "end: other jobs running), so wall times are noisy; CPU time is the "
        "fairer comparison. Final figures should be re-run on a quiet machine.", "",
        f"Job: {len(origins)} origins x {len(VARIABLES)} variables x {n_series} series, "
        f"horizons up to {BACKTEST_HORIZON}, "
        f"plus the final {BACKTEST_HORIZON}-month forecast at {last}.",
        "",
        "| job | wall s | CPU s |", "|---|---|---|",
        f"| ours (5-model combination, 8 yearly inner backtest blocks, MinT with common "
        "shock, sample intervals, scoring) "
        f"| {ours_wall:.1f} | {ours_cpu:.1f} |",
        f"| statsforecast AutoETS (fit + forecast + 80/95 intervals only) "
        f"| {peer_wall:.1f} | {peer_cpu:.1f} |",
        f"| ratio peer / ours | {peer_wall / ours_wall:.1f}x | {peer_cpu / ours_cpu:.1f}x |",
    ])  # fmt: skip
    print(body)
    write_section(RESULTS, "bench", body)


if __name__ == "__main__":
    main()
