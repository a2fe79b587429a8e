"""The planners' dashboard: server-rendered pages in Finnish, Swedish and English, charts as
inline SVG.

Numbers and dates in the page's language (:mod:`service.formats`, Babel); every page states
the data date of each source it shows, with a warning when a newer one is overdue
(:func:`forecasting.freshness.freshness`); every chart and table links its data as a CSV for
Finnish Excel and an XLSX workbook (the API's ``format=csv-fi`` and ``format=xlsx``, all rows).

Pages read the same release (and alert store) as the API. The scenario form submits with GET:
it computes a result for the page and stores nothing, so it needs no API key; it is capped at
the operator's default draws, rate limited like every other request, and its runs wait in the
bounded scenario queue (per client and in all; :mod:`service.runqueue`), so anonymous runs
never hold the threads serving reads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import threading
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError as PydanticValidationError

from forecasting import geography
from forecasting.errors import EnnakointiError, UnknownAreaError
from forecasting.freshness import freshness
from forecasting.scenarios.spec import Event, ScenarioSpec
from service import alert_page, formats, views
from service.alerts import AlertFilter
from service.cache import memo
from service.charts import Fan, FanPoint, bar_chart, envelope, fan_chart, responsive
from service.deps import ContextDep, TodayDep, release_data_through
from service.errors import BusyError, NotInReleaseError, request_errors_text
from service.i18n import LANG_NAMES, UI_LANGS, UiLang, texts
from service.i18n_errors import error_message
from service.labels import area_name, label_map
from service.scenarios import (
    ScenarioRun,
    check_start,
    default_form_start,
    forecast_months,
    form_start,
    month_before,
)

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.svg"

NAV = (
    ("home", "/"),
    ("forecasts", "/forecasts"),
    ("alerts", "/alerts"),
    ("scenarios", "/scenarios"),
    ("training", "/training"),
    ("population_page", "/population"),
    ("labour_page", "/labour"),
    ("jobs_page", "/jobs"),
    ("occupations_page", "/occupations"),
    ("groups_page", "/groups"),
    ("map_page", "/map"),
)
UiLangQuery = Annotated[UiLang, Query()]
ALERTS_LISTED = 500  # alerts read for the page's filters
ALERTS_SHOWN = 100  # alerts explained on one page
EVENT_KINDS = ("closure", "dismissal", "temporary_layoff", "recruitment")
#: The release products each page shows (their input cubes are the sources it dates).
PAGE_PRODUCTS = {
    "home": ("registers_history", "register_forecasts"),
    "forecasts": ("registers_history", "register_forecasts"),
    "alerts": ("alerts",),
    "scenarios": ("register_forecasts", "scenarios"),
    "training": ("training_needs",),
    "population": ("population_projection",),
    "labour": ("labour_supply",),
    "jobs": ("jobs_by_industry",),
    "occupations": ("occupation_forecasts",),
    "groups": ("registers_history", "register_forecasts"),
    "map": ("registers_history",),
}

#: Pages whose sources are not their products' inputs: the alerts page shows alerts on the
#: registers, the occupation statistics and the population (working-age decline), so it
#: dates those three (the ``alerts`` product itself lists no input cubes).
PAGE_SOURCES = {"alerts": ("registers", "occupations", "population_totals")}


def fmt(value: Any, digits: int = 0, lang: str = "fi") -> str:
    """A number for people in ``lang`` (:func:`service.formats.number`), a dash for missing."""
    return formats.number(value, lang, digits)


def _formatters(lang: str) -> dict[str, Any]:
    """The template's number and date filters, bound to the page language."""
    return {
        "fmt": lambda value, digits=0: formats.number(value, lang, digits),
        "span": lambda lo, hi, digits=0: formats.interval(lo, hi, lang, digits),
        "signed": lambda value, digits=0: formats.signed(value, lang, digits),
        "pct": lambda value, digits=1: formats.percent(value, lang, digits),
        "spct": lambda value, digits=1: formats.percent(value, lang, digits, signed=True),
        "mean": lambda value: formats.mean(value, lang),
        "ratio": lambda value: formats.ratio(value, lang),
        "month": lambda value: formats.month(value, lang),
        "period": lambda value: formats.period(value, lang),
    }


def _languages(request: Request, lang: str) -> list[tuple[str, str, str]]:
    """``(code, own name, url)`` of the page in the other languages."""
    return [
        (code, LANG_NAMES[code], str(request.url.include_query_params(lang=code)))
        for code in UI_LANGS
        if code != lang
    ]


def tagline_area(code: str) -> str:
    """The area a page's tagline names: a municipality's employment area, else the area."""
    with contextlib.suppress(EnnakointiError, KeyError, ValueError):
        if geography.level_of(code) == "municipality":
            return geography.employment_area_of(code)
    return code


def _product_cubes(products: tuple[str, ...]) -> list[str]:
    """The input cubes of release ``products`` (from the release registry)."""
    try:
        import forecasting.release.products  # noqa: F401  (registers the products)
        from forecasting.release.registry import registered

        known = registered()
    except ImportError:  # pragma: no cover - part of the project
        known = {}
    cubes = [c for p in products if p in known for c in known[p].cubes]
    return list(dict.fromkeys(cubes)) or ["registers"]


