"""The monthly labour-market review (työmarkkinakatsaus) of an area, as PDF or HTML.

Rendered from the release the request reads: its ``registers_history`` (the registers of
the release's areas), ``register_forecasts``, ``alerts``, ``scenarios`` and
``occupation_forecasts``. The occupation section and the occupation groups' alerts need the
input ``occupations`` cube, which a release does not hold: the service's review leaves them
out and says so under its alerts (the CLI and the release step include them).

Every release since the review became a release step holds the review of each employment
area of its scope as stored files (:mod:`forecasting.release.attachments`): the route serves
that file (header ``X-Review-Source: release``) when the request asks for the stored month
(or none), and renders on request (``X-Review-Source: rendered``) otherwise, e.g. for an
older release or another month.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from forecasting.report.build import REPORT_PRODUCTS, review_bytes
from service.deps import ContextDep, ReleaseQuery, provenance, provenance_headers
from service.middleware import DASHBOARD_CSP

router = APIRouter(prefix="/v1/reports", tags=["reports"])

MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


@router.get(
    "/monthly",
    response_class=Response,
    responses={200: {"content": {m: {} for m in MEDIA.values()}}},
    summary="The monthly labour-market review of an area (PDF or HTML)",
)
def monthly(
    context: ContextDep,
    area: Annotated[str, Query(description="area code, e.g. TA23", max_length=12)] = "TA23",
    month: Annotated[str | None, Query(description="YYYY-MM; default the latest")] = None,
    format: Annotated[Literal["pdf", "html"], Query(description="pdf or html")] = "pdf",
    review_lang: Annotated[
        Literal["fi", "sv", "en"], Query(alias="lang", description="fi, sv or en")
    ] = "fi",
    release_id: ReleaseQuery = None,
) -> Response:
    """The työmarkkinakatsaus: headline figures against last month and last year (months
    without data say so), special groups, the forecast fan, active alerts, the scenarios and
    the data sources with their dates."""
    release = context.releases.open(release_id)
    code = area.strip().upper()
    # where the numbers come from and their data date, as every download carries them: the
    # review is read from the release's registers (and its products), every source's date
    registers = context.releases.dataset(release, "registers_history")
    sources = provenance_headers(provenance(release, "monthly_review", dict(registers.attrs)))
    stored = release.find_attachment(kind="monthly_review", area=code, lang=review_lang,
                                     format=format)  # fmt: skip
    if stored is not None and month in (None, stored["meta"].get("month")):
        return _response(release.attachment(stored["name"]), format, code,
                         stored["meta"]["month"], review_lang, "release", sources)  # fmt: skip
    names = set(release.names())
    products = {n: context.releases.dataset(release, n) for n in REPORT_PRODUCTS if n in names}
    data = review_bytes(
        {"registers": registers},
        products,
        area,
        month,
        fmt=format,
        lang=review_lang,
        release=release.id,
    )
    return _response(data, format, code, month or "latest", review_lang, "rendered", sources)


def review_csp(html: bytes) -> str:
    """The dashboard's Content-Security-Policy that also lets the review's own inline
    stylesheet apply (by its hash, nothing else inline): the review is one self-contained
    page, and under the dashboard's ``style-src 'self'`` a browser showed it unstyled, its
    tables wider than a phone."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(css).digest()).decode() + "'"
        for css in re.findall(rb"<style>(.*?)</style>", html, flags=re.S)
    ]
    return DASHBOARD_CSP.replace("style-src 'self'", " ".join(["style-src 'self'", *hashes]))


#: The review's file name in its language (a saved English review was named in Finnish).
FILE_STEMS = {
    "fi": "tyomarkkinakatsaus",
    "sv": "arbetsmarknadsoversikt",
    "en": "labour_market_review",
}


def _response(
    data: bytes,
    fmt: str,
    area: str,
    month: str,
    lang: str,
    source: str,
    provenance: dict[str, str],
) -> Response:
    name = re.sub(r"[^A-Za-z0-9_.-]", "", f"{FILE_STEMS[lang]}_{area}_{month}_{lang}.{fmt}")
    headers = {
        **provenance,
        "Content-Disposition": f'inline; filename="{name}"',
        "X-Review-Source": source,
    }
    if fmt == "html":
        headers["Content-Security-Policy"] = review_csp(data)
    return Response(data, media_type=MEDIA[fmt], headers=headers)
