"""The calendar range the project accepts from users: 1990-01-01 to 2100-12-31.

Every date or month that comes in from outside (an event's announcement and effect dates, a
scenario's start, a query's ``since``) must lie in this range. Outside it, dates either break
later steps (pandas' nanosecond timestamps end in 2262: an event effective on 9999-12-31 made
every release build fail with ``OutOfBoundsDatetime``) or mean nothing for a labour-market
forecast (the register series start in 2006). The range is checked where the value is parsed,
so a request is refused with 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator

FIRST_DATE = dt.date(1990, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
FIRST_MONTH = f"{FIRST_DATE:%Y-%m}"
LAST_MONTH = f"{LAST_DATE:%Y-%m}"


def check_date(value: dt.date) -> dt.date:
    """``value`` if it lies in the accepted range; ValueError (a pydantic field error) if not."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"date {day.isoformat()} is outside {FIRST_DATE}..{LAST_DATE}")
    return value


def check_month(value: Any) -> Any:
    """A ``YYYY-MM`` text (already pattern-checked) in the accepted range; None passes."""
    if value is not None and not FIRST_MONTH <= str(value) <= LAST_MONTH:
        raise ValueError(f"month {value} is outside {FIRST_MONTH}..{LAST_MONTH}")
    return value


#: A date in ``FIRST_DATE..LAST_DATE``.
BoundedDate = Annotated[dt.date, AfterValidator(check_date)]
