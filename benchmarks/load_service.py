"""Load on loopback: the service under 20 concurrent clients for 60 s, and its start-up time.

Usage::

    python benchmarks/load_service.py [--store DIR] [--clients 20] [--seconds 60]
                                      [--scenario-clients 2] [--draws 1000] [--new-seeds]
    python benchmarks/load_service.py --clients 2 --scenario-clients 2   # issue 22: 2 users
    python benchmarks/load_service.py --flood [--clients 45] [--seconds 15]

1. Start-up: ``python -m service`` in a subprocess; the time until ``/healthz`` and a forecast
   read both answer 200 (numba's cache is warm after the first run of the suite).
2. Warm-up: the service's own start-up warm-up (every worker calibrates and loads its
   kernels, then the workers compute the default windows' baseline runs, shared as files in
   a fresh folder: a cold start) is waited for (``/healthz`` ``scenarios_ready``) and timed;
   a user arriving minutes after a start meets a warm service. Then one scenario run.
3. Load: ``clients`` async httpx clients for ``seconds``: ``scenario-clients`` of them post
   ``draws``-draw scenario runs back to back, each a new random one-event spec (so nothing is
   answered from the result cache), the others read forecasts, history, population and
   training needs at random. By default the specs leave the seed to the service, as the
   dashboard form does (the runs share the baseline simulation at the release seed);
   ``--new-seeds`` gives every run its own seed (the worst case: no sharing at all).
   Per kind of request: count, p50, p95, p99 (ms) and errors (anything but 2xx).

``--flood`` (issue 15): ``clients`` anonymous clients submit the dashboard's scenario form
(``GET /scenarios?run=true``, a new random form each time) back to back for ``seconds``; a
refused client (429) tries again 50 ms later, ignoring ``Retry-After``. ``/healthz`` and a
forecast read are polled every 100 ms meanwhile; target ``/healthz`` p95 < 100 ms. The
answers are counted by status (admitted runs 200, refused 429).

The release served is ``--store`` if given, else the configured store if its current release
has ``register_forecasts``, else a benchmark release published into a temporary folder from
the service tests' real-shaped data (real register history, synthetic forecast values; the
output says which). The rate limit is lifted for the run: all clients share one address.
Figures go to ``docs/results/service_load.json`` and the load section of
``docs/results/service.md``. The machine is shared: re-run on a quiet one for final figures.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.io.release_store import ReleaseStore  # noqa: E402
from forecasting.settings import get_settings  # noqa: E402
from service.security import hash_key  # noqa: E402

RESULTS = ROOT / "docs" / "results"
AREAS = ["097", "178", "213", "491", "507", "623", "TA23"]


def markers(
    new_seeds: bool, scenario_clients: int, clients: int = 20, flood: bool = False
) -> tuple[str, str]:
    """The doc section a run writes: one per mode, seed mode and number of clients."""
    if flood:
        tag = f"flood-{clients}-clients"
        return f"<!-- {tag}:start -->", f"<!-- {tag}:end -->"
    tag = "load" + ("-new-seeds" if new_seeds else "")
    if scenario_clients != 2:
        tag += f"-{scenario_clients}-scenario-clients"
    if clients != 20:
        tag += f"-{clients}-clients"
    processes = str(get_settings().service.scenario_processes)  # the environment's, or the default
    if processes != "1":
        tag += f"-{processes}-processes"
    threads = os.environ.get("ENNAKOINTI_SERVICE__SCENARIO_THREADS", "0")
    if threads != "0":
        tag += f"-{threads}-threads"
    return f"<!-- {tag}:start -->", f"<!-- {tag}:end -->"


def _shown(text: str) -> str:
    """``text`` with this checkout's absolute path left out (``var/releases``, not the
    machine's path to it), for the results written into the docs."""
    return text.replace(f"{ROOT}{os.sep}", "")


