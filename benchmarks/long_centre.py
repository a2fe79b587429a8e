"""Long-horizon centres of the unemployed on the tuning origins: candidates side by side.

    .venv/bin/python benchmarks/long_centre.py            # the table of candidates
    .venv/bin/python benchmarks/long_centre.py --variable vacancies

Reads the published forecasts of every hierarchy row made without interval factors and
without any reversion (``LONG_REVERSION`` off) at the tuning origins
(:data:`forecasting.backtest.TUNING_ORIGINS` only; made by
``benchmarks/calibrate_registers.py``'s :func:`raw_forecasts`, cached in
``build/long_centre/``, about 60 CPU s when missing) and moves their municipal centres
after the fact; the aggregates are the sums of
the municipalities (so they stay coherent, as the engine does it). Candidates:

- ``level``: mean reversion of ``log1p`` unemployed toward the municipality's long-run
  seasonal level (:func:`models.forecast.reversion.revert_to_level`), by half-life and
  window of years;
- ``rate``: the same for the unemployment *rate* (level relative to the log labour force,
  the labour force path ahead from :func:`forecasting.registers.labour_force_forecast`),
  also with a slower pull over the first 12 months (``early hl``, the half-life there);
- ``bias``: a long-horizon bias correction per step (the median municipal log error at that
  step over the other eight origins: leave-one-origin-out).

MASE (seasonal naive in-sample scale) by level and band, mean over series and origins,
as in :func:`forecasting.backtest.summarise`. Municipal centres at steps 1-12 change only
for candidates with ``start`` 0 or a finite early half-life.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import calibrate_registers  # noqa: E402
from calibrate_registers import raw_forecasts, stacked  # noqa: E402

import forecasting.registers as registers  # noqa: E402
from forecasting.backtest import TUNING_ORIGINS  # noqa: E402
from forecasting.registers import (  # noqa: E402
    BACKTEST_HORIZON,
    hierarchy_panel,
    labour_force_forecast,
    national_hierarchy,
    registers_cube,
)
from models import metrics  # noqa: E402
from models.forecast.reversion import revert_to_level  # noqa: E402

Inputs = dict[str, Any]
LEVELS = ("municipality", "employment_area", "region", "country")
BANDS = {"h1-12": slice(0, 12), "h13-36": slice(12, 36)}


def labour_history(ds: Any, hier: Any, end: int) -> np.ndarray:
    """Log labour force ``(n_bottom, end)`` of the municipalities, gaps filled forward and
    backward (an annual value repeated monthly)."""
    lf = ds["labour_force"].sel(area=list(hier.bottom)).transpose("area", "time").values[:, :end]
    frame = pd.DataFrame(lf.T).ffill().bfill()
    return np.log(np.maximum(frame.to_numpy().T, 1.0))


def inputs(variable: str) -> Inputs:
    """Forecasts without reversion, actuals, training panels and labour force per origin."""
    ds = registers_cube()
    hier = national_hierarchy()
    calibrate_registers.CACHE = ROOT / "build" / "long_centre"
    registers.LONG_REVERSION = {}  # the centres as they were before any reversion
    raw = raw_forecasts(ds, TUNING_ORIGINS)[variable]
    raw["spread"] = np.zeros(raw["y"].shape[0])
    d = stacked(raw, len(hier.rows))
    times = pd.DatetimeIndex(ds["time"].values)
    nb = len(hier.bottom)
    trains, zs, xs, xa = [], [], [], []
    for origin in TUNING_ORIGINS:
        end = int(times.get_loc(pd.Timestamp(origin + "-01"))) + 1
        panel = hierarchy_panel(ds, variable, hier, end)
        trains.append(panel)
        zs.append(np.log1p(panel[-nb:]))
        xs.append(labour_history(ds, hier, end))
        ahead = labour_force_forecast(ds, hier, hier.bottom, end, BACKTEST_HORIZON)
        xa.append(np.log(np.maximum(ahead, 1.0)))
    return {
        "y": d["y"], "point": d["point"], "S": hier.S, "levels": np.asarray(hier.levels),
        "train": trains, "z": zs, "x_hist": xs, "x_ahead": xa,
    }  # fmt: skip


def with_bottom(inp: Inputs, bottom_points: list[np.ndarray]) -> np.ndarray:
    """Points ``(K, n, 36)`` with the municipal rows replaced and the aggregates moved by
    the sum of their municipalities' changes (coherent)."""
    point = np.array(inp["point"], float)
    S = inp["S"]
    nb = S.shape[1]
    for k, new in enumerate(bottom_points):
        delta = np.nan_to_num(new - point[k, -nb:])
        point[k] = point[k] + np.einsum("ij,jh->ih", S, delta)
    return point


def mase_table(inp: Inputs, point: np.ndarray) -> dict[tuple[str, str], float]:
    out = {}
    levels = inp["levels"]
    for level in LEVELS:
        sel = levels == level
        for band, cut in BANDS.items():
            vals = []
            for k, train in enumerate(inp["train"]):
                y = inp["y"][k, sel, cut]
                m = metrics.mase(y, point[k, sel, cut], train[sel])
                vals.append(m[np.isfinite(m) & np.isfinite(y).any(axis=1)])
            out[(level, band)] = float(np.mean(np.concatenate(vals)))
    return out


