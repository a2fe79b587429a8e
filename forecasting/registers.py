"""Register forecasts: unemployed jobseekers, open vacancies and the unemployment rate.

The chain for one forecast origin (the last month of data used); the numpy core is
:func:`models.forecast.forecast_hierarchy`, this module owns the cubes, codes and checks::

    registers cube --(municipalities, suppressed cells imputed)--> hierarchy panel
      --(4 local models + pooled regression, weights stacked on inner backtests)--> base
      --(inner-backtest errors, worst block for 95 %)--> calibrated intervals
      --(MinT: backtest variances, shrunk correlations, common shock; non-negative)-->
      coherent points
      --(calibrated samples ordered by joint backtest errors, reconciled)--> coherent bounds
      --(unemployed: centres after 12 months pulled toward the long-run rate)--> centres
      --(split-conformal factor per variable, level and horizon band)--> published bounds

- **Suppressed cells.** KEHA suppresses counts 1–4 (values 1–4 never appear in the data);
  for model fitting a suppressed municipal cell is set to 2.5, the middle of that range.
  Aggregates are rebuilt as sums of municipalities, so the training data is coherent (the
  imputation moves a sum by at most 1.5 per suppressed member). Metrics skip suppressed
  actuals. The country (``SSS``) is the sum of the 308 municipalities, below the source's
  own national total, which also counts people and vacancies without a municipality: a
  little for the unemployed (2026-06: 351,981 against 352,001), but for vacancies by more
  than a quarter (18,498 against 26,641, of which 7,661 have no municipality), so the
  country's vacancies are those located in a municipality, not the national count.
- **Point forecast** (``mean``): the MinT-reconciled base medians ``expm1(loc)`` — not a
  probabilistic mean — so that every level adds up exactly and municipal forecasts are not
  inflated by the log-normal mean correction, which absolute errors (MASE) punish. For the
  unemployed, beyond 12 months after the latest data, each municipality's point is then
  pulled toward its long-run rate times its labour force (:data:`LONG_REVERSION`,
  :func:`revert_centres`) and the aggregates move by the sums, so it still adds up.
- **Intervals and reconciliation**: see :mod:`models.forecast.hierarchy`. The bounds are
  quantiles of reconciled sample paths, so they are coherent as distributions (every path
  adds up), not as numbers: an aggregate's bound is not the sum of its parts' bounds.
- **Labour force** is an annual figure repeated monthly: it is forecast on annual values with
  :class:`~models.forecast.DampedDrift` (damped median drift of the last five years),
  repeated for every month of a year, and summed for aggregates. The **unemployment rate**
  is ``100 * unemployed / labour force``; its bounds are those of the unemployed divided by
  the labour-force forecast (labour-force uncertainty, about 1 % a year, is left out).
- **Gaps** (months with no register data at all, 2023-11..2026-05 in snapshot v2): the
  engine forecasts from the *anchor*, the last month of the latest run of at least
  ``MIN_RUN`` complete months at or before the origin, across the gap to the horizon, and
  every month observed after the anchor conditions that forecast
  (:mod:`models.forecast.gap`, a Kalman-type update in log space, then MinT as usual).
  Older holes inside the engine's history are interpolated linearly in ``log1p``.
- **Special groups** (long-term unemployed, ..., new vacancies): forecast as their latest
  share of a total times the total's forecast, see :mod:`forecasting.register_groups`.
- **Determinism**: every entry point runs with one BLAS thread and sums the hierarchy
  without BLAS, so a thread of the main process and a Dask worker give bit-identical output.

Forecasts by occupation group live in :mod:`forecasting.register_occupations`.
Method note: ``docs/methods/registers.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr
from threadpoolctl import threadpool_limits

from forecasting import geography
from forecasting.contract import validate
from forecasting.errors import UnknownAreaError, ValidationError
from forecasting.interval_factors import INTERVAL_FACTORS, INTERVAL_SPREAD
from forecasting.provenance import combine_versions, stamp
from models.forecast import (
    DampedDrift,
    DampedETS,
    PanelCombination,
    PooledRegression,
    SeasonalARIMA,
    SeasonalNaive,
    Theta,
)
from models.forecast.calibration import factors_at, respread, robust_spread, scale_bounds
from models.forecast.hierarchy import HierarchicalForecast, forecast_hierarchy
from models.forecast.reversion import revert_to_level

VARIABLES = ("unemployed", "vacancies")
STATISTICS = ("mean", "lo80", "hi80", "lo95", "hi95")
SCOPES = ("area", "national")
MAX_HORIZON = 60  # months after the origin (2029-12 from 2026-06 is 42)
BACKTEST_HORIZON = 36
MIN_HISTORY = 48  # months before the first allowed origin (2009-12)
MIN_RUN = 24  # complete months the engine needs up to its anchor (see gap_plan)
SUPPRESSED_VALUE = 2.5
#: The pooled member's mean-reversion features (:class:`~models.forecast.PooledRegression`
#: ``reversion``), chosen on the tuning origins (docs/results/registers.md).
POOLED_REVERSION = False
#: Vacancy upper bounds: never above this share of the area's labour force (the highest
#: monthly vacancies / labour force of any municipality 2006-2023 is 0.43, the median
#: municipality's highest 0.05) ...
VACANCY_LF_SHARE = 0.5
#: ... nor above this many times the series' own highest month before the anchor (over
#: 36 months after the origins 2012-2020, 99 % of municipal series stayed below 3.1 times
#: their earlier maximum).
VACANCY_HISTORY_FACTOR = 3.0
#: Mean reversion of long-horizon centres toward each municipality's long-run rate
#: (:func:`models.forecast.reversion.revert_to_level` relative to the log labour force): the
#: median log unemployment rate of the last ``years`` years up to the anchor times the
#: labour-force path, pulled in with a ``half_life`` (months) after the first ``start``
#: months after the latest data, which stay unchanged (an ``early_half_life`` would pull
#: them too: not adopted, see docs/results/registers.md). Chosen on the tuning origins only
#: (``benchmarks/long_centre.py``); vacancies none (any pull made their long horizons worse).
LONG_REVERSION: dict[str, dict[str, float]] = {
    "unemployed": {"half_life": 12.0, "start": 12, "years": 15, "weight": 1.0},
}
N_SAMPLES = 1000
INNER_BLOCKS = 8  # yearly held-out blocks of the inner backtests (calibration, common shock)
WEIGHT_BLOCKS = 3  # the most recent of them set the weights and MinT's variances
GAP_METHOD = (
    "engine forecast from the anchor (last month of the latest run of >= 24 complete "
    "months) across the gap; each series' calibrated log-scale forecast conditioned on the "
    "months observed after the anchor (Kalman-type update: persistent random-walk error plus "
    "transient noise, transient share phi from the inner backtests), then MinT as usual;"
)
REVERSION_LABEL = (
    " + unemployed centres after 12 months pulled toward each municipality's long-run "
    "unemployment rate (15-year median) x labour force, half-life 12 months"
)
MODEL_LABEL = (
    "combination(seasonal_naive, damped_ets, airline_arima, theta, pooled_regression; "
    "weights stacked on inner backtests) + MinT(backtest variances, shrunk correlations, "
    "common shock; non-negative)"
)


def one_blas_thread() -> threadpool_limits:
    """Single-threaded BLAS for the duration of a ``with`` block.

    Two reasons. Speed: the matrices are small (at most ~50,000 x 30 and 374 x 374) and
    OpenBLAS threads spinning on a shared machine cost 15x the CPU time (measured).
    Reproducibility: a multi-threaded ``gemm`` splits the sums differently, so results
    changed in the last bits between a thread of the main process (BLAS on all cores) and
    a Dask worker process (whose nanny sets ``OPENBLAS_NUM_THREADS=1``); every forecast
    entry point runs under this limit so both give bit-identical output.
    """
    return threadpool_limits(limits=1, user_api="blas")


def aggregate(S: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """``S @ bottom`` ``(n, k)`` summed in a fixed order, whatever the BLAS thread count."""
    return np.einsum("ij,jk->ik", S, bottom)


@dataclass(frozen=True)
class Hierarchy:
    """Rows of a hierarchy (aggregates top-down, then the bottom series) and its summing matrix.

    ``S`` is ``(len(rows), len(bottom))``; ``levels[i]`` names row ``i``'s level (the bottom
    level is ``bottom_level``); ``parent[i]`` is the row of series ``i``'s parent for the
    pooled model (the top is its own parent), ``national`` the row of the top.
    """

    rows: tuple[str, ...]
    bottom: tuple[str, ...]
    S: np.ndarray
    levels: tuple[str, ...]
    parent: np.ndarray
    national: int
    bottom_level: str = "municipality"

    def index(self, codes: tuple[str, ...]) -> np.ndarray:
        pos = {code: i for i, code in enumerate(self.rows)}
        return np.array([pos[c] for c in codes], dtype=np.int64)

    def subset(self, codes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row indices, summing matrix ``(len(codes), k)`` and bottom flags of ``codes``.

        ``codes`` must list aggregates first and end with the bottom series they cover.
        """
        idx = self.index(codes)
        S = self.S[idx]
        S = S[:, np.any(S != 0, axis=0)]
        is_bottom = np.array([self.levels[i] == self.bottom_level for i in idx])
        if not np.all(is_bottom[len(codes) - S.shape[1] :]):
            raise ValueError("the bottom series must be the last rows")
        return idx, S, is_bottom


