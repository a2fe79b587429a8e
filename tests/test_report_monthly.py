"""The monthly labour-market review: figures, gap honesty, HTML, PDF and the CLI.

Reference values are the snapshot's TA23 registers (tyonv 12r5; the published 2026-06 figures
of statfin-2026: 3 675 unemployed, 32 675 labour force, 5 907 jobseekers; 2023-10 from the
old extract: 3 221 unemployed, 3 081 in 2023-09, 2 908 in 2022-10).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from flows.cli import main
from forecasting.errors import UnknownAreaError, ValidationError
from forecasting.report import monthly_review, render_html, render_pdf
from forecasting.report.build import format_of, review_bytes
from forecasting.report.review import Figure, Row

NBSP = "\xa0"
TODAY = dt.date(2026, 12, 1)


def _fan() -> xr.Dataset:
    months = pd.date_range("2026-07-01", periods=42, freq="MS")
    mean = 3675 + 10 * np.arange(42.0)
    spread = np.arange(42.0)
    stats = np.stack(
        [mean, mean - 100 - 5 * spread, mean + 100 + 5 * spread,
         mean - 200 - 9 * spread, mean + 200 + 9 * spread], axis=-1,
    )  # fmt: skip
    return xr.Dataset(
        {"unemployed": (("area", "time", "statistic"), stats[None])},
        coords={"area": ["TA23"], "time": months,
                "statistic": ["mean", "lo80", "hi80", "lo95", "hi95"]},
    )  # fmt: skip


def _alerts() -> xr.Dataset:
    severity = np.array([[[1.0, 3.0]], [[np.nan, 2.0]]])
    return xr.Dataset(
        {"severity": (("area", "time", "rule"), severity)},
        coords={"area": ["491", "507"], "time": [pd.Timestamp("2026-06-01")],
                "rule": ["rate_threshold", "structural_break"]},
    )  # fmt: skip


@pytest.fixture(scope="module")
def review(cubes):
    return monthly_review(
        cubes["registers"], "TA23", "2026-06", occupations=cubes["occupations"],
        register_forecasts=_fan(), alerts=_alerts(), today=TODAY,
    )  # fmt: skip


class _Checker(HTMLParser):
    """Balanced tags (void elements aside): a crude validity check."""

    VOID: ClassVar[set[str]] = {"meta", "br", "img", "hr", "link", "input", "col", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    return checker


def test_headline_has_the_published_june_2026_figures(review) -> None:
    unemployed, rate, force, jobseekers, vacancies, _ = review.headline
    assert unemployed.now == Figure(3675.0)
    assert force.now == Figure(32675.0)
    assert jobseekers.now == Figure(5907.0)
    assert rate.derived and rate.now.value == pytest.approx(100 * 3675 / 32675)
    # TA23's own cell is suppressed; Hirvensalmi (097) is, the other members publish
    # 45 + 60 + 228 + 12 + 0 = 345 (statfin-2026 12r5 2026M06): a lower bound, never 0 or a
    # plain total, the same figure as the start page's (forecasting.partial_totals)
    assert vacancies.now == Figure(345.0, "partial", suppressed=1, members=6)
    assert vacancies.change(vacancies.previous) is None


def test_a_partial_area_total_reads_as_a_lower_bound_with_a_note(review) -> None:
    fi = " ".join(_parse(render_html(review, "fi")).text).replace(NBSP, " ")
    assert "≥ 345" in fi and "vähintään: 1/6 kunnan luku salattu" in fi
    en = " ".join(_parse(render_html(review, "en")).text).replace(NBSP, " ")
    assert "≥ 345" in en and "at least: 1 of 6 municipalities suppressed" in en


def test_gap_months_are_no_data_never_zero(review) -> None:
    for row in (*review.headline, *review.groups):
        assert row.previous.status == "missing" and row.previous.value is None
        assert row.year_ago.value is None
        assert row.change(row.previous) is None
    text = " ".join(_parse(render_html(review, "en")).text)
    assert "no data" in text
    fi = " ".join(_parse(render_html(review, "fi")).text)
    assert f"3{NBSP}675" in fi and f"32{NBSP}675" in fi and "11,2 %" in fi.replace(NBSP, " ")
    assert "ei tietoa" in fi and "salattu" in fi


def test_a_review_month_inside_the_gap_says_no_data(cubes) -> None:
    review = monthly_review(cubes["registers"], "TA23", "2025-03", today=TODAY)
    assert review.headline[0].now.status == "missing"
    fi = " ".join(_parse(render_html(review, "fi")).text)
    assert "ei tietoa" in fi and f"3{NBSP}675" not in fi


def test_october_2023_changes_against_month_and_year(cubes) -> None:
    review = monthly_review(cubes["registers"], "TA23", "2023-10", today=TODAY)
    unemployed = review.headline[0]
    assert unemployed.change(unemployed.previous) == pytest.approx(3221 / 3081 - 1)
    assert unemployed.change(unemployed.year_ago) == pytest.approx(3221 / 2908 - 1)
    fi = " ".join(_parse(render_html(review, "fi")).text)
    # +4.5 % on the month, +10.8 % on the year (issue 19), the rate +1.0 percentage points
    fi = fi.replace(NBSP, " ")
    assert "+5 %" in fi and "+11 %" in fi and "+1,0 %-yks." in fi
    en = " ".join(_parse(render_html(review, "en")).text)
    assert "3,221" in en and "+11%" in en


def test_alerts_ordered_by_severity_with_plain_texts(review) -> None:
    released = [a for a in review.alerts if a.rule != "stale_data"]  # the release's product
    assert [a.severity for a in released] == [3, 2, 1]
    assert [a.severity for a in review.alerts] == sorted(
        (a.severity for a in review.alerts), reverse=True
    )
    html = render_html(review, "fi")
    assert html.index("kriittinen") < html.index("varoitus") < html.index("tiedote")
    assert "structural_break" not in html and "rate_threshold" not in html


def test_alert_numbers_stored_by_the_release_reach_the_text(cubes) -> None:
    """The release's alerts product keeps its last month's explanation numbers (attr
    ``alert_numbers``); the review quotes them formatted (fi 15,6 %, 80 %; en 15.6%)."""
    import json

    alerts = _alerts()
    numbers = {"probability": 0.8, "peak": 0.156, "effective_threshold": 0.12}
    alerts.attrs["alert_numbers"] = json.dumps(
        {"month": "2026-06", "numbers": {"491": {"rate_threshold": numbers}}}
    )
    review = monthly_review(cubes["registers"], "TA23", "2026-06", alerts=alerts, today=TODAY)
    (item,) = [a for a in review.alerts if a.rule == "rate_threshold"]
    assert item.numbers == numbers
    fi = " ".join(_parse(render_html(review, "fi")).text).replace(NBSP, " ")
    assert "15,6 %" in fi and "80 %" in fi and "12,0 %" in fi
    en = " ".join(_parse(render_html(review, "en")).text)
    assert "15.6%" in en and "80%" in en
    # another month's numbers are not quoted (the stored ones are the last month's)
    alerts.attrs["alert_numbers"] = alerts.attrs["alert_numbers"].replace("2026-06", "2026-05")
    review = monthly_review(cubes["registers"], "TA23", "2026-06", alerts=alerts, today=TODAY)
    assert all(not a.numbers for a in review.alerts if a.rule != "stale_data")


def test_html_has_the_fan_chart_and_sections(review) -> None:
    html = render_html(review, "en")
    _parse(html)
    assert html.count("<svg") == 1 and 'data-band="outer"' in html
    for section in ("headline", "groups", "occupations", "forecast", "alerts", "sources"):
        assert f'id="{section}"' in html
    assert 'id="scenarios"' not in html  # none stored: the section is left out
    assert "tyonv 12r5" in html and "6/2026" in html


def test_pdf_starts_with_magic_and_holds_the_figures(review) -> None:
    from pypdf import PdfReader

    pdf = render_pdf(review, "fi")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1
    text = " ".join(p.extract_text() for p in reader.pages).replace(NBSP, " ")
    assert "3 675" in text and "32 675" in text and "ei tietoa" in text
    assert ">= 345" in text  # the core font's Latin-1 has no ≥
    assert "Työmarkkinakatsaus" in text and "kriittinen" in text


def test_bytes_and_formats(cubes) -> None:
    data = review_bytes(cubes, {}, "TA23", "2026-06", fmt="html", lang="en", today=TODAY)
    assert b"Labour market review" in data and b"No published forecast" in data
    assert format_of("x.PDF") == "pdf" and format_of("a/b.html") == "html"
    with pytest.raises(ValidationError, match=r"pdf or \.html"):
        format_of("review.docx")
    sv = review_bytes(cubes, {}, "TA23", "2026-06", fmt="html", lang="sv", today=TODAY)
    assert "Arbetsmarknadsöversikt" in sv.decode() and "Ingen publicerad prognos" in sv.decode()
    with pytest.raises(ValidationError, match="lang"):
        review_bytes(cubes, {}, "TA23", fmt="html", lang="de")


@pytest.mark.parametrize(
    ("month", "message"),
    [("2026-13", "not a month YYYY-MM"), ("June", "not a month"), ("2030-01", "outside")],
)
def test_bad_month_is_a_clear_error(cubes, month, message) -> None:
    with pytest.raises(ValidationError, match=message):
        monthly_review(cubes["registers"], "TA23", month)


def test_unknown_area_is_a_clear_error(cubes) -> None:
    with pytest.raises(UnknownAreaError, match="TA99"):
        monthly_review(cubes["registers"], "TA99")


def test_cli_errors(tmp_path, capsys) -> None:
    out = tmp_path / "r.pdf"
    assert main(["report", "monthly", "--area", "TA99", "--out", str(out)]) == 2
    assert "unknown area code 'TA99'" in capsys.readouterr().err
    assert main(["report", "monthly", "--month", "2026-13", "--out", str(out)]) == 2
    assert "'2026-13' is not a month YYYY-MM" in capsys.readouterr().err
    assert main(["report", "monthly", "--out", str(tmp_path / "r.doc")]) == 2
    assert ".pdf or .html" in capsys.readouterr().err
    assert not out.exists()


@given(
    now=st.one_of(st.none(), st.floats(1, 1e5)),
    other=st.one_of(st.none(), st.floats(1, 1e5)),
)
def test_a_change_needs_both_figures(now: float | None, other: float | None) -> None:
    fig = [Figure(v) if v is not None else Figure(None, "missing") for v in (now, other)]
    change = Row("unemployed", fig[0], fig[1], fig[1]).change(fig[1])
    assert (change is None) == (now is None or other is None)


@given(
    cells=st.lists(st.one_of(st.none(), st.integers(0, 500)), min_size=1, max_size=6),
)
def test_an_occupation_group_with_suppressed_cells_is_a_lower_bound(cells) -> None:
    """A 2-digit group sums its level-4 cells; a suppressed cell (NaN) is not 0: the group
    is a lower bound (partial) when some cells are published, suppressed when none is."""
    from forecasting.report.review import occupation_rows

    codes = [f"53{i:02d}" for i in range(len(cells))]
    values = np.array([[[np.nan if c is None else c for c in cells]]], dtype=float)
    ds = xr.Dataset(
        {"unemployed": (("area", "time", "occupation"), values),
         "vacancies": (("area", "time", "occupation"), np.full_like(values, 1.0))},
        coords={"area": ["MK10"], "time": pd.to_datetime(["2026-06-01"]), "occupation": codes},
    )  # fmt: skip
    rows, where, _ = occupation_rows(ds, pd.Timestamp("2026-06-01"))
    published = [c for c in cells if c is not None]
    if not published:  # no unemployed cell published: the month counts as not observed
        assert rows == ()
        return
    assert where == "MK10" and len(rows) == 1
    fig = rows[0].unemployed
    if len(published) == len(cells):
        assert fig.status == "ok" and fig.value == sum(published)
    elif published:
        assert fig.status == "partial" and fig.value == sum(published)
        assert (fig.suppressed, fig.members) == (len(cells) - len(published), len(cells))
        assert rows[0].tightness is None  # no ratio against a lower bound


def _scenarios() -> xr.Dataset:
    """A closure whose effect peaks in month 6 and fades to almost nothing by the end, and a
    baseline; medians over draws as the release stores them."""
    import json

    months = pd.date_range("2026-07-01", periods=24, freq="MS")
    effect = np.concatenate([np.linspace(0, 240, 6), np.linspace(240, 3, 18)])
    base = np.full(24, 3700.0)
    values = np.stack([base, base + effect])[:, None, :, None]  # scenario, area, time, draw
    specs = {
        "baseline": {"description": "No events."},
        "closure": {
            "description": "A plant in Mäntyharju closes.",
            "events": [{"kind": "closure", "municipality": "507", "industry": "C",
                        "jobs": 300, "start": "2026-09", "phase_in_months": 3}],
        },
    }  # fmt: skip
    return xr.Dataset(
        {"unemployed": (("scenario", "area", "time", "draw"), values)},
        coords={"scenario": ["baseline", "closure"], "area": ["TA23"], "time": months},
        attrs={"scenario_specs": json.dumps(specs)},
    )


def test_a_scenario_reads_at_its_largest_effect_in_the_reader_s_language(cubes) -> None:
    """The effect column is the largest change against the baseline and its month (+240 in
    12/2026), not the faded end (+3); the Finnish review describes the events in Finnish
    (the spec's description is English) and names the sources, not the cubes."""
    from forecasting.report.review import scenario_items

    closure = scenario_items(_scenarios(), "TA23")[1]
    assert closure.effect == pytest.approx(240.0) and closure.peak == dt.date(2026, 12, 1)
    got = monthly_review(cubes["registers"], "TA23", "2026-06", scenarios=_scenarios(), today=TODAY)
    fi = " ".join(_parse(render_html(got, "fi")).text).replace(NBSP, " ")
    assert "Toimipaikan lopettaminen: Mäntyharju, Teollisuus (C), 300 työpaikkaa 9/2026" in fi
    assert "+240 (12/2026)" in fi and "A plant in Mäntyharju" not in fi
    assert "Perusura" in fi and "Työnvälitystilasto kunnittain" in fi
    en = " ".join(_parse(render_html(got, "en")).text).replace(NBSP, " ")
    assert "A plant in Mäntyharju closes." in en and "+240 (12/2026)" in en


def test_a_lower_bound_of_zero_reads_as_suppressed() -> None:
    """Every published member is 0 and the others are suppressed: "≥ 0" would say nothing."""
    from forecasting.report.labels import words
    from forecasting.report.render import _value

    w = words("fi")
    zero = Figure(0.0, "partial", suppressed=2, members=3)
    some = Figure(12.0, "partial", suppressed=1, members=3)
    assert _value(zero, "persons", "fi", w) == w["suppressed"]
    assert _value(some, "persons", "fi", w) == "≥ 12"


def test_a_preset_scenario_is_named_by_its_title_in_the_reviews_language() -> None:
    """The review of 12/2026 listed "mantyharju manufacturing closure" (the preset's id) in
    a Finnish review; the dashboard names presets by their titles in the page's language."""
    from forecasting.report.labels import words
    from forecasting.report.render import _scenario
    from forecasting.report.review import ScenarioItem
    from forecasting.scenarios.presets import TITLES

    event = {"kind": "closure", "municipality": "507", "industry": "C", "jobs": 300,
             "start": "2026-09"}  # fmt: skip
    preset = ScenarioItem("mantyharju_manufacturing_closure", "A plant closes.", 240.0,
                          dt.date(2026, 12, 1), (event,))  # fmt: skip
    for lang in ("fi", "en"):
        row = _scenario(preset, lang, words(lang))
        assert row["name"] == TITLES["mantyharju_manufacturing_closure"][lang]
    own = ScenarioItem("my_own_case", "", None, None, (event,))
    assert _scenario(own, "fi", words("fi"))["name"] == "my own case"


@pytest.mark.parametrize("published", [False, True])
def test_the_occupation_table_has_no_column_of_dashes(cubes, published) -> None:
    """The review of 6/2026 showed Etelä-Savo's occupations of 10/2023, every group a lower
    bound ("≥ 982") with suppressed cells, so "Työpaikkoja / työtön" was a dash on every row;
    the column is left out then (HTML and PDF), and shown as soon as one group has a ratio."""
    import dataclasses

    from forecasting.report.review import OccupationRow

    partial = Figure(982.0, "partial", suppressed=3, members=9)
    rows = (
        OccupationRow("X", partial, Figure(9.0, "partial", suppressed=1, members=9)),
        OccupationRow("71", Figure(535.0) if published else partial, Figure(5.0)),
    )
    review = monthly_review(cubes["registers"], "TA23", "2026-06", today=TODAY)
    review = dataclasses.replace(
        review, occupations=rows, occupations_area="MK10", occupations_month=dt.date(2023, 10, 1)
    )
    html = render_html(review, "fi")
    assert ("Työpaikkoja / työtön" in html) == published
    assert ("0,01" in html) == published  # 5 vacancies for 535 unemployed
    assert render_pdf(review, "fi")[:4] == b"%PDF"


def test_the_review_carries_the_stale_data_alerts_the_dashboard_shows(cubes) -> None:
    """Today (7.12.2026) the registers (to 6/2026: July's were due by the end of August) and
    the occupations (to 10/2023) are out of date. The alert run lists both as stale_data
    alerts of the area; the review did not, so leadership did not learn it. It now carries
    them, the most severe first, with the source, its newest month and its age."""
    today = dt.date(2026, 12, 7)
    review = monthly_review(cubes["registers"], "TA23", "2026-06", alerts=_alerts(),
                            occupations=cubes["occupations"], today=today)  # fmt: skip
    stale = [(a.area, a.subject, a.severity, a.month) for a in review.alerts
             if a.rule == "stale_data"]  # fmt: skip
    assert stale == [("TA23", "occupations", 3, dt.date(2026, 12, 1)),
                     ("TA23", "registers", 2, dt.date(2026, 12, 1))]  # fmt: skip
    # within a severity the newest first, as on the dashboard: 12/2026 before 6/2026
    assert [(a.severity, a.rule) for a in review.alerts][:3] == [
        (3, "stale_data"), (3, "structural_break"), (2, "stale_data")
    ]  # fmt: skip
    fi = " ".join(_parse(render_html(review, "fi")).text).replace(NBSP, " ")
    assert "Työnvälitystilasto: uusin kuukausi 6/2026, 6 kuukautta vanha." in fi
    assert "Ammattiryhmien työnvälitystilasto: uusin kuukausi 10/2023, 38 kuukautta vanha." in fi
    from pypdf import PdfReader

    en = render_pdf(review, "en")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(en)).pages)
    assert "Employment service statistics: newest month 6/2026, 6 months old." in text


