"""project_population and population_frame on the real snapshot: coherence, calibration,
the mean against the expected path, and clear errors for bad parameters."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import geography
from forecasting.contract import validate
from forecasting.demography import _data, engine, population_frame, project_population
from forecasting.demography.assumptions import DEFAULT_ASSUMPTIONS
from forecasting.demography.rates import estimate_rates
from forecasting.errors import ValidationError
from forecasting.io.inputs import Inputs

SIX = ["097", "178", "213", "491", "507", "623"]
STATS = ["mean", "lo95", "lo80", "hi80", "hi95"]


def _stat(ds: xr.Dataset, var: str, stat: str) -> xr.DataArray:
    return ds[var].sel(statistic=stat, drop=True)


def _pop(ds: xr.Dataset, stat: str) -> xr.DataArray:
    """Single ages (area, time, sex, age) of one statistic."""
    return _stat(ds, "population", stat)


def _tot(ds: xr.Dataset, stat: str) -> xr.DataArray:
    """Totals over age (area, time, sex) of one statistic."""
    return _stat(ds, "population_total", stat)


@pytest.fixture(scope="module")
def ta23(cubes: Inputs) -> xr.Dataset:
    return project_population(
        cubes, base_year=2019, until=2030, scope="area", area="TA23", draws=300, seed=3
    )


def test_dims_coords_and_provenance(ta23: xr.Dataset) -> None:
    assert list(ta23["area"].values) == [*SIX, "TA23"]
    assert list(ta23["sex"].values) == ["F", "M", "T"]
    assert ta23["population"].dims == ("area", "time", "sex", "age", "statistic")
    assert ta23["population_total"].dims == ("area", "time", "sex", "statistic")
    assert list(ta23["statistic"].values) == ["mean", "lo80", "hi80", "lo95", "hi95"]
    assert set(ta23.data_vars) == {"population", "population_total"}  # no bounds in names
    validate(ta23, name="population_projection")
    assert _data.years_of(ta23).tolist() == list(range(2019, 2031))
    for key in ("source_tables", "license", "data_version", "seed", "assumptions"):
        assert key in ta23.attrs
    assert ta23.attrs["seed"] == 3 and ta23.attrs["draws"] == 300
    # the method for readers in each language (the downloads' "Menetelmä" / "Metod")
    assert ta23.attrs["method_note_fi"].startswith("kohorttikomponenttimenetelmällä laadittu")
    assert ta23.attrs["method_note_sv"].startswith("befolkningsprognos enligt kohort-")
    assert ta23.attrs["method_note"] == ta23.attrs["method_note_en"] == ta23.attrs["method"]


def test_every_demography_method_is_written_in_finnish_and_swedish() -> None:
    """Each method the demography products stamp has its Finnish and Swedish words (the
    labour supply's two, the projection's one), each pointing at the method document."""
    import ast
    import inspect

    from forecasting.demography import labour, projection

    stamped = {
        str(node.args[-1].value)
        for node in ast.walk(ast.parse(inspect.getsource(labour)))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "_stamp"
        and isinstance(node.args[-1], ast.Constant)
    } | {"cohort-component projection"}
    assert len(stamped) == 3 and stamped <= set(projection.METHODS)
    for method in stamped:
        notes = projection.method_notes(method)
        assert notes["method_note_fi"].endswith("; ks. docs/methods/demography.md")
        assert notes["method_note_sv"].endswith("; se docs/methods/demography.md")
        assert len({notes[f"method_note_{lang}"] for lang in ("fi", "sv", "en")}) == 3


def test_area_is_the_sum_of_its_municipalities(ta23: xr.Dataset) -> None:
    members = _tot(ta23, "mean").sel(area=SIX).sum("area")
    np.testing.assert_allclose(_tot(ta23, "mean").sel(area="TA23"), members, rtol=1e-9)
    np.testing.assert_allclose(
        _pop(ta23, "mean").sel(area="TA23"), _pop(ta23, "mean").sel(area=SIX).sum("area"), rtol=1e-9
    )
    both = _pop(ta23, "mean").sel(sex="F") + _pop(ta23, "mean").sel(sex="M")
    np.testing.assert_allclose(_pop(ta23, "mean").sel(sex="T"), both, rtol=1e-9)
    np.testing.assert_allclose(_tot(ta23, "mean"), _pop(ta23, "mean").sum("age"), rtol=1e-9)


def test_intervals_are_ordered_and_non_negative(ta23: xr.Dataset) -> None:
    for var in ("population", "population_total"):
        lo95, lo80, hi80, hi95 = (_stat(ta23, var, s) for s in ("lo95", "lo80", "hi80", "hi95"))
        assert bool((lo95 <= lo80).all() and (lo80 <= hi80).all() and (hi80 <= hi95).all())
        assert bool((lo95 >= 0).all())
    # Intervals of a total are not the sum of the members' intervals (coherent draws).
    summed_hi = _tot(ta23, "hi80").sel(area=SIX, sex="T").sum("area")
    assert bool((_tot(ta23, "hi80").sel(area="TA23", sex="T") < summed_hi).isel(time=-1))


def test_base_year_and_published_totals_are_reproduced(cubes: Inputs, ta23: xr.Dataset) -> None:
    """31.12.2019 is the 11re population; 2020-2022 close to the published totals."""
    base = cubes["population"]["population"].sel(area=[*SIX, "TA23"], time="2019-12-31")
    np.testing.assert_array_equal(_pop(ta23, "mean").sel(time="2019-12-31", sex=["F", "M"]), base)
    totals = _data.by_year(cubes["population_totals"]["population"])
    got = _data.by_year(_tot(ta23, "lo95").sel(sex="T"))
    for year in (2020, 2021, 2022):
        np.testing.assert_array_equal(
            got.sel(year=year), totals.sel(area=[*SIX, "TA23"], year=year)
        )
    assert bool((_tot(ta23, "hi95") > _tot(ta23, "lo95")).sel(sex="T").isel(time=-1).all())


def test_mean_of_draws_is_the_expected_path(cubes: Inputs) -> None:
    """Stochastic means lie within 4.5 standard errors of the expected path (draws=0)."""
    draws = project_population(
        cubes, base_year=2019, until=2030, scope="area", area="TA23", draws=600, seed=8
    )
    expected = project_population(
        cubes, base_year=2019, until=2030, scope="area", area="TA23", draws=0
    )
    assert bool(_tot(expected, "lo80").isnull().all())
    # years up to the last published total (2025 in Snapshot v2) are pinned to it: no spread
    free = slice("2026-12-31", None)
    se = (_tot(draws, "hi95") - _tot(draws, "lo95")) / (2 * 1.96) / np.sqrt(600)
    gap = (_tot(draws, "mean") - _tot(expected, "mean")).sel(time=free)
    assert float(se.sel(time=free).min()) > 0
    assert float(np.abs(gap / se.sel(time=free)).max()) < 4.5


def test_a_municipality_alone_equals_it_within_its_area(cubes: Inputs, ta23: xr.Dataset) -> None:
    alone = project_population(
        cubes, base_year=2019, until=2030, scope="area", area="491", draws=300, seed=3
    )
    assert list(alone["area"].values) == ["491"]
    xr.testing.assert_allclose(_tot(alone, "hi80"), _tot(ta23, "hi80").sel(area=["491"]))


@settings(max_examples=12, deadline=None)
@given(
    members=st.lists(st.sampled_from(SIX), min_size=1, max_size=6, unique=True),
    seed=st.integers(0, 2**32),
    chunk=st.integers(1, 4),
)
def test_aggregates_are_the_sum_of_their_municipalities_per_draw(
    cubes: Inputs, members: list[str], seed: int, chunk: int
) -> None:
    """Property: every draw of an aggregate is the sum of its members' draws, whatever the
    members, the seed and the chunking; members' draws do not depend on the chunking."""
    rateset = estimate_rates(cubes, 2019, 2022, DEFAULT_ASSUMPTIONS)
    scope = engine.Scope(members, {"X": members, "Y": members[:1]})
    got = dict(engine.run(rateset, scope, _identity, draws=5, seed=seed, chunk=chunk))
    assert set(got) == {*members, "X", "Y"}
    np.testing.assert_array_equal(got["X"], sum(got[m] for m in members))
    np.testing.assert_array_equal(got["Y"], got[members[0]])
    alone = dict(engine.run(rateset, engine.Scope(members[:1], {}), _identity, draws=5, seed=seed))
    np.testing.assert_array_equal(alone[members[0]], got[members[0]])
    assert got["X"].min() >= 0


