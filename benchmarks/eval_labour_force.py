"""Labour force 2024 from the population side against the 12r5 value (issue 18, issue 17 item 3).

The 12r5 labour force (TYOVOIMATK) shown in the months of year ``Y`` is the employment
statistics' labour force of 31.12.``Y-2`` (``forecasting.labour_force``). The one labour force
after the last published reference year is that value times the growth of the population side
(``labour_supply``: employment rates by age x projected population, with the participation
trend and the pension-reform shifts), exactly as the release computes it.

1. **Tuning** (region level, 19 regions, nothing after reference year 2019): the
   participation index (labour force over the population weighted with the national 2017
   employment rates by single age) carried three years ahead from origins 2010-2016 with a
   log-linear trend over ``n`` years damped by ``phi``; the defaults of
   ``LabourAssumption`` (n = 7, phi = 0.8) are the ones with the smallest mean absolute
   error there (the script checks that they still are).
2. **Evaluation** (six TA23 municipalities and TA23): the registers as the old extract holds
   them (through 2023-10: last published reference year 2021), population from base
   31.12.2019 calibrated to the published totals 2020-2022 and 2025 (the population as known
   today; run to 2025 so that 2025 is a target), and the
   one labour force of 2024 against the 12r5 value of reference year 2024 (months of 2026).
   Nothing of the labour force after reference year 2021 is used.
3. For comparison, the stale tie of ``eval_demography_2025.py`` (registers cut at 2021-12:
   last reference year 2019, five years ahead).

    python benchmarks/eval_labour_force.py [--out docs/results/labour_force.md]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting import demography, geography  # noqa: E402
from forecasting.demography import _data, labour  # noqa: E402
from forecasting.demography.assumptions import LabourAssumption  # noqa: E402
from forecasting.demography.labour import BANDS, _band_sums, _population_2017, single_age_rates  # noqa: E402
from forecasting.io.inputs import assemble  # noqa: E402
from forecasting.labour_force import labour_force  # noqa: E402

SIX = ["097", "178", "213", "491", "507", "623"]
TARGET = 2.0  # percent, issue 18


def participation_index(cubes: Mapping[str, xr.Dataset], years: np.ndarray) -> pd.DataFrame:
    """Labour force over the population weighted with national 2017 rates (region, year)."""
    by_band = cubes["employment_by_age_education"]["employed_residents"]
    by_band = by_band.sel(time=_data.year_end(2017)).sum("education_level")
    by_band = by_band.sel(age_band=list(BANDS))
    pop17 = _population_2017(cubes, [geography.COUNTRY]).values[0]
    national = single_age_rates(
        by_band.sel(area=geography.COUNTRY).values / np.maximum(_band_sums(pop17), 1.0), pop17
    )
    reg_pop = _data.by_year(cubes["regional_demography"]["population"]).sum("sex")
    regions = [str(a) for a in reg_pop["area"].values if a != geography.COUNTRY]
    one = labour_force(cubes, areas=regions)["labour_force"]
    rows = {}
    for r in regions:
        weighted = (reg_pop.sel(area=r, year=list(years)).values * national[None]).sum(axis=1)
        rows[r] = one.sel(area=r).reindex(year=years).values / weighted
    return pd.DataFrame(rows, index=years).T


def carried(index: pd.Series, origin: int, horizon: int, n: int, phi: float) -> float:
    """The index of ``origin + horizon`` from the damped log-linear trend of ``n`` years."""
    slope = 0.0
    if n >= 2:
        span = np.arange(origin - n + 1, origin + 1)
        slope = float(np.polyfit(span, np.log(index.loc[span].to_numpy(float)), 1)[0])
    ahead = sum(phi**i for i in range(horizon))
    return float(index.loc[origin] * np.exp(slope * ahead))


def tuning(cubes: Mapping[str, xr.Dataset]) -> pd.DataFrame:
    idx = participation_index(cubes, np.arange(2004, 2025))
    rows = []
    for n in (0, 3, 5, 7):
        for phi in (0.8, 0.9, 1.0):
            if n == 0 and phi < 1:
                continue
            tune = [
                100 * (carried(idx.loc[r], o, 3, n, phi) / idx.loc[r, o + 3] - 1)
                for r in idx.index
                for o in range(2010, 2017)
            ]
            ev = [100 * (carried(idx.loc[r], 2021, 3, n, phi) / idx.loc[r, 2024] - 1)
                  for r in idx.index]  # fmt: skip
            rows.append(
                {
                    "window n": n,
                    "damping": phi,
                    "tuning bias": np.mean(tune),
                    "tuning MAE": np.mean(np.abs(tune)),
                    "2021->2024 bias": np.mean(ev),
                    "2021->2024 MAE": np.mean(np.abs(ev)),
                    "MK10 2021->2024": ev[list(idx.index).index("MK10")],
                }
            )
    return pd.DataFrame(rows)


def municipal_tuning(cubes: Mapping[str, xr.Dataset]) -> pd.DataFrame:
    """The municipal excess trend (``municipal_participation``) on 308 municipalities,
    origins 2014-2018, three years ahead (targets up to reference year 2021): the error of a
    municipality's labour-force growth relative to its region's, in %.

    Population side of each year: the 31.12.2019 single ages moved to the year and scaled to
    its published total (``labour.employed_history``), times the municipality's 2017
    employment rates; the ages of 2019 are thus used for origins before it (the age
    structure, not the labour force). Same damping as the region's trend (0.8).
    """
    codes = sorted(geography.municipalities().index)
    regions = [str(geography.municipalities().loc[c, "region"]) for c in codes]
    pop = _data.by_year(cubes["population"]["population"]).sel(area=codes, year=2019)
    pop_v = pop.transpose("area", "sex", "age").values
    la = LabourAssumption()
    rates = labour.employment_rates(cubes, codes, la).values
    years = list(range(2008, 2025))
    employed = labour.employed_history(cubes, codes, pop_v, 2019, rates, years)
    force = labour_force(cubes, areas=codes)["labour_force"].reindex(year=years).values
    keys = np.asarray(regions)
    groups = sorted(set(regions))
    pick = [groups.index(r) for r in regions]
    e_reg = np.stack([employed[keys == r].sum(axis=0) for r in groups])[pick]
    f_reg = np.stack([force[keys == r].sum(axis=0) for r in groups])[pick]
    col = {y: i for i, y in enumerate(years)}

    def errors(origin: int, n: int, weight: float) -> np.ndarray:
        i, j = col[origin], col[origin + 3]
        span = slice(col[origin - n + 1], i + 1)
        excess = labour.excess_slopes(force[:, span], employed[:, span], regions)
        ahead = sum(la.participation_damping**k for k in range(3))
        pred = np.log(employed[:, j] / employed[:, i]) - np.log(e_reg[:, j] / e_reg[:, i])
        pred = pred + weight * excess * ahead
        actual = np.log(force[:, j] / force[:, i]) - np.log(f_reg[:, j] / f_reg[:, i])
        return 100 * (pred - actual)

    six = [codes.index(c) for c in SIX]
    rows = []
    for n in (3, 5, 7):
        for weight in (0.0, 0.25, 0.5, 0.75, 1.0):
            tune = np.concatenate([errors(o, n, weight) for o in range(2014, 2019)])
            ev = errors(2021, n, weight)
            rows.append(
                {
                    "window n": n,
                    "weight": weight,
                    "tuning MAE": float(np.mean(np.abs(tune))),
                    "2021->2024 MAE": float(np.mean(np.abs(ev))),
                    **{f"{c} 2021->2024": float(ev[k]) for c, k in zip(SIX, six, strict=True)},
                }
            )
    return pd.DataFrame(rows)


def one_labour_force_2024(cubes: Mapping[str, xr.Dataset], cut: str) -> pd.DataFrame:
    """The release's one labour force of 2024 with the registers cut at ``cut``."""
    known = dict(cubes)
    known["registers"] = cubes["registers"].sel(time=slice(None, cut))
    sup = demography.labour_supply(
        known, base_year=2019, until=2025, draws=0, scope="area", area="TA23"
    )
    side = sup["labour_force"].sel(statistic="mean")
    side = side.assign_coords(year=side["time"].dt.year).swap_dims(time="year")
    ours = labour_force(
        known, areas=[*SIX, "TA23"], until=2024, population_side=side.drop_vars("time")
    )
    truth = labour_force(cubes, areas=[*SIX, "TA23"])["labour_force"].sel(year=2024)
    last = int(ours.attrs["data_through"])
    rows = []
    for code in [*SIX, "TA23"]:
        ref = float(truth.sel(area=code))
        got = float(ours["labour_force"].sel(area=code, year=2024))
        rows.append(
            {
                "area": code,
                f"12r5 (ref. {last})": float(ours["labour_force"].sel(area=code, year=last)),
                "12r5 (ref. 2024)": ref,
                "ours 2024": got,
                "error %": 100 * (got - ref) / ref,
            }
        )
    return pd.DataFrame(rows)


