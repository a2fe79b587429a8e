"""CPU seconds per stage of ``POST /v1/scenarios/runs`` as the service answers it.

Usage::

    python benchmarks/profile_scenario_request.py [--runs 6] [--processes 1] [--seed 3] [--code DIR]
        [--store DIR]

The service (``service.app.create_app``, its lifespan and warm-up included) runs in this
process behind Starlette's ``TestClient``; the scenario engine runs in its worker process
(``--processes``, as ``service.scenario_processes``; 0: a thread of this process). After the
warm-up, ``runs`` new random one-event 1,000-draw, 60-month specs of the load benchmark
(``benchmarks/load_service.py``, the seed left to the service) are posted one after the
other, each first once to warm the caches and then once more with one job changed (what is
timed: a new run whose baseline run is cached, as a user trying variants meets it).

Printed per answered run (CPU seconds, ``time.thread_time`` of the thread doing the stage,
so a thread waiting for the worker costs nothing):

- main process: the whole process (service threads and the in-process HTTP client) and its
  stages: the body's validation into ``ScenarioSpec``, ``ScenarioService.run`` on the queue's
  thread (run id, baseline targets, the local training supply), receiving the worker's result
  (unpickling, on the pool's thread), provenance and the response model with its JSON;
- worker process: its CPU (``/proc``), and the pickling of the result it sends back; the
  worker's own stages (kernel, outputs, training need) are what
  ``benchmarks/profile_scenario_run.py`` breaks down.

CPU seconds are the figure to compare on a shared machine; wall seconds depend on the load.
``--code DIR``: profile the code of another checkout (e.g. the main one, for a before/after
figure with the same script).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import sys
import tempfile
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

import service.routers.scenarios as routes  # noqa: E402
import service.scenarios as svc  # noqa: E402
from forecasting.provenance import code_version  # noqa: E402
from forecasting.scenarios.spec import ScenarioSpec  # noqa: E402
from forecasting.settings import get_settings  # noqa: E402
from service.app import create_app  # noqa: E402
from service.security import hash_key  # noqa: E402

ACC: dict[str, list[float]] = {}


def _add(label: str, cpu: float) -> None:
    ACC.setdefault(label, []).append(cpu)


def _wrap(owner: Any, name: str, label: str) -> None:
    static = isinstance(vars(owner).get(name), staticmethod)
    f: Callable[..., Any] = getattr(owner, name)

    def timed(*a: Any, **k: Any) -> Any:
        c = time.thread_time()
        try:
            return f(*a, **k)
        finally:
            _add(label, time.thread_time() - c)

    setattr(owner, name, staticmethod(timed) if static else timed)


def _children_cpu() -> float:
    """User + system CPU seconds of this process's live child processes (Linux ``/proc``)."""
    pid = os.getpid()
    total = 0.0
    for one in map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split()):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--code", default=str(ROOT), help="checkout whose code is profiled")
    parser.add_argument("--store", help="release store (default: as the load benchmark)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="profile_request_") as folder:
        return _profile(args, Path(folder))


def _profile(args: argparse.Namespace, tmp: Path) -> int:
    import load_service  # after the code's own modules (it puts this checkout on the path)

    store, release = load_service._store(args.store, tmp)
    key = "profile-key"

    os.environ.update(
        {
            "ENNAKOINTI_RELEASE__STORE_DIR": str(store),
            "ENNAKOINTI_ALERTS__DATABASE_URL": f"sqlite:///{tmp / 'alerts.sqlite'}",
            "ENNAKOINTI_SERVICE__RATE_LIMIT_PER_MINUTE": "100000000",
            "ENNAKOINTI_SERVICE__API_KEYS": json.dumps([f"bench:{hash_key(key)}:scenarios:run"]),
            "ENNAKOINTI_SERVICE__SCENARIO_BASELINE_DIR": str(tmp / "scenario_baselines"),
            "ENNAKOINTI_SERVICE__SCENARIO_PROCESSES": str(args.processes),
            "ENNAKOINTI_SERVICE__SCENARIO_NICE": "0",
        }
    )
    from fastapi.testclient import TestClient

    get_settings.cache_clear()
    for owner, name, label in [
        (svc.ScenarioService, "run", "ScenarioService.run (queue thread)"),
        (svc.ScenarioService, "run_id", "  run id (spec JSON, sha256)"),
        (svc, "subtract_local_supply", "  local training supply"),
        (routes, "_run_provenance", "provenance of the run"),
        (routes, "ScenarioRunOut", "response model"),
    ]:
        _wrap(owner, name, label)
    app = create_app(get_settings())
    rng = random.Random(args.seed)
    specs = [load_service.scenario_spec(rng, 1000, None) for _ in range(args.runs)]
    variants = [load_service.spec_variant(spec) for spec in specs]
    headers = {"X-API-Key": key}
    with TestClient(app) as client:
        while not client.get("/healthz").json().get("scenarios_ready", True):
            time.sleep(0.2)
        for spec in specs:
            assert client.post("/v1/scenarios/runs", json=spec, headers=headers).status_code == 201
        ACC.clear()
        wall, cpu, child = time.perf_counter(), time.process_time(), _children_cpu()
        bodies = []
        for variant in variants:
            r = client.post("/v1/scenarios/runs", json=variant, headers=headers)
            assert r.status_code == 201, r.text
            bodies.append(r.content)
        n = len(specs)
        wall = (time.perf_counter() - wall) / n
        cpu = (time.process_time() - cpu) / n
        child = (_children_cpu() - child) / n
        # Stages timed apart (the same work as in the request): the body's validation, the
        # response's JSON, and the result's trip from the worker (pickled there, unpickled here).
        context = app.state.context
        release_id = context.releases.current_id()
        runs = [
            context.scenarios.stored(ScenarioSpec.model_validate(v), release_id) for v in variants
        ]
        for variant, run in zip(variants, runs, strict=True):
            text = json.dumps(variant).encode()
            c = time.thread_time()
            ScenarioSpec.model_validate_json(text)
            _add("request body -> ScenarioSpec", time.thread_time() - c)
            if run is not None:
                c = time.thread_time()
                blob = pickle.dumps(run.result, protocol=pickle.HIGHEST_PROTOCOL)
                _add("worker: pickling the result (IPC)", time.thread_time() - c)
                c = time.thread_time()
                pickle.loads(blob)
                _add("receiving the result (unpickling)", time.thread_time() - c)
                _add("result bytes over IPC", float(len(blob)))
    print(
        f"code {ROOT} ({code_version()}); load average {os.getloadavg()[0]:.1f}; "
        f"release: {release}; processes {args.processes}"
    )
    print(f"{'per answered run':44s} wall {wall:6.3f} s")
    print(f"{'main process CPU (service + client)':44s} cpu  {cpu:6.3f} s")
    print(f"{'worker process CPU':44s} cpu  {child:6.3f} s")
    for label, values in ACC.items():
        mean = sum(values) / n
        unit = "" if "bytes" in label else " s"
        print(f"{label:44s} {'' if unit else 'mean'} {mean:9.3f}{unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
