"""Scenario runs through the service carry the training-need change net of the release's local
supply (issue 22 item 4): the API's run lists and serves the variables, and a surplus in the
release's ``training_needs`` absorbs part of a recruitment's demand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from forecasting.scenarios.spec import ScenarioSpec
from service.scenarios import ScenarioService, release_training_balance, subtract_local_supply
from tests.service_data import annotating_runner, training_needs

pytest_plugins = ["tests.service_fixtures"]

TRAINING = (
    "training_demand_change",
    "training_covered_by_supply",
    "training_need_change",
    "qualification_need_change",
)
SPEC: dict[str, Any] = {
    "events": [
        {
            "kind": "recruitment",
            "municipality": "491",
            "industry": "Q",
            "jobs": 200,
            "start": "2026-07",
        }
    ],
    "horizon_months": 12,
    "seed": 3,
}


def test_a_posted_run_lists_and_serves_its_training_need_change(training_client) -> None:
    posted = training_client.post("/v1/scenarios/runs", json=SPEC, headers={"X-API-Key": "key-all"})
    assert posted.status_code == 201, posted.text
    body = posted.json()
    assert set(TRAINING) <= set(body["variables"])
    assert body["dims"]["training_field"] == 10 and body["dims"]["qualification"] == 5
    rows = training_client.get(
        body["results"], params={"variable": ["qualification_name", "qualification_need_change"]}
    ).json()["data"]
    nurses = {r["qualification"]: r["qualification_need_change"] for r in rows}
    assert 40 < nurses["practical_nurse"] < 80 and 5 < nurses["registered_nurse"] < 30
    fields = training_client.get(body["results"], params={"variable": list(TRAINING[:3])}).json()
    assert len(fields["data"]) == 30  # 10 fields x 3 levels
    for r in fields["data"]:
        covered, need = r["training_covered_by_supply"], r["training_need_change"]
        assert need + covered == pytest.approx(r["training_demand_change"])
    run = training_client.app.state.context.scenarios.get(body["id"])
    assert "training needs of release" in run.result.attrs["training_supply"]
    # Each language names the area and the source in its own words (no codes or API keys).
    finnish = run.result.attrs["training_supply_fi"]
    assert "alueen Mikkeli (491)" in finnish and "koulutustarvelaskelma" in finnish
    assert (
        "training" not in finnish and "S:t Michel (491)" in run.result.attrs["training_supply_sv"]
    )
    assert run.result.attrs["training_supply_area"] == "491"
    assert run.result.attrs["training_supply_year"] == 2026


def test_a_release_surplus_absorbs_part_of_the_demand_and_a_deficit_none(cubes) -> None:
    """The test release's balance with health (09) in deficit and services (10) in surplus
    by 5 per level in 2026 at Mikkeli: nurses are all still needed, services lose 5 a level
    (or all their demand where it is under 5)."""
    balance = training_needs()
    need = balance["need"].copy()
    need.loc[{"area": "491", "field": "09"}] = 25.0
    need.loc[{"area": "491", "field": "10"}] = -5.0
    balance["need"] = need
    service = ScenarioService(
        annotating_runner(cubes),
        max_draws=100,
        max_horizon=24,
        supply=lambda spec, release_id: (balance, "test balance"),
    )
    spec = ScenarioSpec(**SPEC)
    result = service.run(spec, None).result
    plain = annotating_runner(cubes)(spec)
    demand = plain["training_demand_change"]
    services = {"training_field": "10"}
    expected = np.minimum(demand.sel(services).values, 5.0)
    np.testing.assert_allclose(result["training_covered_by_supply"].sel(services).values, expected)
    assert float(result["training_covered_by_supply"].sel(training_field="09").sum()) == 0.0
    np.testing.assert_allclose(
        result["qualification_need_change"].sel(qualification="practical_nurse"),
        plain["qualification_need_change"].sel(qualification="practical_nurse"),
    )
    assert float(result["training_need_change"].sum()) == pytest.approx(
        float(demand.sum()) - expected.sum()
    )
    # an area the balance lacks: the run answers, saying the supply was not subtracted
    other = ScenarioSpec(**{**SPEC, "events": [{**SPEC["events"][0], "municipality": "507"}]})
    missing = subtract_local_supply(
        plain, other, lambda s, r: (balance.sel(area=["MK10"]), "test"), None
    )
    assert missing.attrs["training_supply"].startswith("Local supply not subtracted")


def test_no_release_no_supply(service_store) -> None:
    from service.releases import Releases

    supply = release_training_balance(Releases(service_store))
    assert supply(ScenarioSpec(**SPEC), None) is None
    releases = Releases(service_store)
    found = supply(ScenarioSpec(**SPEC), releases.current_id())
    assert found is not None and "field" in found[0].dims  # the release's training_needs
    rid = releases.current_id()
    assert isinstance(found[1], dict) and set(found[1]) == {"fi", "sv", "en"}
    assert all(str(rid) in text for text in found[1].values())


def test_the_engine_runner_reads_the_education_key_once(monkeypatch) -> None:
    """The shipped occupation -> education key is read once per worker, not every run."""
    from forecasting import training
    from service.scenarios import EngineRunner

    calls: list[int] = []
    real = training.load_correspondence

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "load_correspondence", counted)
    runner = EngineRunner({})
    first = runner.education_key()
    assert runner.education_key() is first and len(calls) == 1
    assert set(first.dims) == {"occupation", "field", "level"}


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fi", "Tutkinnot: koulutusalojen ja isojen tutkintojen taulukko (versio 2)."),
        ("sv", "Examina: tabellen över utbildningsområden och stora examina (version 2)."),
        ("en", "Qualifications: the table of fields of education and big qualifications "
               "(version 2)."),
    ],
)  # fmt: skip
def test_the_scenario_pages_training_note_names_its_table_in_words(training_client, lang, words):
    """The method line under the training table showed the table's id ("Tutkinnot:
    training-fields-v2."): a code word for a planner. It names the field and qualification
    table in the page's language, with its version readable; the id stays in the run's
    attrs (``training_fields_version``) for provenance."""
    import re

    params = {"lang": lang, "run": 1, "kind": "recruitment", "municipality": "491",
              "industry": "Q", "jobs": 200, "start": "2026-07", "draws": 20}  # fmt: skip
    html = training_client.get("/scenarios", params=params).text
    notes = " ".join(re.findall(r'<p class="note">([^<]*)</p>', html))
    assert words in notes
    assert "training-fields" not in html
