"""The release's vocabulary: build context, products, their registry, plan and step keys.

A release is a set of *products* (datasets under the names of
:data:`forecasting.io.release_store.CANONICAL_NAMES`), each built by a :class:`Product`
registered here (by :mod:`forecasting.release.products`). A product is included only when
its module exists and imports (:func:`plan`); nothing is ever stubbed.

A step's result lives in the :class:`~forecasting.io.release_work.WorkArea` under a key that
hashes everything it depends on (:func:`step_key`): the step and its version, the scope and
areas, the seed, the data versions of the input cubes it reads, the code version and
source fingerprint, and the content hashes of its inputs.

Input cubes flow down as arguments: the flow assembles them once
(:func:`forecasting.io.inputs.assemble`), :func:`stage_inputs` writes each into the work area
under its content version, and every step receives the cubes its product declares in
``Product.cubes`` (:func:`cubes_for`) beside the products it ``needs``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import xarray as xr

from forecasting import geography
from forecasting.io.inputs import Inputs
from forecasting.io.release_store import ReleaseError
from forecasting.io.release_work import WorkArea, source_fingerprint
from forecasting.provenance import code_version, combine_versions

SCOPES = ("area", "national")
#: ``Product.cubes`` entry for a product that reads many cubes: it gets every input cube.
WHOLE_SNAPSHOT = "snapshot"
#: ``build(ctx, inputs, cubes)``: ``inputs`` maps the names in ``Product.needs`` to their
#: datasets, ``cubes`` the input cubes of ``Product.cubes`` (an :class:`Inputs`).
BuildFn = Callable[["BuildContext", Mapping[str, xr.Dataset], Inputs], xr.Dataset]
UnitsFn = Callable[["BuildContext"], Sequence[str]]
UnitFn = Callable[["BuildContext", str, Mapping[str, xr.Dataset], Inputs], xr.Dataset]
#: ``combine(ctx, parts, inputs, cubes)``: ``parts`` maps unit -> its dataset.
CombineFn = Callable[
    ["BuildContext", Mapping[str, xr.Dataset], Mapping[str, xr.Dataset], Inputs], xr.Dataset
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
        ``(cube, data_version)`` pairs of the input cubes the planned products read.
    data_through
        ``(cube, last period with data)`` pairs of the same cubes.
    code_version, code_fingerprint
        :func:`forecasting.provenance.code_version` and the source hash.
    work_dir
        Folder of step results (:class:`WorkArea`).
    today
        The build's date (``YYYY-MM-DD``, when the inputs were assembled), at which the
        monthly reviews judge their sources' freshness; ``""``: the date of each call.
    """

    scope: str
    area: str
    seed: int
    municipalities: tuple[str, ...]
    areas: tuple[str, ...]
    cube_versions: tuple[tuple[str, str], ...]
    data_through: tuple[tuple[str, str], ...]
    code_version: str
    code_fingerprint: str
    work_dir: str
    today: str = ""

    @property
    def data_version(self) -> str:
        """One version for all inputs of the release."""
        return combine_versions(f"{c}={v}" for c, v in self.cube_versions)

    def versions_of(self, cubes: Sequence[str]) -> dict[str, str]:
        known = dict(self.cube_versions)
        if WHOLE_SNAPSHOT in cubes:
            return known
        return {c: known[c] for c in cubes if c in known}

    def seed_for(self, *labels: str) -> int:
        """A seed for one step/unit, independent of scheduling order (non-negative int64)."""
        entropy = [self.seed, *(zlib.crc32(label.encode()) for label in labels)]
        state = np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint64)[0]
        return int(state >> np.uint64(1))


@dataclass(frozen=True)
class Product:
    """One release product and how to build it.

    Either ``build(ctx, inputs, cubes)`` for a single step, or ``units(ctx)`` +
    ``build_unit(ctx, unit, inputs, cubes)`` + ``combine(ctx, parts, inputs, cubes)`` for a
    step mapped over units (areas, variables, backtest origins), which the flow runs as
    independent tasks. ``inputs`` maps the names in ``needs`` to their datasets, ``cubes``
    the input cubes of ``cubes``. A ``dated`` product's result depends on the build's date
    (:attr:`BuildContext.today`), which its step key then includes.

    Scheduling (no effect on any number): ``unit_needs`` names the products of ``needs``
    that the units read (None: all of them; the combine always gets every one), so a
    mapped product's units start as soon as those exist; ``cost`` is the rough wall
    seconds of one of its tasks (its largest unit), from which :func:`priorities` ranks the
    products on the longest chains first.
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
    dated: bool = False
    unit_needs: tuple[str, ...] | None = None
    cost: float = 1.0

    @property
    def mapped(self) -> bool:
        return self.units is not None

    @property
    def unit_inputs(self) -> tuple[str, ...]:
        """The products the units of a mapped product read (``unit_needs`` or ``needs``)."""
        return self.needs if self.unit_needs is None else self.unit_needs


@dataclass(frozen=True)
class ProductRef:
    """A reference to one step result in the work area (what steps pass each other).

    ``release_sha256``: of a published product, the SHA-256 of its release file in the work
    area (:func:`release_file_key`), written by its step; ``""``: none."""

    name: str
    key: str
    content_hash: str
    unit: str | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    publish: bool = True
    release_sha256: str = ""


def release_file_key(key: str) -> str:
    """The work area key of the release file of the step result ``key``."""
    return f"{key}-release"


def used_keys(ctx: BuildContext, refs: Sequence[ProductRef]) -> list[str]:
    """Every work area key behind ``refs`` (results and release files) and the staged
    inputs of ``ctx``: what a build used, for the work area's retention."""
    keys = input_keys(ctx)
    for ref in refs:
        keys.append(ref.key)
        if ref.release_sha256:
            keys.append(release_file_key(ref.key))
    return keys


