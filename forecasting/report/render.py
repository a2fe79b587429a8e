"""The monthly review as HTML (Jinja2 template in the package) and PDF (fpdf2).

Both formats render the same :func:`view`: the review's texts and figures formatted for
people in the page language (Babel: ``3 675``, ``11,2 %``, ``−13 %``; en ``3,675``), missing
figures as "ei tietoa" / "no data" and suppressed cells as "salattu" / "suppressed", never 0;
an area total with suppressed members as the lower bound "≥ 345" with a note.
The HTML holds the fan chart as inline SVG (:func:`forecasting.charts.fan_chart`); the PDF
draws the same SVG with fpdf2's SVG support.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from forecasting.alerts import text as fmt
from forecasting.alerts.explain import texts as alert_texts
from forecasting.charts import fan_chart
from forecasting.errors import ValidationError
from forecasting.geography import area_name
from forecasting.report.labels import LANGS, words
from forecasting.report.review import Figure, MonthlyReview, Row, ScenarioItem

FORMATS = ("html", "pdf")


def check_lang(lang: str) -> str:
    """``lang`` if the review has it (``fi``, ``sv``, ``en``).

    Raises
    ------
    ValidationError
        Otherwise.
    """
    if lang not in LANGS:
        raise ValidationError("lang", f"{lang!r}: the review is in {', '.join(LANGS)}")
    return lang


def _month(value: Any) -> str:
    return f"{value.month}/{value.year}"


def _value(fig: Figure, unit: str, lang: str, w: dict[str, str]) -> str:
    if fig.status == "suppressed":
        return w["suppressed"]
    if fig.status == "partial" and fig.value is not None:  # a lower bound, as on the start page
        # "≥ 0" says nothing: every published member is 0, the figure is in the suppressed ones
        return f"≥ {fmt.number(fig.value, lang)}" if fig.value > 0 else w["suppressed"]
    if not fig.ok:
        return w["no_data"]
    if unit == "percent":
        return fmt.percent((fig.value or 0.0) / 100.0, lang, 1)
    return fmt.number(fig.value, lang)


def _event(event: Mapping[str, Any], lang: str, w: dict[str, str]) -> str:
    """One event of a scenario's spec in ``lang`` (names, not codes)."""
    from forecasting import classifications

    kind = str(event.get("kind", ""))
    industry = str(event.get("industry", ""))
    with contextlib.suppress(ValidationError):  # not a TOL 2008 section: the code as given
        industry = f"{classifications.label('industry', industry, lang)} ({industry})"
    start = str(event.get("start", ""))[:7]
    text = w["event"].format(
        kind=w.get(f"kind_{kind}", kind),
        municipality=area_name(str(event.get("municipality", "")), lang),
        industry=industry,
        jobs=fmt.number(float(event.get("jobs", 0) or 0), lang),
        start=_month(pd.Period(start, "M")) if start else "",
    )
    if int(event.get("phase_in_months", 0) or 0) > 1:
        text += w["event_phase"].format(months=int(event["phase_in_months"]))
    if int(event.get("duration_months", 0) or 0) > 0:
        text += w["event_duration"].format(months=int(event["duration_months"]))
    return text


def _scenario(s: ScenarioItem, lang: str, w: dict[str, str]) -> dict[str, str]:
    """A stored scenario's row: in English its name and description as specified; in other
    languages the events described in that language (the spec's text is English)."""
    if not s.events:
        name = w["baseline_name"] if s.name == "baseline" else s.name.replace("_", " ")
        description = s.description if lang == "en" and s.description else ""
        description = description or w["baseline_description"]
    else:
        from forecasting.scenarios.presets import TITLES, preset_title

        # a preset by its title in ``lang`` ("Teollisuuslaitos sulkee Mäntyharjulla ..."),
        # not its id ("mantyharju manufacturing closure" in a Finnish review)
        name = preset_title(s.name, lang) if s.name in TITLES else s.name.replace("_", " ")
        described = "; ".join(_event(e, lang, w) for e in s.events)
        description = s.description if lang == "en" and s.description else described + "."
    effect = "–"
    if s.effect is not None:
        effect = fmt.signed(s.effect, lang)
        if s.peak is not None:
            effect += f" ({_month(s.peak)})"
    return {"name": name, "description": description, "effect": effect}


