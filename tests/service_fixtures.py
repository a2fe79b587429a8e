"""pytest fixtures of the service tests; load with ``pytest_plugins = ["tests.service_fixtures"]``.

Helpers and data live in :mod:`tests.service_data` (import those directly).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.service_data import (
    annotating_runner,
    make_settings,
    publish,
    seed_alerts,
    stub_scenario_runner,
)


@pytest.fixture(scope="session")
def service_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release store with one full test release (read-only for the tests)."""
    root = tmp_path_factory.mktemp("service") / "releases"
    publish(root)
    return root


@pytest.fixture
def service_app(service_store: Path, tmp_path: Path) -> Any:
    """An app on the shared release, a fresh alert store with two alerts, a stub engine."""
    from service.app import create_app

    database_url = f"sqlite:///{tmp_path / 'alerts.sqlite'}"
    seed_alerts(database_url)
    return create_app(
        make_settings(service_store, database_url), scenario_runner=stub_scenario_runner
    )


@pytest.fixture
def client(service_app: Any) -> Iterator[Any]:
    """A TestClient with the lifespan run."""
    from fastapi.testclient import TestClient

    with TestClient(service_app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def training_client(
    service_store: Path, tmp_path_factory: pytest.TempPathFactory, cubes: Any
) -> Iterator[Any]:
    """A TestClient whose scenario runs carry the engine's training-need change (the stub
    engine with :func:`forecasting.training_scenario.annotate` on the snapshot cubes)."""
    from fastapi.testclient import TestClient

    from service.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('training') / 'a.sqlite'}"
    app = create_app(make_settings(service_store, url), scenario_runner=annotating_runner(cubes))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def web(service_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One app for a module (building one per test is most of a test's time), on the
    seeded alert store of :func:`tests.service_data.seed_alerts` and the stub engine."""
    from fastapi.testclient import TestClient

    from service.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('alerts') / 'a.sqlite'}"
    seed_alerts(url)
    app = create_app(make_settings(service_store, url), scenario_runner=stub_scenario_runner)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def app_at(service_store: Path, tmp_path: Path) -> Iterator[Callable[[Any], Any]]:
    """``day -> a TestClient`` of an app on the shared release whose clock says ``day`` (a
    ``datetime.date``, or a clock itself: a callable returning one)."""
    from fastapi.testclient import TestClient

    from service.app import create_app

    clients: list[Any] = []

    def make(day: dt.date | Callable[[], dt.date]) -> Any:
        work = tmp_path / str(len(clients))
        work.mkdir()
        settings = make_settings(service_store, f"sqlite:///{work / 'a.sqlite'}")
        clock = day if callable(day) else (lambda: day)
        app = create_app(settings, scenario_runner=stub_scenario_runner, clock=clock)
        client = TestClient(app).__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
