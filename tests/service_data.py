"""Data for the service tests: a small release published with the real release store.

``registers_history`` is the real register cube of the snapshot (Mikkeli region employment
area, its region and the country). The products whose modules are not finished yet are made
here in the documented dims and stamped as test fixtures (``source_tables`` say so); they exist
only in the temporary store of a test, never in a real release.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.io.release_store import ReleaseInfo, ReleaseStore
from forecasting.provenance import stamp

AREA = "TA23"
MUNICIPALITIES = tuple(geography.members(AREA))
AREAS = (*MUNICIPALITIES, AREA, "MK10", "SSS")
FIXTURE = "test fixture"
STATISTICS = ("mean", "lo80", "hi80", "lo95", "hi95")


def registers_history() -> xr.Dataset:
    """The real monthly registers (tyonv 12r5) of the release's areas."""
    from forecasting import snapshot

    cube = snapshot.load("registers")
    return cube.sel(area=[a for a in AREAS if a in cube.indexes["area"]])


def _bands(mean: np.ndarray, h: np.ndarray, rel: float) -> dict[str, np.ndarray]:
    sd = rel * mean * np.sqrt(h)
    return {
        "mean": mean,
        "lo80": np.maximum(mean - 1.2816 * sd, 0),
        "hi80": mean + 1.2816 * sd,
        "lo95": np.maximum(mean - 1.96 * sd, 0),
        "hi95": mean + 1.96 * sd,
    }


#: Months ahead of the latest observed month in a release
#: (``forecasting.release.products.REGISTER_HORIZON``: 2026-07 .. 2029-12).
REGISTER_HORIZON = 42
#: Special groups of the release's forecasts served here (a share of the unemployed at the
#: origin, as ``forecasting.register_groups``).
GROUPS = ("jobseekers", "long_term_unemployed")


def _seasonal_from_present(history: xr.Dataset, variable: str, time: pd.DatetimeIndex):
    """(area, time) seasonal naive: the last complete year (before the registers' gap) by
    calendar month, scaled to the level of the latest observed month (the origin)."""
    from forecasting.scenarios.baseline import history_end, latest_observed

    end, origin = history_end(history), latest_observed(history)
    year = history[variable].sel(time=slice(end - pd.DateOffset(months=11), end))
    by_month = {pd.Timestamp(t).month: year.sel(time=t).values for t in year["time"].values}
    now = history[variable].sel(time=origin).values
    # (x + 1) ratios: zero counts; a suppressed origin keeps the old level, a suppressed
    # month of the old year stays missing (the engine reads it as a small count)
    level = np.where(np.isnan(now), 1.0, (now + 1.0) / (by_month[origin.month] + 1.0))
    return np.stack([np.maximum((by_month[t.month] + 1.0) * level - 1.0, 0.0) for t in time], -1)


