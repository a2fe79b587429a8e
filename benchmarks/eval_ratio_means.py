"""The dependency ratios' central value: mean of the per-draw ratios against E[A]/E[B].

One national labour supply run with the release's request (latest base year, 20 years, 1000
draws, the seed a release with ``--release-seed`` gives the projection), summarised both
ways from the very same draws: the mean of the per-draw ratio ``A / B`` over the draws that
define it (published before) and the ratio of the means ``E[A] / E[B]`` (published now). The
quantiles are those of the per-draw ratio either way. Counts the area-years (after the base
year, which has no spread) whose central value lies outside its own 80 % or 95 % interval,
and lists them, with Kökar (318), Sottunga (766), Kumlinge (295), TA23 and the country.

    python benchmarks/eval_ratio_means.py [--draws 1000] [--release-seed 20250101]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting import demography, geography  # noqa: E402
from forecasting.demography import engine  # noqa: E402
from forecasting.demography.labour import (  # noqa: E402
    RATIOS,
    _indicators,
    _prepare_rates,
    _summarise,
    labour_components,
)
from forecasting.demography.projection import STAT_NAMES, validate_request  # noqa: E402
from forecasting.io.inputs import assemble  # noqa: E402
from forecasting.release.registry import BuildContext  # noqa: E402

SHOWN = ["318", "766", "295", "TA23", geography.COUNTRY]


def release_seed(root: int) -> int:
    """The seed a release with root seed ``root`` gives ``project_population``."""
    ctx = BuildContext("national", geography.COUNTRY, root, (), (), (), (), "", "", "")
    return ctx.seed_for("project_population")


def both_estimators(draws: int, root: int) -> pd.DataFrame:
    """One row per area, ratio and year: ``old_mean`` (mean of the per-draw ratios),
    ``mean`` (E[A]/E[B]), the bounds and the draws that leave the ratio undefined."""
    cubes = assemble()
    base_year = demography.base_years(cubes)[-1]
    req = validate_request(
        cubes, base_year, base_year + 20, "national", geography.COUNTRY, draws,
        release_seed(root), {"migration": {"immigration": "base"}},
    )  # fmt: skip
    rateset, rates, ratio = _prepare_rates(cubes, req)
    comp = labour_components(rates, ratio, req.assumptions.labour.retirement_min_age)
    years = np.arange(req.base_year, req.until + 1)
    rows = []
    for code, parts in engine.run(rateset, req.scope, comp, draws=req.draws, seed=req.seed):
        stats = _summarise(parts, req.draws, RATIOS)
        named, _ = _indicators(parts)
        for k, name in enumerate(RATIOS):
            per_draw = named[name]
            undefined = np.isnan(per_draw).sum(axis=0)
            defined = np.where(undefined < per_draw.shape[0], per_draw.shape[0] - undefined, 1)
            old = np.nansum(per_draw, axis=0) / defined
            old[undefined == per_draw.shape[0]] = np.nan
            for t, year in enumerate(years):
                stat = dict(zip(STAT_NAMES, stats[k, :, t], strict=True))
                row = {"area": code, "ratio": name, "year": int(year), "old_mean": old[t]}
                rows.append({**row, **stat, "undefined": int(undefined[t])})
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    """``df`` as a Markdown table, numbers to three decimals."""
    cells = [[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row] for row in df.values]
    head = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    return "\n".join(head + ["| " + " | ".join(row) + " |" for row in cells])


def outside(df: pd.DataFrame, column: str, level: int) -> pd.Series:
    return (df[column] < df[f"lo{level}"]) | (df[column] > df[f"hi{level}"])


def report(df: pd.DataFrame) -> list[str]:
    later = df[df["year"] > df["year"].min()]
    lines = [
        f"{later['area'].nunique()} areas x {later['ratio'].nunique()} ratios x "
        f"{later['year'].nunique()} years ({later['year'].min()}-{later['year'].max()}) = "
        f"{len(later)} area-years",
        "",
        "| central value | outside its 95 % interval | outside its 80 % interval |",
        "|---|---:|---:|",
    ]
    for column, label in (("old_mean", "mean of the per-draw ratios"), ("mean", "E[A]/E[B]")):
        lines.append(
            f"| {label} | {int(outside(later, column, 95).sum())} | "
            f"{int(outside(later, column, 80).sum())} |"
        )
    rel = ((later["mean"] - later["old_mean"]) / later["old_mean"]).abs()
    lines += [
        "",
        f"|E[A]/E[B] - old| / old: median {rel.median():.4f}, 90th percentile "
        f"{rel.quantile(0.9):.4f}, max {rel.max():.2f}; E[A]/E[B] lower in "
        f"{float((later['mean'] < later['old_mean']).mean()):.1%} of area-years",
        "",
        "Old central value outside its 95 % interval:",
        "",
    ]
    cols = ["area", "ratio", "year", "old_mean", "mean", "lo95", "hi95", "undefined"]
    lines.append(markdown(later[outside(later, "old_mean", 95)][cols]))
    shown = later[later["area"].isin(SHOWN) & later["year"].isin([2030, 2045])]
    lines += ["", markdown(shown[cols])]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--release-seed", type=int, default=20250101)
    args = parser.parse_args()
    cpu, wall = time.process_time(), time.perf_counter()
    df = both_estimators(args.draws, args.release_seed)
    print("\n".join(report(df)))
    print(
        f"\nCPU {time.process_time() - cpu:.0f} s, wall {time.perf_counter() - wall:.0f} s, "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
