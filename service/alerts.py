"""The alert routes' port: a repository interface, and its adapter to the alert store.

The early-warning system (``forecasting.alerts``, stored through ``forecasting.io.alert_db``)
owns alerts, their history, the event register and subscriptions. The routers only see
:class:`AlertRepository`; :class:`SqlAlertRepository` adapts the store (any SQLAlchemy URL,
``get_settings().alerts.database_url``), and tests may plug in any other implementation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from service.errors import NotFoundError
from service.schemas import (
    AlertDetail,
    AlertHistoryOut,
    AlertOut,
    EmailSubscription,
    EventOut,
    SubscriptionOut,
    WebSubscription,
)

Subscription = EmailSubscription | WebSubscription

SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}


@dataclass(frozen=True)
class AlertFilter:
    """What the alert list may be filtered by (all optional; areas already resolved)."""

    areas: Sequence[str] = ()
    severities: Sequence[str] = ()
    min_severity: str | None = None
    states: Sequence[str] = ()
    since: dt.date | None = None
    until: dt.date | None = None


class AlertRepository(Protocol):
    """What the API needs from the early-warning store."""

    def list_alerts(
        self, flt: AlertFilter, offset: int, limit: int
    ) -> tuple[int, list[AlertOut]]: ...

    def get_alert(self, alert_id: int) -> AlertDetail: ...

    def acknowledge(self, alert_id: int, by: str, note: str | None) -> AlertDetail: ...

    def list_events(
        self, areas: Sequence[str], since: dt.date | None, offset: int, limit: int
    ) -> tuple[int, list[EventOut]]: ...

    def register_event(self, event: Any) -> EventOut: ...

    def subscribe(self, sub: Subscription) -> tuple[bool, SubscriptionOut]: ...


class SqlAlertRepository:
    """:class:`AlertRepository` over the alert store's tables (``forecasting.io.alert_db``)."""

    def __init__(self, database_url: str):
        from forecasting.io import alert_db

        self._db = alert_db
        self.engine = alert_db.make_engine(database_url)

    def _alert(self, row: Any) -> AlertOut:
        return AlertOut.model_validate(row, from_attributes=True)

    def list_alerts(self, flt: AlertFilter, offset: int, limit: int) -> tuple[int, list[AlertOut]]:
        from sqlalchemy import func, select

        table = self._db.AlertRow
        query = select(table)
        if flt.areas:
            query = query.where(table.area.in_(list(flt.areas)))
        severities = set(flt.severities)
        if flt.min_severity is not None:
            floor = SEVERITY_RANK[flt.min_severity]
            severities = severities or set(SEVERITY_RANK)
            severities = {s for s in severities if SEVERITY_RANK[s] >= floor}
        if severities:
            query = query.where(table.severity.in_(sorted(severities)))
        if flt.states:
            query = query.where(table.state.in_(list(flt.states)))
        if flt.since is not None:
            query = query.where(table.last_evaluated >= flt.since)
        if flt.until is not None:
            query = query.where(table.first_seen <= flt.until)
        with self._db.session_scope(self.engine) as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(table.last_evaluated.desc(), table.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            return int(total), [self._alert(r) for r in rows]

    def _detail(self, session: Any, alert_id: int) -> AlertDetail:
        from sqlalchemy import select

        row = session.get(self._db.AlertRow, alert_id)
        if row is None:
            raise NotFoundError(f"no alert {alert_id}")
        hist = session.scalars(
            select(self._db.AlertHistoryRow)
            .where(self._db.AlertHistoryRow.alert_id == alert_id)
            .order_by(self._db.AlertHistoryRow.id)
        ).all()
        return AlertDetail(
            **self._alert(row).model_dump(),
            explanation=dict(row.explanation or {}),
            history=[AlertHistoryOut.model_validate(h, from_attributes=True) for h in hist],
        )

    def get_alert(self, alert_id: int) -> AlertDetail:
        with self._db.session_scope(self.engine) as session:
            return self._detail(session, alert_id)

    def acknowledge(self, alert_id: int, by: str, note: str | None) -> AlertDetail:
        """Record who acknowledged an alert (and a history entry with the note)."""
        with self._db.session_scope(self.engine) as session:
            row = session.get(self._db.AlertRow, alert_id)
            if row is None:
                raise NotFoundError(f"no alert {alert_id}")
            now = self._db.utcnow()
            row.acknowledged_by, row.acknowledged_at = by, now
            session.add(
                self._db.AlertHistoryRow(
                    alert_id=alert_id,
                    at=now.date(),
                    from_state=row.state,
                    to_state=row.state,
                    severity=row.severity,
                    detail={"acknowledged_by": by, "note": note},
                )
            )
            session.flush()
            return self._detail(session, alert_id)

    def list_events(
        self, areas: Sequence[str], since: dt.date | None, offset: int, limit: int
    ) -> tuple[int, list[EventOut]]:
        from sqlalchemy import func, select

        table = self._db.EventRow
        query = select(table)
        if areas:
            query = query.where(table.municipality.in_(list(areas)))
        if since is not None:
            query = query.where(table.announced >= since)
        with self._db.session_scope(self.engine) as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(table.announced.desc(), table.id.desc()).offset(offset).limit(limit)
            ).all()
            return int(total), [EventOut.model_validate(r, from_attributes=True) for r in rows]

    def register_event(self, event: Any) -> EventOut:
        """Store an event through the event register (an identical event is not duplicated)."""
        from forecasting.alerts.events import EventRegister

        event_id = EventRegister(self.engine).add(event)
        return EventOut(id=event_id, **event.model_dump())

    def subscribe(self, sub: Subscription) -> tuple[bool, SubscriptionOut]:
        """Create a subscription, or update the one with the same recipient/channel/address.

        Returns ``(created, subscription)``.
        """
        from sqlalchemy import select

        table = self._db.SubscriptionRow
        with self._db.session_scope(self.engine) as session:
            row = session.scalar(
                select(table).where(
                    table.recipient == sub.recipient,
                    table.channel == sub.channel,
                    table.address == sub.address,
                )
            )
            created = row is None
            if row is None:
                row = table(**sub.model_dump())
                session.add(row)
            else:
                for key, value in sub.model_dump().items():
                    setattr(row, key, value)
            session.flush()
            return created, SubscriptionOut.model_validate(row, from_attributes=True)
