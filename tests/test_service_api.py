"""The read API: values equal the release's cubes, paging, CSV, labels, problems."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import numpy as np
import pytest

from forecasting.io.release_store import ReleaseStore

pytest_plugins = ["tests.service_fixtures"]
PROBLEM = "application/problem+json"


def _release(store):
    return ReleaseStore(store).open()


def test_history_rows_equal_the_release_cube(client, service_store):
    cube = _release(service_store).dataset("registers_history")
    r = client.get(
        "/v1/registers/history", params={"area": "507", "from": "2022-01", "to": "2022-12"}
    )
    assert r.status_code == 200
    rows = r.json()["data"]
    expected = cube["unemployed"].sel(area="507", time=slice("2022-01", "2022-12"))
    assert [row["time"] for row in rows] == [str(t)[:10] for t in expected["time"].values]
    np.testing.assert_allclose([row["unemployed"] for row in rows], expected.values)
    assert {row["area_name"] for row in rows} == {"Mäntyharju"}


def test_suppressed_cells_are_null_with_a_status_never_zero(tmp_path):
    from fastapi.testclient import TestClient

    from forecasting.contract import STATUS_SUPPRESSED
    from service.app import create_app
    from tests.service_data import make_settings, publish, registers_history

    history = registers_history()
    history["vacancies"].loc[{"area": "623", "time": "2023-05-01"}] = np.nan
    history["vacancies_status"].loc[{"area": "623", "time": "2023-05-01"}] = STATUS_SUPPRESSED
    publish(tmp_path / "store", {"registers_history": history})
    app = create_app(make_settings(tmp_path / "store", f"sqlite:///{tmp_path / 'a.sqlite'}"))
    with TestClient(app) as c:
        params = {"area": "623", "from": "2023-04", "to": "2023-05"}
        before, row = c.get("/v1/registers/history", params=params).json()["data"]
        text = c.get("/v1/registers/history", params={**params, "format": "csv"}).text
    assert row["vacancies"] is None and row["vacancies_status"] == "confidential"
    assert before["vacancies"] is not None and before["vacancies_status"] == "ok"
    # columns by name: the registers have 23 variables now (jobseekers first)
    table = [line for line in text.splitlines() if not line.startswith("#")]
    last = list(csv.DictReader(table))[-1]
    assert last["vacancies"] == ""  # empty CSV cell, not 0


def test_pages_cover_the_selection_exactly_once(client):
    params = {"area": ["491", "097"], "from": "2020-01", "to": "2021-12", "limit": 7}
    seen, url, pages = [], "/v1/registers/history", 0
    while url:
        r = client.get(url, params=params if pages == 0 else None)
        body = r.json()
        seen += [(row["area"], row["time"]) for row in body["data"]]
        url, pages = body["page"]["next"], pages + 1
        assert r.headers["X-Total-Count"] == "48"
    assert len(seen) == len(set(seen)) == 48
    assert pages == 7


def test_limit_above_the_hard_maximum_is_a_422_problem(client):
    r = client.get("/v1/registers/history", params={"limit": 1001})
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["errors"][0]["field"] == "limit"
    schema = client.get("/openapi.json").json()
    limits = [
        p["schema"]
        for path in schema["paths"].values()
        for op in path.values()
        for p in op.get("parameters", [])
        if p["name"] == "limit"
    ]
    assert limits and all(s["anyOf"][0]["maximum"] == 1000 for s in limits)


@pytest.mark.parametrize("how", ["query", "accept"])
def test_csv_has_provenance_lines_and_the_same_rows(client, how):
    params = {"area": "491", "from": "2023-01", "to": "2023-03"}
    headers = {}
    if how == "query":
        params["format"] = "csv"
    else:
        headers["Accept"] = "text/csv"
    r = client.get("/v1/registers/history", params=params, headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    lines = r.text.splitlines()
    preamble = [line for line in lines if line.startswith("#")]
    assert any("license: CC BY 4.0" in line for line in preamble)
    assert any(line.startswith("# release_id: ") for line in preamble)
    assert any("tyonv 12r5" in line for line in preamble)
    rows = list(csv.DictReader(io.StringIO("\n".join(x for x in lines if not x.startswith("#")))))
    js = client.get(
        "/v1/registers/history", params={k: v for k, v in params.items() if k != "format"}
    )
    assert [float(row["unemployed"]) for row in rows] == [
        row["unemployed"] for row in js.json()["data"]
    ]


def test_forecast_horizon_and_variable(client):
    r = client.get(
        "/v1/registers/forecasts", params={"area": "491", "variable": "vacancies", "horizon": 3}
    )
    rows = r.json()["data"]
    assert len(rows) == 3
    assert {row["variable"] for row in rows} == {"vacancies"}
    for row in rows:
        assert row["lo95"] <= row["lo80"] <= row["mean"] <= row["hi80"] <= row["hi95"]


def test_labels_follow_the_language(client):
    fi = client.get("/v1/jobs", params={"area": "097", "industry": "Q", "year": 2030}).json()
    en = client.get(
        "/v1/jobs", params={"area": "097", "industry": "Q", "year": 2030, "lang": "en"}
    ).json()
    assert fi["data"][0]["industry_name"] != en["data"][0]["industry_name"]
    assert "health" in en["data"][0]["industry_name"].lower()
    sv = client.get("/v1/areas/491", params={"lang": "sv"}).json()["data"][0]
    assert sv["name"] == "S:t Michel"


def test_population_filters_by_year_sex_and_age_range(client):
    r = client.get(
        "/v1/population",
        params={"area": "178", "year": [2030, 2035], "sex": "F", "age_from": 64, "age_to": 66},
    )
    rows = r.json()["data"]
    assert len(rows) == 2 * 3
    assert {(row["time"][:4], row["age"]) for row in rows} == {
        (y, a) for y in ("2030", "2035") for a in (64, 65, 66)
    }


def test_training_needs_by_field_and_level(client, service_store):
    cube = _release(service_store).dataset("training_needs")
    r = client.get(
        "/v1/training-needs",
        params={"area": "TA23", "field": "09", "level": "university", "year": 2031},
    )
    (row,) = r.json()["data"]
    expected = cube.sel(area="TA23", field="09", level="university", time="2031-12-31")
    assert row["need"] == pytest.approx(float(expected["need"].sel(statistic="mean")))
    assert row["lo80"] == pytest.approx(float(expected["need"].sel(statistic="lo80")))
    assert "statistic" not in row and "mean" not in row  # one row, the statistics as columns
    assert row["field_name"] and row["level_name"] == "yliopisto"


def test_unknown_area_is_404_and_area_outside_the_release_too(client):
    unknown = client.get("/v1/registers/history", params={"area": "999"})
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM
    outside = client.get("/v1/registers/history", params={"area": "091"})  # Helsinki
    assert outside.status_code == 404
    assert "not in registers_history of this release" in outside.json()["detail"]


def test_a_product_missing_from_the_release_is_a_clear_404(tmp_path):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import make_settings, publish, registers_history

    publish(tmp_path / "store", {"registers_history": registers_history()})
    app = create_app(make_settings(tmp_path / "store", f"sqlite:///{tmp_path / 'a.sqlite'}"))
    with TestClient(app) as c:
        for url in ("/v1/training-needs", "/v1/scenarios", "/v1/registers/forecasts"):
            r = c.get(url)
            assert r.status_code == 404, url
            assert r.headers["content-type"] == PROBLEM
            assert "not in this release" in r.json()["detail"]
        page = c.get("/training")
        assert page.status_code == 200 and "training_needs" in page.text


def test_preset_scenarios(client):
    r = client.get(
        "/v1/scenarios",
        params={"scenario": "mantyharju_manufacturing_closure", "area": "507", "limit": 2},
    )
    rows = r.json()["data"]
    assert [row["scenario"] for row in rows] == ["mantyharju_manufacturing_closure"] * 2
    assert [row["quantile"] for row in rows] == [0.05, 0.25]
    assert rows[0]["unemployed"] > 1000


def test_a_breakdown_or_variable_the_product_lacks_is_404(client):
    r = client.get("/v1/labour-supply", params={"sex": "F"})
    assert r.status_code == 404
    assert "no 'sex' breakdown in this release" in r.json()["detail"]
    r = client.get("/v1/registers/forecasts", params={"variable": "labour_force"})
    assert r.status_code == 404 and "not in register_forecasts" in r.json()["detail"]
    assert client.get("/v1/registers/history", params={"from": "2023-13"}).status_code == 422


def test_releases_current_and_metrics(client, service_store):
    info = ReleaseStore(service_store).current()
    assert info is not None
    current = info.id
    listing = client.get("/v1/releases").json()
    assert listing["current"] == current and listing["data"][0]["current"]
    one = client.get("/v1/releases/current").json()
    assert one["id"] == current
    assert "register_forecasts" in {d["name"] for d in one["datasets"]}
    metrics = client.get(f"/v1/releases/{current}/metrics", params={"limit": 5}).json()
    assert metrics["summary"] == {"register_forecasts": {"mase_h1_12": 0.81}}
    assert metrics["provenance"]["release_id"] == current
    assert {"mase", "coverage80"} <= set(metrics["data"][0])
    assert client.get("/v1/releases/20990101T000000Z-00000000").status_code == 404


def test_archived_release_is_served_on_request(client, service_store):
    info = ReleaseStore(service_store).current()
    assert info is not None
    current = info.id
    r = client.get("/v1/registers/history", params={"release": current, "limit": 1})
    assert r.json()["provenance"]["release_id"] == current
    missing = client.get("/v1/registers/history", params={"release": "20990101T000000Z-00000000"})
    assert missing.status_code == 404


def test_areas_and_hierarchy(client):
    tree = client.get("/v1/areas/MK10/hierarchy").json()["data"]
    areas = {child["code"] for child in tree["children"]}
    assert "TA23" in areas
    ta23 = next(c for c in tree["children"] if c["code"] == "TA23")
    assert {c["code"] for c in ta23["children"]} == {"097", "178", "213", "491", "507", "623"}
    one = client.get("/v1/areas/588").json()["data"][0]  # Pertunmaa merged into Mäntyharju
    assert one["code"] == "507"
    munis = client.get("/v1/areas", params={"level": "municipality", "limit": 1}).json()
    assert munis["page"]["total"] == 308


def test_health_and_metrics(client):
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["release"]
    registers = health["data"]["registers"]
    assert registers["data_through"] == "2026-06"
    assert registers["next_expected_by"] == "2026-08-31"  # July, a month after its end
    today = dt.date.today()
    assert registers["stale"] == (today > dt.date(2026, 8, 31))
    assert registers["age_days"] == (today - dt.date(2026, 6, 30)).days
    assert health["stale_sources"] == sorted(k for k, v in health["data"].items() if v["stale"])
    client.get("/v1/areas/TA23")
    text = client.get("/metrics").text
    assert 'http_requests_total{handler="/v1/areas/{code}",method="GET",status="2xx"}' in text
    assert "http_request_duration_seconds_bucket" in text


def test_no_release_published_is_503_but_health_answers(tmp_path):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import make_settings

    app = create_app(make_settings(tmp_path / "empty", f"sqlite:///{tmp_path / 'a.sqlite'}"))
    with TestClient(app) as c:
        assert c.get("/healthz").json()["status"] == "no_release"
        r = c.get("/v1/registers/history")
        assert r.status_code == 503 and "no release has been published" in r.json()["detail"]
        assert c.get("/").status_code == 200


def test_population_totals_carry_their_own_intervals(client, service_store):
    cube = _release(service_store).dataset("population_projection")
    r = client.get(
        "/v1/population", params={"area": "TA23", "year": 2040, "sex": "T", "total": "true"}
    )
    (row,) = r.json()["data"]
    assert "age" not in row
    expected = cube.sel(area="TA23", sex="T").isel(time=-1)
    total = expected["population_total"]
    assert row["mean"] == pytest.approx(float(total.sel(statistic="mean")))
    assert row["hi95"] == pytest.approx(float(total.sel(statistic="hi95")))
    assert "statistic" not in row
    singles = client.get("/v1/population", params={"area": "TA23", "limit": 1}).json()["data"][0]
    assert singles["age"] == 0 and "statistic" not in singles
    assert singles["mean"] == pytest.approx(
        float(cube["population"].sel(area="TA23", age=0, statistic="mean").isel(time=0, sex=0))
    )


def test_release_data_is_cached_per_release_and_revalidated(client, service_store):
    url, params = "/v1/registers/forecasts", {"area": "491", "horizon": 3}
    first = client.get(url, params=params)
    again = client.get(url, params=params)
    assert first.headers["X-Cache"] == "miss" and again.headers["X-Cache"] == "hit"
    assert again.content == first.content
    assert again.headers["X-Release-Id"] == first.headers["X-Release-Id"]
    etag = first.headers["ETag"]
    assert client.get(url, params=params, headers={"If-None-Match": etag}).status_code == 304
    as_csv = client.get(url, params=params, headers={"Accept": "text/csv"})
    assert as_csv.headers["X-Cache"] == "miss" and as_csv.text.startswith("#")
    live = client.get("/v1/alerts")
    assert "X-Cache" not in live.headers and "ETag" not in live.headers


def test_a_new_release_is_never_answered_from_the_old_ones_cache(tmp_path):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import make_settings, publish, registers_history

    history = registers_history()
    publish(tmp_path / "store", {"registers_history": history})
    app = create_app(make_settings(tmp_path / "store", f"sqlite:///{tmp_path / 'a.sqlite'}"))
    with TestClient(app) as c:
        app.state.context.releases.ttl = 0  # see a new release at once
        params = {"area": "491", "from": "2023-10"}
        old = c.get("/v1/registers/history", params=params).json()
        changed = history.copy(deep=True)
        changed["unemployed"].loc[{"area": "491", "time": "2023-10-01"}] = 1.0
        publish(tmp_path / "store", {"registers_history": changed})
        new = c.get("/v1/registers/history", params=params)
        assert new.headers["X-Cache"] == "miss"
        assert new.json()["data"][0]["unemployed"] == 1.0 != old["data"][0]["unemployed"]
        assert new.json()["provenance"]["release_id"] != old["provenance"]["release_id"]


def test_forecasts_are_one_row_per_area_month_and_variable(client, service_store):
    from tests.service_data import GROUPS, REGISTER_HORIZON

    cube = _release(service_store).dataset("register_forecasts")
    rows = client.get(
        "/v1/registers/forecasts", params={"area": "491", "horizon": 2, "lang": "en"}
    ).json()["data"]
    # the release forecasts from the month after the latest observation (2026-06), 42
    # months, the special groups as rows of their own (tests/service_data.py)
    assert [(r["time"], r["variable"]) for r in rows] == [
        (t, v)
        for t in ("2026-07-01", "2026-08-01")
        for v in ("unemployed", "vacancies", "unemployment_rate", *GROUPS)
    ]
    first = cube.sel(area="491").isel(time=0)
    assert rows[0]["mean"] == pytest.approx(float(first["unemployed"].sel(statistic="mean")))
    assert rows[0]["hi95"] == pytest.approx(float(first["unemployed"].sel(statistic="hi95")))
    assert rows[0]["labour_force"] == pytest.approx(float(first["labour_force"]))
    rate = client.get(
        "/v1/registers/forecasts", params={"area": "491", "variable": "unemployment_rate"}
    ).json()["data"]
    assert {r["variable"] for r in rate} == {"unemployment_rate"}
    assert len(rate) == REGISTER_HORIZON == 42


def test_occupation_tightness_rows(client):
    body = client.get(
        "/v1/occupations/tightness",
        params={"area": "MK10", "occupation": "22", "variable": "vacancies", "lang": "en"},
    ).json()
    rows = body["data"]
    assert len(rows) == 12
    assert {r["occupation_name"] for r in rows} == {"Health professionals"}
    assert all(r["lo80"] <= r["mean"] <= r["hi80"] for r in rows)
    assert rows[0]["tightness_label"] in {"shortage", "balanced"}
    assert "tyonv 12ti" in body["provenance"]["source_tables"]


def test_alert_signals_of_the_release(client, service_store):
    cube = _release(service_store).dataset("alerts")
    r = client.get(
        "/v1/alerts/signals",
        params={"area": "213", "rule": "structural_break", "from": "2006-01", "to": "2009-12"},
    )
    rows = r.json()["data"]
    assert len(rows) == 48
    assert rows[0]["severity"] is None  # the rule does not cover the first three years
    expected = cube["severity"].sel(area="213", rule="structural_break").isel(time=47)
    assert rows[47]["severity"] == float(expected)


def test_variables_of_another_breakdown_are_named_and_served_on_request(client):
    run = client.post(
        "/v1/scenarios/runs",
        json={
            "events": [
                {
                    "kind": "closure",
                    "municipality": "507",
                    "industry": "C",
                    "jobs": 50,
                    "start": "2026-08",
                }
            ],
            "horizon_months": 12,
            "seed": 3,
        },
        headers={"X-API-Key": "key-all"},
    ).json()
    body = client.get(run["results"], params={"limit": 1}).json()
    assert "area" in body["data"][0] and "employed" in body["other_variables"]
    by_age = client.get("/v1/population", params={"area": "491", "limit": 1}).json()
    assert "other_variables" not in by_age


@pytest.mark.slow
def test_scenario_runs_in_a_worker_process_equal_the_engine_run_in_process(tmp_path, ta23):
    """The default runner (a spawned worker) gives the engine's own numbers, bit for bit, and
    a spec the data refuse comes back as the same 422 naming the field."""
    from fastapi.testclient import TestClient

    from forecasting.scenarios import run_scenario
    from forecasting.scenarios.spec import ScenarioSpec
    from service.app import create_app
    from service.scenarios import ProcessRunner
    from tests.service_data import make_settings, publish, register_forecasts, registers_history

    spec: dict[str, Any] = {
        "events": [
            {
                "kind": "closure",
                "municipality": "507",
                "industry": "C",
                "jobs": 80,
                # after the present (2026-06): the release's forecasts start in 2026-07
                "start": "2026-08",
            }
        ],
        "horizon_months": 6,
        "draws": 20,
        "seed": 11,
    }
    publish(tmp_path / "store", {"registers_history": registers_history()})
    settings = make_settings(
        tmp_path / "store", f"sqlite:///{tmp_path / 'a.sqlite'}", scenario_processes=1
    )
    app = create_app(settings)
    with TestClient(app) as c:
        assert isinstance(app.state.context.scenarios.runner, ProcessRunner)
        run = c.post("/v1/scenarios/runs", json=spec, headers={"X-API-Key": "key-all"})
        assert run.status_code == 201, run.text
        served = app.state.context.scenarios.get(run.json()["id"]).result
        too_many = {**spec, "events": [{**spec["events"][0], "jobs": 90_000}]}
        refused = c.post("/v1/scenarios/runs", json=too_many, headers={"X-API-Key": "key-all"})
        # baseline targets travel to the worker: a release's forecasts 10 % above persistence
        targets = register_forecasts(registers_history()) * 1.1
        in_worker = app.state.context.scenarios.runner(ScenarioSpec(**spec), baseline=targets)
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM
    assert refused.json()["errors"][0]["field"] == "events[0].jobs"
    local = run_scenario(spec, calibration=ta23)
    for name, var in local.data_vars.items():
        np.testing.assert_array_equal(served[name].values, var.values, err_msg=name)
    followed = run_scenario(spec, baseline=targets, calibration=ta23)
    for name, var in followed.data_vars.items():
        np.testing.assert_array_equal(in_worker[name].values, var.values, err_msg=name)
    target = in_worker["unemployed_baseline_target"].sel(area="TA23")
    assert (target > local["unemployed_baseline_target"].sel(area="TA23")).all()


def test_register_forecast_specs_follow_the_release_forecasts(service_store):
    """A spec asking for register-forecast targets gets the release's own forecasts of its
    area; other specs, other areas and runs without a release leave them to the engine."""
    import xarray as xr

    from forecasting import geography
    from forecasting.scenarios.spec import ScenarioSpec
    from service.releases import Releases
    from service.scenarios import ScenarioService, release_targets

    seen: list[xr.Dataset | None] = []

    def runner(spec, baseline=None):
        seen.append(baseline)
        return xr.Dataset()

    releases = Releases(service_store)
    rid = releases.current_id()
    service = ScenarioService(
        runner, max_draws=100, max_horizon=60, targets=release_targets(releases)
    )
    run = service.run(ScenarioSpec(baseline_source="register_forecast", horizon_months=6), rid)
    munis = geography.members("TA23")
    served = releases.dataset(releases.open(rid), "register_forecasts").sel(area=munis)
    targets = seen[-1]
    assert targets is not None and list(targets["area"].values) == munis
    for name in ("unemployed", "vacancies", "labour_force"):
        xr.testing.assert_identical(targets[name], served[name])
    assert run.result.attrs["baseline_targets"] == f"register_forecasts of release {rid}"
    service.run(ScenarioSpec(horizon_months=6), rid)  # persistence targets
    service.run(ScenarioSpec(area="TA41", baseline_source="register_forecast"), rid)
    service.run(ScenarioSpec(baseline_source="register_forecast", horizon_months=7), None)
    assert seen[1:] == [None, None, None]


@pytest.mark.slow
def test_a_dead_scenario_worker_is_replaced_and_the_run_served(cubes):
    """Killing the worker mid-service: the next run is served by a fresh worker (handed to
    the broken pool, it is run again on the new one), not refused."""
    import os
    import signal

    from service.scenarios import ProcessRunner

    spec = {"horizon_months": 2, "draws": 2, "seed": 1, "compare_baseline": False}
    runner = ProcessRunner(1, cubes)  # the service's cubes, handed to the worker at start
    try:
        assert "unemployed" in runner(spec)
        first = runner._pool
        assert first is not None
        for pid in list(first._processes or {}):  # the live worker(s)
            os.kill(pid, signal.SIGKILL)
        assert "unemployed" in runner(spec)
        assert runner._pool is not first
        assert "unemployed" in runner(spec)
    finally:
        runner.close()


def test_scenario_warm_up_prepares_the_service_s_own_area():
    import xarray as xr

    from forecasting.scenarios.spec import ScenarioSpec
    from service.app import _employment_area
    from service.scenarios import ScenarioService

    seen: list[ScenarioSpec] = []

    def runner(spec: ScenarioSpec) -> xr.Dataset:
        seen.append(spec)
        return xr.Dataset()

    service = ScenarioService(runner, max_draws=10, max_horizon=60, warm_area="TA08")
    service.warm()
    assert [(s.name, s.area, s.draws) for s in seen] == [("warm-up", "TA08", 1)]
    assert [_employment_area(c) for c in ("091", "TA08", "MK10", "SSS")] == [
        "TA08", "TA08", "TA23", "TA23",
    ]  # fmt: skip


def test_special_groups_are_served_with_their_data_date(client):
    """The statutory indicators of 12r5 (long-term unemployed, under 25, foreign citizens...)
    as history from 2026-06 (TA23: 1,483 long-term unemployed, the published sum of its six
    municipalities) and as forecasts, each response with the registers' data date."""
    r = client.get(
        "/v1/registers/history",
        params={"area": "TA23", "variable": "long_term_unemployed", "from": "2026-06"},
    ).json()
    june = [row for row in r["data"] if row["time"].startswith("2026-06")]
    assert june and june[0]["long_term_unemployed"] == 1483
    assert r["provenance"]["data_through"]["registers"] == "2026-06"
    fc = client.get(
        "/v1/registers/forecasts", params={"area": "TA23", "variable": "long_term_unemployed"}
    ).json()
    assert fc["data"] and all(row["variable"] == "long_term_unemployed" for row in fc["data"])
    bad = client.get("/v1/registers/history", params={"variable": "nonsense"})
    assert bad.status_code in (400, 422)


def test_the_official_projection_is_served_beside_ours(client):
    r = client.get(
        "/v1/population/variants", params={"area": "MK10", "sex": "T", "year": 2024}
    ).json()
    (row,) = r["data"]
    assert row["official"] == 127_408 + 1_547  # 14wx Etelä-Savo 2024 plus Pertunmaa (2025 division)
    assert {"ours", "lo80", "hi95", "difference"} <= set(row)
    assert "vaenn 14wx" in r["provenance"]["source_tables"]
