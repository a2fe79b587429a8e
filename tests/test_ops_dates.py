"""Dates from users lie in 1990-01-01..2100-12-31, refused with 422 naming the field otherwise.

Before: an event effective on 9999-12-31 was stored (201) and then broke every release build
(pandas ``OutOfBoundsDatetime``); "0001-01-01" or a scenario start of "2999-01" gave 500s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from forecasting.alerts.events import EventIn
from forecasting.dates import FIRST_DATE, LAST_DATE, check_date, check_month
from forecasting.scenarios.spec import Event, ScenarioSpec
from tests.service_data import EVENT

pytest_plugins = ["tests.service_fixtures"]

HEADERS = {"X-API-Key": "key-all"}


@given(st.dates())
def test_a_date_is_accepted_exactly_inside_the_range(day: dt.date) -> None:
    inside = FIRST_DATE <= day <= LAST_DATE
    month = f"{day.year:04d}-{day.month:02d}"
    if inside:
        assert check_date(day) == day and check_month(month) == month
    else:
        with pytest.raises(ValueError, match=r"outside 1990-01-01\.\.2100-12-31"):
            check_date(day)
        with pytest.raises(ValueError, match=r"outside 1990-01\.\.2100-12"):
            check_month(month)


def _field(exc: ValidationError) -> str:
    return ".".join(map(str, exc.errors()[0]["loc"]))


@pytest.mark.parametrize(
    ("field", "value"),
    [("effect_start", "9999-12-31"), ("announced", "0001-01-01"), ("effect_end", "2101-01-01")],
)
def test_an_event_outside_the_range_is_refused_naming_the_field(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as info:
        EventIn.model_validate({**EVENT, field: value})
    assert _field(info.value) == field
    assert EventIn.model_validate({**EVENT, "effect_end": "2100-12-31"}).effect_end == LAST_DATE


def test_a_scenario_month_outside_the_range_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        ScenarioSpec(start="2999-01")
    assert _field(info.value) == "start"
    event: dict[str, Any] = {"kind": "closure", "municipality": "507", "industry": "C", "jobs": 10}
    with pytest.raises(ValidationError) as info:
        Event.model_validate({**event, "start": "1989-12"})
    assert _field(info.value) == "start"
    assert Event.model_validate({**event, "start": "1990-01"}).start == "1990-01"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/v1/events", {**EVENT, "effect_start": "9999-12-31"}, "body.effect_start"),
        ("post", "/v1/events", {**EVENT, "announced": "0001-01-01"}, "body.announced"),
        ("post", "/v1/scenarios/runs", {"start": "2999-01", "horizon_months": 6}, "body.start"),
        ("get", "/v1/events?since=0001-01-01", None, "query.since"),
    ],
)
def test_the_api_answers_422_naming_the_field(
    client: Any, method: str, path: str, body: dict[str, Any] | None, field: str
) -> None:
    kwargs: dict[str, Any] = {"headers": HEADERS}
    if body is not None:
        kwargs["json"] = body
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
