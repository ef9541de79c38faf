"""Item 13 (security, second pass): every reason of a trip action, through the API or the trip page, is at most
2000 characters (3 MiB were accepted); a refused reason changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from tripkit import actor, days, make_trip, trip

from giveback.text import REASON_MAX_LENGTH
from giveback.trips.report_tables import TripEvent

LONG = "x" * (REASON_MAX_LENGTH + 1)
HUGE = "x" * (2 * 1024 * 1024)


def _action(name: str) -> tuple[str, dict[str, str]]:
    if name == "reschedule":
        return name, {"start": days(40).isoformat(), "end": days(46).isoformat()}
    return name, {}


@pytest.mark.parametrize("name", ["postpone", "reschedule", "cancel", "decline", "complete"])
async def test_a_reason_over_the_limit_is_refused_by_the_api_and_the_page(
    new_client: Callable[[], httpx.AsyncClient], name: str
) -> None:
    coordinator = new_client()
    await actor(coordinator, "coord@example.org", ["coordinator"])
    start = days(-2) if name == "complete" else days(30)
    trip_id, _ = await make_trip(status="in_progress" if name == "complete" else "confirmed", start=start)
    action, extra = _action(name)
    before = await trip(trip_id)
    steps = await TripEvent.count().where(TripEvent.trip == trip_id)

    for reason in (LONG, HUGE):
        answer = await coordinator.post(f"/api/trips/{trip_id}/{action}", json={**extra, "reason": reason})
        assert answer.status_code == 400, answer.text[:300]
        problem = answer.json()
        assert problem.get("field") == "reason" or problem["extra"][0]["key"] == "reason"
    form = {"csrf_token": coordinator.headers["X-CSRF-Token"], "action": action, "reason": LONG, **extra}
    page = await coordinator.post(f"/trips/{trip_id}/actions", data=form)
    assert page.status_code == 400
    assert f"the reason must be at most {REASON_MAX_LENGTH} characters" in page.text
    assert await trip(trip_id) == before
    assert await TripEvent.count().where(TripEvent.trip == trip_id) == steps  # no step was taken

    accepted = await coordinator.post(
        f"/api/trips/{trip_id}/{action}", json={**extra, "reason": "x" * REASON_MAX_LENGTH}
    )
    assert accepted.status_code == 200, accepted.text[:300]
