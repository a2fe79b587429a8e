"""The scheduled delivery drain: sends what is due, so retries wait for real.

Every alert evaluation queues its messages (immediate ones and one digest per subscriber and
month) in the alert database and makes the first attempt. A failed attempt stores
``next_attempt_at`` (backoff ``delivery_backoff_s`` doubling: 1, 2, 4, 8 minutes by default)
and this flow, served every :data:`DRAIN_EVERY_S` seconds (``python -m flows.serve``, deployment
``delivery-drain``), attempts each delivery that is due at most once per run. A Teams 429 or
SMTP greylisting is therefore retried minutes later, not 0.05 s later; after
``delivery_max_attempts`` the delivery is a dead letter: ``ennakointi alerts dead-letters``
lists them and ``--replay ID`` queues one again.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow

from forecasting.alerts.run import deliverer_from_settings
from forecasting.io.alert_db import make_engine
from forecasting.io.delivery import Deliverer
from forecasting.settings import get_settings

#: Seconds between drain runs (the shortest backoff is a minute).
DRAIN_EVERY_S = 60


def drain_once(
    now: dt.datetime | None = None, deliverer: Deliverer | None = None
) -> dict[str, int]:
    """Attempt every delivery due at ``now`` once; counts by outcome (``deliverer`` default:
    the configured one on the configured alert database)."""
    if deliverer is None:
        deliverer = deliverer_from_settings(make_engine(get_settings().alerts.database_url))
    return deliverer.process_due(now)


@flow(name="delivery-drain", log_prints=True)
def drain_deliveries() -> dict[str, int]:
    """The scheduled drain: one pass over what is due (never waits inside the run)."""
    outcome = drain_once()
    print(f"deliveries: {outcome}")
    return outcome
