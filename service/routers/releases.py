"""Releases: the archive, the current release and its accuracy metrics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from forecasting.io.release_store import Release
from service import cubes
from service.deps import (
    CSV_RESPONSE,
    ContextDep,
    DataQueryDep,
    provenance,
    release_data_through,
)
from service.schemas import DatasetInfo, MetricPage, ReleaseList, ReleaseOut

router = APIRouter(prefix="/v1/releases", tags=["releases"])

ReleasePath = Annotated[
    str,
    Path(
        description="a release id, or 'current'",
        pattern=r"^(current|\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?)$",
    ),
]


def _out(release: Release, current: str | None) -> ReleaseOut:
    manifest = release.manifest
    return ReleaseOut(
        id=release.id,
        created=manifest["created"],
        current=release.id == current,
        data_version=str(manifest.get("data_version", "")),
        code_version=str(manifest.get("code_version", "")),
        data_through=release_data_through(release),
        datasets=[
            DatasetInfo(name=d["name"], dims=d.get("dims", {}), variables=d.get("variables", []))
            for d in manifest.get("datasets", [])
        ],
        seeds=manifest.get("seeds"),
    )


@router.get("", response_model=ReleaseList, summary="The release archive")
def list_releases(context: ContextDep) -> dict[str, Any]:
    """Every published release, newest first, and which one is current."""
    current = context.releases.current_id()
    infos = reversed(context.releases.listing())
    return {
        "data": [_out(context.releases.open(info.id), current) for info in infos],
        "current": current,
    }


@router.get("/{release_id}", response_model=ReleaseOut, summary="One release")
def get_release(release_id: ReleasePath, context: ContextDep) -> ReleaseOut:
    """A release's manifest: versions, seeds and the datasets (products) it holds."""
    release = context.releases.open(None if release_id == "current" else release_id)
    return _out(release, context.releases.current_id())


@router.get(
    "/{release_id}/metrics",
    response_model=MetricPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Accuracy metrics of a release",
)
def metrics(release_id: ReleasePath, query: DataQueryDep) -> Any:
    """Rolling-origin backtest metrics (MASE, sMAPE, interval coverage, Winkler score) per
    series and model, and the headline figures of the manifest in ``summary``.
    """
    query.release_id = None if release_id == "current" else release_id
    release = query.release()
    sel = cubes.select(query.dataset("register_backtest_metrics"), name="register_backtest_metrics")
    body = query.respond(sel, provenance(release, sel.name, dict(sel.ds.attrs)))
    if isinstance(body, dict):
        body["summary"] = release.manifest.get("metrics", {})
    return body
