"""Inline SVG charts drawn on the server: a forecast fan chart and a horizontal bar chart.

Shared by the dashboard (``service.charts`` re-exports this module) and the monthly review
(:mod:`forecasting.report`); numbers in the page language via :mod:`forecasting.alerts.text`.

No JavaScript and no chart library: the markup is small, prints, and works with screen
readers (``role="img"`` with a ``<title>`` and ``<desc>``; every chart also has a data table
next to it in the page). Colours pass WCAG AA against white; bands differ in opacity and are
named in the legend, so colour is never the only cue.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from html import escape

from markupsafe import Markup

from forecasting.alerts.text import number

INK = "#1a1a1a"
GRID = "#d0d0d0"
HISTORY = "#1f4e79"  # 8.6:1 on white
FORECAST = "#a3390b"  # 6.4:1 on white
BAND = "#a3390b"


@dataclass(frozen=True)
class FanPoint:
    """One forecast month: the centre (mean or median) and an inner and an outer interval."""

    time: dt.date
    mid: float
    lo_in: float
    hi_in: float
    lo_out: float
    hi_out: float


@dataclass(frozen=True)
class Fan:
    """A fan: its points, the coverage of its bands (per cent) and what the centre is."""

    points: list[FanPoint]
    inner: int = 80
    outer: int = 95
    centre: str = "mean"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering ``[lo, hi]``."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0]
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    ticks = [math.floor(lo / step) * step]
    while ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def tick_digits(ticks: Sequence[float]) -> int:
    """Decimals that tell :func:`nice_ticks` apart: 0 for a step of 1 or more, 1 for 0.5,
    2 for 0.25 (ticks 0, 0,5, 1, 1,5 on a ratio axis, not 0, 1, 1, 2)."""
    if len(ticks) < 2:
        return 0
    step = abs(ticks[1] - ticks[0])
    for digits in range(6):
        scaled = step * 10**digits
        if abs(scaled - round(scaled)) < 1e-6 * max(1.0, scaled):
            return digits
    return 6


def _short(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters with an ellipsis (the full label is in the table)."""
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def wrap(text: str, n: int, lines: int = 3) -> list[str]:
    """``text`` in lines of at most ``n`` characters, broken between words; at most
    ``lines`` lines, the last cut with an ellipsis if the text runs on (a label is drawn
    whole where it fits: "Health associate professionals (balance…" was cut at 40)."""
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= n:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = [*out[: lines - 1], _short(" ".join(out[lines - 1 :]), n)]
    return [_short(line, n) for line in out] or [""]


