"""Region backtest of the population projection over long history (issue 18).

The 19 regions (``MK##``) are projected with :func:`forecasting.demography.regional.
project_regions` from the bases 1995, 2000, 2005, 2010 and 2015 using only the data up to
each base (the regional single ages and components; nothing later is read: the rates
are estimated from the years up to the base), and compared at horizons 5 and 10 years with
the actual 31.12. populations of ``regional_demography``:

- MdAPE of the totals, ours (mean of the draws) against a constant-growth naive (the
  region's mean yearly growth over the five years up to the base, carried forward);
- MdAPE of the share aged 65+ (absolute percentage error of the share), against the naive
  share held at its base value;
- coverage of the 80 % and 95 % intervals of the totals (target 70-90 % for 80 %).

``--tune`` runs the same on the tuning bases 1997, 2002, 2007, 2012 (horizons 5 and 10)
for a grid of ``uncertainty_scale``; the default scale (see the docs) was chosen there,
never on the evaluation bases.

    python benchmarks/eval_demography_regions.py [--draws 500] [--seed 20250101] \
        [--scale 1.0] [--tune] [--out docs/results/demography.md]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_doc import write_section

from forecasting.demography import _data
from forecasting.demography.assumptions import DemographyAssumptions, MigrationAssumption
from forecasting.demography.regional import (
    CUBES,
    DEFAULT_METHOD,
    REGIONAL_MIGRATION,
    RegionalMethod,
    project_regions,
)
from forecasting.io.inputs import assemble

ROOT = Path(__file__).resolve().parent.parent
BASES = (1995, 2000, 2005, 2010, 2015)
TUNING_BASES = (1997, 2002, 2007, 2012)
HORIZONS = (5, 10)


def actual_population(cubes: Mapping[str, xr.Dataset]) -> pd.DataFrame:
    """Totals and 65+ counts (region x year) from ``regional_demography``."""
    pop = _data.by_year(cubes["regional_demography"]["population"]).sum("sex")
    return pop


def run(
    cubes: Mapping[str, xr.Dataset],
    bases: tuple[int, ...],
    draws: int,
    seed: int,
    scale: float,
    window: int,
    method: RegionalMethod = DEFAULT_METHOD,
) -> pd.DataFrame:
    """One row per region, base and horizon with ours, naive and the actual."""
    actual = actual_population(cubes)
    assumptions = DemographyAssumptions(
        migration=MigrationAssumption(uncertainty_scale=scale, window=window)
    )
    rows = []
    for base in bases:
        ds = project_regions(
            cubes,
            base_year=base,
            until=base + max(HORIZONS),
            draws=draws,
            seed=seed,
            assumptions=assumptions,
            method=method,
        )
        regions = [str(a) for a in ds["area"].values]
        for h in HORIZONS:
            year = base + h
            when = f"{year}-12-31"
            tot = ds["population_total"].sel(sex="T", time=when)
            old = ds["population"].sel(sex="T", time=when, statistic="mean", age=slice(65, 100))
            for r in regions:
                act = actual.sel(area=r)
                a_tot = float(act.sel(year=year).sum())
                a_share = float(act.sel(year=year, age=slice(65, 100)).sum()) / a_tot
                t0 = float(act.sel(year=base).sum())
                t5 = float(act.sel(year=base - 5).sum())
                growth = (t0 / t5) ** (1 / 5)
                share0 = float(act.sel(year=base, age=slice(65, 100)).sum()) / t0
                got = tot.sel(area=r)
                rows.append(
                    {
                        "base": base,
                        "h": h,
                        "area": r,
                        "actual": a_tot,
                        "mean": float(got.sel(statistic="mean")),
                        "lo80": float(got.sel(statistic="lo80")),
                        "hi80": float(got.sel(statistic="hi80")),
                        "lo95": float(got.sel(statistic="lo95")),
                        "hi95": float(got.sel(statistic="hi95")),
                        "naive": t0 * growth**h,
                        "share65": a_share,
                        "share65_ours": float(old.sel(area=r).sum())
                        / float(got.sel(statistic="mean")),
                        "share65_naive": share0,
                    }
                )
    df = pd.DataFrame(rows)
    for what in ("mean", "naive"):
        df[f"ape_{what}"] = 100 * (df[what] - df["actual"]).abs() / df["actual"]
    for what in ("share65_ours", "share65_naive"):
        df[f"ape_{what}"] = 100 * (df[what] - df["share65"]).abs() / df["share65"]
    df["in80"] = (df["lo80"] <= df["actual"]) & (df["actual"] <= df["hi80"])
    df["in95"] = (df["lo95"] <= df["actual"]) & (df["actual"] <= df["hi95"])
    return df


def table(df: pd.DataFrame) -> str:
    lines = [
        "| horizon | base | n | MdAPE total, ours | naive | MdAPE 65+ share, ours | naive "
        "| 80 % coverage | 95 % coverage |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for h in HORIZONS:
        for b, g in df[df["h"] == h].groupby("base"):
            lines.append(_line(h, b, g))
        lines.append(_line(h, "all", df[df["h"] == h]))
    lines.append(_line("5 and 10", "all", df))
    return "\n".join(lines)


def _line(h: object, b: object, g: pd.DataFrame) -> str:
    return (
        f"| {h} | {b} | {len(g)} | {g['ape_mean'].median():.2f} % "
        f"| {g['ape_naive'].median():.2f} % "
        f"| {g['ape_share65_ours'].median():.2f} % | {g['ape_share65_naive'].median():.2f} % "
        f"| {100 * g['in80'].mean():.0f} % | {100 * g['in95'].mean():.0f} % |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--scale", type=float, default=None, help="default: the assumption's")
    parser.add_argument("--tune", action="store_true", help="grid on the tuning bases only")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    cubes = assemble(list(CUBES))
    started = time.time()
    if args.tune:
        grid = [(RegionalMethod(by_component=False), 1.0)] + [
            (RegionalMethod(recent_weight=w, long_ratio=long), scale)
            for long in (True, False)
            for w in (1.0, 0.5, 0.25)
            for scale in ((0.75, 1.0, 1.25) if long else (1.0, 1.25, 1.5))
        ]
        for method, scale in grid:
            df = run(cubes, TUNING_BASES, args.draws, args.seed, scale, 5, method)
            print(
                f"{method} scale {scale}: 80 % coverage {100 * df['in80'].mean():.0f}"
                f" %, 95 % {100 * df['in95'].mean():.0f} %, MdAPE total "
                f"{df['ape_mean'].median():.2f} % (naive {df['ape_naive'].median():.2f} %)"
                f", 65+ share {df['ape_share65_ours'].median():.2f} %",
                flush=True,
            )
        return
    scale = float(REGIONAL_MIGRATION["uncertainty_scale"]) if args.scale is None else args.scale
    window = int(REGIONAL_MIGRATION["window"])
    df = run(cubes, BASES, args.draws, args.seed, scale, window)
    elapsed = time.time() - started
    total = run(cubes, BASES, args.draws, args.seed, scale, window, RegionalMethod(False))
    body = "\n".join(
        [
            "Command: `PYTHONPATH=. python benchmarks/eval_demography_regions.py "
            f"--draws {args.draws} --seed {args.seed}`"
            + (f" --scale {scale}" if args.scale is not None else ""),
            "",
            f"Migration by component ({DEFAULT_METHOD}), window {window} years, uncertainty "
            f"scale {scale}: chosen with `--tune` on the bases 1997, 2002, 2007, 2012 only.",
            "",
            f"19 regions, bases {', '.join(map(str, BASES))}, horizons 5 and 10 years; "
            f"{elapsed:.0f} s wall, load average "
            f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (shared machine).",
            "",
            table(df),
            "",
            "The same bases with total net migration (the previous method, "
            "`RegionalMethod(by_component=False)`):",
            "",
            table(total),
        ]
    )
    print(body)
    if args.out:
        write_section(args.out, "regions", body)


if __name__ == "__main__":
    main()
