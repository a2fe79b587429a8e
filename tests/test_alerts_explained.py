"""Every alert the dashboard, the API or the review lists says what is wrong and why, in words.

The Etelä-Savo (MK10) occupation alert of a release built on 2026-12-07 (registers to 6/2026,
occupations to 10/2023) was listed with an empty explanation: the occupation forecast's turn is
an info breach at the forecast's origin (6/2026), and ``occupation_shortage`` fires after 3
breaches of 3, so the alert stayed pending, and only a firing stored an explanation. A
breaching (pending) alert now stores the explanation of its latest breach.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting import geography
from forecasting.alerts import rules
from forecasting.alerts.engine import AlertEngine
from forecasting.alerts.explain import explain
from forecasting.alerts.lifecycle import Transition, subject_of
from forecasting.alerts.monitor import occupation_signals
from forecasting.alerts.registry import LANGS, registered
from forecasting.alerts.repository import AlertRepository
from forecasting.io.alert_db import make_engine

ORIGIN = pd.Timestamp("2026-06-01")
CFG = rules.load_config()["rules"]
#: A word of code: a rule's or a number's name (``occupation_shortage``, ``age_months``), a
#: Python value, a de-duplication key or the stored title ``<rule> (<subject>): ...``.
CODE_WORD = re.compile(r"[a-z]+_[a-z_]+|\bNone\b|\bnan\b|\binf\b|[{}\[\]]")


def _explainer(tr: Transition) -> dict[str, Any]:
    return explain(tr.rule, tr.area, pd.Timestamp(tr.month), tr.numbers,
                   subject=subject_of(tr.key))  # fmt: skip


def _occupation_forecast(occupations: xr.Dataset) -> xr.Dataset:
    """A forecast from the present (origin 6/2026, as a release builds it from the registers'
    latest month): every 2-digit group of MK10 at 0.7 vacancies per jobseeker in its first
    month, 32 (health professionals) at 1.1 from 3/2027 (its 3-month mean from 5/2027, 11
    months after the origin), the others staying at 0.7."""
    groups = sorted({c[:2] for c in map(str, occupations["occupation"].values)
                     if c.isdigit() and len(c) == 4})  # fmt: skip
    months = pd.date_range("2026-07-01", periods=12, freq="MS")
    tightness = np.full((1, len(groups), len(months)), 0.7)
    tightness[0, groups.index("32"), 8:] = 1.1
    coords = {"area": ["MK10"], "occupation": groups, "time": months}
    dims = ("area", "occupation", "time")
    return xr.Dataset(
        {"tightness": (dims, tightness), "vacancies": (dims, np.full(tightness.shape, 200.0)),
         "unemployed": (dims, 200.0 / tightness)},
        coords=coords,
        attrs={"level_data_through": "2026-06", "shares_data_through": "2023-10"},
    )  # fmt: skip


def test_the_pending_etela_savo_occupation_alert_says_what_and_why(cubes, tmp_path) -> None:
    """The alert run's own signal on the snapshot's occupations (MK10, to 10/2023) with a
    forecast from 6/2026: health professionals (32) turn to shortage within the year, an
    info breach at 6/2026 that stays pending (3 of 3), listed with its explanation."""
    signals = occupation_signals(
        cubes["occupations"], CFG["occupation_shortage"],
        forecast=_occupation_forecast(cubes["occupations"]),
    )  # fmt: skip
    (turn,) = [s for s in signals if s.subject == "32"]
    assert int(turn.severity.sel(area="MK10", time=ORIGIN)) == rules.INFO
    from forecasting.alerts.run import _explainer as run_explainer

    db = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    explainer = run_explainer(cubes["registers"], pd.DataFrame(), {})  # the alert run's own
    report = AlertEngine(db).evaluate([turn], [ORIGIN], explainer=explainer, notify=False)
    assert report.transitions == []  # one breach of three: pending, not fired
    _, rows = AlertRepository(db).alerts(areas=["MK10"])
    (row,) = rows
    assert row["state"] == "pending"
    explanation = AlertRepository(db).get(row["id"])["explanation"]
    fi = explanation["text_fi"]
    assert fi.startswith("Etelä-Savo 6/2026: Ammattiryhmä kääntyi ylitarjonnasta työvoimapulaan "
                         "(32 Terveydenhuollon asiantuntijat).")  # fmt: skip
    assert explanation["summary_en"] == (
        "South Savo: An occupation group turned from surplus to shortage "
        "(32 Health associate professionals)"
    )
    # the turn in 5/2027, the months before the ratio (not "1,10 11 kuukauden kuluttua")
    assert "11 kuukauden kuluttua avoimia työpaikkoja on 1,10 työnhakijaa kohden" in fi
    assert "ennusteen alussa 0,70" in fi
    assert "Työnantajien rekrytointi vaikeutuu" in fi  # why it matters
    assert explanation["numbers"]["months_to_projected_shortage"] == 11


_subjects = itertools.count()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rule=st.sampled_from(sorted(registered())),
    area=st.sampled_from(["491", "TA23", "MK10", "SSS"]),
    severity=st.integers(rules.INFO, rules.CRITICAL),
    breaches=st.integers(1, 4),
    value=st.one_of(st.none(), st.floats(-1e4, 1e4)),
)
def test_no_listed_alert_has_an_empty_or_code_word_explanation(
    tmp_path_factory: pytest.TempPathFactory, rule, area, severity, breaches, value
) -> None:
    """Any rule, area and severity, whether the alert fired or is still pending (fewer
    breaches than the rule's ``for_k``), with any numbers (missing ones too): the stored
    explanation and the dashboard's paragraph, in every language, name the area and what
    happened, say why it matters and hold no word of code."""
    from service.alert_page import alert_item
    from service.schemas import AlertDetail

    db = _db(tmp_path_factory)
    months = pd.date_range("2026-01-01", periods=breaches, freq="MS")
    subject = f"s{next(_subjects)}"
    coords = {"area": [area], "time": months}
    sev = xr.DataArray(np.full((1, breaches), severity, np.int8), dims=("area", "time"),
                       coords=coords)  # fmt: skip
    numbers = xr.Dataset({"change": (("area", "time"), np.full((1, breaches), np.nan
                                                               if value is None else value))},
                         coords=coords)  # fmt: skip
    signal = rules.Signal(rule, "1", sev, numbers, subject=subject)
    AlertEngine(db).evaluate([signal], list(months), explainer=_explainer, notify=False)
    repo = AlertRepository(db)
    (row,) = [r for r in repo.alerts(areas=[area], limit=1000)[1] if r["title"].startswith(
        f"{rule} ({subject})")]  # fmt: skip
    detail = repo.get(row["id"])
    entry = registered()[rule]
    for lang in LANGS:
        name = geography.area_name(area, lang)
        text = detail["explanation"][f"text_{lang}"]
        assert re.match(rf"{re.escape(name)} \d{{1,2}}/2026: ", text), text  # fired or breached
        assert entry.title[lang] in text and entry.why[lang] in text
        assert not CODE_WORD.search(text), text
        page = alert_item(AlertDetail.model_validate(detail), lang, ["unemployed"])
        assert entry.why[lang] in page["text"] and not CODE_WORD.search(page["text"])
        assert not CODE_WORD.search(page["summary"])


_engines: dict[str, Any] = {}


def _db(factory: pytest.TempPathFactory) -> Any:
    """One alert store for the property's examples (each alert has its own subject)."""
    if "db" not in _engines:
        _engines["db"] = make_engine(f"sqlite:///{factory.mktemp('explained') / 'a.sqlite'}")
    return _engines["db"]


def test_the_pending_alert_keeps_the_explanation_of_its_latest_breach(tmp_path: Path) -> None:
    """Two evaluations of a 3-of-3 rule, one breach each: still pending, explained by the
    second month's numbers; the third breach fires it with its own explanation."""
    db = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    months = pd.date_range("2026-04-01", periods=3, freq="MS")
    coords = {"area": ["MK10"], "time": months}
    sev = xr.DataArray(np.full((1, 3), rules.WARNING, np.int8), dims=("area", "time"),
                       coords=coords)  # fmt: skip
    values = {"tightness": [1.2, 1.3, 1.4], "tightness_year_before": [0.8, 0.8, 0.9]}
    numbers = xr.Dataset({k: (("area", "time"), [v]) for k, v in values.items()}, coords=coords)
    signal = rules.Signal("occupation_shortage", "3", sev, numbers, subject="32")
    engine = AlertEngine(db)
    repo = AlertRepository(db)
    for k, month in enumerate(months):
        engine.evaluate([signal], [month], explainer=_explainer, notify=False)
        (row,) = repo.alerts()[1]
        text = repo.get(row["id"])["explanation"]["text_fi"]
        assert row["state"] == ("firing" if k == 2 else "pending")
        assert row["severity"] == "warning"  # the breach's, pending or firing
        assert text.startswith(f"Etelä-Savo {month.month}/2026: ")
        assert f"työnhakijaa kohden {values['tightness'][k]:.2f}".replace(".", ",") in text


def test_a_dashboard_alert_stored_without_explanation_still_says_why() -> None:
    """An alert stored before pending alerts were explained (explanation ``{}``): the page
    still shows the rule's why, never an empty paragraph."""
    from service.alert_page import alert_item
    from service.schemas import AlertDetail

    detail = AlertDetail(
        id=1, rule="occupation_shortage", rule_version="3", area="MK10", severity="info",
        state="pending", title="occupation_shortage (32): Etelä-Savo (MK10)", episode=0,
        first_seen=dt.date(2026, 6, 1), explanation={}, history=[],
    )  # fmt: skip
    item = alert_item(detail, "fi", ["unemployed"])
    assert item["text"] == registered()["occupation_shortage"].why["fi"]
    assert item["summary"].startswith("Etelä-Savo: Ammattiryhmä kääntyi")
