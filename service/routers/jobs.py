"""Jobs by industry (TOL 2008 sections) per area and year."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from service import cubes
from service.deps import CSV_RESPONSE, AreaQuery, DataQueryDep, FromQuery, ToQuery, YearQuery
from service.schemas import IndustryPage

router = APIRouter(prefix="/v1/jobs", tags=["labour demand"])


@router.get(
    "",
    response_model=IndustryPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Jobs by industry",
)
def jobs_by_industry(
    query: DataQueryDep,
    area: AreaQuery = None,
    industry: Annotated[
        list[str] | None, Query(description="TOL 2008 sections A..U, X (repeat)")
    ] = None,
    year: YearQuery = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
) -> Any:
    """Jobs at the workplace by industry, observed and projected, with intervals."""
    sel = cubes.select(
        cubes.statistic_columns(query.dataset("jobs_by_industry"), "jobs"),
        name="jobs_by_industry",
        labels={"area": area, "industry": [i.upper() for i in industry] if industry else None},
        years=year,
        time_from=time_from,
        time_to=time_to,
    )
    return query.respond(sel)
