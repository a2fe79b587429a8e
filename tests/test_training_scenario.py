"""A scenario's training-need change net of the local supply (issue 20 item 4, issue 22 item 4).

Reference case (hand-computed): 100 health-care (Q) jobs all practical nurses' work
(occupation 53 -> field 09, vocational) and 100 transport (H) jobs all drivers' (83 -> 10,
vocational). The baseline balance has health in deficit (need +40: nothing to absorb) and
transport in surplus (need -30 in 2026, -80 in 2027): the nurses' need stays 100, the
logistics need is 100 - 30 = 70 (2026) or 100 - 80 = 20 (2027).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting import training_scenario
from forecasting.errors import ValidationError
from forecasting.training_params import LEVELS

FIELDS = ["09", "10"]


def _bridge() -> xr.DataArray:
    return xr.DataArray(
        [[1.0, 0.0], [0.0, 1.0]],
        dims=("industry", "occupation"),
        coords={"industry": ["Q", "H"], "occupation": ["53", "83"]},
    )


def _key() -> xr.DataArray:
    key = np.zeros((2, 2, 3))
    key[0, 0, 0] = key[1, 1, 0] = 1.0  # 53 -> 09 vocational, 83 -> 10 vocational
    return xr.DataArray(
        key,
        dims=("occupation", "field", "level"),
        coords={"occupation": ["53", "83"], "field": FIELDS, "level": list(LEVELS)},
    )


def _release_balance(transport_need: tuple[float, float] = (-30.0, -80.0)) -> xr.Dataset:
    """The release product's layout: need by statistic, 31 December dates, broad fields."""
    need = np.zeros((1, 2, 2, 3, 3))
    need[0, 0, :, 0, :] = 40.0  # health, vocational: deficit
    for t, v in enumerate(transport_need):
        need[0, 1, t, 0, :] = v  # transport, vocational: surplus
    return xr.Dataset(
        {"need": (("area", "field", "time", "level", "statistic"), need)},
        coords={
            "area": ["491"],
            "field": FIELDS,
            "time": pd.to_datetime(["2026-12-31", "2027-12-31"]),
            "level": list(LEVELS),
            "statistic": ["mean", "lo80", "hi80"],
        },
    )


def _change(baseline=None, year=None, jobs=None):
    return training_scenario.training_need_change(
        jobs or {"Q": 100.0, "H": 100.0},
        _bridge(),
        _key(),
        baseline=baseline,
        area="491" if baseline is not None else None,
        year=year,
    )


def test_a_surplus_field_absorbs_part_of_the_demand_a_deficit_field_none() -> None:
    out = _change(_release_balance())
    voc = {"level": "vocational"}
    assert float(out["demand_change"].sel(field="09", **voc)) == pytest.approx(100.0)
    assert float(out["need_change"].sel(field="09", **voc)) == pytest.approx(100.0)
    assert float(out["covered_by_supply"].sel(field="09", **voc)) == 0.0
    assert float(out["need_change"].sel(field="10", **voc)) == pytest.approx(70.0)
    assert float(out["covered_by_supply"].sel(field="10", **voc)) == pytest.approx(30.0)
    q = out["qualification_need"]
    assert float(q.sel(qualification="practical_nurse")) == pytest.approx(100.0)
    assert float(q.sel(qualification="logistics")) == pytest.approx(70.0)
    assert float(out["qualification_demand"].sel(qualification="logistics")) == 100.0
    assert out.attrs["supply_area"] == "491" and out.attrs["supply_year"] == 2026
    # the year the scenario starts picks the balance year (2027: surplus 80 -> need 20);
    # years outside the balance take its nearest end
    assert float(_change(_release_balance(), 2027)["need_change"].sel(field="10", **voc)) == (
        pytest.approx(20.0)
    )
    assert _change(_release_balance(), 2040).attrs["supply_year"] == 2027
    assert _change(_release_balance(), 2020).attrs["supply_year"] == 2026
    # without a balance the need is the demand
    plain = _change()
    np.testing.assert_allclose(plain["need_change"], plain["demand_change"])


def test_a_surplus_larger_than_the_demand_covers_it_and_a_closure_is_a_surplus() -> None:
    out = _change(_release_balance((-150.0, -150.0)))
    assert float(out["need_change"].sel(field="10", level="vocational")) == 0.0  # not negative
    assert float(out["covered_by_supply"].sel(field="10", level="vocational")) == 100.0
    closure = _change(_release_balance(), jobs={"H": -100.0})
    assert float(closure["need_change"].sel(field="10", level="vocational")) == -100.0
    assert float(closure["covered_by_supply"].sum()) == 0.0


