"""On-demand scenario runs: the engine in its own process, results kept under a result id.

A run is a pure function of its spec (which carries the seed), the code version and the
release it is based on, so the result id is a hash of those three: asking twice returns the
first result without recomputing. Results are kept in memory (the newest ``keep``); they are
reproducible, so an expired id is simply run again. Batch scenarios (the preset library) are
a release product, served from the release.

The engine runs in separate worker processes (``service.scenario_processes``, default 2): its
Python parts (calibration, event compilation, quantiles over draws) then never wait for the
GIL behind the event loop serving reads, and a crash in a kernel cannot take the API down.
With ``0`` it runs in a worker thread of the service process (as the tests' fakes do).

Warm start: at start every worker calibrates the default area and loads its kernels, then
the workers share out the baseline runs of the default windows (``service.
scenario_warm_months``: the form's default start and the quarters after it, default draws
and seed, 60 months), which they keep as files (``service.scenario_baseline_dir``,
:class:`forecasting.io.array_files.ArrayFiles`): a baseline run computed by one worker
serves the others, and a restart, instead of each paying for the same kernel run.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib
import json
import logging
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Literal

import xarray as xr
from pydantic import BaseModel

from forecasting import geography
from forecasting.io.handover import CubesFile, load_cubes
from forecasting.processes import exit_with_parent
from forecasting.provenance import code_version
from service.errors import NotConfiguredError, NotFoundError
from service.releases import Releases
from service.runqueue import RunQueue

Runner = Callable[..., xr.Dataset]  # runner(spec) or runner(spec, baseline=targets)
Targets = Callable[[Any, str | None], xr.Dataset | None]  # (spec, release id) -> targets
# -> (balance, its source: one text or one per language, {"fi": ..., "sv": ..., "en": ...})
Supply = Callable[[Any, str | None], tuple[xr.Dataset, str | Mapping[str, str]] | None]
log = logging.getLogger(__name__)


class EngineRunner:
    """``(spec, baseline=None) -> xr.Dataset`` through ``forecasting.scenarios.run_scenario``
    on the input cubes the service assembled at start.

    Each employment area is calibrated once (:func:`forecasting.scenarios.baseline.calibrate`)
    and the calibration kept, keyed by ``(area, data version of the cubes)``: the service's
    own state, handed to the engine as an argument (the engine keeps no data caches). The
    industry-occupation bridge of the training-need step is kept the same way, per
    occupation region (it depends on the cubes only; about 0.1-0.2 CPU s a run before).
    """

    def __init__(self, cubes: Mapping[str, xr.Dataset]):
        self.cubes = cubes
        self._calibrations: dict[tuple[str, str], Any] = {}
        self._bridges: dict[tuple[str, str], xr.DataArray | None] = {}
        self._key: xr.DataArray | None = None
        self._lock = threading.Lock()

    def _version(self) -> str:
        from forecasting.provenance import combine_versions

        return combine_versions(str(ds.attrs.get("data_version", "")) for ds in self.cubes.values())

    def calibration(self, area: str) -> Any:
        from forecasting.scenarios.baseline import calibrate

        key = (area, self._version())
        with self._lock:
            if key not in self._calibrations:
                self._calibrations[key] = calibrate(self.cubes, area)
            return self._calibrations[key]

    def bridge(self, area: str) -> xr.DataArray | None:
        """The industry-occupation bridge of ``area``'s occupation region, built once per
        data version; None when the cubes lack ``jobs_by_industry`` or ``occupations``
        (the training-need step then leaves the run unchanged)."""
        from forecasting import training

        if not {"jobs_by_industry", "occupations"} <= set(self.cubes):
            return None
        region = training.occupation_region(area)
        key = (region, self._version())
        with self._lock:
            if key not in self._bridges:
                self._bridges[key] = training.industry_occupation_bridge(
                    self.cubes["jobs_by_industry"], self.cubes["occupations"], region
                )
            return self._bridges[key]

    def education_key(self) -> xr.DataArray:
        """The shipped occupation -> education key of the training-need step
        (:func:`forecasting.training.load_correspondence`), read once (a file of the code,
        not of the data; about 0.01 CPU s a run before)."""
        from forecasting import training

        with self._lock:
            if self._key is None:
                self._key = training.load_correspondence()
            return self._key

    def warm_baseline(
        self, spec: Any, months_after: int = 0, baseline: xr.Dataset | None = None
    ) -> str:
        """Fill the engine's baseline caches for ``spec``'s window moved ``months_after``
        months on (:func:`forecasting.scenarios.run.warm_baseline`); returns its first month."""
        from forecasting.scenarios.run import as_spec, warm_baseline

        parsed = as_spec(spec)
        return warm_baseline(
            parsed, self.calibration(parsed.area), months_after=months_after, baseline=baseline
        )

    def __call__(self, spec: Any, baseline: xr.Dataset | None = None) -> xr.Dataset:
        from forecasting import training_scenario
        from forecasting.scenarios import run_scenario
        from forecasting.scenarios.run import as_spec

        parsed = as_spec(spec)
        result = run_scenario(parsed, baseline=baseline, calibration=self.calibration(parsed.area))
        bridge = self.bridge(parsed.area)
        key = self.education_key() if bridge is not None else None
        return training_scenario.annotate(
            result, self.cubes, parsed.area, parsed.events, bridge=bridge, key=key
        )


def engine_runner(cubes: Mapping[str, xr.Dataset] | None = None) -> Runner | None:
    """An :class:`EngineRunner` on ``cubes`` (default: assembled now, the scenario cubes) if
    the scenario engine is installed, else None."""
    try:
        importlib.import_module("forecasting.scenarios")
    except ImportError:
        return None
    return EngineRunner(cubes if cubes is not None else scenario_inputs())


def scenario_inputs() -> Mapping[str, xr.Dataset]:
    """The scenario engine's input cubes (snapshot and refresh cache, newest wins)."""
    from forecasting.io.inputs import assemble
    from forecasting.scenarios.calibration import STRUCTURE_CUBES

    return assemble(tuple(dict.fromkeys((*STRUCTURE_CUBES, "jobs_by_industry", "occupations"))))


