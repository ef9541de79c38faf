"""The trips tests' helpers: signed-in actors, and trips made through the lifecycle (``trip_factory``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import trip_factory

from giveback.accounts.sessions import load_session, start_session
from giveback.accounts.tables import Person, RoleGrant
from giveback.hosts.tables import HostRequest
from giveback.trips.tables import Trip

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


days = trip_factory.days
today = trip_factory.today
organization_id = trip_factory.organization_id
make_contact = trip_factory.make_contact
make_trip = trip_factory.make_trip


async def trip(trip_id: int) -> dict[str, Any]:
    row = await Trip.select().where(Trip.id == trip_id).first()
    assert row is not None
    return row


async def request_status(request_id: int) -> str:
    row = await HostRequest.select(HostRequest.status).where(HostRequest.id == request_id).first()
    assert row is not None
    return str(row["status"])
