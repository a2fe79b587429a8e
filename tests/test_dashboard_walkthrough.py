"""Defects a reader met walking through the dashboard (test release, fast, no browser):

* the start page's card showed "11,2 %" above the label "Työttömyysaste, %", the unit twice
  (and the table's column, whose cells carry "%" too): where the figure carries its unit,
  the label does not repeat it, in every language.
"""

from __future__ import annotations

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
