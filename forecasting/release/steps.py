"""Running release steps (the bodies of the flow's tasks) and publishing the result.

Each step reuses its stored result in the :class:`~forecasting.io.release_work.WorkArea`
when its key (:func:`forecasting.release.registry.step_key`) is there, else computes, checks
(data contract) and stores it, and returns a :class:`ProductRef`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import xarray as xr

from forecasting.contract import to_canonical, validate
from forecasting.io.release_store import (
    Attachment,
    PreparedFile,
    ReleaseError,
    ReleaseInfo,
    ReleaseStore,
    write_dataset_file,
)
from forecasting.io.release_work import WorkArea
from forecasting.provenance import ATTRIBUTION, LICENCE, combine_versions
from forecasting.release.attachments import build_date, review_attachments, unpack_attachments
from forecasting.release.registry import (
    BuildContext,
    Product,
    ProductRef,
    cubes_for,
    load,
    release_file_key,
    step_key,
)


# -- running steps (the bodies of the flow's tasks) ------------------------------------------
def run_step(ctx: BuildContext, product: Product, inputs: Mapping[str, ProductRef]) -> ProductRef:
    """Build a single-step product (or reuse its stored result) and return its reference."""
    if product.build is None:
        raise ReleaseError(f"product {product.name!r} is mapped; use run_unit and run_combine")
    build = product.build
    key = step_key(ctx, product, inputs=inputs)
    return _materialise(
        ctx, product, key, None, lambda: build(ctx, _load_all(ctx, inputs), cubes_for(ctx, product))
    )


def run_unit(
    ctx: BuildContext, product: Product, unit: str, inputs: Mapping[str, ProductRef]
) -> ProductRef:
    """Build one unit (e.g. a municipality) of a mapped product."""
    if product.build_unit is None:
        raise ReleaseError(f"product {product.name!r} is not mapped")
    build_unit = product.build_unit
    key = step_key(ctx, product, unit=unit, inputs=inputs)
    return _materialise(
        ctx,
        product,
        key,
        unit,
        lambda: build_unit(ctx, unit, _load_all(ctx, inputs), cubes_for(ctx, product)),
        final=False,
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
        lambda: combine(
            ctx, _load_all(ctx, by_unit), _load_all(ctx, inputs), cubes_for(ctx, product)
        ),
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
    """Reuse the stored result of ``key`` or compute, check and store it.

    A published product's final step also writes its release file
    (:func:`~forecasting.io.release_store.write_dataset_file` of the stored result, what
    publishing would write from it), so the compression runs in the steps, in parallel,
    and publishing copies the file."""
    work = WorkArea(ctx.work_dir)
    if not work.exists(key):
        ds = compute()
        if not isinstance(ds, xr.Dataset):
            raise ReleaseError(f"{product.name} returned {type(ds).__name__}, not a Dataset")
        ds = _with_provenance(to_canonical(ds), ctx, product)
        validate(ds, name=f"{product.name}" + (f"[{unit}]" if unit else ""), finite=True)
        work.save(key, ds)
    path = work.path(key)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    publish = product.publish and final
    stored: xr.Dataset | None = None
    release_sha256 = ""
    if publish:
        release_key = release_file_key(key)
        if not work.exists(release_key):
            stored = work.load(key)
            work.write(release_key, lambda target: write_dataset_file(stored, target))
        release_sha256 = hashlib.sha256(work.path(release_key).read_bytes()).hexdigest()
    metrics: dict[str, Any] = {}
    if final and product.metrics is not None:
        metrics = dict(product.metrics(stored if stored is not None else work.load(key)))
    return ProductRef(
        name=product.name,
        key=key,
        content_hash=digest,
        unit=unit,
        metrics=metrics,
        publish=publish,
        release_sha256=release_sha256,
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
#: The unpublished product whose datasets hold the rendered monthly reviews.
REVIEWS = "monthly_reviews"


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
        "data_through": dict(ctx.data_through),
        "code_version": ctx.code_version,
        "code_fingerprint": ctx.code_fingerprint,
        "seeds": {"root": ctx.seed},
        "products": {name: ref.content_hash for name, ref in refs.items() if ref.publish},
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
    *,
    reviews: bool = True,
) -> tuple[ReleaseInfo, bool]:
    """Publish the published products of ``refs`` atomically, with the monthly review of
    every employment area of the scope as attachments (``reviews``; see
    :mod:`forecasting.release.attachments`): the files of the ``monthly_reviews`` step when
    ``refs`` has it, else rendered here from the published datasets.

    Returns the release and whether it is new (False: identical to the current one).
    """
    datasets = {name: load(ctx, ref) for name, ref in refs.items() if ref.publish}
    manifest = assemble_manifest(ctx, refs, skipped, timings)
    attachments: list[Attachment] = []
    if reviews:
        rendered = refs.get(REVIEWS)
        if rendered is not None:
            attachments, left_out = unpack_attachments(load(ctx, rendered))
        else:
            attachments, left_out = review_attachments(ctx, datasets, today=build_date(ctx))
        if left_out:
            manifest["attachments_skipped"] = left_out
    work = WorkArea(ctx.work_dir)
    files = {
        name: PreparedFile(work.path(release_file_key(ref.key)), ref.release_sha256)
        for name, ref in refs.items()
        if ref.publish and ref.release_sha256
    }
    store = ReleaseStore(store_root)
    before = store.current()
    info = store.publish(datasets, manifest, attachments=attachments, files=files)
    return info, before is None or before.id != info.id
