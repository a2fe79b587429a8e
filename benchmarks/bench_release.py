"""Release figures: crash safety of publish, determinism, build times (docs/results/release.md).

    python benchmarks/bench_release.py [--kills 50] [--skip-builds] [--skip-national]
        [--skip-safety] [--one-dask-worker] [--reference-commit main | --reference DIR]

1. **Fault injection**: 50 publishes, each failing at a random I/O call (``os.replace``,
   ``os.rename``, ``os.fsync``, a dataset or manifest write) -> count corrupt or partial
   releases visible afterwards (listed but missing files, wrong content hash, unreadable).
2. **SIGKILL**: 50 child processes publishing, each killed at a random moment of its publish
   -> the same count, plus whether the next publish cleans the residue.
3. **Builds** (subprocesses, cold: new process, ephemeral Prefect server, empty work area):
   the embedded area on 1 worker twice and on 2 Dask workers, the national scope on 1 and 2
   workers -> wall time, speedup, and whether the datasets are bit-identical (SHA-256 of the
   netCDF files) across runs and worker counts, and the attachments (the monthly reviews)
   too: HTML byte for byte, PDFs but for the lines stamping their creation time. A 1-worker
   build runs on threads (what ``release build --workers 1`` does); ``--one-dask-worker``
   adds the national scope on a local Dask cluster of one worker, the comparison issue 15
   names ("1 Dask worker"), beside it.
4. **Identity with a reference build** (``--reference-commit REF`` builds the national scope
   of commit REF on 1 worker in a temporary git worktree; ``--reference DIR`` reuses the
   ``*.nc`` of such a release): every dataset of the 2-worker national build must be
   ``xr.testing.assert_identical`` to the reference's, all attrs but ``code_version``
   (a performance change must not change a number).

The machine is shared while this is written: re-run on a quiet machine for final figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.io import release_store  # noqa: E402
from forecasting.io.release_store import ReleaseStore  # noqa: E402
from forecasting.provenance import content_hash  # noqa: E402

OUT = ROOT / "docs" / "results" / "release.md"


def _datasets(seed: int) -> dict[str, Any]:
    """A release-sized payload: the national register cube and a perturbed copy (~4 MB)."""
    import numpy as np

    from forecasting import snapshot

    cube = snapshot.load("registers").copy(deep=True)
    noisy = cube.copy(deep=True)
    noisy["unemployed"] = noisy["unemployed"] + np.random.default_rng(seed).normal(
        0, 1, noisy["unemployed"].shape
    )
    return {"registers_history": cube, "register_forecasts": noisy}


def audit(root: Path) -> dict[str, int]:
    """Count visible releases and how many of them are corrupt or partial."""
    store = ReleaseStore(root)
    bad = 0
    releases = store.list_releases()
    for info in releases:
        try:
            release = store.open(info.id)
            for entry in release.manifest["datasets"]:
                if content_hash(release.dataset(entry["name"])) != entry["content_hash"]:
                    bad += 1
                    break
        except Exception:
            bad += 1
    current = store.current()
    if current is not None and current.id not in {r.id for r in releases}:
        bad += 1
    return {"visible": len(releases), "corrupt_or_partial": bad}


# -- 1. fault injection ------------------------------------------------------------------------
class _Fault(OSError):
    pass


def fault_injection(n: int, rng: random.Random) -> dict[str, Any]:
    targets = ["os.replace", "os.rename", "os.fsync", "_write_netcdf", "_write_synced"]
    failed = succeeded = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        store = ReleaseStore(root)
        store.publish(_datasets(0), {"data_version": "bench", "run": -1})
        for i in range(n):
            target, after = rng.choice(targets), rng.randint(0, 4)
            failed += _publish_with_fault(store, target, after, i)
            succeeded = len(store.list_releases()) - 1
            result = audit(root)
            if result["corrupt_or_partial"]:
                raise SystemExit(f"corrupt release after fault {target}@{after}: {result}")
        final = audit(root)
        leftovers = sorted(p.name for p in root.iterdir() if p.name.startswith(".staging"))
    return {
        "runs": n,
        "failed_publishes": failed,
        "completed_publishes": succeeded,
        "corrupt_or_partial_visible": final["corrupt_or_partial"],
        "staging_left_at_end": len(leftovers),
    }


def _publish_with_fault(store: ReleaseStore, target: str, after: int, i: int) -> int:
    """Publish with the ``after``-th call of ``target`` raising; 1 if the publish failed."""
    module = release_store.os if target.startswith("os.") else release_store
    name = target.removeprefix("os.")
    real = getattr(module, name)
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > after:
            raise _Fault(f"injected {target} failure")
        return real(*args, **kwargs)

    setattr(module, name, flaky)
    try:
        store.publish(_datasets(i + 1), {"data_version": "bench", "run": i})
        return 0
    except _Fault:
        return 1
    finally:
        setattr(module, name, real)


# -- 2. SIGKILL ----------------------------------------------------------------------------------
def child_publish(root: str, seed: int) -> None:
    datasets = _datasets(seed)
    print("READY", flush=True)
    ReleaseStore(root).publish(datasets, {"data_version": "bench", "run": seed})
    print("DONE", flush=True)


def sigkill(n: int, rng: random.Random, python: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        ReleaseStore(root).publish(_datasets(0), {"data_version": "bench", "run": -1})
        durations = [_child(root, 1000 + k, python, None) for k in range(3)]
        span = max(durations)
        killed = completed = 0
        residue_seen = 0
        for i in range(n):
            outcome = _child(root, i + 1, python, rng.uniform(0.0, span * 1.2))
            killed += outcome < 0
            completed += outcome >= 0
            residue_seen += any(p.name.startswith(".staging") for p in root.iterdir())
            result = audit(root)
            if result["corrupt_or_partial"]:
                raise SystemExit(f"corrupt release after kill {i}: {result}")
        ReleaseStore(root).publish(_datasets(9999), {"data_version": "bench", "run": "final"})
        residue_after = sum(p.name.startswith(".staging") for p in root.iterdir())
        final = audit(root)
    return {
        "runs": n,
        "killed_mid_publish": killed,
        "finished_before_kill": completed,
        "publish_s": round(span, 3),
        "residue_after_kill": residue_seen,
        "residue_after_next_publish": residue_after,
        "corrupt_or_partial_visible": final["corrupt_or_partial"],
    }


def _child(root: Path, seed: int, python: str, kill_after: float | None) -> float:
    """Run a publishing child; kill it ``kill_after`` s after READY. Returns duration or -1."""
    proc = subprocess.Popen(
        [python, __file__, "--publish-child", str(root), str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # READY: imports and data done, publish starts now
    start = time.perf_counter()
    if kill_after is None:
        proc.wait()
        return time.perf_counter() - start
    time.sleep(kill_after)
    alive = proc.poll() is None
    if alive:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return -1.0 if alive else kill_after


# -- 3. builds -------------------------------------------------------------------------------------
BUILD = """
import json, sys, time
if __name__ == "__main__":
    t0 = time.perf_counter()
    from flows.prefect_api import prefect_api
    from flows.release import run_release
    with prefect_api():  # the settings' start-up timeout and telemetry; a server it owns
        info = run_release(scope=sys.argv[1], area="TA23", seed=20250101,
                           workers=int(sys.argv[2]), store_root=sys.argv[3],
                           work_dir=sys.argv[4], alerts=False,
                           products=sys.argv[5].split(",") if sys.argv[5] else None,
                           task_runner=sys.argv[6] or None)
    print("RESULT " + json.dumps({"id": info.id, "path": str(info.path),
                                  "seconds": time.perf_counter() - t0}))
