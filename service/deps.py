"""Dependencies shared by the routers, as ``Annotated`` aliases (FastAPI template style).

The application context (settings, the release view, the alert repository, the scenario
service, API keys) is built once in the lifespan and reached through :data:`ContextDep`.
:class:`DataQuery` bundles what every data route takes (release, paging, format, language)
and turns a :class:`~service.cubes.Selection` into a JSON page or a streamed CSV.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import numpy as np
from fastapi import Depends, Query, Request, Response, params
from fastapi.dependencies.utils import field_annotation_is_sequence, get_flat_params
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from forecasting.errors import ValidationError
from forecasting.io.release_store import Release
from forecasting.provenance import ATTRIBUTION, LICENCE
from forecasting.settings import Settings
from service import cubes
from service.labels import Lang
from service.schemas import PageInfo, Provenance, WholeNumber

if TYPE_CHECKING:
    from service.alerts import AlertRepository
    from service.releases import Releases
    from service.scenarios import ScenarioService
    from service.security import ApiKey

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
#: OpenAPI ``responses`` entry for data routes that can answer in CSV.
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
        "description": "rows",
    }
}


@dataclass
class ServiceContext:
    """Everything the lifespan builds once and the handlers share."""

    settings: Settings
    releases: Releases
    api_keys: tuple[ApiKey, ...]
    alerts: AlertRepository
    scenarios: ScenarioService
    #: ``() -> today``: the day a default that depends on the date is judged at (the
    #: scenario form's start); injectable, so a test fixes it.
    clock: Callable[[], dt.date] = dt.date.today


async def get_context(request: Request) -> ServiceContext:
    """The application context (async: a look-up needs no worker thread)."""
    context: ServiceContext = request.app.state.context
    return context


ContextDep = Annotated[ServiceContext, Depends(get_context)]


async def get_today(context: ContextDep) -> dt.date:
    """Today by the service's clock (:attr:`ServiceContext.clock`)."""
    return context.clock()


TodayDep = Annotated[dt.date, Depends(get_today)]

LangQuery = Annotated[Lang, Query(description="language of labels: fi, sv or en")]
ReleaseQuery = Annotated[
    str | None,
    Query(
        alias="release",
        description="an archived release id; default the current release",
        pattern=r"^\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?$",
    ),
]
OffsetQuery = Annotated[WholeNumber, Query(ge=0, le=1_000_000_000, description="rows to skip")]
LimitQuery = Annotated[
    WholeNumber | None,
    Query(ge=1, description="rows per page (default and maximum set by the operator)"),
]
ExportFormat = Literal["json", "csv", "csv-fi", "xlsx"]
FormatQuery = Annotated[
    ExportFormat | None,
    Query(
        description="json (default) or csv (paged; `Accept: text/csv` also selects CSV); "
        "csv-fi (Finnish Excel: UTF-8 BOM, `;`, decimal comma) and xlsx are every row of the "
        "selection, unpaged"
    ),
]
AreaQuery = Annotated[
    list[str] | None,
    Query(description="area codes (repeat the parameter): '491', 'TA23', 'MK10', 'SSS'"),
]
PERIOD = r"^(19|20|21)\d{2}(-(0[1-9]|1[0-2]))?$"
FromQuery = Annotated[
    str | None,
    Query(alias="from", pattern=PERIOD, description="first period, inclusive: YYYY or YYYY-MM"),
]
ToQuery = Annotated[
    str | None,
    Query(alias="to", pattern=PERIOD, description="last period, inclusive: YYYY or YYYY-MM"),
]
Year = Annotated[WholeNumber, Field(ge=1900, le=2200)]
YearQuery = Annotated[list[Year] | None, Query(description="calendar years (repeat)")]


def page_size_error(limit: int, maximum: int) -> ValidationError:
    """The refusal of a ``limit`` over the operator's page size: an ``out_of_range`` of the
    query parameter, as the request's own validation words a bound."""
    return ValidationError(
        "limit",
        f"at most {maximum} rows per page",
        kind="out_of_range",
        values={"location": "query", "name": "limit", "value": str(limit), "maximum": maximum},
    )


