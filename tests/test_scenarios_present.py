"""Scenarios from the present: the long-term share re-anchored to 2026-06 and the caseload
from registered jobseekers.

Reference values: tyonv 12r5 2026-06 (statfin-2026 extract, snapshot v2): TA23 unemployed
3,675, long-term unemployed share 40.4 % (Mikkeli 40.1 %), jobseekers 5,907 (Mikkeli 4,516
of 2,822 unemployed); staffing table forecasting/config/staffing.toml (TA23: 50 experts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.scenarios import baseline as bl
from forecasting.scenarios import staffing
from forecasting.scenarios.outputs import clients_by_draw
from forecasting.scenarios.spec import TA23_CLIENT_FACING_EXPERTS, ScenarioSpec, Staffing
from models import labourflow as lf

#: The criterion of the issue: the baseline holds the published share within a few points.
TOL_LTU_PP_AREA = 7.0  # any of the first 12 months (the summer peak dilutes the share)
TOL_LTU_PP_ANCHOR = 2.0  # 12 months on (the same calendar month), every municipality


@pytest.fixture(scope="module")
def present(ta23):
    return bl.build_baseline(ta23, "2026-07", 24)


def test_the_present_anchor_holds_the_published_long_term_share(ta23, present):
    obs = ta23.registers.sel(time="2026-06")
    share = (obs["long_term_unemployed"] / obs["unemployed"]).values.ravel()
    area = float(obs["long_term_unemployed"].sum() / obs["unemployed"].sum())
    assert present.anchor == "present"
    lt, u = present.expected_long_term, present.expected_unemployed
    area_path = lt.sum(axis=1) / u.sum(axis=1)
    assert np.abs(100 * (area_path[:12] - area)).max() <= TOL_LTU_PP_AREA
    np.testing.assert_array_less(np.abs(100 * (lt[11] / u[11] - share)), TOL_LTU_PP_ANCHOR)
    # the 2017 anchor alone would have drifted to about 27 % (docs/results/scenarios_present.md)
    assert area_path[11] > bl.LTU_SHARE_TARGET + 0.08


def test_windows_before_the_present_keep_the_2017_anchor(ta23):
    base = bl.build_baseline(ta23, "2015-01", 12)
    assert base.anchor == bl.LTU_ANCHOR_MONTH
    np.testing.assert_array_equal(base.params.match_A, np.full(6, ta23.match_a))
    assert ta23.match_a_present is not None and ta23.match_a_present.shape == (6,)


def test_clients_are_jobseekers_at_the_latest_ratio(ta23, present):
    js = present.jobseekers
    assert js is not None and js.observed == pd.Timestamp("2026-06-01")
    obs = ta23.registers.sel(time="2026-06")
    ratio = (obs["jobseekers"] / obs["unemployed"]).values.ravel()
    np.testing.assert_allclose(js.ratio, np.broadcast_to(ratio, js.ratio.shape))
    assert ratio[list(ta23.structure.municipalities).index("491")] == pytest.approx(4516 / 2822)
    assert (np.diff(js.log_sd, axis=0) > 0).all()  # the uncertainty grows with the horizon
    res = lf.simulate(present.params, present.path, present.init, draws=50, seed=3)
    clients = clients_by_draw(res, present, ScenarioSpec(), seed=3)
    point = (res.unemployed * ratio).sum(axis=2)
    np.testing.assert_allclose(np.median(clients / point, axis=0), 1.0, atol=0.03)
    fixed = ScenarioSpec(staffing=Staffing(jobseekers_per_unemployed=1.2))
    np.testing.assert_allclose(clients_by_draw(res, present, fixed), 1.2 * res.unemployed.sum(2))


def test_the_staffing_table_gives_ta23_and_no_other_area():
    assert staffing.client_facing_experts("TA23") == TA23_CLIENT_FACING_EXPERTS
    assert staffing.source("TA23") and staffing.version() == "staffing-v1"
    assert Staffing().experts_for("TA01") is None
    assert Staffing(client_facing_experts=40).experts_for("TA01") == 40
