"""Ennakointi: labour-market foresight for Finnish employment areas.

This package owns Finland: geography, classifications, the xarray data contract, data
sources and the embedded snapshot, and the domain chain (register forecasts, demography,
labour demand, training needs, scenarios, alerts, the release store). The mathematics
lives in :mod:`models`; only :mod:`forecasting.io` opens files, databases or HTTP.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ennakointi")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"
