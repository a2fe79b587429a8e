"""A preset's description says what its title does not, as a sentence of its own.

The scenario page and the monthly review print a preset's title and then its description;
the descriptions opened with the title's own clause ("A manufacturing plant closes in
Mäntyharju (300 jobs) from February 2027 A manufacturing plant in Mäntyharju closes: 300
jobs go ..."), in every language.
"""

from __future__ import annotations

import itertools
import re

import pytest

from forecasting.scenarios.presets import (
    DESCRIPTIONS,
    TITLES,
    library,
    preset_description,
    preset_title,
)
from service.i18n import UI_LANGS


def _words(text: str) -> list[str]:
    return re.findall(r"\w[\w:-]*\w|\w", text.lower())


def _pairs(text: str) -> set[tuple[str, str]]:
    words = _words(text)
    return set(itertools.pairwise(words))


def _repeats(title: str, description: str) -> set[tuple[str, str]]:
    """Word pairs of the title's opening clause (before its parenthesis) that the
    description says again, or its first word when the description opens with it."""
    head = title.split(" (")[0]
    shared = _pairs(head) & _pairs(description)
    if _words(description)[:1] == _words(head)[:1]:
        shared.add((_words(head)[0], ""))
    return shared


LIB = library("2026-07", as_of="2026-12")


@pytest.mark.parametrize("lang", UI_LANGS)
@pytest.mark.parametrize("name", sorted(TITLES))
def test_no_description_repeats_its_titles_opening_clause(name, lang):
    spec = LIB[name].model_dump(mode="json")
    title = preset_title(name, lang, spec)
    description = preset_description(name, lang, spec)
    assert description, (name, lang)
    assert not _repeats(title, description), (title, description)


def test_a_repeat_is_what_the_check_finds():
    """The check finds the repeats the descriptions had."""
    title = "A manufacturing plant closes in Mäntyharju (300 jobs) from February 2027"
    assert _repeats(title, "A manufacturing plant in Mäntyharju closes: 300 jobs go over")
    assert _repeats("Perusura (ei tapahtumia)", "Perusura: ei tapahtumia, Monte Carlo.")
    assert not _repeats(title, "Its 300 jobs go over three months from February 2027.")


def test_every_preset_is_described_in_every_language_with_its_month():
    assert set(DESCRIPTIONS) == set(TITLES)
    for name, texts in DESCRIPTIONS.items():
        assert set(texts) == set(UI_LANGS), name
        dated = {"{start}" in text for text in texts.values()}
        assert len(dated) == 1, name  # every language names the month, or none does
    closure = LIB["mantyharju_manufacturing_closure"]
    assert closure.description == (
        "The closure removes 300 jobs over three months from February 2027, about half of the "
        "municipality's 596 manufacturing jobs (Pertunmaa included), and more are lost at "
        "suppliers and in local services as spending falls."
    )


#: Words that open a description only as the continuation of its title: a pronoun or a
#: possessive that points back at it ("Its 300 jobs go ...": whose?).
_BACK_REFERENCES = {
    "en": {"its", "their", "it", "they", "this", "these", "which"},
    "fi": {"sen", "niiden", "se", "ne", "joka", "jonka", "tämän", "näiden"},
    "sv": {"dess", "deras", "den", "det", "de", "vars", "som", "denna", "dessa"},
}


def _standalone(text: str, lang: str) -> bool:
    """A sentence of its own: it opens with a capital letter (not a number or a lower-case
    participle going on from the title), not with a word pointing back at the title, and
    ends with a full stop."""
    first = _words(text)[0]
    return text[:1].isupper() and first not in _BACK_REFERENCES[lang] and text.endswith(".")


@pytest.mark.parametrize("lang", UI_LANGS)
@pytest.mark.parametrize("name", sorted(TITLES))
def test_every_description_is_a_sentence_of_its_own(name, lang):
    """The API gives a spec's description without its title: the English ones read as the
    title's continuation ("Its 300 jobs go over three months ...", "30 employees ... laid
    off ..."), and so did the Finnish and Swedish ("Sen 300 työpaikkaa ...", "Dess 300
    arbetsplatser ...")."""
    description = preset_description(name, lang, LIB[name].model_dump(mode="json"))
    assert _standalone(description, lang), description
    if lang == "en":
        assert LIB[name].description == description  # the API's description is this one


def test_the_standalone_check_finds_a_continuation():
    assert not _standalone("Its 300 jobs go over three months from February 2027.", "en")
    assert not _standalone("Sen 300 työpaikkaa häviää kolmessa kuukaudessa.", "fi")
    assert not _standalone("Dess 500 anställda rekryteras under tolv månader.", "sv")
    assert not _standalone("30 employees in accommodation temporarily laid off.", "en")
    assert not _standalone("calibrated to the registers", "en")
    assert _standalone("The employer recruits its 500 staff over twelve months.", "en")


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_the_reviews_baseline_row_does_not_name_the_baseline_again(lang):
    """The review's row "Perusura | Ei tapahtumia: perusura ja sen Monte Carlo -hajonta."
    said its name twice."""
    from forecasting.report.labels import TEXT

    name, description = TEXT[lang]["baseline_name"], TEXT[lang]["baseline_description"]
    assert name.lower() not in description.lower()
    assert "Monte Carlo" in description
