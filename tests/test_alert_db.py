"""Schema migrations of the alert store, on SQLite and on a real PostgreSQL server.

``db_url`` (tests/conftest.py) is an empty database of each backend; the legacy stores are
built here the way ``create_all`` built them before migrations existed.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    MetaData,
    Table,
    UniqueConstraint,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine

from forecasting.alerts.repository import AlertRepository, SubscriptionTakenError
from forecasting.io import migrations
from forecasting.io.alert_db import (
    AlertHistoryRow,
    AlertRow,
    Base,
    DeliveryRow,
    EventRow,
    SchemaVersionError,
    SubscriptionRow,
    make_engine,
    session_scope,
)


def _diff(engine: Engine) -> list[Any]:
    """What separates the database's schema from the models (empty when they agree)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))


def _legacy_metadata(variant: str) -> MetaData:
    """The models as ``create_all`` saw them: ``first`` without ``subscriptions.owner``;
    ``today`` with it (and its index)."""
    legacy = MetaData()
    for table in Base.metadata.sorted_tables:
        if table.name != "subscriptions" or variant == "today":
            table.to_metadata(legacy)
            continue
        cols = [c._copy() for c in table.columns if c.name != "owner"]
        Table(table.name, legacy, *cols, UniqueConstraint("recipient", "channel", "address",
              name="uq_sub"))  # fmt: skip
    return legacy


def _legacy_store(url: str, variant: str) -> None:
    """A store of a pre-migration version with one row in every table (ids from 1, as the
    sequences give them: an explicit id would not advance a PostgreSQL sequence)."""
    engine = create_engine(url)
    _legacy_metadata(variant).create_all(engine)
    if variant == "altered":  # what the ad-hoc "owner column added when opened" did
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE subscriptions ADD COLUMN owner VARCHAR(120)"))
    day = dt.date(2025, 3, 1)
    rows = {
        "events": dict(employer="Saha Oy", municipality="491", industry="C",
                       kind="closure", jobs=120, announced=day, effect_start=day,
                       source="ilmoitus", created_at=dt.datetime(2025, 3, 1, 12)),
        "alerts": dict(dedup_key="k:491", rule="k", rule_version="1", area="491",
                       severity="warning", state="firing", breaches=[1, 0, 1],
                       normal_streak=0, first_seen=day, last_evaluated=day, episode=1,
                       title="Työttömyys nousee", explanation={"rule": "k", "ä": "ö"}),
        "alert_history": dict(alert_id=1, at=day, from_state="pending",
                              to_state="firing", severity="warning", detail={"n": 2}),
        "subscriptions": dict(recipient="johtaja", channel="email",
                              address="a@mikkeli.fi", areas=["TA23"], min_severity="info",
                              digest=True, immediate=False),
        "deliveries": dict(idempotency_key="1:k:491:1", subscription_id=1, alert_id=1,
                           kind="immediate", payload={"t": "x"}, status="delivered",
                           attempts=1, next_attempt_at=dt.datetime(2025, 3, 1, 12)),
    }  # fmt: skip
    with engine.begin() as conn:
        for name, row in rows.items():
            conn.execute(_legacy_metadata(variant).tables[name].insert(), [row])
    engine.dispose()


@pytest.mark.parametrize("variant", ["first", "altered", "today"])
def test_a_create_all_store_is_adopted_without_losing_rows(db_url: str, variant: str) -> None:
    _legacy_store(db_url, variant)
    engine = make_engine(db_url)
    assert migrations.current(engine) == migrations.head() == "0003"
    assert _diff(engine) == []  # the owner column and its index are there, nothing else changed
    with session_scope(engine) as s:
        counts = {
            r.__tablename__: s.scalar(select(func.count()).select_from(r))
            for r in (EventRow, AlertRow, AlertHistoryRow, SubscriptionRow, DeliveryRow)
        }
        alert = s.get(AlertRow, 1)
        sub = s.get(SubscriptionRow, 1)
        assert alert is not None and sub is not None
        assert alert.explanation == {"rule": "k", "ä": "ö"} and alert.breaches == [1, 0, 1]
        assert sub.owner is None and sub.areas == ["TA23"] and sub.immediate is False
    assert set(counts.values()) == {1}
    # the migrated store works: the operator's subscription is not another key's to take
    repo = AlertRepository(engine)
    with pytest.raises(SubscriptionTakenError):
        repo.subscribe({"recipient": "johtaja", "channel": "email", "address": "a@mikkeli.fi"},
                       owner="key1")  # fmt: skip
    created, mine = repo.subscribe(
        {"recipient": "x", "channel": "email", "address": "x@y.fi"}, owner="key1"
    )
    assert created and mine["owner"] == "key1" and repo.subscriptions("key1")[0] == 1
    # opening it again changes nothing
    assert migrations.upgrade(make_engine(db_url)) == ("0003", "0003")
    engine.dispose()


