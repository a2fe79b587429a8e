"""The product pages of the dashboard: population, labour supply, jobs by industry,
occupations, special groups and the map.

Each page reads the current release (:func:`service.routers.dashboard._dataset`), draws an
inline SVG chart with a table beside it, compares the area with its region and the country
where the product has them, links its data as CSV for Finnish Excel and XLSX (all rows) and
dates its sources (the base template's freshness notes).
"""

from __future__ import annotations

import contextlib
import math
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from forecasting import geography
from forecasting.errors import EnnakointiError
from forecasting.io.geo import load_shapes
from service import formats
from service import product_views as pv
from service.charts import bar_chart, responsive
from service.deps import ContextDep, release_data_through
from service.i18n import texts
from service.labels import area_name, label_map
from service.product_charts import CLASSES, OUTSIDE, choropleth, class_breaks, class_of, pyramid
from service.routers.dashboard import (
    PAGE_PRODUCTS,
    UiLangQuery,
    _area_choices,
    _dataset,
    _default_area,
    _render,
    downloads,
    outside_release,
    tagline_area,
)

router = APIRouter(include_in_schema=False)
AreaParam = Annotated[str | None, Query(max_length=12)]


def _area(context: Any, area: str | None) -> str:
    """The page's area: the one asked for (resolved), else the release's default area."""
    if area:
        with contextlib.suppress(EnnakointiError, KeyError, ValueError):
            return geography.resolve_area(area)
    return _default_area(context)


def comparison_areas(area: str) -> list[str]:
    """``area``, its region and the country (duplicates dropped)."""
    out = [area]
    with contextlib.suppress(EnnakointiError, KeyError, ValueError):
        level = geography.level_of(area)
        if level in ("municipality", "employment_area"):
            first = area if level == "municipality" else geography.members(area)[0]
            out.append(str(geography.municipalities().loc[first, "region"]))
    out.append(geography.COUNTRY)
    return list(dict.fromkeys(out))


def compared_in(ds: Any, area: str) -> list[str]:
    """:func:`comparison_areas` of ``area`` that ``ds`` holds: an employment area's release
    has no region or country, and a download link asking for them would answer 404."""
    held = ds.indexes["area"] if ds is not None and "area" in ds.indexes else ()
    return [a for a in comparison_areas(area) if a in held]


def _choices(context: Any, lang: str, extra: list[str]) -> list[tuple[str, str]]:
    codes = [c for c, _ in _area_choices(_default_area(context), lang)]
    return [(c, area_name(c, lang)) for c in dict.fromkeys([*codes, *extra])]


def _missing(t: dict[str, str], product: str) -> str:
    return f"{t['not_in_release']}: {product}"


def _page(context: Any, lang: str, area: str | None, product: str) -> tuple[Any, str, str, Any]:
    """What every area page starts from: texts, the resolved area, its name and the dataset."""
    code = _area(context, area)
    return texts(lang), code, area_name(code, lang), _dataset(context, product)


def _pick_year(years: list[int], year: int | None, last: bool) -> int | None:
    """``year`` when the release has it, else its first (or ``last``) year, else None."""
    if year in years:
        return year
    return (years[-1] if last else years[0]) if years else None


def _render_area_page(
    request: Request, context: Any, lang: str, page: str, title: str, area: str, **values: Any
) -> HTMLResponse:
    """Render ``page``.html with the area picker, the area and its tagline (and a notice when
    the asked area is unknown and the default area is shown instead, or is not in the
    release: then without download links, each of which would answer 404)."""
    outside = outside_release(_dataset(context, PAGE_PRODUCTS[page][0]), area, lang)
    if outside and "downloads" in values:
        values["downloads"] = {} if isinstance(values["downloads"], dict) else []
    return _render(
        request,
        f"{page}.html",
        lang,
        page,
        title,
        areas=_choices(context, lang, [area]),
        area=area,
        tagline_area=tagline_area(area),
        area_notice=area_notice(request.query_params.get("area"), area, lang) or outside,
        **values,
    )


