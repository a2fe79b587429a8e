"""Schema migrations of the alert store (Alembic, driven from code: no ``alembic.ini``).

Revisions live in ``versions/`` (``0001`` the tables as first released, ``0002`` the
subscriptions' ``owner``). :func:`forecasting.io.alert_db.make_engine` calls :func:`upgrade`
when ``alerts.auto_migrate`` is true (the default) and :func:`check` otherwise, which refuses
a database that is behind (or ahead of) this code with :class:`SchemaVersionError` naming
``ennakointi db upgrade``.

A store made by ``create_all`` before migrations existed has the tables but no
``alembic_version``; :func:`upgrade` adopts it at ``0001`` (stamp, no DDL) and upgrades from
there, so its rows stay. On PostgreSQL the whole upgrade is one transaction under an advisory
lock (on SQLite in one ``BEGIN IMMEDIATE`` transaction), so two processes starting at once
migrate once.

A new revision (after changing the models in ``alert_db.py``)::

    python -c "from alembic import command; from forecasting.io import migrations; \\
        command.revision(migrations.config(), 'what changed', rev_id='0003')"

then write its ``upgrade``/``downgrade`` by hand (``tests/test_alert_db.py`` checks that the
migrated schema equals the models on SQLite and PostgreSQL).
"""

from __future__ import annotations

import contextlib
import time
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from forecasting.errors import EnnakointiError

HERE = Path(__file__).resolve().parent
#: Seconds an SQLite upgrade keeps trying while another process holds the write lock.
SQLITE_WAIT_S = 60.0
#: The revision a store created by ``create_all`` (before migrations) is adopted at.
LEGACY_REVISION = "0001"
#: pg_advisory_xact_lock key serialising concurrent upgrades of one PostgreSQL database.
_PG_LOCK_KEY = 7_415_962_031


class SchemaVersionError(EnnakointiError):
    """The alert database's schema revision is not the one this code needs."""


def config(connection: Connection | None = None) -> Config:
    """The Alembic configuration of the alert store (on ``connection`` if given)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision this code knows."""
    rev = _script().get_current_head()
    assert rev is not None
    return rev


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def current(engine: Engine) -> str | None:
    """The database's revision; None for an empty database (or one never stamped)."""
    with engine.connect() as conn:
        return _current(conn)


def _is_legacy(conn: Connection) -> bool:
    names = set(inspect(conn).get_table_names())
    return "events" in names and "alembic_version" not in names


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def check(engine: Engine) -> str:
    """The database's revision if it is :func:`head`; else :class:`SchemaVersionError`."""
    with engine.connect() as conn:
        rev, legacy = _current(conn), _is_legacy(conn)
    want = head()
    if rev == want:
        return rev
    if legacy:
        state = "was created before migrations (no revision)"
    elif rev is None:
        state = "has no schema"
    elif rev not in {s.revision for s in _script().walk_revisions()}:
        raise SchemaVersionError(
            f"the alert database {_where(engine)} is at revision {rev}, newer than this "
            f"version of ennakointi knows (head {want}): upgrade the code, or restore the "
            "database's backup from before the upgrade"
        )
    else:
        state = f"is at revision {rev}"
    raise SchemaVersionError(
        f"the alert database {_where(engine)} {state}; this version needs revision {want}: "
        "run `ennakointi db upgrade` (back up the database first)"
    )


def _lock(conn: Connection) -> None:
    """Serialise upgrades of one database across processes, for this transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        # pysqlite would begin only at the first INSERT, leaving the DDL outside the
        # transaction; BEGIN IMMEDIATE makes it one and waits for another migrating writer
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to ``revision`` (default the newest); returns (before, after).

    Idempotent; an empty database gets every table, a ``create_all`` store is adopted at
    :data:`LEGACY_REVISION` first. Raises :class:`SchemaVersionError` for a revision this
    code does not know (the database is newer than the code).
    """
    deadline = time.monotonic() + SQLITE_WAIT_S
    while True:
        try:
            return _upgrade_once(engine, revision)
        except OperationalError as exc:
            # SQLite: BEGIN IMMEDIATE waits for another migrating process only as long as
            # the busy timeout (5 s); on a busy machine its migration can take longer. The
            # upgrade is idempotent, so wait and try again (then it finds the schema done).
            locked = engine.dialect.name == "sqlite" and "locked" in str(exc)
            if not locked or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _upgrade_once(engine: Engine, revision: str) -> tuple[str | None, str | None]:
    try:
        with engine.begin() as conn:
            _lock(conn)
            before = _current(conn)
            if before is None and _is_legacy(conn):
                command.stamp(config(conn), LEGACY_REVISION)
            command.upgrade(config(conn), revision)
            after = _current(conn)
    except CommandError as exc:
        raise SchemaVersionError(
            f"cannot migrate the alert database {_where(engine)}: {exc} (is it newer than "
            "this version of ennakointi?)"
        ) from exc
    except SQLAlchemyError:
        # another process (SQLite has no advisory lock) may have migrated it meanwhile
        with contextlib.suppress(SQLAlchemyError):
            if revision == "head" and current(engine) == head():
                return None, head()
        raise
    return before, after
