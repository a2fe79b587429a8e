"""Defects a reader met walking through the dashboard (test release, fast, no browser):

* the start page's card showed "11,2 %" above the label "Työttömyysaste, %", the unit twice
  (and the table's column, whose cells carry "%" too): where the figure carries its unit,
  the label does not repeat it, in every language;
* the occupations' bar chart cut its labels at 40 characters ("Health associate professionals
  (balance…"): a label wraps onto lines of its own and is drawn whole, in the desktop's
  drawing and in the phone's (tests/test_dashboard_charts_browser.py checks they fit).
"""

from __future__ import annotations

import html
import re

import pytest

pytest_plugins = ["tests.service_fixtures"]

LANGS = ("fi", "sv", "en")
RATE = {"fi": "Työttömyysaste", "sv": "Arbetslöshetsgrad", "en": "Unemployment rate"}


@pytest.mark.parametrize("lang", LANGS)
def test_the_rate_card_says_its_unit_once(web, lang):
    body = web.get("/", params={"lang": lang}).text
    cards = re.findall(
        r'<li><span class="figure">([^<]*)</span><span class="label">([^<]*)</span></li>', body
    )
    [(figure, label)] = [c for c in cards if c[1].startswith(RATE[lang])]
    assert figure.endswith("%")  # the figure carries the unit ...
    assert label == RATE[lang]  # ... so its label does not say it again
    headings = re.findall(r'<th scope="col" class="num">([^<]*)</th>', body)
    assert RATE[lang] in headings and f"{RATE[lang]}, %" not in headings  # cells carry "%"


def _svg_labels(svg: str) -> list[str]:
    """The bar labels of a bar chart's SVG, each label's lines joined by a space."""
    out = []
    for text in re.findall(r'<text [^>]*font-size="13"[^>]*>(.*?)</text>', svg, re.S):
        lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", text) or [text]
        out.append(html.unescape(" ".join(lines)))
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_the_occupations_bar_labels_are_drawn_whole(web, lang):
    body = web.get("/occupations", params={"lang": lang}).text
    wide = re.search(r'<svg class="chart chart-wide".*?</svg>', body, re.S)
    narrow = re.search(r'<svg class="chart chart-narrow".*?</svg>', body, re.S)
    assert wide and narrow  # a drawing for a desktop and one for a phone
    rows = re.findall(r'<tr><th scope="row">([^<]*) <span class="code">', body)
    assert len(rows) > 3
    for svg in (wide.group(0), narrow.group(0)):
        labels = _svg_labels(svg)
        assert not [label for label in labels if "…" in label]  # none cut short
        # each row of the table is in the chart by its whole name (and its signal)
        assert all(any(label.startswith(html.unescape(r)) for label in labels) for r in rows)


@pytest.mark.parametrize("width", [760, 360])
def test_a_long_bar_label_wraps_between_words(width):
    from service.charts import bar_chart

    long = "Health associate professionals, in the widest possible sense of the words (balanced)"
    svg = str(bar_chart([(long, 1.0, None, None), ("Short", 0.5, None, None)], title="t",
                        description="d", width=width))  # fmt: skip
    assert _svg_labels(svg) == [long, "Short"]
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    assert len(lines) >= 2 and all(len(line) <= 44 for line in lines)
    assert " ".join(lines) == long  # broken between words, nothing lost
