"""Check the occupation shares carried across a gap; write docs/results/occupation_shares.md.

    PYTHONPATH=. .venv/bin/python benchmarks/eval_occupation_shares.py \
        [--out docs/results/occupation_shares.md]

The release's occupation forecast is ``share x register forecast`` with each 2-digit group's
share taken from the occupation data's last month (2023-10) and carried 33..74 months to the
forecast months (forecasting.register_occupations.share_paths). This replays that on the
history of Etelä-Savo (MK10): from share months 2010-10, 2012-10, .., 2018-10 (only data up
to the share month is used), the share 33..60 months later (the first 28 of the release's
horizons the history can check) is compared with the observed share. Reported per variable:

- coverage of the log-share intervals ``log(share) +- z sigma_k`` (80 %, 95 %) against the
  observed log share, over groups and months;
- mean absolute log error of three share rules: the method (deseasonalised level of the
  last ``LEVEL_MONTHS`` months with the calendar-month pattern), the latest month's share
  held, the mean share of the last 12 months.

Groups with at least 100 (unemployed) or 20 (vacancies) in the share month are "large".
Numpy only, a few seconds; figures do not depend on the machine's load.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.io.inputs import assemble
from forecasting.register_occupations import (
    LEVEL_MONTHS,
    occupation_hierarchy,
    occupations_panel,
    share_paths,
)
from forecasting.registers import VARIABLES
from models.forecast import Z80, Z95

SHARE_MONTHS = ("2010-10", "2012-10", "2014-10", "2016-10", "2018-10")
STEPS = np.arange(33, 61)
LARGE = {"unemployed": 100.0, "vacancies": 20.0}
COMMAND = "PYTHONPATH=. .venv/bin/python benchmarks/eval_occupation_shares.py"


def evaluate(area: str = "MK10") -> pd.DataFrame:
    cube = assemble(use_cache=False)["occupations"].sel(area=area)
    times = pd.DatetimeIndex(cube["time"].values)
    hier = occupation_hierarchy([str(c) for c in cube["occupation"].values])
    rows = []
    for variable in VARIABLES:
        full = occupations_panel(cube, variable, hier, len(times))[1:]
        actual = np.log(np.maximum(full, 0.5) / np.maximum(full.sum(axis=0), 1.0))
        for label in SHARE_MONTHS:
            t0 = int(times.get_loc(pd.Timestamp(f"{label}-01")))
            past = full[:, : t0 + 1]
            share, sigma = share_paths(
                past, times.month.to_numpy()[: t0 + 1], STEPS, LEVEL_MONTHS[variable]
            )
            total = np.maximum(past.sum(axis=0), 1.0)
            floored = np.maximum(past, 0.5)  # as share_paths and ``actual``
            held = floored[:, -1:] / total[-1]
            mean12 = (floored[:, -12:] / total[-12:]).mean(axis=1, keepdims=True)
            obs = actual[:, t0 + STEPS]
            large = past[:, -1] >= LARGE[variable]
            for subset, keep in (("large", large), ("all", np.ones_like(large))):
                err = obs[keep] - np.log(share[keep])
                sig = sigma[keep]
                rows.append(
                    {
                        "variable": variable,
                        "share_month": label,
                        "groups": subset,
                        "n_groups": int(keep.sum()),
                        "cover80": float(np.mean(np.abs(err) <= Z80 * sig)),
                        "cover95": float(np.mean(np.abs(err) <= Z95 * sig)),
                        "mae_method": float(np.mean(np.abs(err))),
                        "mae_held": float(np.mean(np.abs(obs[keep] - np.log(held[keep])))),
                        "mae_mean12": float(np.mean(np.abs(obs[keep] - np.log(mean12[keep])))),
                        "median_sigma": float(np.median(sig)),
                    }
                )
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table (no tabulate dependency)."""
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def render(frame: pd.DataFrame) -> str:
    means = (
        frame.groupby(["variable", "groups"])
        .mean(numeric_only=True)
        .round(3)
        .reset_index()
        .drop(columns="n_groups")
    )
    lines = [
        "# Occupation shares carried across a gap (Etelä-Savo)",
        "",
        f"Command: `{COMMAND}` (numpy only, seconds; not a timing figure).",
        "",
        "Share months " + ", ".join(SHARE_MONTHS) + f"; steps {STEPS[0]}..{STEPS[-1]} months "
        "after the share month (the release carries the 2023-10 shares 33..74 months). "
        "cover80 / cover95: share of (group, month) pairs whose observed log share lies in "
        "the interval (nominal 0.80 / 0.95); mae_*: mean absolute log-share error of the "
        f"method (level of the last {LEVEL_MONTHS} months, calendar-month pattern), the "
        "latest share held, the last 12 months' mean.",
        "",
        "Means over the share months:",
        "",
        markdown(means),
        "",
        "Per share month:",
        "",
        markdown(frame.round(3)),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/results/occupation_shares.md")
    args = parser.parse_args()
    frame = evaluate()
    text = render(frame)
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
