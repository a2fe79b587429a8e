"""One rule for an area total with suppressed members (forecasting.partial_totals): the sum
of the published members, a lower bound marked partial, on the start page and in the review."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import geography
from forecasting.contract import STATUS_OK, STATUS_SUPPRESSED
from forecasting.partial_totals import area_total
from forecasting.report.review import Figure, figure

MONTH = pd.Timestamp("2026-06-01")


def _registers(values: list[float | None], own: float = np.nan) -> xr.Dataset:
    members = geography.members("TA23")
    data = np.array([np.nan if v is None else v for v in values] + [own], dtype=float)
    status = np.where(np.isfinite(data), STATUS_OK, STATUS_SUPPRESSED)
    return xr.Dataset(
        {"vacancies": (("area", "time"), data[:, None]),
         "vacancies_status": (("area", "time"), status[:, None])},
        coords={"area": [*members, "TA23"], "time": [MONTH]},
    )  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 500)), min_size=6, max_size=6))
def test_the_review_and_the_start_page_show_the_same_lower_bound(values):
    ds = _registers([None if v is None else float(v) for v in values])
    total = area_total(ds, "TA23", "vacancies", MONTH)
    shown = figure(ds, "vacancies", "TA23", MONTH)
    published = [v for v in values if v is not None]
    if not published:
        assert math.isnan(total.value) and shown == Figure(None, "suppressed")  # never 0
    elif len(published) < 6:
        assert total.partial and total.value == sum(published)
        assert shown == Figure(float(sum(published)), "partial", 6 - len(published), 6)
        assert not shown.ok  # no change is computed against a lower bound
    else:
        assert not total.partial and shown == Figure(float(sum(published)))


def test_a_published_area_cell_wins_and_rates_are_never_summed():
    ds = _registers([1.0, 2.0, None, 4.0, 5.0, 6.0], own=99.0)
    assert area_total(ds, "TA23", "vacancies", MONTH).value == 99.0
    assert figure(ds, "vacancies", "TA23", MONTH) == Figure(99.0)
    rate = ds.rename({"vacancies": "unemployment_rate_published"})
    rate["unemployment_rate_published"].loc[{"area": "TA23"}] = np.nan
    assert math.isnan(area_total(rate, "TA23", "unemployment_rate_published", MONTH).value)
