"""Migration by component (domestic / international) for the regions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecasting.demography import _data, components
from forecasting.demography.regional import region_codes


def test_components_add_up_and_domestic_cancels(cubes) -> None:
    regions = region_codes(cubes)
    hist = components.history(cubes, regions, 2025)
    total = _data.by_year(cubes["regional_demography"]["net_migration"]).sel(
        area=regions, year=hist.domestic["year"]
    )
    np.testing.assert_allclose((hist.domestic + hist.international).values, total.values)
    # domestic moves cancel over the whole country, every year (muutl 1991-2017, and the
    # share-based split after it keeps the international part summing to the country's)
    np.testing.assert_allclose(hist.domestic.sum("area").values, 0.0, atol=1e-6)
    np.testing.assert_allclose(hist.international.sum("area").values, hist.national.values)
    assert bool(hist.observed_split.sel(year=2017)) and not bool(hist.observed_split.sel(year=2018))


def test_2025_split_is_the_published_121w(cubes) -> None:
    """Statistics Finland 121w, 2025: Etelä-Savo (MK10) net domestic migration and immigration."""
    hist = components.history(cubes, ["MK10", "MK01"], 2025)
    change = _data.by_year(cubes["population_change"]).sel(year=2025)
    # two regions only: the international parts are scaled to the country's net
    for region in ("MK10", "MK01"):
        dom = float(hist.domestic.sel(area=region, year=2025))
        assert dom == float(change["net_migration_municipal"].sel(area=region))


def test_levels_and_schedule_are_sane(cubes) -> None:
    regions = region_codes(cubes)
    hist = components.history(cubes, regions, 2012)
    lv = components.levels(hist, 5, 0.5)
    assert lv.level.shape == (19,)
    assert np.all(lv.sigma > 0) and np.all(lv.level_sd > 0) and 0 <= lv.phi <= 0.9
    # net domestic rates per resident stay within +-2 % a year, international within 0..1 %
    assert np.all(np.abs(lv.domestic) < 0.02) and np.all(lv.international > -0.001)
    sched = components.international_schedule(cubes["regional_demography"], 2012, 5)
    assert float(sched.sum()) == np.float64(1.0) or abs(float(sched.sum()) - 1) < 1e-12
    assert float(sched.min()) >= 0
    # immigrants concentrate in working ages: ages 18-44 hold most of the net inflow
    assert float(sched.sel(age=slice(18, 44)).sum()) > 0.5


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, (3, 12), elements=st.floats(-0.05, 0.05)),
    st.integers(1, 12),
    st.floats(0.0, 1.0),
)
def test_blend_is_between_the_window_and_the_long_run(
    series: np.ndarray, window: int, weight: float
) -> None:
    got = components.blend(series, window, weight)
    recent, longrun = series[:, -window:].mean(axis=1), series.mean(axis=1)
    lo, hi = np.minimum(recent, longrun), np.maximum(recent, longrun)
    assert np.all(got >= lo - 1e-12) and np.all(got <= hi + 1e-12)
    np.testing.assert_allclose(components.blend(series, window, 1.0), recent)


def test_level_ratio_of_white_noise_is_the_sampling_error() -> None:
    """For iid noise the blend's error variance is h + h^2 * var(blend): small lambda."""
    rng = np.random.default_rng(3)
    z = rng.standard_normal((400, 30))
    lam = components.level_ratio(z, 5, 0.5)
    assert 0.2 - 1e-12 <= lam < 0.3
    # a random walk drifts: the ratio is far larger
    walk = np.cumsum(rng.standard_normal((400, 30)), axis=1)
    assert components.level_ratio(walk, 5, 0.5) > 1.0


def test_long_history_from_1973_matches_the_published_from_1991(cubes) -> None:
    reg = cubes["regional_demography"]
    long = components.long_history(reg, cubes["national_mortality"], ["MK10", "MK01"], 1995)
    assert long.shape == (2, 1995 - 1972)
    hist = components.history(cubes, ["MK10", "MK01"], 1995)
    published = (hist.domestic + hist.international) / hist.population
    np.testing.assert_allclose(long[:, -5:], published.values)
    # cohort accounting before 1991: Uusimaa (MK01) gained, Etelä-Savo (MK10) lost migrants
    # on average 1973-1990 (rates per resident within +-2 % a year)
    assert long[1, :18].mean() > 0 > long[0, :18].mean() and np.all(np.abs(long) < 0.02)


def test_projection_by_component_and_its_variants(cubes) -> None:
    from forecasting.demography.regional import RegionalMethod, project_regions

    def total(method: RegionalMethod, variant: str = "base") -> float:
        ds = project_regions(
            cubes, base_year=2012, until=2017, regions=["MK10"], draws=0, method=method,
            assumptions={"migration": {"variant": variant}},
        )  # fmt: skip
        return float(
            ds["population_total"].sel(area="MK10", sex="T", time="2017-12-31", statistic="mean")
        )

    actual = float(
        _data.by_year(cubes["regional_demography"]["population"]).sel(area="MK10", year=2017).sum()
    )
    comp, net = total(RegionalMethod()), total(RegionalMethod(by_component=False))
    assert comp != net and abs(comp / actual - 1) < 0.02  # MK10 lost 3.9 % 2012-2017
    assert total(RegionalMethod(), "low") < comp < total(RegionalMethod(), "high")
