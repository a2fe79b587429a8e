"""Alerts with explanations; acknowledging alerts and subscribing to them (API key + scope)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import BaseModel, Field

from forecasting import geography
from forecasting.alerts.registry import severity_word
from forecasting.errors import UnknownAreaError, ValidationError
from forecasting.io.delivery import webhook_url_problem
from forecasting.provenance import ATTRIBUTION, LICENCE, code_version
from service import cubes
from service.alert_page import summary_of
from service.alerts import AlertFilter
from service.deps import (
    CSV_RESPONSE,
    AreaQuery,
    ContextDep,
    DataQueryDep,
    FromQuery,
    LangQuery,
    LimitQuery,
    OffsetQuery,
    ToQuery,
    page_size_error,
    provenance,
    provenance_headers,
)
from service.errors import AUTH_RESPONSES, NotConfiguredError, NotFoundError
from service.labels import area_name
from service.schemas import (
    AcknowledgeIn,
    AlertDocument,
    AlertOut,
    AlertPage,
    IsoDate,
    PageInfo,
    Provenance,
    Severity,
    SignalPage,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
    WholeNumber,
)
from service.security import Principal, scoped

router = APIRouter(prefix="/v1", tags=["alerts"])

AlertId = Annotated[WholeNumber, Path(ge=1, le=2**62, description="alert id")]
SubscriptionId = Annotated[WholeNumber, Path(ge=1, le=2**62, description="subscription id")]


@lru_cache(maxsize=512)
def area_scope(code: str) -> tuple[str, ...]:
    """``code`` and every area inside it (member municipalities and aggregates between)."""
    code = geography.resolve_area(code)
    inside = set(geography.members(code))
    table = geography.areas()
    nested = [
        str(a)
        for a in table.index[table["level"].isin(["employment_area", "subregion", "region"])]
        if set(geography.members(str(a))) <= inside
    ]
    return tuple(sorted({code, *inside, *nested}))


def alert_provenance(context: Any) -> Provenance:
    """Alerts come from the alert store, evaluated on the release's data."""
    try:
        release = context.releases.open()
    except NotConfiguredError:
        release = None
    if release is not None:
        name = "alerts" if "alerts" in release.names() else "registers_history"
        if name in release.names():
            prov = provenance(release, name, dict(release.dataset(name).attrs))
            return prov.model_copy(update={"dataset": "alerts"})
    return Provenance(
        release_id=None,
        dataset="alerts",
        source_tables=[],
        source=ATTRIBUTION,
        license=LICENCE,
        code_version=code_version(),
    )


def _paged(
    context: Any,
    request: Request,
    offset: int,
    limit: int | None,
    fetch: Callable[[int, int], tuple[int, list[Any]]],
) -> dict[str, Any]:
    """A JSON page of ``fetch(offset, limit)`` (limit checked against the service's maximum,
    defaulted, and a ``next`` link while rows remain), for the key-scoped list routes."""
    service = context.settings.service
    if limit is not None and limit > service.max_page_size:
        raise page_size_error(limit, service.max_page_size)
    limit = limit or service.default_page_size
    total, items = fetch(offset, limit)
    nxt = None
    if offset + limit < total:
        nxt = str(request.url.include_query_params(offset=offset + limit))
    return {"data": items, "page": PageInfo(offset=offset, limit=limit, total=total, next=nxt)}


AlertT = TypeVar("AlertT", bound=AlertOut)


def _named(alert: AlertT, lang: str) -> AlertT:
    """``alert`` with its area's name, its severity's word and its summary in ``lang``."""
    alert.area_name = area_name(alert.area, lang)
    alert.severity_name = severity_word(alert.severity, lang)
    alert.summary = summary_of(alert, lang)
    return alert