def register_forecasts(history: xr.Dataset, horizon: int = REGISTER_HORIZON) -> xr.Dataset:
    """The release's layout (``forecast_registers(registers, "latest", 42)``): from the
    month after the latest observation (2026-07), seasonal-naive means with widening bands
    for ``unemployed``, ``vacancies``, ``unemployment_rate`` and the special groups
    :data:`GROUPS` by (area, time, statistic), ``labour_force`` by (area, time).
    """
    from forecasting.scenarios.baseline import latest_observed

    last = latest_observed(history)
    time = pd.date_range(last + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
    h = np.arange(1, horizon + 1)[None, :]
    data: dict[str, Any] = {}
    for variable in ("unemployed", "vacancies"):
        mean = _seasonal_from_present(history, variable, time)
        bands = _bands(mean, h, 0.03)
        data[variable] = (("area", "time", "statistic"), np.stack(list(bands.values()), -1))
    force = history["labour_force"].sel(time=last).values[:, None]
    data["labour_force"] = (("area", "time"), np.repeat(force, horizon, axis=1))
    data["unemployment_rate"] = (
        ("area", "time", "statistic"),
        100 * data["unemployed"][1] / data["labour_force"][1][..., None],
    )
    for group in GROUPS:
        share = (history[group] / history["unemployed"]).sel(time=last).values
        data[group] = (("area", "time", "statistic"), data["unemployed"][1] * share[:, None, None])
    ds = xr.Dataset(
        data,
        coords={"area": history["area"].values, "time": time, "statistic": list(STATISTICS)},
        attrs={"origin": f"{last:%Y-%m}"},
    )
    return stamp(ds, source_tables=["tyonv 12r5", FIXTURE], retrieved="2026-11-27", seed=1)


def backtest_metrics() -> xr.Dataset:
    rng = np.random.default_rng(2)
    models = ["snaive", "ets", "combination"]
    shape = (len(AREAS), 2, len(models))
    ds = xr.Dataset(
        {
            "mase": (("area", "variable", "model"), rng.uniform(0.5, 1.2, shape)),
            "coverage80": (("area", "variable", "model"), rng.uniform(0.7, 0.9, shape)),
        },
        coords={"area": list(AREAS), "variable": ["unemployed", "vacancies"], "model": models},
    )
    return stamp(ds, source_tables=["tyonv 12r5", FIXTURE], retrieved="2026-11-27")


def population_projection() -> xr.Dataset:
    time = pd.date_range("2020-12-31", "2040-12-31", freq="YE")
    ages = np.arange(101)
    base = 400 * np.exp(-(((ages - 55) / 30.0) ** 2))[None, None, None, :]
    years = np.linspace(1.0, 0.9, len(time))[None, :, None, None]
    mean = np.broadcast_to(base * years, (len(AREAS), len(time), 3, len(ages))).copy()
    mean[:, :, 2, :] = mean[:, :, 0, :] + mean[:, :, 1, :]
    h = np.arange(1, len(time) + 1)[None, :, None, None]
    singles = np.stack(list(_bands(mean, h, 0.01).values()), axis=-1)
    # totals carry their own intervals
    totals = np.stack(list(_bands(mean.sum(axis=-1), h[..., 0], 0.005).values()), axis=-1)
    ds = xr.Dataset(
        {
            "population": (("area", "time", "sex", "age", "statistic"), singles),
            "population_total": (("area", "time", "sex", "statistic"), totals),
        },
        coords={
            "area": list(AREAS), "time": time, "sex": ["F", "M", "T"], "age": ages,
            "statistic": list(STATISTICS),
        },
    )  # fmt: skip
    return stamp(ds, source_tables=["vaerak 11re", FIXTURE], retrieved="2026-11-27", seed=3)


def population_variants() -> xr.Dataset:
    """The release's official-variant product from the real 2024 projection beside the
    fixture's own projection (which holds no MK10/SSS: ours is missing there)."""
    from forecasting.demography.variants import official_variant
    from forecasting.io.inputs import assemble

    official = assemble(["projection_2024"], use_cache=False)["projection_2024"]
    ds = official_variant(official, population_projection())
    return stamp(ds, source_tables=["vaenn 14wx", FIXTURE], retrieved="2026-11-27")


def labour_supply() -> xr.Dataset:
    time = pd.date_range("2020-12-31", "2040-12-31", freq="YE")
    shape = (len(AREAS), len(time), len(STATISTICS))
    spread = np.array([1.0, 0.98, 1.02, 0.97, 1.03])  # mean, lo80, hi80, lo95, hi95
    dims = ("area", "time", "statistic")  # as forecasting.demography.labour_supply writes it
    ds = xr.Dataset(
        {
            "working_age_15_64": (dims, np.full(shape, 40_000.0) * spread),
            "labour_force": (dims, np.full(shape, 30_000.0) * spread),
            "employed": (dims, np.full(shape, 27_000.0) * spread),
        },
        coords={"area": list(AREAS), "time": time, "statistic": list(STATISTICS)},
    )
    return stamp(ds, source_tables=["tyokay 115n", FIXTURE], retrieved="2026-11-27")


def jobs_by_industry() -> xr.Dataset:
    sections = [*"ABCDEFGHIJKLMNOPQRSTU", "X"]
    time = pd.date_range("2017-12-31", "2035-12-31", freq="YE")
    rng = np.random.default_rng(4)
    jobs = rng.uniform(10, 3000, (len(AREAS), len(sections), len(time)))
    jobs[:, -1, :] = np.nan  # unknown industry: suppressed, never zero
    dims = ("area", "industry", "time", "statistic")  # as forecasting.demand publishes it
    ds = xr.Dataset(
        {
            "jobs": (dims, np.stack([jobs, jobs * 0.9, jobs * 1.1], axis=-1)),
            "projected": (("time",), time.year > 2017),
        },
        coords={
            "area": list(AREAS),
            "industry": sections,
            "time": time,
            "statistic": ["mean", "lo80", "hi80"],
        },
        attrs={"units": "jobs by workplace (persons), 31 December"},
    )
    # the product's own method notes (fi, sv, en), as forecasting.demand stamps them
    from forecasting.demand import method_notes

    notes = method_notes("demography-2019.1")
    return stamp(ds, source_tables=["Paavo TP 2017", FIXTURE], retrieved="2026-11-27", extra=notes)


#: Net in-commuting share of jobs in 2017 of the fixture's commuting (0.05 in every area).
OBSERVED_SHARE = 0.05


def labour_balance(jobs: xr.Dataset | None = None, supply: xr.Dataset | None = None) -> xr.Dataset:
    """:func:`forecasting.demography.balance.balance` of the fixture's jobs (mean, total
    over industries) and labour force (mean) 2025-2035, against a 2017 commuting cube with
    net in-commuting of :data:`OBSERVED_SHARE` of jobs in every area, on the release's time
    axis with the attrs the release product sets."""
    from forecasting.demography.balance import balance, method_notes

    jobs = jobs_by_industry() if jobs is None else jobs
    supply = labour_supply() if supply is None else supply
    years = list(range(2025, 2036))
    total = jobs["jobs"].sel(statistic="mean", drop=True).sum("industry", min_count=1)
    force = supply["labour_force"].sel(statistic="mean", drop=True)
    total, force = (
        da.assign_coords(year=da["time"].dt.year).swap_dims(time="year").drop_vars("time")
        .sel(year=years)
        for da in (total, force)
    )  # fmt: skip
    base = total.isel(year=0).values
    commuting = xr.Dataset(
        {
            "jobs": (("area", "time"), base[:, None]),
            "employed_residents": (("area", "time"), base[:, None] * (1 - OBSERVED_SHARE)),
        },
        coords={"area": total["area"].values, "time": pd.to_datetime(["2017-12-31"])},
    )
    out = balance(commuting, total, force)
    out = out.assign(jobs=total, labour_force=force)[["jobs", "labour_force", *out.data_vars]]
    out = out.assign_coords(year=pd.to_datetime([f"{y}-12-31" for y in years])).rename(year="time")
    out.attrs["commuting_observed_year"] = 2017
    notes = method_notes(2017, out.attrs["min_unemployment"], out.attrs["max_departure"])
    return stamp(
        out,
        source_tables=["tyokay 115n", "tyokay 115p", FIXTURE],
        retrieved="2026-11-27",
        extra=notes,
    )


def training_needs() -> xr.Dataset:
    fields = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]
    levels = ["vocational", "applied_sciences", "university"]
    time = pd.date_range("2026-12-31", "2035-12-31", freq="YE")
    rng = np.random.default_rng(5)
    shape = (len(AREAS), len(fields), len(time), len(levels))
    expansion = rng.uniform(0, 40, shape)
    replacement = rng.uniform(20, 200, shape)
    supply = rng.uniform(0, 60, shape)
    need = np.maximum(expansion + replacement - supply, 0)
    dims = ("area", "field", "time", "level")  # as forecasting.training publishes it
    share = rng.uniform(0.7, 0.99, len(AREAS))
    ds = xr.Dataset(
        {
            "expansion": (dims, expansion),
            "replacement": (dims, replacement),
            "openings": (dims, expansion + replacement),
            "supply": (dims, supply),
            "need": ((*dims, "statistic"), np.stack([need, need * 0.8, need * 1.2], axis=-1)),
            "need_by_level": (
                ("area", "time", "level", "statistic"),
                np.stack([s := need.sum(axis=1), s * 0.9, s * 1.1], axis=-1),
            ),
            "need_total": (
                ("area", "time", "statistic"),
                np.stack([t := need.sum(axis=(1, 3)), t * 0.9, t * 1.1], axis=-1),
            ),
            "replacement_share": (("area",), share),
            "replacement_share_flag": (("area",), np.where(share > 0.95, "above anchors", "ok")),
        },
        coords={
            "area": list(AREAS),
            "field": fields,
            "level": levels,
            "time": time,
            "statistic": ["mean", "lo80", "hi80"],
        },
        attrs={"method_note": "Openings = expansion + replacement, by field, minus supply."},
    )
    return stamp(ds, source_tables=["tyokay 115p", FIXTURE], retrieved="2026-11-27", seed=5)


