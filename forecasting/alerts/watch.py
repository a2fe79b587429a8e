"""``vacancy_watch``: the early, info-level signal of a vacancy fall, beside ``vacancy_decline``.

``vacancy_decline`` version 2 warns only once unemployment has stopped falling on the year
(its guard raised the tuning-year precision from 25 % to 38 %), so TA23's 2023 turn reached
it in 2023-10. Leadership also wants the early sign. This rule is separate (its own alerts
and life cycle, so a warning subscriber is never told less), never above ``info`` (only
subscribers with ``min_severity = "info"`` get it) and has no guard: open vacancies' 3-month
mean down at least 25 % (and 20 vacancies) on a year earlier from at least 40, 2 months of 3.

Chosen on the tuning years only (``benchmarks/tune_vacancy_watch.py``,
``docs/results/alerts_watch_tuning.md``): of the candidates, the most tuning-year onsets
detected within 2 months earlier than by version 2 (15 of 224; precision 24 %). Scored after
the choice on the evaluation years: precision 62 %, 0.063 false alarms per
municipality-year in 2016-2019 (version 2: 91 %, 0.004); TA23 fires from 2022-12.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from forecasting.alerts import rules
from forecasting.alerts.registry import RegisterInputs, Rule, register


def vacancy_watch(
    vacancies: xr.DataArray, cfg: dict[str, Any], unemployed: xr.DataArray | None = None
) -> rules.Signal:
    """The vacancy fall of :func:`forecasting.alerts.rules.vacancy_decline` with ``cfg``
    (no unemployment guard unless ``min_unemployed_change`` is set), every breach ``info``.

    Returns a Signal named ``vacancy_watch`` with vacancy_decline's numbers (area, time).
    """
    sig = rules.vacancy_decline(vacancies, cfg, unemployed=unemployed)
    severity = xr.where(sig.severity > rules.NORMAL, rules.INFO, rules.NORMAL).astype(np.int8)
    return rules.Signal("vacancy_watch", "1", severity, sig.numbers)


def _compute(inp: RegisterInputs, cfg: dict[str, Any]) -> rules.Signal:
    return vacancy_watch(
        rules.with_area_sums(inp.counts("vacancies")),
        cfg,
        unemployed=rules.with_area_sums(inp.counts("unemployed")),
    )


register(Rule(
    "vacancy_watch", "1",
    title={
        "fi": "Avoimet työpaikat vähenevät: seurattava merkki",
        "sv": "De lediga jobben minskar: ett tecken att följa",
        "en": "Open vacancies are falling: a sign to watch",
    },
    why={
        "fi": "Työvoiman kysynnän heikkeneminen voi ennakoida työttömyyden kääntymistä nousuun, "
        "vaikka työttömyys vielä laskee; varoitus tulee, jos työttömyys lakkaa laskemasta.",
        "sv": "Svagare efterfrågan på arbetskraft kan förebåda att arbetslösheten vänder uppåt, "
        "fast den ännu sjunker; en varning följer om arbetslösheten slutar sjunka.",
        "en": "Weaker demand for labour can precede a turn in unemployment while it still "
        "falls; a warning follows if unemployment stops falling.",
    },
    detail=rules._vacancy_detail,
    compute=_compute,
    defaults={"smooth_months": 3, "drop_warning": 0.25, "drop_critical": 0.50,
              "min_vacancies": 40, "min_drop": 20, "min_vacancies_critical": 200,
              "for_k": 2, "of_n": 3, "clear_m": 3},
    series="vacancies", variables=("vacancies", "unemployed"),
))  # fmt: skip
