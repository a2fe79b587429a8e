# ruff: noqa: E501  (a table of words: one entry a line reads best)
"""Refusals in the reader's language: a domain error's field and kind as a sentence.

The API answers problem+json with the domain's English ``detail`` (scripts and logs match on
it); a dashboard page is read by a planner, so :func:`error_message` recognises the error's
KIND (an unknown area code, a start month after the forecasts, a count over its cap, ...)
from its class, its field (:class:`forecasting.errors.ValidationError` names one, e.g.
``events[0].jobs``) and the values in its reason, and writes :data:`ERRORS`' sentence with
those values in Finnish, Swedish or English. A kind without a sentence keeps the English
detail (better a precise English reason than a vague translated one).

Request parameters refused by FastAPI/pydantic (``jobs=300000`` on the scenario form) are
translated the same way from pydantic's error ``type`` and ``ctx``
(:func:`request_error_message`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forecasting import errors as domain
from service import formats

#: Sentence of each error kind: kind -> (fi, sv, en). ``{field}`` is the field's name on the
#: form (the page's own word for it), the other placeholders the values of the reason.
ERRORS = {
    "unknown_area": (
        "Aluekoodia {code} ei tunneta: anna kunnan koodi (esim. 491), työssäkäyntialue (TA23), maakunta (MK10), seutukunta (SK101) tai koko maa (SSS).",
        "Områdeskoden {code} är okänd: ange en kommunkod (t.ex. 491), ett pendlingsområde (TA23), ett landskap (MK10), en ekonomisk region (SK101) eller hela landet (SSS).",
        "Unknown area code {code}: give a municipality code (e.g. 491), an employment area (TA23), a region (MK10), a sub-region (SK101) or the whole country (SSS).",
    ),
    "not_municipality": (
        "{code} ei ole kunnan koodi.",
        "{code} är inte en kommunkod.",
        "{code} is not a municipality code.",
    ),
    "no_register_data": (
        "Alueelta {code} ei ole työnvälitystilaston tietoja.",
        "Området {code} saknar uppgifter i arbetsförmedlingsstatistiken.",
        "Area {code} has no employment service statistics.",
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
    "start_outside_months": (
        "{field} {start} on simuloitujen kuukausien {first}–{last} ulkopuolella.",
        "{field} {start} ligger utanför de simulerade månaderna {first}–{last}.",
        "{field} {start} is outside the simulated months {first}–{last}.",
    ),
    "start_outside_window": (
        "{field} {start} on simuloitavan jakson ulkopuolella.",
        "{field} {start} ligger utanför den simulerade perioden.",
        "{field} {start} is outside the simulated period.",
    ),
    "municipality_not_in_area": (
        "Kunta {code} ei kuulu alueeseen {area} (sen kunnat: {members}).",
        "Kommunen {code} hör inte till området {area} (dess kommuner: {members}).",
        "Municipality {code} is not in area {area} (its municipalities: {members}).",
    ),
    "jobs_over_existing": (
        "{field}: {removed} työpaikkaa poistuisi toimialalta {industry} kunnassa {municipality}, mutta siellä on vain {have} työpaikkaa (työpaikat työpaikan sijainnin mukaan, Paavo TP 2017).",
        "{field}: {removed} arbetsplatser skulle försvinna i näringsgren {industry} i kommunen {municipality}, men där finns bara {have} (arbetsplatser efter arbetsställe, Paavo TP 2017).",
        "{field}: {removed} jobs removed in industry {industry} in {municipality}, but only {have} exist there (jobs by workplace, Paavo TP 2017).",
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
    # pydantic's error types (request parameters and the scenario spec's own checks)
    "greater_than": ("{field}: arvon pitää olla suurempi kuin {limit}.", "{field}: värdet måste vara större än {limit}.", "{field}: the value must be greater than {limit}."),
    "greater_than_equal": ("{field}: arvon pitää olla vähintään {limit}.", "{field}: värdet måste vara minst {limit}.", "{field}: the value must be at least {limit}."),
    "less_than": ("{field}: arvon pitää olla pienempi kuin {limit}.", "{field}: värdet måste vara mindre än {limit}.", "{field}: the value must be less than {limit}."),
    "less_than_equal": ("{field}: arvo saa olla enintään {limit}.", "{field}: värdet får vara högst {limit}.", "{field}: the value must be at most {limit}."),
    "int_parsing": ("{field}: {value} ei ole kokonaisluku.", "{field}: {value} är inte ett heltal.", "{field}: {value} is not a whole number."),
    "literal_error": ("{field}: {value} ei ole sallittu arvo ({limit}).", "{field}: {value} är inte ett tillåtet värde ({limit}).", "{field}: {value} is not one of the allowed values ({limit})."),
    "string_too_long": ("{field}: enintään {limit} merkkiä.", "{field}: högst {limit} tecken.", "{field}: at most {limit} characters."),
    "month_form": ("{field}: {value} ei ole kuukausi muodossa VVVV-KK (esim. 2026-09).", "{field}: {value} är inte en månad ÅÅÅÅ-MM (t.ex. 2026-09).", "{field}: {value} is not a month YYYY-MM (e.g. 2026-09)."),
}  # fmt: skip

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
}  # fmt: skip


def _index(lang: str) -> int:
    return _LANGS.index(lang) if lang in _LANGS else 0


@dataclass(frozen=True)
class Rule:
    """An error kind: the exception class, a pattern its field matches (``None``: any) and a
    pattern of its reason whose named groups are the sentence's values."""

    kind: str
    cls: type[BaseException]
    reason: re.Pattern[str]
    field: re.Pattern[str] | None = None


