"""Availability windows through the JSON API: the date rules, overlaps, and own windows only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from giveback.volunteers.tables import AvailabilityWindow

Client = httpx.AsyncClient
TODAY = datetime.now(UTC).date()


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


async def test_add_edit_list_and_delete_windows(make_person: Any, profile_body: Any) -> None:
    client, _ = await make_person("win@example.org", profile=profile_body())
    added = await client.post(
        "/api/volunteers/me/windows", json={"start": days(30), "end": days(60), "preferred": True}
    )
    assert added.status_code == 201, added.text
    window = added.json()
    assert window == {"id": window["id"], "start": days(30), "end": days(60), "preferred": True, "source": "manual"}
    second = await client.post("/api/volunteers/me/windows", json={"start": days(1), "end": days(10)})
    assert second.status_code == 201
    listed = await client.get("/api/volunteers/me/windows")
    assert [w["start"] for w in listed.json()] == [days(1), days(30)]

    changed = await client.put(
        f"/api/volunteers/me/windows/{window['id']}", json={"start": days(40), "end": days(70), "preferred": False}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["start"], changed.json()["end"], changed.json()["preferred"]) == (days(40), days(70), False)

    deleted = await client.delete(f"/api/volunteers/me/windows/{window['id']}")
    assert deleted.status_code == 204
    assert [w["start"] for w in (await client.get("/api/volunteers/me/windows")).json()] == [days(1)]
    assert (await client.delete(f"/api/volunteers/me/windows/{window['id']}")).status_code == 404


async def test_bad_windows_name_the_field_and_store_nothing(make_person: Any, profile_body: Any) -> None:
    client, _ = await make_person("bad@example.org", profile=profile_body())
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"start": days(20), "end": days(10)}, "end", "on or after"),
        ({"start": days(-1), "end": days(10)}, "start", "past"),
        ({"start": days(10), "end": days(2 * 366 + 1)}, "end", "two years"),
        ({"start": "2027-02-30", "end": days(10)}, "start", ""),
        ({"start": days(1), "end": days(2), "source": "ics"}, "source", ""),
    ]
    for body, field, words in cases:
        response = await client.post("/api/volunteers/me/windows", json=body)
        assert response.status_code == 400, (body, response.text)
        assert field in response.text
        assert words in response.text
    assert await AvailabilityWindow.count() == 0


async def test_overlapping_windows_are_refused_naming_the_other(make_person: Any, profile_body: Any) -> None:
    client, _ = await make_person("ovl@example.org", profile=profile_body())
    first = (await client.post("/api/volunteers/me/windows", json={"start": days(10), "end": days(20)})).json()
    other = (await client.post("/api/volunteers/me/windows", json={"start": days(30), "end": days(40)})).json()
    for start, end in ((days(20), days(25)), (days(5), days(10)), (days(12), days(14)), (days(1), days(50))):
        response = await client.post("/api/volunteers/me/windows", json={"start": start, "end": end})
        assert response.status_code == 409, response.text
        assert days(10) in response.json()["detail"]
        assert days(20) in response.json()["detail"]
    moved = await client.put(f"/api/volunteers/me/windows/{other['id']}", json={"start": days(15), "end": days(35)})
    assert moved.status_code == 409
    assert f"from {days(10)} to {days(20)}" in moved.json()["detail"]
    # a window may overlap its own old dates
    grown = await client.put(f"/api/volunteers/me/windows/{first['id']}", json={"start": days(10), "end": days(25)})
    assert grown.status_code == 200
    assert await AvailabilityWindow.count() == 2


async def test_someone_elses_window_is_not_found(make_person: Any, profile_body: Any, client: Client) -> None:
    owner, _ = await make_person("owner@example.org", profile=profile_body())
    window = (await owner.post("/api/volunteers/me/windows", json={"start": days(1), "end": days(5)})).json()
    other, _ = await make_person("other@example.org", profile=profile_body())
    coordinator, _ = await make_person("coord@example.org", roles=["coordinator"])
    body = {"start": days(2), "end": days(3)}
    assert (await other.put(f"/api/volunteers/me/windows/{window['id']}", json=body)).status_code == 404
    assert (await other.delete(f"/api/volunteers/me/windows/{window['id']}")).status_code == 404
    assert (await other.get("/api/volunteers/me/windows")).json() == []
    assert (await coordinator.delete(f"/api/volunteers/me/windows/{window['id']}")).status_code == 403
    assert (await client.get("/api/volunteers/me/windows")).status_code == 401
    stored = await AvailabilityWindow.select().first()
    assert (stored["start"].isoformat(), stored["end"].isoformat()) == (days(1), days(5))


async def test_concurrent_overlapping_windows_store_one(make_person: Any, profile_body: Any) -> None:
    client, _ = await make_person("race@example.org", profile=profile_body())
    body = {"start": days(10), "end": days(20)}
    responses = await asyncio.gather(*[client.post("/api/volunteers/me/windows", json=body) for _ in range(8)])
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    assert await AvailabilityWindow.count() == 1
