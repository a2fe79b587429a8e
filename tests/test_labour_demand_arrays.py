"""The labour-demand chain's array forms give the bits of the formulas they replace.

Each test keeps the earlier formula (einsum over every weight, xarray's groupby, every supply
part of every draw) as the reference and checks the faster form against it on random inputs:
every value equal, signs of zero included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from forecasting import training, training_balance, training_params, training_supply
from models import shiftshare


def _same_bits(new: np.ndarray, old: np.ndarray) -> None:
    assert new.shape == old.shape
    np.testing.assert_array_equal(new, old)
    np.testing.assert_array_equal(np.signbit(new), np.signbit(old))


_values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def _contraction(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    lead = draw(st.lists(st.integers(1, 4), max_size=2))
    k, t, m = draw(st.integers(1, 7)), draw(st.integers(1, 4)), draw(st.integers(1, 6))
    x = draw(
        hnp.arrays(float, (*lead, k, t), elements=st.one_of(_values, st.sampled_from([0.0, -0.0])))
    )
    weights = draw(hnp.arrays(float, (k, m), elements=st.floats(0.0, 1.0)))
    zero = draw(hnp.arrays(bool, (k, m)))
    weights[zero] = 0.0
    return x, weights


@settings(max_examples=100, deadline=None)
@given(_contraction())
def test_contract_has_the_bits_of_einsum(case) -> None:
    x, weights = case
    new = shiftshare.contract(x, weights)
    _same_bits(new, np.einsum("...kt,km->...mt", x, weights))
    assert new.flags["C_CONTIGUOUS"]


def test_contract_of_non_finite_values_is_einsum_itself() -> None:
    x = np.array([[[1.0, np.inf], [np.nan, 2.0]]])
    weights = np.array([[0.0, 1.0], [0.5, 0.0]])
    np.testing.assert_array_equal(
        shiftshare.contract(x, weights), np.einsum("...kt,km->...mt", x, weights)
    )


def _same_layout(new: np.ndarray, old: np.ndarray) -> None:
    """The same order of the axes in memory (axes of length 1 have no order)."""
    long = [k for k, n in enumerate(old.shape) if n > 1]
    assert [new.strides[k] for k in long] == [old.strides[k] for k in long]


def _laid_out(array: np.ndarray, order: list[int]) -> np.ndarray:
    """``array`` with its axes stored in memory in ``order`` (outermost first)."""
    return np.ascontiguousarray(array.transpose(order)).transpose(np.argsort(order))


@settings(max_examples=80, deadline=None)
@given(_contraction(), st.integers(1, 3), st.permutations([0, 1, 2]))
def test_to_fields_has_the_bits_and_layout_of_einsum(case, levels, order) -> None:
    x, weights = case
    key = np.repeat(weights[:, :, None], levels, axis=2) * np.linspace(1.0, 0.5, levels)
    key = _laid_out(key, order)  # the shipped key is stored levels outermost
    new = training_balance._to_fields(x, key)
    old = np.einsum("...ot,ofl->...ftl", x, key)
    _same_bits(new, old)
    _same_layout(new, old)


# --------------------------------------------------------------------------- occupations
def _occupations_by_group_xarray(occupations: xr.Dataset, region: str, start: str, end: str):
    """The earlier form: xarray's groupby over the 2-digit prefixes."""
    ds = occupations.sel(area=region, time=slice(start, end))
    codes = [str(c) for c in ds["occupation"].values if str(c) != "SSS"]
    sub = ds[["unemployed", "vacancies"]].sel(occupation=codes).mean("time")
    grouped = sub.groupby(xr.DataArray([c[:2] for c in codes], dims="occupation")).sum()
    grouped = grouped.rename(group="occupation")
    return grouped.reindex(occupation=training.occupation_groups()).fillna(0.0)


