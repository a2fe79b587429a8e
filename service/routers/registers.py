"""The monthly registers (unemployed jobseekers, labour force, vacancies): history and forecasts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query

from forecasting.io.sources.registers import VARS_12R5, VARS_12R5_ALL
from service import cubes
from service.deps import CSV_RESPONSE, AreaQuery, DataQueryDep, FromQuery, ToQuery
from service.schemas import ForecastPage, RegisterPage, WholeNumber

router = APIRouter(prefix="/v1/registers", tags=["registers"])

#: The 23 variables of tyonv 12r5 (history of the special groups and services from 2026-06).
#: In the API's order: the three long-history variables first, then the rest as 12r5 lists them.
REGISTER_VARIABLES = (
    *VARS_12R5.values(),
    *(v for v in VARS_12R5_ALL.values() if v not in VARS_12R5.values()),
)
if TYPE_CHECKING:
    RegisterVariable = str
else:
    RegisterVariable = Literal[REGISTER_VARIABLES]
HistoryVariableQuery = Annotated[
    list[RegisterVariable] | None, Query(description="variables (repeat)")
]
VariableQuery = Annotated[
    list[str] | None,
    Query(description="forecast variables (repeat): unemployed, vacancies, ..."),
]


@router.get(
    "/history",
    response_model=RegisterPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Observed monthly registers",
)
def history(
    query: DataQueryDep,
    area: AreaQuery = None,
    variable: HistoryVariableQuery = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
) -> Any:
    """Monthly counts at month end by area (municipalities of the 2025 division and aggregates).

    Suppressed cells are null with a ``<variable>_status`` of ``confidential``, never zero.
    Source: the KEHA Centre's employment service statistics (StatFin tyonv 12r5).
    """
    sel = cubes.select(
        query.dataset("registers_history"),
        name="registers_history",
        labels={"area": area},
        time_from=time_from,
        time_to=time_to,
        variables=variable,
    )
    return query.respond(sel)


@router.get(
    "/forecasts",
    response_model=ForecastPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Register forecasts with 80% and 95% intervals",
)
def forecasts(
    query: DataQueryDep,
    area: AreaQuery = None,
    variable: VariableQuery = None,
    horizon: Annotated[
        WholeNumber | None, Query(ge=1, le=120, description="months ahead of the forecast origin")
    ] = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
) -> Any:
    """Monthly forecasts by area and variable: mean and interval bounds, reconciled over
    municipality -> employment area -> region -> country.
    """
    ds = cubes.statistics_long(query.dataset("register_forecasts"))
    if horizon is not None and "time" in ds.dims:
        ds = ds.isel(time=slice(0, horizon))
    sel = cubes.select(
        ds,
        name="register_forecasts",
        labels={"area": area},
        time_from=time_from,
        time_to=time_to,
        variables=variable,
    )
    return query.respond(sel)