def national_hierarchy() -> Hierarchy:
    """Country, 19 regions, 46 employment areas and 308 municipalities (2025 division)."""
    rows, cols, S = geography.summing_matrix()
    table = geography.areas()
    munis = geography.municipalities()
    pos = {code: i for i, code in enumerate(rows)}
    levels = tuple(geography.level_of(code) for code in rows)
    parent = np.empty(len(rows), dtype=np.int64)
    for i, (code, level) in enumerate(zip(rows, levels, strict=True)):
        if level == "country":
            up = code
        elif level == "municipality":
            up = munis.loc[code, "region"]
        else:
            up = table.loc[code, "parent"]
        parent[i] = pos[up]
    return Hierarchy(tuple(rows), tuple(cols), S, levels, parent, pos[geography.COUNTRY])


def area_rows(area: str) -> tuple[str, ...]:
    """The two-level hierarchy of ``area`` (TA.. or MK..): itself, then its municipalities."""
    return (area, *geography.members(area))


def check_request(
    origin: str,
    horizon: int,
    scope: str,
    area: str,
    times: pd.DatetimeIndex,
    seen: np.ndarray | None = None,
) -> tuple[pd.Timestamp, str]:
    """Validate the user's parameters; return the origin month and the resolved area code.

    ``seen`` ``(T,)`` flags the months with data (default: all). ``origin="latest"`` is the
    last of them; an origin after it, or in a month without data, is refused.
    """
    if scope not in SCOPES:
        raise ValidationError("scope", f"must be one of {', '.join(SCOPES)}, got {scope!r}")
    if (
        isinstance(horizon, bool)
        or not isinstance(horizon, int | np.integer)
        or not (1 <= horizon <= MAX_HORIZON)
    ):
        raise ValidationError(
            "horizon", f"must be a whole number of months 1..{MAX_HORIZON}, got {horizon!r}"
        )
    month = resolve_origin(origin, times, seen)
    code = area
    if scope == "area":
        try:
            code = geography.resolve_area(area)
        except UnknownAreaError as err:
            raise ValidationError("area", str(err)) from err
        if geography.level_of(code) not in ("employment_area", "region"):
            raise ValidationError(
                "area", f"must be an employment area (TA..) or region (MK..), got {area!r}"
            )
    return month, code


