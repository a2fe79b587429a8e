"""Read and write access to alerts, their history and subscriptions (for the API and CLI)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.engine import Engine

from forecasting import geography
from forecasting.errors import EnnakointiError, UnknownAreaError
from forecasting.io.alert_db import (
    AlertHistoryRow,
    AlertRow,
    SubscriptionRow,
    session_scope,
    utcnow,
)

SEVERITY_ORDER = {"info": 1, "warning": 2, "critical": 3}


class AlertNotFoundError(EnnakointiError, LookupError):
    """No alert with that id."""


class SubscriptionIn(BaseModel):
    """A subscription as entered by a user."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    recipient: str = Field(min_length=1, max_length=200)
    channel: Literal["email", "webhook", "teams", "slack"]
    address: str = Field(min_length=3, max_length=500, description="e-mail address or URL")
    areas: list[str] = Field(default_factory=list, description="area codes; empty = all")
    min_severity: Literal["info", "warning", "critical"] = "warning"
    digest: bool = True
    immediate: bool = True

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
        if channel in {"webhook", "teams", "slack"} and not value.startswith(
            ("http://", "https://")
        ):
            raise ValueError("a webhook subscription needs an http(s) URL")
        return value


def alert_dict(row: AlertRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "key": row.dedup_key,
        "rule": row.rule,
        "rule_version": row.rule_version,
        "area": row.area,
        "severity": row.severity,
        "state": row.state,
        "title": row.title,
        "first_seen": row.first_seen,
        "fired_at": row.fired_at,
        "cleared_at": row.cleared_at,
        "last_evaluated": row.last_evaluated,
        "episode": row.episode,
        "acknowledged_by": row.acknowledged_by,
        "acknowledged_at": row.acknowledged_at,
    }


class AlertRepository:
    """Queries over the alert database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def list(
        self,
        *,
        area: str | None = None,
        severity: str | None = None,
        state: str | None = None,
        since: dt.date | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """Alerts matching the filters (newest first) and the total count before paging."""
        query = select(AlertRow)
        if area is not None:
            query = query.where(AlertRow.area.in_([area, *geography.members(area)]))
        if severity is not None:
            allowed = [s for s, r in SEVERITY_ORDER.items() if r >= SEVERITY_ORDER[severity]]
            query = query.where(AlertRow.severity.in_(allowed))
        if state is not None:
            query = query.where(AlertRow.state == state)
        if since is not None:
            query = query.where(AlertRow.last_evaluated >= since)
        with session_scope(self.engine) as session:
            rows = session.scalars(
                query.order_by(AlertRow.last_evaluated.desc(), AlertRow.id.desc())
            ).all()
        return [alert_dict(r) for r in rows[offset : offset + limit]], len(rows)

    def get(self, alert_id: int) -> dict[str, Any]:
        """One alert with its explanation and full history."""
        with session_scope(self.engine) as session:
            row = session.get(AlertRow, alert_id)
            if row is None:
                raise AlertNotFoundError(f"no alert with id {alert_id}")
            history = session.scalars(
                select(AlertHistoryRow)
                .where(AlertHistoryRow.alert_id == alert_id)
                .order_by(AlertHistoryRow.id)
            ).all()
            out = alert_dict(row)
            out["explanation"] = row.explanation
            out["history"] = [
                {
                    "at": h.at,
                    "from_state": h.from_state,
                    "to_state": h.to_state,
                    "severity": h.severity,
                    "detail": h.detail,
                }
                for h in history
            ]
        return out

    def acknowledge(self, alert_id: int, user: str) -> dict[str, Any]:
        """Mark an alert acknowledged by ``user`` (idempotent: the first acknowledgement stays)."""
        with session_scope(self.engine) as session:
            row = session.get(AlertRow, alert_id)
            if row is None:
                raise AlertNotFoundError(f"no alert with id {alert_id}")
            if row.acknowledged_by is None:
                row.acknowledged_by, row.acknowledged_at = user, utcnow()
            return alert_dict(row)

    def subscribe(self, sub: SubscriptionIn) -> int:
        """Add a subscription (an identical one returns the existing id)."""
        with session_scope(self.engine) as session:
            existing = session.scalar(
                select(SubscriptionRow).where(
                    SubscriptionRow.recipient == sub.recipient,
                    SubscriptionRow.channel == sub.channel,
                    SubscriptionRow.address == sub.address,
                )
            )
            if existing is not None:
                return int(existing.id)
            row = SubscriptionRow(**sub.model_dump())
            session.add(row)
            session.flush()
            return int(row.id)
