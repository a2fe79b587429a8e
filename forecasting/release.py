"""What a release contains and how it is assembled, without any orchestration.

A release is a set of *products* (datasets under the names of
:data:`forecasting.io.release_store.CANONICAL_NAMES`), each built by a :class:`Product`
registered here: a thin adapter over the module that owns it. A product is included only
when its module exists and imports (:func:`plan`); nothing is ever stubbed. Products run in
registration order (ingest, models, backtests, reconciliation, demography, labour demand,
scenarios, alerts), each a step that reads the results it ``needs`` and writes its own.

A step's result lives in the :class:`~forecasting.io.release_work.WorkArea` under a key that
hashes everything it depends on (:func:`step_key`): the step and its version, the scope and
areas, the seed, the data versions of the snapshot cubes it reads, the code version and
source fingerprint, and the content hashes of its inputs. Steps pass :class:`ProductRef`
references, never arrays. ``flows.release`` schedules these steps with Prefect (mapped over
municipalities where a product has ``units``); the functions here also run without Prefect.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from forecasting import geography
from forecasting.contract import to_canonical, validate
from forecasting.io.release_store import ReleaseError, ReleaseInfo, ReleaseStore
from forecasting.io.release_work import WorkArea, source_fingerprint
from forecasting.provenance import ATTRIBUTION, LICENCE, code_version, combine_versions

SCOPES = ("area", "national")
#: ``Product.cubes`` entry for a product that reads many cubes: keyed on the whole snapshot.
WHOLE_SNAPSHOT = "snapshot"
BuildFn = Callable[["BuildContext", Mapping[str, xr.Dataset]], xr.Dataset]
UnitsFn = Callable[["BuildContext"], Sequence[str]]
UnitFn = Callable[["BuildContext", str, Mapping[str, xr.Dataset]], xr.Dataset]
CombineFn = Callable[
    ["BuildContext", Mapping[str, xr.Dataset], Mapping[str, xr.Dataset]], xr.Dataset
]
MetricsFn = Callable[[xr.Dataset], Mapping[str, Any]]


@dataclass(frozen=True)
class BuildContext:
    """Everything a step may depend on besides its inputs; small, hashable, picklable.

    Attributes
    ----------
    scope, area
        ``"area"`` (one employment area, e.g. ``"TA23"``) or ``"national"``.
    seed
        Root seed; steps derive their own streams with :meth:`seed_for`.
    municipalities, areas
        Municipality codes of the scope, and every area code a release holds (municipalities,
        then the employment area(s), region(s) and ``"SSS"``).
    cube_versions
        ``(cube, data_version)`` pairs of the snapshot cubes the planned products read.
    code_version, code_fingerprint
        :func:`forecasting.provenance.code_version` and the source hash.
    work_dir
        Folder of step results (:class:`WorkArea`).
    """

    scope: str
    area: str
    seed: int
    municipalities: tuple[str, ...]
    areas: tuple[str, ...]
    cube_versions: tuple[tuple[str, str], ...]
    code_version: str
    code_fingerprint: str
    work_dir: str

    @property
    def data_version(self) -> str:
        """One version for all inputs of the release."""
        return combine_versions(f"{c}={v}" for c, v in self.cube_versions)

    def versions_of(self, cubes: Sequence[str]) -> dict[str, str]:
        known = dict(self.cube_versions)
        return {c: known[c] for c in cubes if c in known}

    def seed_for(self, *labels: str) -> int:
        """A seed for one step/unit, independent of scheduling order (non-negative int64)."""
        entropy = [self.seed, *(zlib.crc32(label.encode()) for label in labels)]
        state = np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint64)[0]
        return int(state >> np.uint64(1))


@dataclass(frozen=True)
class Product:
    """One release product and how to build it.

    Either ``build(ctx, inputs)`` for a single step, or ``units(ctx)`` + ``build_unit(ctx,
    unit, inputs)`` + ``combine(ctx, parts, inputs)`` for a step mapped over units
    (municipalities). ``inputs`` maps the names in ``needs`` to their datasets.
    """

    name: str
    stage: str
    requires: tuple[str, ...]
    cubes: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    build: BuildFn | None = None
    units: UnitsFn | None = None
    build_unit: UnitFn | None = None
    combine: CombineFn | None = None
    metrics: MetricsFn | None = None
    publish: bool = True
    version: str = "1"
    source_tables: tuple[str, ...] = ()

    @property
    def mapped(self) -> bool:
        return self.units is not None


@dataclass(frozen=True)
class ProductRef:
    """A reference to one step result in the work area (what steps pass each other)."""

    name: str
    key: str
    content_hash: str
    unit: str | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    publish: bool = True


_REGISTRY: dict[str, Product] = {}


def register(product: Product) -> Product:
    """Add ``product`` to the registry; its ``needs`` must be registered already."""
    missing = [n for n in product.needs if n not in _REGISTRY]
    if missing:
        raise ReleaseError(f"product {product.name!r} needs unregistered {missing}")
    if product.mapped == (product.build is not None):
        raise ReleaseError(f"product {product.name!r}: give build, or units+build_unit+combine")
    _REGISTRY[product.name] = product
    return product


def registered() -> dict[str, Product]:
    """The registry (name -> product), in build order."""
    return dict(_REGISTRY)


def unavailable_reason(product: Product) -> str | None:
    """Why ``product`` cannot be built here (a module or function missing), or None."""
    for requirement in product.requires:
        module_name, _, attr = requirement.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return f"module {module_name} is not present"
            return f"module {module_name} fails to import: {exc}"
        except Exception as exc:  # a module that exists but is broken
            return f"module {module_name} fails to import: {type(exc).__name__}: {exc}"
        if attr and not callable(getattr(module, attr, None)):
            return f"{module_name} has no {attr}()"
    return None


def plan(
    names: Sequence[str] | None = None, registry: Mapping[str, Product] | None = None
) -> tuple[list[Product], dict[str, str]]:
    """The products to build, in order, and ``{skipped name: reason}``.

    Parameters
    ----------
    names
        Products wanted (default: every registered one). Their ``needs`` are added.
        A product asked for by name that cannot be built raises :class:`ReleaseError`.
    """
    registry = dict(registry if registry is not None else _REGISTRY)
    unknown = [n for n in names or () if n not in registry]
    if unknown:
        raise ReleaseError(f"unknown products {unknown}; known: {list(registry)}")
    wanted = set(names) if names else set(registry)
    for name in reversed(list(registry)):  # add needs, walking backwards through build order
        if name in wanted:
            wanted.update(registry[name].needs)
    chosen: list[Product] = []
    skipped: dict[str, str] = {}
    for name, product in registry.items():
        if name not in wanted:
            continue
        reason = unavailable_reason(product)
        if reason is None and any(n in skipped for n in product.needs):
            reason = "needs " + ", ".join(n for n in product.needs if n in skipped)
        if reason is None:
            chosen.append(product)
        else:
            skipped[name] = reason
    asked_but_skipped = [n for n in names or () if n in skipped]
    if asked_but_skipped:
        raise ReleaseError(f"cannot build {asked_but_skipped}: {skipped}")
    return chosen, skipped


def scope_areas(scope: str, area: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(municipalities, all areas)`` of a scope; aggregates follow the municipalities."""
    if scope not in SCOPES:
        raise ReleaseError(f"scope must be one of {SCOPES}, not {scope!r}")
    if scope == "national":
        table = geography.areas()
        munis = tuple(sorted(table.index[table["level"] == "municipality"]))
        levels = ("employment_area", "region", "country")
        aggregates = tuple(c for lvl in levels for c in geography.aggregate_codes(lvl))
        return munis, munis + aggregates
    code = geography.resolve_area(area)
    if geography.level_of(code) != "employment_area":
        raise ReleaseError(f"an area release is for one employment area (TA..), not {code!r}")
    munis = tuple(geography.members(code))
    region = str(geography.areas().loc[code, "parent"])
    return munis, (*munis, code, region, geography.COUNTRY)


