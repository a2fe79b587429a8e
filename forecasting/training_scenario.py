"""A scenario's training-need change: jobs gained (recruitment) or lost (closure) by industry
in an area -> new entrants needed by field of education and level, and by big qualification,
given the local supply.

    job change by industry (scenario)  --bridge-->  openings by occupation
    --occupation->education key-->  demand change by field x level
    need change = demand change - the local surplus that can absorb it (the baseline balance's
                  negative need in that field and level, first year), never below 0 for a
                  recruitment; a closure's negative demand is a surplus (negative need)

Example: 200 health and social work (Q) jobs in Mikkeli -> practical nurses and nurses
(qualification rows), less any surplus of health and welfare graduates the baseline balance
already shows.

Data: the bridge (:func:`forecasting.training.industry_occupation_bridge`) and the baseline
balance (:func:`forecasting.training_balance.balance`) come from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forecasting.errors import ValidationError
from forecasting.training_params import LEVELS, Fields, load_fields


def job_change_from_result(result: xr.Dataset, area: str) -> dict[str, float]:
    """Per-industry job change of ``area`` in a scenario result: the median ``employed``
    (``area, industry, time, quantile``) at the last month minus the first."""
    if "employed" not in result or area not in result.indexes["area"]:
        raise ValidationError("area", f"no employed by industry for {area!r} in the result")
    emp = result["employed"].sel(area=area, quantile=0.5)
    change = emp.isel(time=-1) - emp.isel(time=0)
    return {str(i): float(v) for i, v in zip(change["industry"].values, change.values, strict=True)}


def job_change_from_events(events: Iterable[Any]) -> dict[str, float]:
    """Direct job change by industry of a spec's events: a recruitment adds its jobs, a closure
    or dismissal removes them, a temporary layoff changes no job (the workers are recalled).
    Indirect and induced jobs (the multipliers) are left out: their industries are not known."""
    sign = {"recruitment": 1.0, "closure": -1.0, "dismissal": -1.0}
    out: dict[str, float] = {}
    for event in events:
        factor = sign.get(str(event.kind), 0.0)
        if factor:
            out[str(event.industry)] = out.get(str(event.industry), 0.0) + factor * event.jobs
    return out


def training_need_change(
    job_change: Mapping[str, float],
    bridge: xr.DataArray,
    key: xr.DataArray,
    *,
    baseline: xr.Dataset | None = None,
    area: str | None = None,
    fields: Fields | None = None,
) -> xr.Dataset:
    """Training-need change of ``job_change`` (industry -> jobs, signed).

    Parameters
    ----------
    bridge
        ``(industry, occupation)`` shares (rows sum to 1).
    key
        ``(occupation, field, level)`` occupation -> education key (broad fields).
    baseline, area
        A balance dataset and its area: its first-year surplus (negative ``need``, kinds
        summed) by field and level absorbs a recruitment's demand first. Without it the
        need change equals the demand change.

    Returns
    -------
    Dataset with ``demand_change``, ``local_surplus``, ``need_change`` ``(field, level)`` and
    ``qualification_demand`` / ``qualification_need`` ``(qualification,)`` plus
    ``qualification_name``.
    """
    fields = fields or load_fields()
    unknown = sorted(set(job_change) - set(map(str, bridge["industry"].values)))
    if unknown:
        raise ValidationError("industry", f"not in the bridge: {unknown}")
    jobs = xr.DataArray(
        [float(job_change.get(str(i), 0.0)) for i in bridge["industry"].values],
        dims="industry",
        coords={"industry": bridge["industry"].values},
    )
    openings = xr.dot(jobs, bridge, dim="industry")  # (occupation,)
    key = key.reindex(occupation=bridge["occupation"].values, fill_value=0.0)
    key = key.reindex(level=list(LEVELS), fill_value=0.0).fillna(0.0)
    demand = xr.dot(openings, key, dim="occupation").transpose("field", "level")
    surplus = xr.zeros_like(demand)
    if baseline is not None and area is not None:
        broad = [f for f in map(str, baseline["field"].values) if len(f) == 2]
        need0 = baseline["need"].sel(area=area, field=broad).isel(time=0).sum("kind")
        need0 = need0.reindex(field=demand["field"].values, level=list(LEVELS), fill_value=0.0)
        surplus = (-need0).clip(min=0.0).drop_vars(("area", "time"), errors="ignore")
    need = xr.where(demand > 0, (demand - surplus).clip(min=0.0), demand)
    ratio = xr.where(demand > 0, need / demand.where(demand > 0), 1.0).fillna(1.0)
    q_dem, q_need = [], []
    for q in fields.qualifications:
        d = 0.0
        r_num = 0.0
        for occ, field, share in q.shares:
            if occ in key.indexes["occupation"] and field in key.indexes["field"]:
                part = share * float(key.sel(occupation=occ, field=field, level=q.level))
                part *= float(openings.sel(occupation=occ))
                d += part
                r_num += part * float(ratio.sel(field=field, level=q.level))
        q_dem.append(d)
        q_need.append(r_num)
    quals = pd.Index([q.key for q in fields.qualifications], name="qualification")
    return xr.Dataset(
        {
            "demand_change": demand,
            "local_surplus": surplus,
            "need_change": need,
            "qualification_demand": ("qualification", np.array(q_dem)),
            "qualification_need": ("qualification", np.array(q_need)),
            "qualification_name": ("qualification", [q.name_fi for q in fields.qualifications]),
        },
        coords={"qualification": quals},
        attrs={
            "method_note": (
                "Scenario job change by industry -> occupations (industry-occupation bridge) -> "
                "fields and levels (correspondence); a recruitment's demand is first met by "
                "the baseline's local surplus in the field and level (first year); a closure's "
                "negative demand is a surplus. Qualifications: "
                f"{fields.version}."
            )
        },
    )


def annotate(
    result: xr.Dataset,
    cubes: Mapping[str, xr.Dataset],
    area: str,
    events: Iterable[Any] | None = None,
) -> xr.Dataset:
    """``result`` (a scenario run) with its training-need change for ``area``:
    ``training_need_change`` / ``training_demand_change`` ``(training_field, training_level)``
    and ``qualification_need_change`` ``(qualification,)``, from the run's per-industry change
    of employed (:func:`job_change_from_result`), or with ``events`` (the spec's) their direct
    job change (:func:`job_change_from_events`, no baseline drift), through the area's bridge
    and the shipped key.
    Without the local balance (too slow per run) the need change is the demand change; a
    caller with the release's balance can pass it to :func:`training_need_change`. A result
    without ``employed`` by industry, or cubes without ``jobs_by_industry``/``occupations``,
    comes back unchanged."""
    from forecasting import training

    if "employed" not in result or not {"jobs_by_industry", "occupations"} <= set(cubes):
        return result
    if area not in result.indexes.get("area", []):
        return result
    events = list(events) if events is not None else []
    change = job_change_from_events(events) if events else job_change_from_result(result, area)
    region = training.occupation_region(area)
    bridge = training.industry_occupation_bridge(
        cubes["jobs_by_industry"], cubes["occupations"], region
    )
    change = {k: v for k, v in change.items() if k in bridge.indexes["industry"]}
    out = training_need_change(change, bridge, training.load_correspondence())
    rename = {"field": "training_field", "level": "training_level"}
    return result.assign(
        training_demand_change=out["demand_change"].rename(rename),
        training_need_change=out["need_change"].rename(rename),
        qualification_need_change=out["qualification_need"],
    ).assign_attrs(training_need_method=out.attrs["method_note"])
