"""Scoring fired alert episodes against the labelled onsets (``docs/results/alert_episodes.csv``).

Inputs are two frames: the replay's episodes (``area, rule, severity, start, end``, the
``ennakointi alerts replay`` contract) and the labelled onsets (``area, onset, turn``,
``ennakointi alerts episodes``, :func:`forecasting.alerts.replay.labelled_onsets`). Months are
``YYYY-MM`` text in both.

Definitions (fixed before looking at the results, the same for every rule):

- An episode *detects* an onset at ``k`` months when it is firing in some month from 3 months
  before the onset to ``k`` months after it and began at most 12 months before the onset (an
  alert left over from an earlier rise does not count). Lead time = onset minus the start of
  the earliest detecting episode (positive: the alert came first).
- An episode is *right* (precision) when it starts inside a labelled episode of its area,
  from 6 months before the onset (a leading rule may fire first) to the turn (the data end
  when there is no turn yet).
- A *false alarm* is a wrong warning+ episode; per municipality-year in the calm years
  2016-2019.

Evaluation years (never used to tune): onsets in 2008-2009 and 2020, episodes starting in
2016-2019 (calm) and in 2008-2009 and 2020. Tuning years: episodes starting in 2010-2015 and
2021-2023.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
LEAD_MONTHS = 6  # precision: an episode may start this long before a labelled onset
EARLY_MONTHS = 3  # recall: firing from this many months before the onset counts
STALE_MONTHS = 12  # recall: an episode begun longer before the onset does not count
EVAL_YEARS = frozenset({2008, 2009, 2016, 2017, 2018, 2019, 2020})
TUNE_YEARS = frozenset({2010, 2011, 2012, 2013, 2014, 2015, 2021, 2022, 2023})
CALM_YEARS = (2016, 2019)


def _index(text: pd.Series, default: str) -> np.ndarray:
    """``YYYY-MM`` text as a month number (year * 12 + month - 1); empty -> ``default``."""
    t = text.fillna("").astype(str).replace("", default)
    return np.array([int(s[:4]) * 12 + int(s[5:7]) - 1 for s in t], dtype=int)


@dataclass(frozen=True)
class Scored:
    """Per-episode and per-onset results of one scoring."""

    episodes: pd.DataFrame  # + ``s`` (start index), ``year``, ``right``
    onsets: pd.DataFrame  # + ``o`` (onset index), ``year``, ``lag`` per rule (NaN: missed)


def prepare(
    episodes: pd.DataFrame, labels: pd.DataFrame, areas: set[str], data_end: str = "2023-10"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Warning+ episodes and labelled onsets of ``areas`` with month indices."""
    ep = episodes[episodes["area"].isin(areas)].copy()
    ep = ep[ep["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK["warning"]]
    ep["s"] = _index(ep["start"], data_end)
    ep["e"] = _index(ep["end"], "2999-12")  # open episodes fire on
    ep["year"] = ep["s"] // 12
    lab = labels[labels["area"].isin(areas)].copy()
    lab["o"] = _index(lab["onset"], data_end)
    lab["t"] = _index(lab["turn"], data_end)
    lab["year"] = lab["o"] // 12
    return ep.reset_index(drop=True), lab.reset_index(drop=True)


def score(episodes: pd.DataFrame, labels: pd.DataFrame, rules: tuple[str, ...]) -> Scored:
    """Mark each episode right or wrong and each onset's detection lag per rule (and ``any``:
    the union of ``rules``). ``episodes`` and ``labels`` as returned by :func:`prepare`."""
    windows = {a: g[["o", "t"]].to_numpy() for a, g in labels.groupby("area")}
    right = []
    for area, s in zip(episodes["area"], episodes["s"], strict=True):
        w = windows.get(area)
        right.append(bool(w is not None and ((w[:, 0] - LEAD_MONTHS <= s) & (s <= w[:, 1])).any()))
    ep = episodes.assign(right=right)
    by_area = {(a, r): g[["s", "e"]].to_numpy() for (a, r), g in ep.groupby(["area", "rule"])}
    lab = labels.copy()
    for rule in (*rules, "any"):
        names = rules if rule == "any" else (rule,)
        lags = []
        for area, o in zip(lab["area"], lab["o"], strict=True):
            spans = [by_area[(area, r)] for r in names if (area, r) in by_area]
            best = np.nan
            for s, e in np.concatenate(spans) if spans else np.empty((0, 2), int):
                if s < o - STALE_MONTHS or e <= o - EARLY_MONTHS:
                    continue  # too old, or over before the onset window
                lag = max(s - o, -EARLY_MONTHS)  # firing from the window's first month
                best = lag if np.isnan(best) else min(best, lag)
            lags.append(best)
        lab[f"lag_{rule}"] = lags
        lab[f"lead_{rule}"] = [
            _lead(area, o, names, by_area) for area, o in zip(lab["area"], lab["o"], strict=True)
        ]
    return Scored(ep, lab)


def _lead(area: str, o: int, names: tuple[str, ...], by_area: dict) -> float:
    """Onset minus the earliest start of an episode firing within the onset window."""
    starts = [
        s
        for r in names
        for s, e in by_area.get((area, r), np.empty((0, 2), int))
        if o - STALE_MONTHS <= s <= o + 2 and e > o - EARLY_MONTHS
    ]
    return float(o - min(starts)) if starts else np.nan


def recall(onsets: pd.DataFrame, rule: str, k: int) -> tuple[int, int]:
    """(detected within ``k`` months, onsets)."""
    lag = onsets[f"lag_{rule}"]
    return int((lag <= k).sum()), len(onsets)


def false_alarms(episodes: pd.DataFrame, n_areas: int) -> tuple[int, float]:
    """Wrong episodes starting in the calm years, and per area-year."""
    lo, hi = CALM_YEARS
    calm = episodes[(episodes["year"] >= lo) & (episodes["year"] <= hi) & ~episodes["right"]]
    return len(calm), len(calm) / (n_areas * (hi - lo + 1))
