"""The scenario result answers "what does it mean next spring, and for our services?".

The result gave the largest change and a table of year-ends (12/2027 first): a planner
asking what a closure from 3/2027 means for the unemployed next spring, and for the
employment services' caseload, found neither. The page now gives next spring's months
(the forecasts page's next spring: March to May after the latest observed month) for the
municipality and its employment area, and the run's clients per client-facing expert in
those months with the staffing assumption and the target.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import numpy as np
import pytest
import xarray as xr

from tests.service_data import stub_scenario_runner

pytest_plugins = ["tests.service_fixtures"]

CELL = r"<t[hd][^>]*>(.*?)</t[hd]>"
#: The test release's experts of TA23 (the staffing table's assumption).
EXPERTS = 50.0


def staffed_runner(spec: Any, baseline: xr.Dataset | None = None) -> xr.Dataset:
    """The stub with the engine's staffing outputs: clients 1.5 x the area's unemployed,
    per expert of the staffing table (NaN for an area without a figure, as the engine);
    another area's run gets the stub's first municipality and its area, relabelled."""
    from forecasting.scenarios.staffing import client_facing_experts

    ds = stub_scenario_runner(spec, baseline)
    if spec.area != "TA23":  # the stub knows TA23's municipalities: relabel two of them
        ds = ds.isel(area=[0, -1]).assign_coords(area=[spec.events[0].municipality, spec.area])
    clients = 1.5 * ds["unemployed"].isel(area=-1, drop=True)
    experts = client_facing_experts(spec.area)
    per = clients / experts if experts is not None else clients * np.nan
    return ds.assign(
        clients=clients,
        clients_per_expert=per,
        experts_needed_at_high_target=clients / 200,
    )


def _page(client: Any, **form: Any) -> str:
    client.app.state.context.scenarios.runner = staffed_runner
    params = {"run": 1, "kind": "closure", "industry": "C", "jobs": 300, "lang": "fi"} | form
    return client.get("/scenarios", params=params).text


def _table(page: str, table_id: str) -> list[list[str]]:
    found = re.search(rf'<table id="{table_id}">.*?</table>', page, re.S)
    assert found is not None, f"no {table_id}"
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(0), re.S)
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(CELL, r, re.S)]
        for r in rows[1:]
    ]


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_closure_from_march_shows_next_spring_and_the_caseload(app_at):
    """300 jobs in Mäntyharju from 3/2027 (data to 6/2026): next spring is 3-5/2027; the
    stub's run starts with the event, its change is ``300 exp(-h/18)`` in the h-th month,
    and its area has 6 x 1000 unemployed plus the change, 1.5 clients each."""
    page = _page(app_at(dt.date(2026, 12, 7)), municipality="507", start="2027-03")
    text = _text(page)
    assert "Ensi kevät 3–5/2027" in text
    rows = _table(page, "scenario-spring")
    assert [r[:2] for r in rows] == [
        ["Mäntyharju", "3/2027"], ["Mäntyharju", "4/2027"], ["Mäntyharju", "5/2027"],
        ["Mikkelin seutu", "3/2027"], ["Mikkelin seutu", "4/2027"], ["Mikkelin seutu", "5/2027"],
    ]  # fmt: skip
    change = [300 * np.exp(-h / 18) for h in (1, 2, 3)]
    assert [r[5] for r in rows[:3]] == [f"+{c:.0f}" for c in change]
    services = _table(page, "scenario-services")
    assert [r[0] for r in services] == ["3/2027", "4/2027", "5/2027"]
    expected = 1.5 * (6000 + change[0]) / EXPERTS
    assert services[0][1] == f"{expected:.0f}"
    assert re.fullmatch(r"\d+–\d+", services[0][2])  # its 90 % range
    assert "Työllisyyspalvelut, Mikkelin seutu: asiakkaita asiantuntijaa kohden" in text
    assert "Laskettu 50 asiakastyötä tekevällä asiantuntijalla" in text
    assert "tavoite on 100–200 asiakasta asiantuntijaa kohden" in text
    # the 90 % range over draws is not the forecast's interval, and the page says so
    assert "kuvaa vain simuloinnin hajontaa perusuran ympärillä" in text
    assert 'href="/forecasts?area=507&amp;lang=fi">Ennusteet</a>' in page


def test_a_start_after_the_spring_shows_the_first_spring_of_the_run(app_at):
    page = _page(app_at(dt.date(2026, 12, 7)), municipality="491", start="2027-09", lang="en")
    text = _text(page)
    assert "Spring 3–5/2028" in text and "Next spring" not in text
    assert {r[1] for r in _table(page, "scenario-spring")} == {"3/2028", "4/2028", "5/2028"}


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fi", "Asiakkaat ovat kaikki rekisteröidyt työnhakijat, eivät vain työttömät."),
        ("sv", "Kunderna är alla registrerade arbetssökande, inte bara de arbetslösa."),
        ("en", "Clients are all registered jobseekers, not only the unemployed."),
    ],
)
def test_the_caseload_is_explained_in_the_pages_language(app_at, lang, words):
    page = _page(app_at(dt.date(2026, 12, 7)), municipality="507", start="2027-03", lang=lang)
    assert words in _text(page)


def test_an_area_without_a_staffing_figure_gets_the_experts_needed(app_at):
    """Helsinki (TA01) has no figure in the staffing table: no clients per expert made up,
    the experts the scenario needs at 200 clients each instead."""
    page = _page(app_at(dt.date(2026, 12, 7)), municipality="091", start="2027-03", lang="en")
    text = _text(page)
    assert "experts the scenario would need at 200 clients per expert" in text
    assert "There is no figure for the client-facing experts" in text
    assert "Clients per expert</th>" not in page


@pytest.mark.parametrize(
    ("lang", "median"),
    [("fi", "Skenaario (mediaani)"), ("sv", "Scenario (median)"), ("en", "Scenario (median)")],
)
def test_the_tables_name_their_figure_the_median(app_at, lang, median):
    """The run's tables headed their median "Scenario result", the heading of the whole
    section, beside "90% range": the column says which figure of the draws it is."""
    page = _page(app_at(dt.date(2026, 12, 7)), municipality="507", start="2027-03", lang=lang)
    for table_id in ("scenario-spring", "scenario-table"):
        found = re.search(rf'<table id="{table_id}">.*?</thead>', page, re.S)
        assert found is not None
        headings = [html.unescape(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", found.group(0))]
        assert headings[2] == median
