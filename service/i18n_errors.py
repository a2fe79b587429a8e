# ruff: noqa: E501  (a table of words: one entry a line reads best)
"""Refusals in the reader's language: a domain error's kind and values as a sentence.

The API answers problem+json with the domain's English ``detail`` (scripts and logs match on
it); a dashboard page is read by a planner. A domain error a reader can cause carries a
``kind`` (an unknown area code, a start month after the forecasts, a count over its cap, ...)
and the ``values`` its message names (:class:`forecasting.errors.EnnakointiError`);
:func:`error_message` writes :data:`ERRORS`' sentence of that kind with those values in
Finnish, Swedish or English, and the field's name on the form from
:class:`forecasting.errors.ValidationError`'s ``field`` (e.g. ``events[0].jobs``). An error
without a kind, or of a kind without a sentence, keeps the English detail (better a precise
English reason than a vague translated one). Rewording the English message changes nothing
here.

Request parameters refused by FastAPI/pydantic (``jobs=300000`` on the scenario form,
``show=nonsense`` on the map) are translated the same way, from the kind and values the API
gives them (:func:`service.errors.request_refusal`, :func:`request_error_message`,
:data:`REQUEST_ERRORS`).

Adding a kind: raise the error with ``kind="..."`` and ``values={...}`` (every placeholder
of its sentences), and add its (fi, sv, en) sentences to :data:`ERRORS`;
``tests/test_error_kinds.py`` raises each kind through its real raising function.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from forecasting import errors as domain
from service import formats
from service.i18n import texts

#: Sentence of each kind of domain error: kind -> (fi, sv, en). ``{field}`` is the field's
#: name on the form (the page's own word for it), the other placeholders the error's values
#: (numbers in the page's number format; a list joined with commas, or semicolons when an
#: item has a comma; the values in :data:`LABELLED` in the page's own words).
ERRORS = {
    "unknown_area": (
        "Aluekoodia '{code}' ei tunneta: anna kunnan koodi (esim. 491), työssäkäyntialue (TA23), maakunta (MK10), seutukunta (SK101) tai koko maa (SSS).",
        "Områdeskoden '{code}' är okänd: ange en kommunkod (t.ex. 491), ett pendlingsområde (TA23), ett landskap (MK10), en ekonomisk region (SK101) eller hela landet (SSS).",
        "Unknown area code '{code}': give a municipality code (e.g. 491), an employment area (TA23), a region (MK10), a sub-region (SK101) or the whole country (SSS).",
    ),
    "not_municipality": (
        "'{code}' ei ole kunnan koodi.",
        "'{code}' är inte en kommunkod.",
        "'{code}' is not a municipality code.",
    ),
    "no_register_data": (
        "Alueelta '{code}' ei ole työnvälitystilaston tietoja.",
        "Området '{code}' saknar uppgifter i arbetsförmedlingsstatistiken.",
        "Area '{code}' has no employment service statistics.",
    ),
    "start_too_early": (
        "{field} {start} on liian aikaisin: perusura tarvitsee {burn} havaittua kuukautta ennen alkua; aikaisin mahdollinen alkukuukausi on {earliest}.",
        "{field} {start} är för tidig: grundbanan behöver {burn} observerade månader före starten; den tidigaste möjliga startmånaden är {earliest}.",
        "{field} {start} is too early: the baseline needs {burn} observed months before the start; the first possible start is {earliest}.",
    ),
    "start_too_late": (
        "{field} {start} on liian myöhään: perusura jatkuu viimeisestä havaitusta kuukaudesta {last} enintään {ahead} kuukautta eteenpäin; myöhäisin mahdollinen alkukuukausi on {latest}.",
        "{field} {start} är för sen: grundbanan fortsätter från den senast observerade månaden {last} högst {ahead} månader framåt; den senaste möjliga startmånaden är {latest}.",
        "{field} {start} is too late: the baseline runs on from the last observed month {last}, at most {ahead} months ahead; the last possible start is {latest}.",
    ),
    "start_after_forecasts": (
        "{field} {start} on ennusteiden viimeisen kuukauden {last} jälkeen: valitse alkukuukausi viimeistään {last}.",
        "{field} {start} ligger efter prognosernas sista månad {last}: välj en startmånad senast {last}.",
        "{field} {start} is after the forecasts' last month {last}: choose a start by {last}.",
    ),
    "start_before_forecasts": (
        "Alkukuukausi {start} on jo havaittua aikaa (rekisteritiedot {observed} asti): valitse alkukuukausi väliltä {first}–{last}.",
        "Startmånaden {start} ligger i den redan observerade tiden (registeruppgifter till och med {observed}): välj en start mellan {first} och {last}.",
        "The start month {start} lies in the observed data (registers to {observed}): choose a start from {first} to {last}.",
    ),
    "start_outside_months": (
        "{field} {start} on simuloitujen kuukausien {first}–{last} ulkopuolella.",
        "{field} {start} ligger utanför de simulerade månaderna {first}–{last}.",
        "{field} {start} is outside the simulated months {first}–{last}.",
    ),
    "municipality_not_in_area": (
        "Kunta {code} ei kuulu alueeseen {area} (sen kunnat: {members}).",
        "Kommunen {code} hör inte till området {area} (dess kommuner: {members}).",
        "Municipality {code} is not in area {area} (its municipalities: {members}).",
    ),
    "jobs_over_existing": (
        "{field}: {removed} työpaikkaa poistuisi toimialalta {industry} kunnassa {municipality}, mutta siellä on vain {have} työpaikkaa (työpaikat työpaikan sijainnin mukaan, Paavo TP 2017): valitse enintään {have}.",
        "{field}: {removed} arbetsplatser skulle försvinna i näringsgren {industry} i kommunen {municipality}, men där finns bara {have} (arbetsplatser efter arbetsställe, Paavo TP 2017): välj högst {have}.",
        "{field}: {removed} jobs removed in industry {industry} in {municipality}, but only {have} exist there (jobs by workplace, Paavo TP 2017): choose at most {have}.",
    ),
    "draws_over_cap": (
        "{field}: {n} on sallitun välin 1–{max} ulkopuolella.",
        "{field}: {n} ligger utanför det tillåtna intervallet 1–{max}.",
        "{field}: {n} is outside the allowed range 1–{max}.",
    ),
    "draws_over_memory": (
        "{field}: näin monta kierrosta ei mahdu muistiin; alueelle {area} ja tälle jaksolle enintään {max}.",
        "{field}: så många omgångar ryms inte i minnet; för området {area} och denna period högst {max}.",
        "{field}: that many draws do not fit in memory; for {area} and this horizon at most {max}.",
    ),
    "variable_not_forecast": (
        "Muuttujaa '{variable}' ei ennusteta tässä julkaisussa; valitse jokin näistä: {choices}.",
        "Variabeln '{variable}' prognostiseras inte i denna publicering; välj en av: {choices}.",
        "Variable '{variable}' is not forecast in this release; choose one of: {choices}.",
    ),
}  # fmt: skip

#: Values that are months (``"2031-01"``): a sentence writes them as the pages write a month,
#: ``1/2031`` (:func:`service.formats.period`), not in the form's ISO notation.
MONTHS = frozenset({"start", "last", "first", "earliest", "latest", "observed"})

#: Values shown in the page's own words (:func:`service.i18n.texts`), not as codes: a
#: forecast variable ``unemployed`` reads "Työttömät työnhakijat" on a Finnish page.
LABELLED = frozenset({"variable", "choices"})
#: Values that are codes of a classification: shown by name with the code, as the scenario
#: form's menus show them ("Teollisuus (C)", "Mäntyharju (507)"), not the bare code.
NAMED_CODES = frozenset({"industry", "municipality"})

#: Sentence of each kind of refused request parameter (:func:`service.errors.request_refusal`)
#: -> (fi, sv, en), by the kind and, where its sentences differ, the bound, unit, expected
#: type or form it names (``out_of_range.maximum``, ``malformed.month``). ``{value}`` is the
#: value refused, ``{limit}`` the bound, ``{allowed}`` the values allowed. ``invalid_value``
#: (a validator's own check) has none: its English reason is more precise than any sentence.
REQUEST_ERRORS = {
    "missing": ("{field}: arvo puuttuu.", "{field}: värde saknas.", "{field}: a value is required."),
    "unexpected_field": ("{field}: tuntematon kenttä.", "{field}: okänt fält.", "{field}: unknown field."),
    "not_allowed": ("{field}: '{value}' ei ole sallittu arvo; sallitut arvot: {allowed}.", "{field}: '{value}' är inte ett tillåtet värde; tillåtna värden: {allowed}.", "{field}: '{value}' is not one of the allowed values: {allowed}."),
    "malformed": ("{field}: '{value}' ei ole odotetussa muodossa.", "{field}: '{value}' har inte den väntade formen.", "{field}: '{value}' is not of the expected form."),
    "malformed.month": ("{field}: {value} ei ole kuukausi muodossa VVVV-KK (esim. 2026-09).", "{field}: {value} är inte en månad ÅÅÅÅ-MM (t.ex. 2026-09).", "{field}: {value} is not a month YYYY-MM (e.g. 2026-09)."),
    "malformed.year_or_month": ("{field}: '{value}' ei ole vuosi VVVV eikä kuukausi VVVV-KK vuosilta 1900–2199 (esim. 2027-04).", "{field}: '{value}' är varken ett år ÅÅÅÅ eller en månad ÅÅÅÅ-MM under åren 1900–2199 (t.ex. 2027-04).", "{field}: '{value}' is not a year YYYY or a month YYYY-MM of the years 1900–2199 (e.g. 2027-04)."),
    "malformed.date": ("{field}: '{value}' ei ole päivämäärä muodossa VVVV-KK-PP.", "{field}: '{value}' är inte ett datum ÅÅÅÅ-MM-DD.", "{field}: '{value}' is not a date YYYY-MM-DD."),
    "malformed.release_id": ("{field}: '{value}' ei ole julkaisun tunnus (esim. 20261207T075252Z-70cd32c3).", "{field}: '{value}' är inte ett publiceringsid (t.ex. 20261207T075252Z-70cd32c3).", "{field}: '{value}' is not a release id (e.g. 20261207T075252Z-70cd32c3)."),
    "malformed.release": ("{field}: '{value}' ei ole 'current' eikä julkaisun tunnus (esim. 20261207T075252Z-70cd32c3).", "{field}: '{value}' är varken 'current' eller ett publiceringsid (t.ex. 20261207T075252Z-70cd32c3).", "{field}: '{value}' is neither 'current' nor a release id (e.g. 20261207T075252Z-70cd32c3)."),
    "malformed.result_id": ("{field}: '{value}' ei ole tuloksen tunnus (20 heksadesimaalimerkkiä).", "{field}: '{value}' är inte ett resultatid (20 hexadecimala tecken).", "{field}: '{value}' is not a result id (20 hexadecimal digits)."),
    "malformed.area_code": ("{field}: '{value}' ei ole aluekoodi (kirjaimia ja numeroita, esim. 491 tai TA23).", "{field}: '{value}' är inte en områdeskod (bokstäver och siffror, t.ex. 491 eller TA23).", "{field}: '{value}' is not an area code (letters and digits, e.g. 491 or TA23)."),
    "out_of_range.exclusive_minimum": ("{field}: arvon pitää olla suurempi kuin {limit}.", "{field}: värdet måste vara större än {limit}.", "{field}: the value must be greater than {limit}."),
    "out_of_range.minimum": ("{field}: arvon pitää olla vähintään {limit}.", "{field}: värdet måste vara minst {limit}.", "{field}: the value must be at least {limit}."),
    "out_of_range.exclusive_maximum": ("{field}: arvon pitää olla pienempi kuin {limit}.", "{field}: värdet måste vara mindre än {limit}.", "{field}: the value must be less than {limit}."),
    "out_of_range.maximum": ("{field}: arvo saa olla enintään {limit}.", "{field}: värdet får vara högst {limit}.", "{field}: the value must be at most {limit}."),
    "too_long.characters": ("{field}: enintään {limit} merkkiä.", "{field}: högst {limit} tecken.", "{field}: at most {limit} characters."),
    "too_long.items": ("{field}: enintään {limit} arvoa.", "{field}: högst {limit} värden.", "{field}: at most {limit} values."),
    "too_short.characters": ("{field}: vähintään {limit} merkkiä.", "{field}: minst {limit} tecken.", "{field}: at least {limit} characters."),
    "too_short.items": ("{field}: vähintään {limit} arvoa.", "{field}: minst {limit} värden.", "{field}: at least {limit} values."),
    "wrong_type": ("{field}: arvo on väärää tyyppiä.", "{field}: värdet har fel typ.", "{field}: the value has the wrong type."),
    "wrong_type.integer": ("{field}: {value} ei ole kokonaisluku.", "{field}: {value} är inte ett heltal.", "{field}: {value} is not a whole number."),
    "wrong_type.number": ("{field}: {value} ei ole luku.", "{field}: {value} är inte ett tal.", "{field}: {value} is not a number."),
    "wrong_type.boolean": ("{field}: {value} ei ole totuusarvo (true tai false).", "{field}: {value} är inte ett sanningsvärde (true eller false).", "{field}: {value} is not true or false."),
    "wrong_type.string": ("{field}: arvon pitää olla tekstiä.", "{field}: värdet måste vara text.", "{field}: the value must be text."),
    "wrong_type.object": ("{field}: arvon pitää olla JSON-objekti.", "{field}: värdet måste vara ett JSON-objekt.", "{field}: the value must be a JSON object."),
    "wrong_type.array": ("{field}: arvon pitää olla luettelo.", "{field}: värdet måste vara en lista.", "{field}: the value must be a list."),
    "body_not_json": ("Pyynnön runko ei ole kelvollista UTF-8-muotoista JSONia (virhe merkin {position} kohdalla).", "Begärans innehåll är inte giltig UTF-8-JSON (fel vid tecken {position}).", "The request body is not valid UTF-8 JSON (error at character {position})."),
}  # fmt: skip
#: The value of a refusal's values that picks its sentence among the kind's variants.
_VARIANT_OF = {"out_of_range": None, "too_long": "unit", "too_short": "unit", "wrong_type": "expected", "malformed": "form"}  # fmt: skip
#: The value of a refusal's values a sentence shows as ``{limit}``.
_LIMITS = ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum", "max_length", "min_length")  # fmt: skip


def request_sentence_key(kind: str, values: Mapping[str, Any]) -> str | None:
    """The :data:`REQUEST_ERRORS` entry of a refusal of ``kind`` with ``values`` (the
    variant for its bound, unit, type or form when there is one), or None without one."""
    if kind not in _VARIANT_OF:
        return kind if kind in REQUEST_ERRORS else None
    by = _VARIANT_OF[kind]
    variant = next((b for b in _LIMITS if b in values), None) if by is None else values.get(by)
    key = f"{kind}.{variant}"
    if key in REQUEST_ERRORS:
        return key
    return kind if kind in REQUEST_ERRORS else None


#: Headings of the HTML error page: HTTP status -> (fi, sv, en).
TITLES = {
    400: ("Virheellinen pyyntö", "Felaktig begäran", "Bad request"),
    404: ("Ei löytynyt", "Hittades inte", "Not found"),
    422: ("Pyyntöä ei voitu käsitellä", "Begäran kunde inte behandlas", "Invalid request"),
    429: ("Liian monta pyyntöä", "För många förfrågningar", "Too many requests"),
    500: ("Palvelimen virhe", "Serverfel", "Internal server error"),
    503: ("Palvelu ei ole käytettävissä", "Tjänsten är inte tillgänglig", "Service unavailable"),
}
#: The error page's link home: (fi, sv, en).
BACK = ("Takaisin yleiskuvaan", "Tillbaka till översikten", "Back to the overview")
#: The error page's link to the refused page with its default choices: (fi, sv, en).
AGAIN = (
    "Avaa sivu oletusvalinnoin",
    "Öppna sidan med standardvalen",
    "Open the page with its default choices",
)
_LANGS = ("fi", "sv", "en")
#: Field names on the form in each language (the last part of a field path: ``events[0].jobs``
#: -> ``jobs``); a field not here keeps its API name.
FIELDS = {
    "area": ("Alue", "Område", "Area"),
    "municipality": ("Kunta", "Kommun", "Municipality"),
    "industry": ("Toimiala", "Näringsgren", "Industry"),
    "kind": ("Tapahtuma", "Händelse", "Event"),
    "jobs": ("Työpaikkoja", "Arbetsplatser", "Jobs"),
    "start": ("Alkukuukausi", "Första månad", "First month"),
    "draws": ("Simulointikierroksia", "Simuleringsomgångar", "Simulation draws"),
    "year": ("Vuosi", "År", "Year"),
    "horizon_months": ("Ennustejakso, kk", "Prognosperiod, mån", "Horizon, months"),
    "variable": ("Muuttuja", "Variabel", "Variable"),
    "show": ("Muuttuja", "Variabel", "Variable"),
    "lang": ("Kieli", "Språk", "Language"),
    "state": ("Tila", "Status", "State"),
    "severity": ("Vakavuus", "Allvarlighetsgrad", "Severity"),
    "rule": ("Sääntö", "Regel", "Rule"),
    "run": ("Laske", "Beräkna", "Run"),
    "body": ("Pyynnön runko", "Begärans innehåll", "Request body"),
}  # fmt: skip


#: The words a page's choices show (:func:`service.i18n.texts` keys), by field and value: a
#: refused choice lists the allowed values as the reader saw them in the form's menu, each
#: with its value in the address ("Työttömyysaste, % (rate)"), not as bare code words.
CHOICE_WORDS = {
    "show": {"rate": "rate", "change": "change_pp"},
    "severity": {"": "all", "info": "info", "warning": "warning", "critical": "critical"},
    "state": {"": "all", "pending": "pending", "firing": "firing", "resolved": "resolved"},
    "kind": {k: k for k in ("closure", "dismissal", "temporary_layoff", "recruitment")},
}


def choice_label(field: str, value: object, lang: str) -> str:
    """An allowed value of ``field`` as a refusal lists it: the page's word for it with the
    value in brackets (by its word alone when that is the value, or the value is empty:
    "all"); a value without a word quoted, as it is typed."""
    base = re.split(r"[.\]]", field)[-1] or field
    key = CHOICE_WORDS.get(base, {}).get(str(value))
    if key is None:
        return f"'{value}'"
    word = texts(lang).get(key, str(value))
    return word if str(value) in ("", word.lower()) else f"{word} ({value})"


def _index(lang: str) -> int:
    return _LANGS.index(lang) if lang in _LANGS else 0


def field_label(field: str, lang: str) -> str:
    """The form's word for a field path (``events[0].start`` -> "Alkukuukausi")."""
    base = re.split(r"[.\]]", field)[-1] or field
    words = FIELDS.get(base)
    return words[_index(lang)] if words else field


