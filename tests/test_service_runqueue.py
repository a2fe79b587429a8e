"""Scenario runs wait in a bounded queue of their own (service/runqueue.py), never on the
threads serving reads: a flood of anonymous dashboard runs gets 429 with Retry-After beyond
the bounds, and /healthz and reads keep answering while the engine is busy (issue 15)."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from service.runqueue import BusyError, RunQueue
from tests.service_data import make_settings, stub_scenario_runner

pytest_plugins = ["tests.service_fixtures"]

#: Longest a gated engine holds a run; a read that waited for it would take this long.
GATE_S = 20.0
BROWSER = {"Accept": "text/html,application/xhtml+xml"}


def _gated_engine() -> tuple[threading.Event, list[int], Any]:
    """A stub engine that holds every run but the start-up warm-up until ``gate`` is set;
    ``started`` counts the runs that reached it."""
    gate = threading.Event()
    started: list[int] = []

    def runner(spec: Any, baseline: Any = None) -> Any:
        if spec.name == "warm-up":
            return stub_scenario_runner(spec, baseline)
        started.append(1)
        gate.wait(GATE_S)
        return stub_scenario_runner(spec, baseline)

    return gate, started, runner


# --- the queue on its own --------------------------------------------------------------


def test_per_client_and_global_bounds_refuse_with_retry_after():
    queue = RunQueue(workers=1, max_waiting=2, per_client=2)
    gate = threading.Event()
    try:
        first = [queue.submit("a", gate.wait, 10), queue.submit("a", gate.wait, 10)]
        with pytest.raises(BusyError) as own:
            queue.submit("a", gate.wait, 10)  # a's third: over its share
        assert "this client" in str(own.value) and own.value.retry_after_s >= 1
        first.append(queue.submit("b", gate.wait, 10))  # capacity 3 = 1 running + 2 waiting
        with pytest.raises(BusyError) as full:
            queue.submit("c", gate.wait, 10)  # c has nothing queued, but the queue is full
        assert "limit" in str(full.value)
        assert queue.pending == 3 and queue.refused == 2
    finally:
        gate.set()
    for future in first:
        assert future.result(5) is True
    assert queue.pending == 0
    queue.submit("c", lambda: None).result(5)  # admitted again once the slots are free
    queue.close()


def test_a_slot_is_held_until_the_run_ends_even_when_its_caller_gave_up():
    queue = RunQueue(workers=1, max_waiting=0, per_client=1)
    gate = threading.Event()

    async def give_up() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(queue.run("a", gate.wait, 10), 0.05)

    asyncio.run(give_up())
    with pytest.raises(BusyError):  # the abandoned run still occupies the only slot
        queue.submit("b", lambda: None)
    gate.set()
    deadline = time.monotonic() + 5
    while queue.pending and time.monotonic() < deadline:
        time.sleep(0.01)
    assert queue.pending == 0
    queue.close()


def test_a_failing_run_frees_its_slot_and_raises_to_its_caller():
    queue = RunQueue(workers=1, max_waiting=0, per_client=1)

    def boom() -> None:
        raise ValueError("refused spec")

    with pytest.raises(ValueError, match="refused spec"):
        queue.submit("a", boom).result(5)
    assert queue.pending == 0
    assert queue.submit("a", lambda: 7).result(5) == 7
    queue.close()


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(0, 4),
    st.integers(1, 3),
    st.lists(st.sampled_from("abcd"), max_size=15),
)
def test_admitted_runs_never_exceed_either_bound(workers, waiting, per_client, clients):
    """Whatever the order of clients, at most ``workers + max_waiting`` runs are admitted and
    no client has more than ``per_client``; every refusal names a Retry-After >= 1."""
    queue = RunQueue(workers=workers, max_waiting=waiting, per_client=per_client)
    gate = threading.Event()
    admitted: dict[str, int] = {}
    try:
        for client in clients:
            try:
                queue.submit(client, gate.wait, 10)
                admitted[client] = admitted.get(client, 0) + 1
            except BusyError as exc:
                assert exc.retry_after_s >= 1
                mine = admitted.get(client, 0)
                assert mine == per_client or sum(admitted.values()) == workers + waiting
        assert sum(admitted.values()) <= workers + waiting
        assert all(n <= per_client for n in admitted.values())
    finally:
        gate.set()
        queue.close()


# --- the service ---------------------------------------------------------------------


@pytest.fixture
def gated_app(service_store: Path, tmp_path: Path) -> Any:
    from service.app import create_app

    gate, started, runner = _gated_engine()
    settings_ = make_settings(
        service_store,
        f"sqlite:///{tmp_path / 'alerts.sqlite'}",
        scenario_queue=2,
        scenario_runs_per_client=1,
    )
    app = create_app(settings_, scenario_runner=runner)
    yield app, gate, started
    gate.set()


def _form(jobs: int) -> dict[str, Any]:
    return {"run": "true", "municipality": "507", "industry": "C", "jobs": jobs, "draws": 10}


def test_a_flood_of_anonymous_runs_leaves_health_and_reads_answering(gated_app):
    """45 anonymous clients post dashboard runs at once while the engine is stuck: 3 are
    admitted (1 running, 2 waiting), 42 get 429 with Retry-After, and /healthz and a
    forecast read answer within a second. With the runs on the reads' thread pool (before),
    the 40 threads all waited for the engine and /healthz took ``GATE_S``."""
    app, gate, started = gated_app
    with TestClient(app) as main:
        assert main.get("/healthz").status_code == 200

        def post(i: int) -> Any:
            anonymous = TestClient(app, client=(f"10.0.0.{i}", 40000))
            return anonymous.get("/scenarios", params=_form(100 + i), headers=BROWSER)

        pool = ThreadPoolExecutor(max_workers=45)
        futures = [pool.submit(post, i) for i in range(45)]
        deadline = time.monotonic() + 10
        while sum(f.done() for f in futures) < 42 and time.monotonic() < deadline:
            time.sleep(0.02)
        busy = [f.result() for f in futures if f.done()]
        assert len(busy) == 42 and all(r.status_code == 429 for r in busy)
        assert all(int(r.headers["Retry-After"]) >= 1 for r in busy)
        assert busy[0].headers["content-type"].startswith("text/html")
        assert "Laskentajono on täynnä" in busy[0].text  # a small page with the reason
        t0 = time.perf_counter()
        health = main.get("/healthz")
        read = main.get("/v1/registers/forecasts", params={"area": "TA23", "horizon": 6})
        assert health.status_code == 200 and read.status_code == 200
        assert time.perf_counter() - t0 < 2.0
        assert len(started) == 1  # one run in the engine, two waiting
        gate.set()
        done = [f.result(timeout=30) for f in futures if f not in busy]
        pool.shutdown()
    ok = [r for r in done if r.status_code == 200]
    assert len(ok) == 3 and len(started) == 3


def test_an_api_key_gets_429_beyond_its_share_and_the_docs_say_so(gated_app):
    app, gate, started = gated_app
    spec = {
        "events": [
            {
                "kind": "closure",
                "municipality": "507",
                "industry": "C",
                "jobs": 50,
                "start": "2026-08",
            }
        ],
        "draws": 10,
        "horizon_months": 12,
    }
    headers = {"X-API-Key": "key-all"}
    with TestClient(app) as client, ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(client.post, "/v1/scenarios/runs", json=spec, headers=headers)
        deadline = time.monotonic() + 5
        while not started and time.monotonic() < deadline:
            time.sleep(0.01)
        second = client.post("/v1/scenarios/runs", json={**spec, "seed": 9}, headers=headers)
        assert second.status_code == 429
        assert second.headers["content-type"].startswith("application/problem+json")
        assert int(second.headers["Retry-After"]) >= 1
        gate.set()
        assert first.result(timeout=30).status_code == 201
        again = client.post("/v1/scenarios/runs", json=spec, headers=headers)
        assert again.status_code == 201  # the stored result: no queue slot needed
        responses = client.get("/openapi.json").json()["paths"]["/v1/scenarios/runs"]["post"]
        assert "429" in responses["responses"]
