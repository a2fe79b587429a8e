"""Delivery with real waiting: attempts persisted with next_attempt_at, a scheduled drain that
sends only what is due (an injected clock), dead letters listed and replayed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from forecasting.io.alert_db import DeliveryRow, SubscriptionRow, make_engine, session_scope
from forecasting.io.delivery import Deliverer

T0 = dt.datetime(2026, 7, 1, 8, 0, 0)
MESSAGE = {"title": "Mikkeli: työttömyys nousi", "text": "Työttömiä 3 675, +11 %."}


class Hook:
    """A webhook receiver answering 429 to the first ``fail`` calls of each key."""

    def __init__(self, fail: int) -> None:
        self.fail, self.calls = fail, []  # type: ignore[var-annotated]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = request.headers["Idempotency-Key"]
        self.calls.append(key)
        return httpx.Response(429 if self.calls.count(key) <= self.fail else 200)


@pytest.fixture
def engine(tmp_path: Path):
    return make_engine(f"sqlite:///{tmp_path / 'alerts.db'}")


def _deliverer(engine: Any, hook: Hook, attempts: int = 5) -> Deliverer:
    http = httpx.Client(transport=httpx.MockTransport(hook))
    return Deliverer(
        engine, http=http, max_attempts=attempts, backoff_s=60, allow_hosts=("hooks.example.fi",)
    )


def _queue(engine: Any, d: Deliverer, keys: list[str]) -> None:
    with session_scope(engine) as session:
        sub = SubscriptionRow(
            recipient="johto", channel="webhook", address="https://hooks.example.fi/x", areas=[]
        )
        session.add(sub)
        session.flush()
        sid = sub.id
    with session_scope(engine) as session:  # due at T0 (the injected clock), not wall time
        for k in keys:
            session.add(
                DeliveryRow(
                    idempotency_key=k,
                    subscription_id=sid,
                    kind="immediate",
                    payload=MESSAGE,
                    next_attempt_at=T0,
                )
            )


def _status(engine: Any) -> dict[str, tuple[str, int]]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(DeliveryRow.idempotency_key, DeliveryRow.status, DeliveryRow.attempts)
        ).all()
    return {k: (s, a) for k, s, a in rows}


def test_a_rate_limited_message_waits_out_the_backoff_on_the_clock(engine: Any) -> None:
    hook = Hook(fail=2)
    d = _deliverer(engine, hook)
    _queue(engine, d, ["a"])
    s = dt.timedelta(seconds=1)
    assert d.process_due(T0) == {"delivered": 0, "retry": 1, "dead": 0}
    assert d.process_due(T0 + 59 * s) == {"delivered": 0, "retry": 0, "dead": 0}  # not due
    assert len(hook.calls) == 1
    assert d.process_due(T0 + 60 * s)["retry"] == 1  # first retry after 60 s
    assert d.process_due(T0 + 179 * s)["retry"] == 0  # second after another 120 s
    assert d.process_due(T0 + 180 * s)["delivered"] == 1
    assert len(hook.calls) == 3 and _status(engine) == {"a": ("delivered", 3)}


def test_one_drain_run_makes_at_most_one_attempt_per_delivery(engine: Any) -> None:
    from flows.deliveries import drain_once

    hook = Hook(fail=99)
    d = _deliverer(engine, hook)
    _queue(engine, d, [f"k{i}" for i in range(5)])
    assert drain_once(T0, d) == {"delivered": 0, "retry": 5, "dead": 0}
    assert drain_once(T0, d) == {"delivered": 0, "retry": 0, "dead": 0}  # nothing due again
    # after one run every delivery has had one attempt and is still pending, not dead
    assert set(_status(engine).values()) == {("pending", 1)} and len(hook.calls) == 5


def test_dead_letters_are_listed_and_a_replay_delivers_once(engine: Any) -> None:
    hook = Hook(fail=2)
    d = _deliverer(engine, hook, attempts=2)
    _queue(engine, d, ["x", "y"])
    d.process_due(T0)
    assert d.process_due(T0 + dt.timedelta(minutes=1)) == {"delivered": 0, "retry": 0, "dead": 2}
    total, dead = d.dead_letters()
    assert total == 2 and {r["idempotency_key"] for r in dead} == {"x", "y"}
    assert dead[0]["last_error"] == "HTTP 429" and dead[0]["channel"] == "webhook"
    first = dead[-1]["id"]
    later = T0 + dt.timedelta(hours=1)
    assert d.replay(first, later) and not d.replay(first, later)  # pending now: not dead
    assert not d.replay(10_000, later)
    assert d.process_due(later) == {"delivered": 1, "retry": 0, "dead": 0}
    assert d.dead_letters()[0] == 1
    assert _status(engine)["x"] == ("delivered", 1)


def test_the_drain_is_a_scheduled_deployment_every_minute() -> None:
    from flows.serve import deployments

    (drain,) = [d for d in deployments() if d.name == "delivery-drain"]
    assert drain.schedules[0].schedule.interval == dt.timedelta(seconds=60)
