"""Every kind of refusal in :data:`service.i18n_errors.ERRORS` is raised by the code that
refuses it, with every value its sentences name.

Each case provokes the refusal through its real raising function with bad input (an unknown
area code, a start month after the data, more jobs removed than exist, ...), then writes the
sentence of its kind in Finnish, Swedish and English: no placeholder is left over and each
value appears as the page shows it. The English message is the one the domain has always
given (the reference strings are the messages before errors carried kinds, word for word:
scripts, logs and the API's ``detail`` match on them).
"""

from __future__ import annotations

import pickle
import string
from collections.abc import Callable
from typing import Any

import pytest
import xarray as xr

from forecasting import geography
from forecasting.errors import EnnakointiError, UnknownAreaError, ValidationError
from forecasting.report.review import check_area
from forecasting.scenarios import run_scenario

pytest_plugins = ["tests.service_fixtures"]

CLOSURE = {"kind": "closure", "municipality": "507", "industry": "C", "jobs": 300}


def _spec(**event: object) -> dict[str, Any]:
    return {
        "start": "2024-01",
        "horizon_months": 24,
        "events": [CLOSURE | {"start": "2024-03"} | event],
    }


def _scenario(request: pytest.FixtureRequest, spec: dict[str, Any], **kw: Any) -> None:
    run_scenario(spec, calibration=request.getfixturevalue("ta23"), draws=2, seed=1, **kw)


def _start_after_forecasts(request: pytest.FixtureRequest) -> None:
    from forecasting.scenarios import ScenarioSpec
    from service.scenarios import check_start, last_forecast_month

    releases = request.getfixturevalue("web").app.state.context.releases
    release_id = releases.current_id()
    last = last_forecast_month(releases, release_id)
    assert last is not None
    year, month = int(last[:4]), int(last[5:])
    after = f"{year + month // 12}-{month % 12 + 1:02d}"
    check_start(ScenarioSpec(start=after, horizon_months=6), releases, release_id)


def _start_before_forecasts(request: pytest.FixtureRequest) -> None:
    from forecasting.scenarios import ScenarioSpec
    from service.scenarios import check_start, forecast_months

    releases = request.getfixturevalue("web").app.state.context.releases
    release_id = releases.current_id()
    months = forecast_months(releases, release_id)
    assert months is not None
    year, month = int(months[0][:4]), int(months[0][5:])
    before = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
    check_start(ScenarioSpec(start=before, horizon_months=6), releases, release_id)


def _variable_not_forecast(request: pytest.FixtureRequest) -> None:
    """The forecasts page's refusal, rebuilt from the API's problem+json members (the route
    raises inside the app; its body carries the kind and the values)."""
    r = request.getfixturevalue("web").get("/forecasts", params={"variable": "foo"})
    assert r.status_code == 404
    body = r.json()
    raise EnnakointiError(body["detail"], kind=body["kind"], values=body["values"])


#: kind -> (how to provoke it, its English message then: str(exc), or None where the
#: message names the release or its months and is checked by its start instead).
CASES: dict[str, tuple[Callable[[pytest.FixtureRequest], object], str | None]] = {
    "unknown_area": (
        lambda r: geography.resolve_area("ZZZ"),
        "unknown area code 'ZZZ': expected a municipality code such as '491', an employment "
        "area 'TA23', a region 'MK10', a sub-region 'SK101' or 'SSS'",
    ),
    "not_municipality": (
        lambda r: geography.employment_area_of("TA23"),
        "'TA23' is not a municipality code",
    ),
    "no_register_data": (
        lambda r: check_area("091", xr.Dataset(coords={"area": ["507"]})),
        "area '091' has no register data",
    ),
    "start_too_early": (
        lambda r: _scenario(r, {"start": "1990-01", "horizon_months": 12}),
        "start: 1990-01 is too early: the baseline needs 36 observed months before the start, "
        "the first possible start is 2009-02",
    ),
    "start_too_late": (
        lambda r: _scenario(r, {"start": "2099-01", "horizon_months": 12}),
        "start: 2099-01 is too late: the baseline runs on from the last observed month "
        "2026-06, at most 120 months ahead; the last possible start is 2036-06",
    ),
    "start_after_forecasts": (_start_after_forecasts, None),
    "start_before_forecasts": (_start_before_forecasts, None),
    "start_outside_months": (
        lambda r: _scenario(r, _spec(start="2031-01")),
        "events[0].start: 2031-01 is outside the simulated months 2024-01..2025-12",
    ),
    "municipality_not_in_area": (
        lambda r: _scenario(r, _spec(municipality="091")),
        "events[0].municipality: 091 is not a municipality of TA23 (097, 178, 213, 491, 507, 623)",
    ),
    "jobs_over_existing": (
        lambda r: _scenario(r, _spec(jobs=700)),
        "events[0].jobs: 700 jobs removed in industry C in 507, but only 596 exist there "
        "(jobs by workplace, Paavo TP 2017)",
    ),
    "draws_over_cap": (
        lambda r: run_scenario({"horizon_months": 12}, draws=5001, seed=1),
        "draws: 5001 draws is outside 1..5000 (the configured cap)",
    ),
    "draws_over_memory": (
        # 23 municipalities x 120 months x 5000 draws is over the 3.6 M cap
        lambda r: run_scenario({"area": "TA41", "horizon_months": 120}, draws=5000, seed=1),
        "draws: 5000 draws x 23 municipalities x 120 months is over the memory cap of "
        "3,600,000 simulated municipality-months; use at most 1304 draws for TA41 and this "
        "horizon",
    ),
    "variable_not_forecast": (
        _variable_not_forecast,
        "variable 'foo' is not forecast in this release; one of unemployed, vacancies, "
        "unemployment_rate, jobseekers, long_term_unemployed",
    ),
}


