"""Trips of the past through the lifecycle (``record_past_trips``): in bulk, refused when a volunteer would be on
two visits at once, the yearly limit kept unless the history is taken as it happened, changed only when history
recorded them."""

from __future__ import annotations

from datetime import date

import pytest
from trip_factory import host_request, make_trip, person, volunteer_profile

from giveback.accounts.tables import AuditEvent
from giveback.errors import Conflict
from giveback.trips import lifecycle
from giveback.trips.lifecycle import PastTrip
from giveback.trips.report_tables import TripEvent
from giveback.trips.tables import Trip, TripMember


async def test_past_trips_in_bulk_are_logged_and_a_volunteer_is_never_on_two_at_once() -> None:
    ana = await person("ana@example.org", name="Ana Souza")
    await volunteer_profile(ana, trips_per_year=3)
    li = await person("li@example.org", name="王丽")
    requests = [await host_request(status="fulfilled") for _ in range(3)]

    recorded = await lifecycle.record_past_trips(
        [
            PastTrip(requests[0], date(2023, 3, 6), date(2023, 3, 12), (ana, li), status="reported"),
            PastTrip(requests[1], date(2023, 3, 13), date(2023, 3, 19), (li,)),  # the next day: no overlap
            PastTrip(requests[2], date(2023, 3, 8), date(2023, 3, 9), (ana,), status="cancelled", reason="Visa"),
        ],
        actor_id=None,
        base_url="https://giveback.example.org",
    )

    assert len(recorded) == 3
    rows = {row["id"]: row for row in await Trip.select().where(Trip.id.is_in(recorded))}
    assert [rows[t]["status"] for t in recorded] == ["reported", "completed", "cancelled"]
    assert rows[recorded[2]]["status_reason"] == "Visa"
    assert all(rows[t]["uid"].endswith("@giveback.example.org") for t in recorded)
    assert await TripMember.count().where(TripMember.trip.is_in(recorded) & (TripMember.response == "accepted")) == 4
    assert await TripEvent.count().where(TripEvent.trip.is_in(recorded) & (TripEvent.action == "recorded")) == 3
    assert await AuditEvent.count().where(AuditEvent.action == "trip.recorded") == 3

    clash = [
        PastTrip(requests[0], date(2024, 5, 1), date(2024, 5, 7), (li,)),
        PastTrip(requests[1], date(2023, 3, 18), date(2023, 3, 20), (ana, li)),  # li: the second trip's days
    ]
    with pytest.raises(Conflict) as refused:
        await lifecycle.record_past_trips(clash, actor_id=None)
    assert "王丽 is on another trip" in str(refused.value) and refused.value.field == "volunteers"
    within_the_batch = [PastTrip(requests[0], date(2022, 5, 1), date(2022, 5, 7), (ana,))] * 2
    with pytest.raises(Conflict):
        await lifecycle.record_past_trips(within_the_batch, actor_id=None)
    assert await Trip.count() == 3  # nothing of the refused batches was written


async def test_the_yearly_limit_holds_unless_history_is_taken_as_it_happened() -> None:
    ana = await person("ana@example.org", name="Ana Souza")
    await volunteer_profile(ana, trips_per_year=1)
    first, second = await host_request(status="fulfilled"), await host_request(status="fulfilled")
    await lifecycle.record_past_trip(request_id=first, start=date(2023, 2, 1), end=date(2023, 2, 7), people=[ana])
    again = PastTrip(second, date(2023, 9, 1), date(2023, 9, 7), (ana,))

    with pytest.raises(Conflict) as refused:
        await lifecycle.record_past_trips([again], actor_id=None)
    assert "yearly limit reached: 1 of 1 in 2023" in str(refused.value)
    (recorded,) = await lifecycle.record_past_trips([again], actor_id=None, within_yearly_limits=False)
    assert (await Trip.select(Trip.status).where(Trip.id == recorded).first()) == {"status": "completed"}


async def test_history_changes_only_the_trips_it_recorded() -> None:
    ana = await person("ana@example.org", name="Ana Souza")
    request = await host_request(status="fulfilled")
    (recorded,) = await lifecycle.record_past_trips(
        [PastTrip(request, date(2023, 2, 1), date(2023, 2, 7), (ana,))], actor_id=None
    )
    made_here, _ = await make_trip(status="confirmed", members=[ana])  # approved in a round, still to come

    await lifecycle.record_past_trips(
        [], changes={recorded: PastTrip(request, date(2023, 2, 2), date(2023, 2, 9), (ana,), status="reported")}
    )
    row = await Trip.select(Trip.start, Trip.status, Trip.sequence).where(Trip.id == recorded).first()
    assert row == {"start": date(2023, 2, 2), "status": "reported", "sequence": 1}
    assert await TripEvent.count().where((TripEvent.trip == recorded) & (TripEvent.action == "record_changed")) == 1

    with pytest.raises(Conflict, match="made on the platform"):
        await lifecycle.record_past_trips(
            [], changes={made_here: PastTrip(request, date(2023, 6, 1), date(2023, 6, 7), (ana,))}
        )
