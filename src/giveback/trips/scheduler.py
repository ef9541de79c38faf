"""Time-driven steps of trips, run by the worker about once a minute (and by tests with a chosen day).

* a confirmed trip is ``in_progress`` from its first day;
* a trip in progress is ``completed`` the day after its last day (a confirmed trip whose days all passed
  goes through ``in_progress`` to ``completed`` in one run);
* 3 and 14 days after the last day, everyone still owing a report gets a "report due" reminder;
* 60, 30 and 7 days before the first day, everyone with travel checklist items still open gets a reminder
  (``giveback.trips.checklist``).

Idempotent: each move is guarded by the trip's current status inside its own transaction, and each reminder
is recorded in ``ReminderSent`` (unique trip:person:kind) in the same transaction that queues its e-mail in the
outbox, so running the scheduler twice — or in two workers at once — moves nothing twice and sends nothing twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import structlog

from giveback.settings import Settings
from giveback.trips import checklist, lifecycle, services
from giveback.trips.tables import Trip

log = structlog.get_logger()

REMINDER_DAYS = (3, 14)


async def run_scheduled_steps(today: date, *, settings: Settings, base_url: str | None = None) -> dict[str, int]:
    """Advance trips whose day has come and queue the reminders due; returns what was done, by kind.

    Reminders go through the mail outbox (``giveback.mail.outbox``), which the outbox sender delivers with retries;
    links use ``base_url`` (default: the settings').
    """
    done = {"started": 0, "completed": 0, "reminders": 0, "travel_reminders": 0}
    starting = await Trip.select(Trip.id).where((Trip.status == "confirmed") & (Trip.start <= today))
    for row in starting:
        if await lifecycle.scheduled_step(int(row["id"]), "started"):
            done["started"] += 1
    ending = await Trip.select(Trip.id).where((Trip.status == "in_progress") & (Trip.end < today))
    for row in ending:
        if await lifecycle.scheduled_step(int(row["id"]), "completed"):
            done["completed"] += 1
    for trip, missing in await services.owed_reports():
        kind = _reminder_due(trip, today)
        if kind is not None:
            done["reminders"] += await services.send_reminders(
                trip, missing, kind, settings=settings, base_url=base_url or settings.base_url, actor_id=None
            )
    done["travel_reminders"] = await checklist.run_travel_reminders(
        today, settings=settings, base_url=base_url or settings.base_url
    )
    if any(done.values()):
        log.info("trips.scheduled", today=today.isoformat(), **done)
    return done


def _reminder_due(trip: dict[str, Any], today: date) -> str | None:
    """The latest reminder due for the trip on this day (a late run sends the 14-day one, not both)."""
    due = [days for days in REMINDER_DAYS if today >= trip["end"] + timedelta(days=days)]
    return f"report_due_{due[-1]}" if due else None
