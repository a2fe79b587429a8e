"""How fresh each input is: its last period against the publisher's normal release delay.

A source is *stale* when the period after its ``data_through`` should already be out: that
period's end plus the publisher's normal delay lies before ``today``. The delays are the
publishers' usual calendars (documented per source below), with a week of grace; they are
assumptions, versioned here (:data:`CALENDAR_VERSION`) and replaceable by a caller.

>>> import datetime as dt
>>> f = freshness("registers", "2026-06", dt.date(2026, 12, 6))
>>> f.stale, f.next_expected_by.isoformat()
(True, '2026-08-31')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from forecasting.errors import ValidationError

CALENDAR_VERSION = "1"


@dataclass(frozen=True)
class Publication:
    """A source's publication rhythm: ``frequency`` ("monthly" or "annual") and the days after
    a period's end by which the publisher normally has it out (grace included)."""

    frequency: str
    delay_days: int
    note: str


#: The normal calendars of the sources the products read (cube name -> publication).
PUBLICATIONS: dict[str, Publication] = {
    "registers": Publication(
        "monthly", 31, "KEHA-keskus publishes month M around the 20th-25th of M+1 (tyonv 12r5)"
    ),
    "occupations": Publication("monthly", 31, "KEHA-keskus, with 12r5 (tyonv 12ti)"),
    "vacancy_flows": Publication("monthly", 31, "KEHA-keskus (tyonv 2310)"),
    "population": Publication(
        "annual", 105, "Statistics Finland's population structure of 31.12. by early April"
    ),
    "population_totals": Publication("annual", 105, "as population (vaerak 11re)"),
    "population_by_sex": Publication("annual", 105, "as population (vaerak 11re)"),
    "population_change": Publication("annual", 105, "vital statistics of the year (vaerak 121w)"),
    "age_key_figures": Publication("annual", 105, "as population (vaerak 11ra)"),
    "education_levels": Publication("annual", 335, "educational structure in November (12bs)"),
    "commuting": Publication("annual", 700, "employment statistics, final data after ~2 years"),
    "employment_by_age_education": Publication("annual", 700, "as commuting (tyokay 115n/p)"),
}


@dataclass(frozen=True)
class Freshness:
    """The freshness of one source at ``today``."""

    source: str
    data_through: str | None
    next_expected_by: dt.date | None
    age_days: int | None
    stale: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "data_through": self.data_through,
            "next_expected_by": self.next_expected_by.isoformat()
            if self.next_expected_by
            else None,
            "age_days": self.age_days,
            "stale": self.stale,
        }


def period_end(data_through: str) -> dt.date:
    """The last day of a period ``"YYYY-MM"`` or ``"YYYY"``.

    Raises
    ------
    ValidationError
        If the label is neither.
    """
    try:
        if len(data_through) == 7:
            return (pd.Period(data_through, freq="M").end_time).date()
        if len(data_through) == 4:
            return dt.date(int(data_through), 12, 31)
    except ValueError:
        pass
    raise ValidationError("data_through", f"{data_through!r} is not YYYY-MM or YYYY")


def freshness(
    source: str,
    data_through: str | None,
    today: dt.date,
    publications: Mapping[str, Publication] | None = None,
) -> Freshness:
    """How fresh ``source`` is at ``today``; an unknown calendar is never called stale."""
    calendar = (publications or PUBLICATIONS).get(source)
    if not data_through:
        return Freshness(source, None, None, None, stale=calendar is not None)
    end = period_end(data_through)
    age = (today - end).days
    if calendar is None:
        return Freshness(source, data_through, None, age, stale=False)
    following = end + dt.timedelta(days=1)
    if calendar.frequency == "monthly":
        next_end = (pd.Period(following, freq="M").end_time).date()
    else:
        next_end = dt.date(following.year, 12, 31)
    expected = next_end + dt.timedelta(days=calendar.delay_days)
    return Freshness(source, data_through, expected, age, stale=today > expected)


def freshness_table(
    data_through: Mapping[str, str | None], today: dt.date
) -> dict[str, dict[str, object]]:
    """:func:`freshness` of every source in ``data_through``, as plain dicts."""
    return {name: freshness(name, dt_, today).as_dict() for name, dt_ in data_through.items()}
