"""The application factory, its lifespan and the uvicorn entry point.

``create_app(settings)`` builds a FastAPI app whose state (release view, alert repository,
scenario service, API keys) is created in the lifespan, not at import time; ``serve(host,
port)`` runs it with uvicorn (``ennakointi serve`` calls it).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from forecasting import __version__, geography
from forecasting.settings import Settings, get_settings
from service import apidocs, errors
from service.alerts import AlertRepository, SqlAlertRepository
from service.cache import ReleaseCacheMiddleware
from service.deps import ServiceContext, single_values
from service.metrics import Metrics, MetricsMiddleware
from service.middleware import (
    BodyLimitMiddleware,
    JsonBodyMiddleware,
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
)
from service.release_watch import ReleaseWatcher
from service.releases import Releases
from service.routers import (
    alerts,
    areas,
    dashboard,
    demography,
    events,
    health,
    jobs,
    occupations,
    products,
    registers,
    releases,
    reports,
    scenarios,
    training,
)
from service.runqueue import RunQueue
from service.scenarios import (
    ProcessRunner,
    ScenarioService,
    default_form_start,
    engine_runner,
    release_targets,
    release_training_balance,
)
from service.security import parse_keys

log = logging.getLogger(__name__)

#: Modules the start-up's background threads (and the first requests) would otherwise import
#: on first use, several threads at once: xarray imports dask at the first variable it builds
#: (``dask.array`` for its duck-array check, ``dask.base`` for ``is_dask_collection``) and its
#: netCDF engine at the first ``open_dataset``. dask's package and ``dask.base`` import each
#: other, so two threads entering that cycle at once each hold one module's import lock and
#: wait for the other's; Python breaks the deadlock by handing one of them the partially
#: initialized module ("cannot import name ... from partially initialized module
#: 'dask.base'"), and xarray, which catches that error in its duck-array check, may take dask
#: as not installed for the rest of the process. The lifespan imports these in its own
#: thread before it starts any other (:func:`import_before_threads`; about 0.5 CPU s).
THREAD_IMPORTS = (
    "dask",
    "dask.base",
    "dask.array",
    "xarray.backends.h5netcdf_",
    "h5netcdf",
    "h5netcdf.legacyapi",
    "h5py",
    "h5py._hl.dims",
)
STATIC_DIR = Path(__file__).resolve().parent / "static"
ROUTERS = (
    health.router,
    areas.router,
    registers.router,
    demography.router,
    jobs.router,
    jobs.balance_router,
    training.router,
    occupations.router,
    alerts.router,
    events.router,
    scenarios.router,
    releases.router,
    reports.router,
    dashboard.router,
    products.router,
)
DESCRIPTION = """
Labour-market foresight for Finnish employment areas: register history and forecasts,
population and labour supply, jobs by industry, training needs, occupation tightness,
alerts and scenarios, all from one versioned release.

Every data response carries its provenance (release, Statistics Finland source tables,
licence CC BY 4.0, data and code versions) and its data date: the last period with data of
each source (`provenance.data_through`, and the `X-Data-Through` header on every format,
`csv-fi` included). Source: Statistics Finland (StatFin), CC BY 4.0.
A refusal is an RFC 9457 problem with a stable `kind` (`unknown_area`,
`label_not_in_release`, `outside_time_span`, ...) and the values it names.
JSON by default, CSV with `?format=csv` or `Accept: text/csv`; every row of a selection
for spreadsheets with `?format=csv-fi` (Finnish Excel) or `?format=xlsx`. Write routes need an
`X-API-Key` with the route's scope.
"""


def _context(
    settings: Settings,
    alert_repository: AlertRepository | None,
    scenario_runner: Callable[..., Any] | None,
    clock: Callable[[], dt.date] = dt.date.today,
) -> ServiceContext:
    releases = Releases(settings.release.store_dir)
    return ServiceContext(
        settings=settings,
        clock=clock,
        releases=releases,
        api_keys=parse_keys(settings.service.api_keys),
        alerts=alert_repository or SqlAlertRepository(settings.alerts.database_url),
        scenarios=ScenarioService(
            scenario_runner or _engine(settings),
            max_draws=settings.scenario.max_draws,
            max_horizon=settings.scenario.max_horizon_months,
            targets=release_targets(releases),
            supply=release_training_balance(releases),
            warm_area=_employment_area(settings.release.default_area),
            # baseline runs are warmed in worker processes only: in-process (0, tests and
            # tools) a warm-up of 1,000-draw runs would take the service's own cores
            warm_months=(
                settings.service.scenario_warm_months
                if settings.service.scenario_processes > 0
                else ()
            ),
            release=releases.current_id,
            # the form's runs are capped at the default draws (dashboard.scenarios)
            form_draws=min(settings.scenario.form_draws, settings.scenario.default_draws),
            # the form's default start at the service's clock: the warm-up's form baselines
            # start where a planner's first run does
            form_start=lambda release_id: default_form_start(releases, release_id, clock()),
            queue=RunQueue(
                # one queue thread per worker process: two processes run two runs at once
                workers=max(1, settings.service.scenario_processes),
                max_waiting=settings.service.scenario_queue,
                per_client=settings.service.scenario_runs_per_client,
            ),
        ),
    )


def warm_key(context: ServiceContext) -> Callable[[], str | None]:
    """``() -> what the warm-up depends on``: the current release and the month of the
    service's today (the scenario form's default start is the month after it,
    :func:`service.scenarios.default_form_start`); None before the first publish. The
    release watcher warms again when it changes, so after a turn of the month the first
    planner meets the form's new default windows warm too."""

    def key() -> str | None:
        release_id = context.releases.current_id()
        return None if release_id is None else f"{release_id} {context.clock():%Y-%m}"

    return key