_START = re.compile(r"^(events\[\d+\]\.)?start$")
_MONTH = r"\d{4}-\d{2}"
#: Every translated kind, tried in order (the first match wins).
RULES = (
    Rule("unknown_area", domain.UnknownAreaError, re.compile(r"^unknown area code (?P<code>'[^']*'|\S+)")),
    Rule("not_municipality", domain.UnknownAreaError, re.compile(r"^(?P<code>'[^']*'|\S+) is not a municipality code")),
    Rule("no_register_data", domain.UnknownAreaError, re.compile(r"^area (?P<code>'[^']*'|\S+) has no register data")),
    Rule("start_too_early", domain.ValidationError, re.compile(rf"^(?P<start>{_MONTH}) is too early: the baseline needs (?P<burn>\d+) observed months before the start, the first possible start is (?P<earliest>{_MONTH})"), _START),
    Rule("start_too_late", domain.ValidationError, re.compile(rf"^(?P<start>{_MONTH}) is too late: the baseline runs on from the last observed month (?P<last>{_MONTH}), at most (?P<ahead>\d+) months ahead; the last possible start is (?P<latest>{_MONTH})"), _START),
    Rule("start_after_forecasts", domain.ValidationError, re.compile(rf"^(?P<start>{_MONTH}) is after the last forecast month (?P<last>{_MONTH})"), _START),
    Rule("start_outside_months", domain.ValidationError, re.compile(rf"^(?P<start>\S+) is outside the simulated months (?P<first>{_MONTH})\.\.(?P<last>{_MONTH})"), _START),
    Rule("start_outside_window", domain.ValidationError, re.compile(r"^(?P<start>\S+) is outside the simulated window"), _START),
    Rule("municipality_not_in_area", domain.ValidationError, re.compile(r"^(?P<code>\S+) is not a municipality of (?P<area>\S+) \((?P<members>[^)]*)\)"), re.compile(r"^(events\[\d+\]\.)?municipality$")),
    Rule("jobs_over_existing", domain.ValidationError, re.compile(r"^(?P<removed>\d+) jobs removed in industry (?P<industry>\S+) in (?P<municipality>\S+), but only (?P<have>\d+) exist there"), re.compile(r"^(events\[\d+\]\.)?jobs$")),
    Rule("draws_over_cap", domain.ValidationError, re.compile(r"^(?P<n>\d+) draws is outside 1\.\.(?P<max>\d+)"), re.compile(r"^draws$")),
    Rule("draws_over_memory", domain.ValidationError, re.compile(r"use at most (?P<max>\d+) draws for (?P<area>\S+)"), re.compile(r"^draws$")),
)  # fmt: skip


def field_label(field: str, lang: str) -> str:
    """The form's word for a field path (``events[0].start`` -> "Alkukuukausi")."""
    base = re.split(r"[.\]]", field)[-1] or field
    words = FIELDS.get(base)
    return words[_index(lang)] if words else field


def _sentence(kind: str, lang: str, field: str, values: Mapping[str, Any]) -> str:
    text = ERRORS[kind][_index(lang)].format(field=field_label(field, lang), **values)
    return text[:1].upper() + text[1:]


def error_message(exc: BaseException, lang: str) -> str | None:
    """``exc`` as a sentence in ``lang`` when its kind has one (:data:`RULES`), else None
    (the caller shows the English detail)."""
    if isinstance(exc, domain.ValidationError):
        field, reason = exc.field, exc.reason
    elif isinstance(exc, domain.UnknownAreaError):
        field, reason = "area", str(exc)
    else:
        return None
    for rule in RULES:
        if not isinstance(exc, rule.cls) or (rule.field and not rule.field.match(field)):
            continue
        if (match := rule.reason.search(reason)) is not None:
            return _sentence(rule.kind, lang, field, match.groupdict())
    return None


#: pydantic's patterns of a month (the scenario form's ``start``).
_MONTH_PATTERNS = (r"^\d{4}-\d{2}$", r"^\d{4}-(0[1-9]|1[0-2])$")


def request_error_message(err: Mapping[str, Any], lang: str) -> str | None:
    """One pydantic error of a request (``{"type", "loc", "input", "ctx"}``) as a sentence
    in ``lang``, or None for a type without one."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path")]
    field = ".".join(loc) or "spec"
    value = err.get("input")
    if kind == "value_error":  # a validator's own reason: a domain kind when it is one
        reason = str(ctx.get("error", ""))
        for rule in RULES:
            if rule.field is not None and not rule.field.match(field):
                continue
            if (match := rule.reason.search(reason)) is not None:
                return _sentence(rule.kind, lang, field, match.groupdict())
        return None
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in _MONTH_PATTERNS:
        kind = "month_form"
    limit = next(
        (ctx[k] for k in ("gt", "ge", "lt", "le", "max_length", "expected") if k in ctx), ""
    )
    if isinstance(limit, int | float) and not isinstance(limit, bool):
        limit = formats.number(limit, lang, 0 if float(limit).is_integer() else 2)
    if kind not in ERRORS or kind in {r.kind for r in RULES}:
        return None
    return _sentence(kind, lang, field, {"value": value, "limit": limit})


def title(status: int, lang: str, fallback: str) -> str:
    """The error page's heading for ``status`` in ``lang``."""
    words = TITLES.get(status)
    return words[_index(lang)] if words else fallback


def back_link(lang: str) -> str:
    """The error page's link text home in ``lang``."""
    return BACK[_index(lang)]
