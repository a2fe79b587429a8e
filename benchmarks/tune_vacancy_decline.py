"""Tune ``vacancy_decline`` on the tuning years only (2010-2015 and 2021-2023).

Each setting of the grid is run month by month over 2008-01..2023-10 on the municipalities
through the alert life cycle (:func:`forecasting.alerts.lifecycle.step`, the engine's state
machine without its database) and scored against the labelled onsets
(``docs/results/alert_episodes.csv``, definitions in ``benchmarks/alert_labels.py``):
precision of the warning+ episodes that START in a tuning year, and recall within 2 months
of the onsets in tuning years. Episodes and onsets in the evaluation years (2008-2009,
2016-2020) are not looked at here.

    PYTHONPATH=. python benchmarks/tune_vacancy_decline.py [--out docs/results/alerts_tuning.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import alert_labels as al

from forecasting import geography
from forecasting.alerts import rules
from forecasting.alerts.lifecycle import AlertState, step
from forecasting.alerts.registry import registered
from forecasting.alerts.replay import episodes_frame
from forecasting.io.inputs import assemble

LABELS = Path("docs/results/alert_episodes.csv")
GRID: dict[str, tuple[Any, ...]] = {
    "drop_warning": (0.30, 0.40),
    "min_vacancies": (40, 100),
    "life": ((2, 3), (3, 3)),
    "min_unemployed_change": (None, -0.10, -0.05, 0.0),
}


def replay_rule(
    severity: np.ndarray, areas: list[str], months: pd.DatetimeIndex, life: tuple[int, int]
) -> list:
    """Transitions of one rule's (area, time) severities through the life cycle."""
    k, n = life
    out = []
    for i, area in enumerate(areas):
        alert = AlertState(
            key=f"vacancy_decline:{area}", rule="vacancy_decline", version="", area=area
        )
        for j, m in enumerate(months):
            t = step(alert, dt.date(m.year, m.month, 1), int(severity[i, j]), {},
                     for_k=k, of_n=n, clear_m=3)  # fmt: skip
            if t is not None:
                out.append(t)
    return out


def municipal_registers() -> tuple[Any, list[str], pd.DataFrame, Any, Any]:
    """What both vacancy tunings read: the registers to 2023-10 (the old extract), the
    municipality codes, the hand labels (:data:`LABELS`) and the municipalities' vacancies
    and unemployed."""
    registers = assemble(["registers"])["registers"].sel(time=slice(None, "2023-10-01"))
    munis = [a for a in map(str, registers["area"].values)
             if geography.level_of(a) == "municipality"]  # fmt: skip
    labels = pd.read_csv(LABELS, dtype=str, keep_default_na=False)
    vac, unemp = registers["vacancies"].sel(area=munis), registers["unemployed"].sel(area=munis)
    return registers, munis, labels, vac, unemp


def run(out: Path | None) -> str:
    registers, munis, labels, vac, unemp = municipal_registers()
    months = pd.DatetimeIndex(registers["time"].values)
    keep = months >= pd.Timestamp("2008-01-01")
    base = dict(registered()["vacancy_decline"].defaults)
    rows = []
    for drop, minv, life, guard in itertools.product(*GRID.values()):
        cfg = {**base, "drop_warning": drop, "min_vacancies": minv,
               "min_unemployed_change": guard}  # fmt: skip
        signal = rules.vacancy_decline(vac, cfg, unemployed=unemp)
        sev = signal.severity.transpose("area", "time").values[:, keep]
        eps = episodes_frame(replay_rule(sev, munis, months[keep], life))
        ep, lab = al.prepare(eps, labels, set(munis))
        scored = al.score(ep, lab, ("vacancy_decline",))
        tune_ep = scored.episodes[scored.episodes["year"].isin(al.TUNE_YEARS)]
        tune_on = scored.onsets[scored.onsets["year"].isin(al.TUNE_YEARS)]
        hit, n = al.recall(tune_on, "vacancy_decline", 2)
        rows.append((drop, minv, f"{life[0]} of {life[1]}", guard, len(tune_ep),
                     tune_ep["right"].mean(), hit, n))  # fmt: skip
    lines = [
        "# Tuning vacancy_decline on 2010-2015 and 2021-2023",
        "",
        "Command: `PYTHONPATH=. python benchmarks/tune_vacancy_decline.py` (counts only; they do "
        "not depend on the machine). Episodes starting in, and onsets in, the tuning years; "
        "the evaluation years 2008-2009 and 2016-2020 are not used. Definitions: "
        "`benchmarks/alert_labels.py`.",
        "",
        "| drop_warning | min_vacancies | fire after | min_unemployed_change | episodes | "
        "precision | onsets detected within 2 months |",
        "|---|---|---|---|---|---|---|",
    ]
    for drop, minv, life, guard, n_ep, prec, hit, n in rows:
        lines.append(f"| {drop:.2f} | {minv} | {life} | {'none' if guard is None else guard} | "
                     f"{n_ep} | {prec:.0%} | {hit} of {n} |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    if out is not None:
        out.write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/results/alerts_tuning.md"))
    print(run(parser.parse_args().out))
