"""Why the vacancy forecast from 2023-10 misses 2026-06, member by member (issue 17).

    .venv/bin/python benchmarks/vacancy_members.py turn     # members at 2023-10 -> 2026-06
    .venv/bin/python benchmarks/vacancy_members.py tuning   # pooled members, tuning origins
    .venv/bin/python benchmarks/vacancy_members.py boosting # quantile boosting against ridge

``turn``: the register engine (:func:`forecasting.registers.make_engine`) fitted on the
national vacancy panel up to 2023-10; each member's 2026-06 forecast (h = 32) summed over
the municipalities and its municipal WAPE, the stacked weights, the combination, and the
last observed month carried forward. ``tuning``: the pooled members alone (no
combination, no reconciliation), fitted on every series up to each tuning origin, mean
municipal MASE per origin and band: :class:`~models.forecast.PooledRegression` against
:class:`~models.forecast.VacancyCycleRegression` with the labour force and unemployed
panels (``cycle``), without them (``no_exog``) and without momentum features (``revert``).
``boosting``: :class:`~models.forecast.boosting.PooledQuantileBoosting` against
:class:`~models.forecast.PooledRegression`, each alone, on every tuning origin (mean
municipal MASE, 80 % coverage and the five-level CRPS over the seasonal naive scale per
band) and at 2023-10 -> 2026-06 (municipal WAPE, the municipalities summed), with the CPU
seconds of fit + predict (``--boost name=value,...`` changes the boosting's parameters).
One BLAS and one OpenMP thread throughout.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.backtest import BANDS, CRPS_PROBS, TUNING_ORIGINS  # noqa: E402
from forecasting.registers import (  # noqa: E402
    Hierarchy,
    hierarchy_panel,
    make_engine,
    national_hierarchy,
    registers_cube,
)
from models import metrics  # noqa: E402
from models.forecast import Forecast, PooledRegression, VacancyCycleRegression  # noqa: E402
from models.forecast.boosting import PooledQuantileBoosting  # noqa: E402
from models.forecast.panel import _member_forecasts  # noqa: E402


def turn() -> None:
    ds = registers_cube()
    times = pd.DatetimeIndex(ds["time"].values)
    hier = national_hierarchy()
    end = int(times.get_loc(pd.Timestamp("2023-10-01"))) + 1
    target = int(times.get_loc(pd.Timestamp("2026-06-01")))
    h = target - end + 1
    Y = hierarchy_panel(ds, "vacancies", hier, end)
    rows = np.arange(len(hier.rows))
    bottom = np.array([level == "municipality" for level in hier.levels])
    engine = make_engine(h).fit(Y, hier.parent, hier.national, rows, bottom)
    loc, _ = _member_forecasts(engine.members_, h, rows)
    actual = ds["vacancies"].sel(area=list(hier.bottom)).isel(time=target).values
    ok = np.isfinite(actual)

    def wape(pred: np.ndarray) -> float:
        return 100 * float(np.abs(pred[ok] - actual[ok]).sum() / actual[ok].sum())

    print(f"actual 2026-06, municipalities summed: {np.nansum(actual):,.0f}")
    weights = {
        n: round(float(w), 3)
        for n, w in zip(engine.member_names_, engine.weights_[-1], strict=True)
    }
    print(f"weights (municipalities): {weights}")
    for k, name in enumerate(engine.member_names_):
        pred = np.expm1(loc[bottom, k, -1])
        print(f"{name:18s} sum {pred.sum():9,.0f}  WAPE {wape(pred):6.1f} %")
    comb = np.expm1(np.einsum("nk,nk->n", engine.weights_[bottom], loc[bottom, :, -1]))
    print(f"{'combination':18s} sum {comb.sum():9,.0f}  WAPE {wape(comb):6.1f} %")
    last = Y[bottom, -1]
    print(f"{'2023-10 carried':18s} sum {last.sum():9,.0f}  WAPE {wape(last):6.1f} %")


def tuning() -> None:
    ds = registers_cube()
    times = pd.DatetimeIndex(ds["time"].values)
    hier = national_hierarchy()
    bottom = np.array([level == "municipality" for level in hier.levels])
    rows = []
    for origin in TUNING_ORIGINS:
        end = int(times.get_loc(pd.Timestamp(origin + "-01"))) + 1
        H = min(36, len(times) - end)
        Y = hierarchy_panel(ds, "vacancies", hier, end)
        exog = {v: hierarchy_panel(ds, v, hier, end) for v in ("labour_force", "unemployed")}
        actual = ds["vacancies"].sel(area=list(hier.bottom)).transpose("area", "time").values
        actual = actual[:, end : end + H]
        models = {
            "pooled": PooledRegression(max_horizon=H).fit(Y, hier.parent, hier.national),
            "cycle": VacancyCycleRegression(max_horizon=H).fit(
                Y, hier.parent, hier.national, exog=exog
            ),
            "no_exog": VacancyCycleRegression(max_horizon=H).fit(Y, hier.parent, hier.national),
            "revert": VacancyCycleRegression(max_horizon=H, momentum=False).fit(
                Y, hier.parent, hier.national, exog=exog
            ),
        }
        for name, model in models.items():
            pred = np.expm1(model.predict(H).loc[bottom])
            for band, (a, b) in BANDS.items():
                if a < H:
                    score = metrics.mase(actual[:, a:b], pred[:, a:b], Y[bottom])
                    rows.append((origin, name, band, float(np.nanmean(score))))
    frame = pd.DataFrame(rows, columns=["origin", "model", "band", "mase"])
    print(frame.pivot_table(index=["band", "origin"], columns="model", values="mase").round(3))
    print(frame.pivot_table(index="band", columns="model", values="mase").round(3))


def _boosting_members(
    H: int, params: dict[str, float]
) -> dict[str, PooledRegression | PooledQuantileBoosting]:
    boost = PooledQuantileBoosting(max_horizon=H)
    return {"ridge": PooledRegression(max_horizon=H), "boosting": boost.set_params(**params)}


def _parse_params(text: str) -> dict[str, float]:
    """``"max_rows=120000,learning_rate=0.05"`` -> keyword arguments (numbers)."""
    out: dict[str, float] = {}
    for item in filter(None, text.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--boost takes name=value pairs, got {item!r}")
        out[key.strip()] = int(value) if value.strip().isdigit() else float(value)
    return out


def _timed_forecast(
    model: PooledRegression | PooledQuantileBoosting, Y: np.ndarray, hier: Hierarchy, H: int
) -> tuple[Forecast, float]:
    """The model's ``H``-month forecast after fitting on ``Y``, and the CPU seconds of both."""
    start = time.process_time()
    fc = model.fit(Y, hier.parent, hier.national).predict(H)
    return fc, time.process_time() - start


