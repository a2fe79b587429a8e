"""Training needs by field of education and level, for education providers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from service import cubes
from service.deps import CSV_RESPONSE, AreaQuery, DataQueryDep, FromQuery, ToQuery, YearQuery
from service.schemas import TrainingCumulativePage, TrainingPage

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
    supply from unemployed jobseekers, per year, with 80% intervals and the method note.
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


#: The target year of a cumulative need when the request names none.
DEFAULT_UNTIL = 2030
#: The unit of a cumulative need: the yearly product's "persons per year" does not hold for
#: a sum over years (the rows' ``first_year`` and ``until`` give the period).
CUMULATIVE_UNITS = (
    "persons in total over the period first_year-until (new entrants needed); "
    "negative need = surplus"
)


@router.get(
    "/cumulative",
    response_model=TrainingCumulativePage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Training need in total from the first forecast year to a target year",
)
def training_needs_cumulative(
    query: DataQueryDep,
    area: AreaQuery = None,
    field: Annotated[
        list[str] | None, Query(description="broad fields of education (Koulutusluokitus 2016)")
    ] = None,
    until: Annotated[
        int, Query(ge=1900, le=2200, description="last year summed (default 2030)")
    ] = DEFAULT_UNTIL,
) -> Any:
    """New entrants needed by field (levels summed) in total from the first forecast year to
    ``until``, with the 80% interval of the sum: from the summed simulation draws when the
    release carries them, else the yearly bounds added up (``interval_method``
    ``bounds_summed``, an approximation). A suppressed field has an empty need, never 0.
    The last field, ``total``, is all fields together with the interval of that sum (not the
    fields' bounds added up); leave it out of a sum of the rows.
    """
    from forecasting import training

    cum = training.cumulative_to(query.dataset("training_needs"), until)
    need = (
        training.need_with_total(cum)
        .to_dataset(name="need")
        .assign_attrs(cum.attrs, units=CUMULATIVE_UNITS)
    )
    ds = cubes.statistic_columns(need, "need", centre="need")
    ds = ds.assign(
        first_year=cum.attrs["first_year"],
        until=cum.attrs["until"],
        interval_method=cum.attrs["interval_method"],
    )
    sel = cubes.select(ds, name="training_needs_cumulative", labels={"area": area, "field": field})
    return query.respond(sel)
