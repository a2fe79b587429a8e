"""Regional projections from the regions' own single ages, immigration variants, CLI level."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.demography import _data, immigration
from forecasting.demography.regional import project_regions, region_codes
from forecasting.errors import ValidationError


def test_nineteen_regions(cubes) -> None:
    assert len(region_codes(cubes)) == 19 and "MK10" in region_codes(cubes)


def test_base_year_is_the_actual_and_layout_matches_the_municipal(cubes) -> None:
    ds = project_regions(cubes, base_year=2015, until=2020, regions=["MK10", "MK01"], draws=0)
    actual = _data.by_year(cubes["regional_demography"]["population"]).sel(year=2015)
    got = ds["population"].sel(time="2015-12-31", statistic="mean", sex=["F", "M"])
    np.testing.assert_allclose(
        got.sel(area="MK10").values, actual.sel(area="MK10").transpose("sex", "age").values
    )
    assert list(ds["area"].values) == ["MK10", "MK01"]
    assert ds["population_total"].dims == ("area", "time", "sex", "statistic")
    # the expected path from 2015 stays within 3 % of the actual 2020 total (MK10 lost 3.5 %)
    act = float(
        _data.by_year(cubes["regional_demography"]["population"]).sel(area="MK10", year=2020).sum()
    )
    mean = float(
        ds["population_total"].sel(area="MK10", sex="T", time="2020-12-31", statistic="mean")
    )
    assert abs(mean / act - 1) < 0.03


def test_zero_migration_is_births_minus_deaths(cubes) -> None:
    ds = project_regions(
        cubes,
        base_year=2010,
        until=2012,
        regions=["MK10"],
        draws=0,
        assumptions={"migration": {"variant": "zero"}},
    )
    tot = ds["population_total"].sel(area="MK10", sex="T", statistic="mean").values
    births = ds["population"].sel(area="MK10", sex="T", statistic="mean", age=0).values
    assert np.all(np.diff(tot) < births[1:])  # the only inflow is births


def test_intervals_ordered_with_draws(cubes) -> None:
    ds = project_regions(cubes, base_year=2015, until=2025, regions=["MK10"], draws=50, seed=3)
    t = ds["population_total"].sel(area="MK10", sex="T").isel(time=-1)
    assert (
        float(t.sel(statistic="lo95"))
        <= float(t.sel(statistic="lo80"))
        <= float(t.sel(statistic="hi80"))
        <= float(t.sel(statistic="hi95"))
    )
    assert float(t.sel(statistic="hi80")) > float(t.sel(statistic="lo80"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"base_year": 1980}, "base_year"),
        ({"regions": ["MK99"]}, "regions"),
        ({"base_year": 2015, "until": 2015}, "until"),
        ({"draws": 10}, "seed"),
    ],
)
def test_validation_names_the_parameter(cubes, kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        project_regions(cubes, **{"draws": 0, **kwargs})


def test_national_immigration_levels(cubes) -> None:
    """Reference values from regional_demography SSS net migration (11 series of 121w)."""
    levels = immigration.national_levels(cubes, 2025, 5)
    # 2015-2019: 12,441 16,823 14,824 11,965 15,495 -> 14,309.6
    assert levels.low == pytest.approx(14_309.6)
    # 2021-2025: 22,905 34,363 57,914 47,051 31,233 -> 38,693.2
    assert levels.base == pytest.approx(38_693.2)
    assert levels.high >= levels.base
    assert 30_000 < levels.official < 70_000


def test_variants_order_the_projection(cubes) -> None:
    totals = []
    for v in ("low", "base", "high"):
        ds = project_regions(
            cubes,
            base_year=2025,
            until=2030,
            regions=["MK10"],
            draws=0,
            assumptions={"migration": {"immigration": v}},
        )
        totals.append(
            float(ds["population_total"].sel(sex="T", statistic="mean").isel(area=0, time=-1))
        )
    assert totals[0] < totals[1] < totals[2]


def test_variant_without_components_is_refused(cubes) -> None:
    with pytest.raises(ValidationError, match="population_change"):
        project_regions(
            cubes,
            base_year=2015,
            until=2020,
            draws=0,
            assumptions={"migration": {"immigration": "high"}},
        )


def test_cli_region_level(tmp_path: Path) -> None:
    from flows.cli import main

    out = tmp_path / "r.csv"
    code = main(
        [
            "forecast",
            "population",
            "--level",
            "region",
            "--base-year",
            "2020",
            "--until",
            "2022",
            "--area",
            "MK10",
            "--draws",
            "0",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    frame = pd.read_csv(out, dtype={"age": str})
    assert set(frame["area"]) == {"MK10"}
    assert set(frame["year"]) == {2020, 2021, 2022}
