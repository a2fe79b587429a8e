"""Before / after table of the published register intervals from two backtest frames.

    .venv/bin/python benchmarks/compare_intervals.py BEFORE.pkl AFTER.pkl
    .venv/bin/python benchmarks/compare_intervals.py BEFORE.pkl AFTER.pkl --mase

The frames are ``benchmarks/eval_registers.py``'s cached ``build/eval_registers/ours-*.pkl``
(:func:`forecasting.backtest.backtest_registers`) of the same origins from two versions of
the code. Per variable, horizon band and level: the coverage of the reconciled 80 % and 95 %
intervals and their MSIS95 (means over series and origins, as in ``eval_registers``), and
whether the coverage lies within 75-85 / 91-98 %. Also prints the reconciled MASE of both,
which an interval change must leave identical; with ``--mase`` a column of the reconciled
MASE before / after (for a change of the centres).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ORDER = {"country": 0, "region": 1, "employment_area": 2, "municipality": 3}


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    rec = frame[(frame["method"] == "reconciled") & (frame["n"] > 0)]
    return rec.groupby(["variable", "band", "level"])[
        ["coverage80", "coverage95", "msis95", "mase"]
    ].mean()


def table(before: pd.DataFrame, after: pd.DataFrame, mase: bool = False) -> str:
    b, a = summary(before), summary(after)
    rows = [
        "| variable | band | level | "
        + ("MASE before / after | " if mase else "")
        + "coverage80 before / after | coverage95 before / after "
        "| MSIS95 before / after | in range after |",
        "|---|---|---|---|---|---|---|" + ("---|" if mase else ""),
    ]
    keys = sorted(a.index, key=lambda k: (k[0], k[1], ORDER.get(k[2], 9)))
    for key in keys:
        x, y = b.loc[key], a.loc[key]
        ok = 0.75 <= y["coverage80"] <= 0.85 and 0.91 <= y["coverage95"] <= 0.98
        rows.append(
            f"| {key[0]} | {key[1]} | {key[2].replace('_', ' ')} "
            + (f"| {x['mase']:.3f} / {y['mase']:.3f} " if mase else "")
            + f"| {100 * x['coverage80']:.1f} / {100 * y['coverage80']:.1f} "
            f"| {100 * x['coverage95']:.1f} / {100 * y['coverage95']:.1f} "
            f"| {x['msis95']:.2f} / {y['msis95']:.2f} | {'met' if ok else 'NOT met'} |"
        )
    same = (b["mase"] - a["mase"]).abs().max()
    rows.append("")
    rows.append(f"Largest change of a reconciled MASE (level x band mean): {same:.2e}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("before", type=Path, help="backtest frame of the code before (.pkl)")
    parser.add_argument("after", type=Path, help="backtest frame of the code after (.pkl)")
    parser.add_argument(
        "--mase", action="store_true", help="add a column of the reconciled MASE before / after"
    )
    args = parser.parse_args(argv)
    for path in (args.before, args.after):
        if not path.is_file():
            parser.error(f"{path}: no such file (run benchmarks/eval_registers.py first)")
    before, after = (pd.read_pickle(p) for p in (args.before, args.after))
    print(table(before, after, mase=args.mase))


if __name__ == "__main__":
    main()
