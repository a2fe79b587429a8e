"""Per-subscriber digests: one message per evaluation with all of the subscriber's alerts,
delivered to a real local SMTP server (aiosmtpd) and a local webhook receiver."""

from __future__ import annotations

from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import xarray as xr
from sqlalchemy import select

from forecasting.alerts import rules
from forecasting.alerts.engine import AlertEngine
from forecasting.alerts.lifecycle import Transition
from forecasting.io.alert_db import DeliveryRow, SubscriptionRow, make_engine, session_scope
from forecasting.io.delivery import Deliverer, SmtpConfig
from tests.test_delivery import LOCAL, Receiver, smtp_server  # noqa: F401  (fixture)

MONTHS = list(pd.date_range("2023-09-01", periods=2, freq="MS"))


def _signal(rule: str, sev: list[list[int]]) -> rules.Signal:
    """A signal of ``rule`` on Mikkeli (491) and Juva (178) over 2023-09..2023-10."""
    coords = {"area": ["491", "178"], "time": MONTHS}
    severity = xr.DataArray(np.array(sev, np.int8), dims=("area", "time"), coords=coords)
    numbers = xr.Dataset({"change": xr.DataArray(np.full((2, 2), 0.2), coords=coords)})
    return rules.Signal(rule, "1", severity, numbers)


def _explainer(tr: Transition) -> dict[str, Any]:
    return {"summary_fi": f"{tr.area}: {tr.rule} nousi", "text_fi": f"Selitys {tr.area}."}


def _setup(tmp_path: Path, channel: str, address: str, **sub: Any) -> AlertEngine:
    db = make_engine(f"sqlite:///{tmp_path / 'alerts.sqlite'}")
    with session_scope(db) as session:
        row = SubscriptionRow(recipient="johto", channel=channel, address=address, areas=[],
                              min_severity="warning", **sub)  # fmt: skip
        session.add(row)
    return AlertEngine(db)


def _evaluate(engine: AlertEngine) -> list[Transition]:
    """Two evaluate calls (as the live run: data months, then the current month), one notify."""
    seasonal = _signal("seasonal_rise", [[0, 3], [2, 2]])  # 491 critical in 10, 178 warning in 9
    rate = _signal("rate_threshold", [[0, 0], [2, 2]])  # 178 warning from 9 (2 of 2: fires in 10)
    trs = engine.evaluate([seasonal], MONTHS, explainer=_explainer, notify=False).transitions
    trs += engine.evaluate([rate], MONTHS, explainer=_explainer, notify=False).transitions
    return trs


def test_one_digest_per_evaluation_with_every_alert_by_email(tmp_path: Path, smtp_server) -> None:  # noqa: F811
    controller, handler = smtp_server
    engine = _setup(tmp_path, "email", "johto@example.fi", digest=True, immediate=False)
    engine.deliverer = Deliverer(engine.engine, smtp=SmtpConfig(host="127.0.0.1",
                                                                port=controller.port))  # fmt: skip
    trs = _evaluate(engine)
    assert sorted((t.area, t.rule, f"{t.month:%m}") for t in trs if t.to_state == "firing") == [
        ("178", "rate_threshold", "10"), ("178", "seasonal_rise", "09"),
        ("491", "seasonal_rise", "10"),
    ]  # fmt: skip
    assert engine.notify(trs) == 1  # three alerts over two months and two calls: one message
    assert engine.notify(trs) == 0  # the same evaluation again: nothing twice
    assert engine.deliverer.drain()["delivered"] == 1
    (mail,) = handler.messages
    subject = " ".join(str(make_header(decode_header(mail["Subject"]))).split())
    assert subject == "Ennakointi, hälytysten koonti 2023-09..2023-10: 3 uutta, 0 päättynyttä"
    body = mail.get_payload(decode=True).decode("utf-8")
    lines = [ln for ln in body.splitlines() if ln.startswith("[")]
    assert lines[0] == "[KRIITTINEN] 491: seasonal_rise nousi (2023-10)"  # most severe first
    assert lines[1:] == ["[VAROITUS] 178: rate_threshold nousi (2023-10)",
                         "[VAROITUS] 178: seasonal_rise nousi (2023-09)"]  # fmt: skip
    assert "Selitys 491." in body


def test_digest_and_immediate_by_webhook(tmp_path: Path) -> None:
    with Receiver() as rx:
        engine = _setup(tmp_path, "webhook", rx.url, digest=True, immediate=True)
        engine.deliverer = Deliverer(engine.engine, http=httpx.Client(timeout=5),
                                     allow_hosts=LOCAL)  # fmt: skip
        assert engine.notify(_evaluate(engine)) == 2  # the critical at once, plus the digest
        assert engine.deliverer.drain()["delivered"] == 2
    bodies = {key.split(":")[0]: body for key, body in rx.received}
    assert bodies["digest"]["facts"] == {"months": "2023-09..2023-10", "new": 3, "cleared": 0}
    assert "[KRIITTINEN]" in bodies["digest"]["text"]


def test_no_digest_for_a_subscriber_who_wants_none(tmp_path: Path) -> None:
    engine = _setup(tmp_path, "webhook", "https://hooks.example.com/x",
                         digest=False, immediate=False)  # fmt: skip
    assert engine.notify(_evaluate(engine)) == 0
    with session_scope(engine.engine) as session:
        assert session.scalars(select(DeliveryRow)).all() == []
