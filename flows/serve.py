"""Scheduled releases: ``python -m flows.serve`` serves the deployments until stopped.

=====================  ===========================  ==========================================
deployment             schedule (Europe/Helsinki)   why then
=====================  ===========================  ==========================================
area-monthly           06:00 on the 26th            KEHA-keskus publishes the employment
                                                    service statistics around the 20th-25th
national-monthly       07:00 on the 26th            the same, all employment areas, on Dask
delivery-drain         every minute                 sends the alert deliveries that are due
                                                    (retries wait for real: flows/deliveries.py)
national-yearly        06:00 on 2 May               Statistics Finland's population structure
                                                    (31.12. of the previous year) is out by late
                                                    April: demography and everything after it
=====================  ===========================  ==========================================

Every run first refreshes the StatFin tables into the local cache (the input layer overlays
them on the snapshot, newest period wins), then builds a whole release: steps whose inputs did
not change come from the cache, and an unchanged release is not republished, so a run after no
new data changes nothing and sends no notification, while a new month publishes a release whose
manifest shows the new ``data_through``. A refresh that fails (StatFin unreachable, a changed
table) fails the run before anything is built: the current release stays current.
Runs on demand: ``ennakointi release build [--scope area|national]``.
"""

from __future__ import annotations

from typing import Any

from prefect import serve
from prefect.schedules import Cron, Interval

from flows.deliveries import DRAIN_EVERY_S, drain_deliveries
from flows.release import build_release, make_task_runner
from forecasting.settings import get_settings

TIMEZONE = "Europe/Helsinki"
MONTHLY_CRON = "0 6 26 * *"
NATIONAL_MONTHLY_CRON = "0 7 26 * *"
YEARLY_CRON = "0 6 2 5 *"


def deployments(dask_workers: int = 2) -> list[Any]:
    """The release deployments (not yet served); national ones use a local Dask cluster."""
    release = get_settings().release
    common = {"area": release.default_area, "seed": release.seed, "refresh": True}
    area = {"scope": "area", **common}
    national = {"scope": "national", **common}
    on_dask = build_release.with_options(task_runner=make_task_runner("dask", dask_workers))
    return [
        build_release.to_deployment(
            name="area-monthly",
            schedules=[Cron(MONTHLY_CRON, timezone=TIMEZONE)],
            parameters=area,
            tags=["release", "monthly"],
            description="Release for the default employment area after KEHA's monthly statistics.",
        ),
        on_dask.to_deployment(
            name="national-monthly",
            schedules=[Cron(NATIONAL_MONTHLY_CRON, timezone=TIMEZONE)],
            parameters=national,
            tags=["release", "monthly", "national"],
            description="Release for all employment areas after KEHA's monthly statistics.",
        ),
        on_dask.to_deployment(
            name="national-yearly",
            schedules=[Cron(YEARLY_CRON, timezone=TIMEZONE)],
            parameters=national,
            tags=["release", "yearly", "demography"],
            description="Release after Statistics Finland's yearly population structure.",
        ),
        drain_deliveries.to_deployment(
            name="delivery-drain",
            schedules=[Interval(DRAIN_EVERY_S)],
            tags=["alerts", "delivery"],
            description="Send the alert deliveries that are due (retries with real waiting).",
        ),
    ]


def main() -> None:  # pragma: no cover - blocks until stopped
    """Serve the deployments (needs a Prefect API: ``prefect server start`` or PREFECT_API_URL)."""
    serve(*deployments())


if __name__ == "__main__":  # pragma: no cover
    main()
