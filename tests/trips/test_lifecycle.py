"""The coordinator's transitions: allowed only from the right state and role, logged, SEQUENCE and pool kept right."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from tripkit import actor, days, make_contact, make_trip, organization_id, request_status, trip

from giveback.accounts.tables import AuditEvent
from giveback.trips.report_tables import TripEvent
from giveback.trips.tables import TripMember

Client = httpx.AsyncClient


@pytest.fixture
async def coordinator(new_client: Callable[[], Client]) -> Client:
    made = new_client()
    await actor(made, "coord@example.org", ["coordinator"])
    return made


async def test_cancel_needs_a_reason_bumps_sequence_logs_and_reopens_the_request(coordinator: Client) -> None:
    volunteer = await actor(None, "vol@example.org", ["volunteer"])
    trip_id, request_id = await make_trip(status="confirmed", members=[volunteer])
    sequence = (await trip(trip_id))["sequence"]
    steps = await TripEvent.count().where(TripEvent.trip == trip_id)

    for body in ({"reason": "  "}, {}):
        refused = await coordinator.post(f"/api/trips/{trip_id}/cancel", json=body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["field"] == "reason"
    assert (await trip(trip_id))["status"] == "confirmed"
    assert await TripEvent.count().where(TripEvent.trip == trip_id) == steps

    cancelled = await coordinator.post(f"/api/trips/{trip_id}/cancel", json={"reason": "Host hospital flooded"})
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["trip"]["status"] == "cancelled"
    assert body["trip"]["sequence"] == sequence + 1
    assert body["trip"]["status_reason"] == "Host hospital flooded"
    assert len(body["events"]) == steps + 1
    event = body["events"][-1]
    assert (event["from_status"], event["to_status"], event["reason"]) == (
        "confirmed",
        "cancelled",
        "Host hospital flooded",
    )
    assert event["actor_name"] == "Coord"
    assert await request_status(request_id) == "accepted"  # back in the pool
    audit = await AuditEvent.select().where(AuditEvent.action == "trip.cancelled").first()
    assert audit is not None and audit["subject_id"] == trip_id

    again = await coordinator.post(f"/api/trips/{trip_id}/cancel", json={"reason": "twice"})
    assert again.status_code == 409
    assert again.json()["field"] == "status"
    assert (await trip(trip_id))["sequence"] == sequence + 1


@pytest.mark.parametrize(
    ("action", "body", "allowed"),
    [
        ("postpone", {"reason": "visa delays"}, {"approved", "invited", "confirmed"}),
        ("cancel", {"reason": "no funding"}, {"approved", "invited", "confirmed", "postponed"}),
        ("decline", {"reason": "volunteer ill"}, {"approved", "invited", "confirmed"}),
        ("complete", {}, {"confirmed", "in_progress"}),
    ],
)
async def test_each_action_only_from_its_states(
    coordinator: Client, action: str, body: dict, allowed: set[str]
) -> None:
    statuses = [
        "approved",
        "invited",
        "confirmed",
        "in_progress",
        "completed",
        "reported",
        "declined",
        "postponed",
        "cancelled",
    ]
    for status in statuses:
        start = days(-1) if action == "complete" else days(30)
        trip_id, _ = await make_trip(status=status, start=start)
        response = await coordinator.post(f"/api/trips/{trip_id}/{action}", json=body)
        if status in allowed:
            assert response.status_code == 200, (status, response.text)
        else:
            assert response.status_code == 409, (status, response.text)
            assert response.json()["field"] == "status"
            assert status.replace("_", " ") in response.json()["detail"]
            assert (await trip(trip_id))["status"] == status


async def test_only_coordinators_move_trips(client: Client, new_client: Callable[[], Client]) -> None:
    volunteer_id = await actor(client, "vol@example.org", ["volunteer"])
    host = new_client()
    host_id = await actor(host, "host@example.org", ["host"])
    await make_contact(host_id, await organization_id("SoBRICE"))
    trip_id, _ = await make_trip(members=[volunteer_id])
    before = await trip(trip_id)
    steps = await TripEvent.count()
    anonymous = new_client()
    for who, expected in ((client, 403), (host, 403), (anonymous, 401)):
        for action in ("postpone", "cancel", "decline", "complete"):
            response = await who.post(f"/api/trips/{trip_id}/{action}", json={"reason": "mine"})
            assert response.status_code == expected, (action, response.text)
        reschedule = await who.post(
            f"/api/trips/{trip_id}/reschedule", json={"start": days(40).isoformat(), "end": days(45).isoformat()}
        )
        assert reschedule.status_code == expected
    row = await trip(trip_id)
    assert (row["status"], row["sequence"]) == ("confirmed", before["sequence"])
    assert await TripEvent.count() == steps


async def test_postpone_with_and_without_dates(coordinator: Client) -> None:
    trip_id, request_id = await make_trip(status="invited")
    sequence = (await trip(trip_id))["sequence"]
    half = await coordinator.post(
        f"/api/trips/{trip_id}/postpone", json={"reason": "strike", "start": days(60).isoformat()}
    )
    assert half.status_code == 400
    assert half.json()["field"] == "end"
    no_reason = await coordinator.post(f"/api/trips/{trip_id}/postpone", json={"reason": ""})
    assert no_reason.status_code == 400
    moved = await coordinator.post(
        f"/api/trips/{trip_id}/postpone",
        json={"reason": "strike", "start": days(60).isoformat(), "end": days(66).isoformat()},
    )
    assert moved.status_code == 200, moved.text
    row = await trip(trip_id)
    assert (row["status"], row["sequence"], row["start"], row["end"]) == ("postponed", sequence + 1, days(60), days(66))
    assert await request_status(request_id) == "matched"  # a postponed visit keeps its request

    other, _ = await make_trip(status="approved")
    plain = await coordinator.post(f"/api/trips/{other}/postpone", json={"reason": "budget review"})
    assert plain.status_code == 200
    row = await trip(other)
    assert (row["status"], row["sequence"], row["start"], row["undated"]) == ("postponed", 1, days(30), True)


async def test_reschedule_bumps_sequence_and_asks_again(coordinator: Client) -> None:
    volunteer = await actor(None, "vol@example.org", ["volunteer"])
    trip_id, _ = await make_trip(status="confirmed", members=[volunteer])
    sequence = (await trip(trip_id))["sequence"]
    bad = [
        ({"start": days(50).isoformat(), "end": days(40).isoformat()}, "end"),
        ({"start": days(-5).isoformat(), "end": days(2).isoformat()}, "start"),
        ({"start": days(40).isoformat(), "end": days(140).isoformat()}, "end"),
        ({"start": days(30).isoformat(), "end": days(36).isoformat()}, "start"),  # the same dates
        ({"start": "soon", "end": days(36).isoformat()}, "start"),
    ]
    for body, field in bad:
        response = await coordinator.post(f"/api/trips/{trip_id}/reschedule", json=body)
        assert response.status_code == 400, (body, response.text)
        assert field in response.text
    assert (await trip(trip_id))["sequence"] == sequence

    moved = await coordinator.post(
        f"/api/trips/{trip_id}/reschedule",
        json={"start": days(40).isoformat(), "end": days(46).isoformat(), "reason": "host asked"},
    )
    assert moved.status_code == 200, moved.text
    row = await trip(trip_id)
    assert (row["status"], row["sequence"], row["start"]) == ("invited", sequence + 1, days(40))
    member = await TripMember.select(TripMember.response).where(TripMember.trip == trip_id).first()
    assert member["response"] == "pending"
    again = await coordinator.post(
        f"/api/trips/{trip_id}/reschedule", json={"start": days(41).isoformat(), "end": days(47).isoformat()}
    )
    assert again.status_code == 200
    assert (await trip(trip_id))["sequence"] == sequence + 2

    postponed, _ = await make_trip(status="postponed")
    back = await coordinator.post(
        f"/api/trips/{postponed}/reschedule", json={"start": days(90).isoformat(), "end": days(95).isoformat()}
    )
    assert back.status_code == 200
    # back to approved, and on to invited as the REQUEST is queued
    steps = [(e["from_status"], e["to_status"]) for e in back.json()["events"]]
    assert steps[-2:] == [("postponed", "approved"), ("approved", "invited")]
    assert (await trip(postponed))["status"] == "invited"


async def test_decline_reopens_the_request_and_complete_works_early_not_before_start(coordinator: Client) -> None:
    trip_id, request_id = await make_trip(status="invited")
    declined = await coordinator.post(f"/api/trips/{trip_id}/decline", json={"reason": "volunteer declined"})
    assert declined.status_code == 200
    assert (await trip(trip_id))["sequence"] == 1  # invited at 0, declined at 1
    assert await request_status(request_id) == "accepted"

    future, _ = await make_trip(status="confirmed", start=days(3))
    early = await coordinator.post(f"/api/trips/{future}/complete", json={})
    assert early.status_code == 409
    running, _ = await make_trip(status="in_progress", start=days(-2))
    sequence = (await trip(running))["sequence"]
    done = await coordinator.post(f"/api/trips/{running}/complete", json={"reason": "team flew home early"})
    assert done.status_code == 200
    row = await trip(running)
    assert (row["status"], row["sequence"]) == ("completed", sequence)  # the calendar event itself is unchanged


async def test_unknown_trip_is_404(coordinator: Client) -> None:
    assert (await coordinator.post("/api/trips/999999/cancel", json={"reason": "x"})).status_code == 404
    assert (await coordinator.get("/api/trips/999999")).status_code == 404