def data_dates(context: Any, page: str, lang: str) -> list[dict[str, Any]]:
    """The data date of each source of ``page`` in the current release, with staleness.

    Sources are the input cubes of the page's products that the release manifest dates
    (``data_through``); each is judged by :func:`forecasting.freshness.freshness` at the
    service's today (:attr:`service.deps.ServiceContext.clock`).
    """
    t = texts(lang)
    try:
        recorded = release_data_through(context.releases.open())
    except EnnakointiError:
        return []
    out = []
    sources = PAGE_SOURCES.get(page) or _product_cubes(PAGE_PRODUCTS.get(page, ()))
    for cube in sources:
        if cube not in recorded:
            continue
        fresh = freshness(cube, recorded[cube], context.clock())
        out.append(
            {
                "source": t.get(f"src_{cube}", cube),
                "cube": cube,
                "period": formats.period(recorded[cube], lang),
                "stale": fresh.stale,
                "expected": formats.day(fresh.next_expected_by, lang),
            }
        )
    return out


def downloads(path: str, lang: str, **params: Any) -> list[tuple[str, str]]:
    """``(format, url)`` of an API selection as a Finnish-Excel CSV and as XLSX (all rows)."""
    query = [(k, v) for k, values in params.items() if values for v in _listed(values)]
    return [
        (fmt_, f"{path}?{urlencode([*query, ('lang', lang), ('format', fmt_)])}")
        for fmt_ in ("csv-fi", "xlsx")
    ]


def _listed(values: Any) -> list[Any]:
    return list(values) if isinstance(values, list | tuple) else [values]


def _render(
    request: Request, name: str, lang: str, active: str, title: str, **ctx: Any
) -> HTMLResponse:
    context = request.app.state.context
    area = ctx.pop("tagline_area", None) or tagline_area(_default_area(context))
    t = texts(lang)
    return templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "t": t,
            "tagline": t["tagline"].format(area=area_name(area, lang)),
            "nav": NAV,
            "active": active,
            "page_title": title,
            "languages": _languages(request, lang),
            "release_id": context.releases.current_id(),
            "data_dates": data_dates(context, active, lang),
            **_formatters(lang),
            **ctx,
        },
    )


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """The site icon (an SVG; browsers ask for ``/favicon.ico`` by default)."""
    return FileResponse(FAVICON, media_type="image/svg+xml")


def _default_area(context: Any) -> str:
    return str(context.settings.release.default_area)


def _area_choices(area: str, lang: str) -> list[tuple[str, str]]:
    codes = (
        [area, *geography.members(area)] if geography.level_of(area) != "municipality" else [area]
    )
    return [(c, area_name(c, lang)) for c in codes]


def _dataset(context: Any, name: str) -> Any:
    """A dataset of the current release, or None when there is none (the page says why)."""
    try:
        release = context.releases.open()
        return context.releases.dataset(release, name)
    except EnnakointiError:
        return None


def outside_release(ds: Any, area: str, lang: str) -> str:
    """The notice "Helsinki (091) ei ole mukana tässä julkaisussa; valitse alue listasta."
    when ``ds`` (a page's dataset) has areas and ``area``, a known code, is not among them:
    the page said nothing (training, labour, jobs) or drew an empty chart captioned
    "toteutunut ––– ja ennuste –––" (forecasts); "" when it is there or cannot be told."""
    if ds is None or "area" not in getattr(ds, "indexes", {}) or area in ds.indexes["area"]:
        return ""
    return texts(lang)["area_outside_release"].format(name=area_name(area, lang), code=area)


def _release_key(context: Any) -> str | None:
    """The current release as a :data:`service.cache.memo` key (store path and id)."""
    try:
        release = context.releases.open()
    except EnnakointiError:
        return None
    return f"{release.path}|{release.id}"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, context: ContextDep, lang: UiLangQuery = "fi") -> HTMLResponse:
    t = texts(lang)
    area = _default_area(context)
    history = _dataset(context, "registers_history")
    rows: list[dict[str, Any]] = []
    figures: dict[str, Any] = {}
    if history is not None:
        codes = [c for c, _ in _area_choices(area, lang)]
        rows, figures = memo.get(
            _release_key(context),
            ("home", area, lang),
            lambda: (
                [_partial_row(history, r, lang) for r in views.latest(history, codes)],
                _headline(history, _dataset(context, "register_forecasts"), area),
            ),
        )
    files = []
    if rows:
        files = downloads(
            "/v1/registers/history",
            lang,
            area=[r["area"] for r in rows],
            variable=["unemployed", "vacancies", "labour_force"],
            **{"from": rows[0]["month"], "to": rows[0]["month"]},
        )
    alert_count = None
    with contextlib.suppress(EnnakointiError):
        alert_count, _ = context.alerts.list_alerts(AlertFilter(states=("firing",)), 0, 1)
    return _render(
        request,
        "home.html",
        lang,
        "home",
        area_name(area, lang),
        rows=rows,
        figures=figures,
        # next spring as the forecasts page writes it (service/templates/_spring.html)
        spring=figures.get("spring", []),
        inner=figures.get("spring_inner", 80),
        variable_label=t["unemployed"],
        area_label=area_name(area, lang),
        digits=0,
        percent=False,
        downloads=files,
        alert_count=alert_count,
        review_area=area,
        message=t["no_release"] if history is None else "",
    )


def _partial_row(history: Any, row: dict[str, Any], lang: str) -> dict[str, Any]:
    """A home table row: an aggregate's count missing because a member is suppressed is the
    sum of the published members, marked partial (never a silent 0 or a bare dash)."""
    from service import product_views as pv

    out = {**row, "name": area_name(row["area"], lang), "partial": {}}
    for variable in ("unemployed", "vacancies"):
        if math.isfinite(row[variable]):
            continue
        agg = pv.aggregate_value(history, row["area"], variable, f"{row['month']}-01")
        if agg.partial:
            out[variable] = agg.value
            out["partial"][variable] = (agg.suppressed, agg.members)
    return out