@given(
    st.lists(
        st.tuples(st.integers(1, 3), st.dates(dt.date(2020, 1, 1), dt.date(2027, 12, 1)),
                  st.sampled_from(["491", "507", "TA23", "MK10"]),
                  st.sampled_from(["stale_data", "seasonal_rise", "working_age_decline"])),
        max_size=12,
    )
)  # fmt: skip
def test_the_review_lists_alerts_in_the_dashboard_s_order(rows) -> None:
    from forecasting.alerts.registry import SEVERITY_LEVELS
    from forecasting.report.review import AlertItem, ordered
    from service.alert_page import ordered as page_order

    names = {level: name for name, level in SEVERITY_LEVELS.items()}
    review = ordered([AlertItem(a, r, s, {}, d) for s, d, a, r in rows])
    page = page_order(
        {"severity": names[s], "when": d, "area": a, "rule": r} for s, d, a, r in rows
    )
    assert [(a.severity, a.month, a.area, a.rule) for a in review] == [
        (SEVERITY_LEVELS[p["severity"]], p["when"], p["area"], p["rule"]) for p in page
    ]


def test_the_occupation_turns_of_the_region_or_why_they_are_left_out(cubes) -> None:
    """The region's occupation groups turning to shortage (the alert run's own signal: here
    health professionals, 32, in a forecast from 6/2026) are in the review of an area of
    that region, named by group; a review without occupation figures says plainly that it
    leaves them out, and every review says that the event register's alerts are elsewhere."""
    from tests.test_alerts_explained import _occupation_forecast

    forecast = _occupation_forecast(cubes["occupations"])
    review = monthly_review(
        cubes["registers"], "TA23", "2026-06", today=TODAY,
        occupations=cubes["occupations"], occupation_forecasts=forecast,
    )  # fmt: skip
    (turn,) = [a for a in review.alerts if a.rule == "occupation_shortage"]
    assert (turn.area, turn.subject, turn.severity) == ("MK10", "32", 1)
    fi = " ".join(_parse(render_html(review, "fi")).text).replace(NBSP, " ")
    assert "Ammattiryhmä kääntyi ylitarjonnasta työvoimapulaan (32 " in fi
    assert "11 kuukauden kuluttua avoimia työpaikkoja on 1,10 työnhakijaa kohden" in fi
    assert "tapahtumarekisteristä" in fi and "Ammattiryhmien hälytykset eivät ole" not in fi
    other = monthly_review(
        cubes["registers"], "TA18", "2026-06", today=TODAY,
        occupations=cubes["occupations"], occupation_forecasts=forecast,
    )  # fmt: skip
    assert not [a for a in other.alerts if a.rule == "occupation_shortage"]  # not Etelä-Savo
    without = monthly_review(cubes["registers"], "TA23", "2026-06", today=TODAY)
    assert without.alerts_left_out == ("events", "occupations")
    en = " ".join(_parse(render_html(without, "en")).text)
    assert "Alerts on occupation groups are not in the review" in en
    assert "evaluated from the event register" in en


