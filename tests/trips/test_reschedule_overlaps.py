"""A reschedule keeps the booked rule: new dates that overlap another live trip of one of the trip's volunteers,
or come within its gap (14 free days between two trips), are refused with a 409 naming the volunteer and the
other trip's dates, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from tripkit import actor, days, make_trip, trip

from giveback.calendars.invites import about_trip
from giveback.i18n.formatting import format_date_range
from giveback.mail.tables import OutboxMessage
from giveback.trips.booked import days_text
from giveback.trips.report_tables import TripEvent
from giveback.trips.tables import TripMember

Client = httpx.AsyncClient
LIVE = ("approved", "invited", "confirmed", "in_progress")
NOT_LIVE = ("postponed", "cancelled", "declined", "completed", "reported")


@pytest.fixture
async def coordinator(new_client: Callable[[], Client]) -> Client:
    made = new_client()
    await actor(made, "coord@example.org", ["coordinator"])
    return made


async def reschedule(coordinator: Client, trip_id: int, first: int, last: int) -> httpx.Response:
    return await coordinator.post(
        f"/api/trips/{trip_id}/reschedule",
        json={"start": days(first).isoformat(), "end": days(last).isoformat(), "reason": "the host asked"},
    )


async def state(trip_id: int) -> tuple[object, ...]:
    row = await trip(trip_id)
    responses = await TripMember.select(TripMember.person, TripMember.response).where(TripMember.trip == trip_id)
    return (
        row["start"],
        row["end"],
        row["status"],
        row["sequence"],
        sorted((r["person"], r["response"]) for r in responses),
        await TripEvent.count().where(TripEvent.trip == trip_id),
        await OutboxMessage.count().where(OutboxMessage.about == about_trip(trip_id)),
    )


@pytest.mark.parametrize("status", LIVE)
async def test_dates_overlapping_another_live_trip_of_a_volunteer_are_refused(coordinator: Client, status: str) -> None:
    ann = await actor(None, "ann@example.org", ["volunteer"])
    bob = await actor(None, "bob@example.org", ["volunteer"])
    other, _ = await make_trip(status=status, start=days(30), length=7, members=[ann])  # days 30 – 36
    moving, _ = await make_trip(status="confirmed", start=days(60), length=7, members=[bob, ann])
    before = await state(moving)
    other_sequence = (await trip(other))["sequence"]

    other_days = days_text(days(30), days(36))
    for first, last in ((33, 39), (25, 30), (36, 40), (20, 50), (40, 46), (12, 16)):  # the last two: too close
        refused = await reschedule(coordinator, moving, first, last)
        assert refused.status_code == 409, (first, last, refused.text)
        assert refused.json()["field"] == "start"
        detail = refused.json()["detail"]
        assert "Ann" in detail and other_days in detail, detail
    assert await state(moving) == before
    assert (await trip(other))["sequence"] == other_sequence

    page = await coordinator.post(
        f"/trips/{moving}/actions",
        data={
            "action": "reschedule",
            "start": days(33).isoformat(),
            "end": days(39).isoformat(),
            "reason": "x",
            "csrf_token": coordinator.headers["X-CSRF-Token"],
        },
    )
    assert page.status_code == 409, page.text
    assert format_date_range(days(30), days(36)) in page.text  # the page writes the days in its language
    assert await state(moving) == before

    moved = await reschedule(coordinator, moving, 51, 57)  # 14 free days after the other trip
    assert moved.status_code == 200, moved.text
    assert (await trip(moving))["start"] == days(51)


@pytest.mark.parametrize("status", NOT_LIVE)
async def test_a_trip_that_is_not_live_does_not_block_the_dates(coordinator: Client, status: str) -> None:
    ann = await actor(None, "ann@example.org", ["volunteer"])
    await make_trip(status=status, start=days(30), length=7, members=[ann])
    moving, _ = await make_trip(status="confirmed", start=days(60), length=7, members=[ann])

    moved = await reschedule(coordinator, moving, 33, 39)
    assert moved.status_code == 200, moved.text
    assert (await trip(moving))["start"] == days(33)


async def test_a_volunteer_who_declined_either_trip_does_not_block_the_dates(coordinator: Client) -> None:
    ann = await actor(None, "ann@example.org", ["volunteer"])
    bob = await actor(None, "bob@example.org", ["volunteer"])
    declined_there, _ = await make_trip(status="invited", start=days(30), length=7, members=[ann])
    await TripMember.update({TripMember.response: "declined"}).where(TripMember.trip == declined_there)
    moving, _ = await make_trip(status="invited", start=days(60), length=7, members=[ann, bob])
    assert (await reschedule(coordinator, moving, 33, 39)).status_code == 200

    await make_trip(status="confirmed", start=days(80), length=7, members=[bob])
    refused = await reschedule(coordinator, moving, 82, 88)
    assert refused.status_code == 409, refused.text
    assert "Bob" in refused.json()["detail"]
    await TripMember.update({TripMember.response: "declined"}).where(
        (TripMember.trip == moving) & (TripMember.person == bob)
    )
    assert (await reschedule(coordinator, moving, 82, 88)).status_code == 200
