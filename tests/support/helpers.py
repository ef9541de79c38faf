"""Steps many tests share, taken through the public HTTP API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pyotp

from giveback.accounts.sessions import hash_token
from giveback.accounts.tables import Person, RecoveryCode, RoleGrant, TwoFactor

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
    assert response.status_code == 202, response.text
    link = inbox.link_to(email, "/confirm")  # type: ignore[attr-defined]
    token = link.split("token=", 1)[1]
    confirmed = await client.post("/api/auth/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text


@dataclass
class Authenticator:
    """A person's authenticator app, as the tests hold it: the secret, the recovery codes, the steps used.

    The server accepts each 30-second step's code once (and the neighbouring steps'), so a test that logs in
    twice within a step gets the next step's code, then a recovery code."""

    secret: str
    recovery_codes: list[str] = field(default_factory=list)
    used_steps: set[int] = field(default_factory=set)

    def code(self) -> str:
        totp = pyotp.TOTP(self.secret)
        now = datetime.now(UTC)
        for moment in (now, now + timedelta(seconds=30)):
            step = totp.timecode(moment)
            if step not in self.used_steps and max(self.used_steps, default=0) < step:
                self.used_steps.add(step)
                return totp.at(moment)
        return self.recovery_codes.pop()


AUTHENTICATORS: dict[str, Authenticator] = {}
"""Every test person's authenticator, by e-mail address."""


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Log in (with the second factor when the person has one); the client keeps the cookie and sends the CSRF
    token from now on."""
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    if response.status_code == 202:
        response = await client.post("/api/auth/login/second-factor", json={"code": AUTHENTICATORS[email].code()})
    assert response.status_code == 201, response.text
    token: str = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


async def enable_two_factor(client: httpx.AsyncClient, email: str) -> Authenticator:
    """Set up two-factor log-in for the signed-in person through the API; the client gets the fresh session."""
    setup = await client.post("/api/auth/two-factor/setup")
    assert setup.status_code == 201, setup.text
    authenticator = Authenticator(setup.json()["key"])
    enabled = await client.post("/api/auth/two-factor/enable", json={"code": authenticator.code()})
    assert enabled.status_code == 201, enabled.text
    authenticator.recovery_codes = list(enabled.json()["recovery_codes"])
    client.headers["X-CSRF-Token"] = enabled.json()["session"]["csrf_token"]
    AUTHENTICATORS[email] = authenticator
    return authenticator


async def give_two_factor(person_id: int, email: str) -> Authenticator:
    """Two-factor log-in written straight into the tables (for people made without the API, e.g. by the CLI)."""
    authenticator = Authenticator(pyotp.random_base32(), [secrets.token_hex(8) for _ in range(10)])
    await TwoFactor.delete().where(TwoFactor.person == person_id)
    await TwoFactor.insert(TwoFactor(person=person_id, secret=authenticator.secret, enabled_at=datetime.now(UTC)))
    await RecoveryCode.insert(
        *[RecoveryCode(person=person_id, code_hash=hash_token(code)) for code in authenticator.recovery_codes]
    )
    AUTHENTICATORS[email] = authenticator
    return authenticator


async def member(client: httpx.AsyncClient, inbox: object, email: str, roles: list[str]) -> int:
    """A signed-in person with exactly these roles (coordinator and admin granted directly in the database, with
    two-factor log-in set up through the API, as those roles need)."""
    await sign_up(client, inbox, email, [r for r in roles if r in ("volunteer", "host")] or ["volunteer"])
    person = await Person.select(Person.id).where(Person.email == email).first()
    assert person is not None
    await RoleGrant.delete().where(RoleGrant.person == person["id"])
    await RoleGrant.insert(*[RoleGrant(person=person["id"], role=role) for role in roles])
    await log_in(client, email)
    if {"coordinator", "admin"} & set(roles):
        await enable_two_factor(client, email)
    return int(person["id"])
