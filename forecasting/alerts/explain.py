"""Explanations attached to every alert: the rule, the numbers and the main contributions.

The year-on-year change of a monthly series is decomposed with STL (statsmodels, robust,
period 12) into trend, seasonal and irregular parts; registered events in the area are listed
with their share of the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL

RULE_TEXT = {
    "seasonal_rise": (
        "Työttömien määrä nousi poikkeuksellisesti kausivaihteluun nähden",
        "Unemployed rose unusually against the seasonal norm",
    ),
    "rate_threshold": (
        "Työttömyysaste todennäköisesti ylittää kynnyksen 12 kuukauden sisällä",
        "The unemployment rate is likely to exceed the threshold within 12 months",
    ),
    "structural_break": (
        "Sarjassa on rakenteellinen muutos",
        "A structural break in the series",
    ),
    "event_tier": (
        "Ilmoitettu rakennemuutostapahtuma suhteessa työvoimaan",
        "A registered restructuring event relative to the labour force",
    ),
    "working_age_decline": (
        "Työikäinen väestö vähenee",
        "The working-age population is falling",
    ),
    "clients_per_expert": (
        "Asiakkaita työllisyysasiantuntijaa kohden yli tavoitteen",
        "Clients per employment expert above the target",
    ),
    "occupation_shortage": (
        "Ammattiryhmä kääntyi ylitarjonnasta pulaan",
        "An occupation group turned from surplus to shortage",
    ),
    "stale_data": ("Aineisto on vanhentunut", "The data is stale"),
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
) -> dict[str, Any]:
    """The explanation stored with an alert and shown to leadership (fi and en).

    Contributions: the STL decomposition of the 12-month change of ``series`` when given;
    otherwise the rule's own parts from ``numbers`` (``contribution_*`` of the working-age
    change by age band, ``*_change_12m`` of vacancies and unemployed behind a tightness).
    Each listed event carries its simulated impact from ``impacts`` (by event id) or why
    there is none.
    """
    fi, en = RULE_TEXT.get(rule, (rule, rule))
    clean = {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in numbers.items()
    }
    out: dict[str, Any] = {
        "rule": rule,
        "area": area,
        "month": str(month.date()),
        "summary_fi": fi,
        "summary_en": en,
        "numbers": clean,
    }
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
