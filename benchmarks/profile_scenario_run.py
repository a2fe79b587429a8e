"""CPU and wall time per stage of a 1,000-draw, 60-month scenario run, as the service runs it.

Usage::

    python benchmarks/profile_scenario_run.py [--runs 4] [--seed 3] [--repeat 3] [--code DIR]

The service's :class:`service.scenarios.EngineRunner` (what each worker process holds) on the
assembled scenario cubes: a warm-up, then ``runs`` random one-event specs of the load
benchmark (``benchmarks/load_service.py``: the seed left to the service, so runs with the
same start share the cached baseline run), each once to warm the caches and once more with
one job changed (a new run, the baseline run cached, as a user trying variants meets it).
Prints, per run, wall and CPU seconds (CPU over every thread of the process) of: the kernel
(``models.labourflow.simulate``), building the baseline, compiling events, assembling the
outputs (with its parts: labour market, versus baseline, staffing, displaced by age, the
quantile kernels) and the training-need step (``annotate``). CPU seconds are the figure to
compare on a shared machine; wall seconds depend on the load. ``--repeat``: the timed
variants run that many times and the repeat of least CPU is printed (the load of a shared
machine only ever adds). ``--code DIR``: profile the code of another checkout (e.g. the
main one, for a before/after figure with the same script).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if "--code" in sys.argv[:-1]:  # before the imports below: they load that checkout's code
    ROOT = Path(sys.argv[sys.argv.index("--code") + 1]).resolve()
    os.chdir(ROOT)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import forecasting.scenarios.outputs as out_mod  # noqa: E402
import forecasting.scenarios.run as run_mod  # noqa: E402
import forecasting.training_scenario as ts  # noqa: E402
import models.labourflow as lf  # noqa: E402
from forecasting.provenance import code_version  # noqa: E402
from forecasting.scenarios import cache  # noqa: E402
from service.scenarios import EngineRunner, idle_threads_sleep, scenario_inputs  # noqa: E402

ACC: dict[str, tuple[float, float]] = {}


def _wrap(mod: Any, name: str, label: str) -> None:
    f: Callable[..., Any] = getattr(mod, name)

    def timed(*a: Any, **k: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return f(*a, **k)
        finally:
            w0, c0 = ACC.get(label, (0.0, 0.0))
            ACC[label] = (w0 + time.perf_counter() - w, c0 + time.process_time() - c)

    setattr(mod, name, timed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--code", default=str(ROOT), help="checkout whose code is profiled")
    args = parser.parse_args(argv)
    import load_service  # after the code's own modules (it puts this checkout on the path)

    idle_threads_sleep()  # as the service's worker process does

    for mod, name, label in [
        (lf, "simulate", "kernel (models.labourflow.simulate)"),
        (cache, "built_baseline", "build_baseline (cached per window)"),
        (run_mod, "compile_events", "compile_events"),
        (out_mod, "assemble", "outputs.assemble"),
        (out_mod, "_labour_market", "  _labour_market"),
        (out_mod, "_versus_baseline", "  _versus_baseline"),
        (out_mod, "_staffing", "  _staffing"),
        (out_mod, "_displaced_by_age", "  _displaced_by_age"),
        (lf, "quantiles", "  quantile kernels (within the above)"),
        (ts, "annotate", "training_scenario.annotate"),
    ]:
        _wrap(mod, name, label)
    runner = EngineRunner(scenario_inputs())
    runner({"name": "warm", "area": "TA23", "horizon_months": 60, "draws": 1,
            "compare_baseline": False})  # fmt: skip
    rng = random.Random(args.seed)
    specs = [load_service.scenario_spec(rng, 1000, None) for _ in range(args.runs)]
    for spec in specs:
        runner(spec)
    n = len(specs)
    best: dict[str, tuple[float, float]] = {}
    for _ in range(max(1, args.repeat)):
        ACC.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        for spec in specs:
            runner(load_service.spec_variant(spec))
        ACC["per run"] = (time.perf_counter() - wall, time.process_time() - cpu)
        if not best or ACC["per run"][1] < best["per run"][1]:
            best = dict(ACC)  # the repeat of least CPU, every stage of that same repeat
    per_run = best.pop("per run")
    top = sum(c for label, (_, c) in best.items() if not label.startswith(" "))
    print(
        f"code {ROOT} ({code_version()}); load average {os.getloadavg()[0]:.1f}; "
        f"baseline cache {cache.info()}; least CPU of {args.repeat} repeat(s)"
    )
    print(f"{'per run':40s} wall {per_run[0] / n:6.3f} s  cpu {per_run[1] / n:6.3f} s")
    for label, (w, c) in best.items():
        print(f"{label:40s} wall {w / n:6.3f} s  cpu {c / n:6.3f} s")
    rest = "rest (spec, calibration key, stamp, ...)"
    print(f"{rest:40s} {'':13s} cpu {(per_run[1] - top) / n:6.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