def candidate_points(inp: Inputs, kind: str, **kw: float) -> list[np.ndarray]:
    nb = inp["S"].shape[1]
    steps = np.arange(1, BACKTEST_HORIZON + 1)
    out = []
    for k in range(len(inp["train"])):
        loc = np.log1p(inp["point"][k, -nb:])
        x = {}
        if kind == "rate":
            x = {"x_hist": inp["x_hist"][k], "x_ahead": inp["x_ahead"][k]}
        new = revert_to_level(
            loc, inp["z"][k], steps, half_life=kw["half_life"], start=int(kw["start"]),
            weight=kw.get("weight", 1.0), years=int(kw["years"]),
            early_half_life=kw.get("early_half_life", np.inf), **x,
        )  # fmt: skip
        out.append(np.expm1(new))
    return out


def bias_points(inp: Inputs, start: int = 12) -> list[np.ndarray]:
    """Leave-one-origin-out median municipal log error per step, added after ``start``."""
    nb = inp["S"].shape[1]
    err = np.log1p(inp["y"][:, -nb:]) - np.log1p(inp["point"][:, -nb:])  # (K, nb, 36)
    K = err.shape[0]
    out = []
    for k in range(K):
        others = np.delete(err, k, axis=0)
        b = np.nanmedian(others.transpose(2, 0, 1).reshape(err.shape[2], -1), axis=1)
        b = np.where(np.arange(1, err.shape[2] + 1) > start, np.nan_to_num(b), 0.0)
        out.append(np.expm1(np.log1p(inp["point"][k, -nb:]) + b[None, :]))
    return out


def loo_row(
    inp: Inputs, name: str, fine: dict[str, list[np.ndarray]], bands: tuple[str, ...] = ("h13-36",)
) -> dict[str, object]:
    """Leave-one-origin-out choice among ``fine``: for each tuning origin the candidate with
    the lowest municipal MASE (summed over ``bands``) on the other origins, scored on the
    held-out one."""
    K = len(inp["train"])
    per: dict[str, np.ndarray] = {}
    for key, pts in fine.items():
        point = with_bottom(inp, pts)
        per[key] = np.array(
            [sum(origin_mase(inp, point, k, "municipality", b) for b in bands) for k in range(K)]
        )
    picked = [min(per, key=lambda n: float(np.delete(per[n], k).mean())) for k in range(K)]
    print(f"{name}, picks by held-out origin: {picked}", flush=True)
    point = with_bottom(inp, [fine[best][k] for k, best in enumerate(picked)])
    row: dict[str, object] = {"candidate": name}
    row.update({f"{lv} {b}": v for (lv, b), v in mase_table(inp, point).items()})
    return row


def origin_mase(inp: Inputs, point: np.ndarray, k: int, level: str, band: str) -> float:
    sel = inp["levels"] == level
    y = inp["y"][k, sel, BANDS[band]]
    m = metrics.mase(y, point[k, sel, BANDS[band]], inp["train"][k][sel])
    return float(np.mean(m[np.isfinite(m) & np.isfinite(y).any(axis=1)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variable", default="unemployed")
    args = parser.parse_args()
    began, cpu0 = time.perf_counter(), time.process_time()
    inp = inputs(args.variable)
    rows: list[dict[str, object]] = []

    def add(name: str, point: np.ndarray) -> None:
        row: dict[str, object] = {"candidate": name}
        row.update({f"{lv} {b}": v for (lv, b), v in mase_table(inp, point).items()})
        rows.append(row)

    add("current", inp["point"])
    add("bias, leave-one-origin-out", with_bottom(inp, bias_points(inp)))
    families: dict[str, dict[str, list[np.ndarray]]] = {"level": {}, "rate": {}}
    for kind in ("level", "rate"):
        for years in (5, 10, 15):
            for half_life in (6.0, 12.0, 24.0, 48.0):
                for start in (0, 12):
                    pts = candidate_points(inp, kind, half_life=half_life, start=start, years=years)
                    name = f"{kind} y{years} hl{half_life:g} s{start}"
                    add(name, with_bottom(inp, pts))
                    if start == 12:
                        families[kind][name] = pts
    for years in (8, 10, 15):
        for half_life in (9.0, 12.0, 18.0):
            for weight in (0.5, 0.75):
                pts = candidate_points(
                    inp, "rate", half_life=half_life, start=12, years=years, weight=weight
                )
                name = f"rate y{years} hl{half_life:g} s12 w{weight:g}"
                add(name, with_bottom(inp, pts))
                families["rate"][name] = pts
    for kind, fine in families.items():
        rows.append(loo_row(inp, f"{kind} (s12), chosen leave-one-origin-out", fine))
    early: dict[str, list[np.ndarray]] = {}
    for early_half_life in (np.inf, 24.0, 36.0, 48.0, 72.0, 96.0):
        for half_life in (9.0, 12.0, 18.0):
            pts = candidate_points(
                inp, "rate", half_life=half_life, start=12, years=15,
                early_half_life=early_half_life,
            )  # fmt: skip
            name = f"rate y15 hl{half_life:g} s12 early hl{early_half_life:g}"
            add(name, with_bottom(inp, pts))
            early[name] = pts
    rows.append(
        loo_row(inp, "rate y15 with an early pull, chosen leave-one-origin-out (h1-12 + h13-36)",
                early, bands=("h1-12", "h13-36"))
    )  # fmt: skip
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 250)
    print(f"{args.variable}, tuning origins, MASE by level and band (mean over series, origins)")
    print(table.round(3).to_string(index=False))
    print(f"{time.perf_counter() - began:.0f} s wall, {time.process_time() - cpu0:.0f} CPU s")


if __name__ == "__main__":
    main()
