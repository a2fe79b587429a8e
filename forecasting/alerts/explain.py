"""Explanations attached to every alert: what happened and why it matters in Finnish, Swedish
and English with the numbers formatted for people, the raw numbers and the main contributions.

The year-on-year change of a monthly series is decomposed with STL (statsmodels, robust,
period 12) into trend, seasonal and irregular parts; registered events in the area are listed
with their share of the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from forecasting import geography
from forecasting.alerts.registry import LANGS, registered


def subject_label(rule: str, subject: str, lang: str) -> str:
    """What an alert is about within its area, in words, for the rules whose texts do not
    say it: an occupation group by code and name ("32 Terveydenhuollon asiantuntijat");
    "" otherwise (a stale source is named by its detail)."""
    if not subject or not rule.startswith("occupation"):
        return ""
    from forecasting.classifications import label
    from forecasting.errors import ValidationError

    try:
        name = label("occupation", subject, lang)
    except ValidationError:  # a group the classification does not know keeps its code
        return subject
    return f"{subject} {name}" if name and name != subject else subject


def texts(rule: str, numbers: Mapping[str, Any], lang: str, subject: str = "") -> dict[str, str]:
    """The rule's plain-language texts in ``lang``: ``title`` (what happened, with the
    ``subject`` in words where the rule's texts do not name it: :func:`subject_label`),
    ``why`` (why it matters), ``detail`` (the numbers, formatted for people: 3 675; 11,2 %;
    −13 %) and ``text`` (the three as one paragraph). An unregistered rule says so in words,
    never a raw name."""
    entry = registered().get(rule)
    if entry is None:
        generic = {"fi": "Hälytys", "sv": "Varning", "en": "Alert"}[lang]
        return {"title": generic, "why": "", "detail": "", "text": generic}
    detail = entry.detail(numbers, lang) if entry.detail is not None else ""
    title, why = entry.title[lang], entry.why[lang]
    about = subject_label(rule, subject, lang)
    title = f"{title} ({about})" if about else title
    return {
        "title": title,
        "why": why,
        "detail": detail,
        "text": " ".join(part for part in (f"{title}.", detail, why) if part),
    }


def decompose_change(series: pd.Series, month: pd.Timestamp) -> dict[str, float]:
    """Split the 12-month change of ``series`` at ``month`` into trend, seasonal and irregular.

    Parameters
    ----------
    series
        Monthly values indexed by month start, at least 36 months up to ``month``.

    Returns
    -------
    dict with ``change`` (persons), ``trend``, ``seasonal``, ``irregular`` (persons, summing
    to ``change``).
    """
    s = series.loc[:month].dropna()
    if len(s) < 37:
        return {}
    from statsmodels.tsa.seasonal import STL  # ~0.9 s to import: only when decomposing

    fit = STL(s.to_numpy(dtype=float), period=12, robust=True).fit()
    parts = {"trend": fit.trend, "seasonal": fit.seasonal, "irregular": fit.resid}
    out = {name: float(v[-1] - v[-13]) for name, v in parts.items()}
    out["change"] = float(s.iloc[-1] - s.iloc[-13])
    return out


def explain(
    rule: str,
    area: str,
    month: pd.Timestamp,
    numbers: dict[str, Any],
    *,
    series: pd.Series | None = None,
    events: pd.DataFrame | None = None,
    impacts: Mapping[int, dict[str, Any]] | None = None,
    subject: str = "",
) -> dict[str, Any]:
    """The explanation stored with an alert and shown to leadership (fi, sv and en); an
    occupation group's alert names its ``subject`` (:func:`subject_label`).

    ``summary_<lang>`` is what happened in plain words with the area's name, ``text_<lang>``
    adds the numbers and why it matters (:func:`texts`); ``numbers`` keeps the raw values for
    the API.

    Contributions: the STL decomposition of the 12-month change of ``series`` when given;
    otherwise the rule's own parts from ``numbers`` (``contribution_*`` of the working-age
    change by age band, ``*_change_12m`` of vacancies and unemployed behind a tightness).
    Each listed event carries its simulated impact from ``impacts`` (by event id) or why
    there is none.
    """
    clean = {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in numbers.items()
    }
    out: dict[str, Any] = {"rule": rule, "area": area, "month": str(month.date())}
    entry = registered().get(rule)
    for lang in LANGS:
        name = geography.area_name(area, lang)
        parts = texts(rule, clean, lang, subject)
        out[f"summary_{lang}"] = f"{name}: {parts['title']}"
        out[f"text_{lang}"] = f"{name} {month.month}/{month.year}: {parts['text']}"
    out["rule_version"] = entry.version if entry is not None else None
    out["numbers"] = clean
    if series is not None:
        decomposition = decompose_change(series, month)
        if decomposition:
            out["contributions"] = decomposition
    else:
        parts = {
            k: v
            for k, v in clean.items()
            if (k.startswith("contribution_") or k.endswith("_change_12m")) and v is not None
        }
        if parts:
            out["contributions"] = parts
    if events is not None and len(events):
        local = events[events["municipality"] == area]
        out["events"] = [
            {
                "employer": str(e["employer"]),
                "kind": str(e["kind"]),
                "jobs": int(e["jobs"]),
                "announced": str(e["announced"])[:10],
                **_impact(e, impacts),
            }
            for e in local.to_dict("records")
        ]
    return out


def _impact(event: Mapping[str, Any], impacts: Mapping[int, dict[str, Any]] | None) -> dict:
    """The event's simulated impact, or an empty dict when it was not a tiered event."""
    if impacts is None or event.get("id") is None:
        return {}
    found = impacts.get(int(event["id"]))
    return {"simulated_impact": found} if found is not None else {}
