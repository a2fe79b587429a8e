"""What a release contains and how it is assembled, without any orchestration.

A release is a set of *products*, each a step that reads the results it ``needs`` and writes
its own, in registration order (ingest, models, backtests, reconciliation, labour demand,
demography, scenarios, alerts). Steps pass :class:`ProductRef` references, never arrays.
``flows.release`` schedules these steps with Prefect (mapped over areas where a product has
``units``); the functions here also run without Prefect.

- :mod:`forecasting.release.registry`: context, products, the registry, plan, step keys;
- :mod:`forecasting.release.steps`: running a step, a unit, a combine; publishing;
- :mod:`forecasting.release.products`: the products themselves (registered on import).
"""

from __future__ import annotations

from forecasting.release import products as products
from forecasting.release.registry import (
    _REGISTRY,
    SCOPES,
    WHOLE_SNAPSHOT,
    BuildContext,
    Product,
    ProductRef,
    cubes_for,
    input_keys,
    load,
    make_context,
    plan,
    priorities,
    register,
    registered,
    release_file_key,
    scope_areas,
    stage_inputs,
    step_key,
    unavailable_reason,
    used_keys,
)
from forecasting.release.steps import (
    assemble_manifest,
    publish_release,
    run_combine,
    run_step,
    run_unit,
)

__all__ = [
    "SCOPES",
    "WHOLE_SNAPSHOT",
    "_REGISTRY",
    "BuildContext",
    "Product",
    "ProductRef",
    "assemble_manifest",
    "cubes_for",
    "input_keys",
    "load",
    "make_context",
    "plan",
    "priorities",
    "products",
    "publish_release",
    "register",
    "registered",
    "release_file_key",
    "run_combine",
    "run_step",
    "run_unit",
    "scope_areas",
    "stage_inputs",
    "step_key",
    "unavailable_reason",
    "used_keys",
]
