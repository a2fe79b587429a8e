"""One evaluation of the alert rules on the registers, as the monthly run and the CLI do it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import xarray as xr
from sqlalchemy.engine import Engine

from forecasting import geography
from forecasting.alerts import rules
from forecasting.alerts.engine import AlertEngine, EvaluationReport, Explainer
from forecasting.alerts.events import EventRegister
from forecasting.alerts.explain import explain
from forecasting.alerts.impact import EventImpact, simulate_tiered
from forecasting.alerts.lifecycle import Transition, subject_of
from forecasting.alerts.monitor import (
    annual_to_monthly,
    occupation_signals,
    rate_forecast_from_registers,
    register_signals,
    stale_signals,
    stale_sources,
    working_age_input,
)
from forecasting.alerts.registry import registered
from forecasting.alerts.rules import Signal
from forecasting.errors import DataError, ValidationError
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


#: Cubes an evaluation reads (``registers`` always; the others for the extra rules).
ALERT_CUBES = ("registers", "occupations", "projection_2019")
#: Release products an evaluation reads.
ALERT_PRODUCTS = ("register_forecasts", "labour_supply", "occupation_forecasts")


def release_products(
    release_id: str, store_root: str | None = None, names: tuple[str, ...] = ALERT_PRODUCTS
) -> dict[str, xr.Dataset]:
    """The products of the published release ``release_id`` the rules read (those present)."""
    from forecasting.io.release_store import ReleaseStore

    release = ReleaseStore(store_root).open(release_id)
    return {name: release.dataset(name) for name in names if name in release.names()}


def release_inputs(
    cubes: Mapping[str, xr.Dataset], products: Mapping[str, xr.Dataset] | None = None
) -> RuleInputs:
    """The rules' inputs beyond the registers, from the input cubes and a release's products.

    Working-age population: the release's ``labour_supply`` (else the official projection
    ``cubes["projection_2019"]``); occupation forecasts: the release's
    ``occupation_forecasts`` (else none, observed turns only); stale data: the registers and
    the occupations cube. A cube missing from ``cubes`` skips its rule.
    """
    products = products or {}
    registers = cubes["registers"]
    occupations = cubes.get("occupations")
    population = products.get("labour_supply")
    if population is None:
        population = cubes.get("projection_2019")
    return RuleInputs(
        working_age=working_age_input(population) if population is not None else None,
        occupations=occupations,
        occupation_forecast=products.get("occupation_forecasts"),
        sources=stale_sources(registers, occupations),
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
    cubes: Mapping[str, xr.Dataset],
    *,
    since: str | None = None,
    area: str | None = None,
    deliver: bool = False,
    register_forecasts: xr.Dataset | None = None,
    rate_forecast: xr.Dataset | None = None,
    inputs: RuleInputs | None = None,
    products: Mapping[str, xr.Dataset] | None = None,
    today: dt.date | None = None,
    simulate: bool = True,
    runner: Any = None,
) -> RunSummary:
    """Evaluate the rules for the months from ``since`` (default: the latest month).

    Register rules, the event register (tiers with the simulated impact of each tiered event
    when ``simulate``), working-age decline and occupation shortage on those months; stale
    data at ``today`` (default: the current date), and the event tiers again at ``today``'s
    month when it is past the newest register month (an announcement is not held back until
    the registers catch up). Months already evaluated are skipped by the life cycle, so
    running this again is harmless.

    Parameters
    ----------
    cubes
        Input cubes by name (:data:`ALERT_CUBES`; with ``simulate`` also the scenario
        engine's :data:`forecasting.scenarios.calibration.STRUCTURE_CUBES`), e.g. an
        :class:`forecasting.io.inputs.Inputs`.
    register_forecasts
        The release's ``register_forecasts`` (``unemployed``, ``labour_force`` by statistic),
        for ``rate_threshold``; else taken from ``products``. Without it (and without an
        explicit ``rate_forecast``) a :class:`DataError`: the rule has no naive fallback.
    rate_forecast
        A ready ``rate`` (area, time, step, statistic) forecast instead (a replay of history).
    inputs, products
        ``inputs`` overrides what :func:`release_inputs` builds from ``cubes`` and the
        release ``products`` (:func:`release_products`).
    runner
        The scenario runner of the event impacts (default :func:`scenario_runner` on
        ``cubes``).
    """
    config = rules.load_config()
    registers = cubes["registers"]
    areas = geography.members(area) if area else None
    months = _months(registers, since)
    products = dict(products or {})
    if register_forecasts is None:
        register_forecasts = products.get("register_forecasts")
    if rate_forecast is None:
        if register_forecasts is None:
            raise DataError(
                "the alert run needs the release's register_forecasts for the rate_threshold "
                "rule (pass register_forecasts or the release's products)",
                source="register_forecasts",
            )
        rate_forecast = rate_forecast_from_registers(
            register_forecasts, pd.Timestamp(registers["time"].values[-1])
        )
    inputs = inputs if inputs is not None else release_inputs(cubes, products)
    now = pd.Timestamp(today or dt.date.today())
    now_month = now.to_period("M").to_timestamp()
    ecfg = config["rules"]["event_tier"]
    events = live_events(EventRegister(db).frame(), [*months, now_month], ecfg["lookahead_months"])
    impacts = (
        simulate_tiered(
            events, registers["labour_force"], ecfg, runner=runner or scenario_runner(cubes)
        )
        if simulate and len(events)
        else {}
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
    explainer = _explainer(registers, events, impacts)
    deliverer = deliverer_from_settings(db)
    engine = AlertEngine(db, deliverer=deliverer, config=config)
    report: EvaluationReport = engine.evaluate(signals, months, explainer=explainer, notify=False)
    if at_now:
        later = engine.evaluate(at_now, [now_month], explainer=explainer, notify=False)
        report.transitions += later.transitions
    # one digest per subscriber for the whole evaluation (data months and the current month)
    report.enqueued = engine.notify(report.transitions)
    # the first attempt now; retries wait for real in the scheduled drain (flows/deliveries.py)
    delivered = deliverer.process_due() if deliver else {}
    return RunSummary(
        months=len(months),
        areas=len(areas or signals[0].severity["area"]),
        fired=sum(t.to_state == "firing" for t in report.transitions),
        cleared=sum(t.to_state == "resolved" for t in report.transitions),
        enqueued=report.enqueued,
        delivered=delivered,
    )


def scenario_runner(cubes: Mapping[str, xr.Dataset]) -> Callable[..., xr.Dataset]:
    """The scenario engine on ``cubes`` (each area calibrated once, kept by this runner)."""
    from forecasting.scenarios import run_scenario
    from forecasting.scenarios.baseline import Calibration, calibrate

    calibrations: dict[str, Calibration] = {}

    def run(spec: dict[str, Any], **kwargs: Any) -> xr.Dataset:
        area = str(spec.get("area", geography.MIKKELI_AREA))
        if area not in calibrations:
            calibrations[area] = calibrate(cubes, area)
        return run_scenario(spec, calibration=calibrations[area], **kwargs)

    return run


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
    registers: xr.Dataset, events: pd.DataFrame, impacts: dict[int, EventImpact]
) -> Explainer:
    simulated = {k: v.as_dict() for k, v in impacts.items()}
    known = registered()

    def explainer(tr: Transition) -> dict[str, object]:
        series = None
        name = known[tr.rule].series if tr.rule in known else None
        if name in registers and tr.area in registers["area"]:
            series = registers[name].sel(area=tr.area).to_series()
        local = events if tr.rule == "event_tier" else None
        return explain(
            tr.rule,
            tr.area,
            pd.Timestamp(tr.month),
            tr.numbers,
            series=series,
            events=local,
            impacts=simulated,
            subject=subject_of(tr.key),
        )

    return explainer
