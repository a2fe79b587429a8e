"""Liveness and the current release, for probes and operators."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from forecasting.errors import EnnakointiError
from forecasting.freshness import freshness_table
from forecasting.provenance import code_version
from service.deps import ContextDep, release_data_through
from service.errors import RETRY_AFTER_S
from service.schemas import Health, SourceFreshness

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    response_model=Health,
    summary="Liveness, the integrity of the current release and the age of its data",
    responses={503: {"model": Health, "description": "the current release is damaged"}},
)
def healthz(context: ContextDep, response: Response) -> Health:
    """200 while the process serves an intact release (``status`` ``ok``) or none yet
    (``no_release``); 503 ``degraded`` when a dataset of the current release is unreadable
    or differs from its manifest's content hash (checked once per release, then cached;
    ``verified`` is false while the start-up check is still running; ``scenarios_ready``
    false while the scenario engine's start-up warm-up is). ``data`` tells how old
    each input source of the current release is (``stale``: the publisher's next period is
    overdue today).
    """
    current = context.releases.current_id()
    # Never wait for the check the start-up is running: unknown yet counts as not damaged.
    checked = context.releases.damaged(current, wait=False) if current else []
    damaged = checked or []
    if damaged:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    status: Literal["ok", "no_release", "degraded"] = (
        "degraded" if damaged else "ok" if current else "no_release"
    )
    return Health(
        status=status,
        release=current,
        code_version=code_version(),
        damaged=damaged,
        verified=checked is not None,
        scenarios_ready=context.scenarios.warmed,
        data=(data := _freshness(context, current) if current and not damaged else {}),
        stale_sources=sorted(name for name, f in data.items() if f.stale),
    )


def _freshness(context: ContextDep, current: str) -> dict[str, SourceFreshness]:
    """Freshness of every input source the release ``current`` was built from."""
    try:
        through = release_data_through(context.releases.open(current))
    except (EnnakointiError, OSError, ValueError):
        return {}
    table = freshness_table(through, context.clock())
    return {name: SourceFreshness.model_validate(f) for name, f in table.items()}


@router.get("/metrics", include_in_schema=False, response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus text exposition of the request metrics."""
    body, media_type = request.app.state.metrics.exposition()
    return Response(body, media_type=media_type)
