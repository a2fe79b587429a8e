"""Defects met doing a planner's and an education provider's tasks in a browser on 7.12.2026
(registers to 6/2026, population to 2025), each pinned:

* the training page offered three downloads, each "Lataa, kaikki rivit: CSV (Excel) ·
  Excel-työkirja": nothing told the sum to 2030 from the yearly needs or the chosen year's;
  each now names what it holds.

Fast: the service on the test release, no browser.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

pytest_plugins = ["tests.service_fixtures"]


def _download_lines(page: str) -> list[tuple[str, list[str]]]:
    """Each download paragraph of ``page``: its words before the links and the links."""
    out = []
    for body in re.findall(r'<p class="downloads">(.*?)</p>', page, re.S):
        words = re.sub(r"\s+", " ", html.unescape(body.split("<a", 1)[0])).strip()
        out.append((words, [html.unescape(u) for u in re.findall(r'href="([^"]+)"', body)]))
    return out


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fi",
            [
                "Lataa (yhteensä {first}–2030), kaikki rivit:",
                "Lataa (vuosittain {first}–{last}, koulutusasteittain), kaikki rivit:",
                "Lataa (vuosi 2030, koulutusasteittain), kaikki rivit:",
            ],
        ),
        (
            "en",
            [
                "Download (in total {first}–2030), all rows:",
                "Download (by year {first}–{last}, by level), all rows:",
                "Download (year 2030, by level), all rows:",
            ],
        ),
    ],
)
def test_the_training_pages_three_downloads_say_what_each_holds(web: Any, lang, expected):
    from service import views

    context = web.app.state.context
    cube = context.releases.dataset(context.releases.open(), "training_needs")
    years = views.training_years(cube)
    page = web.get("/training", params={"lang": lang, "year": 2030}).text
    lines = _download_lines(page)
    words = [w for w, _ in lines]
    assert words == [e.format(first=years[0], last=years[-1]) for e in expected]
    # and each names the right file: the sum, all years, the one year
    urls = [links[1] for _, links in lines]
    assert "/cumulative?" in urls[0] and "until=2030" in urls[0]
    assert "/cumulative" not in urls[1] and "year=" not in urls[1]
    assert "year=2030" in urls[2]
    assert len(set(words)) == 3