def import_before_threads(modules: tuple[str, ...] = THREAD_IMPORTS) -> None:
    """Import ``modules`` in this thread (:data:`THREAD_IMPORTS`); one not installed is
    skipped (xarray does without dask, and a missing netCDF engine is reported by the
    requests that read a release)."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            log.debug("not preloaded: %s (%s)", name, exc)


def _in_background(step: Callable[[], object], name: str) -> threading.Thread:
    """A thread that runs ``step`` once; whatever it raises is logged with its traceback (a
    warm-up must never take the service down, nor fail unseen: the service goes on, and a
    request loads what it needs itself)."""

    def run() -> None:
        try:
            step()
        except Exception:
            log.exception("%s failed; the service goes on without it", name)

    return threading.Thread(target=run, name=name)


def _employment_area(code: str) -> str:
    """The employment area of the service's default area (a municipality's own area; TA23
    for a region or the country, the scenario engine's unit being the employment area)."""
    level = geography.level_of(code)
    if level == "employment_area":
        return code
    if level == "municipality":
        return geography.employment_area_of(code)
    return geography.MIKKELI_AREA


def _engine(settings: Settings) -> Callable[..., Any] | None:
    """The scenario engine in ``scenario_processes`` worker processes (each gets the input
    cubes once, runs its kernels on ``scenario_threads`` threads (0: the cores shared out),
    ``scenario_nice`` steps below the service and shares its baseline runs
    through ``scenario_baseline_dir``), or in-process with 0. The worker processes' cubes
    are assembled at the first run or the start-up's warm-up, in the background, so the
    service answers reads and health checks before the cubes are read."""
    service = settings.service
    if service.scenario_processes <= 0:
        return engine_runner()
    try:
        importlib.import_module("forecasting.scenarios")
    except ImportError:
        return None
    files = service.scenario_baseline_dir
    return ProcessRunner(
        service.scenario_processes,
        nice=service.scenario_nice,
        threads=service.scenario_threads,
        baseline_files=None if files is None else (files, service.scenario_baseline_bytes),
    )


def _limit_maximum(operation: dict[str, Any], maximum: int) -> None:
    """State the operator's page-size maximum on the ``limit`` parameter."""
    for param in operation.get("parameters", []):
        if param.get("name") == "limit" and param.get("in") == "query":
            target = param["schema"].get("anyOf", [param["schema"]])[0]
            target["maximum"] = maximum


def _problem_media_type(operation: dict[str, Any]) -> None:
    """Error responses are ``application/problem+json``, not ``application/json``."""
    for status, response in operation.get("responses", {}).items():
        content = response.get("content", {})
        if str(status).startswith(("4", "5")) and "application/json" in content:
            content[errors.PROBLEM_MEDIA_TYPE] = content.pop("application/json")


