"""Cohort-component population projection: single years of age 0..100+ by sex, yearly steps.

The estimator follows scikit-learn (keyword-only ``__init__`` that only stores, validation in
:meth:`CohortComponentProjection.fit`, fitted state ending in ``_``); the outcome is an
immutable :class:`CohortProjection` as in statsmodels. The arithmetic lives in the numba
kernels of :mod:`models._kernels.cohort`, whose docstring states the accounting of one year.

Shapes: ``A`` areas, ``H`` projection years, ``D`` draws, ``X = 101`` ages (100 = 100+), sex
index 0 = F, 1 = M. Populations are persons on 31 December; rates are per year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from models._kernels import cohort as _k
from models._kernels import serial_quantiles as _serial

N_AGE = 101
#: Share of boys among births (sex ratio at birth 1.05, close to Finland's long-run 1.04-1.06).
MALE_SHARE_AT_BIRTH = 1.05 / 2.05


def _frozen(array: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.array(array, dtype=np.float64, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class CohortRates:
    """Rates of a cohort-component projection for ``A`` areas over ``H`` years (arrays copied
    and made read-only).

    Attributes
    ----------
    fertility : (A, H, X)
        Births per woman-year by age of mother.
    death_prob : (A, H, 2, X)
        Probability that a person aged x on 1 January dies during the year.
    infant_death_prob : (A, H, 2)
        Probability that a child born during the year dies before 31 December.
    migration_rate : (A, 2, X)
        Net migration per person by end-of-year age and sex (the age pattern).
    migration_spread : (A, 2, X)
        How net migration not explained by ``migration_rate`` spreads over sex and age (sums
        to 1 per area).
    migration_level : (A, H)
        Expected net migration per resident of 1 January (the area's level).
    target_total : (A, H)
        Population total on 31 December that migration must close to (NaN: no target).
    migration_sd : (A,)
        Sd of the yearly deviation of the net migration rate (stationary AR(1)).
    migration_level_sd : (A,)
        Sd of a per-draw shift of the net migration rate (uncertainty of the level).
    migration_ar : float
        AR(1) coefficient of the yearly deviations, in (-1, 1).
    male_share : float
        Share of boys among births.
    """

    fertility: np.ndarray
    death_prob: np.ndarray
    infant_death_prob: np.ndarray
    migration_rate: np.ndarray
    migration_spread: np.ndarray
    migration_level: np.ndarray
    target_total: np.ndarray
    migration_sd: np.ndarray
    migration_level_sd: np.ndarray
    migration_ar: float = 0.0
    male_share: float = MALE_SHARE_AT_BIRTH

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray | list | tuple):
                object.__setattr__(self, f.name, _frozen(np.asarray(value)))

    @property
    def n_areas(self) -> int:
        return int(self.migration_level.shape[0])

    @property
    def horizon(self) -> int:
        return int(self.migration_level.shape[1])

    def take(self, index: np.ndarray | Sequence[int]) -> CohortRates:
        """The rates of the areas at positions ``index`` (in that order)."""
        idx = np.asarray(index, dtype=np.int64)
        arrays = {
            f.name: getattr(self, f.name)[idx]
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
        return replace(self, **arrays)

    def without_migration(self) -> CohortRates:
        """The same rates with every migration term (rates, level, noise, targets) zero."""
        zeros_ax = np.zeros_like(self.migration_rate)
        return replace(
            self,
            migration_rate=zeros_ax,
            migration_level=np.zeros_like(self.migration_level),
            target_total=np.full_like(self.target_total, np.nan),
            migration_sd=np.zeros_like(self.migration_sd),
            migration_level_sd=np.zeros_like(self.migration_level_sd),
        )


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise ValueError(message)


def validate_rates(rates: CohortRates) -> None:
    """Raise ``ValueError`` naming the first array whose shape or values are not valid."""
    n_area, horizon = rates.migration_level.shape
    shapes = {
        "fertility": (n_area, horizon, N_AGE),
        "death_prob": (n_area, horizon, 2, N_AGE),
        "infant_death_prob": (n_area, horizon, 2),
        "migration_rate": (n_area, 2, N_AGE),
        "migration_spread": (n_area, 2, N_AGE),
        "target_total": (n_area, horizon),
        "migration_sd": (n_area,),
        "migration_level_sd": (n_area,),
    }
    for name, shape in shapes.items():
        got = getattr(rates, name).shape
        _check(got == shape, f"{name}: shape {got}, expected {shape}")
    for name in (
        "fertility",
        "death_prob",
        "infant_death_prob",
        "migration_sd",
        "migration_level_sd",
    ):
        arr = getattr(rates, name)
        _check(bool(np.all(np.isfinite(arr)) and np.all(arr >= 0)), f"{name}: must be finite, >= 0")
    for name in ("death_prob", "infant_death_prob"):
        _check(bool(np.all(getattr(rates, name) <= 1)), f"{name}: probabilities must be <= 1")
    for name in ("migration_rate", "migration_level"):
        _check(bool(np.all(np.isfinite(getattr(rates, name)))), f"{name}: must be finite")
    spread = rates.migration_spread
    _check(bool(np.all(spread >= 0)), "migration_spread: must be >= 0")
    _check(
        bool(np.allclose(spread.sum(axis=(1, 2)), 1.0)), "migration_spread: must sum to 1 per area"
    )
    targets = rates.target_total[np.isfinite(rates.target_total)]
    _check(bool(np.all(targets >= 0)), "target_total: must be >= 0 (or NaN)")
    _check(-1.0 < rates.migration_ar < 1.0, "migration_ar: must lie in (-1, 1)")
    _check(0.0 <= rates.male_share <= 1.0, "male_share: must lie in [0, 1]")


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix(z: np.ndarray) -> np.ndarray:
    """The SplitMix64 output function on uint64 arrays (wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def draw_seeds(seed: int | None, draws: int, keys: Sequence[int]) -> np.ndarray:
    """64-bit seeds ``(draws, len(keys))``: one ``SeedSequence(seed).spawn(draws)`` child per
    draw, and within it one seed per area key, ``splitmix64(word_d + (key + 1) * golden)``
    (the SplitMix64 way of seeding many generators from one word).

    An area's stream depends only on ``(seed, draw, key)``, never on the other areas of the
    run, so a municipality gets the same draws whether it is projected alone or nationally.
    """
    keys_arr = np.asarray(keys, dtype=np.int64)
    if keys_arr.size and keys_arr.min() < 0:
        raise ValueError("area keys must be >= 0")
    children = np.random.SeedSequence(seed).spawn(draws)
    words = np.array([c.generate_state(1, dtype=np.uint64)[0] for c in children], np.uint64)
    offsets = (keys_arr.astype(np.uint64) + np.uint64(1)) * _GOLDEN
    return _splitmix(words[:, None] + offsets[None, :])


@dataclass(frozen=True)
class CohortProjection:
    """The outcome of :meth:`CohortComponentProjection.project` (read-only arrays).

    Attributes
    ----------
    population : (A, H+1, 2, X)
        Expected population on 31 December, index 0 = base year.
    births : (A, H, 2)
        Expected births of each year by sex.
    deaths : (A, H, 2, X)
        Expected deaths by end-of-year age (cohort); age 0 = the year's births who died.
    migration : (A, H, 2, X)
        Expected net migration by end-of-year age.
    sampled_population : (D, A, H+1, 2, X) float32 or None
        Stochastic draws (whole numbers), ``None`` when ``draws == 0``.
    sampled_births, sampled_deaths, sampled_migration : (D, A, H, 2) or None
        Per-draw totals over age.
    seed : int or None
        The root seed of the draws.
    """

    population: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    migration: np.ndarray
    sampled_population: np.ndarray | None = None
    sampled_births: np.ndarray | None = None
    sampled_deaths: np.ndarray | None = None
    sampled_migration: np.ndarray | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    @property
    def draws(self) -> int:
        return 0 if self.sampled_population is None else int(self.sampled_population.shape[0])

    @property
    def totals(self) -> np.ndarray:
        """Expected population totals ``(A, H+1)``."""
        return self.population.sum(axis=(2, 3))


class CohortComponentProjection:
    """Cohort-component projection by single year of age and sex, with optional draws.

    Parameters
    ----------
    draws
        Number of stochastic draws (0: the expected path only).
    seed
        Root seed; draw ``d`` of area key ``k`` uses its own stream (see :func:`draw_seeds`).

    Examples
    --------
    >>> model = CohortComponentProjection(draws=100, seed=1).fit(rates)    # doctest: +SKIP
    >>> result = model.project(population)                                # doctest: +SKIP
    """

    def __init__(self, *, draws: int = 0, seed: int | None = None) -> None:
        self.draws = draws
        self.seed = seed

    def fit(self, rates: CohortRates) -> CohortComponentProjection:
        """Validate ``rates`` and keep them as ``rates_``; returns ``self``."""
        _check(isinstance(rates, CohortRates), "rates: expected a CohortRates")
        _check(isinstance(self.draws, int | np.integer) and self.draws >= 0, "draws: must be >= 0")
        validate_rates(rates)
        self.rates_ = rates
        return self

    def project(
        self, population: np.ndarray, *, area_keys: Sequence[int] | None = None
    ) -> CohortProjection:
        """Project ``population`` (A, 2, X) on 31 December of the base year.

        ``area_keys`` (A,) are non-negative integers naming the areas for seeding (default
        ``0..A-1``); use stable keys (e.g. municipality codes) so draws do not depend on the
        batch. With draws, ``population`` must hold whole numbers.
        """
        rates = getattr(self, "rates_", None)
        _check(rates is not None, "CohortComponentProjection is not fitted: call fit(rates)")
        assert rates is not None
        pop0 = np.ascontiguousarray(population, dtype=np.float64)
        shape = (rates.n_areas, 2, N_AGE)
        _check(pop0.shape == shape, f"population: shape {pop0.shape}, expected {shape}")
        _check(bool(np.all(np.isfinite(pop0)) and np.all(pop0 >= 0)), "population: must be >= 0")
        keys = np.arange(rates.n_areas) if area_keys is None else np.asarray(area_keys)
        _check(keys.shape == (rates.n_areas,), "area_keys: one key per area")
        pop, births, deaths, mig = _expected(rates, pop0)
        if self.draws == 0:
            return CohortProjection(pop, births, deaths, mig, seed=self.seed)
        _check(bool(np.all(pop0 == np.round(pop0))), "population: draws need whole numbers")
        seeds = draw_seeds(self.seed, int(self.draws), keys.tolist())
        s_pop, s_births, s_deaths, s_mig = _sampled(rates, pop0, seeds)
        return CohortProjection(
            pop, births, deaths, mig, s_pop, s_births, s_deaths, s_mig, seed=self.seed
        )


def _expected(
    rates: CohortRates, pop0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n_area, horizon = rates.n_areas, rates.horizon
    pop = np.empty((n_area, horizon + 1, 2, N_AGE))
    births = np.empty((n_area, horizon, 2))
    deaths = np.empty((n_area, horizon, 2, N_AGE))
    mig = np.empty((n_area, horizon, 2, N_AGE))
    _k.project_expected(
        pop0, rates.fertility, rates.death_prob, rates.infant_death_prob, rates.male_share,
        rates.migration_rate, rates.migration_spread, rates.migration_level, rates.target_total,
        pop, births, deaths, mig,
    )  # fmt: skip
    return pop, births, deaths, mig


def _sampled(
    rates: CohortRates, pop0: np.ndarray, seeds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    draws = seeds.shape[0]
    n_area, horizon = rates.n_areas, rates.horizon
    pop = np.empty((draws, n_area, horizon + 1, 2, N_AGE), dtype=np.float32)
    births = np.empty((draws, n_area, horizon, 2))
    deaths = np.empty((draws, n_area, horizon, 2))
    mig = np.empty((draws, n_area, horizon, 2))
    _k.project_sampled(
        pop0, rates.fertility, rates.death_prob, rates.infant_death_prob, rates.male_share,
        rates.migration_rate, rates.migration_spread, rates.migration_level, rates.target_total,
        rates.migration_sd, rates.migration_level_sd, float(rates.migration_ar), seeds,
        pop, births, deaths, mig,
    )  # fmt: skip
    return pop, births, deaths, mig


#: Values (cells x draws) from which :func:`draw_quantiles` runs its rows on numba's threads;
#: smaller tables take one thread (the same numbers: each row is computed on its own). Below
#: it, starting the threads costs more CPU than the work (2 threads, 210 rows of 100 draws:
#: 0.5-5 ms of CPU a call in parallel, 0.07 ms in one thread; 210 x 1,000: 1.4 and 0.5 ms;
#: 6,426 x 1,000 stays parallel: 15 and 12 ms, half the wall time on two idle cores;
#: ``benchmarks/bench_draw_quantiles.py``).
PARALLEL_QUANTILES_FROM = 1 << 18


def draw_quantiles(
    values: np.ndarray, probs: Sequence[float], *, axis: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and quantiles over the draws axis ``axis`` of ``values``.

    Quantiles use linear interpolation between order statistics (NumPy's default), computed
    by counting when the draws are whole numbers in a narrow range (the usual case for
    population counts) and by sorting otherwise. With ``axis=-1`` on a C-contiguous array
    nothing is copied.

    Returns
    -------
    mean : the shape of ``values`` without ``axis``
    quantiles : (len(probs), *that shape)
    """
    arr = np.moveaxis(np.asarray(values), axis, -1)
    _check(arr.ndim >= 1 and arr.shape[-1] > 0, "values: need at least one draw")
    p = np.asarray(probs, dtype=np.float64)
    _check(bool(np.all((p >= 0) & (p <= 1))), "probs: must lie in [0, 1]")
    cols = np.ascontiguousarray(arr.reshape(-1, arr.shape[-1]))
    mean = np.empty(cols.shape[0])
    quant = np.empty((p.size, cols.shape[0]))
    if cols.size < PARALLEL_QUANTILES_FROM:
        _serial.column_quantiles_serial(cols, p, mean, quant)
    else:
        _k.column_quantiles(cols, p, mean, quant)
    rest = arr.shape[:-1]
    return mean.reshape(rest), quant.reshape((p.size, *rest))
