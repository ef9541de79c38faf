"""Availability imported from a volunteer's own calendar: busy days, errors shown, and the SSRF guard."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from calkit import add_profile, make_world

from giveback.calendars import fetch
from giveback.calendars.fetch import FetchError, fetch_calendar, forbidden_address
from giveback.calendars.imports import (
    busy_days,
    busy_ranges,
    refresh_due_imports,
    refresh_import,
    subtract_busy,
    without_busy_days,
)
from giveback.calendars.tables import CalendarImport
from giveback.volunteers.services import list_volunteers_for_matching
from giveback.volunteers.tables import VolunteerProfile

WINDOWS = [(date(2031, 3, 1), date(2031, 3, 31)), (date(2031, 6, 1), date(2031, 6, 30))]
CALENDAR = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Example//Their calendar//EN",
        # all day, two days
        "BEGIN:VEVENT",
        "UID:a@example",
        "DTSTAMP:20300101T000000Z",
        "DTSTART;VALUE=DATE:20310305",
        "DTEND;VALUE=DATE:20310307",
        "SUMMARY:Congress",
        "END:VEVENT",
        # a timed meeting
        "BEGIN:VEVENT",
        "UID:b@example",
        "DTSTAMP:20300101T000000Z",
        "DTSTART:20310310T090000Z",
        "DTEND:20310310T110000Z",
        "SUMMARY:Clinic",
        "END:VEVENT",
        # weekly, three times
        "BEGIN:VEVENT",
        "UID:c@example",
        "DTSTAMP:20300101T000000Z",
        "DTSTART;VALUE=DATE:20310602",
        "DTEND;VALUE=DATE:20310603",
        "RRULE:FREQ=WEEKLY;COUNT=3",
        "SUMMARY:On call",
        "END:VEVENT",
        # cancelled and free events do not make anyone busy
        "BEGIN:VEVENT",
        "UID:d@example",
        "DTSTAMP:20300101T000000Z",
        "DTSTART;VALUE=DATE:20310320",
        "STATUS:CANCELLED",
        "SUMMARY:Cancelled",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:e@example",
        "DTSTAMP:20300101T000000Z",
        "DTSTART;VALUE=DATE:20310321",
        "TRANSP:TRANSPARENT",
        "SUMMARY:Free",
        "END:VEVENT",
        # outside the windows, and across a window's start
        "BEGIN:VEVENT",
        "UID:f@example",
        "DTSTAMP:20300101T000000Z",
        "DTSTART;VALUE=DATE:20310510",
        "SUMMARY:Holiday",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:g@example",
        "DTSTAMP:20300101T000000Z",
        "DTSTART;VALUE=DATE:20310227",
        "DTEND;VALUE=DATE:20310303",
        "SUMMARY:Trip",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
).encode()
EXPECTED = [
    (date(2031, 3, 1), date(2031, 3, 2)),
    (date(2031, 3, 5), date(2031, 3, 6)),
    (date(2031, 3, 10), date(2031, 3, 10)),
    (date(2031, 6, 2), date(2031, 6, 2)),
    (date(2031, 6, 9), date(2031, 6, 9)),
    (date(2031, 6, 16), date(2031, 6, 16)),
]


BROKEN_EVENTS = "\r\n".join(
    [
        # a date no calendar program reads, and a rule with a weekday that does not exist
        "BEGIN:VEVENT",
        "UID:broken-date@example",
        "DTSTAMP:20300101T000000Z",
        "DTSTART;VALUE=DATE:20311345",
        "SUMMARY:Broken date",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:broken-rule@example",
        "DTSTAMP:20300101T000000Z",
        "DTSTART:20310310T090000Z",
        "RRULE:FREQ=WEEKLY;BYDAY=XX",
        "SUMMARY:Broken rule",
        "END:VEVENT",
        "",
    ]
).encode()


def with_events(events: bytes) -> bytes:
    """CALENDAR with more events before its end."""
    return CALENDAR.replace(b"END:VCALENDAR\r\n", events + b"END:VCALENDAR\r\n")


def past_events(count: int) -> bytes:
    """``count`` one-day events of the years before the windows (a calendar kept for a long time)."""
    first = date(2015, 1, 1)
    return b"".join(
        (
            f"BEGIN:VEVENT\r\nUID:past-{n}@example\r\nDTSTAMP:20150101T000000Z\r\n"
            f"DTSTART;VALUE=DATE:{first + timedelta(days=n // 8):%Y%m%d}\r\n"
            f"DTEND;VALUE=DATE:{first + timedelta(days=n // 8 + 1):%Y%m%d}\r\n"
            f"SUMMARY:Clinic list number {n} with a description long enough to weigh what real ones weigh\r\n"
            "DESCRIPTION:Ward round\\, teaching and the afternoon list\\; see the theatre schedule for details\r\n"
            "END:VEVENT\r\n"
        ).encode()
        for n in range(count)
    )


class Feed:
    body = CALENDAR


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        if self.path == "/cal.ics":
            self._send(200, Feed.body, {"Content-Type": "text/calendar"})
        elif self.path == "/gzip.ics":  # compressed although the request did not ask for it
            self._send(200, gzip.compress(Feed.body), {"Content-Type": "text/calendar", "Content-Encoding": "gzip"})
        elif self.path == "/bomb.ics":  # 20 KiB that unpack to 40 MiB
            bomb = gzip.compress(b"X" * 40 * 1024 * 1024)
            self._send(200, bomb, {"Content-Type": "text/calendar", "Content-Encoding": "gzip"})
        elif self.path == "/host":
            self._send(200, (self.headers.get("Host") or "").encode())
        elif self.path == "/redirect-same":
            self._send(302, headers={"Location": "/cal.ics"})
        elif self.path == "/redirect-loopback":
            self._send(302, headers={"Location": f"http://localhost:{port}/cal.ics"})
        elif self.path == "/redirect-metadata":
            self._send(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        elif self.path == "/loop":
            self._send(302, headers={"Location": "/loop"})
        elif self.path == "/big":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the cap must work on the stream
            chunk = b"X" * 65536
            try:
                for _ in range(320):  # 20 MiB
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"BEGIN:VCALENDAR\r\n")
            self.wfile.flush()
            time.sleep(3)
        else:
            self._send(404)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def calendar_body() -> Iterator[None]:
    Feed.body = CALENDAR
    yield
    Feed.body = CALENDAR


async def test_a_linked_calendar_turns_busy_days_into_unavailable_days(new_client, inbox, settings, server) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, contact=False, coordinator=False, logins=True)
    volunteer, person = world.volunteer_clients[0], world.volunteers[0]
    await add_profile(person, WINDOWS)
    linked = await volunteer.put("/api/calendar/import", json={"url": f"http://{server}/cal.ics"})
    assert linked.status_code == 200, linked.text
    assert linked.json()["linked"] is True and linked.json()["address"] == "http://127.0.0.1/…"
    assert "cal.ics" not in linked.text  # the secret path is not shown again
    # "fetch now" only queues the fetch; the worker's pass runs it, and the application's own path refuses
    # loopback: the error is stored and shown, the profile keeps working
    refreshed = await volunteer.post("/api/calendar/import/refresh")
    assert refreshed.status_code == 202
    assert refreshed.json()["fetch_queued"] is True and refreshed.json()["fetched_at"] is None
    assert await refresh_due_imports() == 1
    shown = (await volunteer.get("/api/calendar/import")).json()
    assert "cannot be reached from here" in shown["error"] and shown["busy"] == []
    assert shown["fetched_at"] is not None and shown["fetch_queued"] is False

    imported = await refresh_import(person, allow_hosts={server})
    assert imported.error == ""
    assert [(b.start, b.end) for b in imported.busy] == EXPECTED
    assert await busy_days(person) == EXPECTED
    shown = (await volunteer.get("/api/calendar/import")).json()
    assert [(b["start"], b["end"]) for b in shown["busy"]] == [(a.isoformat(), b.isoformat()) for a, b in EXPECTED]
    page = await volunteer.get("/calendar", headers={"accept": "text/html"})
    assert page.status_code == 200 and "Mar 5, 2031" in page.text and "Last fetched" in page.text

    # a broken feed records the error and keeps the busy days found last time; nothing else breaks
    Feed.body = b"<html>this is not a calendar</html>"
    broken = await refresh_import(person, allow_hosts={server})
    assert broken.error and [(b.start, b.end) for b in broken.busy] == EXPECTED
    Feed.body = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:nonsense\r\nRRULE:FREQ=SOMETIMES\r\nEND:VEVENT\r\n"
    hostile = await refresh_import(person, allow_hosts={server})
    assert hostile.error
    assert (await volunteer.get("/api/volunteers/me")).status_code == 200
    page = await volunteer.get("/calendar", headers={"accept": "text/html"})
    assert (page.status_code == 200 and broken.error.split("(")[0].strip() in page.text) or hostile.error in page.text

    # unlinking forgets the address and the busy days
    assert (await volunteer.delete("/api/calendar/import")).status_code == 204
    assert await busy_days(person) == []
    profile = await VolunteerProfile.select(VolunteerProfile.calendar_url).where(VolunteerProfile.person == person)
    assert profile[0]["calendar_url"] == ""


async def test_due_imports_are_refreshed_periodically(new_client, inbox, settings, server) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, contact=False, coordinator=False)
    person = world.volunteers[0]
    profile_id = await add_profile(person, WINDOWS)
    await VolunteerProfile.update({VolunteerProfile.calendar_url: f"http://{server}/cal.ics"}).where(
        VolunteerProfile.id == profile_id
    )
    await CalendarImport.insert(CalendarImport(person=person, busy=[], next_fetch_at=datetime.now(UTC)))
    assert await refresh_due_imports(allow_hosts={server}) == 1
    assert await busy_days(person) == EXPECTED
    assert await refresh_due_imports(allow_hosts={server}) == 0  # not due again for hours
    state = await CalendarImport.select().where(CalendarImport.person == person).first()
    assert state["next_fetch_at"] > datetime.now(UTC) + timedelta(hours=5)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/cal.ics",
        "http://localhost:{port}/cal.ics",
        "http://[::1]:{port}/cal.ics",
        "http://10.1.2.3/cal.ics",
        "http://192.168.0.1/cal.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:{port}/cal.ics",
        "http://[::ffff:127.0.0.1]:{port}/cal.ics",
        "file:///etc/passwd",
        "ftp://example.org/cal.ics",
        "gopher://example.org/",
    ],
)
async def test_the_guard_refuses_internal_addresses_and_other_schemes(server, url) -> None:
    port = server.split(":")[1]
    with pytest.raises(FetchError):
        await fetch_calendar(url.format(port=port))


async def test_redirects_size_and_time_are_capped(server) -> None:
    allowed = {server}
    assert await fetch_calendar(f"http://{server}/redirect-same", allow_hosts=allowed) == CALENDAR
    for path in ("/redirect-loopback", "/redirect-metadata"):
        with pytest.raises(FetchError, match="cannot be reached from here"):
            await fetch_calendar(f"http://{server}{path}", allow_hosts=allowed)
    with pytest.raises(FetchError, match="redirects more than"):
        await fetch_calendar(f"http://{server}/loop", allow_hosts=allowed)
    with pytest.raises(FetchError, match="larger than"):
        await fetch_calendar(f"http://{server}/big", allow_hosts=allowed)
    started = time.monotonic()
    with pytest.raises(FetchError, match="did not answer within"):
        await fetch_calendar(f"http://{server}/slow", allow_hosts=allowed, total_seconds=1)
    assert time.monotonic() - started < 2.5
    with pytest.raises(FetchError, match="HTTP 404"):
        await fetch_calendar(f"http://{server}/missing", allow_hosts=allowed)
    with pytest.raises(FetchError, match="larger than 16 MiB"):
        await fetch_calendar(f"http://{server}/bomb.ics", allow_hosts=allowed)  # counted unpacked
    assert fetch.MAX_BYTES == 16 * 1024 * 1024 and fetch.TOTAL_SECONDS <= 10


async def test_the_request_goes_to_the_checked_address_with_the_original_host(server) -> None:
    assert await fetch_calendar(f"http://{server}/host", allow_hosts={server}) == server.encode()
    url, headers, extensions = fetch.pinned("https://calendar.example.org/x/basic.ics?k=1", "2001:db8::1")
    assert url == "https://[2001:db8::1]/x/basic.ics?k=1"
    assert headers == {"Host": "calendar.example.org"} and extensions == {"sni_hostname": "calendar.example.org"}
    assert fetch.pinned("http://cal.example.org:8080/a", "93.184.216.34")[0] == "http://93.184.216.34:8080/a"


def test_public_addresses_pass_the_guard() -> None:
    assert not forbidden_address("93.184.216.34")
    assert not forbidden_address("2606:2800:220:1:248:1893:25c8:1946")
    for address in ("127.0.0.1", "10.0.0.1", "172.16.0.1", "169.254.169.254", "::1", "fe80::1", "224.0.0.1", "0.0.0.0"):  # noqa: S104
        assert forbidden_address(address), address


async def test_import_rules_refuse_bad_input_and_store_nothing(new_client, inbox, settings) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=2, contact=True, coordinator=False, logins=True)
    with_profile, without_profile = world.volunteer_clients
    await add_profile(world.volunteers[0], WINDOWS)
    cases = [
        (with_profile, {"url": "ftp://example.org/cal.ics"}, 400, "url"),
        (with_profile, {"url": "javascript:alert(1)"}, 400, "url"),
        (with_profile, {"url": ""}, 400, "url"),
        (with_profile, {"url": "https://" + "a" * 2000 + ".org"}, 400, "url"),
        (with_profile, {"url": "https://example.org/x", "extra": 1}, 400, "extra"),
        (without_profile, {"url": "https://example.org/cal.ics"}, 409, "url"),
        (world.contact_client, {"url": "https://example.org/cal.ics"}, 403, "role"),
    ]
    for client, body, status, field in cases:
        response = await client.put("/api/calendar/import", json=body)
        assert response.status_code == status, (body, response.text)
        assert field in (response.json().get("field") or response.text), response.text
    assert await CalendarImport.count() == 0
    rows = await VolunteerProfile.select(VolunteerProfile.calendar_url)
    assert all(r["calendar_url"] == "" for r in rows)
    assert (await with_profile.post("/api/calendar/import/refresh")).status_code == 409
    assert (await world.contact_client.get("/api/calendar/import")).status_code == 403
    assert (await new_client().get("/api/calendar/import")).status_code == 401
    # the page form shows the message next to the field
    form = await with_profile.post(
        "/calendar/import",
        data={"csrf_token": with_profile.headers["X-CSRF-Token"], "url": "ftp://example.org/x"},
        headers={"accept": "text/html"},
    )
    assert form.status_code == 400 and "give an http://, https:// or webcal:// calendar address" in form.text


async def test_a_broken_event_is_skipped_and_counted_and_compressed_or_long_calendars_are_read(
    new_client, inbox, settings, server
) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, contact=False, coordinator=False, logins=True)
    volunteer, person = world.volunteer_clients[0], world.volunteers[0]
    await add_profile(person, WINDOWS)
    assert (await volunteer.put("/api/calendar/import", json={"url": f"http://{server}/gzip.ics"})).status_code == 200
    # two events no parser reads are left out and counted; the rest of the calendar counts as before
    Feed.body = with_events(BROKEN_EVENTS)
    imported = await refresh_import(person, allow_hosts={server})
    assert imported.error == "" and imported.skipped == 2
    assert [(b.start, b.end) for b in imported.busy] == EXPECTED
    page = await volunteer.get("/calendar", headers={"accept": "text/html"})
    assert "2 events of your calendar could not be read" in page.text
    # ten years of past events (some 9 MiB, more than the old 2 MiB cap), sent compressed: read, past dropped
    Feed.body = with_events(past_events(30000))
    assert len(Feed.body) > 9 * 1024 * 1024
    imported = await refresh_import(person, allow_hosts={server})
    assert imported.error == "" and imported.skipped == 0
    assert [(b.start, b.end) for b in imported.busy] == EXPECTED
    assert "could not be read" not in (await volunteer.get("/calendar", headers={"accept": "text/html"})).text


def test_reading_a_calendar_keeps_a_time_budget() -> None:
    assert busy_ranges(CALENDAR, WINDOWS).busy == EXPECTED
    with pytest.raises(ValueError, match="takes longer than 0 seconds to read"):
        busy_ranges(CALENDAR, WINDOWS, parse_seconds=0)


def test_busy_days_are_cut_out_of_windows() -> None:
    d = date
    windows = [(d(2031, 3, 1), d(2031, 3, 31), True), (d(2031, 6, 1), d(2031, 6, 30), False)]
    busy = [(d(2031, 2, 20), d(2031, 3, 2)), (d(2031, 3, 10), d(2031, 3, 10)), (d(2031, 6, 1), d(2031, 6, 30))]
    assert subtract_busy(windows, busy) == [
        (d(2031, 3, 3), d(2031, 3, 9), True),
        (d(2031, 3, 11), d(2031, 3, 31), True),
    ]
    assert subtract_busy(windows, []) == windows


async def test_the_matcher_sees_windows_without_busy_days(new_client, inbox, settings, server) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=2, contact=False, coordinator=False)
    busy_person, free_person = world.volunteers
    for person in world.volunteers:
        await add_profile(person, WINDOWS)
    await CalendarImport.insert(
        CalendarImport(person=busy_person, busy=[["2031-03-05", "2031-03-06"]], next_fetch_at=datetime.now(UTC))
    )
    volunteers = {v.person_id: v for v in await without_busy_days(await list_volunteers_for_matching())}
    assert [(a, b) for a, b, _ in volunteers[busy_person].windows] == [
        (date(2031, 3, 1), date(2031, 3, 4)),
        (date(2031, 3, 7), date(2031, 3, 31)),
        (date(2031, 6, 1), date(2031, 6, 30)),
    ]
    assert [(a, b) for a, b, _ in volunteers[free_person].windows] == WINDOWS