def _headline(history: Any, forecasts: Any, area: str) -> dict[str, Any]:
    """The start page's headline figures of ``area`` and the unemployed of next spring
    (``spring``: March to May after the latest month, each with its ``spring_inner`` %
    interval), the very months and numbers the forecasts page gives (:func:`spring_of`)."""

    from service import product_views as pv

    figures = pv.headline(history, area)
    if not figures:
        return {}
    figures["spring"], figures["spring_inner"] = spring_of(history, forecasts, area, "unemployed")
    return figures


def spring_of(history: Any, forecasts: Any, area: str, variable: str) -> tuple[list[FanPoint], int]:
    """Next spring's forecast months of ``variable`` in ``area`` and the inner interval's
    per cent, as the forecasts page draws them (its fan's points, :func:`views.next_spring`)."""
    band = views.fan(forecasts, area, variable) if forecasts is not None else views.Fan([])
    past = views.history(history, area, variable) if history is not None else []
    return views.next_spring(past, envelope(band.points)), band.inner


@router.get("/forecasts", response_class=HTMLResponse)
def forecasts(
    request: Request,
    context: ContextDep,
    lang: UiLangQuery = "fi",
    area: Annotated[str | None, Query(max_length=12)] = None,
    variable: Annotated[str, Query(max_length=40)] = "unemployed",
) -> HTMLResponse:
    t = texts(lang)
    default = _default_area(context)
    choices = _area_choices(default, lang)
    # the employment area the service is for (its first municipality, Hirvensalmi, said little)
    area = geography.resolve_area(area) if area else default
    history = _dataset(context, "registers_history")
    cube = _dataset(context, "register_forecasts")
    variables = views.forecast_variables(cube) if cube is not None else ["unemployed", "vacancies"]
    if variable not in variables:
        # Else the page drew an empty chart captioned "foo, ...: toteutunut –––".
        raise NotInReleaseError(
            f"variable {variable!r} is not forecast in this release; one of {', '.join(variables)}",
            kind="variable_not_forecast",
            values={"variable": variable, "choices": tuple(variables)},
        )
    notice = outside_release(history if history is not None else cube, area, lang)
    past = views.history(history, area, variable) if history is not None and not notice else []
    band = views.fan(cube, area, variable) if cube is not None and not notice else views.Fan([])
    points = envelope(band.points)
    name = area_name(area, lang)
    label = t.get(variable, variable)
    times = [p for p, _ in past] + [p.time for p in points]
    caption = t["fan_desc"].format(
        variable=label,
        area=name,
        start=formats.month(past[0][0] if past else None, lang),
        end=formats.month(past[-1][0] if past else None, lang),
        fstart=formats.month(points[0].time if points else None, lang),
        fend=formats.month(points[-1].time if points else None, lang),
        inner=band.inner,
        outer=band.outer,
    )
    # today on the axis: the months after the latest data up to today are forecast too
    day = context.clock()
    chart = responsive(
        fan_chart,
        past,
        points,
        title=f"{label}: {name}",
        description=caption,
        legend=legend(t, band),
        lang=lang,
        today=(day, t["today_marker"].format(day=formats.day(day, lang))),
    )
    # a variable the registers do not publish (the rate) links the series it is made of
    observed = list(views.DERIVED.get(variable, (variable,)))
    files = {
        "history": downloads("/v1/registers/history", lang, area=area, variable=observed),
        "forecast": downloads("/v1/registers/forecasts", lang, area=area, variable=variable),
    }
    message = "" if cube is not None else f"{t['not_in_release']}: register_forecasts"
    return _render(
        request,
        "forecasts.html",
        lang,
        "forecasts",
        f"{t['forecasts']}: {name}",
        areas=choices,
        area=area,
        variables=variables,
        variable=variable,
        # a rate in per cent with a decimal (11,8), counts whole (2 822)
        digits=1 if variable in views.DERIVED else 0,
        percent=variable in PERCENT_VARIABLES,
        spring=views.next_spring(past, points),
        area_label=name,
        variable_label=label,
        chart=chart if times else None,
        caption=caption,
        points=points,
        inner=band.inner,
        outer=band.outer,
        message=message,
        # no links to downloads of an area the release lacks (each would answer 404)
        downloads={} if notice else files,
        gaps=missing_months(past, lang),
        tagline_area=tagline_area(area),
        area_notice=notice,
    )


#: Forecast variables in per cent: written with the sign (11,7 %), not as a bare 11,7.
PERCENT_VARIABLES = frozenset({"unemployment_rate"})


def missing_months(past: list[tuple[Any, float]], lang: str) -> str:
    """The runs of months without a value inside ``past`` (``11/2023–5/2026``, ``3/2024``),
    as the chart's caption names them; "" when the line has no break."""
    runs: list[tuple[Any, Any]] = []
    start = prev = None
    for when, value in past:
        if not math.isfinite(value):
            start = when if start is None else start
            prev = when
        elif start is not None:
            runs.append((start, prev))
            start = None
    if start is not None:
        runs.append((start, prev))
    return ", ".join(
        formats.month(a, lang) if a == b else f"{formats.month(a, lang)}–{formats.month(b, lang)}"
        for a, b in runs
    )


def legend(t: dict[str, str], band: Fan) -> dict[str, str]:
    """Legend texts of a fan chart: what the line and the bands are."""
    return {
        "history": t["history"],
        "forecast": t["median"] if band.centre == "median" else t["forecast"],
        "inner": t["band"].format(p=band.inner),
        "outer": t["band"].format(p=band.outer),
    }