_REGISTRY: dict[str, Product] = {}


def register(product: Product) -> Product:
    """Add ``product`` to the registry; its ``needs`` must be registered already."""
    missing = [n for n in product.needs if n not in _REGISTRY]
    if missing:
        raise ReleaseError(f"product {product.name!r} needs unregistered {missing}")
    if product.mapped == (product.build is not None):
        raise ReleaseError(f"product {product.name!r}: give build, or units+build_unit+combine")
    if product.unit_needs is not None and (
        not product.mapped or not set(product.unit_needs) <= set(product.needs)
    ):
        raise ReleaseError(
            f"product {product.name!r}: unit_needs must be a subset of needs of a mapped product"
        )
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


def priorities(products: Sequence[Product]) -> dict[str, int]:
    """Scheduling priority of each product's tasks (higher runs first when several are
    ready): its ``cost`` plus the costliest chain of products that need it, in tenths of
    a second. The chain that bounds a build's wall time (the demography's parts, the labour
    supply, the register forecasts, then scenarios, alerts and the monthly reviews) starts
    first, and among products that nothing needs the longest tasks start first, so the short
    ones fill the workers' last gaps. Only the order of ready tasks changes, never a number.
    """
    rank: dict[str, float] = {}
    for product in reversed(list(products)):  # build order: every dependant comes later
        after = [rank[p.name] for p in products if p.name in rank and product.name in p.needs]
        rank[product.name] = product.cost + max(after, default=0.0)
    return {name: round(10 * value) for name, value in rank.items()}


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
    inputs: Inputs,
    work_dir: str | None = None,
) -> BuildContext:
    """Resolve the scope and record the versions and data dates of the cubes ``products`` read.

    Raises
    ------
    ReleaseError
        If a product reads a cube that ``inputs`` lacks.
    """
    municipalities, areas = scope_areas(scope, area)
    declared = {c for p in products for c in p.cubes}
    cubes = sorted(inputs) if WHOLE_SNAPSHOT in declared else sorted(declared)
    missing = [c for c in cubes if c not in inputs]
    if missing:
        raise ReleaseError(f"the inputs lack the cubes {missing} that the products read")
    versions = inputs.versions()
    through = inputs.data_through()
    return BuildContext(
        scope=scope,
        area=area if scope == "area" else geography.COUNTRY,
        seed=int(seed),
        municipalities=municipalities,
        areas=areas,
        cube_versions=tuple((c, versions[c]) for c in cubes),
        data_through=tuple((c, str(through[c] or "")) for c in cubes),
        code_version=code_version(),
        code_fingerprint=source_fingerprint(),
        work_dir=str(WorkArea(work_dir).root),
        today=dt.date.today().isoformat(),
    )


def _input_key(name: str, version: str) -> str:
    return f"input-{name}-{version}"


def input_keys(ctx: BuildContext) -> list[str]:
    """The work area's keys of the input cubes staged for ``ctx`` (:func:`stage_inputs`)."""
    return [_input_key(name, version) for name, version in ctx.cube_versions]


def stage_inputs(ctx: BuildContext, inputs: Inputs) -> None:
    """Write every input cube of ``ctx`` into the work area (once per content version), so a
    step in any process (a Dask worker) reads the same cubes by reference."""
    work = WorkArea(ctx.work_dir)
    for name, version in ctx.cube_versions:
        key = _input_key(name, version)
        if not work.exists(key):
            work.save(key, inputs[name])


@lru_cache(maxsize=32)
def _staged(work_dir: str, name: str, version: str) -> xr.Dataset:
    """One staged cube, read once per process (the release's one input cache)."""
    ds = WorkArea(work_dir).load(_input_key(name, version))
    for var in ds.variables.values():
        var.values.flags.writeable = False
    return ds


def staged(ctx: BuildContext, name: str) -> xr.Dataset | None:
    """The staged input cube ``name`` if the release's products read it, else None."""
    version = dict(ctx.cube_versions).get(name)
    return None if version is None else _staged(ctx.work_dir, name, version)


def cubes_for(ctx: BuildContext, product: Product) -> Inputs:
    """The input cubes ``product`` declares, read from the work area."""
    versions = ctx.versions_of(product.cubes)
    return Inputs({name: _staged(ctx.work_dir, name, v) for name, v in versions.items()})


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
    if product.dated:
        facts["today"] = ctx.today
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]
    return f"{product.name}-{unit or 'all'}-{digest}"


def load(ctx: BuildContext, ref: ProductRef) -> xr.Dataset:
    """The dataset behind ``ref``."""
    return WorkArea(ctx.work_dir).load(ref.key)
