"""Spillovers to neighbouring employment areas and the recruitment response
(forecasting/scenarios/spillover.py, recruitment.py, events.py)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from forecasting.io.centroids_build import TABLE
from forecasting.scenarios import recruitment, run_scenario
from forecasting.scenarios import spillover as sp
from forecasting.scenarios.baseline import Q_OUT, build_baseline
from forecasting.scenarios.presets import PRESETS
from forecasting.scenarios.run import area_slack, as_spec, first_month

CLOSURE = PRESETS["mantyharju_manufacturing_closure"]
RECRUITMENT = PRESETS["mikkeli_health_care_employer"]


def test_centroid_table_covers_every_municipality_with_known_places():
    cent = sp.centroids()
    assert len(cent) == 308 and TABLE.exists()
    # Helsinki and Mikkeli centres (NLS borders; city centres 60.17/24.94 and 61.69/27.27)
    assert cent.loc["091", "lat"] == pytest.approx(60.2, abs=0.15)
    assert cent.loc["491", ["lat", "lon"]].tolist() == pytest.approx([61.69, 27.27], abs=0.1)


def test_links_are_shares_over_other_areas(ta23):
    links = ta23.links
    assert links is not None and "TA23" not in links.areas
    for split in (links.work_split, links.home_split):
        assert split.shape == (6, len(links.areas))
        assert (split >= 0).all() and np.allclose(split.sum(axis=1), 1.0)
    # Mäntyharju's nearer neighbours weigh more than the far north (Lahti vs Rovaniemi area)
    w = ta23.structure.municipalities.index("507")
    lahti = links.areas.index("TA31") if "TA31" in links.areas else None
    lapland = [k for k, a in enumerate(links.areas) if a in ("TA44", "TA45", "TA46")]
    assert lahti is not None and links.work_split[w, lahti] > links.work_split[w, lapland].max()


@pytest.fixture(scope="module")
def closure(ta23):
    return run_scenario(CLOSURE, calibration=ta23, draws=40, seed=3)


def test_secondary_jobs_are_conserved_between_inside_and_neighbours(closure):
    inside = closure["secondary_jobs_change"].sum().item()
    away = closure["spillover_jobs_by_area"].isel(time=-1)
    extra = -300 * (1.6 - 1.0)  # forecasting/config/multipliers.toml: C total 1.6
    assert inside + away.sum().item() == pytest.approx(extra, rel=1e-12)
    assert (away.values <= 1e-12).all()  # losses everywhere
    share = closure["spillover_outside_share"].isel(time=-1).item()
    assert 0.05 < share < 0.5  # the event municipality's ties are mostly inside TA23


def test_bit_identical_with_one_and_two_threads(ta23):
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_scenario(CLOSURE, calibration=ta23, draws=8, seed=5)
        numba.set_num_threads(2)
        two = run_scenario(CLOSURE, calibration=ta23, draws=8, seed=5)
    finally:
        numba.set_num_threads(before)
    for name in ("unemployed", "spillover_jobs_by_area", "displaced_retired_share_by_age"):
        assert np.array_equal(one[name].values, two[name].values, equal_nan=True)


def test_recruitment_response_rises_with_tightness_and_shares_sum_to_one(ta23):
    spec = as_spec(RECRUITMENT)
    base = build_baseline(ta23, first_month(spec, ta23.registers), spec.horizon_months)
    slack = area_slack(base, ta23.registers)
    normal = recruitment.response(spec, base, np.ones_like(slack))
    tight = recruitment.response(spec, base, 2 * np.ones_like(slack))
    w = base.structure.municipalities.index("491")
    assert Q_OUT < normal.q_out[w] < tight.q_out[w] <= recruitment.Q_OUT_MAX
    others = [k for k in range(6) if k != w]
    assert np.array_equal(normal.q_out[others], base.params.q_out[others])
    for r in (normal, tight):
        assert sum(r.shares.values()) == pytest.approx(1.0)
    assert tight.shares["local_unemployed"] < normal.shares["local_unemployed"]
    assert tight.shares["in_migrants"] > normal.shares["in_migrants"]
    ds = run_scenario(RECRUITMENT, calibration=ta23, draws=8, seed=1)
    assert 0 < ds["recruitment_filled_by_in_commuters_share"].item() < 0.5