def _named_code(name: str, code: str, lang: str) -> str:
    """An industry (TOL 2008 section) or a municipality code by its name and code, or the
    code alone when it has no name."""
    from service.labels import area_name, label_map

    if name == "industry":
        label = (label_map("industry", lang) or {}).get(code)
    else:
        label = area_name(code, lang)
    return f"{label} ({code})" if label and label != code else code


def _shown(name: str, value: object, lang: str) -> str:
    """A value as its sentence shows it: a list joined (see :data:`ERRORS`), a number in
    the page's format, a :data:`LABELLED` value in the page's words, a :data:`MONTHS` month
    as ``1/2031``."""
    if isinstance(value, list | tuple | frozenset | set):
        items = [_shown(name, v, lang) for v in value]
        # "Työttömyysaste, %" among the items: a semicolon keeps the list readable
        return ("; " if any("," in item for item in items) else ", ").join(items)
    if name in LABELLED:
        return texts(lang).get(str(value), str(value))
    if name in NAMED_CODES and isinstance(value, str):
        return _named_code(name, value, lang)
    if name in MONTHS and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}", value):
        return formats.period(value, lang)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return formats.number(value, lang, 0 if float(value).is_integer() else 2)
    return str(value)


def _sentence(
    table: Mapping[str, tuple[str, str, str]],
    kind: str,
    lang: str,
    field: str,
    values: Mapping[str, Any],
) -> str | None:
    """The sentence of ``kind`` with ``values``, or None when one of its placeholders has
    no value (the caller then shows the English detail)."""
    shown = {name: _shown(name, value, lang) for name, value in values.items()}
    try:
        text = table[kind][_index(lang)].format_map({**shown, "field": field_label(field, lang)})
    except (KeyError, IndexError):
        return None
    return text[:1].upper() + text[1:]


