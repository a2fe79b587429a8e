"""``vacancy_watch``: the info-level early sign of a vacancy fall beside vacancy_decline v2.

Reference: the snapshot's TA23 registers (tyonv 12r5, 2006-01..2023-10);
docs/results/alerts_watch_tuning.md (benchmarks/tune_vacancy_watch.py): the watch fires for
TA23 from 2022-12, vacancy_decline v2 in 2023-10.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting import geography
from forecasting.alerts import rules
from forecasting.alerts.engine import AlertEngine
from forecasting.alerts.registry import (
    RegisterInputs,
    register_rule_signals,
    registered,
    rule_config,
)
from forecasting.alerts.watch import vacancy_watch
from forecasting.io.alert_db import make_engine

CONFIG = rules.load_config()


def test_the_watch_is_registered_and_never_above_info() -> None:
    cfg = rule_config("vacancy_watch", CONFIG)
    assert "min_unemployed_change" not in cfg  # no unemployment guard
    times = pd.date_range("2021-01-01", periods=24, freq="MS")
    vac = xr.DataArray(
        np.r_[np.full(12, 1000.0), np.full(12, 300.0)][None, :],  # -70 %: critical for v2 sizes
        dims=("area", "time"), coords={"area": ["491"], "time": times},
    )  # fmt: skip
    sig = vacancy_watch(vac, cfg)
    assert sig.rule == "vacancy_watch"
    assert int(sig.severity.max()) == rules.INFO
    assert int(rules.vacancy_decline(vac, cfg).severity.max()) == rules.CRITICAL
    assert registered()["vacancy_watch"].title["fi"]


def test_ta23_2023_turn_watched_from_2022_12_warned_2023_10(cubes, tmp_path: Path) -> None:
    areas = [*geography.members("TA23"), "TA23"]
    reg = cubes["registers"].sel(area=areas, time=slice("2020-01-01", "2023-10-01"))
    signals = [
        s for s in register_rule_signals(RegisterInputs(reg, tuple(areas)), CONFIG)
        if s.rule in {"vacancy_watch", "vacancy_decline"}
    ]  # fmt: skip
    months = list(pd.date_range("2022-01-01", "2023-10-01", freq="MS"))
    engine = AlertEngine(make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}"))
    report = engine.evaluate(signals, months)
    fired = {
        t.rule: (f"{t.month:%Y-%m}", t.severity_name)
        for t in report.transitions
        if t.area == "TA23" and t.to_state == "firing"
    }
    assert fired == {
        "vacancy_watch": ("2022-12", "info"),
        "vacancy_decline": ("2023-10", "warning"),
    }


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_watch_explains_itself(lang: str) -> None:
    from forecasting.alerts.explain import explain

    numbers = {"vacancies": 360.0, "vacancies_3m": 548.3, "vacancies_3m_year_before": 826.0,
               "change": -0.336, "change_count": -277.7}  # fmt: skip
    out = explain("vacancy_watch", "491", pd.Timestamp("2022-12-01"), numbers)
    assert "vacancy_watch" not in out[f"text_{lang}"] and "826" in out[f"text_{lang}"]
