"""The start-up's background threads import nothing that another thread may be importing at
the same moment: the lifespan imports what they would import on first use
(:data:`service.app.THREAD_IMPORTS`: xarray's dask and its netCDF engine) before it starts
them. dask's package and ``dask.base`` import each other, and two threads entering that cycle
at once fail with "cannot import name ... from partially initialized module 'dask.base'".
Whether two threads meet inside the cycle is a matter of timing, so the test checks the
ordering that rules it out, in a fresh interpreter (the test process has imported everything
long before): an audit hook names the thread of every first import, and the warm-up threads
must have none of these modules among theirs. A failure in a warm-up step is logged with its
traceback and the service goes on."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service import app as service_app
from service.app import THREAD_IMPORTS, create_app
from tests.service_data import make_settings, stub_scenario_runner

pytest_plugins = ["tests.service_fixtures"]

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, logging, sys, threading

first: list[tuple[str, str]] = []


def hook(event, args):
    if event == "import" and args[0] not in sys.modules:
        first.append((threading.current_thread().name, args[0]))


sys.addaudithook(hook)  # before the service is imported: every first import is seen
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

from fastapi.testclient import TestClient

from service.app import THREAD_IMPORTS, create_app
from tests.service_data import make_settings, stub_scenario_runner

store, database = sys.argv[1], sys.argv[2]
app = create_app(make_settings(store, database), scenario_runner=stub_scenario_runner)
with TestClient(app) as client:
    assert client.get("/healthz").status_code == 200
# leaving the client joins the warm-up threads: both have finished
packages = {name.split(".")[0] for name in THREAD_IMPORTS} | set(THREAD_IMPORTS)
threads = {thread for thread, _ in first}
in_warm_up = sorted(
    (thread, module)
    for thread, module in first
    if thread.startswith(("warm-", "scenario-warm"))
    and (module in packages or module.split(".")[0] in packages)
)
print(json.dumps({"threads": sorted(threads), "in_warm_up": in_warm_up}))
"""


def test_the_warm_up_threads_import_nothing_another_thread_may_be_importing(
    service_store: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(service_store), f"sqlite:///{tmp_path / 'a.sqlite'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    # the threads ran and imported (the stub engine's own modules), but none of these
    assert {"warm-release", "warm-scenarios"} <= set(seen["threads"])
    assert seen["in_warm_up"] == [], seen["in_warm_up"]
    assert "partially initialized" not in done.stderr
    assert "failed" not in done.stderr, done.stderr[-3000:]


def test_the_modules_are_imported_before_any_warm_up_thread_starts(
    service_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order itself: when a warm-up thread starts, each of THREAD_IMPORTS is imported."""
    imported: list[str] = []
    monkeypatch.setattr(service_app, "import_before_threads", lambda: imported.append("all"))
    at_start: dict[str, list[str]] = {}
    start = threading.Thread.start

    def record(thread: threading.Thread) -> None:
        at_start[thread.name] = list(imported)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", record)
    settings = make_settings(service_store, f"sqlite:///{tmp_path / 'a.sqlite'}")
    with TestClient(create_app(settings, scenario_runner=stub_scenario_runner)):
        pass
    assert at_start["warm-release"] == ["all"] and at_start["warm-scenarios"] == ["all"]
    assert at_start["release-watch"] == ["all"]
    assert {"dask.base", "xarray.backends.h5netcdf_", "h5netcdf"} <= set(THREAD_IMPORTS)


def test_a_module_that_is_not_installed_is_skipped() -> None:
    service_app.import_before_threads(("json", "no_such_module_here.base"))
    assert "json" in sys.modules and "no_such_module_here" not in sys.modules


def test_a_warm_up_that_raises_is_logged_with_its_traceback_and_the_service_goes_on(
    service_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    from service.releases import Releases

    def broken(self: Releases) -> Any:
        raise AttributeError("partially initialized module 'dask.base' (a stand-in)")

    monkeypatch.setattr(Releases, "warm", broken)
    settings = make_settings(service_store, f"sqlite:///{tmp_path / 'a.sqlite'}")
    caplog.set_level(logging.ERROR, logger="service.app")
    with TestClient(create_app(settings, scenario_runner=stub_scenario_runner)) as client:
        assert client.get("/healthz").status_code == 200
        # the reads still work: the request loads the dataset the warm-up did not
        assert client.get("/v1/registers/history", params={"limit": 5}).status_code == 200
    (record,) = [r for r in caplog.records if "warm-release failed" in r.getMessage()]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "a stand-in" in str(record.exc_info[1])


def test_a_failed_engine_warm_up_says_so_in_its_last_line(caplog: Any) -> None:
    from service.scenarios import ScenarioService

    def runner(spec: Any, baseline: Any = None) -> Any:
        raise ImportError("cannot import name 'x' from partially initialized module 'y'")

    service = ScenarioService(runner, max_draws=10, max_horizon=60)
    caplog.set_level(logging.INFO, logger="service.scenarios")
    service.warm()
    assert service.warmed and service.warm_failures == 1
    failed = [r for r in caplog.records if r.getMessage().startswith("scenario engine warm-up")]
    assert failed[0].levelno == logging.WARNING and failed[0].exc_info is not None
    assert "partially initialized" in failed[0].getMessage()
    assert failed[-1].levelno == logging.ERROR and "1 failed step" in failed[-1].getMessage()
    assert not any("done in" in r.getMessage() for r in failed)


def test_an_error_outside_the_steps_is_counted_and_logged_too(caplog: Any) -> None:
    from service.scenarios import ScenarioService

    service = ScenarioService(stub_scenario_runner, max_draws=10, max_horizon=60)

    def broken() -> list[Any]:
        raise RuntimeError("no windows")

    service.warm_windows = broken  # type: ignore[method-assign]
    caplog.set_level(logging.INFO, logger="service.scenarios")
    service.warm()  # does not raise
    assert service.warmed and service.warm_failures == 1
    last = [r for r in caplog.records if r.getMessage().startswith("scenario engine warm-up")]
    assert "no windows" in last[0].getMessage() and last[0].exc_info is not None
    assert last[-1].levelno == logging.ERROR and "ended in" in last[-1].getMessage()
