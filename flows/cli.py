"""The ``ennakointi`` command line: the operator's entry point.

It lives in ``flows/`` (when and how things run), so that ``forecasting`` depends on nothing
above it. Commands that need no orchestration call :mod:`forecasting` directly; ``release
build`` and ``run`` go through the Prefect flow; ``serve`` and ``run`` start the service as
``python -m service`` in place of this process, so flows/ never imports service/. Prefect is
configured from the settings, and its API server owned, by :func:`flows.prefect_api.prefect_api`
(no ``PREFECT_*`` variables needed; no server outlives the command). Heavy modules
are imported inside the handlers so that ``ennakointi --help`` stays instant.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from forecasting.errors import EnnakointiError, ValidationError

Handler = Callable[[argparse.Namespace], int]


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse an unusable ``--out`` before the work that fills it (a folder, a read-only
    place, a command's own input file): a scenario or a forecast then costs nothing."""
    out = getattr(args, "out", None)
    if out is None or args.handler is _data_build_snapshot:  # that one's --out is a folder
        return
    from forecasting.io.files import check_output

    inputs = [getattr(args, name, None) for name in INPUT_ARGS]
    check_output(out, inputs=inputs)
    if getattr(args, "writes_table", False) and not _wants_workbook(Path(out)):
        check_output(_provenance_path(Path(out)), inputs=inputs)
    if args.handler is _forecast_training_needs and not _writes_workbook(args):
        for extra in _training_extras(Path(out)).values():  # all three files, or none
            check_output(extra, inputs=inputs)


#: Arguments that name a file a command reads (never a place to write its result).
INPUT_ARGS = ("spec", "csv", "params", "fields", "correspondence")


# --- data -------------------------------------------------------------------------------


def _data_info(args: argparse.Namespace) -> int:
    from forecasting import snapshot

    info = snapshot.info()
    if args.json:
        _print_json(info)
        return 0
    print(f"Snapshot data version {info.get('data_version', '?')} in {info.get('directory', '')}")
    for name, cube in info.get("cubes", {}).items():
        dims = ", ".join(f"{d}={n}" for d, n in cube.get("dims", {}).items())
        periods = cube.get("periods") or {}
        period = f"{periods.get('first', '')[:7]}..{periods.get('last', '')[:7]}" if periods else ""
        tables = ", ".join(cube.get("tables", []))
        through = f"through {cube.get('data_through') or '?'}"
        print(f"  {name:<34} {dims:<40} {period:<18} {through:<16} {tables}")
    print("Sources and licences:")
    for part in str(info.get("attribution", "")).split(" | "):
        print(f"  {part}")
    return 0


def _data_refresh(args: argparse.Namespace) -> int:
    from forecasting.io import refresh
    from forecasting.settings import get_settings

    cache_dir = Path(args.cache_dir) if args.cache_dir else get_settings().data.cache_dir
    report = refresh.refresh(cache_dir, tables=args.table or None)
    print(report.summary())
    print("The embedded snapshot was not changed; the refreshed cubes are in the cache.")
    return 0


def _data_build_snapshot(args: argparse.Namespace) -> int:
    from forecasting.io import snapshot_build

    argv = []
    if args.shared:
        argv += ["--shared", args.shared]
    if args.out:
        argv += ["--out", args.out]
    return int(snapshot_build.main(argv) or 0)


# --- forecasts --------------------------------------------------------------------------


def _write_frame(frame: Any, out: str) -> None:
    """``frame`` as CSV, or as a one-sheet workbook where ``out`` names one (``.xlsx``): a
    file named for Excel gets a workbook, not CSV text that Excel refuses to open.

    Its provenance (:func:`forecasting.provenance.provenance_table` of ``frame.attrs``: data
    date, sources, licence, versions, seed) goes with it: a second sheet of the workbook,
    or a CSV beside the file (:func:`_provenance_path`)."""
    from forecasting.io.files import write_csv, write_xlsx
    from forecasting.provenance import provenance_table

    provenance = provenance_table(frame.attrs)
    path = Path(out)
    if _wants_workbook(path):
        write_xlsx({"data": frame, "provenance": provenance}, path)
        print(f"wrote {len(frame)} rows and their provenance to {path}")
        return
    write_csv(frame, path)
    beside = write_csv(provenance, _provenance_path(path))
    print(f"wrote {len(frame)} rows to {path} (provenance: {beside})")


