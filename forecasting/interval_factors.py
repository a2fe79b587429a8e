"""Interval factors of the register forecasts (written by ``benchmarks/calibrate_registers.py``).

Variable -> level -> one ``(f80, f95)`` pair per horizon band (steps 1-12, 13-24, 25+
after the latest data); split-conformal quantiles of the published intervals' errors on
the tuning origins (:data:`forecasting.backtest.TUNING_ORIGINS`,
2012-06..2022-06); see :func:`forecasting.registers.calibrate_intervals`.
"""

from __future__ import annotations

INTERVAL_FACTORS: dict[str, dict[str, tuple[tuple[float, float], ...]]] = {
    "unemployed": {
        "municipality": ((0.970, 1.113), (0.971, 0.973), (1.090, 1.054)),
        "employment_area": ((0.999, 1.425), (1.269, 1.204), (1.503, 1.254)),
        "region": ((1.037, 1.458), (1.363, 1.247), (1.596, 1.297)),
        "country": ((1.171, 2.200), (1.606, 1.315), (1.929, 1.291)),
    },
    "vacancies": {
        "municipality": ((0.987, 1.000), (1.000, 1.000), (1.103, 1.011)),
        "employment_area": ((1.139, 1.074), (1.052, 0.954), (1.056, 0.962)),
        "region": ((1.132, 1.137), (1.164, 1.047), (1.226, 1.118)),
        "country": ((1.838, 1.863), (1.552, 1.551), (1.461, 1.269)),
    },
}
