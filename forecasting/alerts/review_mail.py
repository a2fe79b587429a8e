"""The monthly review e-mailed to the subscribers who ask for it (``monthly_review``).

When a release is published, every e-mail subscription with ``monthly_review`` set gets the
Finnish PDF review of each employment area the release holds a review of (see
:mod:`forecasting.release.attachments`) that covers one of its areas (all, if it lists none),
attached, with a link to the API's copy. Messages go through the alerts' delivery queue under
the key ``review:<release>:<subscription>:<area>``, so a rerun sends nothing twice and a
failed send is retried by the drain and ends as a replayable dead letter like any other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forecasting import geography
from forecasting.io.alert_db import SubscriptionRow, session_scope
from forecasting.io.delivery import Deliverer
from forecasting.io.release_store import Release

KIND = "review"


def _covers(review_area: str, wanted: list[str]) -> bool:
    if not wanted:
        return True
    return review_area in wanted or any(m in wanted for m in geography.members(review_area))


def review_message(release: Release, entry: dict[str, Any], link_base: str | None) -> dict:
    """The e-mail of one stored review (Finnish): title, text, facts and the PDF attached."""
    meta = entry["meta"]
    area = str(meta["area"])
    names = geography.areas()
    name = str(names.loc[area, "name_fi"]) if area in names.index else area
    year, month = str(meta["month"]).split("-")
    link = (
        f"{link_base.rstrip('/')}/v1/reports/monthly?area={area}&format=pdf&lang=fi"
        f"&release={release.id}"
        if link_base
        else ""
    )
    text = f"Työmarkkinakatsaus {name} {int(month)}/{year} on liitteenä (PDF)."
    return {
        "title": f"Työmarkkinakatsaus: {name} {int(month)}/{year}",
        "text": text + (f" Verkossa: {link}" if link else ""),
        "facts": {"julkaisu": release.id, "alue": f"{name} ({area})"},
        "attachments": [
            {
                "path": str(release.path / entry["file"]),
                "filename": f"tyomarkkinakatsaus_{area}_{meta['month']}_fi.pdf",
                "media_type": entry["media_type"],
            }
        ],
    }


def queue_monthly_review(
    deliverer: Deliverer, release: Release, *, link_base: str | None = None
) -> int:
    """Queue the release's Finnish PDF reviews for the subscribers who want them; the
    number of new messages (0 for a release without stored reviews or a second call)."""
    reviews = [
        e
        for e in release.attachments()
        if e.get("meta", {}).get("kind") == "monthly_review"
        and e["meta"].get("lang") == "fi"
        and e["meta"].get("format") == "pdf"
    ]
    if not reviews:
        return 0
    with session_scope(deliverer.engine) as session:
        subs = [
            (s.id, list(s.areas or []))
            for s in session.scalars(
                select(SubscriptionRow).where(
                    SubscriptionRow.monthly_review.is_(True), SubscriptionRow.channel == "email"
                )
            )
        ]
    queued = 0
    for sub_id, wanted in subs:
        for entry in reviews:
            area = str(entry["meta"]["area"])
            if _covers(area, wanted):
                queued += deliverer.enqueue(
                    sub_id,
                    review_message(release, entry, link_base),
                    idempotency_key=f"{KIND}:{release.id}:{sub_id}:{area}",
                    kind=KIND,
                )
    return queued
