"""The alert life cycle: fire after k of n breaches, clear after m normal months, no flapping.

States: ``pending`` (breaching but not yet fired), ``firing``, ``resolved``. One alert per
de-duplication key ``rule:area[:subject]``; a new episode starts when a resolved alert fires
again. Evaluating a month that an alert has already seen is a no-op, which makes replays and
re-runs idempotent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from forecasting.alerts.rules import SEVERITY_NAMES


def dedup_key(rule: str, area: str, subject: str = "") -> str:
    return f"{rule}:{area}" + (f":{subject}" if subject else "")


def subject_of(key: str) -> str:
    """The subject of a de-duplication key (:func:`dedup_key`); "" when it has none."""
    parts = key.split(":", 2)
    return parts[2] if len(parts) == 3 else ""


@dataclass
class AlertState:
    """Mutable in-memory state of one alert (mirrors a row of the ``alerts`` table)."""

    key: str
    rule: str
    version: str
    area: str
    state: str = "pending"
    severity: int = 0
    breaches: list[int] = field(default_factory=list)
    normal_streak: int = 0
    first_seen: dt.date | None = None
    fired_at: dt.date | None = None
    cleared_at: dt.date | None = None
    last_evaluated: dt.date | None = None
    episode: int = 0


@dataclass(frozen=True)
class Transition:
    """A change of state worth recording (and, for firing, notifying)."""

    key: str
    area: str
    rule: str
    month: dt.date
    from_state: str
    to_state: str
    severity: int
    episode: int
    numbers: dict[str, Any]

    @property
    def severity_name(self) -> str:
        return SEVERITY_NAMES.get(self.severity, "normal")


def step(
    alert: AlertState,
    month: dt.date,
    severity: int,
    numbers: dict[str, Any],
    *,
    for_k: int,
    of_n: int,
    clear_m: int,
) -> Transition | None:
    """Advance one alert by one evaluated month; return the transition if its state changed."""
    if alert.last_evaluated is not None and month <= alert.last_evaluated:
        return None  # already seen: replays are idempotent
    alert.last_evaluated = month
    breach = int(severity > 0)
    alert.breaches = ([*alert.breaches, breach])[-of_n:]
    before = alert.state
    if alert.state == "firing":
        if breach:
            alert.normal_streak = 0
            alert.severity = max(alert.severity, severity)
            return None
        alert.normal_streak += 1
        if alert.normal_streak >= clear_m:
            alert.state, alert.cleared_at = "resolved", month
            return _transition(alert, month, before, numbers)
        return None
    if breach and sum(alert.breaches) >= for_k:
        alert.state, alert.fired_at, alert.severity = "firing", month, severity
        alert.normal_streak, alert.cleared_at = 0, None
        alert.episode += 1
        return _transition(alert, month, before, numbers)
    if breach and alert.state == "resolved":
        alert.state = "pending"
    return None


def _transition(
    alert: AlertState, month: dt.date, before: str, numbers: dict[str, Any]
) -> Transition:
    return Transition(
        key=alert.key,
        area=alert.area,
        rule=alert.rule,
        month=month,
        from_state=before,
        to_state=alert.state,
        severity=alert.severity,
        episode=alert.episode,
        numbers=numbers,
    )