def _identity(codes: list[str], pop: np.ndarray) -> np.ndarray:
    return np.moveaxis(pop, 1, 0).astype(np.float64)


def test_national_scope_covers_every_area(cubes: Inputs) -> None:
    ds = project_population(cubes, base_year=2019, until=2021, scope="national", draws=4, seed=1)
    munis = geography.municipalities()
    expected = {*munis.index, *geography.aggregate_codes("employment_area"),
                *geography.aggregate_codes("region"), "SSS"}  # fmt: skip
    assert set(ds["area"].values) == expected
    np.testing.assert_allclose(
        _tot(ds, "mean").sel(area="SSS"), _tot(ds, "mean").sel(area=list(munis.index)).sum("area")
    )


def test_assumptions_change_the_projection(cubes: Inputs) -> None:
    base = project_population(cubes, base_year=2019, until=2030, scope="area", area="TA23", draws=0)
    more = project_population(
        cubes, base_year=2019, until=2030, scope="area", area="TA23", draws=0,
        assumptions={"fertility": {"tfr_multiplier": 1.3}, "migration": {"variant": "high"}},
    )  # fmt: skip
    young = slice(0, 7)
    assert bool(
        (
            _pop(more, "mean").sel(age=young).isel(time=-1)
            > _pop(base, "mean").sel(age=young).isel(time=-1)
        ).all()
    )
    assert '"tfr_multiplier":1.3' in more.attrs["assumptions"]


