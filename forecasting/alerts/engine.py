"""The alert engine: signals -> life cycle (persisted) -> explanations -> deliveries.

One evaluation loads the states of the alerts concerned, steps them month by month in memory,
and writes the changed alerts and their history in one transaction. Firing critical alerts are
sent at once to subscribers who want immediate alerts; every evaluation with transitions
produces one digest per subscriber (``digest``): all their alerts of the evaluation in one
message, whatever months it covered, most severe first, each with its explanation in Finnish.
Delivery keys make a re-run send nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from forecasting import geography
from forecasting.alerts.explain import texts
from forecasting.alerts.lifecycle import AlertState, Transition, dedup_key, step, subject_of
from forecasting.alerts.registry import rule_config, severity_word
from forecasting.alerts.rules import SEVERITY_NAMES, Signal, load_config
from forecasting.io.alert_db import AlertHistoryRow, AlertRow, SubscriptionRow, session_scope
from forecasting.io.delivery import Deliverer

Explainer = Callable[[Transition], dict[str, Any]]
SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}


@dataclass
class EvaluationReport:
    transitions: list[Transition] = field(default_factory=list)
    enqueued: int = 0

    def episodes_by_rule(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.transitions:
            if t.to_state == "firing":
                out[t.rule] = out.get(t.rule, 0) + 1
        return out


def _load_states(session: Session, keys: set[str]) -> dict[str, AlertRow]:
    rows = session.scalars(select(AlertRow).where(AlertRow.dedup_key.in_(keys))).all()
    return {r.dedup_key: r for r in rows}


def _to_state(row: AlertRow) -> AlertState:
    return AlertState(
        key=row.dedup_key,
        rule=row.rule,
        version=row.rule_version,
        area=row.area,
        state=row.state,
        severity=SEVERITY_RANK.get(row.severity, 0),
        breaches=list(row.breaches),
        normal_streak=row.normal_streak,
        first_seen=row.first_seen,
        fired_at=row.fired_at,
        cleared_at=row.cleared_at,
        last_evaluated=row.last_evaluated,
        episode=row.episode,
    )


def _write_state(row: AlertRow, st: AlertState) -> None:
    row.state, row.severity = st.state, SEVERITY_NAMES.get(st.severity, "info")
    row.breaches, row.normal_streak = list(st.breaches), st.normal_streak
    row.fired_at, row.cleared_at = st.fired_at, st.cleared_at
    row.last_evaluated, row.episode = st.last_evaluated or row.last_evaluated, st.episode


def numbers_at(signal: Signal, area: str, month: pd.Timestamp) -> dict[str, Any]:
    """The signal's numbers for ``area`` at ``month`` (rounded; NaN as None) and its meta."""
    point = signal.numbers.sel(area=area, time=month)
    out: dict[str, Any] = {}
    for name, var in point.data_vars.items():
        value = float(var.values) if var.size == 1 else None
        out[str(name)] = None if value is None or not np.isfinite(value) else round(value, 6)
    out.update(signal.meta)
    return out


