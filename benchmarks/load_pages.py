"""Time to first byte of every dashboard page under the service load test (issue 21).

Usage::

    python benchmarks/load_pages.py [--store DIR] [--clients 20] [--scenario-clients 2]
                                    [--seconds 60] [--draws 1000] [--no-write]

The service is started as in ``benchmarks/load_service.py`` (same release choice, same
start-up, one warm-up scenario run). Then ``clients`` async clients run for ``seconds``:
``scenario-clients`` of them post ``draws``-draw scenario runs back to back (new specs, as in
the load test), the others request the dashboard's pages in Finnish, each client walking the
page list in its own order with typical query parameters (a random area among the load test's
areas, a year, a map view): ``/``, ``/forecasts``, ``/alerts``, ``/scenarios`` (the form, no
run), ``/training``, ``/population``, ``/labour``, ``/jobs``, ``/occupations``, ``/groups`` and
``/map`` (rate and change). Time to first byte is measured per request as the time until the
response's status line and headers arrive (httpx streaming), the body is then read in full.
Per page: count, p50, p95, max TTFB (ms) and errors; the target is p95 <= 300 ms on every page.

Figures go to ``docs/results/service_pages.json`` and the pages section of
``docs/results/service.md``. The machine is shared: re-run on a quiet one for final figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import load_service as ls  # noqa: E402

from service.routers.dashboard import NAV  # noqa: E402

TARGET_MS = 300.0
YEARS = (2026, 2028, 2030, 2035)


def page_request(page: str, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """The path and typical query parameters of one dashboard ``page`` (Finnish)."""
    area = rng.choice(ls.AREAS)
    params: dict[str, Any] = {"lang": "fi"}
    if page in ("/forecasts",):
        params |= {"area": area, "variable": rng.choice(["unemployed", "vacancies"])}
    elif page in ("/training", "/population", "/jobs"):
        params |= {"area": area, "year": rng.choice(YEARS)}
    elif page in ("/labour", "/occupations", "/groups"):
        params |= {"area": area}
    elif page == "/map":
        params |= {
            "area": rng.choice(["TA23", "507", "491"]),
            "show": rng.choice(["rate", "change"]),
        }
    return page, params


#: Every page of the dashboard: the paths of its navigation.
PAGES = tuple(path for _, path in NAV)


async def _page_reader(
    base: str, stop: float, out: list[tuple[str, float, int]], seed: int
) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while time.perf_counter() < stop:
            order = list(PAGES)
            rng.shuffle(order)
            for page in order:
                if time.perf_counter() >= stop:
                    break
                path, params = page_request(page, rng)
                t0 = time.perf_counter()
                try:
                    async with client.stream("GET", path, params=params) as response:
                        ttfb = time.perf_counter() - t0
                        await response.aread()
                        status = response.status_code
                except httpx.HTTPError:
                    ttfb, status = time.perf_counter() - t0, 0
                out.append((page, ttfb, status))


async def load(
    base: str, key: str, clients: int, scenario_clients: int, seconds: float, draws: int
) -> list[tuple[str, float, int]]:
    out: list[tuple[str, float, int]] = []
    stop = time.perf_counter() + seconds
    seen: set[str] = set()
    await asyncio.gather(
        *(
            ls._scenarist(base, key, stop, out, i, draws, False, seen)
            for i in range(scenario_clients)
        ),
        *(_page_reader(base, stop, out, 200 + i) for i in range(clients - scenario_clients)),
    )
    return out


def summarise(samples: list[tuple[str, float, int]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in [*PAGES, "scenario"]:
        times = np.array([t for k, t, _ in samples if k == kind]) * 1000
        if times.size == 0:
            continue
        out[kind] = {
            "requests": int(times.size),
            "p50_ms": round(float(np.percentile(times, 50)), 1),
            "p95_ms": round(float(np.percentile(times, 95)), 1),
            "max_ms": round(float(times.max()), 1),
            "errors": sum(1 for k, _, s in samples if k == kind and not 200 <= s < 300),
        }
    return out


START, END = "<!-- pages:start -->", "<!-- pages:end -->"


def markdown(report: dict[str, Any]) -> str:
    rows = [
        "| page (fi) | requests | p50 TTFB ms | p95 TTFB ms | max ms | errors | p95 <= 300 ms |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    pages = {k: v for k, v in report["pages"].items() if k != "scenario"}
    for page, s in pages.items():
        ok = "yes" if s["p95_ms"] <= TARGET_MS and s["errors"] == 0 else "**no**"
        rows.append(
            f"| `{page}` | {s['requests']} | {s['p50_ms']} | {s['p95_ms']} | {s['max_ms']} "
            f"| {s['errors']} | {ok} |"
        )
    failing = [p for p, s in pages.items() if s["p95_ms"] > TARGET_MS or s["errors"]]
    verdict = "met on every page" if not failing else "NOT met on " + ", ".join(failing)
    scen = report["pages"].get("scenario")
    return "\n".join(
        [
            START,
            "## Dashboard pages under load: time to first byte (issue 21)",
            "",
            f"Measured {report['when']} on {report['machine']} (load average before the run: "
            f"{report['load_average']}; the machine is shared by other work, so these figures "
            "are upper bounds). Release: " + report["release"] + ".",
            "",
            f"Command: `{report['command']}`",
            "",
            f"- {report['clients']} concurrent clients for {report['seconds']} s: "
            f"{report['scenario_clients']} post {report['draws']}-draw scenario runs back to "
            "back (as in the load test), the others walk every dashboard page in Finnish with "
            "typical query parameters (random area, year, map view). TTFB = time until the "
            "status line and headers arrive.",
            f"- Target p95 TTFB <= 300 ms on every page: **{verdict}**.",
            (
                f"- Scenario runs meanwhile: {scen['requests']}, p50 {scen['p50_ms']} ms."
                if scen
                else "- No scenario run finished within the window."
            ),
            "",
            *rows,
            END,
        ]
    )


def write(report: dict[str, Any]) -> None:
    ls.RESULTS.mkdir(parents=True, exist_ok=True)
    (ls.RESULTS / "service_pages.json").write_text(json.dumps(report, indent=1) + "\n")
    doc = ls.RESULTS / "service.md"
    text = doc.read_text() if doc.exists() else "# Service figures\n"
    section = markdown(report)
    if START in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text += "\n" + section + "\n"
    doc.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=None)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--scenario-clients", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ennakointi-pages-") as tmp_name:
        tmp = Path(tmp_name)
        store, release = ls._store(args.store, tmp)
        key = secrets.token_urlsafe(24)
        proc, base, _ = ls.start_service(store, tmp, key)
        try:
            if args.scenario_clients:
                httpx.post(
                    f"{base}/v1/scenarios/runs",
                    json=ls.scenario_spec(random.Random(-1), args.draws, None),
                    headers={"X-API-Key": key},
                    timeout=900,
                )
            load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
            samples = asyncio.run(
                load(base, key, args.clients, args.scenario_clients, args.seconds, args.draws)
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    report = {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "command": "python benchmarks/load_pages.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": f"{os.cpu_count()} CPUs",
        "load_average": load_avg,
        "release": release,
        "clients": args.clients,
        "scenario_clients": args.scenario_clients,
        "seconds": args.seconds,
        "draws": args.draws,
        "target_p95_ttfb_ms": TARGET_MS,
        "pages": summarise(samples),
    }
    print(json.dumps(report, indent=1))
    if not args.no_write:
        write(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
