"""Special-group rules and the clients-per-expert rule on jobseekers and the staffing table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting.alerts import groups, rules
from forecasting.alerts.registry import (
    RegisterInputs,
    register_rule_signals,
    registered,
    rule_config,
)

CONFIG = rules.load_config()


def _da(values: list[list[float]], areas: list[str], start: str = "2025-01") -> xr.DataArray:
    times = pd.date_range(f"{start}-01", periods=len(values[0]), freq="MS")
    return xr.DataArray(
        np.array(values, float), dims=("area", "time"), coords={"area": areas, "time": times}
    )


def test_the_special_group_rules_are_registered_with_texts_in_three_languages() -> None:
    rules_ = registered()
    for name in ("long_term_share", "youth_rise", "foreign_rise", "laid_off_surge"):
        rule = rules_[name]
        assert rule.compute is not None and rule.detail is not None
        assert all(rule.title[lang] and rule.why[lang] for lang in ("fi", "sv", "en"))


def test_long_term_share_fires_on_the_level_and_needs_enough_persons() -> None:
    cfg = rule_config("long_term_share", CONFIG)
    lt = _da([[55, 55], [20, 20], [300, 400]], ["A", "B", "C"])
    u = _da([[100, 100], [30, 30], [1000, 1000]], ["A", "B", "C"])
    sig = groups.long_term_share(lt, u, cfg)
    sev = sig.severity.values
    assert list(sev[:, -1]) == [rules.WARNING, rules.NORMAL, rules.NORMAL]  # B: only 20 persons
    assert float(sig.numbers["share"].sel(area="A").isel(time=-1)) == pytest.approx(0.55)


def test_group_rise_is_silent_without_a_year_earlier_month() -> None:
    cfg = rule_config("youth_rise", CONFIG)
    x = _da([[100.0] * 12 + [130.0], [10.0] * 12 + [20.0]], ["A", "B"])
    sig = groups.group_rise("youth_rise", x, cfg)
    assert (sig.severity.isel(time=slice(0, 12)) == rules.NORMAL).all()
    # A +30 % and +30 persons: warning; B +100 % but only +10 persons: normal
    assert list(sig.severity.isel(time=-1).values) == [rules.WARNING, rules.NORMAL]
    one_month = groups.group_rise("youth_rise", x.isel(time=[-1]), cfg)
    assert (one_month.severity == rules.NORMAL).all()


def test_laid_off_surge_share_of_the_labour_force() -> None:
    cfg = rule_config("laid_off_surge", CONFIG)
    sig = groups.laid_off_surge(
        _da([[250.0], [40.0]], ["A", "B"]), _da([[5000.0], [10000.0]], ["A", "B"]), cfg
    )
    assert list(sig.severity.values[:, 0]) == [rules.CRITICAL, rules.NORMAL]  # 5 %, 0.4 %


def test_clients_per_expert_counts_jobseekers_per_staffing_table_expert() -> None:
    cfg = rule_config("clients_per_expert", CONFIG)
    jobseekers = _da([[5907.0, 11000.0, 13000.0]], ["TA23"], "2026-06")
    sig = rules.clients_per_expert(jobseekers, {"TA23": 50.0}, cfg)
    # 5,907 jobseekers (12r5 2026-06, TA23) / 50 experts = 118 clients: within 100-200
    assert float(sig.numbers["clients_per_expert"].isel(time=0, area=0)) == pytest.approx(118.14)
    assert list(sig.severity.values[0]) == [rules.NORMAL, rules.WARNING, rules.CRITICAL]


def test_real_registers_2026_06_special_groups_and_clients(cubes) -> None:
    reg = cubes["registers"].sel(time=slice("2025-01-01", None))
    areas = ("491", "097", "TA23")
    out = {s.rule: s for s in register_rule_signals(RegisterInputs(reg, areas), CONFIG)}
    clients = out["clients_per_expert"].numbers["clients_per_expert"].sel(area="TA23")
    assert float(clients.sel(time="2026-06-01")) == pytest.approx(5907 / 50)
    assert clients.sel(time="2025-06-01").isnull()  # the data gap: no jobseekers, no figure
    share = out["long_term_share"].numbers["share"].sel(area="491", time="2026-06-01")
    assert float(share) == pytest.approx(1131 / 2822)  # Mikkeli 12r5 2026-06
    # youth and foreign need a year-earlier month (2025-06 is in the gap): silent
    assert (out["youth_rise"].severity == rules.NORMAL).all()
    assert (out["foreign_rise"].severity == rules.NORMAL).all()


def _clients_signal(reg: xr.Dataset) -> rules.Signal:
    signals = register_rule_signals(RegisterInputs(reg, ("TA23",)), CONFIG)
    (sig,) = [s for s in signals if s.rule == "clients_per_expert"]
    return sig


def test_clients_per_expert_cannot_be_replayed_on_2006_2023(cubes) -> None:
    """Jobseekers (HAKIJALOPUSSA) exist only from 2026-06: the 2006-2023 replay has no
    clients figure and so no episode (the 5 info episodes before came from 1.45 x unemployed)."""
    reg = cubes["registers"].sel(time=slice("2006-01-01", "2023-10-01"))
    sig = _clients_signal(reg)
    assert sig.numbers["clients_per_expert"].isnull().all()
    assert (sig.severity == rules.NORMAL).all()


def test_clients_per_expert_fires_live_once_over_200_for_two_months(cubes, tmp_path) -> None:
    """The real TA23 2026-06 (5,907 jobseekers / 50 experts = 118) fires nothing; a synthetic
    2026-07/08 with twice the jobseekers (236 per expert, over 200 but under 250) fires one
    warning episode in 2026-08: the rule needs 2 breaching months of 3 (``for_k``), and the
    2023-11..2026-05 gap leaves 2026-06 the only month before."""
    from forecasting.alerts.engine import AlertEngine
    from forecasting.io.alert_db import make_engine

    reg = cubes["registers"].sel(time=slice("2026-01-01", "2026-06-01"))
    months = pd.date_range("2026-01-01", "2026-08-01", freq="MS")
    reg = reg.reindex(time=months)
    for m in ("2026-07-01", "2026-08-01"):
        reg["jobseekers"].loc[{"time": m}] = 2 * reg["jobseekers"].sel(time="2026-06-01")
    sig = _clients_signal(reg)
    clients = sig.numbers["clients_per_expert"].sel(area="TA23")
    assert float(clients.sel(time="2026-06-01")) == pytest.approx(5907 / 50)
    assert float(clients.sel(time="2026-08-01")) == pytest.approx(2 * 5907 / 50)
    sev = sig.severity.sel(area="TA23")
    assert int(sev.sel(time="2026-06-01")) == rules.NORMAL  # 118: within 100-200
    assert int(sev.sel(time="2026-07-01")) == rules.WARNING
    engine = AlertEngine(make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}"))
    report = engine.evaluate([sig], list(months))
    fired = [(t.area, f"{t.month:%Y-%m}", t.severity_name) for t in report.transitions
             if t.to_state == "firing"]  # fmt: skip
    assert fired == [("TA23", "2026-08", "warning")]
