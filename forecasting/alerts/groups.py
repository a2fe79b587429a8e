"""Special-group rules: long-term unemployment share, youth, foreign citizens, laid-off surges.

The statutory indicators of the employment services' special groups come from the 12r5
register variables ``long_term_unemployed``, ``unemployed_under_25``, ``unemployed_foreign``
and ``laid_off``. The shipped extracts have them for **2026-06 only** (2006-01..2023-10 hold
unemployed, labour force and vacancies; 2023-11..2026-05 is missing), so:

* the level rules (``long_term_share``, ``laid_off_surge``'s share of the labour force) can
  fire from 2026-06;
* the year-on-year parts (a rise of youth or foreign unemployed, a rise of the long-term share,
  laid-off doubling) need the same month a year earlier and stay silent (NaN, no alert) until
  the register has 12 months of these variables (2027-06 at the earliest, sooner if the
  refresh cache back-fills 2025).

Nothing here is replayed on 2006-2023: the replay's precision and recall do not cover them.
Each rule is one ``register(Rule(...))``; thresholds in ``defaults`` (override in
``forecasting/config/alerts.toml``). 2026-06 reference: national long-term share 41 %
(144,444 of 351,981), median municipality 39 %, 90th percentile 47 %; laid off 0.6 % of the
labour force nationally, 99th percentile of municipalities 1.8 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import xarray as xr

from forecasting.alerts import text as fmt
from forecasting.alerts.registry import Rule, register
from forecasting.alerts.rules import Signal, _n, _severity, with_area_sums


def _yoy(x: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    before = x.shift(time=12)
    return x / before.where(before > 0) - 1, x - before


def long_term_share(
    long_term: xr.DataArray, unemployed: xr.DataArray, cfg: Mapping[str, Any]
) -> Signal:
    """Long-term unemployed (>= 12 months) as a share of the unemployed.

    Warning at ``share_warning`` (0.50) with at least ``min_persons`` long-term unemployed,
    or a rise of ``rise_pp_warning`` (0.05) on a year earlier; critical at ``share_critical``.
    """
    lt, u = long_term.transpose("area", "time"), unemployed.transpose("area", "time")
    share = lt / u.where(u > 0)
    rise = share - share.shift(time=12)
    big = lt >= cfg["min_persons"]
    warning = big & ((share >= cfg["share_warning"]) | (rise >= cfg["rise_pp_warning"]))
    critical = big & (share >= cfg["share_critical"])
    numbers = xr.Dataset(
        {"share": share, "share_change": rise, "long_term_unemployed": lt, "unemployed": u}
    )
    return Signal("long_term_share", "1", _severity(warning, critical), numbers)


def group_rise(rule: str, counts: xr.DataArray, cfg: Mapping[str, Any]) -> Signal:
    """A special group's unemployed up on the same month a year earlier (youth, foreign).

    Warning from ``rise_warning`` (share) and ``min_rise_persons``; critical from
    ``rise_critical``. Silent without a year-earlier month.
    """
    x = counts.transpose("area", "time")
    change, persons = _yoy(x)
    warning = (change >= cfg["rise_warning"]) & (persons >= cfg["min_rise_persons"])
    critical = warning & (change >= cfg["rise_critical"])
    numbers = xr.Dataset({"value": x, "change": change, "change_persons": persons})
    return Signal(rule, "1", _severity(warning, critical), numbers)


def laid_off_surge(
    laid_off: xr.DataArray, labour_force: xr.DataArray, cfg: Mapping[str, Any]
) -> Signal:
    """Laid off (temporarily, lomautetut) as a share of the labour force, or doubling on the year.

    Warning from ``share_warning`` of the labour force or a ``rise_warning`` rise on a year
    earlier, either with at least ``min_persons`` laid off; critical from ``share_critical``.
    """
    x, lf = laid_off.transpose("area", "time"), labour_force.transpose("area", "time")
    share = x / lf.where(lf > 0)
    change, persons = _yoy(x)
    big = x >= cfg["min_persons"]
    warning = big & ((share >= cfg["share_warning"]) | (change >= cfg["rise_warning"]))
    critical = big & (share >= cfg["share_critical"])
    numbers = xr.Dataset(
        {"laid_off": x, "share": share, "change": change, "change_persons": persons}
    )
    return Signal("laid_off_surge", "1", _severity(warning, critical), numbers)


def _long_term_detail(n: Mapping[str, Any], lang: str) -> str:
    s, lt = fmt.percent(_n(n, "share"), lang), fmt.number(_n(n, "long_term_unemployed"), lang)
    u = fmt.number(_n(n, "unemployed"), lang)
    return {
        "fi": f"Pitkäaikaistyöttömiä {lt} eli {s} kaikista {u} työttömästä.",
        "sv": f"{lt} långtidsarbetslösa, {s} av alla {u} arbetslösa.",
        "en": f"{lt} long-term unemployed, {s} of all {u} unemployed.",
    }[lang]


def _rise_detail(who: Mapping[str, str]) -> Any:
    def detail(n: Mapping[str, Any], lang: str) -> str:
        v, ch = fmt.number(_n(n, "value"), lang), fmt.change(_n(n, "change"), lang)
        p = fmt.signed(_n(n, "change_persons"), lang)
        return {
            "fi": f"{who['fi']} {v}, {ch} vuodentakaisesta ({p} henkeä).",
            "sv": f"{who['sv']} {v}, {ch} jämfört med ett år tidigare ({p} personer).",
            "en": f"{who['en']} {v}, {ch} on a year earlier ({p} persons).",
        }[lang]

    return detail


def _laid_off_detail(n: Mapping[str, Any], lang: str) -> str:
    x, s = fmt.number(_n(n, "laid_off"), lang), fmt.percent(_n(n, "share"), lang)
    return {
        "fi": f"Lomautettuja {x} eli {s} työvoimasta.",
        "sv": f"{x} permitterade, {s} av arbetskraften.",
        "en": f"{x} laid off (temporarily), {s} of the labour force.",
    }[lang]


_LIFE = {"for_k": 1, "of_n": 1, "clear_m": 2}


def _rise_rule(
    rule: str,
    variable: str,
    *,
    title: Mapping[str, str],
    why: Mapping[str, str],
    who: Mapping[str, str],
) -> Rule:
    """A version-1 rule on the year-on-year rise of one register group (``variable``), with
    the same thresholds for every group; ``who`` names the group in the detail sentence."""
    return Rule(
        rule,
        "1",
        title=title,
        why=why,
        detail=_rise_detail(who),
        compute=lambda inp, cfg: group_rise(rule, with_area_sums(inp.counts(variable)), cfg),
        defaults={"rise_warning": 0.20, "rise_critical": 0.40, "min_rise_persons": 15, **_LIFE},
        series=variable,
        variables=(variable,),
    )


register(Rule(
    "long_term_share", "1",
    title={
        "fi": "Pitkäaikaistyöttömien osuus on suuri",
        "sv": "Andelen långtidsarbetslösa är hög",
        "en": "The share of long-term unemployed is high",
    },
    why={
        "fi": "Pitkä työttömyys heikentää työllistymistä ja lisää kunnan työmarkkinatuen "
        "rahoitusosuutta.",
        "sv": "Lång arbetslöshet försämrar sysselsättningen och ökar kommunens andel av "
        "arbetsmarknadsstödet.",
        "en": "Long unemployment makes finding work harder and raises the municipality's "
        "share of the labour-market subsidy.",
    },
    detail=_long_term_detail,
    compute=lambda inp, cfg: long_term_share(
        with_area_sums(inp.counts("long_term_unemployed")), inp.counts("unemployed"), cfg),
    defaults={"share_warning": 0.50, "share_critical": 0.60, "rise_pp_warning": 0.05,
              "min_persons": 50, **_LIFE},
    series="long_term_unemployed", variables=("long_term_unemployed", "unemployed"),
))  # fmt: skip
register(_rise_rule(
    "youth_rise", "unemployed_under_25",
    title={
        "fi": "Nuorten työttömyys nousi selvästi",
        "sv": "Ungdomsarbetslösheten steg klart",
        "en": "Youth unemployment rose sharply",
    },
    why={
        "fi": "Nuorisotakuu velvoittaa tarjoamaan palvelun nopeasti; nousu kasvattaa "
        "palvelutarvetta heti.",
        "sv": "Ungdomsgarantin kräver snabba tjänster; ökningen höjer servicebehovet direkt.",
        "en": "The youth guarantee requires services quickly; the rise adds to demand at once.",
    },
    who={"fi": "Alle 25-vuotiaita työttömiä", "sv": "Arbetslösa under 25 år",
         "en": "Unemployed under 25"},
))  # fmt: skip
register(_rise_rule(
    "foreign_rise", "unemployed_foreign",
    title={
        "fi": "Ulkomaan kansalaisten työttömyys nousi selvästi",
        "sv": "Arbetslösheten bland utländska medborgare steg klart",
        "en": "Unemployment among foreign citizens rose sharply",
    },
    why={
        "fi": "Kotoutumis- ja kielipalvelujen tarve kasvaa; oleskelulupa voi riippua työstä.",
        "sv": "Behovet av integrations- och språktjänster ökar; uppehållstillstånd kan bero på "
        "arbete.",
        "en": "Integration and language services are needed more; residence permits may depend "
        "on work.",
    },
    who={"fi": "Työttömiä ulkomaan kansalaisia", "sv": "Arbetslösa utländska medborgare",
         "en": "Unemployed foreign citizens"},
))  # fmt: skip
register(Rule(
    "laid_off_surge", "1",
    title={
        "fi": "Lomautettujen määrä on noussut",
        "sv": "Antalet permitterade har ökat",
        "en": "Temporary lay-offs have surged",
    },
    why={
        "fi": "Lomautukset ennakoivat irtisanomisia ja työttömyyden nousua.",
        "sv": "Permitteringar föregår ofta uppsägningar och stigande arbetslöshet.",
        "en": "Lay-offs often precede dismissals and rising unemployment.",
    },
    detail=_laid_off_detail,
    compute=lambda inp, cfg: laid_off_surge(
        with_area_sums(inp.counts("laid_off")), inp.counts("labour_force"), cfg),
    defaults={"share_warning": 0.02, "share_critical": 0.04, "rise_warning": 1.0,
              "min_persons": 30, **_LIFE},
    series="laid_off", variables=("laid_off", "labour_force"),
))  # fmt: skip