def resolve_origin(
    origin: str, times: pd.DatetimeIndex, seen: np.ndarray | None = None
) -> pd.Timestamp:
    """The origin month: ``"latest"`` or ``YYYY-MM``, a month with data (``seen``)."""
    seen = np.ones(len(times), dtype=bool) if seen is None else np.asarray(seen, dtype=bool)
    if not seen.any():
        raise ValidationError("origin", "the registers cube has no month with data")
    last = times[np.flatnonzero(seen)[-1]]
    text = str(origin)
    if text == "latest":
        return pd.Timestamp(last)
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text) is None:
        raise ValidationError("origin", f"must be 'latest' or a month YYYY-MM, got {origin!r}")
    month = pd.Timestamp(f"{text}-01")
    first = times[MIN_HISTORY - 1]
    if not first <= month <= last:
        raise ValidationError(
            "origin",
            f"{origin} is outside the data: origins run from {first:%Y-%m} (four years of "
            f"history) to {last:%Y-%m} (the last month with register data)",
        )
    at = int(times.get_loc(month))
    if not seen[at]:
        before = times[np.flatnonzero(seen[:at])[-1]]
        after = times[at + 1 + np.flatnonzero(seen[at + 1 :])[0]]
        raise ValidationError(
            "origin",
            f"{origin} is in a gap of the registers (no data); the nearest months with data "
            f"are {before:%Y-%m} and {after:%Y-%m}; use one of them or 'latest' "
            f"({last:%Y-%m})",
        )
    return month


def observed_months(ds: xr.Dataset, variable: str, bottom: tuple[str, ...]) -> np.ndarray:
    """``(T,)`` flags of the months in which any of the ``bottom`` series has a value."""
    values = ds[variable].sel(area=list(bottom)).transpose("area", "time").values
    return np.asarray(np.isfinite(values).any(axis=0))


def gap_plan(seen: np.ndarray, end: int) -> int:
    """The engine's anchor (months up to and including it) for an origin at ``end - 1``.

    The end of the latest run of at least ``MIN_RUN`` consecutive months with data that
    ends at or before the origin, capped at the origin (``end`` itself without a gap).
    Raises :class:`ValidationError` when there is no such run.
    """
    run = 0
    anchor = 0
    for t in range(end):
        run = run + 1 if seen[t] else 0
        if run >= MIN_RUN:
            anchor = t + 1
    if anchor == 0:
        raise ValidationError("origin", f"needs {MIN_RUN} consecutive months of data before it")
    return anchor


def make_engine(max_horizon: int = BACKTEST_HORIZON) -> PanelCombination:
    """The register forecaster: four local models and the pooled regression, stacked.

    Choices from the backtests (municipalities, horizons 1–12, origins 2012–2022): ETS with
    statsmodels' "simple" initial states and ``beta <= 0.2 alpha`` (the unrestricted fit
    chased the 2020 spike with ``alpha = beta = 1``; MASE 0.934 against 0.971 on a sample of
    80 municipalities); stacked rather than per-series weights (unemployed 0.873 against
    0.898, vacancies 1.172 against 1.220). Inner backtests: eight yearly blocks before the
    origin (as many as the history allows); the weights and MinT's variances use the last
    three, the interval calibration and MinT's common shock all eight (a longer record of
    turning points). ``max_horizon`` (steps from the anchor) sizes the pooled member's
    per-horizon coefficients (beyond the history it can fit, it repeats the last
    coefficients with a ``sqrt(h)`` widening).
    """
    members = (
        SeasonalNaive(),
        DampedETS(initialization="simple", beta_ratio=0.2),
        SeasonalARIMA(),
        Theta(),
    )
    return PanelCombination(
        models=members,
        pooled=PooledRegression(
            max_horizon=max(int(max_horizon), BACKTEST_HORIZON), reversion=POOLED_REVERSION
        ),
        weighting="stacked",
        n_windows=INNER_BLOCKS,
        weight_windows=WEIGHT_BLOCKS,
    )


@dataclass(frozen=True)
class VariableForecast(HierarchicalForecast):
    """A :class:`~models.forecast.hierarchy.HierarchicalForecast` with its row codes."""

    rows: tuple[str, ...] = ()


