"""Jobs and workers balanced through commuting and unemployment (demography.balance)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.demography.balance import balance
from forecasting.errors import ValidationError


def _commuting(jobs: float, employed: float) -> xr.Dataset:
    time = pd.to_datetime(["2016-12-31", "2017-12-31"])
    return xr.Dataset(
        {
            "jobs": (("area", "time"), [[jobs, jobs]]),
            "employed_residents": (("area", "time"), [[employed, employed]]),
        },
        coords={"area": ["491"], "time": time},
    )


def _series(values: list[float]) -> xr.DataArray:
    years = np.arange(2025, 2025 + len(values))
    return xr.DataArray([values], dims=("area", "year"), coords={"area": ["491"], "year": years})


def test_observed_share_kept_when_labour_suffices() -> None:
    # 2017: 1,000 jobs, 900 employed residents: net in-commuting 10 % of jobs
    ds = balance(_commuting(1000, 900), _series([1000, 1100]), _series([1200, 1200]))
    np.testing.assert_allclose(ds["employed_residents"].values, [[900, 990]])
    np.testing.assert_allclose(ds["unemployed"].values, [[300, 210]])
    np.testing.assert_allclose(ds["commuting_share"].values, [[0.1, 0.1]])
    assert not ds["commuting_flag"].values.any()


def test_flag_when_jobs_outgrow_the_residents() -> None:
    # labour force 1,000, floor 3 %: at most 970 residents employed; 1,400 jobs -> 30.7 %
    ds = balance(_commuting(1000, 900), _series([1000, 1400]), _series([1000, 1000]))
    assert ds["employed_residents"].values[0, 1] == pytest.approx(970)
    assert ds["commuting_share"].values[0, 1] == pytest.approx(430 / 1400)
    assert ds["commuting_flag"].values.tolist() == [[False, True]]


@settings(max_examples=40, deadline=None)
@given(st.floats(100, 1e5), st.floats(0.5, 1.5), st.floats(100, 1e5))
def test_accounting_identities(jobs: float, ratio: float, force: float) -> None:
    ds = balance(_commuting(1000, 1000 * ratio), _series([jobs]), _series([force]))
    e, u, n = (float(ds[v].values[0, 0]) for v in ("employed_residents", "unemployed",
                                                  "net_commuting"))  # fmt: skip
    assert e + n == pytest.approx(jobs)
    assert e + u == pytest.approx(force)
    assert 0 <= e <= force * 0.97 + 1e-6


def test_refuses_bad_threshold_and_unknown_area() -> None:
    with pytest.raises(ValidationError):
        balance(_commuting(1, 1), _series([1]), _series([1]), max_departure=2)
    other = _series([1]).assign_coords(area=["999"])
    with pytest.raises(ValidationError, match="999"):
        balance(_commuting(1, 1), other, other)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(50, 5e4), min_size=1, max_size=6),
    st.lists(st.floats(50, 5e4), min_size=6, max_size=6),
    st.floats(0.3, 1.7),
    st.floats(0.01, 0.5),
)
def test_flag_exactly_where_the_departure_exceeds_the_threshold(
    jobs: list[float], force: list[float], ratio: float, limit: float
) -> None:
    """The flag is set in exactly the years whose implied share departs from the observed
    by more than ``max_departure``, and the departure is implied minus observed."""
    n = len(jobs)
    ds = balance(
        _commuting(1000, 1000 * ratio), _series(jobs), _series(force[:n]), max_departure=limit
    )
    share, c0 = ds["commuting_share"].values[0], float(ds["commuting_share_observed"].values[0])
    np.testing.assert_allclose(ds["commuting_departure"].values[0], share - c0)
    np.testing.assert_array_equal(ds["commuting_flag"].values[0], np.abs(share - c0) > limit)
    assert ds.attrs["max_departure"] == limit


def test_an_aggregates_commuting_is_its_members_together() -> None:
    """TA23 (six municipalities): sums of jobs and employed residents; a member missing in a
    year makes the aggregate's year missing, never a smaller sum."""
    from forecasting import geography
    from forecasting.demography.balance import commuting_of_areas

    members = geography.members("TA23")
    time = pd.to_datetime(["2016-12-31", "2017-12-31"])
    jobs = np.arange(1.0, 13.0).reshape(6, 2) * 100
    jobs[0, 0] = np.nan
    cube = xr.Dataset(
        {"jobs": (("area", "time"), jobs), "employed_residents": (("area", "time"), jobs * 0.9)},
        coords={"area": members, "time": time},
    )
    out = commuting_of_areas(cube, ["491", "TA23"])
    assert float(out["jobs"].sel(area="491", time="2017")[0]) == float(
        cube["jobs"].sel(area="491", time="2017")[0]
    )
    assert np.isnan(float(out["jobs"].sel(area="TA23").isel(time=0)))
    assert float(out["jobs"].sel(area="TA23").isel(time=1)) == pytest.approx(jobs[:, 1].sum())
    with pytest.raises(ValidationError, match="TA23"):
        commuting_of_areas(cube.sel(area=members[1:]), ["TA23"])