def _provenance_path(out: Path) -> Path:
    """The CSV of a table's provenance beside the table's own CSV ``out``."""
    return out.with_name(f"{out.stem}_provenance{out.suffix or '.csv'}")


def _wants_workbook(out: Path) -> bool:
    return out.suffix.lower() == ".xlsx"


def _forecast_registers(args: argparse.Namespace) -> int:
    from forecasting import registers
    from forecasting.io.inputs import assemble

    frame = registers.forecast_frame(
        registers.check_registers(assemble(["registers"])["registers"]),
        origin=args.origin,
        horizon=args.horizon,
        scope=args.scope,
        area=args.area,
    )
    _write_frame(frame, args.out)
    return 0


def _forecast_population(args: argparse.Namespace) -> int:
    from forecasting import demography, snapshot
    from forecasting.io.inputs import assemble

    # The cubes of a later base year when the snapshot has them; a base year without its
    # cubes then fails in the domain with a ValidationError naming the missing cube.
    if args.level == "region":  # the regions' own single ages (1972-): any base 1994..
        from forecasting import geography
        from forecasting.demography.projection import dataset_to_frame
        from forecasting.demography.regional import CUBES, project_regions

        regions = None  # every region unless --area names one
        if args.area is not None:
            code = geography.resolve_area(args.area)
            if geography.level_of(code) != "region":
                raise ValidationError(
                    "area", f"--level region takes a region code MK01..MK21, not {args.area!r}"
                )
            regions = [code]
        ds = project_regions(
            assemble(list(CUBES)), base_year=args.base_year, until=args.until,
            regions=regions, draws=args.draws, seed=args.seed,
        )  # fmt: skip
        _write_frame(dataset_to_frame(ds), args.out)
        return 0
    have = set(snapshot.names())
    cubes = assemble([*demography.CUBES, *(n for n in demography.BASE_CUBES if n in have)])
    frame = demography.population_frame(
        cubes,
        base_year=args.base_year,
        until=args.until,
        scope=args.scope,
        area="TA23" if args.area is None else args.area,
        draws=args.draws,
        seed=args.seed,
    )
    _write_frame(frame, args.out)
    return 0


def _forecast_training_needs(args: argparse.Namespace) -> int:
    from forecasting import training_balance, training_params
    from forecasting.io.files import write_csv, write_xlsx
    from forecasting.io.inputs import assemble
    from forecasting.provenance import provenance_table
    from forecasting.settings import get_settings

    seed = get_settings().release.seed if args.seed is None else args.seed
    cubes = assemble(training_balance.CUBES)
    fields = training_params.load_fields(args.fields)
    ds = training_balance.balance_for_areas(
        cubes,
        until=args.until,
        areas=tuple(args.area) if args.area else training_balance.DEFAULT_AREAS,
        seed=seed,
        params=training_params.load_params(args.params),
        fields=fields,
        correspondence=args.correspondence,
    )
    sheets = {
        "needs": training_balance.needs_frame(ds),
        "balance": training_balance.balance_frame(ds),
        "qualifications": training_balance.qualifications_frame(ds, fields),
    }
    # the needs rest on several sources (population, jobs, occupations, registers, ...):
    # their data dates, each named
    dates = {name: ds.attrs.get("data_through") for name, ds in sorted(cubes.items())}
    through = "; ".join(f"{name} {when}" for name, when in dates.items() if when)
    sheets["needs"].attrs["data_through"] = through
    out = Path(args.out)
    if _writes_workbook(args):
        write_xlsx({**sheets, "provenance": provenance_table(sheets["needs"].attrs)}, out)
        print(f"wrote {len(sheets['needs'])} rows (and the balance, qualifications) to {out}")
        return 0
    _write_frame(sheets["needs"], str(out))
    for name, path in _training_extras(out).items():
        extra = write_csv(sheets[name], path)
        print(f"wrote {len(sheets[name])} rows to {extra}")
    return 0


def _writes_workbook(args: argparse.Namespace) -> bool:
    """Whether ``forecast training-needs`` writes one workbook (else three CSV files)."""
    return bool(args.format == "xlsx" or _wants_workbook(Path(args.out)))


