"""The dashboard's alerts page: plain-language explanations in the page's language, most
severe and newest first, filters as GET parameters (no JavaScript), a link to each chart.

Reference texts: the rules' registered explanations (:func:`forecasting.alerts.explain.explain`)
and the formats of :mod:`forecasting.alerts.text` (CLDR via Babel: ``−50 %`` with a true minus
and a no-break space in Finnish).
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.alerts import text
from forecasting.alerts.explain import explain
from service import alert_page
from tests.matching import search

pytest_plugins = ["tests.service_fixtures"]

VACANCIES = {
    "vacancies": 350.0,
    "vacancies_3m": 360.0,
    "vacancies_3m_year_before": 723.0,
    "change": -0.502,
    "change_count": -363.0,
}
#: (area, rule, severity, fired, numbers)
SEED = [
    ("491", "vacancy_decline", "warning", dt.date(2023, 10, 1), VACANCIES),
    ("507", "seasonal_rise", "critical", dt.date(2023, 9, 1), {"z": 3.4, "rise_persons": 85}),
    ("178", "seasonal_rise", "critical", dt.date(2023, 10, 1), {"z": 2.9, "rise_persons": 40}),
    ("491", "seasonal_rise", "info", dt.date(2023, 10, 1), {"z": 1.2, "rise_persons": 30}),
    ("097", "vacancy_decline", "warning", dt.date(2022, 5, 1), VACANCIES),
]


def seed(url: str) -> None:
    from forecasting.io import alert_db

    engine = alert_db.make_engine(url)
    with alert_db.session_scope(engine) as session:
        for area, rule, severity, fired, numbers in SEED:
            session.add(
                alert_db.AlertRow(
                    dedup_key=f"{rule}:{area}",
                    rule=rule,
                    rule_version="2",
                    area=area,
                    severity=severity,
                    state="firing",
                    first_seen=fired,
                    fired_at=fired,
                    last_evaluated=fired,
                    episode=1,
                    title=f"{rule}: {area}",
                    explanation=explain(
                        rule, area, dt.datetime(fired.year, fired.month, 1), dict(numbers)
                    ),
                )
            )
    engine.dispose()


@pytest.fixture(scope="module")
def web(service_store: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service_data import make_settings, stub_scenario_runner

    url = f"sqlite:///{tmp_path_factory.mktemp('alertpage') / 'a.sqlite'}"
    seed(url)
    app = create_app(make_settings(service_store, url), scenario_runner=stub_scenario_runner)
    with TestClient(app) as client:
        yield client


def items(page: str) -> list[tuple[str, str]]:
    """(severity, inner html) of each alert on the page, in page order."""
    return re.findall(r'<li class="alert sev-(\w+)" id="alert-\d+">(.*?)</li>\n', page, re.S)


def test_alerts_read_as_plain_language_not_raw_numbers(web):
    page = web.get("/alerts", params={"lang": "fi", "rule": "vacancy_decline"}).text
    body = htmllib.unescape(page)
    assert "Avoimien työpaikkojen määrä laski selvästi vuodentakaisesta" in body
    assert f"({text.change(-0.502, 'fi')})" in body  # (−50 %), true minus, no-break space
    assert "Työvoiman kysyntä heikkenee yleensä" in body  # why it matters
    assert "change_count" not in body and "<dl>" not in page  # no raw numbers table
    en = htmllib.unescape(web.get("/alerts", params={"lang": "en", "area": "491"}).text)
    assert "Open vacancies fell sharply on a year earlier" in en
    assert "(-50%)" in en.replace(text.MINUS, "-")


def test_alerts_are_ordered_by_severity_then_newest_first(web):
    found = items(web.get("/alerts", params={"lang": "fi"}).text)
    assert [s for s, _ in found] == ["critical", "critical", "warning", "warning", "info"]
    assert "Juva" in found[0][1] and "Mäntyharju" in found[1][1]  # 10/2023 before 9/2023
    assert "Mikkeli" in found[2][1] and "Hirvensalmi" in found[3][1]  # 2023 before 2022


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"area": "491"}, {("warning", "491"), ("info", "491")}),
        ({"rule": "seasonal_rise", "severity": "critical"}, {("critical", "507"),
                                                             ("critical", "178")}),
        ({"area": "491", "rule": "vacancy_decline"}, {("warning", "491")}),
        ({"severity": "info", "area": "507"}, set()),
    ],
)  # fmt: skip
def test_filters_are_get_parameters(web, params, expected):
    page = web.get("/alerts", params={"lang": "fi", **params}).text
    got = {(s, search(r"area=(\d{3})", b).group(1)) for s, b in items(page)}
    assert got == expected
    if not expected:
        assert "Ei hälytyksiä." in page
    form = page[page.index('<form method="get" action="/alerts"') :]
    form = form[: form.index("</form>")]
    for name, value in params.items():
        assert re.search(rf'<select id="f-{name}" name="{name}">', form)
        assert f'<option value="{value}" selected>' in form


def test_each_alert_links_its_chart_and_the_chart_is_there(web):
    page = web.get("/alerts", params={"lang": "sv", "area": "491"}).text
    hrefs = re.findall(r'<a href="(/forecasts\?[^"]*area=[^"]+)">', page)
    assert sorted(htmllib.unescape(h) for h in hrefs) == [
        "/forecasts?lang=sv&area=491&variable=unemployed#chart",
        "/forecasts?lang=sv&area=491&variable=vacancies#chart",
    ]
    target = web.get(htmllib.unescape(hrefs[0]).split("#")[0])
    assert target.status_code == 200 and '<figure id="chart">' in target.text
    assert "<svg" in target.text


def test_an_unknown_area_filter_is_a_message_not_an_error(web):
    resp = web.get("/alerts", params={"lang": "en", "area": "XX999"})
    assert resp.status_code == 200
    assert items(resp.text) == []


@settings(deadline=None)  # a shared, busy machine: timing is not the property
@given(
    st.lists(
        st.tuples(st.sampled_from(["info", "warning", "critical"]), st.dates(), st.text("ab")),
        max_size=12,
    )
)
def test_ordered_is_severity_then_newest(rows):
    got = alert_page.ordered({"severity": s, "when": d, "area": a, "rule": "r"} for s, d, a in rows)
    rank = {"critical": 0, "warning": 1, "info": 2}
    keys = [(rank[a["severity"]], -a["when"].toordinal()) for a in got]
    assert keys == sorted(keys) and len(got) == len(rows)


@pytest.mark.parametrize(
    ("lang", "state"),
    [("fi", "Tila: voimassa"), ("sv", "Status: aktiv"), ("en", "State: active")],
)
def test_an_alerts_state_reads_in_plain_words(web, lang, state):
    """Leadership read "State: firing" (a monitoring system's word) in English and a bare
    "odottaa" (waiting, for what?) in Finnish: the states read as words of the language."""
    page = htmllib.unescape(web.get("/alerts", params={"lang": lang}).text)
    assert state in " ".join(page.split())
    assert "firing" not in re.sub(r"<[^>]+>", " ", page)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fi", "odottaa vahvistusta"), ("sv", "väntar på bekräftelse"),
     ("en", "awaiting confirmation")],
)  # fmt: skip
def test_a_pending_alert_says_it_awaits_confirmation(lang, words):
    """A pending alert has breached its threshold but not yet often enough to fire
    (``for_k`` of ``of_n`` months, :func:`forecasting.alerts.lifecycle.step`)."""
    from service.i18n import texts

    assert texts(lang)["pending"] == words


def test_the_working_age_alert_gives_the_same_reasons_in_every_language():
    """The Swedish explanation dropped the changing service needs the others give."""
    import forecasting.alerts.rules  # noqa: F401  (registers the rules)
    from forecasting.alerts.registry import registered

    why = registered()["working_age_decline"].why
    assert "palvelutarve muuttuu" in why["fi"] and "service needs change" in why["en"]
    assert "servicebehovet förändras" in why["sv"]
