"""Why the vacancy forecast from 2023-10 misses 2026-06, member by member (issue 17).

    .venv/bin/python benchmarks/vacancy_members.py turn     # members at 2023-10 -> 2026-06
    .venv/bin/python benchmarks/vacancy_members.py tuning   # pooled members, tuning origins

``turn``: the register engine (:func:`forecasting.registers.make_engine`) fitted on the
national vacancy panel up to 2023-10; each member's 2026-06 forecast (h = 32) summed over
the municipalities and its municipal WAPE, the stacked weights, the combination, and the
last observed month carried forward. ``tuning``: the pooled members alone (no
combination, no reconciliation), fitted on every series up to each tuning origin, mean
municipal MASE per origin and band: :class:`~models.forecast.PooledRegression` against
:class:`~models.forecast.VacancyCycleRegression` with the labour force and unemployed
panels (``cycle``), without them (``no_exog``) and without momentum features (``revert``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.backtest import BANDS, TUNING_ORIGINS  # noqa: E402
from forecasting.registers import (  # noqa: E402
    hierarchy_panel,
    make_engine,
    national_hierarchy,
    registers_cube,
)
from models import metrics  # noqa: E402
from models.forecast import PooledRegression, VacancyCycleRegression  # noqa: E402
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("part", nargs="?", choices=("turn", "tuning"), default="turn",
                        help="which table to print (default: turn)")
    args = parser.parse_args(argv)
    {"turn": turn, "tuning": tuning}[args.part]()


if __name__ == "__main__":
    main()