@router.get("/alerts", response_model=AlertPage, responses=CSV_RESPONSE, summary="Alerts, filtered")
def list_alerts(
    query: DataQueryDep,
    area: Annotated[
        list[str] | None, Query(description="areas (repeat); an aggregate includes its members")
    ] = None,
    severity: Annotated[list[Severity] | None, Query(description="exact severities")] = None,
    min_severity: Annotated[Severity | None, Query(description="this severity or higher")] = None,
    state: Annotated[
        list[Literal["pending", "firing", "resolved"]] | None, Query(description="states")
    ] = None,
    since: Annotated[IsoDate | None, Query(description="evaluated on or after")] = None,
    until: Annotated[IsoDate | None, Query(description="first seen on or before")] = None,
) -> Any:
    """Alerts, newest first, with their state, severity and episode (explanations per alert)."""
    areas = sorted({a for code in area or [] for a in area_scope(code)})
    flt = AlertFilter(
        areas=areas,
        severities=severity or (),
        min_severity=min_severity,
        states=state or (),
        since=since,
        until=until,
    )
    total, items = query.context.alerts.list_alerts(flt, query.offset, query.limit)
    items = [_named(a, query.lang) for a in items]
    prov = alert_provenance(query.context)
    return query.respond_records(items, total, prov, list(AlertOut.model_fields))


@router.get(
    "/alerts/signals",
    response_model=SignalPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Monthly rule severities in the release",
)
def signals(
    query: DataQueryDep,
    area: AreaQuery = None,
    rule: Annotated[list[str] | None, Query(description="rule names (repeat)")] = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
) -> Any:
    """The severity every alert rule gave each municipality and month when the release was
    built (0 normal .. 3 critical), before the alert life cycle (k-of-n firing, clearing,
    de-duplication) turns breaches into the alerts of ``/v1/alerts``.
    """
    sel = cubes.select(
        query.dataset("alerts"),
        name="alerts",
        labels={"area": area, "rule": rule},
        time_from=time_from,
        time_to=time_to,
    )
    return query.respond(sel)


@router.get("/alerts/{alert_id}", response_model=AlertDocument, summary="One alert, explained")
def get_alert(
    alert_id: AlertId, context: ContextDep, response: Response, lang: LangQuery = "fi"
) -> dict[str, Any]:
    """The alert with its explanation (the rule, the numbers, the main contributions, related
    events) and its full history of state changes.
    """
    detail = _named(context.alerts.get_alert(alert_id), lang)
    prov = alert_provenance(context)
    response.headers.update(provenance_headers(prov))
    return {"data": detail, "provenance": prov, "lang": lang}


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response_model=AlertDocument,
    responses=AUTH_RESPONSES,
    summary="Acknowledge an alert (scope alerts:ack)",
)
def acknowledge(
    alert_id: AlertId,
    principal: Annotated[Principal, scoped("alerts:ack")],
    context: ContextDep,
    response: Response,
    body: Annotated[AcknowledgeIn | None, Body()] = None,
    lang: LangQuery = "fi",
) -> dict[str, Any]:
    """Record that the key holder has seen the alert (kept in the alert's history)."""
    detail = context.alerts.acknowledge(alert_id, principal.name, body.note if body else None)
    detail.area_name = area_name(detail.area, lang)
    prov = alert_provenance(context)
    response.headers.update(provenance_headers(prov))
    return {"data": detail, "provenance": prov, "lang": lang}


@router.post(
    "/subscriptions",
    response_model=SubscriptionOut,
    status_code=201,
    responses={
        200: {"model": SubscriptionOut, "description": "an existing one, updated"},
        **AUTH_RESPONSES,
    },
    summary="Subscribe to alerts (scope alerts:subscribe)",
)
def subscribe(
    sub: SubscriptionIn,
    principal: Annotated[Principal, scoped("alerts:subscribe")],
    context: ContextDep,
    response: Response,
) -> SubscriptionOut:
    """Deliver alerts of some areas and a minimum severity by e-mail or webhook, as a monthly
    digest and/or at once for critical alerts; an e-mail subscription may also ask for the
    monthly labour-market review (``monthly_review``, a PDF with every release). The same
    recipient, channel and address updates the key's existing subscription (200) instead of
    creating a second one (201); if another key made that one, the answer is 409. A webhook
    must be https to a public host (no internal, loopback or link-local address, no
    credentials in the URL) unless the operator allow-listed the host
    (``alerts.webhook_allow_hosts``); 422 names the field.
    """
    try:
        areas = [geography.resolve_area(a) for a in sub.areas]
    except UnknownAreaError as exc:
        raise ValidationError("areas", str(exc)) from exc
    if sub.channel != "email":
        if sub.monthly_review:
            raise ValidationError("body.monthly_review", "the review is sent by e-mail only")
        problem = webhook_url_problem(sub.address, context.settings.alerts.webhook_allow_hosts)
        if problem is not None:
            raise ValidationError("body.address", problem)
    sub = sub.model_copy(update={"areas": areas})
    created, out = context.alerts.subscribe(sub, principal.name)
    if not created:
        response.status_code = 200
    return out