def forecast_variable(
    Y: np.ndarray,
    hier: Hierarchy,
    rows: tuple[str, ...],
    horizon: int,
    *,
    rng: np.random.Generator,
    n_samples: int = N_SAMPLES,
    observed: np.ndarray | None = None,
    variable: str | None = None,
    labour: np.ndarray | None = None,
    factors: bool = True,
) -> VariableForecast:
    """Forecast ``rows`` (aggregates first, then their bottom series) from the panel ``Y``.

    ``Y`` is ``(len(hier.rows), T)``: every series of the hierarchy up to the anchor (the
    pooled member learns from all of them). ``observed`` ``(len(rows), horizon)``: counts
    seen after the anchor (NaN where not), which condition the forecast. With ``variable``
    (one of :data:`VARIABLES`) the reconciled bounds get that variable's level and band
    factors (:func:`calibrate_intervals`); without it they are the sampled ones. With
    ``variable`` and ``labour`` ``(n_bottom, T + horizon)`` (the bottom series' labour
    force up to the anchor and ahead, :func:`labour_path`) the centres of a variable in
    :data:`LONG_REVERSION` revert toward their long-run rate (:func:`revert_centres`);
    ``factors=False`` leaves the bounds sampled (for fitting the factors).
    """
    targets, S, is_bottom = hier.subset(rows)
    with one_blas_thread():
        result = forecast_hierarchy(
            make_engine(horizon), Y, S, targets, is_bottom, horizon,
            parent=hier.parent, national=hier.national, rng=rng, n_samples=n_samples,
            observed=observed,
        )  # fmt: skip
    fc = VariableForecast(**vars(result), rows=rows)
    if variable is None:
        return fc
    steps = data_steps(horizon, observed)
    params = LONG_REVERSION.get(variable)
    if params is not None and labour is not None:
        fc = revert_centres(fc, Y[targets][-S.shape[1] :], labour, steps, S, params)
    if not factors:
        return fc
    levels = tuple(hier.levels[i] for i in targets)
    return calibrate_intervals(fc, variable, levels, steps, S, robust_spread(Y[targets]))


def revert_centres(
    fc: VariableForecast,
    history: np.ndarray,
    labour: np.ndarray,
    steps: np.ndarray,
    S: np.ndarray,
    params: Mapping[str, float],
) -> VariableForecast:
    """``fc`` with its bottom centres reverted toward their long-run rate, aggregates moved
    by the sums of their bottom series' changes (so the points stay coherent).

    ``history`` ``(n_bottom, T)`` the bottom counts up to the anchor, ``labour`` ``(n_bottom,
    T + h)`` their labour force (NaN-free where known), ``steps`` ``(h,)`` months after the
    latest data, ``params`` those of :data:`LONG_REVERSION`. Each row's bounds move with its
    point on the ``log1p`` scale (same widths there); ``base`` and ``bottom_up`` (the
    members' own forecasts) are not touched.
    """
    nb, T = history.shape
    h = fc.point.shape[1]
    x = np.log(np.maximum(np.asarray(labour, float), 1.0))
    old = np.log1p(fc.point[-nb:])
    new = revert_to_level(
        old, np.log1p(history), steps, half_life=float(params["half_life"]),
        start=int(params["start"]), weight=float(params["weight"]), years=int(params["years"]),
        early_half_life=float(params.get("early_half_life", np.inf)),
        x_hist=x[:, :T], x_ahead=x[:, T : T + h],
    )  # fmt: skip
    delta = np.expm1(new) - fc.point[-nb:]
    point = np.maximum(fc.point + aggregate(S, delta), 0.0)
    shift = np.log1p(point) - np.log1p(fc.point)
    bounds = {k: np.expm1(np.log1p(v) + shift) for k, v in fc.bounds.items()}
    return replace(fc, point=point, bounds=bounds)


def labour_path(
    ds: xr.Dataset, hier: Hierarchy, rows: tuple[str, ...], end: int, horizon: int
) -> np.ndarray:
    """Labour force ``(n_bottom, end + horizon)`` of the bottom series of ``rows``: months
    ``0 .. end - 1`` from the cube (annual values; months without one filled forward, the
    first ones backward), then :func:`labour_force_forecast` from data up to ``end``."""
    _, S, _ = hier.subset(rows)
    bottom = rows[len(rows) - S.shape[1] :]
    lf = ds["labour_force"].sel(area=list(bottom)).transpose("area", "time").values[:, :end]
    known = pd.DataFrame(lf.T).ffill().bfill().to_numpy().T
    ahead = labour_force_forecast(ds, hier, bottom, end, horizon)
    return np.concatenate([known, ahead], axis=1)


def data_steps(horizon: int, observed: np.ndarray | None = None) -> np.ndarray:
    """Steps ``(horizon,)`` of each forecast column after the latest month with data: the
    column after the anchor is 1, or, with ``observed`` months after a gap, the column
    after the last observed one is 1 (columns up to it count as 1 too)."""
    steps = np.arange(1, horizon + 1)
    if observed is not None:
        seen = np.flatnonzero(np.isfinite(np.asarray(observed, float)).any(axis=0))
        if seen.size:
            steps = np.maximum(steps - (int(seen[-1]) + 1), 1)
    return steps


