"""Run the projection for a set of municipalities and their aggregates, chunk by chunk.

The draws of a national run do not fit in memory at once (1,000 draws x 308 municipalities x
22 years x 202 cells is 5.5 GB as float32), so municipalities are simulated in chunks ordered
by region and employment area; each municipality's draws are reduced to additive
*components* (a caller-chosen function, e.g. the population cells or labour totals), the
components of an aggregate are summed draw by draw, and an aggregate is handed on as soon as
its last member is done. Aggregates are therefore coherent per draw: their intervals come
from the summed draws, never from summed quantiles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from forecasting import geography
from forecasting.demography.rates import RateSet
from models.cohort import CohortComponentProjection

#: Municipalities simulated per kernel call (bounds memory: draws x chunk x 22 x 202 float32).
CHUNK = 12

Components = Callable[[list[str], np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Scope:
    """Which municipalities to simulate and which aggregates to form from them."""

    municipalities: list[str]
    aggregates: dict[str, list[str]]

    @property
    def areas(self) -> list[str]:
        """Output order: municipalities, then aggregates."""
        return [*self.municipalities, *self.aggregates]

    def member_of(self) -> dict[str, list[str]]:
        """``municipality -> the aggregates it belongs to``."""
        out: dict[str, list[str]] = {}
        for agg, members in self.aggregates.items():
            for code in members:
                out.setdefault(code, []).append(agg)
        return out


def scope_for(kind: str, area: str) -> Scope:
    """``kind="area"``: the members of ``area`` and ``area`` itself (if an aggregate);
    ``kind="national"``: every municipality, employment area, region and the country."""
    if kind == "national":
        munis = geography.municipalities()
        aggregates: dict[str, list[str]] = {}
        for level in ("employment_area", "region"):
            for code in geography.aggregate_codes(level):
                aggregates[code] = sorted(munis.index[munis[level] == code])
        aggregates[geography.COUNTRY] = sorted(munis.index)
        return Scope(sorted(munis.index), aggregates)
    members = geography.members(area)
    if geography.level_of(area) == "municipality":
        return Scope(members, {})
    return Scope(members, {area: members})


def simulate(rateset: RateSet, codes: list[str], draws: int, seed: int | None) -> np.ndarray:
    """Population of ``codes``: draws (D, A, T, 2, X) float32, or the expected path as
    (1, A, T, 2, X) float64 when ``draws == 0``. Seeds are keyed by municipality code."""
    idx = rateset.index(codes)
    model = CohortComponentProjection(draws=draws, seed=seed).fit(rateset.rates.take(idx))
    result = model.project(rateset.population[idx], area_keys=[int(c) for c in codes])
    if draws == 0:
        return result.population[None]
    assert result.sampled_population is not None
    return result.sampled_population


def _order(scope: Scope) -> list[str]:
    """Municipalities ordered by region and employment area, so aggregates finish early."""
    munis = geography.municipalities()
    return sorted(
        scope.municipalities,
        key=lambda c: (munis.loc[c, "region"], munis.loc[c, "employment_area"], c),
    )


def chunks(scope: Scope, chunk: int = CHUNK) -> list[list[str]]:
    """The municipalities of each kernel call of :func:`run`, in its order."""
    order = _order(scope)
    return [order[start : start + chunk] for start in range(0, len(order), chunk)]


def accumulate(sums: dict[str, np.ndarray], key: str, values: np.ndarray) -> None:
    """``sums[key] += values`` in place (a copy of ``values`` the first time): the numbers of
    ``sums[key] + values``, without a new array (and its page faults) per member."""
    total = sums.get(key)
    if total is None:
        sums[key] = values.copy()
    else:
        np.add(total, values, out=total)


def run(
    rateset: RateSet,
    scope: Scope,
    components: Components,
    *,
    draws: int,
    seed: int | None,
    chunk: int = CHUNK,
) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(area, components)`` for every area of ``scope`` (aggregates when complete).

    ``components(codes, pop)`` maps population draws ``pop`` (D, n, T, 2, X) of the
    municipalities ``codes`` to additive components (n, D, ...) (float64).
    """
    remaining = {agg: len(members) for agg, members in scope.aggregates.items()}
    member_of = scope.member_of()
    sums: dict[str, np.ndarray] = {}
    order = _order(scope)
    for start in range(0, len(order), chunk):
        codes = order[start : start + chunk]
        parts = components(codes, simulate(rateset, codes, draws, seed))
        for code, part in zip(codes, parts, strict=True):
            yield code, part
            for agg in member_of.get(code, []):
                accumulate(sums, agg, part)
                remaining[agg] -= 1
                if remaining[agg] == 0:
                    yield agg, sums.pop(agg)
