"""Read and write access to alerts, their history, events and subscriptions.

The one place that queries the alert store; the API (``service/alerts.py``) and the CLI both
go through :class:`AlertRepository` and get plain dicts of the tables' columns back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Select, delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from forecasting import geography
from forecasting.errors import EnnakointiError, UnknownAreaError
from forecasting.io.alert_db import (
    AlertHistoryRow,
    AlertRow,
    DeliveryRow,
    EventRow,
    SubscriptionRow,
    session_scope,
    utcnow,
)

SEVERITY_ORDER = {"info": 1, "warning": 2, "critical": 3}


class AlertNotFoundError(EnnakointiError, LookupError):
    """No alert with that id."""


class SubscriptionNotFoundError(EnnakointiError, LookupError):
    """No subscription with that id owned by the caller."""


class SubscriptionTakenError(EnnakointiError):
    """The recipient, channel and address are subscribed by another owner."""


class SubscriptionIn(BaseModel):
    """A subscription as entered by a user (CLI); the API has its own request schemas."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    recipient: str = Field(min_length=1, max_length=200)
    channel: Literal["email", "webhook", "teams", "slack"]
    address: str = Field(min_length=3, max_length=500, description="e-mail address or URL")
    areas: list[str] = Field(default_factory=list, description="area codes; empty = all")
    min_severity: Literal["info", "warning", "critical"] = "warning"
    digest: bool = True
    immediate: bool = True
    monthly_review: bool = False  # the monthly review by e-mail with every release

    @field_validator("areas")
    @classmethod
    def _known_areas(cls, value: list[str]) -> list[str]:
        try:
            return [geography.resolve_area(a) for a in value]
        except UnknownAreaError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("address")
    @classmethod
    def _address_fits_channel(cls, value: str, info: Any) -> str:
        channel = info.data.get("channel")
        if channel == "email" and "@" not in value:
            raise ValueError("an e-mail subscription needs an e-mail address")
        web = ("http://", "https://")
        if channel in {"webhook", "teams", "slack"} and not value.startswith(web):
            raise ValueError("a webhook subscription needs an http(s) URL")
        return value