def _single_valued(route: APIRoute) -> frozenset[str]:
    """The query parameters of ``route`` that take one value (not a list such as ``area``)
    (a walk over the route's parameters, some microseconds: not worth a cache keyed by a
    route object that is not hashable)."""
    return frozenset(
        field.alias
        for field in get_flat_params(route.dependant)
        if isinstance(field.field_info, params.Query)
        and not field_annotation_is_sequence(cast(Any, field.field_info.annotation))
    )


async def single_values(request: Request) -> None:
    """Refuse a one-valued query parameter given more than once (``limit=1&limit=1000``,
    ``format=csv&format=json``): which of them to take would be a guess, and a proxy or
    cache may take another one than the service."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    single = _single_valued(route)
    for name in dict.fromkeys(request.query_params):
        given = request.query_params.getlist(name)
        if name in single and len(given) > 1:
            raise ValidationError(
                name,
                f"given {len(given)} times; give it once",
                kind="repeated",
                values={"location": "query", "name": name, "count": len(given)},
            )


def provenance(release: Release | None, name: str, attrs: dict[str, Any]) -> Provenance:
    """The provenance block of a response from a dataset's attrs and its release."""
    tables = attrs.get("source_tables", "")
    if isinstance(tables, str):
        tables = [t.strip() for t in tables.split(",") if t.strip()]
    # a product built from several chains names a shared table once (the training needs
    # listed "tyokay 115p" and "tyonv 12r5" twice each)
    tables = list(dict.fromkeys(tables))
    seed = attrs.get("seed")
    return Provenance(
        release_id=release.id if release is not None else None,
        release_created=release.manifest.get("created") if release is not None else None,
        dataset=name,
        source_tables=list(tables),
        source=str(attrs.get("source", ATTRIBUTION)),
        license=str(attrs.get("license", LICENCE)),
        retrieved=str(attrs["retrieved"]) if "retrieved" in attrs else None,
        data_version=str(attrs["data_version"]) if "data_version" in attrs else None,
        code_version=str(attrs["code_version"]) if "code_version" in attrs else None,
        seed=int(seed) if seed is not None else None,
        method=_method(attrs),
        data_through=release_data_through(release),
    )


def release_data_through(release: Release | None) -> dict[str, str]:
    """``{source cube: last period with data}`` of the inputs a release was built from."""
    if release is None:
        return {}
    recorded = release.manifest.get("data_through") or {}
    return {str(k): str(v) for k, v in recorded.items() if v}


def _method(attrs: dict[str, Any]) -> str | None:
    """The product's short method note (``method_note`` or ``method``), if it has one."""
    for key in ("method_note", "method"):
        if attrs.get(key):
            return str(attrs[key])
    return None


def provenance_headers(prov: Provenance) -> dict[str, str]:
    """The provenance as response headers (latin-1 safe), also sent with JSON."""
    values = {
        "X-Release-Id": prov.release_id or "",
        "X-Dataset": prov.dataset,
        "X-Source-Tables": ", ".join(prov.source_tables),
        "X-License": prov.license,
        "X-Data-Version": prov.data_version or "",
        "X-Code-Version": prov.code_version or "",
        "X-Attribution": prov.source,
        # the data date, which a csv-fi download (no "#" lines) carries nowhere else
        "X-Data-Through": ", ".join(f"{k}={v}" for k, v in own_data_through(prov).items()),
    }
    return {k: v.encode("latin-1", "replace").decode("latin-1") for k, v in values.items() if v}


def csv_preamble(prov: Provenance, total: int) -> list[str]:
    """Provenance lines for the top of a CSV (``#``-prefixed; ``pandas.read_csv(comment="#")``)."""
    lines = []
    for key, value in prov.model_dump(mode="json", exclude_none=True).items():
        if key == "data_through":  # one line per source, as the workbook's provenance sheet
            lines += [f"data_through {src}: {v}" for src, v in own_data_through(prov).items()]
        elif key == "source_tables":
            lines.append(f"{key}: {', '.join(prov.source_tables)}")
        else:
            lines.append(f"{key}: {value}")
    return [*lines, f"total_rows: {total}"]


#: Datasets served under a name of their own, by the release product they are made from.
DERIVED_DATASETS = {"training_needs_cumulative": "training_needs"}


