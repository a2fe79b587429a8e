"""The forecasts chart marks today: with registers to 6/2026 read in 12/2026, the months
7-11/2026 are forecasts of months already gone, and a planner reading "next spring" needs
to see where today falls on the axis. The marker follows the service's clock, in the page's
language, and is left out when today lies off the chart."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.charts import FanPoint, fan_chart

pytest_plugins = ["tests.service_fixtures"]

LEGEND = {"history": "h", "forecast": "f", "inner": "80 %", "outer": "95 %"}
HISTORY = [(dt.date(2026, m, 1), 100.0 + m) for m in range(1, 7)]
FORECAST = [
    FanPoint(dt.date(2026 + (m > 12), (m - 1) % 12 + 1, 1), 110.0, 100.0, 120.0, 90.0, 130.0)
    for m in range(7, 19)
]


def _marker(svg: str) -> tuple[float, str] | None:
    found = re.search(r'<g data-marker="today"><line x1="([\d.]+)".*?>([^<]*)</text></g>', svg)
    return (float(found.group(1)), found.group(2)) if found else None


def _x_of(svg: str, series: str) -> list[float]:
    points = re.search(rf'data-series="{series}" points="([^"]+)"', svg)
    assert points is not None
    return [float(pair.split(",")[0]) for pair in points.group(1).split()]


@settings(max_examples=40, deadline=None)
@given(day=st.dates(dt.date(2025, 6, 1), dt.date(2028, 6, 1)))
def test_the_marker_lies_at_its_day_between_the_months_around_it(day: dt.date) -> None:
    svg = str(fan_chart(HISTORY, FORECAST, title="t", description="d", legend=LEGEND,
                        today=(day, "Tänään")))  # fmt: skip
    first, last = HISTORY[0][0], FORECAST[-1].time
    marker = _marker(svg)
    if not first <= day <= last:
        assert marker is None
        return
    assert marker is not None and marker[1] == "Tänään"
    xs = _x_of(svg, "history") + _x_of(svg, "forecast")
    times = [t for t, _ in HISTORY] + [p.time for p in FORECAST]
    before = max(i for i, t in enumerate(times) if t <= day)
    assert xs[before] <= marker[0] + 1e-6
    if before + 1 < len(times):
        assert marker[0] <= xs[before + 1] + 1e-6


def test_no_marker_unless_asked() -> None:
    svg = str(fan_chart(HISTORY, FORECAST, title="t", description="d", legend=LEGEND))
    assert _marker(svg) is None


@pytest.mark.parametrize(
    ("lang", "label"), [("fi", "Tänään 7.12.2026"), ("sv", "I dag 7.12.2026"),
                        ("en", "Today 7.12.2026")],
)  # fmt: skip
def test_the_forecasts_page_marks_the_services_today(app_at: Any, lang: str, label: str) -> None:
    client = app_at(dt.date(2026, 12, 7))
    page = client.get("/forecasts", params={"lang": lang}).text
    marker = _marker(page)
    assert marker is not None and marker[1] == label


def test_a_day_off_the_chart_has_no_marker(app_at: Any) -> None:
    client = app_at(dt.date(2040, 1, 1))  # long after the forecasts end
    assert _marker(client.get("/forecasts", params={"lang": "fi"}).text) is None
