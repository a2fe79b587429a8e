"""Delivery of alerts and digests by e-mail (SMTP) and webhooks (JSON, Teams Workflows, Slack).

Every message is first written to the ``deliveries`` table under an idempotency key
(alert transition x subscription), so enqueuing the same alert twice sends nothing new. A
worker then sends what is due; a transient failure (connection error, timeout, HTTP 429/5xx,
SMTP 4xx) is retried with exponential backoff, anything else or the last failed attempt
becomes a dead letter (``status = "dead"``) with its error. No message is lost and none is
sent twice by this process; receivers also get an ``Idempotency-Key`` header.

Webhook URLs come from users, so they are checked against server-side request forgery
(:func:`webhook_url_problem`) when a subscription is made and again, with the host resolved,
before every send: https only, no credentials in the URL, no loopback, private, link-local,
multicast or reserved address (also in the legacy spellings ``0x7f000001``, ``2130706433``,
``127.1``). An operator allows an on-premises relay by host name, address or CIDR
(``settings.alerts.webhook_allow_hosts``); an allowed host may also use plain http.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import smtplib
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from forecasting.io.alert_db import DeliveryRow, SubscriptionRow, session_scope, utcnow

SmtpFactory = Callable[[str, int], smtplib.SMTP]
Resolver = Callable[[str, int], Iterable[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Host names that always mean this machine or an internal network.
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan")


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


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (A and AAAA), as text."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def literal_address(host: str) -> IpAddress | None:
    """``host`` as an IP address if it is one, in any spelling a resolver would accept
    (``::1``, ``127.0.0.1``, ``0x7f000001``, ``2130706433``, ``127.1``, ``0177.0.0.1``)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def is_public(address: IpAddress) -> bool:
    """A globally routable unicast address (not loopback, private, link-local, shared,
    multicast, reserved or unspecified; an IPv4-mapped IPv6 address is judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def _allowed(host: str, address: IpAddress | None, allow_hosts: Sequence[str]) -> bool:
    """``host`` is on the operator's allow-list: by name, by address or inside a CIDR."""
    for entry in allow_hosts:
        entry = entry.strip().lower().strip("[]")
        if not entry:
            continue
        if entry == host:
            return True
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


