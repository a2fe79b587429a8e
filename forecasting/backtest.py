"""Rolling-origin backtests of the register forecasts, with metrics per series and aggregated.

Each origin sees only the data up to and including its month; forecasts reach 36 months
ahead (or the end of the data) and are scored against the registers' actual values
(suppressed cells are skipped). The default origins are nine, 15 months apart from 2012-06
to 2022-06, so they cover every calendar quarter; every history includes 2008–09 and the
later ones 2020. Scores per series, origin and horizon band (1–12, 13–36) for three forecasts:

- ``base``: the calibrated base forecast of each series on its own (median, base intervals);
- ``reconciled``: the published forecast (MinT, non-negative, coherent intervals);
- ``bottom_up``: sums of the municipalities' base medians (point forecasts only).

Metrics (:mod:`models.metrics`): MASE (seasonal naive scale over the training data, m = 12),
sMAPE, coverage of the 80 % and 95 % intervals, Winkler scores and the Winkler score divided
by the MASE scale (``msis80/95``, comparable across series).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

import numpy as np
import pandas as pd
import xarray as xr

from forecasting import geography
from forecasting.registers import (
    BACKTEST_HORIZON,
    VARIABLES,
    Hierarchy,
    VariableForecast,
    cap_bounds,
    check_registers,
    forecast_variable,
    hierarchy_panel,
    labour_force_forecast,
    labour_path,
    national_hierarchy,
    one_blas_thread,
    vacancy_ceiling,
)
from models import metrics

DEFAULT_ORIGINS = (
    "2012-06", "2013-09", "2014-12", "2016-03", "2017-06",
    "2018-09", "2019-12", "2021-03", "2022-06",
)  # fmt: skip
#: The origins every method choice so far was made on (models, weights, calibration rules,
#: the MinT variant): the tuning set. Choices are made on these only.
TUNING_ORIGINS = DEFAULT_ORIGINS
#: Held-out origins for an honest evaluation: nine other months, 15 months apart, between
#: the tuning origins (six to nine months from the nearest one), never used to choose
#: anything. Their 1-36 month windows overlap the tuning origins' windows in calendar time
#: (one history, one business cycle), so the two sets are not independent samples of it.
EVALUATION_ORIGINS = (
    "2011-09", "2012-12", "2014-03", "2015-06", "2016-09",
    "2017-12", "2019-03", "2020-06", "2021-09",
)  # fmt: skip
BANDS = {"h1-12": (0, 12), "h13-36": (12, 36)}
#: Levels of the quantiles a forecast publishes (lo95, lo80, point, hi80, hi95): the CRPS
#: of the intervals (``crps``; ``scrps`` over the seasonal naive in-sample scale, like MSIS)
#: is approximated from them (:func:`models.metrics.crps_quantiles`).
CRPS_PROBS = (0.025, 0.1, 0.5, 0.9, 0.975)


def backtest_registers(
    registers: xr.Dataset,
    origins: Iterable[str] = DEFAULT_ORIGINS,
    *,
    variables: Iterable[str] = VARIABLES,
    rows: tuple[str, ...] | None = None,
    n_samples: int = 500,
    seed: int = 20250101,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Rolling-origin evaluation; one row per origin, variable, area, method and band.

    Parameters
    ----------
    registers
        The ``registers`` cube (:func:`forecasting.registers.check_registers`).
    origins
        Forecast origins (last month of data used), ``YYYY-MM``.
    variables
        Register variables to forecast.
    rows
        Hierarchy rows to forecast (aggregates first, municipalities last); default the whole
        national hierarchy.
    n_samples, seed
        Sample paths per forecast for the coherent intervals, and the root seed.
    progress
        Called with a short message after each origin and variable.

    Returns
    -------
    pandas.DataFrame
        Columns ``origin, variable, area, level, method, band, n, mase, smape, coverage80,
        coverage95, winkler80, winkler95, msis80, msis95``.
    """
    with one_blas_thread():
        return _backtest(
            check_registers(registers), tuple(origins), tuple(variables), rows, n_samples, seed,
            progress,
        )  # fmt: skip


def backtest_unit(
    registers: xr.Dataset,
    origin: str,
    variable: str,
    origins: Iterable[str] = DEFAULT_ORIGINS,
    *,
    variables: Iterable[str] = VARIABLES,
    rows: tuple[str, ...] | None = None,
    n_samples: int = 500,
    seed: int = 20250101,
) -> pd.DataFrame:
    """The rows of :func:`backtest_registers` for one ``origin`` and ``variable``.

    Bit-identical to those rows of the whole run with the same ``origins``, ``variables``
    and ``seed``: the unit at origin ``i`` and variable ``j`` takes the random stream
    ``i * len(variables) + j`` of ``SeedSequence(seed)``, as the whole run does, so the
    units can run in any order or process and :func:`join_units` rebuilds the frame.
    """
    origins, variables = tuple(origins), tuple(variables)
    k = origins.index(origin) * len(variables) + variables.index(variable)
    ds = check_registers(registers)
    with one_blas_thread():
        return _backtest_one(
            ds, national_hierarchy(), rows, origin, variable, n_samples, _stream(seed, k)
        )


def join_units(
    frames: Mapping[tuple[str, str], pd.DataFrame],
    origins: Iterable[str] = DEFAULT_ORIGINS,
    variables: Iterable[str] = VARIABLES,
) -> pd.DataFrame:
    """The frame of :func:`backtest_registers` from its :func:`backtest_unit` frames, keyed
    ``(origin, variable)``, in the whole run's row order."""
    ordered = [frames[(o, v)] for o in origins for v in variables]
    return pd.concat(ordered, ignore_index=True)