def error_message(exc: BaseException, lang: str) -> str | None:
    """``exc`` as a sentence in ``lang`` when it has a kind with one (:data:`ERRORS`), else
    None (the caller shows the English detail)."""
    kind = getattr(exc, "kind", None)
    if kind not in ERRORS:
        return None
    field = exc.field if isinstance(exc, domain.ValidationError) else ""
    return _sentence(ERRORS, kind, lang, field, getattr(exc, "values", {}))


def request_error_message(err: Mapping[str, Any], lang: str) -> str | None:
    """One pydantic error of a request (``{"type", "loc", "input", "ctx"}``) as a sentence
    in ``lang`` from its kind and values (:func:`service.errors.request_refusal`), or None
    for a kind without one."""
    from service.errors import request_refusal

    kind, values = request_refusal(err)
    field = values.get("name") or values.get("location") or "spec"
    if kind in ERRORS:  # a validator's refusal of a domain kind
        return _sentence(ERRORS, kind, lang, field, values)
    key = request_sentence_key(kind, values)
    if key is None:
        return None
    shown = dict(values)
    shown["limit"] = next((values[b] for b in _LIMITS if b in values), "")
    if field_label(field, "en") == "Year":  # a year's bound reads 1900, not 1 900
        shown["limit"] = str(shown["limit"])
    if "allowed" in values:  # as the form's menu names them (a value without a word quoted)
        shown["allowed"] = [choice_label(field, v, lang) for v in values["allowed"]]
    return _sentence(REQUEST_ERRORS, key, lang, field, shown)


def title(status: int, lang: str, fallback: str) -> str:
    """The error page's heading for ``status`` in ``lang``."""
    words = TITLES.get(status)
    return words[_index(lang)] if words else fallback


def back_link(lang: str) -> str:
    """The error page's link text home in ``lang``."""
    return BACK[_index(lang)]


def page_again(lang: str) -> str:
    """The error page's link text to the refused page with its defaults in ``lang``."""
    return AGAIN[_index(lang)]
