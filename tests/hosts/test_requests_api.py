"""Host requests through the JSON API: the lifecycle, every rule, access, and the public directory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from hostkit import World, actor, in_days, make_contact, organization_id, request_body

from giveback.hosts.tables import HostingWindow, HostRequest, RequestNeed
from giveback.topics.tables import Topic

Client = httpx.AsyncClient


async def counts() -> tuple[int, int, int]:
    return await HostRequest.count(), await RequestNeed.count(), await HostingWindow.count()


async def test_the_flow_from_draft_to_the_public_directory(world: World) -> None:
    draft = await world.draft()
    assert draft["status"] == "draft"
    assert draft["country"] == "BR"
    assert draft["region"] == "latin-america"
    assert draft["primary_need"] == "embolization"
    assert draft["languages"] == ["pt", "en"]
    assert draft["created_by"] == world.host_id
    assert [w["preferred"] for w in draft["windows"]] == [True, False]
    assert (await world.coordinator.get("/api/directory/requests")).json() == []

    submitted = await world.host.post(f"/api/requests/{draft['id']}/submit")
    assert submitted.json()["status"] == "submitted"
    edited = await world.host.put(f"/api/requests/{draft['id']}", json=request_body(world.org_id, title="New title"))
    assert edited.status_code == 200, edited.text
    assert edited.json()["status"] == "submitted"
    assert edited.json()["title"] == "New title"
    assert (await world.coordinator.get("/api/directory/requests")).json() == []

    listed = await world.coordinator.get("/api/requests", params={"status": "submitted", "region": "latin-america"})
    assert [r["id"] for r in listed.json()] == [draft["id"]]
    assert (await world.coordinator.get("/api/requests", params={"region": "europe"})).json() == []
    assert len((await world.coordinator.get("/api/requests", params={"topic": "venous"})).json()) == 1
    assert (await world.coordinator.get("/api/requests", params={"topic": "aortic"})).json() == []

    accepted = await world.coordinator.post(f"/api/requests/{draft['id']}/accept")
    assert accepted.json()["status"] == "accepted"
    priority = await world.coordinator.put(f"/api/requests/{draft['id']}/priority", json={"priority": True})
    assert priority.json()["priority"] is True

    directory = (await world.host.get("/api/directory/requests")).json()
    assert len(directory) == 1
    summary = directory[0]
    assert summary["organization_name"].startswith("Brazilian Society")
    assert summary["country"] == "BR"
    assert summary["region"] == "latin-america"
    assert summary["topics"][0] == {
        "topic": "embolization",
        "name": "Embolization for hemorrhage and trauma",
        "weight": 3,
    }
    assert summary["languages"] == ["pt", "en"]
    assert summary["formats"] == ["lectures", "hands-on"]
    assert summary["duration_days"] == 5
    assert summary["team_size"] == 2
    assert all("\u2013" in w or len(w.split()) == 2 for w in summary["windows"])
    assert "notes" not in summary and "Private note" not in str(directory)
    assert "provides" not in summary and "created_by" not in summary
    assert (await world.host.get("/api/directory/requests", params={"region": "europe"})).json() == []
    assert len((await world.host.get("/api/directory/requests", params={"topic": "venous"})).json()) == 1

    # accepted requests can no longer be edited; withdrawing takes them back to draft and off the directory
    frozen = await world.host.put(f"/api/requests/{draft['id']}", json=request_body(world.org_id))
    assert frozen.status_code == 409
    assert frozen.json()["field"] == "status"
    assert (await world.host.post(f"/api/requests/{draft['id']}/withdraw")).json()["status"] == "draft"
    assert (await world.host.get("/api/directory/requests")).json() == []


async def test_declining_needs_a_reason(world: World) -> None:
    draft = await world.draft()
    await world.host.post(f"/api/requests/{draft['id']}/submit")
    no_reason = await world.coordinator.post(f"/api/requests/{draft['id']}/decline", json={"reason": ""})
    assert no_reason.status_code == 400
    assert no_reason.json()["field"] == "reason"
    assert (await HostRequest.select(HostRequest.status).first())["status"] == "submitted"
    declined = await world.coordinator.post(f"/api/requests/{draft['id']}/decline", json={"reason": "Too vague"})
    assert declined.json()["status"] == "declined"
    assert declined.json()["decision_reason"] == "Too vague"
    assert (await world.host.get(f"/api/requests/{draft['id']}")).json()["decision_reason"] == "Too vague"
    assert (await world.host.get("/api/directory/requests")).json() == []


async def test_defaults_primary_need_and_country(world: World) -> None:
    needs = [{"topic": "venous", "weight": 2}, {"topic": "aortic", "weight": 3}, {"topic": "embolization", "weight": 3}]
    draft = await world.draft(needs=needs, country="PT")
    assert draft["primary_need"] == "aortic"
    assert draft["country"] == "PT"
    assert draft["region"] == "europe"
    chosen = await world.draft(needs=needs, primary_need="venous")
    assert chosen["primary_need"] == "venous"
    assert chosen["country"] == "BR"


async def test_every_rule_names_its_field_and_stores_nothing(world: World) -> None:
    duration = 5
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"country": "XX"}, "country"),
        ({"advisory_level": 0}, "advisory_level"),
        ({"advisory_level": 5}, "advisory_level"),
        ({"duration_days": 0}, "duration_days"),
        ({"duration_days": 61}, "duration_days"),
        ({"team_size": 0}, "team_size"),
        ({"team_size": 5}, "team_size"),
        ({"needs": []}, "needs"),
        ({"needs": [{"topic": "astrology", "weight": 2}]}, "needs"),
        ({"needs": [{"topic": "venous", "weight": 4}]}, "needs"),
        ({"needs": [{"topic": "venous", "weight": 0}]}, "needs"),
        ({"needs": [{"topic": "venous", "weight": 1}, {"topic": "venous", "weight": 2}]}, "needs"),
        ({"primary_need": "aortic"}, "primary_need"),
        ({"languages": []}, "languages"),
        ({"languages": ["english"]}, "languages"),
        ({"languages": ["qq"]}, "languages"),
        ({"languages": ["pt", "pt"]}, "languages"),
        ({"formats": ["dance"]}, "formats"),
        ({"provides": ["car"]}, "provides"),
        ({"windows": []}, "windows"),
        ({"windows": [{"start": in_days(40), "end": in_days(30)}]}, "windows"),
        ({"windows": [{"start": in_days(-3), "end": in_days(30)}]}, "windows"),
        ({"windows": [{"start": in_days(700), "end": in_days(800)}]}, "windows"),
        ({"windows": [{"start": in_days(30), "end": in_days(30 + duration - 2)}]}, "windows"),
        (
            {"windows": [{"start": in_days(30), "end": in_days(60)}, {"start": in_days(60), "end": in_days(90)}]},
            "windows",
        ),
        ({"windows": [{"start": "someday", "end": in_days(60)}]}, "windows"),
        ({"organization_id": 999999}, "organization_id"),
        ({"unexpected": True}, "unexpected"),
    ]
    before = await counts()
    for changes, field in cases:
        response = await world.host.post("/api/requests", json=request_body(world.org_id, **changes))
        assert response.status_code in (400, 404), (changes, response.text)
        assert field in response.text, (changes, response.text)
    assert await counts() == before

    # an edit breaking a rule changes nothing either
    draft = await world.draft()
    stored = await counts()
    bad = await world.host.put(f"/api/requests/{draft['id']}", json=request_body(world.org_id, needs=[], title="X"))
    assert bad.status_code == 400
    assert await counts() == stored
    assert (await world.host.get(f"/api/requests/{draft['id']}")).json()["title"] == draft["title"]


async def test_a_preferred_period_may_lie_inside_a_window(world: World) -> None:
    inside = [
        {"start": in_days(30), "end": in_days(90), "preferred": False},
        {"start": in_days(40), "end": in_days(50), "preferred": True},
    ]
    draft = await world.draft(windows=inside, duration_days=5)
    assert [w["preferred"] for w in draft["windows"]] == [False, True]
    edited = await world.host.put(f"/api/requests/{draft['id']}", json=request_body(world.org_id, windows=inside))
    assert edited.status_code == 200, edited.text
    crossing = [*inside, {"start": in_days(60), "end": in_days(70), "preferred": False}]
    refused = await world.host.post("/api/requests", json=request_body(world.org_id, windows=crossing))
    assert refused.status_code == 400 and refused.json()["field"] == "windows"


async def test_a_window_exactly_as_long_as_the_visit_is_enough(world: World) -> None:
    draft = await world.draft(windows=[{"start": in_days(30), "end": in_days(34)}], duration_days=5)
    assert len(draft["windows"]) == 1


async def test_retired_topics_are_refused(world: World) -> None:
    await Topic.update({Topic.retired: True}).where(Topic.slug == "lymphatic")
    try:
        response = await world.host.post(
            "/api/requests", json=request_body(world.org_id, needs=[{"topic": "lymphatic", "weight": 2}])
        )
        assert response.status_code == 400
        assert response.json()["field"] == "needs"
    finally:
        await Topic.update({Topic.retired: False}).where(Topic.slug == "lymphatic")


async def test_an_organization_without_a_country_needs_one_on_the_request(
    client: Client, new_client: Callable[[], Client], inbox
) -> None:
    coordinator = new_client()
    await actor(coordinator, "coord@example.org", ["coordinator"])
    await actor(client, "host@example.org", ["host"])
    cirse = await organization_id("CIRSE")
    await make_contact(client, coordinator, cirse)
    missing = await client.post("/api/requests", json=request_body(cirse))
    assert missing.status_code == 400
    assert missing.json()["field"] == "country"
    assert await HostRequest.count() == 0
    given = await client.post("/api/requests", json=request_body(cirse, country="AT"))
    assert given.status_code == 201
    assert given.json()["region"] == "europe"


async def test_transitions_from_the_wrong_state_are_409(world: World) -> None:
    draft = await world.draft()
    request_id = draft["id"]
    for path, client in [
        ("withdraw", world.host),
        ("accept", world.coordinator),
    ]:
        response = await client.post(f"/api/requests/{request_id}/{path}")
        assert response.status_code == 409, path
        assert response.json()["field"] == "status"
    assert (
        await world.coordinator.post(f"/api/requests/{request_id}/decline", json={"reason": "x"})
    ).status_code == 409
    await world.host.post(f"/api/requests/{request_id}/submit")
    again = await world.host.post(f"/api/requests/{request_id}/submit")
    assert again.status_code == 409
    assert "draft" in again.json()["detail"]
    assert (await world.host.delete(f"/api/requests/{request_id}")).status_code == 409
    await world.coordinator.post(f"/api/requests/{request_id}/accept")
    assert (await world.coordinator.post(f"/api/requests/{request_id}/accept")).status_code == 409
    assert (await world.host.post(f"/api/requests/{request_id}/submit")).status_code == 409


async def test_a_draft_can_be_deleted(world: World) -> None:
    draft = await world.draft()
    assert (await world.host.delete(f"/api/requests/{draft['id']}")).status_code == 204
    assert await counts() == (0, 0, 0)
    assert (await world.host.get(f"/api/requests/{draft['id']}")).status_code == 404


async def test_access_rules(world: World, new_client: Callable[[], Client], inbox) -> None:
    draft = await world.draft()
    request_id = draft["id"]

    anonymous = new_client()
    assert (await anonymous.get("/api/requests")).status_code == 401
    assert (await anonymous.post("/api/requests", json=request_body(world.org_id))).status_code == 401
    assert (await anonymous.get(f"/api/requests/{request_id}")).status_code == 401
    assert (await anonymous.get("/api/directory/requests")).status_code == 200

    volunteer = new_client()
    await actor(volunteer, "vol@example.org", ["volunteer"])
    assert (await volunteer.post("/api/requests", json=request_body(world.org_id))).status_code == 403
    assert (await volunteer.get("/api/requests")).status_code == 403
    assert (await volunteer.get(f"/api/requests/{request_id}")).status_code == 403

    other = new_client()
    await actor(other, "other@example.org", ["host"])
    await make_contact(other, world.coordinator, await organization_id("BSIR"))
    assert (await other.get(f"/api/requests/{request_id}")).status_code == 404
    assert (await other.put(f"/api/requests/{request_id}", json=request_body(world.org_id))).status_code == 404
    assert (await other.post(f"/api/requests/{request_id}/submit")).status_code == 404
    assert (await other.delete(f"/api/requests/{request_id}")).status_code == 404
    assert (await other.get("/api/requests")).json() == []
    not_theirs = await other.post("/api/requests", json=request_body(world.org_id))
    assert not_theirs.status_code == 403
    assert not_theirs.json()["field"] == "organization_id"

    # a pending claim does not make a contact
    pending = new_client()
    await actor(pending, "pending@example.org", ["host"])
    await pending.post(f"/api/organizations/{world.org_id}/claims", json={})
    assert (await pending.get(f"/api/requests/{request_id}")).status_code == 404
    assert (await pending.post("/api/requests", json=request_body(world.org_id))).status_code == 403

    # hosts cannot decide; coordinators read everything but edit nothing
    assert (await world.host.post(f"/api/requests/{request_id}/accept")).status_code == 403
    assert (await world.host.put(f"/api/requests/{request_id}/priority", json={"priority": True})).status_code == 403
    assert (await world.coordinator.get(f"/api/requests/{request_id}")).status_code == 200
    assert (
        await world.coordinator.put(f"/api/requests/{request_id}", json=request_body(world.org_id))
    ).status_code == 403
    assert (await world.coordinator.get("/api/requests/999999")).status_code == 404
    assert await HostRequest.count() == 1
