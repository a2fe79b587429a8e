"""Where a release build's CPU goes per process: the steps' own work against everything around it.

    python benchmarks/worker_overhead.py --workers 2 [--scope national] [--products a,b]
        [--out FILE.json]

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
"""

from __future__ import annotations

import argparse
import json
import os
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
                    if section == "step":
                        product = args[1].name if len(args) > 1 else "?"
                        unit = args[2] if len(args) > 2 and isinstance(args[2], str) else None
                        self.tasks.append(
                            {
                                "task": product + (f"[{unit}]" if unit else ""),
                                "cpu_s": round(cpu, 3),
                                "thread_cpu_s": round(thread, 3),
                                "wall_s": round(wall, 3),
                                "end": time.time(),
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


RECORDER: Recorder | None = None


def install(pieces: bool = True) -> Recorder:
    """Wrap the release's step bodies and (``pieces``) their pieces in this process (once).

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
            run_release(workers=1, **common)
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
                run_release(workers=args.workers, dask_address=cluster.scheduler_address, **common)
                workers = list(client.run(_worker_figures).values())
        wall = time.perf_counter() - wall0
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
    print(summary(figures), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


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
