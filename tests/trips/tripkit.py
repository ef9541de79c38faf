"""Trips written straight into the tables (the round flow that creates them is tested in rounds)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from giveback.accounts.sessions import load_session, start_session
from giveback.accounts.tables import Person, RoleGrant
from giveback.hosts.tables import HostRequest, OrganizationClaim, RequestNeed
from giveback.organizations.tables import Organization
from giveback.trips.tables import Trip, TripMember

GOOD_REPORT: dict[str, Any] = {
    "lectures": 6,
    "lecture_hours": 12,
    "cases": [
        {"topic": "embolization", "role": "performed", "count": 4},
        {"topic": "venous", "role": "supervised", "count": 3},
    ],
    "physicians": 20,
    "trainees": 15,
    "nurses": 8,
    "technologists": 5,
    "equipment_notes": "Angio suite with a C-arm; no microcatheters.",
    "rating_overall": 5,
    "rating_teaching": 4,
    "rating_logistics": 4,
    "comments": "Warm welcome.",
}


def today() -> date:
    return datetime.now(UTC).date()


def days(n: int) -> date:
    return today() + timedelta(days=n)


async def actor(client: httpx.AsyncClient | None, email: str, roles: list[str]) -> int:
    """A confirmed person with these roles; signed in on the client when one is given (a real session)."""
    person = await Person.insert(
        Person(email=email, name=email.split("@")[0].title(), password_hash="-", email_confirmed_at=datetime.now(UTC))
    )
    person_id = int(person[0]["id"])
    await RoleGrant.insert(*[RoleGrant(person=person_id, role=role) for role in roles])
    if client is not None:
        raw = await start_session(person_id)
        user = await load_session(raw)
        assert user is not None
        client.cookies.set("giveback_session", raw, domain="testserver.local")
        client.headers["X-CSRF-Token"] = user.csrf_token
    return person_id


async def organization_id(short_name: str) -> int:
    row = await Organization.select(Organization.id).where(Organization.short_name == short_name).first()
    assert row is not None
    return int(row["id"])


async def make_contact(person_id: int, org_id: int) -> None:
    await OrganizationClaim.insert(
        OrganizationClaim(person=person_id, organization=org_id, status="approved", decided_at=datetime.now(UTC))
    )


async def make_trip(
    *,
    status: str = "confirmed",
    start: date | None = None,
    length: int = 7,
    members: list[int] | None = None,
    org: str = "SoBRICE",
    request_status: str = "matched",
    topics: tuple[str, ...] = ("embolization",),
) -> tuple[int, int]:
    """A trip (and its matched request) in the given state; returns (trip id, request id)."""
    org_id = await organization_id(org)
    country = (await Organization.select(Organization.country).where(Organization.id == org_id).first())["country"]
    first = start or days(30)
    request = await HostRequest.insert(
        HostRequest(
            organization=org_id,
            title=f"{org} teaching visit",
            country=country,
            primary_need=topics[0],
            languages=["en"],
            formats=["lectures"],
            provides=["lodging"],
            duration_days=length,
            status=request_status,
        )
    )
    request_id = int(request[0]["id"])
    for topic in topics:
        await RequestNeed.insert(RequestNeed(request=request_id, topic=topic, weight=3))
    trip = await Trip.insert(
        Trip(
            uid=f"{uuid.uuid4()}@testserver.local",
            request=request_id,
            start=first,
            end=first + timedelta(days=length - 1),
            status=status,
        )
    )
    trip_id = int(trip[0]["id"])
    for person_id in members or []:
        await TripMember.insert(TripMember(trip=trip_id, person=person_id, response="accepted"))
    return trip_id, request_id


async def trip(trip_id: int) -> dict[str, Any]:
    row = await Trip.select().where(Trip.id == trip_id).first()
    assert row is not None
    return row


async def request_status(request_id: int) -> str:
    row = await HostRequest.select(HostRequest.status).where(HostRequest.id == request_id).first()
    assert row is not None
    return str(row["status"])