def boosting(params: dict[str, float]) -> None:
    ds = registers_cube()
    times = pd.DatetimeIndex(ds["time"].values)
    hier = national_hierarchy()
    bottom = np.array([level == "municipality" for level in hier.levels])
    everything = ds["vacancies"].sel(area=list(hier.bottom)).transpose("area", "time").values
    rows, cpu = [], []
    with threadpool_limits(limits=1):
        for origin in TUNING_ORIGINS:
            end = int(times.get_loc(pd.Timestamp(origin + "-01"))) + 1
            H = min(36, len(times) - end)
            Y = hierarchy_panel(ds, "vacancies", hier, end)
            actual = everything[:, end : end + H]
            scale = metrics.seasonal_scale(Y[bottom])
            for name, model in _boosting_members(H, params).items():
                fc, seconds = _timed_forecast(model, Y, hier, H)
                cpu.append((origin, name, seconds))
                pred = fc.mean[bottom]
                q = np.stack([fc.lo95, fc.lo80, fc.mean, fc.hi80, fc.hi95])[:, bottom]
                for band, (a, b) in BANDS.items():
                    if a >= H:
                        continue
                    sl = slice(a, b)
                    score = metrics.mase(actual[:, sl], pred[:, sl], Y[bottom])
                    cov = metrics.coverage(actual[:, sl], fc.lo80[bottom, sl], fc.hi80[bottom, sl])
                    crps = metrics.crps_quantiles(actual[:, sl], q[:, :, sl], CRPS_PROBS) / scale
                    rows.append(
                        (origin, name, band, *(float(np.nanmean(x)) for x in (score, cov, crps)))
                    )
            print(
                f"{origin}: "
                + ", ".join(f"{n} {s:.1f} CPU s" for o, n, s in cpu[-2:] if o == origin),
                flush=True,
            )
        frame = pd.DataFrame(rows, columns=["origin", "model", "band", "mase", "cov80", "scrps"])
        print(frame.pivot_table(index=["band", "origin"], columns="model", values="mase").round(3))
        print(
            frame.pivot_table(
                index="band", columns="model", values=["mase", "cov80", "scrps"]
            ).round(3)
        )
        seconds = pd.DataFrame(cpu, columns=["origin", "model", "cpu"])
        print("CPU s per origin (fit + predict), mean:")
        print(seconds.groupby("model")["cpu"].mean().round(2))

        end = int(times.get_loc(pd.Timestamp("2023-10-01"))) + 1
        target = int(times.get_loc(pd.Timestamp("2026-06-01")))
        h = target - end + 1
        Y = hierarchy_panel(ds, "vacancies", hier, end)
        actual = everything[:, target]
        ok = np.isfinite(actual)
        print(
            f"2023-10 -> 2026-06 (h = {h}); actual, municipalities summed: {np.nansum(actual):,.0f}"
        )
        for name, model in _boosting_members(36, params).items():
            fc, seconds = _timed_forecast(model, Y, hier, h)
            pred = fc.mean[bottom, -1]
            wape = 100 * float(np.abs(pred[ok] - actual[ok]).sum() / actual[ok].sum())
            lo, hi = fc.lo80[bottom, -1].sum(), fc.hi80[bottom, -1].sum()
            top = hier.national
            print(
                f"{name:9s} sum {pred.sum():9,.0f}  WAPE {wape:6.1f} %  "
                f"country {fc.mean[top, -1]:,.0f}, 80 % {fc.lo80[top, -1]:,.0f}-"
                f"{fc.hi80[top, -1]:,.0f} (municipal bounds summed {lo:,.0f}-"
                f"{hi:,.0f})  {seconds:.1f} CPU s"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "part",
        nargs="?",
        choices=("turn", "tuning", "boosting"),
        default="turn",
        help="which table to print (default: turn)",
    )
    parser.add_argument(
        "--boost",
        default="",
        help="boosting: parameters of PooledQuantileBoosting, e.g. max_rows=120000,max_iter=200",
    )
    args = parser.parse_args(argv)
    if args.part == "boosting":
        boosting(_parse_params(args.boost))
    else:
        {"turn": turn, "tuning": tuning}[args.part]()


if __name__ == "__main__":
    main()