def _store(arg: str | None, tmp: Path) -> tuple[Path, str]:
    if arg:
        current = ReleaseStore(Path(arg)).current()
        where = _shown(str(Path(arg).resolve()))
        return Path(arg), f"release {current.id if current else '(none)'} of {where}"
    configured = get_settings().release.store_dir
    if ReleaseStore(configured).current() is not None:
        release = ReleaseStore(configured).open()
        if "register_forecasts" in release.names():
            return configured, f"configured store, release {release.id}"
    from tests.service_data import publish

    info = publish(tmp / "releases")
    return tmp / "releases", f"benchmark release {info.id} (real history, synthetic forecasts)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service(store: Path, tmp: Path, key: str) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start ``python -m service`` (its shared baseline runs in a fresh folder: a cold start);
    return the process, its URL and seconds until it answers."""
    port = _free_port()
    env = {
        **os.environ,
        "ENNAKOINTI_RELEASE__STORE_DIR": str(store),
        "ENNAKOINTI_ALERTS__DATABASE_URL": f"sqlite:///{tmp / 'alerts.sqlite'}",
        "ENNAKOINTI_SERVICE__RATE_LIMIT_PER_MINUTE": "100000000",
        "ENNAKOINTI_SERVICE__API_KEYS": json.dumps([f"bench:{hash_key(key)}:scenarios:run"]),
        "ENNAKOINTI_SERVICE__SCENARIO_BASELINE_DIR": str(tmp / "scenario_baselines"),
    }
    log = open(tmp / "service.log", "wb")  # noqa: SIM115 - closed with the process
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    probe = f"{base}/v1/registers/forecasts?area=TA23&horizon=12"
    while time.perf_counter() - started < 120:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200 and httpx.get(probe).is_success:
                return proc, base, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"service exited: {(tmp / 'service.log').read_text()[-2000:]}")
        time.sleep(0.05)
    proc.terminate()
    raise RuntimeError("service did not answer within 120 s")


def wait_warm(base: str, started: float, limit_s: float = 900.0) -> float:
    """Seconds from ``started`` until ``/healthz`` says the scenario warm-up is done."""
    while time.perf_counter() - started < limit_s:
        try:
            if httpx.get(f"{base}/healthz", timeout=10).json().get("scenarios_ready", True):
                return time.perf_counter() - started
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the scenario warm-up did not finish within {limit_s:.0f} s")


def baseline_runs(tmp: Path) -> int:
    """Baseline runs the service's workers computed so far (each kept as one file)."""
    return len(list((tmp / "scenario_baselines").glob("*.npz")))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid``, its threads and its live child processes
    (the scenario worker) (Linux ``/proc``)."""
    total = 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for one in [pid, *map(int, children.read_text().split())]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a child that ended meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _read_request(rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    kind = rng.choices(["forecast", "history", "population", "training"], [6, 2, 1, 1])[0]
    area = rng.choice(AREAS)
    if kind == "forecast":
        variable = rng.choice(["unemployed", "vacancies"])
        return (
            kind,
            "/v1/registers/forecasts",
            {"area": area, "variable": variable, "horizon": rng.choice([6, 12, 24])},
        )
    if kind == "history":
        return kind, "/v1/registers/history", {"area": area, "from": "2019-01"}
    if kind == "population":
        return (
            kind,
            "/v1/population",
            {
                "area": area,
                "year": rng.randint(2025, 2040),
                "sex": "T",
                "age_from": 15,
                "age_to": 74,
            },
        )
    return kind, "/v1/training-needs", {"area": area, "year": rng.randint(2026, 2035)}


MUNICIPALITIES = ("097", "178", "213", "491", "507", "623")
INDUSTRIES = ("C", "F", "G", "H", "I", "Q")


@functools.cache
def starts() -> tuple[str, ...]:
    """The dashboard form's default start (the month after the newest register data, as the
    service's scenario page offers it) and the two quarters after it: a planner's question
    is about the coming months. Each start is its own baseline window."""
    from forecasting.io.inputs import assemble

    year, month = map(int, assemble(("registers",))["registers"].attrs["data_through"].split("-"))
    first = year * 12 + month  # the month after data_through, counted from month 0 of year 0
    return tuple(f"{m // 12:04d}-{m % 12 + 1:02d}" for m in (first, first + 3, first + 6))


@functools.cache
def existing_jobs(municipality: str, industry: str) -> float:
    """Jobs in the snapshot's jobs-by-industry cube (the engine's structure year)."""
    from forecasting import snapshot

    cube = snapshot.load("jobs_by_industry")
    return float(cube[next(iter(cube.data_vars))].sel(area=municipality, industry=industry))


def scenario_spec(rng: random.Random, draws: int, seed: int | None) -> dict[str, Any]:
    """A planner's form: one event of random kind, place, industry, size and start, 60 months.

    ``seed=None`` leaves the seed to the service (the release seed), as the dashboard form
    does; an integer asks for that seed (a new one per run defeats every cache).
    """
    kind = rng.choice(["closure", "dismissal", "temporary_layoff", "recruitment"])
    municipality, industry = rng.choice(MUNICIPALITIES), rng.choice(INDUSTRIES)
    if kind == "recruitment":
        jobs = rng.randint(20, 500)
    else:  # at most half the jobs that exist there (the engine refuses more than exist)
        jobs = rng.randint(1, max(1, int(0.5 * existing_jobs(municipality, industry))))
    spec: dict[str, Any] = {
        "events": [
            {
                "kind": kind,
                "municipality": municipality,
                "industry": industry,
                "jobs": jobs,
                "start": rng.choice(starts()),
                "phase_in_months": rng.randint(0, 3),
            }
        ],
        "horizon_months": 60,
        "draws": draws,
    }
    if seed is not None:
        spec["seed"] = seed
    return spec


def spec_variant(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with its event one job larger (recruitment) or smaller: a new run (nothing
    answered from the result cache) that shares the baseline simulation of ``spec``'s window."""
    event = dict(spec["events"][0])
    event["jobs"] = (
        event["jobs"] + 1 if event["kind"] == "recruitment" else max(1, event["jobs"] - 1)
    )
    return {**spec, "events": [event]}


