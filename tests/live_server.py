"""A dashboard served over loopback in a thread, and a headless Chromium, for the tests that
drive a real browser."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any, *, wait_s: float = 60.0) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port in a daemon thread; yields its root
    URL once ``/healthz`` answers (or ``wait_s`` has passed) and stops the server after."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    root = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{root}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    try:
        yield root
    finally:
        server.should_exit = True
        thread.join(timeout=10)


#: Debian's Chromium, which Playwright drives (``executable_path``; no browser download).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chromium(sync_api: Any) -> Iterator[Any]:
    """A headless Chromium launched through Playwright's ``sync_api``, closed after."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def dashboard(
    store: Path, folder: Path, *, scenario_runner: Callable[..., Any] | None = None
) -> Iterator[str]:
    """The service on the test release ``store`` with the two seeded alerts (an alert
    database in ``folder``), served in a thread; yields its root URL. The scenario engine
    is the stub unless ``scenario_runner`` is given."""
    from service.app import create_app
    from tests.service_data import make_settings, seed_alerts, stub_scenario_runner

    url = f"sqlite:///{folder / 'alerts.sqlite'}"
    seed_alerts(url)
    runner = stub_scenario_runner if scenario_runner is None else scenario_runner
    app = create_app(make_settings(store, url), scenario_runner=runner)
    with serve_in_thread(app) as root:
        yield root