def _training_extras(out: Path) -> dict[str, Path]:
    """The CSV files written beside ``out`` (the needs) by ``forecast training-needs``."""
    suffix = out.suffix or ".csv"
    return {
        name: out.with_name(f"{out.stem}_{name}{suffix}") for name in ("balance", "qualifications")
    }


# --- scenarios, releases, service ----------------------------------------------------------


def _release_dataset(release: str | None, name: str) -> Any:
    """Product ``name`` of release ``release`` ("current": the current one), or None."""
    if release is None:
        return None
    from forecasting.io.release_store import ReleaseStore

    opened = ReleaseStore().open(None if release == "current" else release)
    return opened.dataset(name) if name in opened.names() else None


def _scenario_run(args: argparse.Namespace) -> int:
    from forecasting.io.inputs import assemble
    from forecasting.scenarios import run as scenario_run
    from forecasting.scenarios.calibration import STRUCTURE_CUBES

    path = scenario_run.run_scenario_file(
        Path(args.spec),
        Path(args.out),
        assemble(STRUCTURE_CUBES),
        fmt=args.format,
        draws=args.draws,
        seed=args.seed,
        baseline=_release_dataset(args.release, "register_forecasts"),
    )
    print(f"wrote {path}")
    return 0


def _release_build(args: argparse.Namespace) -> int:
    from flows.prefect_api import prefect_api
    from flows.release import check_build, run_release

    check_build(args.scope, args.area, args.seed, args.workers, args.product or None)
    with prefect_api():
        info = run_release(
            scope=args.scope,
            area=args.area,
            seed=args.seed,
            workers=args.workers,
            products=args.product or None,
        )
    print(f"published release {info.id} at {info.path}")
    return 0


def _release_list(args: argparse.Namespace) -> int:
    from forecasting.io.release_store import ReleaseStore
    from forecasting.settings import get_settings

    store = ReleaseStore(get_settings().release.store_dir)
    current = store.current()
    for info in store.list_releases():
        mark = "*" if current is not None and info.id == current.id else " "
        print(f"{mark} {info.id}  data {info.data_version}  code {info.code_version}")
    return 0


def _exec_service(host: str, port: int) -> int:
    """Replace this process with ``python -m service`` (the API and dashboard)."""
    sys.stdout.flush()
    argv = [sys.executable, "-m", "service", "--host", host, "--port", str(port)]
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover - execv does not return


def _address(args: argparse.Namespace) -> tuple[str, int]:
    """``--host`` and ``--port``, each defaulting to the settings (``ENNAKOINTI_SERVICE__HOST``,
    ``ENNAKOINTI_SERVICE__PORT``; 127.0.0.1 and 8000 unless set), as ``python -m service``."""
    from forecasting.settings import get_settings

    service = get_settings().service
    return args.host or service.host, args.port or service.port


def _serve(args: argparse.Namespace) -> int:
    return _exec_service(*_address(args))


def _run(args: argparse.Namespace) -> int:
    """The main job: build a release on the embedded default, then serve it.

    The build's Prefect server stops before the service replaces this process: ``exec``
    runs no exit hooks, so a server left running then would outlive the service.
    """
    from flows.prefect_api import prefect_api
    from flows.release import check_build, run_release

    host, port = _address(args)
    check_build("area", args.area, args.seed, 1)
    with prefect_api():
        info = run_release(scope="area", area=args.area, seed=args.seed, workers=1)
    print(f"published release {info.id}")
    print(f"API:       http://{host}:{port}/v1  (OpenAPI docs at /docs)")
    print(f"Dashboard: http://{host}:{port}/")
    return _exec_service(host, port)


# --- events and alerts --------------------------------------------------------------------


def _alert_db() -> Any:
    from forecasting.io.alert_db import make_engine
    from forecasting.settings import get_settings

    return make_engine(get_settings().alerts.database_url)


def _db_where() -> str:
    from sqlalchemy.engine import make_url

    from forecasting.settings import get_settings

    return make_url(get_settings().alerts.database_url).render_as_string(hide_password=True)


def _database_fault(exc: Exception) -> str | None:
    """The one-line reason of an alert database that cannot be used (not a database, read
    only, locked, unreachable, a malformed URL), as the service's 503 says it; else None."""
    from sqlalchemy.exc import ArgumentError, DBAPIError

    if isinstance(exc, ArgumentError):
        return f"the alert database URL (ENNAKOINTI_ALERTS__DATABASE_URL) is malformed: {exc}"
    if not isinstance(exc, DBAPIError):
        return None
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    return f"the alert database {_db_where()} cannot be used: {reason}"


