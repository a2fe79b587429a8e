"""Net migration: the regional age pattern, the municipal level and its uncertainty.

Net migration of a municipality in a year (ages at the end of the year, ``Q`` = survivors
before migration) is ``N = rho * Q + (M - sum(rho * Q)) * g``:

- ``rho[s, x]``: the region's net migration rates by sex and age (net migrants / population
  of the same age), pooled over the ``window`` years up to the base year;
- ``g[s, x]``: a spread schedule for the part of the municipal level the regional pattern
  does not explain: the Rogers-Castro model migration schedule (peak in the early twenties)
  weighted by the municipality's base population, normalised to 1;
- ``M``: the level. The history of the net migration rate is implied by the population
  totals, ``growth - natural increase`` (the muutl cube has internal migration only, so the
  totals are the one complete source); the level is its mean over the last ``window`` years.
  Published totals after the base year are hit exactly (``M = target - sum(Q)``) when the
  assumption calibrates to them, and count in the window.
- uncertainty: residuals of a linear trend through the implied history give the yearly sd
  ``sigma`` per municipality and a lag-1 autocorrelation ``phi`` pooled over all
  municipalities; the level's own sd ``sigma * sqrt(lambda)`` comes from rolling-origin
  pseudo-forecasts of the history with the same window (:func:`level_variance_ratio`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import xarray as xr

from forecasting.demography import _data
from forecasting.demography.assumptions import MigrationAssumption
from forecasting.errors import DataError

AGES = np.arange(101)
#: Rogers & Castro (1981) model migration schedule, their typical ("fundamental") parameters.
ROGERS_CASTRO = {"a1": 0.02, "alpha1": 0.1, "a2": 0.06, "alpha2": 0.1, "mu2": 20.0,
                 "lambda2": 0.4, "c": 0.003}  # fmt: skip


def rogers_castro(ages: np.ndarray) -> np.ndarray:
    """The model migration schedule at ``ages`` (relative intensity)."""
    p = ROGERS_CASTRO
    child = p["a1"] * np.exp(-p["alpha1"] * ages)
    labour = p["a2"] * np.exp(
        -p["alpha2"] * (ages - p["mu2"]) - np.exp(-p["lambda2"] * (ages - p["mu2"]))
    )
    return child + labour + p["c"]


def spread_schedule(population: np.ndarray) -> np.ndarray:
    """``g`` (A, 2, X): base population (A, 2, X) times the model schedule, summing to 1."""
    weights = population * rogers_castro(AGES.astype(float))[None, None, :]
    total = weights.sum(axis=(1, 2), keepdims=True)
    even = np.full_like(weights, 1.0 / weights[0].size)
    return np.where(total > 0, weights / np.where(total > 0, total, 1.0), even)


def regional_pattern(
    reg: xr.Dataset, regions: list[str], base_year: int, window: int
) -> xr.DataArray:
    """Net migration rates by sex and age (area=region, sex, age), pooled over the window,
    from the ``regional_demography`` cube ``reg``."""
    years = list(range(base_year - window + 1, base_year + 1))
    net = _data.by_year(reg["net_migration_by_age"]).sel(area=regions, year=years)
    pop = _data.by_year(reg["population"]).sel(area=regions, year=years)
    if bool(net.isnull().any()) or bool(pop.isnull().any()):
        raise DataError(
            f"regional migration or population missing in {years}", source="regional_demography"
        )
    rates = net.sum("year") / pop.sum("year").where(pop.sum("year") > 0)
    return rates.fillna(0.0).transpose("area", "sex", "age")


@dataclass(frozen=True)
class MigrationLevel:
    """Level and uncertainty of net migration per municipality (rates per resident a year)."""

    level: xr.DataArray  # (area,)
    sigma: xr.DataArray  # (area,)
    sigma_level: xr.DataArray  # (area,)
    phi: float
    history: xr.DataArray  # (area, year): implied net migration rate
    ratio: float  # sigma_level^2 / sigma^2 from the rolling-origin errors


def implied_rates(
    totals: xr.DataArray, natural_rate: xr.DataArray, first: int, last: int
) -> xr.DataArray:
    """Net migration rate implied by totals (area, year): ``P_t / P_{t-1} - 1 - natural_rate``.

    A year missing inside the span (e.g. 2023 between the extracts) is interpolated
    log-linearly between its neighbours, so the growth of the gap is split evenly.
    """
    years = list(range(first - 1, last + 1))
    have = set(totals["year"].values.tolist())
    if not {years[0], years[-1]} <= have:
        raise DataError(
            f"population_totals lacks years {sorted({years[0], years[-1]} - have)}",
            source="population_totals",
        )
    pop = totals.reindex(year=years)
    if bool(pop.isnull().any()):
        pop = np.exp(xr.apply_ufunc(np.log, pop).interpolate_na("year", method="linear"))
    growth = (pop / pop.shift(year=1) - 1.0).sel(year=years[1:])
    return growth - natural_rate


def estimate_level(history: xr.DataArray, last: int, a: MigrationAssumption) -> MigrationLevel:
    """Level, yearly sd, AR(1) and level sd of the implied history (area, year) up to ``last``.

    The level is the mean of the last ``window`` years. ``sigma`` is the sd of the residuals of
    a linear trend per municipality; ``phi`` their lag-1 autocorrelation pooled over all
    municipalities (clipped to [0, 0.9]). The level's sd is calibrated on rolling-origin
    pseudo-forecasts of the history itself (see :func:`level_variance_ratio`), so it covers
    drifts of the level and not only the sampling error of a mean.
    """
    span = history.sel(year=slice(a.history_from, last))
    level = span.sel(year=slice(last - a.window + 1, last)).mean("year")
    resid = xr.apply_ufunc(
        _detrend, span, input_core_dims=[["year"]], output_core_dims=[["year"]], vectorize=True
    )
    n_years = span.sizes["year"]
    sigma = np.sqrt((resid**2).sum("year") / max(n_years - 2, 1))
    phi = float((resid * resid.shift(year=1)).sum() / (resid**2).sum())
    phi = float(np.clip(phi, 0.0, 0.9))
    ratio = level_variance_ratio(span.values, sigma.values, a.window)
    return MigrationLevel(level, sigma, sigma * np.sqrt(ratio), phi, history, ratio)


def level_variance_ratio(
    rates: np.ndarray, sigma: np.ndarray, window: int, max_h: int = 5
) -> float:
    """``lambda = sigma_level^2 / sigma^2`` from rolling-origin errors of the window mean.

    For every municipality (rows of ``rates`` (A, T)) and origin, the error of the ``window``
    mean as a forecast of the next ``h`` years' cumulative rate, standardised by the
    municipality's ``sigma``, has mean square ``V_h``. The projection model (a per-draw level
    shift with sd ``sigma_level`` plus yearly deviations with sd ``sigma``) gives
    ``V_h = h + lambda h^2``; ``lambda`` is the least-squares fit over ``h = 1..max_h``, at
    least ``1 / window`` (the sampling error of the mean).
    """
    ok = sigma > 0
    z = rates[ok] / sigma[ok, None]
    return fit_level_ratio(z, window, lambda past: past[:, -window:].mean(axis=1), max_h)


def fit_level_ratio(
    z: np.ndarray, window: int, level_of: Callable[[np.ndarray], np.ndarray], max_h: int
) -> float:
    """``lambda`` of ``V_h = h + lambda h^2``: the least-squares fit over ``h = 1..max_h`` of
    the mean square error of ``level_of(z[:, :origin])`` (A,) as a forecast of the next ``h``
    years' sum, over every origin with at least ``window`` years before it; at least
    ``1 / window`` (the sampling error of a ``window``-year mean). ``z`` (A, T) is each area's
    history divided by its sigma."""
    n_years = z.shape[1]
    hs, vs = [], []
    for h in range(1, max_h + 1):
        errors = [
            z[:, o : o + h].sum(axis=1) - h * level_of(z[:, :o])
            for o in range(window, n_years - h + 1)
        ]
        if errors:
            hs.append(h)
            vs.append(float(np.mean(np.square(errors))))
    if not hs:
        return 1.0 / window
    h_arr, v_arr = np.asarray(hs, dtype=float), np.asarray(vs)
    lam = float(np.sum(h_arr**2 * (v_arr - h_arr)) / np.sum(h_arr**4))
    return max(lam, 1.0 / window)


def _detrend(y: np.ndarray) -> np.ndarray:
    t = np.arange(y.size, dtype=float)
    coef = np.polyfit(t, y, 1)
    return y - np.polyval(coef, t)


def adjusted_level(
    level: xr.DataArray, sigma: xr.DataArray, a: MigrationAssumption
) -> xr.DataArray:
    """The level after the variant, multiplier and offset."""
    if a.variant == "zero":
        return xr.zeros_like(level)
    shift = {"base": 0.0, "low": -1.0, "high": 1.0}[a.variant]
    return (level + shift * sigma) * a.multiplier + a.offset_per_1000 / 1000.0