@settings(max_examples=12, deadline=None)
@given(st.data())
def test_occupations_by_group_is_the_xarray_groupby(data) -> None:
    groups = training.occupation_groups()
    chosen = data.draw(st.lists(st.sampled_from(groups), min_size=1, max_size=6, unique=True))
    codes = ["SSS"]
    for g in sorted(chosen):
        codes += [f"{g}{k:02d}" for k in range(data.draw(st.integers(1, 11)))]
    codes.append("X999")
    shape = (2, len(codes), 6)
    cells = st.one_of(st.floats(0.0, 5e4), st.just(np.nan))
    cube = xr.Dataset(
        {name: (("area", "occupation", "time"), data.draw(hnp.arrays(float, shape, elements=cells)))
         for name in ("unemployed", "vacancies")},
        coords={
            "area": ["MK10", "SSS"],
            "occupation": codes,
            "time": xr.date_range("2019-01-01", periods=6, freq="MS", use_cftime=False),
        },
        attrs={"title": "occupations"},
    )  # fmt: skip
    cube["unemployed"].attrs["units"] = "persons"
    for region in ("MK10", "SSS"):
        new = training.occupations_by_group(cube, region, "2019-02", "2019-06")
        xr.testing.assert_identical(
            new, _occupations_by_group_xarray(cube, region, "2019-02", "2019-06")
        )


# --------------------------------------------------------------------------- balance
def _area_balance_every_part(by_occ, key, graduates, migrants, laid_off, params, seed):
    """The earlier form: every supply part of every draw, einsum over the whole key."""
    exp, rep = by_occ["expansion"].values, by_occ["replacement"].values
    open_c = exp + rep
    open_d = by_occ["openings_draws"].values
    n_draws, n_groups = open_d.shape[0], open_d.shape[1]
    rng = np.random.default_rng([seed, 20])
    u_match = training_supply.matched_unemployed(by_occ["unemployed"].values, laid_off, params)
    u_mult = training_balance._lognormal(rng, params.unemployed_rel_sd, (n_draws, n_groups, 1, 1))
    g_mult = training_balance._lognormal(rng, params.graduate_rel_sd, (n_draws, n_groups, 1, 1, 1))
    f = params.further_share
    kind_w = np.array([1.0 - f, f])

    def to_fields(x):
        return np.einsum("...ot,ofl->...ftl", x, key)

    def parts(openings, unemp, grads):
        dem = np.maximum(openings, 0.0)
        released = to_fields(np.maximum(-openings, 0.0))
        used = to_fields(np.minimum(unemp[..., None] * np.ones_like(dem), dem))
        dem_f = to_fields(dem)
        total = dem_f.sum(axis=(-3, -1), keepdims=True)
        mig_w = np.where(total > 0, dem_f / np.where(total > 0, total, 1.0), 0.0)
        shape = dem_f.shape[:-3]
        mig = migrants.reshape((1,) * (len(shape) - 1) + (-1, 1, 1, 1)) * mig_w
        k = kind_w
        out = {
            "demand": dem_f[..., None] * k,
            "graduates": np.stack([grads, 0 * grads], axis=-1),
            "migrants": np.stack([mig, 0 * mig], axis=-1),
            "unemployed": used[..., None] * k,
            "released": np.stack([released, 0 * released], axis=-1),
        }
        out["supply"] = sum(out[p] for p in training_balance.SUPPLY_PARTS)
        out["need"] = out["demand"] - out["supply"]
        return out

    grads = graduates.transpose(0, 3, 1, 2)
    central = parts(open_c, u_match, grads)
    u_drawn, g_drawn = u_match[None] * u_mult[..., 0], grads[None] * g_mult
    central["need_draws"] = parts(open_d, u_drawn, g_drawn)["need"]
    exp_d, rep_d = by_occ["expansion_draws"].values, by_occ["replacement_draws"].values
    alone = {
        "expansion": parts(exp_d + rep[None], u_match, grads)["need"],
        "replacement": parts(exp[None] + rep_d, u_match, grads)["need"],
        "graduates": parts(open_c[None] * np.ones_like(g_mult[..., 0]), u_match, g_drawn)["need"],
        "unemployed": parts(open_c[None] * np.ones_like(u_mult), u_drawn, grads)["need"],
    }
    central["source_draws"] = np.stack([alone[k].sum(axis=-1) for k in training_balance.SOURCES])
    return central


