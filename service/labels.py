"""Labels in Finnish, Swedish or English for the coded dims of a cube.

Areas come from :mod:`forecasting.geography`; industries (TOL 2008), occupations
(Ammattiluokitus 2010) and fields of education from :mod:`forecasting.classifications` when
that module provides them. A dim without a label table gets no ``<dim>_name`` column.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Literal

import pandas as pd

from forecasting import geography
from service.i18n import texts
from service.i18n_products import value_label

Lang = Literal["fi", "sv", "en"]
LANGS: tuple[str, ...] = ("fi", "sv", "en")
LABELLED_DIMS = ("area", "industry", "occupation", "field", "level", "sex", "training_level")
#: Dims labelled by another dim's table: a scenario run's training change is by
#: ``training_level``, the levels of the training needs (its ``training_field`` has its
#: names as variables of the run, ``training_field_name_<lang>``).
_SAME_AS = {"training_level": "level"}

_SEX = {
    "fi": {"F": "naiset", "M": "miehet", "T": "yhteensä"},
    "sv": {"F": "kvinnor", "M": "män", "T": "totalt"},
    "en": {"F": "women", "M": "men", "T": "total"},
}
#: The levels of education in words: the product values' table
#: (:data:`service.i18n_products.VALUES`, which a qualification's level cell also reads) and
#: the all-levels row.
_LEVEL = {
    lang: {
        **{
            code: value_label(code, lang)
            for code in ("vocational", "applied_sciences", "university")
        },
        "total": {"fi": "yhteensä", "sv": "totalt", "en": "total"}[lang],
    }
    for lang in LANGS
}


@lru_cache
def _areas(lang: str) -> dict[str, str]:
    table = geography.areas()
    return {str(k): str(v) for k, v in table[f"name_{lang}"].items()}


def _classification(dim: str, lang: str) -> dict[str, str] | None:
    """Labels of TOL 2008 sections, occupations or fields in ``lang`` (fi, sv, en)."""
    try:
        from forecasting import classifications, training
    except ImportError:  # pragma: no cover - the module is part of the project
        return None
    tables: dict[str, Callable[[], pd.DataFrame]] = {
        "industry": classifications.tol2008_sections,
        "occupation": classifications.occupations_2010,
        "field": classifications.education_fields_2016,
    }
    codes = tables[dim]().index
    labels = {str(c): classifications.label(dim, str(c), lang) for c in codes}
    if dim == "field":  # the all-fields row, in the training page's own words
        labels[training.TOTAL_FIELD] = texts(lang)["all_fields"]
    return labels


@lru_cache
def label_map(dim: str, lang: str) -> dict[str, str] | None:
    """``{code: label}`` for ``dim`` in ``lang``, or None when the dim has no label table."""
    if dim not in LABELLED_DIMS:
        return None
    dim = _SAME_AS.get(dim, dim)
    if dim == "area":
        return _areas(lang)
    if dim == "sex":
        return _SEX[lang]
    if dim == "level":
        return _LEVEL[lang]
    return _classification(dim, lang)


def area_name(code: str, lang: str) -> str:
    """The name of an area in ``lang`` (the code itself if unknown)."""
    return _areas(lang).get(code, code)