def make_context(
    scope: str,
    area: str,
    seed: int,
    products: Sequence[Product],
    work_dir: str | None = None,
) -> BuildContext:
    """Resolve the scope and read the data versions of the cubes ``products`` read."""
    from forecasting import snapshot

    municipalities, areas = scope_areas(scope, area)
    cubes = sorted({c for p in products for c in p.cubes})
    versions = tuple(
        (
            c,
            snapshot.data_version()
            if c == WHOLE_SNAPSHOT
            else str(snapshot.load(c).attrs["data_version"]),
        )
        for c in cubes
    )
    return BuildContext(
        scope=scope,
        area=area if scope == "area" else geography.COUNTRY,
        seed=int(seed),
        municipalities=municipalities,
        areas=areas,
        cube_versions=versions,
        code_version=code_version(),
        code_fingerprint=source_fingerprint(),
        work_dir=str(WorkArea(work_dir).root),
    )


def step_key(
    ctx: BuildContext,
    product: Product,
    unit: str | None = None,
    inputs: Mapping[str, ProductRef] | None = None,
    parts: Mapping[str, ProductRef] | None = None,
) -> str:
    """The cache key of one step: ``<product>-<unit|all>-<16 hex>``."""
    facts = {
        "product": product.name,
        "version": product.version,
        "unit": unit,
        "scope": ctx.scope,
        "area": ctx.area,
        "areas": list(ctx.areas),
        "seed": ctx.seed,
        "data": ctx.versions_of(product.cubes),
        "code": [ctx.code_version, ctx.code_fingerprint],
        "inputs": {k: r.content_hash for k, r in sorted((inputs or {}).items())},
        "parts": {k: r.content_hash for k, r in sorted((parts or {}).items())},
    }
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]
    return f"{product.name}-{unit or 'all'}-{digest}"