def _unsupported_media_type(operation: dict[str, Any]) -> None:
    """Operations with a JSON body answer 415 to any other body (JsonBodyMiddleware)."""
    if "requestBody" in operation:
        operation.setdefault("responses", {})["415"] = {
            "description": "the body is not declared JSON (Content-Type: application/json)",
            "content": {
                errors.PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }


def _openapi(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """The OpenAPI document with the operator's page-size maximum stated on every ``limit``."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    _limit_maximum(operation, settings.service.max_page_size)
                    _unsupported_media_type(operation)
                    _problem_media_type(operation)
            app.openapi_schema = schema
        return app.openapi_schema

    return build


def create_app(
    settings: Settings | None = None,
    *,
    alert_repository: AlertRepository | None = None,
    scenario_runner: Callable[..., Any] | None = None,
    clock: Callable[[], dt.date] | None = None,
) -> FastAPI:
    """Build the service.

    Parameters
    ----------
    settings
        Default :func:`forecasting.settings.get_settings` (the environment).
    alert_repository
        The early-warning store; default the SQL store at ``settings.alerts.database_url``.
    scenario_runner
        ``(spec, baseline=None) -> xr.Dataset`` (``baseline``: the release's register
        forecasts as targets, see :func:`service.scenarios.release_targets`); default
        ``forecasting.scenarios.run_scenario`` when present.
    clock
        ``() -> today``: the day the service takes as today where a default depends on it
        (the scenario form's start, and the warm-up's runs of it); default the system's date.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        started = time.perf_counter()
        context = _context(settings, alert_repository, scenario_runner, clock or dt.date.today)
        app.state.context = context
        # What the threads below import on first use is imported here first, one at a time
        # (THREAD_IMPORTS: concurrent first imports of dask fail).
        import_before_threads()
        # Load the current release's datasets in the background: the service answers at
        # once, and a request for a dataset not loaded yet loads just that one.
        warming = [
            _in_background(context.releases.warm, "warm-release"),
            _in_background(context.scenarios.warm, "warm-scenarios"),
        ]
        for thread in warming:
            thread.start()
        # A release published while the service runs gets the same warm-up, and so does a
        # turn of the month (the form's default start moves with it).
        watcher = ReleaseWatcher(
            warm_key(context), [context.releases.warm, context.scenarios.warm_release]
        )
        watcher.start()
        if not context.api_keys:
            log.warning("no API keys configured (ENNAKOINTI_SERVICE__API_KEYS): writes get 401")
        log.info("service ready in %.2f s", time.perf_counter() - started)
        yield
        # No new warm-up step; then stop the scenario workers (a warm-up running in one is
        # dropped, and its thread returns) and never leave a thread inside HDF5 or a kernel.
        watcher.stop(timeout=None)
        context.scenarios.close()
        watcher.join()
        for thread in warming:
            thread.join(timeout=120)

    app = FastAPI(
        title="Ennakointi API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    apidocs.install(app)  # /docs and /redoc without a CDN
    errors.install(app)
    for router in ROUTERS:
        # the API refuses a one-valued parameter given twice (service.deps.single_values);
        # the dashboard's pages and forms keep their own handling of parameters
        pages = router in (dashboard.router, products.router)
        checks = [] if pages else [Depends(single_values)]
        app.include_router(router, responses=errors.PROBLEM_RESPONSES, dependencies=checks)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.metrics = Metrics()
    app.add_middleware(ReleaseCacheMiddleware)
    app.add_middleware(JsonBodyMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.service.max_body_bytes)
    app.add_middleware(
        RateLimitMiddleware,
        per_minute=settings.service.rate_limit_per_minute,
        known_keys=[key.sha256 for key in parse_keys(settings.service.api_keys)],
    )
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: on every response
    app.openapi = _openapi(app, settings)  # type: ignore[method-assign]
    return app


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Proxy handling for uvicorn: forwarded headers only from ``service.trusted_proxies``.

    uvicorn's own default believes ``X-Forwarded-For`` from 127.0.0.1, so any local client
    (or a proxy that passes the header through) could pick its address and so its rate-limit
    bucket; with no trusted proxies configured the headers are ignored.
    """
    trusted = [p.strip() for p in settings.service.trusted_proxies if p.strip()]
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": ",".join(trusted) or ""}


def serve(host: str | None = None, port: int | None = None) -> None:
    """Run the service with uvicorn (defaults from ``settings.service``); blocks."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.service.host,
        port=port or settings.service.port,
        log_level="info",
        access_log=False,
        **uvicorn_options(settings),
    )
