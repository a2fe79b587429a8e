"""The base population of 31.12.2025 and the projection 2026..2045 from it.

Targets (issue "Forecast from the present"): the estimated 2025 base population by
municipality, sex and single age reproduces

- the 11re 2025 totals by municipality and sex exactly,
- the 11ra 2025 shares under 15 and 65+ within 0.3 percentage points,
- Etelä-Savo's single ages by sex (region files, 2025) within 2 % (sum of absolute
  differences / population),

and the projection 2026..2045 from it (80 % / 95 % intervals) is shown next to Statistics
Finland's official 2024 projection for Etelä-Savo (14wx, README of the shared data).

The 2025 cubes come from Snapshot v2 (``population_by_sex``, ``population_change``,
``age_key_figures``, ``regional_demography`` to 2025).

    python benchmarks/eval_population_2025.py [--draws 1000] [--seed 20250101] \
        [--out docs/results/population_2025.md]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import xarray as xr

from forecasting import demography, geography
from forecasting.demography import base
from forecasting.demography.assumptions import DEFAULT_ASSUMPTIONS
from forecasting.io.inputs import Inputs, assemble

ROOT = Path(__file__).resolve().parent.parent
#: Official 2024 projection (14wx), Etelä-Savo totals (shared data README).
OFFICIAL_MK10 = {2024: 127_408, 2030: 121_634, 2040: 114_097, 2045: 111_544}
YEARS = (2025, 2030, 2035, 2040, 2045)


def inputs() -> tuple[Inputs, str]:
    """The cubes of a projection from 2025 and where the 2025 cubes came from."""
    return assemble([*demography.CUBES, *demography.BASE_CUBES]), "the snapshot"


def region_ages(cubes: Inputs, region: str) -> np.ndarray:
    pop = cubes["regional_demography"]["population"].sel(area=region, time="2025-12-31")
    return np.asarray(pop.sel(sex=["F", "M"]).values)


def base_lines(cubes: Inputs, pop: xr.DataArray) -> list[str]:
    codes = list(pop["area"].values)
    published = cubes["population_by_sex"]["population"].sel(time="2025-12-31", area=codes)
    diff = abs(pop.sum("age") - published.transpose("area", "sex"))
    exact = int((diff.max("sex") == 0).sum())
    key = cubes["age_key_figures"].sel(time="2025-12-31", area=codes)
    total = pop.sum(["sex", "age"])
    under = abs(pop.sel(age=slice(0, 14)).sum(["sex", "age"]) / total * 100 - key.share_under_15)
    over = abs(pop.sel(age=slice(65, 100)).sum(["sex", "age"]) / total * 100 - key.share_over_64)
    mean = abs((pop.sum("sex") * (pop["age"] + 0.5)).sum("age") / total - key.mean_age)
    munis = geography.municipalities()
    lines = [
        "| figure | target | result |",
        "|---|---|---|",
        f"| 2025 totals by municipality and sex (11re) | exact | {exact}/{len(codes)} exact, "
        f"max difference {float(diff.max()):.0f} |",
        f"| share under 15 (11ra) | within 0.3 points | max {float(under.max()):.3f}, median "
        f"{float(under.median()):.3f} points |",
        f"| share 65+ (11ra) | within 0.3 points | max {float(over.max()):.3f}, median "
        f"{float(over.median()):.3f} points |",
        f"| mean age (11ra, x + 0.5) | (raked) | max {float(mean.max()):.2f}, median "
        f"{float(mean.median()):.3f} years |",
    ]
    for region in ("MK10", "MK01", "MK21"):
        members = [a for a in codes if munis.loc[a, "region"] == region]
        got = pop.sel(area=members).sum("area").sel(sex=["F", "M"]).values
        ref = region_ages(cubes, region)
        target = "within 2 %" if region == "MK10" else "(all regions are raked)"
        lines.append(
            f"| {region} single ages by sex (region file), sum abs diff / population | {target} "
            f"| {np.abs(got - ref).sum() / ref.sum() * 100:.3f} % of {ref.sum():,.0f} |"
        )
    return lines


def projection_lines(ds: xr.Dataset, area: str) -> list[str]:
    t = ds["population_total"].sel(area=area, sex="T").to_dataset(dim="statistic")
    lines = [
        f"| year | {area} mean | 80 % | 95 % | official 2024 (MK10) |",
        "|---|---:|---|---|---:|",
    ]
    for year in YEARS:
        y = t.sel(time=f"{year}-12-31")
        off = f"{OFFICIAL_MK10[year]:,}" if area == "MK10" and year in OFFICIAL_MK10 else "-"
        lines.append(
            f"| {year} | {float(y['mean']):,.0f} | {float(y['lo80']):,.0f}-"
            f"{float(y['hi80']):,.0f} | {float(y['lo95']):,.0f}-"
            f"{float(y['hi95']):,.0f} | {off} |"
        )
    return lines


def report(args: argparse.Namespace) -> str:
    cubes, origin = inputs()
    pop = base.estimate_base(cubes, 2025, DEFAULT_ASSUMPTIONS)
    runs = {
        area: demography.project_population(
            cubes, base_year=2025, until=2045, area=area, draws=args.draws, seed=args.seed
        )
        for area in ("MK10", "TA23")
    }
    load = os.getloadavg()
    lines = [
        "# Population from 31.12.2025",
        "",
        f"Command: `python benchmarks/eval_population_2025.py --draws {args.draws} --seed "
        f"{args.seed}`; 2025 cubes from {origin}; load average {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} (shared machine). Method: `forecasting/demography/base.py` (2019 single "
        "ages aged forward with the cohort model and net migration closed to the published "
        "totals, age 0 from the 2025 births of 121w, raked to the region files' single ages by "
        "sex, the 11ra shares and mean age and the 11re totals by sex, then rounded to whole "
        "persons with the totals by sex kept).",
        "",
        "## Base population 31.12.2025",
        "",
        *base_lines(cubes, pop),
        "",
        f"## Projection 2026..2045 (default assumptions, {args.draws} draws)",
        "",
        *projection_lines(runs["MK10"], "MK10"),
        "",
        *projection_lines(runs["TA23"], "TA23"),
        "",
        "The official 2024 projection (14wx) is shown as published for Etelä-Savo (its "
        "2024 figure: 127,408; the published 31.12.2025 population is 128,144). Ours starts "
        "from the 2025 population; its net migration level is the mean of the last five "
        "years implied by the totals (2023, missing in the inputs, interpolated between 2022 "
        "and 2025).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "results" / "population_2025.md"
    )
    args = parser.parse_args()
    np.seterr(all="ignore")
    body = report(args)
    print(body)
    args.out.write_text(body, encoding="utf-8")


if __name__ == "__main__":
    main()
