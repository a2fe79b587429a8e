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

    python benchmarks/replay_alerts.py [--out docs/results/alerts.md]
"""

from __future__ import annotations

import argparse
import os
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
from forecasting.alerts.rules import Signal
from forecasting.alerts.run import RuleInputs, extra_signals
from forecasting.io.alert_db import DeliveryRow, SubscriptionRow, make_engine, session_scope
from forecasting.io.inputs import assemble

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
    only: tuple[str, ...] = ("seasonal_rise", "rate_threshold", "structural_break"),
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
UNEMPLOYMENT_RULES = ("seasonal_rise", "rate_threshold", "structural_break")


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


def run(out: Path | None) -> str:
    cubes = assemble(["registers", "occupations", "projection_2019"])
    registers = cubes["registers"]
    munis = [
        a for a in map(str, registers["area"].values) if geography.level_of(a) == "municipality"
    ]
    months = list(pd.date_range("2008-01-01", "2023-10-01", freq="MS"))
    config = rules.load_config()
    unemployed = registers["unemployed"].sel(area=munis)
    # Replaying history: the release's model forecasts of past origins do not exist, so the
    # rate rule is given the causal seasonal naive forecast explicitly.
    reg = registers.sel(area=munis)
    naive = naive_rate_forecast(reg["unemployed"] / reg["labour_force"])
    with seasonal_v1():
        before_signals = register_signals(registers, rate_forecast=naive, areas=munis)
    before = replay(before_signals, months, 0.0)
    t0 = time.perf_counter()
    signals = register_signals(registers, rate_forecast=naive, areas=munis)
    inputs = RuleInputs(
        working_age=working_age_input(cubes["projection_2019"]),
        occupations=cubes["occupations"],
    )
    extra = extra_signals(inputs, months, munis, config)
    after = replay(signals + extra, months, time.perf_counter() - t0)
    det_before, det_after = (
        detections(unemployed, before.first),
        detections(unemployed, after.first),
    )
    lines = [
        "# Alert replay 2008-01..2023-10 on the real registers",
        "",
        "Command: `python benchmarks/replay_alerts.py` (the counts do not depend on the "
        "machine or its load). Rules, inputs and the reading of these figures: "
        "`docs/methods/alerts.md`.",
        "",
        f"{len(munis)} municipalities, {len(months)} months; signals in {after.t_signals:.1f} s, "
        f"first replay in {after.t_first:.1f} s ({os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end).",
        "",
        "## Detection of the downturns",
        "",
        "Before = `seasonal_rise` version 1 (its seasonal norm needed 24 months of year-on-year "
        "history, so no z before 2008-12); after = version 2 (the rules as configured now).",
        "",
        "| event | municipalities where it happened | fired within 1 month, before | "
        "fired within 1 month, after | detected (fired or active), before | "
        "detected (fired or active), after | median lag after (months) | "
        "fired at all after (lag <= 12) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in EVENTS:
        b, a = det_before[name], det_after[name]
        n = len(a)
        cells = [int((b["lag"] <= 1).sum()), int((a["lag"] <= 1).sum())]
        cells += [int(b["detected"].sum()), int(a["detected"].sum())]
        pct = " | ".join(f"{c} ({c / max(n, 1):.0%})" for c in cells)
        lines.append(
            f"| {name} | {n} | {pct} | {a['lag'].median():.0f} | {int(a['lag'].notna().sum())} |"
        )
    lines += [
        "",
        "Fired within 1 month = an unemployment rule (seasonal_rise, rate_threshold, "
        "structural_break) fired from 3 months before to 1 month after the onset (the issue's "
        "definition). Active = an episode that began at most 3 months before the event window "
        "was still firing one month after the onset: the alert rose with the downturn before the "
        "onset definition (20 % and 20 persons for three months) was met, so it has no firing "
        "near the onset to count.",
        "",
        "The 2008-09 onsets not detected (neither fired nor active), against the detected ones "
        "(after; z = the seasonal-rise score at the onset month, 2 = the warning threshold):",
        "",
        *misses_table(det_after["2008-09 downturn"], registers, signals[0]),
        "",
        "Each unemployment rule on its own, 2008-09 onsets (after):",
        "",
        *lags_by_rule(unemployed, after.first),
        "",
        "Reading: the onsets left are small municipalities whose unemployed swing widely from "
        "year to year anyway (the norm scale, 1.4826 MAD of the log year-on-year change, is "
        "about two and a half times that of the detected ones): a rise of 20 % and a few dozen "
        "persons there is within the usual swing (z < 2), and lowering the threshold for them "
        "would alarm on that swing. A variant tried once and not kept, a second path firing on "
        "z >= 1.5 in two consecutive months, detected 6 more onsets (227 fired within 1 month) "
        "for 85 more seasonal_rise episodes over the replay and 5 more in the calm years.",
        "",
        "## Alert episodes per rule and false alarms",
        "",
        f"Calm = episodes fired {CALM[0][:7]}..{CALM[1][:7]} (unemployment falling nearly "
        f"everywhere); per municipality-year over {len(munis)} x 4 = {len(munis) * 4} "
        "(occupation groups: per group-year). Warning+ = what a leadership subscription with "
        "`min_severity = warning` receives.",
        "",
        "| rule | episodes before | episodes after | calm before (warning+) | "
        "calm after (warning+) | calm warning+ per unit-year after |",
        "|---|---|---|---|---|---|",
    ]
    eb, ea = before.first.episodes_by_rule(), after.first.episodes_by_rule()
    cb, ca = calm_episodes(before.first), calm_episodes(after.first)
    n_groups = sum(1 for s in extra if s.rule == "occupation_shortage") * 2
    for rule in sorted(set(eb) | set(ea)):
        units = n_groups * 4 if rule == "occupation_shortage" else len(munis) * 4
        b_all, b_w = cb.get(rule, (0, 0))
        a_all, a_w = ca.get(rule, (0, 0))
        lines.append(
            f"| {rule} | {eb.get(rule, '-')} "
            f"| {ea.get(rule, 0)} | {b_all} ({b_w}) | {a_all} ({a_w}) | "
            f"{a_w / max(units, 1):.3f} |"
        )
    lines += [
        "",
        "`working_age_decline` and `occupation_shortage` were not in the first replay (before "
        "= -). `event_tier` and `stale_data` cannot be replayed (no historical event register; "
        "stale data is about today). `working_age_decline` fires once per municipality whose "
        "projected 15-64 population falls 5 % or more in five years (rule v3: info, warning "
        "from a 10 % fall, never critical unless configured; the official 2019 "
        "projection: most of them from 2020-01, the projection's first year-end, and then stay "
        "firing); `occupation_shortage` counts turns of 2-digit occupation groups in Etelä-Savo "
        "(MK10) and Finland (SSS); its 8 calm-year episodes (checked one by one) each have "
        "vacancies up and jobseekers down over the year, 70-3,400 vacancies (e.g. MK10 group "
        "32, health associate professionals, 0.31 -> 1.42 in 2018-03): turns in the data of the "
        "tightening 2016-2019 market, not small-count noise (some vacancy jumps may reflect "
        "changes in how vacancies were reported). structural_break is the noisiest "
        "rule in calm years (warning+ are rises; the rest are info-level falls, not sent to a "
        "warning subscription) and is the slowest to see a downturn (table above).",
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
