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
import math
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from forecasting import geography
from forecasting.errors import EnnakointiError
from forecasting.freshness import freshness
from forecasting.scenarios.spec import Event, ScenarioSpec
from service import formats, views
from service.alerts import AlertFilter
from service.charts import Fan, bar_chart, envelope, fan_chart
from service.deps import ContextDep, release_data_through
from service.errors import BusyError
from service.i18n import LANG_NAMES, UI_LANGS, UiLang, texts
from service.labels import area_name, label_map
from service.scenarios import ScenarioRun

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.svg"

NAV = (
    ("home", "/"),
    ("forecasts", "/forecasts"),
    ("alerts", "/alerts"),
    ("scenarios", "/scenarios"),
    ("training", "/training"),
)
UiLangQuery = Annotated[UiLang, Query()]
EVENT_KINDS = ("closure", "dismissal", "temporary_layoff", "recruitment")
#: The release products each page shows (their input cubes are the sources it dates).
PAGE_PRODUCTS = {
    "home": ("registers_history",),
    "forecasts": ("registers_history", "register_forecasts"),
    "alerts": ("alerts",),
    "scenarios": ("register_forecasts", "scenarios"),
    "training": ("training_needs",),
}


def fmt(value: Any, digits: int = 0, lang: str = "fi") -> str:
    """A number for people in ``lang`` (:func:`service.formats.number`), a dash for missing."""
    return formats.number(value, lang, digits)


def today() -> dt.date:
    """The date freshness is judged at (a function so tests can set it)."""
    return dt.date.today()


