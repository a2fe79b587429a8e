"""Fertility: regional total fertility, the national single-age shape, municipal scaling.

Steps (see ``docs/methods/demography.md``):

1. national shape: HFD single-age rates averaged over the ``window`` years up to the base
   year, normalised to sum 1 (ages 12..55, HFD's open ends included);
2. regional shape: the national shape shifted (linear interpolation) by the difference
   between the region's mean age at childbearing, from its single-age shares at 15..49,
   and the national one;
3. level: the regional TFR averaged over the same years (times ``tfr_multiplier``, or moving
   linearly to ``tfr_target`` by ``target_year``);
4. municipal factor ``k = (O + tau) / (E + tau)``: O = children aged 0 on 31.12. of the last two
   years (corrected for infant deaths), E = births the regional rates give the municipality's
   women; ``tau`` is the gamma-Poisson prior worth of births, by moments across all
   municipalities unless set.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from forecasting.demography import _data
from forecasting.demography.assumptions import FertilityAssumption
from forecasting.errors import DataError

AGES = np.arange(101)
#: Ages of the regional single-age shares used for the mean age (outside them the derived
#: shares hold artefacts of the source's smoothing).
REGIONAL_SHARE_AGES = slice(15, 49)


def _window(da: xr.DataArray, base_year: int, window: int, what: str) -> xr.DataArray:
    years = list(range(base_year - window + 1, base_year + 1))
    have = set(da["year"].values.tolist())
    if not set(years) <= have:
        raise DataError(f"{what} lacks years {sorted(set(years) - have)}", source=what)
    return da.sel(year=years)


def national_shape(
    national_fertility: xr.Dataset, base_year: int, a: FertilityAssumption
) -> xr.DataArray:
    """National fertility schedule by single age 0..100, summing to 1.

    The ``window`` years up to the base year, or up to the last year of the cube when it
    ends earlier (the shape changes slowly; the level comes from the regional TFR).
    """
    asfr = _data.by_year(national_fertility["fertility_rate"])
    last = min(base_year, int(asfr["year"].max()))
    mean = _window(asfr, last, a.window, "national_fertility").mean("year")
    shape = mean.reindex(age=AGES, fill_value=0.0).fillna(0.0)
    return shape / shape.sum()


def mean_age(shape: xr.DataArray) -> xr.DataArray:
    """Mean age at childbearing of a schedule over ``age`` (births at mid-year of age)."""
    return (shape * (shape["age"] + 0.5)).sum("age") / shape.sum("age")


def shifted(shape: xr.DataArray, delta: float) -> np.ndarray:
    """``shape`` moved ``delta`` years older (linear interpolation), renormalised."""
    ages = shape["age"].values.astype(float)
    moved = np.interp(ages - delta, ages, shape.values, left=0.0, right=0.0)
    return moved / moved.sum()


def regional_jump_off(
    reg: xr.Dataset, national_fertility: xr.Dataset, regions: list[str], base_year: int,
    a: FertilityAssumption,
) -> xr.DataArray:  # fmt: skip
    """Jump-off fertility rates (area=region, age): window TFR times the shifted national shape.

    ``reg`` is the ``regional_demography`` cube, ``national_fertility`` the HFD cube.
    """
    shares = _window(
        _data.by_year(reg["fertility_age_share"]), base_year, a.window, "regional_demography"
    )
    tfr = _window(
        _data.by_year(reg["total_fertility_rate"]), base_year, a.window, "regional_demography"
    )
    nat = national_shape(national_fertility, base_year, a)
    nat_mac = float(mean_age(nat))
    regional_mac = mean_age(shares.sel(age=REGIONAL_SHARE_AGES).mean("year"))
    out = np.empty((len(regions), AGES.size))
    for i, region in enumerate(regions):
        level = float(tfr.sel(area=region).mean("year"))
        mac = float(regional_mac.sel(area=region))
        if not (np.isfinite(level) and np.isfinite(mac)):
            raise DataError(f"no fertility data for {region}", source="regional_demography")
        out[i] = level * shifted(nat, mac - nat_mac)
    return xr.DataArray(
        out, dims=("area", "age"), coords={"area": regions, "age": AGES}, name="fertility_rate"
    )


def projected_schedules(
    jump_off: xr.DataArray, base_year: int, until: int, a: FertilityAssumption
) -> xr.DataArray:
    """Rates (area, time, age) for ``base_year+1 .. until`` following the assumed TFR path."""
    years = np.arange(base_year + 1, until + 1)
    tfr = jump_off.sum("age")
    path = np.stack([tfr_path(float(t), years, base_year, a) for t in tfr.values])
    scale = xr.DataArray(
        path / np.where(tfr.values > 0, tfr.values, 1.0)[:, None],
        dims=("area", "time"),
        coords={"area": jump_off["area"].values, "time": [_data.year_end(int(y)) for y in years]},
    )
    return (scale * jump_off).transpose("area", "time", "age")


def tfr_path(level: float, years: np.ndarray, base_year: int, a: FertilityAssumption) -> np.ndarray:
    """The assumed TFR of each projection year."""
    start = level * a.tfr_multiplier
    if a.tfr_target is None or a.target_year is None:
        return np.full(years.size, start)
    span = max(a.target_year - base_year, 1)
    weight = np.clip((years - base_year) / span, 0.0, 1.0)
    return start + weight * (a.tfr_target - start)


def expected_births(women_start: np.ndarray, asfr: np.ndarray, q_women: np.ndarray) -> np.ndarray:
    """Births the rates give: ``sum_x asfr[x] * (W[x] + W[x-1] (1 - q[x-1])) / 2``.

    ``women_start`` (..., X) women on 1 January, ``asfr`` (..., X), ``q_women`` (..., X): the
    same exposure as the projection kernel.
    """
    exposure = women_start.copy()
    exposure[..., 1:] = 0.5 * (
        women_start[..., 1:] + women_start[..., :-1] * (1 - q_women[..., :-1])
    )
    exposure[..., 0] = 0.0
    return (asfr * exposure).sum(axis=-1)


def prior_strength(observed: np.ndarray, expected: np.ndarray) -> float:
    """Gamma-Poisson prior worth (in births) by moments: ``1 / excess variance of O/E``.

    ``Var(O/E) = v + 1/E`` under a gamma(1/v, 1/v) factor times Poisson noise; ``v`` is the
    E-weighted mean of ``(O/E - 1)^2 - 1/E``, floored at 1e-4.
    """
    ok = expected > 0
    ratio = observed[ok] / expected[ok]
    weights = expected[ok]
    excess = np.sum(weights * ((ratio - 1.0) ** 2 - 1.0 / weights)) / weights.sum()
    return 1.0 / max(float(excess), 1e-4)


def municipal_factors(observed: np.ndarray, expected: np.ndarray, prior: float) -> np.ndarray:
    """Posterior mean fertility factors ``(O + prior) / (E + prior)``."""
    return (observed + prior) / (expected + prior)