def _lines(x: float, y: float, lines: Sequence[str], step: int) -> str:
    """The lines of a wrapped label as ``<tspan>``s from baseline ``y`` (one line: its text)."""
    if len(lines) == 1:
        return escape(lines[0])
    return "".join(
        f'<tspan x="{x:.0f}" y="{y + i * step:.1f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )


def envelope(points: Sequence[FanPoint]) -> list[FanPoint]:
    """The points with each outer band widened to contain its inner band.

    Bounds estimated separately (quantiles of few draws, reconciled bounds) can put a 95 %
    bound inside the 80 % one; a wider interval never lies inside a narrower one, so the
    outer band is drawn (and tabled) as the envelope of both. Missing bounds stay missing.
    """
    out = []
    for p in points:
        lo_out = min(p.lo_out, p.lo_in) if math.isfinite(p.lo_in) else p.lo_out
        hi_out = max(p.hi_out, p.hi_in) if math.isfinite(p.hi_in) else p.hi_out
        out.append(replace(p, lo_out=lo_out, hi_out=hi_out))
    return out


def segments(points: Sequence[tuple[dt.date, float]]) -> list[list[tuple[dt.date, float]]]:
    """Runs of a series to draw as one line each: broken at a missing value and at a jump in
    time longer than 1.5 times the series' usual step (a month absent from the rows)."""
    steps = [(b - a).days for (a, _), (b, _) in itertools.pairwise(points)]
    longest = 1.5 * statistics.median(steps) if steps else math.inf
    runs: list[list[tuple[dt.date, float]]] = []
    previous: dt.date | None = None
    for t, v in points:
        ok = v is not None and math.isfinite(v)
        if ok and runs and previous is not None and (t - previous).days <= longest:
            runs[-1].append((t, v))
        elif ok:
            runs.append([(t, v)])
        previous = t if ok else None
    return runs


def fan_chart(
    history: Sequence[tuple[dt.date, float]],
    forecast: Sequence[FanPoint],
    *,
    title: str,
    description: str,
    legend: dict[str, str],
    chart_id: str = "fan",
    width: int = 760,
    height: int = 320,
    lang: str = "fi",
    today: tuple[dt.date, str] | None = None,
) -> Markup:
    """A line of observed values, the forecast mean, and shaded 80 % / 95 % bands.

    ``legend`` names the series: keys ``history``, ``forecast``, ``inner``, ``outer`` (bands).
    The outer band is the envelope of both (:func:`envelope`); lines break at missing months
    (:func:`segments`). Tick labels in ``lang``'s number format. ``today`` ``(date, label)``
    marks that day with a labelled vertical line when it lies on the time axis: months
    between the last observation and today are forecasts of the past, not of the future.
    """
    forecast = envelope(forecast)
    left, right, top, bottom = 64, 16, 16, 56
    legend_rows = _legend_layout(legend, left, width - right, with_history=bool(history))
    extra = 18 * (max(row for _, _, _, row in legend_rows) if legend_rows else 0)
    height += extra  # a legend that wraps onto more rows (a narrow chart) gets their room
    times = [t for t, _ in history] + [p.time for p in forecast]
    values = [v for _, v in history if math.isfinite(v)]
    values += [x for p in forecast for x in (p.lo_out, p.hi_out, p.mid) if math.isfinite(x)]
    if not times or not values:
        return Markup(f'<p class="empty">{escape(description)}</p>')
    t0, t1 = min(times).toordinal(), max(times).toordinal()
    ticks = nice_ticks(min(0.0, min(values)), max(values))
    y0, y1 = ticks[0], ticks[-1]

    def x(t: dt.date) -> float:
        return left + (t.toordinal() - t0) / max(1, t1 - t0) * (width - left - right)

    def y(v: float) -> float:
        return top + (1 - (v - y0) / (y1 - y0 or 1)) * (height - extra - top - bottom)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    tick_d = tick_digits(ticks)
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{number(tick, lang, tick_d)}</text>'
        )
    axis = height - extra - bottom  # the time axis
    years = [y for y in sorted({t.year for t in times}) if t0 <= dt.date(y, 1, 1).toordinal() <= t1]
    # a year's label is about 30 units wide: on a narrow chart every second (third ...) year
    # is labelled, so that the labels do not run into each other
    every = 1
    if len(years) > 1:
        span = x(dt.date(years[-1], 1, 1)) - x(dt.date(years[0], 1, 1))
        every = max(1, math.ceil(40 / (span / (len(years) - 1) or 1)))
    for i, year in enumerate(years):
        jan = dt.date(year, 1, 1)
        parts.append(
            f'<line x1="{x(jan):.1f}" x2="{x(jan):.1f}" y1="{top}" y2="{axis}" '
            f'stroke="{GRID}" stroke-dasharray="2 3"/>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x(jan):.1f}" y="{axis + 16}" text-anchor="middle" '
                f'font-size="12" fill="{INK}">{year}</text>'
            )
    for band, lo, hi, opacity in (
        ("outer", "lo_out", "hi_out", 0.18),
        ("inner", "lo_in", "hi_in", 0.35),
    ):
        pts = [
            p for p in forecast if math.isfinite(getattr(p, lo)) and math.isfinite(getattr(p, hi))
        ]
        if pts:
            upper = " ".join(f"{x(p.time):.1f},{y(getattr(p, hi)):.1f}" for p in pts)
            lower = " ".join(f"{x(p.time):.1f},{y(getattr(p, lo)):.1f}" for p in reversed(pts))
            parts.append(
                f'<polygon data-band="{band}" points="{upper} {lower}" fill="{BAND}" '
                f'fill-opacity="{opacity}"/>'
            )
    if today is not None and t0 <= today[0].toordinal() <= t1:
        at = x(today[0])
        anchor = "end" if at > (left + width - right) / 2 else "start"
        shift = -4 if anchor == "end" else 4
        parts.append(
            f'<g data-marker="today"><line x1="{at:.1f}" x2="{at:.1f}" y1="{top}" '
            f'y2="{axis}" stroke="{INK}" stroke-width="1"/>'
            f'<text x="{at + shift:.1f}" y="{top + 12}" text-anchor="{anchor}" font-size="12" '
            f'fill="{INK}">{escape(today[1])}</text></g>'
        )
    parts.append(_line(list(history), x, y, HISTORY, "", "history"))
    parts.append(
        _line(
            [(p.time, p.mid) for p in forecast],
            x,
            y,
            FORECAST,
            ' stroke-dasharray="6 3"',
            "forecast",
        )
    )
    parts.append(_legend(legend_rows, height - extra))
    parts.append("</svg>")
    return Markup("".join(parts))


