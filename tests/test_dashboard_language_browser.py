"""The Swedish and English pages in Chromium at a phone's width: what only layout shows.

Read at 390 px, the training page broke its ranges inside ("576–" / "2,837", "137 (30–" /
"316)"); the start and forecasts pages, whose tables hold ranges too, are checked alike.
Playwright drives Debian's Chromium
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


@pytest.fixture(scope="module")
def base(service_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lang-browser")
    with dashboard(service_store, folder) as root:
        yield root


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as launched:
        yield launched


#: The cells whose text wraps onto more than one line: (text, lines). A cell's note
#: (``.partial``, "partiell: 1 av 6 kommuners tal sekretessbelagda") may wrap; its figure may not.
WRAPPED_CELLS = """() => [...document.querySelectorAll('td.num')].flatMap(td => {
  const range = document.createRange();
  const figure = [...td.childNodes].filter(n => !(n.classList && n.classList.contains('partial'))
                                             && n.nodeName !== 'BR');
  if (!figure.length) return [];
  range.setStartBefore(figure[0]);
  range.setEndAfter(figure[figure.length - 1]);
  const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                       .map(r => Math.round(r.top)));
  return tops.size > 1 ? [[td.innerText, tops.size]] : [];
})"""


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("path", ["/training?year=2030", "/", "/forecasts?area=507"])
def test_no_number_or_range_breaks_across_lines_on_a_phone(browser, base, lang, path):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.locator("td.num").count() > 3
        assert page.evaluate(WRAPPED_CELLS) == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}])
def test_the_monthly_review_page_is_styled_and_fits_the_screen(browser, base, lang, viewport):
    """The review's HTML carries its own stylesheet, which the dashboard's Content-Security-
    Policy (``style-src 'self'``) blocked: a browser showed it unstyled, and at 390 px the
    Swedish one was 499 px wide. Styled, its nowrap headings then made it 1 046 px wide
    (1 030 px in a 960 px column on a desktop)."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{base}/v1/reports/monthly?area=TA23&format=html&lang={lang}")
        font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
        assert "DejaVu Sans" in font  # the review's own stylesheet applies
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        main = page.evaluate("() => [document.querySelector('main').scrollWidth, "
                             "document.querySelector('main').clientWidth]")  # fmt: skip
        assert main[0] <= main[1] + 1, main
    finally:
        context.close()


#: Each scrolled table's caption: (its text, how far it runs past its .table-wrap, px).
CUT_CAPTIONS = """() => [...document.querySelectorAll('.table-wrap')].flatMap(wrap => {
  const caption = wrap.querySelector('caption');
  if (!caption) return [];
  const past = caption.getBoundingClientRect().right - wrap.getBoundingClientRect().right;
  return past > 1 ? [[caption.textContent.trim().slice(0, 60), Math.round(past)]] : [];
})"""


@pytest.mark.parametrize("lang", ["fi", "en"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/training?year=2030",
        "/jobs",
        "/scenarios?run=1&municipality=507&industry=C&jobs=300&start=2027-03",
    ],
)
def test_a_wide_tables_caption_stays_on_the_phones_screen(browser, base, lang, path):
    """A caption is as wide as its table: at 390 px the caption of every table wider than the
    screen ran on past its edge with the table and was cut off mid-sentence ("Unemployed
    jobseekers by month, perso"); on most pages, in every language."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        wide = page.evaluate(
            "() => [...document.querySelectorAll('.table-wrap')]"
            ".filter(w => w.scrollWidth > w.clientWidth + 1).length"
        )
        assert wide >= 1  # the page has a table wider than the phone, the case in question
        assert page.evaluate(CUT_CAPTIONS) == []
        # and the table still scrolls inside its box, not the page
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