"""


def build(
    scope: str,
    workers: int,
    python: str,
    tmp: Path,
    tag: str,
    root: Path = ROOT,
    products: str | None = None,
    task_runner: str | None = None,
) -> dict[str, Any]:
    """Build ``scope`` on ``workers`` with the code of ``root`` (default: this checkout);
    ``products``: comma-separated names (their needs are added), default every product;
    ``task_runner`` ``"thread"`` or ``"dask"`` (default: threads for 1 worker, else Dask)."""
    script = tmp / "build.py"
    script.write_text(BUILD)
    env = {**os.environ, "PREFECT_HOME": str(tmp / f"prefect-{tag}")}
    env["PYTHONPATH"] = str(root)
    load_before = os.getloadavg()[0]
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    out = subprocess.run(
        [
            python,
            str(script),
            scope,
            str(workers),
            str(tmp / f"store-{tag}"),
            str(tmp / f"w-{tag}"),
            products or "",
            task_runner or "",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        check=False,
    )
    wall = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0
    line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
    if out.returncode or not line:
        raise SystemExit(f"build {tag} failed:\n{out.stderr[-3000:]}")
    result = json.loads(line[0].removeprefix("RESULT "))
    path = Path(result["path"])
    return {
        "tag": tag,
        "scope": scope,
        "workers": workers,
        "runner": task_runner or ("thread" if workers == 1 else "dask"),
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "load_1min": f"{load_before:.1f} -> {os.getloadavg()[0]:.1f}",
        "path": str(path),
        "digests": {p.name: _sha(p) for p in sorted(path.glob("*.nc"))},
        "values": _value_hashes(path),
        "attachments": _attachment_hashes(path),
    }


def _attachment_hashes(path: Path) -> dict[str, str]:
    """Per attachment file: SHA-256 of its content, a PDF's without the lines naming the
    moment it was written (fpdf2's ``/CreationDate`` and the ``/ID`` derived from it)."""
    out = {}
    for file in sorted((path / release_store.ATTACHMENTS_DIR).glob("*")):
        data = file.read_bytes()
        if file.suffix == ".pdf":
            lines = data.split(b"\n")
            data = b"\n".join(x for x in lines if not x.startswith((b"/CreationDate", b"/ID [")))
        out[file.name] = hashlib.sha256(data).hexdigest()[:16]
    return out


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes (the build and the Prefect
    server and Dask workers it waited for)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _value_hashes(path: Path) -> dict[str, str]:
    """Per dataset: hash of names, coords, values and every attr except ``code_version``.

    ``code_version`` carries the git commit, which moves whenever anyone commits; the file
    bytes are compared too, and differ only by that attr when the commit moved mid-bench.
    """
    import xarray as xr

    out = {}
    for file in sorted(path.glob("*.nc")):
        with xr.open_dataset(file, engine="h5netcdf") as ds:
            attrs = {k: str(v) for k, v in ds.attrs.items() if k != "code_version"}
            digest = content_hash(ds.load()) + json.dumps(attrs, sort_keys=True)
            out[file.name] = hashlib.sha256(digest.encode()).hexdigest()[:16]
    return out


def compare_datasets(got: Path, reference: Path) -> dict[str, str]:
    """Per dataset of ``reference``: "identical" when the same file of ``got`` is
    ``xr.testing.assert_identical`` to it (every attr but ``code_version``), else why not."""
    import xarray as xr

    out: dict[str, str] = {}
    for ref_file in sorted(reference.glob("*.nc")):
        mine = got / ref_file.name
        if not mine.exists():
            out[ref_file.name] = "missing"
            continue
        with (
            xr.open_dataset(ref_file, engine="h5netcdf") as a,
            xr.open_dataset(mine, engine="h5netcdf") as b,
        ):
            a, b = a.load(), b.load()
            for ds in (a, b):
                ds.attrs.pop("code_version", None)
            try:
                xr.testing.assert_identical(b, a)
                out[ref_file.name] = "identical"
            except AssertionError as exc:
                out[ref_file.name] = "DIFFERS: " + str(exc).splitlines()[0][:200]
    extra = sorted({p.name for p in got.glob("*.nc")} - set(out))
    out |= {name: "not in the reference" for name in extra}
    return out


def reference_build(commit: str, python: str, tmp: Path, products: str | None = None) -> Path:
    """The national release of ``commit`` on 1 worker (a temporary git worktree); its path."""
    tree = tmp / "reference-tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit],
        check=True,
        capture_output=True,
    )
    try:
        shared = ROOT.parent / "shared"  # the data link the default settings look for
        if shared.exists() and not (tree.parent / "shared").exists():
            (tree.parent / "shared").symlink_to(shared)
        result = build("national", 1, python, tmp, "reference", root=tree, products=products)
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
            check=False,
            capture_output=True,
        )
    return Path(result["path"])