@router.get(
    "/subscriptions",
    response_model=SubscriptionPage,
    responses=AUTH_RESPONSES,
    summary="The key's own subscriptions (scope alerts:subscribe)",
)
def list_subscriptions(
    principal: Annotated[Principal, scoped("alerts:subscribe")],
    context: ContextDep,
    request: Request,
    offset: OffsetQuery = 0,
    limit: LimitQuery = None,
) -> dict[str, Any]:
    """The subscriptions made with this API key, oldest first (never another key's)."""
    return _paged(
        context,
        request,
        offset,
        limit,
        lambda o, n: context.alerts.list_subscriptions(principal.name, o, n),
    )


@router.delete(
    "/subscriptions/{subscription_id}",
    status_code=204,
    response_class=Response,
    responses=AUTH_RESPONSES,
    summary="Delete one of the key's subscriptions (scope alerts:subscribe)",
)
def unsubscribe(
    subscription_id: SubscriptionId,
    principal: Annotated[Principal, scoped("alerts:subscribe")],
    context: ContextDep,
) -> Response:
    """Delete a subscription made with this API key (and its queued deliveries); another
    key's subscription is a 404, as an unknown id is."""
    context.alerts.unsubscribe(subscription_id, principal.name)
    return Response(status_code=204)


class DeadLetter(BaseModel):
    """A delivery that failed for good (permanent error or every attempt used)."""

    id: int
    kind: str = Field(description="immediate | digest")
    alert_id: int | None
    subscription_id: int
    recipient: str
    channel: str
    attempts: int
    last_error: str | None
    last_due_at: str = Field(description="when its last attempt was due (UTC)")
    title: str
    idempotency_key: str


class DeadLetterPage(BaseModel):
    data: list[DeadLetter]
    page: PageInfo


DeliveryId = Annotated[WholeNumber, Path(ge=1, le=2**62, description="delivery id")]


@router.get(
    "/deliveries/dead-letters",
    response_model=DeadLetterPage,
    responses=AUTH_RESPONSES,
    summary="Dead-letter deliveries (scope alerts:deliveries)",
)
def dead_letters(
    principal: Annotated[Principal, scoped("alerts:deliveries")],
    context: ContextDep,
    request: Request,
    offset: OffsetQuery = 0,
    limit: LimitQuery = None,
) -> dict[str, Any]:
    """Deliveries that will not be retried, newest first, with the last error."""
    return _paged(context, request, offset, limit, context.alerts.dead_letters)


@router.post(
    "/deliveries/dead-letters/{delivery_id}/replay",
    status_code=202,
    response_class=Response,
    responses=AUTH_RESPONSES,
    summary="Queue a dead letter again (scope alerts:deliveries)",
)
def replay_dead_letter(
    delivery_id: DeliveryId,
    principal: Annotated[Principal, scoped("alerts:deliveries")],
    context: ContextDep,
) -> Response:
    """Queue the dead letter again with fresh attempts; the scheduled drain sends it. An id
    that is not a dead letter is a 404."""
    if not context.alerts.replay_dead_letter(delivery_id):
        raise NotFoundError(f"delivery {delivery_id} is not a dead letter")
    return Response(status_code=202)
