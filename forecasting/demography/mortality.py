"""Mortality: national single-age rates scaled to regional life expectancy, with a trend.

Steps (see ``docs/methods/demography.md``):

1. jump-off national rates ``m0[s, x]``: geometric mean of the HMD death rates of the
   ``window`` years up to the base year (centred on year ``c``);
2. improvement ``r[s, x]``: minus the OLS slope of ``log m`` over the last ``trend_years``
   years, smoothed over 5 ages, clipped to ``[0, max_improvement]``;
3. for each region and sex the proportional-hazard factor ``theta`` that makes the life
   expectancy at birth of ``theta * m0`` equal the region's mean e0 over the same years;
4. ``m[t] = theta * m0 * exp(-multiplier * r * (t - c))`` and the probability of dying
   within the year for a person aged x on 1 January,
   ``q = 1 - exp(-(m[x] + m[x+1]) / 2)`` (the open class 100+: ``1 - exp(-m[100])``).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.optimize import brentq

from forecasting.demography import _data
from forecasting.demography.assumptions import MortalityAssumption
from forecasting.errors import DataError

#: Share of the first-year mortality of a child born during the year that falls before the
#: following 31 December (deaths in the "lower Lexis triangle"; infant deaths are concentrated
#: in the first weeks of life).
INFANT_LOWER_TRIANGLE = 0.8


def _a0(m0: np.ndarray, sex: str) -> np.ndarray:
    """Mean years lived in the first year by infants who die (Andreev & Kingkade 2015)."""
    if sex == "M":
        return np.where(m0 < 0.02300, 0.14929 - 1.99545 * m0, 0.1)
    return np.where(m0 < 0.01724, 0.14903 - 2.05527 * m0, 0.1)


def life_expectancy(m: np.ndarray, sex: str) -> np.ndarray:
    """Life expectancy at birth of death rates ``m`` (..., X), the last age open-ended.

    Life table with deaths at mid-interval except in the first year, ``q = m / (1 + (1-a) m)``,
    and ``L = l / m`` for the open interval.
    """
    m = np.asarray(m, dtype=np.float64)
    a = np.full(m.shape, 0.5)
    a[..., 0] = _a0(m[..., 0], sex)
    q = np.clip(m / (1.0 + (1.0 - a) * m), 0.0, 1.0)
    survive = np.cumprod(1.0 - q[..., :-1], axis=-1)
    alive = np.concatenate([np.ones((*m.shape[:-1], 1)), survive], axis=-1)
    dead = alive[..., :-1] * q[..., :-1]
    years = (alive[..., :-1] - dead) + a[..., :-1] * dead
    return years.sum(axis=-1) + alive[..., -1] / m[..., -1]


def hazard_scale(m: np.ndarray, e0: float, sex: str) -> float:
    """The factor ``theta`` with ``life_expectancy(theta * m) == e0`` (proportional hazards)."""

    def gap(theta: float) -> float:
        return float(life_expectancy(theta * m, sex)) - e0

    lo, hi = 0.05, 20.0
    if gap(lo) < 0 or gap(hi) > 0:
        raise DataError(f"life expectancy {e0} out of reach of the national schedule ({sex})")
    return float(brentq(gap, lo, hi, xtol=1e-10))


def improvement_rates(log_m: np.ndarray, years: np.ndarray, cap: float) -> np.ndarray:
    """Annual rates of decline of mortality by age from ``log_m`` (T, X): -slope, smoothed.

    The slope of an OLS line per age, then a centred 5-age moving average (edges shrink the
    window), clipped to ``[0, cap]``.
    """
    t = years - years.mean()
    slope = (t[:, None] * (log_m - log_m.mean(axis=0))).sum(axis=0) / (t**2).sum()
    kernel = np.ones(5)
    num = np.convolve(-slope, kernel, mode="same")
    den = np.convolve(np.ones_like(slope), kernel, mode="same")
    return np.clip(num / den, 0.0, cap)


def last_year(national_mortality: xr.Dataset, base_year: int) -> int:
    """The last year of the jump-off window: the base year, or the cube's last year if earlier
    (rates then fall from the window's centre on, so the years up to the base year are
    projected with the trend)."""
    return min(base_year, int(_data.years_of(national_mortality).max()))


def national_schedule(
    national_mortality: xr.Dataset, base_year: int, a: MortalityAssumption
) -> tuple[xr.DataArray, xr.DataArray, float]:
    """Jump-off national rates (sex, age), improvement rates (sex, age) and the centre year."""
    rates = _data.by_year(national_mortality["death_rate"])
    have = rates["year"].values
    base_year = last_year(national_mortality, base_year)
    if base_year not in have or base_year - a.trend_years + 1 < have.min():
        raise DataError(
            f"national_mortality covers {have.min()}..{have.max()}: needs "
            f"{base_year - max(a.window, a.trend_years) + 1}..{base_year}",
            source="national_mortality",
        )
    log_m: xr.DataArray = xr.apply_ufunc(np.log, rates.clip(min=1e-7))
    jump = log_m.sel(year=slice(base_year - a.window + 1, base_year))
    centre = float(jump["year"].mean())
    trend = log_m.sel(year=slice(base_year - a.trend_years + 1, base_year))
    improvement = xr.apply_ufunc(
        improvement_rates,
        trend,
        input_core_dims=[["year", "age"]],
        output_core_dims=[["age"]],
        kwargs={"years": trend["year"].values.astype(float), "cap": a.max_improvement},
        vectorize=True,
    )
    return xr.apply_ufunc(np.exp, jump.mean("year")), improvement.transpose("sex", "age"), centre


def regional_scale(
    reg: xr.Dataset, m0: xr.DataArray, regions: list[str], last: int, a: MortalityAssumption
) -> xr.DataArray:
    """Proportional-hazard factors (area=region, sex) matching the regional e0 of the same
    window as the national jump-off rates ``m0`` (the ``window`` years up to ``last``)."""
    e0 = _data.by_year(reg["life_expectancy"])
    base_year = last
    window = e0.sel(year=slice(base_year - a.window + 1, base_year)).mean("year")
    out = xr.DataArray(
        np.ones((len(regions), 2)),
        dims=("area", "sex"),
        coords={"area": regions, "sex": ["F", "M"]},
    )
    if not a.regional_adjustment:
        return out
    for region in regions:
        for sex in ("F", "M"):
            target = float(window.sel(area=region, sex=sex))
            if not np.isfinite(target):
                raise DataError(
                    f"no life expectancy for {region} {sex}", source="regional_demography"
                )
            out.loc[region, sex] = hazard_scale(m0.sel(sex=sex).values, target, sex)
    return out


def cohort_death_prob(m: np.ndarray) -> np.ndarray:
    """Probability of dying within the year for those aged x on 1 January, from rates (..., X)."""
    hazard = np.empty_like(m)
    hazard[..., :-1] = 0.5 * (m[..., :-1] + m[..., 1:])
    hazard[..., -1] = m[..., -1]
    return -np.expm1(-hazard)


def death_rates(
    reg: xr.Dataset, national_mortality: xr.Dataset, regions: list[str], base_year: int,
    until: int, a: MortalityAssumption,
) -> xr.Dataset:  # fmt: skip
    """Projected death rates by region from ``regional_demography`` and ``national_mortality``.

    Returns
    -------
    Dataset with ``death_rate`` (area, time, sex, age) per person-year for the years
    ``base_year+1 .. until``, ``death_prob`` (same dims), ``infant_death_prob`` (area, time,
    sex), ``hazard_scale`` (area, sex) and ``improvement`` (sex, age) per year.
    """
    m0, improvement, centre = national_schedule(national_mortality, base_year, a)
    theta = regional_scale(reg, m0, regions, last_year(national_mortality, base_year), a)
    years = np.arange(base_year + 1, until + 1)
    steps = xr.DataArray(
        years - centre, dims="time", coords={"time": [_data.year_end(int(y)) for y in years]}
    )
    decline = np.exp(-a.improvement_multiplier * improvement * steps)
    m = (theta * m0 * decline).transpose("area", "time", "sex", "age")
    q = xr.apply_ufunc(cohort_death_prob, m, input_core_dims=[["age"]], output_core_dims=[["age"]])
    infant = -np.expm1(-INFANT_LOWER_TRIANGLE * m.sel(age=0, drop=True))
    return xr.Dataset(
        {
            "death_rate": m,
            "death_prob": q.transpose(*m.dims),
            "infant_death_prob": infant,
            "hazard_scale": theta,
            "improvement": improvement,
        }
    )
