"""Local job multipliers: defaults from ``forecasting/config/multipliers.toml``, validated.

A direct change of ``n`` jobs in section ``s`` brings ``n * (total_s - 1)`` secondary jobs in
the area: the indirect part (``indirect_share_s``) in supplier industries, the induced part in
industries that serve households; ``total_s`` lies in 1.0-2.6 (``DOMAIN.md``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from forecasting.errors import DataError
from forecasting.io.files import read_toml
from forecasting.scenarios.spec import MULTIPLIER_BOUNDS

CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "multipliers.toml"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SectionMultiplier(_Frozen):
    total: float = Field(ge=MULTIPLIER_BOUNDS[0], le=MULTIPLIER_BOUNDS[1])
    indirect_share: float = Field(ge=0.0, le=1.0)


class Timing(_Frozen):
    indirect_lag_months: int = Field(ge=0, le=24)
    induced_lag_months: int = Field(ge=0, le=24)
    induced_spread_months: int = Field(ge=1, le=36)


class MultiplierTable(_Frozen):
    """The validated multiplier configuration."""

    timing: Timing
    suppliers: dict[str, float]
    consumer: dict[str, float]
    sections: dict[str, SectionMultiplier]

    @field_validator("suppliers", "consumer")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        if not value or any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            raise ValueError("weights must be non-negative with a positive sum")
        return value

    def total(self, section: str, overrides: dict[str, float] | None = None) -> float:
        """Total jobs per direct job of ``section`` (an override wins)."""
        if overrides and section in overrides:
            return float(overrides[section])
        return self.sections[section].total


@lru_cache(maxsize=2)
def load_multipliers(path: Path = CONFIG_PATH) -> MultiplierTable:
    """The multiplier table (cached); :class:`DataError` names the file on bad content."""
    doc = read_toml(path)
    try:
        return MultiplierTable.model_validate(doc)
    except ValueError as exc:
        raise DataError(f"invalid multiplier configuration: {exc}", source=str(path)) from exc
