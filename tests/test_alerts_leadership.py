"""Alerts leadership can trust: persistent breaks only, labour-demand rules, plain explanations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.alerts import rules
from forecasting.alerts.explain import explain
from forecasting.alerts.registry import (
    RegisterInputs,
    register_rule_signals,
    registered,
    rule_config,
)

CONFIG = rules.load_config()
MONTHS = pd.date_range("2010-01-01", periods=156, freq="MS")


def series(values: np.ndarray, area: str = "491") -> xr.DataArray:
    return xr.DataArray(
        values[None, :], dims=("area", "time"), coords={"area": [area], "time": MONTHS}
    )


def base(seed: int) -> np.ndarray:
    """Level 2 400 (Mikkeli's unemployed), seasonal +-12 %, 3 % noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(MONTHS.size)
    return 2400 * (1 + 0.12 * np.sin(2 * np.pi * t / 12)) * np.exp(rng.normal(0, 0.03, t.size))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), at=st.integers(72, 110), shift=st.floats(0.35, 0.7))
def test_a_persistent_break_fires(seed: int, at: int, shift: float) -> None:
    values = base(seed) * np.where(np.arange(MONTHS.size) >= at, 1 + shift, 1.0)
    sig = rules.structural_break(series(values), rule_config("structural_break", CONFIG))
    sev = sig.severity.values[0]
    assert sev[at + 12 : at + 30].max() >= rules.WARNING
    assert sev[:at].max() == rules.NORMAL


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    at=st.integers(72, 110),
    height=st.floats(0.3, 0.8),
    plateau=st.integers(1, 6),
    decay=st.integers(1, 5),
)
def test_a_transient_covid_like_spike_stays_silent(
    seed: int, at: int, height: float, plateau: int, decay: int
) -> None:
    """A jump of +30..80 % that holds up to 6 months and fades back to the old level within
    the year (the 2020 surge: Mikkeli +76 % on the year in 4/2020, below its 2019 level by
    6/2022)."""
    t = np.arange(MONTHS.size)
    bump = np.where((t >= at) & (t < at + plateau), height, 0.0)
    fade = (t >= at + plateau) & (t < at + plateau + decay)
    bump = np.where(fade, height * (1 - (t - at - plateau + 1) / (decay + 1)), bump)
    sig = rules.structural_break(
        series(base(seed) * (1 + bump)), rule_config("structural_break", CONFIG)
    )
    assert sig.severity.values.max() < rules.WARNING


def test_the_old_break_test_read_the_spike_as_a_level_shift() -> None:
    """The reason for v3: without the persistence check the same spike warns for months."""
    t = np.arange(MONTHS.size)
    bump = np.where((t >= 100) & (t < 106), 0.7, 0.0)
    old = dict(rule_config("structural_break", CONFIG), confirm_months=0, min_persist_share=-9)
    sig = rules.structural_break(series(base(1) * (1 + bump)), old)
    assert (sig.severity.values >= rules.WARNING).sum() > 3


def vacancies(drop: float, level: float = 720.0) -> xr.DataArray:
    t = np.arange(MONTHS.size)
    seasonal = level * (1 + 0.5 * np.cos(2 * np.pi * t / 12))
    return series(seasonal * np.where(t >= 120, 1 - drop, 1.0))


def test_vacancy_rule_fires_on_a_halving_and_not_on_a_calm_year() -> None:
    cfg = rule_config("vacancy_decline", CONFIG)
    sig = rules.vacancy_decline(vacancies(0.5), cfg)
    sev = sig.severity.values[0]
    assert sev[:120].max() == rules.NORMAL
    assert sev[122] >= rules.WARNING  # -50 % of ~700 vacancies (3-month means)
    assert rules.vacancy_decline(vacancies(0.6), cfg).severity.values[0, 122] == rules.CRITICAL
    assert sig.numbers["change"].values[0, 122] == pytest.approx(-0.5)
    assert rules.vacancy_decline(vacancies(0.1), cfg).severity.values.max() == rules.NORMAL


def test_vacancy_rule_ignores_a_small_municipality() -> None:
    """Hirvensalmi-sized: 9 vacancies to 4 is -56 % but five vacancies."""
    sig = rules.vacancy_decline(vacancies(0.56, level=9.0), rule_config("vacancy_decline", CONFIG))
    assert sig.severity.values.max() == rules.NORMAL


def test_vacancy_rule_is_silent_while_unemployment_still_falls() -> None:
    """Version 2's guard (min_unemployed_change = 0, tuned on 2010-2015 and 2021-2023): a
    halving of vacancies while unemployed fall 10 % on the year is not a turn; with
    unemployed flat it is."""
    cfg = rule_config("vacancy_decline", CONFIG)
    assert cfg["min_unemployed_change"] == 0.0
    t = np.arange(MONTHS.size)
    falling = series(2400 * np.where(t >= 120, 0.9, 1.0))
    flat = series(np.full(MONTHS.size, 2400.0))
    quiet = rules.vacancy_decline(vacancies(0.5), cfg, unemployed=falling).severity.values[0]
    fired = rules.vacancy_decline(vacancies(0.5), cfg, unemployed=flat).severity.values[0]
    assert quiet.max() == rules.NORMAL
    assert fired[122] >= rules.WARNING


