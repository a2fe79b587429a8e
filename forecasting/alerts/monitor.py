"""From the data of a release to the list of rule signals the engine evaluates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.alerts import rules
from forecasting.alerts.registry import RegisterInputs, register_rule_signals
from forecasting.alerts.rules import Signal
from forecasting.contract import STATISTICS
from forecasting.errors import DataError

Z80 = 1.2815515655446004
Z95 = 1.959963984540054


def naive_rate_forecast(rate: xr.DataArray, horizon: int = 12, window: int = 60) -> xr.Dataset:
    """A causal seasonal-naive-with-growth forecast of the rate and its 80 % interval.

    For origin ``t`` and step ``h`` (1..12) the log forecast is
    ``log r[t+h-12] + (log r[t] - log r[t-12])``: last year's seasonal value grown by the
    current year-on-year change. The interval's log-scale width comes from the same
    predictor's realised ``h``-step errors over the ``window`` months known at ``t``. Used
    only for the replay of history, where the release's model forecasts do not exist; the
    monthly run and the release use the release's ``register_forecasts``
    (:func:`rate_forecast_from_registers`).

    Parameters
    ----------
    rate
        (area, time) monthly unemployment rate.

    Returns
    -------
    Dataset with ``rate`` (area, time, step, statistic), statistic ``mean, lo80, hi80, lo95,
    hi95`` (the contract's layout).
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
        stats = [pred, pred - Z80 * sigma, pred + Z80 * sigma, pred - Z95 * sigma]
        stats.append(pred + Z95 * sigma)
        rate_h = np.exp(xr.concat(stats, dim=pd.Index(list(STATISTICS), name="statistic")))
        parts.append(rate_h.transpose("area", "time", "statistic"))
    rate_fc = xr.concat(parts, dim=pd.Index(range(1, horizon + 1), name="step"))
    return xr.Dataset({"rate": rate_fc.transpose("area", "time", "step", "statistic")})


def rate_forecast_from_registers(
    register_forecasts: xr.Dataset | None, origin: pd.Timestamp | str
) -> xr.Dataset:
    """The unemployment-rate forecast of the ``rate_threshold`` rule from the release's
    ``register_forecasts``.

    Parameters
    ----------
    register_forecasts
        The release product: ``unemployed`` and ``labour_force`` (area, time, statistic), months
        after ``origin``. None or without those variables is a :class:`DataError` (the rule
        never falls back on a naive forecast).
    origin
        The forecast origin (the last observed register month).

    Returns
    -------
    Dataset with ``rate`` (area, time, step, statistic): ``time`` the single origin month,
    ``step`` 1..H months ahead; each statistic of ``unemployed`` over the mean labour force
    (the labour force is an annual figure repeated monthly, its uncertainty is small).
    """
    needed = ("unemployed", "labour_force")
    if register_forecasts is None or any(v not in register_forecasts for v in needed):
        raise DataError(
            "the rate_threshold alert needs the release's register_forecasts (unemployed and "
            "labour_force by statistic); none were given",
            source="register_forecasts",
        )
    if "statistic" not in register_forecasts["unemployed"].dims:
        raise DataError(
            "register_forecasts must carry a 'statistic' dim (the data contract's layout)",
            source="register_forecasts",
        )
    start = pd.Timestamp(origin).to_period("M").to_timestamp()
    fc = register_forecasts[list(needed)]
    fc = fc.sel(time=fc["time"] > np.datetime64(start))
    force = fc["labour_force"]
    if "statistic" in force.dims:  # a point forecast of the annual labour force has none
        force = force.sel(statistic="mean", drop=True)
    rate = (fc["unemployed"] / force.where(force > 0)).transpose("area", "time", "statistic")
    steps = [
        (t.year - start.year) * 12 + t.month - start.month
        for t in pd.DatetimeIndex(rate["time"].values)
    ]
    rate = rate.assign_coords(time=steps).rename(time="step").expand_dims(time=[start])
    return xr.Dataset({"rate": rate.transpose("area", "time", "step", "statistic")})


def register_signals(
    registers: xr.Dataset,
    *,
    rate_forecast: xr.Dataset,
    events: pd.DataFrame | None = None,
    config: dict[str, Any] | None = None,
    areas: list[str] | None = None,
    impacts: dict[int, Any] | None = None,
) -> list[Signal]:
    """Signals of the register-based rules for ``areas`` (default: all municipalities and
    employment areas, e.g. TA23 itself).

    Parameters
    ----------
    registers
        The ``registers`` cube (area, time) with ``unemployed``, ``labour_force``.
    rate_forecast
        ``rate`` (area, time, step, statistic): the release's register forecasts as rates
        (:func:`rate_forecast_from_registers`) or, replaying history, the causal
        :func:`naive_rate_forecast`. Required: the rule has no silent fallback.
    events
        The event register as a frame (see :class:`forecasting.alerts.events.EventRegister`).
    impacts
        Simulated impacts of the tiered events by id (:mod:`forecasting.alerts.impact`).
    """
    config = config or rules.load_config()
    cfg = config["rules"]
    areas = areas or [
        a
        for a in map(str, registers["area"].values)
        if geography.level_of(a) in ("municipality", "employment_area", "region")
    ]
    if rate_forecast is None:
        raise DataError(
            "register_signals needs a rate forecast (the release's register_forecasts)",
            source="register_forecasts",
        )
    # every registered register rule (forecasting.alerts.rules: one registration per rule)
    inputs = RegisterInputs(registers, tuple(areas), rate_forecast)
    signals = register_rule_signals(inputs, config)
    if events is not None and len(events):
        reg = registers.sel(area=areas)
        signals.append(rules.event_tier(events, reg["labour_force"], cfg["event_tier"], impacts))
    return signals


# -- inputs of the rules outside the registers ------------------------------------------------
WORKING_AGE_BANDS = {"15-24": (15, 24), "25-54": (25, 54), "55-64": (55, 64)}


def working_age_input(source: xr.Dataset) -> xr.DataArray:
    """Annual working-age population (15-64) from a release product or a projection cube.

    Parameters
    ----------
    source
        The ``labour_supply`` product (``working_age_15_64`` (area, time, statistic); its
        mean) or a cube with ``population`` by ``age`` (area, time, age[, sex, draw]), e.g.
        ``projection_2019``.

    Returns
    -------
    (area, time) or, from single ages, (area, time, age_band) persons on 31.12.
    """
    if "working_age_15_64" in source:
        return source[["working_age_15_64"]].enn.point()["working_age_15_64"]
    pop = source["population"]
    for dim in ("sex",):
        if dim in pop.dims:
            pop = pop.sum(dim, min_count=1)
    if "statistic" in pop.dims:  # a population_projection product: its mean
        pop = pop.sel(statistic="mean", drop=True)
    if "draw" in pop.dims:
        pop = pop.median("draw")
    bands = [
        pop.sel(age=slice(lo, hi)).sum("age", min_count=1) for lo, hi in WORKING_AGE_BANDS.values()
    ]
    return xr.concat(bands, dim=pd.Index(list(WORKING_AGE_BANDS), name="age_band")).transpose(
        "area", "time", "age_band"
    )


def annual_to_monthly(signal: Signal, months: Sequence[pd.Timestamp]) -> Signal:
    """An annual signal (31.12. labels) on monthly ``months``: each month takes the last year-end
    before it (severity 0 where there is none)."""
    index = pd.DatetimeIndex(months)
    sev = signal.severity.sortby("time").reindex(time=index, method="ffill")
    numbers = signal.numbers.sortby("time").reindex(time=index, method="ffill")
    return replace(signal, severity=sev.fillna(rules.NORMAL).astype(np.int8), numbers=numbers)


def occupation_groups(cube: xr.Dataset, digits: int = 2) -> xr.Dataset:
    """Unemployed and vacancies summed to ``digits``-digit occupation groups.

    Only numeric 4-digit codes are summed (not the total ``SSS`` or the unknown ``X...``);
    suppressed cells (NaN) count as missing, a group with none known is NaN.
    """
    codes = [c for c in map(str, cube["occupation"].values) if c.isdigit() and len(c) == 4]
    sub = cube[["unemployed", "vacancies"]].sel(occupation=codes)
    sub = sub.assign_coords(group=("occupation", [c[:digits] for c in codes]))
    grouped = sub.groupby("group").sum(min_count=1)
    return grouped.rename({"group": "occupation"}).transpose("area", "occupation", "time")


def occupation_signals(
    cube: xr.Dataset,
    cfg: dict[str, Any],
    *,
    forecast: xr.Dataset | None = None,
) -> list[Signal]:
    """``occupation_shortage`` signals per 2-digit group from observed (and forecast) counts.

    Observed turns are warnings in their month. With ``forecast`` (the release's
    ``occupation_forecasts``: ``tightness`` (area, occupation, time) and ``vacancies``):

    - a forecast from the present (its origin, :func:`forecast_origin`, after the last
      observed month, as when the occupation data lags the registers) adds the origin month:
      info where the group is below ``tightness_shortage`` in the forecast's first month and
      reaches it (with ``min_vacancies``) within ``horizon_months`` after the origin, else
      normal, so an observed episode of the old data is not carried to the present
      (:func:`_present_projection`);
    - a forecast continuing the observed months flags a turn projected within
      ``horizon_months`` as an info breach at the last observed month.

    Both set ``months_to_projected_shortage``.
    """
    groups = occupation_groups(cube.sel(area=[a for a in cfg["areas"] if a in cube["area"]]))
    smooth = groups.rolling(time=cfg["smooth_months"], min_periods=cfg["smooth_months"]).mean()
    tight = smooth["vacancies"] / smooth["unemployed"].where(smooth["unemployed"] > 0)
    vac, unemp = smooth["vacancies"], smooth["unemployed"]
    last = pd.Timestamp(tight["time"].values[-1])
    if forecast is not None and forecast_origin(forecast) > last:
        signals = rules.occupation_shortage(tight, cfg, vacancies=vac, unemployed=unemp)
        return [_present_projection(s, forecast, cfg) for s in signals]
    if forecast is not None:
        tight, vac, unemp = _with_forecast(tight, vac, unemp, forecast, last, cfg)
    signals = rules.occupation_shortage(tight, cfg, vacancies=vac, unemployed=unemp)
    return [_fold_projection(s, last, cfg["horizon_months"]) for s in signals]


def forecast_origin(forecast: xr.Dataset) -> pd.Timestamp:
    """The month a forecast starts from: its ``level_data_through`` or ``origin`` attr
    (``YYYY-MM``), else the month before its first month."""
    for key in ("level_data_through", "origin"):
        raw = str(forecast.attrs.get(key) or "")
        if len(raw) >= 7:
            return pd.Timestamp(f"{raw[:7]}-01")
    return pd.Timestamp(forecast["time"].values[0]) - pd.DateOffset(months=1)


def _point(da: xr.DataArray) -> xr.DataArray:
    if "statistic" in da.dims:
        return da.to_dataset(name="v").enn.point()["v"]
    return da


#: Numbers of a projection from the present, at the origin month.
PROJECTION_NUMBERS = (
    "months_to_projected_shortage",
    "projected_tightness",
    "projected_vacancies",
    "projected_unemployed",
    "tightness_at_start",
)


def _present_projection(signal: Signal, forecast: xr.Dataset, cfg: dict[str, Any]) -> Signal:
    """``signal`` (observed months) plus the forecast's origin month: info where the group
    turns to shortage within ``horizon_months`` of the forecast from the present.

    The turn is judged on the forecast alone, its tightness in ``smooth_months`` means (the
    months before its start count as unknown), against its first month (the groups' shares of
    the occupation data's last month at the level of the registers' latest): the observed
    months are years older and their shortages say nothing of the present. Within one year
    of the present there is no forecast month a year earlier to compare with, so a seasonal
    peak above the threshold counts as a projected shortage. ``meta`` gets the
    forecast's ``shares_data_through`` and ``level_data_through`` for the explanation.
    """
    origin = forecast_origin(forecast)
    horizon, threshold = int(cfg["horizon_months"]), float(cfg["tightness_shortage"])
    smooth = int(cfg.get("smooth_months", 1))
    areas = [str(a) for a in signal.severity["area"].values]
    lead = np.full(len(areas), np.nan)
    values = {name: np.full(len(areas), np.nan) for name in PROJECTION_NUMBERS[1:]}
    occ = signal.subject
    fc_areas = set(map(str, forecast["area"].values))
    if occ in set(map(str, forecast["occupation"].values)):
        times = pd.DatetimeIndex(forecast["time"].values)
        window = (times > origin) & (times <= origin + pd.DateOffset(months=horizon))
        steps = np.array([(t.year - origin.year) * 12 + t.month - origin.month for t in times])
        for i, area in enumerate(areas):
            if area not in fc_areas or not window.any():
                continue

            def path(name: str, area: str = area) -> np.ndarray:
                if name not in forecast:
                    return np.full(len(times), np.nan)
                da = _point(forecast[name]).sel(area=area, occupation=occ)
                return np.asarray(da.transpose("time").values, dtype=float)

            t, v, u = path("tightness"), path("vacancies"), path("unemployed")
            # the observed side's ``smooth_months`` means (from the first forecast month on)
            t = pd.Series(t).rolling(smooth, min_periods=1).mean().to_numpy()
            start = t[window][0]
            turn = (t >= threshold) & ~(v < cfg.get("min_vacancies", 0)) & window
            values["tightness_at_start"][i] = start
            if not start < threshold or not turn.any():
                continue  # already in shortage at the start (or unknown): no turn
            j = int(np.argmax(turn))
            lead[i] = float(steps[j])
            values["projected_tightness"][i] = t[j]
            values["projected_vacancies"][i] = v[j]
            values["projected_unemployed"][i] = u[j]
    sev_now = np.where(np.isfinite(lead), rules.INFO, rules.NORMAL).astype(np.int8)
    at = pd.DatetimeIndex([origin])
    sev = xr.concat(
        [
            signal.severity,
            xr.DataArray(
                sev_now[:, None], dims=("area", "time"), coords={"area": areas, "time": at}
            ),
        ],
        dim="time",
    ).astype(np.int8)
    observed = signal.numbers.assign(
        {name: signal.numbers["tightness"] * np.nan for name in PROJECTION_NUMBERS}
    )
    now = {name: (("area", "time"), np.full((len(areas), 1), np.nan)) for name in observed}
    now["months_to_projected_shortage"] = (("area", "time"), lead[:, None])
    for name, col in values.items():
        now[name] = (("area", "time"), col[:, None])
    numbers = xr.concat([observed, xr.Dataset(now, coords={"area": areas, "time": at})], dim="time")
    meta = {
        **signal.meta,
        "shares_data_through": str(forecast.attrs.get("shares_data_through") or ""),
        "level_data_through": f"{origin:%Y-%m}",
    }
    return replace(signal, severity=sev.transpose("area", "time"), numbers=numbers, meta=meta)


def _with_forecast(
    tight: xr.DataArray,
    vac: xr.DataArray,
    unemp: xr.DataArray,
    forecast: xr.Dataset,
    last: pd.Timestamp,
    cfg: dict[str, Any],
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    def point(da: xr.DataArray) -> xr.DataArray:
        if "statistic" in da.dims:
            da = da.to_dataset(name="v").enn.point()["v"]
        return da.sel(time=da["time"] > np.datetime64(last))

    fc_t = point(forecast["tightness"])
    fc_v = point(forecast["vacancies"]) if "vacancies" in forecast else fc_t * np.nan
    fc_u = point(forecast["unemployed"]) if "unemployed" in forecast else fc_t * np.nan
    parts = [(tight, fc_t), (vac, fc_v), (unemp, fc_u)]
    joined = [
        xr.concat([obs, fc.transpose(*obs.dims)], dim="time", join="left") for obs, fc in parts
    ]
    return joined[0], joined[1], joined[2]


def _fold_projection(signal: Signal, last: pd.Timestamp, horizon: int) -> Signal:
    """Cut a signal to the observed months; a projected breach becomes info at ``last``."""
    times = pd.DatetimeIndex(signal.severity["time"].values)
    observed = times <= last
    sev = signal.severity.isel(time=observed).copy()
    numbers = signal.numbers.isel(time=observed).copy()
    ahead = signal.severity.isel(
        time=(times > last) & (times <= last + pd.DateOffset(months=horizon))
    )
    lead = np.full(sev.sizes["area"], np.nan)
    if ahead.sizes["time"]:
        hit = (ahead > 0).values
        lead = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1.0, np.nan)
        at_last = sev.sel(time=last).values
        sev.loc[{"time": last}] = np.where(
            np.isfinite(lead), np.maximum(at_last, rules.INFO), at_last
        )
    col = np.full((sev.sizes["area"], sev.sizes["time"]), np.nan)
    col[:, -1] = lead
    numbers["months_to_projected_shortage"] = (("area", "time"), col)
    return replace(signal, severity=sev, numbers=numbers)


def stale_sources(
    registers: xr.Dataset, occupations: xr.Dataset | None = None
) -> dict[str, xr.Dataset]:
    """The sources ``stale_data`` watches, by name: the registers' counts (unemployed, labour
    force, vacancies) and, when given, the occupations cube's unemployed and vacancies."""
    counts = [v for v in ("unemployed", "labour_force", "vacancies") if v in registers]
    sources = {"registers": registers[counts]}
    if occupations is not None:
        sources["occupations"] = occupations[["unemployed", "vacancies"]]
    return sources


def stale_signals(
    sources: dict[str, xr.Dataset], today: pd.Timestamp, area: str, cfg: dict[str, Any]
) -> list[Signal]:
    """``stale_data`` for each named source: its newest month with any value vs ``today``."""
    out = []
    for name, ds in sources.items():
        known = ds.to_array().notnull()
        other = [d for d in known.dims if d != "time"]
        times = pd.DatetimeIndex(known["time"].values[known.any(other).values])
        if len(times) == 0:
            continue
        meta = {k: str(ds.attrs[k]) for k in ("data_version", "retrieved") if k in ds.attrs}
        out.append(rules.stale_data(times[-1], today, area, cfg, source=name, meta=meta))
    return out