def calibrate_intervals(
    fc: VariableForecast,
    variable: str,
    levels: tuple[str, ...],
    steps: np.ndarray,
    S: np.ndarray | None = None,
    spread: np.ndarray | None = None,
) -> VariableForecast:
    """``fc`` with its reconciled bounds re-spread by :data:`INTERVAL_SPREAD` and scaled by
    :data:`INTERVAL_FACTORS`.

    ``levels`` names each row's level (``municipality``, ``employment_area``, ``region``,
    ``country``), ``steps`` ``(h,)`` the months after the latest data of each column
    (:func:`data_steps`), ``spread`` ``(n,)`` each row's robust spread of yearly log changes
    up to the anchor (:func:`models.forecast.calibration.robust_spread`). First, with
    ``spread``, a level's ``log1p`` half-widths become ``sampled ** (1 - mix) * spread **
    mix`` (``mix`` from :data:`INTERVAL_SPREAD`): the sampled widths carry the members'
    in-sample variance, which after a shock (2020) stays inflated for years, the robust
    spread does not. Then each step's width is scaled by its level's factor: the
    split-conformal quantiles of the tuning origins' errors, per variable, level and step
    (:mod:`models.forecast.calibration`; ``benchmarks/calibrate_registers.py`` writes both
    tables). Rows of other levels (occupation groups) and variables without factors are
    unchanged; the point forecast is not touched. With the summing matrix ``S`` ``(n,
    n_bottom)`` (bottom rows last), no bound of a row goes beyond the sum of its bottom
    series' bounds (the limit where their errors move as one): an aggregate's interval is
    never wider than its parts' together (the aggregates' factors are fitted through it).
    """
    table = INTERVAL_FACTORS.get(variable)
    if not table:
        return fc
    bounds = dict(fc.bounds)
    if spread is not None:
        mixes = INTERVAL_SPREAD.get(variable, {})
        mix = np.array([mixes.get(level, 0.0) for level in levels])
        bounds = respread(fc.point, bounds, spread, mix)
    f80, f95 = np.ones(fc.point.shape), np.ones(fc.point.shape)
    for i, level in enumerate(levels):
        factors = table.get(level)
        if factors is None:
            continue
        arr = factors_at(steps, np.asarray(factors, float))
        f80[i], f95[i] = arr[:, 0], arr[:, 1]
    bounds = scale_bounds(fc.point, bounds, f80, f95)
    if S is not None:
        nb = S.shape[1]
        for key, values in bounds.items():
            parts = aggregate(S, values[-nb:])
            limit = np.minimum if key.startswith("hi") else np.maximum
            bounds[key] = limit(values, parts)
    return replace(fc, bounds=bounds)


def vacancy_ceiling(history: np.ndarray, labour_force: np.ndarray) -> np.ndarray:
    """Upper limit ``(n, h)`` of vacancy bounds: the smaller of ``VACANCY_LF_SHARE`` (0.5)
    times the labour force forecast ``(n, h)`` and ``VACANCY_HISTORY_FACTOR`` (3) times the
    series' highest month in ``history`` ``(n, T)`` (the training counts)."""
    own = VACANCY_HISTORY_FACTOR * np.nanmax(np.asarray(history, float), axis=1)
    return np.minimum(VACANCY_LF_SHARE * np.asarray(labour_force, float), own[:, None])


def cap_bounds(fc: VariableForecast, ceiling: np.ndarray) -> VariableForecast:
    """``fc`` with its reconciled bounds held at or below ``ceiling`` ``(n, h)`` for the last
    ``h`` steps (never below the point forecast, so the bounds stay nested around it).

    The point forecast is not touched (it stays coherent); the bounds are quantiles of
    each series, not sums, so capping one series' bound does not break any identity.
    """
    h = ceiling.shape[1]
    limit = np.maximum(ceiling, fc.point[:, -h:])
    bounds = {}
    for key, values in fc.bounds.items():
        capped = np.array(values, dtype=float)
        capped[:, -h:] = np.minimum(capped[:, -h:], limit)
        bounds[key] = capped
    return replace(fc, bounds=bounds)


def registers_cube() -> xr.Dataset:
    """The shipped ``registers`` cube from the input layer, checked: for scripts and tests.

    Domain functions never call it; they take the cube as an argument.
    """
    from forecasting.io.inputs import assemble

    return check_registers(assemble(["registers"], use_cache=False)["registers"])


def check_registers(ds: xr.Dataset) -> xr.Dataset:
    """The ``registers`` cube checked for what this module relies on (returned unchanged)."""
    dims = {v: ("area", "time") for v in (*VARIABLES, "labour_force")}
    return validate(ds, name="registers", dims=dims, counts=(*VARIABLES, "labour_force"))


def bottom_values(ds: xr.Dataset, variable: str, hier: Hierarchy, end: int) -> np.ndarray:
    """Municipal counts ``(len(hier.bottom), end)`` with suppressed cells = 2.5 where the
    month has data, NaN in months without any (gaps)."""
    bottom = ds[variable].sel(area=list(hier.bottom)).transpose("area", "time").values[:, :end]
    seen = np.isfinite(bottom).any(axis=0)
    return np.where(np.isfinite(bottom) | ~seen[None, :], bottom, SUPPRESSED_VALUE)


