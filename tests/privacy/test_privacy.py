"""Every person downloads their data and can delete their account; trips stay, without their details."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from helpers import PASSWORD, VOLUNTEER_PROFILE, log_in, member
from programs import Program
from round_steps import open_and_freeze, run_round

from giveback.accounts.tables import Person, WebSession
from giveback.trips.tables import TripMember
from giveback.trips.travel_tables import TravelChecklist
from giveback.volunteers.tables import VolunteerProfile


async def test_a_volunteer_downloads_their_data(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "vol@example.org", ["volunteer"])
    profile = await client.put("/api/volunteers/me", json={**VOLUNTEER_PROFILE, "name": "Vera Volunteer"})
    assert profile.status_code in (200, 201), profile.text
    download = await client.get("/api/me/data")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    data = download.json()
    assert data["account"]["email"] == "vol@example.org"
    assert data["account"]["roles"] == ["volunteer"]
    assert data["volunteer"]["profile"]["institution"] == "Clinic"
    assert any(event["action"] == "account.logged_in" for event in data["activity"])


async def test_deleting_an_account_erases_details_and_keeps_trips(
    client: httpx.AsyncClient, new_client: Callable[[], httpx.AsyncClient], inbox, program: Program
) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    run = await run_round(client, round_id)
    assert (await client.post(f"/api/runs/{run['id']}/approve", json={})).status_code == 201
    traveller = program.volunteers[0]
    email = (await Person.select(Person.email).where(Person.id == traveller).first())["email"]
    volunteer = new_client()
    await log_in(volunteer, email, "x" * 12)

    place = await TripMember.select(TripMember.trip).where(TripMember.person == traveller).first()
    policy = {"insurance": "Allianz Travel, policy 4471"}
    assert (await volunteer.post(f"/api/trips/{place['trip']}/checklist/{traveller}", json=policy)).status_code == 200
    exported = (await volunteer.get("/api/me/data")).json()["travel"]["checklists"]
    assert exported == [{**exported[0], "trip": place["trip"], "insurance": "Allianz Travel, policy 4471"}]

    wrong = await volunteer.request("DELETE", "/api/me/account", json={"password": "not my password"})
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "password"
    assert await VolunteerProfile.exists().where(VolunteerProfile.person == traveller)

    erased = await volunteer.request("DELETE", "/api/me/account", json={"password": "x" * 12})
    assert erased.status_code == 204
    person = await Person.select().where(Person.id == traveller).first()
    assert person["email"] == f"deleted-{traveller}@deleted.invalid"
    assert person["name"] == "Former participant"
    assert person["deleted_at"] is not None
    assert not await VolunteerProfile.exists().where(VolunteerProfile.person == traveller)
    assert not await WebSession.exists().where(WebSession.person == traveller)
    assert not await TravelChecklist.exists().where(TravelChecklist.person == traveller)
    assert await TripMember.exists().where(TripMember.person == traveller)
    assert (await volunteer.get("/api/me")).status_code == 401
    relogin = await volunteer.post("/api/auth/login", json={"email": email, "password": "x" * 12})
    assert relogin.status_code == 401
    assert (
        await client.post("/api/auth/signup", json={"email": email, "name": "Again", "password": PASSWORD})
    ).status_code == 202


async def test_the_account_page_offers_download_and_deletion(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "page@example.org", ["host"])
    page = await client.get("/account", headers={"accept": "text/html"})
    assert 'href="/account/data"' in page.text
    token = client.headers["X-CSRF-Token"]
    wrong = await client.post(
        "/account/delete", data={"csrf_token": token, "password": "nope"}, headers={"X-CSRF-Token": ""}
    )
    assert wrong.status_code == 400
    assert 'id="e-password"' in wrong.text
    done = await client.post(
        "/account/delete", data={"csrf_token": token, "password": PASSWORD}, headers={"X-CSRF-Token": ""}
    )
    assert done.status_code == 303
    assert await Person.count().where(Person.deleted_at.is_not_null()) == 1