def test_the_balance_layout_of_training_balance_gives_the_same_surplus() -> None:
    """``forecasting.training_balance.balance``: need by kind, integer years, narrow fields."""
    rel = _release_balance()
    need = rel["need"].sel(statistic="mean", drop=True)
    need = need.assign_coords(time=[2026, 2027])
    kinds = xr.concat([need * 0.75, need * 0.25], dim=pd.Index(["initial", "further"], name="kind"))
    narrow = kinds.sel(field=["10"]).assign_coords(field=["104"]) * 0 + 999.0  # ignored
    bal = xr.Dataset({"need": xr.concat([kinds, narrow], dim="field")})
    for year in (None, 2027):
        a, b = _change(rel, year), _change(bal, year)
        np.testing.assert_allclose(a["need_change"], b["need_change"])
    with pytest.raises(ValidationError):
        training_scenario.local_surplus(bal, "999")


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-500, 500),
    st.floats(-500, 500),
    st.floats(-300, 300),
    st.floats(-300, 300),
)
def test_need_plus_covered_is_the_demand_and_never_more_than_the_surplus(q, h, n09, n10):
    bal = _release_balance((n10, n10))
    bal["need"].loc[{"field": "09"}] = n09
    out = _change(bal, jobs={"Q": q, "H": h})
    demand, need, covered = out["demand_change"], out["need_change"], out["covered_by_supply"]
    np.testing.assert_allclose(need + covered, demand, atol=1e-9)
    surplus = out["local_surplus"]
    assert bool(((covered >= 0) & (covered <= surplus + 1e-9)).all())
    assert bool((need.where(demand > 0, 0.0) >= 0).all())
    quals = out["qualification_need"]
    assert float(quals.sel(qualification="practical_nurse")) == pytest.approx(
        float(need.sel(field="09", level="vocational"))
    )


def test_apply_local_supply_on_an_annotated_result_matches_the_direct_change(cubes) -> None:
    from types import SimpleNamespace as E

    from forecasting import training

    result = xr.Dataset(
        {"employed": (("area", "industry", "time", "quantile"), np.zeros((1, 1, 2, 1)))},
        coords={"area": ["TA23"], "industry": ["Q"], "quantile": [0.5]},
    )
    events = [E(kind="recruitment", industry="Q", jobs=200, municipality="491", start="2026-07")]
    bal = _release_balance()
    bal = bal.reindex(field=[f"{i:02d}" for i in range(1, 11)], fill_value=-5.0)
    out = training_scenario.annotate(result, cubes, "TA23", events)
    assert out.attrs["training_supply"].startswith("Local supply not subtracted")
    np.testing.assert_allclose(out["training_need_change"], out["training_demand_change"])
    with_supply = training_scenario.annotate(result, cubes, "TA23", events, baseline=bal)
    assert with_supply.attrs["training_supply_area"] == "491"  # the event's municipality
    assert with_supply.attrs["training_supply_year"] == 2026
    bridge = training.industry_occupation_bridge(
        cubes["jobs_by_industry"], cubes["occupations"], training.occupation_region("TA23")
    )
    direct = training_scenario.training_need_change(
        {"Q": 200.0}, bridge, training.load_correspondence(), baseline=bal, area="491"
    )
    np.testing.assert_allclose(
        with_supply["training_need_change"].values, direct["need_change"].values
    )
    np.testing.assert_allclose(
        with_supply["qualification_need_change"].values, direct["qualification_need"].values
    )
    # health (09) is in deficit in this balance: the nurses are not absorbed; others are
    nurses = with_supply["qualification_need_change"].sel(qualification="practical_nurse")
    assert float(nurses) == pytest.approx(
        float(out["qualification_need_change"].sel(qualification="practical_nurse"))
    )
    assert float(with_supply["training_covered_by_supply"].sum()) > 0
    assert float(with_supply["training_need_change"].sum()) < 200.0 - 1e-6