async def _reader(
    base: str,
    stop: float,
    out: list[tuple[str, float, int]],
    hits: list[bool],
    seed: int,
    uncached: bool,
) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.perf_counter() < stop:
            kind, path, params = _read_request(rng)
            if uncached:  # an unknown parameter is ignored by the route but not by the cache
                params["nocache"] = secrets.token_hex(8)
            t0 = time.perf_counter()
            try:
                response = await client.get(path, params=params)
                status = response.status_code
                hits.append(response.headers.get("x-cache") == "hit")
            except httpx.HTTPError:
                status = 0
            out.append((kind, time.perf_counter() - t0, status))


async def _scenarist(
    base: str,
    key: str,
    stop: float,
    out: list[tuple[str, float, int]],
    client_no: int,
    draws: int,
    new_seeds: bool,
    seen: set[str],
) -> None:
    """Post scenario runs back to back; every spec is new (never a stored result)."""
    rng = random.Random(client_no)
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:
        n = 0
        while time.perf_counter() < stop:
            spec = scenario_spec(rng, draws, 1000 * client_no + n if new_seeds else None)
            text = json.dumps(spec, sort_keys=True)
            if text in seen:
                continue
            seen.add(text)
            t0 = time.perf_counter()
            try:
                r = await client.post("/v1/scenarios/runs", json=spec, headers={"X-API-Key": key})
                status = r.status_code
            except httpx.HTTPError:
                status = 0
            out.append(("scenario", time.perf_counter() - t0, status))
            n += 1


async def load(
    base: str,
    key: str,
    clients: int,
    scenario_clients: int,
    seconds: float,
    draws: int,
    uncached: bool = False,
    new_seeds: bool = False,
) -> tuple[list[tuple[str, float, int]], float]:
    """Run the clients; return the samples and the share of reads answered from the cache."""
    out: list[tuple[str, float, int]] = []
    hits: list[bool] = []
    stop = time.perf_counter() + seconds
    seen: set[str] = set()
    tasks = [
        _scenarist(base, key, stop, out, i, draws, new_seeds, seen) for i in range(scenario_clients)
    ]
    tasks += [
        _reader(base, stop, out, hits, 100 + i, uncached) for i in range(clients - scenario_clients)
    ]
    await asyncio.gather(*tasks)
    return out, (sum(hits) / len(hits) if hits else 0.0)


def dashboard_form(rng: random.Random, draws: int) -> dict[str, Any]:
    """The dashboard's scenario form (anonymous, GET ``/scenarios?run=true``), random fields."""
    spec = scenario_spec(rng, draws, None)
    event = spec["events"][0]
    return {
        "run": "true",
        "kind": event["kind"],
        "municipality": event["municipality"],
        "industry": event["industry"],
        "jobs": event["jobs"],
        "start": event["start"],
        "draws": draws,
    }