def _change(row: Row, other: Figure, lang: str, w: dict[str, str]) -> str:
    change = row.change(other)
    if change is None:
        # a month not in the data is no data, whatever the other figure (a partial sum of
        # 6/2026 against the register gap's 6/2025 said "salattu")
        if "missing" in {row.now.status, other.status}:
            return w["no_data"]
        hidden = {"suppressed", "partial"} & {row.now.status, other.status}
        return w["suppressed"] if hidden else w["no_data"]
    if row.unit == "percent":
        return f"{fmt.signed(change, lang, 1)} {w['pp']}"
    return fmt.change(change, lang)


def _note(row: Row, w: dict[str, str]) -> str:
    partial = next(
        (f for f in (row.now, row.previous, row.year_ago) if f.status == "partial"), None
    )
    notes = [w["derived"]] if row.derived else []
    if partial is not None:
        notes.append(w["partial"].format(n=partial.suppressed, m=partial.members))
    return "; ".join(notes)


def _row(row: Row, lang: str, w: dict[str, str]) -> dict[str, str]:
    return {
        "label": w[row.variable],
        "note": _note(row, w),
        "now": _value(row.now, row.unit, lang, w),
        "previous": _value(row.previous, row.unit, lang, w),
        "year_ago": _value(row.year_ago, row.unit, lang, w),
        "vs_previous": _change(row, row.previous, lang, w),
        "vs_year": _change(row, row.year_ago, lang, w),
    }


def _occupation_label(code: str, lang: str) -> str:
    from forecasting.classifications import label

    try:
        return f"{code} {label('occupation', code, lang)}"
    except Exception:  # an unlabelled group keeps its code
        return code


def _gap_note(review: MonthlyReview, lang: str, w: dict[str, str]) -> str:
    """The note under the figures, from the figures themselves: the compared months the data
    lack altogether, what "salattu" means when a figure is suppressed, and what a lower
    bound ("≥ 345") means when one is shown, each only when the tables show it (a fixed note
    named the gap 11/2023-5/2026 and "≥ 345" whatever the area and month)."""
    rows = (*review.headline, *review.groups)
    month = pd.Timestamp(review.month)
    compared = (
        (lambda r: r.now, month),
        (lambda r: r.previous, month - pd.DateOffset(months=1)),
        (lambda r: r.year_ago, month - pd.DateOffset(months=12)),
    )
    # a month the data lack as a whole (the registers' gap), not a variable a source lacks
    missing = [
        when for get, when in compared if rows and all(get(r).status == "missing" for r in rows)
    ]
    figures = [get(r) for r in rows for get, _ in compared]
    notes = []
    if missing:
        months = f" {w['and']} ".join(_month(when) for when in missing)
        notes.append(
            w["gap_missing" if len(missing) > 1 else "gap_missing_one"].format(months=months)
        )
    if any(_value(f, "persons", lang, w) == w["suppressed"] for f in figures):
        notes.append(w["gap_suppressed"])
    bound = next((f for f in figures if f.status == "partial" and (f.value or 0) > 0), None)
    if bound is not None:
        notes.append(w["gap_partial"].format(value=_value(bound, "persons", lang, w)))
    return " ".join(notes)