class AlertEngine:
    """Evaluates signals into persisted alerts and queues their delivery."""

    def __init__(
        self,
        engine: Engine,
        *,
        deliverer: Deliverer | None = None,
        config: dict[str, Any] | None = None,
    ):
        self.engine = engine
        self.deliverer = deliverer or Deliverer(engine)
        self.config = config or load_config()
        #: explanations of this engine's firing transitions, for the digests
        self._explanations: dict[tuple[str, int, dt.date], dict[str, Any]] = {}

    def evaluate(
        self,
        signals: Sequence[Signal],
        months: Sequence[pd.Timestamp],
        *,
        explainer: Explainer | None = None,
        notify: bool = True,
    ) -> EvaluationReport:
        """Step every alert of ``signals`` through ``months`` (in order) and persist.

        ``notify=False`` queues nothing: a caller evaluating in several calls (data months,
        then the current month) calls :meth:`notify` once on all transitions, so each
        subscriber gets one digest for the whole evaluation.
        """
        report = EvaluationReport()
        with session_scope(self.engine) as session:
            for signal in signals:
                report.transitions += self._evaluate_signal(session, signal, months, explainer)
        if notify:
            report.enqueued = self.notify(report.transitions)
        return report

    def _evaluate_signal(
        self,
        session: Session,
        signal: Signal,
        months: Sequence[pd.Timestamp],
        explainer: Explainer | None,
    ) -> list[Transition]:
        cfg = rule_config(signal.rule, self.config)
        sev = signal.severity.sel(time=[m for m in months if m in signal.severity["time"]])
        areas = [str(a) for a in sev["area"].values]
        keys = {dedup_key(signal.rule, a, signal.subject) for a in areas}
        rows = _load_states(session, keys)
        values = sev.transpose("area", "time").values
        out = []
        for i, area in enumerate(areas):
            key = dedup_key(signal.rule, area, signal.subject)
            row = rows.get(key)
            if row is None and not values[i].any():
                continue  # never breached: no alert row needed
            st = (
                _to_state(row)
                if row is not None
                else AlertState(key=key, rule=signal.rule, version=signal.version, area=area)
            )
            changed = []
            breach: Transition | None = None  # the latest newly evaluated breach
            for j, month in enumerate(pd.DatetimeIndex(sev["time"].values)):
                day = month.date()
                if values[i, j] and st.first_seen is None:
                    st.first_seen = day
                numbers = (
                    numbers_at(signal, area, month) if values[i, j] or st.state == "firing" else {}
                )
                if values[i, j] and (st.last_evaluated is None or day > st.last_evaluated):
                    breach = Transition(
                        key, area, signal.rule, day, st.state, st.state,
                        int(values[i, j]), st.episode, numbers,
                    )  # fmt: skip
                tr = step(
                    st,
                    day,
                    int(values[i, j]),
                    numbers,
                    for_k=cfg["for_k"],
                    of_n=cfg["of_n"],
                    clear_m=cfg["clear_m"],
                )
                if tr is not None:
                    changed.append(tr)
            if st.last_evaluated is None:
                continue
            row = self._persist(session, row, st, signal, changed, explainer)
            if st.state == "pending" and breach is not None:
                # breaching, not yet fired: the alert is listed (dashboard, API, the review's
                # rule severities) with its latest breach's severity and explanation, not
                # "info" and an empty one
                row.severity = SEVERITY_NAMES.get(breach.severity, "info")
                if explainer is not None:
                    row.explanation = explainer(breach)
            out += changed
        return out

    def _persist(
        self,
        session: Session,
        row: AlertRow | None,
        st: AlertState,
        signal: Signal,
        changed: list[Transition],
        explainer: Explainer | None,
    ) -> AlertRow:
        if row is None:
            row = AlertRow(
                dedup_key=st.key,
                rule=st.rule,
                rule_version=st.version,
                area=st.area,
                severity="info",
                first_seen=st.first_seen,
                last_evaluated=st.last_evaluated,
                title=_title(signal, st.area),
            )
            session.add(row)
        _write_state(row, st)
        session.flush()
        for tr in changed:
            detail: dict[str, Any] = {"numbers": tr.numbers, "episode": tr.episode}
            if tr.to_state == "firing" and explainer is not None:
                detail["explanation"] = explainer(tr)
                row.explanation = detail["explanation"]
                self._explanations[(tr.key, tr.episode, tr.month)] = detail["explanation"]
            session.add(
                AlertHistoryRow(
                    alert_id=row.id,
                    at=tr.month,
                    from_state=tr.from_state,
                    to_state=tr.to_state,
                    severity=tr.severity_name,
                    detail=detail,
                )
            )
        return row

    # -- notification ------------------------------------------------------------------------
    def notify(self, transitions: Sequence[Transition]) -> int:
        """Queue immediate messages (firing critical) and one digest per subscriber with all
        of ``transitions`` they want (none if they want none of them)."""
        with session_scope(self.engine) as session:
            subs = session.scalars(select(SubscriptionRow)).all()
        enqueued = 0
        for sub in subs:
            mine = [t for t in transitions if _wants(sub, t)]
            if not mine:
                continue
            if sub.immediate:
                for t in mine:
                    if t.to_state == "firing" and t.severity >= 3:
                        key = f"{t.key}:e{t.episode}:fired:{sub.id}"
                        explained = self._explanations.get((t.key, t.episode, t.month), {})
                        enqueued += self.deliverer.enqueue(
                            sub.id, _message(t, explained), idempotency_key=key
                        )
            if sub.digest:
                enqueued += self.deliverer.enqueue(
                    sub.id,
                    _digest(mine, self._explanations),
                    idempotency_key=_digest_key(mine, sub.id),
                    kind="digest",
                )
        return enqueued


def _wants(sub: SubscriptionRow, tr: Transition) -> bool:
    if tr.severity < SEVERITY_RANK.get(sub.min_severity, 2):
        return False
    if not sub.areas:
        return True
    wanted = set(sub.areas)
    if tr.area in wanted:
        return True
    try:
        parents = (
            geography.areas().loc[tr.area, "parent"] if tr.area in geography.areas().index else None
        )
    except KeyError:  # pragma: no cover
        parents = None
    return parents in wanted


