"""Fault injection: ``kill -9`` the service, its scenario worker and the release build.

``python benchmarks/fault_processes.py [--runs 20] [--seed 7]`` runs, each ``--runs`` times:

* **service**: ``python -m service`` started, SIGKILLed at a random moment (0-3 s) after its
  scenario worker is up (usually inside the worker's warm-up run);
* **worker** (the scenario worker): one service; a small scenario is posted and its worker
  processes SIGKILLed at a random moment of the run; that request must be run again on new
  workers and served (201: ``killed_run_201``) or, only if its retry dies too, refused (503,
  never another 5xx: ``other_5xx`` counts those), and the next one served (201) by a new
  worker; at the end the service gets SIGTERM;
* **build**: ``python -m flows.cli release build --product registers_history`` (a new seed
  and work area each time, so every run computes and publishes) SIGKILLed at a random moment
  between start and the time a complete build took; one store for every run.

After each kill it counts orphans: descendants of the killed process still running
``GRACE_S`` seconds later (zombies, exited but not reaped by this sandbox's init, are not
running). After each build kill it verifies the release store: the pointer reads, and every
release it lists opens with every dataset's content hash equal to its manifest's. A last
complete build must then publish. Writes ``docs/results/faults.md`` (with the command and the
machine's load; between its ``<!-- faults:start/end -->`` markers when it has them, keeping
the reading around them) and prints the same table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil

from forecasting.settings import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent
GRACE_S = 10.0
RAW_KEY = "fault-bench-key"
# Scenario worker processes of the services started here (the setting's default); a count
# above it after a kill is a leaked worker.
WORKERS = max(1, ServiceSettings.model_fields["scenario_processes"].default)


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    from service.security import hash_key

    tmp.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ENNAKOINTI_"))}
    env.update(
        ENNAKOINTI_RELEASE__STORE_DIR=str(tmp / "store"),
        ENNAKOINTI_DATA__CACHE_DIR=str(tmp / "cache"),
        ENNAKOINTI_ALERTS__DATABASE_URL=f"sqlite:///{tmp / 'alerts.sqlite'}",
        ENNAKOINTI_SERVICE__API_KEYS=json.dumps([f"bench:{hash_key(RAW_KEY)}:*"]),
        PREFECT_HOME=str(tmp / "prefect"),
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def _running(procs: list[psutil.Process]) -> list[psutil.Process]:
    alive = []
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
    return alive


def _descendants(pid: int) -> list[psutil.Process]:
    with contextlib.suppress(psutil.NoSuchProcess):
        return list(psutil.Process(pid).children(recursive=True))
    return []


def _cmdlines(procs: list[psutil.Process]) -> str:
    out = []
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            out.append(" ".join(p.cmdline()))
    return "\n".join(out)


def _wait(cond: Callable[[], bool], timeout_s: float, step_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step_s)
    return cond()


def _kill9_and_count(proc: subprocess.Popen[bytes]) -> tuple[int, float]:
    """SIGKILL ``proc``; (orphans still running after GRACE_S, seconds until none ran).

    Orphans' command lines are printed to stderr."""
    kids = _descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    started = time.monotonic()
    _wait(lambda: not _running(kids), GRACE_S)
    gone_after = time.monotonic() - started
    orphans = _running(kids)
    for p in orphans:
        print(f"orphan {p.pid}: {_cmdlines([p])[:200]}", file=sys.stderr)
    for p in orphans:  # never leave them behind
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    return len(orphans), gone_after


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_service(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "--port", str(port)],
        cwd=ROOT,
        env=_env(tmp, ENNAKOINTI_SERVICE__SCENARIO_PROCESSES=str(WORKERS)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not _wait(lambda: "spawn_main" in _cmdlines(_descendants(proc.pid)), 120, 0.2):
        proc.kill()
        raise SystemExit("the service's scenario worker did not start")
    return proc, port


def service_runs(runs: int, rng: random.Random, tmp: Path) -> dict[str, Any]:
    orphans, gone, prefect = 0, [], 0
    for i in range(runs):
        proc, _ = _start_service(tmp / f"service-{i}")
        time.sleep(rng.uniform(0.0, 3.0))
        prefect += "prefect" in _cmdlines(_descendants(proc.pid))
        n, after = _kill9_and_count(proc)
        orphans += n
        gone.append(after)
    return {
        "kills": runs,
        "orphans": orphans,
        "max_gone_s": round(max(gone), 2),
        "prefect": prefect,
    }


def _worker_pids(service_pid: int) -> list[int]:
    return [p.pid for p in _running(_descendants(service_pid)) if "spawn_main" in _cmdlines([p])]


def worker_runs(runs: int, rng: random.Random, tmp: Path) -> dict[str, Any]:
    proc, port = _start_service(tmp / "worker")
    url = f"http://127.0.0.1:{port}/v1/scenarios/runs"
    headers = {"X-API-Key": RAW_KEY}
    refused, retried, served, extra = 0, 0, 0, 0
    statuses: dict[int, int] = {}
    try:
        with httpx.Client(timeout=300) as client:
            _wait(lambda: _health(client, port), 120, 0.5)
            for i in range(runs):
                spec = {"horizon_months": 24, "draws": 200, "seed": 1000 + i}
                result: dict[str, int] = {}
                post = threading.Thread(target=_post, args=(client, url, spec, result))
                post.start()
                time.sleep(rng.uniform(0.05, 0.5))
                for pid in _worker_pids(proc.pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                post.join()
                code = result.get("code", 0)
                statuses[code] = statuses.get(code, 0) + 1
                refused += code == 503
                retried += code == 201
                again = client.post(url, json={**spec, "draws": 20}, headers=headers)
                served += again.status_code == 201
                statuses[again.status_code] = statuses.get(again.status_code, 0) + 1
                extra += max(0, len(_worker_pids(proc.pid)) - WORKERS)
        kids = _descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        _wait(lambda: not _running(kids), GRACE_S)
        orphans = len(_running(kids))
    finally:
        if proc.poll() is None:
            proc.kill()
    return {
        "kills": runs,
        "killed_run_201": retried,
        "refused_503": refused,
        "next_run_201": served,
        "other_5xx": sum(n for code, n in statuses.items() if code >= 500 and code != 503),
        "statuses": dict(sorted(statuses.items())),
        "extra_workers": extra,
        "orphans_after_sigterm": orphans,
    }


def _post(client: httpx.Client, url: str, spec: dict[str, Any], out: dict[str, int]) -> None:
    out["code"] = client.post(url, json=spec, headers={"X-API-Key": RAW_KEY}).status_code


def _health(client: httpx.Client, port: int) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return client.get(f"http://127.0.0.1:{port}/v1/health").status_code < 500
    return False


def _build(tmp: Path, store: Path, seed: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "flows.cli", "release", "build"]
    cmd += ["--product", "registers_history", "--seed", str(seed)]
    env = _env(tmp, ENNAKOINTI_RELEASE__STORE_DIR=str(store))
    with open(tmp / "build.log", "wb") as log:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def verify_store(root: Path) -> list[str]:
    """Problems of the store at ``root`` (empty when every listed release is whole)."""
    from forecasting.io.release_store import ReleaseStore
    from forecasting.provenance import content_hash

    problems: list[str] = []
    store = ReleaseStore(root)
    try:
        infos = store.list_releases()
        current = store.current()
    except Exception as exc:  # a damaged pointer or manifest is exactly what we look for
        return [f"pointer: {exc}"]
    if current is not None and current.id not in {i.id for i in infos}:
        problems.append(f"current {current.id} is not listed")
    for info in infos:
        try:
            release = store.open(info.id)
            for entry in release.manifest["datasets"]:
                if content_hash(release.dataset(entry["name"])) != entry["content_hash"]:
                    problems.append(f"{info.id}/{entry['name']}: content hash differs")
        except Exception as exc:
            problems.append(f"{info.id}: {exc}")
    return problems


def build_runs(runs: int, rng: random.Random, tmp: Path) -> dict[str, Any]:
    store = tmp / "build-store"
    started = time.monotonic()
    first = _build(tmp / "build-first", store, 1)
    if first.wait() != 0:
        log = (tmp / "build-first" / "build.log").read_text()[-3000:]
        raise SystemExit(f"the first, complete build failed:\n{log}")
    full_s = time.monotonic() - started
    orphans, bad, gone = 0, [], []
    for i in range(runs):
        proc = _build(tmp / f"build-{i}", store, 100 + i)
        time.sleep(rng.uniform(0.0, full_s))
        if proc.poll() is not None:  # finished before the kill: nothing to count
            gone.append(0.0)
            continue
        n, after = _kill9_and_count(proc)
        orphans += n
        gone.append(after)
        bad += verify_store(store)
    last = _build(tmp / "build-last", store, 99_999)
    last_ok = last.wait() == 0 and not verify_store(store)
    from forecasting.io.release_store import ReleaseStore

    return {
        "kills": runs,
        "complete_build_s": round(full_s, 1),
        "orphans": orphans,
        "max_gone_s": round(max(gone), 2),
        "corrupt": len(bad),
        "problems": bad[:5],
        "releases": len(ReleaseStore(store).list_releases()),
        "last_build_ok": last_ok,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--targets",
        nargs="+",
        choices=("service", "worker", "build"),
        default=["service", "worker", "build"],
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "results" / "faults.md"))
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    load = os.getloadavg()
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        targets = {"service": service_runs, "worker": worker_runs, "build": build_runs}
        results = {name: targets[name](args.runs, rng, Path(tmp)) for name in args.targets}
    text = _report(args, results, load, time.monotonic() - t0)
    print(text)
    _write(Path(args.out), text)
    return 0


START, END = "<!-- faults:start -->", "<!-- faults:end -->"


def _write(out: Path, text: str) -> None:
    """Write ``text`` between the markers of ``out`` (the reading around them is kept), or
    the whole file when it has none."""
    old = out.read_text() if out.exists() else ""
    if START in old and END in old:
        head, rest = old.split(START, 1)
        text = head + START + "\n" + text + END + rest.split(END, 1)[1]
    out.write_text(text)


def _report(args: Any, results: dict[str, Any], load: tuple[float, ...], wall: float) -> str:
    cmd = f"python benchmarks/fault_processes.py --runs {args.runs} --seed {args.seed}"
    cmd += f" --targets {' '.join(args.targets)}"
    lines = [
        "# Fault injection: kill -9 of the service, its scenario worker and the build",
        "",
        f"Command: `{cmd}` ({wall:.0f} s; load average at start "
        f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} on 2 cores). See the script's docstring for",
        "what each run does. An orphan is a descendant of the killed process still running",
        f"{GRACE_S:.0f} s after the kill.",
        "",
        "| target | figures |",
        "| --- | --- |",
    ]
    for name, figures in results.items():
        cells = ", ".join(f"{k} {v}" for k, v in figures.items())
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
