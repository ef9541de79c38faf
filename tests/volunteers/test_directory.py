"""The public volunteer directory: opted-in volunteers only, filters, and no private fields."""

from __future__ import annotations

from typing import Any

import httpx

from giveback.accounts.tables import RoleGrant

Client = httpx.AsyncClient
PUBLIC_FIELDS = {
    "person_id",
    "name",
    "institution",
    "country",
    "country_name",
    "region",
    "career_stage",
    "expertise",
    "languages",
    "bio",
}


async def test_the_directory_lists_opted_in_volunteers_only(
    make_person: Any, profile_body: Any, client: Client
) -> None:
    _, ana = await make_person("ana@example.org", profile=profile_body(bio="Loves teaching <b>TACE</b>."))
    _, jean = await make_person(
        "jean@example.org",
        profile=profile_body(country="FR", languages=["fr", "en"], expertise={"venous": 3}, preferred_regions=[]),
    )
    _, hidden = await make_person("hidden@example.org", profile=profile_body(directory_opt_in=False))

    listed = await client.get("/api/directory/volunteers")
    assert listed.status_code == 200
    entries = listed.json()
    assert [e["person_id"] for e in entries] == [ana, jean]
    for entry in entries:
        assert set(entry) == PUBLIC_FIELDS
    text = listed.text
    for private in (
        "@example.org",
        "max_advisory_level",
        "excluded_countries",
        "RU",
        "trips_per_year",
        "cv",
        "windows",
    ):
        assert private not in text
    assert entries[1]["languages"] == [{"code": "fr", "name": "French"}, {"code": "en", "name": "English"}]
    assert entries[0]["expertise"][0] == {
        "topic": "interventional-oncology",
        "topic_name": "Interventional oncology: TACE, Y-90, ablation",
        "proficiency": 3,
        "proficiency_label": "expert, hands-on",
        "retired": False,
    }

    async def ids(query: str) -> list[int]:
        response = await client.get(f"/api/directory/volunteers?{query}")
        assert response.status_code == 200, response.text
        return [e["person_id"] for e in response.json()]

    assert await ids("topic=venous") == [jean]
    assert await ids("topic=embolization") == [ana]
    assert await ids("language=pt") == [ana]
    assert await ids("language=en") == [ana, jean]
    assert await ids("region=europe") == [jean]
    assert await ids("region=latin-america&language=fr") == []
    assert (await client.get("/api/directory/volunteers?region=mars")).status_code == 400

    assert (await client.get(f"/api/directory/volunteers/{jean}")).json()["name"] == "Jean"
    assert (await client.get(f"/api/directory/volunteers/{hidden}")).status_code == 404
    assert (await client.get("/api/directory/volunteers/999999")).status_code == 404

    page = await client.get("/volunteers/")
    assert page.status_code == 200
    assert "Ana" in page.text and "Jean" in page.text and "Hidden" not in page.text
    assert "@example.org" not in page.text
    filtered = await client.get("/volunteers/?topic=venous&language=&region=")
    assert "Jean" in filtered.text and "Ana</a>" not in filtered.text
    empty = await client.get("/volunteers/?region=africa")
    assert "No volunteer matches" in empty.text

    public = await client.get(f"/volunteers/{ana}")
    assert public.status_code == 200
    assert "Loves teaching &lt;b&gt;TACE&lt;/b&gt;." in public.text
    assert "ana@example.org" not in public.text
    assert (await client.get(f"/volunteers/{hidden}", headers={"accept": "text/html"})).status_code == 404

    # a person who is no longer a volunteer leaves the directory
    await RoleGrant.delete().where((RoleGrant.person == jean) & (RoleGrant.role == "volunteer"))
    assert await ids("") == [ana]
