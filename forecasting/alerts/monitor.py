"""From the data of a release to the list of rule signals the engine evaluates."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.alerts import rules
from forecasting.alerts.rules import Signal

Z80 = 1.2815515655446004


def naive_rate_forecast(rate: xr.DataArray, horizon: int = 12, window: int = 60) -> xr.Dataset:
    """A causal seasonal-naive-with-growth forecast of the rate and its 80 % interval.

    For origin ``t`` and step ``h`` (1..12) the log forecast is
    ``log r[t+h-12] + (log r[t] - log r[t-12])``: last year's seasonal value grown by the
    current year-on-year change. The interval's log-scale width comes from the same
    predictor's realised ``h``-step errors over the ``window`` months known at ``t``. Used
    for the replay of history, where the release's model forecasts do not exist; the monthly
    run uses the register forecasts instead.

    Parameters
    ----------
    rate
        (area, time) monthly unemployment rate.

    Returns
    -------
    Dataset (area, time, step) with ``mean``, ``lo80``, ``hi80``.
    """
    if not 1 <= horizon <= 12:
        raise ValueError("horizon must be 1..12 months for the seasonal naive")
    lr = xr.ufuncs.log(rate.where(rate > 0))
    growth = lr - lr.shift(time=12)
    parts = []
    for h in range(1, horizon + 1):
        pred = lr.shift(time=12 - h) + growth
        err = lr.shift(time=-h) - pred
        sigma = err.shift(time=h).rolling(time=window, min_periods=24).std()
        parts.append(
            xr.Dataset(
                {
                    "mean": np.exp(pred),
                    "lo80": np.exp(pred - Z80 * sigma),
                    "hi80": np.exp(pred + Z80 * sigma),
                }
            )
        )
    return xr.concat(parts, dim=pd.Index(range(1, horizon + 1), name="step"))


def register_signals(
    registers: xr.Dataset,
    *,
    rate_forecast: xr.Dataset | None = None,
    events: pd.DataFrame | None = None,
    config: dict[str, Any] | None = None,
    areas: list[str] | None = None,
) -> list[Signal]:
    """Signals of the register-based rules for ``areas`` (default: all municipalities).

    Parameters
    ----------
    registers
        The ``registers`` cube (area, time) with ``unemployed``, ``labour_force``.
    rate_forecast
        (area, time, step) rate forecasts (``mean``, ``lo80``, ``hi80``); the causal naive
        forecast is used when absent.
    events
        The event register as a frame (see :class:`forecasting.alerts.events.EventRegister`).
    """
    cfg = (config or rules.load_config())["rules"]
    areas = areas or [
        a for a in map(str, registers["area"].values) if geography.level_of(a) == "municipality"
    ]
    reg = registers.sel(area=areas)
    unemployed = reg["unemployed"]
    rate = unemployed / reg["labour_force"]
    forecast = rate_forecast if rate_forecast is not None else naive_rate_forecast(rate)
    signals = [
        rules.seasonal_rise(unemployed, cfg["seasonal_rise"]),
        rules.rate_threshold(forecast.sel(area=areas), cfg["rate_threshold"]),
        rules.structural_break(unemployed, cfg["structural_break"]),
    ]
    if events is not None and len(events):
        signals.append(rules.event_tier(events, reg["labour_force"], cfg["event_tier"]))
    staff_areas = [
        a
        for a in cfg["clients_per_expert"].get("client_facing_experts", {})
        if a in registers["area"]
    ]
    if staff_areas:
        signals.append(
            rules.clients_per_expert(
                registers["unemployed"].sel(area=staff_areas), cfg["clients_per_expert"]
            )
        )
    return signals