def _day_text(value: Any, lang: str) -> str:
    """A date or timestamp (or its ISO text) as ``1.12.2026``; other text as it is."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return formats.day(value, lang)
    return str(value) if value else formats.MISSING


@router.get("/alerts", response_class=HTMLResponse)
def alerts(
    request: Request,
    context: ContextDep,
    lang: UiLangQuery = "fi",
    state: Literal["pending", "firing", "resolved"] | None = None,
    area: Annotated[str, Query(max_length=12)] = "",
    rule: Annotated[str, Query(max_length=40)] = "",
    severity: Literal["", "info", "warning", "critical"] = "",
) -> HTMLResponse:
    """Alerts in plain language, most severe and newest first, filtered by area, rule and
    severity (GET parameters: no JavaScript needed), each linked to its chart."""
    t = texts(lang)
    items: list[dict[str, Any]] = []
    choices: dict[str, Any] = {"areas": [], "rules": [], "severities": []}
    message = ""
    try:
        code = geography.resolve_area(area) if area else ""
        flt = AlertFilter(states=(state,) if state else ())
        _, listed = context.alerts.list_alerts(flt, 0, ALERTS_LISTED)
        choices = alert_page.filter_choices(
            listed, {a.area: area_name(a.area, lang) for a in listed}, lang
        )
        shown = [
            a
            for a in listed
            if (not code or a.area == code)
            and (not rule or a.rule == rule)
            and (not severity or a.severity == severity)
        ]
        variables = _forecast_variables(context)
        items = alert_page.ordered(
            {**alert_page.alert_item(context.alerts.get_alert(a.id), lang, variables),
             "area_name": area_name(a.area, lang),
             "first_seen_text": _day_text(a.fired_at or a.first_seen, lang)}
            for a in shown[:ALERTS_SHOWN]
        )  # fmt: skip
    except UnknownAreaError as exc:
        # The reader's filter, not the register: say which area is unknown, nothing else.
        message = error_message(exc, lang) or f"{t['area']}: {exc}"
    except EnnakointiError as exc:
        message = f"{t['alerts_unavailable']}: {exc}"
    return _render(
        request, "alerts.html", lang, "alerts", t["alerts"], alerts=items, message=message,
        choices=choices, selected={"area": area, "rule": rule, "severity": severity},
        state=state or "",
    )  # fmt: skip


def _forecast_variables(context: Any) -> list[str]:
    cube = _dataset(context, "register_forecasts")
    return views.forecast_variables(cube) if cube is not None else ["unemployed"]


@router.get("/scenarios", response_class=HTMLResponse)
async def scenarios(
    request: Request,
    context: ContextDep,
    lang: UiLangQuery = "fi",
    kind: Literal["closure", "dismissal", "temporary_layoff", "recruitment"] = "closure",
    municipality: Annotated[str, Query(max_length=5)] = "507",
    industry: Annotated[str, Query(max_length=1)] = "C",
    jobs: Annotated[int, Query(ge=1, le=100_000)] = 300,
    start: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    start_year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    start_month: Annotated[int | None, Query(ge=1, le=12)] = None,
    draws: Annotated[int | None, Query(ge=1, le=5000)] = None,
    run: bool = False,
    *,
    today: TodayDep,
) -> HTMLResponse:
    """The scenario form; with ``run`` its result. The run waits in the scenario queue
    (:mod:`service.runqueue`), not on a thread serving reads; a full queue, or a client with
    its share of runs already queued, gets a small 429 page with ``Retry-After`` (cheap to
    send: a flood of refused forms must not cost the reads their CPU). The first month comes
    as ``start`` (``YYYY-MM``, for links) or as the form's ``start_year`` and ``start_month``
    (:func:`_picked_start`); without either the form starts the month after ``today``
    (:func:`service.scenarios.form_start`)."""
    default_start, observed, months = await run_in_threadpool(_form_months, context, today)
    form = {
        "kind": kind,
        "municipality": municipality,
        "industry": industry,
        "jobs": jobs,
        "start": _picked_start(start_year, start_month) or start or default_start,
        "default_start": default_start,
        "observed": observed,
        # the forecast months a start may take (the year select's range), None without them
        "months": months,
        "draws": min(
            draws or context.settings.scenario.form_draws, context.settings.scenario.default_draws
        ),
    }
    result, message = None, ""
    if run:
        client = request.client.host if request.client else "unknown"
        result, message = await _run_for_page(context, form, lang, f"ip:{client}")
    elif not context.scenarios.available:
        message = texts(lang)["scenario_unavailable"]
    return await run_in_threadpool(_scenarios_page, request, context, lang, form, result, message)


def _picked_start(year: int | None, month: int | None) -> str | None:
    """The form's first month from its year and month selects, ``YYYY-MM``; None when
    neither is given. One without the other is kept as given (``2027-``), which the run
    refuses in the page's words, as any start that is not a month."""
    if year is None and month is None:
        return None
    return f"{'' if year is None else f'{year:04d}'}-{'' if month is None else f'{month:02d}'}"