def test_a_closure_with_multiplier_1_6_needs_1_6_times_the_jobs_over_the_suppliers(cubes) -> None:
    """Issue 20 item 1: the scenario feed takes the run's direct plus indirect and induced
    jobs (``jobs_change_by_industry``), not the events' direct jobs alone.

    Reference: a closure of 100 manufacturing (C) jobs with a multiplier of 1.6 loses
    100 x 1.6 = 160 jobs (:mod:`forecasting.scenarios.events`: ``n * (total - 1)``
    secondary jobs, here all inside the area without spill-over links), 60 of them in the
    supplier and household-serving industries; the demand change is the bridge and key of
    those 160 jobs by industry."""
    from forecasting import training
    from forecasting.scenarios import calibration as cal
    from forecasting.scenarios.events import compile_events
    from forecasting.scenarios.multipliers import load_multipliers
    from forecasting.scenarios.outputs import _with_area_total
    from forecasting.scenarios.spec import Event, ScenarioSpec

    structure = cal.load_structure(cubes, "TA23")
    months = pd.date_range("2026-07-01", periods=24, freq="MS")
    ev = Event(
        kind="closure", municipality="491", industry="C", jobs=100, start="2026-07",
        multiplier=1.6,
    )  # fmt: skip
    spec = ScenarioSpec(name="t", area="TA23", events=[ev], start="2026-07", horizon_months=24)
    compiled = compile_events(spec, structure, months, load_multipliers())
    by_industry = _with_area_total(compiled.job_change, 1).transpose(1, 2, 0)
    result = xr.Dataset(
        {"jobs_change_by_industry": (("area", "industry", "time"), by_industry)},
        coords={
            "area": [*structure.municipalities, "TA23"],
            "industry": list(structure.industries),
        },
    )
    change = training_scenario.job_change_from_result(result, "TA23")
    assert sum(change.values()) == pytest.approx(-160.0)
    secondary = {k: v for k, v in change.items() if k != "C"}
    assert sum(secondary.values()) + (change["C"] + 100.0) == pytest.approx(-60.0)
    assert sum(1 for v in secondary.values() if v < -0.5) >= 3  # spread over suppliers
    # the annotated result: demand from all 160 jobs, the events' direct 100 only without them
    result["employed"] = (("area", "industry", "time", "quantile"), np.zeros((7, 22, 24, 1)))
    result = result.assign_coords(quantile=[0.5])
    out = training_scenario.annotate(result, cubes, "TA23", [ev])
    assert out.attrs["training_jobs_source"] == "all"
    total = float(out["training_demand_change"].sum())
    bridge = training.industry_occupation_bridge(
        cubes["jobs_by_industry"], cubes["occupations"], training.occupation_region("TA23")
    )
    key = training.load_correspondence()
    held = {k: v for k, v in change.items() if k in bridge.indexes["industry"]}
    direct = training_scenario.training_need_change(held, bridge, key)
    np.testing.assert_allclose(
        out["training_demand_change"].values, direct["demand_change"].values, atol=1e-9
    )
    only_direct = training_scenario.training_need_change(
        {"C": -100.0}, bridge, key, jobs_source="direct"
    )
    assert total == pytest.approx(float(direct["demand_change"].sum()))
    assert total < 1.5 * float(only_direct["demand_change"].sum())  # about 1.6x the loss
    assert "indirect" in out.attrs["training_need_method"]
    assert "välilliset" in out.attrs["training_need_method_fi"]
    assert "indirekta" in out.attrs["training_need_method_sv"]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_broad_field_has_one_name_on_the_training_page_and_in_a_scenario(lang) -> None:
    """The Swedish scenario page named the fields of its training change "Tjänstebranschen",
    "Hälsovård och välfärd", "Teknik" (the parameter file's own names) where the training
    page, its CSV and XLSX say "Tjänsteområden", "Hälso- och välfärdsområden", "Tekniska
    områden" (the classification's): an education provider reading both could not match
    them. Every broad field now has one name per language."""
    from forecasting import classifications
    from forecasting.training_params import load_fields
    from service.labels import label_map

    page = label_map("field", lang)
    assert page is not None
    names = load_fields().names(lang)
    broad = [str(c) for c in classifications.education_fields_2016().index]
    assert broad and {c: names[c] for c in broad} == {c: page[c] for c in broad}


def test_texts_and_qualification_names_come_in_three_languages() -> None:
    from forecasting.training_params import load_fields

    fields = load_fields()
    out = _change()
    nurse = {
        lang: out[f"qualification_name_{lang}"].sel(qualification="practical_nurse").item()
        for lang in ("fi", "sv", "en")
    }
    assert nurse["sv"].startswith("Närvårdare") and nurse["fi"].startswith("Lähihoitaja")
    assert nurse["en"] == "Practical nurse"
    assert fields.names("sv")["09"] == "Hälso- och välfärdsområden"  # as the training page
    assert fields.names("sv")["104"] == "Transporttjänster"
    assert fields.names("en")["104"] == "Transport services"
    assert fields.names()["104"] == "Kuljetuspalvelut"
    for lang in ("fi", "sv", "en"):
        assert fields.describe(lang) in out.attrs[f"method_note_{lang}"]
        assert fields.version not in out.attrs[f"method_note_{lang}"]  # no code word
    assert out.attrs["method_note"] == out.attrs["method_note_en"]
    assert out.attrs["fields_version"] == fields.version == "training-fields-v2"
    assert fields.describe("fi") == "koulutusalojen ja isojen tutkintojen taulukko (versio 2)"