def _line(
    points: Sequence[tuple[dt.date, float]],
    x: Callable[[dt.date], float],
    y: Callable[[float], float],
    colour: str,
    extra: str,
    series: str = "",
) -> str:
    """One polyline per run of :func:`segments` (a lone month is a dot)."""
    out = []
    for run in segments(points):
        if len(run) == 1:
            t, v = run[0]
            out.append(
                f'<circle data-series="{series}" cx="{x(t):.1f}" cy="{y(v):.1f}" r="2.5" '
                f'fill="{colour}"/>'
            )
            continue
        coords = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in run)
        out.append(
            f'<polyline data-series="{series}" points="{coords}" fill="none" '
            f'stroke="{colour}" stroke-width="2"{extra}/>'
        )
    return "".join(out)


def _legend_layout(
    legend: dict[str, str], left: int, end: int, *, with_history: bool
) -> list[tuple[str, str, int, int]]:
    """The legend's ``(mark, text, x, row)`` items: in one row from ``left`` where they fit
    before ``end``; else in rows from the chart's edge (a narrow chart)."""
    items = [
        (
            f'<line x1="0" x2="22" y1="0" y2="0" stroke="{HISTORY}" stroke-width="2"/>',
            legend["history"],
        ),
        (
            f'<line x1="0" x2="22" y1="0" y2="0" stroke="{FORECAST}" stroke-width="2" '
            'stroke-dasharray="6 3"/>',
            legend["forecast"],
        ),
        (
            f'<rect x="0" y="-6" width="22" height="12" fill="{BAND}" fill-opacity="0.35"/>',
            legend["inner"],
        ),
        (
            f'<rect x="0" y="-6" width="22" height="12" fill="{BAND}" fill-opacity="0.18"/>',
            legend["outer"],
        ),
    ]
    if legend["outer"] == legend["inner"]:
        items.pop()  # one band drawn twice (e.g. 80 % as both): name it once
    items = items[0 if with_history else 1 :]
    widths = [40 + 7 * len(text) for _, text in items]
    pos, row = (left, 0) if left + sum(widths) <= end + 40 else (8, 0)
    start, out = pos, []
    for (mark, text), w in zip(items, widths, strict=True):
        if pos > start and pos + w > end + 40:
            pos, row = start, row + 1
        out.append((mark, text, pos, row))
        pos += w
    return out


def _legend(rows: Sequence[tuple[str, str, int, int]], height: int) -> str:
    """The legend items of :func:`_legend_layout` below the time axis, a row every 18 units."""
    return "".join(
        f'<g transform="translate({pos},{height - 14 + 18 * row})">{mark}'
        f'<text x="28" y="4" font-size="12" fill="{INK}">{escape(text)}</text></g>'
        for mark, text, pos, row in rows
    )