def _start_choices(form: dict[str, Any], lang: str) -> dict[str, Any]:
    """The first month's two selects, in the page's language rather than the browser's (a
    month input showed "maaliskuu 2027" on an English page): the months by name and the
    years of the forecast months (those a run accepts; the server refuses the rest, e.g. a
    month of the first year the registers already hold), with the form's start selected."""
    start = str(form["start"])
    year, _, month = start.partition("-")
    picked_year = int(year) if year.isdigit() else None
    picked_month = int(month) if month.isdigit() else None
    if form.get("months"):
        first, last = int(form["months"][0][:4]), int(form["months"][1][:4])
    else:  # no forecasts to bound it: ten years from the start (the default's, if malformed)
        first = picked_year or int(str(form["default_start"])[:4])
        last = first + 10
    years = list(range(first, last + 1))
    if picked_year is not None and picked_year not in years:  # a start given outside them
        years = sorted({*years, picked_year})
    return {
        "years": years,
        "months": list(enumerate(formats.month_names(lang), start=1)),
        "year": picked_year,
        "month": picked_month,
    }


def _scenarios_page(
    request: Request,
    context: Any,
    lang: str,
    form: dict[str, Any],
    run: ScenarioRun | None,
    message: str,
) -> HTMLResponse:
    t = texts(lang)
    municipality = form["municipality"]
    charts = _charts_for_page(run, form, lang) if run is not None else []
    result = _result_for_page(run, form, lang) if run is not None else {}
    presets = _preset_names(context, lang)
    industries = sorted((label_map("industry", lang) or {}).items())
    municipalities = [
        (c, n)
        for c, n in _area_choices(_default_area(context), lang)
        if geography.level_of(c) == "municipality"
    ]
    return _render(
        request,
        "scenarios.html",
        lang,
        "scenarios",
        t["scenarios"],
        form=form,
        start_choices=_start_choices(form, lang),
        kinds=EVENT_KINDS,
        municipalities=municipalities,
        industries=industries,
        max_draws=context.settings.scenario.default_draws,
        charts=charts,
        elapsed=run.elapsed_s if run is not None else None,
        message=message,
        result=result,
        presets=presets,
        tagline_area=tagline_area(municipality),
    )


#: Serialises :func:`_preset_names`' first computation of a release's preset effects.
_PRESET_EFFECTS_LOCK = threading.Lock()


def _preset_names(context: Any, lang: str) -> list[tuple[Any, ...]]:
    """The release's preset scenarios as (id, human name in ``lang``, what it simulates,
    downloads, largest effect): name and description name the month the events begin in the
    specs the release ran (its ``scenario_specs``; a release without them gets the bare
    names), and each preset's stored result, the unemployed and the change against the
    baseline by area and month (:data:`SCENARIO_TABLE_VARIABLES`), can be downloaded, so a
    listed preset can be opened, not only read as a title. The largest effect is the default
    area's largest change in the median unemployed against the baseline preset and its
    month (``{"area", "change", "time"}``, None for the baseline or without ``unemployed``),
    the figure the monthly review gives (:func:`forecasting.report.review.scenario_items`)."""
    cube = _dataset(context, "scenarios")
    if cube is None or "scenario" not in cube.dims:
        return []
    from forecasting.report.review import scenario_items
    from forecasting.scenarios.presets import (  # the engine's package: lazily
        preset_description,
        preset_title,
    )

    try:
        specs = json.loads(str(cube.attrs.get("scenario_specs", "{}")))
    except json.JSONDecodeError:
        specs = {}
    specs = specs if isinstance(specs, dict) else {}
    variables = [v for v in SCENARIO_TABLE_VARIABLES if v in cube.data_vars]
    area = _default_area(context)

    def largest() -> dict[str, tuple[float, dt.date]]:
        # Once per release (memoised), one thread at a time: the many threads of a flood of
        # requests would otherwise all compute it at once. (Concurrent first lookups on the
        # release's shared dataset were once refused, "Reindexing only valid with uniquely
        # valued Index objects"; the store now builds the index tables when it loads a
        # dataset, forecasting.io.indexes.)
        with _PRESET_EFFECTS_LOCK:
            return {
                item.name: (item.effect, item.peak)
                for item in scenario_items(cube, area)
                if item.effect is not None and item.peak is not None
            }

    effects = {
        name: {"area": area_name(area, lang), "change": change, "time": time}
        for name, (change, time) in memo.get(
            _release_key(context), ("preset_effects", area), largest
        ).items()
    }
    out = []
    for s in map(str, cube["scenario"].values):
        spec = specs.get(s) if isinstance(specs.get(s), dict) else None
        out.append(
            (
                s,
                preset_title(s, lang, spec),
                preset_description(s, lang, spec),
                downloads("/v1/scenarios", lang, scenario=s, variable=variables),
                effects.get(s),
            )
        )
    return out


def _form_months(context: Any, today: dt.date) -> tuple[str, str | None, tuple[str, str] | None]:
    """The form's default start (:func:`service.scenarios.form_start`: the month after
    ``today``'s, within the current release's forecast months), the latest observed month
    (the one before the first forecast month) and the forecast months ``(first, last)``, the
    starts the form accepts (None, None without forecasts). The warm-up starts the form's
    baseline runs at the same month (:func:`service.scenarios.default_form_start`)."""
    try:
        release_id = context.releases.current_id()
        months = forecast_months(context.releases, release_id)
        start = default_form_start(context.releases, release_id, today)
    except EnnakointiError:  # no release, or an unreadable one: the page says why
        return form_start(today, None), None, None
    if months is None:
        return start, None, None
    return start, month_before(months[0]), months


#: The result variables the page's table and downloads show (those the run has).
SCENARIO_TABLE_VARIABLES = ("unemployed", "unemployed_baseline_target", "unemployed_vs_baseline")


