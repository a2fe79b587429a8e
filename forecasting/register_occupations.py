"""Register forecasts by occupation group, with a vacancies-per-unemployed tightness label.

The same engine, calibration and reconciliation as :mod:`forecasting.registers` (the total
over 2-digit Ammattiluokitus 2010 groups), on the snapshot's ``occupations`` cube (Etelä-Savo
``MK10`` or the whole country ``SSS``). Re-exported by :mod:`forecasting.registers`, where
the release and the CLI look these names up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.contract import validate
from forecasting.errors import ValidationError
from forecasting.provenance import combine_versions, stamp
from forecasting.registers import (
    MODEL_LABEL,
    N_SAMPLES,
    STATISTICS,
    SUPPRESSED_VALUE,
    VARIABLES,
    Hierarchy,
    aggregate,
    check_request,
    forecast_variable,
    one_blas_thread,
)

SHORTAGE_AT = 1.0  # at least one open vacancy per unemployed jobseeker
SURPLUS_BELOW = 0.2  # five or more unemployed jobseekers per open vacancy
MIN_VOLUME = 10.0  # mean unemployed + vacancies a month below which no label is given


def occupation_group(code: str) -> str | None:
    """2-digit group of an Ammattiluokitus 2010 code (``"5321"`` -> ``"53"``); KEHA's
    unknown-occupation codes ``X...`` -> ``"X"``; the total ``"SSS"`` -> ``None``."""
    if code[:1].isdigit():
        return code[:2]
    if code.startswith("X"):
        return "X"
    return None


def occupation_hierarchy(codes: list[str]) -> Hierarchy:
    """Total (``"SSS"``) over the 2-digit groups present in ``codes``."""
    groups = sorted({g for g in map(occupation_group, codes) if g is not None})
    rows = ("SSS", *groups)
    S = np.vstack([np.ones(len(groups)), np.eye(len(groups))])
    levels = ("total", *["group"] * len(groups))
    return Hierarchy(rows, tuple(groups), S, levels, np.zeros(len(rows), np.int64), 0, "group")


def occupations_panel(ds: xr.Dataset, variable: str, hier: Hierarchy, end: int) -> np.ndarray:
    """Group sums ``(len(hier.rows), end)`` of the occupation codes (suppressed cells = 2.5)."""
    da = ds[variable].transpose("occupation", "time")
    values = da.values[:, :end]
    values = np.where(np.isfinite(values), values, SUPPRESSED_VALUE)
    labels = [occupation_group(str(c)) for c in da["occupation"].values]
    pos = {g: j for j, g in enumerate(hier.bottom)}
    bottom = np.zeros((len(hier.bottom), end))
    for row, label in zip(values, labels, strict=True):
        if label is not None:
            bottom[pos[label]] += row
    return aggregate(hier.S, bottom)


def tightness_labels(vacancies: np.ndarray, unemployed: np.ndarray) -> np.ndarray:
    """``shortage`` / ``balanced`` / ``surplus`` from vacancies per unemployed over the horizon.

    Inputs are point forecasts ``(n, h)``; the ratio is of the horizon's sums. Groups with
    fewer than ``MIN_VOLUME`` jobseekers plus vacancies a month get ``too small``. Registered
    vacancies are only part of all vacancies, so "shortage" is a conservative call.
    """
    ratio = vacancies.sum(axis=1) / np.maximum(unemployed.sum(axis=1), 1.0)
    volume = (vacancies + unemployed).mean(axis=1)
    labels = np.where(
        ratio >= SHORTAGE_AT, "shortage", np.where(ratio < SURPLUS_BELOW, "surplus", "balanced")
    )
    return np.where(volume < MIN_VOLUME, "too small", labels).astype(object)


def forecast_occupations(
    occupations: xr.Dataset,
    origin: str,
    horizon: int,
    area: str = "MK10",
    *,
    n_samples: int = N_SAMPLES,
    seed: int | None = None,
) -> xr.Dataset:
    """Unemployed and vacancies by 2-digit occupation group, with a tightness indicator.

    Same engine, calibration and reconciliation (total over groups) as
    :func:`forecast_registers`, on the ``occupations`` cube (Etelä-Savo ``MK10`` or the
    whole country ``SSS``). ``tightness`` is forecast vacancies per forecast unemployed
    jobseeker per month (``occupations`` is the ``occupations`` cube, dims ``area,
    occupation, time``); ``tightness_label`` summarises the horizon (``shortage`` at 1 or
    more, ``surplus`` below 0.2, ``balanced`` between, ``too small`` for tiny groups).

    Returns
    -------
    xr.Dataset
        ``unemployed``, ``vacancies`` ``(area, occupation, time, statistic)``; ``tightness``
        ``(area, occupation, time)``; ``tightness_label`` ``(area, occupation)``.
    """
    with one_blas_thread():
        return _forecast_occupations(
            occupations, origin, horizon, area, n_samples=n_samples, seed=seed
        )


def _forecast_occupations(
    cube: xr.Dataset, origin: str, horizon: int, area: str, *, n_samples: int, seed: int | None
) -> xr.Dataset:
    from forecasting.settings import get_settings

    dims = {v: ("area", "occupation", "time") for v in VARIABLES}
    cube = validate(cube, name="occupations", dims=dims, counts=VARIABLES)
    times = pd.DatetimeIndex(cube["time"].values)
    month, _ = check_request(origin, horizon, "national", "SSS", times)
    if area not in set(map(str, cube["area"].values)):
        raise ValidationError("area", f"occupations are published for MK10 and SSS, not {area!r}")
    sub = cube.sel(area=area)
    end = int(times.get_loc(month)) + 1
    hier = occupation_hierarchy([str(c) for c in sub["occupation"].values])
    seed = get_settings().release.seed if seed is None else int(seed)
    streams = np.random.SeedSequence(seed).spawn(len(VARIABLES))
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    points: dict[str, np.ndarray] = {}
    for variable, stream in zip(VARIABLES, streams, strict=True):
        Y = occupations_panel(sub, variable, hier, end)
        fc = forecast_variable(
            Y, hier, hier.rows, horizon, rng=np.random.default_rng(stream), n_samples=n_samples
        )
        stats = np.stack([fc.point, *(fc.bounds[k] for k in STATISTICS[1:])], axis=-1)
        data[variable] = (("area", "occupation", "time", "statistic"), stats[None])
        points[variable] = fc.point
    ratio = points["vacancies"] / np.maximum(points["unemployed"], 1.0)
    data["tightness"] = (("area", "occupation", "time"), ratio[None])
    labels = tightness_labels(points["vacancies"], points["unemployed"])
    data["tightness_label"] = (("area", "occupation"), labels[None])
    months = pd.date_range(month, periods=horizon + 1, freq="MS")[1:]
    coords = {
        "area": [area],
        "occupation": list(hier.rows),
        "time": months,
        "statistic": list(STATISTICS),
    }
    out = xr.Dataset(data, coords=coords)
    out["tightness"].attrs.update(
        units="vacancies per unemployed jobseeker",
        long_name="labour-market tightness (open vacancies / unemployed)",
    )
    return stamp(
        out,
        source_tables=[cube.attrs["source_tables"]],
        retrieved=cube.attrs["retrieved"],
        data_version=combine_versions(
            [cube.attrs["data_version"], f"origin={origin}", f"h={horizon}"]
        ),
        seed=seed,
        extra={
            "model": MODEL_LABEL,
            "origin": f"{month:%Y-%m}",
            "occupation_groups": "Ammattiluokitus 2010, 2 digits; X = unknown; SSS = total",
            "tightness_thresholds": f"shortage >= {SHORTAGE_AT}, surplus < {SURPLUS_BELOW}",
        },
    )