def idle_threads_sleep() -> None:
    """Let the kernels' idle OpenMP threads sleep instead of spinning (``OMP_WAIT_POLICY``
    ``PASSIVE`` unless set): numba's OpenMP layer otherwise keeps each idle thread busy-waiting
    after every parallel section, CPU a second run on the same cores needs. Measured on a
    1,000-draw, 60-month run (``benchmarks/profile_scenario_run.py``): 2.30 -> 2.01 CPU s, the
    same results. Call it before the first parallel kernel of the process (OpenMP reads the
    variable when it starts)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


#: The worker process's runner, set once by :func:`_init_worker` with the service's cubes.
_worker: EngineRunner | None = None


def _init_worker(
    cubes: Mapping[str, xr.Dataset] | str,
    parent_pid: int,
    nice: int = 0,
    threads: int = 0,
    baseline_files: tuple[str, int] | None = None,
) -> None:
    """A worker process: exits with the service (:func:`exit_with_parent`), lowers its
    priority by ``nice`` (reads and health checks of the service get the CPU first), runs
    its kernels on ``threads`` numba threads (0: numba's default, every core; results do
    not depend on it) whose idle threads sleep (:func:`idle_threads_sleep`), shares its
    baseline runs through the files of ``baseline_files`` (folder, most bytes; see
    :func:`share_baselines`), then holds the engine with the cubes the service assembled
    (given, or the path of a :class:`CubesFile`)."""
    global _worker
    idle_threads_sleep()
    exit_with_parent(parent_pid)
    if nice > 0:
        os.nice(nice)
    if threads > 0:
        import numba

        numba.set_num_threads(min(threads, numba.get_num_threads()))
    if baseline_files is not None:
        share_baselines(*baseline_files)
    if isinstance(cubes, str):
        cubes = load_cubes(cubes)
    _worker = EngineRunner(dict(cubes))


def share_baselines(folder: str | os.PathLike[str], max_bytes: int) -> None:
    """Keep this process's baseline runs also as files in ``folder`` (at most ``max_bytes``)
    and read the other processes' from there (:func:`forecasting.scenarios.cache.use_files`);
    entries are versioned by the code that simulates (commit and a digest of ``models/``)."""
    import models
    from forecasting.io.array_files import ArrayFiles, source_digest
    from forecasting.scenarios import cache

    version = f"{code_version()}+{source_digest(models)}"
    cache.use_files(ArrayFiles(folder, max_bytes), version=version)


def use_threads(threads: int) -> None:
    """Run this thread's next kernels on ``threads`` numba threads (at most the threads numba
    started; 0 leaves the count as it is). Results do not depend on it."""
    if threads > 0:
        import numba

        started = int(getattr(numba.config, "NUMBA_NUM_THREADS", threads))
        numba.set_num_threads(max(1, min(threads, started)))


def _run_in_worker(
    spec: dict[str, Any], baseline: xr.Dataset | None = None, *, threads: int = 0
) -> xr.Dataset:
    """The engine's ``run_scenario`` on a spec given as JSON (runs in the worker process),
    its kernels on ``threads`` threads (0: as the worker was started)."""
    if _worker is None:
        raise NotConfiguredError("the scenario worker process was started without input cubes")
    use_threads(threads)
    return _worker(spec, baseline=baseline)


def _warm_in_worker(
    spec: dict[str, Any], months_after: int, baseline: xr.Dataset | None = None, *, threads: int = 0
) -> str:
    """:meth:`EngineRunner.warm_baseline` in the worker process (``threads``: as
    :func:`_run_in_worker`)."""
    if _worker is None:
        raise NotConfiguredError("the scenario worker process was started without input cubes")
    use_threads(threads)
    return _worker.warm_baseline(spec, months_after, baseline)


def release_targets(releases: Releases) -> Targets:
    """``(spec, release id) -> the release's register forecasts`` for the spec's area.

    A spec with ``baseline_source="register_forecast"`` then follows the same reconciled
    forecasts the API serves (``register_forecasts`` of the release the run is stamped
    with), instead of the engine forecasting the registers again. None (the engine forecasts
    them itself) for other specs, without a release, or when the release does not hold every
    municipality of the area (an area release of another area).
    """

    def targets(spec: Any, release_id: str | None) -> xr.Dataset | None:
        if getattr(spec, "baseline_source", None) != "register_forecast" or release_id is None:
            return None
        release = releases.open(release_id)
        if "register_forecasts" not in release.names():
            return None
        ds = release.dataset("register_forecasts")
        munis = geography.members(spec.area)
        if not set(munis) <= set(map(str, ds["area"].values)):
            return None
        return ds[["unemployed", "vacancies", "labour_force"]].sel(area=munis)

    return targets


def last_forecast_month(releases: Releases, release_id: str | None) -> str | None:
    """``YYYY-MM``: the last month of the release's register forecasts (None without them)."""
    months = forecast_months(releases, release_id)
    return months[1] if months is not None else None