def test_every_kind_with_a_sentence_has_a_case_here() -> None:
    from service.i18n_errors import ERRORS

    assert set(ERRORS) == set(CASES)


def _raised(kind: str, request: pytest.FixtureRequest) -> EnnakointiError:
    provoke, _ = CASES[kind]
    with pytest.raises(EnnakointiError) as info:
        provoke(request)
    assert info.value.kind == kind, str(info.value)
    return info.value


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_refusal_keeps_its_english_message(kind: str, request: pytest.FixtureRequest) -> None:
    exc = _raised(kind, request)
    expected = CASES[kind][1]
    if expected is None and kind == "start_after_forecasts":  # names the release: its form
        assert f"{exc.values['start']} is after the last forecast month " in str(exc)
        assert str(exc).endswith(f": start a scenario by {exc.values['last']}")
    elif expected is None:
        assert f"{exc.values['start']} is before the first forecast month " in str(exc)
        assert str(exc).endswith(
            f"start a scenario from {exc.values['first']} to {exc.values['last']}"
        )
    else:
        assert str(exc) == expected


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_refusal_reads_in_each_language_with_all_its_values(
    kind: str, lang: str, request: pytest.FixtureRequest
) -> None:
    from service.i18n_errors import ERRORS, _shown, error_message

    exc = _raised(kind, request)
    text = error_message(exc, lang)
    assert text is not None
    assert "{" not in text and "}" not in text, text
    names = {
        n
        for _, n, _, _ in string.Formatter().parse(ERRORS[kind][("fi", "sv", "en").index(lang)])
        if n
    }
    assert names - {"field"} <= set(exc.values), names
    for name in names - {"field"}:
        assert _shown(name, exc.values[name], lang) in text, (name, text)
    if lang != "en":
        assert str(exc) not in text


def test_values_are_read_only_and_survive_pickling() -> None:
    with pytest.raises(ValidationError) as info:
        run_scenario({"horizon_months": 12}, draws=5001, seed=1)
    exc = info.value
    with pytest.raises(TypeError):
        exc.values["n"] = 1  # type: ignore[index]
    again = pickle.loads(pickle.dumps(exc))
    assert (again.field, again.reason, again.kind) == (exc.field, exc.reason, exc.kind)
    assert dict(again.values) == {"n": 5001, "max": 5000}
    with pytest.raises(UnknownAreaError) as unknown:
        geography.resolve_area("ZZZ")
    area = pickle.loads(pickle.dumps(unknown.value))
    assert (str(area), area.kind, area.values) == (
        str(unknown.value),
        "unknown_area",
        {"code": "ZZZ"},
    )


def test_an_error_without_a_kind_has_no_values() -> None:
    exc = ValidationError("seed", "must be a non-negative integer")
    assert exc.kind is None and dict(exc.values) == {}


def test_labelled_values_are_the_pages_words() -> None:
    from service.i18n_errors import error_message

    exc = EnnakointiError(
        "x", kind="variable_not_forecast", values={"variable": "foo", "choices": ("unemployed",)}
    )
    assert error_message(exc, "fi") == (
        "Muuttujaa 'foo' ei ennusteta tässä julkaisussa; valitse jokin näistä: "
        "Työttömät työnhakijat."
    )


def test_the_api_problem_names_the_kind_and_values_and_keeps_its_detail(web: Any) -> None:
    r = web.get("/v1/registers/history", params={"area": "ZZZ"})
    assert r.status_code == 404
    body = r.json()
    assert body["detail"] == CASES["unknown_area"][1]
    assert (body["kind"], body["values"]) == (
        "unknown_area",
        {"code": "ZZZ", "location": "query", "name": "area"},  # the parameter that carried it
    )
    # an error without a kind adds neither member
    r = web.get("/v1/scenarios/runs/" + "0" * 20)
    assert r.status_code == 404 and "kind" not in r.json() and "values" not in r.json()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fi", "Muuttujaa 'foo' ei ennusteta tässä julkaisussa; valitse jokin näistä: "
               "Työttömät työnhakijat; Avoimet työpaikat; Työttömyysaste, %; "),
        ("sv", "Variabeln 'foo' prognostiseras inte i denna publicering; välj en av: "
               "Arbetslösa arbetssökande; Lediga arbetsplatser; Arbetslöshetsgrad, %; "),
    ],
)  # fmt: skip
def test_an_unknown_forecast_variable_page_speaks_its_language(web: Any, lang: str, words: str):
    import html
    import re

    r = web.get(
        "/forecasts",
        params={"area": "TA23", "variable": "foo", "lang": lang},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 404
    page = html.unescape(re.sub(r"<[^>]+>", " ", r.text))
    assert words in page and "is not forecast" not in page


def _data_errors() -> list[Exception]:
    from forecasting.errors import ContractError, DataError
    from forecasting.io.jsonstat import CellError
    from forecasting.io.statfin import StatFinHTTPError

    return [
        DataError("bad row", source="registers.csv", row=3),
        ContractError("time not sorted", source="registers_history.nc", kind="k", values={"a": 1}),
        CellError("'x' is not a number", index=7),
        StatFinHTTPError("HTTP 400", url="https://pxdata.stat.fi/x", status=400),
    ]


@pytest.mark.parametrize("exc", _data_errors(), ids=lambda e: type(e).__name__)
def test_a_data_error_crosses_processes_with_its_fields(exc: Exception) -> None:
    """A worker process's error reaches the parent whole: each subclass's own fields (a
    StatFin error's url and status) too, where unpickling called ``__init__`` without them
    and failed with a TypeError instead of the error."""
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is type(exc) and str(again) == str(exc)
    assert again.__dict__ == exc.__dict__