def hierarchy_panel(ds: xr.Dataset, variable: str, hier: Hierarchy, end: int) -> np.ndarray:
    """Counts ``(len(hier.rows), end)``: municipalities (suppressed cells = 2.5) and their sums.

    Only the first ``end`` months are used, so nothing after the origin enters. Months
    without any data are interpolated linearly in ``log1p`` (the engine needs a complete
    history; :func:`gap_plan` keeps long gaps out of it).
    """
    bottom = bottom_values(ds, variable, hier, end)
    seen = np.isfinite(bottom).all(axis=0)
    if not seen.all():
        t = np.arange(end)
        z = np.log1p(bottom[:, seen])
        bottom = np.expm1(np.stack([np.interp(t, t[seen], row) for row in z]))
    return aggregate(hier.S, bottom)


def observed_panel(
    ds: xr.Dataset, variable: str, hier: Hierarchy, rows: tuple[str, ...], start: int, end: int
) -> np.ndarray:
    """Counts ``(len(rows), end - start)`` of months ``start .. end - 1`` (NaN in gaps)."""
    bottom = bottom_values(ds, variable, hier, end)[:, start:]
    return aggregate(hier.S, bottom)[hier.index(rows)]


def labour_force_forecast(
    ds: xr.Dataset, hier: Hierarchy, rows: tuple[str, ...], end: int, horizon: int
) -> np.ndarray:
    """Monthly labour force ``(len(rows), horizon)`` after month ``end - 1``, on its annual footing.

    Each municipality's annual values (the last value of every year with data up to the
    origin's; years without any, inside a gap, interpolated linearly) get a
    :class:`~models.forecast.DampedDrift` forecast; the origin's year keeps its latest
    value; every month of a later year repeats that year's forecast; aggregates are sums.
    """
    times = pd.DatetimeIndex(ds["time"].values)[:end]
    _, S, is_bottom = hier.subset(rows)
    bottom = [r for r, flag in zip(rows, is_bottom, strict=True) if flag]
    lf = ds["labour_force"].sel(area=bottom).transpose("area", "time").values[:, :end]
    years = np.arange(int(times[0].year), int(times[-1].year) + 1)
    months_ahead = pd.date_range(times[-1], periods=horizon + 1, freq="MS")[1:]
    steps = np.asarray(months_ahead.year - years[-1])
    out = np.empty((len(bottom), horizon))
    for i, series in enumerate(lf):
        annual = _annual_values(series, times.year, years)
        ahead = DampedDrift().fit(annual).predict(max(int(steps.max()), 1)).mean
        path = np.r_[annual[-1], ahead]
        out[i] = path[steps]
    return aggregate(S, out)


def _annual_values(series: np.ndarray, year_of: np.ndarray, years: np.ndarray) -> np.ndarray:
    """The last finite value of each year ``(len(years),)``; empty years interpolated."""
    annual = np.full(len(years), np.nan)
    for j, year in enumerate(years):
        values = series[(year_of == year) & np.isfinite(series)]
        if values.size:
            annual[j] = values[-1]
    ok = np.isfinite(annual)
    if not ok.any():
        return np.zeros(len(years))
    return np.interp(years, years[ok], annual[ok])


def forecast_registers(
    registers: xr.Dataset,
    origin: str = "latest",
    horizon: int = 12,
    scope: str = "area",
    area: str = "TA23",
    *,
    n_samples: int = N_SAMPLES,
    seed: int | None = None,
) -> xr.Dataset:
    """Reconciled forecasts of the registers from data up to ``origin`` (inclusive).

    Parameters
    ----------
    registers
        The ``registers`` cube (dims ``area, time``; months without data are NaN).
    origin
        Last month of data used, ``"YYYY-MM"`` (2009-12 .. the last month with data), or
        ``"latest"``: the last month with data. A month inside a gap is refused.
    horizon
        Months ahead, 1..60.
    scope
        ``"area"``: ``area`` and its municipalities; ``"national"``: country, regions,
        employment areas and all 308 municipalities.
    area
        Employment area (``"TA23"``) or region (``"MK10"``) for ``scope="area"``.
    n_samples, seed
        Joint sample paths for the intervals, and their seed (default: the settings' seed).

    Returns
    -------
    xr.Dataset
        Dims ``(area, time, statistic)`` with ``statistic = mean, lo80, hi80, lo95, hi95``;
        variables ``unemployed`` and ``vacancies`` (counts at month end; ``mean`` is the
        reconciled point forecast), ``unemployment_rate`` (per cent), ``labour_force``
        (``(area, time)``) and the special groups the cube has at or before the origin
        (:mod:`forecasting.register_groups`); provenance attrs, ``model``, ``origin``,
        ``anchor`` (the engine's last month of a complete history) and ``scope``.

    Raises
    ------
    ValidationError
        Origin outside the data or in a gap, horizon outside 1..60, unknown scope or area.
    """
    ds = check_registers(registers)
    with one_blas_thread():
        return _forecast_registers(ds, origin, horizon, scope, area, n_samples, seed)