def occupation_forecasts(history_time: pd.Timestamp) -> xr.Dataset:
    """Published layout: counts by (area, occupation, time, statistic), tightness without."""
    occupations = ["2", "22", "3", "32", "5", "53", "7", "9"]
    time = pd.date_range(history_time + pd.offsets.MonthBegin(1), periods=12, freq="MS")
    rng = np.random.default_rng(6)
    h = np.arange(1, len(time) + 1)[None, None, :]
    shape = (1, len(occupations), len(time))
    means = {"unemployed": rng.uniform(50, 900, shape), "vacancies": rng.uniform(10, 400, shape)}
    dims = ("area", "occupation", "time", "statistic")
    data: dict[str, Any] = {
        v: (dims, np.stack(list(_bands(m, h, 0.05).values()), -1)) for v, m in means.items()
    }
    data["tightness"] = (("area", "occupation", "time"), means["vacancies"] / means["unemployed"])
    label = np.where(data["tightness"][1].mean(axis=-1) >= 1, "shortage", "balanced")
    data["tightness_label"] = (("area", "occupation"), label)
    coords = {
        "area": ["MK10"],
        "occupation": occupations,
        "time": time,
        "statistic": list(STATISTICS),
    }
    ds = xr.Dataset(data, coords=coords)
    level = f"{history_time:%Y-%m}"
    from forecasting.register_occupations import method_notes

    extra = {"shares_data_through": "2023-10", "level_data_through": level}
    extra.update(method_notes("2023-10", level))
    return stamp(ds, source_tables=["tyonv 12ti", FIXTURE], retrieved="2026-11-27", extra=extra)


