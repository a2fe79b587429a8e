"""Classification tables of the snapshot (versioned CSVs in ``forecasting/data/classifications``).

- :func:`tol2008_sections`: industries, TOL 2008 sections A..U and X (unknown), fi/en.
- :func:`occupations_2010`: Ammattiluokitus 2010 groups of levels 1..4 as they occur in the
  tyonv 12ti data (plus ``SSS`` = all occupations and the employment service's ``X`` groups);
  labels fi/en for levels 1 and 2, codes only below.
- :func:`education_fields_2016`: broad fields of education, Koulutusluokitus 2016 (= ISCED-F
  2013 broad fields) 00..10 and 99, fi/en.
- :func:`swedish_labels`: the Swedish labels of all three (``labels_sv.csv``).
- :func:`municipalities`, :func:`mergers`: re-exported from :mod:`forecasting.geography`.

Sources of every label: ``docs/classifications.md``. Tables are rebuilt with
``python -m forecasting.io.classification_tables``.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from forecasting.errors import ValidationError
from forecasting.geography import CLASSIFICATIONS_DIR, mergers, municipalities
from forecasting.io.files import read_table

__all__ = [
    "education_fields_2016",
    "label",
    "mergers",
    "municipalities",
    "occupation_parent",
    "occupations_2010",
    "tol2008_sections",
]

LANGUAGES = ("fi", "sv", "en")


def _read(name: str) -> pd.DataFrame:
    return read_table(CLASSIFICATIONS_DIR / name, index="code", empty_as_na=False)


@lru_cache
def tol2008_sections() -> pd.DataFrame:
    """TOL 2008 sections indexed by code ``A``..``U``, ``X``: ``name_fi, name_en, label_source``."""
    return _read("tol2008_sections.csv")


@lru_cache
def education_fields_2016() -> pd.DataFrame:
    """Broad fields of education indexed by 2-digit code: ``name_fi, name_en, label_source``."""
    return _read("education_fields_2016.csv")


@lru_cache
def occupations_2010() -> pd.DataFrame:
    """Occupation groups indexed by code (``"SSS"``, ``"2"``, ``"21"``, ``"211"``, ``"2111"``).

    Columns: ``level`` (int, 0 = total), ``parent``, ``name_fi``, ``name_en`` (empty where no
    reliable label was available), ``label_source``, ``in_data`` (bool: the code itself occurs
    in the tyonv 12ti data; parents are derived by truncating codes).
    """
    table = _read("occupations_2010.csv")
    table["level"] = table["level"].astype(int)
    table["in_data"] = table["in_data"] == "True"
    return table


@lru_cache
def swedish_labels() -> dict[tuple[str, str], str]:
    """Swedish labels ``{(kind, code): name}`` of the three tables (``labels_sv.csv``).

    Kept apart from the fi/en tables (which :mod:`forecasting.io.classification_tables`
    rebuilds); each row's ``label_source`` says where its wording comes from
    (``docs/classifications.md``).
    """
    table = read_table(CLASSIFICATIONS_DIR / "labels_sv.csv", empty_as_na=False)
    return {(str(k), str(c)): str(n) for k, c, n in table[["kind", "code", "name_sv"]].values}


_TABLES = {
    "industry": tol2008_sections,
    "occupation": occupations_2010,
    "field": education_fields_2016,
}


def label(kind: str, code: str, lang: str = "fi") -> str:
    """The label of ``code`` in one of the tables (``industry``, ``occupation``, ``field``).

    Falls back to the nearest labelled parent for occupations (``"2111"`` -> label of ``"21"``
    until level 3-4 labels are added) and to the code itself when nothing is labelled.

    Raises
    ------
    ValidationError
        Unknown ``kind``, ``lang`` or ``code``.
    """
    if kind not in _TABLES:
        raise ValidationError("kind", f"must be one of {sorted(_TABLES)}")
    if lang not in LANGUAGES:
        raise ValidationError("lang", f"must be one of {LANGUAGES}")
    table = _TABLES[kind]()
    if code not in table.index:
        raise ValidationError(kind, f"unknown code {code!r}")
    current: str = code
    while True:
        if lang == "sv":
            text = swedish_labels().get((kind, current), "")
        else:
            text = str(table.at[current, f"name_{lang}"])
        if text:
            return text
        if kind != "occupation" or not table.at[current, "parent"]:
            return code
        current = str(table.at[current, "parent"])


def occupation_parent(code: str, level: int) -> str:
    """The ancestor of an occupation ``code`` at ``level`` (1..4); ``SSS`` at level 0.

    Raises
    ------
    ValidationError
        If ``code`` is unknown or ``level`` is deeper than the code.
    """
    table = occupations_2010()
    if code not in table.index:
        raise ValidationError("occupation", f"unknown code {code!r}")
    if level == 0:
        return "SSS"
    if not 1 <= level <= table.at[code, "level"]:
        raise ValidationError("level", f"must be within 0..{table.at[code, 'level']} for {code}")
    return code[:level]