def test_tightness_rule_needs_vacancies_down_and_unemployed_up() -> None:
    cfg = rule_config("tightness_decline", CONFIG)
    t = np.arange(MONTHS.size)
    rising = series(2400 * np.where(t >= 120, 1.12, 1.0))
    flat = series(np.full(MONTHS.size, 2400.0))
    fired = rules.tightness_decline(vacancies(0.5), rising, cfg).severity.values[0]
    assert fired[122] == rules.WARNING and fired[:120].max() == rules.NORMAL
    assert rules.tightness_decline(vacancies(0.5), flat, cfg).severity.values.max() == 0


def test_rate_threshold_scales_with_the_labour_force() -> None:
    """The same 12.5 % forecast: Mikkeli (23 475) breaches, Hirvensalmi (847) does not."""
    areas = ["491", "097"]
    stats = ["mean", "lo80", "hi80", "lo95", "hi95"]
    values = np.array([0.125, 0.118, 0.132, 0.114, 0.136])
    rate = xr.DataArray(
        np.broadcast_to(values, (2, 1, 12, 5)).copy(),
        dims=("area", "time", "step", "statistic"),
        coords={"area": areas, "time": MONTHS[:1], "step": range(1, 13), "statistic": stats},
    )
    lf = xr.DataArray([23475.0, 847.0], dims="area", coords={"area": areas})
    sig = rules.rate_threshold(
        xr.Dataset({"rate": rate}), rule_config("rate_threshold", CONFIG), lf
    )
    assert sig.severity.sel(area="491").item() >= rules.WARNING
    assert sig.severity.sel(area="097").item() == rules.NORMAL


def test_every_register_rule_is_one_registration_and_runs_on_an_employment_area() -> None:
    reg = xr.Dataset(
        {
            "unemployed": series(base(3)).isel(area=0, drop=True).expand_dims(area=["TA23"]),
            "vacancies": vacancies(0.5).isel(area=0, drop=True).expand_dims(area=["TA23"]),
        }
    )
    signals = register_rule_signals(RegisterInputs(reg, ("TA23",)), CONFIG)
    names = {s.rule for s in signals}
    assert {"seasonal_rise", "structural_break", "vacancy_decline", "tightness_decline"} <= names
    assert "rate_threshold" not in names  # no forecast given: skipped, not invented
    assert all(str(s.severity["area"].values[0]) == "TA23" for s in signals)
    for rule in registered().values():
        cfg = rule_config(rule.name, CONFIG)
        assert {"for_k", "of_n", "clear_m"} <= set(cfg), rule.name


NUMBERS = {
    "vacancy_decline": {
        "vacancies": 360.0, "vacancies_3m": 548.3, "vacancies_3m_year_before": 826.0,
        "change": -0.336, "change_count": -277.7,
    },
    "seasonal_rise": {
        "value": 3675.0, "yoy_change": 0.112, "rise_persons": 371.0, "norm_median": -0.02,
        "z": 2.4,
    },
    "working_age_decline": {
        "change": -0.134146, "working_age": 1327.0, "working_age_ahead": 1149.0, "years": 5,
    },
}  # fmt: skip


@pytest.mark.parametrize("rule", sorted(NUMBERS))
def test_explanations_in_three_languages_with_numbers_for_people(rule: str) -> None:
    out = explain(rule, "491", pd.Timestamp("2023-10-01"), NUMBERS[rule])
    names = {"fi": "Mikkeli", "sv": "S:t Michel", "en": "Mikkeli"}
    for lang in ("fi", "sv", "en"):
        assert out[f"summary_{lang}"].startswith(names[lang])
        text = out[f"text_{lang}"]
        assert rule not in text and "0.1" not in text and "_" not in text
    if rule == "vacancy_decline":
        assert "548 " in out["text_fi"] and "826" in out["text_fi"]
        assert "\u221234 %" in out["text_fi"] and "\u221234 %" in out["text_sv"]
        assert "\u221234%" in out["text_en"]
        assert "Avoimien työpaikkojen" in out["text_fi"] and "lediga jobb" in out["text_sv"]
    if rule == "seasonal_rise":
        assert "3\xa0675" in out["text_fi"] and "3,675" in out["text_en"]
        assert "+11 %" in out["text_fi"] and "+11%" in out["text_en"]
    if rule == "working_age_decline":
        assert "1\xa0327" in out["text_fi"] and "\u221213 %" in out["text_fi"]


def test_every_registered_rule_explains_itself_in_each_language() -> None:
    for rule in registered().values():
        out = explain(rule.name, "TA23", pd.Timestamp("2023-10-01"), {})
        for lang in ("fi", "sv", "en"):
            assert out[f"text_{lang}"] and rule.name not in out[f"text_{lang}"]