def dataset_sources(dataset: str) -> tuple[str, ...]:
    """The input cubes of the release product behind ``dataset`` (the release registry);
    () when the registry does not know it."""
    import forecasting.release.products  # noqa: F401  (registers the products; loaded on use)
    from forecasting.release.registry import registered

    product = registered().get(DERIVED_DATASETS.get(dataset, dataset))
    return tuple(product.cubes) if product is not None else ()


def own_data_through(prov: Provenance) -> dict[str, str]:
    """``{source: data date}`` of the sources the dataset of ``prov`` is made from
    (:func:`dataset_sources`), by name; every source of the release when the registry
    names none of them."""
    sources = set(dataset_sources(prov.dataset))
    own = {src: v for src, v in prov.data_through.items() if src in sources}
    return {src: str(v) for src, v in sorted((own or prov.data_through).items())}


def export_provenance(prov: Provenance, total: int, ds: Any = None) -> list[tuple[str, str]]:
    """The ``provenance`` sheet of an XLSX download: one ``(key, value)`` row per field, one
    ``data_through <source>`` row per input source of the dataset (a spreadsheet reader sees
    each source's data date, not a Python dict; the register forecasts' reader the
    registers' date alone, not the commuting statistics of 2017: the JSON keeps every source
    of the release) and the units of the dataset and its variables (``units``,
    ``units <variable>``) where the product records them."""
    rows: list[tuple[str, str]] = []
    for key, value in prov.model_dump(mode="json", exclude_none=True).items():
        if key == "data_through":
            rows += [(f"data_through {src}", v) for src, v in own_data_through(prov).items()]
        elif key == "source_tables":
            rows.append((key, ", ".join(prov.source_tables)))
        else:
            rows.append((key, str(value)))
    if ds is not None:
        if ds.attrs.get("units"):
            rows.append(("units", str(ds.attrs["units"])))
        for name in ds.data_vars:
            unit = ds[name].attrs.get("units")
            if unit:
                rows.append((f"units {name}", str(unit)))
        # a long layout's rows are variables (unemployed, vacancies): the unit of each
        by_variable = ds.attrs.get(cubes.VARIABLE_UNITS) or {}
        if "variable" in ds.coords:
            for name in dict.fromkeys(map(str, np.atleast_1d(ds["variable"].values))):
                if name in by_variable:
                    rows.append((f"units {name}", str(by_variable[name])))
    rows.append(("total_rows", str(total)))
    return rows


def download_name(sel: cubes.Selection, prov: Provenance) -> str:
    """A spreadsheet download's file name: the product, its one area when the selection has
    one, and the release's day (``register_forecasts_491_20261207``), so a planner's second
    download (another municipality, next month's release) does not arrive as
    ``register_forecasts (1).xlsx``."""
    parts = [sel.name]
    if "area" in sel.ds.dims and sel.ds.sizes["area"] == 1:
        parts.append(str(sel.ds["area"].values[0]))
    day = str(prov.release_id or "")[:8]
    if day.isdigit():
        parts.append(day)
    return re.sub(r"[^A-Za-z0-9_-]", "", "_".join(parts))


