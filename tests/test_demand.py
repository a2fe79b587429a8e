"""Jobs by industry: the numpy steps (IPF, damping, band ageing), history and projection."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from forecasting import demand, geography
from forecasting.contract import validate
from forecasting.errors import DataError, UnknownAreaError, ValidationError
from models import shiftshare

TA23_MEMBERS = ["097", "178", "213", "491", "507", "623"]
SEED = 20251


@pytest.fixture(scope="module")
def base(cubes) -> demand.DemandBase:
    return demand.demand_base(cubes, seed=SEED)


# --------------------------------------------------------------------------- numpy steps
@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(float, (5, 4), elements=st.floats(0.1, 100.0)),
    hnp.arrays(float, 5, elements=st.floats(1.0, 1000.0)),
    hnp.arrays(float, 4, elements=st.floats(1.0, 1000.0)),
)
def test_ipf_meets_both_margins_of_a_positive_seed(seed, rows, cols) -> None:
    out = shiftshare.ipf(seed, rows, cols, tol=1e-10, max_iter=5000)
    assert (out >= 0).all()
    np.testing.assert_allclose(out.sum(axis=1), rows, rtol=1e-6)
    np.testing.assert_allclose(out.sum(axis=0), cols * rows.sum() / cols.sum(), rtol=1e-5)


def test_ipf_keeps_structural_zeros() -> None:
    seed = np.array([[1.0, 0.0], [1.0, 1.0]])
    out = shiftshare.ipf(seed, np.array([10.0, 10.0]), np.array([15.0, 5.0]))
    assert out[0, 1] == 0.0
    np.testing.assert_allclose(out.sum(axis=0), [15.0, 5.0], rtol=1e-6)


def test_damped_cumulative_reference_values() -> None:
    # 0.5, 0.5 + 0.25, 0.5 + 0.25 + 0.125 by hand.
    np.testing.assert_allclose(shiftshare.damped_cumulative(0.5, 3), [0.5, 0.75, 0.875])


# --------------------------------------------------------------------------- data steps
def test_national_paths_equal_national_accounts_and_follow_115i_after_2017(cubes) -> None:
    paths = demand.national_paths(cubes["national_employment_by_industry"])
    # Source: national accounts E1 employment, Q 2017 = 397.9 thousand persons.
    assert float(paths.sel(industry="Q", time=2017)) == pytest.approx(397_900.0)
    # Source: tyokay 115i Q 2017 = 394,236 and 2023 = 438,115 employed.
    growth = float(paths.sel(industry="Q", time=2023) / paths.sel(industry="Q", time=2017))
    assert growth == pytest.approx(438_115 / 394_236)


def test_history_adds_up_to_municipal_totals_and_2017_structure(base) -> None:
    history = demand.jobs_by_industry_history(base, first=2015, last=2019)
    totals = base.totals.sel(time=slice(2015, 2019))
    np.testing.assert_allclose(history.sum("industry").values, totals.values, rtol=1e-6)
    # Source: tyokay 115p, jobs in Mikkeli (491) at the end of 2017 = 22,440.
    assert float(totals.sel(area="491", time=2017)) == 22_440.0
    shares = history.sel(time=2017) / history.sel(time=2017).sum("industry")
    paavo = base.references[2017]
    assert float(abs(shares - paavo).max()) < 0.005


def test_elasticity_of_q_is_calibrated_from_national_data(cubes, base) -> None:
    # Source: 115i Q 351,487 (2007) -> 429,856 (2022); 75+ population 412,591 -> 600,850.
    expected = np.log(429_856 / 351_487) / np.log(600_850 / 412_591)
    national, regional = cubes["national_employment_by_industry"], cubes["regional_demography"]
    assert demand.elasticity_q(national, regional) == pytest.approx(expected, rel=1e-6)
    assert base.elasticity_q == pytest.approx(expected, rel=1e-6)


@pytest.fixture(scope="module")
def projection(cubes):
    return demand.jobs_by_industry_projection(cubes, 2030, "TA23", n_draws=60, seed=SEED)


def test_projection_is_coherent_non_negative_and_bracketed(projection) -> None:
    assert list(projection["area"].values) == [*TA23_MEMBERS, "TA23"]
    jobs = projection["jobs"]
    assert jobs.dims == ("area", "industry", "time", "statistic")
    assert list(jobs["statistic"].values) == ["mean", "lo80", "hi80"]
    validate(projection, name="jobs_by_industry")  # the contract's layout, no legacy pass
    mean = jobs.sel(statistic="mean")
    summed = mean.sel(area=TA23_MEMBERS).sum("area")
    np.testing.assert_allclose(summed.values, mean.sel(area="TA23").values)
    assert float(jobs.min()) >= 0.0
    future = jobs.sel(time=projection["projected"])
    total = future.sum("industry")
    lo, hi = total.sel(statistic="lo80"), total.sel(statistic="hi80")
    assert (lo <= total.sel(statistic="mean")).all() and (total.sel(statistic="mean") <= hi).all()
    assert "data_version" in projection.attrs and "method_note" in projection.attrs


@pytest.mark.parametrize("until", [2024, 2041, 2030.5, "2030"])
def test_projection_rejects_bad_until(cubes, until) -> None:
    with pytest.raises(ValidationError) as err:
        demand.jobs_by_industry_projection(cubes, until, "TA23", n_draws=2, seed=SEED)
    assert err.value.field == "until"


def test_projection_rejects_unknown_area(cubes) -> None:
    with pytest.raises(UnknownAreaError):
        demand.jobs_by_industry_projection(cubes, 2030, "TA99", n_draws=2, seed=SEED)


def test_area_groups_of_a_merged_municipality_map_to_its_successor() -> None:
    # Pertunmaa (588) merged into Mäntyharju (507) on 1.1.2025.
    assert demand.area_groups("588") == {"507": ["507"]}
    assert geography.members("TA23") == TA23_MEMBERS


def test_demography_drivers_follow_our_population_projection(projection, base, cubes) -> None:
    from forecasting import demography

    # The drivers start from the latest base population (31.12.2025), not from 2019.
    assert int(base.population["time"].min()) == 2025 == demography.base_years(cubes)[-1]
    pop = demography.project_population(
        cubes, base_year=2025, until=2030, scope="area", area="TA23", draws=0, seed=1
    )
    mean = pop["population"].sel(statistic="mean", area="TA23", sex="T")
    old = mean.sel(age=slice(75, 100)).sum("age").values
    index = demand.demography_index(base, 2019, 2030).sel(area="491", industry="Q")
    after = index.sel(time=slice(2025, 2030)).values
    np.testing.assert_allclose(after / after[0], (old / old[0]) ** base.elasticity_q, rtol=1e-9)
    # Before the base year the region's observed 75+ population (11re) scaled to the area:
    # Source: vaerak 11re, 31.12.2019 population aged 75+ of the six municipalities: 9,954.
    drivers = demand._age_population(base, (75, 100), 2019, 2030).sel(area=TA23_MEMBERS)
    at_2019 = float(drivers.sum("area").sel(time=2019))
    assert at_2019 == pytest.approx(9_954, rel=0.05)
    np.testing.assert_allclose(drivers.sum("area").sel(time=2025), old[0], rtol=1e-9)
    assert old[-1] > 1.05 * old[0]  # the baby-boom cohorts keep turning 75 (+10 % by 2030)
    assert projection.attrs["demography_assumptions_version"] == "demography-2019.1"
    # the note names the assumptions' version in words in each language; the id is the attr
    assert projection.attrs["method_note"] == projection.attrs["method_note_en"]
    for lang, words in (("fi", "versio 2019.1"), ("sv", "version 2019.1"), ("en", "version")):
        note = projection.attrs[f"method_note_{lang}"]
        assert words in note and "demography-2019.1" not in note


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fi", ("Työpaikat toimialoittain", "oletusten versio 2019.1", "80 %:n välit")),
        ("sv", ("Arbetsplatser per näringsgren", "i version 2019.1", "80 %:s intervall")),
        ("en", ("Jobs by industry", "assumptions version 2019.1", "80% intervals")),
    ],
)
def test_the_jobs_method_note_is_written_in_each_language(lang, words) -> None:
    """Finnish and Swedish readers get the method in their language, with the same facts
    (sources, years, the sections tied to the population); the version id reads as words."""
    notes = demand.method_notes("demography-2019.1")
    note = notes[f"method_note_{lang}"]
    assert all(w in note for w in words), note
    facts = ("tyokay 115p/115k", "2017", "2012–2016" if lang != "en" else "2012-2016", "2023")
    assert all(f in note for f in facts), note
    assert notes["method_note"] == notes["method_note_en"]
    assert set(notes) == {"method_note", "method_note_fi", "method_note_sv", "method_note_en"}


# --------------------------------------------------------------------------- data as arguments
def test_projection_reads_the_cubes_it_is_given(cubes, projection) -> None:
    # Twice the municipal job totals (every year) double every cell of the expected path,
    # growth rates being unchanged: the data come from the argument, not from a module cache
    # or the snapshot.
    doubled = dict(cubes)
    for name in ("commuting", "jobs_totals_2019"):
        doubled[name] = cubes[name].assign(jobs=cubes[name]["jobs"] * 2.0)
    again = demand.jobs_by_industry_projection(doubled, 2030, "TA23", n_draws=60, seed=SEED)
    xr.testing.assert_allclose(
        again["jobs"].sel(statistic="mean"),
        2.0 * projection["jobs"].sel(statistic="mean"),
        rtol=1e-6,
    )
    # The same cubes and seed reproduce the projection; the seed comes from the caller.
    assert again.attrs["seed"] == projection.attrs["seed"] == SEED


def test_projection_without_a_cube_names_it(cubes) -> None:
    partial = {name: cubes[name] for name in demand.CUBES if name != "commuting"}
    with pytest.raises(DataError, match="commuting"):
        demand.jobs_by_industry_projection(partial, 2030, "491", n_draws=2, seed=SEED)


def test_release_products_declare_the_cubes_the_chain_reads() -> None:
    from forecasting import training
    from forecasting.release import products

    assert set(products.JOBS_CUBES) == set(demand.CUBES)
    assert set(products.TRAINING_CUBES) == set(training.CUBES)


def test_a_2014_backtest_origin_reads_the_observed_regional_population(base) -> None:
    """Backtests (origin 2014, eval_demand.py) stay before the demography's base year: their
    drivers are the observed regional population, scaled to the municipality."""
    index = demand.demography_index(base, 2014, 2019)
    assert index["time"].values.tolist() == list(range(2014, 2020))
    np.testing.assert_allclose(index.sel(time=2014).values, 1.0)
    assert bool(np.isfinite(index).all())
    sim = demand.simulate_jobs(
        base, {"491": ["491"]}, seed=SEED, origin=2014, until=2017, n_draws=4, data_until=2014
    )
    assert sim.years.tolist() == [2014, 2015, 2016, 2017] and np.isfinite(sim.central).all()


def _demography_index_xarray(base, origin: int, until: int) -> xr.DataArray:
    """The earlier form of :func:`forecasting.demand.demography_index`: xarray's groupby."""
    munis = sorted(geography.municipalities().index)
    areas_of = geography.municipalities().loc[munis, "employment_area"].to_numpy()
    elasticity = {"Q": base.elasticity_q, "P": demand.ELASTICITY_P}
    parts = []
    for industry, ages in demand.DEMOGRAPHY_DRIVEN.items():
        pop = demand._age_population(base, ages, origin, until)
        area_pop = pop.groupby(xr.DataArray(areas_of, dims="area")).sum()
        per_muni = area_pop.sel(group=areas_of).rename(group="area").assign_coords(area=munis)
        ratio = per_muni / per_muni.sel(time=origin)
        parts.append((ratio ** elasticity[industry]).expand_dims(industry=[industry]))
    out = xr.concat(parts, dim="industry").transpose("area", "industry", "time")
    years = np.arange(origin, until + 1)
    last = out["time"].values
    return out.sel(time=[min(y, int(last.max())) for y in years]).assign_coords(time=years)


@pytest.mark.parametrize("origin, until", [(2019, 2035), (2014, 2019), (2025, 2040)])
def test_demography_index_is_the_xarray_groupby(base, origin, until) -> None:
    """Summed in numpy, the employment areas' populations give the groupby's bits."""
    xr.testing.assert_identical(
        demand.demography_index(base, origin, until), _demography_index_xarray(base, origin, until)
    )