def preset_scenarios() -> xr.Dataset:
    """Preset results as ``run_presets`` stacks them: the run layout along ``scenario``."""
    from types import SimpleNamespace

    presets = {
        "mantyharju_manufacturing_closure": ("closure", "507", "C", 300),
        "mikkeli_health_care_employer": ("recruitment", "491", "Q", 500),
    }
    runs = []
    for kind, muni, industry, jobs in presets.values():
        event = SimpleNamespace(
            kind=kind, municipality=muni, industry=industry, jobs=jobs, start="2024-01"
        )
        runs.append(
            stub_scenario_runner(
                SimpleNamespace(start=None, events=[event], horizon_months=24, seed=9)
            )
        )
    ds = xr.concat(runs, dim=pd.Index(list(presets), name="scenario"))
    # The specs as a release of 2026-12-07 on data to 2026-06 stores them (run_presets).
    from forecasting.scenarios.presets import library

    lib = library("2026-07", as_of="2026-12-07")
    specs = {name: lib[name].model_dump(mode="json") for name in presets}
    ds.attrs |= {"scenario_specs": json.dumps(specs), "presets_as_of": "2026-12-07"}
    return ds.transpose("scenario", "area", "industry", "time", "quantile")


def alert_signals(history: xr.Dataset) -> xr.Dataset:
    """The release's ``alerts`` product: severity (0..3, NaN = not covered) by area, time, rule."""
    rules = ["seasonal_rise", "structural_break", "rate_threshold"]
    rng = np.random.default_rng(8)
    areas = list(MUNICIPALITIES)
    shape = (len(areas), history.sizes["time"], len(rules))
    severity = rng.choice([0.0, 0.0, 0.0, 1.0, 2.0, 3.0], size=shape)
    severity[:, :36, 1] = np.nan  # the break rule needs three years of history
    ds = xr.Dataset(
        {"severity": (("area", "time", "rule"), severity)},
        coords={"area": areas, "time": history["time"].values, "rule": rules},
    )
    return stamp(ds, source_tables=["tyonv 12r5", FIXTURE], retrieved="2026-11-27")


