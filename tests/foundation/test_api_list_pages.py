"""The trips, rounds, runs and feeds API lists page by keyset: every record once, in the list's order, the filters
kept in the ``Link`` header, a tampered cursor refused naming the field."""

from __future__ import annotations

import re
from datetime import date

import httpx
from trip_factory import days, make_contact, make_trip, organization_id, person, signed_in

from giveback.rounds.tables import MatchRound, SolverRun


async def walk(client: httpx.AsyncClient, url: str, kept: str = "") -> list[list[int]]:
    """Every page's ids, following the ``Link: rel=next`` headers (each keeps the query ``kept``)."""
    pages = []
    while url:
        answer = await client.get(url)
        assert answer.status_code == 200, answer.text
        pages.append([item["id"] for item in answer.json()])
        link = answer.headers.get("link", "")
        url = re.sub(r'^<http://testserver\.local(/[^>]+)>; rel="next"$', r"\1", link) if link else ""
        assert not url or kept in url
    return pages


async def test_trips_page_latest_first_with_ties_and_filters(client: httpx.AsyncClient) -> None:
    vera = await person("vera@example.org", name="Véra Núñez")
    same_day = days(40)
    made = [
        (await make_trip(status=status, start=start, members=[vera] if mine else ()))[0]
        for status, start, mine in [
            ("invited", same_day, True), ("confirmed", days(90), False), ("invited", same_day, False),
            ("confirmed", days(120), True), ("invited", days(10), True), ("invited", days(200), False),
            ("invited", same_day, False), ("confirmed", same_day, False),
        ]
    ]  # fmt: skip
    await signed_in(client, "carla@example.org", ["coordinator"])
    pages = await walk(client, "/api/trips?limit=3", kept="limit=3")
    assert [len(page) for page in pages] == [3, 3, 2]
    seen = [trip for page in pages for trip in page]
    everything = (await client.get("/api/trips", params={"limit": 500})).json()
    assert seen == [t["id"] for t in everything] and sorted(seen) == sorted(made)
    order = [(date.fromisoformat(t["start"]), t["id"]) for t in everything]
    assert order == sorted(order, reverse=True)  # the latest first day first, then the newest trip
    assert sum(start == same_day for start, _ in order) == 4  # ties on the first day, split across pages
    invited = await walk(client, "/api/trips?status=invited&limit=2", kept="status=invited")
    assert sorted(t for page in invited for t in page) == sorted(
        t["id"] for t in everything if t["status"] == "invited"
    )
    refused = await client.get("/api/trips", params={"cursor": "not-a-cursor"})
    assert refused.status_code == 400 and "cursor" in refused.text

    client.cookies.clear()
    await signed_in_as(client, vera)  # a volunteer's pages hold only their own trips
    own = await walk(client, "/api/trips?limit=2")
    assert sorted(t for page in own for t in page) == sorted([made[0], made[3], made[4]])


async def signed_in_as(client: httpx.AsyncClient, person_id: int) -> None:
    from giveback.accounts.sessions import load_session, start_session

    raw = await start_session(person_id)
    user = await load_session(raw)
    assert user is not None
    client.cookies.set("giveback_session", raw, domain="testserver.local")
    client.headers["X-CSRF-Token"] = user.csrf_token


async def test_rounds_runs_and_feeds_page_newest_first(client: httpx.AsyncClient) -> None:
    carla = await signed_in(client, "carla@example.org", ["coordinator", "host"])
    rounds = [
        int((await MatchRound.insert(MatchRound(name=f"Runde {i}", period_start=date(2031, 1, 6),
                                                period_end=date(2031, 6, 1), settings={}, created_by=carla)))[0]["id"])
        for i in range(5)
    ]  # fmt: skip
    assert await walk(client, "/api/rounds?limit=2") == [rounds[:2:-1][:2], rounds[2:0:-1], [rounds[0]]]
    runs = [
        int((await SolverRun.insert(SolverRun(round=rounds[1], input_hash="x", status="failed")))[0]["id"])
        for _ in range(3)
    ]
    await SolverRun.insert(SolverRun(round=rounds[2], input_hash="x", status="failed"))
    assert await walk(client, f"/api/rounds/{rounds[1]}/runs?limit=2") == [[runs[2], runs[1]], [runs[0]]]
    missing = await client.get("/api/rounds/999999/runs", params={"limit": 2})
    assert missing.status_code == 404

    await make_contact(carla, await organization_id("SoBRICE"))
    feeds = []
    for body in ({"kind": "personal"}, {"kind": "program"},
                 {"kind": "organization", "organization_id": await organization_id("SoBRICE")}):  # fmt: skip
        created = await client.post("/api/calendar/feeds", json=body)
        assert created.status_code == 201, created.text
        feeds.append(created.json()["feed"]["id"])
    assert await walk(client, "/api/calendar/feeds?limit=2") == [feeds[:2], feeds[2:]]
    too_many = await client.get("/api/calendar/feeds", params={"limit": 501})
    assert too_many.status_code == 400 and "limit" in too_many.text
