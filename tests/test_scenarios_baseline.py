"""Calibration and the no-shock baseline against the real registers of 2015-2019.

Reference values: tyonv 12r5 (unemployed jobseekers and open vacancies at month end, six
municipalities of the Mikkeli region employment area, Pertunmaa in Mäntyharju), tyokay
115n/115p (commuting 2017), Statistics Finland's long-term unemployed share of Etelä-Savo at
the end of 2017 (2,169 / 8,168).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecasting.scenarios import baseline as bl
from forecasting.scenarios.calibration import load_structure
from models import labourflow as lf

#: Tolerances of the baseline run (median over draws vs observed, 60 months).
TOL_U_MUNICIPALITY = 0.05  # max relative error, any municipality and month
TOL_U_MIKKELI = 0.02
TOL_U_AREA = 0.02  # the six together
TOL_V_MIKKELI = 0.03  # mean absolute relative error of open vacancies
TOL_V_AREA = 0.03
COVERAGE = 0.90  # share of municipality-months with the observation inside the 5-95 % band
DRAWS = 300


@pytest.fixture(scope="module")
def run_2015(ta23, cubes):
    base = bl.build_baseline(ta23, "2015-01", 60)
    res = lf.simulate(base.params, base.path, base.init, draws=DRAWS, seed=20150101)
    reg = cubes["registers"].sel(area=list(base.structure.municipalities))
    obs = reg.sel(time=slice("2015-01", "2019-12")).transpose("time", "area")
    return base, res, obs


def test_the_window_is_all_observed(run_2015):
    base, _, obs = run_2015
    assert base.targets.observed.all()
    assert obs.sizes["time"] == 60


def test_baseline_reproduces_observed_unemployed(run_2015):
    base, res, obs = run_2015
    observed = obs["unemployed"].values
    median = np.median(res.unemployed, axis=0)
    rel = np.abs(median / observed - 1)
    assert rel.max() <= TOL_U_MUNICIPALITY, rel.max(axis=0)
    assert rel[:, base.structure.municipalities.index("491")].max() <= TOL_U_MIKKELI
    area = np.abs(np.median(res.unemployed.sum(axis=2), axis=0) / observed.sum(axis=1) - 1)
    assert area.max() <= TOL_U_AREA
    lo, hi = np.quantile(res.unemployed, [0.05, 0.95], axis=0)
    assert ((observed >= lo) & (observed <= hi)).mean() >= COVERAGE


def test_baseline_reproduces_observed_vacancies(run_2015):
    base, res, obs = run_2015
    observed = obs["vacancies"].values  # NaN where suppressed (small cells)
    median = np.median(res.vacancies, axis=0).astype(float)
    k = base.structure.municipalities.index("491")
    assert np.nanmean(np.abs(median[:, k] / observed[:, k] - 1)) <= TOL_V_MIKKELI
    full = ~np.isnan(observed).any(axis=1)
    assert full.sum() >= 12
    area = np.abs(median.sum(axis=1)[full] / observed.sum(axis=1)[full] - 1)
    assert area.mean() <= TOL_V_AREA


def test_long_term_share_matches_its_anchor(ta23):
    match_a, cap, theta_out = bl.calibrate_matching(ta23.structure, ta23.registers)
    assert match_a > 0 and cap > 1 and (theta_out >= 0).all()
    assert (match_a, cap) == (ta23.match_a, ta23.cap)
    base = bl.build_baseline(ta23, "2017-12", 1)
    share = base.expected_long_term.sum() / base.expected_unemployed.sum()
    assert share == pytest.approx(bl.LTU_SHARE_TARGET, abs=0.005)


def test_commuting_fit_matches_the_commuting_totals(ta23, cubes):
    st = ta23.structure
    com = cubes["commuting"].sel(area=list(st.municipalities), time="2017").squeeze()
    R = len(st.municipalities)
    off = st.flows.copy()
    off[np.arange(R), np.arange(R)] = 0
    np.testing.assert_allclose(off[:R].sum(axis=1), com["commuting_out"].values, rtol=1e-6)
    np.testing.assert_allclose(off[:, :R].sum(axis=0), com["commuting_in"].values, rtol=1e-6)
    np.testing.assert_allclose(
        np.diag(st.flows[:R, :R]), com["residents_working_in_home_municipality"].values
    )
    np.testing.assert_allclose(st.commute.sum(axis=1), 1.0)
    np.testing.assert_allclose(st.mob.sum(axis=1), 1.0)


def test_matching_elasticity_is_estimated_and_plausible(cubes):
    st = load_structure(cubes)
    # Petrongolo & Pissarides (2001): elasticities on unemployment of 0.5-0.7.
    assert 0.4 <= st.alpha <= 0.8
    assert st.alpha_se < 0.02 and st.alpha_n > 5000


def test_register_forecasts_drive_the_baseline_after_the_last_observation(ta23):
    """The optional hook: forecasts (with a ``statistic`` dim) replace persistence."""
    import pandas as pd
    import xarray as xr

    st = ta23.structure
    munis = list(st.municipalities)
    months = pd.date_range("2023-11-01", periods=14, freq="MS")
    level = np.linspace(100.0, 200.0, len(munis))
    fc = xr.Dataset(
        {
            "unemployed": (
                ("area", "time", "statistic"),
                np.broadcast_to(level[:, None, None], (len(munis), len(months), 2)).copy(),
            )
        },
        coords={"area": munis, "time": months, "statistic": ["mean", "hi95"]},
    )
    tg = bl.targets(st, ta23.registers, pd.Timestamp("2023-10-01"), 20, baseline=fc)
    k = list(tg.months).index(pd.Timestamp("2024-06-01"))
    np.testing.assert_allclose(tg.unemployed[k], level)
    # After the forecasts end (2024-12) their last year is repeated.
    k = list(tg.months).index(pd.Timestamp("2025-05-01"))
    np.testing.assert_allclose(tg.unemployed[k], level)
    assert tg.observed[0] and not tg.observed[-1]


# -- the registers' gap and the present ----------------------------------------------------


def test_the_complete_history_ends_before_the_gap_and_the_present_is_2026_06(ta23):
    """Snapshot v2: 12r5 observed to 2023-10, a gap 2023-11..2026-05, 2026-06 observed."""
    import pandas as pd

    assert bl.history_end(ta23.registers) == pd.Timestamp("2023-10-01")
    assert bl.latest_observed(ta23.registers) == pd.Timestamp("2026-06-01")
    old = ta23.registers.sel(time=slice(None, "2023-10"))
    for first, n in (("2021-01", 60), ("2013-01", 60)):  # windows into the gap are unchanged
        new_t = bl.targets(ta23.structure, ta23.registers, pd.Timestamp(first), n)
        old_t = bl.targets(ta23.structure, old, pd.Timestamp(first), n)
        for k in ("unemployed", "employed", "vacancies", "observed"):
            np.testing.assert_array_equal(getattr(new_t, k), getattr(old_t, k))


def test_the_baseline_from_the_present_starts_from_the_published_registers(ta23):
    """A spec without start or events starts 2026-07 from the published 2026-06 counts and
    long-term share (tyonv 12r5 2026-06; criteria of docs/results/scenarios_present.md)."""
    import pandas as pd

    from forecasting.scenarios.run import first_month
    from forecasting.scenarios.spec import ScenarioSpec

    first = first_month(ScenarioSpec(), ta23.registers)
    assert first == pd.Timestamp("2026-07-01")
    base = bl.build_baseline(ta23, first, 12)
    obs = ta23.registers.sel(time="2026-06", area=list(ta23.structure.municipalities))
    u_obs = obs["unemployed"].values.ravel()
    lt_obs = obs["long_term_unemployed"].values.ravel() / u_obs
    U = base.init.U
    u = U.sum(axis=(1, 2))
    assert np.abs(u / u_obs - 1).max() <= 0.05
    assert np.abs(U[..., -1].sum(axis=1) / u - lt_obs).max() <= 0.05
    assert not base.targets.observed.any()
    # persistence after the present continues from its level (no step back to 2023)
    june = base.targets.unemployed[list(base.months).index(pd.Timestamp("2027-06-01"))]
    np.testing.assert_allclose(june, u_obs)


@given(
    U=arrays(np.float64, (3, 4, 4), elements=st.floats(0, 1000, allow_subnormal=False)),
    share=arrays(np.float64, 3, elements=st.floats(0, 1)),
)
def test_setting_the_long_term_share_keeps_the_totals(U, share):
    out = bl.set_long_term_share(U, share)
    assert (out >= 0).all()
    np.testing.assert_allclose(out.sum(axis=(1, 2)), U.sum(axis=(1, 2)), rtol=1e-9, atol=1e-9)
    total = U.sum(axis=(1, 2))
    ok = total > 1e-6
    np.testing.assert_allclose(
        out[ok][..., -1].sum(axis=1), share[ok] * total[ok], rtol=1e-9, atol=1e-6
    )


def test_a_nearly_all_long_term_municipality_keeps_its_total_to_rounding():
    """Found by the property above: 2.0 long-term and 1e-7 shorter. The shorter bands were
    scaled by ``(total - want) / (total - lt)``, whose difference cancels (relative error
    ~1e-9); their own sum keeps the total to rounding."""
    U = np.zeros((1, 2, 4))
    U[0, 0, -1], U[0, 1, 0] = 2.0, 1e-7
    out = bl.set_long_term_share(U, np.array([0.3]))
    np.testing.assert_allclose(out.sum(), U.sum(), rtol=1e-14)
    np.testing.assert_allclose(out[0, :, -1].sum(), 0.3 * U.sum(), rtol=1e-14)
