"""The vacancies-per-unemployed tightness label of an occupation group (numpy only).

One rule for the occupations product (:mod:`forecasting.register_occupations`), its alert and
the service's pages, in a module of its own so the service does not import the forecasting
engine to label a row.
"""

from __future__ import annotations

import numpy as np

SHORTAGE_AT = 1.0  # at least one open vacancy per unemployed jobseeker
SURPLUS_BELOW = 0.2  # five or more unemployed jobseekers per open vacancy
MIN_VOLUME = 10.0  # mean unemployed + vacancies a month below which no label is given


def tightness_labels(vacancies: np.ndarray, unemployed: np.ndarray) -> np.ndarray:
    """``shortage`` / ``balanced`` / ``surplus`` from vacancies per unemployed over the horizon.

    Inputs are point forecasts ``(n, h)``; the ratio is of the horizon's sums. Groups with
    fewer than ``MIN_VOLUME`` jobseekers plus vacancies a month get ``too small``. Registered
    vacancies are only part of all vacancies, so "shortage" is a conservative call.
    """
    ratio = vacancies.sum(axis=1) / np.maximum(unemployed.sum(axis=1), 1.0)
    volume = (vacancies + unemployed).mean(axis=1)
    labels = np.where(
        ratio >= SHORTAGE_AT, "shortage", np.where(ratio < SURPLUS_BELOW, "surplus", "balanced")
    )
    return np.where(volume < MIN_VOLUME, "too small", labels).astype(object)
