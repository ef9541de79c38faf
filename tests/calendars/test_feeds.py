"""Secret iCal feeds: made, shown once, rotated, revoked; caching validators; what each token shows; real clients."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import calkit
import httpx
import pytest
from calkit import add_trip, assert_calendar_text, make_world

from giveback.calendars.tables import FeedToken
from giveback.hosts.tables import OrganizationClaim
from giveback.trips import lifecycle
from giveback.trips.tables import Trip, TripMember

MAY_FIRST, MAY_LAST = date(2031, 5, 5), date(2031, 5, 11)

FEED_TYPE = "text/calendar; charset=utf-8"


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def path_of(url: str) -> str:
    return "/feeds/" + url.rsplit("/", 1)[1]


async def make_feed(client: httpx.AsyncClient, **body: object) -> dict:
    response = await client.post("/api/calendar/feeds", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_personal_feed_is_stable_cacheable_and_well_formed(new_client, inbox, settings, real_clients) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, coordinator=False, logins=True)
    owner = world.volunteer_clients[0]
    made = await owner.post(
        "/api/calendar/feeds", json={"kind": "personal"}, headers={"X-Forwarded-Host": "evil.example"}
    )
    assert made.status_code == 201, made.text
    feed = made.json()
    assert feed["url"].startswith(f"{settings.base_url}/feeds/") and feed["url"].endswith(".ics")
    assert feed["webcal_url"] == "webcal://" + feed["url"].split("://", 1)[1]
    token = token_of(feed["url"])
    assert len(token) >= 43  # 32 random bytes: 256 bits
    row = await FeedToken.select().where(FeedToken.id == feed["feed"]["id"]).first()
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(row)
    listed = (await owner.get("/api/calendar/feeds")).json()
    assert [f["id"] for f in listed] == [feed["feed"]["id"]] and token not in str(listed)

    reader = new_client()
    first = await reader.get(path_of(feed["url"]))
    assert first.status_code == 200, first.text
    assert first.headers.get_list("content-type") == [FEED_TYPE]
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    body = first.content
    assert_calendar_text(body)
    text = body.decode()
    assert "METHOD" not in text
    assert "\r\nNAME:" in text and "\r\nX-WR-CALNAME:" in text
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text and "\r\nX-PUBLISHED-TTL:PT1H\r\n" in text
    trip = await Trip.select().where(Trip.id == world.trip_id).first()
    event = calkit.the_event(body)
    assert str(event["UID"]) == trip["uid"]
    assert event.decoded("DTSTAMP") == trip["updated_at"].replace(microsecond=0)
    assert event.decoded("DTSTART") == calkit.FIRST_DAY
    assert event.decoded("DTEND") == calkit.LAST_DAY + timedelta(days=1)
    assert "ORGANIZER" not in text and "ATTENDEE" not in text
    parsed = real_clients.check(body, itip=False)
    assert parsed["method"] is None and parsed["name"] == parsed["calname"]

    headed = await reader.head(path_of(feed["url"]))
    assert headed.status_code == 200 and headed.content == b"" and headed.headers["etag"] == etag
    assert headed.headers.get_list("content-type") == [FEED_TYPE]
    again = await reader.get(path_of(feed["url"]))
    assert again.content == body and again.headers["etag"] == etag and again.headers["last-modified"] == last_modified
    cached = await reader.get(path_of(feed["url"]), headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    assert (await reader.get(path_of(feed["url"]), headers={"If-None-Match": '"other"'})).status_code == 200
    assert (await reader.get(path_of(feed["url"]), headers={"If-Modified-Since": last_modified})).status_code == 304
    older = format_datetime(parsedate_to_datetime(last_modified) - timedelta(hours=1), usegmt=True)
    assert (await reader.get(path_of(feed["url"]), headers={"If-Modified-Since": older})).status_code == 200

    # a change of dates: new bytes, new ETag, higher SEQUENCE, Last-Modified forward
    await lifecycle.reschedule(
        world.trip_id, date(2031, 4, 7), date(2031, 4, 13), "the host asked", actor_id=None, settings=settings
    )
    changed = await reader.get(path_of(feed["url"]), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    # (never back; within the same second it stays: Last-Modified is never later than Date, RFC 9110 8.8.2.1)
    assert parsedate_to_datetime(changed.headers["last-modified"]) >= parsedate_to_datetime(last_modified)
    moved = calkit.the_event(changed.content)
    assert int(moved["SEQUENCE"]) == int(event["SEQUENCE"]) + 1 and moved.decoded("DTSTART") == date(2031, 4, 7)

    # a cancellation stays as STATUS:CANCELLED with a bumped SEQUENCE, never looking active
    await lifecycle.cancel(world.trip_id, "the host cancelled", actor_id=None, settings=settings)
    cancelled = calkit.the_event((await reader.get(path_of(feed["url"]))).content)
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == int(moved["SEQUENCE"]) + 1

    # a removal is a change too: Last-Modified moves forward, never back, and no 304 for the old date
    before = (await reader.get(path_of(feed["url"]))).headers
    # (no step of the lifecycle takes a volunteer off a cancelled trip: a row repaired by hand must show too)
    await TripMember.update({TripMember.response: "declined"}).where(TripMember.trip == world.trip_id)
    removed = await reader.get(path_of(feed["url"]), headers={"If-Modified-Since": before["last-modified"]})
    assert removed.status_code == 200
    assert "BEGIN:VEVENT" not in removed.text
    assert parsedate_to_datetime(removed.headers["last-modified"]) >= parsedate_to_datetime(before["last-modified"])
    real_clients.check(removed.content, itip=False)


async def test_rotating_stops_the_old_address_at_once_and_revoking_stops_the_feed(new_client, inbox, settings) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=2, contact=False, coordinator=False, logins=True)
    owner, other = world.volunteer_clients
    feed = await make_feed(owner, kind="personal")
    reader = new_client()
    assert (await reader.get(path_of(feed["url"]))).status_code == 200
    rotated = await owner.post(f"/api/calendar/feeds/{feed['feed']['id']}/rotate")
    assert rotated.status_code == 200
    assert (await reader.get(path_of(feed["url"]))).status_code == 404
    assert (await reader.get(path_of(rotated.json()["url"]))).status_code == 200
    # someone else's feed is not found
    assert (await other.post(f"/api/calendar/feeds/{feed['feed']['id']}/rotate")).status_code == 404
    assert (await other.delete(f"/api/calendar/feeds/{feed['feed']['id']}")).status_code == 404
    assert (await reader.get(path_of(rotated.json()["url"]))).status_code == 200
    assert (await owner.delete(f"/api/calendar/feeds/{feed['feed']['id']}")).status_code == 204
    assert (await reader.get(path_of(rotated.json()["url"]))).status_code == 404
    assert (await reader.get("/feeds/not-a-token.ics")).status_code == 404
    assert (await reader.get("/feeds/" + token_of(rotated.json()["url"]))).status_code == 404  # without .ics
    # anonymous callers cannot manage feeds
    assert (await reader.get("/api/calendar/feeds")).status_code == 401
    assert (await reader.post("/api/calendar/feeds", json={"kind": "personal"})).status_code == 401


async def test_a_token_only_shows_its_owners_events(new_client, inbox, settings, real_clients) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=2, logins=True)
    own_trip, _ = await add_trip(
        [world.volunteers[1]], settings, title="Only for the second", first_day=MAY_FIRST, last_day=MAY_LAST
    )
    feeds = [await make_feed(client, kind="personal") for client in world.volunteer_clients]
    reader = new_client()
    trips = await Trip.select(Trip.id, Trip.uid).where(Trip.id.is_in([world.trip_id, own_trip]))
    uid = {t["id"]: t["uid"] for t in trips}
    mine = (await reader.get(path_of(feeds[0]["url"]))).text
    theirs = (await reader.get(path_of(feeds[1]["url"]))).text
    assert uid[world.trip_id] in mine and uid[own_trip] not in mine
    assert uid[world.trip_id] in theirs and uid[own_trip] in theirs
    assert "TRANSP:OPAQUE" in mine and "TRANSPARENT" not in mine  # a traveller's own days are busy

    # the host contact's organization feed shows the organization's visits; the program feed shows all trips
    organization = await make_feed(world.contact_client, kind="organization", organization_id=world.organization_id)
    program = await make_feed(world.coordinator_client, kind="program")
    host_feed = (await reader.get(path_of(organization["url"]))).content
    program_feed = (await reader.get(path_of(program["url"]))).content
    for body in (host_feed, program_feed):
        assert uid[world.trip_id].encode() in body and uid[own_trip].encode() in body
        assert b"OPAQUE" not in body and body.count(b"TRANSP:TRANSPARENT") == 2  # nobody reading it travels
        parsed = real_clients.check(body, itip=False)
        assert len(parsed["events"]) == 2
    # losing the claim (or the role) closes the feed at once
    await OrganizationClaim.update({OrganizationClaim.status: "revoked"}).where(
        OrganizationClaim.person == world.contact
    )
    assert (await reader.get(path_of(organization["url"]))).status_code == 404


async def test_feed_rules_refuse_bad_input_and_store_nothing(new_client, inbox, settings) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, coordinator=False, logins=True)
    volunteer, host = world.volunteer_clients[0], world.contact_client
    count = await FeedToken.count()
    cases = [
        (volunteer, {"kind": "program"}, 403, "kind"),
        (volunteer, {"kind": "organization", "organization_id": world.organization_id}, 403, "organization_id"),
        (host, {"kind": "organization"}, 400, "organization_id"),
        (volunteer, {"kind": "weekly"}, 400, "kind"),
        (volunteer, {"kind": "personal", "token": "mine"}, 400, "token"),
    ]
    for client, body, status, field in cases:
        response = await client.post("/api/calendar/feeds", json=body)
        assert response.status_code == status, (body, response.text)
        assert field in (response.json().get("field") or response.text), response.text
    assert await FeedToken.count() == count
    await make_feed(volunteer, kind="personal")
    duplicate = await volunteer.post("/api/calendar/feeds", json={"kind": "personal"})
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "kind"
    assert await FeedToken.count() == count + 1


async def test_the_calendar_page_shows_a_new_address_once_with_subscribe_links(new_client, inbox, settings) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=0, contact=True, coordinator=True, logins=True)
    page_client = world.coordinator_client
    html = {"accept": "text/html"}
    shown = await page_client.get("/calendar", headers=html)
    assert shown.status_code == 200
    assert "Make my personal feed" in shown.text and "Make the program feed" in shown.text
    csrf = page_client.headers["X-CSRF-Token"]
    made = await page_client.post("/calendar/feeds", data={"csrf_token": csrf, "kind": "program"}, headers=html)
    assert made.status_code == 201, made.text
    assert "webcal://testserver.local/feeds/" in made.text and "http://testserver.local/feeds/" in made.text
    for client_name in ("Google Calendar", "Outlook", "Apple Calendar", "Thunderbird"):
        assert client_name in made.text
    again = await page_client.get("/calendar", headers=html)
    assert "testserver.local/feeds/" not in again.text  # shown once only
    assert "Make the program feed" not in again.text and "New address" in again.text
    host_page = await world.contact_client.get("/calendar", headers=html)
    assert "Make a feed of visits to" in host_page.text and "Make the program feed" not in host_page.text
    refused = await world.contact_client.post(
        "/calendar/feeds",
        data={"csrf_token": world.contact_client.headers["X-CSRF-Token"], "kind": "program"},
        headers=html,
    )
    assert refused.status_code == 403 and "only coordinators" in refused.text
    anonymous = await new_client().get("/calendar", headers=html)
    assert anonymous.status_code in (302, 303, 401)


# --- Radicale: a real CalDAV server validates and stores each feed event -----------------------------------


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("radicale", reason="Radicale is not installed: sh tests/calendars/install-parsers.sh")
    folder: Path = tmp_path_factory.mktemp("radicale")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(folder / "collections"),
            "--auth-type",
            "none",
            "--rights-type",
            "authenticated",
            "--logging-level",
            "warning",
        ]
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


async def test_radicale_accepts_every_feed_event(new_client, inbox, settings, radicale) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, contact=False, logins=True)
    tricky = 'Tricky "title"; with, commas\nand lines'
    await add_trip(world.volunteers, settings, title=tricky, first_day=MAY_FIRST, last_day=MAY_LAST)
    feed = await make_feed(world.coordinator_client, kind="program")
    body = (await new_client().get(path_of(feed["url"]))).content
    calendar = calkit.parse(body)
    async with httpx.AsyncClient(base_url=radicale, auth=("coordinator", "x")) as dav:
        made = await dav.request("MKCALENDAR", "/coordinator/trips/")
        assert made.status_code == 201, made.text
        for event in calendar.events:
            single = calkit.Calendar()
            for key in ("VERSION", "PRODID"):
                single.add(key, calendar[key])
            single.add_component(event)
            name = hashlib.sha256(str(event["UID"]).encode()).hexdigest()[:16]
            stored = await dav.put(
                f"/coordinator/trips/{name}.ics", content=single.to_ical(), headers={"Content-Type": "text/calendar"}
            )
            assert stored.status_code == 201, stored.text
            back = calkit.the_event((await dav.get(f"/coordinator/trips/{name}.ics")).content)
            assert str(back["UID"]) == str(event["UID"]) and int(back["SEQUENCE"]) == int(event["SEQUENCE"])
            assert back.decoded("DTSTART") == event.decoded("DTSTART")
            assert str(back["SUMMARY"]) == str(event["SUMMARY"])
