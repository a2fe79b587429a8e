"""CPU seconds per product of a release, in one process (no Prefect, no Dask).

    python benchmarks/profile_release.py [--scope national] [--products a,b] [--out FILE.json]
        [--before EARLIER.json] [--save DIR] [--compare DIR] [--check-reviews]
        [--work-complevel N]

Runs the step functions of :mod:`forecasting.release` in build order exactly as the flow does
(``run_step`` / ``run_unit`` / ``run_combine`` through a fresh work area) and records
``time.process_time()`` of the process per product (the numba threads included), plus the
whole process (imports, ingest). Wall seconds are printed too but mean little on a shared
machine. The per-unit figures show how evenly a mapped product spreads over workers.
``--before`` prints a Markdown table of CPU s per product beside an earlier ``--out`` file
(e.g. of the commit before a change) and writes it into the JSON as ``table``.
``--save DIR`` writes every product's dataset to ``DIR/<product>.nc``; ``--compare DIR``
checks each against the one saved there (e.g. by a run of the commit before a change) with
``xr.testing.assert_identical``, every attr but ``code_version`` (the git commit), and
exits 1 if one differs (a product the directory lacks, e.g. one added since, is reported as
``"absent"``; ``benchmarks/check_release_identity.py`` compares two saved directories the
same way). ``--check-reviews`` renders the monthly reviews once more the way a build without
the ``monthly_reviews`` step does (at publish, from the published datasets) and checks that
the step's files are the same: names, order, media types and meta, HTML bytes, PDFs but for
their creation time (exit 1 otherwise). ``--work-complevel N`` writes the work area's
files at zlib level N (the A/B of :data:`forecasting.io.release_work.WORK_COMPLEVEL`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scope", default="national")
    parser.add_argument("--area", default="TA23")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--products", help="comma-separated (default: every product)")
    parser.add_argument("--out", help="write the figures as JSON here")
    parser.add_argument("--before", help="an earlier --out file to compare with")
    parser.add_argument("--save", help="write each product's dataset to DIR/<product>.nc")
    parser.add_argument("--compare", help="assert each dataset identical to DIR/<product>.nc")
    parser.add_argument(
        "--work-complevel",
        type=int,
        help="zlib level of the work area's files (default: the work area's own)",
    )
    parser.add_argument(
        "--check-reviews", action="store_true", help="the reviews step's files = at publish"
    )
    args = parser.parse_args()

    from forecasting import release
    from forecasting.io import release_work
    from forecasting.io.inputs import assemble
    from forecasting.io.release_work import WorkArea

    if args.work_complevel is not None:
        release_work.WORK_COMPLEVEL = args.work_complevel

    names = args.products.split(",") if args.products else None
    products, skipped = release.plan(names)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    rows: list[dict[str, object]] = []
    identical: dict[str, str | bool] = {}
    with tempfile.TemporaryDirectory() as work:
        inputs = assemble()
        ctx = release.make_context(args.scope, args.area, args.seed, products, inputs, work)
        release.stage_inputs(ctx, inputs)
        rows.append({"product": "ingest", "units": 1, "cpu_s": time.process_time() - cpu0})
        refs: dict[str, release.ProductRef] = {}
        for product in products:
            needs = {n: refs[n] for n in product.needs}
            c0, w0 = time.process_time(), time.perf_counter()
            unit_cpu: dict[str, float] = {}
            if product.mapped:
                assert product.units is not None
                parts = []
                for unit in product.units(ctx):
                    u0 = time.process_time()
                    reads = {n: refs[n] for n in product.unit_inputs}
                    parts.append(release.run_unit(ctx, product, unit, reads))
                    unit_cpu[unit] = round(time.process_time() - u0, 2)
                refs[product.name] = release.run_combine(ctx, product, parts, needs)
            else:
                refs[product.name] = release.run_step(ctx, product, needs)
            row = {
                "product": product.name,
                "units": max(1, len(unit_cpu)),
                "cpu_s": round(time.process_time() - c0, 2),
                "wall_s": round(time.perf_counter() - w0, 2),
                "max_unit_cpu_s": max(unit_cpu.values(), default=None),
                "unit_cpu_s": unit_cpu,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
            if args.save or args.compare:
                dataset = WorkArea(ctx.work_dir).load(refs[product.name].key)
                if args.save:
                    Path(args.save).mkdir(parents=True, exist_ok=True)
                    dataset.to_netcdf(Path(args.save) / f"{product.name}.nc")
                if args.compare:
                    identical[product.name] = same_as_saved(dataset, args.compare, product.name)
                    print(json.dumps({"identical": {product.name: identical[product.name]}}))
        if args.check_reviews and "monthly_reviews" in refs:
            identical["monthly_reviews (rendered at publish)"] = same_reviews(ctx, refs)
            print(json.dumps({"reviews": identical["monthly_reviews (rendered at publish)"]}))
    usage = os.times()
    figures = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "scope": args.scope,
        "load_average_end": [round(x, 1) for x in os.getloadavg()],
        "products": rows,
        "skipped": skipped,
        "work_complevel": release_work.WORK_COMPLEVEL,
        "process_cpu_s": round(usage.user + usage.system, 1),
        "steps_cpu_s": round(time.process_time() - cpu0, 1),
        "wall_s": round(time.perf_counter() - wall0, 1),
    }
    if args.compare:
        figures["identical_to"] = {"dir": args.compare, "products": identical}
    print(json.dumps({k: v for k, v in figures.items() if k != "products"}), flush=True)
    if args.before:
        before = json.loads(Path(args.before).read_text(encoding="utf-8"))
        figures["table"] = compare(before, figures)
        print(figures["table"], flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    if not all(v is True or v == "absent" for v in identical.values()):
        sys.exit(1)


def pdf_content(data: bytes) -> bytes:
    """A PDF without the lines naming the moment it was written (fpdf2 stamps the creation
    time and derives the file's ``/ID`` from it)."""
    lines = data.split(b"\n")
    return b"\n".join(x for x in lines if not x.startswith((b"/CreationDate", b"/ID [")))


def same_reviews(ctx: Any, refs: dict[str, Any]) -> str | bool:
    """True if the ``monthly_reviews`` step's files equal the reviews rendered at publish
    from the published datasets (PDFs compared by :func:`pdf_content`), else the first
    difference."""
    from forecasting import release
    from forecasting.release.attachments import (
        build_date,
        review_attachments,
        unpack_attachments,
    )

    stepped, left_out = unpack_attachments(release.load(ctx, refs["monthly_reviews"]))
    published = {n: release.load(ctx, r) for n, r in refs.items() if r.publish}
    rendered, left_out_then = review_attachments(ctx, published, today=build_date(ctx))
    if left_out != left_out_then:
        return f"left out {left_out} != {left_out_then}"
    if [(a.name, a.media_type, dict(a.meta)) for a in stepped] != [
        (a.name, a.media_type, dict(a.meta)) for a in rendered
    ]:
        return "names, media types or meta differ"
    for a, b in zip(stepped, rendered, strict=True):
        same = (
            pdf_content(a.data) == pdf_content(b.data)
            if a.name.endswith(".pdf")
            else (a.data == b.data)
        )
        if not same:
            return f"{a.name} differs"
    return True


def same_as_saved(dataset: Any, folder: str, name: str) -> str | bool:
    """True if ``dataset`` is ``assert_identical`` to ``folder/<name>.nc`` (every attr but
    ``code_version``, both read back from netCDF), ``"absent"`` without that file, else the
    first lines of the difference."""
    import xarray as xr

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from check_release_identity import comparable

    path = Path(folder) / f"{name}.nc"
    if not path.exists():
        return "absent"
    with tempfile.TemporaryDirectory() as tmp:
        dataset.to_netcdf(Path(tmp) / "new.nc")
        with xr.open_dataset(Path(tmp) / "new.nc") as new, xr.open_dataset(path) as old:
            new, old = new.load(), old.load()
    try:
        xr.testing.assert_identical(comparable(new), comparable(old))
    except AssertionError as exc:
        return "\n".join(str(exc).splitlines()[:12])
    return True


def compare(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Markdown rows: product, units, CPU s and largest unit's CPU s before and after."""
    old = {str(r["product"]): r for r in before["products"]}
    lines = [
        f"| product | units | CPU s before ({before['when']}) | CPU s after ({after['when']}) "
        "| largest unit CPU s before -> after |",
        "|---|---|---|---|---|",
    ]
    for row in after["products"]:
        was = old.get(str(row["product"]), {})
        units = f"{was.get('units', '-')} -> {row['units']}"
        largest = f"{was.get('max_unit_cpu_s') or '-'} -> {row.get('max_unit_cpu_s') or '-'}"
        lines.append(
            f"| {row['product']} | {units} | {was.get('cpu_s', '-')} | {row['cpu_s']} | {largest} |"
        )
    lines.append(
        f"| **steps, total** | | {before.get('steps_cpu_s')} | {after.get('steps_cpu_s')} | |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
