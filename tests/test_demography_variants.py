"""The official 2024 projection as a variant beside ours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forecasting.contract import STATISTICS
from forecasting.demography.variants import official_variant
from forecasting.errors import DataError


def _ours(areas: list[str], years: list[int], value: float) -> xr.Dataset:
    time = pd.to_datetime([f"{y}-12-31" for y in years])
    data = np.full((len(areas), len(years), 3, len(STATISTICS)), value)
    return xr.Dataset(
        {"population_total": (("area", "time", "sex", "statistic"), data)},
        coords={"area": areas, "time": time, "sex": ["F", "M", "T"], "statistic": list(STATISTICS)},
    )


def test_the_official_etela_savo_totals_are_the_published_ones(cubes) -> None:
    """README of the shared data: MK10 2030 121,634, 2040 114,097, 2045 111,544, excluding
    Pertunmaa; the cube adds Pertunmaa (1,547 in 2024) to match the 2025 division."""
    out = official_variant(cubes["projection_2024"], _ours(["MK10"], [2030], 120_000.0))
    total = out["official_total"].sel(area="MK10", sex="T")
    assert float(total.sel(time="2024-12-31")) == pytest.approx(127_408 + 1_547)
    assert float(total.sel(time="2030-12-31")) > 121_634  # plus Pertunmaa's share
    np.testing.assert_allclose(
        out["official_total"].sel(sex=["F", "M"]).sum("sex"), out["official_total"].sel(sex="T")
    )
    # the method for readers in each language, with the same facts (14wx, 31.12.2025)
    assert out.attrs["method_note"] == out.attrs["method_note_en"]
    assert out.attrs["method_note_fi"].startswith("Tilastokeskuksen virallinen väestöennuste")
    assert out.attrs["method_note_sv"].startswith("Statistikcentralens officiella")
    for lang in ("fi", "sv", "en"):
        assert "14wx" in out.attrs[f"method_note_{lang}"]
        assert "31.12.2025" in out.attrs[f"method_note_{lang}"]


def test_ours_is_beside_the_official_where_both_hold_and_missing_elsewhere(cubes) -> None:
    out = official_variant(cubes["projection_2024"], _ours(["MK10", "491"], [2030], 120_000.0))
    assert (
        float(out["ours_total"].sel(area="MK10", time="2030-12-31", sex="T", statistic="mean"))
        == 120_000
    )
    diff = out["difference"].sel(area="MK10", time="2030-12-31", sex="T")
    official = out["official_total"].sel(area="MK10", time="2030-12-31", sex="T")
    assert float(diff) == pytest.approx(120_000 - float(official))
    assert bool(out["ours_total"].sel(area="SSS").isnull().all())  # we did not project it
    assert bool(out["ours_total"].sel(area="MK10", time="2035-12-31").isnull().all())


def test_missing_inputs_are_a_clear_error(cubes) -> None:
    with pytest.raises(DataError, match="population_total"):
        official_variant(cubes["projection_2024"], xr.Dataset())