def builds(
    python: str,
    national: bool,
    area: bool = True,
    reference: str | None = None,
    reference_commit: str | None = None,
    products: str | None = None,
    one_dask_worker: bool = False,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The build runs and, with a reference, the identity of national-2 with it."""
    plan: list[tuple[str, int, str, str | None]] = []
    if area:
        plan += [("area", 1, "area-1a", None), ("area", 1, "area-1b", None)]
        plan += [("area", 2, "area-2", None)]
    if national:
        plan += [("national", 1, "national-1", None), ("national", 2, "national-2", None)]
        if one_dask_worker:
            plan += [("national", 1, "national-1-dask", "dask")]
    with tempfile.TemporaryDirectory() as tmp:
        runs = [
            build(scope, w, python, Path(tmp), tag, products=products, task_runner=runner)
            for scope, w, tag, runner in plan
        ]
        identity: dict[str, str] = {}
        by = {r["tag"]: r for r in runs}
        if national and (reference or reference_commit):
            ref = (
                Path(reference)
                if reference
                else reference_build(str(reference_commit), python, Path(tmp), products)
            )
            identity = compare_datasets(Path(by["national-2"]["path"]), ref)
        return runs, identity


# -- report --------------------------------------------------------------------------------------
def report(figures: dict[str, Any]) -> str:
    lines = ["# Release store and release build: figures", ""]
    lines += [
        f"Measured {figures['when']} on {os.cpu_count()} cores with "
        f"`{' '.join(['python benchmarks/bench_release.py', *sys.argv[1:]])}` "
        f"(load average at the start: "
        f"{figures.get('load_average', 'not recorded')}).",
        "",
    ]
    for key in ("fault_injection", "sigkill"):
        if key in figures:
            lines += [f"## {key}", "", "| figure | value |", "|---|---|"]
            lines += [f"| {k} | {v} |" for k, v in figures[key].items()] + [""]
    if figures.get("builds"):
        lines += [
            "## Builds (cold: new process, ephemeral Prefect server, empty work area)",
            "",
            f"Products: {figures.get('products', 'all')}.",
            "",
            "| run | scope | workers | runner | wall s | CPU s | load (1 min) | datasets "
            "| attachments |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for b in figures["builds"]:
            runner = b.get("runner", "thread" if b["workers"] == 1 else "dask")
            lines.append(
                f"| {b['tag']} | {b['scope']} | {b['workers']} | {runner} | {b['wall_s']} | "
                f"{b.get('cpu_s', '')} | {b.get('load_1min', '')} | {len(b['digests'])} | "
                f"{len(b.get('attachments', {}))} |"
            )
        lines += [""] + [f"- {k}: {v}" for k, v in figures["build_summary"].items()] + [""]
        if figures.get("identity"):
            lines += [
                f"Identity of the national 2-worker build with the reference "
                f"({figures.get('reference', '')}; `xr.testing.assert_identical`, all attrs "
                "but `code_version`):",
                "",
            ]
            lines += [f"- {k}: {v}" for k, v in figures["identity"].items()] + [""]
        lines += [
            "Reading the builds: the national build maps its heavy steps over independent "
            "units (register forecasts per variable, their backtests per origin and variable, "
            "labour demand and training needs per employment area), so a 2-worker Dask build "
            "runs two units at a time; the 1-worker build runs them one after another (only "
            "the numba kernels of demography and scenarios use both cores there). A 2-worker "
            "build pays for starting a local Dask cluster (worker processes importing the "
            "stack), which the short area build does not win back. CPU s counts the build's "
            "processes (the build, its Prefect server, the Dask workers); on a shared machine "
            "the wall time follows the load, the CPU seconds much less.",
            "",
        ]
    return "\n".join(lines)


BEGIN, END = "<!-- bench_release: begin -->", "<!-- bench_release: end -->"


def with_figures(path: Path, figures: str) -> str:
    """The text of ``path`` with the generated ``figures`` between the markers (at the top
    when there are none yet): the prose written around them by hand stays."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{BEGIN}\n{figures}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        return head + block + "\n" + rest.split(END, 1)[1].lstrip("\n")
    return block + ("\n" + text if text else "")


def summarise_builds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    by = {r["tag"]: r for r in runs}
    same = {
        "files": "digests",
        "values+attrs": "values",
        "attachments, PDFs but for their creation time": "attachments",
    }
    out: dict[str, Any] = {}
    if "area-1a" not in by:
        return out | _national_summary(by, same)
    for label, key in same.items():
        first, again, two = (by[t].get(key) for t in ("area-1a", "area-1b", "area-2"))
        out[f"area identical ({label}) across two runs"] = first == again
        out[f"area identical ({label}) 1 vs 2 workers"] = first == two
    out |= {
        "area cold build within 3 min": max(by[t]["wall_s"] for t in ("area-1a", "area-1b")) < 180,
        "area speedup 1 -> 2 workers": round(by["area-1b"]["wall_s"] / by["area-2"]["wall_s"], 2),
    }
    return out | _national_summary(by, same)


def _national_summary(by: dict[str, Any], same: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "national-1" in by:
        for label, key in same.items():
            one, two = by["national-1"].get(key), by["national-2"].get(key)
            out[f"national identical ({label}) 1 vs 2 workers"] = one == two
        out["national speedup 1 -> 2 workers"] = round(
            by["national-1"]["wall_s"] / by["national-2"]["wall_s"], 2
        )
        out["national CPU s 1 -> 2 workers"] = (
            f"{by['national-1'].get('cpu_s')} -> {by['national-2'].get('cpu_s')}"
        )
        out["national 2 workers within 90 s"] = by["national-2"]["wall_s"] <= 90
    if "national-1-dask" in by and "national-2" in by:
        one, two = by["national-1-dask"], by["national-2"]
        out["national identical (values+attrs) 1 Dask worker vs 2"] = one.get("values") == two.get(
            "values"
        )
        out["national speedup 1 Dask worker -> 2 workers"] = round(one["wall_s"] / two["wall_s"], 2)
        out["national CPU s 1 Dask worker -> 2 workers"] = (
            f"{one.get('cpu_s')} -> {two.get('cpu_s')}"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--skip-builds", action="store_true")
    parser.add_argument(
        "--skip-safety", action="store_true", help="builds only; keep earlier safety figures"
    )
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--skip-area", action="store_true", help="national builds only")
    parser.add_argument(
        "--one-dask-worker",
        action="store_true",
        help="also build the national scope on a Dask cluster of one worker",
    )
    parser.add_argument(
        "--reference-commit",
        help="also build the national scope of this commit (e.g. main) and check identity",
    )
    parser.add_argument("--reference", help="folder of a reference national release's *.nc")
    parser.add_argument(
        "--products", help="build only these products (comma-separated; their needs added)"
    )
    parser.add_argument("--publish-child", nargs=2, metavar=("ROOT", "SEED"))
    args = parser.parse_args()
    if args.publish_child:
        child_publish(args.publish_child[0], int(args.publish_child[1]))
        return
    rng = random.Random(args.seed)
    json_out = OUT.with_suffix(".json")
    figures: dict[str, Any] = json.loads(json_out.read_text()) if json_out.exists() else {}
    figures["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    figures["load_average"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    if not args.skip_safety:
        figures["fault_injection"] = fault_injection(args.kills, rng)
        print("fault injection:", figures["fault_injection"], flush=True)
        figures["sigkill"] = sigkill(args.kills, rng, args.python)
        print("sigkill:", figures["sigkill"], flush=True)
    if not args.skip_builds:
        figures["builds"], figures["identity"] = builds(
            args.python,
            national=not args.skip_national,
            area=not args.skip_area,
            reference=args.reference,
            reference_commit=args.reference_commit,
            products=args.products,
            one_dask_worker=args.one_dask_worker,
        )
        figures["products"] = args.products or "all"
        # a commit names itself; a folder of this machine is not written into the docs
        figures["reference"] = (
            f"commit {args.reference_commit}"
            if args.reference_commit
            else ("the release given with --reference" if args.reference else "")
        )
        figures["build_summary"] = summarise_builds(figures["builds"])
        print("builds:", json.dumps(figures["build_summary"], indent=1), flush=True)
        if figures["identity"]:
            print("identity:", json.dumps(figures["identity"], indent=1), flush=True)
            if any(v != "identical" for v in figures["identity"].values()):
                print("NOT IDENTICAL to the reference", flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(with_figures(OUT, report(figures)), encoding="utf-8")
    for run in figures.get("builds", []):
        run.pop("path", None)  # a temporary folder of this run: not a figure
    json_out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