def _title(signal: Signal, area: str) -> str:
    name = geography.areas()["name_fi"].get(area, area)
    subject = f" ({signal.subject})" if signal.subject else ""
    return f"{signal.rule}{subject}: {name} ({area})"


def _tag(t: Transition) -> str:
    """``[KRIITTINEN]``: the alert's severity in the word the dashboard and the review use
    (Finnish, the language of the messages' explanations)."""
    return f"[{severity_word(t.severity_name, 'fi').upper()}]"


#: The messages' footer: the source and its licence (Finnish, as the messages).
FOOTER = "Lähde: Tilastokeskus (StatFin), CC BY 4.0. Ennakointi."


def _named(t: Transition) -> str:
    """``Mäntyharju (507): Työttömien määrä nousi poikkeuksellisen paljon``: the alert's area
    and what happened in Finnish words (the rule's title with its subject,
    :func:`forecasting.alerts.explain.texts`), for an alert without an explanation (a
    cleared one)."""
    title = texts(t.rule, {}, "fi", subject_of(t.key))["title"]
    return f"{geography.area_name(t.area, 'fi')} ({t.area}): {title}"


def _message(t: Transition, explanation: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An immediate message: the severity's word and the alert in words (its Finnish
    explanation when it has one); the facts name the area and rule by code, the severity
    by the same word as the title."""
    ex = explanation or {}
    return {
        "title": f"{_tag(t)} {ex.get('summary_fi') or _named(t)}",
        "text": str(ex.get("text_fi") or "")
        or f"{_named(t)}: {_STATE_FI.get(t.to_state, t.to_state)} {t.month:%m/%Y}.",
        "facts": {
            "area": t.area,
            "rule": t.rule,
            "severity": severity_word(t.severity_name, "fi"),
            "month": t.month.isoformat(),
            **{k: v for k, v in t.numbers.items() if v is not None},
        },
        "footer": FOOTER,
    }


#: What happened to an alert, in Finnish (a transition's ``to_state``).
_STATE_FI = {"firing": "hälytys voimassa", "resolved": "hälytys päättyi", "pending": "odottaa"}


def _digest_key(trs: list[Transition], sub_id: int) -> str:
    """``digest:<first month>..<last month>:<subscription>:<hash of the transitions>``: the same
    evaluation re-run queues nothing; another one with other transitions is a new digest."""
    ids = sorted(f"{t.key}|{t.episode}|{t.month}|{t.to_state}" for t in trs)
    h = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
    months = sorted(t.month for t in trs)
    return f"digest:{months[0]:%Y-%m}..{months[-1]:%Y-%m}:{sub_id}:{h}"


def _digest(
    trs: list[Transition], explanations: dict[tuple[str, int, dt.date], dict[str, Any]]
) -> dict[str, Any]:
    """One message with every alert of ``trs``: new ones most severe first (then by area, as
    leadership reads), each with its Finnish explanation when there is one, then the cleared
    (``[PÄÄTTYNYT]``, area and rule in words). Finnish throughout, as the explanations; the
    facts keep their codes for machines (webhooks)."""
    fired = sorted(
        (t for t in trs if t.to_state == "firing"),
        key=lambda t: (-t.severity, t.area, t.rule, t.month),
    )
    cleared = sorted((t for t in trs if t.to_state == "resolved"), key=lambda t: (t.area, t.rule))
    lines = []
    for t in fired:
        ex = explanations.get((t.key, t.episode, t.month), {})
        head = f"{_tag(t)} {ex.get('summary_fi') or _named(t)}"
        lines.append(f"{head} ({t.month:%Y-%m})")
        if ex.get("text_fi"):
            lines.append(f"  {ex['text_fi']}")
    lines += [f"[PÄÄTTYNYT] {_named(t)} ({t.month:%Y-%m})" for t in cleared]
    months = sorted({t.month for t in trs})
    span = f"{months[0]:%Y-%m}" + (f"..{months[-1]:%Y-%m}" if len(months) > 1 else "")
    return {
        "title": f"Ennakointi, hälytysten koonti {span}: {len(fired)} uutta, "
        f"{len(cleared)} päättynyttä",
        "text": "\n".join(lines),
        "facts": {"months": span, "new": len(fired), "cleared": len(cleared)},
        "footer": FOOTER,
    }
