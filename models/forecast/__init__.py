"""Forecasters for monthly count series: fit on ``y`` (counts), predict ``h`` steps.

Every model here follows one contract (see :class:`BaseForecaster`): keyword-only
constructor, ``fit(y) -> self``, ``predict(h) -> Forecast``, ``forecast(y, h) -> Forecast``.
"""

from models.forecast._base import Z80, Z95, BaseForecaster, Forecast
from models.forecast.arima import SeasonalARIMA
from models.forecast.boosting import PooledQuantileBoosting
from models.forecast.combination import Combination
from models.forecast.cycle import VacancyCycleRegression
from models.forecast.drift import DampedDrift
from models.forecast.ets import DampedETS
from models.forecast.hierarchy import HierarchicalForecast, forecast_hierarchy
from models.forecast.naive import SeasonalNaive
from models.forecast.panel import PanelCombination, default_members
from models.forecast.pooled import PooledRegression
from models.forecast.theta import Theta

__all__ = [
    "Z80",
    "Z95",
    "BaseForecaster",
    "Combination",
    "DampedDrift",
    "DampedETS",
    "Forecast",
    "HierarchicalForecast",
    "PanelCombination",
    "PooledQuantileBoosting",
    "PooledRegression",
    "SeasonalARIMA",
    "SeasonalNaive",
    "Theta",
    "VacancyCycleRegression",
    "default_members",
    "forecast_hierarchy",
]
