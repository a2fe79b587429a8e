"""The scenario form starts from the present: its default start is the month after today's
(a plant closing announced now), within the release's forecast months, by the service's
clock; the start-up warm-up computes the form's baseline runs from that same month."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.scenarios import form_start
from tests.test_service_scenario_warm import WarmRunner

pytest_plugins = ["tests.service_fixtures"]

#: The forecast months of a release whose registers end 2026-06, 42 months ahead.
MONTHS = ("2026-07", "2029-12")


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 3, 15), "2026-07"),  # before the data's end: the first forecast month
        (dt.date(2026, 6, 30), "2026-07"),  # the last observed month: the month after it
        (dt.date(2026, 12, 7), "2027-01"),  # today (registers to 2026-06): January, not July
        (dt.date(2027, 12, 31), "2028-01"),  # over the turn of a year
        (dt.date(2029, 11, 1), "2029-12"),  # the last forecast month
        (dt.date(2029, 12, 20), "2029-12"),  # near the end of the horizon: clipped to it
        (dt.date(2031, 5, 5), "2029-12"),  # a release years old: still a start it accepts
    ],
)
def test_the_default_start_is_next_month_within_the_forecasts(today, expected):
    assert form_start(today, MONTHS) == expected


def test_without_forecasts_the_default_start_is_next_month():
    assert form_start(dt.date(2026, 12, 7), None) == "2027-01"


@given(today=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_the_default_start_is_never_outside_the_forecasts(today):
    start = form_start(today, MONTHS)
    assert MONTHS[0] <= start <= MONTHS[1]
    following = (today.replace(day=28) + dt.timedelta(days=4)).strftime("%Y-%m")
    if MONTHS[0] <= following <= MONTHS[1]:
        assert start == following


def _selected(page: str, select_id: str) -> str:
    """The value of the selected option of the select ``select_id`` of ``page``."""
    select = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select, page[:500]
    chosen = re.findall(r'<option value="([^"]*)" selected>', select.group(1))
    assert len(chosen) == 1, select.group(1)[:500]
    return chosen[0]


def _start_of_form(page: str) -> str:
    """The form's first month, ``YYYY-MM``, from its month and year selects."""
    return f"{int(_selected(page, 'start-year')):04d}-{int(_selected(page, 'start')):02d}"


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 2, 1), "2026-07"),
        (dt.date(2026, 12, 7), "2027-01"),
        (dt.date(2032, 1, 1), "2029-12"),
    ],
)
def test_the_form_starts_from_the_services_today(app_at, today, expected):
    client = app_at(today)
    months = _release_months(client)
    assert months == MONTHS  # the test release: registers to 2026-06, 42 months ahead
    page = client.get("/scenarios").text
    assert _start_of_form(page) == expected


def _release_months(client: Any) -> tuple[str, str] | None:
    from service.scenarios import forecast_months

    releases = client.app.state.context.releases
    return forecast_months(releases, releases.current_id())


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("fi", "Viimeisin havaittu kuukausi on 6/2026. Alkukuukautta edeltävät kuukaudet "
               "seuraavat perusuraa."),
        ("sv", "Den senast observerade månaden är 6/2026. Månaderna före den första månaden "
               "följer grundbanan."),
        ("en", "The latest observed month is 6/2026. The months before the first month follow "
               "the baseline."),
    ],
)  # fmt: skip
def test_the_form_says_the_latest_observed_month_beside_the_start(app_at, lang, line):
    page = app_at(dt.date(2026, 12, 7)).get("/scenarios", params={"lang": lang}).text
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert line in text
    assert 'aria-describedby="start-hint"' in page


def test_a_start_given_is_kept(app_at):
    client = app_at(dt.date(2026, 12, 7))
    page = client.get("/scenarios", params={"start": "2026-08"}).text
    assert _start_of_form(page) == "2026-08"