def forecast_months(releases: Releases, release_id: str | None) -> tuple[str, str] | None:
    """``(first, last)`` ``YYYY-MM``: the months of the release's register forecasts (None
    without a release or without them)."""
    if release_id is None:
        return None
    release = releases.open(release_id)
    if "register_forecasts" not in release.names():
        return None
    times = release.dataset("register_forecasts")["time"].values
    if not len(times):
        return None
    return str(min(times))[:7], str(max(times))[:7]


def month_before(month: str) -> str:
    """``YYYY-MM`` of the month before ``month`` (``YYYY-MM``): the latest observed month
    before a release's first forecast month."""
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - (mon == 1)}-{(mon - 2) % 12 + 1:02d}"


def _month_after(day: dt.date) -> str:
    return f"{day.year + day.month // 12}-{day.month % 12 + 1:02d}"


def form_start(today: dt.date, months: tuple[str, str] | None) -> str:
    """The scenario form's default start: the month after ``today``'s (a plant closing
    announced now), clipped into the release's forecast months ``(first, last)``: never
    before the first forecast month (a scenario starts after the newest data) nor after the
    last (the form refuses a later start). Without forecasts, the month after today's."""
    start = _month_after(today)
    if months is None:
        return start
    first, last = months
    return min(max(start, first), last)


def default_form_start(releases: Releases, release_id: str | None, today: dt.date) -> str:
    """:func:`form_start` on ``release_id``'s register forecasts: what the dashboard form
    shows, and where the warm-up computes the form's baseline runs
    (:meth:`ScenarioService.warm_windows`)."""
    return form_start(today, forecast_months(releases, release_id))


