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

from service.errors import ConflictError, NotFoundError
from service.schemas import (
    AlertDetail,
    AlertOut,
    EmailSubscription,
    EventOut,
    SubscriptionOut,
    WebSubscription,
)

Subscription = EmailSubscription | WebSubscription


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

    def register_event(self, event: Any) -> tuple[bool, EventOut]: ...

    def subscribe(self, sub: Subscription, owner: str) -> tuple[bool, SubscriptionOut]: ...

    def list_subscriptions(
        self, owner: str, offset: int, limit: int
    ) -> tuple[int, list[SubscriptionOut]]: ...

    def unsubscribe(self, subscription_id: int, owner: str) -> None: ...

    def dead_letters(self, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]: ...

    def replay_dead_letter(self, delivery_id: int) -> bool: ...


class SqlAlertRepository:
    """:class:`AlertRepository` over the alert store (any SQLAlchemy URL).

    The queries live in :class:`forecasting.alerts.repository.AlertRepository`; this adapter
    only turns its dicts into the API's schemas and its not-found error into a 404.
    """

    def __init__(self, database_url: str):
        from forecasting.alerts.repository import AlertRepository as Store
        from forecasting.io.alert_db import make_engine

        self.engine = make_engine(database_url)
        self._store = Store(self.engine)

    def list_alerts(self, flt: AlertFilter, offset: int, limit: int) -> tuple[int, list[AlertOut]]:
        total, rows = self._store.alerts(
            areas=flt.areas, severities=flt.severities, min_severity=flt.min_severity,
            states=flt.states, since=flt.since, until=flt.until, offset=offset, limit=limit,
        )  # fmt: skip
        return total, [AlertOut.model_validate(r) for r in rows]

    def get_alert(self, alert_id: int) -> AlertDetail:
        from forecasting.alerts.repository import AlertNotFoundError

        try:
            return AlertDetail.model_validate(self._store.get(alert_id))
        except AlertNotFoundError as exc:
            raise NotFoundError(f"no alert {alert_id}") from exc

    def acknowledge(self, alert_id: int, by: str, note: str | None) -> AlertDetail:
        """Record who acknowledged an alert (and a history entry with the note)."""
        from forecasting.alerts.repository import AlertNotFoundError

        try:
            return AlertDetail.model_validate(self._store.acknowledge(alert_id, by, note))
        except AlertNotFoundError as exc:
            raise NotFoundError(f"no alert {alert_id}") from exc

    def list_events(
        self, areas: Sequence[str], since: dt.date | None, offset: int, limit: int
    ) -> tuple[int, list[EventOut]]:
        total, rows = self._store.events(areas=areas, since=since, offset=offset, limit=limit)
        return total, [EventOut.model_validate(r) for r in rows]

    def register_event(self, event: Any) -> tuple[bool, EventOut]:
        """Store an event, or correct the stored one with the same employer, municipality,
        kind and announcement date. Returns ``(created, event)``."""
        from forecasting.alerts.events import EventRegister

        event_id, created = EventRegister(self.engine).upsert(event)
        return created, EventOut(id=event_id, **event.model_dump())

    def subscribe(self, sub: Subscription, owner: str) -> tuple[bool, SubscriptionOut]:
        """Create a subscription owned by ``owner``, or update ``owner``'s one with the same
        recipient/channel/address; another owner's is a conflict (409).

        Returns ``(created, subscription)``.
        """
        from forecasting.alerts.repository import SubscriptionTakenError

        try:
            created, row = self._store.subscribe(sub.model_dump(), owner=owner)
        except SubscriptionTakenError as exc:
            raise ConflictError(str(exc)) from exc
        return created, SubscriptionOut.model_validate(row)

    def list_subscriptions(
        self, owner: str, offset: int, limit: int
    ) -> tuple[int, list[SubscriptionOut]]:
        """``owner``'s subscriptions only."""
        total, rows = self._store.subscriptions(owner, offset, limit)
        return total, [SubscriptionOut.model_validate(r) for r in rows]

    def unsubscribe(self, subscription_id: int, owner: str) -> None:
        """Delete ``owner``'s subscription; another owner's or an unknown id is a 404."""
        from forecasting.alerts.repository import SubscriptionNotFoundError

        try:
            self._store.unsubscribe(subscription_id, owner)
        except SubscriptionNotFoundError as exc:
            raise NotFoundError(str(exc)) from exc

    def _deliverer(self) -> Any:
        from forecasting.io.delivery import Deliverer

        return Deliverer(self.engine)

    def dead_letters(self, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """Dead-letter deliveries, newest first."""
        total, rows = self._deliverer().dead_letters(limit=limit, offset=offset)
        return total, rows

    def replay_dead_letter(self, delivery_id: int) -> bool:
        """Queue a dead letter again (the scheduled drain sends it); False if not dead."""
        return bool(self._deliverer().replay(delivery_id))
