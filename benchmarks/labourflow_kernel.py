"""CPU seconds of the labour-flow kernel on a real scenario run, in total and per month step.

Usage::

    python benchmarks/labourflow_kernel.py [--draws 1000] [--repeat 3] [--steps 200]
                                           [--compare /path/to/other/checkout]
                                           [--threads 1,2 [--concurrent 2]]
                                           [--save FILE | --inputs FILE]

Builds the inputs of ``models.labourflow.simulate`` as the scenario engine does for a
1,000-draw, 60-month run in TA23 (a closure of 150 manufacturing jobs in Mikkeli, so the
displaced cohort's cells are active), prints their shapes, then:

- **kernel**: CPU seconds (``time.process_time``, every thread of the process) of
  ``models.labourflow.simulate`` on those inputs, the best of ``--repeat`` calls after a
  warm-up. With ``--compare DIR`` the same inputs (pickled) are timed again in a
  subprocess that imports ``models`` from the checkout ``DIR`` (e.g. a clean checkout of main), so
  both figures come from one command under the same load.
- **threads** (``--threads 1,2``): the same kernel timing in subprocesses of this checkout
  with ``NUMBA_NUM_THREADS`` set to each value; with ``--concurrent K``, K such processes
  run at once (two clients on two cores), each printing its CPU and wall seconds. More
  CPU seconds with more threads would be the threading layer's overhead (barriers,
  spinning, shared state), which the per-draw work does not have.
- **steps** (``--steps N``, 0 to skip): the state before every month of ``N`` draws is
  recorded by a serial run of this checkout's step functions, then replayed with the
  month's first ``k`` steps for ``k = 0..9``; the difference of successive replays is the
  CPU time of step ``k``, printed per month of one draw and per cell (ns).

``--save FILE`` pickles the captured inputs and ``--inputs FILE`` reuses them (skips the
engine's calibration, about a minute).

CPU seconds are the figure to compare on a shared machine; wall seconds depend on the load.
"""

# ruff: noqa: E741
from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

SPEC: dict[str, Any] = {
    "name": "kernel benchmark",
    "area": "TA23",
    "horizon_months": 60,
    "compare_baseline": False,
    "events": [
        {"kind": "closure", "municipality": "491", "industry": "C", "jobs": 150,
         "start": "2024-01", "phase_in_months": 1},
    ],
}  # fmt: skip


def capture_inputs(draws: int) -> tuple[Any, ...]:
    """``(params, path, init, events, draws, seed)`` of the engine's kernel call for SPEC."""
    import models.labourflow as lf
    from service.scenarios import EngineRunner, scenario_inputs

    captured: list[tuple[Any, ...]] = []
    original = lf.simulate

    def capture(params: Any, path: Any, init: Any, events: Any = None, **kw: Any) -> Any:
        captured.append((params, path, init, events, kw["draws"], kw["seed"]))
        return original(params, path, init, events, draws=1, seed=kw["seed"])

    lf.simulate = capture
    try:
        EngineRunner(scenario_inputs())({**SPEC, "draws": draws})
    finally:
        lf.simulate = original
    return captured[-1]


def time_kernel(inputs: tuple[Any, ...], repeat: int) -> tuple[float, float]:
    """Best CPU and wall seconds of ``models.labourflow.simulate`` on ``inputs``."""
    import models.labourflow as lf

    params, path, init, events, draws, seed = inputs
    lf.simulate(params, path, init, events, draws=2, seed=seed)  # compile / load the cache
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        lf.simulate(params, path, init, events, draws=draws, seed=seed)
        best = min(best, (time.process_time() - c, time.perf_counter() - w))
    return best


def _child(pickled: str, repeat: int) -> int:
    with open(pickled, "rb") as fh:
        inputs = pickle.load(fh)
    cpu, wall = time_kernel(inputs, repeat)
    print(f"{cpu} {wall}")
    return 0


def time_threads(
    pickled: str, repeat: int, threads: int, concurrent: int, draws: int, months: int
) -> None:
    """Time the kernel of this checkout in ``concurrent`` processes at once, each with
    ``NUMBA_NUM_THREADS=threads``, and print every process's CPU and wall seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_NUM_THREADS": str(threads)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", pickled,
           "--repeat", str(repeat)]  # fmt: skip
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(concurrent)
    ]
    for k, proc in enumerate(procs):
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"kernel timing failed ({threads} threads)")
        cpu, wall = (float(x) for x in out.split()[-2:])
        print(f"kernel {draws} draws x {months} months, {threads} thread(s), process "
              f"{k + 1} of {concurrent}: cpu {cpu:.3f} s, wall {wall:.3f} s")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=200, help="draws replayed per step")
    parser.add_argument("--compare", type=Path, default=None, help="another checkout")
    parser.add_argument("--threads", default="", help="e.g. 1,2: NUMBA_NUM_THREADS to time")
    parser.add_argument("--concurrent", type=int, default=1, help="processes at once")
    parser.add_argument(
        "--inputs",
        type=Path,
        default=None,
        help="pickled kernel inputs to reuse (written by --save)",
    )
    parser.add_argument("--save", type=Path, default=None, help="pickle the kernel inputs here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.repeat)
    sys.path.insert(0, str(ROOT))
    import numba

    if args.inputs is not None:
        with open(args.inputs, "rb") as fh:
            inputs = pickle.load(fh)
    else:
        inputs = capture_inputs(args.draws)
    if args.save is not None:
        with open(args.save, "wb") as fh:
            pickle.dump(inputs, fh)
    params, path, init, events, draws, _seed = inputs
    R, I = init.E.shape
    print(f"load average {os.getloadavg()[0]:.1f}; numba threads {numba.get_num_threads()}")
    print(f"shapes: R={R} municipalities, I={I} industries, NG={params.spread.shape[0]} "
          f"sector groups, D=4 bands, G=2 groups, T={path.months} months, B={draws} draws, "
          f"{events.t.size} events; people {init.people}")  # fmt: skip
    runs = [("this checkout", ROOT)]
    if args.compare is not None:
        runs.append((str(args.compare), args.compare.resolve()))
    with tempfile.TemporaryDirectory() as tmp:
        pickled = os.path.join(tmp, "inputs.pickle")
        with open(pickled, "wb") as fh:
            pickle.dump(inputs, fh)
        for label, root in runs:
            env = {**os.environ, "PYTHONPATH": str(root)}
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child", pickled,
                 "--repeat", str(args.repeat)],
                cwd=root, env=env, check=True, capture_output=True, text=True,
            ).stdout.split()  # fmt: skip
            cpu, wall = float(out[-2]), float(out[-1])
            print(f"kernel {draws} draws x {path.months} months ({label}): "
                  f"cpu {cpu:.3f} s, wall {wall:.3f} s")  # fmt: skip
        for n in [int(x) for x in args.threads.split(",") if x.strip()]:
            time_threads(pickled, args.repeat, n, args.concurrent, draws, path.months)
    if args.steps > 0:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from labourflow_steps import step_costs

        step_costs(inputs, args.steps, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
