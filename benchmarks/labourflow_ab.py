"""A/B CPU time of the jobseekers' step of the labour-flow kernel on recorded states.

Usage::

    python benchmarks/labourflow_ab.py [--draws 100] [--repeat 7] [VARIANT.py ...]

Records the state before every month of ``--draws`` draws of the TA23 kernel benchmark
(inputs as ``benchmarks/labourflow_kernel.py`` builds them, or ``--inputs FILE`` written by
its ``--save``), computes each month's matching rates once, then times
``unemployed_flows`` of this checkout and of every VARIANT file (a modified copy of
``models/_kernels/labourflow_jobseekers.py`` defining ``unemployed_flows`` with the same
signature) on the same recorded months, alternating the candidates ``--repeat`` times.
Prints the minimum and median CPU nanoseconds per month of one draw, net of copying the
state in. A step-level A/B test of this kind resolves differences of a few per cent on a
busy machine, where the whole-kernel figure moves by more than that between runs.
"""

# Shape letters (R, I, D, ...) follow the docstrings.
# ruff: noqa: E741
from __future__ import annotations

import argparse
import pickle
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import labourflow_steps as steps  # noqa: E402

from models._kernels import labourflow_jobseekers as js  # noqa: E402
from models._kernels.labourflow_matching import matching_rates, matching_vacancies  # noqa: E402


def load_variant(path: Path) -> Callable[..., int]:
    """``unemployed_flows`` of a variant file, compiled without numba's on-disk cache (a
    module made from a file outside the package cannot be cached)."""
    src = path.read_text().replace(
        "from models._jit import jit", "from numba import njit as jit"
    )  # fmt: skip
    mod = types.ModuleType(f"variant_{path.stem}")
    mod.__file__ = str(path)
    exec(compile(src, str(path), "exec"), mod.__dict__)
    return mod.__dict__["unemployed_flows"]


def record(inputs: tuple[Any, ...], nb: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The saved pre-month states and the step arguments of ``nb`` draws (the tracing run of
    :func:`labourflow_steps._months`)."""
    captured: dict[str, Any] = {}
    original = steps._months

    def spy(replay: bool, upto: int, n: int, *rest: Any) -> None:
        captured["saved"], captured["args"] = rest[:9], rest[9:]
        raise StopIteration

    steps._months = spy  # type: ignore[assignment]
    try:
        steps.step_costs(inputs, nb, 1)
    except StopIteration:
        pass
    finally:
        steps._months = original
    original(False, 9, nb, *captured["saved"], *captured["args"])
    return captured["saved"], captured["args"]


@numba.njit
def _rates(
    sU: Any, sVev: Any, scoh: Any, vac_ref: Any, eff: Any, commute: Any, own: Any, grp: Any,
    spread: Any, match_A: Any, alpha: float, cap: float, hmax: float, theta_out: Any,
) -> tuple[Any, Any]:  # fmt: skip
    """``ysum`` (nb, T, R, I) and ``yg`` (nb, T, R, NG) of every recorded month."""
    nb, T = sU.shape[0], sU.shape[1]
    R, I = sU.shape[3], sU.shape[4]
    NG = spread.shape[0]
    log_ref = np.log(np.maximum(vac_ref, 1e-300))
    ys = np.zeros((nb, T, R, I))
    ygs = np.zeros((nb, T, R, NG))
    wj = np.zeros((R, I))
    theta = np.zeros((R, I))
    fill = np.zeros((R, I))
    hz = np.zeros((R, I))
    Vm = np.zeros((R, I))
    logVm = np.zeros((R, I))
    for b in range(nb):
        for t in range(T):
            matching_vacancies(t, vac_ref, log_ref, sVev[b, t], Vm, logVm)
            U = sU[b, t]
            Ua = U if scoh[b, t, 0] > 0 else U[:1]
            matching_rates(
                Ua, Vm, logVm, eff, commute, own, grp, spread, match_A, alpha, cap, hmax,
                theta_out, wj, theta, fill, ys[b, t], ygs[b, t], hz,
            )  # fmt: skip
    return ys, ygs


def replayer(fn: Callable[..., int] | None) -> Callable[..., int]:
    """A compiled loop applying ``fn`` (None: only copying the state) to every month."""
    apply = fn is not None
    step = fn if fn is not None else js.unemployed_flows

    @numba.njit
    def run(
        sU: Any, sE: Any, scoh: Any, srng: Any, ys: Any, ygs: Any, own: Any, grp: Any,
        eff: Any, hmax: float, exit_u: Any, age_p: Any, NG: int,
    ) -> int:  # fmt: skip
        nb, T = sU.shape[0], sU.shape[1]
        R, I = sE.shape[2], sE.shape[3]
        U = np.zeros(sU.shape[2:], dtype=np.int64)
        E = np.zeros((R, I), dtype=np.int64)
        rng = np.zeros(1, dtype=np.uint64)
        spreadh = np.zeros((R, NG), dtype=np.int64)
        cohort = np.zeros(3, dtype=np.int64)
        total = 0
        for b in range(nb):
            for t in range(T):
                U[:] = sU[b, t]
                E[:] = sE[b, t]
                rng[0] = srng[b, t]
                if apply:
                    Ua = U if scoh[b, t, 0] > 0 else U[:1]
                    total += step(
                        rng, t, Ua, E, own, grp, ys[b, t], ygs[b, t], eff, hmax, exit_u,
                        age_p, spreadh, cohort,
                    )  # fmt: skip
        return total

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", type=Path)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--inputs", type=Path, default=None, help="from labourflow_kernel --save")
    args = parser.parse_args(argv)
    if args.inputs is not None:
        with open(args.inputs, "rb") as fh:
            inputs = pickle.load(fh)
    else:
        from labourflow_kernel import capture_inputs

        inputs = capture_inputs(1000)
    saved, a = record(inputs, args.draws)
    sE, sU, _sV, sVev, _sL, scoh, _sflows, srng, _sk = saved
    (_seeds, _E0, _U0, _V0, exit_u, _ent_u, _ent_e, _vac_new, vac_ref, age_p, eff, commute,
     own, grp, spread, match_A, alpha, cap, hmax, theta_out) = a[:20]  # fmt: skip
    ys, ygs = _rates(
        sU, sVev, scoh, vac_ref, eff, commute, own, grp, spread, match_A, alpha, cap, hmax,
        theta_out,
    )  # fmt: skip
    cands: dict[str, Callable[..., int]] = {
        "(copy only)": replayer(None),
        "this checkout": replayer(js.unemployed_flows),
    }
    for path in args.variants:
        cands[path.name] = replayer(load_variant(path))
    run_args = (sU, sE, scoh, srng, ys, ygs, own, grp, eff, hmax, exit_u, age_p, spread.shape[0])
    for fn in cands.values():
        fn(*run_args)  # compile
    cpu: dict[str, list[float]] = {k: [] for k in cands}
    for _ in range(args.repeat):
        for name, fn in cands.items():
            c = time.process_time()
            fn(*run_args)
            cpu[name].append(time.process_time() - c)
    months = args.draws * sU.shape[1]
    base_min = min(cpu["(copy only)"])
    base_med = float(np.median(cpu["(copy only)"]))
    print(f"unemployed_flows, {args.draws} draws x {sU.shape[1]} months, {args.repeat} rounds; "
          f"CPU ns per month of one draw (net of the state copy)")  # fmt: skip
    for name in list(cands)[1:]:
        lo = (min(cpu[name]) - base_min) / months * 1e9
        med = (float(np.median(cpu[name])) - base_med) / months * 1e9
        print(f"{name:32s} min {lo:8.0f}  median {med:8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