@pytest.mark.parametrize(
    ("version", "lang", "words"),
    [
        ("training-fields-v2", "fi", "versio 2"),
        ("training-fields-v12", "sv", "version 12"),
        ("user:my.toml:0123456789ab", "en", "own file my.toml, SHA-256 0123456789ab"),
        ("user:a:b.toml:0123456789ab", "fi", "oma tiedosto a:b.toml, SHA-256 0123456789ab"),
        ("draft", "de", "version draft"),  # another language: English
        ("demography-2019.1", "fi", "versio 2019.1"),  # the demography's assumptions
        ("2026-01-15", "sv", "version 2026-01-15"),  # a date is no numbered version
    ],
)
def test_a_parameter_files_version_reads_as_words(version, lang, words) -> None:
    """The version of the shipped table ("training-fields-v2") or of a user's file
    ("user:<name>:<sha256 prefix>", load_fields) as a reader's words."""
    from forecasting.provenance import readable_version

    assert readable_version(version, lang) == words


def test_the_scenario_page_table_names_qualifications_in_the_page_language(cubes) -> None:
    from types import SimpleNamespace as E

    from service.routers.dashboard import _training_change

    result = xr.Dataset(
        {"employed": (("area", "industry", "time", "quantile"), np.zeros((1, 1, 2, 1)))},
        coords={"area": ["TA23"], "industry": ["Q"], "quantile": [0.5]},
    )
    events = [E(kind="recruitment", industry="Q", jobs=200, municipality="491", start="2026-07")]
    out = training_scenario.annotate(result, cubes, "TA23", events)
    assert out.attrs["training_jobs_source"] == "direct"
    names = {lang: [r["name"] for r in _training_change(out, lang)] for lang in ("fi", "sv", "en")}
    assert any(n.startswith("Lähihoitaja") for n in names["fi"])
    assert any(n.startswith("Närvårdare") for n in names["sv"])
    assert "Practical nurse" in names["en"]
    assert any("Hälso- och välfärdsområden" in n for n in names["sv"])
    assert "vain tapahtumien suorat" in out.attrs["training_need_method_fi"]
    assert out.attrs["training_supply_sv"].startswith("Det lokala utbudet")


def _net_of_supply_labelled(demand, parts, q_levels, surplus):
    """The labelled (xarray) arithmetic :func:`training_scenario._net_of_supply` replaced."""
    surplus = surplus.reindex_like(demand, fill_value=0.0)
    need = xr.where(demand > 0, (demand - surplus).clip(min=0.0), demand)
    covered = xr.where(demand > 0, demand - need, 0.0)
    ratio = xr.where(demand > 0, need / demand.where(demand > 0), 1.0).fillna(1.0)
    q_ratio = np.array(
        [
            ratio.sel(level=lvl).reindex(field=parts["field"].values, fill_value=1.0).values
            for lvl in q_levels
        ]
    )
    return {"need": need, "covered": covered, "qualification_need": (parts * q_ratio).sum("field")}


@settings(max_examples=60, deadline=None)
@given(
    demand=st.lists(
        st.sampled_from([0.0, -3.5, 1e-9, 2.25, 7.0, 120.125, -0.5]), min_size=12, max_size=12
    ),
    surplus=st.lists(st.sampled_from([0.0, 0.5, 3.0, 200.0]), min_size=6, max_size=6),
    parts=st.lists(st.floats(0.0, 50.0, allow_nan=False), min_size=8, max_size=8),
)
def test_net_of_supply_on_arrays_equals_the_labelled_arithmetic(demand, surplus, parts) -> None:
    """Bit for bit: a surplus covering part, all or none of a demand, negative demands
    (closures), a surplus lacking fields of the demand and parts counted in a field the
    demand lacks."""
    fields, levels = ["01", "02", "09", "10"], ["vocational", "applied_sciences", "university"]
    d = xr.DataArray(
        np.array(demand).reshape(4, 3), dims=("field", "level"),
        coords={"field": fields, "level": levels},
    )  # fmt: skip
    s = xr.DataArray(
        np.array(surplus).reshape(2, 3), dims=("field", "level"),
        coords={"field": ["09", "10"], "level": levels},
    )  # fmt: skip
    p = xr.DataArray(
        np.array(parts).reshape(2, 4), dims=("qualification", "field"),
        coords={"qualification": ["nurse", "cook"], "field": ["09", "10", "11", "01"]},
    )  # fmt: skip
    q_levels = ["vocational", "applied_sciences"]
    for demand_ in (d, d.transpose("level", "field")):  # either order of the demand's dims
        _same(demand_, p, q_levels, s)


def _same(d: xr.DataArray, p: xr.DataArray, q_levels: list[str], s: xr.DataArray) -> None:
    got = training_scenario._net_of_supply(d, p, q_levels, s)
    want = _net_of_supply_labelled(d, p, q_levels, s)
    for name in ("need", "covered", "qualification_need"):
        assert got[name].dims == want[name].dims
        np.testing.assert_array_equal(got[name].values, want[name].values)
        assert got[name].values.tobytes() == want[name].values.tobytes()
        for dim in got[name].dims:
            assert list(got[name][dim].values) == list(want[name][dim].values)
