"""Totals of an aggregate area whose own value is missing: one rule for every page.

An employment area's (or region's) count is published as a missing, suppressed cell when a
member municipality's count is a confidential small cell. The sum of the *published* members
is then not the area's total but a lower bound of it (the suppressed cells are at least 0):
it is shown as "≥ 345" with how many members are suppressed, never as a plain total and
never as 0. A change against a lower bound is not computed. The start page (service) and the
monthly review (:mod:`forecasting.report`) both take their figure from :func:`area_total`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import xarray as xr

from forecasting import geography


@dataclass(frozen=True)
class PartialTotal:
    """A value of an area; for an aggregate with suppressed members, the published sum.

    ``value`` is the area's own value, or the sum of its published members (NaN when none
    is published); ``suppressed`` of its ``members`` municipalities are left out of the sum.
    """

    value: float
    suppressed: int = 0
    members: int = 0

    @property
    def partial(self) -> bool:
        """True when ``value`` is a lower bound: a sum with suppressed members left out."""
        return self.suppressed > 0 and math.isfinite(self.value)


def as_float(value: Any) -> float:
    """``value`` as a float; NaN for a missing, infinite or non-numeric one."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return out if math.isfinite(out) else float("nan")


def area_total(ds: xr.Dataset, area: str, variable: str, time: Any) -> PartialTotal:
    """``variable`` of ``area`` at ``time`` (an ``(area, time)`` variable of ``ds``).

    When the value is missing and ``area`` is an aggregate all of whose member municipalities
    are in ``ds``, the sum of the published members with the count of the suppressed ones
    (a lower bound if any is suppressed). Rates (``unemployment_rate*``) do not add up and
    are never summed.
    """
    if variable not in ds or "area" not in ds.indexes or area not in ds.indexes["area"]:
        return PartialTotal(float("nan"))
    value = as_float(ds[variable].sel(area=area, time=time).values)
    additive = not variable.startswith("unemployment_rate")
    if math.isfinite(value) or not additive or geography.level_of(area) == "municipality":
        return PartialTotal(value)
    members = [m for m in geography.members(area) if m in ds.indexes["area"]]
    if not members or len(members) < len(geography.members(area)):
        return PartialTotal(value)
    vals = [as_float(ds[variable].sel(area=m, time=time).values) for m in members]
    known = [v for v in vals if math.isfinite(v)]
    if not known:
        return PartialTotal(float("nan"), len(members), len(members))
    return PartialTotal(float(sum(known)), len(members) - len(known), len(members))
