"""Training needs by field of education and level, for education providers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from service import cubes
from service.deps import CSV_RESPONSE, AreaQuery, DataQueryDep, FromQuery, ToQuery, YearQuery
from service.schemas import TrainingPage

router = APIRouter(prefix="/v1/training-needs", tags=["training needs"])


@router.get(
    "",
    response_model=TrainingPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Training needs by field of education and level",
)
def training_needs(
    query: DataQueryDep,
    area: AreaQuery = None,
    field: Annotated[
        list[str] | None, Query(description="broad fields of education (Koulutusluokitus 2016)")
    ] = None,
    level: Annotated[
        list[str] | None, Query(description="vocational, applied_sciences, university")
    ] = None,
    year: YearQuery = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
) -> Any:
    """Openings (expansion + replacement demand) translated to fields of education, net of the
    supply from unemployed jobseekers, per year, with 80 % intervals and the method note.
    """
    sel = cubes.select(
        cubes.statistic_columns(query.dataset("training_needs"), "need", centre="need"),
        name="training_needs",
        labels={"area": area, "field": field, "level": level},
        years=year,
        time_from=time_from,
        time_to=time_to,
    )
    return query.respond(sel)
