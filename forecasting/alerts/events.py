"""The event register: announced layoffs, change negotiations, closures and recruitments.

Fields follow the European Restructuring Monitor (employer, municipality, industry, kind,
jobs, announcement date, effect period, source). Entered by CLI, CSV import or the API; a CSV
import is all-or-nothing and names the row at fault.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from forecasting import geography
from forecasting.dates import BoundedDate
from forecasting.errors import DataError, UnknownAreaError
from forecasting.io.alert_db import EventRow, session_scope
from forecasting.io.files import csv_records

TOL_SECTIONS = (*tuple("ABCDEFGHIJKLMNOPQRSTU"), "X")
EventKind = Literal[
    "closure", "dismissal", "temporary_layoff", "change_negotiations", "recruitment"
]


class EventIn(BaseModel):
    """One event as entered by a user."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    employer: str = Field(min_length=1, max_length=200)
    municipality: str = Field(description="municipality code of the 2025 division, e.g. '507'")
    industry: str = Field(description="TOL 2008 section A..U or X")
    kind: EventKind
    jobs: int = Field(gt=0, le=100_000, description="jobs lost (or created, for recruitment)")
    # 1990-01-01..2100-12-31 (forecasting.dates): a date past pandas' 2262 broke every build.
    announced: BoundedDate
    effect_start: BoundedDate
    effect_end: BoundedDate | None = None
    source: str = Field(min_length=1, max_length=500)

    @field_validator("municipality")
    @classmethod
    def _known_municipality(cls, value: str) -> str:
        try:
            code = geography.resolve_area(value)
        except UnknownAreaError as exc:
            raise ValueError(str(exc)) from exc
        if geography.level_of(code) != "municipality":
            raise ValueError(f"{value!r} is not a municipality")
        return code

    @field_validator("industry")
    @classmethod
    def _known_industry(cls, value: str) -> str:
        value = value.upper()
        if value not in TOL_SECTIONS:
            raise ValueError(f"unknown TOL 2008 section {value!r}; expected A..U or X")
        return value

    # The dates' order is checked on the later field of each pair (the fields are validated
    # in their order, so the earlier one is in ``info.data`` when it was valid): a refusal
    # names the field at fault (``effect_end``, ``body.effect_end`` in the API), not the
    # whole event.
    @field_validator("effect_start")
    @classmethod
    def _starts_near_the_announcement(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        announced = info.data.get("announced")
        if announced is not None and value < announced - dt.timedelta(days=366):
            raise ValueError("effect_start is more than a year before the announcement")
        return value

    @field_validator("effect_end")
    @classmethod
    def _ends_after_the_start(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("effect_start")
        if value is not None and start is not None and value < start:
            raise ValueError("effect_end is before effect_start")
        return value


class EventRegister:
    """Events persisted in the alert database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, event: EventIn) -> int:
        """Store one event; returns its id (an identical event returns the existing id)."""
        with session_scope(self.engine) as session:
            return _add(session, event)

    def upsert(self, event: EventIn) -> tuple[int, bool]:
        """Store ``event`` or correct the stored one with the same employer, municipality,
        kind and announcement date (jobs, industry, effect dates, source take the new
        values). Returns ``(id, created)``."""
        with session_scope(self.engine) as session:
            event_id, outcome = _upsert(session, event)
            return event_id, outcome == NEW

    def record(self, event: EventIn) -> tuple[int, str]:
        """:meth:`upsert`, saying what it did: ``(id, outcome)``, the outcome one of
        :data:`NEW`, :data:`CORRECTED`, :data:`UNCHANGED`."""
        with session_scope(self.engine) as session:
            return _upsert(session, event)

    def import_csv(self, path: Path) -> list[tuple[int, str]]:
        """Import every row of a CSV (header = EventIn fields), all or nothing; each row as
        :meth:`record` takes it (a stored event with the same identity is corrected).
        Returns ``(id, outcome)`` per row."""
        events = []
        required = [name for name, f in EventIn.model_fields.items() if f.is_required()]
        for row, record in csv_records(path, required=required):
            try:
                events.append(EventIn.model_validate(record))
            except ValidationError as exc:
                raise DataError(first_error(exc), source=str(path), row=row) from exc
        with session_scope(self.engine) as session:  # one transaction: all or nothing
            return [_upsert(session, ev) for ev in events]

    def frame(self, area: str | None = None) -> pd.DataFrame:
        """All events (optionally of one area's municipalities) as a DataFrame."""
        with session_scope(self.engine) as session:
            rows = session.scalars(select(EventRow).order_by(EventRow.announced)).all()
        cols = [*list(EventIn.model_fields), "id"]
        frame = pd.DataFrame([{c: getattr(r, c) for c in cols} for r in rows], columns=cols)
        if area is not None:
            frame = frame[frame["municipality"].isin(geography.members(area))]
        return frame


def _same_event(event: EventIn) -> tuple[Any, ...]:
    """The register's identity of an event: employer, municipality, kind, announcement."""
    return (
        EventRow.employer == event.employer,
        EventRow.municipality == event.municipality,
        EventRow.kind == event.kind,
        EventRow.announced == event.announced,
    )


#: What :meth:`EventRegister.record` did with an event.
NEW, CORRECTED, UNCHANGED = "new", "corrected", "unchanged"


def _upsert(session: Session, event: EventIn) -> tuple[int, str]:
    """Store ``event``, or correct the stored one of the same identity (:func:`_same_event`)
    where any of its values differ; ``(id, outcome)``."""
    row = session.scalar(select(EventRow).where(*_same_event(event)))
    if row is None:
        return _add(session, event), NEW
    values = event.model_dump()
    if all(getattr(row, name) == value for name, value in values.items()):
        return int(row.id), UNCHANGED
    for name, value in values.items():
        setattr(row, name, value)
    return int(row.id), CORRECTED


def _add(session: Session, event: EventIn) -> int:
    existing = session.scalar(select(EventRow.id).where(*_same_event(event)))
    if existing is not None:
        return int(existing)
    row = EventRow(**event.model_dump())
    session.add(row)
    session.flush()
    return int(row.id)


def first_error(exc: ValidationError, whole: str = "row") -> str:
    """``field: reason`` of the first error of an :class:`EventIn`; ``whole`` names the
    event itself for an error of no one field (a row that is not a mapping of fields)."""
    err = exc.errors()[0]
    loc = ".".join(map(str, err["loc"])) or whole
    return f"{loc}: {err['msg']}"
