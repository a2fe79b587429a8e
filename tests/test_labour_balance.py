"""Jobs and workers balanced in the release (``labour_balance``), its API route and the
jobs page's "Työpaikat ja työvoima" section with the commuting check."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from openpyxl import load_workbook

from forecasting import geography
from forecasting.demography.balance import balance
from forecasting.labour_force import labour_force
from forecasting.release.registry import BuildContext
from tests import service_data as sd

pytest_plugins = ["tests.service_fixtures"]

TA23 = tuple(geography.members("TA23"))
AREAS = (*TA23, "TA23", "MK10", "SSS")


def _ctx() -> BuildContext:
    return BuildContext(
        scope="area", area="TA23", seed=1, municipalities=TA23, areas=AREAS,
        cube_versions=(), data_through=(), code_version="c", code_fingerprint="f",
        work_dir="unused",
    )  # fmt: skip


@pytest.fixture(scope="module")
def product(cubes: Any) -> xr.Dataset:
    from forecasting.release.products import _labour_balance

    inputs = {"jobs_by_industry": sd.jobs_by_industry(), "labour_supply": sd.labour_supply()}
    return _labour_balance(_ctx(), inputs, cubes)


def test_the_product_is_the_balance_of_its_inputs(product: xr.Dataset, cubes: Any) -> None:
    """The same numbers as ``balance`` on inputs built here independently: the jobs total
    over industries (mean), the one labour force carried by the labour supply's mean, and an
    aggregate's commuting as the sum of its municipalities. Every area with jobs and a
    labour force is balanced (the fixture's jobs have the region and the country too)."""
    areas = [a for a in AREAS if a in cubes["registers"]["area"].values]
    years = list(range(2020, 2036))  # the labour supply's years to the last year of jobs
    jobs = sd.jobs_by_industry()["jobs"].sel(statistic="mean")
    jobs = jobs.sum("industry", min_count=1).assign_coords(time=jobs["time"].dt.year.values)
    jobs = jobs.rename(time="year").sel(year=years, area=areas)
    side = sd.labour_supply()["labour_force"].sel(statistic="mean", drop=True)
    side = side.assign_coords(time=side["time"].dt.year.values).rename(time="year")
    force = labour_force(cubes, areas=areas, until=2035, population_side=side)
    cube = cubes["commuting"][["jobs", "employed_residents"]]
    commuting = xr.concat(
        [
            cube.sel(area=geography.members(a)).sum("area").expand_dims(area=[a])
            if a != "SSS" else cube.sel(area=[a])
            for a in areas
        ],
        dim="area",
    )  # fmt: skip
    expected = balance(commuting, jobs, force["labour_force"].sel(year=years))
    assert list(product["area"].values) == areas
    assert {"TA23", *TA23} <= set(areas)
    assert list(product["time"].dt.year.values) == years
    for name in expected.data_vars:
        got = product[name].values
        want = expected[name].values
        np.testing.assert_allclose(got.astype(float), want.astype(float), rtol=1e-12)
    np.testing.assert_allclose(product["jobs"].values, jobs.values, rtol=1e-12)


def test_a_suppressed_section_leaves_that_years_jobs_missing_not_smaller(cubes: Any) -> None:
    """The fixture's unknown industry X is missing everywhere (no part of any total); a
    section suppressed in one area and year makes that area-year's jobs and balance
    missing, and no other."""
    from forecasting.release.products import labour_balance_inputs

    jobs = sd.jobs_by_industry()
    values = jobs["jobs"].values.copy()
    at = {"area": "491", "industry": "C", "time": "2030-12-31"}
    jobs["jobs"] = jobs["jobs"].copy(data=values)
    jobs["jobs"].loc[{**at, "statistic": "mean"}] = np.nan
    total, _ = labour_balance_inputs(jobs, sd.labour_supply(), cubes["registers"], AREAS)
    missing = total.isnull()
    assert bool(missing.sel(area="491", year=2030))
    assert int(missing.sum()) == 1
    whole = sd.jobs_by_industry()["jobs"].sel(statistic="mean", area="178", time="2030-12-31")
    assert float(total.sel(area="178", year=2030)) == pytest.approx(float(whole.sum()))


def test_the_employment_areas_observed_share_is_its_municipalities_together(
    product: xr.Dataset,
) -> None:
    """Reference: tyokay 115p/115n of 31.12.2017 for the six municipalities of TA23, jobs
    587 + 2,101 + 1,632 + 22,440 + 2,568 + 626 = 29,954 and employed residents 739 + 2,337
    + 1,875 + 21,686 + 2,687 + 761 = 30,085: net in-commuting -131, -0.44 % of the jobs
    (commuting between the six nets out; Mikkeli alone draws +3.4 %)."""
    share = product["commuting_share_observed"]
    assert float(share.sel(area="TA23")) == pytest.approx((29954 - 30085) / 29954, rel=1e-6)
    assert float(share.sel(area="491")) == pytest.approx((22440 - 21686) / 22440, rel=1e-6)


def test_the_product_states_its_method_thresholds_and_sources(product: xr.Dataset) -> None:
    attrs = product.attrs
    assert attrs["max_departure"] == 0.07 and attrs["min_unemployment"] == 0.03
    assert attrs["commuting_observed_year"] == 2017
    for table in ("tyokay 115n", "tyokay 115p", "tyonv 12r5", "Paavo TP 2017"):
        assert table in attrs["source_tables"]
    assert attrs["source_tables"].count("tyokay 115n") == 1
    words = {"fi": "prosenttiyksikköä", "sv": "procentenheter", "en": "percentage points"}
    for lang, word in words.items():
        assert "7 " + word in attrs[f"method_note_{lang}"]


def test_the_release_registers_the_product_after_its_inputs() -> None:
    from forecasting import release

    chosen, _ = release.plan(["labour_balance"])
    names = [p.name for p in chosen]
    assert names.index("labour_balance") > names.index("jobs_by_industry")
    assert names.index("labour_balance") > names.index("labour_supply")
    product = release.registered()["labour_balance"]
    assert product.publish and set(product.cubes) == {"commuting", "registers"}


# -- the API --------------------------------------------------------------------------------
def _expected_rows(area: str) -> xr.Dataset:
    return sd.labour_balance().sel(area=area)


def test_the_route_serves_the_rows(web: Any) -> None:
    body = web.get("/v1/labour-balance", params={"area": "TA23"}).json()
    want = _expected_rows("TA23")
    assert [r["time"] for r in body["data"]] == [f"{y}-12-31" for y in range(2025, 2036)]
    got = [r["net_commuting"] for r in body["data"]]
    np.testing.assert_allclose(got, want["net_commuting"].values, rtol=1e-9)
    assert [r["commuting_flag"] for r in body["data"]] == want["commuting_flag"].values.tolist()
    assert {r["area_name"] for r in body["data"]} == {"Mikkelin seutu"}
    one = web.get("/v1/labour-balance", params={"area": "491", "year": 2030}).json()["data"]
    assert len(one) == 1 and one[0]["commuting_share_observed"] == pytest.approx(0.05)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_download_format_holds_the_same_rows(web: Any, lang: str) -> None:
    from tests.spreadsheets import csv_fi_table, xlsx_table

    params = {"area": "TA23", "lang": lang}
    rows = web.get("/v1/labour-balance", params=params).json()["data"]
    flags = [r["commuting_flag"] for r in rows]
    plain = web.get("/v1/labour-balance", params={**params, "format": "csv"})
    assert plain.status_code == 200
    lines = [ln for ln in plain.text.splitlines() if ln and not ln.startswith("#")]
    table = list(csv.DictReader(lines))
    assert len(table) == len(rows)
    assert [float(r["jobs"]) for r in table] == pytest.approx([r["jobs"] for r in rows])
    fi = web.get("/v1/labour-balance", params={**params, "format": "csv-fi"})
    assert fi.status_code == 200
    names, body = csv_fi_table(fi.content, lang, list(rows[0]))
    assert len(body) == len(rows)
    yes, no = {"fi": ("kyllä", "ei"), "sv": ("ja", "nej"), "en": ("yes", "no")}[lang]
    assert [r[names.index("commuting_flag")] for r in body] == [yes if f else no for f in flags]
    xlsx = web.get("/v1/labour-balance", params={**params, "format": "xlsx"})
    assert xlsx.status_code == 200
    columns, sheet = xlsx_table(load_workbook(io.BytesIO(xlsx.content)))
    assert len(sheet) == len(rows)
    flag_at = columns.index("commuting_flag")
    assert [bool(r[flag_at]) for r in sheet] == flags
    for name in ("employed_residents", "net_commuting", "commuting_share", "commuting_flag"):
        assert name in columns and name in names


def test_an_unknown_area_is_a_404(web: Any) -> None:
    assert web.get("/v1/labour-balance", params={"area": "TA01"}).status_code == 404


# -- the jobs page --------------------------------------------------------------------------
def _text(html: str) -> str:
    """The page's words (no-break spaces kept: they are the page's number format)."""
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _page(store: Path, tmp: Path, lang: str) -> str:
    from fastapi.testclient import TestClient

    from service.app import create_app

    app = create_app(
        sd.make_settings(store, f"sqlite:///{tmp / 'a.sqlite'}"),
        scenario_runner=sd.stub_scenario_runner,
    )
    with TestClient(app) as client:
        answer = client.get("/jobs", params={"area": "TA23", "lang": lang})
        assert answer.status_code == 200
        return _text(answer.text)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A release whose TA23 balance is flagged (2035: 16 % against 5 %) and one whose labour
    force is large enough that it never is."""
    flagged = tmp_path_factory.mktemp("flagged") / "releases"
    sd.publish(flagged)
    calm = tmp_path_factory.mktemp("calm") / "releases"
    datasets = sd.full_datasets()
    supply = datasets["labour_supply"].copy(deep=True)
    supply["labour_force"] = supply["labour_force"] * 3
    balanced = sd.labour_balance(supply=supply)
    assert not balanced["commuting_flag"].values.any()
    sd.publish(calm, {**datasets, "labour_balance": balanced})
    return {"flagged": flagged, "calm": calm}


SENTENCES = {
    "fi": "Työpaikkaennuste edellyttää vuonna 2035 nettopendelöintiä alueelle {net} henkeä "
    "(16\xa0% työpaikoista); vuonna 2017 osuus oli 5\xa0%. Ero on yli 7 prosenttiyksikköä",
    "sv": "Arbetsplatsprognosen förutsätter år 2035 en nettoinpendling på {net} personer "
    "(16\xa0% av arbetsplatserna); år 2017 var andelen 5\xa0%. Skillnaden är över 7 "
    "procentenheter",
    "en": "The jobs forecast implies net in-commuting of {net} persons in 2035 (16% of the "
    "jobs); in 2017 the share was 5%. The gap is over 7 percentage points",
}
GROUPING = {"fi": "\xa0", "sv": "\xa0", "en": ","}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_page_says_so_where_the_commuting_check_fails(
    stores: dict[str, Path], tmp_path: Path, lang: str
) -> None:
    net = float(_expected_rows("TA23")["net_commuting"].sel(time="2035-12-31"))
    hundreds = f"{round(net, -2):,.0f}".replace(",", GROUPING[lang])
    flagged = _page(stores["flagged"], tmp_path, lang)
    assert SENTENCES[lang].format(net=hundreds) in flagged
    calm = _page(stores["calm"], tmp_path, lang)
    head = SENTENCES[lang].split("{net}")[0]
    assert head not in calm and head in flagged
    from service.i18n import texts

    t = texts(lang)
    ok = t["balance_ok"].format(limit="7", observed_year="2017")
    assert ok in calm and ok not in flagged
    note = sd.labour_balance().attrs[f"method_note_{lang}"]
    assert note.startswith(("Alueen asukkaat", "Invånarna", "Residents"))
    for page in (flagged, calm):
        assert note in page.split(t["balance_heading"], 1)[1]
        assert t["balance_heading"] in page
        for year in ("2025", "2030", "2035"):
            assert re.search(rf"\b{year}\b", page.split(t["balance_heading"], 1)[1])


def test_the_page_table_shows_jobs_employed_and_commuting(
    stores: dict[str, Path], tmp_path: Path
) -> None:
    page = _page(stores["flagged"], tmp_path, "en")
    section = page.split("Jobs and workers", 1)[1]
    row = _expected_rows("TA23").sel(time="2030-12-31")
    for value in (
        row["jobs"],
        row["employed_residents"],
        row["labour_force"],
        row["net_commuting"],
    ):
        assert f"{float(value):,.0f}" in section
    assert f"{100 * float(row['commuting_share']):.1f}%" in section
    rate = 100 * float(row["unemployed"]) / float(row["labour_force"])
    assert f"{rate:.1f}%" in section  # the implied unemployment rate: labour force less employed
    assert "Employed residents, implied" in section and "not the employed of the Labour" in section


def test_the_years_shown_are_the_first_every_fifth_and_the_last() -> None:
    from service.product_views import balance_years

    ds = xr.Dataset(coords={"time": pd.date_range("2025-12-31", periods=12, freq="YE")})
    assert balance_years(ds) == [2025, 2030, 2035, 2036]


def test_the_balance_and_the_unemployment_rate_read_the_same_labour_force(
    product: xr.Dataset, cubes: Any
) -> None:
    """One labour force per area and year: the balance's ``labour_force`` of year Y is the
    register forecast's of the months of Y + 2 (12r5 publishes reference year Y two years
    on)."""
    from forecasting.labour_force import LAG
    from forecasting.release.products import with_one_labour_force

    months = pd.date_range("2027-01-01", "2035-12-01", freq="MS")
    areas = [str(a) for a in product["area"].values]
    stats = ["mean", "lo80", "hi80", "lo95", "hi95"]
    un = np.full((len(areas), months.size, len(stats)), 10.0)
    forecast = xr.Dataset(
        {
            "unemployed": (("area", "time", "statistic"), un),
            "labour_force": (("area", "time"), np.full(un.shape[:2], np.nan)),
            "unemployment_rate": (("area", "time", "statistic"), un),
        },
        coords={"area": areas, "time": months, "statistic": stats},
    )
    out = with_one_labour_force(forecast, cubes["registers"], sd.labour_supply())
    balance_years = pd.DatetimeIndex(product["time"].values).year
    checked = 0
    for year in range(2025, 2034):
        if year not in set(balance_years) or year + LAG > 2035:
            continue
        rate_side = out["labour_force"].sel(time=f"{year + LAG}-06-01")
        at = int(np.nonzero(balance_years == year)[0][0])
        balance_side = product["labour_force"].isel(time=at)
        np.testing.assert_allclose(
            rate_side.sel(area=areas).values, balance_side.sel(area=areas).values, rtol=1e-12
        )
        checked += 1
    assert checked >= 5