def full_datasets() -> dict[str, xr.Dataset]:
    """Every product the service serves except alerts (which live in the alert store)."""
    history = registers_history()
    return {
        "registers_history": history,
        "register_forecasts": register_forecasts(history),
        "register_backtest_metrics": backtest_metrics(),
        "population_projection": population_projection(),
        "population_variants": population_variants(),
        "labour_supply": labour_supply(),
        "jobs_by_industry": jobs_by_industry(),
        "training_needs": training_needs(),
        "labour_balance": labour_balance(),
        "occupation_forecasts": occupation_forecasts(pd.Timestamp(history["time"].values[-1])),
        "scenarios": preset_scenarios(),
        "alerts": alert_signals(history),
    }


#: The input data dates a test release says it was built from.
DATA_THROUGH = {"registers": "2026-06", "population_totals": "2025"}


def publish(
    root: Path, datasets: dict[str, xr.Dataset] | None = None, **manifest: Any
) -> ReleaseInfo:
    """Publish ``datasets`` (default :func:`full_datasets`) as a release under ``root``."""
    body = {
        "data_version": "test",
        "code_version": "test",
        "seeds": {"root": 1},
        "metrics": {"register_forecasts": {"mase_h1_12": 0.81}},
        "data_through": DATA_THROUGH,
        **manifest,
    }
    return ReleaseStore(root).publish(datasets or full_datasets(), body)


def seed_alerts(database_url: str) -> list[int]:
    """Two alerts with explanations and history in a fresh alert store; returns their ids."""
    import datetime as dt

    from forecasting.io import alert_db

    engine = alert_db.make_engine(database_url)
    explanation = {
        "rule": "seasonal_rise",
        "area": "507",
        "month": "2023-09-01",
        "summary_fi": "Työttömien määrä nousi poikkeuksellisesti",
        "summary_en": "Unemployment rose unusually against its seasonal norm",
        "numbers": {"z": 3.4, "rise_persons": 85},
        "contributions": {"trend": 60.0, "seasonal": 5.0, "irregular": 20.0, "change": 85.0},
        "events": [
            {"employer": "Tehdas Oy", "kind": "dismissal", "jobs": 120, "announced": "2023-08-15"}
        ],
    }
    ids = []
    with alert_db.session_scope(engine) as session:
        for i, (area, severity, state) in enumerate(
            [("507", "critical", "firing"), ("491", "warning", "resolved")]
        ):
            row = alert_db.AlertRow(
                dedup_key=f"seasonal_rise:{area}",
                rule="seasonal_rise",
                rule_version="1",
                area=area,
                severity=severity,
                state=state,
                first_seen=dt.date(2023, 7 + i, 1),
                fired_at=dt.date(2023, 9, 1),
                last_evaluated=dt.date(2023, 10, 1),
                episode=1,
                title=f"seasonal_rise: {area}",
                explanation={**explanation, "area": area},
            )
            session.add(row)
            session.flush()
            session.add(
                alert_db.AlertHistoryRow(
                    alert_id=row.id,
                    at=dt.date(2023, 9, 1),
                    from_state="pending",
                    to_state="firing",
                    severity=severity,
                    detail={"episode": 1},
                )
            )
            ids.append(int(row.id))
    engine.dispose()
    return ids


