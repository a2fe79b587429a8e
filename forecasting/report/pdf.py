"""The review's PDF, drawn with fpdf2 (pure Python, from PyPI; no system libraries).

The page uses the PDF core font Helvetica, which every reader has, so no font file is
needed; its encoding is Latin-1, so the few typographic characters outside it are written
as their nearest Latin-1 form (the minus sign U+2212 and the en dash as ``-``, curly quotes
as straight ones, ``≥`` as ``>=``). Finnish letters and the no-break space of ``3 675`` are Latin-1.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

_LATIN1 = str.maketrans(
    {"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u201c": '"', "\u201d": '"',
     "\u2019": "'", "\u2026": "...", "\u202f": "\xa0", "\u2009": " ", "\u2265": ">="}
)  # fmt: skip
HEAD = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))


def latin1(text: str) -> str:
    """``text`` in the core font's Latin-1 (see the module docstring); others become ``?``."""
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


class _Review(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 8, latin1(f"{self.footer_text}  {self.page_no()}/{{nb}}"), align="R")


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)


def _note(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(0, 4.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)


def _longest_word(pdf: FPDF, texts: Sequence[str], style: str = "") -> float:
    """The width (mm) of the widest single word of ``texts`` in the table font and ``style``."""
    size = pdf.font_size_pt
    pdf.set_font("Helvetica", style, size)
    widest = max(
        (pdf.get_string_width(word) for text in texts for word in latin1(text).split()),
        default=0.0,
    )
    pdf.set_font("Helvetica", "", size)
    return widest


def fitted_widths(
    pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
) -> list[float]:
    """Column widths (mm, over the page's text width) in the proportions of ``widths``, but
    each at least as wide as its longest word (the heading's in bold) and its cell margins:
    a column too narrow for a word breaks it inside ("Allvarlighetsgr | ad", the Swedish
    severity heading in a column sized for the Finnish "Vakavuus"). The width a column gains
    is taken from those with room to spare, in proportion to that room."""
    total = float(sum(widths))
    cols = [pdf.epw * w / total for w in widths]
    margin = 2 * pdf.c_margin + 0.5  # the cell's margins and a little for rounding
    need = [
        max(_longest_word(pdf, [h], "B"), _longest_word(pdf, [r[i] for r in rows])) + margin
        for i, h in enumerate(header)
    ]
    short = sum(max(0.0, n - c) for n, c in zip(need, cols, strict=True))
    room = [max(0.0, c - n) for n, c in zip(need, cols, strict=True)]
    if short <= 0 or sum(room) < short:  # fits as asked, or cannot fit: the proportions
        return cols
    spare = sum(room)
    return [max(n, c - short * r / spare) for n, c, r in zip(need, cols, room, strict=True)]


def _table(
    pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int],
    numeric_from: int = 1,
) -> None:  # fmt: skip
    align = ["LEFT"] + ["RIGHT" if i >= numeric_from else "LEFT" for i in range(1, len(header))]
    with pdf.table(
        col_widths=tuple(fitted_widths(pdf, header, rows, widths)), text_align=tuple(align),
        headings_style=HEAD,
        line_height=5, first_row_as_headings=True,
    ) as table:  # fmt: skip
        for cells in [header, *rows]:
            line = table.row()
            for cell in cells:
                line.cell(latin1(cell))
    pdf.ln(2)


def _figures(pdf: FPDF, w: dict[str, str], rows: Sequence[dict[str, str]]) -> None:
    header = [w["figure"], w["now"], w["previous"], w["vs_previous"], w["year_ago"], w["vs_year"]]
    body = [
        [r["label"] + (f" ({r['note']})" if r.get("note") else ""), r["now"], r["previous"],
         r["vs_previous"], r["year_ago"], r["vs_year"]]
        for r in rows
    ]  # fmt: skip
    _table(pdf, header, body, (34, 14, 14, 14, 14, 14))


def _chart(pdf: FPDF, svg: str) -> None:
    if not svg:
        return
    svg = re.sub(r"<title[^>]*>.*?</title>|<desc[^>]*>.*?</desc>", "", svg, flags=re.S)
    try:
        pdf.image(io.BytesIO(latin1(svg).encode("utf-8")), w=pdf.epw)
    except Exception:  # a chart fpdf2 cannot draw leaves its table, never a broken PDF
        return


def build_pdf(data: dict[str, Any], svg: str) -> bytes:
    """The PDF of :func:`forecasting.report.render.view`'s ``data`` and the fan ``svg``."""
    w = data["w"]
    pdf = _Review(format="A4")
    pdf.footer_text = f"{w['title']} {data['area_name']} {data['month']}"
    pdf.set_title(latin1(f"{w['title']}: {data['area_name']} {data['month']}"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 9, latin1(f"{w['title']}: {data['area_name']} ({data['area']}) "
                                f"{data['month']}"), new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    _note(pdf, f"{w['subtitle']} - {data['generated']}")
    _heading(pdf, w["headline"])
    _figures(pdf, w, data["headline"])
    if data["gap_note"]:
        _note(pdf, data["gap_note"])
    _heading(pdf, w["groups"])
    _figures(pdf, w, data["groups"])
    _heading(pdf, w["occupations"])
    _note(pdf, data["occupations_note"])
    if data["occupations"]:
        ratio = data["tightness_shown"]  # else every group a lower bound: no ratio column
        rows = [[r["label"], r["unemployed"], r["vacancies"], *([r["tightness"]] if ratio else [])]
                for r in data["occupations"]]  # fmt: skip
        header = [w["occupation"], w["unemployed"], w["vacancies"]]
        header += [w["tightness"]] if ratio else []
        _table(pdf, header, rows, (60, 15, 15, 18) if ratio else (66, 20, 20))
    pdf.add_page()
    _heading(pdf, w["forecast"])
    if data["fan"]:
        _chart(pdf, svg)
        rows = [[p["month"], p["mean"], p["inner"], p["outer"]] for p in data["fan"]]
        _table(pdf, [w["month"], w["mean"], w["inner"], w["outer"]], rows, (20, 20, 30, 30))
    else:
        _note(pdf, w["fan_none"])
    _heading(pdf, w["alerts"])
    if data["alerts"]:
        rows = [[a["severity"], a["area"], f"{a['title']}. {a['text']}".strip()]
                for a in data["alerts"]]  # fmt: skip
        _table(pdf, [w["severity"], w["area"], w["explanation"]], rows, (16, 24, 80), 99)
    else:
        _note(pdf, w["no_alerts"])
    for note in data["alerts_left_out"]:
        _note(pdf, note)
    if data["scenarios"]:
        _heading(pdf, w["scenarios"])
        rows = [[s["name"], s["description"], s["effect"]] for s in data["scenarios"]]
        _table(pdf, [w["scenario"], w["description"], w["effect"]], rows, (30, 70, 20), 2)
    _heading(pdf, w["sources"])
    rows = [[s["name"], s["tables"], s["data_through"], s["state"]] for s in data["sources"]]
    _table(pdf, [w["source"], w["tables"], w["data_through"], w["state"]], rows,
           (30, 40, 20, 20), 99)  # fmt: skip
    _note(pdf, w["licence"])
    return bytes(pdf.output())
