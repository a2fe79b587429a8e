"""Alert rules, the life cycle, the engine and the event register."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select

from forecasting import geography
from forecasting.alerts import rules
from forecasting.alerts.engine import AlertEngine
from forecasting.alerts.events import EventIn, EventRegister, first_error
from forecasting.alerts.lifecycle import AlertState, step
from forecasting.alerts.monitor import naive_rate_forecast, register_signals
from forecasting.errors import DataError
from forecasting.io.alert_db import (
    AlertHistoryRow,
    DeliveryRow,
    SubscriptionRow,
    make_engine,
    session_scope,
)

CFG = rules.load_config()["rules"]
MONTHS = pd.date_range("2006-01-01", periods=180, freq="MS")


def synthetic(break_at: int | None, *, seed: int = 0, shift: float = 0.4) -> xr.DataArray:
    """Monthly counts: level 400, seasonal +-15 %, mild trend, 3 % noise; optional level shift."""
    rng = np.random.default_rng(seed)
    t = np.arange(MONTHS.size)
    level = 400 * (1 + 0.001 * t) * (1 + 0.15 * np.sin(2 * np.pi * t / 12))
    if break_at is not None:
        level = level * np.where(t >= break_at, 1 + shift, 1.0)
    values = level * np.exp(rng.normal(0, 0.03, t.size))
    return xr.DataArray(
        values[None, :], dims=("area", "time"), coords={"area": ["491"], "time": MONTHS}
    )


@pytest.fixture
def db(tmp_path: Path) -> Any:
    return make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")


# -- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_break_rule_fires_on_a_known_break_and_not_without(seed: int) -> None:
    with_break = rules.structural_break(synthetic(120, seed=seed), CFG["structural_break"])
    without = rules.structural_break(synthetic(None, seed=seed), CFG["structural_break"])
    fired = with_break.severity.sel(area="491").values
    assert fired[120:150].max() >= rules.WARNING
    assert fired[:120].max() == rules.NORMAL  # nothing before the break happens
    assert without.severity.values.max() == rules.NORMAL


def test_seasonal_rise_sees_a_surge_but_not_the_season() -> None:
    calm = rules.seasonal_rise(synthetic(None), CFG["seasonal_rise"])
    assert calm.severity.values.max() == rules.NORMAL
    surge = rules.seasonal_rise(synthetic(150, shift=0.8), CFG["seasonal_rise"])
    assert surge.severity.sel(area="491").values[150] >= rules.WARNING


def test_exceedance_probability_reference_values() -> None:
    one = xr.DataArray([0.10])
    p_half = rules.exceedance_probability(one, one * 0.9, one / 0.9, 0.10)
    np.testing.assert_allclose(p_half.values, 0.5)
    # mean at the upper 80 % bound's mirror: P(X > hi80) = 0.10 by construction
    p_tail = rules.exceedance_probability(one, one * 0.9, one / 0.9, 0.10 / 0.9)
    np.testing.assert_allclose(p_tail.values, 0.10, rtol=1e-6)


def _naive(regs: xr.Dataset) -> xr.Dataset:
    """The causal naive rate forecast (a replay of history passes it explicitly)."""
    return naive_rate_forecast(regs["unemployed"] / regs["labour_force"])


def test_naive_rate_forecast_is_causal() -> None:
    rate = synthetic(None) / 4000
    full = naive_rate_forecast(rate)
    cut = naive_rate_forecast(rate.isel(time=slice(0, 100)))
    xr.testing.assert_allclose(full.isel(time=99), cut.isel(time=99))


def test_naive_rate_forecast_has_the_contract_layout() -> None:
    from forecasting.contract import STATISTICS, check_uncertainty

    fc = naive_rate_forecast(synthetic(None) / 4000)
    assert fc["rate"].dims == ("area", "time", "step", "statistic")
    assert list(fc["statistic"].values) == list(STATISTICS)
    check_uncertainty(fc, name="naive")
    ok = fc["rate"].isel(time=-1).dropna("step", how="any")
    assert ok.sizes["step"] > 0
    assert (ok.sel(statistic="lo95") <= ok.sel(statistic="lo80")).all()
    assert (ok.sel(statistic="lo80") <= ok.sel(statistic="mean")).all()
    assert (ok.sel(statistic="hi80") <= ok.sel(statistic="hi95")).all()


def _register_forecasts(areas: list[str], origin: str, unemployed: np.ndarray) -> xr.Dataset:
    """A release-shaped ``register_forecasts``: unemployed (area, time, statistic) with
    +-10 % / 20 % bands; the labour force a point forecast (area, time), as
    :func:`forecasting.registers.forecast_registers` gives it."""
    from forecasting.contract import STATISTICS

    months = pd.date_range(pd.Timestamp(origin) + pd.DateOffset(months=1), periods=len(unemployed),
                           freq="MS")  # fmt: skip
    scale = np.array([1.0, 0.9, 1.1, 0.8, 1.2])
    u = np.broadcast_to(unemployed[None, :, None] * scale, (len(areas), len(months), 5))
    return xr.Dataset(
        {
            "unemployed": (("area", "time", "statistic"), u.copy()),
            "labour_force": (("area", "time"), np.full(u.shape[:2], 4000.0)),
        },
        coords={"area": areas, "time": months, "statistic": list(STATISTICS)},
    )


def test_rate_rule_reads_the_given_register_forecasts() -> None:
    """A register forecast with a spike (unemployed 600 of 4,000 = 15 %, over the 12 %
    threshold) fires the rule at the origin; the same forecast without the spike (8 %) does
    not, whatever the observed history says."""
    from forecasting.alerts.monitor import rate_forecast_from_registers

    flat = np.full(12, 320.0)  # 8 %
    spike = flat.copy()
    spike[5] = 600.0
    cfg = CFG["rate_threshold"] | {"threshold": 0.12}
    quiet = rules.rate_threshold(
        rate_forecast_from_registers(_register_forecasts(["491"], "2023-10", flat), "2023-10"), cfg
    )
    loud = rules.rate_threshold(
        rate_forecast_from_registers(_register_forecasts(["491"], "2023-10", spike), "2023-10"), cfg
    )
    assert int(quiet.severity.sel(area="491").item()) == rules.NORMAL
    assert int(loud.severity.sel(area="491").item()) == rules.CRITICAL
    assert float(loud.numbers["peak"].sel(area="491").item()) == pytest.approx(0.15)
    assert pd.Timestamp(loud.severity["time"].values[0]) == pd.Timestamp("2023-10-01")


def test_register_signals_refuse_to_run_without_the_release_forecasts() -> None:
    from forecasting.alerts.monitor import rate_forecast_from_registers

    series = synthetic(None)
    regs = xr.Dataset({"unemployed": series, "labour_force": series * 0 + 4000.0})
    with pytest.raises(DataError, match="register_forecasts"):
        register_signals(regs, rate_forecast=None, areas=["491"])  # type: ignore[arg-type]
    with pytest.raises(DataError, match="register_forecasts"):
        rate_forecast_from_registers(None, "2023-10")
    legacy = xr.Dataset({"unemployed": series, "labour_force": series * 0 + 4000.0})
    with pytest.raises(DataError, match="register_forecasts"):
        rate_forecast_from_registers(legacy, "2023-10")


def test_event_tiers_relative_to_labour_force() -> None:
    lf = xr.DataArray(
        np.full((2, 24), 10_000.0),
        dims=("area", "time"),
        coords={"area": ["507", "491"], "time": MONTHS[:24]},
    )
    events = pd.DataFrame(
        [
            {
                "municipality": "507",
                "kind": "closure",
                "jobs": 350,
                "employer": "X",
                "announced": dt.date(2006, 3, 10),
                "effect_start": dt.date(2006, 6, 1),
            },
            {
                "municipality": "491",
                "kind": "dismissal",
                "jobs": 40,
                "employer": "Y",
                "announced": dt.date(2006, 3, 10),
                "effect_start": dt.date(2006, 6, 1),
            },
        ]
    )
    sig = rules.event_tier(events, lf, CFG["event_tier"])
    assert sig.severity.sel(area="507", time="2006-03-01") == rules.CRITICAL  # 3.5 %
    assert sig.severity.sel(area="491", time="2006-03-01") == rules.INFO  # 0.4 %
    assert sig.severity.sel(area="507", time="2006-02-01") == rules.NORMAL  # not announced yet


# -- life cycle ----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 3), min_size=1, max_size=40),
    st.integers(1, 3),
    st.integers(0, 2),
    st.integers(1, 4),
)
def test_lifecycle_fires_after_k_of_n_and_clears_after_m(
    sev: list[int], k: int, extra: int, m: int
) -> None:
    n = k + extra
    alert = AlertState(key="r:491", rule="r", version="1", area="491")
    fired, history = [], []
    for i, s in enumerate(sev):
        tr = step(alert, dt.date(2000 + i, 1, 1), s, {}, for_k=k, of_n=n, clear_m=m)
        history.append(int(s > 0))
        if tr is not None:
            fired.append((i, tr.to_state))
            if tr.to_state == "firing":
                assert sum(history[-n:]) >= k and s > 0
            else:
                assert history[-m:] == [0] * m
    states = [s for _, s in fired]
    assert all(a != b for a, b in itertools.pairwise(states))  # alternates, no repeats
    # idempotent: stepping any month already seen changes nothing
    assert step(alert, dt.date(2000, 1, 1), 3, {}, for_k=k, of_n=n, clear_m=m) is None


# -- engine and database --------------------------------------------------------------------


def test_engine_persists_history_and_a_rerun_sends_nothing_new(db: Any) -> None:
    with session_scope(db) as session:
        session.add(
            SubscriptionRow(
                recipient="dir",
                channel="webhook",
                address="http://x/",
                areas=["TA23"],
                min_severity="warning",
            )
        )
    series = synthetic(120, shift=0.9)
    regs = xr.Dataset({"unemployed": series, "labour_force": series * 0 + 4000.0})
    signals = register_signals(regs, rate_forecast=_naive(regs), areas=["491"])
    engine = AlertEngine(db)
    first = engine.evaluate(signals, list(MONTHS))
    assert first.episodes_by_rule().get("seasonal_rise", 0) >= 1
    assert first.enqueued >= 1
    second = engine.evaluate(signals, list(MONTHS))
    assert second.transitions == [] and second.enqueued == 0
    with session_scope(db) as session:
        n_hist = session.scalar(select(func.count()).select_from(AlertHistoryRow))
        n_deliv = session.scalar(select(func.count()).select_from(DeliveryRow))
    assert n_hist == len(first.transitions)
    assert n_deliv == first.enqueued


# -- event register -------------------------------------------------------------------------

GOOD = {
    "employer": "Sahayhtiö Oy",
    "municipality": "588",
    "industry": "c",
    "kind": "closure",
    "jobs": 300,
    "announced": "2025-02-03",
    "effect_start": "2025-05-01",
    "source": "muutosneuvottelut ilmoitus",
}


def test_event_harmonises_merged_municipality_and_section() -> None:
    ev = EventIn.model_validate(GOOD)
    assert ev.municipality == "507" and ev.industry == "C"


@pytest.mark.parametrize(
    "field,value",
    [
        ("municipality", "999"),
        ("municipality", "TA23"),
        ("industry", "Z"),
        ("jobs", -5),
        ("kind", "merger"),
        ("effect_end", "2020-01-01"),
    ],
)
def test_bad_events_are_refused_with_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field if field != "effect_end" else "effect_end"):
        EventIn.model_validate({**GOOD, field: value})


@given(
    start=st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
    end=st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)),
)
@settings(max_examples=60)
def test_an_effect_that_ends_before_it_starts_is_refused_on_effect_end(
    start: dt.date, end: dt.date
) -> None:
    """Refused exactly when the end is before the start, and on the field ``effect_end``
    (it was refused on the whole event, with no field)."""
    fields = {**GOOD, "effect_start": start.isoformat(), "effect_end": end.isoformat()}
    if end >= start:
        assert EventIn.model_validate(fields).effect_end == end
        return
    with pytest.raises(ValidationError) as info:
        EventIn.model_validate(fields)
    (error,) = info.value.errors()
    assert error["loc"] == ("effect_end",)
    assert error["msg"] == "Value error, effect_end is before effect_start"
    assert first_error(info.value) == "effect_end: Value error, effect_end is before effect_start"


def test_an_effect_start_out_of_range_is_the_only_refusal_of_the_dates() -> None:
    """With no valid start to compare with, the end is not refused too."""
    fields = {**GOOD, "effect_start": "9999-12-31", "effect_end": "2025-01-01"}
    with pytest.raises(ValidationError) as info:
        EventIn.model_validate(fields)
    assert [e["loc"] for e in info.value.errors()] == [("effect_start",)]


def test_an_effect_start_long_before_the_announcement_is_refused_on_effect_start() -> None:
    with pytest.raises(ValidationError) as info:
        EventIn.model_validate({**GOOD, "effect_start": "2024-01-31"})
    (error,) = info.value.errors()
    assert error["loc"] == ("effect_start",)
    assert "more than a year before the announcement" in error["msg"]
    assert EventIn.model_validate({**GOOD, "effect_start": "2024-02-03"}).effect_start


def test_csv_import_is_all_or_nothing(db: Any, tmp_path: Path) -> None:
    header = ",".join(GOOD)
    good = ",".join(str(v) for v in GOOD.values())
    bad = good.replace("300", "-1")
    path = tmp_path / "events.csv"
    path.write_text(f"{header}\n{good}\n{bad}\n", encoding="utf-8")
    register = EventRegister(db)
    with pytest.raises(DataError, match="row 3"):
        register.import_csv(path)
    assert register.frame().empty
    path.write_text(f"{header}\n{good}\n", encoding="utf-8")
    first = register.import_csv(path)
    assert [o for _, o in first] == ["new"]
    again = register.import_csv(path)  # idempotent: the same id, nothing changed
    assert [i for i, _ in again] == [i for i, _ in first] and [o for _, o in again] == ["unchanged"]
    assert list(register.frame(area="TA23")["municipality"]) == ["507"]


# -- repository ------------------------------------------------------------------------------


def test_repository_lists_filters_acknowledges_and_subscribes(db: Any) -> None:
    from forecasting.alerts.repository import AlertNotFoundError, AlertRepository, SubscriptionIn

    series = synthetic(120, shift=0.9)
    regs = xr.Dataset({"unemployed": series, "labour_force": series * 0 + 4000.0})
    AlertEngine(db).evaluate(
        register_signals(regs, rate_forecast=_naive(regs), areas=["491"]),
        list(MONTHS),
        explainer=lambda t: {"rule": t.rule, "numbers": t.numbers},
    )
    repo = AlertRepository(db)
    total, rows = repo.alerts(areas=geography.members("TA23"))
    assert total >= 1 and {r["area"] for r in rows} == {"491"}
    assert repo.alerts(areas=geography.members("TA01"))[0] == 0
    _, critical = repo.alerts(min_severity="critical")
    assert all(r["severity"] == "critical" for r in critical)
    one = repo.get(rows[0]["id"])
    assert one["history"] and one["explanation"]["rule"] == one["rule"]
    acked = repo.acknowledge(one["id"], "johtaja", "seen")
    assert acked["acknowledged_by"] == "johtaja"
    assert acked["history"][-1]["detail"] == {"acknowledged_by": "johtaja", "note": "seen"}
    again = repo.acknowledge(one["id"], "someone else")
    assert again["acknowledged_by"] == "johtaja"  # the first acknowledger stays
    assert len(again["history"]) == len(acked["history"]) + 1
    with pytest.raises(AlertNotFoundError):
        repo.get(10_000)
    sub = SubscriptionIn(
        recipient="r", channel="slack", address="https://hooks.example/x", areas=["ta23"]
    )
    assert sub.areas == ["TA23"]
    created, first = repo.subscribe(sub.model_dump())
    created_again, second = repo.subscribe({**sub.model_dump(), "min_severity": "critical"})
    assert created and not created_again and first["id"] == second["id"]
    assert second["min_severity"] == "critical"  # the same subscription, updated
    with pytest.raises(ValueError, match="URL"):
        SubscriptionIn(recipient="r", channel="teams", address="not a url")
    with pytest.raises(ValueError, match="unknown area"):
        SubscriptionIn(recipient="r", channel="email", address="a@b.fi", areas=["XX1"])


def test_staffing_assumptions_agree_with_the_scenario_engine() -> None:
    from forecasting.scenarios import staffing
    from forecasting.scenarios.spec import Staffing

    cfg = CFG["clients_per_expert"]
    default = Staffing()
    # one staffing table for both: the alert has no copy of its own, and no 1.45 multiplier
    assert "client_facing_experts" not in cfg and "client_share_of_unemployed" not in cfg
    assert staffing.client_facing_experts("TA23") == default.experts_for("TA23") == 50.0
    assert default.experts_for("TA01") is None  # no figure: not TA23's borrowed
    assert (cfg["min_clients"], cfg["max_clients"]) == (default.target_low, default.target_high)


def test_regions_are_evaluated_beside_municipalities_and_employment_areas() -> None:
    """Without an explicit list every level is watched: a surge in the region's own series
    (MK10) fires there; the country (SSS) is not a leadership level here."""
    surge = synthetic(120, shift=0.9)
    calm = synthetic(None, seed=3)
    series = xr.concat(
        [calm.assign_coords(area=[a]) for a in ("491", "TA23", "SSS")]
        + [surge.assign_coords(area=["MK10"])],
        dim="area",
    )
    regs = xr.Dataset({"unemployed": series, "labour_force": series * 0 + 4000.0})
    signals = register_signals(regs, rate_forecast=_naive(regs))
    (seasonal,) = [s.severity for s in signals if s.rule == "seasonal_rise"]
    assert {"491", "TA23", "MK10"} <= {str(a) for a in seasonal["area"].values}
    assert "SSS" not in {str(a) for a in seasonal["area"].values}
    assert (seasonal.sel(area="MK10") > 0).any()
    assert not (seasonal.sel(area="491") > 0).any()
