"""The dashboard in headless Chromium: every page in Finnish and English, content and a screenshot
(home, forecasts, alerts, scenarios, training and the product pages: population, labour, jobs,
occupations, groups, map).

The service runs under uvicorn on 127.0.0.1 (a free port) with a test release, the alert store
and the stub scenario engine. Chromium dumps each page's DOM (after layout) and takes a
screenshot into ``var/screenshots/`` for people to look at. Skipped when Chromium is absent
(Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from forecasting.settings import PROJECT_ROOT
from tests.live_server import serve_in_thread
from tests.service_data import make_settings, seed_alerts, stub_scenario_runner

pytest_plugins = ["tests.service_fixtures"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
#: page -> (query, words expected in Finnish, words expected in English)
PAGES = {
    "home": ("/", ["Mikkelin seutu", "Työttömät työnhakijat", "Mäntyharju"],
             ["Mikkeli region", "Unemployed jobseekers", "Unemployment rate"]),
    "forecasts": ("/forecasts?area=507", ["Ennusteet: Mäntyharju", "80 %:n väli"],
                  ["Forecasts: Mäntyharju", "80% interval"]),
    # the rule registry's titles (forecasting/alerts/rules.py), which the page's summaries
    # use whatever summary an alert was stored with
    "alerts": ("/alerts",
               ["kriittinen", "Mäntyharju: Työttömien määrä nousi poikkeuksellisen paljon"],
               ["critical", "Mäntyharju: Unemployment rose unusually fast"]),
    "scenarios": ("/scenarios?run=1&municipality=507&industry=C&jobs=300&start=2027-03",
                  ["Skenaarion tulos", "Toimipaikan sulkeminen"],
                  ["Scenario result", "Closure"]),
    "training": ("/training?year=2030", ["Koulutustarve", "Terveys- ja hyvinvointialat"],
                 ["Training need", "Health and welfare"]),
    "population": ("/population?year=2030", ["Väestö: Mikkelin seutu", "Ikäryhmä", "Naiset"],
                   ["Population: Mikkeli region", "Age group", "Women"]),
    "labour": ("/labour", ["Työvoima: Mikkelin seutu", "keskiarvo ja 80 %:n väli", "Työlliset"],
               ["Labour supply: Mikkeli region", "mean and 80% interval", "Employed"]),
    "jobs": ("/jobs?year=2030", ["Työpaikat: Mikkelin seutu", "Toimiala", "Rakentaminen"],
             ["Jobs: Mikkeli region", "Industry", "Construction"]),
    "occupations": ("/occupations", ["Ammatit: Etelä-Savo", "Pulaa",
                                     "Terveydenhuollon erityisasiantuntijat"],
                    ["Occupations: South Savo", "Shortage", "Health professionals"]),
    "groups": ("/groups", ["Erityisryhmät: Mikkelin seutu", "Koko maa", "Työttömät työnhakijat"],
               ["Special groups: Mikkeli region", "Whole country", "Unemployed jobseekers"]),
    "map": ("/map?area=TA23", ["Kartta: Etelä-Savo", "Työttömyysaste kunnittain", "Mäntyharju"],
            ["Map: South Savo", "Unemployment rate by municipality", "Mäntyharju"]),
}  # fmt: skip
#: Pages that must draw at least one chart (an SVG with a title and a description).
CHARTED = ("forecasts", "scenarios", "training", "population", "labour", "jobs", "map")


class _Page(HTMLParser):
    """What the checks need from a DOM: lang, text, SVG titles, labelled controls."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = None
        self.text: list[str] = []
        self.svgs = 0
        self.svg_with_title = 0
        self.controls: list[str] = []
        self.labels: set[str] = set()
        self._in_svg_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "svg":
            self.svgs += 1
            if a.get("role") == "img" and a.get("aria-labelledby"):
                self.svg_with_title += 1
        elif tag in ("select", "input") and a.get("type") != "hidden":
            self.controls.append(a.get("id", ""))
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"])

    def handle_data(self, data):
        self.text.append(data)


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None  # the tests that call this skip without Chromium
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=90, check=False
    )


@pytest.fixture(scope="module")
def served(service_store, tmp_path_factory):
    from service.app import create_app

    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'alerts.sqlite'}"
    seed_alerts(url)
    app = create_app(make_settings(service_store, url), scenario_runner=stub_scenario_runner)
    with serve_in_thread(app, wait_s=30) as base:
        yield base


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_in_both_languages_with_accessible_charts(served, page, tmp_path):
    query, words_fi, words_en = PAGES[page]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for lang, words in (("fi", words_fi), ("en", words_en)):
        sep = "&" if "?" in query else "?"
        url = f"{served}{query}{sep}lang={lang}"
        dom = _chromium("--dump-dom", url, profile=tmp_path / f"p-{lang}")
        assert dom.returncode == 0, dom.stderr[-2000:]
        parsed = _Page()
        parsed.feed(dom.stdout)
        text = re.sub(r"\s+", " ", " ".join(parsed.text))
        assert parsed.lang == lang
        for word in words:
            assert word in text, (page, lang, word)
        assert "Traceback" not in text and "Internal Server Error" not in text
        assert "CC BY 4.0" in text
        assert parsed.svgs == parsed.svg_with_title, "every chart needs a title and description"
        if page in CHARTED:
            assert parsed.svgs >= 1, (page, lang)
        unlabelled = [c for c in parsed.controls if c not in parsed.labels]
        assert not unlabelled, (page, lang, unlabelled)
    shot = SCREENSHOTS / f"dashboard-{page}.png"
    shot.unlink(missing_ok=True)
    result = _chromium(
        f"--screenshot={shot}",
        "--window-size=1280,1400",
        f"{served}{query}",
        profile=tmp_path / "shot",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