def _db_upgrade(args: argparse.Namespace) -> int:
    """Bring the alert database to this version's schema (idempotent; back it up first)."""
    from forecasting.io.alert_db import upgrade_schema
    from forecasting.settings import get_settings

    before, after = upgrade_schema(get_settings().alerts.database_url, args.revision)
    if before == after:
        print(f"alert database {_db_where()} already at revision {after}")
    else:
        print(f"alert database {_db_where()} upgraded from {before or '(no revision)'} to {after}")
    return 0


def _db_current(args: argparse.Namespace) -> int:
    """Print the database's revision; exit 1 (with the reason) unless it is this version's."""
    from forecasting.io.alert_db import SchemaVersionError, check_schema
    from forecasting.settings import get_settings

    try:
        rev = check_schema(get_settings().alerts.database_url)
    except SchemaVersionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"alert database {_db_where()} at revision {rev} (up to date)")
    return 0


def _events_add(args: argparse.Namespace) -> int:
    from pydantic import ValidationError as PydanticError

    from forecasting.alerts.events import EventIn, EventRegister, first_error

    # Every option given, also 0 and "" (refused by the model for what they are, not taken
    # for missing).
    fields = {k: v for k in EventIn.model_fields if (v := getattr(args, k, None)) is not None}
    try:
        event = EventIn.model_validate(fields)
    except PydanticError as exc:
        print(f"error: {first_error(exc, 'event')}", file=sys.stderr)
        return 2
    event_id, outcome = EventRegister(_alert_db()).record(event)
    # the same employer, municipality, kind and announcement date: the stored one corrected
    said = {"new": "registered", "corrected": "corrected", "unchanged": "already registered"}
    print(f"event {event_id} {said[outcome]}")
    return 0


def _events_import(args: argparse.Namespace) -> int:
    from collections import Counter

    from forecasting.alerts.events import EventRegister

    outcomes = Counter(o for _, o in EventRegister(_alert_db()).import_csv(Path(args.csv)))
    print(
        f"imported {sum(outcomes.values())} rows: {outcomes['new']} new, "
        f"{outcomes['corrected']} corrected, {outcomes['unchanged']} already registered"
    )
    return 0


def _events_list(args: argparse.Namespace) -> int:
    from forecasting.alerts.events import EventRegister

    frame = EventRegister(_alert_db()).frame(area=args.area)
    print(frame.to_string(index=False) if len(frame) else "no events")
    return 0


def _alerts_list(args: argparse.Namespace) -> int:
    from forecasting import geography
    from forecasting.alerts.repository import AlertRepository

    areas = [args.area, *geography.members(args.area)] if args.area else []
    total, rows = AlertRepository(_alert_db()).alerts(
        areas=areas,
        min_severity=args.severity,
        states=[args.state] if args.state else [],
        limit=args.limit,
    )
    for r in rows:
        print(f"{r['id']:>6} {r['severity']:<8} {r['state']:<9} {r['last_evaluated']} {r['title']}")
    print(f"{len(rows)} of {total} alerts")
    return 0


def _alerts_ack(args: argparse.Namespace) -> int:
    from forecasting.alerts.repository import AlertRepository

    row = AlertRepository(_alert_db()).acknowledge(args.id, args.user)
    print(f"alert {row['id']} acknowledged by {row['acknowledged_by']}")
    return 0


def _current_products() -> dict[str, Any]:
    """The current release's products the alert rules read ({} before the first release)."""
    from forecasting.alerts.run import release_products
    from forecasting.io.release_store import ReleaseStore

    current = ReleaseStore().current()
    return release_products(current.id) if current is not None else {}


def _alerts_evaluate(args: argparse.Namespace) -> int:
    from forecasting.alerts.run import ALERT_CUBES, evaluate_snapshot, release_products
    from forecasting.io.inputs import assemble
    from forecasting.scenarios.calibration import STRUCTURE_CUBES

    release = None if args.release == "current" else args.release
    report = evaluate_snapshot(
        _alert_db(),
        assemble(sorted({*ALERT_CUBES, *STRUCTURE_CUBES})),
        since=args.since,
        area=args.area,
        deliver=args.deliver,
        products=release_products(release) if release else _current_products(),
    )
    print(report)
    return 0


