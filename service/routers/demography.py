"""Population and labour-supply projections by area, year, sex and single year of age."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from service import cubes
from service.deps import CSV_RESPONSE, AreaQuery, DataQueryDep, FromQuery, ToQuery, YearQuery
from service.schemas import DemographyPage

router = APIRouter(prefix="/v1", tags=["demography"])

SexQuery = Annotated[
    list[Literal["F", "M", "T"]] | None, Query(description="F, M or T (total), repeat")
]
Age = Annotated[int, Field(ge=0, le=100)]
AgeQuery = Annotated[list[Age] | None, Query(description="single ages 0..100 (repeat)")]
AgeFrom = Annotated[int | None, Query(ge=0, le=100, description="youngest age, inclusive")]
AgeTo = Annotated[int | None, Query(ge=0, le=100, description="oldest age, inclusive")]


def _demography(
    query: Any,
    name: str,
    area: list[str] | None,
    year: list[int] | None,
    sex: Sequence[str] | None,
    age: list[int] | None,
    age_from: int | None,
    age_to: int | None,
    time_from: str | None,
    time_to: str | None,
) -> Any:
    ds = query.dataset(name)
    if (age_from is not None or age_to is not None) and "age" in ds.dims:
        ds = ds.sel(age=slice(age_from, age_to))
    sel = cubes.select(
        ds,
        name=name,
        labels={"area": area, "sex": sex, "age": [str(a) for a in age] if age else None},
        years=year,
        time_from=time_from,
        time_to=time_to,
    )
    return query.respond(sel)


@router.get(
    "/population",
    response_model=DemographyPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Population projection",
)
def population(
    query: DataQueryDep,
    area: AreaQuery = None,
    year: YearQuery = None,
    sex: SexQuery = None,
    age: AgeQuery = None,
    age_from: AgeFrom = None,
    age_to: AgeTo = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
) -> Any:
    """Cohort-component projection on 31 December of each year, with 80 % and 95 % intervals
    from the stochastic projection. Age 100 is 100 and over.
    """
    return _demography(
        query, "population_projection", area, year, sex, age, age_from, age_to, time_from, time_to
    )


@router.get(
    "/labour-supply",
    response_model=DemographyPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Labour-supply projection",
)
def labour_supply(
    query: DataQueryDep,
    area: AreaQuery = None,
    year: YearQuery = None,
    sex: SexQuery = None,
    age: AgeQuery = None,
    age_from: AgeFrom = None,
    age_to: AgeTo = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
) -> Any:
    """Working-age population, employed residents, labour supply and retirements per year."""
    return _demography(
        query, "labour_supply", area, year, sex, age, age_from, age_to, time_from, time_to
    )
