"""Liveness and the current release, for probes and operators."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from forecasting.provenance import code_version
from service.deps import ContextDep
from service.schemas import Health

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz(context: ContextDep) -> Health:
    """Always 200 while the process serves; ``status`` says whether a release is published."""
    current = context.releases.current_id()
    return Health(
        status="ok" if current else "no_release", release=current, code_version=code_version()
    )


@router.get("/metrics", include_in_schema=False, response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus text exposition of the request metrics."""
    body, media_type = request.app.state.metrics.exposition()
    return Response(body, media_type=media_type)
