"""The release flow: build every available product and publish one atomic release.

Shape (each product a step registered in :mod:`forecasting.release`)::

    ingest -> registers_history -> per-municipality models (mapped) -> backtests ->
    reconciliation -> demography -> labour demand, training needs -> scenarios -> alerts
    -> monthly reviews (mapped over employment areas) -> publish (the reviews attached;
    + alert delivery, in one transaction) -> the monthly review e-mailed to its subscribers

Tasks are thin wrappers over :mod:`forecasting.release`; they pass
:class:`~forecasting.release.ProductRef` references (a key into the work area plus a content
hash), never arrays. Step results are cached across runs by :class:`StepCache`, keyed on the
data versions, code version, seed and inputs, so a rerun with unchanged inputs calls no
forecasting function; the store deduplicates an unchanged release, so it sends nothing new.
Retries are only on I/O (live refresh, publish, delivery). A failure before publish publishes
nothing (publish is the last step and atomic); a failure after it (delivery) rolls the publish
back (the release is withdrawn and the previous one is current again).

Run it with :func:`run_release` (the CLI's ``ennakointi release build``); the same flow covers
all 45 employment areas with ``scope="national"`` and ``task_runner="dask"``.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE, CachePolicy
from prefect.context import TaskRunContext
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff
from prefect.transactions import Transaction, get_transaction, transaction

from forecasting import release
from forecasting.io.release_store import ReleaseInfo, ReleaseStore
from forecasting.io.release_work import Lease, WorkArea
from forecasting.release import BuildContext, Product, ProductRef
from forecasting.settings import MAX_SEED, get_settings

TaskRunnerName = Literal["thread", "dask"]


@dataclass
class StepCache(CachePolicy):
    """Cache key of a step = :func:`forecasting.release.step_key` of its inputs.

    The key covers data versions, code version and source fingerprint, seed, scope and input
    hashes. No key (so no cache hit) when the step's stored result is missing, so a cleaned
    work area is rebuilt instead of handing out references to files that are gone.
    """

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        ctx: BuildContext = inputs["ctx"]
        parts = inputs.get("parts")
        key = release.step_key(
            ctx,
            inputs["product"],
            unit=inputs.get("unit"),
            inputs=inputs.get("inputs"),
            parts={str(p.unit): p for p in parts} if parts is not None else None,
        )
        return key if WorkArea(ctx.work_dir).exists(key) else None


STEP_CACHE = StepCache()


# -- tasks ------------------------------------------------------------------------------------
@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=5))
def refresh_sources() -> dict[str, Any]:
    """Fetch the configured StatFin tables into the local cache (network I/O: retried).

    The refreshed cubes land in ``get_settings().data.cache_dir`` (as ``ennakointi data
    refresh`` does), where :func:`ingest` overlays them on the snapshot (newest period wins).
    """
    from forecasting.io import refresh

    report = refresh.refresh(get_settings().data.cache_dir)
    return dict(report.to_dict())


@task(cache_policy=NO_CACHE)
def ingest(
    scope: str, area: str, seed: int, products: Sequence[Product], work_dir: str | None
) -> BuildContext:
    """Assemble the input cubes once (snapshot, then the refreshed cache: newest period wins),
    record their versions and data dates, and stage them in the work area for the steps."""
    from forecasting.io.inputs import assemble

    inputs = assemble()
    ctx = release.make_context(scope, area, seed, products, inputs, work_dir=work_dir)
    release.stage_inputs(ctx, inputs)
    return ctx


@task(cache_policy=STEP_CACHE, task_run_name="{product.name}")
def build_step(ctx: BuildContext, product: Product, inputs: dict[str, ProductRef]) -> ProductRef:
    return release.run_step(ctx, product, inputs)


@task(cache_policy=STEP_CACHE, task_run_name="{product.name}[{unit}]")
def build_unit(
    ctx: BuildContext, product: Product, unit: str, inputs: dict[str, ProductRef]
) -> ProductRef:
    return release.run_unit(ctx, product, unit, inputs)


@task(cache_policy=NO_CACHE, task_run_name="{product.name}[units]")
def build_units(
    ctx: BuildContext, product: Product, inputs: dict[str, ProductRef], priority: int = 0
) -> list[ProductRef]:
    """Every unit of a mapped product in one task run, each unit a plain Dask task of its own
    (on a Dask worker; elsewhere one after another), in the order of ``product.units``.

    Each Prefect task run costs the flow's process (its submission and future), the Prefect
    server (its states and logs) and the worker (the task engine) CPU beside the unit's own
    work; the units' results are still reused one by one from the work area
    (:func:`forecasting.release.run_unit`), so no Prefect cache is needed here.
    ``priority`` is the product's Dask priority (:func:`forecasting.release.priorities`),
    which the units inherit."""
    units = list(product.units(ctx)) if product.units is not None else []
    try:
        from distributed import get_worker, worker_client

        get_worker()
    except (ImportError, ValueError):  # not on a Dask worker: a thread runner
        return [_run_unit(ctx, product, unit, inputs) for unit in units]
    # the client secedes this task from the worker's thread pool while it waits, so the
    # worker runs units meanwhile; it rejoins when the units are done
    with worker_client() as client:
        futures = [
            client.submit(
                _run_unit,
                ctx,
                product,
                unit,
                inputs,
                key=f"{UNIT_TASK_GROUP}-{uuid.uuid4().hex}",
                priority=priority,
                pure=False,
            )
            for unit in units
        ]
        refs: list[ProductRef] = client.gather(futures)
    return refs


#: The Dask task group of every unit task (their keys' prefix). One large group without
#: dependencies is "root-ish" to the scheduler, which then queues its tasks itself and hands
#: them to workers as threads free up, highest priority first; tasks of small groups are
#: assigned to a worker as soon as they are submitted, and a build's long demography parts
#: then waited behind lower-priority units on one worker while the other was busy.
UNIT_TASK_GROUP = "release_unit"


def _run_unit(
    ctx: BuildContext, product: Product, unit: str, inputs: dict[str, ProductRef]
) -> ProductRef:
    """One unit: :func:`forecasting.release.run_unit`, looked up when the unit runs.

    Dask pickles this function by reference (module and name), so the worker that runs a
    unit calls *its own* ``release.run_unit``: the one the worker imported, or the one a
    worker plugin replaced there (``benchmarks/worker_overhead.py`` times each unit that
    way). Handing Dask ``release.run_unit`` itself would pickle whatever object that name
    holds in the submitting process, and a replaced one (a closure) cannot be pickled."""
    return release.run_unit(ctx, product, unit, inputs)


@task(cache_policy=STEP_CACHE, task_run_name="{product.name}:combine")
def combine_units(
    ctx: BuildContext,
    product: Product,
    parts: list[ProductRef],
    inputs: dict[str, ProductRef],
) -> ProductRef:
    return release.run_combine(ctx, product, parts, inputs)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def publish(
    ctx: BuildContext,
    refs: dict[str, ProductRef],
    skipped: dict[str, str],
    store_root: str | None,
    timings: dict[str, float],
) -> ReleaseInfo:
    """Publish the release atomically (file I/O: retried; the store cleans partial attempts)."""
    info, created = release.publish_release(ctx, refs, skipped, store_root, timings)
    txn = get_transaction()
    if created and txn is not None:
        txn.set("withdraw", (str(info.path.parent.parent), info.id))
    return info


@publish.on_rollback
def _withdraw_on_rollback(txn: Transaction) -> None:
    """Undo a publish when a later step of the same transaction failed."""
    target = txn.get("withdraw", None)
    if target is not None:
        store_root, release_id = target
        ReleaseStore(store_root).withdraw(release_id)


def _delivery_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    return f"deliver-alerts-{parameters['release_id']}"


@task(
    cache_key_fn=_delivery_key,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=5),
)
def deliver_alerts(
    release_id: str, scope: str, area: str, store_root: str | None = None
) -> dict[str, Any]:
    """Run the alert life cycle on the released data and deliver what changed (I/O: retried).

    The rules read the release's products (register forecasts, labour supply, occupation
    forecasts) besides the input cubes, assembled here (registers, occupations, the 2019
    projection and the scenario engine's cubes for the event impacts). Cached per release id,
    so a rerun that republishes nothing calls nothing; underneath, the life cycle skips
    months it has evaluated and deliveries are idempotent per transition.
    """
    from forecasting.alerts.run import ALERT_CUBES, evaluate_snapshot, release_products
    from forecasting.io.alert_db import make_engine
    from forecasting.io.inputs import assemble
    from forecasting.scenarios.calibration import STRUCTURE_CUBES

    cubes = assemble(sorted({*ALERT_CUBES, *STRUCTURE_CUBES}))
    engine = make_engine(get_settings().alerts.database_url)
    summary = evaluate_snapshot(
        engine,
        cubes,
        area=area if scope == "area" else None,
        deliver=True,
        products=release_products(release_id, store_root),
    )
    return {"release": release_id, "summary": str(summary)}


def _review_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    return f"mail-review-{parameters['release_id']}"


@task(
    cache_key_fn=_review_key,
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=5),
)
def mail_review(release_id: str, store_root: str | None = None) -> int:
    """Queue the release's monthly review for the subscribers who want it and make the
    first attempt (the drain deployment retries); the number of messages queued.

    Outside the publish transaction: a mail server that is down leaves the release
    published and the messages queued, never withdraws the release."""
    from forecasting.alerts.review_mail import queue_monthly_review
    from forecasting.alerts.run import deliverer_from_settings
    from forecasting.io.alert_db import make_engine

    opened = ReleaseStore(store_root).open(release_id)
    if opened.find_attachment(kind="monthly_review") is None:
        return 0  # nothing to send: no alert database is opened
    deliverer = deliverer_from_settings(make_engine(get_settings().alerts.database_url))
    queued = queue_monthly_review(
        deliverer, opened, link_base=get_settings().service.public_base_url
    )
    if queued:
        deliverer.process_due()
    return queued


def retain_work(
    work: WorkArea, lease: Lease, used: Sequence[str], release_id: str, logger: Any
) -> None:
    """After a successful publish: record the work area's results this build used and remove
    those the last ``release.work_keep_builds`` builds did not use (0: keep everything).

    Never fails the build: the release is published; a file that cannot be removed (or a
    prune postponed because another build holds the work area) is logged and left for the
    next build's prune."""
    keep = get_settings().release.work_keep_builds
    if keep == 0:
        return
    try:
        work.record_build(used, release_id)
        report = work.prune(keep, lease, protect=used)
    except Exception as exc:  # a failure to clean up must not fail a published build
        logger.warning("work area %s not pruned: %s: %s", work.root, type(exc).__name__, exc)
        return
    if report.skipped:
        logger.info("work area %s not pruned: %s", work.root, report.skipped)
        return
    logger.info(
        "work area %s: kept the results of the last %d builds, removed %d files (%.1f MB)",
        work.root,
        report.kept_builds,
        report.removed_files,
        report.removed_bytes / 1e6,
    )
    if report.failed:
        logger.warning("work area %s: could not remove %s", work.root, ", ".join(report.failed))


# -- the flow ---------------------------------------------------------------------------------
def _submit_products(
    ctx: BuildContext,
    products: Sequence[Product],
    parts_out: list[PrefectFuture[Any]] | None = None,
    *,
    grouped: bool = False,
) -> dict[str, PrefectFuture[ProductRef]]:
    """Submit every product's step(s) in build order; inputs are the futures of the products
    it needs (a mapped product's units only those they read, ``Product.unit_inputs``). The
    futures of the units (each a ``ProductRef``, or a list of them when ``grouped``) are
    appended to ``parts_out`` if given.

    ``grouped`` (a Dask runner): a mapped product's units run in one task,
    :func:`build_units`, which hands each unit to Dask directly, instead of one Prefect task
    per unit. On a Dask cluster each product's tasks carry its
    :func:`forecasting.release.priorities` (``dask.annotate``, and the units the same
    priority): of the tasks that are ready, the scheduler and the workers start those on
    the longest chain of dependent products first. A thread runner ignores it."""
    import dask

    ranks = release.priorities(products)
    futures: dict[str, PrefectFuture[ProductRef]] = {}
    for product in products:
        inputs = {name: futures[name] for name in product.needs}
        rank = ranks[product.name]
        with dask.annotate(priority=rank):
            if product.units is not None:
                reads = {name: futures[name] for name in product.unit_inputs}
                parts: Any
                if grouped:
                    parts = build_units.submit(ctx, product, reads, rank)  # type: ignore[arg-type]
                    if parts_out is not None:
                        parts_out.append(parts)
                else:
                    units = list(product.units(ctx))
                    parts = build_unit.map(unmapped(ctx), unmapped(product), units, unmapped(reads))
                    if parts_out is not None:
                        parts_out.extend(parts)
                futures[product.name] = combine_units.submit(ctx, product, parts, inputs)  # type: ignore[arg-type]
            else:
                futures[product.name] = build_step.submit(ctx, product, inputs)  # type: ignore[arg-type]
    return futures


def _on_dask() -> bool:
    """Whether the running flow hands its tasks to a Dask cluster."""
    from prefect.context import FlowRunContext

    run = FlowRunContext.get()
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        return False
    return run is not None and isinstance(run.task_runner, DaskTaskRunner)


def _part_keys(results: Sequence[ProductRef | Sequence[ProductRef]]) -> list[str]:
    """The work area keys of the units' results (single references or lists of them)."""
    keys: list[str] = []
    for result in results:
        refs = [result] if isinstance(result, ProductRef) else list(result)
        keys += [ref.key for ref in refs]
    return keys


@flow(name="build-release", validate_parameters=True)
def build_release(
    scope: Literal["area", "national"] = "area",
    area: str = "TA23",
    seed: int = 20250101,
    products: list[str] | None = None,
    refresh: bool = False,
    store_root: str | None = None,
    work_dir: str | None = None,
    alerts: bool = True,
) -> ReleaseInfo:
    """Build and publish one release for an employment area or the whole country.

    Parameters
    ----------
    scope, area
        ``"area"`` with an employment area code (``"TA23"``) or ``"national"``.
    seed
        Root seed of every stochastic step.
    products
        Product names to build (default: every registered product whose module is present).
    refresh
        Fetch the StatFin tables into the local cache first (needs the network).
    store_root, work_dir
        Release store and work area (default: from settings).
    alerts
        After publishing, run the alert life cycle and deliver notifications (in the same
        transaction: if that fails, the release is withdrawn), then queue the monthly
        review for its e-mail subscribers (:func:`mail_review`).
    """
    started = time.perf_counter()
    logger = get_run_logger()
    chosen, skipped = release.plan(products)
    for name, reason in skipped.items():
        logger.warning("product %s left out: %s", name, reason)
    if refresh:
        report = refresh_sources()
        logger.info("refreshed %d StatFin tables", len(report.get("tables", ())))
    work = WorkArea(work_dir)
    with work.lease() as lease:
        ctx = ingest(scope, area, seed, chosen, work_dir)
        part_futures: list[PrefectFuture[Any]] = []
        futures = _submit_products(ctx, chosen, part_futures, grouped=_on_dask())
        refs = {name: future.result() for name, future in futures.items()}
        timings = {"build_s": round(time.perf_counter() - started, 3)}
        with transaction():
            info = publish(ctx, refs, skipped, store_root, timings)
            if alerts and "alerts" in refs:
                deliver_alerts(info.id, ctx.scope, ctx.area, store_root)
        used = release.used_keys(ctx, list(refs.values()))
        used += _part_keys([part.result() for part in part_futures])
        retain_work(work, lease, used, info.id, logger)
    if alerts:
        mail_review(info.id, store_root)
    logger.info("release %s (%d products) at %s", info.id, len(refs), info.path)
    return info


# -- entry point ------------------------------------------------------------------------------
def local_cores() -> int:
    """The cores this process may run on (the most local Dask workers a build starts)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def check_build(
    scope: str,
    area: str | None,
    seed: int | None,
    workers: int,
    products: Sequence[str] | None = None,
    *,
    dask_address: str | None = None,
) -> None:
    """Refuse a build's parameters before anything starts (no Prefect server, no cluster).

    ``area`` None is the settings' default; an empty or unknown code is refused, as are a
    seed outside 0..:data:`MAX_SEED`, fewer than one worker or (for a local cluster) more
    workers than cores, and an unknown product name.

    Raises
    ------
    ValidationError, UnknownAreaError, ReleaseError
        Naming the parameter and the accepted values.
    """
    from forecasting import geography
    from forecasting.errors import ValidationError

    if scope not in ("area", "national"):
        raise ValidationError("scope", f"must be 'area' or 'national', got {scope!r}")
    if area is not None:
        geography.resolve_area(area)
        if scope == "area":
            from forecasting.release.registry import scope_areas

            scope_areas(scope, area)  # one employment area: ReleaseError naming the code
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise ValidationError("seed", f"must be a whole number 0..{MAX_SEED}, got {seed}")
    cores = local_cores()
    if workers < 1 or (dask_address is None and workers > cores):
        limit = f"1..{cores} (the cores of this machine)" if dask_address is None else ">= 1"
        raise ValidationError("workers", f"must be {limit}, got {workers}")
    release.plan(products)  # an unknown product name: ReleaseError naming the known ones


def make_task_runner(
    task_runner: TaskRunnerName | None, workers: int, dask_address: str | None = None
) -> Any:
    """A thread pool (default for 1 worker) or a Dask runner (default for more)."""
    if workers < 1:
        from forecasting.errors import ValidationError

        raise ValidationError("workers", f"must be >= 1, got {workers}")
    kind = task_runner or ("thread" if workers == 1 and dask_address is None else "dask")
    if kind == "thread":
        return ThreadPoolTaskRunner(max_workers=workers)
    if kind != "dask":
        raise ValueError(f"task_runner must be 'thread' or 'dask', not {kind!r}")
    from prefect_dask import DaskTaskRunner

    if dask_address is not None:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(
        cluster_class=local_cluster,
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
            "env": worker_env(workers),
        },
    )


#: Variables of Dask's ``distributed.nanny.pre-spawn-environ`` that a local release cluster
#: does not set in its worker processes. ``MALLOC_TRIM_THRESHOLD_`` (Dask's default 65536)
#: fixes glibc's heap thresholds, which turns off their dynamic adjustment: every array
#: above 128 kB is then mmap'ed, page-faulted in zeroed and unmapped again, and a worker
#: spent ~40 % more CPU on the same step (register backtests in one process: 69.0 CPU s
#: without it, 95.7 with it, 20 s of it system time; docs/results/release.md). Memory is
#: returned to the system when a build's cluster closes.
UNSET_PRE_SPAWN = ("MALLOC_TRIM_THRESHOLD_",)


#: Dask's monitoring of a local release cluster, slowed down or off (Dask's defaults in
#: the comments). With the defaults an idle 2-worker cluster spent ~10 % of a core: the
#: scheduler and nannies in the flow's process ~3.8 %, each worker ~2.9 %; with these ~1.2 %
#: (docs/results/release.md). Everything here serves the dashboard (which a release
#: cluster does not start) or diagnostics; none of it touches scheduling or a number.
QUIET_MONITORING: dict[str, Any] = {
    # the event loop's blocked-loop check, in the scheduler, nannies and workers (20 ms)
    "distributed.admin.tick.interval": "1s",
    # CPU, memory and network samples for the dashboard (500 ms)
    "distributed.admin.system-monitor.interval": "2s",
    # the nanny's check of its worker's memory against the memory limit (100 ms)
    "distributed.worker.memory.monitor-interval": "1s",
    # the workers' statistical profiler, which samples the running task's stack (10 ms)
    "distributed.worker.profile.enabled": False,
}


def local_cluster(**kwargs: Any) -> Any:
    """A ``distributed.LocalCluster`` of ``kwargs`` whose workers start without the
    variables of :data:`UNSET_PRE_SPAWN` (glibc's own heap behaviour, as the flow's process
    and a 1-worker build have) and with Dask's monitoring of :data:`QUIET_MONITORING`. A
    variable set in this process's environment still reaches the workers by inheritance;
    the configuration reaches them with the rest of Dask's configuration."""
    import dask
    from distributed import LocalCluster

    unset = {f"distributed.nanny.pre-spawn-environ.{name}": None for name in UNSET_PRE_SPAWN}
    with dask.config.set({**unset, **QUIET_MONITORING}):
        return LocalCluster(**kwargs)


#: Thread pools a worker process sizes from the environment when it starts (numba's
#: ``prange`` kernels, BLAS).
THREAD_VARIABLES = (
    "NUMBA_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def worker_env(workers: int) -> dict[str, str]:
    """The environment of each local Dask worker: its share of the machine's cores for its
    thread pools, so ``workers`` processes do not each run a pool as wide as the machine (on
    2 cores, 2 workers ran 4 numba threads). The kernels draw per draw and area, so the
    numbers do not depend on the threads (the 1- and 2-worker releases are identical)."""
    share = str(max(1, (os.cpu_count() or 1) // workers))
    return dict.fromkeys(THREAD_VARIABLES, share)


@contextmanager
def shared_api(needed: bool) -> Iterator[None]:
    """Point every process of the run at one Prefect API.

    Without ``PREFECT_API_URL`` Prefect starts an ephemeral server per *process*: each Dask
    worker process would start its own (20 s each, contending for the same SQLite file).
    When ``needed`` and no API is configured, start the ephemeral server here (the same
    instance the flow's client would use) and pass its URL down through the settings
    context that the Dask task runner ships to its workers.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if not needed or PREFECT_API_URL.value():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield


def run_release(
    scope: Literal["area", "national"] = "area",
    area: str | None = None,
    seed: int | None = None,
    workers: int = 1,
    task_runner: TaskRunnerName | None = None,
    *,
    products: Sequence[str] | None = None,
    refresh: bool = False,
    store_root: str | None = None,
    work_dir: str | None = None,
    dask_address: str | None = None,
    alerts: bool = True,
) -> ReleaseInfo:
    """Build and publish a release (what ``ennakointi release build`` runs).

    ``task_runner`` defaults to threads for one worker and a local Dask cluster of
    ``workers`` processes otherwise; ``dask_address`` uses an existing cluster instead.
    """
    settings = get_settings().release
    check_build(scope, area, seed, workers, products, dask_address=dask_address)
    runner = make_task_runner(task_runner, workers, dask_address)
    with shared_api(needed=not isinstance(runner, ThreadPoolTaskRunner)):
        result: ReleaseInfo = build_release.with_options(task_runner=runner)(
            scope=scope,
            area=area or settings.default_area,
            seed=settings.seed if seed is None else seed,
            products=list(products) if products is not None else None,
            refresh=refresh,
            store_root=store_root,
            work_dir=work_dir,
            alerts=alerts,
        )
    return result


def summary(info: ReleaseInfo) -> Mapping[str, Any]:
    """A short description of a published release (for logs and the CLI)."""
    opened = ReleaseStore(info.path.parent.parent).open(info.id)
    return {"id": info.id, "datasets": opened.names(), "skipped": opened.manifest["skipped"]}
