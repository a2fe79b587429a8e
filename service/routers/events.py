"""The event register: announced layoffs, change negotiations, closures and recruitments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from forecasting.alerts.events import EventIn
from service.deps import CSV_RESPONSE, AreaQuery, ContextDep, DataQueryDep
from service.errors import AUTH_RESPONSES
from service.routers.alerts import alert_provenance, area_scope
from service.schemas import EventOut, EventPage, IsoDate
from service.security import Principal, scoped

router = APIRouter(prefix="/v1/events", tags=["events"])


@router.get("", response_model=EventPage, responses=CSV_RESPONSE, summary="Registered events")
def list_events(
    query: DataQueryDep,
    area: AreaQuery = None,
    since: Annotated[IsoDate | None, Query(description="announced on or after")] = None,
) -> Any:
    """Events of the register, newest announcement first (municipalities of ``area``)."""
    areas = sorted({a for code in area or [] for a in area_scope(code)})
    total, items = query.context.alerts.list_events(areas, since, query.offset, query.limit)
    prov = alert_provenance(query.context).model_copy(
        update={
            "dataset": "events",
            "source_tables": [],
            "source": "Ennakointi event register (public announcements entered by users)",
        }
    )
    return query.respond_records(items, total, prov, list(EventOut.model_fields))


@router.post(
    "",
    response_model=EventOut,
    status_code=201,
    responses={
        200: {"model": EventOut, "description": "the stored event, corrected"},
        **AUTH_RESPONSES,
    },
    summary="Register or correct an event (scope events:write)",
)
def register_event(
    event: EventIn,
    principal: Annotated[Principal, scoped("events:write")],
    context: ContextDep,
    response: Response,
) -> EventOut:
    """Add an announced layoff, closure, temporary layoff, change negotiation or recruitment
    (European Restructuring Monitor fields): 201. The same employer, municipality, kind and
    announcement date again is a correction of that event: its other fields (jobs, industry,
    effect dates, source) take the new values and the answer is 200 with the same id.
    """
    created, out = context.alerts.register_event(event)
    if not created:
        response.status_code = 200
    return out
