"""Scenarios: the release's preset library and on-demand runs (API key + scope)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from forecasting.errors import EnnakointiError
from forecasting.scenarios.spec import ScenarioSpec
from service import cubes
from service.deps import (
    CSV_RESPONSE,
    AreaQuery,
    ContextDep,
    DataQueryDep,
    FromQuery,
    ServiceContext,
    ToQuery,
    provenance,
    provenance_headers,
)
from service.errors import AUTH_RESPONSES, BUSY_RESPONSES, NotConfiguredError
from service.scenarios import ScenarioRun, check_start
from service.schemas import Provenance, ScenarioPage, ScenarioRunOut
from service.security import Principal, scoped

router = APIRouter(prefix="/v1/scenarios", tags=["scenarios"])

RunId = Annotated[str, Path(pattern=r"^[0-9a-f]{20}$", description="result id")]
VariableQuery = Annotated[list[str] | None, Query(description="variables (repeat)")]


@router.get(
    "",
    response_model=ScenarioPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    summary="Preset scenarios",
)
def presets(
    query: DataQueryDep,
    scenario: Annotated[list[str] | None, Query(description="preset names (repeat)")] = None,
    area: AreaQuery = None,
    variable: VariableQuery = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
) -> Any:
    """Results of the release's preset scenarios (e.g. a 300-job closure in Mäntyharju), as
    quantiles over Monte Carlo draws by municipality and month.
    """
    sel = cubes.select(
        query.dataset("scenarios"),
        name="scenarios",
        labels={"scenario": scenario, "area": area},
        time_from=time_from,
        time_to=time_to,
        variables=variable,
    )
    return query.respond(sel)


def _run_provenance(run: ScenarioRun, context: ServiceContext) -> Provenance:
    """A run's provenance: its own attrs, with the release it ran on and that release's data
    dates (the run's baseline and calibration come from it)."""
    release = None
    if run.release_id is not None:
        try:
            release = context.releases.open(run.release_id)
        except EnnakointiError:
            release = None  # withdrawn since: the run still answers, without the dates
    prov = provenance(release, "scenario_run", dict(run.result.attrs))
    return prov.model_copy(update={"release_id": run.release_id})


@router.post(
    "/runs",
    response_model=ScenarioRunOut,
    status_code=201,
    responses={**AUTH_RESPONSES, **BUSY_RESPONSES},
    summary="Run a scenario (scope scenarios:run)",
)
async def run_scenario(
    spec: ScenarioSpec,
    principal: Annotated[Principal, scoped("scenarios:run")],
    context: ContextDep,
    request: Request,
    response: Response,
) -> ScenarioRunOut:
    """Run the labour-flow simulation for the events in ``spec`` and return the result id;
    the same spec, seed and release give the same id and the stored result. Runs wait in a
    bounded queue of their own (429 with ``Retry-After`` when it is full, or when this key
    already has its share of runs in it). Large batch runs belong in a flow, not here.
    """
    if not context.scenarios.available:
        raise NotConfiguredError("the scenario engine (forecasting.scenarios) is not installed")
    release_id = await run_in_threadpool(context.releases.current_id)
    await run_in_threadpool(check_start, spec, context.releases, release_id)
    run = await context.scenarios.submit(spec, release_id, f"key:{principal.name}")
    prov = _run_provenance(run, context)
    response.headers.update(provenance_headers(prov))
    url = str(request.url_for("scenario_result", run_id=run.id))
    response.headers["Location"] = url
    return ScenarioRunOut(
        id=run.id,
        created=run.created,
        elapsed_s=run.elapsed_s,
        release_id=run.release_id,
        spec=run.spec,
        dims={str(k): int(v) for k, v in run.result.sizes.items()},
        variables=[str(v) for v in run.result.data_vars],
        results=url,
        provenance=prov,
    )


@router.get(
    "/runs/{run_id}",
    response_model=ScenarioPage,
    response_model_exclude_unset=True,
    responses=CSV_RESPONSE,
    name="scenario_result",
    summary="Rows of an on-demand scenario run",
)
def run_result(
    run_id: RunId,
    query: DataQueryDep,
    area: AreaQuery = None,
    variable: VariableQuery = None,
    time_from: FromQuery = None,
    time_to: ToQuery = None,
) -> Any:
    """The result of a run by municipality and month (quantiles over draws)."""
    run = query.context.scenarios.get(run_id)
    sel = cubes.select(
        run.result,
        name="scenario_run",
        labels={"area": area},
        time_from=time_from,
        time_to=time_to,
        variables=variable,
    )
    return query.respond(sel, _run_provenance(run, query.context))