def _scenario_table(
    result: Any, areas: list[str], lang: str, months: list[int] | None = None
) -> list[dict[str, Any]]:
    """Rows of the result table: each area at the end of each year of the run (and its last
    month), or at the positions ``months`` of its time axis, the scenario's median and 90 %
    range, the baseline and the median change."""
    times = pd.DatetimeIndex(result["time"].values)
    picked = months
    if picked is None:
        picked = [i for i, ts in enumerate(times) if ts.month == 12 or i == len(times) - 1]
    rows = []
    for area in areas:
        if area not in result.indexes["area"]:
            continue
        at = result.sel(area=area)
        for i in picked:
            row: dict[str, Any] = {"area": area_name(area, lang), "time": times[i]}
            row |= dict.fromkeys(("median", "lo", "hi", "baseline", "change"))
            if "unemployed" in at:
                q = at["unemployed"].isel(time=i)
                row |= {
                    "median": float(q.sel(quantile=0.5)),
                    "lo": float(q.sel(quantile=0.05)),
                    "hi": float(q.sel(quantile=0.95)),
                }
            if "unemployed_baseline_target" in at:
                row["baseline"] = float(at["unemployed_baseline_target"].isel(time=i))
            if "unemployed_vs_baseline" in at:
                row["change"] = float(at["unemployed_vs_baseline"].isel(time=i).sel(quantile=0.5))
            rows.append(row)
    return rows


