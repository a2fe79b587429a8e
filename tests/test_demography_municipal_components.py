"""Municipal net migration by component (domestic / international), levels from the base year."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecasting import geography
from forecasting.demography import _data, migration, municipal_components
from forecasting.demography.assumptions import DemographyAssumptions, MigrationAssumption
from forecasting.demography.rates import estimate_rates


@pytest.fixture(scope="module")
def implied(cubes) -> xr.DataArray:
    """Implied total rates 2001..2025 of every municipality with a flat natural rate (the
    split does not depend on how the total was obtained)."""
    codes = sorted(geography.municipalities().index)
    totals = _data.by_year(cubes["population_totals"]["population"]).sel(area=codes)
    natural = xr.DataArray(np.full(len(codes), -0.005), dims="area", coords={"area": codes})
    return migration.implied_rates(totals, natural, 2001, 2025)


def test_components_add_up_and_observed_years_are_muutl(cubes, implied) -> None:
    comp = municipal_components.history(cubes, implied, 2019, 2001)
    np.testing.assert_allclose((comp.domestic + comp.international).values, comp.total.values)
    # muutl years: the domestic part is muutl's net over the population of 1 January
    muutl = _data.by_year(cubes["migration"]["net_migration"]).sel(area="491", year=2010)
    dom = comp.domestic.sel(area="491", year=2010) * comp.population.sel(area="491", year=2010)
    assert float(dom) == pytest.approx(float(muutl))
    assert bool(comp.observed.sel(year=2017)) and not bool(comp.observed.sel(year=2018))
    # years after muutl: the international part is the municipality's share of the country's
    intl = comp.international.sel(year=2019) * comp.population.sel(year=2019)
    np.testing.assert_allclose(
        intl.values, (comp.share * float(comp.national.sel(year=2019))).values
    )


def test_2025_domestic_is_the_published_121w(cubes, implied) -> None:
    """Statistics Finland 121w (2025): Mikkeli (491) net domestic migration -418."""
    comp = municipal_components.history(cubes, implied, 2025, 2001)
    dom = comp.domestic.sel(area="491", year=2025) * comp.population.sel(area="491", year=2025)
    assert float(dom) == pytest.approx(-418.0)
    assert bool(comp.observed.sel(year=2025)) and not bool(comp.observed.sel(year=2024))


def test_no_data_after_the_base_year_is_read(cubes, implied) -> None:
    """Levels from base 2019 are unchanged when every later year is wiped from the history."""
    codes = [str(c) for c in implied["area"].values]
    pop = np.full(len(codes), 5000.0)
    full = municipal_components.history(cubes, implied, 2019, 2001)
    cut = implied.where(implied["year"] <= 2019, 1.0)  # absurd values after 2019
    wiped = municipal_components.history(cubes, cut, 2019, 2001)
    for a, b in zip(
        municipal_components.levels(full, pop, 5, 0.3),
        municipal_components.levels(wiped, pop, 5, 0.3),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=30)
@given(
    values=arrays(np.float64, (3, 12), elements=st.floats(-0.05, 0.05)),
    window=st.integers(1, 12),
    weight=st.floats(0.0, 1.0),
)
def test_blend_lies_between_the_recent_and_the_long_mean(
    values: np.ndarray, window: int, weight: float
) -> None:
    da = xr.DataArray(values, dims=("area", "year"), coords={"year": np.arange(2000, 2012)})
    got = municipal_components.blend(da, window, weight).values
    recent, whole = values[:, -window:].mean(axis=1), values.mean(axis=1)
    np.testing.assert_allclose(got, weight * recent + (1 - weight) * whole, atol=1e-12)
    lo, hi = np.minimum(recent, whole), np.maximum(recent, whole)
    assert np.all((got >= lo - 1e-12) & (got <= hi + 1e-12))


def test_projection_level_is_the_sum_of_the_components(cubes) -> None:
    a = DemographyAssumptions(
        migration=MigrationAssumption(calibrate_to_totals=False, components=True)
    )
    rs = estimate_rates(cubes, 2019, 2021, a)
    history = rs.estimates["implied_net_migration_rate"]
    comp = municipal_components.history(cubes, history, 2019, a.migration.history_from)
    m = a.migration
    dom, intl = municipal_components.levels(
        comp, rs.population.sum(axis=(1, 2)), m.component_window, m.recent_weight
    )
    np.testing.assert_allclose(rs.rates.migration_level[:, 0], dom + intl)
    plain = estimate_rates(
        cubes, 2019, 2021,
        DemographyAssumptions(migration=MigrationAssumption(calibrate_to_totals=False)),
    )  # fmt: skip
    # only the level moves: the age pattern and the uncertainty are the total's
    np.testing.assert_array_equal(rs.rates.migration_rate, plain.rates.migration_rate)
    np.testing.assert_array_equal(rs.rates.migration_sd, plain.rates.migration_sd)
    assert not np.allclose(rs.rates.migration_level, plain.rates.migration_level)
