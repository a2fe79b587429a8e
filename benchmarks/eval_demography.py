"""Backtest of the population projection against the published totals 2020-2022.

Targets (issue 4): for the six municipalities of the Mikkeli employment area (TA23), the
median absolute percentage error (MdAPE) of the projected 31.12.2022 totals is no larger than
that of Statistics Finland's 2019 projection (``projection_2019``) for the same year, and the
80 % intervals contain the actual totals.

The backtest projects from the 31.12.2019 base population *without* the published totals of
2020-2022 (``calibrate_to_totals=False``; every rate uses data up to 2019 only). The official
projection started from 31.12.2018, one year earlier: that difference is stated next to the
figures. Also reported: the same figures for all 308 municipalities, a sensitivity of the
migration window (the default, 5 years, was fixed before the backtest was run), and the
production projection (calibrated to 2020-2022) against the 31.12.2024 population of the area
given in the service plan (73,848; docs/../shared/DOMAIN.md).

    python benchmarks/eval_demography.py [--draws 1000] [--seed 20250101] \
        [--out docs/results/demography.md]
"""

from __future__ import annotations

import argparse
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import demography, geography
from forecasting.demography import _data, labour_supply, project_population, retirements
from forecasting.demography.assumptions import DemographyAssumptions, MigrationAssumption
from forecasting.io.inputs import Inputs, assemble

ROOT = Path(__file__).resolve().parent.parent
SIX = ["097", "178", "213", "491", "507", "623"]
YEARS = (2020, 2021, 2022)
#: Population of the six municipalities on 31.12.2024 (service plan; shared/DOMAIN.md).
TA23_2024 = 73_848


@cache
def cubes() -> Inputs:
    """The demography's input cubes (snapshot and refresh cache), assembled once."""
    return assemble([*demography.CUBES, *demography.LABOUR_CUBES, "projection_2019"])


def backtest_assumptions(window: int = 5) -> DemographyAssumptions:
    """Default assumptions without the totals after the base year."""
    return DemographyAssumptions(
        migration=MigrationAssumption(calibrate_to_totals=False, window=window)
    )


def totals_table(ds: xr.Dataset, codes: list[str]) -> pd.DataFrame:
    """Projected totals (both sexes) vs actual and official, one row per area and year."""
    actual = _data.by_year(cubes()["population_totals"]["population"])
    official = _data.by_year(cubes()["projection_2019"]["population_total"])
    ours = _data.by_year(ds["population_total"].to_dataset(dim="statistic"))
    rows = []
    for code in codes:
        members = geography.members(code)
        for year in YEARS:
            got = ours.sel(area=code, sex="T", year=year)
            rows.append(
                {
                    "area": code,
                    "year": year,
                    "actual": float(actual.sel(area=code, year=year)),
                    "official": float(official.sel(area=members, year=year).sum()),
                    **{str(k): float(got[k]) for k in got.data_vars},
                }
            )
    table = pd.DataFrame(rows)
    table["ape"] = 100 * (table["mean"] - table["actual"]).abs() / table["actual"]
    table["ape_official"] = 100 * (table["official"] - table["actual"]).abs() / table["actual"]
    table["in80"] = (table["lo80"] <= table["actual"]) & (table["actual"] <= table["hi80"])
    table["in95"] = (table["lo95"] <= table["actual"]) & (table["actual"] <= table["hi95"])
    return table


def summary(table: pd.DataFrame, codes: list[str]) -> dict[str, float]:
    """MdAPE 2022 (ours, official) and interval coverage over the areas and years."""
    sub = table[table["area"].isin(codes)]
    last = sub[sub["year"] == YEARS[-1]]
    return {
        "mdape": float(last["ape"].median()),
        "mdape_official": float(last["ape_official"].median()),
        "in80_2022": float(last["in80"].mean()),
        "in80_all": float(sub["in80"].mean()),
        "in95_all": float(sub["in95"].mean()),
        "n": len(sub),
    }