def bar_chart(
    items: Sequence[tuple[str, float, float | None, float | None]],
    *,
    title: str,
    description: str,
    chart_id: str = "bars",
    width: int = 760,
    bar: int = 24,
    lang: str = "fi",
    digits: int = 0,
) -> Markup:
    """Horizontal bars ``(label, value, lo, hi)`` with optional interval whiskers; each
    value labelled with ``digits`` decimals, the axis with as many as its ticks need, both in
    ``lang``'s number format (``1 234``, ``0,66``).

    A label wraps onto as many lines as it needs (up to three) in a column of its own left
    of the bars; on a narrow chart (``width`` under 500, a phone's) each label stands on
    the whole width above its bar (up to four lines)."""
    if not items:
        return Markup(f'<p class="empty">{escape(description)}</p>')
    stacked = width < 500
    # a 13-unit label's character is about 7.5 units wide on average
    label_w, right, top, step = (20, 56, 8, 15) if stacked else (300, 70, 8, 15)
    chars = int((width - 28) / 7.5) if stacked else int((label_w - 8) / 7.5)
    labels = [wrap(label, chars, 4 if stacked else 3) for label, *_ in items]
    if stacked:
        rows = [len(lines) * step + 4 + bar + 10 for lines in labels]
    else:
        rows = [max(bar, len(lines) * step) + 8 for lines in labels]
    height = top + sum(rows) + 28
    values = [
        w for _, v, lo, hi in items for w in (v, lo, hi) if w is not None and math.isfinite(w)
    ]
    ticks = nice_ticks(min(0.0, min(values)), max(values), 4 if not stacked else 3)
    v0, v1 = ticks[0], ticks[-1]

    def x(v: float) -> float:
        return label_w + (v - v0) / (v1 - v0 or 1) * (width - label_w - right)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    base = height - 22
    tick_d = tick_digits(ticks)
    for tick in ticks:
        parts.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top}" y2="{base}" stroke="{GRID}"/>'
            f'<text x="{x(tick):.1f}" y="{base + 16}" text-anchor="middle" font-size="12" '
            f'fill="{INK}">{number(tick, lang, tick_d)}</text>'
        )
    row_top = top
    for lines, row, (_label, value, lo, hi) in zip(labels, rows, items, strict=True):
        cy: float
        text_y: float
        if stacked:  # the label's lines, then the bar below them
            cy = row_top + len(lines) * step + 4
            text_x, anchor = label_w, ""
            text_y = row_top + step - 3
        else:  # the label's lines centred on the bar beside them
            cy = row_top + (row - 8 - bar) / 2
            text_x, anchor = label_w - 8, ' text-anchor="end"'
            text_y = cy + bar / 2 + 4 - (len(lines) - 1) * step / 2
        x_start, x_end = sorted((x(0.0 if v0 <= 0 <= v1 else v0), x(value)))
        parts.append(
            f'<text x="{text_x}" y="{text_y:.1f}"{anchor} font-size="13" '
            f'fill="{INK}">{_lines(text_x, text_y, lines, step)}</text>'
            f'<rect x="{x_start:.1f}" y="{cy:g}" width="{max(1.0, x_end - x_start):.1f}" '
            f'height="{bar}" fill="{HISTORY}"/>'
        )
        label_x = x_end
        if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
            mid = cy + bar / 2
            parts.append(
                f'<line x1="{x(lo):.1f}" x2="{x(hi):.1f}" y1="{mid:g}" y2="{mid:g}" '
                f'stroke="{FORECAST}" stroke-width="2"/>'
            )
            label_x = max(x_end, x(hi))
        parts.append(
            f'<text x="{label_x + 6:.1f}" y="{cy + bar / 2 + 4:.1f}" font-size="12" '
            f'fill="{INK}">{number(value, lang, digits)}</text>'
        )
        row_top += row
    parts.append("</svg>")
    return Markup("".join(parts))
