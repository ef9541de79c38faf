"""Steps many tests share, taken through the public HTTP API."""

from __future__ import annotations

import httpx

from giveback.accounts.tables import Person, RoleGrant

PASSWORD = "correct horse battery staple"
# A complete volunteer profile, valid for PUT /api/volunteers/me.
VOLUNTEER_PROFILE = {
    "name": "Vol",
    "institution": "Clinic",
    "country": "US",
    "career_stage": "senior",
    "expertise": {"venous": 3},
    "languages": ["en"],
    "max_advisory_level": 2,
    "excluded_countries": [],
    "preferred_regions": [],
    "trips_per_year": 1,
    "bio": "",
    "directory_opt_in": True,
}


async def sign_up(client: httpx.AsyncClient, inbox: object, email: str, roles: list[str] | None = None) -> None:
    """Sign up and confirm the address through the e-mailed link."""
    response = await client.post(
        "/api/auth/signup",
        json={
            "email": email,
            "name": email.split("@")[0].title(),
            "password": PASSWORD,
            "roles": roles or ["volunteer"],
        },
    )
    assert response.status_code == 201, response.text
    link = inbox.link_to(email, "/confirm")  # type: ignore[attr-defined]
    token = link.split("token=", 1)[1]
    confirmed = await client.post("/api/auth/confirm", json={"token": token})
    assert confirmed.status_code == 201, confirmed.text


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Log in; the client keeps the cookie and sends the CSRF token from now on."""
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    token: str = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


async def member(client: httpx.AsyncClient, inbox: object, email: str, roles: list[str]) -> int:
    """A signed-in person with exactly these roles (coordinator and admin granted directly in the database)."""
    await sign_up(client, inbox, email, [r for r in roles if r in ("volunteer", "host")] or ["volunteer"])
    person = await Person.select(Person.id).where(Person.email == email).first()
    assert person is not None
    await RoleGrant.delete().where(RoleGrant.person == person["id"])
    await RoleGrant.insert(*[RoleGrant(person=person["id"], role=role) for role in roles])
    await log_in(client, email)
    return int(person["id"])
