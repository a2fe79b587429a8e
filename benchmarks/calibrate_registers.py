"""Interval factors of the register forecasts from the tuning origins (split conformal).

    .venv/bin/python benchmarks/calibrate_registers.py           # forecasts, factors, write
    .venv/bin/python benchmarks/calibrate_registers.py --no-write

For every tuning origin (:data:`forecasting.backtest.TUNING_ORIGINS`, never the evaluation
ones) and variable, the published forecast of the whole national hierarchy is made without
interval factors (same seeds and samples as :func:`forecasting.backtest.backtest_registers`)
and compared with the registers 1-36 months later. Per variable, level and horizon band
(steps 1-12, 13-24, 25-36) the factors are the split-conformal quantiles of
:func:`models.forecast.calibration.interval_scores` at 80 % and 95 %
(:func:`models.forecast.calibration.factor_table`). They are written to
``forecasting/interval_factors.py``; the raw forecasts are cached in
``build/calibrate_registers/`` (delete it after changing the engine).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.backtest import TUNING_ORIGINS  # noqa: E402
from forecasting.registers import (  # noqa: E402
    BACKTEST_HORIZON,
    VARIABLES,
    forecast_variable,
    hierarchy_panel,
    national_hierarchy,
    registers_cube,
)
from models.forecast.calibration import BAND_EDGES, factor_table, interval_scores  # noqa: E402

CACHE = ROOT / "build" / "calibrate_registers"
OUT = ROOT / "forecasting" / "interval_factors.py"
LEVELS = ("municipality", "employment_area", "region", "country")
KEYS = ("lo80", "hi80", "lo95", "hi95")
SEED, N_SAMPLES = 20250101, 500  # those of forecasting.backtest.backtest_registers


def raw_forecasts(ds: Any, origins: tuple[str, ...]) -> dict[str, dict[str, np.ndarray]]:
    """Per variable: ``y``, ``point`` and the four bounds, ``(origins x rows, 36)`` (NaN
    beyond the data), and ``level`` per row; cached per origin set."""
    path = CACHE / f"raw-{'_'.join(origins)}.pkl"
    if path.exists():
        with path.open("rb") as fh:
            cached: dict[str, dict[str, np.ndarray]] = pickle.load(fh)
        return cached
    hier = national_hierarchy()
    times = pd.DatetimeIndex(ds["time"].values)
    out: dict[str, dict[str, list[np.ndarray]]] = {v: {} for v in VARIABLES}
    k = 0
    for origin in origins:
        end = int(times.get_loc(pd.Timestamp(origin + "-01"))) + 1
        horizon = min(BACKTEST_HORIZON, len(times) - end)
        for variable in VARIABLES:
            stream = np.random.SeedSequence(SEED, spawn_key=(k,))
            k += 1
            panel = hierarchy_panel(ds, variable, hier, end)
            fc = forecast_variable(
                panel, hier, hier.rows, horizon, n_samples=N_SAMPLES,
                rng=np.random.default_rng(stream),
            )  # fmt: skip
            actual = ds[variable].sel(area=list(hier.rows)).transpose("area", "time").values
            pad = BACKTEST_HORIZON - horizon
            arrays = {"y": actual[:, end : end + horizon], "point": fc.point, **fc.bounds}
            for key, values in arrays.items():
                full = np.pad(np.asarray(values, float), ((0, 0), (0, pad)), constant_values=np.nan)
                out[variable].setdefault(key, []).append(full)
            out[variable].setdefault("level", []).append(np.array(hier.levels))
            print(f"  {origin} {variable}", flush=True)
    joined = {v: {key: np.concatenate(vals) for key, vals in d.items()} for v, d in out.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        pickle.dump(joined, fh)
    return joined


def factors(raw: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
    """Factors ``(3, 2)`` per variable and level (:func:`factor_table`)."""
    steps = np.arange(1, BACKTEST_HORIZON + 1)
    out: dict[str, dict[str, np.ndarray]] = {}
    for variable, d in raw.items():
        out[variable] = {}
        for level in LEVELS:
            rows = d["level"] == level
            bounds = {key: d[key][rows] for key in KEYS}
            out[variable][level] = factor_table(steps, d["y"][rows], d["point"][rows], bounds)
    return out


def coverage_table(
    raw: dict[str, dict[str, np.ndarray]], table: dict[str, dict[str, np.ndarray]]
) -> pd.DataFrame:
    """Coverage before the factors and the factors, per variable, level and band."""
    steps = np.arange(1, BACKTEST_HORIZON + 1)
    bands = np.searchsorted(np.asarray(BAND_EDGES), steps, side="left")
    rows = []
    for variable, d in raw.items():
        for level in LEVELS:
            sel = d["level"] == level
            for b in range(len(BAND_EDGES) + 1):
                cols = bands == b
                row: dict[str, Any] = {"variable": variable, "level": level, "band": b}
                for j, lvl in enumerate((80, 95)):
                    s = interval_scores(
                        d["y"][sel][:, cols], d["point"][sel][:, cols],
                        d[f"lo{lvl}"][sel][:, cols], d[f"hi{lvl}"][sel][:, cols],
                    )  # fmt: skip
                    s = s[~np.isnan(s)]  # actuals missing (suppressed, gap, after the data)
                    row[f"n{lvl}"] = int(s.size)
                    row[f"coverage{lvl}"] = float(np.mean(s <= 1.0)) if s.size else np.nan
                    row[f"factor{lvl}"] = float(table[variable][level][b, j])
                rows.append(row)
    return pd.DataFrame(rows)


def write_module(table: dict[str, dict[str, np.ndarray]], origins: tuple[str, ...]) -> None:
    lines = [
        '"""Interval factors of the register forecasts (written by '
        "``benchmarks/calibrate_registers.py``).",
        "",
        "Variable -> level -> one ``(f80, f95)`` pair per horizon band (steps 1-12, 13-24, 25+",
        "after the latest data); split-conformal quantiles of the published intervals' errors on",
        "the tuning origins (:data:`forecasting.backtest.TUNING_ORIGINS`,",
        f"{origins[0]}..{origins[-1]}); see :func:`forecasting.registers.calibrate_intervals`.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "INTERVAL_FACTORS: dict[str, dict[str, tuple[tuple[float, float], ...]]] = {",
    ]
    for variable, levels in table.items():
        lines.append(f'    "{variable}": {{')
        for level, arr in levels.items():
            pairs = ", ".join(f"({a:.3f}, {b:.3f})" for a, b in arr)
            lines.append(f'        "{level}": ({pairs}),')
        lines.append("    },")
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    began, cpu0 = time.perf_counter(), time.process_time()
    raw = raw_forecasts(registers_cube(), TUNING_ORIGINS)
    table = factors(raw)
    print(coverage_table(raw, table).round(3).to_string(index=False))
    print(f"{time.perf_counter() - began:.0f} s wall, {time.process_time() - cpu0:.0f} CPU s")
    if not args.no_write:
        write_module(table, TUNING_ORIGINS)
        print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