@pytest.mark.parametrize("today", [dt.date(2026, 2, 1), dt.date(2026, 12, 7), dt.date(2029, 12, 1)])
def test_the_warm_up_computes_the_forms_default_windows(app_at, today):
    """The form's baseline runs the warm-up computes start where the form does, at the
    form's draws, and the quarters after it: the first planner meets a warm baseline."""
    client = app_at(today)
    start = _start_of_form(client.get("/scenarios").text)
    scenarios = client.app.state.context.scenarios
    # the app's scenario service as a service with worker processes has it: a runner that
    # warms baselines, and the default windows
    scenarios.runner = WarmRunner(processes=1)
    scenarios.warm_months = (0, 3, 6)
    windows = scenarios.warm_windows()
    form = [(spec, months) for spec, months, targets in windows if targets is not None]
    assert [(spec.start, months) for spec, months in form] == [(start, 0), (start, 3), (start, 6)]
    assert {spec.baseline_source for spec, _ in form} == {"register_forecast"}
    assert {spec.draws for spec, _ in form} == {scenarios.form_draws}
    # the API's default window (no start: after the newest data) is unchanged
    api = [(spec.start, months) for spec, months, targets in windows if targets is None]
    assert api == [(None, 0), (None, 3), (None, 6)]


def test_a_turn_of_the_month_warms_the_forms_new_windows(app_at):
    """The release watcher watches the release and the month of the service's today: the
    day after the month turns, the form's new default windows are warmed too."""
    from service.app import warm_key
    from service.release_watch import ReleaseWatcher

    day = [dt.date(2026, 12, 30)]
    client = app_at(lambda: day[0])
    context = client.app.state.context
    scenarios = context.scenarios
    scenarios.runner = WarmRunner(processes=1)
    scenarios.warm_months = (0,)
    warmed: list[list[str]] = []

    def warm() -> None:
        warmed.append(
            [s.start for s, _, targets in scenarios.warm_windows() if targets is not None]
        )

    watcher = ReleaseWatcher(warm_key(context), [warm], interval=3600)
    watcher.start()  # its thread sleeps: the checks below are driven by hand
    assert watcher.check() is False  # the start-up's warm-up covers today
    day[0] = dt.date(2026, 12, 31)
    assert watcher.check() is False and warmed == []
    day[0] = dt.date(2027, 1, 1)
    assert watcher.check() is True
    assert warmed == [["2027-02"]]
    assert _start_of_form(client.get("/scenarios").text) == "2027-02"
    watcher.stop(timeout=5)


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("fi", "Alkukuukausi 3/2025 on jo havaittua aikaa (rekisteritiedot 6/2026 asti): "
               "valitse alkukuukausi väliltä 7/2026–12/2029."),
        ("sv", "Startmånaden 3/2025 ligger i den redan observerade tiden (registeruppgifter till "
               "och med 6/2026): välj en start mellan 7/2026 och 12/2029."),
        ("en", "The start month 3/2025 lies in the observed data (registers to 6/2026): choose "
               "a start from 7/2026 to 12/2029."),
    ],
)  # fmt: skip
def test_a_start_in_the_observed_data_is_refused_with_the_months_to_choose(app_at, lang, line):
    """A planner who types a month already in the registers (3/2025 with data to 6/2026)
    got a result over months the data cover, its baseline an older year repeated across the
    register gap, and no word that the month had passed: the form now says which months it
    takes, and runs nothing."""
    client = app_at(dt.date(2026, 12, 7))
    form = {"run": 1, "municipality": "491", "industry": "C", "jobs": 300, "lang": lang}
    calls: list[Any] = []
    runner = client.app.state.context.scenarios.runner

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return runner(*args, **kwargs)

    client.app.state.context.scenarios.runner = counted
    page = client.get("/scenarios", params={**form, "start": "2025-03"}).text
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert line in text
    assert 'id="result-h"' not in page and calls == []
    # the first forecast month, the month after the data, still runs
    page = client.get("/scenarios", params={**form, "start": "2026-07"}).text
    assert 'id="result-h"' in page and "3/2025" not in page


