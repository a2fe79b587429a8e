"""Prefect's configuration and API server for one command, owned by this process.

Prefect 3 runs every flow against an API. Without ``PREFECT_API_URL`` it starts an
"ephemeral" server (a uvicorn subprocess) on first use, waits 20 s for it by default, reports
telemetry, and stops it only in an ``atexit`` hook: a busy machine times the start out, and a
run killed with SIGTERM or SIGKILL (or replaced by ``exec``, as ``ennakointi run`` does) leaves
the server running. :func:`prefect_api` does it instead, from ``get_settings().prefect``:

* Prefect's settings (start-up timeout, telemetry) go into a Prefect settings context
  (``prefect.settings.temporary_settings``), so the CLI needs no ``PREFECT_*`` variables;
* a configured API (``ENNAKOINTI_PREFECT__API_URL`` or Prefect's own ``PREFECT_API_URL``) is
  used as it is; otherwise this process starts the server itself, with
  ``PR_SET_PDEATHSIG`` (it gets SIGKILL when this process dies, even by SIGKILL), makes it
  the server every Prefect client in the process uses, and stops it when the block ends;
* SIGTERM and SIGHUP stop the server and every other child process and exit at once
  (128 + signal): a release is published atomically at the very end, so a build stopped
  half-way leaves nothing to finish.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import types
from collections.abc import Iterator
from typing import Any

import psutil

from forecasting.processes import die_with_parent_preexec
from forecasting.settings import PrefectSettings, get_settings

#: Signals that end a command at once, after its child processes.
TERMINATING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _owned_server(timeout_s: int) -> Any:
    """Start Prefect's subprocess API server so that it dies with this process."""
    import subprocess

    import prefect.server.api.server as server_module
    from prefect.server.api.server import SubprocessASGIServer

    # SIGKILL: a server still starting up (uvicorn's lifespan, Prefect's migrations) would
    # finish that before acting on SIGTERM; SQLite survives a kill.
    preexec = die_with_parent_preexec(signal.SIGKILL)

    class OwnedServer(SubprocessASGIServer):
        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            # Prefect's own command and environment, only with the death signal added.
            def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[Any]:
                return subprocess.Popen(*args, preexec_fn=preexec, **kwargs)  # type: ignore[call-overload]

            real = server_module.subprocess
            server_module.subprocess = types.SimpleNamespace(Popen=popen)  # type: ignore[assignment]
            try:
                return super()._run_uvicorn_command()
            finally:
                server_module.subprocess = real

    server = OwnedServer(port=_free_port())
    server.start(timeout=timeout_s)
    return server


def kill_children(timeout_s: float = 5.0) -> None:
    """Terminate every descendant process, then kill those still alive after ``timeout_s``."""
    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=timeout_s)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


@contextlib.contextmanager
def _exit_on_signals() -> Iterator[None]:
    """SIGTERM/SIGHUP: stop the child processes and exit with 128 + signal, skipping the
    threads of a step in progress (they would otherwise hold the exit until they finish)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        kill_children()
        os._exit(128 + signum)

    previous = {sig: signal.signal(sig, handler) for sig in TERMINATING_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _drain_workers() -> None:
    """Send Prefect's queued logs and events before the server goes (as its test harness)."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        with contextlib.suppress(RuntimeError):  # not started
            logs: Any = APILogWorker.instance().drain()
            if inspect.isawaitable(logs):
                await logs
        events: Any = EventsWorker.drain_all()
        if inspect.isawaitable(events):
            await events

    with contextlib.suppress(Exception):  # best effort: the run itself is done
        run_coro_as_sync(drain())


@contextlib.contextmanager
def _serve_privately(timeout_s: int) -> Iterator[str]:
    import prefect.context
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = _owned_server(timeout_s)
    instances = SubprocessASGIServer._instances
    prior = instances.get(None)
    # Prefect code that wants "the" ephemeral server (SubprocessASGIServer()) gets this one.
    instances[None] = server
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(temporary_settings(updates={PREFECT_API_URL: server.api_url}))
            # Threads that run outside this context (Prefect's background workers) read the
            # process-global settings: point those at the server too.
            global_context = getattr(prefect.context, "_temporary_global_settings_context", None)
            if global_context is not None:
                stack.enter_context(global_context(prefect.context.get_settings_context()))
            try:
                yield str(server.api_url)
            finally:  # a failed run's logs and events too: sent later they wait on a dead server
                _drain_workers()
    finally:
        server.stop()
        if prior is not None:
            instances[None] = prior
        else:
            instances.pop(None, None)


@contextlib.contextmanager
def prefect_api(settings: PrefectSettings | None = None) -> Iterator[str]:
    """Configure Prefect from ``settings`` (default ``get_settings().prefect``) for a block.

    Yields the API URL the block's flows use. Without a configured API the server is this
    process's child, stopped when the block ends, on SIGTERM/SIGHUP (which then also stop
    every other child and exit) and, through the kernel, when this process dies.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_ANALYTICS_ENABLED,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    cfg = settings or get_settings().prefect
    updates: dict[Any, Any] = {
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: cfg.startup_timeout_s,
        PREFECT_SERVER_ANALYTICS_ENABLED: cfg.analytics_enabled,
    }
    if cfg.api_url:
        updates[PREFECT_API_URL] = cfg.api_url
    with _exit_on_signals(), temporary_settings(updates=updates):
        configured = PREFECT_API_URL.value()
        if configured:
            yield str(configured)
            return
        with _serve_privately(cfg.startup_timeout_s) as url:
            yield url
