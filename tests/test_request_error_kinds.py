"""Request parameters refused by the request's own validation carry a ``kind`` and
``values`` in the scheme of the domain's refusals (``docs/API.md``), and a dashboard page
writes them in its language.

Every kind is raised through a real request. The English ``detail`` is the one the API gave
before refusals of requests carried kinds, word for word (scripts read it).
"""

from __future__ import annotations

import html
import re
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.errors import PROBLEM_MEDIA_TYPE
from tests.service_data import EVENT

pytest_plugins = ["tests.service_fixtures"]

KEY = {"X-API-Key": "key-all"}
JSON = {**KEY, "content-type": "application/json"}
SUBSCRIPTION = {"channel": "email", "recipient": "planner", "address": "a@b.fi"}

#: kind -> (method, path, request, status, the English detail, values the refusal names).
API_CASES: dict[str, tuple[str, str, dict[str, Any], int, str, dict[str, Any]]] = {
    "missing": (
        "post",
        "/v1/subscriptions",
        {"json": {"channel": "email", "address": "a@b.fi"}, "headers": KEY},
        422,
        "invalid request parameters: body.email.recipient: Field required",
        {"location": "body", "name": "email.recipient"},
    ),
    "not_allowed": (
        "get",
        "/v1/registers/history",
        {"params": {"area": "491", "format": "pdf"}},
        422,
        "invalid request parameters: query.format: Input should be 'json', 'csv', 'csv-fi' "
        "or 'xlsx'",
        {
            "location": "query",
            "name": "format",
            "value": "pdf",
            "allowed": ["json", "csv", "csv-fi", "xlsx"],
        },
    ),
    "malformed": (
        "get",
        "/v1/registers/forecasts",
        {"params": {"area": "TA23", "from": "2027-13"}},
        422,
        "invalid request parameters: query.from: '2027-13' is not a year YYYY or a month "
        "YYYY-MM of the years 1900–2199 (e.g. 2027-04)",
        {
            "location": "query",
            "name": "from",
            "value": "2027-13",
            "form": "year_or_month",
            "pattern": r"^(19|20|21)\d{2}(-(0[1-9]|1[0-2]))?$",
        },
    ),
    "out_of_range": (
        "get",
        "/v1/registers/history",
        {"params": {"area": "491", "limit": 0}},
        422,
        "invalid request parameters: query.limit: Input should be greater than or equal to 1",
        {"location": "query", "name": "limit", "value": "0", "minimum": 1},
    ),
    "too_long": (
        "post",
        "/v1/subscriptions",
        {"json": {**SUBSCRIPTION, "recipient": "x" * 201}, "headers": KEY},
        422,
        "invalid request parameters: body.email.recipient: String should have at most 200 "
        "characters",
        {"location": "body", "name": "email.recipient", "max_length": 200, "unit": "characters"},
    ),
    "too_short": (
        "post",
        "/v1/subscriptions",
        {"json": {**SUBSCRIPTION, "recipient": ""}, "headers": KEY},
        422,
        "invalid request parameters: body.email.recipient: String should have at least 1 character",
        {"location": "body", "name": "email.recipient", "min_length": 1, "unit": "characters"},
    ),
    "wrong_type": (
        "get",
        "/v1/registers/history",
        {"params": {"area": "491", "limit": "abc"}},
        422,
        "invalid request parameters: query.limit: Value error, expected an integer",
        {"location": "query", "name": "limit", "value": "abc", "expected": "integer"},
    ),
    "unexpected_field": (
        "post",
        "/v1/subscriptions",
        {"json": {**SUBSCRIPTION, "colour": "red"}, "headers": KEY},
        422,
        "invalid request parameters: body.email.colour: Extra inputs are not permitted",
        {"location": "body", "name": "email.colour"},
    ),
    "body_not_json": (
        "post",
        "/v1/scenarios/runs",
        {"content": b'{"events": [', "headers": JSON},
        400,
        "the request body is not valid UTF-8 JSON",
        {"location": "body", "name": "", "position": 12},
    ),
    "invalid_value": (
        "post",
        "/v1/events",
        {"json": {**EVENT, "industry": "ZZ"}, "headers": KEY},
        422,
        "invalid request parameters: body.industry: Value error, unknown TOL 2008 section "
        "'ZZ'; expected A..U or X",
        {"location": "body", "name": "industry", "value": "ZZ"},
    ),
}