def test_totals_after_the_base_year_enter_only_through_the_calibration(cubes: Inputs) -> None:
    """Without ``calibrate_to_totals`` a projection from 2019 reads no total after 2019 (the
    2019 -> 2025 backtest's claim: scaling the later totals changes nothing); with it (the
    default) the totals of 2020-2022 move 2025, which is why benchmarks/eval_demography_2025.py
    reports the two measurements apart."""
    totals = cubes["population_totals"]
    after = totals["time"].dt.year > 2019
    scaled = {n: cubes[n] for n in cubes}
    scaled["population_totals"] = totals.where(~after, totals * 1.5)
    through_2022 = {n: cubes[n] for n in cubes}
    through_2022["population_totals"] = totals.sel(time=slice(None, "2022-12-31"))
    through_2019 = {n: cubes[n] for n in cubes}
    through_2019["population_totals"] = totals.sel(time=slice(None, "2019-12-31"))

    def y2025(c: _data.Cubes, calibrate: bool) -> xr.DataArray:
        ds = project_population(
            c, base_year=2019, until=2025, scope="area", area="TA23", draws=0,
            assumptions={"migration": {"calibrate_to_totals": calibrate}},
        )  # fmt: skip
        return _tot(ds, "mean").sel(sex="T", time="2025-12-31")

    free = y2025(cubes, False)
    xr.testing.assert_identical(free, y2025(scaled, False))
    xr.testing.assert_identical(free, y2025(through_2019, True))
    known = y2025(through_2022, True)
    assert float(abs(known.sel(area="TA23") - free.sel(area="TA23"))) > 100


def test_population_frame_rows(cubes: Inputs) -> None:
    frame = population_frame(
        cubes, base_year=2019, until=2021, scope="area", area="TA23", draws=50, seed=2
    )
    assert list(frame.columns) == [
        "area",
        "year",
        "sex",
        "age",
        "mean",
        "lo80",
        "hi80",
        "lo95",
        "hi95",
    ]
    assert len(frame) == 7 * 3 * 3 * 102
    assert set(frame["area"]) == {*SIX, "TA23"} and set(frame["sex"]) == {"F", "M", "T"}
    assert frame["age"].iloc[:102].tolist() == [*map(str, range(101)), "total"]
    row = frame[
        (frame.area == "TA23") & (frame.year == 2019) & (frame.sex == "T") & (frame.age == "total")
    ]
    assert row["mean"].item() == pytest.approx(76374.0)
    assert frame.attrs["seed"] == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"base_year": 2017}, "base_year"),
        ({"base_year": "2019"}, "base_year"),
        ({"base_year": 2023}, "base_year"),  # no population data for 2023
        ({"draws": 5, "seed": None}, "seed"),
        ({"until": 2019}, "until"),
        ({"until": 2200}, "until"),
        ({"scope": "world"}, "scope"),
        ({"area": "XX99"}, "area"),
        ({"draws": -1}, "draws"),
        ({"draws": 10**7}, "draws"),
        ({"draws": 2.5}, "draws"),
        ({"seed": -4}, "seed"),
        ({"assumptions": {"migration": {"window": 0}}}, "migration.window"),
        ({"assumptions": {"fertility": {"tfr_target": 1.5}}}, "fertility"),
        ({"assumptions": {"nonsense": 1}}, "nonsense"),
        ({"assumptions": 3}, "assumptions"),
    ],
)
def test_bad_parameters_name_the_field(
    cubes: Inputs, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        project_population(cubes, **{"draws": 0, **kwargs})  # type: ignore[arg-type]
    assert err.value.field == field
