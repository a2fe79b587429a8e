"""Displaced workers' likely retraining needs, by field of education (kept simple).

Who: members of the displaced cohort still unemployed six months after the first direct
event (change-security training, muutosturva, is offered to the dismissed; after half a year
a change of field becomes likely). Into what: half of them upskill in the field of their own
industry, half retrain towards the area's demand, i.e. the fields of the industries with open
vacancies in that month. Industries map to the broad fields of education (Koulutusluokitus
2016 = ISCED-F 2013) through the key below: the fields that typically staff the industry, an
assumption to be replaced by the project's occupation-based key when it is stable.
"""

from __future__ import annotations

import numpy as np

#: Months after the first direct event at which the still unemployed are counted.
RETRAIN_AFTER_MONTHS = 6
#: Share of retraining within the field of the own industry (the rest follows demand).
OWN_FIELD_SHARE = 0.5
FIELDS = ("00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10")
#: TOL 2008 section -> broad field of education shares (each row sums to 1).
INDUSTRY_FIELDS: dict[str, dict[str, float]] = {
    "A": {"08": 0.8, "07": 0.1, "04": 0.1},
    "B": {"07": 0.8, "04": 0.2},
    "C": {"07": 0.8, "04": 0.15, "06": 0.05},
    "D": {"07": 0.8, "04": 0.2},
    "E": {"07": 0.7, "10": 0.2, "04": 0.1},
    "F": {"07": 0.9, "04": 0.1},
    "G": {"04": 0.7, "07": 0.2, "10": 0.1},
    "H": {"10": 0.6, "07": 0.2, "04": 0.2},
    "I": {"10": 0.8, "04": 0.2},
    "J": {"06": 0.6, "02": 0.2, "04": 0.2},
    "K": {"04": 0.9, "06": 0.1},
    "L": {"04": 0.7, "07": 0.3},
    "M": {"04": 0.4, "07": 0.4, "05": 0.1, "03": 0.1},
    "N": {"10": 0.5, "04": 0.3, "07": 0.2},
    "O": {"04": 0.5, "10": 0.3, "03": 0.2},
    "P": {"01": 0.7, "02": 0.2, "03": 0.1},
    "Q": {"09": 0.9, "04": 0.1},
    "R": {"02": 0.5, "10": 0.3, "04": 0.2},
    "S": {"10": 0.6, "04": 0.2, "02": 0.2},
    "T": {"10": 1.0},
    "U": {"04": 1.0},
    "X": {"00": 0.5, "04": 0.25, "10": 0.25},
}


def field_matrix(industries: tuple[str, ...]) -> np.ndarray:
    """(I, F) shares of each industry's workers by broad field of education."""
    out = np.zeros((len(industries), len(FIELDS)))
    for i, s in enumerate(industries):
        for f, share in INDUSTRY_FIELDS[s].items():
            out[i, FIELDS.index(f)] = share
    return out


def retraining_need(
    still_unemployed: np.ndarray, demand_mix: np.ndarray, industries: tuple[str, ...]
) -> np.ndarray:
    """Retraining need by field for every draw.

    Parameters
    ----------
    still_unemployed : (B, I) displaced still unemployed by industry of origin.
    demand_mix : (I,) industry shares of the area's open vacancies (sums to 1).

    Returns
    -------
    (B, F) persons by broad field of education.
    """
    fm = field_matrix(industries)
    own = still_unemployed @ fm
    towards = still_unemployed.sum(axis=1, keepdims=True) * (demand_mix @ fm)[None, :]
    return OWN_FIELD_SHARE * own + (1.0 - OWN_FIELD_SHARE) * towards