@pytest.mark.parametrize(
    ("lang", "march"),
    [("fi", "maaliskuu"), ("sv", "mars"), ("en", "March")],  # CLDR's stand-alone names
)
def test_the_first_month_is_chosen_in_the_pages_language(app_at, lang, march):
    """A month input speaks the browser's language ("maaliskuu 2027" on an English page in a
    Finnish browser): the form offers the month by name in the page's language and the years
    of the forecast months, the release's 2026-07..2029-12."""
    page = app_at(dt.date(2026, 12, 7)).get("/scenarios", params={"lang": lang}).text
    assert 'type="month"' not in page
    months = re.search(r'<select id="start" name="start_month"[^>]*>(.*?)</select>', page, re.S)
    years = re.search(r'<select id="start-year" name="start_year"[^>]*>(.*?)</select>', page, re.S)
    assert months and years
    assert f'<option value="3">{march}</option>' in months.group(1)
    assert len(re.findall(r"<option ", months.group(1))) == 12
    assert re.findall(r'<option value="(\d+)"', years.group(1)) == ["2026", "2027", "2028", "2029"]
    # each select has a label a screen reader reads (the year's is not shown)
    assert (
        '<label for="start">' in page and '<label for="start-year" class="visually-hidden">' in page
    )


def test_the_form_s_year_and_month_are_the_start_and_the_server_checks_them(app_at):
    """The two selects submit ``start_year`` and ``start_month``: the run starts there, the
    form keeps them, and a month the release does not forecast (or half a month) is refused
    in the page's words, not by the browser."""
    client = app_at(dt.date(2026, 12, 7))
    form = {"run": 1, "municipality": "507", "industry": "C", "jobs": 300, "lang": "en"}
    page = client.get("/scenarios", params={**form, "start_year": 2027, "start_month": 3}).text
    assert 'id="result-h"' in page
    assert _start_of_form(page) == "2027-03"
    # the selects win over a ``start`` left in the address
    page = client.get(
        "/scenarios", params={**form, "start": "2028-01", "start_year": 2027, "start_month": 3}
    ).text
    assert _start_of_form(page) == "2027-03"
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert "3/2027" in text
    refused = client.get("/scenarios", params={**form, "start_year": 2026, "start_month": 1})
    words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", refused.text)).split())
    assert 'id="result-h"' not in refused.text
    assert "The start month 1/2026 lies in the observed data" in words
    half = client.get("/scenarios", params={**form, "start_year": 2027}).text
    assert 'id="result-h"' not in half and "is not a month YYYY-MM" in html.unescape(half)
    for bad in ({"start_month": 13}, {"start_year": 20270}):
        assert (
            client.get("/scenarios", params={**form, "start_year": 2027, **bad}).status_code == 422
        )


def test_a_run_lands_on_its_result_or_its_reason(app_at):
    """On a phone the result of a run was a screen-length below the form the page reopened
    at, and a keyboard went through the form again: the form submits to ``#result``, the
    block holding the refusal or the result (its tables named regions a keyboard can scroll)."""
    client = app_at(dt.date(2026, 12, 7))
    form = {"run": 1, "municipality": "507", "industry": "C", "jobs": 300, "lang": "fi"}
    page = client.get("/scenarios", params={**form, "start": "2027-03"}).text
    assert '<form method="get" action="/scenarios#result" class="stack">' in page
    block = page[page.index('<div id="result">') :]
    assert block.index('id="result-h"') < block.index('id="presets-h"')
    wraps = re.findall(r'<div class="table-wrap" tabindex="0"[^>]*>', block)
    assert wraps and all('role="region" aria-labelledby="' in w for w in wraps)
    refused = client.get("/scenarios", params={**form, "start": "2025-03"}).text
    block = refused[refused.index('<div id="result">') :]
    assert block.startswith('<div id="result">\n<p class="notice" role="status">')
