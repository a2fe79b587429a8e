"""One evaluation of the alert rules on the registers, as the monthly run and the CLI do it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import xarray as xr
from sqlalchemy.engine import Engine

from forecasting import geography, snapshot
from forecasting.alerts import rules
from forecasting.alerts.engine import AlertEngine, EvaluationReport, Explainer
from forecasting.alerts.events import EventRegister
from forecasting.alerts.explain import explain
from forecasting.alerts.impact import EventImpact, simulate_tiered
from forecasting.alerts.lifecycle import Transition
from forecasting.alerts.monitor import (
    annual_to_monthly,
    occupation_signals,
    register_signals,
    stale_signals,
    working_age_input,
)
from forecasting.alerts.rules import Signal
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
        db,
        smtp=smtp,
        max_attempts=cfg.delivery_max_attempts,
        backoff_s=cfg.delivery_backoff_s,
        allow_hosts=cfg.webhook_allow_hosts,
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


UNEMPLOYMENT_RULES = {"seasonal_rise", "rate_threshold", "structural_break"}


@dataclass(frozen=True)
class RuleInputs:
    """Inputs of the rules beyond the registers (any may be None: the rule is then skipped).

    ``working_age`` (area, time[, age_band]) annual; ``occupations`` the occupations cube;
    ``occupation_forecast`` the release's ``occupation_forecasts``; ``sources`` the datasets
    whose newest month ``stale_data`` checks, by name.
    """

    working_age: xr.DataArray | None = None
    occupations: xr.Dataset | None = None
    occupation_forecast: xr.Dataset | None = None
    sources: dict[str, xr.Dataset] | None = None


def release_inputs(
    registers: xr.Dataset, release_id: str | None = None, store_root: str | None = None
) -> RuleInputs:
    """The rules' inputs from a published release, falling back on the data snapshot.

    Working-age population: the release's ``labour_supply`` (else the official projection
    2019); occupation forecasts: the release's ``occupation_forecasts`` (else none, observed
    turns only); stale data: the registers and the occupations cube.
    """
    products: dict[str, xr.Dataset] = {}
    if release_id is not None:
        from forecasting.io.release_store import ReleaseStore

        release = ReleaseStore(store_root).open(release_id)
        for name in ("labour_supply", "occupation_forecasts"):
            if name in release.names():
                products[name] = release.dataset(name)
    occupations = snapshot.load("occupations")
    population = products.get("labour_supply")
    if population is None:
        population = snapshot.load("projection_2019")
    counts = ["unemployed", "labour_force", "vacancies"]
    return RuleInputs(
        working_age=working_age_input(population),
        occupations=occupations,
        occupation_forecast=products.get("occupation_forecasts"),
        sources={
            "registers": registers[[v for v in counts if v in registers]],
            "occupations": occupations[["unemployed", "vacancies"]],
        },
    )


def extra_signals(
    inputs: RuleInputs, months: list[pd.Timestamp], areas: list[str] | None, config: dict
) -> list[Signal]:
    """Signals of working-age decline and occupation shortage on the evaluated ``months``."""
    cfg = config["rules"]
    out: list[Signal] = []
    if inputs.working_age is not None:
        wa = inputs.working_age
        keep = [a for a in map(str, wa["area"].values) if areas is None or a in areas]
        keep = [a for a in keep if geography.level_of(a) == "municipality"]
        annual = rules.working_age_decline(wa.sel(area=keep), cfg["working_age_decline"])
        out.append(annual_to_monthly(annual, months))
    if inputs.occupations is not None:
        out += occupation_signals(
            inputs.occupations, cfg["occupation_shortage"], forecast=inputs.occupation_forecast
        )
    return out


def live_events(events: pd.DataFrame, months: list[pd.Timestamp], lookahead: int) -> pd.DataFrame:
    """Events live in some evaluated month (announced by the last, effect not long past)."""
    if not len(events):
        return events
    announced = pd.to_datetime(events["announced"])
    until = pd.to_datetime(events["effect_start"]) + pd.DateOffset(months=lookahead)
    return events[(announced <= max(months) + pd.offsets.MonthEnd(0)) & (until >= min(months))]


def evaluate_snapshot(
    db: Engine,
    *,
    since: str | None = None,
    area: str | None = None,
    deliver: bool = False,
    registers: xr.Dataset | None = None,
    rate_forecast: xr.Dataset | None = None,
    inputs: RuleInputs | None = None,
    release_id: str | None = None,
    store_root: str | None = None,
    today: dt.date | None = None,
    simulate: bool = True,
) -> RunSummary:
    """Evaluate the rules for the months from ``since`` (default: the latest month).

    Register rules, the event register (tiers with the simulated impact of each tiered event
    when ``simulate``), working-age decline and occupation shortage on those months; stale
    data at ``today`` (default: the current date), and the event tiers again at ``today``'s
    month when it is past the newest register month (an announcement is not held back until
    the registers catch up). ``inputs`` overrides what
    :func:`release_inputs` reads from the release ``release_id`` (or the snapshot). Months
    already evaluated are skipped by the life cycle, so running this again is harmless.
    """
    config = rules.load_config()
    registers = registers if registers is not None else snapshot.load("registers")
    areas = geography.members(area) if area else None
    months = _months(registers, since)
    inputs = inputs if inputs is not None else release_inputs(registers, release_id, store_root)
    now = pd.Timestamp(today or dt.date.today())
    now_month = now.to_period("M").to_timestamp()
    ecfg = config["rules"]["event_tier"]
    events = live_events(EventRegister(db).frame(), [*months, now_month], ecfg["lookahead_months"])
    impacts = (
        simulate_tiered(events, registers["labour_force"], ecfg) if simulate and len(events) else {}
    )
    signals = register_signals(
        registers, rate_forecast=rate_forecast, events=events, areas=areas, impacts=impacts
    )
    signals += extra_signals(inputs, months, areas, config)
    at_now = stale_signals(
        inputs.sources or {}, now, area or geography.COUNTRY, config["rules"]["stale_data"]
    )
    if len(events) and now_month > pd.Timestamp(registers["time"].values[-1]):
        at_now.append(events_now(events, registers, areas, now_month, ecfg, impacts))
    explainer = _explainer(registers["unemployed"], events, impacts)
    deliverer = deliverer_from_settings(db)
    engine = AlertEngine(db, deliverer=deliverer, config=config)
    report: EvaluationReport = engine.evaluate(signals, months, explainer=explainer)
    if at_now:
        later = engine.evaluate(at_now, [now_month], explainer=explainer)
        report.transitions += later.transitions
        report.enqueued += later.enqueued
    delivered = deliverer.drain() if deliver else {}
    return RunSummary(
        months=len(months),
        areas=len(areas or signals[0].severity["area"]),
        fired=sum(t.to_state == "firing" for t in report.transitions),
        cleared=sum(t.to_state == "resolved" for t in report.transitions),
        enqueued=report.enqueued,
        delivered=delivered,
    )


def events_now(
    events: pd.DataFrame,
    registers: xr.Dataset,
    areas: list[str] | None,
    now_month: pd.Timestamp,
    cfg: dict,
    impacts: dict[int, EventImpact],
) -> Signal:
    """``event_tier`` at today's month, past the last register month.

    An event announced after the newest register month is evaluated now, not when the
    registers catch up; it is sized against the last known labour force.
    """
    lf = registers["labour_force"]
    munis = areas or [
        a for a in map(str, lf["area"].values) if geography.level_of(a) == "municipality"
    ]
    times = pd.DatetimeIndex(lf["time"].values).append(pd.DatetimeIndex([now_month]))
    extended = lf.sel(area=munis).reindex(time=times, method="ffill")
    return rules.event_tier(events, extended, cfg, impacts)


def _explainer(
    unemployed: xr.DataArray, events: pd.DataFrame, impacts: dict[int, EventImpact]
) -> Explainer:
    simulated = {k: v.as_dict() for k, v in impacts.items()}

    def explainer(tr: Transition) -> dict[str, object]:
        series = None
        if tr.rule in UNEMPLOYMENT_RULES and tr.area in unemployed["area"]:
            series = unemployed.sel(area=tr.area).to_series()
        local = events if tr.rule == "event_tier" else None
        return explain(
            tr.rule,
            tr.area,
            pd.Timestamp(tr.month),
            tr.numbers,
            series=series,
            events=local,
            impacts=simulated,
        )

    return explainer