def check_start(spec: Any, releases: Releases, release_id: str | None) -> None:
    """Refuse a spec whose run or events start outside the release's register forecast
    months: after the last one (a start of 2099-01 ran a scenario in 2099-2103 on a baseline
    repeated from 2029), or before the first one, in months the registers already hold (a
    start of 2025-03 simulated observed months over a baseline that repeated an older year
    across the registers' gap, and counted again what the data already show).

    Raises
    ------
    forecasting.errors.ValidationError
        ``start`` or ``events[k].start``: after the last forecast month
        (``start_after_forecasts``) or before the first (``start_before_forecasts``). Nothing
        is checked without a release or without ``register_forecasts`` in it.
    """
    from forecasting.errors import ValidationError

    months = forecast_months(releases, release_id)
    if months is None:
        return
    first, last = months
    starts = [("start", getattr(spec, "start", None))] + [
        (f"events[{k}].start", getattr(ev, "start", None))
        for k, ev in enumerate(getattr(spec, "events", None) or [])
    ]
    for field, start in starts:
        month = None if start is None else str(start)[:7]
        if month is not None and month > last:
            raise ValidationError(
                field,
                f"{month} is after the last forecast month {last} of release "
                f"{release_id}: start a scenario by {last}",
                kind="start_after_forecasts",
                values={"start": month, "last": last, "release": release_id},
            )
        if month is not None and month < first:
            raise ValidationError(
                field,
                f"{month} is before the first forecast month {first} of release "
                f"{release_id}: the registers already hold it; start a scenario from {first} "
                f"to {last}",
                kind="start_before_forecasts",
                values={
                    "start": month,
                    "observed": month_before(first),
                    "first": first,
                    "last": last,
                    "release": release_id,
                },
            )


def release_training_balance(releases: Releases) -> Supply:
    """``(spec, release id) -> (the release's training_needs, its description)``: the local
    training-need balance whose surplus meets a scenario's training demand
    (:func:`forecasting.training_scenario.apply_local_supply`). None without a release or
    when the release has no ``training_needs`` product."""

    def supply(spec: Any, release_id: str | None) -> tuple[xr.Dataset, dict[str, str]] | None:
        if release_id is None:
            return None
        release = releases.open(release_id)
        if "training_needs" not in release.names():
            return None
        source = {
            "fi": f"julkaisun {release_id} koulutustarvelaskelma",
            "sv": f"utbildningsbehovsberäkningen i publiceringen {release_id}",
            "en": f"training needs of release {release_id}",
        }
        return release.dataset("training_needs"), source

    return supply


def subtract_local_supply(
    result: xr.Dataset, spec: Any, supply: Supply, release_id: str | None
) -> xr.Dataset:
    """``result`` with the local supply subtracted from its training-need change: the
    balance ``supply`` gives for the release, at the events' municipality (else the spec's
    area) in the year the scenario starts. Unchanged (its attrs say why) without a training
    demand, a balance, or the area in it."""
    from forecasting import training_scenario
    from forecasting.errors import ValidationError

    if "training_demand_change" not in result:
        return result
    found = supply(spec, release_id)
    if found is None:
        return result
    balance, source = found
    events = list(getattr(spec, "events", None) or [])
    area = training_scenario.supply_area(balance, str(spec.area), events)
    try:
        return training_scenario.apply_local_supply(
            result,
            balance,
            area,
            year=training_scenario.start_year(events),
            source=source,
        )
    except ValidationError as exc:
        return result.assign_attrs(training_supply=f"Local supply not subtracted: {exc}")


