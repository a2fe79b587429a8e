"""A/B of engine variants per variable on the TUNING origins (issue 17, priorities 1-2).

    .venv/bin/python benchmarks/ab_vacancy_members.py [--sets tuning] [--variants a,b]
        [--variable vacancies|unemployed]

Variants (the engine of :func:`forecasting.registers.make_engine`, vacancies only):
``current`` (pooled :class:`~models.forecast.PooledRegression`), ``no_pooled`` (the four
local members only) and ``cycle`` (:class:`~models.forecast.cycle.VacancyCycleRegression`,
without exogenous panels, in the pooled slot), ``ets_longNN`` (beyond 12 steps NN % of the
weight moved onto the damped ETS: ``PanelCombination(long_member=..., long_share=...)``).
Everything else (inner backtests, stacked
weights, calibration, MinT, vacancy ceilings) as published. Prints mean municipal MASE,
reconciled, and the coverage by level, per band; frames cached in ``build/ab_vacancy/``.
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
import xarray as xr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import forecasting.registers as registers  # noqa: E402
from forecasting.backtest import (  # noqa: E402
    CRPS_PROBS,
    EVALUATION_ORIGINS,
    TUNING_ORIGINS,
    backtest_registers,
)
from models import metrics  # noqa: E402
from models.forecast import PanelCombination  # noqa: E402
from models.forecast.cycle import VacancyCycleRegression  # noqa: E402

CACHE = ROOT / "build" / "ab_vacancy"
ORIGINAL = registers.make_engine


def engine_for(variant: str) -> Callable[[int], PanelCombination]:
    def make(max_horizon: int = registers.BACKTEST_HORIZON) -> PanelCombination:
        engine = ORIGINAL(max_horizon)
        if variant == "no_pooled":
            return engine.set_params(pooled=None)
        if variant.startswith("ets_long"):  # e.g. ets_long50: half the weight at h > 12
            share = int(variant.removeprefix("ets_long")) / 100
            return engine.set_params(long_member="DampedETS", long_share=share)
        if variant == "cycle":
            h = max(int(max_horizon), registers.BACKTEST_HORIZON)
            return engine.set_params(pooled=VacancyCycleRegression(max_horizon=h))
        return engine

    return make


def turn(ds: xr.Dataset, variable: str, variant: str) -> dict[str, float]:
    """Ours only, origin 2023-10 -> 2026-06, municipalities: WAPE, bias, 95 % Winkler and
    CRPS per unit of level (as ``eval_registers.turn_check``, without the peers)."""
    times = pd.DatetimeIndex(ds["time"].values)
    hier = registers.national_hierarchy()
    end = int(times.get_loc(pd.Timestamp("2023-10-01"))) + 1
    target = int(times.get_loc(pd.Timestamp("2026-06-01")))
    panel = registers.hierarchy_panel(ds, variable, hier, end)
    registers.make_engine = engine_for(variant)  # type: ignore[assignment]
    fc = registers.forecast_variable(
        panel, hier, hier.rows, target - end + 1, rng=np.random.default_rng(20260601)
    )
    registers.make_engine = ORIGINAL
    nb = len(hier.bottom)
    y = ds[variable].sel(area=list(hier.bottom)).isel(time=target).values
    ok = np.isfinite(y)
    p = fc.point[-nb:, -1][ok]
    b = {k: v[-nb:, -1][ok] for k, v in fc.bounds.items()}
    y = y[ok]
    q = np.stack([b["lo95"], b["lo80"], p, b["hi80"], b["hi95"]])[:, :, None]
    return {
        "wape": 100 * float(np.abs(p - y).sum() / y.sum()),
        "bias": 100 * float((p - y).sum() / y.sum()),
        "winkler95": float(np.nansum(metrics.winkler(y[:, None], b["lo95"][:, None],
                                                     b["hi95"][:, None], 0.95)) / y.sum()),
        "crps": float(np.nansum(metrics.crps_quantiles(y[:, None], q, CRPS_PROBS)) / y.sum()),
        "country": float(fc.point[hier.national, -1]),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="tuning")
    parser.add_argument("--variants", default="current,no_pooled,cycle")
    parser.add_argument("--variable", default="vacancies")
    parser.add_argument("--turn", action="store_true", help="also the 2023-10 -> 2026-06 check")
    args = parser.parse_args()
    sets = {"tuning": TUNING_ORIGINS, "evaluation": EVALUATION_ORIGINS}
    ds = registers.registers_cube()
    CACHE.mkdir(parents=True, exist_ok=True)
    load0, cpu0 = os.getloadavg()[0], time.process_time()
    rows = []
    for name in args.sets.split(","):
        for variant in args.variants.split(","):
            path = CACHE / f"{name}-{args.variable}-{variant}.pkl"
            if path.exists():
                frame = pd.read_pickle(path)
            else:
                registers.make_engine = engine_for(variant)  # type: ignore[assignment]
                frame = backtest_registers(ds, sets[name], variables=[args.variable])
                registers.make_engine = ORIGINAL
                frame.to_pickle(path)
            rec = frame[(frame["method"] == "reconciled") & (frame["n"] > 0)]
            cols = [c for c in ("mase", "coverage80", "coverage95", "msis95", "scrps") if c in rec]
            summary = rec.groupby(["band", "level"])[cols].mean()
            summary = summary.reset_index().assign(set=name, variant=variant)
            rows.append(summary)
            print(f"{name} {variant} done", flush=True)
    if args.turn:
        for variant in args.variants.split(","):
            print(
                f"2023-10 -> 2026-06 {args.variable} {variant}: {turn(ds, args.variable, variant)}"
            )
    out = pd.concat(rows, ignore_index=True)
    table = out.pivot_table(
        index=["set", "band", "level"], columns="variant", values=["mase", "coverage80", "msis95"]
    )
    print(table.round(3).to_string())
    print(
        f"command: python benchmarks/ab_vacancy_members.py --sets {args.sets} --variants "
        f"{args.variants} --variable {args.variable}; {time.process_time() - cpu0:.0f} CPU s, "
        f"load {load0:.1f} -> {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
