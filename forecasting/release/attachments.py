"""Files rendered from a release's datasets and published with it (store attachments).

The monthly labour-market review (:mod:`forecasting.report`) of every employment area in
the release's scope, in Finnish and English, as HTML and PDF: ``monthly_review-TA23-fi.pdf``
and so on, each with ``meta`` ``{"kind": "monthly_review", "area", "month", "lang",
"format"}`` in the manifest. The service serves these stored files for the current release
and the leadership e-mail links to them; both render on request only for an older release
that has none.

The review reads the release's own ``registers_history``, ``register_forecasts``, ``alerts``
and ``scenarios`` (as the service does) and the staged ``occupations`` input cube when the
release's products read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import xarray as xr

from forecasting import geography
from forecasting.errors import UnknownAreaError, ValidationError
from forecasting.io.release_store import Attachment
from forecasting.release.registry import BuildContext, staged

#: Languages and formats the release renders the review in.
REVIEW_LANGS = ("fi", "en")
REVIEW_FORMATS = ("pdf", "html")
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
KIND = "monthly_review"


def review_name(area: str, lang: str, fmt: str) -> str:
    """The attachment's file name: ``monthly_review-TA23-fi.pdf``."""
    return f"{KIND}-{area}-{lang}.{fmt}"


def review_areas(ctx: BuildContext) -> list[str]:
    """The employment areas of the release's scope (``TA23``; all 45 for a national one)."""
    return [a for a in ctx.areas if geography.level_of(a) == "employment_area"]


def review_attachments(
    ctx: BuildContext,
    datasets: Mapping[str, xr.Dataset],
    *,
    release: str | None = None,
    today: dt.date | None = None,
) -> tuple[list[Attachment], dict[str, str]]:
    """The reviews of every employment area of ``ctx`` and ``{area: why left out}``.

    Parameters
    ----------
    datasets
        The release's published datasets; without ``registers_history`` nothing is rendered.
    release
        A release label printed in the review (the release id is not known before
        publishing: the flow passes none; the sources section gives the data dates).
    today
        The date the sources' freshness is judged at (default: today).
    """
    from forecasting.report import monthly_review, render

    registers = datasets.get("registers_history")
    if registers is None:
        return [], {}
    occupations = staged(ctx, "occupations")
    out: list[Attachment] = []
    skipped: dict[str, str] = {}
    for area in review_areas(ctx):
        try:
            review = monthly_review(
                registers, area, None, occupations=occupations,
                register_forecasts=datasets.get("register_forecasts"),
                alerts=datasets.get("alerts"), scenarios=datasets.get("scenarios"),
                today=today, release=release,
            )  # fmt: skip
        except (UnknownAreaError, ValidationError) as exc:
            skipped[area] = str(exc)
            continue
        meta = {"kind": KIND, "area": area, "month": f"{review.month:%Y-%m}"}
        for lang in REVIEW_LANGS:
            for fmt in REVIEW_FORMATS:
                out.append(
                    Attachment(
                        review_name(area, lang, fmt),
                        render(review, fmt, lang),
                        MEDIA_TYPES[fmt],
                        {**meta, "lang": lang, "format": fmt},
                    )
                )
    return out, skipped
