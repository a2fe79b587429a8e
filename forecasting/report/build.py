"""The review from a release's products and the input cubes, in one call for the CLI, the
service and the release flow (the data is handed in; nothing is loaded here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import xarray as xr

from forecasting.errors import ValidationError
from forecasting.report.render import FORMATS, check_lang, render
from forecasting.report.review import monthly_review

#: Input cubes and release products the review reads.
REPORT_CUBES = ("registers", "occupations")
REPORT_PRODUCTS = ("register_forecasts", "alerts", "scenarios", "occupation_forecasts")


def format_of(path: str | Path) -> str:
    """``html`` or ``pdf`` from a file name's suffix.

    Raises
    ------
    ValidationError
        For any other suffix.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    fmt = "html" if suffix == "htm" else suffix
    if fmt not in FORMATS:
        raise ValidationError("out", f"{str(path)!r}: the review is written as .pdf or .html")
    return fmt


def review_bytes(
    cubes: Mapping[str, xr.Dataset],
    products: Mapping[str, xr.Dataset],
    area: str,
    month: str | None = None,
    *,
    fmt: str = "pdf",
    lang: str = "fi",
    today: dt.date | None = None,
    release: str | None = None,
) -> bytes:
    """The review of ``area`` for ``month`` as ``fmt`` (``html``/``pdf``) in ``lang``.

    ``cubes`` holds at least ``registers`` (``occupations`` optional); ``products`` any of
    :data:`REPORT_PRODUCTS` from the release (missing ones leave their section out).
    """
    check_lang(lang)
    if fmt not in FORMATS:
        raise ValidationError("format", f"{fmt!r}: the review is written as html or pdf")
    if "registers" not in cubes:
        raise ValidationError("registers", "the review needs the registers cube")
    review = monthly_review(
        cubes["registers"], area, month,
        occupations=cubes.get("occupations"),
        register_forecasts=products.get("register_forecasts"),
        alerts=products.get("alerts"),
        scenarios=products.get("scenarios"),
        occupation_forecasts=products.get("occupation_forecasts"),
        today=today, release=release,
    )  # fmt: skip
    return render(review, fmt, lang)
