"""Training-need balance: parameters, pension reform, supply, signed need with intervals,
narrow fields, qualifications, scenarios and the providers' CLI output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from forecasting import replacement, training, training_balance, training_params, training_scenario
from forecasting.errors import ValidationError

SEED = 20261
TA23_MEMBERS = ["097", "178", "213", "491", "507", "623"]


# --------------------------------------------------------------------------- parameters
def test_lowest_retirement_age_follows_the_2017_reform() -> None:
    """Source: Eläketurvakeskus, lowest old-age pension age by birth year (63 for 1954 and
    earlier; +3 months a cohort 1955-1961; 65 for 1962-1964)."""
    p = training_params.load_params()
    cohorts = np.array([1950, 1954, 1955, 1957, 1958, 1961, 1962, 1964])
    expected = np.array([0, 0, 0.25, 0.75, 1.0, 1.75, 2.0, 2.0])
    np.testing.assert_allclose(p.retirement_shift(cohorts), expected)
    assert p.version == "training-params-v1"
    # later cohorts: linked to life expectancy, never a smaller delay, capped
    later = p.retirement_shift(np.arange(1965, 1990))
    assert (np.diff(later) >= 0).all() and later.max() <= p.max_shift


def test_user_params_are_versioned_and_checked(tmp_path: Path) -> None:
    text = training_params.PARAMS_PATH.read_text(encoding="utf-8")
    path = tmp_path / "mine.toml"
    path.write_text(text.replace("further_share = 0.15", "further_share = 0.2"), "utf-8")
    p = training_params.load_params(path)
    assert p.further_share == 0.2 and p.version.startswith("user:mine.toml:")
    path.write_text(text.replace("further_share = 0.15", "further_share = 1.5"), "utf-8")
    with pytest.raises(ValidationError) as err:
        training_params.load_params(path)
    assert err.value.field == "further_share"
    path.write_text(text.replace('"09" = 0.22,', '"09" = 0.32,'), "utf-8")
    with pytest.raises(ValidationError, match="sum to 1"):
        training_params.load_params(path)


def test_fields_key_names_narrow_fields_under_their_broad_field() -> None:
    fields = training_params.load_fields()
    assert fields.narrow_of("53", "09") == "091"  # practical nurses: health
    assert fields.narrow_of("83", "10") == "104"  # drivers: transport services
    assert fields.narrow_of("71", "07") == "073"  # building trades: construction
    names = fields.names()
    assert names["09"] == "Terveys- ja hyvinvointialat" and names["082"] == "Metsätalous"
    keys = {q.key for q in fields.qualifications}
    assert {"practical_nurse", "registered_nurse", "logistics", "forestry"} <= keys


def test_bad_fields_file_is_rejected(tmp_path: Path) -> None:
    text = training_params.FIELDS_PATH.read_text(encoding="utf-8")
    path = tmp_path / "f.toml"
    path.write_text(text.replace('"71:07" = "073"', '"71:07" = "082"'), "utf-8")
    with pytest.raises(ValidationError) as err:
        training_params.load_fields(path)
    assert err.value.field == "narrow_override"


# --------------------------------------------------------------------------- reform
def test_reform_delays_exits_of_later_cohorts() -> None:
    ages = np.arange(50, 75)
    profile = np.exp(-0.5 * ((ages - 63.0) / 1.5) ** 2)[None, None, :] * 100  # peak at 63
    years = np.array([2017, 2030])
    by_age = np.repeat(profile, 2, axis=1)
    p = training_params.load_params()
    out = replacement.reform_exits(by_age, years, ages, p.retirement_shift, p.shift_from_age)
    # 2017: everyone aged 60+ was born 1957 or earlier... only the 1954- cohorts at 63+ keep
    # the profile; in 2030 the 63-year-olds (born 1967) leave about 2 years later.
    peak_2030 = ages[np.argmax(out[0, 1])]
    assert peak_2030 == 65
    np.testing.assert_allclose(out[0, 0, ages >= 63], by_age[0, 0, ages >= 63])
    np.testing.assert_allclose(out[..., ages < p.shift_from_age], by_age[..., ages < 60])


# --------------------------------------------------------------------------- properties
@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(float, (30, 4), elements=st.floats(-500.0, 500.0)),
    hnp.arrays(float, (4,), elements=st.floats(-500.0, 500.0)),
)
def test_interval_always_contains_the_need(draws, central) -> None:
    lo, hi = training_balance._quantiles(draws, central)
    assert (lo <= central).all() and (central <= hi).all()


@settings(max_examples=30, deadline=None)
@given(
    hnp.arrays(float, (2, 3, 4), elements=st.floats(-100.0, 300.0)),
    hnp.arrays(float, (2, 3), elements=st.floats(0.0, 200.0)),
    hnp.arrays(float, (2, 4, 3, 2), elements=st.floats(0.0, 50.0)),
    st.floats(0.0, 0.9),
)
def test_balance_is_demand_minus_supply_and_unemployed_never_exceed_openings(
    openings, unemployed, graduates, laid
) -> None:
    occ = ["a", "b", "c"]
    by_occ = xr.Dataset(
        {
            "expansion": (("area", "occupation", "time"), openings),
            "replacement": (("area", "occupation", "time"), np.zeros_like(openings)),
            "unemployed": (("area", "occupation"), unemployed),
            "openings_draws": (("draw", "area", "occupation", "time"), openings[None] * 1.0),
        }
    )
    key = np.zeros((3, 2, 3))
    key[0, 0, 0] = key[1, 1, 1] = 1.0
    key[2, 0, 2] = key[2, 1, 0] = 0.5
    params = training_params.load_params()
    res = training_balance._area_balance(
        by_occ, key, graduates, np.array([5.0, 0.0]), np.array([laid, 0.0]), params, SEED
    )
    np.testing.assert_allclose(res["need"], res["demand"] - res["supply"])
    # the unemployed fill at most the (positive) openings, over fields and kinds
    dem_total = np.maximum(openings, 0).sum(axis=1)  # (G, T)
    np.testing.assert_allclose(res["demand"].sum(axis=(1, 3, 4)), dem_total, atol=1e-9)
    assert (res["unemployed"].sum(axis=(1, 3, 4)) <= dem_total + 1e-9).all()
    # demand splits into initial and further by the parameter
    f = params.further_share
    np.testing.assert_allclose(res["demand"][..., 1], res["demand"].sum(-1) * f, atol=1e-9)
    del occ


def _frame_ds(draws: np.ndarray, central: np.ndarray) -> xr.Dataset:
    """A balance-shaped dataset ``(area, field, time, level, kind)`` with the bounds and
    totals made as :func:`training_balance.balance` makes them."""
    dims = ("area", "field", "time", "level", "kind")
    lo, hi = training_balance._quantiles(draws, central)
    tot_lo, tot_hi = training_balance._quantiles(draws.sum(axis=3), central.sum(axis=2))
    tdims = ("area", "field", "level", "kind")
    ds = xr.Dataset(
        {
            "demand": (dims, np.maximum(central, 0.0)),
            "supply": (dims, np.maximum(central, 0.0) - central),
            "need": (dims, central),
            "lo80": (dims, lo),
            "hi80": (dims, hi),
            "need_total": (tdims, central.sum(axis=2)),
            "lo80_total": (tdims, tot_lo),
            "hi80_total": (tdims, tot_hi),
        },
        coords={
            "area": ["TA23"],
            "field": ["07", "071"],
            "time": [2026, 2027, 2028],
            "level": list(training_params.LEVELS),
            "kind": list(training_params.KINDS),
        },
    )
    for name in ("demand", "supply"):
        ds[f"{name}_total"] = (tdims, ds[name].values.sum(axis=2))
    ds["field_name"] = ("field", ["Tekniikan alat", "Tekniikka"])
    # as balance() stamps it: the command line writes a table's provenance beside it
    return ds.assign_attrs(data_through="2025", source_tables="tyonv 12ti", license="CC BY 4.0")


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(float, (25, 1, 2, 3, 3, 2), elements=st.floats(-1e4, 1e4)),
    hnp.arrays(float, (1, 2, 3, 3, 2), elements=st.floats(-1e4, 1e4)),
)
def test_every_row_of_the_cli_output_has_lo80_le_need_le_hi80(draws, central) -> None:
    """Issue 20 contract: ``lo80 <= need <= hi80`` on every row of the written CSV (yearly
    and total rows), whatever the draws and the central path (skewed, all above or below)."""
    import tempfile

    from flows import cli

    frame = training_balance.needs_frame(_frame_ds(draws, central))
    assert len(frame) == 2 * 4 * 3 * 2  # three years and the total
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "needs.csv"
        cli._write_frame(frame, str(out))
        back = pd.read_csv(out, dtype={"field": str, "year": str})
    assert len(back) == len(frame)
    assert ((back["lo80"] <= back["need"]) & (back["need"] <= back["hi80"])).all()


# --------------------------------------------------------------------------- the chain
@pytest.fixture(scope="module")
def bal(cubes) -> xr.Dataset:
    return training_balance.balance(cubes, 2030, "TA23", seed=SEED, n_draws=40)


def test_balance_adds_up_and_keeps_surpluses(bal) -> None:
    np.testing.assert_allclose(bal["need"], bal["demand"] - bal["supply"], atol=1e-9)
    parts = sum(bal[p] for p in training_balance.SUPPLY_PARTS)
    np.testing.assert_allclose(bal["supply"], parts, atol=1e-9)
    for var in ("demand", "supply", "need"):
        members = bal[var].sel(area=TA23_MEMBERS).sum("area")
        np.testing.assert_allclose(members, bal[var].sel(area="TA23"), rtol=1e-9, atol=1e-9)
    assert (bal["lo80"] <= bal["need"] + 1e-9).all() and (bal["need"] <= bal["hi80"] + 1e-9).all()
    assert (bal["lo80_total"] <= bal["need_total"] + 1e-9).all()
    assert (bal["need_total"] <= bal["hi80_total"] + 1e-9).all()
    assert float(bal["need"].min()) < 0  # a surplus is shown, not a zero
    codes = [str(f) for f in bal["field"].values]
    broad = [c for c in codes if len(c) == 2]
    narrow = [c for c in codes if len(c) == 3]
    assert set(broad) >= {"07", "09", "10"} and {"091", "082", "104"} <= set(narrow)
    for b in broad:  # narrow fields add up to their broad field
        kids = [c for c in narrow if c[:2] == b]
        if kids:
            np.testing.assert_allclose(
                bal["demand"].sel(field=kids).sum("field"), bal["demand"].sel(field=b), atol=1e-6
            )
            np.testing.assert_allclose(
                bal["need"].sel(field=kids).sum("field"), bal["need"].sel(field=b), atol=1e-6
            )
    assert list(bal["time"].values) == [2026, 2027, 2028, 2029, 2030]


def test_supply_has_youth_graduates_and_net_replacement_is_below_gross(bal) -> None:
    ta = bal.sel(area="TA23")
    graduates = float(
        ta["graduates"].sel(field=[f for f in bal["field"].values if len(f) == 2]).sum()
    )
    assert graduates > 0
    # 2017 reform and re-entries: fewer net exits than the demography's gross exits
    assert (ta["replacement_rate"] < ta["gross_replacement_rate"]).all()
    assert (ta["replacement_rate"] > 0.5 * ta["gross_replacement_rate"]).all()
    assert bal.attrs["training_params_version"] == "training-params-v1"
    assert "surplus" in bal.attrs["units"]


def test_frames_have_the_providers_columns(bal) -> None:
    frame = training_balance.needs_frame(bal)
    assert tuple(frame.columns) == training_balance.FRAME_COLUMNS
    assert set(frame["year"]) == {"2026", "2027", "2028", "2029", "2030", "2026-2030"}
    assert set(frame["kind"]) == {"initial", "further"}
    assert set(frame["level"]) == set(training_params.LEVELS)
    assert ((frame["lo80"] <= frame["need"] + 1e-9) & (frame["need"] <= frame["hi80"] + 1e-9)).all()
    assert frame.loc[frame["field"] == "09", "field_name"].iloc[0] == "Terveys- ja hyvinvointialat"
    total = frame[(frame["year"] == "2026-2030") & (frame["area"] == "TA23")]
    yearly = frame[(frame["year"] != "2026-2030") & (frame["area"] == "TA23")]
    assert total["demand"].sum() == pytest.approx(yearly["demand"].sum())
    table = training_balance.balance_frame(bal)
    assert {"demand", "graduates", "unemployed", "supply", "gap"} <= set(table.columns)
    np.testing.assert_allclose(table["gap"], table["demand"] - table["supply"], atol=1e-6)
    quals = training_balance.qualifications_frame(bal)
    nurses = quals[(quals["area"] == "491") & (quals["qualification"] == "practical_nurse")]
    assert (nurses["demand"] > 0).all() and len(nurses) == 5


# --------------------------------------------------------------------------- scenarios
def test_health_recruitment_in_mikkeli_needs_nurses(cubes, bal) -> None:
    bridge = training.industry_occupation_bridge(
        cubes["jobs_by_industry"], cubes["occupations"], "MK10"
    )
    key = training.load_correspondence()
    out = training_scenario.training_need_change(
        {"Q": 200.0}, bridge, key, baseline=bal, area="491"
    )
    # the key and the bridge keep totals: 200 jobs are 200 openings over fields and levels
    assert float(out["demand_change"].sum()) == pytest.approx(200.0, rel=1e-9)
    assert float(out["demand_change"].sel(field="09").sum()) > 80  # mostly health and welfare
    need = out["qualification_need"]
    assert float(need.sel(qualification="practical_nurse")) > 20
    assert float(need.sel(qualification="registered_nurse")) > 5
    assert (out["need_change"] <= out["demand_change"] + 1e-9).all()  # local surplus absorbs
    assert (out["need_change"] >= 0).all()
    closure = training_scenario.training_need_change({"C": -100.0}, bridge, key)
    assert float(closure["need_change"].sum()) == pytest.approx(-100.0)  # a surplus
    with pytest.raises(ValidationError):
        training_scenario.training_need_change({"ZZ": 1.0}, bridge, key)


def test_job_change_from_a_scenario_result() -> None:
    result = xr.Dataset(
        {
            "employed": (
                ("area", "industry", "time", "quantile"),
                np.array([[[[10.0], [210.0]], [[5.0], [5.0]]]]),
            )
        },
        coords={"area": ["491"], "industry": ["Q", "C"], "quantile": [0.5]},
    )
    assert training_scenario.job_change_from_result(result, "491") == {"Q": 200.0, "C": 0.0}


# --------------------------------------------------------------------------- CLI
def test_cli_writes_the_needs_balance_and_qualifications(monkeypatch, tmp_path, bal) -> None:
    from flows import cli
    from forecasting.io import inputs

    calls = {}

    def fake(cubes, **kw):
        calls.update(kw)
        return bal

    staged = {"registers": xr.Dataset(attrs={"data_through": "2026-06"})}
    monkeypatch.setattr(inputs, "assemble", lambda names: staged)
    monkeypatch.setattr(training_balance, "balance_for_areas", fake)
    out = tmp_path / "needs.csv"
    assert cli.main(["forecast", "training-needs", "--until", "2030", "--out", str(out)]) == 0
    provenance = pd.read_csv(tmp_path / "needs_provenance.csv").set_index("field")["value"]
    assert provenance["data_through"] == "registers 2026-06"  # each input's date, named
    frame = pd.read_csv(out, dtype={"field": str, "year": str})
    assert tuple(frame.columns) == training_balance.FRAME_COLUMNS
    assert ((frame["lo80"] <= frame["need"]) & (frame["need"] <= frame["hi80"])).all()
    assert (tmp_path / "needs_balance.csv").is_file()
    assert (tmp_path / "needs_qualifications.csv").is_file()
    assert calls["areas"] == training_balance.DEFAULT_AREAS and calls["until"] == 2030
    xlsx = tmp_path / "needs.xlsx"
    args = ["forecast", "training-needs", "--out", str(xlsx), "--format", "xlsx"]
    assert cli.main(args) == 0
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"needs", "balance", "qualifications", "provenance"}
    assert len(sheets["needs"]) == len(frame)
    sheet = sheets["provenance"].set_index("field")["value"]
    assert sheet["data_through"] == "registers 2026-06"
    rows = sheets["needs"]
    assert ((rows["lo80"] <= rows["need"]) & (rows["need"] <= rows["hi80"])).all()


# --------------------------------------------------------------------------- service page
def test_training_page_shows_the_yearly_path_with_intervals_and_levels() -> None:
    from service.views import training_path
    from tests.service_data import training_needs

    ds = training_needs()
    area = str(ds["area"].values[0])
    rows = training_path(ds, area)
    assert [r["year"] for r in rows] == list(range(2026, 2036))
    for r in rows:
        need, lo, hi = r["total"]
        assert lo <= need <= hi
        assert set(r["levels"]) == {"vocational", "applied_sciences", "university"}
    assert training_path(ds.drop_vars("need_total"), area) == []


def test_scenario_result_gets_its_training_need_change(cubes) -> None:
    industries = ["Q", "C"]
    employed = np.array([[[[1000.0], [1200.0]], [[500.0], [500.0]]]])  # Q +200 in Mikkeli
    result = xr.Dataset(
        {"employed": (("area", "industry", "time", "quantile"), employed)},
        coords={"area": ["491"], "industry": industries, "quantile": [0.5]},
    )
    out = training_scenario.annotate(result, cubes, "491")
    assert float(out["training_demand_change"].sum()) == pytest.approx(200.0)
    assert float(out["qualification_need_change"].sel(qualification="practical_nurse")) > 20
    assert "training_need_method" in out.attrs
    # without the occupation cube the result comes back as it was
    assert training_scenario.annotate(result, {}, "491") is result


def test_job_change_from_spec_events() -> None:
    from types import SimpleNamespace as E

    events = [
        E(kind="recruitment", industry="Q", jobs=200),
        E(kind="closure", industry="C", jobs=50),
        E(kind="dismissal", industry="C", jobs=10),
        E(kind="temporary_layoff", industry="F", jobs=99),
    ]
    assert training_scenario.job_change_from_events(events) == {"Q": 200.0, "C": -60.0}


def test_interval_sources_split_the_variance() -> None:
    """Two sources with draws of sd 2 and 1 (and two silent ones): shares 0.8 and 0.2."""
    z = np.tile(np.array([-1.0, 1.0]), 50)  # variance exactly 1
    draws = np.zeros((4, 100, 1, 1, 2, 1))
    draws[0, :, 0, 0, :, 0] = 2.0 * z[:, None]
    draws[1, :, 0, 0, :, 0] = 1.0 * z[:, None]
    shares = training_balance.interval_sources(draws)
    np.testing.assert_allclose(shares["yearly"][0, 0], [0.8, 0.2, 0.0, 0.0])
    np.testing.assert_allclose(shares["total"][0], [0.8, 0.2, 0.0, 0.0])


def test_balance_names_the_sources_of_its_intervals(bal) -> None:
    share = bal["interval_source_share"].sel(field=["07", "09", "10"])
    np.testing.assert_allclose(share.sum("source"), 1.0, atol=1e-9)
    total = bal["interval_source_share_total"]
    np.testing.assert_allclose(total.sum("source"), 1.0, atol=1e-9)
    assert list(total["source"].values) == list(training_balance.SOURCES)
    # the job projection's draws make most of the width (documented in the method note)
    assert float(total.sel(area="TA23", source="expansion")) > 0.5
    for lang in ("fi", "sv", "en"):
        assert bal.attrs[f"method_note_{lang}"]
    assert bal["field_name_sv"].sel(field="09").item() == "Hälso- och välfärdsområden"


def test_level_age_profile_of_the_employed(cubes) -> None:
    """tyokay 115n 2017, TA23: 25.4 % of the employed residents are 55+; the training levels
    sit within 10 % of that (vocational 0.94, UAS 1.01, university 0.95 relative), so an age
    tilt by level would move replacement by level by a few per cent at most."""
    prof = replacement.level_age_profile(cubes["employment_by_age_education"], "TA23")
    assert prof["all"]["older_share"] == pytest.approx(0.2542, abs=1e-3)
    assert prof["vocational"]["relative"] == pytest.approx(0.938, abs=1e-3)
    for level in ("vocational", "applied_sciences", "university"):
        assert 0.9 < prof[level]["relative"] < 1.1
    with pytest.raises(KeyError):
        replacement.level_age_profile(cubes["employment_by_age_education"], "TA23", 1980)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fi", "Tiedostot: koulutustarvelaskennan parametrit (versio 1); koulutusalojen ja isojen "
               "tutkintojen taulukko (versio 2)."),
        ("sv", "Filer: utbildningsbehovskalkylens parametrar (version 1); tabellen över "
               "utbildningsområden och stora examina (version 2)."),
        ("en", "Files: the training chain's parameters (version 1); the table of fields of "
               "education and big qualifications (version 2)."),
    ],
)  # fmt: skip
def test_method_note_names_its_files_in_words_not_by_their_ids(bal, lang: str, words: str) -> None:
    """The training page prints the note: "Parametrit training-params-v1, alat
    training-fields-v2" were code words to an education provider. The ids stay in the attrs."""
    note = bal.attrs[f"method_note_{lang}"]
    assert words in note
    for code in ("training-params", "training-fields", " v1", " v2"):
        assert code not in note
    assert bal.attrs["training_params_version"] == "training-params-v1"
    assert bal.attrs["training_fields_version"] == "training-fields-v2"