def forecast_register_variable(
    registers: xr.Dataset,
    variable: str,
    origin: str = "latest",
    horizon: int = 12,
    scope: str = "area",
    area: str = "TA23",
    *,
    n_samples: int = N_SAMPLES,
    seed: int | None = None,
) -> xr.Dataset:
    """One variable (``unemployed`` or ``vacancies``) of :func:`forecast_registers`.

    The same numbers as that variable of :func:`forecast_registers` with the same arguments
    (the same random stream: ``SeedSequence(seed).spawn(len(VARIABLES))[i]`` for
    ``VARIABLES[i]``), so a caller can forecast the variables in parallel and join them with
    :func:`assemble_register_forecasts`. Returns ``variable`` ``(area, time, statistic)``
    and, after a gap, the attr ``transient_share`` (bottom, aggregates).
    """
    if variable not in VARIABLES:
        raise ValidationError(
            "variable", f"must be one of {', '.join(VARIABLES)}, got {variable!r}"
        )
    ds = check_registers(registers)
    with one_blas_thread():
        req = _request(ds, origin, horizon, scope, area, n_samples, seed)
        stats, phi = _variable_forecast(ds, req, variable)
    out = xr.Dataset(
        {variable: (("area", "time", "statistic"), stats)},
        coords={"area": list(req.rows), "time": req.months, "statistic": list(STATISTICS)},
    )
    if phi is not None:
        out.attrs["transient_share"] = list(phi)
    return out


def assemble_register_forecasts(
    registers: xr.Dataset,
    parts: Mapping[str, xr.Dataset],
    origin: str = "latest",
    horizon: int = 12,
    scope: str = "area",
    area: str = "TA23",
    *,
    n_samples: int = N_SAMPLES,
    seed: int | None = None,
) -> xr.Dataset:
    """:func:`forecast_registers` from its variables' :func:`forecast_register_variable`.

    ``parts`` maps each of :data:`VARIABLES` to its forecast made with the same arguments;
    the labour force, the rate and the special groups are computed here.
    """
    ds = check_registers(registers)
    with one_blas_thread():
        req = _request(ds, origin, horizon, scope, area, n_samples, seed)
        stats: dict[str, np.ndarray] = {}
        phis: dict[str, tuple[float, float] | None] = {}
        for variable in VARIABLES:
            part = parts[variable]
            if list(map(str, part["area"].values)) != list(req.rows) or not np.array_equal(
                part["time"].values, req.months.values
            ):
                raise ValidationError("parts", f"{variable} was forecast for another request")
            stats[variable] = part[variable].transpose("area", "time", "statistic").values
            phi = part.attrs.get("transient_share")
            if phi is None:
                phis[variable] = None
            else:
                bottom, aggregates = (float(x) for x in np.ravel(phi))
                phis[variable] = (bottom, aggregates)
        return _assemble(ds, req, stats, phis)


@dataclass(frozen=True)
class _Request:
    """A checked forecast request: what the variables of one forecast share."""

    hier: Hierarchy
    times: pd.DatetimeIndex
    month: pd.Timestamp
    end: int
    anchor: int
    rows: tuple[str, ...]
    seed: int
    horizon: int
    scope: str
    n_samples: int

    @property
    def months(self) -> pd.DatetimeIndex:
        return pd.date_range(self.month, periods=self.horizon + 1, freq="MS")[1:]


def _request(
    ds: xr.Dataset,
    origin: str,
    horizon: int,
    scope: str,
    area: str,
    n_samples: int,
    seed: int | None,
) -> _Request:
    from forecasting.settings import get_settings

    times = pd.DatetimeIndex(ds["time"].values)
    hier = national_hierarchy()
    seen = observed_months(ds, "unemployed", hier.bottom)
    month, code = check_request(origin, horizon, scope, area, times, seen)
    end = int(times.get_loc(month)) + 1
    anchor = gap_plan(seen, end)
    rows = hier.rows if scope == "national" else area_rows(code)
    seed = get_settings().release.seed if seed is None else int(seed)
    return _Request(hier, times, month, end, anchor, rows, seed, horizon, scope, n_samples)


def _variable_forecast(
    ds: xr.Dataset, req: _Request, variable: str
) -> tuple[np.ndarray, tuple[float, float] | None]:
    """``(len(rows), horizon, 5)`` statistics of ``variable`` and its transient shares."""
    hier, rows, end, anchor = req.hier, req.rows, req.end, req.anchor
    stream = np.random.SeedSequence(req.seed).spawn(len(VARIABLES))[VARIABLES.index(variable)]
    steps = end - anchor + req.horizon
    observed = None
    if anchor < end:
        observed = np.full((len(rows), steps), np.nan)
        observed[:, : end - anchor] = observed_panel(ds, variable, hier, rows, anchor, end)
    panel = hierarchy_panel(ds, variable, hier, anchor)
    labour = labour_path(ds, hier, rows, end, req.horizon)
    fc = forecast_variable(
        panel, hier, rows, steps,
        rng=np.random.default_rng(stream), n_samples=req.n_samples, observed=observed,
        variable=variable, labour=labour,
    )  # fmt: skip
    if variable == "vacancies":
        labour = labour_force_forecast(ds, hier, rows, end, req.horizon)
        fc = cap_bounds(fc, vacancy_ceiling(panel[hier.index(rows)], labour))
    stats = np.stack([fc.point, *(fc.bounds[k] for k in STATISTICS[1:])], axis=-1)
    return stats[:, -req.horizon :], fc.transient_share


def _forecast_registers(
    ds: xr.Dataset,
    origin: str,
    horizon: int,
    scope: str,
    area: str,
    n_samples: int,
    seed: int | None,
) -> xr.Dataset:
    req = _request(ds, origin, horizon, scope, area, n_samples, seed)
    stats, phis = {}, {}
    for variable in VARIABLES:
        stats[variable], phis[variable] = _variable_forecast(ds, req, variable)
    return _assemble(ds, req, stats, phis)


