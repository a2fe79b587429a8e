"""Delivery of alerts and digests by e-mail (SMTP) and webhooks (JSON, Teams Workflows, Slack).

Every message is first written to the ``deliveries`` table under an idempotency key
(alert transition x subscription), so enqueuing the same alert twice sends nothing new. A
worker then sends what is due; a transient failure (connection error, timeout, HTTP 429/5xx,
SMTP 4xx) is retried with exponential backoff, anything else or the last failed attempt
becomes a dead letter (``status = "dead"``) with its error. No message is lost and none is
sent twice by this process; receivers also get an ``Idempotency-Key`` header.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine

from forecasting.io.alert_db import DeliveryRow, SubscriptionRow, session_scope, utcnow

SmtpFactory = Callable[[str, int], smtplib.SMTP]


class TransientDeliveryError(Exception):
    """A failure worth retrying."""


class PermanentDeliveryError(Exception):
    """A failure that retrying will not fix (bad address, 4xx other than 429)."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    mail_from: str = "ennakointi@localhost"


def teams_payload(message: Mapping[str, Any]) -> dict[str, Any]:
    """A Microsoft Teams *Workflows* webhook body: an Adaptive Card in a message envelope."""
    facts = [{"title": str(k), "value": str(v)} for k, v in message.get("facts", {}).items()]
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": message["title"]},
            {"type": "TextBlock", "wrap": True, "text": message["text"]},
            {"type": "FactSet", "facts": facts},
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def slack_payload(message: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook body (plain text fallback plus blocks)."""
    facts = "\n".join(f"*{k}*: {v}" for k, v in message.get("facts", {}).items())
    return {
        "text": f"{message['title']}: {message['text']}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": message["title"][:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": message["text"]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": facts or " "}},
        ],
    }


def body_for(channel: str, message: Mapping[str, Any]) -> dict[str, Any]:
    """The HTTP JSON body for a webhook channel."""
    if channel == "teams":
        return teams_payload(message)
    if channel == "slack":
        return slack_payload(message)
    return dict(message)


class Deliverer:
    """Sends due deliveries and records the outcome.

    Parameters
    ----------
    engine
        The alert database.
    smtp
        SMTP configuration for the e-mail channel.
    http
        An ``httpx.Client`` (tests pass one bound to a local receiver or a mock transport).
    max_attempts, backoff_s
        Attempts before a dead letter; the first retry waits ``backoff_s``, then doubling.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        smtp: SmtpConfig | None = None,
        http: httpx.Client | None = None,
        max_attempts: int = 5,
        backoff_s: float = 1.0,
        smtp_factory: SmtpFactory | None = None,
    ):
        self.engine = engine
        self.smtp = smtp or SmtpConfig()
        self.http = http or httpx.Client(timeout=10.0)
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.smtp_factory: SmtpFactory = smtp_factory or (
            lambda host, port: smtplib.SMTP(host, port, timeout=10)
        )

    # -- queue ---------------------------------------------------------------------------
    def enqueue(
        self,
        subscription_id: int,
        message: Mapping[str, Any],
        *,
        idempotency_key: str,
        alert_id: int | None = None,
        kind: str = "immediate",
    ) -> bool:
        """Queue ``message`` for a subscription; ``False`` if that key was queued before."""
        with session_scope(self.engine) as session:
            exists = session.scalar(
                select(DeliveryRow.id).where(DeliveryRow.idempotency_key == idempotency_key)
            )
            if exists is not None:
                return False
            session.add(
                DeliveryRow(
                    idempotency_key=idempotency_key,
                    subscription_id=subscription_id,
                    alert_id=alert_id,
                    kind=kind,
                    payload=dict(message),
                )
            )
        return True

    # -- sending -------------------------------------------------------------------------
    def send(self, sub: SubscriptionRow, message: Mapping[str, Any], key: str) -> None:
        """Send one message; raise Transient/PermanentDeliveryError on failure."""
        if sub.channel == "email":
            self._send_email(sub.address, message)
        else:
            self._send_webhook(sub.channel, sub.address, message, key)

    def _send_webhook(self, channel: str, url: str, message: Mapping[str, Any], key: str) -> None:
        try:
            resp = self.http.post(
                url, json=body_for(channel, message), headers={"Idempotency-Key": key}
            )
        except httpx.TransportError as exc:  # connect errors, timeouts
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
        if resp.status_code == 429 or resp.status_code >= 500:
            raise TransientDeliveryError(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise PermanentDeliveryError(f"HTTP {resp.status_code}: {resp.text[:200]}")

    def _send_email(self, to: str, message: Mapping[str, Any]) -> None:
        mail = EmailMessage()
        mail["From"] = self.smtp.mail_from
        mail["To"] = to
        mail["Subject"] = str(message["title"])
        facts = "\n".join(f"{k}: {v}" for k, v in message.get("facts", {}).items())
        mail.set_content(f"{message['text']}\n\n{facts}\n\n{message.get('footer', '')}".strip())
        try:
            with self.smtp_factory(self.smtp.host, self.smtp.port) as client:
                if self.smtp.starttls:
                    client.starttls()
                if self.smtp.user and self.smtp.password:
                    client.login(self.smtp.user, self.smtp.password)
                client.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise TransientDeliveryError(f"SMTP {exc.smtp_code}") from exc
            raise PermanentDeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc

    def process_due(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Attempt every pending delivery that is due at ``now``; return counts by outcome."""
        now = now or utcnow()
        outcome = {"delivered": 0, "retry": 0, "dead": 0}
        with session_scope(self.engine) as session:
            due = session.scalars(
                select(DeliveryRow)
                .where(DeliveryRow.status == "pending", DeliveryRow.next_attempt_at <= now)
                .order_by(DeliveryRow.id)
            ).all()
            for row in due:
                sub = session.get(SubscriptionRow, row.subscription_id)
                assert sub is not None  # foreign key
                outcome[self._attempt(row, sub, now)] += 1
                session.flush()
        return outcome

    def _attempt(self, row: DeliveryRow, sub: SubscriptionRow, now: dt.datetime) -> str:
        row.attempts += 1
        try:
            self.send(sub, row.payload, row.idempotency_key)
        except TransientDeliveryError as exc:
            row.last_error = str(exc)[:1000]
            if row.attempts >= self.max_attempts:
                row.status = "dead"
                return "dead"
            wait = self.backoff_s * 2 ** (row.attempts - 1)
            row.next_attempt_at = now + dt.timedelta(seconds=wait)
            return "retry"
        except PermanentDeliveryError as exc:
            row.last_error = str(exc)[:1000]
            row.status = "dead"
            return "dead"
        row.status = "delivered"
        row.delivered_at = now
        return "delivered"

    def drain(self, *, max_rounds: int = 20, now: dt.datetime | None = None) -> dict[str, int]:
        """Process until nothing is pending, advancing a virtual clock past each backoff.

        Used by batch runs and tests; the virtual clock means no real sleeping.
        """
        clock = now or utcnow()
        totals = {"delivered": 0, "retry": 0, "dead": 0}
        for _ in range(max_rounds):
            result = self.process_due(clock)
            for k, v in result.items():
                totals[k] += v
            if result["retry"] == 0:
                break
            clock += dt.timedelta(seconds=self.backoff_s * 2**self.max_attempts)
        return totals
