"""The rule registry: one registration per alert rule (like the release's Product registry).

A :class:`Rule` carries everything the rest of the alerting needs to know about a rule: its
name and version, its default thresholds (``forecasting/config/alerts.toml`` may override any
of them), its plain-language texts in Finnish, Swedish and English (what happened, why it
matters, and a sentence with the numbers), the register series an explanation decomposes,
and, for the rules computed from the ``registers`` cube, the function that computes it. The
monthly run (:func:`forecasting.alerts.monitor.register_signals`), the explanations
(:mod:`forecasting.alerts.explain`), the engine's life-cycle settings and the replay all read
this registry, so a new register rule is one ``register(Rule(...))`` call next to its
function in :mod:`forecasting.alerts.rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import xarray as xr

LANGS = ("fi", "sv", "en")

#: The one word for each severity, by language. The dashboard, the monthly review, the API's
#: ``severity_name`` and the alert e-mails and webhooks all print these, so leadership reads
#: the same word for the same severity wherever an alert reaches them.
SEVERITY_WORDS: Mapping[str, Mapping[str, str]] = {
    "info": {"fi": "tiedote", "sv": "meddelande", "en": "info"},
    "warning": {"fi": "varoitus", "sv": "varning", "en": "warning"},
    "critical": {"fi": "kriittinen", "sv": "kritisk", "en": "critical"},
}
#: Severity levels (1 info .. 3 critical, as rule signals carry them) by name.
SEVERITY_LEVELS = {"info": 1, "warning": 2, "critical": 3}


def display_order(severity: int, when: dt.date | None, area: str, rule: str) -> tuple:
    """The sort key of an alert wherever alerts are listed (the dashboard, the monthly
    review): most severe first (``severity`` 1..3), within a severity the newest first
    (``when``, the month it is about), then by area and rule."""
    return (-severity, -(when or dt.date.min).toordinal(), area, rule)


def severity_word(severity: str | int, lang: str) -> str:
    """The word for ``severity`` (``"warning"`` or its level ``2``) in ``lang``: "varoitus".

    Raises
    ------
    ValueError
        For a severity that is neither a name of :data:`SEVERITY_WORDS` nor a level 1..3, or
        a language outside :data:`LANGS`.
    """
    names = {level: name for name, level in SEVERITY_LEVELS.items()}
    name = names.get(severity) if isinstance(severity, int) else severity
    if name is None or name not in SEVERITY_WORDS:
        raise ValueError(f"severity {severity!r} is none of {sorted(SEVERITY_WORDS)} or 1..3")
    if lang not in LANGS:
        raise ValueError(f"language {lang!r} is none of {list(LANGS)}")
    return SEVERITY_WORDS[name][lang]


@dataclass(frozen=True)
class RegisterInputs:
    """What a register rule computes from.

    ``registers`` the whole registers cube, ``areas`` the evaluated areas (municipalities and
    employment areas); ``rate_forecast`` the unemployment-rate forecast (area, time, step,
    statistic) of the release or, replaying history, the causal naive one (may be None: rules
    that need it are then skipped).
    """

    registers: xr.Dataset
    areas: tuple[str, ...]
    rate_forecast: xr.Dataset | None = None

    def counts(self, name: str) -> xr.DataArray:
        """The register variable ``name`` on the evaluated areas."""
        return self.registers[name].sel(area=list(self.areas))


#: A sentence with the alert's numbers: (numbers at the month, language) -> text ("" if none).
Detail = Callable[[Mapping[str, Any], str], str]
#: A register rule's computation: (inputs, merged configuration) -> its signal(s).
Compute = Callable[[RegisterInputs, dict[str, Any]], Any]


@dataclass(frozen=True)
class Rule:
    """One alert rule.

    Parameters
    ----------
    name, version
        The rule's name (de-duplication key, config table) and version.
    title
        What happened, by language (``fi``, ``sv``, ``en``).
    why
        Why it matters, by language.
    detail
        The numbers as a sentence (:data:`Detail`); None: the title and why only.
    compute
        For rules computed from the registers cube; None for rules with other inputs
        (events, population, occupations, data age), which are wired in ``run.py``.
    defaults
        Thresholds and life-cycle settings (``for_k``, ``of_n``, ``clear_m``); the TOML table
        ``[rules.<name>]`` overrides them key by key.
    series
        The register variable whose 12-month change the explanation decomposes (STL).
    variables
        Register variables the rule reads (skipped when the cube lacks one).
    """

    name: str
    version: str
    title: Mapping[str, str]
    why: Mapping[str, str]
    detail: Detail | None = None
    compute: Compute | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    series: str | None = None
    variables: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for texts in (self.title, self.why):
            missing = [lang for lang in LANGS if not texts.get(lang)]
            if missing:
                raise ValueError(f"rule {self.name!r} has no text in {missing}")


_RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add ``rule`` to the registry (a second rule of the same name is an error)."""
    if rule.name in _RULES and _RULES[rule.name] is not rule:
        raise ValueError(f"alert rule {rule.name!r} is already registered")
    _RULES[rule.name] = rule
    return rule


def registered() -> dict[str, Rule]:
    """Every registered rule by name (importing :mod:`forecasting.alerts.rules` registers)."""
    import forecasting.alerts.groups
    import forecasting.alerts.rules
    import forecasting.alerts.watch  # noqa: F401  (the rules register themselves)

    return dict(_RULES)


def rule_config(name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's defaults overridden by ``config["rules"][name]`` (the TOML table)."""
    rule = registered().get(name)
    merged = dict(rule.defaults) if rule is not None else {}
    merged.update(config.get("rules", {}).get(name, {}))
    return merged


def register_rule_signals(
    inputs: RegisterInputs, config: Mapping[str, Any], *, skip: tuple[str, ...] = ()
) -> list[Any]:
    """The signals of every registered register rule (``enabled = false`` in its config, a
    missing variable or a missing rate forecast skips a rule)."""
    out: list[Any] = []
    for rule in registered().values():
        if rule.compute is None or rule.name in skip:
            continue
        cfg = rule_config(rule.name, config)
        if not cfg.get("enabled", True):
            continue
        if any(v not in inputs.registers for v in rule.variables) or not inputs.areas:
            continue
        result = rule.compute(inputs, cfg)
        if result is None:
            continue
        out += list(result) if isinstance(result, list | tuple) else [result]
    return out
