"""Freshness of sources against the publishers' normal delays."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forecasting.errors import ValidationError
from forecasting.freshness import freshness, freshness_table, period_end


def test_registers_of_june_are_stale_in_december_but_not_in_august() -> None:
    # KEHA publishes July around 20-25 August: on 30 August June is still the newest month
    assert not freshness("registers", "2026-06", dt.date(2026, 8, 30)).stale
    late = freshness("registers", "2026-06", dt.date(2026, 12, 6))
    assert late.stale and late.age_days == 159 and late.next_expected_by == dt.date(2026, 8, 31)


def test_population_of_2025_is_fresh_until_the_2026_structure_is_due() -> None:
    assert not freshness("population_totals", "2025", dt.date(2026, 12, 6)).stale
    assert freshness("population_totals", "2025", dt.date(2027, 4, 16)).stale


def test_unknown_calendar_is_never_stale_and_missing_data_is() -> None:
    assert not freshness("jobs_totals_2019", "2019", dt.date(2026, 12, 6)).stale
    assert freshness("registers", None, dt.date(2026, 12, 6)).stale
    table = freshness_table({"registers": "2026-06"}, dt.date(2026, 7, 1))
    assert table["registers"]["stale"] is False


@given(st.dates(dt.date(2000, 1, 1), dt.date(2090, 12, 1)), st.integers(0, 4000))
def test_staleness_is_monotone_in_today(month: dt.date, days: int) -> None:
    label = f"{month:%Y-%m}"
    today = month + dt.timedelta(days=days)
    if freshness("registers", label, today).stale:
        assert freshness("registers", label, today + dt.timedelta(days=1)).stale


@pytest.mark.parametrize("bad", ["2026-13", "26", "June", "2026-06-01"])
def test_a_bad_period_label_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="data_through"):
        period_end(bad)