class ProcessRunner:
    """``spec -> xr.Dataset`` through ``forecasting.scenarios.run_scenario`` in worker processes.

    Workers are started with ``spawn`` (the service has threads; forking them is unsafe) and
    keep their calibration, kernels and caches between runs. Domain errors (a refused spec)
    come back as the same exception types. A worker ends itself when the service process is
    gone (:func:`forecasting.processes.exit_with_parent`), even after a SIGKILL.

    Parameters
    ----------
    processes
        Number of worker processes: runs in parallel (the service admits as many at once).
    threads
        Kernel threads of a run. 0 (default): the cores shared out among the runs in
        progress when the run starts (``cores // runs``, at least 1): a run alone uses every
        core, and two runs at once on two cores get one core each, side by side, instead of
        one after the other or four threads on two cores (oversubscribed: much slower,
        docs/results/service.md). A number: that many threads for every run.
    cubes
        The input cubes; each worker reads them once when it starts, from a file
        (:class:`CubesFile`), not through the spawn pipe (default: :func:`scenario_inputs`,
        assembled at the first run or warm-up, so the service answers before they are read).
    nice
        Niceness added to each worker (``os.nice``): under load the service's event loop and
        read threads run first, the engine takes the CPU left over.
    baseline_files
        ``(folder, most bytes)``: the workers share their baseline runs as files there
        (:func:`share_baselines`); None: each keeps its own in memory.
    """

    def __init__(
        self,
        processes: int = 1,
        cubes: Mapping[str, xr.Dataset] | None = None,
        *,
        nice: int = 0,
        baseline_files: tuple[str | os.PathLike[str], int] | None = None,
        threads: int = 0,
    ):
        self.processes = processes
        self.nice = nice
        self.threads = max(0, int(threads))
        self._running = 0
        self._running_lock = threading.Lock()
        self.baseline_files = (
            None if baseline_files is None else (str(baseline_files[0]), int(baseline_files[1]))
        )
        self._cubes = dict(cubes) if cubes is not None else None
        self._cubes_file: CubesFile | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    @property
    def cubes(self) -> dict[str, xr.Dataset]:
        """The input cubes (assembled on first use when none were given)."""
        with self._lock:
            return self._assembled()

    def _assembled(self) -> dict[str, xr.Dataset]:
        if self._cubes is None:
            self._cubes = dict(scenario_inputs())
        return self._cubes

    def _ready(self) -> ProcessPoolExecutor:
        """The worker pool, started at the first run (with the cubes' file) under the lock."""
        with self._lock:
            if self._closed:
                raise NotConfiguredError("the service is shutting down")
            if self._pool is None:
                if self._cubes_file is None:
                    self._cubes_file = CubesFile(self._assembled())
                self._pool = self._new_pool(self._cubes_file)
            return self._pool

    def _new_pool(self, cubes_file: CubesFile) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(
                cubes_file.path,
                os.getpid(),
                self.nice,
                self.threads,  # 0: numba's default (every core); each run sets its own
                self.baseline_files,
            ),
        )

    def __call__(self, spec: Any, baseline: xr.Dataset | None = None) -> xr.Dataset:
        """Run ``spec``; a worker that died (killed, out of memory) is replaced and the run it
        took down is run once more on the new workers (runs are pure and seeded: the answer
        is the same); only a run whose retry dies too is refused with
        :class:`NotConfiguredError` (503: post it again)."""
        return self._submit(_run_in_worker, spec, baseline)

    def warm_baseline(
        self, spec: Any, months_after: int = 0, baseline: xr.Dataset | None = None
    ) -> str:
        """:meth:`EngineRunner.warm_baseline` in a worker (the one the pool hands it to;
        with shared files every worker then finds the run)."""
        return self._submit(_warm_in_worker, spec, months_after, baseline)

    def threads_for(self, running: int) -> int:
        """Kernel threads of a run starting while ``running`` runs (itself included) are in
        progress: :attr:`threads`, else ``cores // running`` (at least 1)."""
        if self.threads > 0:
            return self.threads
        return max(1, (os.cpu_count() or 1) // max(1, running))

    def _submit(self, fn: Callable[..., Any], spec: Any, *args: Any) -> Any:
        data = spec.model_dump(mode="json") if isinstance(spec, BaseModel) else dict(spec)
        pool = self._ready()
        with self._running_lock:
            self._running += 1
            threads = self.threads_for(self._running)
        try:
            try:
                future = pool.submit(fn, data, *args, threads=threads)
            except BrokenProcessPool:
                # A worker died between runs (killed, out of memory): this run has not
                # started, so it goes to a new pool instead of being refused.
                pool = self._replace(pool)
                log.error("a scenario worker process had died; started new ones")
                future = pool.submit(fn, data, *args, threads=threads)
            try:
                return future.result()
            except BrokenProcessPool:
                # The pool broke while the run was in it: its worker was killed, or another
                # worker died and the pool dropped every run it held (the run may even have
                # been handed over in the moment before the pool noticed a worker that died
                # between runs). Runs are pure and seeded, so it runs once more on new
                # workers; a run that takes down its retry as well is refused below.
                pool = self._replace(pool)
                log.error("a scenario worker process died during a run; running it again")
                return pool.submit(fn, data, *args, threads=threads).result()
        except BrokenProcessPool:
            self._replace(pool)
            log.error("the scenario worker process died again; started a new one")
            raise NotConfiguredError(
                "the scenario worker process stopped during the run and again during its "
                "retry, and has been restarted; post the spec again"
            ) from None
        finally:
            with self._running_lock:
                self._running -= 1

    def _replace(self, pool: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """A new pool in place of the broken ``pool`` (once: a caller that finds it already
        replaced gets the new one)."""
        with self._lock:
            if self._closed:
                raise NotConfiguredError("the service is shutting down")
            if self._pool is pool and self._cubes_file is not None:
                pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool(self._cubes_file)
            if self._pool is None:
                raise NotConfiguredError("the scenario worker processes are not running")
            return self._pool

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the workers now: queued runs are cancelled and a run in progress (a warm-up,
        or a request the server stopped waiting for) is dropped, its caller getting
        :class:`NotConfiguredError`. A worker still alive after ``timeout_s`` is killed."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is None:
            if self._cubes_file is not None:
                self._cubes_file.close()
            return
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(timeout_s)
            if worker.is_alive():
                worker.kill()
                worker.join(timeout_s)
        if self._cubes_file is not None:
            self._cubes_file.close()


@dataclass(frozen=True)
class ScenarioRun:
    """One finished run: its id, the spec as JSON, the result cube and timings."""

    id: str
    spec: dict[str, Any]
    release_id: str | None
    result: xr.Dataset
    created: dt.datetime
    elapsed_s: float


class ScenarioService:
    """Run scenarios and keep recent results.

    Routes call :meth:`submit` (async): a stored result answers at once, a new run is
    admitted to the bounded :class:`~service.runqueue.RunQueue` (or refused with 429) and
    executes on its own threads, never on the thread pool serving reads. :meth:`run` is the
    synchronous run itself.

    Parameters
    ----------
    runner
        ``spec -> xr.Dataset`` (quantiles over draws); None when no engine is installed.
    max_draws, max_horizon
        Caps for interactive runs (also enforced by the engine's own spec).
    keep
        Number of results kept in memory.
    targets
        ``(spec, release id) -> baseline targets or None`` (:func:`release_targets`):
        passed to the runner as ``baseline=`` when not None.
    supply
        ``(spec, release id) -> (training-need balance, source) or None``
        (:func:`release_training_balance`): its local surplus is subtracted from the run's
        training-need change (:func:`subtract_local_supply`).
    warm_area
        Employment area whose calibration :meth:`warm` prepares.
    warm_months
        Windows whose baseline runs :meth:`warm` computes (months after the newest register
        data; a runner without ``warm_baseline``, e.g. a test's fake, skips them).
    release
        ``() -> the current release id``: the warm-up's ``register_forecast`` baselines
        follow its register forecasts (``targets``), as the dashboard form's runs do.
    form_draws
        Draws of the dashboard form's runs (``scenario.form_draws``): the warm-up's
        ``register_forecast`` baselines (the form's) are computed at it; None: the default.
    form_start
        ``release id -> YYYY-MM``: the dashboard form's default start on that release
        (:func:`default_form_start` at the service's clock); the warm-up's form baselines
        start there and the quarters after it. None: at the month after the newest data.
    queue
        Admission and threads of runs (default: one thread per run allowed at once,
        :attr:`parallel_runs`, 6 waiting, 2 per client).
    """

    def __init__(
        self,
        runner: Runner | None,
        *,
        max_draws: int,
        max_horizon: int,
        keep: int = 32,
        targets: Targets | None = None,
        supply: Supply | None = None,
        warm_area: str = geography.MIKKELI_AREA,
        warm_months: tuple[int, ...] | list[int] = (),
        release: Callable[[], str | None] | None = None,
        form_draws: int | None = None,
        form_start: Callable[[str | None], str] | None = None,
        queue: RunQueue | None = None,
    ):
        self.runner = runner
        self.queue = queue or RunQueue(
            workers=max(1, int(getattr(runner, "processes", 1) or 1)), max_waiting=6, per_client=2
        )
        self.targets = targets
        self.supply = supply
        self.warm_area = warm_area
        self.warm_months = tuple(warm_months)
        self.release = release
        self.form_draws = form_draws
        self.form_start = form_start
        #: Seconds the last :meth:`warm` took (None until it has finished).
        self.warm_s: float | None = None
        #: Warm-up steps that failed (each logged with its traceback); 0 after a clean one.
        self.warm_failures = 0
        self._warmed = threading.Event()
        self.max_draws = max_draws
        self.max_horizon = max_horizon
        self.keep = keep
        self._results: OrderedDict[str, ScenarioRun] = OrderedDict()
        self._lock = threading.Lock()
        # Runs at once: one in-process (the numba kernel is parallel over draws already, and
        # numba's fallback threading layer is not safe for concurrent parallel launches from
        # several threads); one per worker process of a ProcessRunner.
        self.parallel_runs = max(1, int(getattr(runner, "processes", 1) or 1))
        self._run_lock = threading.BoundedSemaphore(self.parallel_runs)

    @property
    def available(self) -> bool:
        return self.runner is not None

    @staticmethod
    def run_id(spec: dict[str, Any], release_id: str | None) -> str:
        """A stable id of (spec, release, code version)."""
        text = json.dumps([spec, release_id, code_version()], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def stored(self, spec: BaseModel, release_id: str | None) -> ScenarioRun | None:
        """The stored result of ``spec`` on ``release_id``, if an identical run is kept."""
        run_id = self.run_id(spec.model_dump(mode="json"), release_id)
        with self._lock:
            run = self._results.get(run_id)
            if run is not None:
                self._results.move_to_end(run_id)
            return run

    async def submit(self, spec: BaseModel, release_id: str | None, client: str) -> ScenarioRun:
        """Run ``spec`` for ``client`` through the queue: the stored result if kept, else a
        new run on the queue's threads.

        Raises
        ------
        service.runqueue.BusyError
            The queue is full, or ``client`` already has its share of runs in it (429).
        NotConfiguredError
            No engine installed (503).
        """
        if self.runner is None:
            raise NotConfiguredError("the scenario engine (forecasting.scenarios) is not installed")
        hit = self.stored(spec, release_id)
        if hit is not None:
            return hit
        return await self.queue.run(client, self.run, spec, release_id)

    def run(self, spec: BaseModel, release_id: str | None) -> ScenarioRun:
        """Run ``spec`` (or return the stored result of an identical earlier run); blocks,
        so call it from a thread (:meth:`submit` does)."""
        if self.runner is None:
            raise NotConfiguredError("the scenario engine (forecasting.scenarios) is not installed")
        as_json = spec.model_dump(mode="json")
        run_id = self.run_id(as_json, release_id)
        with self._lock:
            if run_id in self._results:
                self._results.move_to_end(run_id)
                return self._results[run_id]
        # At most ``parallel_runs`` at once (see __init__).
        with self._run_lock:
            with self._lock:
                if run_id in self._results:
                    return self._results[run_id]
            started = time.perf_counter()
            baseline = self.targets(spec, release_id) if self.targets is not None else None
            if baseline is None:
                result = self.runner(spec)
            else:
                result = self.runner(spec, baseline=baseline).assign_attrs(
                    baseline_targets=f"register_forecasts of release {release_id}"
                )
            if self.supply is not None:
                result = subtract_local_supply(result, spec, self.supply, release_id)
            elapsed = time.perf_counter() - started
        run = ScenarioRun(
            id=run_id,
            spec=as_json,
            release_id=release_id,
            result=result,
            created=dt.datetime.now(dt.UTC).replace(microsecond=0),
            elapsed_s=round(elapsed, 3),
        )
        with self._lock:
            self._results[run_id] = run
            while len(self._results) > self.keep:
                self._results.popitem(last=False)
        return run

    @property
    def warmed(self) -> bool:
        """True once :meth:`warm` has finished (or when there is no engine to warm)."""
        return self.runner is None or self._warmed.is_set()

    def warm(self) -> None:
        """Prepare the engine at start, before the first user waits for it.

        First every worker runs one single-draw scenario of ``warm_area`` over 60 months:
        the calibration and the compiled kernels (with several worker processes each gets
        one at once: the pool hands concurrent runs to different workers). Then the
        baseline runs a planner's first runs need (:meth:`warm_windows`) are shared out
        between the workers, each computed once. A background task; errors are logged with
        their tracebacks and counted (:attr:`warm_failures`), never raised into the service;
        :attr:`warmed` and :attr:`warm_s` tell when it is done.
        """
        started = time.perf_counter()
        try:
            if self.runner is None:
                return
            self._concurrently([self._warm_one] * self.parallel_runs)
            windows = self.warm_windows()
            share_out = functools.partial(self._warm_baselines, windows)
            self._concurrently([share_out] * self.parallel_runs)
        except Exception as exc:  # a warm-up must never take the service down
            self._warm_failed("scenario engine warm-up", exc)
        finally:
            self.warm_s = round(time.perf_counter() - started, 2)
            self._warmed.set()
            if self.warm_failures:
                log.error(
                    "scenario engine warm-up ended in %.1f s with %d failed step(s) (logged "
                    "above): the first runs may be slow or fail the same way",
                    self.warm_s,
                    self.warm_failures,
                )
            else:
                log.info("scenario engine warm-up done in %.1f s", self.warm_s)

    def warm_release(self) -> None:
        """The baseline runs of :meth:`warm_windows` for the release now current (a release
        published while the service runs: :class:`service.release_watch.ReleaseWatcher`);
        the engine itself is warm already, and windows whose run is cached cost a look-up."""
        if self.runner is None or not self._warmed.is_set():
            return  # the start-up warm-up, still running, reads the current release itself
        windows = self.warm_windows()
        share_out = functools.partial(self._warm_baselines, windows)
        self._concurrently([share_out] * self.parallel_runs)

    def _concurrently(self, tasks: list[Callable[[], None]]) -> None:
        if len(tasks) == 1:
            tasks[0]()
            return
        threads = [
            threading.Thread(target=task, name=f"scenario-warm-{i}") for i, task in enumerate(tasks)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _warm_spec(
        self, source: Literal["persistence", "register_forecast"] = "persistence", **fields: Any
    ) -> Any:
        from forecasting.scenarios.spec import ScenarioSpec

        return ScenarioSpec(
            name="warm-up",
            area=self.warm_area,
            horizon_months=min(60, self.max_horizon),
            baseline_source=source,
            **fields,
        )

    def warm_windows(self) -> list[tuple[Any, int, xr.Dataset | None]]:
        """``(spec, months after its start, targets)`` of each baseline run the warm-up
        computes: for each of ``warm_months``, the dashboard form's baseline (from the
        form's default start, :attr:`form_start`, with the release's register forecasts as
        targets, when it has them for ``warm_area``) and the API's default (persistence,
        from the month after the newest data), each at the draws its runs use
        (:attr:`form_draws` and the default) and the default seed (the release seed), as a
        planner leaves it; empty when the runner cannot warm baselines."""
        if not callable(getattr(self.runner, "warm_baseline", None)) or not self.warm_months:
            return []
        try:
            release_id = self.release() if self.release is not None else None
            start = {} if self.form_start is None else {"start": self.form_start(release_id)}
            forecast = self._warm_spec("register_forecast", draws=self.form_draws, **start)
            targets = self.targets(forecast, release_id) if self.targets is not None else None
        except Exception as exc:  # no release, or an unreadable one: persistence only
            log.warning("scenario warm-up without the release's forecasts: %s", exc)
            targets = None
        out: list[tuple[Any, int, xr.Dataset | None]] = []
        for months in self.warm_months:
            if targets is not None:
                out.append((forecast, months, targets))
            out.append((self._warm_spec(), months, None))
        return out

    def _warm_baselines(self, windows: list[tuple[Any, int, xr.Dataset | None]]) -> None:
        """Take the next window off ``windows`` (shared by the warm-up threads) and have the
        engine compute its baseline run, until none is left."""
        warm = getattr(self.runner, "warm_baseline", None)
        while warm is not None:
            with self._lock:
                if not windows:
                    return
                spec, months, targets = windows.pop(0)
            try:
                with self._run_lock:
                    first = warm(spec, months, targets)
                log.info("scenario baseline %s (%s) warm", first, spec.baseline_source)
            except Exception as exc:  # a warm-up must never take the service down
                self._warm_failed("scenario baseline warm-up", exc)

    def _warm_one(self) -> None:
        if self.runner is None:
            return
        try:
            spec = self._warm_spec(draws=1, compare_baseline=False)
            with self._run_lock:
                self.runner(spec)
        except Exception as exc:  # a warm-up must never take the service down
            self._warm_failed("scenario engine warm-up", exc)

    def _warm_failed(self, step: str, exc: Exception) -> None:
        with self._lock:
            self.warm_failures += 1
        log.warning("%s failed: %s", step, exc, exc_info=exc)

    def close(self) -> None:
        """Cancel queued runs and release the runner's resources (its worker processes)."""
        self.queue.close()
        close = getattr(self.runner, "close", None)
        if callable(close):
            close()

    def get(self, run_id: str) -> ScenarioRun:
        """A stored run; an unknown or expired id is a 404 (run the spec again)."""
        with self._lock:
            run = self._results.get(run_id)
        if run is None:
            raise NotFoundError(
                f"no scenario result {run_id!r} (unknown, or expired: results are kept for "
                f"the newest {self.keep} runs; post the spec again)"
            )
        return run
