"""Trips made by a real round approval, followed through the pages (forms, no JavaScript)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from programs import small_program
from round_steps import open_and_freeze, run_round
from tripkit import GOOD_REPORT, actor, days, make_contact, make_trip, organization_id, request_status, trip

from giveback.accounts.sessions import load_session, start_session
from giveback.hosts.services import list_requests_for_matching
from giveback.trips.report_tables import TripReport

Client = httpx.AsyncClient
HTML = {"accept": "text/html"}


async def sign_in(client: Client, person_id: int) -> None:
    raw = await start_session(person_id)
    user = await load_session(raw)
    assert user is not None
    client.cookies.set("giveback_session", raw, domain="testserver.local")
    client.headers["X-CSRF-Token"] = user.csrf_token


async def test_an_approved_round_makes_trips_and_a_cancelled_one_goes_back_to_the_pool(
    client: Client, new_client: Callable[[], Client]
) -> None:
    program = await small_program()
    await actor(client, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    run = await run_round(client, round_id)
    approved = await client.post(f"/api/runs/{run['id']}/approve", json={})
    assert approved.status_code == 201, approved.text
    trip_ids = approved.json()["trips"]
    assert len(trip_ids) == 2

    trips = (await client.get("/api/trips")).json()
    assert {t["id"] for t in trips} == set(trip_ids)
    first = next(t for t in trips if t["id"] == trip_ids[0])
    volunteer = new_client()
    await sign_in(volunteer, first["members"][0]["person_id"])
    assert [t["id"] for t in (await volunteer.get("/api/trips")).json()] == [first["id"]]

    cancelled = await client.post(f"/api/trips/{first['id']}/cancel", json={"reason": "host withdrew"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["trip"]["sequence"] == first["sequence"] + 1
    assert await request_status(first["request_id"]) == "accepted"
    matchable = {r.id for r in await list_requests_for_matching()}
    assert first["request_id"] in matchable  # the next round can match it again
    assert first["request_id"] in program.requests


async def test_trip_pages_and_forms(client: Client, new_client: Callable[[], Client]) -> None:
    volunteer_id = await actor(client, "vol@example.org", ["volunteer"])
    trip_id, request_id = await make_trip(status="completed", start=days(-12), length=5, members=[volunteer_id])
    listing = await client.get("/trips/", headers=HTML)
    assert listing.status_code == 200
    assert f'href="/trips/{trip_id}"' in listing.text
    shown = await client.get(f"/trips/{trip_id}", headers=HTML)
    assert "Your report on this visit" in shown.text
    assert "Coordinator actions" not in shown.text

    form = {
        "csrf_token": client.headers["X-CSRF-Token"],
        "lectures": "3",
        "lecture_hours": "250",
        "case_topic_0": "venous",
        "case_role_0": "assisted",
        "case_count_0": "2",
        "physicians": "10",
        "rating_overall": "4",
        "rating_teaching": "4",
        "rating_logistics": "3",
    }
    refused = await client.post(f"/trips/{trip_id}/reports/volunteer", data=form, headers=HTML)
    assert refused.status_code == 400
    assert "Enter a number of at most 200" in refused.text
    assert await TripReport.count() == 0
    filed = await client.post(f"/trips/{trip_id}/reports/volunteer", data={**form, "lecture_hours": "6"}, headers=HTML)
    assert filed.status_code == 303, filed.text
    report = await TripReport.select().output(load_json=True).first()
    assert report["cases"] == [{"topic": "venous", "role": "assisted", "count": 2}]
    assert report["lecture_hours"] == 6

    coordinator = new_client()
    await actor(coordinator, "coord@example.org", ["coordinator"])
    upcoming, _ = await make_trip(status="confirmed", start=days(20), members=[volunteer_id])
    page = await coordinator.get(f"/trips/{upcoming}", headers=HTML)
    assert "Coordinator actions" in page.text
    token = coordinator.headers["X-CSRF-Token"]
    no_reason = await coordinator.post(
        f"/trips/{upcoming}/actions", data={"csrf_token": token, "action": "cancel", "reason": ""}, headers=HTML
    )
    assert no_reason.status_code == 400
    assert "say why the trip is cancelled" in no_reason.text
    assert (await trip(upcoming))["status"] == "confirmed"
    moved = await coordinator.post(
        f"/trips/{upcoming}/actions",
        data={"csrf_token": token, "action": "postpone", "reason": "monsoon", "start": "", "end": ""},
        headers=HTML,
    )
    assert moved.status_code == 303
    timeline = await coordinator.get(f"/trips/{upcoming}", headers=HTML)
    assert "monsoon" in timeline.text and "confirmed → postponed" in timeline.text
    forbidden = await client.post(
        f"/trips/{upcoming}/actions",
        data={"csrf_token": client.headers["X-CSRF-Token"], "action": "cancel"},
        headers=HTML,
    )
    assert forbidden.status_code == 403
    assert request_id


async def test_host_evaluation_form_and_outstanding_page(client: Client, new_client: Callable[[], Client]) -> None:
    host_id = await actor(client, "host@example.org", ["host"])
    await make_contact(host_id, await organization_id("SoBRICE"))
    trip_id, _ = await make_trip(status="completed", start=days(-12), length=5)
    page = await client.get(f"/trips/{trip_id}", headers=HTML)
    assert "Your evaluation of this visit" in page.text
    coordinator = new_client()
    await actor(coordinator, "coord@example.org", ["coordinator"])
    outstanding = await coordinator.get("/coordinator/reports", headers=HTML)
    assert f"/coordinator/reports/{trip_id}/remind" in outstanding.text
    sent = await coordinator.post(
        f"/coordinator/reports/{trip_id}/remind", data={"csrf_token": coordinator.headers["X-CSRF-Token"]}, headers=HTML
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/coordinator/reports?sent=2"  # the volunteer and the host contact
    evaluation = {
        "csrf_token": client.headers["X-CSRF-Token"],
        **{k: str(v) for k, v in GOOD_REPORT.items() if k != "cases"},
    }
    assert (await client.post(f"/trips/{trip_id}/reports/host", data=evaluation, headers=HTML)).status_code == 303
    assert (await client.get("/coordinator/reports", headers=HTML)).status_code == 403


async def test_a_person_filing_both_reports_gets_two_forms_with_their_own_field_ids(client: Client) -> None:
    both_id = await actor(client, "both@example.org", ["volunteer", "host"])
    await make_contact(both_id, await organization_id("SoBRICE"))
    trip_id, _ = await make_trip(status="completed", start=days(-12), length=5, members=[both_id])
    page = (await client.get(f"/trips/{trip_id}", headers=HTML)).text
    assert "Your report on this visit" in page and "Your evaluation of this visit" in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in set(ids) if ids.count(i) > 1)
    assert 'id="f-lectures"' in page and 'id="f-host-lectures"' in page

    form = {k: str(v) for k, v in GOOD_REPORT.items() if k != "cases"}
    refused = await client.post(
        f"/trips/{trip_id}/reports/host",
        data={"csrf_token": client.headers["X-CSRF-Token"], **form, "lectures": "501"},
        headers=HTML,
    )
    assert refused.status_code == 400
    # The summary leads to the evaluation's field, where the message stands.
    assert '<a href="#f-host-lectures">Lectures given</a>' in refused.text
    assert 'id="f-host-lectures"' in refused.text and 'aria-describedby="e-host-lectures"' in refused.text