def backtest_run(scope: str, area: str, draws: int, seed: int, window: int = 5) -> xr.Dataset:
    """The 2019-base projection to 2022 with the backtest assumptions (``window``: years of
    migration history)."""
    return project_population(
        cubes(),
        base_year=2019,
        until=2022,
        scope=scope,
        area=area,
        draws=draws,
        seed=seed,
        assumptions=backtest_assumptions(window),
    )


def area_backtest(draws: int, seed: int) -> tuple[pd.DataFrame, dict[str, float]]:
    ds = backtest_run("area", "TA23", draws, seed)
    table = totals_table(ds, [*SIX, "TA23"])
    result = summary(table, SIX)
    expected = backtest_run("area", "TA23", 0, seed)
    result["mdape_expected"] = summary(totals_table(expected, SIX), SIX)["mdape"]
    return table, result


def national_backtest(draws: int, seed: int) -> dict[str, float]:
    ds = backtest_run("national", "SSS", draws, seed)
    munis = sorted(geography.municipalities().index)
    return summary(totals_table(ds, munis), munis)


def window_sensitivity(draws: int, seed: int) -> list[tuple[int, dict[str, float]]]:
    out = []
    for window in (3, 5, 10):
        ds = backtest_run("area", "TA23", draws, seed, window)
        out.append((window, summary(totals_table(ds, SIX), SIX)))
    return out


def _wide(ds: xr.Dataset) -> xr.Dataset:
    """``<v>_<statistic>`` columns of the variables over ``statistic`` (for the tables here)."""
    out = ds[[v for v in ds.data_vars if "statistic" not in ds[v].dims]]
    for var in [v for v in ds.data_vars if "statistic" in ds[v].dims]:
        for stat in map(str, ds["statistic"].values):
            out[f"{var}_{stat}"] = ds[var].sel(statistic=stat, drop=True)
    return out


def production(draws: int, seed: int) -> dict[str, object]:
    """The default projection (calibrated to 2020-2022) for TA23: 2024 check and headlines."""
    ds = project_population(
        cubes(), base_year=2019, until=2040, scope="area", area="TA23", draws=draws, seed=seed
    )
    tot = _data.by_year(_wide(ds[["population_total"]]).rename(
        {f"population_total_{s}": f"total_{s}" for s in ("mean", "lo80", "hi80", "lo95", "hi95")}
    ))  # fmt: skip
    ta = tot.sel(area="TA23", sex="T")
    official = _data.by_year(cubes()["projection_2019"]["population_total"]).sel(area=SIX)
    supply = _data.by_year(
        _wide(
            labour_supply(
                cubes(),
                base_year=2019,
                until=2040,
                scope="area",
                area="TA23",
                draws=draws,
                seed=seed,
            ).sel(area="TA23")
        )
    )
    retire = _data.by_year(
        _wide(
            retirements(
                cubes(),
                base_year=2019,
                until=2040,
                scope="area",
                area="TA23",
                draws=draws,
                seed=seed,
            ).sel(area="TA23")
        )
    )
    return {"totals": ta, "official": official.sum("area"), "supply": supply, "retire": retire}


def fmt_pct(x: float) -> str:
    return f"{x:.2f} %"