def load(ctx: BuildContext, ref: ProductRef) -> xr.Dataset:
    """The dataset behind ``ref``."""
    return WorkArea(ctx.work_dir).load(ref.key)


# -- running steps (the bodies of the flow's tasks) ------------------------------------------
def run_step(ctx: BuildContext, product: Product, inputs: Mapping[str, ProductRef]) -> ProductRef:
    """Build a single-step product (or reuse its stored result) and return its reference."""
    if product.build is None:
        raise ReleaseError(f"product {product.name!r} is mapped; use run_unit and run_combine")
    build = product.build
    key = step_key(ctx, product, inputs=inputs)
    return _materialise(ctx, product, key, None, lambda: build(ctx, _load_all(ctx, inputs)))


def run_unit(
    ctx: BuildContext, product: Product, unit: str, inputs: Mapping[str, ProductRef]
) -> ProductRef:
    """Build one unit (e.g. a municipality) of a mapped product."""
    if product.build_unit is None:
        raise ReleaseError(f"product {product.name!r} is not mapped")
    build_unit = product.build_unit
    key = step_key(ctx, product, unit=unit, inputs=inputs)
    return _materialise(
        ctx, product, key, unit, lambda: build_unit(ctx, unit, _load_all(ctx, inputs)), final=False
    )


def run_combine(
    ctx: BuildContext,
    product: Product,
    parts: Sequence[ProductRef],
    inputs: Mapping[str, ProductRef],
) -> ProductRef:
    """Combine the units of a mapped product (e.g. reconcile over the area hierarchy)."""
    if product.combine is None:
        raise ReleaseError(f"product {product.name!r} is not mapped")
    combine = product.combine
    by_unit = {str(p.unit): p for p in parts}
    key = step_key(ctx, product, inputs=inputs, parts=by_unit)
    return _materialise(
        ctx,
        product,
        key,
        None,
        lambda: combine(ctx, _load_all(ctx, by_unit), _load_all(ctx, inputs)),
    )


def _load_all(ctx: BuildContext, refs: Mapping[str, ProductRef]) -> dict[str, xr.Dataset]:
    return {name: load(ctx, ref) for name, ref in refs.items()}


def _materialise(
    ctx: BuildContext,
    product: Product,
    key: str,
    unit: str | None,
    compute: Callable[[], xr.Dataset],
    *,
    final: bool = True,
) -> ProductRef:
    """Reuse the stored result of ``key`` or compute, check and store it."""
    work = WorkArea(ctx.work_dir)
    if not work.exists(key):
        ds = compute()
        if not isinstance(ds, xr.Dataset):
            raise ReleaseError(f"{product.name} returned {type(ds).__name__}, not a Dataset")
        ds = _with_provenance(to_canonical(ds), ctx, product)
        validate(ds, name=f"{product.name}" + (f"[{unit}]" if unit else ""))
        work.save(key, ds)
    path = work.path(key)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    metrics: dict[str, Any] = {}
    if final and product.metrics is not None:
        metrics = dict(product.metrics(work.load(key)))
    return ProductRef(
        name=product.name,
        key=key,
        content_hash=digest,
        unit=unit,
        metrics=metrics,
        publish=product.publish and final,
    )


