"""The alert/event repository tests of test_alerts.py and test_delivery.py, run on every
backend of ``db_url`` (tests/conftest.py): a temp SQLite file and a database on a throwaway
PostgreSQL server (skipped, with the reason, where its binaries are missing).

The tests are imported, not copied, so they stay one set; pytest collects them here again
with this module's ``db``/``engine`` fixtures, which open ``db_url`` through ``make_engine``
(the migrations, as in production).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from forecasting.alerts.events import EventIn, EventRegister
from forecasting.io.alert_db import make_engine
from tests.test_alerts import (  # noqa: F401 - collected here on each backend
    GOOD,
    test_csv_import_is_all_or_nothing,
    test_engine_persists_history_and_a_rerun_sends_nothing_new,
    test_repository_lists_filters_acknowledges_and_subscribes,
)
from tests.test_delivery import (  # noqa: F401 - collected here on each backend
    test_client_error_is_a_dead_letter_without_retry,
    test_half_failing_at_first_every_message_delivered_or_dead_none_twice,
    test_same_key_is_queued_once,
)


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(db: Engine) -> Engine:
    return db


def test_a_reposted_event_is_a_correction_and_dates_round_trip(db: Any) -> None:
    register = EventRegister(db)
    first = register.add(EventIn.model_validate(GOOD))
    assert register.add(EventIn.model_validate(GOOD)) == first  # identical: the same id
    corrected = EventIn.model_validate({**GOOD, "jobs": 250, "effect_end": "2025-12-31"})
    assert register.upsert(corrected) == (first, False)
    frame = register.frame(area="TA23")
    assert len(frame) == 1 and int(frame["jobs"].iloc[0]) == 250
    row = frame.iloc[0]
    assert (row["announced"], row["effect_end"]) == (dt.date(2025, 2, 3), dt.date(2025, 12, 31))
    assert row["employer"] == "Sahayhtiö Oy"  # UTF-8 through either driver
