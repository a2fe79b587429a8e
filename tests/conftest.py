"""Shared fixtures."""

from __future__ import annotations

import pytest

from forecasting.io.inputs import Inputs, assemble


@pytest.fixture(scope="session")
def cubes() -> Inputs:
    """Every input cube of the embedded snapshot (no refresh cache: the shipped data only),
    as a flow or the service hands them to domain functions."""
    return assemble(use_cache=False)
