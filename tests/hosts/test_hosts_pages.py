"""The pages of host contacts and coordinators, and the public request pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
from hostkit import World, actor, in_days, organization_id

from giveback.hosts.tables import HostingWindow, HostRequest, OrganizationClaim, RequestNeed
from giveback.organizations.tables import Organization

Client = httpx.AsyncClient
HTML = {"accept": "text/html"}


def request_form(org_id: int, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "organization_id": str(org_id),
        "title": "Dialysis access workshop",
        "weight_dialysis-access": "3",
        "weight_venous": "1",
        "weight_aortic": "0",
        "primary_need": "",
        "languages": ["Portuguese", "english", ""],
        "formats": ["lectures", "simulation"],
        "provides": ["lodging"],
        "window_start_0": in_days(60),
        "window_end_0": in_days(90),
        "window_preferred_0": "1",
        "window_start_1": "",
        "window_end_1": "",
        "window_start_2": "",
        "window_end_2": "",
        "duration_days": "4",
        "team_size": "1",
        "advisory_level": "2",
        "country": "",
        "notes": "Secret logistics",
    }
    form.update(changes)
    return form


async def test_pages_need_a_signed_in_host_or_coordinator(client: Client, new_client: Callable[[], Client]) -> None:
    for path in ("/host", "/host/requests/new", "/coordinator/claims", "/coordinator/requests"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    volunteer = new_client()
    await actor(volunteer, "vol@example.org", ["volunteer"])
    assert (await volunteer.get("/host", headers=HTML)).status_code == 403
    assert (await volunteer.get("/coordinator/claims", headers=HTML)).status_code == 403
    host = new_client()
    await actor(host, "host@example.org", ["host"])
    assert (await host.get("/coordinator/requests", headers=HTML)).status_code == 403


async def test_a_host_claims_and_registers_through_the_pages(client: Client) -> None:
    await actor(client, "host@example.org", ["host"])
    home = await client.get("/host", headers=HTML)
    assert home.status_code == 200
    assert "You represent no organization yet" in home.text
    found = await client.get("/host", params={"search": "BSIR"}, headers=HTML)
    assert "British Society of Interventional Radiology" in found.text
    org_id = await organization_id("BSIR")
    claimed = await client.post("/host/claims", data={"organization_id": str(org_id), "message": "Secretary"})
    assert claimed.status_code == 303
    home = await client.get("/host?done=claimed", headers=HTML)
    assert "pending" in home.text
    assert "Your claim is sent" in home.text
    twice = await client.post("/host/claims", data={"organization_id": str(org_id)}, headers=HTML)
    assert twice.status_code == 409
    assert "already have a pending or approved claim" in twice.text

    organizations = await Organization.count()
    bad = await client.post(
        "/host/organizations", data={"kind": "society", "name": "Kenyan IR Society", "country": "XX"}, headers=HTML
    )
    assert bad.status_code == 400
    assert 'id="e-country"' in bad.text
    assert "Choose a country from the list" in bad.text
    assert 'value="Kenyan IR Society"' in bad.text
    assert '<datalist id="country-names">' in bad.text and '<option value="Kenya">' in bad.text
    assert await Organization.count() == organizations
    good = await client.post(
        "/host/organizations", data={"kind": "society", "name": "Kenyan IR Society", "country": "Kenya"}, headers=HTML
    )
    assert good.status_code == 303
    assert await OrganizationClaim.count() == 2


async def test_the_request_form(world: World) -> None:
    form = await world.host.get("/host/requests/new", headers=HTML)
    assert form.status_code == 200
    assert '<label for="w-embolization">' in form.text
    assert 'name="primary_need"' in form.text
    assert 'name="window_start_2"' in form.text

    before = await HostRequest.count(), await RequestNeed.count(), await HostingWindow.count()
    bad_cases = [
        ({"window_end_0": in_days(10)}, "windows", "Each window must end on or after its start"),
        ({"weight_dialysis-access": "0", "weight_venous": "0"}, "needs", "Choose at least one topic"),
        ({"languages": "portugese"}, "languages", "Choose a language from the list"),
        ({"languages": ""}, "languages", "Choose at least one audience language"),
        ({"duration_days": ""}, "duration_days", "Enter a visit length from 1 to 60 days"),
        ({"duration_days": "99"}, "duration_days", "Enter a visit length from 1 to 60 days"),
        ({"team_size": "9"}, "team_size", "Choose a team of 1 to 4 people"),
        ({"title": ""}, "title", "Fill this in"),
        ({"primary_need": "aortic"}, "primary_need", "Choose the primary need among the topics you weighted"),
        ({"window_start_1": in_days(100)}, "windows", "Enter a date"),
        ({"country": "Atlantis"}, "country", "Choose a country from the list"),
    ]
    for changes, field, words in bad_cases:
        response = await world.host.post("/host/requests/new", data=request_form(world.org_id, **changes), headers=HTML)
        assert response.status_code == 400, (changes, response.status_code)
        assert f'id="e-{field}"' in response.text, (changes, response.text[-3000:])
        assert words in response.text, changes
        assert 'value="Portuguese"' in response.text or "languages" in changes

    # Five wrong answers at once: each stands next to its field, and the summary lists all five.
    five = request_form(
        world.org_id, title="", languages="Klingon", team_size="7", window_start_0="2027-02-31", country="Atlantis"
    )
    response = await world.host.post("/host/requests/new", data=five, headers=HTML)
    assert response.status_code == 400
    assert "please correct the 5 answers marked below" in response.text
    for field in ("title", "languages", "team_size", "windows", "country"):
        assert f'id="e-{field}"' in response.text, field
    assert "Klingon" in response.text and 'value="Atlantis"' in response.text
    summary = re.search(r'<div class="alert error-summary".*?</div>', response.text, re.DOTALL)
    assert summary is not None
    words = re.sub(r"<[^>]+>", " ", summary.group(0))
    assert "Team size : Choose a team of 1 to 4 people" in " ".join(words.split())
    for machine_words in ("RFC3339", "Expected", "ISO", "team_size", "excluded_countries:"):
        assert machine_words not in words, machine_words
    assert (await HostRequest.count(), await RequestNeed.count(), await HostingWindow.count()) == before

    created = await world.host.post("/host/requests/new", data=request_form(world.org_id), headers=HTML)
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    request_id = int(location.split("/")[3])
    stored = (await world.host.get(f"/api/requests/{request_id}")).json()
    assert stored["primary_need"] == "dialysis-access"
    assert {n["topic"]: n["weight"] for n in stored["needs"]} == {"dialysis-access": 3, "venous": 1}
    assert stored["languages"] == ["pt", "en"]
    assert stored["formats"] == ["lectures", "simulation"]
    assert stored["windows"][0]["preferred"] is True
    assert stored["advisory_level"] == 2

    edit = await world.host.get(location, headers=HTML)
    assert edit.status_code == 200
    assert 'value="Dialysis access workshop"' in edit.text
    assert "Submit for review" in edit.text
    changed = await world.host.post(
        f"/host/requests/{request_id}/edit", data=request_form(world.org_id, title="Renamed"), headers=HTML
    )
    assert changed.status_code == 303
    assert (await world.host.post(f"/host/requests/{request_id}/submit", headers=HTML)).status_code == 303
    after = (await world.host.get(f"/api/requests/{request_id}")).json()
    assert (after["title"], after["status"]) == ("Renamed", "submitted")
    home = await world.host.get("/host", headers=HTML)
    assert "Renamed" in home.text and "Submitted" in home.text
    assert (await world.host.post(f"/host/requests/{request_id}/withdraw", headers=HTML)).status_code == 303
    assert (await world.host.post(f"/host/requests/{request_id}/delete", headers=HTML)).status_code == 303
    assert await HostRequest.count() == 0


async def test_coordinator_pages(world: World, new_client: Callable[[], Client]) -> None:
    other = new_client()
    await actor(other, "other@example.org", ["host"])
    claim = (await other.post(f"/api/organizations/{await organization_id('CIRSE')}/claims", json={})).json()
    claims = await world.coordinator.get("/coordinator/claims", headers=HTML)
    assert "Cardiovascular and Interventional Radiological Society of Europe" in claims.text
    no_reason = await world.coordinator.post(
        f"/coordinator/claims/{claim['id']}/reject", data={"reason": ""}, headers=HTML
    )
    assert no_reason.status_code == 400
    assert f'id="e-r-{claim["id"]}"' in no_reason.text
    approved = await world.coordinator.post(f"/coordinator/claims/{claim['id']}/approve", headers=HTML)
    assert approved.status_code == 303

    first = await world.draft(title="First request")
    second = await world.draft(title="Second request")
    for request in (first, second):
        await world.host.post(f"/api/requests/{request['id']}/submit")
    listing = await world.coordinator.get("/coordinator/requests", headers=HTML)
    assert "First request" in listing.text and "Second request" in listing.text
    declined = await world.coordinator.post(
        f"/coordinator/requests/{first['id']}/decline", data={"reason": ""}, headers=HTML
    )
    assert declined.status_code == 400
    assert f'id="e-d-{first["id"]}"' in declined.text
    await world.coordinator.post(f"/coordinator/requests/{first['id']}/decline", data={"reason": "Duplicate"})
    assert (await world.coordinator.post(f"/coordinator/requests/{second['id']}/accept")).status_code == 303
    await world.coordinator.post(f"/coordinator/requests/{second['id']}/priority", data={"priority": "1"})
    second_now = (await world.coordinator.get(f"/api/requests/{second['id']}")).json()
    assert (second_now["status"], second_now["priority"]) == ("accepted", True)
    accepted = await world.coordinator.get("/coordinator/requests", params={"status": "accepted"}, headers=HTML)
    assert "Second request" in accepted.text and "First request" not in accepted.text


async def test_public_pages_show_only_accepted_requests_without_notes(
    world: World, new_client: Callable[[], Client]
) -> None:
    await world.draft(title="A draft")
    submitted = await world.draft(title="A submitted one")
    await world.host.post(f"/api/requests/{submitted['id']}/submit")
    declined = await world.draft(title="A declined one")
    await world.host.post(f"/api/requests/{declined['id']}/submit")
    await world.coordinator.post(f"/api/requests/{declined['id']}/decline", json={"reason": "no"})
    await world.accepted(title="The accepted one")

    public = new_client()
    listing = await public.get("/requests/", headers=HTML)
    assert listing.status_code == 200
    assert "The accepted one" in listing.text
    for hidden in ("A draft", "A submitted one", "A declined one", "Private note", "host@example.org"):
        assert hidden not in listing.text
    assert "Embolization for hemorrhage and trauma" in listing.text
    directory = (await public.get("/api/directory/requests")).json()
    assert [r["title"] for r in directory] == ["The accepted one"]
    empty = await public.get("/requests/", params={"region": "africa"}, headers=HTML)
    assert "No open request matches" in empty.text

    organization = await public.get(f"/organizations/{world.org_id}", headers=HTML)
    assert organization.status_code == 200
    assert "SoBRICE" in organization.text
    assert "The accepted one" in organization.text and "A draft" not in organization.text
    assert (await public.get("/organizations/999999", headers=HTML)).status_code == 404


async def test_a_host_of_another_organization_gets_404_on_the_pages(
    world: World, new_client: Callable[[], Client]
) -> None:
    draft = await world.draft()
    other = new_client()
    await actor(other, "other@example.org", ["host"])
    assert (await other.get(f"/host/requests/{draft['id']}/edit", headers=HTML)).status_code == 404
    changed = await other.post(f"/host/requests/{draft['id']}/edit", data=request_form(world.org_id), headers=HTML)
    assert changed.status_code == 404
    assert (await other.post(f"/host/requests/{draft['id']}/submit", headers=HTML)).status_code == 404
    assert (await world.host.get(f"/api/requests/{draft['id']}")).json()["status"] == "draft"
