"""One labour force per area and year: the 12r5 published value, its gaps and its future.

The register variable ``labour_force`` (12r5 TYOVOIMATK) is one value per calendar year,
repeated in every month. It is the labour force of the employment statistics (tyokay) of the
end of the year two years earlier: the value shown in the months of 2026 is the labour force
of 31.12.2024. Evidence (``benchmarks/eval_demography.py`` notes): across the municipalities,
the year-to-year change of the 12r5 value in year ``Y`` correlates 0.63-0.83 with the change
of the employed residents (115n) in ``Y - 2`` and 0.1-0.4 with any other lag (2009-2017).

:func:`labour_force` turns it into ONE annual series per area, indexed by the *reference*
year (31.12.), that every product should use:

- ``published`` (status 0): the 12r5 value of reference year ``y`` (months of ``y + LAG``);
- ``interpolated`` (status 1): a reference year between two published ones (the months of
  2024-2025 are missing from the extracts, so reference years 2022-2023 are interpolated
  log-linearly between 2021 and 2024);
- ``projected`` (status 2): after the last published year, the last value times the growth
  of a population-side labour force (``population_side``, e.g. the ``labour_force`` mean of
  :func:`forecasting.demography.labour_supply`), or held flat without one. A side that
  starts after the last published year (``labour_supply`` from a later base year, tied to
  that year) is used at its own levels, so the two agree exactly.

:func:`by_month` lays the series out on the 12r5 footing (months of ``Y`` carry reference year
``Y - LAG``); :func:`apply_to_register_forecast` puts it into a register forecast and
recomputes the unemployment rate.

Who should call it: the unemployment rate (denominator for a year), the population products
(labour supply ties its level to it, :func:`forecasting.demography.labour.labour_force_anchor`)
and the scenarios' starting labour force.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.errors import ValidationError

#: Years between the reference year of the labour force and the months that carry it in 12r5.
LAG = 2
PUBLISHED, INTERPOLATED, PROJECTED = 0, 1, 2
STATUS_MEANING = "0 published (12r5), 1 interpolated between published years, 2 projected"


def published(registers: xr.Dataset, areas: Sequence[str] | None = None) -> xr.DataArray:
    """12r5 labour force (area, year) by reference year (publication year minus :data:`LAG`).

    The annual value is the mean over the months with data (the months repeat one value).

    Raises
    ------
    ValidationError
        ``registers`` lacks ``labour_force`` or an area.
    """
    if "labour_force" not in registers:
        raise ValidationError("registers", "the cube lacks the variable 'labour_force'")
    da = registers["labour_force"]
    if areas is not None:
        missing = [a for a in areas if a not in da["area"].values]
        if missing:
            raise ValidationError("areas", f"not in the registers: {missing[:5]}")
        da = da.sel(area=list(areas))
    annual = da.groupby("time.year").mean(skipna=True)
    annual = annual.assign_coords(year=annual["year"].values - LAG)
    return annual.transpose("area", "year").rename("labour_force")


def labour_force(
    cubes: Mapping[str, xr.Dataset],
    *,
    areas: Sequence[str] | None = None,
    until: int | None = None,
    population_side: xr.DataArray | None = None,
) -> xr.Dataset:
    """The one labour force (area, year) per reference year 31.12., persons.

    Parameters
    ----------
    cubes
        Input cubes by name; reads ``registers`` (``labour_force``).
    areas
        Area codes (municipalities and aggregates as in the registers); default all.
    until
        Last reference year; default the last published one.
    population_side
        Optional population-side labour force (area, year) whose growth carries the series
        after the last published year (areas it lacks are held flat).

    Returns
    -------
    Dataset with ``labour_force`` (area, year) and ``labour_force_status`` (0 published,
    1 interpolated, 2 projected); attrs ``reference`` and ``data_through`` (last published
    reference year).
    """
    if "registers" not in set(cubes):
        raise ValidationError("cubes", "the inputs lack the cube 'registers'")
    pub = published(cubes["registers"], areas)
    have = pub.notnull().any("area")
    years_with = [int(y) for y in pub["year"].values[have.values]]
    if not years_with:
        raise ValidationError("registers", "no labour force values")
    first, last = years_with[0], years_with[-1]
    end = last if until is None else int(until)
    if end < first:
        raise ValidationError("until", f"must be >= {first}")
    years = np.arange(first, end + 1)
    pub = pub.reindex(year=years)
    values = pub.values.copy()
    status = np.where(np.isfinite(values), PUBLISHED, -1)
    logs = np.log(np.where(values > 0, values, np.nan))
    for i in range(values.shape[0]):
        ok = np.isfinite(logs[i])
        if ok.sum() >= 2:
            inside = ~ok & (years > years[ok][0]) & (years < years[ok][-1])
            logs[i, inside] = np.interp(years[inside], years[ok], logs[i, ok])
            status[i, inside] = INTERPOLATED
    values = np.where(status == PUBLISHED, values, np.exp(logs))  # published kept exact
    values = _project(values, status, years, pub["area"].values, population_side)
    ds = xr.Dataset(
        {
            "labour_force": (("area", "year"), values),
            "labour_force_status": (("area", "year"), status.astype(np.int8)),
        },
        coords={"area": pub["area"].values, "year": years},
    )
    ds["labour_force_status"].attrs["meaning"] = STATUS_MEANING
    ds.attrs.update(
        units="persons",
        reference="31 December of the year (12r5 publishes it two years later)",
        data_through=str(last),
        source="12r5 TYOVOIMATK (tyokay labour force), lag 2 years",
    )
    return ds


def of_release(
    registers: xr.Dataset, supply: xr.Dataset, *, areas: Sequence[str], until: int
) -> xr.Dataset:
    """The one labour force as the release publishes it: :func:`labour_force` of the
    registers for ``areas`` to reference year ``until``, carried after the last published
    year by the growth of the ``labour_supply`` product's mean labour force (its ``time``
    of 31.12. read as the reference year).

    The register forecasts' unemployment rate and the labour balance both read this one
    series, so they cannot drift apart."""
    side = supply["labour_force"].sel(statistic="mean", drop=True)
    side = side.assign_coords(year=side["time"].dt.year).swap_dims(time="year")
    return labour_force(
        {"registers": registers}, areas=areas, until=until,
        population_side=side.drop_vars("time"),
    )  # fmt: skip


def _project(
    values: np.ndarray, status: np.ndarray, years: np.ndarray, areas: np.ndarray,
    population_side: xr.DataArray | None,
) -> np.ndarray:  # fmt: skip
    """Fill the years after each area's last known value (status set to PROJECTED)."""
    out = values.copy()
    for i, area in enumerate(areas):
        ok = np.isfinite(out[i])
        if not ok.any():
            continue
        j = int(np.nonzero(ok)[0][-1])
        after = np.arange(j + 1, years.size)
        if after.size == 0:
            continue
        growth = np.ones(after.size)
        if population_side is not None and area in population_side["area"].values:
            side = population_side.sel(area=area).reindex(year=years).values
            start = [k for k in range(j, years.size) if np.isfinite(side[k]) and side[k] > 0]
            if start:  # growth from the side's first year at or after the last known one;
                # a side starting after it is tied to it (labour_supply ties its level to
                # the last published year): its levels are taken as they are
                base = side[start[0]] if start[0] == j else out[i, j]
                ratio = side[after] / base
                ratio[after < start[0]] = 1.0
                growth = np.where(np.isfinite(ratio), ratio, np.nan)
                last_ok = 1.0
                for k in range(growth.size):  # hold flat past the end of the side series
                    if np.isfinite(growth[k]):
                        last_ok = growth[k]
                    else:
                        growth[k] = last_ok
        out[i, after] = out[i, j] * growth
        status[i, after] = PROJECTED
    return out