async def _flooder(
    base: str, stop: float, out: list[tuple[str, float, int]], client_no: int, draws: int
) -> None:
    """Submit the dashboard's scenario form anonymously, back to back, a new form each time."""
    rng = random.Random(10_000 + client_no)
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                status = (
                    await client.get("/scenarios", params=dashboard_form(rng, draws))
                ).status_code
            except httpx.HTTPError:
                status = 0
            out.append(("anonymous run", time.perf_counter() - t0, status))
            if status == 429:  # a polite client would wait Retry-After; a flood does not
                await asyncio.sleep(0.05)


async def _poller(
    base: str,
    stop: float,
    out: list[tuple[str, float, int]],
    kind: str,
    path: str,
    params: dict[str, Any],
    every_s: float,
) -> None:
    """Request ``path`` every ``every_s`` seconds (an operator's probe, a planner's read)."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                status = (await client.get(path, params=params)).status_code
            except httpx.HTTPError:
                status = 0
            elapsed = time.perf_counter() - t0
            out.append((kind, elapsed, status))
            await asyncio.sleep(max(0.0, every_s - elapsed))


async def flood(
    base: str, clients: int, seconds: float, draws: int
) -> list[tuple[str, float, int]]:
    """``clients`` anonymous clients flood the dashboard's scenario form for ``seconds``
    while ``/healthz`` and a forecast read are polled every 100 ms."""
    out: list[tuple[str, float, int]] = []
    stop = time.perf_counter() + seconds
    forecast = {"area": "TA23", "variable": "unemployed", "horizon": 12}
    await asyncio.gather(
        *(_flooder(base, stop, out, i, draws) for i in range(clients)),
        _poller(base, stop, out, "healthz", "/healthz", {}, 0.1),
        _poller(base, stop, out, "forecast", "/v1/registers/forecasts", forecast, 0.1),
    )
    return out


def summarise(samples: list[tuple[str, float, int]], seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in sorted({k for k, _, _ in samples}):
        times = np.array([t for k, t, _ in samples if k == kind]) * 1000
        errors = sum(1 for k, _, s in samples if k == kind and not 200 <= s < 300)
        statuses = sorted({s for k, _, s in samples if k == kind})
        out[kind] = {
            "requests": int(times.size),
            "per_second": round(times.size / seconds, 1),
            "p50_ms": round(float(np.percentile(times, 50)), 1),
            "p95_ms": round(float(np.percentile(times, 95)), 1),
            "p99_ms": round(float(np.percentile(times, 99)), 1),
            "max_ms": round(float(times.max()), 1),
            "errors": errors,
            "statuses": {
                str(st): sum(1 for k, _, s in samples if k == kind and s == st) for st in statuses
            },
        }
    return out


def _markdown(report: dict[str, Any], start: str, end: str) -> str:
    rows = [
        "| requests | count | per s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, s in report["load"].items():
        rows.append(
            f"| {kind} | {s['requests']} | {s['per_second']} | {s['p50_ms']} | {s['p95_ms']} "
            f"| {s['p99_ms']} | {s['errors']} |"
        )
    return "\n".join(
        [
            start,
            f"Measured {report['when']} on {report['machine']} "
            f"(load average before the run: {report['load_average']}).",
            f"Release: {report['release']}. Command: `{report['command']}` (scenario worker "
            f"niceness {report['scenario_nice']}, worker processes "
            f"{report.get('scenario_processes', '1 (default)')}, kernel threads per worker "
            f"{report.get('scenario_threads', '0 (default: the cores shared out among runs)')}).",
            "",
            *_scenario_verdict(report),
            *(
                [
                    f"- Service CPU per answered run (its worker included): "
                    f"{report['server_cpu_s_per_run']} s.",
                    "",
                ]
                if report["scenario_clients"] == report["clients"]
                and "server_cpu_s_per_run" in report
                else []
            ),
            f"- Start-up until `/healthz` and a forecast read answer: "
            f"**{report['startup_s']:.2f} s**.",
            f"- Start-up warm-up (every worker calibrated, kernels loaded, the default "
            f"windows' baseline runs computed once and shared as files, from an empty "
            f"folder): done {report.get('warmup_s', float('nan')):.1f} s after the start "
            f"({report.get('warmup_cpu_s', float('nan')):.1f} CPU s from when the service "
            "answered); the load began after it: a user arriving minutes after a start meets "
            f"a warm service. Baseline runs computed: {report.get('baseline_runs_warmup')} "
            f"by the warm-up, {report.get('baseline_runs_load')} more during the load (and "
            "the first run).",
            f"- First scenario run after the warm-up ({report['draws']} draws, 60 months): "
            f"{report['scenario_cold_s']:.1f} s.",
            f"- {report['clients']} concurrent clients for {report['seconds']} s "
            f"({report['scenario_clients']} posting {report['draws']}-draw scenario runs with "
            f"seeds: {report['scenario_seeds']}; the "
            f"rest reading; {100 * report['cache_hit_share']:.0f} % of reads answered from the "
            f"release cache). The service (with its scenario worker) used "
            f"{report['server_cpu_share']:.2f} cores ({report['server_cpu_ms_per_read']} ms of "
            f"CPU per read, scenario runs included); the load generator, on the same cores, "
            f"used {report['client_cpu_share']:.2f} cores:",
            "",
            *rows,
            end,
        ]
    )


def _scenario_verdict(report: dict[str, Any]) -> list[str]:
    """Issue 22's goal: scenario p95 <= 2 s (with two concurrent scenario clients)."""
    runs = report["load"].get("scenario")
    if not runs:
        return []
    verdict = "met" if runs["p95_ms"] <= 2000 else "NOT met"
    return [f"- Scenario runs p95 **{runs['p95_ms']} ms** (goal <= 2,000 ms: {verdict}).", ""]


