"""One word per severity wherever an alert reaches a reader: the dashboard, the monthly
review, the API's ``severity_name`` and the alert e-mails and webhooks.

The review used to call an info alert "tiedoksi" where the dashboard said "tiedote"; every
place now reads :data:`forecasting.alerts.registry.SEVERITY_WORDS`.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from forecasting.alerts.engine import _digest, _message
from forecasting.alerts.lifecycle import Transition
from forecasting.alerts.registry import LANGS, SEVERITY_LEVELS, SEVERITY_WORDS, severity_word
from forecasting.report import monthly_review, render_html, render_pdf
from forecasting.report.labels import LANGS as REVIEW_LANGS
from forecasting.report.labels import words
from service.i18n import UI_LANGS, texts

#: The dashboard's words (fi, sv, en), as the alerts page has shown them.
DASHBOARD = {
    "info": ("tiedote", "meddelande", "info"),
    "warning": ("varoitus", "varning", "warning"),
    "critical": ("kriittinen", "kritisk", "critical"),
}


def test_the_words_are_the_dashboard_s() -> None:
    for name, by_lang in DASHBOARD.items():
        assert tuple(SEVERITY_WORDS[name][lang] for lang in ("fi", "sv", "en")) == by_lang


@pytest.mark.parametrize("lang", UI_LANGS)
def test_the_dashboard_prints_the_one_word(lang: str) -> None:
    for name in SEVERITY_WORDS:
        assert texts(lang)[name] == severity_word(name, lang)


@pytest.mark.parametrize("lang", REVIEW_LANGS)
def test_the_review_prints_the_one_word(cubes, lang: str) -> None:
    """An info, a warning and a critical alert in the review (HTML and PDF) read as the
    dashboard writes them; no other word for a severity ("tiedoksi")."""
    from pypdf import PdfReader

    for name, level in SEVERITY_LEVELS.items():
        assert words(lang)[f"sev_{level}"] == severity_word(name, lang)
    severity = np.array([[[1.0, 3.0]], [[np.nan, 2.0]]])
    alerts = xr.Dataset(
        {"severity": (("area", "time", "rule"), severity)},
        coords={"area": ["491", "507"], "time": [pd.Timestamp("2026-06-01")],
                "rule": ["rate_threshold", "structural_break"]},
    )  # fmt: skip
    review = monthly_review(cubes["registers"], "TA23", "2026-06", alerts=alerts,
                            today=dt.date(2026, 7, 1))  # fmt: skip
    page = render_html(review, lang)
    cells = re.findall(r'<td class="sev-(\d)">([^<]+)</td>', page)
    assert sorted(cells) == [(str(v), severity_word(v, lang)) for v in (1, 2, 3)]
    assert "tiedoksi" not in page
    import io

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(review, lang))).pages)
    for level in (1, 2, 3):
        assert severity_word(level, lang) in text


def test_the_api_names_the_severity_in_the_request_s_language() -> None:
    from service.routers.alerts import _named
    from service.schemas import AlertOut

    for name in SEVERITY_WORDS:
        alert = AlertOut.model_validate(
            {"id": 1, "rule": "seasonal_rise", "rule_version": "2", "area": "491",
             "severity": name, "state": "firing", "title": "seasonal_rise: Mikkeli (491)",
             "episode": 1}
        )  # fmt: skip
        for lang in LANGS:
            assert _named(alert, lang).severity_name == severity_word(name, lang)


@given(severity=st.sampled_from(sorted(SEVERITY_LEVELS.values())), fired=st.booleans())
def test_messages_and_digests_print_the_one_word(severity: int, fired: bool) -> None:
    """The immediate message (e-mail, Teams, Slack, webhook) and the digest tag the alert
    with the dashboard's Finnish word (the language of their explanations), title and facts
    alike; no code word for a severity."""
    tr = Transition("seasonal_rise:491", "491", "seasonal_rise", dt.date(2026, 6, 1),
                    "pending", "firing", severity, 1, {"z": 3.1})  # fmt: skip
    explanation = {"summary_fi": "Mikkeli: Työttömien määrä nousi", "text_fi": "Selitys."}
    word = severity_word(severity, "fi")
    message = _message(tr, explanation if fired else None)
    assert message["title"].startswith(f"[{word.upper()}] ")
    assert message["facts"]["severity"] == word
    digest = _digest([tr], {(tr.key, 1, tr.month): explanation})
    assert digest["text"].startswith(f"[{word.upper()}] Mikkeli: Työttömien määrä nousi")
    english = {"INFO", "WARNING", "CRITICAL"} - {word.upper()}
    assert not any(w in message["title"] + digest["text"] for w in english)


def test_a_digest_and_an_unexplained_message_are_finnish_throughout() -> None:
    """The messages' explanations are Finnish; their frame was English ("Ennakointi digest
    2026-06: 1 new, 1 cleared", "[CLEARED] seasonal_rise: 491", "Alert seasonal_rise:491
    firing in 2026-06", "Source: Statistics Finland"). Now the frame is Finnish too and a
    cleared or unexplained alert names its area and rule in words, not by code."""
    fired = Transition("seasonal_rise:491", "491", "seasonal_rise", dt.date(2026, 6, 1),
                       "pending", "firing", 2, 1, {"z": 3.1})  # fmt: skip
    cleared = Transition("rate_threshold:507", "507", "rate_threshold", dt.date(2026, 6, 1),
                         "firing", "resolved", 1, 1, {})  # fmt: skip
    digest = _digest([fired, cleared], {})
    assert digest["title"] == "Ennakointi, hälytysten koonti 2026-06: 1 uutta, 1 päättynyttä"
    first, last = digest["text"].splitlines()
    assert first.startswith("[VAROITUS] Mikkeli (491): ")
    assert last.startswith("[PÄÄTTYNYT] Mäntyharju (507): ") and last.endswith("(2026-06)")
    message = _message(fired)
    assert message["title"].startswith("[VAROITUS] Mikkeli (491): ")
    assert message["text"] == f"{message['title'][len('[VAROITUS] ') :]}: hälytys voimassa 06/2026."
    for text in (digest["title"], digest["text"], digest["footer"], message["text"]):
        for code in ("seasonal_rise", "rate_threshold", "digest", "cleared", "Alert", "Source"):
            assert code not in text
    assert digest["footer"].startswith("Lähde: Tilastokeskus")
