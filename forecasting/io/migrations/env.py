"""Alembic's environment for the alert store (run by :mod:`forecasting.io.migrations`).

Migrations run on the connection the caller passes in ``config.attributes["connection"]``
(inside its transaction); without one (``alembic`` run by hand against this folder) on
``get_settings().alerts.database_url``. Online only: there is no offline SQL mode.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from forecasting.io.alert_db import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite alters tables by copying them; add/drop column and index work either way
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from forecasting.settings import get_settings

    engine = create_engine(get_settings().alerts.database_url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():  # pragma: no cover - not supported
    raise SystemExit("the alert store's migrations run online only (ennakointi db upgrade)")
run_migrations_online()
