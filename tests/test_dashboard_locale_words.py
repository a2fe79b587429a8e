"""Per cent signs and the register keeper's name as each language writes them.

Read in English, one page wrote a rate "11.2%" (Babel's ``en`` percent, as
:func:`service.formats.percent` gives it) beside "80 % interval" and "90 % range" typed into
the page's texts; Finnish and Swedish write "80 %" (a space before the sign, CLDR's fi and sv
percent pattern). The English footer and downloads named the register keeper in Finnish,
"KEHA-keskus", where the Swedish ones said "KEHA-centret": English says "the KEHA Centre".
Checked on the texts themselves (every table of words a page or a download takes) and on
the rendered pages; the review file is named in its own language.
"""

from __future__ import annotations

import html
import io
import re

import pytest

from forecasting.report.labels import TEXT as REVIEW_TEXT
from forecasting.scenarios.presets import DESCRIPTIONS
from service.formats import percent
from service.i18n import texts
from service.i18n_columns import column_label
from tests.service_data import DASHBOARD_PAGES

pytest_plugins = ["tests.service_fixtures"]

#: A number or a placeholder, a space (plain or no-break) and a per cent sign: "80 %", "{p} %".
SPACED = re.compile(r"(\d|\})[ \xa0\u202f]%")
#: A number or a placeholder directly before a per cent sign: "80%", "{p}%".
UNSPACED = re.compile(r"(\d|\})%")


def _method_notes(lang: str) -> list[str]:
    """The products' method notes the pages and the workbooks quote."""
    from forecasting.demand import method_notes
    from forecasting.demography.balance import method_notes as balance_notes
    from forecasting.training_balance import METHOD_NOTES

    key = f"method_note_{lang}"
    return [
        METHOD_NOTES[lang],
        method_notes("demography-2019.1")[key],
        balance_notes(2017, 0.03, 0.07)[key],
    ]


def _words(lang: str) -> list[str]:
    """Every text a page or a download in ``lang`` takes from the tables of words."""
    columns = ("lo80", "hi80", "lo95", "hi95", "coverage80", "coverage95", "msis80", "msis95")
    return [
        *(v for v in texts(lang).values() if isinstance(v, str)),
        *REVIEW_TEXT[lang].values(),
        *(column_label(name, lang) for name in columns),
        *(words[lang] for words in DESCRIPTIONS.values()),
        *_method_notes(lang),
    ]


def test_english_texts_write_per_cent_as_the_english_numbers_do():
    assert percent(80, "en") == "80%"  # the formatter, CLDR's en pattern
    spaced = [w for w in _words("en") if SPACED.search(w)]
    assert spaced == []


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_finnish_and_swedish_texts_keep_the_space_before_the_sign(lang):
    assert percent(80, lang) == "80\xa0%"
    unspaced = [w for w in _words(lang) if UNSPACED.search(w)]
    assert unspaced == []


def test_the_words_checked_include_the_slips_found():
    """The tourism preset's "70 % of them are then recalled" and the jobs page's "3 %
    frictional unemployment" were English slips: the checks above read both."""
    english = _words("en")
    assert any("70% of them" in w for w in english)
    assert any("3% frictional" in w for w in english)


def _text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.parametrize("path", DASHBOARD_PAGES)
def test_each_page_writes_per_cent_and_the_source_in_its_language(web, path):
    sep = "&" if "?" in path else "?"
    english = _text(web.get(f"{path}{sep}lang=en").text)
    assert SPACED.findall(english) == [], [m.group(0) for m in SPACED.finditer(english)]
    assert "KEHA-keskus" not in english and "the KEHA Centre" in english
    for lang, name in (("fi", "KEHA-keskus"), ("sv", "KEHA-centret")):
        page = _text(web.get(f"{path}{sep}lang={lang}").text)
        assert UNSPACED.findall(page) == [], (lang, [m.group(0) for m in UNSPACED.finditer(page)])
        assert name in page


#: A month written as the API writes it, ``2023-10`` (not inside a longer date or range).
ISO_MONTH = re.compile(r"(?<![\d-])(19|20)\d\d-\d\d(?![\d-])")


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
@pytest.mark.parametrize("path", DASHBOARD_PAGES)
def test_each_page_writes_its_months_as_its_tables_do(web, path, lang):
    """The English occupations page's note said "up to 2023-10 ... from 2026-06" under a
    caption and a table that wrote 10/2023 and 6/2026 (its Finnish and Swedish notes did
    not): every page writes a month M/YYYY (:func:`service.formats.month`)."""
    sep = "&" if "?" in path else "?"
    text = _text(web.get(f"{path}{sep}lang={lang}").text)
    assert [m.group(0) for m in ISO_MONTH.finditer(text)] == []


def test_the_english_review_says_per_cent_and_the_source_in_english(web):
    r = web.get("/v1/reports/monthly", params={"area": "TA23", "format": "html", "lang": "en",
                                               "month": "2026-05"})  # fmt: skip
    assert r.headers["x-review-source"] == "rendered"  # today's words, not a stored file
    text = _text(r.text)
    assert "80% interval" in text and SPACED.findall(text) == []
    assert "the KEHA Centre" in text and "KEHA-keskus" not in text


@pytest.mark.parametrize(
    ("lang", "stem"),
    [
        ("fi", "tyomarkkinakatsaus"),
        ("sv", "arbetsmarknadsoversikt"),
        ("en", "labour_market_review"),
    ],
)
def test_the_review_file_is_named_in_its_language(web, lang, stem):
    r = web.get("/v1/reports/monthly", params={"area": "TA23", "format": "html", "lang": lang})
    assert f'filename="{stem}_TA23_' in r.headers["content-disposition"]


def test_an_english_workbook_writes_shares_and_headings_the_english_way(web):
    """The training needs' replacement share was formatted "96.2 %" in an English workbook;
    its interval headings read "80 % interval, lower bound"."""
    from openpyxl import load_workbook

    r = web.get("/v1/training-needs", params={"area": "TA23", "format": "xlsx", "lang": "en"})
    book = load_workbook(io.BytesIO(r.content))
    data = book.worksheets[0]
    heading = [c.value for c in next(data.iter_rows(max_row=1))]
    assert "80% interval, lower bound" in heading
    share = heading.index("Replacement share")
    assert {row[share].number_format for row in data.iter_rows(min_row=2)} == {"0.0%"}
    sources = {row[2]: row[1] for row in book.worksheets[2].iter_rows(values_only=True)}
    assert "the KEHA Centre" in sources["source"]