@pytest.mark.parametrize("lang", ["fi", "en"])  # the review's languages
def test_a_change_against_a_month_not_in_the_data_is_no_data_not_suppressed(lang: str) -> None:
    """6/2026's vacancies in TA23 are a partial sum ("≥ 345"); 6/2025 lies in the registers'
    gap. The review wrote the year's change as "salattu" (suppressed), a reason that was not
    the one: the comparison month is missing. A suppressed comparison stays "salattu"."""
    from forecasting.report.labels import words
    from forecasting.report.render import _change

    w = words(lang)
    partial = Figure(345.0, "partial", suppressed=1, members=6)
    row = Row("vacancies", partial, Figure(None, "missing"), Figure(None, "missing"))
    assert _change(row, row.year_ago, lang, w) == w["no_data"]
    hidden = Row("vacancies", partial, Figure(None, "suppressed"), Figure(None, "suppressed"))
    assert _change(hidden, hidden.year_ago, lang, w) == w["suppressed"]
    missing_now = Row("vacancies", Figure(None, "missing"), Figure(None, "suppressed"),
                      Figure(None, "suppressed"))  # fmt: skip
    assert _change(missing_now, missing_now.year_ago, lang, w) == w["no_data"]


def test_the_note_under_the_figures_names_what_the_tables_show(review, cubes):
    """The note said "11/2023-5/2026" and "≥ 345" in every review, whatever its area and
    month: it now names the compared months the data lack, and the lower bound the table
    shows, from the figures themselves, and says nothing the tables do not show."""
    from forecasting.report.render import view

    data = view(review, "fi")
    note = data["gap_note"].replace(NBSP, " ")
    # 6/2026 against 5/2026 and 6/2025, both in the registers' gap
    assert note.startswith("Aineistossa ei ole rekisteritietoja kuukausilta 5/2026 ja 6/2025:")
    shown = [r["now"].replace(NBSP, " ") for r in data["headline"] + data["groups"]]
    bounds = [s for s in shown if s.startswith("≥")]
    assert bounds and f"{bounds[0]} = julkaistujen kuntien summa" in note
    assert "11/2023" not in note
    en = view(review, "en")["gap_note"]
    assert "no register figures for 5/2026 and 6/2025: comparisons with those months" in en
    # a month whose comparisons are all in the data: no word of a gap
    before = monthly_review(cubes["registers"], "TA23", "2023-10", today=TODAY)
    assert "rekisteritietoja" not in view(before, "fi")["gap_note"]
    html = render_html(before, "fi")
    assert "Aineistossa ei ole rekisteritietoja" not in html


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_no_pdf_table_heading_breaks_inside_a_word(review, lang) -> None:
    """The Swedish review's alert table broke its severity heading across two lines
    ("Allvarlighetsgr" / "ad"): the column was sized for the Finnish "Vakavuus". Every
    heading word of every table is now whole on one line of the PDF."""
    from pypdf import PdfReader

    from forecasting.report.labels import words

    reader = PdfReader(io.BytesIO(render_pdf(review, lang)))
    lines = {
        line.strip()
        for page in reader.pages
        for line in page.extract_text().replace(NBSP, " ").splitlines()
    }
    text = " ".join(lines)
    w = words(lang)
    for key in ("severity", "area", "explanation", "month", "mean", "figure", "now"):
        for word in w[key].split():
            assert re.search(rf"(^|\s){re.escape(word)}(\s|$)", text), (key, word)