def view(review: MonthlyReview, lang: str) -> dict[str, Any]:
    """Everything the templates print, as strings in ``lang``."""
    lang = check_lang(lang)
    w = words(lang)
    alerts = []
    for item in review.alerts:
        said = alert_texts(item.rule, item.numbers, lang, item.subject)
        if not item.numbers:  # the release's severities carry no numbers: no empty sentence
            said["detail"] = ""
        alerts.append(
            {
                "area": area_name(item.area, lang),
                "severity": w[f"sev_{min(max(item.severity, 1), 3)}"],
                "level": item.severity,
                "title": said["title"],
                "text": " ".join(p for p in (said["detail"], said["why"]) if p),
            }
        )
    occupations = [
        {
            "label": _occupation_label(r.code, lang),
            "unemployed": _value(r.unemployed, "persons", lang, w),
            "vacancies": _value(r.vacancies, "persons", lang, w),
            "tightness": fmt.number(r.tightness, lang, 2) if r.tightness is not None else "–",
        }
        for r in review.occupations
    ]
    where = area_name(review.occupations_area, lang) if review.occupations_area else ""
    sources = [
        {
            "name": w.get(f"source_{s.name}", s.name),
            "tables": s.tables,
            "data_through": fmt_period(s.data_through),
            "state": w["stale"] if s.stale else w["fresh"],
        }
        for s in review.sources
    ]
    generated = w["generated"].format(
        day=f"{review.generated.day}.{review.generated.month}.{review.generated.year}"
    )
    if review.release:
        generated += ", " + w["release"].format(release=review.release)
    return {
        "lang": lang,
        "w": w,
        "area": review.area,
        "area_name": area_name(review.area, lang),
        "month": _month(review.month),
        "headline": [_row(r, lang, w) for r in review.headline],
        "gap_note": _gap_note(review, lang, w),
        "groups": [_row(r, lang, w) for r in review.groups],
        "occupations": occupations,
        # every group a lower bound (10/2023: suppressed cells): no ratio to show, no column
        # of dashes
        "tightness_shown": any(r.tightness is not None for r in review.occupations),
        "occupations_note": w["occupations_note"].format(
            where=where, month=_month(review.occupations_month)
        )
        if review.occupations_month
        else w["occupations_none"],
        "fan": [
            {
                "month": _month(p.time),
                "mean": fmt.number(p.mid, lang),
                "inner": f"{fmt.number(p.lo_in, lang)}–{fmt.number(p.hi_in, lang)}",
                "outer": f"{fmt.number(p.lo_out, lang)}–{fmt.number(p.hi_out, lang)}",
            }
            for p in review.fan[::6]
        ],
        "alerts": alerts,
        "alerts_left_out": [w[f"alerts_left_out_{kind}"] for kind in review.alerts_left_out],
        "scenarios": [_scenario(s, lang, w) for s in review.scenarios],
        "sources": sources,
        "generated": generated,
    }


def fmt_period(label: str | None) -> str:
    if not label:
        return "–"
    return f"{int(label[5:])}/{label[:4]}" if len(label) == 7 else label


def chart(review: MonthlyReview, lang: str, *, width: int = 760, height: int = 320) -> Markup:
    """The fan chart of the unemployed as inline SVG (empty markup without a forecast)."""
    w = words(lang)
    if not review.fan:
        return Markup("")
    return fan_chart(
        list(review.history),
        list(review.fan),
        title=w["fan_title"],
        description=w["fan_desc"],
        legend={
            "history": w["history"],
            "forecast": w["forecast_line"],
            "inner": w["inner"],
            "outer": w["outer"],
        },
        chart_id="review-fan",
        width=width,
        height=height,
        lang=lang,
    )


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("forecasting", "report/templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(review: MonthlyReview, lang: str = "fi") -> str:
    """The review as one self-contained HTML page (inline CSS and SVG)."""
    page = _environment().get_template("monthly.html.j2")
    return page.render(**view(review, lang), chart=chart(review, lang))


def render_pdf(review: MonthlyReview, lang: str = "fi") -> bytes:
    """The review as a PDF of a few A4 pages (see :mod:`forecasting.report.pdf`)."""
    from forecasting.report.pdf import build_pdf

    data = view(review, lang)
    svg = str(chart(review, lang))
    return build_pdf(data, svg)


def render(review: MonthlyReview, fmt_: str, lang: str = "fi") -> bytes:
    """The review in ``fmt_`` (``html`` or ``pdf``) as bytes (HTML in UTF-8)."""
    if fmt_ == "html":
        return render_html(review, lang).encode("utf-8")
    if fmt_ == "pdf":
        return render_pdf(review, lang)
    raise ValidationError("format", f"{fmt_!r}: the review is written as html or pdf")


__all__ = ["FORMATS", "check_lang", "render", "render_html", "render_pdf", "view"]