def test_an_empty_database_gets_the_models_schema(db_url: str) -> None:
    engine = make_engine(db_url)
    assert migrations.current(engine) == "0003"
    assert _diff(engine) == []
    assert {"events", "alerts", "alert_history", "subscriptions", "deliveries"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_a_schema_behind_is_refused_when_not_migrating(db_url: str) -> None:
    with pytest.raises(SchemaVersionError, match=r"has no schema.*ennakointi db upgrade"):
        make_engine(db_url, migrate=False)
    engine = create_engine(db_url)
    assert migrations.upgrade(engine, "0001") == (None, "0001")
    with pytest.raises(SchemaVersionError, match=r"at revision 0001.*needs revision 0003"):
        make_engine(db_url, migrate=False)
    assert migrations.upgrade(engine) == ("0001", "0003")
    assert migrations.current(make_engine(db_url, migrate=False)) == "0003"
    engine.dispose()


def test_a_legacy_store_is_refused_when_not_migrating(db_url: str) -> None:
    _legacy_store(db_url, "first")
    with pytest.raises(SchemaVersionError, match="before migrations"):
        make_engine(db_url, migrate=False)


def test_a_database_newer_than_the_code_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(SchemaVersionError, match="newer than this version"):
        make_engine(db_url, migrate=False)
    with pytest.raises(SchemaVersionError, match="0099"):
        make_engine(db_url)
    engine.dispose()


def test_downgrade_and_upgrade_keep_the_rows(db_url: str) -> None:
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        s.add(SubscriptionRow(recipient="r", channel="email", address="r@x.fi", owner="k"))
    with engine.begin() as conn:
        command.downgrade(migrations.config(conn), "0001")
    assert "owner" not in {c["name"] for c in inspect(engine).get_columns("subscriptions")}
    migrations.upgrade(engine)
    assert _diff(engine) == []
    with session_scope(engine) as s:
        row = s.scalar(select(SubscriptionRow))
        assert row is not None and row.address == "r@x.fi" and row.owner is None
    with engine.begin() as conn:
        command.downgrade(migrations.config(conn), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_processes_starting_together_migrate_once(db_url: str) -> None:
    """Four openers of one empty database at once: all succeed, the schema is made once."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_store() -> None:
        try:
            barrier.wait()
            make_engine(db_url).dispose()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_store, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # without the migration lock they deadlock on PostgreSQL (tried): fail, do not hang
    assert not any(t.is_alive() for t in threads), "openers deadlocked"
    assert errors == []
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    assert _diff(engine) == []
    engine.dispose()


def test_an_sqlite_upgrade_waits_out_a_migration_longer_than_the_busy_timeout(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process migrating for longer than SQLite's busy timeout makes BEGIN IMMEDIATE
    fail with "database is locked": the upgrade tries again (it is idempotent) instead of
    failing the opener; any other database error is raised at once."""
    from sqlalchemy.exc import OperationalError

    from forecasting.io.alert_db import _engine

    engine = _engine(f"sqlite:///{tmp_path / 'a.sqlite'}")  # empty: no schema yet
    real = migrations._upgrade_once
    calls: list[int] = []

    def busy_twice(eng: Engine, revision: str) -> tuple[str | None, str | None]:
        calls.append(1)
        if len(calls) <= 2:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        return real(eng, revision)

    monkeypatch.setattr(migrations, "_upgrade_once", busy_twice)
    assert migrations.upgrade(engine)[1] == migrations.head() and len(calls) == 3

    def broken(eng: Engine, revision: str) -> tuple[str | None, str | None]:
        calls.append(1)
        raise OperationalError("SELECT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(migrations, "_upgrade_once", broken)
    with pytest.raises(OperationalError, match="disk I/O"):
        migrations.upgrade(engine)
    assert len(calls) == 4
    engine.dispose()


def test_cli_db_upgrade_and_the_refusal_it_names(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ennakointi db current/upgrade`; with auto_migrate off, other commands refuse a schema
    that is behind and name the command (exit 2, the CLI's error code)."""
    from flows.cli import main
    from forecasting.settings import get_settings

    monkeypatch.setenv("ENNAKOINTI_ALERTS__DATABASE_URL", db_url)
    monkeypatch.setenv("ENNAKOINTI_ALERTS__AUTO_MIGRATE", "false")
    get_settings.cache_clear()
    try:
        _legacy_store(db_url, "first")
        assert main(["db", "current"]) == 1
        assert main(["events", "list"]) == 2
        assert "ennakointi db upgrade" in capsys.readouterr().err
        assert main(["db", "upgrade"]) == 0
        assert "from (no revision) to 0003" in capsys.readouterr().out  # adopted at 0001
        assert main(["db", "upgrade"]) == 0
        assert "already at revision 0003" in capsys.readouterr().out
        assert main(["db", "current"]) == 0
        assert main(["events", "list"]) == 0
        assert "Saha Oy" in capsys.readouterr().out  # the legacy row survived
    finally:
        get_settings.cache_clear()
