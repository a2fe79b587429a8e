"""One evaluation of the alert rules on the registers, as the monthly run and the CLI do it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import xarray as xr
from sqlalchemy.engine import Engine

from forecasting import geography, snapshot
from forecasting.alerts.engine import AlertEngine, EvaluationReport
from forecasting.alerts.events import EventRegister
from forecasting.alerts.explain import explain
from forecasting.alerts.lifecycle import Transition
from forecasting.alerts.monitor import register_signals
from forecasting.errors import ValidationError
from forecasting.io.delivery import Deliverer, SmtpConfig
from forecasting.settings import get_settings


@dataclass(frozen=True)
class RunSummary:
    months: int
    areas: int
    fired: int
    cleared: int
    enqueued: int
    delivered: dict[str, int]

    def __str__(self) -> str:
        return (
            f"evaluated {self.months} months x {self.areas} areas: {self.fired} fired, "
            f"{self.cleared} cleared, {self.enqueued} deliveries queued, sent {self.delivered}"
        )


def deliverer_from_settings(db: Engine) -> Deliverer:
    """A :class:`Deliverer` configured from ``get_settings().alerts``."""
    cfg = get_settings().alerts
    smtp = SmtpConfig(
        host=cfg.smtp_host,
        port=cfg.smtp_port,
        starttls=cfg.smtp_starttls,
        user=cfg.smtp_user,
        password=cfg.smtp_password.get_secret_value() if cfg.smtp_password else None,
        mail_from=cfg.mail_from,
    )
    return Deliverer(
        db, smtp=smtp, max_attempts=cfg.delivery_max_attempts, backoff_s=cfg.delivery_backoff_s
    )


def _months(registers: xr.Dataset, since: str | None) -> list[pd.Timestamp]:
    times = pd.DatetimeIndex(registers["time"].values)
    if since is None:
        return [times[-1]]
    try:
        start = pd.Timestamp(f"{since}-01" if len(since) == 7 else since)
    except ValueError as exc:
        raise ValidationError("since", f"expected YYYY-MM, got {since!r}") from exc
    if start > times[-1] or start < times[0]:
        raise ValidationError("since", f"must be within {times[0]:%Y-%m}..{times[-1]:%Y-%m}")
    return list(times[times >= start])


def evaluate_snapshot(
    db: Engine,
    *,
    since: str | None = None,
    area: str | None = None,
    deliver: bool = False,
    registers: xr.Dataset | None = None,
    rate_forecast: xr.Dataset | None = None,
) -> RunSummary:
    """Evaluate the register rules for the months from ``since`` (default: the latest month).

    Months already evaluated are skipped by the life cycle, so running this again is harmless.
    """
    registers = registers if registers is not None else snapshot.load("registers")
    areas = geography.members(area) if area else None
    events = EventRegister(db).frame()
    months = _months(registers, since)
    signals = register_signals(registers, rate_forecast=rate_forecast, events=events, areas=areas)
    unemployed = registers["unemployed"]

    def explainer(tr: Transition) -> dict[str, object]:
        series = None
        if tr.area in unemployed["area"]:
            series = unemployed.sel(area=tr.area).to_series()
        return explain(
            tr.rule, tr.area, pd.Timestamp(tr.month), tr.numbers, series=series, events=events
        )

    deliverer = deliverer_from_settings(db)
    report: EvaluationReport = AlertEngine(db, deliverer=deliverer).evaluate(
        signals, months, explainer=explainer
    )
    delivered = deliverer.drain() if deliver else {}
    return RunSummary(
        months=len(months),
        areas=len(areas or signals[0].severity["area"]),
        fired=sum(t.to_state == "firing" for t in report.transitions),
        cleared=sum(t.to_state == "resolved" for t in report.transitions),
        enqueued=report.enqueued,
        delivered=delivered,
    )