def area_notice(asked: str | None, shown: str, lang: str) -> str:
    """The notice "Aluetta TA99 ei tunneta; näytetään Mikkelin seutu." when ``asked`` is no
    area code (the page shows ``shown``, its default, instead of silently answering for
    another area); "" otherwise."""
    if not asked:
        return ""
    try:
        geography.resolve_area(asked)
    except (EnnakointiError, KeyError, ValueError):
        return texts(lang)["unknown_area_shown"].format(asked=asked, shown=area_name(shown, lang))
    return ""


@router.get("/population", response_class=HTMLResponse)
def population(
    request: Request,
    context: ContextDep,
    lang: UiLangQuery = "fi",
    area: AreaParam = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> HTMLResponse:
    t, area, name, ds = _page(context, lang, area, "population_projection")
    years = pv.population_years(ds) if ds is not None else []
    year = _pick_year(years, year, last=False)
    chart, caption, rows, compare_years = None, "", [], []
    if ds is not None and year is not None:
        caption = t["pyramid_desc"].format(year=year, area=name)
        chart = responsive(
            pyramid,
            pv.pyramid_bands(ds, area, year),
            title=f"{t['population_page']} {year}: {name}",
            description=caption,
            labels=(t["women"], t["men"]),
            lang=lang,
        )
        compare_years = sorted({years[0], min(years[-1], years[0] + 10), years[-1]})
        rows = [
            {**r, "name": area_name(r["area"], lang)}
            for r in pv.population_rows(ds, compared_in(ds, area), compare_years)
        ]
    bands = pv.pyramid_bands(ds, area, year) if ds is not None and year is not None else []
    return _render_area_page(
        request,
        context,
        lang,
        "population",
        f"{t['population_page']}: {name}",
        area,
        years=years,
        year=year,
        chart=chart,
        caption=caption,
        bands=bands,
        rows=rows,
        compare_years=compare_years,
        downloads={
            "pyramid": downloads("/v1/population", lang, area=area, year=year),
            "totals": downloads(
                "/v1/population", lang, area=compared_in(ds, area), total="true", sex="T"
            ),
        },
        message="" if ds is not None else _missing(t, "population_projection"),
    )


@router.get("/labour", response_class=HTMLResponse)
def labour(
    request: Request, context: ContextDep, lang: UiLangQuery = "fi", area: AreaParam = None
) -> HTMLResponse:
    t, area, name, ds = _page(context, lang, area, "labour_supply")
    rows = pv.labour_rows(ds, area) if ds is not None else []
    variables = [v for v in pv.LABOUR_VARIABLES if ds is not None and v in ds]
    compare = []
    if rows:
        compare = [
            {**r, "name": area_name(r["area"], lang)}
            for r in pv.labour_compare(ds, compared_in(ds, area), rows[0]["year"], rows[-1]["year"])
        ]
    chart = None
    caption = labour_caption(t, name, variables, [r["year"] for r in rows])
    # the chart draws the labour force alone
    chart_caption = labour_caption(t, name, ["labour_force"], [r["year"] for r in rows])
    if rows and "labour_force" in variables:
        bars = [
            (
                str(r["year"]),
                r["values"]["labour_force"]["mean"],
                r["values"]["labour_force"]["lo80"],
                r["values"]["labour_force"]["hi80"],
            )
            for r in rows
        ]
        chart = responsive(
            bar_chart,
            bars,
            title=f"{t['labour_force']}: {name}",
            description=chart_caption,
            chart_id="labour",
            lang=lang,
        )
    return _render_area_page(
        request,
        context,
        lang,
        "labour",
        f"{t['labour_page']}: {name}",
        area,
        rows=rows,
        variables=variables,
        compare=compare,
        chart=chart,
        caption=caption,
        chart_caption=chart_caption,
        downloads=downloads("/v1/labour-supply", lang, area=compared_in(ds, area)),
        message="" if ds is not None else _missing(t, "labour_supply"),
    )


def labour_caption(t: dict[str, str], area: str, variables: list[str], years: list[int]) -> str:
    """What a labour chart or table shows: its variables, area and years ("Työikäiset
    15–64-v., työvoima ja työlliset: Mikkelin seutu, vuodet 2025, 2030, ... ja 2045"),
    not a promise of retirements by year where the table gives three variables every five
    years."""

    def listed(words: list[str]) -> str:
        return words[0] if len(words) < 2 else f"{', '.join(words[:-1])} {t['and']} {words[-1]}"

    names = [t.get(v, v) for v in variables]
    names = names[:1] + [n[:1].lower() + n[1:] for n in names[1:]]
    return t["labour_desc"].format(
        variables=listed(names) if names else t["labour_page"],
        area=area,
        years=listed([str(y) for y in years]) if years else "–",
    )


def observed_base(context: Any, cube: str, years: list[int]) -> int | None:
    """The year a projection is compared with: the last year of ``cube`` with data (the
    release's ``data_through``), not the first year of a long series (a 2035 projection
    against 1987 tells a planner nothing); the first year when the release does not say."""
    if not years:
        return None
    with contextlib.suppress(EnnakointiError, ValueError):
        through = release_data_through(context.releases.open()).get(cube, "")
        last = int(through[:4])
        observed = [y for y in years if y <= last]
        if observed:
            return observed[-1]
    return years[0]


@router.get("/jobs", response_class=HTMLResponse)
def jobs(
    request: Request,
    context: ContextDep,
    lang: UiLangQuery = "fi",
    area: AreaParam = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> HTMLResponse:
    t, area, name, ds = _page(context, lang, area, "jobs_by_industry")
    years = pv.population_years(ds) if ds is not None else []
    year = _pick_year(years, year, last=True)
    base = observed_base(context, "jobs_by_industry", years)
    rows: list[dict[str, Any]] = []
    if ds is not None and year is not None and base is not None:
        rows = pv.jobs_rows(ds, area, base, year, label_map("industry", lang))
    suppressed = (
        pv.jobs_suppressed(ds, area, year, label_map("industry", lang))
        if ds is not None and year is not None
        else []
    )
    caption = t["jobs_desc"].format(year=year, area=name, base=base)
    chart = (
        responsive(
            bar_chart,
            [(r["label"], r["value"], r["lo80"], r["hi80"]) for r in rows],
            title=f"{t['jobs_page']} {year}: {name}",
            description=caption,
            chart_id="jobs",
            lang=lang,
        )
        if rows
        else None
    )
    totals = []
    if ds is not None and year is not None and base is not None:
        for code in comparison_areas(area):
            r = pv.jobs_rows(ds, code, base, year, None)
            if r:
                a, b = sum(x["base"] for x in r), sum(x["value"] for x in r)
                totals.append(
                    {
                        "name": area_name(code, lang),
                        "base": a,
                        "value": b,
                        "change": 100 * (b / a - 1),
                    }
                )
    return _render_area_page(
        request,
        context,
        lang,
        "jobs",
        f"{t['jobs_page']}: {name}",
        area,
        **_balance_section(context, t, lang, area, name),
        years=years,
        year=year,
        base=base,
        rows=rows,
        suppressed=suppressed,
        totals=totals,
        chart=chart,
        caption=caption,
        downloads=downloads("/v1/jobs", lang, area=area),
        method=pv.method_note(ds, lang),
        message="" if ds is not None else _missing(t, "jobs_by_industry"),
    )


def _balance_section(context: Any, t: dict[str, str], lang: str, area: str, name: str) -> Any:
    """The jobs page's "jobs and workers" table (``labour_balance``) and, where the implied
    net in-commuting departs from the observed by more than the release's threshold, the
    sentence saying so (else the sentence that the check passed)."""
    ds = _dataset(context, "labour_balance")
    rows = pv.balance_rows(ds, area, pv.balance_years(ds)) if ds is not None else []
    if not rows:
        return {"balance": [], "balance_note": "", "balance_flag": False}
    observed_year = str(ds.attrs.get("commuting_observed_year", ""))
    limit = formats.number(100 * float(ds.attrs.get("max_departure", math.nan)), lang)
    flag = pv.balance_flag(ds, area)
    if flag is None:
        note = t["balance_ok"].format(limit=limit, observed_year=observed_year)
    else:
        key = "balance_flag_up" if flag["share"] >= flag["observed"] else "balance_flag_down"
        note = t[key].format(
            year=flag["year"],
            net=formats.number(round(flag["net"], -2 if abs(flag["net"]) >= 1000 else -1), lang),
            share=formats.percent(flag["share"], lang, 0),
            observed=formats.percent(flag["observed"], lang, 0),
            observed_year=observed_year,
            limit=limit,
        )
    return {
        "balance": rows,
        "balance_caption": t["balance_desc"].format(area=name, observed_year=observed_year),
        "balance_observed": t["balance_observed"].format(observed_year=observed_year),
        "balance_note": note,
        "balance_flag": flag is not None,
        "balance_downloads": downloads("/v1/labour-balance", lang, area=area),
        "balance_method": pv.method_note(ds, lang),
    }


@router.get("/occupations", response_class=HTMLResponse)
def occupations(
    request: Request, context: ContextDep, lang: UiLangQuery = "fi", area: AreaParam = None
) -> HTMLResponse:
    t = texts(lang)
    ds = _dataset(context, "occupation_forecasts")
    present = [str(a) for a in ds["area"].values] if ds is not None else []
    code = area if area in present else (present[0] if present else _default_area(context))
    name = area_name(code, lang)
    rows = pv.occupation_rows(ds, code, label_map("occupation", lang)) if ds is not None else []
    times = pd.DatetimeIndex(ds["time"].values[:12]) if ds is not None else pd.DatetimeIndex([])
    caption = t["occupations_desc"].format(
        area=name,
        surplus=formats.number(pv.SURPLUS, lang, 1),
        start=formats.month(times[0].date() if len(times) else None, lang),
        end=formats.month(times[-1].date() if len(times) else None, lang),
    )
    if ds is not None and ds.attrs.get("shares_data_through"):
        caption += " " + t["occupations_dates"].format(
            shares=formats.period(str(ds.attrs["shares_data_through"]), lang),
            level=formats.period(str(ds.attrs.get("level_data_through", "")), lang),
        )
    chart = (
        responsive(
            bar_chart,
            [(f"{r['label']} ({t[r['signal']]})", r["tightness"], None, None) for r in rows],
            title=f"{t['tightness']}: {name}",
            description=caption,
            chart_id="occupations",
            lang=lang,
            digits=formats.RATIO_DIGITS,
        )
        if rows
        else None
    )
    return _render(
        request,
        "occupations.html",
        lang,
        "occupations",
        f"{t['occupations_page']}: {name}",
        areas=[(a, area_name(a, lang)) for a in present],
        area=code,
        rows=rows,
        chart=chart,
        caption=caption,
        downloads=downloads("/v1/occupations/tightness", lang, area=code),
        method=pv.method_note(ds, lang),
        message="" if ds is not None else _missing(t, "occupation_forecasts"),
    )


@router.get("/groups", response_class=HTMLResponse)
def groups(
    request: Request, context: ContextDep, lang: UiLangQuery = "fi", area: AreaParam = None
) -> HTMLResponse:
    t, area, name, history = _page(context, lang, area, "registers_history")
    forecasts = _dataset(context, "register_forecasts")
    areas = [a for a in comparison_areas(area) if history is not None and a in history["area"]]
    when, target, rows = (
        pv.group_rows(history, forecasts, areas) if history is not None else (None, None, [])
    )
    month = formats.month(when.date() if when is not None else None, lang)
    target_text = formats.month(target.date() if target is not None else None, lang)
    variables = [r["variable"] for r in rows]
    return _render_area_page(
        request,
        context,
        lang,
        "groups",
        f"{t['groups_page']}: {name}",
        area,
        columns=[(a, area_name(a, lang)) for a in areas],
        rows=rows,
        month=month,
        target=target_text,
        caption=t["groups_desc"].format(month=month, area=name, target=target_text),
        partial=any(v.partial for r in rows for v in r["values"].values()),
        downloads={
            "history": downloads(
                "/v1/registers/history",
                lang,
                area=areas,
                variable=variables,
                **({"from": f"{when:%Y-%m}", "to": f"{when:%Y-%m}"} if when is not None else {}),
            ),
            "forecast": downloads("/v1/registers/forecasts", lang, area=area),
        },
        message="" if history is not None else t["no_release"],
    )


@router.get("/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    context: ContextDep,
    lang: UiLangQuery = "fi",
    area: AreaParam = None,
    show: Annotated[str, Query(pattern="^(rate|change)$")] = "rate",
) -> HTMLResponse:
    t = texts(lang)
    area = _area(context, area)
    if geography.level_of(area) == "municipality":
        area = geography.employment_area_of(area)
    if geography.level_of(area) != "employment_area":
        area = geography.MIKKELI_AREA
    members = geography.members(area)
    region = str(geography.municipalities().loc[members[0], "region"])
    codes = geography.members(region)
    history = _dataset(context, "registers_history")
    when, before, rows = pv.map_rows(history, codes) if history is not None else (None, None, [])
    for r in rows:
        r["name"] = area_name(r["area"], lang)
    key = "rate" if show == "rate" else "change"
    breaks = class_breaks([r[key] for r in rows])
    fills = {}
    for r in rows:
        k = class_of(r[key], breaks)
        if k is not None:
            fills[r["area"]] = CLASSES[k]
    # each class bound with its unit, as the rate's are (11,2 %): a change in percentage
    # points, signed ("< +0,6" read as a level of 0,6)
    fmt = (
        (lambda v: formats.percent(v, lang, 1))
        if key == "rate"
        else (lambda v: f"{formats.signed(v, lang, 1)}\xa0{t['pp']}")
    )
    edges = [-math.inf, *breaks, math.inf]
    legend = [
        (
            CLASSES[i],
            f"< {fmt(edges[1])}"
            if i == 0
            else (
                f"≥ {fmt(edges[i])}"
                if i == len(edges) - 2
                else f"{fmt(edges[i])} – {fmt(edges[i + 1])}"
            ),
        )
        for i in range(len(edges) - 1)
    ] + [("", t["no_data"])]
    # municipalities the release does not cover are out of scope, not missing: grey, not hatched
    scope = history.indexes.get("area", ()) if history is not None else ()
    outside = [c for c in codes if c not in scope]
    fills.update(dict.fromkeys(outside, OUTSIDE))
    if outside:
        legend.append((OUTSIDE, t["outside_release"]))
    shapes, outlines = load_shapes()
    names = {c: area_name(c, lang) for c in codes}
    by_code = {r["area"]: r for r in rows}
    for c in codes:
        found = by_code.get(c)
        missing = t["outside_release"] if c in outside else t["no_data"]
        names[c] += f": {fmt(found[key])}" if found else f": {missing}"
    month = formats.month(when.date() if when is not None else None, lang)
    before_text = formats.month(before.date() if before is not None else None, lang)
    caption = t["map_desc"].format(
        month=month, region=area_name(region, lang), area=area_name(area, lang)
    )
    if key == "change":
        # the month compared with, and that the year-ago month is missing where it is
        gap = pv.missing_year_ago(history, when, rows[0]["area"]) if rows else None
        if gap is not None:
            missing_text = t["year_ago_missing"].format(month=formats.month(gap.date(), lang))
            caption += " " + missing_text[:1].upper() + missing_text[1:] + "."
        caption += " " + t["map_change_desc"].format(before=before_text)
    if outside:
        caption += " " + t["map_outside_desc"]
    chart = choropleth(
        {c: shapes[c] for c in codes if c in shapes},
        fills,
        names,
        title=f"{t['rate'] if key == 'rate' else t['change_pp']}: {area_name(region, lang)}",
        description=caption,
        outline=outlines.get(area, []),
        legend=legend,
    )
    return _render(
        request,
        "map.html",
        lang,
        "map",
        f"{t['map_page']}: {area_name(region, lang)}",
        areas=[
            (a, area_name(a, lang))
            for a in geography.aggregate_codes("employment_area")
            if history is not None
            and set(geography.members(a)) & set(map(str, history["area"].values))
        ],
        area=area,
        show=show,
        chart=chart,
        caption=caption,
        rows=sorted(rows, key=lambda r: (r["area"] not in members, r["name"])),
        members=members,
        month=month,
        before=before_text,
        downloads=downloads(
            "/v1/registers/history",
            lang,
            area=[r["area"] for r in rows],
            variable=["unemployed", "labour_force"],
            **(
                {"from": f"{(before or when):%Y-%m}", "to": f"{when:%Y-%m}"}
                if when is not None
                else {}
            ),
        ),
        message="" if history is not None else t["no_release"],
        area_notice=outside_release(history, area, lang),
        tagline_area=area,
    )
