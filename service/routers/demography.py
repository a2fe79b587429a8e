"""Population and labour-supply projections by area, year, sex and single year of age."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from service import cubes
from service.deps import CSV_RESPONSE, AreaQuery, DataQueryDep, FromQuery, ToQuery, YearQuery
from service.errors import NotInReleaseError
from service.schemas import DemographyPage, WholeNumber

router = APIRouter(prefix="/v1", tags=["demography"])

SexQuery = Annotated[
    list[Literal["F", "M", "T"]] | None, Query(description="F, M or T (total), repeat")
]
Age = Annotated[WholeNumber, Field(ge=0, le=100)]
AgeQuery = Annotated[list[Age] | None, Query(description="single ages 0..100 (repeat)")]
AgeFrom = Annotated[WholeNumber | None, Query(ge=0, le=100, description="youngest age, inclusive")]
AgeTo = Annotated[WholeNumber | None, Query(ge=0, le=100, description="oldest age, inclusive")]


VariableQuery = Annotated[
    list[str] | None,
    Query(description="variables (repeat); e.g. employed_by_age for labour supply by age"),
]
TotalQuery = Annotated[
    bool,
    Query(description="totals over age (with their own intervals) instead of single ages"),
]
TOTAL_SUFFIX = "_total"
VariantQuery = Annotated[
    Literal["base", "low", "high"],
    Query(
        description="immigration variant: base (the recent five years' national level), low "
        "(2015-2019 level), high (Statistics Finland's 2024 projection's level); low and high "
        "are deterministic expected paths, their bounds lo80..hi95 null"
    ),
]


def _ages_or_totals(ds: Any, name: str, total: bool) -> Any:
    """Single-age variables, or the ``*_total`` ones (totals over age) when ``total`` is asked
    for; a variable over ``statistic`` (``population``) as the columns ``mean, lo80, ...``."""
    totals = [str(v) for v in ds.data_vars if str(v).endswith(TOTAL_SUFFIX)]
    if total and not totals:
        raise NotInReleaseError(f"{name} has no totals over age in this release")
    ds = ds[totals] if total else ds.drop_vars(totals)
    stats = [str(v) for v in ds.data_vars if "statistic" in ds[v].dims]
    if len(stats) == 1:
        return cubes.statistic_columns(ds, stats[0])
    return ds


@dataclass
class DemographyFilters:
    """The filters both demography products take (declared once, see :func:`filters`)."""

    area: list[str] | None
    year: list[int] | None
    sex: list[str] | None
    age: list[int] | None
    age_from: int | None
    age_to: int | None
    time_from: str | None
    time_to: str | None
    variable: list[str] | None

    def serve(self, query: Any, name: str, total: bool = False) -> Any:
        ds = _ages_or_totals(query.dataset(name), name, total)
        if (self.age_from is not None or self.age_to is not None) and "age" in ds.dims:
            ds = ds.sel(age=slice(self.age_from, self.age_to))
        ages = [str(a) for a in self.age] if self.age else None
        sel = cubes.select(
            ds,
            name=name,
            labels={"area": self.area, "sex": self.sex, "age": ages},
            years=self.year,
            time_from=self.time_from,
            time_to=self.time_to,
            variables=self.variable,
        )
        return query.respond(sel)


async def filters(
    area: AreaQuery = None,
    year: YearQuery = None,
    sex: SexQuery = None,
    age: AgeQuery = None,
    age_from: AgeFrom = None,
    age_to: AgeTo = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
    variable: VariableQuery = None,
) -> DemographyFilters:
    return DemographyFilters(
        list(area) if area else None, year, list(sex) if sex else None, age,
        age_from, age_to, time_from, time_to, variable,
    )  # fmt: skip


FiltersDep = Annotated[DemographyFilters, Depends(filters)]


@router.get(
    "/population",
    response_model=DemographyPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Population projection",
)
def population(
    query: DataQueryDep, filters: FiltersDep, total: TotalQuery = False,
    variant: VariantQuery = "base",
) -> Any:  # fmt: skip
    """Cohort-component projection on 31 December of each year by sex and single age, with
    80% and 95% intervals from the stochastic projection (age 100 = 100 and over). With
    ``total=true``, totals over age with their own intervals (from the draws, not summed).
    ``variant``: the immigration variant, ``base`` (the default), ``low`` or ``high``; the
    low and high variants are deterministic paths (the expected path, no draws), as
    statistical agencies publish variants: their bounds are null, the base carries the
    uncertainty.
    """
    name = "population_projection" if variant == "base" else f"population_projection_{variant}"
    return filters.serve(query, name, total)


@router.get(
    "/labour-supply",
    response_model=DemographyPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Labour-supply projection",
)
def labour_supply(query: DataQueryDep, filters: FiltersDep) -> Any:
    """Working-age population, employed residents, labour supply and retirements per year."""
    return filters.serve(query, "labour_supply")


@router.get(
    "/population/variants",
    response_model=DemographyPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Statistics Finland's official 2024 projection beside ours",
)
def population_variants(query: DataQueryDep, filters: FiltersDep) -> Any:
    """Totals by area, year and sex: ``official`` (Statistics Finland's 2024 projection,
    vaenn 14wx: Etelä-Savo and Finland), our projection's ``ours`` with its 80% and 95%
    bounds, and ``difference`` (ours minus the official); ours is missing where this release
    does not project the area (an area release projects its own municipalities).
    """
    name = "population_variants"
    ds = query.dataset(name)[["official_total", "ours_total", "difference"]]
    ds = cubes.statistic_columns(ds.rename(official_total="official"), "ours_total", "ours")
    sel = cubes.select(
        ds,
        name=name,
        labels={"area": filters.area, "sex": filters.sex},
        years=filters.year,
        time_from=filters.time_from,
        time_to=filters.time_to,
        variables=filters.variable,
    )
    return query.respond(sel)