@settings(max_examples=25, deadline=None)
@given(st.data(), st.integers(0, 2**31 - 1))
def test_area_balance_is_the_every_part_formula(data, seed) -> None:
    n_draws, n_groups, n_occ, n_years, n_fields = 6, data.draw(st.integers(1, 3)), 5, 3, 4
    levels = len(training_params.LEVELS)
    signed = st.floats(-500.0, 500.0)
    exp = data.draw(hnp.arrays(float, (n_groups, n_occ, n_years), elements=signed))
    rep = data.draw(hnp.arrays(float, (n_groups, n_occ, n_years), elements=st.floats(0.0, 300.0)))
    noise = data.draw(hnp.arrays(float, (n_draws, 1, 1, 1), elements=st.floats(0.5, 1.5)))
    exp_d, rep_d = exp[None] * noise, rep[None] * noise[::-1]
    dims = ("area", "occupation", "time")
    by_occ = xr.Dataset(
        {
            "expansion": (dims, exp),
            "replacement": (dims, rep),
            "openings_draws": (("draw", *dims), exp_d + rep_d),
            "expansion_draws": (("draw", *dims), exp_d),
            "replacement_draws": (("draw", *dims), rep_d),
            "unemployed": (("area", "occupation"), data.draw(
                hnp.arrays(float, (n_groups, n_occ), elements=st.floats(0.0, 200.0)))),
        }
    )  # fmt: skip
    key = data.draw(hnp.arrays(float, (n_occ, n_fields, levels), elements=st.floats(0.0, 1.0)))
    key[data.draw(hnp.arrays(bool, key.shape))] = 0.0
    key = _laid_out(key, data.draw(st.permutations([0, 1, 2])))
    graduates = data.draw(
        hnp.arrays(float, (n_groups, n_years, levels, n_fields), elements=st.floats(0.0, 50.0))
    )
    migrants = data.draw(hnp.arrays(float, n_groups, elements=st.floats(0.0, 40.0)))
    laid_off = data.draw(hnp.arrays(float, n_groups, elements=st.floats(0.0, 1.0)))
    params = training_params.load_params()
    args = (by_occ, key, graduates, migrants, laid_off, params, seed)
    new = training_balance._area_balance(*args)
    old = _area_balance_every_part(*args)
    assert new.keys() == old.keys()
    for name in old:
        _same_bits(new[name], old[name])
        if name != "source_draws":  # stacked afresh: C order either way
            _same_layout(new[name], old[name])  # later sums add in the order of the memory


# --------------------------------------------------------------------------- supply
def _youth_graduates_xarray(population, groups, years, fields, params) -> np.ndarray:
    """The earlier form of :func:`forecasting.training_supply.youth_graduates`: labels."""
    last = int(population["time"].max())
    levels = training_params.LEVELS
    out = np.zeros((len(groups), len(years), len(levels), len(fields)))
    shares = np.array([[params.graduate_fields[lv].get(f, 0.0) for f in fields] for lv in levels])
    for g, members in enumerate(groups.values()):
        pop = population.sel(area=list(members)).sum("area")
        for k, year in enumerate(years):
            at = pop.sel(time=min(int(year), last))
            for j, level in enumerate(levels):
                cohort = float(at.sel(age=int(params.entry_age[level])))
                entrants = cohort * params.pathway_share[level] * params.retention[level]
                out[g, k, j] = entrants * shares[j]
    return out


