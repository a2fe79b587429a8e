"""``occupation_shortage`` on an occupation forecast from the present.

The occupation data ends long before the registers (10/2023 against 6/2026), so the release's
``occupation_forecasts`` starts after the registers' latest month (the groups' last shares
times the register forecast). A shortage it projects is an info breach at the forecast's
origin month, explained with the months of the shares and of the level; the observed months'
episodes are not carried to that month. Synthetic cubes, a few months each.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting.alerts import rules
from forecasting.alerts.engine import numbers_at
from forecasting.alerts.explain import texts
from forecasting.alerts.monitor import forecast_origin, occupation_signals
from forecasting.alerts.run import RuleInputs, extra_signals
from forecasting.contract import STATISTICS

CONFIG = rules.load_config()
CFG = CONFIG["rules"]["occupation_shortage"]
OBSERVED = pd.date_range("2021-01-01", "2023-10-01", freq="MS")
ORIGIN = pd.Timestamp("2026-06-01")
FORECAST = pd.date_range("2026-07-01", periods=24, freq="MS")


def occupations(late_vacancies: float) -> xr.Dataset:
    """Etelä-Savo's occupation cube to 10/2023: group 21 with 100 jobseekers and 60 vacancies
    a month, ``late_vacancies`` from 2023-01; group 91 with 200 jobseekers, 10 vacancies."""
    codes = ["SSS", "2111", "9111"]
    late = pd.Timestamp("2023-01-01") <= OBSERVED
    vac = np.zeros((1, len(codes), OBSERVED.size))
    vac[0, 1] = np.where(late, late_vacancies, 60.0)
    vac[0, 2] = 10.0
    vac[0, 0] = vac[0, 1] + vac[0, 2]
    unemp = np.zeros_like(vac)
    unemp[0, 1], unemp[0, 2] = 100.0, 200.0
    unemp[0, 0] = 300.0
    dims = ("area", "occupation", "time")
    return xr.Dataset(
        {"vacancies": (dims, vac), "unemployed": (dims, unemp)},
        coords={"area": ["MK10"], "occupation": codes, "time": OBSERVED},
        attrs={
            "source_tables": "12ti",
            "license": "CC BY 4.0",
            "retrieved": "2026-07-20",
            "data_version": "t",
        },
    )


def present_forecast(tightness: np.ndarray, vacancies: np.ndarray) -> xr.Dataset:
    """``occupation_forecasts`` of group 21 from 6/2026 (layout of the release's product:
    counts by statistic, the point ``tightness``), shares of 10/2023."""
    occ = ["SSS", "X", "21"]
    scale = np.array([1.0, 0.9, 1.1, 0.8, 1.2])
    vac = np.ones((1, len(occ), FORECAST.size, len(STATISTICS)))
    vac[0, 2] = vacancies[:, None] * scale
    unemp = np.full_like(vac, 100.0)
    tight = np.full((1, len(occ), FORECAST.size), 0.5)
    tight[0, 2] = tightness
    dims = ("area", "occupation", "time", "statistic")
    return xr.Dataset(
        {
            "vacancies": (dims, vac),
            "unemployed": (dims, unemp),
            "tightness": (dims[:3], tight),
        },
        coords={
            "area": ["MK10"],
            "occupation": occ,
            "time": FORECAST,
            "statistic": list(STATISTICS),
        },
        attrs={
            "origin": "2026-06",
            "level_data_through": "2026-06",
            "shares_data_through": "2023-10",
        },
    )


def turning(at: str, *, vacancies: float = 40.0) -> xr.Dataset:
    """Group 21 at 0.6 vacancies per jobseeker, 1.4 from month ``at``."""
    tight = np.where(pd.Timestamp(at) <= FORECAST, 1.4, 0.6)
    return present_forecast(tight, np.full(FORECAST.size, vacancies))


def by_subject(signals: list[Any]) -> dict[str, Any]:
    return {s.subject: s for s in signals}


def test_origin_of_a_forecast_from_its_attrs_else_the_month_before_its_first() -> None:
    assert forecast_origin(turning("2027-01-01")) == ORIGIN
    bare = turning("2027-01-01")
    bare.attrs = {}
    assert forecast_origin(bare) == ORIGIN


def test_a_shortage_projected_from_the_present_is_info_at_the_origin_month() -> None:
    sig = by_subject(occupation_signals(occupations(60.0), CFG, forecast=turning("2027-01-01")))
    g21 = sig["21"]
    assert pd.Timestamp(g21.severity["time"].values[-1]) == ORIGIN
    assert int(g21.severity.sel(area="MK10", time=ORIGIN)) == rules.INFO
    nums = g21.numbers.sel(area="MK10", time=ORIGIN)
    # 3-month means: (0.6 + 1.4 + 1.4) / 3 in 2027-02, 8 months after 6/2026
    assert float(nums["months_to_projected_shortage"]) == 8.0
    assert float(nums["projected_tightness"]) == pytest.approx(3.4 / 3)
    assert float(nums["tightness_at_start"]) == pytest.approx(0.6)
    assert float(nums["projected_vacancies"]) == pytest.approx(40.0)  # the mean, not a bound
    # the observed months are kept (their own history), with no projection numbers
    assert pd.Timestamp(g21.severity["time"].values[-2]) == pd.Timestamp("2023-10-01")
    assert np.isnan(
        float(g21.numbers["months_to_projected_shortage"].sel(area="MK10", time="2023-10-01"))
    )
    # group 91 has no forecast: normal at the origin month
    assert int(sig["91"].severity.sel(area="MK10", time=ORIGIN)) == rules.NORMAL


def test_no_projected_shortage_beyond_the_horizon_below_min_vacancies_or_without_a_turn() -> None:
    late = pd.Timestamp(ORIGIN) + pd.DateOffset(months=CFG["horizon_months"] + 1)
    cases = {
        "beyond the horizon": turning(f"{late:%Y-%m}-01"),
        "too few vacancies": turning("2027-01-01", vacancies=CFG["min_vacancies"] - 1.0),
        "already in shortage at the start": turning("2026-07-01"),
        "stays in surplus": turning("2030-01-01"),
    }
    for case, forecast in cases.items():
        sig = by_subject(occupation_signals(occupations(60.0), CFG, forecast=forecast))["21"]
        assert int(sig.severity.sel(area="MK10", time=ORIGIN)) == rules.NORMAL, case


def test_an_observed_episode_of_the_old_data_is_not_carried_to_the_present() -> None:
    cube = occupations(150.0)  # group 21 turns to shortage in 2023: warnings to 10/2023
    flat = present_forecast(np.full(FORECAST.size, 0.6), np.full(FORECAST.size, 40.0))
    g21 = by_subject(occupation_signals(cube, CFG, forecast=flat))["21"]
    assert int(g21.severity.sel(area="MK10", time="2023-10-01")) == rules.WARNING
    assert int(g21.severity.sel(area="MK10", time=ORIGIN)) == rules.NORMAL
    nums = g21.numbers.sel(area="MK10", time=ORIGIN)
    assert np.isnan(float(nums["tightness"])) and np.isnan(float(nums["vacancies_change_12m"]))


def test_the_explanation_names_the_months_of_the_shares_and_of_the_level() -> None:
    sig = by_subject(occupation_signals(occupations(60.0), CFG, forecast=turning("2027-01-01")))
    numbers = numbers_at(sig["21"], "MK10", ORIGIN)
    detail = {
        lang: texts("occupation_shortage", numbers, lang)["detail"] for lang in ("fi", "sv", "en")
    }
    for text in detail.values():
        assert "10/2023" in text and "6/2026" in text
    assert "8 kuukauden" in detail["fi"] and "1,13" in detail["fi"] and "0,60" in detail["fi"]
    assert "om 8 månader" in detail["sv"] and "nivå 6/2026" in detail["sv"]
    assert detail["en"].startswith("Forecast: 1.13 open vacancies per jobseeker in 8 months")
    # an observed month keeps the observed text
    observed = numbers_at(sig["21"], "MK10", pd.Timestamp("2023-10-01"))
    assert "year earlier" in texts("occupation_shortage", observed, "en")["detail"]


def test_the_monthly_run_evaluates_the_origin_month_of_the_release_forecast() -> None:
    inputs = RuleInputs(occupations=occupations(60.0), occupation_forecast=turning("2027-01-01"))
    signals = by_subject(extra_signals(inputs, [ORIGIN], None, CONFIG))
    assert int(signals["21"].severity.sel(area="MK10", time=ORIGIN)) == rules.INFO


def test_the_product_of_occupations_from_totals_gives_the_projected_turn() -> None:
    """The release's builder on a flat share history: group 21 holds 60/70 of the vacancies
    and 1/3 of the jobseekers, so its tightness is 2.571 x V / U; vacancies of the area rise
    by 10 a month from 70 against 300 jobseekers: 0.60 at the start; its 3-month mean reaches
    1.03 at step 7 (vacancies 110, 120, 130)."""
    from forecasting.register_occupations import occupations_from_totals

    steps = np.arange(FORECAST.size)
    scale = np.array([1.0, 0.9, 1.1, 0.8, 1.2])
    dims = ("area", "time", "statistic")
    totals = xr.Dataset(
        {
            "vacancies": (dims, ((70.0 + 10.0 * steps)[:, None] * scale)[None]),
            "unemployed": (dims, np.full((1, FORECAST.size, scale.size), 300.0)),
        },
        coords={"area": ["MK10"], "time": FORECAST, "statistic": list(STATISTICS)},
        attrs={"origin": "2026-06"},
    )
    forecast = occupations_from_totals(occupations(60.0), totals, "MK10")
    g21 = by_subject(occupation_signals(occupations(60.0), CFG, forecast=forecast))["21"]
    assert int(g21.severity.sel(area="MK10", time=ORIGIN)) == rules.INFO
    nums = g21.numbers.sel(area="MK10", time=ORIGIN)
    assert float(nums["months_to_projected_shortage"]) == 7.0
    assert float(nums["tightness_at_start"]) == pytest.approx(60 / 70 * 3 * 70 / 300, rel=1e-6)
    assert numbers_at(g21, "MK10", ORIGIN)["shares_data_through"] == "2023-10"


def test_the_engine_records_the_projection_at_the_origin_and_an_old_episode_goes_quiet(
    tmp_path: Any,
) -> None:
    """An episode fired on the observed months gets a normal month at the origin (no new
    breach); the projected turn starts its own count there (``for_k`` of ``of_n`` months)."""
    from sqlalchemy import select

    from forecasting.alerts.engine import AlertEngine
    from forecasting.io.alert_db import AlertRow, make_engine, session_scope

    db = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    engine = AlertEngine(db, config=CONFIG)
    old = occupation_signals(occupations(150.0), CFG)  # observed only: fires in 2023
    engine.evaluate(old, list(OBSERVED), notify=False)
    forecast = present_forecast(np.full(FORECAST.size, 0.6), np.full(FORECAST.size, 40.0))
    now = occupation_signals(occupations(150.0), CFG, forecast=forecast)
    report = engine.evaluate(now, [ORIGIN], notify=False)
    with session_scope(db) as session:
        row = session.scalars(
            select(AlertRow).where(AlertRow.dedup_key == "occupation_shortage:MK10:21")
        ).one()
        assert row.state == "firing" and row.last_evaluated == ORIGIN.date()
        assert row.normal_streak == 1  # the origin month counts as normal
    assert not report.transitions
