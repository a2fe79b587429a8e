"""The dashboard's inline SVG charts: the generic code lives in :mod:`forecasting.charts`
(shared with the monthly review, :mod:`forecasting.report`); re-exported here."""

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
    "Fan",
    "FanPoint",
    "bar_chart",
    "envelope",
    "fan_chart",
    "nice_ticks",
    "segments",
]
