"""The coordinators' search across people, organizations, host requests and trips."""

from __future__ import annotations

import re
from datetime import date

import httpx
from helpers import member

from giveback.accounts.tables import Person
from giveback.hosts.tables import HostRequest
from giveback.organizations.tables import Organization
from giveback.trips.tables import Trip, TripMember


async def a_trip(title: str, organization_id: int, travellers: list[int], start: date) -> int:
    request = await HostRequest.insert(
        HostRequest(organization=organization_id, title=title, country="BR", duration_days=7, status="matched")
    )
    trip = await Trip.insert(
        Trip(uid=f"{title}@test", request=request[0]["id"], start=start, end=start.replace(day=start.day + 6))
    )
    if travellers:
        await TripMember.insert(*[TripMember(trip=trip[0]["id"], person=p) for p in travellers])
    return int(trip[0]["id"])


async def test_one_text_finds_people_organizations_requests_and_trips(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "carla@example.org", ["coordinator"])
    society = (await Organization.insert(Organization(name="Sociedade Okafor de Radiologia", short_name="SOR")))[0][
        "id"
    ]
    other = (await Organization.insert(Organization(name="Hospital Italiano")))[0]["id"]
    okafor = (await Person.insert(Person(email="ada.okafor@example.org", name="Ada Okafor", password_hash="-")))[0][
        "id"
    ]
    by_traveller = await a_trip("Embolization course", other, [okafor], date(2030, 3, 2))
    by_host = await a_trip("Venous workshop", society, [], date(2030, 5, 4))
    await a_trip("Unrelated visit", other, [], date(2030, 6, 1))

    answer = await client.get("/api/search", params={"q": "OKAFOR"})
    assert answer.status_code == 200, answer.text
    groups = {g["kind"]: g for g in answer.json()}
    assert [h["name"] for h in groups["people"]["hits"]] == ["Ada Okafor"]
    assert [h["name"] for h in groups["organizations"]["hits"]] == ["Sociedade Okafor de Radiologia"]
    assert [h["title"] for h in groups["requests"]["hits"]] == ["Venous workshop"]
    assert {h["id"] for h in groups["trips"]["hits"]} == {by_traveller, by_host}
    assert next(h for h in groups["trips"]["hits"] if h["id"] == by_traveller)["members"] == ["Ada Okafor"]

    page = (await client.get("/coordinator/search", params={"q": "okafor"})).text
    assert f'href="/trips/{by_traveller}">Embolization course</a>' in page
    assert "Unrelated visit" not in page
    short = await client.get("/api/search", params={"q": "o"})
    assert short.status_code == 400 and short.json()["field"] == "q"
    assert "type at least 2 characters" in (await client.get("/coordinator/search", params={"q": "o"})).text


async def test_one_kind_pages_through_every_hit(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "carla@example.org", ["coordinator"])
    await Organization.insert(*[Organization(name=f"Clinique Lumière {i:02}") for i in range(14)])
    first = await client.get("/api/search", params={"q": "lumière"})
    organizations = next(g for g in first.json() if g["kind"] == "organizations")
    assert len(organizations["hits"]) == 10 and organizations["next_cursor"]
    seen, url = [], "/api/search/organizations?q=lumi%C3%A8re&limit=4"
    while url:
        answer = await client.get(url)
        seen += [h["name"] for h in answer.json()]
        link = answer.headers.get("link", "")
        url = re.sub(r'^<http://testserver\.local(/[^>]+)>; rel="next"$', r"\1", link) if link else ""
    assert seen == [f"Clinique Lumière {i:02}" for i in range(14)]
    page = (await client.get("/coordinator/search", params={"q": "lumière"})).text
    assert "Every organization that matches" in page
    assert (await client.get("/api/search/pilots", params={"q": "lumière"})).status_code == 400
