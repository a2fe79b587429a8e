"""Numbers formatted for people in Finnish, Swedish and English (Babel's CLDR data).

``3 675`` (fi, sv: a no-break space groups thousands; en ``3,675``), ``11,2 %`` and signed
changes with a true minus sign (``−13 %``, ``+4 %``). NaN and None become ``–``.
"""

from __future__ import annotations

import math
from typing import Any

from babel.numbers import format_decimal, format_percent

MINUS = "\u2212"
LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}


def _ok(value: Any) -> bool:
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


def _minus(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def number(value: Any, lang: str, digits: int = 0) -> str:
    """A count or level: ``3 675``; ``digits`` decimals (``1,5``)."""
    if not _ok(value):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return _minus(format_decimal(round(float(value), digits), pattern, locale=LOCALES[lang]))


def percent(share: Any, lang: str, digits: int = 1) -> str:
    """A level as a percentage: 0.112 -> ``11,2 %``."""
    if not _ok(share):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    if lang == "en":
        pattern = pattern.replace(" %", "%")
    return _minus(format_percent(float(share), pattern, locale=LOCALES[lang]))


def change(share: Any, lang: str, digits: int = 0) -> str:
    """A signed relative change: -0.134 -> ``−13 %``, 0.04 -> ``+4 %``."""
    if not _ok(share):
        return "–"
    text = percent(share, lang, digits)
    return text if text.startswith(MINUS) or float(share) == 0 else "+" + text


def signed(value: Any, lang: str, digits: int = 0) -> str:
    """A signed count: -178 -> ``−178``, 52 -> ``+52``."""
    if not _ok(value):
        return "–"
    text = number(value, lang, digits)
    return text if text.startswith(MINUS) or float(value) == 0 else "+" + text
