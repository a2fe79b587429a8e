"""The dashboard's inline SVG charts: the generic code lives in :mod:`forecasting.charts`
(shared with the monthly review, :mod:`forecasting.report`); re-exported here.

A chart drawn 760 units wide and shown 366 px wide on a phone shrank its 12-unit text to
6 px. :func:`responsive` draws a chart twice, for a desktop and, in a geometry of its own
(360 units: its text about 13 px on a 390 px phone), for a phone; ``style.css`` shows one.
"""

import inspect
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from forecasting.charts import (
    BAND,
    FORECAST,
    GRID,
    HISTORY,
    INK,
    Fan,
    FanPoint,
    bar_chart,
    envelope,
    fan_chart,
    nice_ticks,
    segments,
)

__all__ = [
    "BAND",
    "FORECAST",
    "GRID",
    "HISTORY",
    "INK",
    "NARROW",
    "Fan",
    "FanPoint",
    "bar_chart",
    "envelope",
    "fan_chart",
    "nice_ticks",
    "responsive",
    "segments",
]

#: A phone's drawing of a chart: its width (and height, bar) in SVG units.
NARROW: dict[str, dict[str, int]] = {
    "fan_chart": {"width": 360, "height": 260},
    "bar_chart": {"width": 360, "bar": 16},
    "pyramid": {"width": 360, "bar": 14},
}


def _classed(svg: Markup, name: str) -> str:
    return str(svg).replace('<svg class="chart"', f'<svg class="chart {name}"', 1)


def responsive(draw: Callable[..., Markup], /, *args: Any, **kwargs: Any) -> Markup:
    """``draw(*args, **kwargs)`` for a desktop (class ``chart-wide``) and again in its
    :data:`NARROW` geometry for a phone (``chart-narrow``, its ids suffixed ``-narrow``);
    one message where there is nothing to draw."""
    wide = draw(*args, **kwargs)
    if not str(wide).startswith("<svg"):
        return wide
    default = inspect.signature(draw).parameters["chart_id"].default
    chart_id = f"{kwargs.get('chart_id', default)}-narrow"
    narrow = draw(*args, **{**kwargs, **NARROW[draw.__name__], "chart_id": chart_id})
    return Markup(_classed(wide, "chart-wide") + _classed(narrow, "chart-narrow"))
