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
from forecasting.io.delivery import Deliverer, SmtpConfig, webhook_url_problem

#: The local test receiver must be allow-listed explicitly, as an on-premises relay would be.
LOCAL = ("127.0.0.1",)

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
def engine(tmp_path: Path):
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
        deliverer = Deliverer(engine, http=httpx.Client(timeout=5), allow_hosts=LOCAL)
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
        deliverer = Deliverer(
            engine, http=httpx.Client(timeout=2), max_attempts=3, backoff_s=0.01, allow_hosts=LOCAL
        )
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
        deliverer = Deliverer(
            engine, http=httpx.Client(timeout=2), backoff_s=0.01, allow_hosts=LOCAL
        )
        deliverer.enqueue(sub, MESSAGE, idempotency_key="k")
        assert deliverer.drain() == {"delivered": 0, "retry": 0, "dead": 1}
    assert rx.received == []


INTERNAL_URLS = [
    "http://127.0.0.1:8000/hook",
    "https://127.0.0.1/hook",
    "https://[::1]/hook",
    "https://0x7f000001/hook",
    "https://2130706433/hook",
    "https://127.1/hook",
    "https://0177.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.1.2.3/hook",
    "https://192.168.1.1/hook",
    "https://172.16.0.9/hook",
    "https://100.64.0.1/hook",
    "https://224.0.0.1/hook",
    "https://0.0.0.0/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[fe80::1]/hook",
    "https://localhost/hook",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://user:pass@hooks.example.com/x",
    "https://hooks.example.com@127.0.0.1/x",
    "http://hooks.example.com/plain-http",
    "ftp://hooks.example.com/x",
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_or_unsafe_webhook_urls_are_refused(url: str) -> None:
    assert webhook_url_problem(url) is not None


def test_public_https_webhooks_pass_and_resolution_is_checked_at_send() -> None:
    url = "https://prod-12.westeurope.logic.azure.com/workflows/abc"
    assert webhook_url_problem(url) is None  # subscribe time: the URL alone
    assert webhook_url_problem(url, resolver=lambda h, p: ["20.50.2.1"]) is None
    rebound = webhook_url_problem(url, resolver=lambda h, p: ["20.50.2.1", "10.0.0.7"])
    assert rebound is not None and "10.0.0.7" in rebound


def test_the_allow_list_admits_a_relay_by_name_address_or_cidr() -> None:
    assert webhook_url_problem("http://relay.corp:8080/x", ["relay.corp"]) is None
    assert webhook_url_problem("http://10.0.5.7/x", ["10.0.5.0/24"]) is None
    assert webhook_url_problem("http://10.0.6.7/x", ["10.0.5.0/24"]) is not None
    assert webhook_url_problem("http://u:p@relay.corp/x", ["relay.corp"]) is not None


def test_a_webhook_to_an_internal_address_is_never_called(engine: Any) -> None:
    with Receiver() as rx:
        sub = _subscribe(engine, "webhook", rx.url)  # stored before the checks existed
        deliverer = Deliverer(engine, http=httpx.Client(timeout=2))  # no allow-list
        deliverer.enqueue(sub, MESSAGE, idempotency_key="ssrf")
        assert deliverer.drain() == {"delivered": 0, "retry": 0, "dead": 1}
    assert rx.received == []
    with session_scope(engine) as session:
        error = session.scalar(select(DeliveryRow.last_error))
    assert error is not None and "refused" in error


def test_a_host_that_resolves_inside_is_refused_at_send(engine: Any) -> None:
    sub = _subscribe(engine, "webhook", "https://hooks.example.com/x")
    calls: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200)

    http = httpx.Client(transport=httpx.MockTransport(record))
    deliverer = Deliverer(engine, http=http, resolver=lambda host, port: ["192.168.0.10"])
    deliverer.enqueue(sub, MESSAGE, idempotency_key="rebind")
    assert deliverer.drain()["dead"] == 1 and calls == []
    ok = Deliverer(engine, http=http, resolver=lambda host, port: ["93.184.215.14"])
    ok.enqueue(sub, MESSAGE, idempotency_key="public")
    assert ok.drain()["delivered"] == 1 and len(calls) == 1


def test_a_redirect_is_not_followed(engine: Any) -> None:
    sub = _subscribe(engine, "webhook", "https://hooks.example.com/x")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/"})

    deliverer = Deliverer(
        engine,
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        resolver=lambda host, port: ["93.184.215.14"],
    )
    deliverer.enqueue(sub, MESSAGE, idempotency_key="redirect")
    assert deliverer.drain()["dead"] == 1
    assert seen == ["https://hooks.example.com/x"]


def test_monthly_review_is_mailed_with_its_pdf_to_those_who_ask(
    engine: Any, smtp_server: Any, tmp_path: Path
) -> None:
    """A published release's stored Finnish PDF review reaches the e-mail subscribers with
    ``monthly_review`` (their areas cover TA23: all, or Mikkeli 491), once; not the others."""
    import numpy as np
    import xarray as xr

    from forecasting.alerts.review_mail import queue_monthly_review
    from forecasting.io.release_store import Attachment, ReleaseStore

    pdf = b"%PDF-1.4 review of TA23"
    meta = {"kind": "monthly_review", "area": "TA23", "month": "2026-06", "lang": "fi",
            "format": "pdf"}  # fmt: skip
    store = ReleaseStore(tmp_path / "store")
    store.publish(
        {"registers_history": xr.Dataset({"unemployed": ("area", np.array([3675.0]))})},
        {"data_version": "d", "code_version": "c"},
        attachments=[Attachment("monthly_review-TA23-fi.pdf", pdf, "application/pdf", meta)],
    )
    release = store.open()
    with session_scope(engine) as session:
        session.add_all([
            SubscriptionRow(recipient="board", channel="email", address="board@example.fi",
                            areas=[], monthly_review=True),
            SubscriptionRow(recipient="mikkeli", channel="email", address="m@example.fi",
                            areas=["491"], monthly_review=True),
            SubscriptionRow(recipient="helsinki", channel="email", address="h@example.fi",
                            areas=["091"], monthly_review=True),
            SubscriptionRow(recipient="analyst", channel="email", address="a@example.fi",
                            areas=[]),
        ])  # fmt: skip
    controller, handler = smtp_server
    deliverer = Deliverer(engine, smtp=SmtpConfig(host="127.0.0.1", port=controller.port))
    assert queue_monthly_review(deliverer, release, link_base="https://ennakointi.example") == 2
    assert queue_monthly_review(deliverer, release) == 0  # idempotent per release
    assert deliverer.process_due() == {"delivered": 2, "retry": 0, "dead": 0}
    assert sorted(m["To"] for m in handler.messages) == ["board@example.fi", "m@example.fi"]
    mail = handler.messages[0]
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == "Työmarkkinakatsaus: Mikkelin seutu 6/2026"
    (part,) = [p for p in mail.walk() if p.get_filename()]
    assert part.get_filename() == "tyomarkkinakatsaus_TA23_2026-06_fi.pdf"
    assert part.get_payload(decode=True) == pdf
    body = mail.get_payload()[0].get_payload(decode=True).decode()
    assert f"release={release.id}" in body
