"""Replay the alerting month by month over 2008-01..2023-10 on the real registers.

Measures (issue 7): do the alerts fire for the 2008-09 downturn and the spring-2020 surge within
one month of onset in the municipalities where they happened; the number of alert episodes per
rule; and a second replay must send zero duplicates.

Onset (per municipality, defined from the data, not from the alerts): the first month in the
event window where unemployed jobseekers are at least 20 % and 20 persons above the same month a
year earlier, and stay 20 % above for the next two months (2008-09: window 2008-09..2009-12;
2020: window 2020-03..2020-06, no persistence needed). A municipality "detected" the event when
any register rule fired at most one month after onset (or was already firing from up to three
months before it).

Before/after: the replay is run once with the seasonal norm of ``seasonal_rise`` version 1
(re-created here) and once with the rules as they are; false alarms are the episodes that fire
in the calm years 2016-2019 (falling unemployment everywhere), per municipality-year. The
rules wired later are replayed where history allows: ``working_age_decline`` on the official
2019 population projection (from its base year-end, 2019-12), ``occupation_shortage`` on the
observed occupation groups of Etelä-Savo and Finland. ``event_tier`` has no historical event
register and ``stale_data`` is about today's data, not history: neither can be replayed.

    PYTHONPATH=. python benchmarks/replay_alerts.py [--out docs/results/alerts.md]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from sqlalchemy import func, select

from forecasting import geography
from forecasting.alerts import rules
from forecasting.alerts.engine import AlertEngine, EvaluationReport
from forecasting.alerts.monitor import naive_rate_forecast, register_signals, working_age_input
from forecasting.alerts.replay import episodes_frame
from forecasting.alerts.rules import Signal
from forecasting.alerts.run import RuleInputs, extra_signals
from forecasting.io.alert_db import DeliveryRow, SubscriptionRow, make_engine, session_scope
from forecasting.io.inputs import assemble

sys.path.insert(0, str(Path(__file__).resolve().parent))
import alert_labels as al

LABELS = Path("docs/results/alert_episodes.csv")

EVENTS = {
    "2008-09 downturn": ("2008-09-01", "2009-12-01", 2),
    "spring 2020 surge": ("2020-03-01", "2020-06-01", 0),
}


def onsets(unemployed: xr.DataArray, start: str, end: str, persist: int) -> pd.Series:
    """Onset month per municipality (NaT where the event did not happen there)."""
    yoy = unemployed / unemployed.shift(time=12) - 1
    rise = unemployed - unemployed.shift(time=12)
    hit = (yoy >= 0.20) & (rise >= 20)
    sustained = hit.copy()
    for k in range(1, persist + 1):
        sustained = sustained & (yoy.shift(time=-k) >= 0.20)
    window = sustained.sel(time=slice(start, end))
    first = window.argmax("time")
    any_hit = window.any("time")
    months = pd.DatetimeIndex(window["time"].values)
    return pd.Series(
        [
            months[int(i)] if ok else pd.NaT
            for i, ok in zip(first.values, any_hit.values, strict=True)
        ],
        index=[str(a) for a in window["area"].values],
    )


def firing_months(
    report: EvaluationReport,
    only: tuple[str, ...] = (
        "seasonal_rise",
        "rate_threshold",
        "structural_break",
        "vacancy_decline",
        "tightness_decline",
    ),
) -> dict[str, list[pd.Timestamp]]:
    out: dict[str, list[pd.Timestamp]] = {}
    for t in report.transitions:
        if t.to_state == "firing" and t.rule in only:
            out.setdefault(t.area, []).append(pd.Timestamp(t.month))
    return out


def lags_by_rule(unemployed: xr.DataArray, report: EvaluationReport) -> list[str]:
    """Per unemployment rule, how many 2008-09 onsets it fired for and its median lag."""
    start, end, persist = EVENTS["2008-09 downturn"]
    onset = onsets(unemployed, start, end, persist)
    lines = ["| rule | fired -3..12 months around the onset | within 1 month | median lag |"]
    lines.append("|---|---|---|---|")
    for rule in ("seasonal_rise", "rate_threshold", "structural_break"):
        det = detection(onset, firing_months(report, (rule,)))
        lines.append(
            f"| {rule} | {int(det['lag'].notna().sum())} | {int((det['lag'] <= 1).sum())} | "
            f"{det['lag'].median():.0f} |"
        )
    return lines


def detection(onset: pd.Series, fired: dict[str, list[pd.Timestamp]]) -> pd.DataFrame:
    rows = []
    for area, month in onset.dropna().items():
        lags = [(f.year - month.year) * 12 + f.month - month.month for f in fired.get(area, [])]
        near = [lag for lag in lags if -3 <= lag <= 12]
        rows.append({"area": area, "onset": month, "lag": min(near) if near else np.nan})
    return pd.DataFrame(rows)


CALM = ("2016-01-01", "2019-12-01")
UNEMPLOYMENT_RULES = (
    "seasonal_rise", "rate_threshold", "structural_break", "vacancy_decline", "tightness_decline",
)  # fmt: skip


def _norm_v1(yoy: xr.DataArray, window: int, min_periods: int = 12) -> xr.Dataset:
    """The seasonal norm of ``seasonal_rise`` version 1: deviations from moving medians."""
    past = yoy.shift(time=1)
    med = past.rolling(time=window, min_periods=min_periods).median()
    mad = abs(past - med).rolling(time=window, min_periods=min_periods).median()
    return xr.Dataset({"median": med, "mad": mad})


@contextmanager
def seasonal_v1() -> Iterator[None]:
    original = rules._robust_norm
    rules._robust_norm = _norm_v1
    try:
        yield
    finally:
        rules._robust_norm = original


@dataclass
class Replay:
    first: EvaluationReport
    second: EvaluationReport
    queued: int
    t_signals: float
    t_first: float


def replay(signals: list[Signal], months: list[pd.Timestamp], t_signals: float) -> Replay:
    """Evaluate ``signals`` twice over ``months`` in a fresh alert database."""
    with tempfile.TemporaryDirectory() as tmp:
        db = make_engine(f"sqlite:///{Path(tmp) / 'replay.sqlite'}")
        with session_scope(db) as session:
            session.add(
                SubscriptionRow(
                    recipient="johtaja",
                    channel="email",
                    address="johtaja@example.fi",
                    areas=[],
                    min_severity="warning",
                )
            )
        t0 = time.perf_counter()
        engine = AlertEngine(db)
        first = engine.evaluate(signals, months)
        t_first = time.perf_counter() - t0
        second = engine.evaluate(signals, months)
        with session_scope(db) as session:
            queued = int(session.scalar(select(func.count()).select_from(DeliveryRow)) or 0)
    return Replay(first, second, queued, t_signals, t_first)


def calm_episodes(report: EvaluationReport) -> dict[str, tuple[int, int]]:
    """Episodes fired in the calm years per rule: (all, warning or critical)."""
    lo, hi = (pd.Timestamp(x) for x in CALM)
    out: dict[str, tuple[int, int]] = {}
    for t in report.transitions:
        if t.to_state == "firing" and lo <= pd.Timestamp(t.month) <= hi:
            n_all, n_warn = out.get(t.rule, (0, 0))
            out[t.rule] = (n_all + 1, n_warn + int(t.severity >= rules.WARNING))
    return out


def episodes(report: EvaluationReport) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """Per area, the (fired, resolved) months of the unemployment rules' episodes
    (resolved = 2100-01 while still firing)."""
    out: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    fired: dict[str, pd.Timestamp] = {}
    for t in report.transitions:  # in month order within each alert
        if t.rule not in UNEMPLOYMENT_RULES:
            continue
        if t.to_state == "firing":
            fired[t.key] = pd.Timestamp(t.month)
        elif t.to_state == "resolved" and t.key in fired:
            out.setdefault(t.area, []).append((fired.pop(t.key), pd.Timestamp(t.month)))
    for key, month in fired.items():
        out.setdefault(key.split(":")[1], []).append((month, pd.Timestamp("2100-01-01")))
    return out


def detections(unemployed: xr.DataArray, report: EvaluationReport) -> dict[str, pd.DataFrame]:
    """Detection per event: ``lag`` (first firing from 3 months before onset) and ``active``
    (an episode begun at most 3 months before the event window is still firing one month
    after onset: the alert rose with the downturn before the onset definition was met)."""
    fired, eps = firing_months(report), episodes(report)
    out = {}
    for name, (start, end, persist) in EVENTS.items():
        det = detection(onsets(unemployed, start, end, persist), fired)
        earliest = pd.Timestamp(start) - pd.DateOffset(months=3)
        det["active"] = [
            any(earliest <= f <= m + pd.DateOffset(months=1) < r for f, r in eps.get(area, []))
            for area, m in zip(det["area"], det["onset"], strict=True)
        ]
        det["detected"] = (det["lag"] <= 1) | det["active"]
        out[name] = det
    return out


def misses_table(det: pd.DataFrame, registers: xr.Dataset, signal: Signal) -> list[str]:
    """How the municipalities detected late or not at all differ from the others (2008-09)."""
    det = det.assign(
        labour_force=[float(registers["labour_force"].sel(area=a, time=m)) for a, m in
                      zip(det["area"], det["onset"], strict=True)],
        rise=[float(signal.numbers["rise_persons"].sel(area=a, time=m)) for a, m in
              zip(det["area"], det["onset"], strict=True)],
        z=[float(signal.numbers["z"].sel(area=a, time=m)) for a, m in
           zip(det["area"], det["onset"], strict=True)],
        scale=[float(signal.numbers["norm_scale"].sel(area=a, time=m)) for a, m in
               zip(det["area"], det["onset"], strict=True)],
    )  # fmt: skip
    late = ~det["detected"]
    lines = [
        "| group | municipalities | median labour force | median rise at onset (persons) | "
        "median z at onset | z < 2 at onset | median norm scale (log yoy) |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, part in (("detected", det[~late]), ("not detected", det[late])):
        lines.append(
            f"| {label} | {len(part)} | {part['labour_force'].median():,.0f} | "
            f"{part['rise'].median():.0f} | {part['z'].median():.2f} | "
            f"{int((part['z'] < 2).sum())} | {part['scale'].median():.3f} |"
        )
    names = geography.areas()["name_fi"]
    lines += [
        "",
        "| not detected | onset | labour force | rise (persons) | z at onset | norm scale |",
        "|---|---|---|---|---|---|",
    ]
    for row in det[late].sort_values("labour_force").itertuples():
        lines.append(
            f"| {names.get(row.area, row.area)} ({row.area}) | {row.onset:%Y-%m} | "
            f"{row.labour_force:,.0f} | {row.rise:.0f} | {row.z:.2f} | {row.scale:.3f} |"
        )
    return lines


CHANGE_RULES = (
    "seasonal_rise", "rate_threshold", "structural_break", "vacancy_decline", "tightness_decline",
)  # fmt: skip


def warning_episodes(report: EvaluationReport, rules_: tuple[str, ...]) -> pd.DataFrame:
    """Warning+ firings of ``rules_``: area, rule, month."""
    rows = [
        {"area": t.area, "rule": t.rule, "month": pd.Timestamp(t.month)}
        for t in report.transitions
        if t.to_state == "firing" and t.rule in rules_ and t.severity >= rules.WARNING
    ]
    return pd.DataFrame(rows, columns=["area", "rule", "month"])


def precision(fired: pd.DataFrame, unemployed: xr.DataArray, rate: xr.DataArray) -> pd.DataFrame:
    """Share of warning+ firings that were right: unemployed >= 10 % and >= 10 persons above
    the same month a year earlier in some month from 3 before to 6 after the firing (for
    rate_threshold: the observed rate above 12 % within the next 12 months)."""
    yoy = unemployed / unemployed.shift(time=12) - 1
    rise = unemployed - unemployed.shift(time=12)
    real = ((yoy >= 0.10) & (rise >= 10)).to_pandas()
    over = (rate > 0.12).to_pandas()
    out = []
    for row in fired.itertuples():
        if row.area not in real.index:
            continue
        if row.rule == "rate_threshold":
            ok = bool(over.loc[row.area, row.month : row.month + pd.DateOffset(months=12)].any())
        else:
            lo, hi = row.month - pd.DateOffset(months=3), row.month + pd.DateOffset(months=6)
            ok = bool(real.loc[row.area, lo:hi].any())
        out.append({"rule": row.rule, "area": row.area, "month": row.month, "right": ok})
    return pd.DataFrame(out, columns=["rule", "area", "month", "right"])


def long_breaks(report: EvaluationReport, unemployed: xr.DataArray) -> list[tuple]:
    """structural_break episodes longer than 12 months and whether the level change persisted:
    the mean of the episode's last 12 months against the 12 months before the break (from the
    rule's ``break_age_months`` at firing), at least 10 % in the alert's direction."""
    out = []
    opened: dict[str, tuple[pd.Timestamp, float]] = {}
    last = pd.Timestamp(unemployed["time"].values[-1])
    for t in report.transitions:
        if t.rule != "structural_break":
            continue
        if t.to_state == "firing":
            opened[t.key] = (pd.Timestamp(t.month), float(t.numbers.get("break_age_months") or 0))
        elif t.to_state == "resolved" and t.key in opened:
            out.append((t.area, *opened.pop(t.key), pd.Timestamp(t.month)))
    out += [(k.split(":")[1], f, age, last) for k, (f, age) in opened.items()]
    rows = []
    for area, fired, age, end in out:
        months = (end.year - fired.year) * 12 + end.month - fired.month
        if months <= 12 or area not in unemployed["area"]:
            continue
        brk = fired - pd.DateOffset(months=int(age) - 1)
        s = unemployed.sel(area=area).to_series()
        pre = s[brk - pd.DateOffset(months=12) : brk - pd.DateOffset(months=1)].mean()
        post = s[end - pd.DateOffset(months=12) : end - pd.DateOffset(months=1)].mean()
        rows.append((area, fired, end, months, post / pre - 1))
    return rows


def recall(det: pd.DataFrame, big: set[str]) -> tuple[int, list[int]]:
    sub = det[det["area"].isin(big)]
    return len(sub), [int(((sub["lag"] <= k) | sub["active"]).sum()) for k in (0, 1, 2)]


def labelled_scores(
    report: EvaluationReport, munis: list[str], big: set[str]
) -> tuple[list[str], list[str]]:
    """Rows for the targets table and the section scored against the labelled onsets file
    (definitions in ``benchmarks/alert_labels.py``)."""
    labels = pd.read_csv(LABELS, dtype=str, keep_default_na=False)
    ep, lab = al.prepare(episodes_frame(report.transitions), labels, set(munis))
    scored = al.score(ep, lab, CHANGE_RULES)
    eps, ons = scored.episodes, scored.onsets
    head = ons[ons["area"].isin(big) & ons["year"].isin({2008, 2009, 2020})]
    hit, n = al.recall(head, "any", 2)
    ev = eps[eps["year"].isin(al.EVAL_YEARS)]
    n_fa, fa = al.false_alarms(eps, len(munis))
    yes = lambda ok: "yes" if ok else "no"  # noqa: E731
    targets = [
        f"| labelled: recall within 2 months, 2008-09 and 2020 onsets, labour force >= 2,000 "
        f"| >= 90 % | {hit / max(n, 1):.0%} ({hit} of {n}) | {yes(hit >= 0.9 * n)} |",
        f"| labelled: precision of warning+ episodes, evaluation years (2008-09, 2016-20) "
        f"| >= 70 % | {ev['right'].mean():.0%} ({int(ev['right'].sum())} of {len(ev)}) | "
        f"{yes(ev['right'].mean() >= 0.7)} |",
        f"| labelled: precision of warning+ episodes, all years 2008-2023 | >= 70 % | "
        f"{eps['right'].mean():.0%} ({int(eps['right'].sum())} of {len(eps)}) | "
        f"{yes(eps['right'].mean() >= 0.7)} |",
        f"| labelled: false alarms per municipality-year 2016-2019 (change rules) | <= 0.2 | "
        f"{fa:.3f} ({n_fa} / {len(munis) * 4}) | {yes(fa <= 0.2)} |",
    ]
    lines = [
        "## Scored against the labelled onsets (docs/results/alert_episodes.csv)",
        "",
        f"{len(lab)} labelled onsets in {lab['area'].nunique()} municipalities; warning+ "
        "episodes of the change rules in the municipalities. Detected at k = an episode "
        "firing from 3 months before to k months after the onset, begun at most 12 months "
        "before it. Right = the episode starts from 6 months before a labelled onset to its "
        "turn. False alarm = a wrong episode starting in 2016-2019, per municipality-year. Lead "
        "= onset minus the start of the earliest detecting episode (months, median over "
        "detected onsets; positive = before the onset). Tuning years (the only ones used to "
        "tune): episodes starting 2010-2015 and 2021-2023; evaluation: 2008-09, 2016-2020.",
        "",
        "| rule | recall at 0 | within 1 | within 2 | median lead | episodes | precision | "
        "precision (evaluation years) | precision (tuning years) | calm false alarms | per "
        "municipality-year |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rule in (*CHANGE_RULES, "any"):
        e = eps if rule == "any" else eps[eps["rule"] == rule]
        rec = [al.recall(ons, rule, k) for k in (0, 1, 2)]
        nf, f = al.false_alarms(e, len(munis))
        pct = lambda x: f"{x['right'].mean():.0%}" if len(x) else "–"  # noqa: E731
        lines.append(
            f"| {rule} | "
            + " | ".join(f"{h} ({h / max(m, 1):.0%})" for h, m in rec)
            + f" | {ons[f'lead_{rule}'].median():+.0f} | {len(e)} | {pct(e)} | "
            f"{pct(e[e['year'].isin(al.EVAL_YEARS)])} | {pct(e[e['year'].isin(al.TUNE_YEARS)])} "
            f"| {nf} | {f:.3f} |"
        )
    lines.append("")
    return targets, lines


def run(out: Path | None) -> str:
    cubes = assemble(["registers", "occupations", "projection_2019"])
    registers = cubes["registers"]
    munis = [
        a for a in map(str, registers["area"].values) if geography.level_of(a) == "municipality"
    ]
    tas = [
        a for a in map(str, registers["area"].values) if geography.level_of(a) == "employment_area"
    ]
    months = list(pd.date_range("2008-01-01", "2023-10-01", freq="MS"))
    config = rules.load_config()
    hist = registers.sel(time=slice(None, "2023-10-01"))
    unemployed = hist["unemployed"].sel(area=munis)
    # Replaying history: the release's model forecasts of past origins do not exist, so the
    # rate rule is given the causal seasonal naive forecast explicitly.
    reg = hist.sel(area=munis + tas)
    rate = reg["unemployed"] / reg["labour_force"]
    naive = naive_rate_forecast(rate)
    t0 = time.perf_counter()
    signals = register_signals(hist, rate_forecast=naive, areas=munis + tas)
    inputs = RuleInputs(
        working_age=working_age_input(cubes["projection_2019"]),
        occupations=cubes["occupations"].sel(time=slice(None, "2023-10-01")),
    )
    extra = extra_signals(inputs, months, munis, config)
    after = replay(signals + extra, months, time.perf_counter() - t0)
    det = detections(unemployed, after.first)
    lf = hist["labour_force"].sel(area=munis).sel(time="2019-12-01").to_series()
    big = set(lf[lf >= 2000].index)
    lines = [
        "# Alert replay 2008-01..2023-10 on the real registers",
        "",
        "Command: `PYTHONPATH=. python benchmarks/replay_alerts.py` (the counts do not depend "
        "on the machine or its load). Rules, inputs and the reading of these figures: "
        "`docs/methods/alerts.md`.",
        "",
        f"{len(munis)} municipalities and {len(tas)} employment areas, {len(months)} months; "
        f"signals in {after.t_signals:.1f} s, first replay in {after.t_first:.1f} s "
        f"({os.cpu_count()} cores shared with other work, load average "
        f"{os.getloadavg()[0]:.1f} at the end).",
        "",
        "## Targets",
        "",
    ]
    # recall
    rec_lines = []
    total_n, total_hit = 0, [0, 0, 0]
    for name in EVENTS:
        n, hits = recall(det[name], big)
        total_n += n
        total_hit = [a + b for a, b in zip(total_hit, hits, strict=True)]
        rec_lines.append(
            f"| {name} | {n} | " + " | ".join(f"{h} ({h / max(n, 1):.0%})" for h in hits) + " |"
        )
    fired = warning_episodes(after.first, CHANGE_RULES)
    fired_m = fired[fired["area"].isin(munis)]
    prec = precision(fired_m, unemployed, rate.sel(area=munis))
    lo, hi = (pd.Timestamp(x) for x in CALM)
    calm_all = warning_episodes(after.first, tuple(config["rules"]) + CHANGE_RULES)
    calm_all = calm_all[
        calm_all["area"].isin(munis) & (calm_all["month"] >= lo) & (calm_all["month"] <= hi)
    ]
    unit_years = len(munis) * 4
    breaks = long_breaks(after.first, hist["unemployed"])
    not_persistent = [b for b in breaks if abs(b[4]) < 0.10]
    r2 = total_hit[2] / max(total_n, 1)
    p_all = float(prec["right"].mean()) if len(prec) else float("nan")
    fa = len(calm_all) / unit_years
    label_targets, label_lines = labelled_scores(after.first, munis, big)
    lines += [
        "| measure | target | result | met |",
        "|---|---|---|---|",
        f"| recall within 2 months, 2008-09 and 2020 onsets, labour force >= 2,000 | >= 90 % | "
        f"{r2:.0%} ({total_hit[2]} of {total_n}) | {'yes' if r2 >= 0.9 else 'no'} |",
        f"| precision of warning+ firings of the change rules (municipalities) | >= 70 % | "
        f"{p_all:.0%} ({int(prec['right'].sum())} of {len(prec)}) | "
        f"{'yes' if p_all >= 0.7 else 'no'} |",
        f"| warning+ false alarms per municipality-year, 2016-2019 (all rules) | <= 0.2 | "
        f"{fa:.3f} ({len(calm_all)} / {unit_years}) | {'yes' if fa <= 0.2 else 'no'} |",
        f"| structural_break episodes > 12 months without a persistent level change (< 10 %) "
        f"| 0 | {len(not_persistent)} of {len(breaks)} long episodes | "
        f"{'yes' if not not_persistent else 'no'} |",
        *label_targets,
        "",
        *label_lines,
        "## Recall at 0, 1 and 2 months (municipalities with labour force >= 2,000 in 2019)",
        "",
        "Onset per municipality from the data (unemployed >= 20 % and >= 20 persons above the "
        "same month a year earlier; 2008-09 sustained three months). Detected at k months = an "
        "unemployment or labour-demand rule fired from 3 months before to k months after the "
        "onset, or an episode begun at most 3 months before the event window was still firing.",
        "",
        "| event | municipalities | at 0 months | within 1 | within 2 |",
        "|---|---|---|---|---|",
        *rec_lines,
        "",
        "## Precision and calm-year false alarms per rule",
        "",
        "Right = unemployed >= 10 % and >= 10 persons above a year earlier in some month from "
        "3 before to 6 after the firing (rate_threshold: the observed rate above 12 % within "
        "12 months). Calm = warning+ firings 2016-01..2019-12 per municipality-year "
        f"({len(munis)} x 4 = {unit_years}).",
        "",
        "| rule | warning+ firings | right | precision | calm-year firings | per "
        "municipality-year |",
        "|---|---|---|---|---|---|",
    ]
    for rule in sorted(set(fired_m["rule"]) | set(calm_all["rule"])):
        pr = prec[prec["rule"] == rule]
        n_calm = int((calm_all["rule"] == rule).sum())
        lines.append(
            f"| {rule} | {len(pr)} | {int(pr['right'].sum())} | "
            f"{pr['right'].mean() if len(pr) else float('nan'):.0%} | {n_calm} | "
            f"{n_calm / unit_years:.3f} |"
        )
    lines += ["", "## Long structural_break episodes", ""]
    lines += [
        f"{len(breaks)} episodes longer than 12 months (the change between the 12 months before "
        "the break and the episode's last 12 months):",
        "",
        "| area | fired | resolved | months | level change |",
        "|---|---|---|---|---|",
    ]
    names = geography.areas()["name_fi"]
    for area, f, e, m, ch in sorted(breaks, key=lambda b: b[4])[:25]:
        end = "still firing" if e >= pd.Timestamp("2023-10-01") else f"{e:%Y-%m}"
        lines.append(f"| {names.get(area, area)} ({area}) | {f:%Y-%m} | {end} | {m} | {ch:+.0%} |")
    # the cases
    ta23 = ["TA23", *geography.members("TA23")]
    case = [
        t
        for t in after.first.transitions
        if t.area in ta23 and t.to_state == "firing" and pd.Timestamp(t.month).year >= 2020
    ]
    lines += [
        "",
        "## TA23 (Mikkeli employment area) and its municipalities since 2020",
        "",
        "| area | rule | fired | severity |",
        "|---|---|---|---|",
        *[
            f"| {names.get(t.area, t.area)} ({t.area}) | {t.rule} | {t.month:%Y-%m} | "
            f"{t.severity_name} |"
            for t in sorted(case, key=lambda t: (t.area, t.month))
        ],
        "",
        "## Episodes per rule",
        "",
        "| rule | episodes (all areas, 2008-2023) |",
        "|---|---|",
        *[f"| {r} | {n} |" for r, n in sorted(after.first.episodes_by_rule().items())],
        "",
        f"Deliveries queued by the first replay: {after.first.enqueued} (= rows: {after.queued}).",
        f"Second replay: {len(after.second.transitions)} transitions, {after.second.enqueued} "
        "deliveries queued (duplicates: must be 0).",
        "",
    ]
    text = "\n".join(lines)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/results/alerts.md"))
    print(run(parser.parse_args().out))
