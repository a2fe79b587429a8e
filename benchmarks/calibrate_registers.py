"""Interval factors of the register forecasts from the tuning origins (split conformal).

    .venv/bin/python benchmarks/calibrate_registers.py           # forecasts, factors, write
    .venv/bin/python benchmarks/calibrate_registers.py --no-write

For every tuning origin (:data:`forecasting.backtest.TUNING_ORIGINS`, never the evaluation
ones) and variable, the published forecast of the whole national hierarchy (its centres
with :data:`forecasting.registers.LONG_REVERSION`) is made without interval factors (same
seeds and samples as :func:`forecasting.backtest.backtest_registers`) and compared with
the registers 1-36 months later. Per variable, level and horizon band (steps 1-12, 13-24,
25-36) the factors are the split-conformal quantiles of
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
    labour_path,
    national_hierarchy,
    registers_cube,
)
from models.forecast.calibration import (  # noqa: E402
    isotonic,
    respread,
    robust_spread,
    scale_bounds,
    step_factors,
)

CACHE = ROOT / "build" / "calibrate_registers"
OUT = ROOT / "forecasting" / "interval_factors.py"
LEVELS = ("municipality", "employment_area", "region", "country")
KEYS = ("lo80", "hi80", "lo95", "hi95")
SEED, N_SAMPLES = 20250101, 500  # those of forecasting.backtest.backtest_registers
#: Share of the robust spread in each level's log half-widths (:func:`respread`), chosen by
#: leave-one-origin-out on the tuning origins (``benchmarks/calibration_cv.py``): the
#: unemployed take the robust spread everywhere; vacancies keep the sampled widths for
#: municipalities (the robust ones scored worse there) and take half of it above.
#: Coverages the factors are fitted to: a little above 80 / 95 % because a quantile of
#: eight or nine origins' errors covers less on the next origin (leave-one-origin-out on
#: the tuning origins: 78-80 % and 91-95 % at 80 / 95 %, 80-83 % and 93-96 % at these).
TARGETS = (0.82, 0.955)
SPREAD_MIX: dict[str, dict[str, float]] = {
    "unemployed": dict.fromkeys(LEVELS, 1.0),
    "vacancies": {"municipality": 0.0, "employment_area": 0.5, "region": 0.5, "country": 0.5},
}


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
                rng=np.random.default_rng(stream), variable=variable, factors=False,
                labour=labour_path(ds, hier, hier.rows, end, horizon),
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


def spreads(ds: Any, origins: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Per variable: the robust spread ``(origins x rows,)`` of every hierarchy row at each
    origin (:func:`robust_spread` of the training panel, as :func:`forecast_variable` takes
    it), in the row order of :func:`raw_forecasts`."""
    hier = national_hierarchy()
    times = pd.DatetimeIndex(ds["time"].values)
    out = {}
    for variable in VARIABLES:
        rows = []
        for origin in origins:
            end = int(times.get_loc(pd.Timestamp(origin + "-01"))) + 1
            rows.append(robust_spread(hierarchy_panel(ds, variable, hier, end)))
        out[variable] = np.concatenate(rows)
    return out


