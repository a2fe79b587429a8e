"""Labour rates prepared once (``labour_rates``) give the numbers of a call that prepares
its own: the employment rates, trends and labour force ratios cover every municipality and
depend only on the cubes, years and assumptions, so a release prepares them once for all
its areas and parts (training needs, labour supply)."""

from __future__ import annotations

import pytest
import xarray as xr

from forecasting.demography import base_years, labour_supply, retirements
from forecasting.demography.assumptions import parse_assumptions
from forecasting.demography.labour import labour_rates
from forecasting.demography.rates import estimate_rates
from forecasting.errors import ValidationError
from forecasting.io.inputs import Inputs

SEED = 20250101


def test_retirements_and_supply_from_prepared_rates_are_unchanged(cubes: Inputs) -> None:
    base = base_years(cubes)[-1]
    until = base + 3
    rateset = estimate_rates(cubes, base, until, parse_assumptions(None))
    prepared = labour_rates(cubes, base_year=base, until=until, rateset=rateset)
    assert prepared.rateset is rateset
    assert set(map(str, prepared.employment["area"].values)) == set(rateset.codes)
    for area in ("TA23", "491"):
        call = {"base_year": base, "until": until, "area": area, "draws": 7, "seed": SEED}
        xr.testing.assert_identical(
            retirements(cubes, rateset=prepared, **call), retirements(cubes, **call)
        )
    call = {"base_year": base, "until": until, "area": "TA23", "draws": 7, "seed": SEED}
    xr.testing.assert_identical(
        labour_supply(cubes, rateset=prepared, **call), labour_supply(cubes, **call)
    )


def test_prepared_rates_of_other_years_or_assumptions_are_refused(cubes: Inputs) -> None:
    base = base_years(cubes)[-1]
    prepared = labour_rates(cubes, base_year=base, until=base + 2)
    with pytest.raises(ValidationError, match="rateset"):
        retirements(cubes, base_year=base, until=base + 3, area="TA23", draws=0, rateset=prepared)
    other = {"migration": {"immigration": "high"}}
    with pytest.raises(ValidationError, match="rateset"):
        retirements(
            cubes, base_year=base, until=base + 2, area="TA23", draws=0, assumptions=other,
            rateset=prepared,
        )  # fmt: skip