def _alerts_replay(args: argparse.Namespace) -> int:
    import tempfile

    from forecasting.alerts.replay import replay, replay_areas
    from forecasting.io.alert_db import make_engine
    from forecasting.io.inputs import assemble

    registers = assemble(["registers"])["registers"]
    areas = replay_areas(registers, args.scope, args.area)
    with tempfile.TemporaryDirectory() as tmp:
        db = make_engine(f"sqlite:///{Path(tmp) / 'replay.sqlite'}")
        frame = replay(db, registers, args.from_, args.to, areas)
        db.dispose()
    _write_frame(frame, args.out)
    print(f"{len(frame)} episodes in {len(areas)} areas -> {args.out}")
    return 0


def _report_monthly(args: argparse.Namespace) -> int:
    from forecasting.alerts.run import release_products
    from forecasting.io.files import write_bytes
    from forecasting.io.inputs import assemble
    from forecasting.io.release_store import ReleaseStore
    from forecasting.report.build import REPORT_CUBES, REPORT_PRODUCTS, format_of, review_bytes

    fmt = format_of(args.out)
    current = ReleaseStore().current()
    products = release_products(current.id, names=REPORT_PRODUCTS) if current else {}
    data = review_bytes(
        assemble(list(REPORT_CUBES)), products, args.area, args.month,
        fmt=fmt, lang=args.lang, release=current.id if current else None,
    )  # fmt: skip
    write_bytes(data, Path(args.out))
    print(f"review {args.area} {args.month or 'latest'} ({args.lang}, {fmt}) -> {args.out}")
    return 0


def _alerts_episodes(args: argparse.Namespace) -> int:
    import pandas as pd

    from forecasting.alerts.replay import labelled_onsets
    from forecasting.io.inputs import assemble
    from forecasting.provenance import provenance_of

    registers = assemble(["registers"])["registers"]
    # the labelled history ends where the first extract does (the gap follows it)
    unemployed = registers["unemployed"].sel(time=slice(None, "2023-10-01"))
    frame = labelled_onsets(unemployed)
    last = f"{pd.Timestamp(unemployed['time'].values[-1]):%Y-%m}"
    frame.attrs.update(provenance_of(registers), data_through=last)
    _write_frame(frame, args.out)
    print(f"{len(frame)} labelled onsets -> {args.out}")
    return 0


def _alerts_dead_letters(args: argparse.Namespace) -> int:
    from forecasting.io.delivery import Deliverer

    deliverer = Deliverer(_alert_db())
    if args.replay is not None:
        if not deliverer.replay(args.replay):
            print(f"error: delivery {args.replay} is not a dead letter", file=sys.stderr)
            return 1
        print(f"delivery {args.replay} queued again (the delivery-drain deployment sends it)")
        return 0
    total, rows = deliverer.dead_letters(limit=args.limit)
    for r in rows:
        print(
            f"{r['id']:>6}  {r['kind']:<9} {r['channel']:<7} {r['recipient']:<20} "
            f"attempts {r['attempts']}  {r['last_due_at']}  {r['last_error']}  {r['title']}"
        )
    print(f"{len(rows)} of {total} dead letters")
    return 0


def _alerts_drain(args: argparse.Namespace) -> int:
    from forecasting.alerts.run import deliverer_from_settings

    print(deliverer_from_settings(_alert_db()).process_due())
    return 0


# --- parser ----------------------------------------------------------------------------


def _int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number in ``low..high`` (refused with the range otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low}..{high}, got {value}")
        return value

    return parse


#: ``--seed`` of a release build: checked by :func:`flows.release.check_build`.
SEED_HELP = "root seed, 0..2**63-1 (default: ENNAKOINTI_RELEASE__SEED, else 20250101)"
#: What every ``--out`` says of the file it writes.
OUT_HELP = (
    "file to write; missing folders are created, an existing file is replaced only once the "
    "result is complete, and a folder or the command's own input is refused"
)
#: ``--out`` of a command that writes a table (:func:`_write_frame`).
TABLE_OUT_HELP = f"{OUT_HELP}; CSV, or an Excel workbook where the name ends in .xlsx"

