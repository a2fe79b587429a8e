"""Old names of the area helpers, kept only for ``tests/test_geography.py``.

Everything lives in :mod:`forecasting.io.sources._areas`; import from there. This module
holds no logic of its own and goes once that test imports ``_areas``.
"""

from __future__ import annotations

from collections.abc import Sequence

import xarray as xr

from forecasting.io.sources._areas import add_aggregates, code_of_name, harmonise, name_table


def harmonise_with_status(ds: xr.Dataset, variables: Sequence[str]) -> xr.Dataset:
    """:func:`~forecasting.io.sources._areas.harmonise` of ``variables`` and their flags."""
    return harmonise(ds[[v for v in ds.data_vars if str(v).removesuffix("_status") in variables]])


def add_aggregates_with_status(ds: xr.Dataset, variables: Sequence[str]) -> xr.Dataset:
    """The register cubes' aggregates: any member present, employment areas first."""
    keep = [v for v in ds.data_vars if str(v).removesuffix("_status") in variables]
    return add_aggregates(ds[keep], complete_only=False, bottom_up=True)


def municipality_name_index() -> dict[str, str]:
    """``{casefolded name: code}`` of Finnish and Swedish names (see ``_areas.name_table``)."""
    return name_table(("fi", "sv"))


def code_for_name(name: str, index: dict[str, str]) -> str | None:
    """The code of a municipality name (see ``_areas.code_of_name``)."""
    return code_of_name(name, index, country=False)
