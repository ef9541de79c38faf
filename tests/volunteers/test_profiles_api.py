"""Volunteer profiles through the JSON API: saving, reading, validation, and who may see what."""

from __future__ import annotations

from typing import Any

import httpx

from giveback.accounts.tables import Person
from giveback.topics.tables import Topic
from giveback.volunteers.tables import Expertise, VolunteerProfile

Client = httpx.AsyncClient
MakePerson = Any
Body = Any


async def test_profile_round_trip(make_person: MakePerson, profile_body: Body) -> None:
    client, person_id = await make_person("ana@example.org")
    missing = await client.get("/api/volunteers/me")
    assert missing.status_code == 404
    assert missing.json()["field"] == "profile"

    saved = await client.put(
        "/api/volunteers/me", json=profile_body(name="Ana Souza", country="br", languages=["PT", "en"])
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["person_id"] == person_id
    assert body["name"] == "Ana Souza"
    assert body["country"] == "BR"
    assert body["region"] == "latin-america"
    assert body["languages"] == ["pt", "en"]
    assert [(e["topic"], e["proficiency"]) for e in body["expertise"]] == [
        ("interventional-oncology", 3),
        ("embolization", 2),
    ]
    assert body["expertise"][0]["proficiency_label"] == "expert, hands-on"
    assert body["cv"] is None
    assert (await client.get("/api/volunteers/me")).json() == body
    assert (await Person.select(Person.name).where(Person.id == person_id).first())["name"] == "Ana Souza"

    updated = await client.put(
        "/api/volunteers/me", json=profile_body(expertise={"venous": 1}, trips_per_year=6, directory_opt_in=False)
    )
    assert updated.status_code == 200
    assert [e["topic"] for e in updated.json()["expertise"]] == ["venous"]
    assert updated.json()["trips_per_year"] == 6
    assert updated.json()["name"] == "Ana Souza"
    assert await VolunteerProfile.count() == 1
    assert await Expertise.count() == 1


BAD_PROFILES: list[tuple[dict[str, Any], str]] = [
    ({"expertise": {"astrology": 2}}, "expertise"),
    ({"expertise": {"venous": 0}}, "expertise"),
    ({"expertise": {"venous": 4}}, "expertise"),
    ({"languages": ["xx"]}, "languages"),
    ({"languages": ["english"]}, "languages"),
    ({"country": "XX"}, "country"),
    ({"country": "Brazil"}, "country"),
    ({"excluded_countries": ["ZZ"]}, "excluded_countries"),
    ({"preferred_regions": ["atlantis"]}, "preferred_regions"),
    ({"max_advisory_level": 5}, "max_advisory_level"),
    ({"max_advisory_level": 0}, "max_advisory_level"),
    ({"trips_per_year": 0}, "trips_per_year"),
    ({"trips_per_year": 7}, "trips_per_year"),
    ({"career_stage": "student"}, "career_stage"),
    ({"bio": "x" * 2001}, "bio"),
    ({"name": ""}, "name"),
    ({"favourite_color": "teal"}, "favourite_color"),
]


async def test_bad_profiles_name_the_field_and_store_nothing(make_person: MakePerson, profile_body: Body) -> None:
    client, _ = await make_person("bad@example.org")
    for changes, field in BAD_PROFILES:
        response = await client.put("/api/volunteers/me", json=profile_body(**changes))
        assert response.status_code == 400, (changes, response.text)
        assert field in response.text
    assert await VolunteerProfile.count() == 0
    assert await Expertise.count() == 0


async def test_a_bad_update_keeps_the_previous_profile(make_person: MakePerson, profile_body: Body) -> None:
    client, _ = await make_person("keep@example.org", profile=profile_body())
    response = await client.put("/api/volunteers/me", json=profile_body(expertise={"venous": 2}, languages=["xx"]))
    assert response.status_code == 400
    profile = (await client.get("/api/volunteers/me")).json()
    assert [e["topic"] for e in profile["expertise"]] == ["interventional-oncology", "embolization"]


async def test_retired_topics_stay_but_cannot_be_newly_chosen(make_person: MakePerson, profile_body: Body) -> None:
    client, _ = await make_person("old@example.org", profile=profile_body(expertise={"lymphatic": 2}))
    await Topic.update({Topic.retired: True}).where(Topic.slug == "lymphatic")
    try:
        kept = await client.put("/api/volunteers/me", json=profile_body(expertise={"lymphatic": 3}))
        assert kept.status_code == 200, kept.text
        assert kept.json()["expertise"][0]["retired"] is True
        other, _ = await make_person("new@example.org")
        refused = await other.put("/api/volunteers/me", json=profile_body(expertise={"lymphatic": 1}))
        assert refused.status_code == 400
        assert refused.json()["field"] == "expertise"
        assert "retired" in refused.json()["detail"]
    finally:
        await Topic.update({Topic.retired: False}).where(Topic.slug == "lymphatic")


async def test_who_may_read_a_profile(make_person: MakePerson, profile_body: Body, client: Client) -> None:
    owner, owner_id = await make_person("owner@example.org", profile=profile_body(directory_opt_in=False))
    other, _ = await make_person("other@example.org", profile=profile_body())
    host, _ = await make_person("host@example.org", roles=["host"])
    coordinator, _ = await make_person("coord@example.org", roles=["coordinator"])

    # only volunteers have a profile
    refused = await host.put("/api/volunteers/me", json=profile_body())
    assert refused.status_code == 403
    assert refused.json()["field"] == "role"
    assert (await host.get("/api/volunteers/me")).status_code == 403
    assert (await coordinator.put("/api/volunteers/me", json=profile_body())).status_code == 403
    assert (await client.get("/api/volunteers/me")).status_code == 401
    assert (await client.put("/api/volunteers/me", json=profile_body())).status_code == 401
    assert await VolunteerProfile.count() == 2

    assert (await owner.get(f"/api/volunteers/{owner_id}")).status_code == 200
    assert (await other.get(f"/api/volunteers/{owner_id}")).status_code == 404
    assert (await host.get(f"/api/volunteers/{owner_id}")).status_code == 404
    assert (await client.get(f"/api/volunteers/{owner_id}")).status_code == 401
    seen = await coordinator.get(f"/api/volunteers/{owner_id}")
    assert seen.status_code == 200
    assert seen.json()["email"] == "owner@example.org"
    assert seen.json()["excluded_countries"] == ["RU"]
    assert (await coordinator.get("/api/volunteers/999999")).status_code == 404

    assert (await other.get("/api/volunteers")).status_code == 403
    assert (await host.get("/api/volunteers")).status_code == 403
    listed = await coordinator.get("/api/volunteers")
    assert listed.status_code == 200
    assert sorted(p["email"] for p in listed.json()) == ["other@example.org", "owner@example.org"]


async def test_coordinators_filter_profiles(make_person: MakePerson, profile_body: Body) -> None:
    await make_person("br@example.org", profile=profile_body())
    await make_person(
        "fr@example.org",
        profile=profile_body(country="FR", languages=["fr"], expertise={"venous": 2}, directory_opt_in=False),
    )
    coordinator, _ = await make_person("coord@example.org", roles=["coordinator"])

    async def emails(query: str) -> list[str]:
        response = await coordinator.get(f"/api/volunteers?{query}")
        assert response.status_code == 200, response.text
        return sorted(p["email"] for p in response.json())

    assert await emails("topic=venous") == ["fr@example.org"]
    assert await emails("language=pt") == ["br@example.org"]
    assert await emails("region=europe") == ["fr@example.org"]
    assert await emails("region=latin-america&topic=embolization") == ["br@example.org"]
    assert await emails("language=ja") == []
    for query, field in (("topic=astrology", "topic"), ("language=xx", "language"), ("region=mars", "region")):
        response = await coordinator.get(f"/api/volunteers?{query}")
        assert response.status_code == 400
        assert response.json()["field"] == field