def _request(web: Any, case: tuple[str, str, dict[str, Any], int, str, dict[str, Any]]) -> Any:
    method, path, kwargs, *_ = case
    return getattr(web, method)(path, **kwargs)


@pytest.mark.parametrize("kind", sorted(API_CASES))
def test_a_refused_request_names_its_kind_and_keeps_its_english_detail(web, kind):
    case = API_CASES[kind]
    r = _request(web, case)
    status, detail, values = case[3:]
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = r.json()
    assert body["detail"] == detail
    assert (body["kind"], body["values"]) == (kind, values)
    first = body["errors"][0]
    assert (first["kind"], first["values"]) == (kind, values)  # each error carries its own


def test_each_error_of_a_request_carries_its_own_kind(web):
    r = web.get("/v1/registers/history", params={"area": "491", "limit": 0, "format": "pdf"})
    assert r.status_code == 422
    kinds = {e["values"]["name"]: e["kind"] for e in r.json()["errors"]}
    assert kinds == {"limit": "out_of_range", "format": "not_allowed"}
    assert r.json()["kind"] == r.json()["errors"][0]["kind"]


def test_a_validators_refusal_of_a_domain_kind_keeps_it(web):
    event = {"kind": "closure", "municipality": "TA23", "industry": "C", "jobs": 10}
    spec = {"events": [{**event, "start": "2026-09"}]}
    r = web.post("/v1/scenarios/runs", json=spec, headers=KEY)
    assert r.status_code == 422
    body = r.json()
    assert body["detail"] == (
        "invalid request parameters: body.events.0.municipality: Value error, 'TA23' is not a "
        "municipality code (an aggregate area)"
    )
    assert body["kind"] == "not_municipality"
    assert body["values"] == {
        "location": "body",
        "name": "events.0.municipality",
        "value": "TA23",
        "code": "TA23",
    }


@pytest.mark.parametrize(
    ("dates", "field", "reason"),
    [
        ({"effect_end": "2024-05-31"}, "effect_end", "effect_end is before effect_start"),
        (
            {"effect_start": "2022-12-01"},
            "effect_start",
            "effect_start is more than a year before the announcement",
        ),
    ],
)
def test_an_event_s_dates_out_of_order_are_refused_on_the_later_field(web, dates, field, reason):
    """An effect ending before it starts was refused on ``body`` (name empty), though the
    reason names the fields; it is refused on the field, as every other field error is."""
    r = web.post("/v1/events", json={**EVENT, **dates}, headers=KEY)
    assert r.status_code == 422, r.text
    body = r.json()
    (error,) = body["errors"]
    assert error["field"] == f"body.{field}"
    assert error["reason"] == f"Value error, {reason}"
    values = {"location": "body", "name": field, "value": dates[field]}
    assert (error["kind"], error["values"]) == ("invalid_value", values)
    assert (body["kind"], body["values"]) == ("invalid_value", values)
    assert body["detail"] == f"invalid request parameters: body.{field}: Value error, {reason}"


def test_every_kind_of_refused_request_is_documented():
    text = (Path(__file__).resolve().parents[1] / "docs" / "API.md").read_text(encoding="utf-8")
    for kind in API_CASES:
        assert re.search(rf"^\| `{kind}` \|", text, re.M), kind


def test_every_request_sentence_is_written_in_each_language():
    from service.i18n_errors import REQUEST_ERRORS

    for key, (fi, sv, en) in REQUEST_ERRORS.items():
        names = [{n for _, n, _, _ in string.Formatter().parse(s) if n} for s in (fi, sv, en)]
        assert names[0] == names[1] == names[2], key  # the same values in each language
        assert len({fi, sv, en}) == 3, key