def report(args: argparse.Namespace) -> str:
    table, six = area_backtest(args.draws, args.seed)
    nat = national_backtest(args.draws, args.seed)
    sens = window_sensitivity(args.draws, args.seed)
    prod = production(args.draws, args.seed)
    lines = [
        f"Command: `python benchmarks/eval_demography.py --draws {args.draws} --seed {args.seed}`",
        "",
        "### Backtest: base 31.12.2019, no data after 2019, totals 2020-2022",
        "",
        "| area | year | actual | ours (mean) | 80 % interval | 95 % interval | APE | "
        "official 2019 | APE official |",
        "|---|---|---:|---:|---|---|---:|---:|---:|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.area} | {r.year} | {r.actual:,.0f} | {r.mean:,.0f} | "
            f"{r.lo80:,.0f}-{r.hi80:,.0f}{'' if r.in80 else ' (miss)'} | "
            f"{r.lo95:,.0f}-{r.hi95:,.0f}{'' if r.in95 else ' (miss)'} | {fmt_pct(r.ape)} | "
            f"{r.official:,.0f} | {fmt_pct(r.ape_official)} |"
        )
    lines += [
        "",
        "| figure | six municipalities | all 308 municipalities |",
        "|---|---:|---:|",
        f"| MdAPE of 2022 totals, ours (mean of the draws) | {fmt_pct(six['mdape'])} | "
        f"{fmt_pct(nat['mdape'])} |",
        f"| MdAPE of 2022 totals, ours, expected path (no Monte Carlo noise) | "
        f"{fmt_pct(six['mdape_expected'])} | - |",
        f"| MdAPE of 2022 totals, official 2019 projection | {fmt_pct(six['mdape_official'])} | "
        f"{fmt_pct(nat['mdape_official'])} |",
        f"| 2022 actual inside the 80 % interval | {six['in80_2022']:.0%} | "
        f"{nat['in80_2022']:.0%} |",
        f"| 2020-2022 actual inside the 80 % interval | {six['in80_all']:.0%} of {six['n']} | "
        f"{nat['in80_all']:.0%} of {nat['n']} |",
        f"| 2020-2022 actual inside the 95 % interval | {six['in95_all']:.0%} | "
        f"{nat['in95_all']:.0%} |",
        "",
        "The official projection starts from 31.12.2018 (four years to 2022), ours from "
        "31.12.2019 (three years): part of our advantage is that extra year of data.",
        "",
        "Sensitivity to the migration window (six municipalities; default 5 fixed beforehand):",
        "",
        "| window | MdAPE 2022 | 80 % coverage 2020-2022 | 95 % coverage |",
        "|---:|---:|---:|---:|",
    ]
    for window, s in sens:
        lines.append(
            f"| {window} | {fmt_pct(s['mdape'])} | {s['in80_all']:.0%} | {s['in95_all']:.0%} |"
        )
    lines += production_lines(prod)
    return "\n".join(lines)


def production_lines(prod: dict[str, object]) -> list[str]:
    ta: xr.Dataset = prod["totals"]  # type: ignore[assignment]
    off: xr.DataArray = prod["official"]  # type: ignore[assignment]
    sup: xr.Dataset = prod["supply"]  # type: ignore[assignment]
    ret: xr.Dataset = prod["retire"]  # type: ignore[assignment]
    y24 = ta.sel(year=2024)
    lines = [
        "",
        "### Default projection (calibrated to the published totals 2020-2022), TA23",
        "",
        f"31.12.2024: service plan {TA23_2024:,}; ours {float(y24.total_mean):,.0f} "
        f"(80 % {float(y24.total_lo80):,.0f}-{float(y24.total_hi80):,.0f}, 95 % "
        f"{float(y24.total_lo95):,.0f}-{float(y24.total_hi95):,.0f}); official 2019 projection "
        f"{float(off.sel(year=2024)):,.0f}.",
        "",
        "| year | population (80 %) | official 2019 | working age 15-64 | employed (80 %) | "
        "economic dependency | retirements / year (80 %) |",
        "|---|---|---:|---:|---|---:|---|",
    ]
    for year in (2019, 2025, 2030, 2035, 2040):
        t, s, r = ta.sel(year=year), sup.sel(year=year), ret.sel(year=year)
        retire = (
            "-"
            if year == 2019
            else f"{float(r.retirements_mean):,.0f} ({float(r.retirements_lo80):,.0f}-"
            f"{float(r.retirements_hi80):,.0f})"
        )
        lines.append(
            f"| {year} | {float(t.total_mean):,.0f} ({float(t.total_lo80):,.0f}-"
            f"{float(t.total_hi80):,.0f}) | {float(off.sel(year=year)):,.0f} | "
            f"{float(s.working_age_15_64_mean):,.0f} | {float(s.employed_mean):,.0f} "
            f"({float(s.employed_lo80):,.0f}-{float(s.employed_hi80):,.0f}) | "
            f"{float(s.economic_dependency_ratio_mean):.2f} | {retire} |"
        )
    return lines


def write_section(path: Path, name: str, body: str) -> None:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->`` in ``path``."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "demography.md")
    args = parser.parse_args()
    np.seterr(all="ignore")
    body = report(args)
    print(body)
    write_section(args.out, "eval", body)


if __name__ == "__main__":
    main()
