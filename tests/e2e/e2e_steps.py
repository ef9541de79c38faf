"""Steps the journeys share: in the browser (real clicks and typing) and through the live server's API."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from e2e_support import PASSWORD, Actor, LiveServer
from helpers import AUTHENTICATORS

expect = pytest.importorskip("playwright.async_api", reason="the playwright package is missing").expect


def in_days(days: int) -> date:
    return datetime.now(UTC).date() + timedelta(days=days)


def next_monday(after_days: int) -> date:
    day = in_days(after_days)
    return day + timedelta(days=(7 - day.weekday()) % 7)


# --- in the browser ------------------------------------------------------------------------------------


async def sign_up(actor: Actor, server: LiveServer, *, name: str, email: str, roles: list[str]) -> None:
    """Sign up through the form, then confirm the address through the e-mailed link."""
    page = actor.page
    await actor.goto("/signup")
    await expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    await page.get_by_label("Full name").fill(name)
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    volunteer = page.get_by_label("volunteer as a visiting professor")
    host = page.get_by_label("host visits for my society or hospital")
    await (volunteer.check() if "volunteer" in roles else volunteer.uncheck())
    await (host.check() if "host" in roles else host.uncheck())
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    await expect(page.get_by_text(email)).to_be_visible()
    await actor.check("check-mail")

    await page.goto(server.link_to(email, "/confirm"))
    await expect(page.get_by_role("heading", name="Confirm your e-mail address")).to_be_visible()
    await page.get_by_role("button", name="Confirm my address").click()
    await expect(page.get_by_role("status")).to_contain_text("Your e-mail address is confirmed")


async def log_in(actor: Actor, email: str, *, path: str = "/login") -> None:
    page = actor.page
    await actor.goto(path)
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_load_state()
    if "/login/code" in page.url:  # two-factor log-in: the code from the person's authenticator
        await page.get_by_label("Code").fill(AUTHENTICATORS[email].code())
        await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()


async def log_out(actor: Actor) -> None:
    await actor.page.get_by_role("button", name="Log out").click()
    await expect(actor.page.get_by_role("link", name="Log in")).to_be_visible()


async def nav(actor: Actor, name: str) -> None:
    """Follow a link of the main navigation."""
    await actor.page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


# --- through the API -----------------------------------------------------------------------------------


async def api_log_in(client: httpx.AsyncClient, email: str) -> None:
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    if response.status_code == 202:
        response = await client.post("/api/auth/login/second-factor", json={"code": AUTHENTICATORS[email].code()})
    assert response.status_code == 201, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]


async def api_member(client: httpx.AsyncClient, server: LiveServer, email: str, roles: list[str]) -> None:
    """Sign up through the API, confirm with the e-mailed token, log in."""
    response = await client.post(
        "/api/auth/signup",
        json={
            "email": email,
            "name": email.split("@")[0].replace(".", " ").title(),
            "password": PASSWORD,
            "roles": roles,
        },
    )
    assert response.status_code == 202, response.text
    token = server.link_to(email, "/confirm").split("token=", 1)[1]
    confirmed = await client.post("/api/auth/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    await api_log_in(client, email)


async def api_volunteer(
    client: httpx.AsyncClient,
    server: LiveServer,
    email: str,
    *,
    expertise: dict[str, int],
    languages: list[str],
    windows: list[tuple[date, date]],
    trips_per_year: int = 2,
) -> int:
    await api_member(client, server, email, ["volunteer"])
    profile = await client.put(
        "/api/volunteers/me",
        json={
            "institution": "General Hospital",
            "country": "US",
            "expertise": expertise,
            "languages": languages,
            "max_advisory_level": 3,
            "trips_per_year": trips_per_year,
            "directory_opt_in": True,
        },
    )
    assert profile.status_code in (200, 201), profile.text
    for start, end in windows:
        added = await client.post(
            "/api/volunteers/me/windows", json={"start": start.isoformat(), "end": end.isoformat()}
        )
        assert added.status_code == 201, added.text
    return int(profile.json()["person_id"])


async def organization_id(client: httpx.AsyncClient, short_name: str) -> int:
    response = await client.get("/api/organizations", params={"search": short_name})
    assert response.status_code == 200, response.text
    body = response.json()
    items = body["items"] if isinstance(body, dict) and "items" in body else body
    for item in items:
        if item.get("short_name") == short_name:
            return int(item["id"])
    raise AssertionError(f"no organization {short_name}: {body}")


async def api_host_contact(
    host: httpx.AsyncClient, coordinator: httpx.AsyncClient, server: LiveServer, email: str, short_name: str
) -> int:
    await api_member(host, server, email, ["host"])
    org = await organization_id(host, short_name)
    claim = await host.post(f"/api/organizations/{org}/claims", json={"message": "I chair it"})
    assert claim.status_code == 201, claim.text
    approved = await coordinator.post(f"/api/claims/{claim.json()['id']}/approve")
    assert approved.status_code == 200, approved.text
    return org


async def api_accepted_request(
    host: httpx.AsyncClient, coordinator: httpx.AsyncClient, org: int, **changes: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organization_id": org,
        "title": "Embolization course",
        "needs": [{"topic": "embolization", "weight": 3}],
        "languages": ["en"],
        "formats": ["lectures"],
        "provides": ["lodging"],
        "windows": [{"start": in_days(70).isoformat(), "end": in_days(120).isoformat(), "preferred": True}],
        "duration_days": 5,
        "team_size": 1,
        "advisory_level": 1,
        **changes,
    }
    draft = await host.post("/api/requests", json=body)
    assert draft.status_code == 201, draft.text
    submitted = await host.post(f"/api/requests/{draft.json()['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    accepted = await coordinator.post(f"/api/requests/{draft.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    result: dict[str, Any] = accepted.json()
    return result


def number_in(text: str) -> int:
    match = re.search(r"\d+", text)
    assert match, text
    return int(match.group(0))


async def api_approved_round(coordinator: httpx.AsyncClient, name: str = "Autumn visits") -> list[int]:
    """Open, freeze and run a round through the API (the server's worker solves it); approve all; the trip ids."""
    created = await coordinator.post(
        "/api/rounds",
        json={
            "name": name,
            "period_start": in_days(60).isoformat(),
            "period_end": in_days(240).isoformat(),
            "settings": {"time_limit_seconds": 5},
        },
    )
    assert created.status_code == 201, created.text
    round_id = created.json()["id"]
    frozen = await coordinator.post(f"/api/rounds/{round_id}/freeze")
    assert frozen.status_code == 201, frozen.text
    queued = await coordinator.post(f"/api/rounds/{round_id}/runs", json={"workers": 1})
    assert queued.status_code == 201, queued.text
    run: dict[str, Any] = {}
    for _ in range(300):
        run = (await coordinator.get(f"/api/runs/{queued.json()['id']}")).json()
        if run["status"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.1)
    assert run["status"] == "succeeded", run
    approved = await coordinator.post(f"/api/runs/{run['id']}/approve", json={})
    assert approved.status_code in (200, 201), approved.text
    trips: list[int] = approved.json()["trips"]
    assert trips, approved.text
    return trips