# -- a dashboard page's URL parameters ----------------------------------------------------------

#: (page, parameters, the page's sentence in fi, sv, en): one case of each kind of refusal a
#: dashboard URL parameter meets (a choice: a literal or a pattern of words; a month; a
#: number's bounds; a length; a whole number; true or false).
PAGE_CASES = [
    (
        # the allowed values as the form's menu names them, each with its value in the address
        "/map",
        {"show": "nonsense"},
        (
            "Muuttuja: 'nonsense' ei ole sallittu arvo; sallitut arvot: Työttömyysaste, % "
            "(rate); Muutos, %-yks. (change).",
            "Variabel: 'nonsense' är inte ett tillåtet värde; tillåtna värden: "
            "Arbetslöshetsgrad, % (rate); Förändring, %-enh. (change).",
            "Variable: 'nonsense' is not one of the allowed values: Unemployment rate, % "
            "(rate); Change, pp (change).",
        ),
    ),
    (
        "/alerts",
        {"severity": "loud"},
        (
            "Vakavuus: 'loud' ei ole sallittu arvo; sallitut arvot: Kaikki, tiedote (info), "
            "varoitus (warning), kriittinen (critical).",
            "Allvarlighetsgrad: 'loud' är inte ett tillåtet värde; tillåtna värden: Alla, "
            "meddelande (info), varning (warning), kritisk (critical).",
            "Severity: 'loud' is not one of the allowed values: All, info, warning, critical.",
        ),
    ),
    (
        "/scenarios",
        {"kind": "fire"},
        (
            "Tapahtuma: 'fire' ei ole sallittu arvo; sallitut arvot: Toimipaikan sulkeminen "
            "(closure), Irtisanomiset (dismissal), Lomautukset (temporary_layoff), Rekrytointi "
            "(recruitment).",
            "Händelse: 'fire' är inte ett tillåtet värde; tillåtna värden: Nedläggning av "
            "verksamhetsställe (closure), Uppsägningar (dismissal), Permitteringar "
            "(temporary_layoff), Rekrytering (recruitment).",
            "Event: 'fire' is not one of the allowed values: Closure, Dismissals (dismissal), "
            "Temporary layoffs (temporary_layoff), Recruitment.",
        ),
    ),
    (
        "/scenarios",
        {"start": "2026-9"},
        (
            "Alkukuukausi: 2026-9 ei ole kuukausi muodossa VVVV-KK (esim. 2026-09).",
            "Första månad: 2026-9 är inte en månad ÅÅÅÅ-MM (t.ex. 2026-09).",
            "First month: 2026-9 is not a month YYYY-MM (e.g. 2026-09).",
        ),
    ),
    (
        "/training",
        {"year": "1800"},
        (
            "Vuosi: arvon pitää olla vähintään 1900.",
            "År: värdet måste vara minst 1900.",
            "Year: the value must be at least 1900.",
        ),
    ),
    (
        "/scenarios",
        {"draws": "6000"},
        (
            "Simulointikierroksia: arvo saa olla enintään 5\xa0000.",
            "Simuleringsomgångar: värdet får vara högst 5\xa0000.",
            "Simulation draws: the value must be at most 5,000.",
        ),
    ),
    (
        "/forecasts",
        {"area": "A" * 13},
        (
            "Alue: enintään 12 merkkiä.",
            "Område: högst 12 tecken.",
            "Area: at most 12 characters.",
        ),
    ),
    (
        "/population",
        {"year": "next"},
        (
            "Vuosi: next ei ole kokonaisluku.",
            "År: next är inte ett heltal.",
            "Year: next is not a whole number.",
        ),
    ),
    (
        "/scenarios",
        {"run": "maybe"},
        (
            "Laske: maybe ei ole totuusarvo (true tai false).",
            "Beräkna: maybe är inte ett sanningsvärde (true eller false).",
            "Run: maybe is not true or false.",
        ),
    ),
]


