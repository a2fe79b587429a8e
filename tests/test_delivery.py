"""Delivery against a real local SMTP server (aiosmtpd) and a real local HTTP receiver."""

from __future__ import annotations

import json
import random
import socket
import threading
from collections.abc import Iterator
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from forecasting.io.alert_db import DeliveryRow, SubscriptionRow, make_engine, session_scope
from forecasting.io.delivery import Deliverer, SmtpConfig

MESSAGE = {
    "title": "Työttömyysaste ylittää 12 % / Unemployment rate above 12 %",
    "text": "Mäntyharju (507): P(rate > 12 % within 12 months) = 0.81",
    "facts": {"area": "507", "severity": "critical", "rule": "rate_threshold v1"},
}


class Receiver:
    """A loopback HTTP server that records JSON bodies and fails a chosen share of first tries."""

    def __init__(self, fail_first: set[str] | None = None, status: int = 503):
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.fail_first = set(fail_first or ())
        self.status = status
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key", "")
                with receiver.lock:
                    if key in receiver.fail_first:
                        receiver.fail_first.discard(key)
                        self.send_response(receiver.status)
                        self.end_headers()
                        return
                    receiver.received.append((key, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_engine(f"sqlite:///{tmp_path / 'alerts.sqlite'}")


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Collect(Message):
        def __init__(self) -> None:
            super().__init__()
            self.messages: list[Any] = []

        def handle_message(self, message: Any) -> None:
            self.messages.append(message)

    handler = Collect()
    with socket.socket() as probe:  # aiosmtpd's start-up check needs a concrete port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def _subscribe(engine: Any, channel: str, address: str) -> int:
    with session_scope(engine) as session:
        row = SubscriptionRow(recipient="director", channel=channel, address=address, areas=[])
        session.add(row)
        session.flush()
        return row.id


def test_email_reaches_a_real_smtp_server(engine: Any, smtp_server: Any) -> None:
    controller, handler = smtp_server
    port = controller.port
    sub = _subscribe(engine, "email", "johtaja@example.fi")
    deliverer = Deliverer(engine, smtp=SmtpConfig(host="127.0.0.1", port=port))
    assert deliverer.enqueue(sub, MESSAGE, idempotency_key="a1:fired:1")
    assert deliverer.drain() == {"delivered": 1, "retry": 0, "dead": 0}
    assert len(handler.messages) == 1
    mail = handler.messages[0]
    assert mail["To"] == "johtaja@example.fi"
    subject = " ".join(str(make_header(decode_header(mail["Subject"]))).split())
    assert subject == MESSAGE["title"]
    assert "Mäntyharju" in mail.get_payload(decode=True).decode("utf-8")


@pytest.mark.parametrize("channel", ["webhook", "teams", "slack"])
def test_webhook_formats_reach_a_real_receiver(engine: Any, channel: str) -> None:
    with Receiver() as rx:
        sub = _subscribe(engine, channel, rx.url)
        deliverer = Deliverer(engine, http=httpx.Client(timeout=5))
        deliverer.enqueue(sub, MESSAGE, idempotency_key="k1")
        assert deliverer.drain()["delivered"] == 1
    ((key, body),) = rx.received
    assert key == "k1"
    if channel == "teams":
        card = body["attachments"][0]["content"]
        assert card["type"] == "AdaptiveCard"
        assert card["body"][0]["text"] == MESSAGE["title"]
    elif channel == "slack":
        assert MESSAGE["title"] in body["text"]
    else:
        assert body == MESSAGE


def test_same_key_is_queued_once(engine: Any) -> None:
    sub = _subscribe(engine, "webhook", "http://127.0.0.1:9/none")
    deliverer = Deliverer(engine)
    assert deliverer.enqueue(sub, MESSAGE, idempotency_key="dup")
    assert not deliverer.enqueue(sub, MESSAGE, idempotency_key="dup")
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(DeliveryRow)) == 1


def test_half_failing_at_first_every_message_delivered_or_dead_none_twice(engine: Any) -> None:
    """Fault injection: 50 % of first attempts fail; all end delivered or dead, none twice."""
    rng = random.Random(7)
    keys = [f"alert-{i}" for i in range(40)]
    failing = {k for k in keys if rng.random() < 0.5}
    with Receiver(fail_first=failing) as rx:
        good = _subscribe(engine, "webhook", rx.url)
        dead_sub = _subscribe(engine, "webhook", "http://127.0.0.1:9/closed-port")
        deliverer = Deliverer(engine, http=httpx.Client(timeout=2), max_attempts=3, backoff_s=0.01)
        for k in keys:
            deliverer.enqueue(good, MESSAGE, idempotency_key=k)
        deliverer.enqueue(dead_sub, MESSAGE, idempotency_key="to-nowhere")
        totals = deliverer.drain()
    received_keys = [k for k, _ in rx.received]
    assert sorted(received_keys) == sorted(keys)  # each delivered exactly once
    assert totals["delivered"] == len(keys)
    assert totals["retry"] >= len(failing)
    with session_scope(engine) as session:
        states = dict(
            session.execute(select(DeliveryRow.idempotency_key, DeliveryRow.status)).all()
        )
    assert states["to-nowhere"] == "dead"
    assert {states[k] for k in keys} == {"delivered"}
    assert set(states.values()) <= {"delivered", "dead"}


def test_client_error_is_a_dead_letter_without_retry(engine: Any) -> None:
    with Receiver(fail_first={"k"}, status=404) as rx:
        sub = _subscribe(engine, "webhook", rx.url)
        deliverer = Deliverer(engine, http=httpx.Client(timeout=2), backoff_s=0.01)
        deliverer.enqueue(sub, MESSAGE, idempotency_key="k")
        assert deliverer.drain() == {"delivered": 0, "retry": 0, "dead": 1}
    assert rx.received == []
