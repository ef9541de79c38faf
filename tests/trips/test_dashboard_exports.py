"""The program dashboard (public aggregates, coordinator filters), reminders by hand, and the exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from tripkit import GOOD_REPORT, actor, days, make_contact, make_trip, organization_id, trip

import giveback
from giveback.calendars.invites import about_trip
from giveback.mail.sender import drain_outbox
from giveback.mail.tables import OutboxMessage
from giveback.trips.exports import REPORT_COLUMNS, TRIP_COLUMNS
from giveback.trips.tables import Trip

Client = httpx.AsyncClient


@pytest.fixture
async def coordinator(new_client: Callable[[], Client]) -> Client:
    made = new_client()
    await actor(made, "coord@example.org", ["coordinator"])
    return made


def series(body: dict, name: str) -> dict[str, int]:
    return {point["label"]: point["value"] for point in body[name]}


async def test_dashboard_numbers_move_after_a_report(client: Client, coordinator: Client, new_client) -> None:
    volunteer_id = await actor(client, "vol@example.org", ["volunteer"])
    other = await actor(None, "second@example.org", ["volunteer"])
    host = new_client()
    host_id = await actor(host, "host@example.org", ["host"])
    await make_contact(host_id, await organization_id("SoBRICE"))
    done, _ = await make_trip(status="completed", start=days(-20), length=5, members=[volunteer_id, other])
    await make_trip(status="reported", start=days(-400), length=3, org="BSIR", topics=("venous", "aortic"))
    await make_trip(status="confirmed", start=days(30), org="JSIR")  # not delivered: not counted

    before = (await client.get("/api/dashboard")).json()
    assert before["totals"]["trips"] == 2
    assert before["totals"]["countries"] == 2
    assert before["totals"]["volunteer_days"] == 2 * 5 + 3  # the second trip's one made-up volunteer
    assert before["totals"]["attendees"] == 0
    assert series(before, "countries_ranked") == {"Brazil": 1, "United Kingdom": 1}
    assert sum(series(before, "trips_per_year").values()) == 2
    assert series(before, "topics_taught")["Venous disease, DVT/PE"] == 1

    filed = await client.post(f"/api/trips/{done}/reports/volunteer", json=GOOD_REPORT)
    assert filed.status_code == 201
    after = (await client.get("/api/dashboard")).json()
    assert after["totals"]["attendees"] == 48
    assert after["totals"]["lectures"] == 6
    assert after["totals"]["hands_on_cases"] == 7
    assert series(after, "attendees_by_cadre") == {"physicians": 20, "trainees": 15, "nurses": 8, "technologists": 5}
    # the host's own count of its audience wins over the volunteer's
    host_count = {**GOOD_REPORT, "physicians": 30, "trainees": 0, "nurses": 0, "technologists": 0}
    assert (await host.post(f"/api/trips/{done}/reports/host", json=host_count)).status_code == 201
    final = (await client.get("/api/dashboard")).json()
    assert final["totals"]["attendees"] == 30


async def test_public_dashboard_holds_aggregates_only(client: Client, coordinator: Client) -> None:
    volunteer_id = await actor(None, "dr.secret@example.org", ["volunteer"])
    await make_trip(status="reported", start=days(-50), members=[volunteer_id])
    public = await client.get("/api/dashboard")
    assert public.status_code == 200
    assert "Secret" not in public.text and "secret" not in public.text
    assert "Brazilian Society" not in public.text  # no organization names in public
    assert public.json()["organizations_ranked"] is None
    assert public.json()["filters"] == {}
    program = await coordinator.get("/api/dashboard/program")
    assert program.json()["organizations_ranked"][0]["label"].startswith("Brazilian Society")
    assert (await client.get("/api/dashboard/program")).status_code == 401
    page = await client.get("/dashboard", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "/static/vendor/chart.umd.js" in page.text
    assert '<th scope="row">Brazil</th>' in page.text  # the world view's table works without JavaScript
    vendored = Path(giveback.__file__).parent / "static" / "vendor"
    assert "Chart.js v4" in (vendored / "chart.umd.js").read_text()[:200]
    assert (vendored / "chart.js-LICENSE.md").exists()


async def test_coordinator_filters(coordinator: Client) -> None:
    await make_trip(status="reported", start=days(-400), org="BSIR", topics=("venous",))
    await make_trip(status="completed", start=days(-20), org="SoBRICE", topics=("embolization",))
    europe = (await coordinator.get("/api/dashboard/program", params={"region": "europe"})).json()
    assert europe["totals"]["trips"] == 1
    assert series(europe, "countries_ranked") == {"United Kingdom": 1}
    topic = (await coordinator.get("/api/dashboard/program", params={"topic": "embolization"})).json()
    assert series(topic, "countries_ranked") == {"Brazil": 1}
    year = days(-20).year
    dated = (await coordinator.get("/api/dashboard/program", params={"year": year})).json()
    assert dated["filters"]["year"] == str(year)
    assert series(dated, "trips_per_year").get(str(year)) >= 1
    for params, field in (({"region": "mars"}, "region"), ({"topic": "astrology"}, "topic"), ({"year": 1900}, "year")):
        response = await coordinator.get("/api/dashboard/program", params=params)
        assert response.status_code == 400
        assert response.json()["field"] == field
    page = await coordinator.get("/coordinator/dashboard", params={"region": "europe"}, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "Visits by host organization" in page.text
    bad = await coordinator.get("/coordinator/dashboard", params={"region": "mars"}, headers={"accept": "text/html"})
    assert bad.status_code == 400
    assert "region must be one of" in bad.text
    assert '<a href="#f-region">Region</a>' in bad.text  # the summary leads to the field
    year = await coordinator.get("/coordinator/dashboard", params={"year": "soon"}, headers={"accept": "text/html"})
    assert year.status_code == 400
    assert 'aria-describedby="e-year"' in year.text  # the message stands next to the field too
    assert '<span class="field-error" id="e-year">year must be a number</span>' in year.text


async def test_exports_have_stable_columns(client: Client, coordinator: Client) -> None:
    volunteer_id = await actor(client, "vol@example.org", ["volunteer"])
    trip_id, _ = await make_trip(status="completed", start=days(-20), members=[volunteer_id])
    assert (await client.post(f"/api/trips/{trip_id}/reports/volunteer", json=GOOD_REPORT)).status_code == 201
    trips_csv = await coordinator.get("/api/exports/trips", params={"format": "csv"})
    assert trips_csv.status_code == 200
    assert trips_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(trips_csv.text)))
    assert rows[0] == [
        "trip_id", "uid", "sequence", "status", "status_reason", "start", "end", "days", "round_id", "request_id",
        "request_title", "organization_id", "organization", "country", "region", "primary_topic", "volunteers",
        "volunteer_count", "volunteer_report", "host_evaluation",
    ]  # fmt: skip
    assert rows[0] == list(TRIP_COLUMNS)
    assert len(rows) - 1 == await Trip.count()  # the export round-trips: one row per trip in the database
    record = dict(zip(rows[0], rows[1], strict=True))
    assert (record["status"], record["country"], record["region"], record["volunteers"]) == (
        "completed", "BR", "latin-america", "Vol",
    )  # fmt: skip
    assert (record["volunteer_report"], record["host_evaluation"]) == ("true", "false")
    reports_json = (await coordinator.get("/api/exports/reports", params={"format": "json"})).json()
    assert reports_json["columns"] == list(REPORT_COLUMNS)
    report = dict(zip(reports_json["columns"], reports_json["rows"][0], strict=True))
    assert (report["cases_performed"], report["cases_supervised"], report["physicians"]) == (4, 3, 20)
    assert (await coordinator.get("/api/exports/trips", params={"format": "xml"})).json()["field"] == "format"
    assert (await coordinator.get("/api/exports/people")).status_code == 404
    assert (await client.get("/api/exports/trips")).status_code == 403


async def test_outstanding_reports_and_reminders(client: Client, coordinator: Client, inbox, settings) -> None:
    volunteer_id = await actor(client, "vol@example.org", ["volunteer"])
    trip_id, _ = await make_trip(status="completed", start=days(-20), members=[volunteer_id])
    future, _ = await make_trip(status="confirmed", start=days(20), members=[volunteer_id])
    await drain_outbox(settings)  # the future trip's invites
    inbox.messages.clear()
    [owed] = (await coordinator.get("/api/trips/outstanding")).json()
    assert (owed["trip_id"], owed["missing"], owed["last_reminder"]) == (trip_id, ["volunteer", "host"], None)
    sent = await coordinator.post(f"/api/trips/{trip_id}/reminders")
    assert sent.status_code == 200
    assert sent.json() == {"trip_id": trip_id, "sent_to": 1}  # no host contact yet: only the volunteer
    assert await drain_outbox(settings) == 1
    assert inbox.last_to("vol@example.org")["Subject"].startswith("Giveback: your report")
    assert (await coordinator.get("/api/trips/outstanding")).json()[0]["last_reminder"] is not None
    assert (await coordinator.post(f"/api/trips/{future}/reminders")).status_code == 409
    assert (await client.post(f"/api/trips/{trip_id}/reminders")).status_code == 403
    assert (await client.get("/api/trips/outstanding")).status_code == 403
    page = await coordinator.get("/coordinator/reports", headers={"accept": "text/html"})
    assert "Send reminder" in page.text


async def test_cancel_queues_cancel_invites(coordinator: Client) -> None:
    volunteer_id = await actor(None, "vol@example.org", ["volunteer"])
    trip_id, _ = await make_trip(status="confirmed", members=[volunteer_id])
    assert (await coordinator.post(f"/api/trips/{trip_id}/cancel", json={"reason": "war"})).status_code == 200
    sequence = (await trip(trip_id))["sequence"]
    queued = await OutboxMessage.select().where(
        (OutboxMessage.about == about_trip(trip_id)) & (OutboxMessage.method == "CANCEL")
    )
    assert [(m["method"], m["sequence"], m["recipient"]) for m in queued] == [("CANCEL", sequence, "vol@example.org")]