def stub_scenario_runner(spec: Any, baseline: xr.Dataset | None = None) -> xr.Dataset:
    """Stands in for ``forecasting.scenarios.run_scenario`` in the service tests (same call:
    ``baseline`` carries a release's register forecasts; the stub does not use them).

    The engine's layout: quantiles over draws along ``quantile`` (0.05 .. 0.95) by area and
    month, ``employed`` also by industry, differences against the baseline; deterministic.
    """
    from forecasting.errors import ValidationError
    from forecasting.scenarios.baseline import BURN_IN

    start = spec.start or (spec.events[0].start if spec.events else "2026-07")
    if start < "2006":  # the engine refuses starts before its burn-in too, in its words
        raise ValidationError(
            "start",
            f"{start} is too early: the baseline needs {BURN_IN} observed months before the "
            "start, the first possible start is 2006-01",
            kind="start_too_early",
            values={"start": start, "burn": BURN_IN, "earliest": "2006-01"},
        )
    time = pd.date_range(f"{start}-01", periods=spec.horizon_months, freq="MS")
    areas = [*MUNICIPALITIES, AREA]
    quantiles = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    z = np.array([-1.645, -0.674, 0.0, 0.674, 1.645])
    h = np.arange(1, len(time) + 1)
    delta = np.zeros((len(areas), len(time)))
    for event in spec.events:
        if event.municipality in MUNICIPALITIES:
            delta[MUNICIPALITIES.index(event.municipality)] += event.jobs * np.exp(-h / 18.0)
    delta[-1] = delta[:-1].sum(axis=0)
    spread = 0.02 * np.sqrt(h)[None, :, None] * z[None, None, :]
    base = np.full((len(areas), len(time)), 1000.0)
    base[-1] = 1000.0 * len(MUNICIPALITIES)
    unemployed = (base + delta)[..., None] * (1 + spread)
    industries = [*"ABCDEFGHIJKLMNOPQRSTU", "X"]
    employed = np.full((len(areas), len(industries), len(time), len(quantiles)), 100.0)
    ds = xr.Dataset(
        {
            "unemployed": (("area", "time", "quantile"), unemployed),
            "unemployed_vs_baseline": (
                ("area", "time", "quantile"),
                delta[..., None] * (1 + spread),
            ),
            "employed": (("area", "industry", "time", "quantile"), employed),
            "direct_jobs_change": (
                ("time",),
                np.where(h == 1, -sum(e.jobs for e in spec.events), 0.0),
            ),
        },
        coords={"area": areas, "industry": industries, "time": time, "quantile": quantiles},
    )
    return stamp(ds, source_tables=["tyonv 12r5", FIXTURE], retrieved="2026-11-27", seed=spec.seed)


def annotating_runner(cubes: Any) -> Any:
    """:func:`stub_scenario_runner` with the engine runner's training-need change
    (:func:`forecasting.training_scenario.annotate` on ``cubes``, from the spec's events), as
    :class:`service.scenarios.EngineRunner` adds it."""
    from forecasting import training_scenario

    def runner(spec: Any, baseline: xr.Dataset | None = None) -> xr.Dataset:
        result = stub_scenario_runner(spec, baseline=baseline)
        return training_scenario.annotate(result, cubes, spec.area, spec.events)

    return runner


#: Raw test keys -> scopes. Only their SHA-256 goes into the settings.
KEYS = {
    "key-all": "events:write,scenarios:run,alerts:subscribe,alerts:ack",
    "key-events": "events:write",
    "key-ack": "alerts:ack",
    "key-subscribe": "alerts:subscribe",
    "key-deliveries": "alerts:deliveries",
}


def make_settings(store: Path, database_url: str, **service: Any) -> Any:
    """Settings for a test app: the given store and alert database, the test keys.

    Scenario runs stay in the test process (``scenario_processes=0``) unless asked otherwise;
    worker processes warm no baseline runs and keep them in memory only (no files).
    """
    from forecasting.settings import AlertSettings, ReleaseSettings, ServiceSettings, Settings
    from service.security import hash_key

    keys = [f"{raw}:{hash_key(raw)}:{scopes}" for raw, scopes in KEYS.items()]
    defaults: dict[str, Any] = {
        "scenario_processes": 0,
        "scenario_warm_months": [],
        "scenario_baseline_dir": None,
    }
    return Settings(
        release=ReleaseSettings(store_dir=store),
        alerts=AlertSettings(database_url=database_url),
        service=ServiceSettings(api_keys=keys, **(defaults | service)),
    )


#: A valid event for the API (POST /v1/events): a 300-job closure in Mäntyharju.
EVENT = {
    "employer": "Konepaja Oy",
    "municipality": "507",
    "industry": "C",
    "kind": "closure",
    "jobs": 300,
    "announced": "2024-02-01",
    "effect_start": "2024-06-01",
    "source": "https://example.invalid/news/1",
}


#: Every page of the dashboard, with the query strings that make it show its content.
DASHBOARD_PAGES = (
    "/",
    "/forecasts?area=507",
    "/alerts",
    "/scenarios?run=1&municipality=507&industry=C&jobs=300&start=2027-03",
    "/training?year=2030",
    "/population",
    "/labour",
    "/jobs",
    "/occupations",
    "/groups",
    "/map",
)