class DataQuery:
    """What every data route takes: release, paging, format and language.

    Also a small response builder: :meth:`release`, :meth:`dataset` and :meth:`respond`.
    """

    def __init__(
        self,
        request: Request,
        response: Response,
        context: ServiceContext,
        *,
        offset: int = 0,
        limit: int | None = None,
        format: str | None = None,
        lang: Lang = "fi",
        release: str | None = None,
    ):
        service = context.settings.service
        if limit is not None and limit > service.max_page_size:
            raise page_size_error(limit, service.max_page_size)
        self.request = request
        self.response = response
        self.context = context
        self.offset = offset
        self.limit = limit or service.default_page_size
        accept = request.headers.get("accept", "")
        self.csv = format == "csv" or (format is None and "text/csv" in accept)
        self.export = format if format in ("csv-fi", "xlsx") else None
        self.lang = lang
        self.release_id = release
        self._release: Release | None = None

    def release(self) -> Release:
        """The release this request reads (the current one unless ``?release=``)."""
        if self._release is None:
            self._release = self.context.releases.open(self.release_id)
        return self._release

    def dataset(self, name: str) -> Any:
        """Dataset ``name`` of the release (404 problem if the release lacks it)."""
        return self.context.releases.dataset(self.release(), name)

    def page(self, total: int) -> PageInfo:
        nxt = None
        if self.offset + self.limit < total:
            nxt = str(self.request.url.include_query_params(offset=self.offset + self.limit))
        return PageInfo(offset=self.offset, limit=self.limit, total=total, next=nxt)

    def respond(self, sel: cubes.Selection, prov: Provenance | None = None) -> Any:
        """A JSON envelope (validated by the route's response_model) or a streamed CSV."""
        prov = prov or provenance(self.release(), sel.name, dict(sel.ds.attrs))
        page = self.page(sel.total)
        headers = {**provenance_headers(prov), "X-Total-Count": str(page.total)}
        if page.next:
            headers["Link"] = f'<{page.next}>; rel="next"'
        if self.export:
            return self.download(sel, prov, headers)
        if self.csv:
            preamble = csv_preamble(prov, page.total)
            chunks = cubes.csv_chunks(sel, self.offset, self.limit, self.lang, preamble)
            disposition = f'attachment; filename="{sel.name}.csv"'
            return StreamingResponse(
                chunks,
                media_type=CSV_MEDIA_TYPE,
                headers={**headers, "Content-Disposition": disposition},
            )
        self.response.headers.update(headers)
        body = {
            "data": cubes.records(sel, self.offset, self.limit, self.lang),
            "page": page,
            "provenance": prov,
            "lang": self.lang,
        }
        if sel.omitted:
            body["other_variables"] = list(sel.omitted)
        return body

    def download(self, sel: cubes.Selection, prov: Provenance, headers: dict[str, str]) -> Any:
        """Every row of ``sel`` as ``csv-fi`` or ``xlsx`` (:mod:`service.export`), unpaged,
        in a file named by :func:`download_name`."""
        from service import export

        headers = {k: v for k, v in headers.items() if k != "Link"}
        stem = download_name(sel, prov)
        if self.export == "xlsx":
            body = export.xlsx_bytes(sel, self.lang, export_provenance(prov, sel.total, sel.ds))
            disposition = f'attachment; filename="{stem}.xlsx"'
            return Response(
                body,
                media_type=export.XLSX_MEDIA_TYPE,
                headers={**headers, "Content-Disposition": disposition},
            )
        export.check_size(sel)
        return StreamingResponse(
            export.csv_fi_chunks(sel, self.lang),
            media_type=export.CSV_FI_MEDIA_TYPE,
            headers={**headers, "Content-Disposition": f'attachment; filename="{stem}.csv"'},
        )

    def respond_records(
        self, records: Sequence[BaseModel], total: int, prov: Provenance, columns: list[str]
    ) -> Any:
        """A page of already-paged records (alerts, events) as a JSON envelope or CSV."""
        if self.export:
            raise ValidationError("format", "csv-fi and xlsx are for data products; use csv")
        page = self.page(total)
        headers = {**provenance_headers(prov), "X-Total-Count": str(total)}
        if page.next:
            headers["Link"] = f'<{page.next}>; rel="next"'
        if self.csv:
            preamble = csv_preamble(prov, total)
            rows = [r.model_dump(mode="json") for r in records]
            return StreamingResponse(
                iter([cubes.records_csv(rows, columns, preamble)]),
                media_type=CSV_MEDIA_TYPE,
                headers={
                    **headers,
                    "Content-Disposition": f'attachment; filename="{prov.dataset}.csv"',
                },
            )
        self.response.headers.update(headers)
        return {"data": records, "page": page, "provenance": prov, "lang": self.lang}


async def data_query(
    request: Request,
    response: Response,
    context: ContextDep,
    offset: OffsetQuery = 0,
    limit: LimitQuery = None,
    format: FormatQuery = None,
    lang: LangQuery = "fi",
    release: ReleaseQuery = None,
) -> DataQuery:
    """The :class:`DataQuery` of a request (async: building it needs no worker thread)."""
    return DataQuery(
        request, response, context,
        offset=offset, limit=limit, format=format, lang=lang, release=release,
    )  # fmt: skip


DataQueryDep = Annotated[DataQuery, Depends(data_query)]