def test_a_column_widens_to_its_longest_word_and_takes_the_room_from_the_others() -> None:
    from fpdf import FPDF

    from forecasting.report.pdf import fitted_widths

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    header = ["Allvarlighetsgrad", "Område", "Förklaring"]
    rows = [["meddelande", "S:t Michel regionen", "Befolkningen i arbetsför ålder minskar."]]
    widths = fitted_widths(pdf, header, rows, (16, 24, 80))
    pdf.set_font("Helvetica", "B", 9)
    assert widths[0] > pdf.get_string_width("Allvarlighetsgrad") + 2 * pdf.c_margin
    assert sum(widths) == pytest.approx(pdf.epw)
    assert widths[1] > pdf.get_string_width("Område") + 2 * pdf.c_margin
    # the room comes mostly from the wide explanation column, which has most to spare
    assert pdf.epw * 80 / 120 - widths[2] > pdf.epw * 24 / 120 - widths[1] > 0
    # a table that fits keeps the proportions it asked for
    fits = fitted_widths(pdf, ["Vakavuus", "Alue", "Selitys"], [["info", "Juva", "x"]], (1, 1, 2))
    assert fits == pytest.approx([pdf.epw / 4, pdf.epw / 4, pdf.epw / 2])


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_review_calls_vacancies_what_the_dashboard_calls_them(lang) -> None:
    """The Swedish review said "Lediga jobb" and "Lediga jobb per arbetslös" beside the
    dashboard's "Lediga arbetsplatser" and "Lediga platser per arbetslös": one reader, the
    review and the start page open side by side, two words for one figure."""
    from forecasting.report.labels import words
    from service.i18n import TEXT
    from service.i18n_products import product_texts

    w = words(lang)
    assert w["vacancies"] == TEXT[lang]["vacancies"]
    assert w["occupations"].startswith(TEXT[lang]["vacancies"])
    if lang != "fi":  # the Finnish column keeps its short "Työpaikkoja / työtön"
        assert w["tightness"] == product_texts(lang)["tightness"]


def test_swedish_quotes_the_swedish_way() -> None:
    """Swedish writes ”uppgift saknas” (the same mark on both sides), not “...”."""
    from forecasting.report.labels import words

    w = words("sv")
    assert "\u201duppgift saknas\u201d" in w["gap_missing"] + w["gap_missing_one"]
    assert "\u201c" not in "".join(w.values())
