"""Files rendered from a release's datasets and published with it (store attachments).

The monthly labour-market review (:mod:`forecasting.report`) of every employment area in
the release's scope, in Finnish, Swedish and English, as HTML and PDF:
``monthly_review-TA23-fi.pdf`` and so on, each with ``meta`` ``{"kind": "monthly_review",
"area", "month", "lang", "format"}`` in the manifest. The service serves these stored files
for the current release and the leadership e-mail links to them; both render on request only
for an older release that has none.

The review reads the release's own ``registers_history``, ``register_forecasts``, ``alerts``,
``scenarios`` and ``occupation_forecasts`` (as the service does) and the staged
``occupations`` input cube when the release's products read it.

A full build renders the reviews in the unpublished mapped product ``monthly_reviews``
(:mod:`forecasting.release.products`: runs of :data:`REVIEW_AREAS_PER_UNIT` areas per task,
after ``alerts`` and ``scenarios``), whose datasets carry the rendered files
(:func:`pack_attachments`); publishing unpacks them (:func:`unpack_attachments`). A build
without that product (a subset of products) renders them while publishing
(:func:`review_attachments`), as the same function of the same data and date.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from forecasting import geography
from forecasting.errors import UnknownAreaError, ValidationError
from forecasting.io.release_store import Attachment
from forecasting.release.registry import BuildContext, staged

#: Languages and formats the release renders the review in.
REVIEW_LANGS = ("fi", "sv", "en")
REVIEW_FORMATS = ("pdf", "html")
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
KIND = "monthly_review"
#: Employment areas rendered per task of ``monthly_reviews``: each task reads the four
#: products once; 45 areas make 9 tasks.
REVIEW_AREAS_PER_UNIT = 5


def review_name(area: str, lang: str, fmt: str) -> str:
    """The attachment's file name: ``monthly_review-TA23-fi.pdf``."""
    return f"{KIND}-{area}-{lang}.{fmt}"


def review_areas(ctx: BuildContext) -> list[str]:
    """The employment areas of the release's scope (``TA23``; all 45 for a national one)."""
    return [a for a in ctx.areas if geography.level_of(a) == "employment_area"]


def review_units(ctx: BuildContext) -> list[str]:
    """Map units of ``monthly_reviews``: runs of :data:`REVIEW_AREAS_PER_UNIT` employment
    areas in the release's order, joined with ``+`` (``TA01+TA02+...``)."""
    areas = review_areas(ctx)
    step = REVIEW_AREAS_PER_UNIT
    return ["+".join(areas[i : i + step]) for i in range(0, len(areas), step)]


def build_date(ctx: BuildContext) -> dt.date | None:
    """The date the build judges freshness at (:attr:`BuildContext.today`), or None (today)."""
    return dt.date.fromisoformat(ctx.today) if ctx.today else None


def review_attachments(
    ctx: BuildContext,
    datasets: Mapping[str, xr.Dataset],
    *,
    release: str | None = None,
    today: dt.date | None = None,
    areas: Sequence[str] | None = None,
    occupations: xr.Dataset | None = None,
) -> tuple[list[Attachment], dict[str, str]]:
    """The reviews of every employment area of ``ctx`` (or of ``areas``) and
    ``{area: why left out}``.

    Parameters
    ----------
    datasets
        The release's published datasets; without ``registers_history`` nothing is rendered.
    release
        A release label printed in the review (the release id is not known before
        publishing: the flow passes none; the sources section gives the data dates).
    today
        The date the sources' freshness is judged at (default: today).
    areas
        A subset of :func:`review_areas` (default: all of them).
    occupations
        The ``occupations`` cube (default: the staged one when the release reads it).
    """
    from forecasting.report import monthly_review, render

    registers = datasets.get("registers_history")
    if registers is None:
        return [], {}
    if occupations is None:
        occupations = staged(ctx, "occupations")
    out: list[Attachment] = []
    skipped: dict[str, str] = {}
    for area in review_areas(ctx) if areas is None else areas:
        try:
            review = monthly_review(
                registers, area, None, occupations=occupations,
                register_forecasts=datasets.get("register_forecasts"),
                alerts=datasets.get("alerts"), scenarios=datasets.get("scenarios"),
                occupation_forecasts=datasets.get("occupation_forecasts"),
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


# -- rendered files as a dataset (what the mapped product stores in the work area) -------------
def pack_attachments(attachments: Sequence[Attachment], skipped: Mapping[str, str]) -> xr.Dataset:
    """``attachments`` as one dataset: their bytes end to end in ``content`` (dim ``byte``),
    and per ``file`` (the names, in order) ``offset``, ``size``, ``media_type`` and ``meta``
    (JSON); the areas left out in the attr ``skipped`` (JSON)."""
    sizes = np.array([len(a.data) for a in attachments], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    content = np.frombuffer(b"".join(a.data for a in attachments), dtype=np.uint8)
    names = [a.name for a in attachments]
    metas = [json.dumps(dict(a.meta), sort_keys=True) for a in attachments]
    return xr.Dataset(
        {
            "content": ("byte", content),
            "offset": ("file", offsets[: len(names)]),
            "size": ("file", sizes),
            "media_type": ("file", np.array([a.media_type for a in attachments], dtype=object)),
            "meta": ("file", np.array(metas, dtype=object)),
        },
        coords={"file": np.array(names, dtype=object)},
        attrs={"skipped": json.dumps(dict(skipped), sort_keys=True)},
    )


def unpack_attachments(ds: xr.Dataset) -> tuple[list[Attachment], dict[str, str]]:
    """The attachments and left-out areas of a :func:`pack_attachments` dataset."""
    content = np.asarray(ds["content"].values, dtype=np.uint8).tobytes()
    out = []
    for i, name in enumerate(map(str, ds["file"].values)):
        start, size = int(ds["offset"].values[i]), int(ds["size"].values[i])
        out.append(
            Attachment(
                name,
                content[start : start + size],
                str(ds["media_type"].values[i]),
                json.loads(str(ds["meta"].values[i])),
            )
        )
    return out, dict(json.loads(ds.attrs.get("skipped", "{}")))


def join_packed(parts: Sequence[xr.Dataset]) -> xr.Dataset:
    """One :func:`pack_attachments` dataset of ``parts`` in order (files and left-out areas)."""
    attachments: list[Attachment] = []
    skipped: dict[str, str] = {}
    for part in parts:
        files, left_out = unpack_attachments(part)
        attachments += files
        skipped |= left_out
    return pack_attachments(attachments, skipped)