def _assemble(
    ds: xr.Dataset,
    req: _Request,
    stats: Mapping[str, np.ndarray],
    phis: Mapping[str, tuple[float, float] | None],
) -> xr.Dataset:
    """The forecast dataset from the variables' statistics: labour force, rate, groups."""
    from forecasting.register_groups import GROUPS_METHOD, group_forecasts

    hier, rows, end, anchor, month, times = (
        req.hier, req.rows, req.end, req.anchor, req.month, req.times
    )  # fmt: skip
    horizon, scope = req.horizon, req.scope
    months = req.months
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {
        variable: (("area", "time", "statistic"), stats[variable]) for variable in VARIABLES
    }
    labour = labour_force_forecast(ds, hier, rows, end, horizon)
    data["labour_force"] = (("area", "time"), labour)
    data["unemployment_rate"] = (
        ("area", "time", "statistic"),
        100.0 * data["unemployed"][1] / labour[..., None],
    )
    totals = {v: data[v][1] for v in VARIABLES}
    groups = group_forecasts(ds, hier, rows, end, totals)
    data.update({name: (("area", "time", "statistic"), arr) for name, arr in groups.items()})
    out = xr.Dataset(
        data, coords={"area": list(rows), "time": months, "statistic": list(STATISTICS)}
    )
    out = _describe(out)
    out = _one_labour_force(ds.isel(time=slice(None, end)), out)
    version = combine_versions([ds.attrs["data_version"], f"origin={month:%Y-%m}", f"h={horizon}"])
    gap_label = " + conditioned on the months after the gap" if anchor < end else ""
    extra = {
        "model": MODEL_LABEL + REVERSION_LABEL + gap_label,
        "origin": f"{month:%Y-%m}",
        "anchor": f"{times[anchor - 1]:%Y-%m}",
        "scope": scope,
        "input_data_version": ds.attrs["data_version"],
        "time_convention": "month start labels the month; counts at month end",
    }
    if anchor < end:
        extra["gap_method"] = GAP_METHOD + f" transient shares (bottom, aggregates): {phis}"
    if groups:
        extra["special_groups_method"] = GROUPS_METHOD
    out = stamp(
        out,
        source_tables=[ds.attrs["source_tables"]],
        retrieved=ds.attrs["retrieved"],
        data_version=version,
        seed=req.seed,
        extra=extra,
    )
    return validate(out, name="register forecast", counts=(*VARIABLES, "labour_force", *groups))


def _one_labour_force(ds: xr.Dataset, out: xr.Dataset) -> xr.Dataset:
    """Post-step: the labour force path and the rate from the one labour force
    (:func:`forecasting.labour_force.labour_force` of ``ds``, the cube up to the origin:
    published, interpolated in
    gaps, held flat after the last published year; the release replaces the years after it
    with the population side's growth)."""
    from forecasting.labour_force import apply_to_register_forecast, labour_force

    have = set(map(str, ds["area"].values))
    areas = [a for a in map(str, out["area"].values) if a in have]
    if not areas or not np.isfinite(ds["labour_force"].values).any():
        return out
    until = int(pd.DatetimeIndex(out["time"].values)[-1].year) - 2
    one = labour_force({"registers": ds}, areas=areas, until=until)
    return apply_to_register_forecast(out, one)


def _describe(ds: xr.Dataset) -> xr.Dataset:
    """CF-style ``units`` and ``long_name`` attributes."""
    meta = {
        "unemployed": ("persons", "registered unemployed jobseekers at month end"),
        "vacancies": ("vacancies", "open vacancies registered with the employment services"),
        "unemployment_rate": ("percent", "unemployed / labour force"),
        "labour_force": ("persons", "labour force (annual value repeated monthly)"),
    }
    for name, (units, long_name) in meta.items():
        ds[name].attrs.update(units=units, long_name=long_name)
    return ds


def forecast_frame(
    registers: xr.Dataset,
    origin: str = "latest",
    horizon: int = 12,
    scope: str = "area",
    area: str = "TA23",
    *,
    seed: int | None = None,
) -> pd.DataFrame:
    """:func:`forecast_registers` as a long table for the CLI and CSV export.

    Columns ``area, variable, month, mean, lo80, hi80, lo95, hi95, model``: one row per
    area, variable (``unemployed``, ``vacancies``, ``unemployment_rate``, then the special
    groups the forecast has) and month (``YYYY-MM``); ``area`` holds 2025 municipality
    codes ("491") and aggregate codes ("TA23", "MK10", "SSS").
    """
    ds = forecast_registers(registers, origin, horizon, scope, area, seed=seed)
    names = [str(v) for v in ds.data_vars if "statistic" in ds[v].dims]
    names = [*VARIABLES, "unemployment_rate"] + [
        n for n in names if n not in (*VARIABLES, "unemployment_rate")
    ]
    frames = []
    for variable in names:
        wide = ds[variable].to_dataset(dim="statistic").to_dataframe().reset_index()
        wide.insert(1, "variable", variable)
        frames.append(wide)
    frame = pd.concat(frames, ignore_index=True)
    frame["month"] = pd.DatetimeIndex(frame.pop("time")).strftime("%Y-%m")
    frame["model"] = ds.attrs["model"]
    frame = frame[["area", "variable", "month", *STATISTICS, "model"]]
    frame.attrs = dict(ds.attrs)  # provenance, origin (the data date), seed
    return frame