def _table(df: pd.DataFrame, fmt: dict[str, str]) -> list[str]:
    cols = list(df.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---:" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        cells = [
            fmt.get(c, "{:,.0f}" if isinstance(v, float) else "{}").format(v)
            for c, v in zip(cols, row, strict=True)
        ]
        out.append("| " + " | ".join(cells) + " |")
    return out


def report() -> str:
    cubes = assemble([*demography.CUBES, *demography.BASE_CUBES, *demography.LABOUR_CUBES])
    plain = {n: cubes[n] for n in cubes}
    started = time.time()
    tune = tuning(plain)
    mtune = municipal_tuning(plain)
    main = one_labour_force_2024(plain, "2023-10-01")
    stale = one_labour_force_2024(plain, "2021-12-01")
    best = tune.loc[tune["tuning MAE"].idxmin()]
    la = LabourAssumption()
    chosen = (int(best["window n"]), float(best["damping"]))
    if chosen != (la.participation_trend_years, la.participation_damping):
        print(f"WARNING: the tuning now picks {chosen}, the defaults differ", file=sys.stderr)
    mbest = mtune.loc[mtune["tuning MAE"].idxmin()]
    mchosen = (int(mbest["window n"]), float(mbest["weight"]))
    if mchosen != (la.municipal_trend_years, la.municipal_trend_weight):
        print(f"WARNING: the municipal tuning picks {mchosen}, not the defaults", file=sys.stderr)
    mfmt = {c: "{:+.1f}" for c in mtune.columns}
    mfmt.update({"window n": "{:.0f}", "weight": "{:.2f}", "tuning MAE": "{:.2f}",
                 "2021->2024 MAE": "{:.2f}"})  # fmt: skip
    pct = {c: "{:+.2f}" for c in tune.columns if c not in ("window n", "damping")}
    pct["tuning MAE"] = pct["2021->2024 MAE"] = "{:.2f}"
    pct["window n"], pct["damping"] = "{:.0f}", "{:.1f}"
    num = {c: "{:,.0f}" for c in main.columns if c not in ("area", "error %")}
    num["error %"] = "{:+.1f} %"
    worst = main["error %"].abs().max()
    lines = [
        "Command: `python benchmarks/eval_labour_force.py`",
        "",
        f"{time.time() - started:.0f} s wall, load average "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (shared machine; accuracy does not "
        "depend on it).",
        "",
        "### Tuning: participation trend, 19 regions, origins 2010-2016, three years ahead",
        "",
        "Errors in % of the participation index (labour force per rate-weighted population). "
        f"Smallest tuning MAE: window {chosen[0]}, damping {chosen[1]} (the defaults: window "
        f"{la.participation_trend_years}, damping {la.participation_damping}); the 2021->2024 "
        "columns are shown, not used to choose.",
        "",
        *_table(tune, pct),
        "",
        "### Tuning: municipal excess trend, 308 municipalities, origins 2014-2018, three "
        "years ahead",
        "",
        "Errors in % of a municipality's labour-force growth relative to its region's "
        f"(the region's part is the trend above). Smallest tuning MAE: window {mchosen[0]}, "
        f"weight {mchosen[1]:.2f} (the defaults: window {la.municipal_trend_years}, weight "
        f"{la.municipal_trend_weight:.2f}); the 2021->2024 columns are shown, not used to "
        "choose.",
        "",
        *_table(mtune, mfmt),
        "",
        "### Evaluation: one labour force 2024, registers through 2023-10 (last reference "
        "year 2021)",
        "",
        *_table(main, num),
        "",
        f"Largest error {worst:.1f} %; within {TARGET:.0f} %: "
        f"{int((main['error %'].abs() <= TARGET).sum())} of {len(main)} areas "
        f"({', '.join(main.loc[main['error %'].abs() <= TARGET, 'area'])}).",
        "",
        "### For comparison: registers cut at 2021-12 (last reference year 2019, five years ahead)",
        "",
        *_table(stale, num),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/results/labour_force.md")
    args = parser.parse_args()
    text = report()
    print(text)
    if args.out.exists():
        doc = args.out.read_text()
        block = f"<!-- eval:start -->\n{text}\n<!-- eval:end -->"
        doc = re.sub(r"<!-- eval:start -->.*<!-- eval:end -->", lambda _: block, doc, flags=re.S)
        args.out.write_text(doc)


if __name__ == "__main__":
    main()
