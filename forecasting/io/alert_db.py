"""The persistent store of the early-warning system (SQLAlchemy 2; SQLite by default).

Tables
------
events         the event register: announced layoffs, change negotiations, closures and
               recruitments, with the European Restructuring Monitor's fields
alerts         one row per de-duplication key (rule + area + subject), its current state
alert_history  every state change of an alert (full history; never updated, only appended)
subscriptions  who gets what: recipient, channel, address, municipalities, minimum severity,
               digest / immediate / the monthly review, and the API key that owns it
               (``owner``; NULL for the operator's own)
deliveries     one row per (alert transition, subscription): attempts, status, dead letters

Any SQLAlchemy URL works (``get_settings().alerts.database_url``): SQLite by default,
PostgreSQL in production (``postgresql+psycopg://...``, the ``postgres`` extra); the tests run
the repository on both. The schema is versioned by Alembic (:mod:`forecasting.io.migrations`);
a change to these models needs a new revision there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    event,
    false,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from forecasting.io.migrations import SchemaVersionError as SchemaVersionError

SEVERITIES = ("info", "warning", "critical")
EVENT_KINDS = ("closure", "dismissal", "temporary_layoff", "change_negotiations", "recruitment")
CHANNELS = ("email", "webhook", "teams", "slack")
DELIVERY_STATES = ("pending", "delivered", "dead")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        list[int]: JSON,
    }


class EventRow(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    employer: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str] = mapped_column(String(5), index=True)
    industry: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(24))
    jobs: Mapped[int] = mapped_column(Integer)
    announced: Mapped[dt.date] = mapped_column(Date)
    effect_start: Mapped[dt.date] = mapped_column(Date)
    effect_end: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (
        UniqueConstraint("employer", "municipality", "kind", "announced", name="uq_event"),
    )


class AlertRow(Base):
    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    rule_version: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(8), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    breaches: Mapped[list[int]] = mapped_column(JSON, default=list)
    normal_streak: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[dt.date] = mapped_column(Date)
    fired_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    cleared_at: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    last_evaluated: Mapped[dt.date] = mapped_column(Date)
    episode: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300), default="")
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class AlertHistoryRow(Base):
    __tablename__ = "alert_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[dt.date] = mapped_column(Date)
    from_state: Mapped[str] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    severity: Mapped[str] = mapped_column(String(8))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(12))
    address: Mapped[str] = mapped_column(String(500))
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty = all areas
    min_severity: Mapped[str] = mapped_column(String(8), default="warning")
    digest: Mapped[bool] = mapped_column(default=True)
    immediate: Mapped[bool] = mapped_column(default=True)
    monthly_review: Mapped[bool] = mapped_column(default=False, server_default=false())
    owner: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    __table_args__ = (UniqueConstraint("recipient", "channel", "address", name="uq_sub"),)


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(250), unique=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(12))  # immediate | digest
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # the busy timeout first: switching to WAL takes a lock, and without it a process that
    # opens the database while another does failed at once with "database is locked"
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _engine(url: str) -> Engine:
    """An engine for ``url``, schema untouched (SQLite: WAL, foreign keys, busy timeout;
    parent folders of a file URL created)."""
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_engine(url: str, *, migrate: bool | None = None) -> Engine:
    """An engine for ``url`` whose schema is this code's (Alembic revision ``head``).

    ``migrate`` (default ``get_settings().alerts.auto_migrate``, true) upgrades the database
    first (idempotent; an empty one gets every table, a store made by ``create_all`` before
    migrations is adopted without losing rows); false only checks and raises
    :class:`SchemaVersionError` naming ``ennakointi db upgrade`` when the schema is behind.
    """
    from forecasting.io import migrations

    engine = _engine(url)
    if migrate is None:
        from forecasting.settings import get_settings

        migrate = get_settings().alerts.auto_migrate
    if migrate:
        migrations.upgrade(engine)
    else:
        migrations.check(engine)
    return engine


def upgrade_schema(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate the database at ``url`` to ``revision``: ``(before, after)`` revisions."""
    from forecasting.io import migrations

    engine = _engine(url)
    try:
        return migrations.upgrade(engine, revision)
    finally:
        engine.dispose()


def check_schema(url: str) -> str:
    """The database's revision if it is this code's; else :class:`SchemaVersionError`.

    Only reads: a SQLite file that does not exist is refused as such, not created.
    """
    from pathlib import Path

    from forecasting.io import migrations

    file = url.startswith("sqlite:///") and not url.endswith(":memory:")
    if file and not Path(url.removeprefix("sqlite:///")).exists():
        raise migrations.SchemaVersionError(
            f"the alert database {url} does not exist; this version needs revision "
            f"{migrations.head()}: run `ennakointi db upgrade` to create it"
        )
    engine = _engine(url)
    try:
        return migrations.check(engine)
    finally:
        engine.dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A transaction: commit on success, roll back on any error (nothing half-written)."""
    factory = sessionmaker(engine, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
