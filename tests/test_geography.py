"""Geography: the hierarchy, the Mikkeli employment area and the one merger step."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import geography
from forecasting.io.sources._areas import add_aggregates, code_of_name, harmonise, name_table

# Source: shared/DOMAIN.md and the Mikkeli region service plan (työllisyysalue 23 "Mikkelin seutu").
TA23_MEMBERS = ["097", "178", "213", "491", "507", "623"]


@pytest.mark.parametrize("division", [2025, 2026])
def test_every_municipality_sits_in_exactly_one_employment_area(division: int) -> None:
    munis = geography.municipalities(division)
    assert munis.index.is_unique
    assert munis["employment_area"].notna().all()
    assert munis["employment_area"].str.fullmatch(r"TA\d\d").all()
    rows, cols, matrix = geography.summing_matrix(levels=("employment_area",), division=division)
    assert all(r.startswith("TA") for r in rows)
    assert np.array_equal(matrix.sum(axis=0), np.ones(len(cols)))  # one area per column


def test_division_2025_has_308_municipalities_and_no_pertunmaa() -> None:
    munis = geography.municipalities(2025)
    assert len(munis) == 308
    assert "588" not in munis.index


@pytest.mark.parametrize("division", [2025, 2026])
def test_ta23_is_exactly_the_six_municipalities(division: int) -> None:
    assert geography.members("TA23", division) == TA23_MEMBERS
    assert geography.resolve_area("588", division) == "507"  # Pertunmaa -> Mäntyharju


def _old_division_series(values: np.ndarray) -> xr.DataArray:
    # Codes of the 2023 division around the merger: Pertunmaa 588 is separate.
    codes = ["097", "178", "213", "491", "507", "588", "623"]
    return xr.DataArray(values, dims=("area",), coords={"area": codes})


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=2**31), min_size=7, max_size=7).map(
        lambda v: np.asarray(v, dtype=float)
    )
)
def test_harmonised_sums_equal_unharmonised_sums(values: np.ndarray) -> None:
    da = _old_division_series(values)
    out = geography.harmonise(da)
    assert "588" not in out["area"].values
    assert float(out.sum()) == float(da.sum())
    assert float(out.sel(area="507")) == values[4] + values[5]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=7, max_size=7),
    st.integers(min_value=0, max_value=6),
)
def test_harmonise_with_status_propagates_suppression(values: list[int], hole: int) -> None:
    arr = np.asarray(values, dtype=float)
    status = np.zeros(7, dtype=np.int8)
    arr[hole], status[hole] = np.nan, 3
    ds = xr.Dataset({"n": _old_division_series(arr), "n_status": _old_division_series(status)})
    out = harmonise(ds)
    target = {5: "507"}.get(hole, str(ds["area"].values[hole]))
    assert np.isnan(out["n"].sel(area=target))
    assert int(out["n_status"].sel(area=target)) == 3
    finite = out["n"].notnull()
    assert (out["n_status"].where(finite, 0) == 0).all()
    partner = {4: 5, 5: 4}.get(hole)  # 507 and 588 merge: the whole sum becomes unknown
    expected = np.nansum(arr) - (arr[partner] if partner is not None else 0.0)
    assert float(out["n"].sum()) == float(expected)  # every other cell is untouched


def test_aggregates_sum_members_and_flag_suppressed_ones() -> None:
    munis = geography.municipalities()
    codes = list(munis.index)
    values = np.arange(len(codes), dtype=float)
    status = np.zeros(len(codes), dtype=np.int8)
    ds = xr.Dataset(
        {
            "n": ("area", values),
            "n_status": ("area", status),
        },
        coords={"area": codes},
    )
    ds["n"][codes.index("097")] = np.nan
    ds["n_status"][codes.index("097")] = 3
    out = add_aggregates(ds, complete_only=False, bottom_up=True)  # as the register cubes
    assert np.isnan(out["n"].sel(area="TA23")) and int(out["n_status"].sel(area="TA23")) == 3
    ta = [a for a in out["area"].values if str(a).startswith("TA") and a != "TA23"]
    for code in ta[:5]:
        members = geography.members(code)
        assert float(out["n"].sel(area=code)) == float(ds["n"].sel(area=members).sum())
    assert list(out["area"].values[-1:]) == ["SSS"]


def test_municipality_names_resolve_current_old_and_bilingual() -> None:
    index = name_table(("fi", "sv"))
    assert code_of_name("Mikkeli", index, country=False) == "491"
    assert code_of_name("S:t Michel", index, country=False) == "491"
    assert code_of_name("Pertunmaa", index, country=False) == "588"  # old code: harmonise merges it
    assert code_of_name("Honkajoki", index, country=False) == "099"
    assert code_of_name("Maarianhamina - Mariehamn", index, country=False) == "478"
    assert code_of_name("Atlantis", index, country=False) is None


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(sorted(geography.municipalities().index)))
def test_a_municipality_belongs_to_the_employment_area_named_for_it(code: str) -> None:
    area = geography.employment_area_of(code)
    assert geography.level_of(area) == "employment_area"
    assert code in geography.members(area)


def test_employment_area_of_follows_mergers_and_refuses_aggregates() -> None:
    assert geography.employment_area_of("588") == "TA23"  # Pertunmaa, merged into Mäntyharju
    assert geography.employment_area_of(91) == "TA08"
    for code in ("TA23", "999"):
        with pytest.raises(geography.UnknownAreaError):
            geography.employment_area_of(code)


def test_area_name_by_language_falls_back_to_the_code() -> None:
    """Names from the 2025 division (Statistics Finland's own Swedish 'S:t Michel'); an
    unknown code comes back as itself, never an error or NaN."""
    assert geography.area_name("491", "fi") == "Mikkeli"
    assert geography.area_name("491", "sv") == "S:t Michel"
    assert geography.area_name("SSS", "en") == "Whole country"
    assert geography.area_name("TA99", "fi") == "TA99"
