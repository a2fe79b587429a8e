"""Staffing of the employment services: the versioned table ``forecasting/config/staffing.toml``.

``client_facing_experts`` per employment area (person-years) with its source; an area not in
the table has no figure (None), so its ``clients_per_expert`` is missing rather than borrowed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from forecasting.errors import DataError
from forecasting.io.files import read_toml

CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "staffing.toml"


@lru_cache(maxsize=1)
def _table() -> tuple[str, dict[str, float], dict[str, str]]:
    raw = read_toml(CONFIG_PATH)
    experts = raw.get("client_facing_experts", {})
    try:
        table = {str(a): float(v) for a, v in experts.items()}
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"client_facing_experts must be numbers ({exc})", source=str(CONFIG_PATH)
        ) from None
    bad = [a for a, v in table.items() if not 0 < v <= 10_000]
    if bad:
        raise DataError(
            f"client_facing_experts out of (0, 10000] for {bad}", source=str(CONFIG_PATH)
        )
    sources = {str(a): str(s) for a, s in raw.get("sources", {}).items()}
    return str(raw.get("version", "")), table, sources


def client_facing_experts(area: str) -> float | None:
    """Client-facing experts of ``area`` in the table, None when it has no figure."""
    return _table()[1].get(area)


def source(area: str) -> str | None:
    """The stated source or assumption of ``area``'s figure."""
    return _table()[2].get(area)


def version() -> str:
    """The table's version (``staffing-v1``)."""
    return _table()[0]
