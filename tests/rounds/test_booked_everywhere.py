"""The booked rule gives the same answer at freezing, approval, accepting an invite and rescheduling.

A volunteer is on a trip 3–9 March 2031 (gap 14 days). Days 17–23 March come too close to it, 24–30 March are free;
with a yearly limit of 1 every other 2031 trip is refused too. Each point of the platform is asked about both.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import httpx
import pytest
from trip_factory import host_request, link_token, make_trip, member_ids, person, signed_in, volunteer_profile

from giveback.rounds import mapping
from giveback.rounds.worker import work_once
from giveback.trips import lifecycle
from giveback.trips.tables import Trip, TripMember

Client = httpx.AsyncClient
TOO_CLOSE = (date(2031, 3, 17), date(2031, 3, 23))
FREE = (date(2031, 3, 24), date(2031, 3, 30))
CASES = [(TOO_CLOSE, 3, True), (FREE, 3, False), (FREE, 1, True)]  # (days, yearly limit, booked?)
IDS = ["too close to the trip", "free days", "free days but the yearly limit is used"]


async def volunteer(trips_per_year: int) -> int:
    person_id = await person(f"{uuid.uuid4().hex[:8]}@example.org", name="Zoë Ørsted")
    await volunteer_profile(
        person_id,
        windows=[(date(2031, 2, 1), date(2031, 6, 29))],
        trips_per_year=trips_per_year,
        expertise={"venous": 3},
    )
    await make_trip(status="confirmed", start=date(2031, 3, 3), members=[person_id], topics=("venous",))
    return person_id


async def coordinator(new_client: Callable[[], Client]) -> Client:
    client = new_client()
    await signed_in(client, f"coord-{uuid.uuid4().hex[:6]}@example.org", ["coordinator"])
    return client


async def open_and_freeze(client: Client) -> dict:
    created = await client.post(
        "/api/rounds",
        json={
            "name": "2031",
            "period_start": "2031-01-06",
            "period_end": "2031-12-28",
            "settings": {"time_limit_seconds": 5},
        },
    )
    round_id = created.json()["id"]
    frozen = await client.post(f"/api/rounds/{round_id}/freeze")
    assert frozen.status_code == 201, frozen.text
    return frozen.json()


@pytest.mark.parametrize(("days", "limit", "booked"), CASES, ids=IDS)
async def test_at_freezing(new_client, days: tuple[date, date], limit: int, booked: bool) -> None:
    person_id = await volunteer(limit)
    client = await coordinator(new_client)
    frozen = await open_and_freeze(client)
    problem = (await client.get(f"/api/rounds/{frozen['id']}/problem")).json()
    entry = mapping.entries_by_id(problem, "volunteers").get(mapping.volunteer_key(person_id))
    offered = entry is not None and any(
        w["start"] <= days[0].isoformat() and days[1].isoformat() <= w["end"] for w in entry["availability"]
    )
    assert offered is not booked


@pytest.mark.parametrize(("days", "limit", "booked"), CASES, ids=IDS)
async def test_at_approval(new_client, days: tuple[date, date], limit: int, booked: bool) -> None:
    client = await coordinator(new_client)
    person_id = await person(f"{uuid.uuid4().hex[:8]}@example.org", name="王伟")
    await volunteer_profile(
        person_id, windows=[(date(2031, 2, 1), date(2031, 6, 29))], trips_per_year=limit, expertise={"venous": 3}
    )
    request = await host_request(topics=("venous",), windows=[(date(2031, 2, 1), date(2031, 6, 29))])
    frozen = await open_and_freeze(client)  # before the other trip exists: the proposal is made for a free volunteer
    pinned = await client.post(
        f"/api/rounds/{frozen['id']}/pins",
        json={
            "request": mapping.request_key(request),
            "start": days[0].isoformat(),
            "volunteers": [mapping.volunteer_key(person_id)],
        },
    )
    assert pinned.status_code == 201, pinned.text
    queued = await client.post(f"/api/rounds/{frozen['id']}/runs", json={"workers": 1})
    assert await work_once("test-worker")
    await make_trip(status="confirmed", start=date(2031, 3, 3), members=[person_id], topics=("venous",))

    approved = await client.post(f"/api/runs/{queued.json()['id']}/approve", json={})
    assert approved.status_code == (409 if booked else 201), approved.text
    if booked:
        assert "3–9 March 2031" in approved.json()["detail"] or "yearly limit reached" in approved.json()["detail"]
        assert await Trip.count().where(Trip.request == request) == 0


@pytest.mark.parametrize(("days", "limit", "booked"), CASES, ids=IDS)
async def test_at_accepting(new_client, settings, days: tuple[date, date], limit: int, booked: bool) -> None:
    person_id = await volunteer(limit)
    # a trip written before the booked rule (straight into the tables), inviting the volunteer on those days
    request = await host_request(topics=("venous",))
    row = await Trip.insert(Trip(uid=f"{uuid.uuid4()}@x", request=request, start=days[0], end=days[1]))
    trip_id = int(row[0]["id"])
    await TripMember.insert(TripMember(trip=trip_id, person=person_id))
    await lifecycle.invite(trip_id, actor_id=None, settings=settings)
    token = await link_token(settings, (await member_ids(trip_id))[person_id], "accept")

    answered = await new_client().post(f"/api/invites/{token}", json={})
    assert answered.status_code == (409 if booked else 200), answered.text
    if booked:
        assert answered.json()["field"] == "answer" and "you are booked" in answered.json()["detail"]


@pytest.mark.parametrize(("days", "limit", "booked"), CASES, ids=IDS)
async def test_at_rescheduling(new_client, days: tuple[date, date], limit: int, booked: bool) -> None:
    person_id = await volunteer(limit)
    client = await coordinator(new_client)
    moving, _ = await make_trip(status="confirmed", start=date(2032, 3, 1), members=[person_id], topics=("venous",))
    moved = await client.post(
        f"/api/trips/{moving}/reschedule", json={"start": days[0].isoformat(), "end": days[1].isoformat()}
    )
    assert moved.status_code == (409 if booked else 200), moved.text
    if booked:
        assert moved.json()["field"] == "start" and "Zoë Ørsted is booked" in moved.json()["detail"]
