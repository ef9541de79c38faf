"""Round after round: a second round respects the trips the first one made (days, gap and yearly limits), stale
pins, exclusions and vetoes are dropped at freezing and listed, and a run never dies of its own problem.

The program has the shapes real ones bring: a team request, volunteers with several trips a year and with one,
names short, accented, Arabic and Chinese.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import httpx
import pytest
from trip_factory import (
    host_request,
    link_token,
    make_contact,
    make_trip,
    member_ids,
    organization_id,
    person,
    signed_in,
    volunteer_profile,
)

from giveback.accounts.passwords import hash_password
from giveback.accounts.tables import Person
from giveback.calendars.invites import about_trip
from giveback.mail.tables import OutboxMessage
from giveback.rounds import mapping
from giveback.rounds.tables import RoundAdjustment, SolverRun
from giveback.rounds.worker import work_once
from giveback.trips import booked
from giveback.trips.bookings import bookings_of, yearly_limits

Client = httpx.AsyncClient
HTML = {"accept": "text/html"}
SPRING = (date(2031, 2, 1), date(2031, 6, 29))
NAMES = {"ana": "Ana Souza", "amina": "أمينة الحسن", "wei": "王伟", "zoe": "Zoë Ørsted", "li": "Li"}
CAPS = {"ana": 2, "amina": 1, "wei": 2, "zoe": 1, "li": 3}


@dataclass
class Program:
    coordinator: Client
    host: Client
    volunteers: dict[str, int]
    requests: list[int]


async def add_requests(count: int, *, team_of_two: bool = False, title: str = "Venous teaching") -> list[int]:
    made = []
    for number in range(count):
        made.append(
            await host_request(
                title=f"{title} {number + 1}",
                length=7,
                team_size=2 if team_of_two and number == 0 else 1,
                topics=("venous",),
                windows=[SPRING],
            )
        )
    return made


@pytest.fixture
async def program(new_client: Callable[[], Client]) -> Program:
    coordinator, host = new_client(), new_client()
    await signed_in(coordinator, "coord@example.org", ["coordinator"], name="Cora")
    host_id = await signed_in(host, "host@example.org", ["host"], name="Hana")
    await make_contact(host_id, await organization_id("SoBRICE"))
    volunteers = {}
    for key, name in NAMES.items():
        volunteers[key] = await person(f"{key}@example.org", name=name)
        await volunteer_profile(
            volunteers[key], windows=[SPRING], trips_per_year=CAPS[key], expertise={"venous": 3}, languages=("en", "pt")
        )
    return Program(coordinator, host, volunteers, await add_requests(4, team_of_two=True))


async def open_round(client: Client, name: str, start: date = date(2031, 1, 6), end: date = date(2031, 12, 28)) -> int:
    created = await client.post(
        "/api/rounds",
        json={
            "name": name,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "settings": {"time_limit_seconds": 5},
        },
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def freeze(client: Client, round_id: int) -> dict:
    frozen = await client.post(f"/api/rounds/{round_id}/freeze")
    assert frozen.status_code == 201, frozen.text
    return frozen.json()


async def run(client: Client, round_id: int) -> dict:
    queued = await client.post(f"/api/rounds/{round_id}/runs", json={"workers": 1})
    assert queued.status_code == 201, queued.text
    assert await work_once("test-worker")
    finished = (await client.get(f"/api/runs/{queued.json()['id']}")).json()
    assert finished["status"] == "succeeded", finished
    return finished


async def approve(client: Client, run_id: int) -> httpx.Response:
    return await client.post(f"/api/runs/{run_id}/approve", json={})


async def assert_nobody_overbooked(people: list[int]) -> None:
    places = await bookings_of(people)
    limits = await yearly_limits(people)
    for person_id, trips in places.items():
        years = Counter(b.start.year for b in trips if b.counts)
        assert all(count <= limits[person_id] for count in years.values()), (person_id, years)
        for trip in trips:
            assert booked.clash(trips, trip.start, trip.end, 14, other_than=trip.trip_id) is None, (person_id, trip)


async def test_a_second_round_proposes_no_booked_days_keeps_yearly_limits_and_approves_everything(
    program: Program,
) -> None:
    client = program.coordinator
    first = await open_round(client, "Spring 2031")
    await freeze(client, first)
    proposed = await run(client, first)
    approved = await approve(client, proposed["id"])
    assert approved.status_code == 201, approved.text
    assert approved.json()["refused"] == {} and len(approved.json()["trips"]) == 4
    people = list(program.volunteers.values())
    before = await bookings_of(people)
    on_a_trip = {p for p, trips in before.items() if trips}
    assert sum(len(trips) for trips in before.values()) == 5  # four requests, one of them a team of two

    await add_requests(4, title="Second call")
    second = await open_round(client, "Spring 2031, second call")
    frozen = await freeze(client, second)
    left_out = {b["person_id"]: b for b in frozen["booked"] if b["left_out"]}
    # everyone whose yearly limit is used up is left out, with the reason
    limits = await yearly_limits(people)
    capped = {p for p in on_a_trip if len(before[p]) >= limits[p]}
    assert capped and capped == set(left_out)
    for person_id in capped:
        used = len(before[person_id])
        assert left_out[person_id]["reasons"][-1] == f"yearly limit reached: {used} of {limits[person_id]} in 2031"
    assert {b["name"] for b in frozen["booked"]} == {n for k, n in NAMES.items() if program.volunteers[k] in on_a_trip}
    problem = (await client.get(f"/api/rounds/{second}/problem")).json()
    entries = mapping.entries_by_id(problem, "volunteers")
    for person_id in on_a_trip - capped:
        entry = entries[mapping.volunteer_key(person_id)]
        assert entry["max_trips"] == limits[person_id] - len(before[person_id])
        for window in entry["availability"]:
            first_day, last_day = date.fromisoformat(window["start"]), date.fromisoformat(window["end"])
            assert booked.clash(before[person_id], first_day, last_day, 14) is None  # no booked day offered

    result = await run(client, second)
    review = (await client.get(f"/api/runs/{result['id']}/proposals")).json()
    assert review["proposals"], review
    for proposal in review["proposals"]:
        for member in proposal["members"]:
            assert member["person_id"] not in capped
            start, end = date.fromisoformat(proposal["start"]), date.fromisoformat(proposal["end"])
            assert booked.clash(before[member["person_id"]], start, end, 14) is None

    approved = await approve(client, result["id"])
    assert approved.status_code == 201, approved.text
    assert approved.json()["refused"] == {}  # nothing refused for being booked
    await assert_nobody_overbooked(people)
    page = await client.get(f"/coordinator/rounds/{second}", headers=HTML)
    assert page.status_code == 200 and "Volunteers left out: already booked" in page.text
    for person_id in capped:
        name = next(NAMES[k] for k, v in program.volunteers.items() if v == person_id)
        assert f"<strong>{name}</strong>: " in page.text


async def test_approval_onto_booked_days_is_a_409_naming_the_other_trip_and_changes_nothing(program: Program) -> None:
    client = program.coordinator
    round_id = await open_round(client, "Spring 2031")
    await freeze(client, round_id)
    result = await run(client, round_id)
    review = (await client.get(f"/api/runs/{result['id']}/proposals")).json()
    proposal = next(p for p in review["proposals"] if len(p["members"]) == 1)
    volunteer = proposal["members"][0]["person_id"]
    # after the freeze, the volunteer is put on another trip on the same days (say, another round's approval)
    other, _ = await make_trip(status="invited", start=date.fromisoformat(proposal["start"]), members=[volunteer])
    trips_before = await SolverRun.select(SolverRun.approved_at).where(SolverRun.id == result["id"]).first()

    refused = await approve(client, result["id"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "volunteers"
    name = (await Person.select(Person.name).where(Person.id == volunteer).first())["name"]
    assert name in refused.json()["detail"] and "on a trip" in refused.json()["detail"]
    assert (await SolverRun.select(SolverRun.approved_at).where(SolverRun.id == result["id"]).first()) == trips_before
    assert [b.trip_id for b in (await bookings_of([volunteer]))[volunteer]] == [other]


@pytest.mark.parametrize("case", ["veto then withdraw", "pin then decline", "pinned volunteer deletes the account"])
async def test_a_stale_adjustment_is_dropped_at_freezing_listed_and_the_next_run_succeeds(
    program: Program, case: str, new_client: Callable[[], Client]
) -> None:
    client, host = program.coordinator, program.host
    round_id = await open_round(client, "Spring 2031")
    await freeze(client, round_id)
    first = await run(client, round_id)
    review = (await client.get(f"/api/runs/{first['id']}/proposals")).json()
    proposal = next(p for p in review["proposals"] if len(p["members"]) == 1)
    request_id, member = proposal["request_id"], proposal["members"][0]
    if case == "veto then withdraw":
        vetoed = await host.post(
            f"/api/rounds/{round_id}/vetoes",
            json={"volunteer": member["volunteer"], "request": proposal["request"], "reason": "conflict of interest"},
        )
        assert vetoed.status_code == 201, vetoed.text
        assert (await host.post(f"/api/requests/{request_id}/withdraw")).status_code == 200
        why = "its host withdrew the request"
    elif case == "pin then decline":
        pinned = await client.post(
            f"/api/rounds/{round_id}/pins",
            json={"request": proposal["request"], "start": proposal["start"], "volunteers": [member["volunteer"]]},
        )
        assert pinned.status_code == 201, pinned.text
        assert (await host.post(f"/api/requests/{request_id}/withdraw")).status_code == 200
        assert (await host.post(f"/api/requests/{request_id}/submit")).status_code == 200
        declined = await client.post(f"/api/requests/{request_id}/decline", json={"reason": "outside the program"})
        assert declined.status_code == 200, declined.text
        why = "the request was declined"
    else:
        pinned = await client.post(
            f"/api/rounds/{round_id}/pins",
            json={"request": proposal["request"], "start": proposal["start"], "volunteers": [member["volunteer"]]},
        )
        assert pinned.status_code == 201, pinned.text
        leaving = new_client()
        await Person.update({Person.password_hash: await hash_password("a long password")}).where(
            Person.id == member["person_id"]
        )
        await signed_in_as(leaving, member["person_id"])
        gone = await leaving.request("DELETE", "/api/me/account", json={"password": "a long password"})
        assert gone.status_code == 204, gone.text
        why = "the volunteer deleted their account"

    frozen = await freeze(client, round_id)
    assert frozen["adjustments"] == []
    (dropped,) = frozen["dropped"]
    assert dropped["reason"] == why
    assert dropped["request"] == proposal["request"] and dropped["volunteers"] == [member["volunteer"]]
    assert await RoundAdjustment.count().where(RoundAdjustment.round == round_id) == 0
    again = await run(client, round_id)
    assert again["error"] == ""
    page = await client.get(f"/coordinator/rounds/{round_id}", headers=HTML)
    assert page.status_code == 200 and why in page.text and "Pins, exclusions and vetoes dropped" in page.text


async def signed_in_as(client: Client, person_id: int) -> None:
    from giveback.accounts.sessions import load_session, start_session

    raw = await start_session(person_id)
    user = await load_session(raw)
    assert user is not None
    client.cookies.set("giveback_session", raw, domain="testserver.local")
    client.headers["X-CSRF-Token"] = user.csrf_token


async def test_a_withdrawn_requests_proposal_vanishes_with_a_notice(program: Program) -> None:
    client, host = program.coordinator, program.host
    round_id = await open_round(client, "Spring 2031")
    await freeze(client, round_id)
    result = await run(client, round_id)
    review = (await client.get(f"/api/runs/{result['id']}/proposals")).json()
    gone = review["proposals"][0]
    assert (await host.post(f"/api/requests/{gone['request_id']}/withdraw")).status_code == 200

    after = await client.get(f"/api/runs/{result['id']}/proposals")
    assert after.status_code == 200, after.text
    assert gone["request"] not in {p["request"] for p in after.json()["proposals"]}
    assert [(w["request"], w["reason"]) for w in after.json()["withdrawn"]] == [
        (gone["request"], "its host withdrew it")
    ]
    page = await client.get(f"/coordinator/rounds/{round_id}", headers=HTML)
    assert page.status_code == 200 and "is no longer shown: its host withdrew it" in page.text
    approved = await approve(client, result["id"])
    assert approved.status_code == 201 and list(approved.json()["refused"]) == [gone["request"]]


async def test_a_run_whose_problem_cannot_be_loaded_fails_at_once_and_starting_one_is_refused(program: Program) -> None:
    client = program.coordinator
    round_id = await open_round(client, "Spring 2031")
    await freeze(client, round_id)
    # an adjustment left behind by an older version: its request is not in the snapshot
    await RoundAdjustment.insert(
        RoundAdjustment(
            round=round_id,
            kind="veto",
            request_key="r-999999",
            volunteer_keys=[mapping.volunteer_key(program.volunteers["li"])],
            reason="old",
        )
    )
    refused = await client.post(f"/api/rounds/{round_id}/runs", json={"workers": 1})
    assert refused.status_code == 409, refused.text
    assert "unknown request id" in refused.json()["detail"] and "freeze the round again" in refused.json()["detail"]
    assert await SolverRun.count().where(SolverRun.round == round_id) == 0

    problem = (await client.get(f"/api/rounds/{round_id}/problem")).json()
    await SolverRun.insert(SolverRun(round=round_id, status="queued", input_hash="x", problem=problem, time_limit=5.0))
    assert await work_once("test-worker")
    (failed,) = (await client.get(f"/api/rounds/{round_id}/runs")).json()
    assert failed["status"] == "failed"
    assert "unknown request id" in failed["error"] and "stopped responding" not in failed["error"]
    assert (await client.get(f"/api/runs/{failed['id']}/proposals")).status_code == 200
    assert (await client.get(f"/coordinator/rounds/{round_id}", headers=HTML)).status_code == 200
    frozen = await freeze(client, round_id)
    assert [d["reason"] for d in frozen["dropped"]] == ["the request was deleted"]
    await run(client, round_id)


async def answer(client: Client, member_id: int, answer: str, settings) -> httpx.Response:
    token = await link_token(settings, member_id, answer)
    return await client.post(f"/api/invites/{token}", json={})


async def test_a_decline_frees_the_place_and_the_round_finds_and_approves_a_replacement(
    program: Program, settings, new_client: Callable[[], Client]
) -> None:
    client = program.coordinator
    round_id = await open_round(client, "Spring 2031")
    await freeze(client, round_id)
    result = await run(client, round_id)
    assert (await approve(client, result["id"])).status_code == 201
    trips = (await client.get("/api/trips")).json()
    team = next(t for t in trips if len(t["members"]) == 2)
    single = next(t for t in trips if len(t["members"]) == 1)
    anyone = new_client()

    # one of a team declines: the others stay, one place is free on the same dates
    leaving = team["members"][0]["person_id"]
    places = await member_ids(team["id"])
    assert (await answer(anyone, places[leaving], "decline", settings)).status_code == 200
    # the only volunteer of another trip declines: the trip is declined, its request back in the pool
    alone = single["members"][0]["person_id"]
    assert (await answer(anyone, (await member_ids(single["id"]))[alone], "decline", settings)).status_code == 200
    free = {p["trip_id"]: p for p in (await client.get(f"/api/rounds/{round_id}/places")).json()}
    assert set(free) == {team["id"], single["id"]}
    assert (free[team["id"]]["missing"], free[team["id"]]["trip_status"]) == (1, "invited")
    assert free[single["id"]]["trip_status"] == "declined"
    page = await client.get(f"/coordinator/rounds/{round_id}", headers=HTML)
    assert "Free places after declines" in page.text and "Find a replacement" in page.text

    for trip, decliner in ((team, leaving), (single, alone)):
        queued = await client.post(f"/api/rounds/{round_id}/replacements", json={"trip_id": trip["id"]})
        assert queued.status_code == 201, queued.text
        assert (queued.json()["kind"], queued.json()["trip_id"], queued.json()["warm_from"]) == (
            "replacement",
            trip["id"],
            result["id"],
        )
        again = await client.post(f"/api/rounds/{round_id}/replacements", json={"trip_id": trip["id"]})
        assert again.status_code == 409  # one search at a time
        assert await work_once("test-worker")
        place = next(
            p for p in (await client.get(f"/api/rounds/{round_id}/places")).json() if p["trip_id"] == trip["id"]
        )
        assert place["run"]["status"] == "succeeded", place
        candidates = place["candidates"]
        assert candidates and candidates[0]["proposed"]
        assert decliner not in {c["person_id"] for c in candidates}  # the decliner is excluded
        scores = [c["score"] for c in candidates if not c["proposed"]]
        assert scores == sorted(scores, reverse=True)  # the best free volunteers first
        approved = await client.post(f"/api/runs/{queued.json()['id']}/approve", json={})
        assert approved.status_code == 201, approved.text
        await assert_nobody_overbooked(list(program.volunteers.values()))

    joined = (await client.get(f"/api/trips/{team['id']}")).json()["trip"]
    assert joined["status"] == "invited"
    before = {m["person_id"] for m in team["members"]}
    (newcomer,) = [m for m in joined["members"] if m["person_id"] not in before]
    assert newcomer["response"] == "pending" and len(joined["members"]) == 3
    email = (await Person.select(Person.email).where(Person.id == newcomer["person_id"]).first())["email"]
    invite = await OutboxMessage.select(OutboxMessage.content).where(
        (OutboxMessage.about == about_trip(team["id"]))
        & (OutboxMessage.recipient == email)
        & (OutboxMessage.method == "REQUEST")
    )
    assert invite and "/invites/" in invite[-1]["content"]
    reopened = [t for t in (await client.get("/api/trips")).json() if t["request_id"] == single["request_id"]]
    assert sorted(t["status"] for t in reopened) == ["declined", "invited"]
    assert (await client.get(f"/api/rounds/{round_id}/places")).json() == []
    refused = await client.post(f"/api/rounds/{round_id}/replacements", json={"trip_id": team["id"]})
    assert refused.status_code == 400 and refused.json()["field"] == "trip_id"
