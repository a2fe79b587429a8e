"""Replaying the alert rules on history: one row per fired episode.

``ennakointi alerts replay --from 2006-01 --to 2023-10 --scope national --out FILE.csv`` runs
every register rule month by month on the registers (the rate rule on the causal seasonal
naive forecast: the release's model forecasts of past origins do not exist), through the same
life cycle as the monthly run (an empty alert database, nothing delivered), and writes
``area, rule, severity, start, end`` (months ``YYYY-MM``; ``end`` = the month the episode
resolved, empty while still firing at ``--to``; ``severity`` = the highest reached in the
episode). The first 12 months of the range only feed the year-on-year rules (2006-01..12 can
give no year-on-year signal); the special-group rules have no data before 2026-06.

Labelled episodes (:func:`labelled_onsets`): the objective definition the replay is scored
against (``benchmarks/replay_alerts.py``, ``docs/results/alerts.md``).
"""

from __future__ import annotations

import pandas as pd
import xarray as xr
from sqlalchemy.engine import Engine

from forecasting import geography
from forecasting.alerts.engine import AlertEngine
from forecasting.alerts.monitor import naive_rate_forecast, register_signals
from forecasting.alerts.rules import SEVERITY_NAMES
from forecasting.errors import ValidationError
from forecasting.provenance import provenance_of

COLUMNS = ["area", "rule", "severity", "start", "end"]


def _month(text: str, field: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(f"{text}-01")
    except ValueError as exc:
        raise ValidationError(field, f"expected YYYY-MM, got {text!r}") from exc


def replay_areas(registers: xr.Dataset, scope: str, area: str | None = None) -> list[str]:
    """``national``: every municipality and employment area in the cube; ``area``: ``area``
    and its member municipalities."""
    known = list(map(str, registers["area"].values))
    if scope == "national":
        return [a for a in known if geography.level_of(a) in ("municipality", "employment_area")]
    if scope == "area" and area:
        code = geography.resolve_area(area)
        return [a for a in [code, *geography.members(code)] if a in known]
    raise ValidationError("scope", "expected 'national' or 'area' with --area")


def replay(
    db: Engine, registers: xr.Dataset, start: str, end: str, areas: list[str]
) -> pd.DataFrame:
    """Fired episodes of the register rules on ``areas`` over ``start``..``end`` (YYYY-MM).

    ``db`` an empty alert database (the replay's life cycle state; nothing is delivered).
    Returns a frame with :data:`COLUMNS`, sorted by area, rule and start.
    """
    lo, hi = _month(start, "from"), _month(end, "to")
    times = pd.DatetimeIndex(registers["time"].values)
    if lo > hi:
        raise ValidationError("from", f"{start} is after the last month to={end}")
    if lo < times[0] or hi > times[-1]:
        raise ValidationError(
            "from", f"the range must be within {times[0]:%Y-%m}..{times[-1]:%Y-%m}"
        )
    hist = registers.sel(time=slice(lo, hi))
    reg = hist.sel(area=areas)
    rate = naive_rate_forecast(reg["unemployed"] / reg["labour_force"])
    signals = register_signals(hist, rate_forecast=rate, areas=areas)
    months = list(pd.DatetimeIndex(hist["time"].values))
    report = AlertEngine(db).evaluate(signals, months)
    frame = episodes_frame(report.transitions)
    frame.attrs.update(
        provenance_of(registers), data_through=f"{hi:%Y-%m}",
        method="the register alert rules (forecasting.alerts.rules) replayed month by month",
    )  # fmt: skip
    return frame


def episodes_frame(transitions: list) -> pd.DataFrame:
    """One row per firing episode from the life cycle's transitions (in month order)."""
    open_: dict[str, dict[str, object]] = {}
    rows: list[dict[str, object]] = []
    for t in transitions:
        if t.to_state == "firing" and t.key not in open_:
            open_[t.key] = {
                "area": t.area,
                "rule": t.rule,
                "severity": t.severity,
                "start": f"{t.month:%Y-%m}",
                "end": "",
            }
        elif t.key in open_ and t.to_state == "firing":
            row = open_[t.key]
            row["severity"] = max(int(row["severity"]), t.severity)  # type: ignore[call-overload]
        elif t.to_state == "resolved" and t.key in open_:
            row = open_.pop(t.key)
            row["end"] = f"{t.month:%Y-%m}"
            rows.append(row)
    rows += open_.values()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["severity"] = [SEVERITY_NAMES.get(int(s), "info") for s in frame["severity"]]
    return frame.sort_values(["area", "rule", "start"], ignore_index=True)


def labelled_onsets(
    unemployed: xr.DataArray,
    *,
    share: float = 0.20,
    persons: int = 20,
    persist: int = 2,
    quiet_months: int = 12,
) -> pd.DataFrame:
    """Objective onsets of unemployment rises (the replay's labelled episodes).

    An onset in area ``a`` at month ``t``: unemployed at least ``share`` (20 %) and
    ``persons`` (20) above the same month a year earlier, still ``share`` above in each of the
    next ``persist`` months (a sustained rise, not one noisy month), and no onset in the
    ``quiet_months`` after the previous episode's turn (or onset). A turn (the episode's
    end) is the first later month at or below the same month a year earlier. Returns
    ``area, onset, turn`` (YYYY-MM; turn empty if not reached in the data).
    """
    x = unemployed.transpose("area", "time")
    yoy = x / x.shift(time=12) - 1
    hit = (yoy >= share) & ((x - x.shift(time=12)) >= persons)
    for k in range(1, persist + 1):
        hit = hit & (yoy.shift(time=-k) >= share)
    months = pd.DatetimeIndex(x["time"].values)
    rows = []
    for i, area in enumerate(map(str, x["area"].values)):
        h, y = hit.values[i], yoy.values[i]
        last = -(10**6)
        for j in range(len(months)):
            if h[j] and j - last > quiet_months:
                turn = next((k for k in range(j + 1, len(months)) if y[k] <= 0), None)
                rows.append(
                    {
                        "area": area,
                        "onset": f"{months[j]:%Y-%m}",
                        "turn": f"{months[turn]:%Y-%m}" if turn is not None else "",
                    }
                )
                last = j if turn is None else max(j, turn)
    return pd.DataFrame(rows, columns=["area", "onset", "turn"])
