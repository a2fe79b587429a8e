"""Municipal migration by component: the tuning of its level, and what drives the TA23 error.

1. **Tuning** (``--tune``; origins 2006-2013, six years ahead, so every target is <= 2019):
   the net migration level of all 308 municipalities from the data up to the origin, as the
   window mean of the total implied rate (the projection's level, windows 3 and 5) or by
   component (:mod:`forecasting.demography.municipal_components`, recent weights 0-1); the
   error is ``|6 x level - sum of the next six implied rates|`` in % of the population (the
   migration part of the six-year error). The rule fixed before looking: the smallest
   median. Implied rates use the natural increase of the 2019 projection (as the projection
   itself does for its history).
2. **Decomposition** (base 31.12.2019): the component levels of the six TA23 municipalities
   in persons a year against the actual mean net migration 2020-2025 implied by the totals
   and the 2025 components of 121w.

    PYTHONPATH=. python benchmarks/eval_population_components.py [--tune] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import xarray as xr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting import demography, geography  # noqa: E402
from forecasting.demography import _data, migration, municipal_components  # noqa: E402
from forecasting.demography.assumptions import (  # noqa: E402
    DemographyAssumptions,
    MigrationAssumption,
)
from forecasting.demography.rates import estimate_rates  # noqa: E402
from forecasting.io.inputs import assemble  # noqa: E402

SIX = ["097", "178", "213", "491", "507", "623"]
TUNE_ORIGINS = list(range(2006, 2014))
HORIZON = 6
FIRST = 2001


def inputs() -> dict[str, xr.Dataset]:
    cubes = assemble([*demography.CUBES, *demography.BASE_CUBES, "migration"])
    return {n: cubes[n] for n in cubes}


def implied(cubes: dict[str, xr.Dataset]) -> tuple[xr.DataArray, xr.DataArray, np.ndarray]:
    """Implied total rates (area, 2001..2025) as the projection has them (natural rate of
    2020 for every year), the same less the drift of the region's natural rate since 2019
    (the migration that happened: the truth of the tuning), and the 2019 base totals (A,)."""
    a = DemographyAssumptions(migration=MigrationAssumption(calibrate_to_totals=False))
    rs = estimate_rates(cubes, 2019, 2025, a)
    totals = _data.by_year(cubes["population_totals"]["population"]).sel(area=rs.codes)
    natural = rs.estimates["natural_increase_rate"]
    plain = migration.implied_rates(totals, natural, FIRST, 2025)
    years = [int(y) for y in plain["year"].values]
    drift = municipal_components.natural_drift(cubes, rs.codes, years, 2019)
    return plain, plain - drift, rs.population.sum(axis=(1, 2))


def errors(cubes: dict[str, xr.Dataset], plain: xr.DataArray, real: xr.DataArray, origin: int,
           rule: str, window: int, recent_weight: float) -> np.ndarray:  # fmt: skip
    """Six-year migration error (A,) in % of the population from ``origin``: the level from
    the years up to ``origin`` against the sum of the next six years of ``real``."""
    start = _data.by_year(cubes["population_totals"]["population"]).sel(
        area=real["area"], year=origin
    )
    if rule.startswith("total"):
        past = (plain if rule == "total" else real).sel(year=slice(FIRST, origin))
        level = past.isel(year=slice(-window, None)).mean("year").values
    else:
        comp = municipal_components.split(cubes, real.sel(year=slice(FIRST, origin)), origin,
                                          FIRST)  # fmt: skip
        dom, intl = municipal_components.levels(comp, start.values, window, recent_weight)
        level = dom + intl
    actual = real.sel(year=slice(origin + 1, origin + HORIZON)).sum("year").values
    return 100 * np.abs(HORIZON * level - actual)


def tuning(cubes: dict[str, xr.Dataset], plain: xr.DataArray, real: xr.DataArray) -> list[str]:
    rows = [(rule, w, 1.0) for rule in ("total", "total, drift removed") for w in (3, 5)]
    rows += [("components", w, r) for w in (3, 5) for r in (1.0, 0.75, 0.5, 0.25, 0.0)]
    lines = [
        f"| level | window | recent weight | MdAPE, origins {TUNE_ORIGINS[0]}-"
        f"{TUNE_ORIGINS[-1]}, {HORIZON} years | base 2019 -> 2025 (shown, not used) |",
        "|---|---:|---:|---:|---:|",
    ]
    scores = []
    for rule, w, r in rows:
        e = np.concatenate([errors(cubes, plain, real, o, rule, w, r) for o in TUNE_ORIGINS])
        e19 = errors(cubes, plain, real, 2019, rule, w, r)
        scores.append(float(np.median(e)))
        lines.append(f"| {rule} | {w} | {r:.2f} | {np.median(e):.3f} % | {np.median(e19):.3f} % |")
    best = rows[int(np.argmin(scores))]
    lines += ["", f"Smallest tuning median: {best[0]}, window {best[1]}, recent weight "
              f"{best[2]:.2f} (ties: the first listed)."]  # fmt: skip
    return lines


def decomposition(
    cubes: dict[str, xr.Dataset], total: xr.DataArray, real: xr.DataArray, pop2019: np.ndarray
) -> list[str]:
    codes = [str(c) for c in total["area"].values]
    comp = municipal_components.history(cubes, total, 2019, FIRST)
    dom, intl = municipal_components.levels(comp, pop2019, 3, 0.25)
    old = total.sel(year=slice(2015, 2019)).mean("year").values
    totals = _data.by_year(cubes["population_totals"]["population"]).sel(area=codes)
    pops = totals.sel(year=2019).values
    change = _data.by_year(cubes["population_change"]).sel(year=2025).reindex(area=codes)
    plain_2020_25 = (total.sel(year=slice(2020, 2025)) * totals.sel(year=2019)).mean("year")
    mean_2020_25 = (real.sel(year=slice(2020, 2025)) * totals.sel(year=2019)).mean("year")
    lines = [
        "| area | level 2015-19 (total, window 5) | domestic level | international level | "
        "actual mean 2020-25, drift removed | the same as the projection's history | "
        "2025 domestic (121w) | 2025 net immigration (121w) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    where = {c: i for i, c in enumerate(codes)}
    acc = np.zeros(7)
    for code in [*SIX, "TA23"]:
        members = geography.members(code) if code == "TA23" else [code]
        idx = [where[m] for m in members]
        vals = np.array([
            float((old[idx] * pops[idx]).sum()),
            float((dom[idx] * pop2019[idx]).sum()),
            float((intl[idx] * pop2019[idx]).sum()),
            float(mean_2020_25.sel(area=members).sum()),
            float(plain_2020_25.sel(area=members).sum()),
            float(change["net_migration_municipal"].sel(area=members).sum()),
            float(change["net_immigration"].sel(area=members).sum()),
        ])  # fmt: skip
        if code == "TA23":
            vals = acc
        else:
            acc = acc + vals
        lines.append(f"| {code} | " + " | ".join(f"{v:+,.0f}" for v in vals) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    np.seterr(all="ignore")
    cubes = inputs()
    total, real, pop2019 = implied(cubes)
    lines = ["Command: `PYTHONPATH=. python benchmarks/eval_population_components.py --tune`", ""]
    if args.tune:
        lines += [
            "### Tuning the level (no target after 2019)",
            "",
            *tuning(cubes, total, real),
            "",
        ]
    lines += [
        "### Base 2019: component levels against what came (persons a year, six TA23 "
        "municipalities)",
        "",
        *decomposition(cubes, total, real, pop2019),
    ]
    body = "\n".join(lines)
    print(body)
    if args.out:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from results_doc import write_section

        write_section(args.out, "components", body)


if __name__ == "__main__":
    main()
