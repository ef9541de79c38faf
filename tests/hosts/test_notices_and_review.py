"""The hosts' steps announced by e-mail (in the reader's language, with the link to act on), the coordinator's
review page of a request, and the first steps a new host contact is walked through."""

from __future__ import annotations

import re
from collections.abc import Callable
from email import message_from_string
from email.policy import default

import httpx
from hostkit import World, actor, organization_id

from giveback.accounts.tables import Person
from giveback.hosts.tables import HostRequest
from giveback.mail.tables import OutboxMessage

Client = httpx.AsyncClient


async def notices(about: str) -> list[tuple[str, str, str]]:
    """The queued notices about a record: (recipient, subject, text)."""
    rows = await OutboxMessage.select().where((OutboxMessage.about == about) & (OutboxMessage.kind == "notice"))
    found = []
    for row in sorted(rows, key=lambda r: r["id"]):
        message = message_from_string(row["content"], policy=default)
        body = message.get_body(("plain",))
        assert body is not None
        found.append((row["recipient"], row["subject"], body.get_content()))
    return found


def link_in(text: str) -> str:
    found = re.search(r"http://\S+", text)
    assert found, text
    return found[0].removeprefix("http://testserver.local")


async def test_claims_are_announced_to_both_sides_in_their_languages(
    client: Client, new_client: Callable[[], Client]
) -> None:
    coordinator = new_client()
    coordinator_id = await actor(coordinator, "coord@example.org", ["coordinator"])
    await Person.update({Person.locale: "fr"}).where(Person.id == coordinator_id)
    retired = await actor(new_client(), "old.coord@example.org", ["coordinator"])
    await Person.update({Person.disabled_at: Person.created_at}).where(Person.id == retired)
    await actor(client, "host@example.org", ["host"])
    first_steps = (await client.get("/host")).text
    assert "Your first steps" in first_steps and 'href="#claim"' in first_steps

    org_id = await organization_id("BSIR")
    claim = (await client.post(f"/api/organizations/{org_id}/claims", json={"message": "Secretary"})).json()
    [(to, subject, text)] = await notices(f"claim:{claim['id']}")  # the disabled coordinator is not told
    assert to == "coord@example.org"
    assert subject == "Revendication en attente : Host pour British Society of Interventional Radiology"
    assert link_in(text) == "/coordinator/claims"
    assert "British Society of Interventional Radiology" in (await coordinator.get(link_in(text))).text

    refused = await coordinator.post(f"/api/claims/{claim['id']}/reject", json={"reason": "Not on the board"})
    assert refused.status_code == 200, refused.text
    [_, (to, subject, text)] = await notices(f"claim:{claim['id']}")
    assert to == "host@example.org"
    assert subject == "Your claim on British Society of Interventional Radiology was not approved"
    assert "Not on the board" in text and link_in(text) == "/host"

    again = (await client.post(f"/api/organizations/{org_id}/claims", json={})).json()
    assert (await coordinator.post(f"/api/claims/{again['id']}/approve")).status_code == 200
    (to, subject, text) = (await notices(f"claim:{again['id']}"))[-1]
    assert (to, subject) == (
        "host@example.org",
        "You are a host contact of British Society of Interventional Radiology",
    )
    assert link_in(text) == f"/host/requests/new?organization_id={org_id}"
    assert (await client.get(link_in(text))).status_code == 200


async def test_a_coordinator_reviews_every_field_and_decides_from_the_request_page(world: World) -> None:
    draft = await world.draft(languages=["pt", "es"], team_size=2, duration_days=6, advisory_level=2)
    request_id = draft["id"]
    assert await notices(f"request:{request_id}") == []  # a draft waits for nobody
    assert (await world.host.post(f"/api/requests/{request_id}/submit")).status_code == 200
    [(to, subject, text)] = await notices(f"request:{request_id}")
    assert to == "coord@example.org"
    assert subject == "Request waiting: “Embolization and venous course” (SoBRICE)"
    assert link_in(text) == f"/coordinator/requests/{request_id}"

    listing = (await world.coordinator.get("/coordinator/requests")).text
    assert f'href="/coordinator/requests/{request_id}"' in listing
    review = await world.coordinator.get(link_in(text))
    assert review.status_code == 200
    for shown in (
        "Portuguese and Spanish",  # audience languages by name
        "6 days, team of 2",
        "Lectures and Hands-on",
        "Lodging and Invitation letter",
        "2 — ",  # the advisory level with its meaning
        "Private note for the coordinators",
        "Embolization for hemorrhage and trauma (3/3) — primary",
        'class="danger"',
        'class="secondary"',
    ):
        assert shown.lower() in review.text.lower(), review.text[review.text.find("<dl") :][:3000]

    blank = await world.coordinator.post(
        f"/coordinator/requests/{request_id}/decline", data={"reason": " ", "next": "review"}
    )
    assert blank.status_code == 400
    assert 'id="e-reason"' in blank.text and "Embolization and venous course" in blank.text
    row = await HostRequest.select(HostRequest.status).where(HostRequest.id == request_id).first()
    assert row is not None and row["status"] == "submitted"

    declined = await world.coordinator.post(
        f"/coordinator/requests/{request_id}/decline",
        data={"reason": "Dates clash with the congress", "next": "review"},
    )
    assert declined.status_code == 303
    assert declined.headers["location"] == f"/coordinator/requests/{request_id}?done=declined"
    (to, subject, text) = (await notices(f"request:{request_id}"))[-1]
    assert (to, subject) == ("host@example.org", "Request declined: “Embolization and venous course”")
    assert "Dates clash with the congress" in text
    assert (await world.host.get(link_in(text))).status_code == 200

    other = await world.draft(title="Venous week")
    await world.host.post(f"/api/requests/{other['id']}/submit")
    accepted = await world.coordinator.post(f"/coordinator/requests/{other['id']}/accept", data={"next": "review"})
    assert accepted.headers["location"] == f"/coordinator/requests/{other['id']}?done=accepted"
    (to, subject, text) = (await notices(f"request:{other['id']}"))[-1]
    assert (to, subject) == ("host@example.org", "Request accepted: “Venous week”")
    assert (
        "Request accepted" in (await world.coordinator.get(f"/coordinator/requests/{other['id']}?done=accepted")).text
    )


async def test_the_review_page_is_for_coordinators(world: World, new_client: Callable[[], Client]) -> None:
    draft = await world.draft()
    assert (await world.host.get(f"/coordinator/requests/{draft['id']}")).status_code == 403
    assert (await world.coordinator.get("/coordinator/requests/999999")).status_code == 404
