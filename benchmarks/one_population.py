"""Does a release hold one population? The labour supply's ``population`` beside the
projection's total over sex and age, from the ``--save`` directory of a
``benchmarks/profile_release.py`` run (or any folder with ``labour_supply.nc`` and
``population_projection.nc``).

    python benchmarks/one_population.py DIR [DIR ...]

Prints, per statistic (mean, lo80, hi80, lo95, hi95), the largest absolute difference in
persons over every area and year, the country's in the last year, and how many cells differ.
Two simulations of the same population under two seeds differ by Monte Carlo noise; one
simulation gives 0 everywhere.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import xarray as xr


def differences(folder: Path) -> dict[str, dict[str, float]]:
    with (
        xr.open_dataset(folder / "labour_supply.nc") as labour,
        xr.open_dataset(folder / "population_projection.nc") as projection,
    ):
        total = projection["population_total"].sel(sex="T").load()
        supply = labour["population"].transpose(*total.dims).load()
    out: dict[str, dict[str, float]] = {}
    for stat in map(str, total["statistic"].values):
        gap = supply.sel(statistic=stat) - total.sel(statistic=stat)
        country = gap.sel(area="SSS").isel(time=-1) if "SSS" in gap["area"] else gap.isel(area=-1)
        out[stat] = {
            "max_abs_persons": float(np.abs(gap).max()),
            "country_last_year": float(country),
            "cells_differing": int((gap != 0).sum()),
            "cells": int(gap.size),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args()
    for folder in args.folders:
        print(json.dumps({"folder": str(folder), "labour minus projection": differences(folder)}))


if __name__ == "__main__":
    main()