@settings(max_examples=25, deadline=None)
@given(st.data(), st.permutations(["area", "time", "age"]))
def test_youth_graduates_are_the_labelled_sums(data, order) -> None:
    areas = [f"{k:03d}" for k in range(12)]
    cells = st.one_of(st.floats(0.0, 1e4), st.just(np.nan))
    values = data.draw(hnp.arrays(float, (len(areas), 4, 40), elements=cells))
    population = xr.DataArray(
        values,
        dims=("area", "time", "age"),
        coords={"area": areas, "time": np.arange(2025, 2029), "age": np.arange(40)},
    )
    population = population.transpose(*order)
    population = population.copy(data=np.ascontiguousarray(population.values))
    members = data.draw(st.lists(st.sampled_from(areas), min_size=1, max_size=12, unique=True))
    groups = {"A": sorted(members), areas[0]: [areas[0]]}
    params = training_params.load_params()
    years = np.arange(2026, 2031)  # past the last year: its population
    fields = ["01", "04", "07", "09"]
    new = training_supply.youth_graduates(population, groups, years, fields, params)
    _same_bits(new, _youth_graduates_xarray(population, groups, years, fields, params))


def _qualification_demand_xarray(by_occ, key, fields) -> xr.DataArray:
    """The earlier form of the balance's qualification demand: labels."""
    key = key.reindex(occupation=by_occ["occupation"].values, fill_value=0.0)
    openings = (by_occ["expansion"] + by_occ["replacement"]).clip(min=0.0)
    parts = []
    for q in fields.qualifications:
        total = xr.zeros_like(openings.isel(occupation=0, drop=True))
        for occ, field, share in q.shares:
            if field in key.indexes["field"] and occ in key.indexes["occupation"]:
                w = float(key.sel(occupation=occ, field=field, level=q.level))
                total = total + share * w * openings.sel(occupation=occ, drop=True)
        parts.append(total)
    index = pd.Index([q.key for q in fields.qualifications], name="qualification")
    return xr.concat(parts, dim=index).transpose("area", "qualification", "time")


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_qualification_demand_is_the_labelled_sum(data) -> None:
    occupations = training.occupation_groups()
    shape = (2, len(occupations), 3)
    signed = st.floats(-300.0, 300.0)
    dims = ("area", "occupation", "time")
    coords = {"area": ["491", "TA23"], "occupation": occupations, "time": [2026, 2027, 2028]}
    by_occ = xr.Dataset(
        {
            "expansion": (dims, data.draw(hnp.arrays(float, shape, elements=signed))),
            "replacement": (dims, data.draw(hnp.arrays(float, shape, elements=signed))),
        },
        coords=coords,
    )
    key, fields = training.load_correspondence(), training_params.load_fields()
    xr.testing.assert_identical(
        training_balance._qualification_demand(by_occ, key, fields),
        _qualification_demand_xarray(by_occ, key, fields),
    )


# --------------------------------------------------------------------------- demography
def test_has_data_is_the_labelled_check(cubes) -> None:
    """The base-year check by positions answers as the relabelled selection did, for every
    cube and year the check reads (and years without data on either side)."""
    from forecasting.demography import _data, base

    def labelled(name: str, var: str, year: int) -> bool:
        if not _data.has(cubes, name) or var not in cubes[name]:
            return False
        da = _data.by_year(cubes[name][var])
        return year in da["year"].values and bool(da.sel(year=year).notnull().any())

    needs = (
        ("population_by_sex", "population"),
        ("population_change", "births"),
        ("age_key_figures", "mean_age"),
        ("regional_demography", "population"),
        ("population_totals", "population"),
        ("registers", "laid_off"),
        ("registers", "no_such_variable"),
    )
    answers = {
        (name, var, year): base.has_data(cubes, name, var, year)
        for name, var in needs
        for year in range(1985, 2031)
    }
    assert answers == {key: labelled(*key) for key in answers}
    assert any(answers.values()) and not all(answers.values())