def _scenario_spring(
    result: Any, areas: list[str], observed: str | None, lang: str
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The planner's "what does it mean next spring": the first spring (March to May,
    :data:`views.SPRING`) of the run from the spring after the latest observed month on (the
    forecasts page's next spring), as ``({"first", "last", "year", "next", "months"}, rows)``
    with the rows of :func:`_scenario_table` for its months; ``(None, [])`` when the run
    has no spring month."""
    times = pd.DatetimeIndex(result["time"].values)
    earliest = 0 if observed is None else views.spring_year(pd.Timestamp(observed))
    years = sorted({ts.year for ts in times if ts.month in views.SPRING and ts.year >= earliest})
    if not years:
        return None, []
    months = [i for i, ts in enumerate(times) if ts.year == years[0] and ts.month in views.SPRING]
    spring = {
        "first": times[months[0]].month,
        "last": times[months[-1]].month,
        "year": years[0],
        "next": years[0] == earliest,
        "months": months,
    }
    return spring, _scenario_table(result, areas, lang, months)


def _scenario_services(
    run: ScenarioRun, spring: dict[str, Any] | None, lang: str
) -> dict[str, Any] | None:
    """What the spring's unemployed mean for the employment services of the run's area:
    clients (registered jobseekers) per client-facing expert by month, median and 90 % range
    (the run's ``clients_per_expert``), with the experts assumed and the caseload target;
    for an area without a staffing figure, the experts needed at the higher target instead.
    None without a spring or without the run's staffing outputs."""
    result = run.result
    if spring is None or "clients_per_expert" not in result:
        return None
    spec = run.spec if isinstance(run.spec, ScenarioSpec) else ScenarioSpec.model_validate(run.spec)
    staffing, area = spec.staffing, spec.area
    experts = staffing.experts_for(area)
    times = pd.DatetimeIndex(result["time"].values)
    rows = []
    for i in spring["months"]:
        per = result["clients_per_expert"].isel(time=i)
        need = result["experts_needed_at_high_target"].isel(time=i)
        rows.append(
            {
                "time": times[i],
                "median": float(per.sel(quantile=0.5)),
                "lo": float(per.sel(quantile=0.05)),
                "hi": float(per.sel(quantile=0.95)),
                "needed": float(need.sel(quantile=0.5)),
            }
        )
    return {
        "area": area_name(area, lang),
        "experts": experts,
        "low": staffing.target_low,
        "high": staffing.target_high,
        "rows": rows,
    }


#: A scenario run's training-need change: by field and level, and by big qualification.
TRAINING_FIELD_VARIABLES = (
    "training_demand_change",
    "training_covered_by_supply",
    "training_need_change",
)
TRAINING_QUALIFICATION_VARIABLES = (
    "qualification_name",
    "qualification_level",
    "qualification_demand_change",
    "qualification_need_change",
)


def training_field_variables(lang: str) -> list[str]:
    """The variables of a run's training-change download in ``lang``: the fields' names in
    that language beside their codes (the codes alone, "01", named nothing)."""
    name = "training_field_name" if lang == "fi" else f"training_field_name_{lang}"
    return [name, *TRAINING_FIELD_VARIABLES]


def qualification_variables(lang: str) -> list[str]:
    """The variables of a run's qualification download in ``lang``: the names in that
    language (``qualification_name`` is Finnish; a Swedish file listed "Lähihoitaja")."""
    name = "qualification_name" if lang == "fi" else f"qualification_name_{lang}"
    return [name if v == "qualification_name" else v for v in TRAINING_QUALIFICATION_VARIABLES]


def _training_change(result: Any, lang: str) -> list[dict[str, Any]]:
    """Rows of the training-need table: each big qualification, then each field and level
    with a change of at least half a person: new entrants needed, of which covered by the
    local supply, and the remaining need."""
    if not {"training_demand_change", "qualification_demand_change"} <= set(result.data_vars):
        return []
    t = texts(lang)
    rows: list[dict[str, Any]] = []
    names = (
        result[f"qualification_name_{lang}"]
        if f"qualification_name_{lang}" in result
        else result["qualification_name"]
    ).values
    for i, _ in enumerate(result["qualification"].values):
        demand = float(result["qualification_demand_change"].values[i])
        need = float(result["qualification_need_change"].values[i])
        if abs(demand) < 0.5:
            continue
        level = str(result["qualification_level"].values[i])
        rows.append(
            {
                "name": str(names[i]),
                "level": t.get(f"level_{level}", level),
                "demand": demand,
                "covered": demand - need if demand > 0 else 0.0,
                "need": need,
            }
        )
    field_names = label_map("field", lang) or {}
    demand_f = result["training_demand_change"]
    covered_f = (
        result["training_covered_by_supply"]
        if "training_covered_by_supply" in result
        else 0 * demand_f
    )
    need_f = result["training_need_change"]
    # the classification's names, as on the training page; the result's own for a code
    # the classification does not have
    fallback = result.get(f"training_field_name_{lang}", result.get("training_field_name", None))
    for j, field in enumerate(map(str, demand_f["training_field"].values)):
        name = field_names.get(field) or (str(fallback.values[j]) if fallback is not None else "")
        for level in map(str, demand_f["training_level"].values):
            at = {"training_field": field, "training_level": level}
            demand = float(demand_f.sel(at))
            if abs(demand) < 0.5:
                continue
            rows.append(
                {
                    "name": f"{field} {name}".strip(),
                    "level": t.get(f"level_{level}", level),
                    "demand": demand,
                    "covered": float(covered_f.sel(at)),
                    "need": float(need_f.sel(at)),
                }
            )
    return rows


async def _run_for_page(
    context: Any, form: dict[str, Any], lang: str, client: str
) -> tuple[ScenarioRun | None, str]:
    """The form's run through the queue: ``(run, message)``; a refused spec gives no run and
    the reason; a full queue raises :class:`BusyError` in the page's language (429)."""
    t = texts(lang)
    if not context.scenarios.available:
        return None, t["scenario_unavailable"]
    try:
        area = geography.employment_area_of(form["municipality"])
        spec = ScenarioSpec(
            name="dashboard",
            area=area,
            baseline_source=_baseline_source(context, area),
            events=[
                Event(
                    kind=form["kind"],
                    municipality=form["municipality"],
                    industry=form["industry"],
                    jobs=form["jobs"],
                    start=form["start"],
                )
            ],
            draws=form["draws"],
        )
        release_id = await run_in_threadpool(context.releases.current_id)
        # a start after the forecasts, or in the observed months: refused in the page's words
        await run_in_threadpool(check_start, spec, context.releases, release_id)
        return await context.scenarios.submit(spec, release_id, client), ""
    except BusyError as exc:
        raise BusyError(t["scenario_busy"].format(n=exc.retry_after_s), exc.retry_after_s) from None
    except PydanticValidationError as exc:
        # The form's own words, not pydantic's report with its documentation link.
        if any(e["loc"][-1:] == ("start",) for e in exc.errors()):
            return None, t["scenario_start_form"].format(value=form["start"])
        return None, request_errors_text(exc.errors(), lang)
    except (EnnakointiError, ValueError) as exc:
        # The engine's refusal in the page's language (its English detail for a kind
        # without a sentence); the API keeps the English detail.
        return None, error_message(exc, lang) or str(exc)


def _baseline_source(context: Any, area: str) -> Literal["persistence", "register_forecast"]:
    """``register_forecast`` when the release's register forecasts cover every municipality
    of ``area``: the run's baseline (the table's baseline column) then follows the forecast
    path the forecast page shows (:func:`service.scenarios.release_targets` passes it), not
    the last observed year repeated; else ``persistence``."""
    forecasts = _dataset(context, "register_forecasts")
    if forecasts is None or "area" not in forecasts.indexes:
        return "persistence"
    covered = set(geography.members(area)) <= set(map(str, forecasts.indexes["area"]))
    return "register_forecast" if covered else "persistence"


def _charts_for_page(run: ScenarioRun, form: dict[str, Any], lang: str) -> list[Any]:
    t = texts(lang)
    area, name = form["municipality"], area_name(form["municipality"], lang)
    draws = t["draws_n"].format(n=form["draws"])
    charts = []
    for variable, chart_id in (("unemployed", "scenario"), ("unemployed_vs_baseline", "delta")):
        band = views.fan(run.result, area, variable)
        if band.points:
            label = t["vs_baseline"] if variable.endswith("_vs_baseline") else t["unemployed"]
            text = f"{label}, {name}: {t['scenario_result'].lower()} ({draws})"
            names = legend(t, band)
            # The unemployed with the event beside the unemployed without it: the "what if"
            # is the gap between the two lines (the baseline drawn as the solid line).
            baseline = views.baseline_line(run.result, area) if variable == "unemployed" else []
            if baseline:
                names["history"] = t["baseline"]
                text += t["scenario_with_baseline"]
            chart = responsive(
                fan_chart,
                baseline,
                band.points,
                title=text,
                description=text,
                chart_id=chart_id,
                legend=names,
                lang=lang,
            )
            charts.append((chart, text))
    return charts


def _result_for_page(run: ScenarioRun, form: dict[str, Any], lang: str) -> dict[str, Any]:
    """The result table, the training-need change and their downloads of a page's run."""
    area = form["municipality"]
    areas = [area, geography.employment_area_of(area)]
    variables = [v for v in SCENARIO_TABLE_VARIABLES if v in run.result]
    spring, spring_rows = _scenario_spring(run.result, areas, form.get("observed"), lang)
    result = {
        "rows": _scenario_table(run.result, areas, lang),
        "spring": spring,
        "spring_rows": spring_rows,
        "services": _scenario_services(run, spring, lang),
        "peaks": [
            {**peak, "area": area_name(peak["area"], lang)}
            for peak in views.scenario_peaks(run.result, areas)
        ],
        "files": downloads(f"/v1/scenarios/runs/{run.id}", lang, area=areas, variable=variables),
        "id": run.id,
        "training": _training_change(run.result, lang),
        # Where the baseline column comes from (after the forecasts' horizon a repeated
        # year, stated rather than left as an unexplained flat line).
        "baseline_note": run.result.attrs.get(
            f"baseline_method_{lang}", run.result.attrs.get("baseline_method", "")
        ),
    }
    if result["training"]:
        path = f"/v1/scenarios/runs/{run.id}"
        result["training_files"] = downloads(path, lang, variable=training_field_variables(lang))
        result["qualification_files"] = downloads(
            path, lang, variable=qualification_variables(lang)
        )
        attrs = run.result.attrs
        result["training_note"] = " ".join(
            str(attrs.get(f"{k}_{lang}", attrs[k]))
            for k in ("training_need_method", "training_supply")
            if k in attrs
        )
    return result


#: The training page's year when none is asked: the target of the providers' "how many by
#: 2030" (the need summed from the first forecast year to it).
TRAINING_DEFAULT_YEAR = 2030


@router.get("/training", response_class=HTMLResponse)
def training(
    request: Request,
    context: ContextDep,
    lang: UiLangQuery = "fi",
    area: Annotated[str | None, Query(max_length=12)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> HTMLResponse:
    t = texts(lang)
    default = _default_area(context)
    area = geography.resolve_area(area) if area else default
    cube = _dataset(context, "training_needs")
    years = views.training_years(cube) if cube is not None else []
    year = (
        year
        if year in years
        else (
            TRAINING_DEFAULT_YEAR
            if TRAINING_DEFAULT_YEAR in years
            else (years[min(5, len(years) - 1)] if years else context.clock().year)
        )
    )
    fields = label_map("field", lang)
    notice = outside_release(cube, area, lang)
    if notice:
        cube = None  # nothing of the area to show, and no word of "not in release" either
    bars = views.training_bars(cube, area, year, fields) if cube is not None else []
    suppressed = views.training_suppressed(cube, area, year, fields) if cube is not None else []
    cumulative = views.training_cumulative(cube, area, year, fields) if cube is not None else None
    name = area_name(area, lang)
    caption = t["training_desc"].format(year=year, area=name)
    if bars:
        caption += t["with_intervals"] if bars[0][2] is not None else t["levels_summed"]
    chart = (
        responsive(
            bar_chart,
            bars,
            title=f"{t['need']} {year}: {name}",
            description=caption,
            chart_id="training",
            lang=lang,
        )
        if bars
        else None
    )
    message = "" if cube is not None or notice else f"{t['not_in_release']}: training_needs"
    from service import product_views as pv

    method = pv.method_note(cube, lang)
    path = views.training_path(cube, area) if cube is not None else []
    path_chart = None
    if path:
        # Each year's need sits on its year's tick (the axis labels 1 January): at 31
        # December the first year's point stood beside the next year's label.
        band = Fan(
            [FanPoint(dt.date(r["year"], 1, 1), *r["total"], *r["total"][1:]) for r in path],
            inner=80,
            outer=80,
        )
        text = f"{t['need']} {path[0]['year']}–{path[-1]['year']}: {name}"
        path_chart = responsive(
            fan_chart,
            [],
            band.points,
            title=text,
            description=text,
            chart_id="training-path",
            legend=legend(t, band),
            lang=lang,
        )
    levels = list(path[0]["levels"]) if path else []
    return _render(
        request,
        "training.html",
        lang,
        "training",
        t["training"],
        areas=_area_choices(default, lang),
        area=area,
        years=years,
        year=year,
        chart=chart,
        caption=caption,
        bars=bars,
        message=message,
        method=method,
        downloads=downloads("/v1/training-needs", lang, area=area, year=year) if bars else [],
        path=path,
        path_chart=path_chart,
        levels=levels,
        path_downloads=downloads("/v1/training-needs", lang, area=area) if path else [],
        suppressed=suppressed,
        cumulative=cumulative,
        cumulative_started=started_note(cumulative, path, context.clock(), lang),
        area_label=name,
        cumulative_downloads=(
            downloads("/v1/training-needs/cumulative", lang, area=area, until=year)
            if cumulative
            else []
        ),
        tagline_area=tagline_area(area),
        area_notice=notice,
    )


def started_note(
    cumulative: dict[str, Any] | None, path: list[dict[str, Any]], today: dt.date, lang: str
) -> str:
    """What the training page says when the summed period starts with a year already under
    way at ``today`` (in December, "2026–2030" is mostly a year that has gone): how much of
    the sum falls in the years begun and how much in the years ahead (the yearly means of
    ``path`` added up, as the yearly table shows them); "" when the period lies ahead or
    ends this year, or a year's need is missing."""
    if not cumulative or not path:
        return ""
    first, until = int(cumulative["first_year"]), int(cumulative["until"])
    if not first <= today.year < until:
        return ""
    means = {int(r["year"]): r["total"][0] for r in path}
    done = sum(means.get(y, math.nan) for y in range(first, today.year + 1))
    rest = sum(means.get(y, math.nan) for y in range(today.year + 1, until + 1))
    if not (math.isfinite(done) and math.isfinite(rest)):
        return ""

    def years(a: int, b: int) -> str:
        return str(a) if a == b else f"{a}–{b}"

    return texts(lang)["cumulative_started"].format(
        first=first,
        today=formats.day(today, lang),
        done=formats.number(done, lang),
        rest=formats.number(rest, lang),
        past=years(first, today.year),
        ahead=years(today.year + 1, until),
    )
