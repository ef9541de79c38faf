"""Fixtures of the volunteer tests: signed-in people with profiles, each on their own client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from helpers import member

Client = httpx.AsyncClient
MakePerson = Callable[..., Awaitable[tuple[Client, int]]]


def _profile_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "institution": "Hospital das Clínicas",
        "country": "BR",
        "career_stage": "senior",
        "expertise": {"interventional-oncology": 3, "embolization": 2},
        "languages": ["pt", "en"],
        "max_advisory_level": 2,
        "excluded_countries": ["RU"],
        "preferred_regions": ["latin-america"],
        "trips_per_year": 2,
        "bio": "Teaches TACE and Y-90.",
        "directory_opt_in": True,
    }
    body.update(changes)
    return body


@pytest.fixture
def profile_body() -> Callable[..., dict[str, Any]]:
    """``profile_body(**changes)``: a valid profile for PUT /api/volunteers/me, with changes."""
    return _profile_body


@pytest.fixture
def make_person(new_client: Callable[[], Client], inbox: object) -> MakePerson:
    """``await make_person(email, roles=[...], profile={...})``: a signed-in client and the person id."""

    async def make(
        email: str, *, roles: list[str] | None = None, profile: dict[str, Any] | None = None
    ) -> tuple[Client, int]:
        client = new_client()
        person_id = await member(client, inbox, email, roles or ["volunteer"])
        if profile is not None:
            response = await client.put("/api/volunteers/me", json=profile)
            assert response.status_code == 200, response.text
        return client, person_id

    return make
