"""A scenario's baseline follows the register forecasts and says how it continues after them.

The case: a closure in Mäntyharju (507, 300 manufacturing jobs) from the present (7/2026)
over the form's 60 months, to 6/2031, past the register forecasts' horizon (12/2029). The
forecasts here are synthetic (a falling trend with a seasonal swing) so that a flat path
cannot pass for them; the calibration is the real TA23 one (``ta23``).

Reference values: tyonv 12r5 (the registers of the snapshot; 2026-06 the latest month,
2022-11..2023-10 the last complete year before the gap).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting.release.products import _scenario_targets
from forecasting.scenarios import run_presets, run_scenario
from forecasting.scenarios.baseline import describe_targets

CLOSURE = {
    "area": "TA23",
    "baseline_source": "register_forecast",
    "events": [
        {"kind": "closure", "municipality": "507", "industry": "C", "jobs": 300,
         "start": "2026-07"}
    ],
}  # fmt: skip
FC_MONTHS = pd.date_range("2026-07-01", "2029-12-01", freq="MS")


def _forecasts(ta23) -> xr.Dataset:
    """Register forecasts 7/2026-12/2029 of the area's municipalities: from each one's
    2026-06 count, -0.5 % a month with a +-8 % seasonal swing (peak in January)."""
    munis = list(ta23.structure.municipalities)
    june = ta23.registers.sel(time="2026-06", area=munis)
    u0 = june["unemployed"].values.ravel()
    k = np.arange(len(FC_MONTHS))
    season = 1 + 0.08 * np.cos(2 * np.pi * (FC_MONTHS.month.values - 1) / 12)
    u = u0[:, None] * (0.995**k * season)[None, :]
    stat = np.array([1.0, 0.8, 1.2])  # mean, lo80, hi80: the mean is the point
    flat = np.ones(len(FC_MONTHS))
    v = np.nan_to_num(june["vacancies"].values.ravel(), nan=2.0)
    return xr.Dataset(
        {
            "unemployed": (("area", "time", "statistic"), u[:, :, None] * stat),
            "vacancies": (("area", "time", "statistic"), (v[:, None] * flat)[:, :, None] * stat),
            "labour_force": (("area", "time"), june["labour_force"].values.ravel()[:, None] * flat),
        },
        coords={"area": munis, "time": FC_MONTHS, "statistic": ["mean", "lo80", "hi80"]},
    )


@pytest.fixture(scope="module")
def closure(ta23):
    fc = _forecasts(ta23)
    ds = run_scenario(CLOSURE, draws=2, seed=1, baseline=fc, calibration=ta23)
    return fc, ds


def test_the_baseline_follows_the_forecasts_and_repeats_their_last_year_after_them(closure):
    fc, ds = closure
    base = ds["unemployed_baseline_target"].sel(area="507").to_series()
    assert base.index[0] == pd.Timestamp("2026-07-01")
    assert base.index[-1] == pd.Timestamp("2031-06-01")
    point = fc["unemployed"].sel(area="507", statistic="mean").to_series()
    np.testing.assert_allclose(base[FC_MONTHS].to_numpy(), point.to_numpy())
    december = base[base.index.month == 12]
    # The table's year-end rows follow the forecasts' fall, not one value repeated.
    assert (np.diff(december["2026":"2029"].to_numpy()) < 0).all()
    after = base["2030-01":]
    np.testing.assert_allclose(after.to_numpy(), base["2029-01":"2030-06"].to_numpy())


def test_the_result_states_how_the_baseline_continues_after_the_forecasts(closure):
    _, ds = closure
    text = ds.attrs["baseline_method"]
    assert "7/2026–12/2029 the release's register forecasts" in text
    assert "1/2030–6/2031, after the register forecasts' horizon" in text
    assert "1/2029–12/2029 repeated" in text and "no further trend" in text
    assert "1/2030–6/2031" in ds.attrs["baseline_method_fi"]
    assert "ei jatkotrendiä" in ds.attrs["baseline_method_fi"]
    assert "1/2030–6/2031" in ds.attrs["baseline_method_sv"]


def test_the_result_carries_its_method_note_and_units_in_each_language(closure):
    """The method note a download's provenance shows (draws, then the baseline's sentence
    in the reader's language) and each variable's unit come with the result itself."""
    _, ds = closure
    for lang, words in (("fi", "Monte Carlo -mallilla"), ("sv", "Monte Carlo-modell"),
                        ("en", "labour-flow Monte Carlo model")):  # fmt: skip
        note = ds.attrs[f"method_note_{lang}"]
        assert words in note and "(n = 2)" in note
        assert note.endswith(ds.attrs["baseline_method" if lang == "en" else
                                      f"baseline_method_{lang}"])  # fmt: skip
    assert ds.attrs["method_note"] == ds.attrs["method_note_en"]
    assert ds["unemployed"].attrs["units"] == "persons"
    assert ds["unemployment_rate"].attrs["units"] == "percent"
    assert ds["direct_jobs_change"].attrs["units"] == "jobs"
    shares = [v for v in map(str, ds.data_vars) if v.endswith("_share")]
    assert all(ds[v].attrs["units"] == "share" for v in shares)


def test_a_persistence_baseline_says_it_is_the_same_every_year(ta23):
    """Without forecasts each calendar month keeps one value (every December alike): the
    statement says so, naming the repeated year and the level it is scaled to."""
    months = pd.date_range("2026-07-01", "2031-06-01", freq="MS")
    text = describe_targets(ta23.registers, months)
    assert text["en"] == (
        "Baseline (no events): 7/2026–6/2031 the last complete observed year "
        "11/2022–10/2023 repeated, scaled to the level of 6/2026 (seasonal persistence: each "
        "calendar month keeps one value every year, no trend)."
    )
    assert "ei trendiä" in text["fi"] and "ingen trend" in text["sv"]
    # A window of observed months only says so.
    past = describe_targets(ta23.registers, pd.date_range("2015-01-01", periods=12, freq="MS"))
    assert past["en"] == "Baseline (no events): 1/2015–12/2015 the observed registers (tyonv 12r5)."


def test_presets_follow_the_same_forecasts_as_a_scenario_of_the_form(ta23, closure):
    fc, single = closure
    ds = run_presets(seed=1, draws=1, calibration=ta23, baseline=fc)
    base = ds["unemployed_baseline_target"].sel(scenario="baseline", area="507")
    np.testing.assert_allclose(
        base.sel(time=FC_MONTHS).values, fc["unemployed"].sel(area="507", statistic="mean").values
    )
    same = single["unemployed_baseline_target"].sel(area="507")
    np.testing.assert_allclose(base.sel(time=same["time"]).values, same.values)
    assert '"baseline_source": "register_forecast"' in ds.attrs["scenario_specs"]
    assert "register forecasts" in ds.attrs["baseline_method"]


def test_release_presets_take_forecasts_only_when_they_hold_every_municipality(ta23):
    fc = _forecasts(ta23).assign(jobseekers=lambda d: d["unemployed"] * 1.5)
    picked = _scenario_targets(fc, "TA23")
    assert picked is not None and set(picked.data_vars) == {
        "unemployed",
        "vacancies",
        "labour_force",
    }
    assert _scenario_targets(fc.drop_sel(area="507"), "TA23") is None
    assert _scenario_targets(None, "TA23") is None


def test_the_scenario_page_shows_the_statement_in_its_language(closure):
    from service.routers.dashboard import _result_for_page
    from service.scenarios import ScenarioRun

    _, ds = closure
    run = ScenarioRun("r", {}, None, ds, dt.datetime(2026, 7, 1, tzinfo=dt.UTC), 0.1)
    form = {"municipality": "507", "draws": 2}
    for lang, word in (("fi", "Perusura"), ("sv", "Grundbana"), ("en", "Baseline")):
        assert _result_for_page(run, form, lang)["baseline_note"].startswith(word)