def stacked(flat: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """One variable's raw arrays as ``(origins, rows, 36)``, ``spread`` ``(origins, rows)``."""
    K = flat["y"].shape[0] // n
    out: dict[str, np.ndarray] = {k: flat[k].reshape(K, n, -1) for k in ("y", "point", *KEYS)}
    out["spread"] = flat["spread"].reshape(K, n)
    return out


def respread_all(
    d: dict[str, np.ndarray], levels: np.ndarray, mix: dict[str, float]
) -> dict[str, np.ndarray]:
    """``d``'s bounds re-spread per level (:func:`respread`)."""
    m = np.array([mix.get(level, 0.0) for level in levels])
    out = dict(d)
    out.update(respread(d["point"], {k: d[k] for k in KEYS}, d["spread"], m[None, :]))
    return out


def fit_tables(
    d: dict[str, np.ndarray],
    levels: np.ndarray,
    S: np.ndarray,
    coverages: tuple[float, float] = (0.80, 0.95),
    smooth: bool = False,
) -> dict[str, np.ndarray]:
    """Per-step factors ``(36, 2)`` per level from re-spread arrays ``d`` (``(K, n, 36)``):
    municipalities first (:func:`step_factors`), then each aggregate level through the
    comonotone limit of its municipalities' scaled bounds."""
    nb = S.shape[1]
    out: dict[str, np.ndarray] = {}

    def flat(x: np.ndarray) -> np.ndarray:
        return x.reshape(-1, x.shape[-1])

    muni = levels == "municipality"
    for level in LEVELS:
        sel = levels == level
        b = {k: flat(d[k][:, sel]) for k in KEYS}
        parts = None
        if level != "municipality":
            f = out["municipality"]
            mb = scale_bounds(
                d["point"][:, muni], {k: d[k][:, muni] for k in KEYS}, f[:, 0], f[:, 1]
            )
            parts = {k: flat(np.einsum("ij,kjh->kih", S[sel][:, -nb:], v)) for k, v in mb.items()}
        f = step_factors(
            flat(d["y"][:, sel]), flat(d["point"][:, sel]), b, parts=parts, coverages=coverages
        )
        if smooth:
            f = np.stack([isotonic(f[:, 0]), isotonic(f[:, 1])], axis=1)
        out[level] = f
    return out


def apply_tables(
    d: dict[str, np.ndarray], table: dict[str, np.ndarray], levels: np.ndarray, S: np.ndarray
) -> dict[str, np.ndarray]:
    """Bounds ``(K, n, 36)`` of re-spread ``d`` scaled per level and step, then held within
    the sums of the municipalities' bounds (as :func:`calibrate_intervals` does)."""
    f80, f95 = np.ones(d["point"].shape), np.ones(d["point"].shape)
    for level, f in table.items():
        rows = levels == level
        f80[:, rows], f95[:, rows] = f[:, 0], f[:, 1]
    b = scale_bounds(d["point"], {k: d[k] for k in KEYS}, f80, f95)
    nb = S.shape[1]
    for key, values in b.items():
        parts = np.einsum("ij,kjh->kih", S[:, -nb:], values[:, -nb:])
        b[key] = (np.minimum if key.startswith("hi") else np.maximum)(values, parts)
    return b


def factors(raw: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
    """Per-step factors ``(36, 2)`` per variable and level (:func:`fit_tables` at
    :data:`TARGETS`, made non-decreasing in the step)."""
    hier = national_hierarchy()
    levels = np.asarray(hier.levels)
    out = {}
    for variable, flat in raw.items():
        d = respread_all(stacked(flat, len(levels)), levels, SPREAD_MIX[variable])
        out[variable] = fit_tables(d, levels, hier.S, TARGETS, smooth=True)
    return out


def coverage_table(
    raw: dict[str, dict[str, np.ndarray]], table: dict[str, dict[str, np.ndarray]]
) -> pd.DataFrame:
    """Coverage per variable, level and band (1-12, 13-36) on the calibration origins:
    the sampled bounds, and the re-spread, scaled and limited ones (in-sample)."""
    hier = national_hierarchy()
    levels = np.asarray(hier.levels)
    rows = []
    for variable, flat in raw.items():
        d = stacked(flat, len(levels))
        after = apply_tables(
            respread_all(d, levels, SPREAD_MIX[variable]), table[variable], levels, hier.S
        )
        for level in LEVELS:
            sel = levels == level
            for band, cut in (("h1-12", slice(0, 12)), ("h13-36", slice(12, 36))):
                y = d["y"][:, sel, cut]
                ok = ~np.isnan(y)
                row: dict[str, Any] = {
                    "variable": variable,
                    "level": level,
                    "band": band,
                    "n": int(ok.sum()),
                }
                for lvl in (80, 95):
                    for tag, b in (("sampled", d), ("after", after)):
                        lo, hi = b[f"lo{lvl}"][:, sel, cut], b[f"hi{lvl}"][:, sel, cut]
                        row[f"c{lvl}_{tag}"] = float(np.mean(((y >= lo) & (y <= hi))[ok]))
                rows.append(row)
    return pd.DataFrame(rows)


def write_module(table: dict[str, dict[str, np.ndarray]], origins: tuple[str, ...]) -> None:
    lines = [
        '"""Interval factors of the register forecasts (written by '
        "``benchmarks/calibrate_registers.py``).",
        "",
        "``INTERVAL_SPREAD``: variable -> level -> the share of the robust spread of yearly log",
        "changes in the ``log1p`` half-widths (0: the sampled widths, 1: the robust spread).",
        "``INTERVAL_FACTORS``: variable -> level -> one ``(f80, f95)`` pair per step 1, 2, ..., 36",
        "after the latest data (later steps take the last); split-conformal quantiles of the",
        "re-spread intervals' errors on the tuning origins",
        "(:data:`forecasting.backtest.TUNING_ORIGINS`,",
        f"{origins[0]}..{origins[-1]}), the aggregates' fitted through the comonotone limit;",
        "see :func:`forecasting.registers.calibrate_intervals`.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "INTERVAL_SPREAD: dict[str, dict[str, float]] = {",
    ]
    for variable, mixes in SPREAD_MIX.items():
        lines.append(f'    "{variable}": {{')
        lines += [f'        "{level}": {mix!r},' for level, mix in mixes.items()]
        lines.append("    },")
    lines += [
        "}",
        "",
        "INTERVAL_FACTORS: dict[str, dict[str, tuple[tuple[float, float], ...]]] = {",
    ]
    for variable, levels in table.items():
        lines.append(f'    "{variable}": {{')
        for level, arr in levels.items():
            lines.append(f'        "{level}": (')
            lines += [f"            ({a:.3f}, {b:.3f})," for a, b in arr]
            lines.append("        ),")
        lines.append("    },")
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    began, cpu0 = time.perf_counter(), time.process_time()
    ds = registers_cube()
    raw = raw_forecasts(ds, TUNING_ORIGINS)
    for variable, spread in spreads(ds, TUNING_ORIGINS).items():
        raw[variable]["spread"] = spread
    table = factors(raw)
    print(coverage_table(raw, table).round(3).to_string(index=False))
    print(f"{time.perf_counter() - began:.0f} s wall, {time.process_time() - cpu0:.0f} CPU s")
    if not args.no_write:
        write_module(table, TUNING_ORIGINS)
        print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