def columns(row: Any) -> dict[str, Any]:
    """A row of any alert-store table as a dict of its columns."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def _page(
    session: Session, query: Select[Any], order: Sequence[Any], offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(*order).offset(offset).limit(limit)).all()
    return int(total), [columns(r) for r in rows]


class AlertRepository:
    """Queries over the alert database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def alerts(
        self,
        *,
        areas: Sequence[str] = (),
        severities: Sequence[str] = (),
        min_severity: str | None = None,
        states: Sequence[str] = (),
        since: dt.date | None = None,
        until: dt.date | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> tuple[int, list[dict[str, Any]]]:
        """The total matching the filters and one page of alerts, newest first.

        ``areas`` are exact area codes (callers expand an aggregate to its members).
        """
        query = select(AlertRow)
        if areas:
            query = query.where(AlertRow.area.in_(list(areas)))
        wanted = set(severities)
        if min_severity is not None:
            floor = SEVERITY_ORDER[min_severity]
            wanted = {s for s in (wanted or SEVERITY_ORDER) if SEVERITY_ORDER[s] >= floor}
        if wanted:
            query = query.where(AlertRow.severity.in_(sorted(wanted)))
        if states:
            query = query.where(AlertRow.state.in_(list(states)))
        if since is not None:
            query = query.where(AlertRow.last_evaluated >= since)
        if until is not None:
            query = query.where(AlertRow.first_seen <= until)
        order = (AlertRow.last_evaluated.desc(), AlertRow.id.desc())
        with session_scope(self.engine) as session:
            return _page(session, query, order, offset, limit)

    def _detail(self, session: Session, alert_id: int) -> dict[str, Any]:
        row = session.get(AlertRow, alert_id)
        if row is None:
            raise AlertNotFoundError(f"no alert with id {alert_id}")
        history = session.scalars(
            select(AlertHistoryRow)
            .where(AlertHistoryRow.alert_id == alert_id)
            .order_by(AlertHistoryRow.id)
        ).all()
        out = columns(row)
        out["explanation"] = dict(row.explanation or {})
        out["history"] = [columns(h) for h in history]
        return out

    def get(self, alert_id: int) -> dict[str, Any]:
        """One alert with its explanation and full history."""
        with session_scope(self.engine) as session:
            return self._detail(session, alert_id)

    def acknowledge(self, alert_id: int, user: str, note: str | None = None) -> dict[str, Any]:
        """Record an acknowledgement in the history; the first acknowledger stays on the alert."""
        with session_scope(self.engine) as session:
            row = session.get(AlertRow, alert_id)
            if row is None:
                raise AlertNotFoundError(f"no alert with id {alert_id}")
            now = utcnow()
            if row.acknowledged_by is None:
                row.acknowledged_by, row.acknowledged_at = user, now
            session.add(
                AlertHistoryRow(
                    alert_id=alert_id, at=now.date(), from_state=row.state,
                    to_state=row.state, severity=row.severity,
                    detail={"acknowledged_by": user, "note": note},
                )
            )  # fmt: skip
            session.flush()
            return self._detail(session, alert_id)

    def events(
        self,
        *,
        areas: Sequence[str] = (),
        since: dt.date | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> tuple[int, list[dict[str, Any]]]:
        """The total and one page of registered events, newest announcement first."""
        query = select(EventRow)
        if areas:
            query = query.where(EventRow.municipality.in_(list(areas)))
        if since is not None:
            query = query.where(EventRow.announced >= since)
        order = (EventRow.announced.desc(), EventRow.id.desc())
        with session_scope(self.engine) as session:
            return _page(session, query, order, offset, limit)

    def subscribe(
        self, fields: Mapping[str, Any], owner: str | None = None
    ) -> tuple[bool, dict[str, Any]]:
        """Create a subscription, or update the one with the same recipient, channel and address.

        With an ``owner`` (the API key's name) only that owner's subscription is updated; one
        of another owner (or the operator's, owner NULL) raises :class:`SubscriptionTakenError`.
        Returns ``(created, subscription)``.
        """
        key = (fields["recipient"], fields["channel"], fields["address"])
        with session_scope(self.engine) as session:
            row = session.scalar(
                select(SubscriptionRow).where(
                    SubscriptionRow.recipient == key[0],
                    SubscriptionRow.channel == key[1],
                    SubscriptionRow.address == key[2],
                )
            )
            created = row is None
            if row is None:
                row = SubscriptionRow(**fields, owner=owner)
                session.add(row)
            elif owner is not None and row.owner != owner:
                raise SubscriptionTakenError(
                    "this recipient, channel and address are subscribed under another API key"
                )
            else:
                for name, value in fields.items():
                    setattr(row, name, value)
            session.flush()
            return created, columns(row)

    def subscriptions(
        self, owner: str, offset: int = 0, limit: int = 100
    ) -> tuple[int, list[dict[str, Any]]]:
        """``owner``'s subscriptions, oldest first: ``(total, page of dicts)``."""
        query = select(SubscriptionRow).where(SubscriptionRow.owner == owner)
        with session_scope(self.engine) as session:
            return _page(session, query, (SubscriptionRow.id,), offset, limit)

    def unsubscribe(self, subscription_id: int, owner: str) -> None:
        """Delete ``owner``'s subscription and its queued and past deliveries.

        Raises :class:`SubscriptionNotFoundError` for an unknown id and for another owner's
        subscription alike (so ids of others' subscriptions do not leak).
        """
        with session_scope(self.engine) as session:
            row = session.get(SubscriptionRow, subscription_id)
            if row is None or row.owner != owner:
                raise SubscriptionNotFoundError(f"no subscription {subscription_id}")
            session.execute(delete(DeliveryRow).where(DeliveryRow.subscription_id == row.id))
            session.delete(row)