def _stream(seed: int, k: int) -> np.random.SeedSequence:
    """Child ``k`` of ``SeedSequence(seed)`` (what ``spawn`` hands out ``k``-th)."""
    return np.random.SeedSequence(seed, spawn_key=(k,))


def _backtest(
    ds: xr.Dataset,
    origins: tuple[str, ...],
    variables: tuple[str, ...],
    rows: tuple[str, ...] | None,
    n_samples: int,
    seed: int,
    progress: Callable[[str], None] | None,
) -> pd.DataFrame:
    hier = national_hierarchy()
    frames = []
    k = 0
    for origin in origins:
        for variable in variables:
            frames.append(
                _backtest_one(ds, hier, rows, origin, variable, n_samples, _stream(seed, k))
            )
            k += 1
            if progress is not None:
                progress(f"{origin} {variable}")
    return pd.concat(frames, ignore_index=True)


def _backtest_one(
    ds: xr.Dataset,
    hier: Hierarchy,
    rows: tuple[str, ...] | None,
    origin: str,
    variable: str,
    n_samples: int,
    stream: np.random.SeedSequence,
) -> pd.DataFrame:
    """Forecast ``variable`` from ``origin`` and score it (one origin and variable)."""
    times = pd.DatetimeIndex(ds["time"].values)
    rows = hier.rows if rows is None else rows
    end = int(times.get_loc(pd.Timestamp(origin + "-01"))) + 1
    horizon = min(BACKTEST_HORIZON, len(times) - end)
    panel = hierarchy_panel(ds, variable, hier, end)
    fc = forecast_variable(
        panel, hier, rows, horizon, n_samples=n_samples, rng=np.random.default_rng(stream),
        variable=variable, labour=labour_path(ds, hier, rows, end, horizon),
    )  # fmt: skip
    actual = ds[variable].sel(area=list(rows)).transpose("area", "time").values
    train = panel[hier.index(rows)]
    if variable == "vacancies":
        labour = labour_force_forecast(ds, hier, rows, end, horizon)
        fc = cap_bounds(fc, vacancy_ceiling(train, labour))
    frame = score(fc, actual[:, end : end + horizon], train)
    frame.insert(0, "variable", variable)
    frame.insert(0, "origin", origin)
    return frame


def score(fc: VariableForecast, actual: np.ndarray, train: np.ndarray) -> pd.DataFrame:
    """Metrics of one :class:`~forecasting.registers.VariableForecast` against ``actual``.

    ``actual`` is ``(n, h)`` (NaN where suppressed), ``train`` the ``(n, T)`` training panel
    (for the MASE scale).
    """
    base = fc.base
    methods: dict[str, tuple[np.ndarray, dict[str, np.ndarray] | None]] = {
        "base": (
            base.mean,
            {"lo80": base.lo80, "hi80": base.hi80, "lo95": base.lo95, "hi95": base.hi95},
        ),
        "reconciled": (fc.point, fc.bounds),
        "bottom_up": (fc.bottom_up, None),
    }
    levels = [geography.level_of(r) if r in _area_codes() else "occupation" for r in fc.rows]
    frames = []
    for band, (start, stop) in BANDS.items():
        if actual.shape[1] <= start:
            continue
        cut = slice(start, stop)
        for method, (point, bounds) in methods.items():
            frame = pd.DataFrame(_metrics(actual[:, cut], point[:, cut], bounds, cut, train))
            frame.insert(0, "n", np.sum(np.isfinite(actual[:, cut]), axis=1))
            frame.insert(0, "band", band)
            frame.insert(0, "method", method)
            frame.insert(0, "level", levels)
            frame.insert(0, "area", list(fc.rows))
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _metrics(
    y: np.ndarray,
    point: np.ndarray,
    bounds: dict[str, np.ndarray] | None,
    cut: slice,
    train: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per-series metrics of one method in one horizon band."""
    out = {"mase": metrics.mase(y, point, train), "smape": metrics.smape(y, point)}
    if bounds is not None:
        scale = metrics.seasonal_scale(train)
        for level in (80, 95):
            lo, hi = bounds[f"lo{level}"][:, cut], bounds[f"hi{level}"][:, cut]
            out[f"coverage{level}"] = metrics.coverage(y, lo, hi)
            out[f"winkler{level}"] = metrics.winkler(y, lo, hi, level / 100)
            out[f"msis{level}"] = out[f"winkler{level}"] / scale
        quantiles = [bounds["lo95"][:, cut], bounds["lo80"][:, cut], point]
        quantiles += [bounds["hi80"][:, cut], bounds["hi95"][:, cut]]
        out["crps"] = metrics.crps_quantiles(y, np.stack(quantiles), CRPS_PROBS)
        out["scrps"] = out["crps"] / scale
    return out


@lru_cache
def _area_codes() -> frozenset[str]:
    return frozenset(geography.areas().index)


def summarise(
    frame: pd.DataFrame, by: tuple[str, ...] = ("variable", "level", "method", "band")
) -> pd.DataFrame:
    """Mean metrics by ``by`` over series and origins (series without actuals left out)."""
    usable = frame[(frame["n"] > 0) & np.isfinite(frame["mase"])]
    cols = [
        c
        for c in ("mase", "smape", "coverage80", "coverage95", "msis80", "msis95", "scrps")
        if c in usable
    ]
    return usable.groupby(list(by), sort=False)[cols].mean().reset_index()