def by_month(one: xr.Dataset, months: Sequence[object] | np.ndarray) -> xr.DataArray:
    """The one labour force (area, time) on the 12r5 footing: months of ``Y`` carry the
    reference year ``Y - LAG`` (NaN where the series has no such year)."""
    times = pd.DatetimeIndex(months)
    ref = xr.DataArray(np.asarray(times.year) - LAG, dims="time", coords={"time": times})
    values = one["labour_force"].reindex(year=np.unique(ref.values)).sel(year=ref)
    return values.drop_vars("year").transpose("area", "time").rename("labour_force")


def apply_to_register_forecast(forecast: xr.Dataset, one: xr.Dataset) -> xr.Dataset:
    """``forecast`` (a register forecast) with the one labour force for its areas.

    ``labour_force`` (area, time) becomes :func:`by_month` of ``one`` where it has a value
    (other cells keep theirs) and ``unemployment_rate`` is recomputed from ``unemployed``
    (every statistic) over it; attrs say so.
    """
    if "labour_force" not in forecast:
        raise ValidationError("forecast", "has no labour_force")
    areas = [a for a in map(str, forecast["area"].values) if a in set(map(str, one["area"].values))]
    if not areas:
        return forecast
    out = forecast.copy()
    lf = out["labour_force"]
    months = by_month(one.sel(area=areas), forecast["time"].values)
    new = months.reindex(area=lf["area"]).transpose(*lf.dims)
    out["labour_force"] = lf.copy(data=np.where(np.isfinite(new.values), new.values, lf.values))
    if "unemployed" in out and "unemployment_rate" in out:
        rate = 100.0 * out["unemployed"] / out["labour_force"]
        out["unemployment_rate"] = rate.transpose(*out["unemployment_rate"].dims).assign_attrs(
            out["unemployment_rate"].attrs
        )
    out["labour_force"].attrs.update(
        lf.attrs, one_labour_force="forecasting.labour_force (reference year = month's year - 2)"
    )
    out.attrs["labour_force_method"] = (
        "the one labour force per area and reference year (forecasting.labour_force): "
        "12r5 published, interpolated in gaps, then projected"
    )
    return out
