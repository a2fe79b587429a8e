"""Classification tables: completeness, codes against the data, label look-ups."""

from __future__ import annotations

import string

import pytest

from forecasting import classifications, snapshot
from forecasting.errors import ValidationError


def test_tol2008_has_sections_a_to_u_and_x_with_both_languages() -> None:
    table = classifications.tol2008_sections()
    assert list(table.index) == [*string.ascii_uppercase[:21], "X"]
    assert (table["name_fi"] != "").all() and (table["name_en"] != "").all()
    # Reference: the Paavo 2017 extract's header "Q Human health and social work activities".
    assert table.at["Q", "name_en"] == "Human health and social work activities"
    assert table.at["C", "name_fi"] == "Teollisuus"


def test_education_fields_are_the_isced_broad_fields() -> None:
    table = classifications.education_fields_2016()
    assert list(table.index) == [f"{i:02d}" for i in range(11)] + ["99"]
    assert table.at["09", "name_fi"] == "Terveys- ja hyvinvointialat"
    assert table.at["09", "name_en"] == "Health and welfare"


def test_occupation_table_is_a_tree_with_labelled_top_levels() -> None:
    table = classifications.occupations_2010()
    assert table.index.is_unique
    for code, row in table.iterrows():
        if row["level"] == 0:
            assert code == "SSS"
            continue
        assert len(str(code)) == row["level"]
        assert row["parent"] in table.index
        assert table.at[row["parent"], "level"] == row["level"] - 1
    top = table[table["level"].isin([1, 2])]
    assert (top["name_fi"] != "").all() and (top["name_en"] != "").all()
    assert set(table.loc[table["level"] == 1].index) >= set("123456789")


def test_every_occupation_code_of_the_cube_is_in_the_table() -> None:
    cube = snapshot.load("occupations")
    table = classifications.occupations_2010()
    codes = {str(c) for c in cube["occupation"].values}
    assert codes <= set(table.index)
    assert codes == set(table.index[table["in_data"]])


def test_labels_fall_back_to_parents_and_reject_unknown_codes() -> None:
    assert classifications.label("occupation", "2221", "en") == "Health professionals"
    assert classifications.label("occupation", "X011", "fi") == "Yrittäjät"
    assert classifications.occupation_parent("2221", 2) == "22"
    with pytest.raises(ValidationError, match="unknown code"):
        classifications.label("industry", "Z")
    assert classifications.label("industry", "A", "sv") == "Jordbruk, skogsbruk och fiske"
    assert classifications.label("occupation", "X011", "sv") == "Företagare"
    with pytest.raises(ValidationError):
        classifications.label("industry", "A", "de")
    with pytest.raises(ValidationError):
        classifications.occupation_parent("22", 3)
