"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from forecasting.io.inputs import Inputs, assemble

if TYPE_CHECKING:
    from forecasting.scenarios.baseline import Calibration
    from tests.pg_cluster import Cluster

# No per-example deadline: on a loaded 2-core CI machine a slow example is not a failure
# (the properties themselves still run and can fail).
settings.register_profile("ennakointi", deadline=None)
settings.load_profile("ennakointi")


@pytest.fixture(scope="session")
def cubes() -> Inputs:
    """Every input cube of the embedded snapshot (no refresh cache: the shipped data only),
    as a flow or the service hands them to domain functions."""
    return assemble(use_cache=False)


@pytest.fixture(scope="session")
def ta23(cubes: Inputs) -> Calibration:
    """The scenario calibration of the Mikkeli region (TA23), built once from ``cubes``."""
    from forecasting.scenarios.baseline import calibrate

    return calibrate(cubes, "TA23")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL server for the session (tests/pg_cluster.py); skips without one."""
    from tests import pg_cluster

    cluster = pg_cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty alert database: a temp SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'alerts.sqlite'}"
    return str(request.getfixturevalue("pg_cluster").new_database())


@pytest.fixture
def alert_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SQLite alert database for the command line: its file (not created yet), set
    as the settings' alert database for the test."""
    from forecasting.settings import get_settings

    path = tmp_path / "alerts.sqlite"
    monkeypatch.setenv("ENNAKOINTI_ALERTS__DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()