def _text(page: str) -> str:
    return re.sub(r"[ \t\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize(
    ("page", "params", "sentences"),
    PAGE_CASES,
    ids=[f"{c[0]}-{next(iter(c[1]))}" for c in PAGE_CASES],
)
def test_a_pages_refused_url_parameter_reads_in_its_language(web, page, params, sentences, lang):
    r = web.get(page, params={**params, "lang": lang}, headers={"accept": "text/html"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    text = _text(r.text)
    assert sentences[("fi", "sv", "en").index(lang)] in text, text
    api = web.get(page, params=params)  # the same refusal as problem+json: pydantic's English
    reason = api.json()["errors"][0]["reason"]
    if lang != "en":
        assert reason not in text and "Input should" not in text and "String should" not in text


# -- junk in a parameter is always a refusal with a kind ---------------------------------------

#: (path, the parameter filled with junk, the other parameters): parameters whose only
#: refusal is the request's own validation (a value it takes is answered).
JUNK_TARGETS = [
    ("/v1/registers/history", "limit", {"area": "491"}),
    ("/v1/registers/history", "offset", {"area": "491"}),
    ("/v1/registers/history", "format", {"area": "491"}),
    ("/v1/registers/history", "lang", {"area": "491"}),
    ("/v1/registers/forecasts", "release", {"area": "491"}),
    ("/map", "show", {}),
    ("/population", "year", {}),
]
KINDS = {*API_CASES}
junk = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.integers(-(10**15), 10**15).map(str),
    st.sampled_from(["", " ", "1.5", "1e3", "0x10", "NaN", "-0", "rate ", "2026-13", "%00"]),
)


@settings(max_examples=120, deadline=None)
@given(target=st.sampled_from(JUNK_TARGETS), value=junk)
def test_junk_in_a_parameter_is_a_refusal_with_a_kind_never_a_server_error(web, target, value):
    path, name, params = target
    r = web.get(path, params={**params, name: value})
    assert r.status_code < 500, (r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert r.status_code == 422, r.text[:300]
        assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE
        body = r.json()
        assert body.get("kind") in KINDS, body
        assert (body["values"]["location"], body["values"]["name"]) == ("query", name)


def test_a_page_over_the_operators_size_is_out_of_range_too(web):
    r = web.get("/v1/registers/history", params={"area": "491", "limit": 1001})
    assert r.status_code == 422
    body = r.json()
    assert body["detail"] == "limit: at most 1000 rows per page"
    assert (body["kind"], body["values"]) == (
        "out_of_range",
        {"location": "query", "name": "limit", "value": "1001", "maximum": 1000},
    )


@pytest.mark.parametrize(
    ("page", "params", "link"),
    [
        ("/map", {"show": "nonsense"}, "Avaa sivu oletusvalinnoin"),
        ("/forecasts", {"variable": "foo"}, "Avaa sivu oletusvalinnoin"),
        ("/training", {"year": "abc", "lang": "en"}, "Open the page with its default choices"),
    ],
)
def test_a_refused_page_links_itself_with_its_defaults(web, page, params, link):
    """The refusal said what was wrong and offered only the overview: the reader who asked
    for the map gets a link to the map as it opens by default, in the page's language."""
    r = web.get(page, params=params, headers={"accept": "text/html"})
    assert r.status_code in (404, 422)
    lang = params.get("lang", "fi")
    assert f'<a href="{page}?lang={lang}">{link}</a>' in r.text
    assert web.get(page, params={"lang": lang}).status_code == 200  # and it opens


def test_an_unknown_address_links_only_the_overview(web):
    r = web.get("/nonsense", headers={"accept": "text/html"})
    assert r.status_code == 404
    assert "oletusvalinnoin" not in r.text and 'href="/?lang=fi"' in r.text
