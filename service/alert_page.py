"""The dashboard's alerts page: plain-language alerts, filtered and ordered for leadership.

Each alert is shown as its explanation in the page's language (what happened, the numbers
formatted for people, why it matters: :func:`forecasting.alerts.explain.texts`), most severe
first and newest first within a severity, with a link to its chart on the forecasts page
(the area and the register series the rule watches). Filters (area, rule, severity) are plain
GET query parameters, so the page works without JavaScript.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from forecasting.alerts.registry import SEVERITY_LEVELS, display_order, registered

SEVERITY_ORDER = ("critical", "warning", "info")
#: The anchor of the chart on the forecasts page.
CHART_ANCHOR = "chart"


def rule_title(rule: str, lang: str) -> str:
    """What the rule watches, in words (the registered title); an unknown rule its name."""
    entry = registered().get(rule)
    return entry.title[lang] if entry is not None else rule


#: Rules about something else than a register series: the page that charts it. The working-
#: age decline ("15-64: 2 451, in 5 years 2 195") opens the labour page, whose table gives the
#: working-age population every five years (the population page opens on one year's pyramid,
#: where no decline can be read).
RULE_PAGES = {"working_age_decline": "/labour", "occupation_shortage": "/occupations"}


#: A stale source (``stale_data``'s ``source``) other than the registers: the page showing it.
SOURCE_PAGES = {"occupations": "/occupations", "population_totals": "/population"}


def chart_url(
    area: str, rule: str, lang: str, variables: Sequence[str], source: str | None = None
) -> str:
    """The page charting what the alert is about, at the chart: the labour page for the
    working-age decline, the occupations page for an occupation's shortage or for stale
    occupation statistics (``source``, :data:`SOURCE_PAGES`), else the forecasts page of the
    alert's area and series.

    The series is the rule's registered ``series`` when the release forecasts it, else
    ``unemployed`` (every release forecasts it).
    """
    page = RULE_PAGES.get(rule) or (
        SOURCE_PAGES.get(source or "") if rule == "stale_data" else None
    )
    if page is not None:
        return f"{page}?{urlencode({'lang': lang, 'area': area})}#{CHART_ANCHOR}"
    entry = registered().get(rule)
    series = entry.series if entry is not None and entry.series else "unemployed"
    variable = series if series in variables else "unemployed"
    query = urlencode({"lang": lang, "area": area, "variable": variable})
    return f"/forecasts?{query}#{CHART_ANCHOR}"


def _when(detail: Any) -> dt.date:
    return detail.fired_at or detail.first_seen or detail.last_evaluated or dt.date.min


def alert_item(detail: Any, lang: str, variables: Sequence[str]) -> dict[str, Any]:
    """One alert for the page: ``text`` (the plain-language explanation), ``summary``,
    ``rule_title``, ``chart_url`` and the stored alert's fields."""
    from forecasting.alerts.explain import texts as rule_texts  # statsmodels: load on use
    from service.labels import area_name

    explanation: Mapping[str, Any] = detail.explanation or {}
    numbers = explanation.get("numbers") or {}
    parts = rule_texts(detail.rule, numbers, lang, subject(detail))
    summary = (
        f"{area_name(detail.area, lang)}: {parts['title']}"  # the subject in words as well
        if registered().get(detail.rule) is not None
        else explanation.get(f"summary_{lang}") or _summary(detail, parts["title"], lang)
    )
    return {
        **detail.model_dump(),
        "summary": summary,
        "text": _text(detail, explanation, parts, lang),
        "rule_title": rule_title(detail.rule, lang),
        "chart_url": chart_url(
            detail.area, detail.rule, lang, variables, str(numbers.get("source") or "")
        ),
        "when": _when(detail),
        "events": explanation.get("events", []),
    }


def _text(detail: Any, explanation: Mapping[str, Any], parts: Mapping[str, str], lang: str) -> str:
    """The alert's paragraph, written now from its stored numbers with the rule's current
    wording (``<area> <month>: <title>. <numbers>. <why>``, as
    :func:`forecasting.alerts.explain.explain` stores it), so an alert stored before a rule's
    text was improved reads like a new one; without numbers or month, the stored text."""
    from service.labels import area_name

    month = str(explanation.get("month") or "")
    if registered().get(detail.rule) is not None and "numbers" in explanation and month[:7]:
        with contextlib.suppress(ValueError):
            when = dt.date.fromisoformat(month[:10])
            return f"{area_name(detail.area, lang)} {when.month}/{when.year}: {parts['text']}"
    stored = explanation.get(f"text_{lang}")
    if stored:
        return str(stored)
    # Without numbers (a pending alert stores none yet) the rule's numbers would read "–".
    shown = (parts["detail"], parts["why"]) if explanation.get("numbers") else (parts["why"],)
    return " ".join(p for p in shown if p)


def subject(detail: Any) -> str:
    """What the alert is about within its area (an occupation group's code), from the stored
    title ``<rule> (<subject>): <area name> (<area>)``; "" when it has none."""
    title = str(getattr(detail, "title", "") or "")  # a stored alert without one has none
    found = re.match(rf"{re.escape(detail.rule)} \((.+?)\): ", title)
    return found.group(1) if found else ""


def summary_of(alert: Any, lang: str) -> str:
    """An alert in words in ``lang`` (the API's ``summary``): "Etelä-Savo: Ammattiryhmä
    kääntyi ylitarjonnasta työvoimapulaan (32 Terveydenhuollon asiantuntijat)"."""
    return _summary(alert, rule_title(alert.rule, lang), lang)


def _summary(detail: Any, title: str, lang: str) -> str:
    """``<area name>: <rule title>`` with the subject's name, for an alert stored without an
    explanation (a pending one): "Etelä-Savo: ... (32 Terveydenhuollon asiantuntijat)"."""
    from service.labels import area_name, label_map

    text = f"{area_name(detail.area, lang)}: {title}"
    code = subject(detail)
    if not code:
        return text
    names = (label_map("occupation", lang) or {}) if detail.rule.startswith("occupation") else {}
    return f"{text} ({code} {names[code]})" if code in names else f"{text} ({code})"


def ordered(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Most severe first; within a severity the newest first (then area, for a stable page):
    the order of the monthly review too (:func:`forecasting.alerts.registry.display_order`)."""
    return sorted(
        items,
        key=lambda a: display_order(
            SEVERITY_LEVELS.get(a["severity"], 0), a["when"], a["area"], a["rule"]
        ),
    )


def filter_choices(alerts: Sequence[Any], names: Mapping[str, str], lang: str) -> dict[str, Any]:
    """The options of the page's filters: the areas and rules that have alerts (``alerts``
    with ``area`` and ``rule``), every severity."""
    areas = sorted({a.area for a in alerts}, key=lambda a: names.get(a, a))
    rules = sorted({(a.rule, rule_title(a.rule, lang)) for a in alerts}, key=lambda r: r[1])
    return {
        "areas": [(a, names.get(a, a)) for a in areas],
        "rules": rules,
        "severities": list(SEVERITY_ORDER),
    }