def _formatters(lang: str) -> dict[str, Any]:
    """The template's number and date filters, bound to the page language."""
    return {
        "fmt": lambda value, digits=0: formats.number(value, lang, digits),
        "pct": lambda value, digits=1: formats.percent(value, lang, digits),
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
    (``data_through``); each is judged by :func:`forecasting.freshness.freshness` at
    :func:`today`.
    """
    t = texts(lang)
    try:
        recorded = release_data_through(context.releases.open())
    except EnnakointiError:
        return []
    out = []
    for cube in _product_cubes(PAGE_PRODUCTS.get(page, ())):
        if cube not in recorded:
            continue
        fresh = freshness(cube, recorded[cube], today())
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


@router.get("/", response_class=HTMLResponse)
def home(request: Request, context: ContextDep, lang: UiLangQuery = "fi") -> HTMLResponse:
    t = texts(lang)
    area = _default_area(context)
    history = _dataset(context, "registers_history")
    rows = []
    if history is not None:
        codes = [c for c, _ in _area_choices(area, lang)]
        rows = [{**r, "name": area_name(r["area"], lang)} for r in views.latest(history, codes)]
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
        downloads=files,
        alert_count=alert_count,
        message=t["no_release"] if history is None else "",
    )


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
    area = geography.resolve_area(area) if area else geography.members(default)[0]
    history = _dataset(context, "registers_history")
    cube = _dataset(context, "register_forecasts")
    variables = views.forecast_variables(cube) if cube is not None else ["unemployed", "vacancies"]
    past = views.history(history, area, variable) if history is not None else []
    band = views.fan(cube, area, variable) if cube is not None else views.Fan([])
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
    chart = fan_chart(
        past,
        points,
        title=f"{label}: {name}",
        description=caption,
        legend=legend(t, band),
        lang=lang,
    )
    files = {
        "history": downloads("/v1/registers/history", lang, area=area, variable=variable),
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
        chart=chart if times else None,
        caption=caption,
        points=points,
        inner=band.inner,
        outer=band.outer,
        message=message,
        downloads=files,
        has_gap=any(not math.isfinite(v) for _, v in past),
        tagline_area=tagline_area(area),
    )


def legend(t: dict[str, str], band: Fan) -> dict[str, str]:
    """Legend texts of a fan chart: what the line and the bands are."""
    return {
        "history": t["history"],
        "forecast": t["median"] if band.centre == "median" else t["forecast"],
        "inner": t["band"].format(p=band.inner),
        "outer": t["band"].format(p=band.outer),
    }


def _alert_view(detail: Any, lang: str) -> dict[str, Any]:
    explanation = detail.explanation or {}
    return {
        **detail.model_dump(),
        "area_name": area_name(detail.area, lang),
        "first_seen_text": _day_text(detail.first_seen, lang),
        "summary": explanation.get(f"summary_{lang}") or detail.title,
        "numbers": explanation.get("numbers", {}),
        "contributions": explanation.get("contributions", {}),
        "events": explanation.get("events", []),
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
) -> HTMLResponse:
    t = texts(lang)
    items: list[dict[str, Any]] = []
    message = ""
    try:
        flt = AlertFilter(states=(state,) if state else ())
        _, page = context.alerts.list_alerts(flt, 0, 50)
        items = [_alert_view(context.alerts.get_alert(a.id), lang) for a in page]
    except EnnakointiError as exc:
        message = f"{t['alerts_unavailable']}: {exc}"
    return _render(
        request, "alerts.html", lang, "alerts", t["alerts"], alerts=items, message=message
    )


@router.get("/scenarios", response_class=HTMLResponse)
async def scenarios(
    request: Request,
    context: ContextDep,
    lang: UiLangQuery = "fi",
    kind: Literal["closure", "dismissal", "temporary_layoff", "recruitment"] = "closure",
    municipality: Annotated[str, Query(max_length=5)] = "507",
    industry: Annotated[str, Query(max_length=1)] = "C",
    jobs: Annotated[int, Query(ge=1, le=100_000)] = 300,
    start: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")] = "2024-01",
    draws: Annotated[int, Query(ge=1, le=5000)] = 500,
    run: bool = False,
) -> HTMLResponse:
    """The scenario form; with ``run`` its result. The run waits in the scenario queue
    (:mod:`service.runqueue`), not on a thread serving reads; a full queue, or a client with
    its share of runs already queued, gets a small 429 page with ``Retry-After`` (cheap to
    send: a flood of refused forms must not cost the reads their CPU)."""
    form = {
        "kind": kind,
        "municipality": municipality,
        "industry": industry,
        "jobs": jobs,
        "start": start,
        "draws": min(draws, context.settings.scenario.default_draws),
    }
    result, message = None, ""
    if run:
        client = request.client.host if request.client else "unknown"
        result, message = await _run_for_page(context, form, lang, f"ip:{client}")
    elif not context.scenarios.available:
        message = texts(lang)["scenario_unavailable"]
    return await run_in_threadpool(_scenarios_page, request, context, lang, form, result, message)


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
    presets = _preset_names(context)
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
        kinds=EVENT_KINDS,
        municipalities=municipalities,
        industries=industries,
        max_draws=context.settings.scenario.default_draws,
        charts=charts,
        elapsed=run.elapsed_s if run is not None else None,
        message=message,
        presets=presets,
        tagline_area=tagline_area(municipality),
    )


def _preset_names(context: Any) -> list[str]:
    cube = _dataset(context, "scenarios")
    if cube is None or "scenario" not in cube.dims:
        return []
    return [str(s) for s in cube["scenario"].values]


async def _run_for_page(
    context: Any, form: dict[str, Any], lang: str, client: str
) -> tuple[ScenarioRun | None, str]:
    """The form's run through the queue: ``(run, message)``; a refused spec gives no run and
    the reason; a full queue raises :class:`BusyError` in the page's language (429)."""
    t = texts(lang)
    if not context.scenarios.available:
        return None, t["scenario_unavailable"]
    try:
        spec = ScenarioSpec(
            name="dashboard",
            area=geography.employment_area_of(form["municipality"]),
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
        return await context.scenarios.submit(spec, release_id, client), ""
    except BusyError as exc:
        raise BusyError(t["scenario_busy"].format(n=exc.retry_after_s), exc.retry_after_s) from None
    except (EnnakointiError, ValueError) as exc:
        return None, str(exc)


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
            chart = fan_chart(
                [],
                band.points,
                title=text,
                description=text,
                chart_id=chart_id,
                legend=legend(t, band),
                lang=lang,
            )
            charts.append((chart, text))
    return charts


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
        else (years[min(5, len(years) - 1)] if years else dt.date.today().year)
    )
    bars = (
        views.training_bars(cube, area, year, label_map("field", lang)) if cube is not None else []
    )
    name = area_name(area, lang)
    caption = t["training_desc"].format(year=year, area=name)
    if bars:
        caption += t["with_intervals"] if bars[0][2] is not None else t["levels_summed"]
    chart = (
        bar_chart(
            bars,
            title=f"{t['need']} {year}: {name}",
            description=caption,
            chart_id="training",
            lang=lang,
        )
        if bars
        else None
    )
    message = "" if cube is not None else f"{t['not_in_release']}: training_needs"
    method = str(cube.attrs.get("method_note", "")) if cube is not None else ""
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
        tagline_area=tagline_area(area),
    )