def _flood_markdown(report: dict[str, Any], start: str, end: str) -> str:
    rows = [
        "| requests | count | p50 ms | p95 ms | p99 ms | answers by status |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for kind, s in report["load"].items():
        statuses = ", ".join(f"{k}: {v}" for k, v in s["statuses"].items())
        rows.append(
            f"| {kind} | {s['requests']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} "
            f"| {statuses} |"
        )
    health = report["load"].get("healthz", {})
    verdict = "met" if health.get("p95_ms", 1e9) < 100 else "NOT met"
    return "\n".join(
        [
            start,
            f"Measured {report['when']} on {report['machine']} "
            f"(load average before the run: {report['load_average']}; the machine is shared, "
            "so these are upper bounds). Release: " + report["release"] + ".",
            "",
            f"Command: `{report['command']}`",
            "",
            f"- {report['clients']} anonymous clients submit the dashboard's scenario form "
            f"(`GET /scenarios?run=true`, {report['draws']} draws, a new random form each time) "
            f"back to back for {report['seconds']} s, from one address, with the rate limit "
            "lifted (so only the scenario queue protects the service); `/healthz` and a "
            "forecast read are polled every 100 ms meanwhile.",
            f"- `/healthz` p95 **{health.get('p95_ms', float('nan'))} ms** "
            f"(target < 100 ms: {verdict}); max {health.get('max_ms', float('nan'))} ms.",
            f"- Scenario worker niceness {report['scenario_nice']}. "
            f"The service (with its scenario worker) used {report['server_cpu_share']:.2f} "
            f"cores, the load generator {report['client_cpu_share']:.2f}.",
            "",
            *rows,
            end,
        ]
    )


def write(
    report: dict[str, Any],
    new_seeds: bool,
    scenario_clients: int,
    clients: int = 20,
    flood: bool = False,
) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    start, end = markers(new_seeds, scenario_clients, clients, flood)
    name = start.removeprefix("<!-- ").removesuffix(":start -->").replace("-", "_")
    (RESULTS / f"service_{name}.json").write_text(json.dumps(report, indent=1) + "\n")
    doc = RESULTS / "service.md"
    text = doc.read_text() if doc.exists() else "# Service figures\n"
    section = (_flood_markdown if flood else _markdown)(report, start, end)
    if start in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1] if end in rest else ""
        text = head + section + tail
    else:
        text += "\n" + section + "\n"
    doc.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=None)
    parser.add_argument("--clients", type=int, default=None, help="default 20 (45 with --flood)")
    parser.add_argument("--scenario-clients", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=None, help="default 60 (15 with --flood)")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument(
        "--uncached", action="store_true", help="defeat the release cache (every read computed)"
    )
    parser.add_argument(
        "--new-seeds",
        action="store_true",
        help="a new seed for every scenario run (no shared baseline simulation)",
    )
    parser.add_argument(
        "--flood",
        action="store_true",
        help="anonymous clients flood the dashboard's scenario form; /healthz is polled",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    args.clients = args.clients or (45 if args.flood else 20)
    args.seconds = args.seconds or (15.0 if args.flood else 60.0)
    with tempfile.TemporaryDirectory(prefix="ennakointi-load-") as tmp_name:
        tmp = Path(tmp_name)
        store, release = _store(args.store, tmp)
        key = secrets.token_urlsafe(24)
        launched = time.perf_counter()
        proc, base, startup = start_service(store, tmp, key)
        try:
            warm_cpu = cpu_seconds(proc.pid)
            warmed = wait_warm(base, launched)
            warm_cpu = cpu_seconds(proc.pid) - warm_cpu
            baselines_warm = baseline_runs(tmp)
            t0 = time.perf_counter()
            warm = httpx.post(
                f"{base}/v1/scenarios/runs",
                json=scenario_spec(random.Random(-1), args.draws, None),
                headers={"X-API-Key": key},
                timeout=900,
            )
            cold = time.perf_counter() - t0
            if not warm.is_success:
                print(f"scenario warm-up failed: {warm.status_code} {warm.text[:300]}")
            load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            cpu_before, wall_before = cpu_seconds(proc.pid), time.perf_counter()
            client_before = time.process_time()
            hit_share = 0.0
            if args.flood:
                samples = asyncio.run(flood(base, args.clients, args.seconds, args.draws))
            else:
                samples, hit_share = asyncio.run(
                    load(
                        base,
                        key,
                        args.clients,
                        args.scenario_clients,
                        args.seconds,
                        args.draws,
                        args.uncached,
                        args.new_seeds,
                    )
                )
            server_cpu = cpu_seconds(proc.pid) - cpu_before
            wall = time.perf_counter() - wall_before
            client_cpu = time.process_time() - client_before
            baselines_load = baseline_runs(tmp) - baselines_warm
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    report = {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "command": "".join(
            f"{k}={os.environ[k]} "
            for k in (
                "ENNAKOINTI_SERVICE__SCENARIO_PROCESSES",
                "ENNAKOINTI_SERVICE__SCENARIO_THREADS",
                "ENNAKOINTI_SERVICE__SCENARIO_NICE",
            )
            if k in os.environ
        )
        + "python benchmarks/load_service.py "
        + _shown(" ".join(sys.argv[1:] if argv is None else argv)),
        "machine": f"{os.cpu_count()} CPUs",
        "scenario_nice": os.environ.get("ENNAKOINTI_SERVICE__SCENARIO_NICE", "10 (default)"),
        "scenario_processes": os.environ.get(
            "ENNAKOINTI_SERVICE__SCENARIO_PROCESSES",
            f"{get_settings().service.scenario_processes} (default)",
        ),
        "scenario_threads": os.environ.get(
            "ENNAKOINTI_SERVICE__SCENARIO_THREADS", "0 (default: the cores shared out among runs)"
        ),
        "load_average": load_avg,
        "release": release,
        "startup_s": round(startup, 3),
        "warmup_s": round(warmed, 2),
        "warmup_cpu_s": round(warm_cpu, 2),
        "baseline_runs_warmup": baselines_warm,
        "baseline_runs_load": baselines_load,
        "scenario_cold_s": round(cold, 2),
        "clients": args.clients,
        "scenario_clients": args.clients if args.flood else args.scenario_clients,
        "seconds": args.seconds,
        "draws": args.draws,
        "reads_uncached": args.uncached,
        "scenario_seeds": "new per run" if args.new_seeds else "release default",
        "cache_hit_share": round(hit_share, 3),
        "server_cpu_share": round(server_cpu / wall, 2),
        "client_cpu_share": round(client_cpu / wall, 2),
        "server_cpu_ms_per_read": round(
            1000 * server_cpu / max(1, sum(1 for k, _, _ in samples if k != "scenario")), 2
        ),
        # every run answered in the window; reads' CPU included when there are readers
        "server_cpu_s_per_run": round(
            server_cpu / max(1, sum(1 for k, _, _ in samples if k == "scenario")), 2
        ),
        "load": summarise(samples, args.seconds),
    }
    print(json.dumps(report, indent=1))
    if not args.no_write:
        write(report, args.new_seeds, args.scenario_clients, args.clients, args.flood)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
