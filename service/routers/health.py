"""Liveness and the current release, for probes and operators."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request, Response

from forecasting.errors import EnnakointiError
from forecasting.freshness import freshness_table
from forecasting.provenance import code_version
from service.deps import ContextDep, release_data_through
from service.schemas import Health, SourceFreshness

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz(context: ContextDep) -> Health:
    """Always 200 while the process serves; ``status`` says whether a release is published,
    ``data`` how old each input source of the current release is (``stale``: the publisher's
    next period is overdue today)."""
    current = context.releases.current_id()
    data: dict[str, SourceFreshness] = {}
    if current:
        try:
            through = release_data_through(context.releases.open(current))
        except (EnnakointiError, OSError, ValueError):
            through = {}
        table = freshness_table(through, dt.date.today())
        data = {name: SourceFreshness.model_validate(f) for name, f in table.items()}
    return Health(
        status="ok" if current else "no_release",
        release=current,
        code_version=code_version(),
        data=data,
        stale_sources=sorted(name for name, f in data.items() if f.stale),
    )


@router.get("/metrics", include_in_schema=False, response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus text exposition of the request metrics."""
    body, media_type = request.app.state.metrics.exposition()
    return Response(body, media_type=media_type)