#: The most rows a listing prints (``alerts list``, ``alerts dead-letters``).
MAX_LISTED = 100_000


def _add_area_args(p: argparse.ArgumentParser, *, levels: str) -> None:
    """``--scope`` and ``--area``; ``levels`` says which area codes the command takes.
    :func:`_check_scope` fills in the default area and refuses an area with ``--scope
    national``."""
    p.add_argument("--scope", choices=("area", "national"), default="area")
    p.add_argument(
        "--area", default=None,
        help=f"with --scope area: {levels}; case-insensitive (default TA23); "
        "not with --scope national, which covers every area",
    )  # fmt: skip
    p.set_defaults(scoped_area=True)


def _check_scope(args: argparse.Namespace) -> None:
    """``--area`` goes with ``--scope area`` (default TA23); ``--scope national`` covers
    every area, so an area beside it is refused instead of silently ignored."""
    if not getattr(args, "scoped_area", False):
        return
    if args.scope == "national" and args.area is not None:
        raise ValidationError(
            "area", f"--scope national covers every area; drop --area {args.area!r} "
            "or use --scope area",
        )  # fmt: skip
    if args.area is None:  # national: the handlers' signatures still take one (unused)
        args.area = "TA23"


def _build_parser() -> argparse.ArgumentParser:
    from forecasting import __version__

    parser = argparse.ArgumentParser(
        prog="ennakointi", description="Labour-market foresight for Finnish employment areas."
    )
    parser.add_argument("--version", action="version", version=f"ennakointi {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="the embedded data snapshot").add_subparsers(
        dest="sub", required=True
    )
    p = data.add_parser("info", help="what the snapshot holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_data_info)
    p = data.add_parser("refresh", help="fetch the configured StatFin tables into the cache")
    p.add_argument("--cache-dir")
    p.add_argument("--table", action="append", help="table id (repeatable); default all")
    p.set_defaults(handler=_data_refresh)
    p = data.add_parser("build-snapshot", help="rebuild the snapshot from ../shared/data")
    p.add_argument("--shared")
    p.add_argument("--out")
    p.set_defaults(handler=_data_build_snapshot)

    fc = sub.add_parser("forecast", help="forecasts to CSV or Excel").add_subparsers(
        dest="sub", required=True
    )
    p = fc.add_parser(
        "registers", help="unemployed, vacancies and special groups, 1-60 months ahead"
    )
    p.add_argument(
        "--origin", default="latest",
        help="last month of data used, YYYY-MM with four years of history before it and "
        "register data in it, or 'latest'",
    )  # fmt: skip
    p.add_argument("--horizon", type=int, default=12, help="months ahead, 1..60")
    _add_area_args(p, levels="an employment area (TA23) or a region (MK10)")
    p.add_argument("--out", required=True, help=TABLE_OUT_HELP)
    p.set_defaults(handler=_forecast_registers, writes_table=True)
    p = fc.add_parser("population", help="cohort-component projection with intervals")
    p.add_argument(
        "--base-year", type=int, default=None,
        help="a year with a base population (municipalities: those of the snapshot; regions: "
        "1994..); default: the latest",
    )  # fmt: skip
    p.add_argument("--until", type=int, default=None, help="base year + 1..2100 (default +20)")
    p.add_argument(
        "--draws", type=int, default=1000,
        help="simulated paths, 0..the configured cap (5000 by default); 0: the expected path",
    )  # fmt: skip
    p.add_argument("--seed", type=int, default=20250101, help="root seed, >= 0")
    p.add_argument(
        "--level", choices=("municipality", "region"), default="municipality",
        help="region: the 19 regions from their own single ages, base 1994..",
    )  # fmt: skip
    p.add_argument("--scope", choices=("area", "national"), default="area")
    p.add_argument(
        "--area", default=None,
        help="area code (default TA23); with --level region a region MK## (default all 19)",
    )  # fmt: skip
    p.add_argument("--out", required=True, help=TABLE_OUT_HELP)
    p.set_defaults(handler=_forecast_population, writes_table=True)
    p = fc.add_parser(
        "training-needs", help="new entrants needed by field of education, level and kind"
    )
    p.add_argument(
        "--until", type=int, default=2035,
        help="last year, from the year after the population's base year (2026) to 2040",
    )  # fmt: skip
    p.add_argument(
        "--area",
        action="append",
        default=None,
        help="area with its municipalities (repeatable; default TA23 and MK10)",
    )
    p.add_argument("--params", default=None, help="parameters TOML (default: shipped v1)")
    p.add_argument("--fields", default=None, help="fields/qualifications TOML (default: v1)")
    p.add_argument("--correspondence", default=None, help="occupation -> education CSV")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--seed", type=int, default=None, help=">= 0; default: settings.release.seed")
    p.add_argument("--out", required=True, help=TABLE_OUT_HELP)
    p.set_defaults(handler=_forecast_training_needs, writes_table=True)

    sc = sub.add_parser("scenario", help="layoff and recruitment scenarios").add_subparsers(
        dest="sub", required=True
    )
    p = sc.add_parser("run", help="run a scenario spec (JSON)")
    p.add_argument("spec", help="the spec, a JSON object (docs/API.md, POST /v1/scenarios/runs)")
    p.add_argument("--out", required=True, help=OUT_HELP)
    p.add_argument("--format", choices=("netcdf", "csv"), default="netcdf")
    p.add_argument(
        "--draws", type=int, default=None,
        help="1..the configured cap (5000 by default); default: the spec's, else the settings'",
    )  # fmt: skip
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="0..2**63-1; default: the spec's seed, else settings.release.seed",
    )
    p.add_argument(
        "--release",
        default=None,
        help="release id (or 'current') whose register_forecasts a register_forecast spec follows",
    )
    p.set_defaults(handler=_scenario_run)

    rel = sub.add_parser("release", help="versioned releases").add_subparsers(
        dest="sub", required=True
    )
    p = rel.add_parser("build", help="build and publish a release (Prefect flow)")
    _add_area_args(p, levels="an employment area (TA23)")
    p.add_argument("--seed", type=int, default=None, help=SEED_HELP)
    p.add_argument("--workers", type=int, default=1, help="processes, 1..the cores of this machine")
    p.add_argument("--product", action="append", help="product name (repeatable); default all")
    p.set_defaults(handler=_release_build)
    p = rel.add_parser("list", help="list archived releases (* = current)")
    p.set_defaults(handler=_release_list)

    ev = sub.add_parser("events", help="the event register").add_subparsers(
        dest="sub", required=True
    )
    p = ev.add_parser("add", help="register an announced layoff, closure or recruitment")
    p.add_argument("--employer", required=True)
    p.add_argument("--municipality", required=True, help="municipality code, e.g. 507")
    p.add_argument("--industry", required=True, help="TOL 2008 section A..U or X")
    p.add_argument(
        "--kind",
        required=True,
        choices=("closure", "dismissal", "temporary_layoff", "change_negotiations", "recruitment"),
    )
    p.add_argument("--jobs", type=int, required=True, help="jobs lost or created, 1..100000")
    dates = "YYYY-MM-DD, 1990-01-01..2100-12-31"
    p.add_argument("--announced", required=True, help=dates)
    p.add_argument(
        "--effect-start", dest="effect_start", required=True,
        help=f"{dates}, at most a year before the announcement",
    )  # fmt: skip
    p.add_argument("--effect-end", dest="effect_end", help=f"{dates}, not before the start")
    p.add_argument("--source", required=True, help="where the information comes from")
    p.set_defaults(handler=_events_add)
    p = ev.add_parser("import", help="import events from a CSV (all or nothing)")
    p.add_argument(
        "csv",
        help="UTF-8 CSV whose header names employer, municipality, industry, kind, jobs, "
        "announced, effect_start and source (effect_end optional); one event a row",
    )
    p.set_defaults(handler=_events_import)
    p = ev.add_parser("list", help="list registered events")
    p.add_argument("--area")
    p.set_defaults(handler=_events_list)

    db = sub.add_parser("db", help="the alert/event database's schema").add_subparsers(
        dest="sub", required=True
    )
    p = db.add_parser("upgrade", help="migrate the schema to this version (back up first)")
    p.add_argument("--revision", default="head", help="target revision (default: head)")
    p.set_defaults(handler=_db_upgrade)
    p = db.add_parser("current", help="the schema's revision; exit 1 if not this version's")
    p.set_defaults(handler=_db_current)

    al = sub.add_parser("alerts", help="early-warning alerts").add_subparsers(
        dest="sub", required=True
    )
    p = al.add_parser("list", help="list alerts")
    p.add_argument("--area")
    p.add_argument("--severity", choices=("info", "warning", "critical"))
    p.add_argument("--state", choices=("pending", "firing", "resolved"))
    p.add_argument("--limit", type=_int_in(1, MAX_LISTED), default=50, help="rows, 1..100000")
    p.set_defaults(handler=_alerts_list)
    p = al.add_parser("ack", help="acknowledge an alert")
    p.add_argument("id", type=int)
    p.add_argument("--user", required=True)
    p.set_defaults(handler=_alerts_ack)
    p = al.add_parser("evaluate", help="evaluate the rules on the snapshot and queue deliveries")
    p.add_argument(
        "--since", default=None, help="first month to evaluate, YYYY-MM, within the registers"
    )
    p.add_argument("--area", default=None, help="limit to one area's municipalities")
    p.add_argument("--deliver", action="store_true", help="send what is due now")
    p.add_argument(
        "--release",
        default="current",
        help="release whose register_forecasts (and labour supply, occupation forecasts) the "
        "rules read (default: the current release; without one the run is refused)",
    )
    p.set_defaults(handler=_alerts_evaluate)
    p = al.add_parser("replay", help="replay the register rules on history: episodes to CSV")
    p.add_argument(
        "--from", dest="from_", default="2006-01",
        help="first month, YYYY-MM, within the registers (2006-01..)",
    )  # fmt: skip
    p.add_argument("--to", default="2023-10", help="last month, YYYY-MM, not before --from")
    p.add_argument("--scope", choices=("area", "national"), default="national")
    p.add_argument("--area", default=None, help="with --scope area: the area and its members")
    p.add_argument("--out", required=True, help="CSV: area, rule, severity, start, end")
    p.set_defaults(handler=_alerts_replay, writes_table=True)
    p = al.add_parser("episodes", help="the labelled onsets 2006-2023 (objective definition)")
    p.add_argument("--out", required=True, help="CSV: area, onset, turn")
    p.set_defaults(handler=_alerts_episodes, writes_table=True)
    p = al.add_parser("dead-letters", help="list dead-letter deliveries, or queue one again")
    p.add_argument("--replay", type=int, default=None, metavar="ID", help="queue this one again")
    p.add_argument("--limit", type=_int_in(1, MAX_LISTED), default=100, help="rows, 1..100000")
    p.set_defaults(handler=_alerts_dead_letters)
    p = al.add_parser("drain", help="send the deliveries that are due now (one pass)")
    p.set_defaults(handler=_alerts_drain)

    rp = sub.add_parser("report", help="the monthly labour-market review").add_subparsers(
        dest="report_command", required=True
    )
    p = rp.add_parser("monthly", help="työmarkkinakatsaus of an employment area, PDF or HTML")
    p.add_argument("--area", default="TA23", help="area code, e.g. TA23")
    p.add_argument(
        "--month", default=None,
        help="YYYY-MM within the registers (default: the latest with data)",
    )  # fmt: skip
    p.add_argument("--lang", choices=("fi", "sv", "en"), default="fi")
    p.add_argument("--out", required=True, help="FILE.pdf or FILE.html")
    p.set_defaults(handler=_report_monthly)

    for name, handler, helptext in (
        ("serve", _serve, "serve the current release (API + dashboard)"),
        ("run", _run, "build a release on the embedded default and serve it"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument(
            "--host",
            default=None,
            help="interface (default: ENNAKOINTI_SERVICE__HOST, else 127.0.0.1)",
        )
        p.add_argument(
            "--port",
            type=_int_in(1, 65535),
            default=None,
            help="port 1..65535 (default: ENNAKOINTI_SERVICE__PORT, else 8000)",
        )
        if name == "run":
            p.add_argument("--area", default="TA23", help="an employment area (default TA23)")
            p.add_argument("--seed", type=int, default=None, help=SEED_HELP)
        p.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ennakointi`` command; returns the exit code."""
    args = _build_parser().parse_args(argv)
    try:
        _check_scope(args)
        _check_outputs(args)
        return int(args.handler(args))
    except EnnakointiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        message = _database_fault(exc)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