def _with_provenance(ds: xr.Dataset, ctx: BuildContext, product: Product) -> xr.Dataset:
    """Fill provenance attrs the producer left out; pin ``code_version`` to the build's.

    Producers stamp the git commit of the moment (per process); a commit landing mid-build
    would otherwise give datasets of one release different ``code_version`` attrs.
    """
    versions = ctx.versions_of(product.cubes)
    defaults: dict[str, Any] = {
        "source_tables": ", ".join(product.source_tables) or "derived",
        "source": ATTRIBUTION,
        "license": LICENCE,
        "data_version": combine_versions(f"{c}={v}" for c, v in versions.items())
        if versions
        else ctx.data_version,
        "code_version": ctx.code_version,
        "release_product": product.name,
    }
    filled = ds.assign_attrs({k: v for k, v in defaults.items() if k not in ds.attrs})
    return filled.assign_attrs(code_version=ctx.code_version)


# -- publishing -------------------------------------------------------------------------------
def assemble_manifest(
    ctx: BuildContext,
    refs: Mapping[str, ProductRef],
    skipped: Mapping[str, str],
    timings: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The manifest of a release built from ``refs`` (see docs/RELEASES.md)."""
    return {
        "scope": ctx.scope,
        "area": ctx.area,
        "areas": len(ctx.areas),
        "municipalities": len(ctx.municipalities),
        "data_version": ctx.data_version,
        "data_versions": dict(ctx.cube_versions),
        "code_version": ctx.code_version,
        "code_fingerprint": ctx.code_fingerprint,
        "seeds": {"root": ctx.seed},
        "products": {name: ref.content_hash for name, ref in refs.items()},
        "skipped": dict(skipped),
        "metrics": {name: dict(ref.metrics) for name, ref in refs.items() if ref.metrics},
        "timings": dict(timings or {}),
    }


def publish_release(
    ctx: BuildContext,
    refs: Mapping[str, ProductRef],
    skipped: Mapping[str, str],
    store_root: str | None = None,
    timings: Mapping[str, float] | None = None,
) -> tuple[ReleaseInfo, bool]:
    """Publish the published products of ``refs`` atomically.

    Returns the release and whether it is new (False: identical to the current one).
    """
    datasets = {name: load(ctx, ref) for name, ref in refs.items() if ref.publish}
    store = ReleaseStore(store_root)
    before = store.current()
    info = store.publish(datasets, assemble_manifest(ctx, refs, skipped, timings))
    return info, before is None or before.id != info.id


# -- the products ------------------------------------------------------------------------------
def _registers_history(ctx: BuildContext, inputs: Mapping[str, xr.Dataset]) -> xr.Dataset:
    """The register cube restricted to the release's areas (history the service serves)."""
    from forecasting import snapshot

    cube = snapshot.load("registers")
    present = set(map(str, cube["area"].values))
    return cube.sel(area=[a for a in ctx.areas if a in present])


def _history_metrics(ds: xr.Dataset) -> dict[str, Any]:
    last = ds["time"].values[-1] if ds.sizes.get("time") else None
    return {"areas": int(ds.sizes["area"]), "last_month": str(last)[:7] if last else None}


register(
    Product(
        name="registers_history",
        stage="ingest",
        requires=("forecasting.snapshot:load",),
        cubes=("registers",),
        build=_registers_history,
        metrics=_history_metrics,
        source_tables=("tyonv 12r5",),
    )
)


REGISTER_HORIZON = 24  # months ahead of the last observed month


def _register_forecasts(ctx: BuildContext, inputs: Mapping[str, xr.Dataset]) -> xr.Dataset:
    """Reconciled register forecasts from the last released month, 24 months ahead."""
    from forecasting.registers import forecast_registers

    origin = f"{inputs['registers_history']['time'].values[-1]}"[:7]
    seed = ctx.seed_for("register_forecasts")
    return forecast_registers(origin, REGISTER_HORIZON, ctx.scope, ctx.area, seed=seed)


register(
    Product(
        name="register_forecasts",
        stage="models",
        requires=("forecasting.registers:forecast_registers",),
        cubes=("registers",),
        needs=("registers_history",),
        build=_register_forecasts,
        metrics=lambda ds: {"areas": int(ds.sizes["area"]), "months": int(ds.sizes["time"])},
    )
)


def _backtest_metrics(ctx: BuildContext, inputs: Mapping[str, xr.Dataset]) -> xr.Dataset:
    """Rolling-origin accuracy of the register forecasts for the release's areas.

    Mean MASE, sMAPE, interval coverage and MSIS over the default origins (2012-2022), by
    area, variable, method (base, reconciled, bottom-up) and horizon band.
    """
    from forecasting.backtest import backtest_registers, summarise
    from forecasting.registers import area_rows

    rows = area_rows(ctx.area) if ctx.scope == "area" else None
    frame = backtest_registers(rows=rows, seed=ctx.seed_for("register_backtest_metrics"))
    table = summarise(frame, by=("area", "variable", "method", "band"))
    ds = xr.Dataset.from_dataframe(
        table.rename(columns={"method": "model"}).set_index(["area", "variable", "model", "band"])
    )
    return ds.assign_attrs(
        source_tables=inputs["registers_history"].attrs.get("source_tables", ""),
        retrieved=inputs["registers_history"].attrs.get("retrieved", ""),
        origins="2012-06 .. 2022-06, nine rolling origins; metrics averaged over origins",
    )


register(
    Product(
        name="register_backtest_metrics",
        stage="backtests",
        requires=("forecasting.backtest:backtest_registers",),
        cubes=("registers",),
        needs=("registers_history",),
        build=_backtest_metrics,
        metrics=lambda ds: {
            "mase_h1_12_reconciled_unemployed": float(
                ds["mase"].sel(variable="unemployed", model="reconciled", band="h1-12").mean()
            )
        },
    )
)


def _occupation_forecasts(ctx: BuildContext, inputs: Mapping[str, xr.Dataset]) -> xr.Dataset:
    """Unemployed and vacancies by occupation group in Etelä-Savo, with tightness."""
    from forecasting.registers import forecast_occupations

    origin = f"{inputs['registers_history']['time'].values[-1]}"[:7]
    seed = ctx.seed_for("occupation_forecasts")
    return forecast_occupations(origin, REGISTER_HORIZON, "MK10", seed=seed)


register(
    Product(
        name="occupation_forecasts",
        stage="models",
        requires=("forecasting.registers:forecast_occupations",),
        cubes=("occupations",),
        needs=("registers_history",),
        build=_occupation_forecasts,
        metrics=lambda ds: {"occupations": int(ds.sizes["occupation"])},
    )
)


def _area_units(ctx: BuildContext) -> list[str]:
    """Map units of area-level products: the area, or every employment area plus Finland."""
    if ctx.scope == "area":
        return [ctx.area]
    return [*geography.aggregate_codes("employment_area"), geography.COUNTRY]


def _concat_areas(
    ctx: BuildContext, parts: Mapping[str, xr.Dataset], inputs: Mapping[str, xr.Dataset]
) -> xr.Dataset:
    """Join per-area parts along ``area`` (municipalities first, in the release's order).

    The order depends only on the labels, never on which worker finished first.
    """
    ordered = [parts[unit] for unit in sorted(parts)]
    ds = xr.concat(
        ordered,
        dim="area",
        data_vars="minimal",
        coords="minimal",
        compat="override",
        join="exact",
        combine_attrs="override",
    )
    got = list(map(str, ds["area"].values))
    rank = {a: i for i, a in enumerate(ctx.areas)}
    ds = ds.isel(area=sorted(range(len(got)), key=lambda i: (rank.get(got[i], len(rank)), got[i])))
    return ds.assign_attrs(seed=ctx.seed, unit_seeds="seed_for(product, unit) from the root seed")


def _jobs_unit(ctx: BuildContext, unit: str, inputs: Mapping[str, xr.Dataset]) -> xr.Dataset:
    from forecasting import demand

    seed = ctx.seed_for("jobs_by_industry", unit)
    return demand.jobs_by_industry_projection(until=2035, area=unit, seed=seed)


def _training_unit(ctx: BuildContext, unit: str, inputs: Mapping[str, xr.Dataset]) -> xr.Dataset:
    from forecasting import training

    seed = ctx.seed_for("training_needs", unit)
    scope = "national" if unit == geography.COUNTRY else "area"
    return training.training_needs(until=2035, scope=scope, area=unit, seed=seed)


def _area_count(ds: xr.Dataset) -> dict[str, Any]:
    return {"areas": int(ds.sizes["area"])}


register(
    Product(
        name="jobs_by_industry",
        stage="labour_demand",
        requires=("forecasting.demand:jobs_by_industry_projection",),
        cubes=(WHOLE_SNAPSHOT,),
        units=_area_units,
        build_unit=_jobs_unit,
        combine=_concat_areas,
        metrics=_area_count,
    )
)
register(
    Product(
        name="training_needs",
        stage="training_needs",
        requires=("forecasting.training:training_needs",),
        cubes=(WHOLE_SNAPSHOT,),
        units=_area_units,
        build_unit=_training_unit,
        combine=_concat_areas,
        metrics=_area_count,
    )
)


POPULATION_UNTIL = 2040
POPULATION_DRAWS = 1000


def _demography(fn_name: str) -> BuildFn:
    """A build step calling ``forecasting.demography.<fn_name>`` for the release's scope."""

    def build(ctx: BuildContext, inputs: Mapping[str, xr.Dataset]) -> xr.Dataset:
        from forecasting import demography

        fn = getattr(demography, fn_name)
        return fn(
            base_year=2019,
            until=POPULATION_UNTIL,
            scope=ctx.scope,
            area=ctx.area,
            draws=POPULATION_DRAWS,
            seed=ctx.seed_for(fn_name),
        )

    return build


register(
    Product(
        name="population_projection",
        stage="demography",
        requires=("forecasting.demography:project_population",),
        cubes=(WHOLE_SNAPSHOT,),
        build=_demography("project_population"),
        metrics=_area_count,
    )
)
register(
    Product(
        name="labour_supply",
        stage="demography",
        requires=("forecasting.demography:labour_supply",),
        cubes=(WHOLE_SNAPSHOT,),
        build=_demography("labour_supply"),
        metrics=_area_count,
    )
)


def _scenarios(ctx: BuildContext, inputs: Mapping[str, xr.Dataset]) -> xr.Dataset:
    """The preset scenarios (Mikkeli region) with the release's seed."""
    from forecasting.scenarios import run_presets

    return run_presets(seed=ctx.seed_for("scenarios"))


register(
    Product(
        name="scenarios",
        stage="scenarios",
        requires=("forecasting.scenarios:run_presets",),
        cubes=(WHOLE_SNAPSHOT,),
        build=_scenarios,
        metrics=lambda ds: {"scenarios": int(ds.sizes["scenario"])},
    )
)


def _alerts(ctx: BuildContext, inputs: Mapping[str, xr.Dataset]) -> xr.Dataset:
    """Severity of every register rule per municipality and month (0 normal .. 3 critical).

    NaN where a rule does not cover an area. Event-register alerts and the alert life cycle
    (firing, hysteresis, delivery) live in the alert store, evaluated after publishing.
    """
    from forecasting.alerts import rules
    from forecasting.alerts.monitor import register_signals

    registers = inputs["registers_history"]
    signals = register_signals(registers, areas=list(ctx.municipalities))
    severity = xr.concat(
        [s.severity.astype("float64") for s in signals],
        dim=xr.Variable("rule", [s.rule for s in signals]),
        join="outer",
    ).transpose("area", "time", "rule")
    codes = {"normal": rules.NORMAL, "info": rules.INFO, "warning": rules.WARNING}
    codes["critical"] = rules.CRITICAL
    return xr.Dataset(
        {"severity": severity},
        attrs={
            "source_tables": registers.attrs.get("source_tables", ""),
            "retrieved": registers.attrs.get("retrieved", ""),
            "rule_versions": json.dumps({s.rule: s.version for s in signals}),
            "severity_codes": json.dumps(codes),
            "time_convention": "month start (YYYY-MM-01) labels the month",
        },
    )


register(
    Product(
        name="alerts",
        stage="alerts",
        requires=("forecasting.alerts.monitor:register_signals",),
        needs=("registers_history",),
        build=_alerts,
        metrics=lambda ds: {
            "critical_latest": int((ds["severity"].isel(time=-1) == 3).sum()),
            "rules": int(ds.sizes["rule"]),
        },
    )
)
