"""The rules wired into the monthly run: working-age decline, occupation shortage, stale data,
and the event tiers with their simulated impact from the scenario engine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from sqlalchemy import select

from forecasting.alerts import rules
from forecasting.alerts.events import EventIn, EventRegister
from forecasting.alerts.impact import EventImpact, scenario_spec, simulate_event
from forecasting.alerts.monitor import (
    annual_to_monthly,
    occupation_signals,
    stale_signals,
    working_age_input,
)
from forecasting.alerts.run import RuleInputs, evaluate_snapshot, scenario_runner
from forecasting.contract import STATISTICS
from forecasting.io.alert_db import AlertRow, make_engine, session_scope

CFG = rules.load_config()["rules"]
YEARS = pd.date_range("2019-12-31", periods=12, freq="YE")
MONTHS = pd.date_range("2018-01-01", "2023-10-01", freq="MS")


@pytest.fixture
def db(tmp_path: Path) -> Any:
    return make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")


@pytest.fixture(scope="module")
def runner(cubes: Any) -> Any:
    """The scenario engine on the real cubes, shared by this module's simulations: it keeps
    each area's calibration (seconds apiece) as the monthly run's runner does, so the
    simulating tests calibrate Mikkeli once, not once each."""
    return scenario_runner(cubes)


def flat_forecasts(regs: xr.Dataset, months: int = 12) -> xr.Dataset:
    """A release-shaped ``register_forecasts``: the last observed month held, +-10 % / 20 %."""
    last = regs.isel(time=-1, drop=True)[["unemployed", "labour_force"]]
    start = pd.Timestamp(regs["time"].values[-1]) + pd.DateOffset(months=1)
    time = pd.date_range(start, periods=months, freq="MS")
    scale = xr.DataArray([1.0, 0.9, 1.1, 0.8, 1.2], dims="statistic",
                         coords={"statistic": list(STATISTICS)})  # fmt: skip
    fc = last.expand_dims(time=time) * scale
    return fc.transpose("area", "time", "statistic")


def banded(yearly_factor: float) -> xr.DataArray:
    """Working age in three bands for one municipality, each changing by ``yearly_factor``."""
    base = np.array([800.0, 3000.0, 1200.0])
    values = base[None, :] * (yearly_factor ** np.arange(YEARS.size))[:, None]
    return xr.DataArray(
        values[None],
        dims=("area", "time", "age_band"),
        coords={"area": ["491"], "time": YEARS, "age_band": ["15-24", "25-54", "55-64"]},
    )


# -- working-age decline -------------------------------------------------------------------


def test_working_age_decline_fires_on_a_decline_with_band_contributions() -> None:
    sig = rules.working_age_decline(banded(0.97), CFG["working_age_decline"])
    first = sig.numbers.isel(area=0, time=0)
    # 0.97**5 - 1 = -14.1 %: over the warning 10 %; never critical without decline_critical
    assert float(first["change"]) == pytest.approx(0.97**5 - 1)
    assert int(sig.severity.isel(area=0, time=0)) == rules.WARNING
    assert (
        int(
            rules.working_age_decline(banded(0.985), CFG["working_age_decline"]).severity.isel(
                area=0, time=0
            )
        )
        == rules.INFO
    )  # -7.3 %: between 5 % and 10 %
    with_critical = {**CFG["working_age_decline"], "decline_critical": 0.12}
    assert (
        int(rules.working_age_decline(banded(0.97), with_critical).severity.isel(area=0, time=0))
        == rules.CRITICAL
    )
    parts = sum(float(first[f"contribution_{b}"]) for b in ("15_24", "25_54", "55_64"))
    assert parts == pytest.approx(float(first["change"]))
    # the last five years have nothing to compare with: normal
    assert int(sig.severity.isel(area=0, time=-1)) == rules.NORMAL


def test_working_age_decline_quiet_when_stable_or_growing() -> None:
    for factor in (1.0, 1.01, 0.995):  # 0.995**5: -2.5 %, under the 5 % info level
        sig = rules.working_age_decline(banded(factor), CFG["working_age_decline"])
        assert int(sig.severity.max()) == rules.NORMAL


def test_annual_signal_on_months_uses_the_last_year_end() -> None:
    sig = rules.working_age_decline(banded(0.97), CFG["working_age_decline"])
    monthly = annual_to_monthly(sig, list(pd.date_range("2019-06-01", "2021-03-01", freq="MS")))
    sev = monthly.severity.sel(area="491")
    assert int(sev.sel(time="2019-06-01")) == rules.NORMAL  # before the first year-end
    assert int(sev.sel(time="2020-01-01")) == rules.WARNING
    assert float(monthly.numbers["working_age"].sel(area="491", time="2021-03-01")) == (
        pytest.approx(5000 * 0.97)
    )


def test_working_age_input_from_single_ages_and_from_labour_supply() -> None:
    pop = xr.DataArray(
        np.ones((1, 2, 101)),
        dims=("area", "time", "age"),
        coords={"area": ["491"], "time": YEARS[:2], "age": np.arange(101)},
    )
    wa = working_age_input(xr.Dataset({"population": pop}))
    assert wa.dims == ("area", "time", "age_band")
    assert float(wa.sum("age_band").isel(area=0, time=0)) == 50.0  # ages 15..64
    total = pop.sum("age")
    stats = xr.concat([total, total * 0.9, total * 1.1], dim="statistic").assign_coords(
        statistic=["mean", "lo80", "hi80"]
    )
    supply = xr.Dataset({"working_age_15_64": stats.transpose("area", "time", "statistic")})
    got = working_age_input(supply)
    assert got.dims == ("area", "time")
    xr.testing.assert_allclose(got, total)  # the mean of the statistic dim


# -- occupation shortage ---------------------------------------------------------------------


def occupations(vacancies_after: float, *, unemployed: float = 100.0) -> xr.Dataset:
    """Occupation cube: group 21 (codes 2111, 2112) with 60 vacancies a month until 2020-12
    and ``vacancies_after`` from 2021-01, against ``unemployed`` jobseekers; group 91 steady."""
    codes = ["SSS", "2111", "2112", "9111"]
    t = MONTHS
    vac = np.zeros((1, len(codes), t.size))
    after = t >= pd.Timestamp("2021-01-01")
    vac[0, 1] = np.where(after, vacancies_after, 60.0) / 2
    vac[0, 2] = vac[0, 1]
    vac[0, 3] = 10.0
    unemp = np.zeros_like(vac)
    unemp[0, 1:3] = unemployed / 2
    unemp[0, 3] = 200.0
    coords = {"area": ["MK10"], "occupation": codes, "time": t}
    dims = ("area", "occupation", "time")
    return xr.Dataset({"vacancies": (dims, vac), "unemployed": (dims, unemp)}, coords=coords)


def test_occupation_turning_to_shortage_fires_with_counts_in_numbers() -> None:
    signals = {
        s.subject: s for s in occupation_signals(occupations(150.0), CFG["occupation_shortage"])
    }
    assert set(signals) == {"21", "91"}
    sev = signals["21"].severity.sel(area="MK10")
    # 3-month mean is 1.5 in 2021-03; a year earlier 0.6: surplus -> shortage
    assert int(sev.sel(time="2021-03-01")) == rules.WARNING
    assert int(sev.sel(time="2020-12-01")) == rules.NORMAL
    nums = signals["21"].numbers.sel(area="MK10", time="2021-03-01")
    assert float(nums["vacancies_change_12m"]) == pytest.approx(90.0)
    assert int(signals["91"].severity.max()) == rules.NORMAL


def test_occupation_no_alert_without_a_turn_or_with_too_few_vacancies() -> None:
    cfg = CFG["occupation_shortage"]
    steady = occupation_signals(occupations(60.0), cfg)  # stays in surplus
    assert all(int(s.severity.max()) == rules.NORMAL for s in steady)
    tiny = occupations(15.0, unemployed=10.0)  # 1.5 per jobseeker, but 15 vacancies < 20
    assert all(int(s.severity.max()) == rules.NORMAL for s in occupation_signals(tiny, cfg))


def test_projected_shortage_is_info_at_the_last_observed_month() -> None:
    cube = occupations(60.0)
    fc_time = pd.date_range("2023-11-01", periods=12, freq="MS")
    tight = np.where(fc_time >= pd.Timestamp("2024-04-01"), 1.4, 0.6)
    forecast = xr.Dataset(
        {"tightness": (("area", "occupation", "time"), tight[None, None, :])},
        coords={"area": ["MK10"], "occupation": ["21"], "time": fc_time},
    )
    no_vac_cfg = {**CFG["occupation_shortage"], "min_vacancies": 0}
    sig = {s.subject: s for s in occupation_signals(cube, no_vac_cfg, forecast=forecast)}["21"]
    assert pd.Timestamp(sig.severity["time"].values[-1]) == pd.Timestamp("2023-10-01")
    assert int(sig.severity.sel(area="MK10", time="2023-10-01")) == rules.INFO
    lead = sig.numbers["months_to_projected_shortage"].sel(area="MK10", time="2023-10-01")
    assert float(lead) == 6.0  # 2024-04 is six months after 2023-10


# -- stale data ----------------------------------------------------------------------------


def test_stale_data_fires_when_old_and_not_when_fresh() -> None:
    cfg = CFG["stale_data"]
    regs = occupations(60.0)  # last month 2023-10
    stale = stale_signals({"registers": regs}, pd.Timestamp("2024-02-15"), "SSS", cfg)[0]
    # November was due by 31 December (KEHA publishes month M by the end of M+1)
    assert int(stale.severity.max()) == rules.WARNING
    assert float(stale.numbers["overdue_days"].max()) == 46
    assert stale.subject == "registers" and stale.meta["last_month"] == "2023-10-01"
    old = stale_signals({"registers": regs}, pd.Timestamp("2026-11-28"), "SSS", cfg)[0]
    assert int(old.severity.max()) == rules.CRITICAL  # far more than 120 days overdue
    fresh = stale_signals({"registers": regs}, pd.Timestamp("2023-11-20"), "SSS", cfg)[0]
    assert int(fresh.severity.max()) == rules.NORMAL
    due = stale_signals({"registers": regs}, pd.Timestamp("2023-12-31"), "SSS", cfg)[0]
    assert int(due.severity.max()) == rules.NORMAL  # the last day November is due: not late
    late = stale_signals({"registers": regs}, pd.Timestamp("2024-01-01"), "SSS", cfg)[0]
    assert int(late.severity.max()) == rules.WARNING
    # a source without a publication calendar falls back to its age in months
    other = stale_signals({"custom": regs}, pd.Timestamp("2023-12-15"), "SSS", cfg)[0]
    assert int(other.severity.max()) == rules.NORMAL  # October to December: 2 months
    other = stale_signals({"custom": regs}, pd.Timestamp("2024-01-15"), "SSS", cfg)[0]
    assert int(other.severity.max()) == rules.WARNING  # 3 months > max_age_months 2

    # trailing months with no value at all do not count as data
    padded = regs.reindex(time=pd.date_range(MONTHS[0], "2024-06-01", freq="MS"))
    again = stale_signals({"registers": padded}, pd.Timestamp("2024-02-15"), "SSS", cfg)[0]
    assert again.meta["last_month"] == "2023-10-01"


# -- the monthly run evaluates them ----------------------------------------------------------


def test_monthly_run_evaluates_the_new_rules_with_keys_and_explanations(db: Any) -> None:
    t = MONTHS
    regs = xr.Dataset(
        {
            "unemployed": (("area", "time"), np.full((1, t.size), 300.0)),
            "labour_force": (("area", "time"), np.full((1, t.size), 4000.0)),
        },
        coords={"area": ["491"], "time": t},
    )
    inputs = RuleInputs(
        working_age=banded(0.97),
        occupations=occupations(150.0),
        sources={"registers": regs},
    )
    kwargs: dict[str, Any] = {
        "since": "2021-01",
        "register_forecasts": flat_forecasts(regs),
        "inputs": inputs,
        "simulate": False,
    }
    first = evaluate_snapshot(db, {"registers": regs}, today=dt.date(2024, 3, 1), **kwargs)
    with session_scope(db) as session:
        rows = {r.dedup_key: r for r in session.scalars(select(AlertRow)).all()}
        explanations = {k: r.explanation for k, r in rows.items()}
        states = {k: r.state for k, r in rows.items()}
        fired = {k: r.fired_at for k, r in rows.items()}
    assert states["working_age_decline:491"] == "firing"
    # the 3-month mean crosses 1.0 in 2021-02 ((60 + 150 + 150) / 3 / 100); the turn breaches
    # until a year later (then the year before is no surplus): fires at the third breach,
    # clears after three normal months
    assert fired["occupation_shortage:MK10:21"] == dt.date(2021, 4, 1)
    assert states["occupation_shortage:MK10:21"] == "resolved"
    assert states["stale_data:SSS:registers"] == "firing"
    assert "occupation_shortage:MK10:91" not in states
    wa = explanations["working_age_decline:491"]
    assert set(wa["contributions"]) == {f"contribution_{b}" for b in ("15_24", "25_54", "55_64")}
    occ = explanations["occupation_shortage:MK10:21"]["contributions"]
    assert occ["vacancies_change_12m"] > 0
    assert explanations["stale_data:SSS:registers"]["numbers"]["age_months"] == 5.0
    again = evaluate_snapshot(db, {"registers": regs}, today=dt.date(2024, 3, 1), **kwargs)
    assert first.fired >= 3 and again.fired == 0 and again.enqueued == 0


# -- event tiers with the simulated impact -------------------------------------------------------


def event(**changes: Any) -> dict[str, Any]:
    base = {
        "id": 7,
        "employer": "Saha Oy",
        "municipality": "491",
        "industry": "C",
        "kind": "dismissal",
        "jobs": 300,
        "announced": dt.date(2023, 9, 1),
        "effect_start": dt.date(2023, 11, 1),
        "effect_end": dt.date(2024, 1, 31),
    }
    return base | changes


def test_event_becomes_a_scenario_spec() -> None:
    spec = scenario_spec(event(kind="change_negotiations"), CFG["event_tier"])
    ev = spec["events"][0]
    assert ev["kind"] == "dismissal" and ev["start"] == "2023-11" and ev["phase_in_months"] == 3
    layoff = scenario_spec(event(kind="temporary_layoff"), CFG["event_tier"])["events"][0]
    assert layoff["duration_months"] == 3 and "phase_in_months" not in layoff


def test_real_small_simulation_puts_the_impact_with_a_band(runner) -> None:
    cfg = {**CFG["event_tier"], "sim_draws": 20}
    impact = simulate_event(event(), 23_000.0, cfg, runner=runner)
    assert impact.simulated and impact.draws == 20
    lo, mid, hi = impact.peak_extra_unemployed
    assert 0 < lo <= mid <= hi < 300 * 2.6  # at most the jobs times the largest multiplier
    assert impact.rate_change_pp[1] == pytest.approx(100 * mid / 23_000.0)
    assert (
        impact.as_dict()["unemployment_rate_change_pp_90"][0]
        <= impact.as_dict()["unemployment_rate_change_pp"]
    )


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"municipality": "999"}, "999"),  # no such municipality
        ({"effect_start": dt.date(1990, 1, 1), "announced": dt.date(1990, 1, 1)}, "start"),
        ({"industry": "B", "jobs": 5000}, "jobs"),  # more mining jobs than exist in Mikkeli
    ],
)
def test_unsimulable_events_say_why(runner, changes: dict[str, Any], why: str) -> None:
    cfg = {**CFG["event_tier"], "sim_draws": 5}
    impact = simulate_event(event(**changes), 23_000.0, cfg, runner=runner)
    assert not impact.simulated and why in impact.reason
    assert impact.as_dict() == {"simulated": False, "reason": impact.reason}


def tier_signal(rate_pp: float | None, jobs: int = 150) -> rules.Signal:
    lf = xr.DataArray(
        np.full((1, 6), 100_000.0),
        dims=("area", "time"),
        coords={"area": ["491"], "time": pd.date_range("2023-08-01", periods=6, freq="MS")},
    )
    frame = pd.DataFrame([event(jobs=jobs)])
    impacts = {}
    if rate_pp is not None:
        impacts[7] = EventImpact(
            7, True, rate_change_pp=(rate_pp / 2, rate_pp, 2 * rate_pp),
            peak_extra_unemployed=(1.0, 2.0, 3.0),
        )  # fmt: skip
    return rules.event_tier(frame, lf, CFG["event_tier"], impacts)


def test_simulated_rate_impact_escalates_the_tier() -> None:
    month = "2023-10-01"
    base = int(tier_signal(None).severity.sel(area="491", time=month))
    assert base == rules.WARNING  # 150 jobs >= 100, 0.15 % of the labour force
    small = tier_signal(0.3).severity.sel(area="491", time=month)
    assert int(small) == rules.WARNING  # under sim_rate_pp_critical: unchanged
    big = tier_signal(2.5)
    assert int(big.severity.sel(area="491", time=month)) == rules.CRITICAL
    assert float(big.numbers["sim_rate_change_pp"].sel(area="491", time=month)) == 2.5
    # before the announcement nothing is live, so nothing fires whatever the simulation says
    assert int(big.severity.sel(area="491", time="2023-08-01")) == rules.NORMAL


def test_monthly_run_fires_a_tiered_event_with_or_without_a_simulation(
    db: Any, monkeypatch: pytest.MonkeyPatch, runner: Any
) -> None:
    register = EventRegister(db)
    fields = {k: v for k, v in event().items() if k != "id"}
    register.add(EventIn.model_validate({**fields, "source": "yt-neuvottelut"}))
    register.add(
        EventIn.model_validate({**fields, "municipality": "091", "source": "x", "jobs": 150})
    )
    t = pd.date_range("2018-01-01", "2023-10-01", freq="MS")
    regs = xr.Dataset(
        {
            "unemployed": (("area", "time"), np.full((2, t.size), 300.0)),
            "labour_force": (("area", "time"), np.full((2, t.size), 23_000.0)),
        },
        coords={"area": ["491", "091"], "time": t},
    )
    config = rules.load_config()
    small = {**config["rules"]["event_tier"], "sim_draws": 10}
    patched = {**config, "rules": {**config["rules"], "event_tier": small}}
    monkeypatch.setattr(rules, "load_config", lambda *a, **k: patched)  # 10 draws: fast
    evaluate_snapshot(
        db,
        {"registers": regs},
        since="2023-10",
        register_forecasts=flat_forecasts(regs),
        inputs=RuleInputs(),
        runner=runner,  # the engine on the real cubes
    )
    with session_scope(db) as session:
        rows = {r.dedup_key: r.explanation for r in session.scalars(select(AlertRow)).all()}
    simulated = rows["event_tier:491"]["events"][0]["simulated_impact"]
    assert simulated["simulated"] and simulated["peak_extra_unemployed"] > 0
    assert rows["event_tier:491"]["numbers"]["sim_rate_change_pp"] > 0
    helsinki = rows["event_tier:091"]["events"][0]["simulated_impact"]  # in its own area, TA08
    assert helsinki["simulated"] and helsinki["peak_extra_unemployed"] > 0


def test_release_inputs_read_the_release_products(tmp_path: Path, cubes: Any) -> None:
    from forecasting.alerts.run import release_inputs, release_products
    from forecasting.io.release_store import ReleaseStore

    supply = xr.Dataset(
        {"working_age_15_64": (("area", "time", "statistic"), np.full((1, 12, 1), 5000.0))},
        coords={"area": ["491"], "time": YEARS, "statistic": ["mean"]},
    )
    store = ReleaseStore(tmp_path / "releases")
    manifest = {"data_version": "x", "code_version": "0", "seeds": {}, "metrics": {}}
    info = store.publish({"labour_supply": supply}, manifest)
    occ = occupations(60.0)
    inputs = {"registers": occ[["unemployed"]], "occupations": occ}
    inputs["projection_2019"] = cubes["projection_2019"]
    products = release_products(info.id, str(tmp_path / "releases"))
    assert set(products) == {"labour_supply"}
    got = release_inputs(inputs, products)
    assert got.working_age is not None and got.working_age.dims == ("area", "time")
    assert float(got.working_age.sel(area="491").isel(time=0)) == 5000.0
    assert got.occupation_forecast is None  # not in this release: observed turns only
    assert got.sources is not None and set(got.sources) == {"registers", "occupations"}
    fallback = release_inputs(inputs)  # no release: the official projection in age bands
    assert fallback.working_age is not None and "age_band" in fallback.working_age.dims


def test_the_run_refuses_to_evaluate_without_the_release_register_forecasts(db: Any) -> None:
    from forecasting.errors import DataError

    t = pd.date_range("2018-01-01", "2023-10-01", freq="MS")
    regs = xr.Dataset(
        {
            "unemployed": (("area", "time"), np.full((1, t.size), 300.0)),
            "labour_force": (("area", "time"), np.full((1, t.size), 4000.0)),
        },
        coords={"area": ["491"], "time": t},
    )
    with pytest.raises(DataError, match="register_forecasts"):
        evaluate_snapshot(db, {"registers": regs}, inputs=RuleInputs(), simulate=False)


def test_an_event_announced_after_the_last_register_month_fires_today(db: Any) -> None:
    fields = {k: v for k, v in event().items() if k != "id"}
    fields |= {"announced": dt.date(2024, 2, 12), "effect_start": dt.date(2024, 4, 1)}
    fields["effect_end"] = None
    EventRegister(db).add(EventIn.model_validate({**fields, "source": "yt-neuvottelut"}))
    t = pd.date_range("2018-01-01", "2023-10-01", freq="MS")
    regs = xr.Dataset(
        {
            "unemployed": (("area", "time"), np.full((1, t.size), 300.0)),
            "labour_force": (("area", "time"), np.full((1, t.size), 23_000.0)),
        },
        coords={"area": ["491"], "time": t},
    )
    kwargs: dict[str, Any] = {
        "register_forecasts": flat_forecasts(regs),
        "inputs": RuleInputs(),
        "simulate": False,
    }
    evaluate_snapshot(db, {"registers": regs}, since="2023-10", today=dt.date(2024, 1, 20),
                      **kwargs)  # fmt: skip
    with session_scope(db) as session:  # not yet announced in 2024-01: nothing
        assert session.scalar(select(AlertRow).where(AlertRow.rule == "event_tier")) is None
    evaluate_snapshot(db, {"registers": regs}, since="2023-10", today=dt.date(2024, 3, 5),
                      **kwargs)  # fmt: skip
    with session_scope(db) as session:
        row = session.scalar(select(AlertRow).where(AlertRow.dedup_key == "event_tier:491"))
        assert row is not None and row.state == "firing"
        assert row.fired_at == dt.date(2024, 3, 1) and row.severity == "warning"
        assert row.explanation["numbers"]["jobs"] == 300.0
