"""Shared fixtures."""

from __future__ import annotations

import pytest

from forecasting.io.inputs import Inputs, assemble


@pytest.fixture(scope="session")
def cubes() -> Inputs:
    """Every input cube of the embedded snapshot (no refresh cache: the shipped data only),
    as a flow or the service hands them to domain functions."""
    return assemble(use_cache=False)


@pytest.fixture(scope="session")
def ta23(cubes: Inputs):  # type: ignore[no-untyped-def]
    """The scenario calibration of the Mikkeli region (TA23), built once from ``cubes``."""
    from forecasting.scenarios.baseline import calibrate

    return calibrate(cubes, "TA23")
