"""An education provider's questions through the service (fast TestClient tests).

* "which fields need how many new people by 2030": the need summed from the first forecast
  year to a target year, per field, with its 80 % interval, on the page, in the API and in
  the CSV/XLSX downloads (the interval from the summed draws when the release has them, else
  the yearly bounds added up, said so);
* downloads in Swedish carried the English flag "flat jobs: expected";
* fields and industries without a published value vanished from the charts without a word.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

from forecasting.training import cumulative_need
from service.export import for_reading
from service.labels import label_map
from tests.service_data import (
    jobs_by_industry,
    make_settings,
    publish,
    seed_alerts,
    stub_scenario_runner,
    training_needs,
)
from tests.spreadsheets import csv_fi_table, xlsx_table

SUPPRESSED_FIELD = "10"


def _labels(dim: str, lang: str) -> dict[str, str]:
    labels = label_map(dim, lang)
    assert labels is not None
    return labels


def _with_draws(ds: xr.Dataset) -> xr.Dataset:
    """The fixture's product with a suppressed field, a flat-jobs flag and the cumulative
    needs of seeded draws, as :func:`forecasting.training.training_needs` publishes them."""
    ds = ds.copy(deep=True)
    ds["need"].loc[{"field": SUPPRESSED_FIELD}] = np.nan
    ds["replacement_share_flag"] = ("area", np.full(ds.sizes["area"], "flat jobs: expected"))
    need = ds["need"].sel(statistic="mean", drop=True)
    rng = np.random.default_rng(11)
    mult = rng.lognormal(0.0, 0.3, (200, *need.shape))
    draws = need.expand_dims(draw=200).copy(data=need.values[None] * mult)
    ds["need_cumulative"] = cumulative_need(need, draws, ("level",))
    ds["need_total_cumulative"] = cumulative_need(need, draws, ("field", "level"))
    return ds


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from service.app import create_app

    root = tmp_path_factory.mktemp("provider")
    # only the two products the pages below read: a small release publishes fast
    datasets = {
        "training_needs": _with_draws(training_needs()),
        "jobs_by_industry": jobs_by_industry(),
    }
    publish(root / "releases", datasets)
    url = f"sqlite:///{root / 'alerts.sqlite'}"
    seed_alerts(url)
    app = create_app(make_settings(root / "releases", url), scenario_runner=stub_scenario_runner)
    with TestClient(app) as client:
        yield client


def _cells(html: str, table: str) -> list[list[str]]:
    body = html[html.index(f'<table id="{table}">') :]
    body = body[: body.index("</table>")]
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    ]


def test_the_page_sums_the_need_to_2030_by_default_with_the_interval_of_the_sum(web):
    html = web.get("/training", params={"lang": "fi", "area": "TA23"}).text
    assert 'value="2030" selected' in html
    assert "Koulutustarve yhteensä 2026–2030" in html
    assert "laskettu simulaatioista summana" in html  # the method is said
    rows = _cells(html, "training-cumulative")
    product = _with_draws(training_needs())["need_cumulative"].sel(area="TA23")
    at = product.sel(time=product["time"].dt.year == 2030).isel(time=0)
    education = _labels("field", "fi")
    got = {r[0]: r[1:] for r in rows[1:]}
    want = at.sel(field="01")
    need, band = got[education["01"]]
    assert need == f"{want.sel(statistic='mean').item():,.0f}".replace(",", "\u00a0")
    lo, hi = (want.sel(statistic=s).item() for s in ("lo80", "hi80"))
    assert band == (f"{lo:,.0f}".replace(",", "\u00a0") + "–" + f"{hi:,.0f}".replace(",", "\u00a0"))
    # the suppressed field is a row that says so, never a 0 and never left out
    assert got[education[SUPPRESSED_FIELD]] == ["–", "salattu"]
    assert rows[-1][0] == "Kaikki alat"


def test_another_target_year_sums_to_it(web):
    html = web.get("/training", params={"lang": "en", "area": "TA23", "year": 2027}).text
    assert "Training need in total 2026–2027" in html


def test_the_api_and_both_downloads_give_the_same_cumulative_rows(web):
    from openpyxl import load_workbook

    params = {"area": "TA23", "until": 2030, "lang": "sv"}
    body = web.get("/v1/training-needs/cumulative", params=params).json()
    rows = {r["field"]: r for r in body["data"]}
    assert len(rows) == 11 and rows["01"]["first_year"] == 2026 and rows["01"]["until"] == 2030
    assert rows["01"]["lo80"] <= rows["01"]["need"] <= rows["01"]["hi80"]
    assert rows["01"]["interval_method"] == "draws"
    assert rows[SUPPRESSED_FIELD]["need"] is None  # empty, not 0
    r = web.get("/v1/training-needs/cumulative", params={**params, "format": "xlsx"})
    header, sheet = xlsx_table(load_workbook(io.BytesIO(r.content), read_only=True))
    by_field = {row[header.index("field")]: row for row in sheet}
    assert by_field["01"][header.index("need")] == pytest.approx(rows["01"]["need"])
    assert by_field["01"][header.index("interval_method")] == "ur simuleringarna"
    r = web.get("/v1/training-needs/cumulative", params={**params, "format": "csv-fi"})
    names, lines = csv_fi_table(r.content, "sv", list(body["data"][0]))
    assert names[:3] == ["area", "area_name", "field"]  # headed "Område, kod", "Område", ...
    hi = names.index("hi80")
    first = next(line for line in lines if line[names.index("field")] == "01")
    # rounded for reading: four significant digits, at least one decimal (1 965,3)
    assert float(first[hi].replace(",", ".")) == for_reading(rows["01"]["hi80"])
    assert float(first[hi].replace(",", ".")) == pytest.approx(rows["01"]["hi80"], abs=0.05)


def test_the_cumulative_downloads_end_with_all_fields_and_the_interval_of_the_total(web):
    """The page's "all fields" row is in the spreadsheet too, with the interval of the summed
    draws (wider than no field's, narrower than the fields' bounds added up)."""
    from openpyxl import load_workbook

    from forecasting.training import TOTAL_FIELD

    params = {"area": "TA23", "until": 2030, "lang": "fi"}
    body = web.get("/v1/training-needs/cumulative", params=params).json()["data"]
    assert [r["field"] for r in body][-1] == TOTAL_FIELD
    total = body[-1]
    assert total["field_name"] == "Kaikki alat"
    product = _with_draws(training_needs()).sel(area="TA23")
    at = product.sel(time=product["time"].dt.year == 2030).isel(time=0)
    want = at["need_total_cumulative"]
    for column, statistic in (("need", "mean"), ("lo80", "lo80"), ("hi80", "hi80")):
        assert total[column] == pytest.approx(want.sel(statistic=statistic).item())
    fields = [r for r in body[:-1] if r["need"] is not None]
    assert total["need"] == pytest.approx(sum(r["need"] for r in fields))
    assert total["hi80"] - total["lo80"] < sum(r["hi80"] - r["lo80"] for r in fields)
    r = web.get("/v1/training-needs/cumulative", params={**params, "format": "xlsx"})
    header, sheet = xlsx_table(load_workbook(io.BytesIO(r.content), read_only=True))
    last = sheet[-1]
    assert last[header.index("field")] == TOTAL_FIELD
    assert last[header.index("need")] == pytest.approx(total["need"])
    # asking for fields gives those rows; the total only when asked for
    picked = web.get("/v1/training-needs/cumulative", params={**params, "field": ["01"]}).json()
    assert [r["field"] for r in picked["data"]] == ["01"]


def test_an_unknown_target_year_is_a_422(web):
    r = web.get("/v1/training-needs/cumulative", params={"until": 2050})
    assert r.status_code == 422 and "until" in r.text


@pytest.mark.parametrize(
    ("lang", "flag"),
    [("sv", "oförändrade arbetsplatser: väntat"), ("fi", "työpaikat ennallaan: odotettu")],
)
def test_downloads_write_the_flag_in_the_pages_language(web, lang, flag):
    from openpyxl import load_workbook

    params = {"area": "TA23", "year": 2030, "lang": lang}
    r = web.get("/v1/training-needs", params={**params, "format": "xlsx"})
    header, sheet = xlsx_table(load_workbook(io.BytesIO(r.content), read_only=True))
    column = header.index("replacement_share_flag")
    assert {row[column] for row in sheet} == {flag}
    text = web.get("/v1/training-needs", params={**params, "format": "csv-fi"}).content
    assert flag in text.decode("utf-8-sig") and "flat jobs" not in text.decode("utf-8-sig")
    # the API keeps the code
    json_rows = web.get("/v1/training-needs", params={**params, "limit": 1}).json()["data"]
    assert json_rows[0]["replacement_share_flag"] == "flat jobs: expected"


def test_a_suppressed_field_is_listed_under_the_training_chart(web):
    html = web.get("/training", params={"lang": "sv", "area": "TA23"}).text
    name = _labels("field", "sv")[SUPPRESSED_FIELD]
    note = re.search(r'<p class="note" id="training-suppressed">([^<]+)</p>', html)
    assert note and name in note.group(1) and "sekretessbelagt" in note.group(1)
    assert f'<tr class="suppressed"><th scope="row">{name}</th>' in html


def test_a_suppressed_industry_is_listed_under_the_jobs_chart(web):
    # the fixture's industry X has no published jobs (tests/service_data.py)
    html = web.get("/jobs", params={"lang": "fi", "area": "491"}).text
    name = _labels("industry", "fi")["X"]
    note = re.search(r'<p class="note" id="jobs-suppressed">([^<]+)</p>', html)
    assert note and name in note.group(1)
    assert f'<tr class="suppressed"><th scope="row">{name}</th>' in html


def test_a_release_without_summed_draws_says_its_interval_is_the_summed_bounds(
    tmp_path: Path,
) -> None:
    from forecasting import training

    ds = training_needs()
    cum = training.cumulative_to(ds, 2027)
    first = ds["need"].sel(area="TA23", field="01").isel(time=[0, 1]).sum(("time", "level"))
    np.testing.assert_allclose(cum["need"].sel(area="TA23", field="01").values, first.values)
    assert cum.attrs["interval_method"] == training.INTERVAL_BOUNDS_SUMMED
