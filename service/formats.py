"""Numbers, percentages and dates for people, in Finnish, Swedish or English (Babel, CLDR).

Finnish and Swedish group thousands with CLDR's no-break space and write a decimal comma
(``3 675``, ``11,2 %``). Negative numbers get a true minus sign, U+2212, in every language
(``−13 %``, en ``−13%``; Babel's patterns leave a hyphen, and CLDR's English keeps it): the
charts, the alert texts and the monthly review write it so (:mod:`forecasting.alerts.text`),
and an English page wrote ``-5`` in its table under a chart axis reading ``−25``.

Months are ``6/2026`` and days ``1.12.2026`` in every language (the Finnish conventions the
planners read; English pages keep them so a table reads the same whatever the language, and
the ``<time>`` element carries the ISO date).
Missing values (None, NaN) are an en dash.

>>> number(3675.0, "fi") == "3\\xa0675"
True
>>> percent(11.23, "fi", 1), percent(-13.0, "sv")
('11,2\\xa0%', '−13\\xa0%')
>>> mean(0.6, "fi"), mean(0.4, "fi"), ratio(0.6555, "fi")
('0,6', '0,4', '0,66')
>>> signed(150.2, "fi"), signed(-5, "fi"), signed(0.2, "fi")
('+150', '−5', '0')
>>> interval(2249.4, 3222.0, "fi"), interval(-86.1, 802.3, "fi")
('2\xa0249–3\xa0222', '−86 – 802')
>>> month_names("fi")[2], month_names("sv")[2], month_names("en")[2]
('maaliskuu', 'mars', 'March')
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from babel.dates import get_month_names
from babel.numbers import format_decimal

MISSING = "–"
#: The Babel locale of each page language (English with Finnish number conventions would be
#: ``en_FI``; plain ``en`` gives ``3,675`` and ``11.2 %``, what English readers expect).
LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en"}


def locale_of(lang: str) -> str:
    """The Babel locale of a page language (Finnish for anything unknown)."""
    return LOCALES.get(lang, LOCALES["fi"])


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


#: The minus sign of every language (CLDR's for fi and sv; English pages take it too).
MINUS = "\u2212"


def _minus(text: str, lang: str) -> str:
    """Babel's leading ``-`` as :data:`MINUS`."""
    return MINUS + text[1:] if text[:1] == "-" else text


def number(value: Any, lang: str, digits: int = 0) -> str:
    """``value`` with ``digits`` decimals and the locale's grouping (``3 675``, ``3,675``)."""
    if _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    # + 0.0: a value that rounds to zero is written 0, never −0
    text = format_decimal(round(float(value), digits) + 0.0, format=pattern, locale=locale_of(lang))
    return _minus(text, lang)


#: Decimals of a mean of monthly counts (persons, vacancies): one, whatever its size, so a
#: small occupation group's 0.6 unemployed is not shown as "1" beside 0.4 vacancies as "0".
MEAN_DIGITS = 1
#: Decimals of a ratio of two counts (vacancies per unemployed).
RATIO_DIGITS = 2


def mean(value: Any, lang: str) -> str:
    """A mean of monthly counts with :data:`MEAN_DIGITS` decimals (``0,6``; ``1 234,5``)."""
    return number(value, lang, MEAN_DIGITS)


def ratio(value: Any, lang: str) -> str:
    """A ratio of two counts with :data:`RATIO_DIGITS` decimals (``0,66``; en ``0.66``)."""
    return number(value, lang, RATIO_DIGITS)


def interval(lo: Any, hi: Any, lang: str, digits: int = 0) -> str:
    """A range of two numbers, ``2 249–3 222``; with a negative bound the dash is spaced,
    ``−86 – 802`` (``−86–802`` reads as one number or as "from −86 to −802"). A missing
    bound makes the whole range a dash."""
    if _missing(lo) or _missing(hi):
        return MISSING
    a, b = number(lo, lang, digits), number(hi, lang, digits)
    dash = " – " if a.startswith(MINUS) or b.startswith(MINUS) else "–"
    return f"{a}{dash}{b}"


def signed(value: Any, lang: str, digits: int = 0) -> str:
    """A change with its sign, ``+150``, ``−5``, ``0`` (a rise is not read as a level)."""
    text = number(value, lang, digits)
    return f"+{text}" if not _missing(value) and round(float(value), digits) > 0 else text


def percent(value: Any, lang: str, digits: int = 0, signed: bool = False) -> str:
    """A value already in per cent (``11.23`` -> ``11,2 %``; en ``11.2%``); ``signed``: a
    change, with ``+`` when it rises (``+4,3 %``)."""
    if _missing(value):
        return MISSING
    text = number(value, lang, digits)
    if signed and round(float(value), digits) > 0:
        text = "+" + text
    return text + ("\xa0%" if lang in ("fi", "sv") else "%")


def month(value: dt.date | None, lang: str = "fi") -> str:
    """A month ``6/2026`` (all languages)."""
    return MISSING if value is None else f"{value.month}/{value.year}"


def day(value: dt.date | None, lang: str = "fi") -> str:
    """A day ``1.12.2026`` (all languages)."""
    return MISSING if value is None else f"{value.day}.{value.month}.{value.year}"


def period(label: str | None, lang: str = "fi") -> str:
    """A data period label ``"YYYY-MM"`` as ``6/2026``, ``"YYYY"`` as is."""
    if not label:
        return MISSING
    if len(label) == 7 and label[4] == "-":
        return f"{int(label[5:])}/{label[:4]}"
    return label


def month_names(lang: str) -> list[str]:
    """The twelve months' names as a list reads them, January first (CLDR's stand-alone
    forms: ``tammikuu``, ``januari``, ``January``)."""
    names = get_month_names("wide", context="stand-alone", locale=locale_of(lang))
    return [str(names[m]) for m in range(1, 13)]
