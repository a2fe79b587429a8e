"""The dashboard's four user tasks, finished end to end in a browser, and axe-core on every page.

Playwright for Python drives Debian's Chromium (``executable_path``; no browser download);
axe-core comes from the npm registry (``npm ci``: ``node_modules/axe-core/axe.min.js``) and is
injected into each page. One uvicorn server and one browser serve the whole module. Skipped
when Chromium, Playwright or axe-core is missing.

Tasks (issue 21): the planner reads TA23's forecast for next spring with its interval; a
300-job closure in Mäntyharju is run and its result downloaded; leadership opens an alert and
its chart; the education provider downloads training needs as XLSX and the rows match the API.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from forecasting.settings import PROJECT_ROOT
from tests.live_server import CHROMIUM, chromium, dashboard
from tests.service_data import DASHBOARD_PAGES, annotating_runner
from tests.spreadsheets import xlsx_table

pytest_plugins = ["tests.service_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)
if not AXE.exists():
    pytest.skip("axe-core is not installed (npm ci)", allow_module_level=True)

#: Every page of the dashboard, and two more forms of the scenario and map pages.
PAGES = (
    *DASHBOARD_PAGES,
    "/scenarios?run=1&kind=recruitment&municipality=491&industry=Q&jobs=200&start=2026-07",
    "/map?show=change",
)
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def base(service_store, tmp_path_factory, cubes):
    """The service under uvicorn on a free port, with the test release and two alerts; the
    stub engine's results carry the training-need change (from the snapshot's cubes)."""
    folder = tmp_path_factory.mktemp("tasks")
    with dashboard(service_store, folder, scenario_runner=annotating_runner(cubes)) as root:
        yield root


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as launched:
        yield launched


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, locale="fi-FI")
    yield context.new_page()
    context.close()


def _number(text: str) -> float:
    """A Finnish number (``3 610``, ``11,2``, ``−3``) as a float."""
    return float(re.sub(r"[\s\xa0\u202f]", "", text).replace(",", ".").replace("\u2212", "-"))


def test_planner_reads_next_springs_forecast_with_its_interval(page, base):
    page.goto(f"{base}/?lang=fi")
    spring = page.locator("#spring")
    assert "Ensi kevät 3–5/2027" in spring.locator("h2").inner_text()
    cards = spring.locator("li")
    assert cards.count() == 3  # March, April and May, as the forecasts page gives them
    april = cards.nth(1)
    text = april.inner_text()
    found = re.search(r"4/(\d{4}).*?([\d\s\xa0]+)–([\d\s\xa0]+)$", text, re.S)
    assert found, text
    year = found.group(1)
    mean = _number(april.locator(".figure").inner_text())
    lo, hi = _number(found.group(2)), _number(found.group(3))
    assert lo <= mean <= hi
    api = httpx.get(
        f"{base}/v1/registers/forecasts",
        params={"area": "TA23", "variable": "unemployed", "from": f"{year}-04", "to": f"{year}-04"},
    ).json()["data"][0]
    assert (round(api["mean"]), round(api["lo80"]), round(api["hi80"])) == (mean, lo, hi)
    # the page says how old its data is
    assert "6/2026" in page.locator(".freshness").inner_text()


def test_closure_of_300_jobs_in_mantyharju_is_run_and_downloaded(page, base, tmp_path):
    import openpyxl

    page.goto(f"{base}/scenarios?lang=fi")
    # the form starts where the data ends, not in a past year
    start = f"{page.input_value('#start-year')}-{int(page.input_value('#start')):02d}"
    assert start >= "2026-07"
    page.select_option("#kind", "closure")
    page.select_option("#municipality", "507")
    page.fill("#jobs", "300")
    page.click("button[name=run]")
    page.wait_for_selector("#result-h")
    assert "Mäntyharju" in page.locator("main").inner_text()
    table_rows = page.locator("#scenario-table tbody tr")
    assert table_rows.count() >= 2  # Mäntyharju and its employment area, each year
    link = page.locator("a[download][href*='format=xlsx']").first
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "scenario.xlsx"
    info.value.save_as(saved)
    header, rows = xlsx_table(openpyxl.load_workbook(saved, read_only=True))
    assert {"area", "time", "quantile", "unemployed", "unemployed_vs_baseline"} <= set(header)
    assert {r[header.index("area")] for r in rows} == {"507", "TA23"}
    # the page's first table cell (Mäntyharju's median at the first year-end) is in the file
    first = table_rows.first.locator("td.num").first.inner_text().replace("\u00a0", "")
    medians = {
        round(r[header.index("unemployed")])
        for r in rows
        if r[header.index("area")] == "507" and r[header.index("quantile")] == 0.5
    }
    assert int(first.replace(" ", "").replace("\u2212", "-")) in medians


def test_health_recruitment_in_mikkeli_shows_practical_nurses_in_the_training_table(
    page, base, tmp_path
):
    """200 health-care jobs recruited in Mikkeli: the training table names practical nurses
    with their need, the part local supply covers, the method line and a download."""
    import openpyxl

    page.goto(f"{base}/scenarios?lang=fi")
    page.select_option("#kind", "recruitment")
    page.select_option("#municipality", "491")
    page.select_option("#industry", "Q")
    page.fill("#jobs", "200")
    page.click("button[name=run]")
    page.wait_for_selector("#training-table")
    rows = page.locator("#training-table tbody tr")
    nurse = rows.filter(has_text="Lähihoitaja")
    assert nurse.count() == 1
    cells = [_number(c) for c in nurse.first.locator("td.num").all_inner_texts()]
    demand, covered, need = cells
    # the snapshot's bridge and key: about 62 practical nurses per 200 health-care jobs
    assert 40 <= demand <= 80 and 0 <= covered <= demand
    assert need == pytest.approx(demand - covered, abs=1.01)  # rounded on the page
    assert "Sairaanhoitaja" in page.locator("#training-table").inner_text()
    note = page.locator("p.note", has_text="Menetelmä").inner_text()  # the training's note
    assert "Menetelmä" in note and "koulutustarvelaskelma" in note  # in the page's language
    link = page.locator("a[download][href*='training_need_change'][href*='format=xlsx']")
    with page.expect_download() as info:
        link.first.click()
    saved = tmp_path / "training.xlsx"
    info.value.save_as(saved)
    book = openpyxl.load_workbook(saved, read_only=True)
    header, body = xlsx_table(book)
    assert {"training_field", "training_level", "training_need_change"} <= set(header)
    assert "Koulutustarpeen muutos" in next(
        book.worksheets[0].iter_rows(max_row=1, values_only=True)
    )
    col = {name: i for i, name in enumerate(header)}
    health = [r for r in body if r[col["training_field"]] == "09"]
    assert sum(r[col["training_demand_change"]] for r in health) > 80


def test_leadership_opens_an_alert_and_its_chart(page, base):
    page.goto(f"{base}/alerts?lang=fi")
    alert = page.locator("li.alert.sev-critical").first
    assert "kriittinen" in alert.inner_text().lower()
    chart = alert.locator("a[href*='/forecasts']")
    assert chart.count() == 1
    chart.first.click()
    page.wait_for_load_state()
    assert "/forecasts?" in page.url and page.url.endswith("#chart")
    assert page.locator("figure#chart svg[role=img]").count() >= 1


def test_education_provider_downloads_training_needs_as_xlsx(page, base, tmp_path):
    import openpyxl

    page.goto(f"{base}/training?lang=fi&year=2031")
    # the yearly table's download (the page also offers the need summed to a year)
    link = page.locator("a[download][href*='format=xlsx'][href*='training-needs?']").first
    href = link.get_attribute("href")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.endswith(".xlsx"), info.value.suggested_filename
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    book = openpyxl.load_workbook(saved, read_only=True)
    assert book.sheetnames == ["Tiedot", "Sarakkeet", "Lähteet ja menetelmä"]  # in Finnish
    heading_row = next(book.worksheets[0].iter_rows(max_row=1, values_only=True))
    assert {"Koulutusala", "Koulutustarve"} <= set(heading_row)  # headed for people, in Finnish
    header, body = xlsx_table(book)
    query = dict(httpx.QueryParams(href.split("?", 1)[1]))
    query.pop("format")
    api = httpx.get(f"{base}/v1/training-needs", params={**query, "limit": 1000}).json()["data"]
    assert len(body) == len(api) > 0
    col = {name: i for i, name in enumerate(header)}
    for row, record in zip(body, api, strict=True):
        assert row[col["field"]] == record["field"]
        assert row[col["need"]] == pytest.approx(record["need"])
        if "lo80" in col:
            assert row[col["lo80"]] == pytest.approx(record["lo80"])
    book.close()


def _axe_findings(page: Any, url: str) -> list[dict[str, Any]]:
    """axe-core's violations of the page at ``url`` (id, impact, first targets)."""
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    findings: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }"""
    )
    return findings


def _serious(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_axe_findings_and_fits_a_phone(browser, base, path):
    context = browser.new_context(viewport=PHONE, bypass_csp=True)  # to inject axe-core
    page = context.new_page()
    try:
        sep = "&" if "?" in path else "?"
        bad = _serious(_axe_findings(page, f"{base}{path}{sep}lang=fi"))
        assert not bad, (path, bad)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
    finally:
        context.close()


DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.parametrize("path", ["/", "/training?year=2030", "/labour"])
def test_page_has_no_serious_axe_findings_on_a_desktop_and_unique_regions(browser, base, path):
    """At desktop width the brand link sits in a line with the tagline (on a phone the
    tagline wraps below it), and pages with two tables named both regions alike."""
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    try:
        sep = "&" if "?" in path else "?"
        findings = _axe_findings(page, f"{base}{path}{sep}lang=fi")
        assert not _serious(findings), (path, _serious(findings))
        assert "landmark-unique" not in {f["id"] for f in findings}, path
    finally:
        context.close()
