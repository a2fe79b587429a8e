"""A scenario run's workbook, as a planner opens it (test release, fast, no browser).

Its provenance sheet listed "Tietojen ajankohta: väestöennuste 2024 — 2045", which reads as
if the data ran to 2045: a projection's data date is the year it was made (with the year it
runs to). And it had no Method row and no Units rows, which the other downloads' sheets
have: the method of the simulation (with the baseline's own sentence) and each variable's
unit, in the reader's language.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.test_service_scenarios_training import SPEC as RECRUITMENT

pytest_plugins = ["tests.service_fixtures"]


@pytest.fixture(scope="module")
def run_client(service_store, tmp_path_factory, cubes) -> Any:
    """A client whose scenario runs carry the attrs the engine stamps on a result (its
    model, draws, the method note with the baseline's sentence in each language, and each
    variable's unit)."""
    from fastapi.testclient import TestClient

    from forecasting.provenance import method_note_attrs
    from forecasting.scenarios.outputs import with_units
    from forecasting.scenarios.run import method_notes
    from service.app import create_app
    from tests.service_data import annotating_runner, make_settings

    inner = annotating_runner(cubes)

    sentences = {
        "en": "Baseline (no events): the release's register forecasts.",
        "fi": "Perusura (ei tapahtumia): julkaisun rekisteriennusteet.",
        "sv": "Grundbana (inga händelser): publiceringens registerprognoser.",
    }

    def runner(spec: Any, baseline: Any = None) -> Any:
        result = with_units(inner(spec, baseline=baseline))
        result.attrs.update(
            model="labour-flow Monte Carlo (models.labourflow)",
            draws=200,
            **method_note_attrs(method_notes(200, sentences)),
        )
        return result

    url = f"sqlite:///{tmp_path_factory.mktemp('walkthrough') / 'a.sqlite'}"
    app = create_app(make_settings(service_store, url), scenario_runner=runner)
    with TestClient(app) as client:
        yield client


def _about(book: Any) -> dict[str, tuple[str, str]]:
    """The provenance sheet as ``{API key: (label, value)}``."""
    return {
        str(key): (str(label), str(value))
        for label, value, key in book.worksheets[2].iter_rows(values_only=True)
    }


@pytest.mark.parametrize(
    ("lang", "projection", "method", "persons"),
    [
        ("fi", "2024 (ennuste vuoteen 2045)", "Monte Carlo -mallilla", "henkeä"),
        ("sv", "2024 (prognos till 2045)", "Monte Carlo-modell", "personer"),
        ("en", "2024 (projected to 2045)", "Monte Carlo model", "persons"),
    ],
)
def test_a_scenario_runs_workbook_dates_each_source_and_gives_method_and_units(
    run_client, monkeypatch, lang, projection, method, persons
):
    from service import deps

    recorded = deps.release_data_through
    # the real release's sources: the official projection 2024 runs to 2045
    monkeypatch.setattr(
        deps, "release_data_through", lambda r: {**recorded(r), "projection_2024": "2045"}
    )
    run = run_client.post("/v1/scenarios/runs", json=RECRUITMENT, headers={"X-API-Key": "key-all"})
    assert run.status_code == 201, run.text
    variables = ["unemployed", "unemployed_vs_baseline", "direct_jobs_change"]
    answer = run_client.get(
        run.json()["results"], params={"variable": variables, "lang": lang, "format": "xlsx"}
    )
    assert answer.status_code == 200, answer.text
    about = _about(load_workbook(io.BytesIO(answer.content)))
    dates = {k: v for k, (_, v) in about.items() if k.startswith("data_through ")}
    assert dates["data_through projection_2024"] == projection  # not "2045"
    assert all(not v.startswith("2045") for v in dates.values()), dates
    text = about["method"][1]
    assert method in text and "n = 200" in text
    baseline = {"fi": "Perusura", "sv": "Grundbana", "en": "Baseline"}[lang]
    assert baseline in text  # the baseline's sentence in the reader's language
    for name in ("unemployed", "unemployed_vs_baseline"):
        assert about[f"units {name}"][1] == persons
    assert "units direct_jobs_change" in about


def test_a_projections_data_date_is_the_year_it_was_made():
    from service.export import data_date

    assert data_date("projection_2024", "2045", "en") == "2024 (projected to 2045)"
    assert data_date("projection_2024", "2024", "en") == "2024"  # nothing projected past it
    assert data_date("registers", "2026-06", "fi") == "6/2026"  # a month as the pages write it
    assert data_date("jobs_totals_2019", "2019", "sv") == "2019"
