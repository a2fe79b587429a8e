"""The monthly labour-market review (työmarkkinakatsaus) for the employment committee.

:func:`monthly_review` gathers the figures (data as arguments), :func:`render` writes them as
HTML or PDF in Finnish or English.
"""

from forecasting.report.render import FORMATS, check_lang, render, render_html, render_pdf
from forecasting.report.review import MonthlyReview, monthly_review

__all__ = [
    "FORMATS",
    "MonthlyReview",
    "check_lang",
    "monthly_review",
    "render",
    "render_html",
    "render_pdf",
]
