"""Are two commits' release datasets the same numbers? Compare the ``--save`` directories of
two ``benchmarks/profile_release.py`` runs.

    python benchmarks/check_release_identity.py BEFORE_DIR AFTER_DIR [--products a,b]

Each ``<product>.nc`` present in both directories (or each named product) must be
``xarray.testing.assert_identical``: the same variables, coordinates, values bit for bit and
attrs, except ``code_version`` (the commit that built it, on the dataset or a variable).
Exits 1 on any difference.

To produce the directories, run the profile once with each commit's code, e.g. the earlier
commit from a checkout of it (the script imports the package of the checkout it lies in):

    python benchmarks/profile_release.py --scope national \\
        --products register_backtest_metrics,register_forecasts --save /tmp/after
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import xarray as xr

IGNORED_ATTRS = ("code_version",)


def comparable(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` without the attrs that name the build rather than the numbers."""
    out = ds.copy()
    out.attrs = {k: v for k, v in out.attrs.items() if k not in IGNORED_ATTRS}
    for var in out.variables.values():
        var.attrs = {k: v for k, v in var.attrs.items() if k not in IGNORED_ATTRS}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--products", help="comma-separated (default: every common file)")
    args = parser.parse_args()
    if args.products:
        names = args.products.split(",")
    else:
        names = sorted(
            {p.stem for p in args.before.glob("*.nc")} & {p.stem for p in args.after.glob("*.nc")}
        )
    failed = 0
    for name in names:
        with (
            xr.open_dataset(args.before / f"{name}.nc") as old,
            xr.open_dataset(args.after / f"{name}.nc") as new,
        ):
            try:
                xr.testing.assert_identical(comparable(old.load()), comparable(new.load()))
            except AssertionError as err:
                failed += 1
                print(f"{name}: DIFFERENT\n{err}", flush=True)
            else:
                print(f"{name}: identical (every attr but {', '.join(IGNORED_ATTRS)})", flush=True)
    if not names:
        print("no datasets to compare", flush=True)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
