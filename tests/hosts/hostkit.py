"""Steps the host tests share: a valid request body, a host contact (the `world` fixture is in conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from giveback.accounts.sessions import load_session, now, start_session
from giveback.accounts.tables import Person, RoleGrant
from giveback.organizations.tables import Organization


async def actor(client: httpx.AsyncClient, email: str, roles: list[str]) -> int:
    """A confirmed, signed-in person with these roles, set up directly (sign-up and log-in are tested in accounts).

    Hashing passwords for every actor of every test would make this folder slow; the session is a real one.
    """
    person = await Person.insert(
        Person(email=email, name=email.split("@")[0].title(), password_hash="-", email_confirmed_at=now())
    )
    person_id = int(person[0]["id"])
    await RoleGrant.insert(*[RoleGrant(person=person_id, role=role) for role in roles])
    raw = await start_session(person_id)
    user = await load_session(raw)
    assert user is not None
    client.cookies.set("giveback_session", raw, domain="testserver.local")
    client.headers["X-CSRF-Token"] = user.csrf_token
    return person_id


def in_days(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


async def organization_id(short_name: str) -> int:
    row = await Organization.select(Organization.id).where(Organization.short_name == short_name).first()
    assert row is not None
    return int(row["id"])


def request_body(org_id: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organization_id": org_id,
        "title": "Embolization and venous course",
        "needs": [{"topic": "embolization", "weight": 3}, {"topic": "venous", "weight": 2}],
        "languages": ["pt", "en"],
        "formats": ["lectures", "hands-on"],
        "provides": ["lodging", "invitation-letter"],
        "windows": [
            {"start": in_days(100), "end": in_days(130), "preferred": True},
            {"start": in_days(200), "end": in_days(220), "preferred": False},
        ],
        "duration_days": 5,
        "team_size": 2,
        "advisory_level": 1,
        "notes": "Private note for the coordinators",
    }
    body.update(changes)
    return body


class World:
    """A coordinator and a host contact of SoBRICE (Brazil), each with their own client."""

    def __init__(self, host: httpx.AsyncClient, coordinator: httpx.AsyncClient, host_id: int, org_id: int) -> None:
        self.host = host
        self.coordinator = coordinator
        self.host_id = host_id
        self.org_id = org_id

    async def draft(self, **changes: Any) -> dict[str, Any]:
        response = await self.host.post("/api/requests", json=request_body(self.org_id, **changes))
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def accepted(self, **changes: Any) -> dict[str, Any]:
        draft = await self.draft(**changes)
        assert (await self.host.post(f"/api/requests/{draft['id']}/submit")).status_code == 200
        accepted = await self.coordinator.post(f"/api/requests/{draft['id']}/accept")
        assert accepted.status_code == 200, accepted.text
        result: dict[str, Any] = accepted.json()
        return result


async def make_contact(host: httpx.AsyncClient, coordinator: httpx.AsyncClient, org_id: int) -> None:
    claim = await host.post(f"/api/organizations/{org_id}/claims", json={"message": "I chair it"})
    assert claim.status_code == 201, claim.text
    approved = await coordinator.post(f"/api/claims/{claim.json()['id']}/approve")
    assert approved.status_code == 200, approved.text
