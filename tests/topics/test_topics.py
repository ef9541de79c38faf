"""Coordinators keep the topic list; retiring a topic hides it from new choices without breaking old ones."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from helpers import member

from giveback.topics.tables import Topic


async def test_a_coordinator_adds_renames_retires_and_restores_a_topic(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    added = await client.post("/api/topics", json={"slug": "vascular-malformations", "name": "Vascular malformations"})
    assert added.status_code == 201
    renamed = await client.patch("/api/topics/vascular-malformations", json={"name": "Vascular anomalies"})
    assert renamed.json() == {
        "slug": "vascular-malformations",
        "name": "Vascular anomalies",
        "retired": False,
        "position": 17,
        "names": {},
    }
    retired = await client.patch("/api/topics/vascular-malformations", json={"retired": True})
    assert retired.json()["retired"] is True
    active = [t["slug"] for t in (await client.get("/api/topics")).json()]
    everything = [t["slug"] for t in (await client.get("/api/topics", params={"include_retired": True})).json()]
    assert "vascular-malformations" not in active
    assert everything[-1] == "vascular-malformations"
    restored = await client.patch("/api/topics/vascular-malformations", json={"retired": False})
    assert restored.json()["retired"] is False


async def test_bad_topics_are_refused_and_nothing_is_stored(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    before = await Topic.count()
    for body, field in [
        ({"slug": "Not A Slug", "name": "X topic"}, "slug"),
        ({"slug": "ok-slug", "name": "X"}, "name"),
        ({"slug": "ok-slug", "name": "Fine name", "colour": "red"}, "colour"),
    ]:
        response = await client.post("/api/topics", json=body)
        assert response.status_code == 400, body
        assert field in response.text
    duplicate = await client.post("/api/topics", json={"slug": "venous", "name": "Veins again"})
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "slug"
    assert (await client.patch("/api/topics/no-such-topic", json={"name": "Whatever"})).status_code == 404
    assert (await client.patch("/api/topics/venous", json={})).status_code == 400
    assert await Topic.count() == before


async def test_only_coordinators_edit_topics(
    client: httpx.AsyncClient, new_client: Callable[[], httpx.AsyncClient], inbox
) -> None:
    await member(client, inbox, "vol@example.org", ["volunteer"])
    assert (await client.post("/api/topics", json={"slug": "new-one", "name": "New one"})).status_code == 403
    anonymous = new_client()
    assert (await anonymous.post("/api/topics", json={"slug": "new-one", "name": "New one"})).status_code == 401
    assert (await anonymous.get("/coordinator/topics/", headers={"accept": "text/html"})).status_code == 303


async def test_the_topic_page_adds_a_topic_through_its_form(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    token = client.headers["X-CSRF-Token"]
    page = await client.get("/coordinator/topics/")
    assert "Lymphatic interventions" in page.text
    bad = await client.post(
        "/coordinator/topics/",
        data={"csrf_token": token, "slug": "Bad Slug", "name": "Fine"},
        headers={"X-CSRF-Token": ""},
    )
    assert bad.status_code == 400
    assert 'id="e-slug"' in bad.text
    good = await client.post(
        "/coordinator/topics/", data={"csrf_token": token, "slug": "tumour-boards", "name": "Tumour boards"}
    )
    assert good.status_code == 303
    assert "Tumour boards" in (await client.get("/coordinator/topics/")).text