def webhook_url_problem(
    url: str,
    allow_hosts: Sequence[str] = (),
    *,
    resolver: Resolver | None = None,
) -> str | None:
    """Why ``url`` must not be called by the server, or None if it may.

    Parameters
    ----------
    url
        The webhook URL of a subscription.
    allow_hosts
        Host names, addresses or CIDRs allowed although internal (and over plain http).
    resolver
        ``(host, port) -> addresses``; given (at send time), every address the host resolves
        to must be public. Without it only the URL itself is checked (at subscribe time).
    """
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "only http(s) URLs can be webhooks"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "credentials in the URL are not allowed"
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "the URL has no host"
    address = literal_address(host)
    if _allowed(host, address, allow_hosts):
        return None
    if parts.scheme != "https":
        return "webhooks must use https (plain http only for an allow-listed host)"
    if host == "localhost" or host.endswith(INTERNAL_SUFFIXES):
        return f"{host!r} is an internal host name"
    if address is not None:
        return None if is_public(address) else f"{address} is not a public address"
    if resolver is None:
        return None
    try:
        resolved = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(host, port)]
    except (OSError, ValueError) as exc:
        return f"cannot resolve {host!r} ({exc})"
    inner = [str(a) for a in resolved if not is_public(a)]
    if not resolved or inner:
        return f"{host!r} resolves to a non-public address {', '.join(inner)}".rstrip()
    return None


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
    allow_hosts
        Webhook hosts allowed although internal or on plain http (an on-premises relay);
        every other webhook must be https to a host that resolves to public addresses only.
    resolver
        ``(host, port) -> addresses`` for that check (default DNS via ``getaddrinfo``).
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
        allow_hosts: Sequence[str] = (),
        resolver: Resolver | None = None,
    ):
        self.engine = engine
        self.allow_hosts = tuple(allow_hosts)
        self.resolver: Resolver = resolver or resolve_host
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
        problem = webhook_url_problem(url, self.allow_hosts, resolver=self.resolver)
        if problem is not None:  # checked again now: the host's DNS may have changed
            raise PermanentDeliveryError(f"webhook refused: {problem}")
        try:
            resp = self.http.post(
                url,
                json=body_for(channel, message),
                headers={"Idempotency-Key": key},
                follow_redirects=False,  # a redirect could point inside the network
            )
        except httpx.TransportError as exc:  # connect errors, timeouts
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
        if resp.status_code == 429 or resp.status_code >= 500:
            raise TransientDeliveryError(f"HTTP {resp.status_code}")
        if resp.status_code >= 300:  # a redirect is not followed: it could point inside
            raise PermanentDeliveryError(f"HTTP {resp.status_code}: {resp.text[:200]}")

    def _send_email(self, to: str, message: Mapping[str, Any]) -> None:
        mail = EmailMessage()
        mail["From"] = self.smtp.mail_from
        mail["To"] = to
        mail["Subject"] = str(message["title"])
        facts = "\n".join(f"{k}: {v}" for k, v in message.get("facts", {}).items())
        mail.set_content(f"{message['text']}\n\n{facts}\n\n{message.get('footer', '')}".strip())
        for item in message.get("attachments", ()):
            _attach(mail, item)
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
        """Process until nothing is pending, advancing a VIRTUAL clock past each backoff.

        For tests and one-off batch checks only: it makes every attempt at once, so a rate
        limit (HTTP 429) or SMTP greylisting that needs minutes is not waited out. Production
        sends with :meth:`process_due` from the scheduled drain deployment
        (``flows/deliveries.py``), which waits for real between attempts.
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

    # -- dead letters --------------------------------------------------------------------
    def dead_letters(self, limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """The dead deliveries, newest first: (total, rows without the payload's body)."""
        with session_scope(self.engine) as session:
            total = session.scalar(
                select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status == "dead")
            )
            rows = session.execute(
                select(DeliveryRow, SubscriptionRow)
                .join(SubscriptionRow, SubscriptionRow.id == DeliveryRow.subscription_id)
                .where(DeliveryRow.status == "dead")
                .order_by(DeliveryRow.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            return int(total or 0), [_dead_row(d, s) for d, s in rows]

    def replay(self, delivery_id: int, now: dt.datetime | None = None) -> bool:
        """Queue a dead letter again (attempts from zero, due at ``now``); False if the id is
        not a dead letter. The same idempotency key goes out, so a receiver that did get it
        can drop the copy."""
        with session_scope(self.engine) as session:
            row = session.get(DeliveryRow, delivery_id)
            if row is None or row.status != "dead":
                return False
            row.status = "pending"
            row.attempts = 0
            row.next_attempt_at = now or utcnow()
        return True


def _attach(mail: EmailMessage, item: Mapping[str, Any]) -> None:
    """Attach the file ``item["path"]`` (a release's stored review) as ``item["filename"]``.

    A file that is gone (its release cleaned away) is a permanent failure: the message
    promised it, and retrying will not bring it back.
    """
    try:
        data = Path(str(item["path"])).read_bytes()
    except OSError as exc:
        raise PermanentDeliveryError(f"attachment {item.get('filename')!r} is gone: {exc}") from exc
    maintype, _, subtype = str(item.get("media_type", "application/octet-stream")).partition("/")
    mail.add_attachment(
        data, maintype=maintype, subtype=subtype.split(";")[0], filename=str(item["filename"])
    )


def _dead_row(d: DeliveryRow, s: SubscriptionRow) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind,
        "alert_id": d.alert_id,
        "subscription_id": d.subscription_id,
        "recipient": s.recipient,
        "channel": s.channel,
        "attempts": d.attempts,
        "last_error": d.last_error,
        "last_due_at": d.next_attempt_at.isoformat(timespec="seconds"),
        "title": str(d.payload.get("title", "")),
        "idempotency_key": d.idempotency_key,
    }
