"""The dashboard's charts in Chromium at a phone's and a desktop's width: what only layout
shows.

A chart drawn 760 units wide and shown 366 px wide on a 390 px phone shrank its text to
6-10 px (legends about 7 px, axis ticks about 10 px); the occupations' bar labels were cut
short. Each chart now has a phone drawing of its own (:func:`service.charts.responsive`):
at 390 px every text of every chart shown is at least 11 px tall, at 1280 px as before (at
least 12 px), and no text runs past its chart's edge. Playwright drives Debian's Chromium
(``executable_path``; no browser download). Skipped when Chromium or Playwright is missing.
"""

from __future__ import annotations

import pytest

from tests.live_server import CHROMIUM, chromium, dashboard

pytest_plugins = ["tests.service_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def base(service_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("charts-browser")
    with dashboard(service_store, folder) as root:
        yield root


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as launched:
        yield launched


#: Per chart shown: [its id, the smallest text's size on screen (px), the texts that run
#: past the chart's left or right edge]. A text's size on screen is its font size in SVG
#: units times the chart's scale (its width on screen over its viewBox width).
CHART_TEXT = """() => [...document.querySelectorAll('svg.chart')]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .map(svg => {
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    const texts = [...svg.querySelectorAll('text')]
      .filter(t => t.getBoundingClientRect().width > 0);
    const sizes = texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
    const out = texts.filter(t => {
      const r = t.getBoundingClientRect();
      return r.left < box.left - 1 || r.right > box.right + 1;
    }).map(t => t.textContent);
    return [svg.getAttribute('aria-labelledby').split(' ')[0], Math.min(...sizes), out];
  })"""

PATHS = [
    "/forecasts?area=491",
    "/occupations",
    "/population",
    "/training?year=2030",
    "/jobs",
    "/map",
]


@pytest.mark.parametrize("lang", ["fi", "en"])
@pytest.mark.parametrize(("viewport", "smallest"), [(PHONE, 11.0), (DESKTOP, 12.0)])
def test_chart_text_is_readable_and_inside_its_chart(browser, base, lang, viewport, smallest):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        shown = []
        for path in PATHS:
            page.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")
            charts = page.evaluate(CHART_TEXT)
            shown += [chart_id for chart_id, _, _ in charts]
            for chart_id, size, out in charts:
                assert size >= smallest - 0.05, (path, chart_id, round(size, 1))
                assert out == [], (path, chart_id, out)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        assert len(shown) >= 5, shown  # the test release draws the pages' charts
        narrow = [c for c in shown if c.endswith("-narrow-t")]
        # a phone is shown the phone's drawings (the map has one drawing for both)
        assert len(narrow) == (len(shown) - 1 if viewport is PHONE else 0), shown
    finally:
        context.close()
