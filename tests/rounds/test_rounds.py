"""A coordinator's round from opening to approved trips, through the API, with the worker in-process."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import httpx
from helpers import member
from programs import PERIOD_START, Program, make_contact
from round_steps import ROUND, open_and_freeze, run_round

from giveback.calendars.invites import about_trip
from giveback.hosts.tables import HostRequest
from giveback.mail.tables import OutboxMessage
from giveback.rounds.tables import SolverRun
from giveback.trips.tables import Trip, TripMember


async def test_open_freeze_run_review_adjust_rerun_and_approve(
    client: httpx.AsyncClient, inbox, program: Program
) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    shown = (await client.get(f"/api/rounds/{round_id}")).json()
    assert (shown["volunteers"], shown["requests"]) == (3, 3)

    first = await run_round(client, round_id)
    assert first["solver_status"] == "optimal"
    assert first["objective"] == first["bound"]
    review = (await client.get(f"/api/runs/{first['id']}/proposals")).json()
    proposals = {p["request"]: p for p in review["proposals"]}
    onco, veins, japanese = (f"r-{r}" for r in program.requests)
    assert set(proposals) == {onco, veins}
    assert proposals[onco]["members"][0]["volunteer"] == f"v-{program.volunteers[0]}"
    breakdown = proposals[onco]["members"][0]["score"]
    assert set(breakdown) >= {"expertise", "primary_need", "first_language", "host_preferred_dates"}
    assert breakdown["expertise"] == 600
    assert [u["request"] for u in review["unmatched"]] == [japanese]
    assert any("ja" in reason for reason in review["unmatched"][0]["reasons"])
    assert {c["volunteer"]: c["proposed"] for c in review["capacity"]}[f"v-{program.volunteers[2]}"] == 0

    pin = await client.post(
        f"/api/rounds/{round_id}/pins",
        json={"request": onco, "start": proposals[onco]["start"], "volunteers": [f"v-{program.volunteers[0]}"]},
    )
    assert pin.status_code == 201, pin.text
    excluded = await client.post(
        f"/api/rounds/{round_id}/exclusions", json={"volunteer": f"v-{program.volunteers[1]}", "request": veins}
    )
    assert excluded.status_code == 201
    second = await run_round(client, round_id)
    assert second["warm_from"] == first["id"]
    again = (await client.get(f"/api/runs/{second['id']}/proposals")).json()
    staffed = {p["request"]: [m["volunteer"] for m in p["members"]] for p in again["proposals"]}
    assert staffed[onco] == [f"v-{program.volunteers[0]}"]
    assert staffed[veins] == [f"v-{program.volunteers[2]}"]
    assert again["changes"]["restaffed"] == [veins]
    assert {p["request"]: p["pinned"] for p in again["proposals"]}[onco] is True

    stale = await client.post(f"/api/runs/{first['id']}/approve", json={})
    assert stale.status_code == 409
    approved = await client.post(f"/api/runs/{second['id']}/approve", json={})
    assert approved.status_code == 201, approved.text
    assert len(approved.json()["trips"]) == 2
    assert approved.json()["refused"] == {}
    trips = await Trip.select().order_by(Trip.id)
    assert [t["request"] for t in trips] == program.requests[:2]
    assert all(t["uid"].endswith("@testserver.local") for t in trips)
    assert await HostRequest.count().where(HostRequest.status == "matched") == 2
    invites = await OutboxMessage.select(OutboxMessage.about, OutboxMessage.method, OutboxMessage.recipient).where(
        OutboxMessage.method != ""  # the calendar messages (the notices of the run to the hosts have none)
    )
    assert sorted((i["about"], i["method"]) for i in invites) == sorted((about_trip(t["id"]), "REQUEST") for t in trips)
    assert {t["status"] for t in await Trip.select(Trip.status)} == {"invited"}
    twice = await client.post(f"/api/runs/{second['id']}/approve", json={})
    assert twice.status_code == 409
    assert await Trip.count() == 2


async def test_pins_are_checked_against_the_rules_at_once(client: httpx.AsyncClient, inbox, program: Program) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    onco = f"r-{program.requests[0]}"
    tuesday = PERIOD_START.replace(day=PERIOD_START.day + 1).isoformat()
    wrong_day = await client.post(
        f"/api/rounds/{round_id}/pins",
        json={"request": onco, "start": tuesday, "volunteers": [f"v-{program.volunteers[0]}"]},
    )
    assert wrong_day.status_code == 400
    assert "starts on a Tuesday; visits start on Monday" in wrong_day.json()["detail"]
    no_language = await client.post(
        f"/api/rounds/{round_id}/pins",
        json={
            "request": f"r-{program.requests[2]}",
            "start": PERIOD_START.isoformat(),
            "volunteers": [f"v-{program.volunteers[1]}"],
        },
    )
    assert no_language.status_code == 400
    assert "speaks none of the languages of" in no_language.json()["detail"]
    unknown = await client.post(
        f"/api/rounds/{round_id}/pins",
        json={"request": "r-999999", "start": PERIOD_START.isoformat(), "volunteers": ["v-1"]},
    )
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "request"
    assert (await client.get(f"/api/rounds/{round_id}")).json()["adjustments"] == []


async def test_bad_rounds_are_refused(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    reversed_dates = await client.post("/api/rounds", json={**ROUND, "period_end": "2030-01-01"})
    assert reversed_dates.status_code == 400
    assert reversed_dates.json()["field"] == "period_end"
    too_long = await client.post("/api/rounds", json={**ROUND, "settings": {"time_limit_seconds": 10_000}})
    assert too_long.status_code == 400
    assert "time_limit_seconds" in too_long.text
    round_id = (await client.post("/api/rounds", json=ROUND)).json()["id"]
    not_frozen = await client.post(f"/api/rounds/{round_id}/runs", json={})
    assert not_frozen.status_code == 409
    assert await SolverRun.count() == 0


async def test_hosts_see_only_their_proposals_veto_and_volunteers_see_none(
    client: httpx.AsyncClient, new_client: Callable[[], httpx.AsyncClient], inbox, program: Program
) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    run = await run_round(client, round_id)
    host = new_client()
    host_id = await member(host, inbox, "host@example.org", ["host"])
    outsider = new_client()
    await member(outsider, inbox, "other-host@example.org", ["host"])
    await make_contact(host_id, program.host_organization)
    seen = (await host.get(f"/api/runs/{run['id']}/proposals")).json()
    assert {p["request"] for p in seen["proposals"]} == {f"r-{r}" for r in program.requests[:2]}
    assert seen["capacity"] == []
    assert (await outsider.get(f"/api/runs/{run['id']}/proposals")).json()["proposals"] == []
    volunteer = new_client()
    await member(volunteer, inbox, "vol@example.org", ["volunteer"])
    assert (await volunteer.get(f"/api/runs/{run['id']}/proposals")).status_code == 403

    onco, proposed = f"r-{program.requests[0]}", f"v-{program.volunteers[0]}"
    no_reason = await host.post(f"/api/rounds/{round_id}/vetoes", json={"volunteer": proposed, "request": onco})
    assert no_reason.status_code == 400
    foreign = await outsider.post(
        f"/api/rounds/{round_id}/vetoes", json={"volunteer": proposed, "request": onco, "reason": "no"}
    )
    assert foreign.status_code == 404
    vetoed = await host.post(
        f"/api/rounds/{round_id}/vetoes",
        json={"volunteer": proposed, "request": onco, "reason": "conflict of interest"},
    )
    assert vetoed.status_code == 201
    problem = (await client.get(f"/api/rounds/{round_id}/problem")).json()
    assert {"volunteer": proposed, "request": onco} in problem["forbidden"]


async def test_fifty_concurrent_approvals_make_one_set_of_trips(
    client: httpx.AsyncClient, new_client: Callable[[], httpx.AsyncClient], inbox, program: Program
) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    second = new_client()
    await member(second, inbox, "coord2@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    run = await run_round(client, round_id)
    answers = await asyncio.gather(
        *[(client if i % 2 else second).post(f"/api/runs/{run['id']}/approve", json={}) for i in range(50)]
    )
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 1
    assert set(codes) == {201, 409}
    assert await Trip.count() == 2
    assert await TripMember.count() == 2


async def test_approval_rechecks_todays_windows(client: httpx.AsyncClient, inbox, program: Program) -> None:
    from giveback.volunteers.tables import AvailabilityWindow, VolunteerProfile

    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    run = await run_round(client, round_id)
    withdrawn = (
        await VolunteerProfile.select(VolunteerProfile.id)
        .where(VolunteerProfile.person == program.volunteers[0])
        .first()
    )
    await AvailabilityWindow.delete().where(AvailabilityWindow.profile == withdrawn["id"])
    outcome = await client.post(f"/api/runs/{run['id']}/approve", json={})
    assert outcome.status_code == 201
    refused = outcome.json()["refused"]
    assert list(refused) == [f"r-{program.requests[0]}"]
    assert "no longer has availability" in refused[f"r-{program.requests[0]}"][0]
    assert len(outcome.json()["trips"]) == 1


async def test_host_contacts_veto_from_their_proposals_page(
    client: httpx.AsyncClient, new_client: Callable[[], httpx.AsyncClient], inbox, program: Program
) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    await run_round(client, round_id)
    host = new_client()
    await make_contact(await member(host, inbox, "host@example.org", ["host"]), program.host_organization)
    page = await host.get("/host/proposals/", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "Liver tumours" in page.text
    assert re.search(r'<button type="submit" class="danger">\s*Veto\s*</button>', page.text)  # destructive: red
    token = host.headers["X-CSRF-Token"]
    onco, proposed = f"r-{program.requests[0]}", f"v-{program.volunteers[0]}"
    form = {"csrf_token": token, "volunteer": proposed, "request": onco}
    no_reason = await host.post(f"/host/proposals/{round_id}/vetoes", data=form, headers={"X-CSRF-Token": ""})
    assert no_reason.status_code == 400
    assert "say why" in no_reason.text
    vetoed = await host.post(
        f"/host/proposals/{round_id}/vetoes",
        data={**form, "reason": "conflict of interest"},
        headers={"X-CSRF-Token": ""},
    )
    assert vetoed.status_code == 303
    problem = (await client.get(f"/api/rounds/{round_id}/problem")).json()
    assert {"volunteer": proposed, "request": onco} in problem["forbidden"]
    assert "(vetoed)" in (await host.get("/host/proposals/", headers={"accept": "text/html"})).text


async def test_a_result_for_another_problem_is_refused(client: httpx.AsyncClient, inbox, program: Program) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    result = {
        "format": "giveback-match-result/1",
        "status": "feasible",
        "objective": 0,
        "bound": None,
        "visits": [],
        "unmatched": [],
        "stats": {"problem_hash": "0" * 64},
    }
    refused = await client.post(f"/api/rounds/{round_id}/results", json=result)
    assert refused.status_code == 400
    assert refused.json()["field"] == "stats.problem_hash"
    assert (await client.get(f"/api/rounds/{round_id}/runs")).json() == []
