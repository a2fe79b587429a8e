"""Inline SVG charts of the product pages: a population pyramid and a choropleth map.

As :mod:`service.charts`: no JavaScript, ``role="img"`` with a ``<title>`` and ``<desc>``,
a data table beside every chart in the page, colours with a text or pattern cue besides.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

from service.charts import FORECAST, GRID, HISTORY, INK, nice_ticks
from service.formats import number

#: Sequential light-to-dark blues (ColorBrewer Blues, 5 classes); text on the map is not
#: drawn over them, so contrast against labels does not apply.
CLASSES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#ffffff"
#: Fill of a municipality outside the release's areas: out of scope, not missing data.
OUTSIDE = "#d4d4d4"


def _svg_open(chart_id: str, width: float, height: float, title: str, description: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>'
    )


def pyramid(
    bands: Sequence[tuple[str, float, float]],
    *,
    title: str,
    description: str,
    labels: tuple[str, str],
    chart_id: str = "pyramid",
    lang: str = "fi",
    width: int = 640,
    bar: int = 16,
) -> Markup:
    """A population pyramid: ``(age band, women, men)`` rows, the oldest band on top,
    women on the left and men on the right of a shared axis."""
    rows = [b for b in bands if math.isfinite(b[1]) and math.isfinite(b[2])]
    if not rows:
        return Markup(f'<p class="empty">{escape(description)}</p>')
    centre_w, top = 64, 24
    side = (width - centre_w) / 2 - 24  # the outer tick's label ("4 000") inside the chart
    peak = max(max(b[1], b[2]) for b in rows)
    ticks = nice_ticks(0.0, peak, 3)
    scale = side / (ticks[-1] or 1)
    height = top + len(rows) * (bar + 4) + 26
    mid_l, mid_r = width / 2 - centre_w / 2, width / 2 + centre_w / 2
    out = [_svg_open(chart_id, width, height, title, description)]
    out.append(
        f'<text x="{mid_l - 4:.0f}" y="14" text-anchor="end" font-size="13" fill="{INK}">'
        f"{escape(labels[0])}</text>"
        f'<text x="{mid_r + 4:.0f}" y="14" font-size="13" fill="{INK}">{escape(labels[1])}</text>'
    )
    base = top + len(rows) * (bar + 4)
    for tick in ticks:
        for x in (mid_l - tick * scale, mid_r + tick * scale):
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{base}" stroke="{GRID}"/>'
                f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle" font-size="11" '
                f'fill="{INK}">{number(tick, lang)}</text>'
            )
    for i, (band, women, men) in enumerate(reversed(rows)):
        y = top + i * (bar + 4)
        out.append(
            f'<rect x="{mid_l - women * scale:.1f}" y="{y}" width="{women * scale:.1f}" '
            f'height="{bar}" fill="{FORECAST}"/>'
            f'<rect x="{mid_r:.1f}" y="{y}" width="{men * scale:.1f}" height="{bar}" '
            f'fill="{HISTORY}"/>'
            f'<text x="{width / 2:.1f}" y="{y + bar - 4}" text-anchor="middle" font-size="12" '
            f'fill="{INK}">{escape(band)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def class_breaks(values: Sequence[float], n: int = len(CLASSES)) -> list[float]:
    """``n - 1`` inner breaks at equal-count quantiles of the finite values (rounded to one
    decimal, increasing, duplicates dropped)."""
    finite = sorted(v for v in values if math.isfinite(v))
    if len(finite) < 2:
        return []
    cuts = []
    for k in range(1, n):
        q = finite[min(len(finite) - 1, round(k * len(finite) / n))]
        cuts.append(round(q, 1))
    return sorted(set(c for c in cuts if finite[0] < c <= finite[-1]))


def class_of(value: float, breaks: Sequence[float]) -> int | None:
    """The class index of ``value`` (None for missing)."""
    if not math.isfinite(value):
        return None
    return sum(value >= b for b in breaks)


def choropleth(
    shapes: Mapping[str, list[list[list[float]]]],
    fills: Mapping[str, str],
    names: Mapping[str, str],
    *,
    title: str,
    description: str,
    outline: Sequence[list[list[float]]] = (),
    legend: Sequence[tuple[str, str]] = (),
    chart_id: str = "map",
    width: int = 560,
) -> Markup:
    """Municipalities filled with their colour in ``fills`` (those without one white and
    hatched: no data; :data:`OUTSIDE` for those out of scope), the rings ``outline`` (an
    employment area's border) drawn heavy, each shape titled with its ``names`` text;
    ``legend`` is ``(colour, text)`` rows (a colour ``""`` is the no-data hatching)."""
    codes = [c for c in shapes if c in names]
    if not codes:
        return Markup(f'<p class="empty">{escape(description)}</p>')
    xs = [p[0] for c in codes for r in shapes[c] for p in r]
    ys = [p[1] for c in codes for r in shapes[c] for p in r]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = 6
    scale = (width - 2 * pad) / max(x1 - x0, 1e-9)
    map_h = (y1 - y0) * scale + 2 * pad
    legend_h = 22 * len(legend) + (8 if legend else 0)
    height = map_h + legend_h

    def path(rings: list[list[list[float]]]) -> str:
        return "".join(
            "M"
            + "L".join(
                f"{(x - x0) * scale + pad:.0f},{(y1 - y) * scale + pad:.0f}" for x, y in ring
            )
            + "Z"
            for ring in rings
        )

    out = [
        _svg_open(chart_id, width, height, title, description),
        '<defs><pattern id="nodata" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GRID}" stroke-width="2"/></pattern></defs>',
    ]
    for code in codes:
        colour = fills.get(code) or "url(#nodata)"
        out.append(
            f'<path d="{path(shapes[code])}" fill="{colour}" stroke="#595959" '
            f'stroke-width="0.8" data-area="{code}"><title>{escape(names[code])}</title></path>'
        )
    if outline:
        out.append(
            f'<path d="{path(list(outline))}" fill="none" stroke="{INK}" stroke-width="3" '
            f'stroke-linejoin="round" class="outline"/>'
        )
    for i, (colour, text) in enumerate(legend):
        y = map_h + 8 + 22 * i
        fill = colour if colour.startswith("#") else "url(#nodata)"
        out.append(
            f'<rect x="{pad}" y="{y:.0f}" width="18" height="14" fill="{fill}" stroke="#595959"/>'
            f'<text x="{pad + 26}" y="{y + 12:.0f}" font-size="13" fill="{INK}">'
            f"{escape(text)}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))
