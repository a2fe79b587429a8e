"""Occupations: forecasts of unemployed and vacancies, and the tightness indicator."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from service import cubes
from service.deps import CSV_RESPONSE, AreaQuery, DataQueryDep, FromQuery, ToQuery
from service.schemas import OccupationPage

router = APIRouter(prefix="/v1/occupations", tags=["occupations"])


@router.get(
    "/tightness",
    response_model=OccupationPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Occupation tightness (vacancies per unemployed)",
)
def tightness(
    query: DataQueryDep,
    area: AreaQuery = None,
    occupation: Annotated[
        list[str] | None, Query(description="Ammattiluokitus 2010 codes (repeat)")
    ] = None,
    variable: Annotated[list[str] | None, Query(description="variables (repeat)")] = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
) -> Any:
    """Forecast unemployed jobseekers and open vacancies by occupation group, and their ratio
    (above 1: shortage, below: surplus).
    """
    sel = cubes.select(
        cubes.statistics_long(query.dataset("occupation_forecasts")),
        name="occupation_forecasts",
        labels={"area": area, "occupation": occupation},
        time_from=time_from,
        time_to=time_to,
        variables=variable,
    )
    return query.respond(sel)
