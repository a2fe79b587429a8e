"""Jobs by industry (TOL 2008 sections) per area and year, and jobs and workers balanced."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from service import cubes
from service.deps import CSV_RESPONSE, AreaQuery, DataQueryDep, FromQuery, ToQuery, YearQuery
from service.schemas import IndustryPage, LabourBalancePage

router = APIRouter(prefix="/v1/jobs", tags=["labour demand"])
balance_router = APIRouter(prefix="/v1/labour-balance", tags=["labour demand"])


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


@balance_router.get(
    "",
    response_model=LabourBalancePage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Jobs and workers balanced, with the commuting check",
)
def labour_balance(
    query: DataQueryDep,
    area: AreaQuery = None,
    year: YearQuery = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
) -> Any:
    """Jobs and the residents' labour force met through commuting and unemployment per area
    and year: employed residents at the observed net in-commuting share (115n/115p) up to the
    labour force less frictional unemployment, the implied net in-commuting, and
    ``commuting_flag`` where its share of jobs departs from the observed by more than the
    release's threshold (``max_departure`` in the dataset's attrs)."""
    sel = cubes.select(
        query.dataset("labour_balance"),
        name="labour_balance",
        labels={"area": area},
        years=year,
        time_from=time_from,
        time_to=time_to,
    )
    return query.respond(sel)
