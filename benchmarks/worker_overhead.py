"""Where a release build's CPU goes per process: the steps' own work against everything around it.

    python benchmarks/worker_overhead.py --workers 2 [--scope national] [--products a,b]
        [--out FILE.json] [--keep DIR]

Builds a release through the flow (:func:`flows.release.run_release`, an owned Prefect
server, ``alerts=False``) and records the user+system CPU seconds of every process of the
build (this one, the Prefect server, each Dask worker) and, inside each process, of

* ``step``: the bodies of the flow's tasks (``forecasting.release.run_step`` / ``run_unit`` /
  ``run_combine``), and within them
* ``load``: reading the input products from the work area, ``cubes``: reading the staged input
  cubes (``cubes_for``; first read per process), ``save``: writing the result,
  ``rates``: the per-process shared rates of the demography, labour and training steps;

on Dask workers also ``executing``: the whole Dask task (Prefect's task engine around the
step included) and ``startup``: the worker process before its first task. CPU is taken as
deltas of the process's CPU time (every thread: numba's included), so ``step`` of a
1-worker (thread) build also counts whatever the flow's other threads did meanwhile.

With 2 or more workers it starts the same local Dask cluster as
:func:`flows.release.make_task_runner` (:func:`flows.release.local_cluster`: worker count,
one thread each, the same worker environment) and hands its address to ``run_release``, so
it can install the recorder on the workers (a Dask ``WorkerPlugin``). Wall seconds mean
little on a shared machine; compare CPU seconds.

It also prints the build's timeline: each task's start and end (wall seconds from the
flow's start) and process, per product on each worker, and each worker's idle stretches,
which show the chain of dependent tasks that bounds the wall time (the JSON's ``timeline``).
``--keep DIR`` keeps the published datasets, to compare two builds' numbers with
``benchmarks/check_release_identity.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECTIONS = ("step", "load", "cubes", "save", "rates")
#: Sections whose every call is a task of the timeline (``--timeline``): the step bodies and
#: the serial ends (assembling the inputs at ingest, publishing).
TIMED = ("step", "ingest", "publish")


def _cpu() -> float:
    t = psutil.Process().cpu_times()
    return float(t.user + t.system)


class Recorder:
    """CPU seconds per section in this process (nested sections each count their own)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cpu: dict[str, float] = defaultdict(float)
        self.thread: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.tasks: list[dict[str, Any]] = []
        self.started = _cpu()

    def wrap(self, section: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            c0, w0, t0 = _cpu(), time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                cpu, wall = _cpu() - c0, time.perf_counter() - w0
                thread = time.thread_time() - t0
                with self.lock:
                    self.cpu[section] += cpu
                    self.thread[section] += thread
                    self.calls[section] += 1
                    if section in TIMED:
                        self.tasks.append(
                            {
                                "task": _task_name(section, fn, args),
                                "cpu_s": round(cpu, 3),
                                "thread_cpu_s": round(thread, 3),
                                "wall_s": round(wall, 3),
                                "end": time.time(),
                                "pid": os.getpid(),
                                "priority": _dask_priority(),
                            }
                        )

        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        return timed

    def figures(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "process_cpu_s": round(_cpu(), 2),
            "cpu_at_start_s": round(self.started, 2),
            "sections_cpu_s": {k: round(v, 2) for k, v in self.cpu.items()},
            "sections_thread_cpu_s": {k: round(v, 2) for k, v in self.thread.items()},
            "calls": dict(self.calls),
            "tasks": self.tasks,
        }


def _task_name(section: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> str:
    """``product``, ``product[unit]``, ``product:combine``, or ``section:function`` (the
    serial ends: ``ingest:assemble``, ``ingest:stage_inputs``, ``publish:publish_release``)."""
    if section != "step":
        return f"{section}:{getattr(fn, '__name__', '?')}"
    product = args[1].name if len(args) > 1 else "?"
    if len(args) > 2 and isinstance(args[2], str):
        return f"{product}[{args[2]}]"
    if len(args) > 3:  # run_combine(ctx, product, parts, inputs)
        return f"{product}:combine"
    return str(product)


def _dask_priority() -> list[float] | None:
    """The Dask priority of the task running in this thread (on a worker), else None."""
    try:
        from distributed import get_worker
        from distributed.worker import thread_state

        ts = get_worker().state.tasks.get(thread_state.key)
    except (ValueError, AttributeError):
        return None
    return None if ts is None or ts.priority is None else [float(x) for x in ts.priority]


RECORDER: Recorder | None = None


def install(pieces: bool = True) -> Recorder:
    """Wrap the release's serial ends (ingest, publish), step bodies and (``pieces``) their
    pieces in this process (once).

    The flow's process of a Dask build runs no step: it wraps nothing of the products
    module, whose per-area closures are pickled to the workers by value with the globals
    they read."""
    global RECORDER
    if RECORDER is not None:
        return RECORDER
    import forecasting.release as release
    from forecasting.io import release_work
    from forecasting.release import products, steps

    rec = Recorder()
    RECORDER = rec
    from forecasting.io import inputs

    # the serial ends, which the flow calls in its own process: its ingest task imports
    # ``assemble`` when it runs; publish calls ``forecasting.release.publish_release``
    inputs.assemble = rec.wrap("ingest", inputs.assemble)
    release.stage_inputs = rec.wrap("ingest", release.stage_inputs)
    release.publish_release = rec.wrap("publish", release.publish_release)
    if not pieces:
        return rec
    for name in ("run_step", "run_unit", "run_combine"):
        setattr(release, name, rec.wrap("step", getattr(steps, name)))
    steps._load_all = rec.wrap("load", steps._load_all)
    steps.cubes_for = rec.wrap("cubes", steps.cubes_for)
    release_work.WorkArea.save = rec.wrap("save", release_work.WorkArea.save)  # type: ignore[method-assign]
    for name in ("_training_rates", "_demography_rates", "_labour_rates"):
        setattr(products, name, rec.wrap("rates", getattr(products, name)))
    return rec


from distributed.diagnostics.plugin import WorkerPlugin  # noqa: E402


class WorkerRecorder(WorkerPlugin):
    """A Dask worker plugin: :func:`install` in the worker, plus CPU per executing task."""

    name = "release-cpu-recorder"

    def setup(self, worker: Any) -> None:
        self.rec = install()
        self.startup = _cpu()
        self.open: dict[str, float] = {}
        self.executing = 0.0
        self.first: float | None = None

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish == "executing":
            self.open[str(key)] = _cpu()
            if self.first is None:
                self.first = _cpu()
        elif start == "executing" and str(key) in self.open:
            self.executing += _cpu() - self.open.pop(str(key))


def _worker_figures(dask_worker: Any) -> dict[str, Any]:
    plugin = dask_worker.plugins["release-cpu-recorder"]
    out = plugin.rec.figures()
    out["startup_cpu_s"] = round(plugin.startup, 2)
    out["executing_cpu_s"] = round(plugin.executing, 2)
    out["cpu_before_first_task_s"] = round(plugin.first or 0.0, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scope", default="national")
    parser.add_argument("--products", help="comma-separated (their needs are added)")
    parser.add_argument("--out", help="write the figures as JSON here")
    parser.add_argument(
        "--keep",
        help="copy the published datasets (*.nc) here, for benchmarks/check_release_identity.py",
    )
    args = parser.parse_args()

    from flows.prefect_api import prefect_api
    from flows.release import local_cluster, run_release, worker_env

    products = args.products.split(",") if args.products else None
    load0 = os.getloadavg()
    wall0 = time.perf_counter()
    workers: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, prefect_api():
        common: dict[str, Any] = dict(
            scope=args.scope, area="TA23", seed=20250101, products=products,
            store_root=f"{tmp}/store", work_dir=f"{tmp}/work", alerts=False,
        )  # fmt: skip
        if args.workers == 1:
            main_rec = install()
            flow_start = time.time()
            info = run_release(workers=1, **common)
            flow_end = time.time()
        else:
            from distributed import Client

            with (
                local_cluster(
                    n_workers=args.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    env=worker_env(args.workers),
                ) as cluster,
                Client(cluster) as client,
            ):
                # before the main process's recorder exists: cloudpickle ships this
                # script's functions by value, with the globals they read
                client.register_plugin(WorkerRecorder())
                main_rec = install(pieces=False)
                flow_start = time.time()
                info = run_release(
                    workers=args.workers, dask_address=cluster.scheduler_address, **common
                )
                flow_end = time.time()
                workers = list(client.run(_worker_figures).values())
        wall = time.perf_counter() - wall0
        if args.keep:
            keep = Path(args.keep)
            keep.mkdir(parents=True, exist_ok=True)
            for path in sorted(info.path.glob("*.nc")):
                shutil.copy2(path, keep / path.name)
        me = psutil.Process()
        others = {
            " ".join(p.cmdline()[:3])[:80]: round(p.cpu_times().user + p.cpu_times().system, 1)
            for p in me.children(recursive=True)
            if p.is_running()
        }
    figures = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "scope": args.scope,
        "workers": args.workers,
        "products": args.products or "all",
        "load_average_start": [round(x, 1) for x in load0],
        "load_average_end": [round(x, 1) for x in os.getloadavg()],
        "wall_s": round(wall, 1),
        "main": main_rec.figures(),
        "children_at_end": others,
        "dask_workers": workers,
    }
    figures["timeline"] = timeline(figures, flow_start, flow_end)
    print(summary(figures), flush=True)
    print(timeline_summary(figures["timeline"]), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


def timeline(figures: dict[str, Any], flow_start: float, flow_end: float) -> dict[str, Any]:
    """Every recorded task with its process (``flow`` or ``worker i``) and its start and end
    in wall seconds from the flow's start, in order of start."""
    procs = [("flow", figures["main"])] + [
        (f"worker {i}", w) for i, w in enumerate(figures["dask_workers"])
    ]
    rows = [
        {
            "task": t["task"],
            "worker": label,
            "start": round(t["end"] - t["wall_s"] - flow_start, 2),
            "end": round(t["end"] - flow_start, 2),
            "cpu_s": t["cpu_s"],
            "priority": t.get("priority"),
        }
        for label, p in procs
        for t in p["tasks"]
    ]
    rows.sort(key=lambda r: (r["start"], r["worker"]))
    return {"flow_s": round(flow_end - flow_start, 2), "tasks": rows}


def product_of(task: str) -> str:
    """The product (or serial end) a timeline task belongs to."""
    return task.split("[", 1)[0].split(":", 1)[0]


def timeline_summary(line: dict[str, Any]) -> str:
    """Markdown: per product its tasks and their span on each process, then each process's
    busy time and its idle stretches (> 2 s) within the flow."""
    rows = line["tasks"]
    by_product: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_product[product_of(r["task"])].append(r)
    workers = sorted({r["worker"] for r in rows})
    out = [
        "| product | tasks | CPU s | largest task s | "
        + " | ".join(f"{w} start-end s" for w in workers)
        + " |",
        "|---|---|---|---|" + "---|" * len(workers),
    ]
    for product, tasks in sorted(by_product.items(), key=lambda kv: kv[1][0]["start"]):
        spans = []
        for w in workers:
            mine = [t for t in tasks if t["worker"] == w]
            spans.append(
                f"{min(t['start'] for t in mine):.1f}-{max(t['end'] for t in mine):.1f} "
                f"({len(mine)})"
                if mine
                else "-"
            )
        largest = max(t["end"] - t["start"] for t in tasks)
        cpu = sum(t["cpu_s"] for t in tasks)
        out.append(
            f"| {product} | {len(tasks)} | {cpu:.1f} | {largest:.1f} | " + " | ".join(spans) + " |"
        )
    out.append(f"\nflow {line['flow_s']} s (start -> end of the flow call)")
    for w in workers:
        mine = sorted((t for t in rows if t["worker"] == w), key=lambda t: t["start"])
        busy = sum(t["end"] - t["start"] for t in mine)
        gaps, cursor = [], 0.0
        for t in mine:
            if t["start"] - cursor > 2.0:
                gaps.append(f"{cursor:.0f}-{t['start']:.0f}")
            cursor = max(cursor, t["end"])
        if line["flow_s"] - cursor > 2.0:
            gaps.append(f"{cursor:.0f}-{line['flow_s']:.0f}")
        out.append(f"- {w}: busy {busy:.1f} s in {len(mine)} tasks; idle > 2 s: {', '.join(gaps)}")
    return "\n".join(out)


def summary(figures: dict[str, Any]) -> str:
    """Markdown rows: each process's CPU and its sections."""
    lines = [
        "| process | CPU s | before first task | executing | steps | loads | cubes | saves "
        "| rates | tasks |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    procs = [("main (flow)", figures["main"])] + [
        (f"worker {i}", w) for i, w in enumerate(figures["dask_workers"])
    ]
    for label, p in procs:
        s = p["sections_cpu_s"]
        lines.append(
            f"| {label} | {p['process_cpu_s']} | {p.get('cpu_before_first_task_s', '-')} "
            f"| {p.get('executing_cpu_s', '-')} | "
            + " | ".join(str(s.get(k, 0.0)) for k in SECTIONS)
            + f" | {len(p['tasks'])} |"
        )
    for cmd, cpu in figures["children_at_end"].items():
        lines.append(f"| child `{cmd}` | {cpu} | | | | | | | | |")
    lines.append(
        f"\nwall {figures['wall_s']} s, load {figures['load_average_start']} -> "
        f"{figures['load_average_end']}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
