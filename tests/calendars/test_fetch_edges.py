"""Item 14 (security, second pass): the SSRF guard's edges. IPv6 transition ranges that carry an internal IPv4
address are refused; an unknown host and an internal one get the same words (no internal DNS answer shown);
"fetch now" never fetches inside the request, and the worker fetches several calendars at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from calkit import add_profile, make_world

from giveback.calendars.fetch import FetchError, check_url, forbidden_address
from giveback.calendars.imports import refresh_due_imports
from giveback.calendars.tables import CalendarImport
from giveback.volunteers.tables import VolunteerProfile

TRANSITION_ADDRESSES = [
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 around the metadata address
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
    "64:ff9b:1::a00:1",  # local-use NAT64
    "::127.0.0.1",  # IPv4-compatible
    "::ffff:0:a00:1",  # IPv4-translated
    "fec0::1",  # site-local
    "192.0.0.8",  # IETF protocol assignments
    "100.64.0.1",  # shared address space (carrier NAT)
]


@pytest.mark.parametrize("address", TRANSITION_ADDRESSES)
async def test_transition_ranges_are_refused(address: str) -> None:
    assert forbidden_address(address)
    with pytest.raises(FetchError):
        await check_url(f"http://[{address}]/cal.ics" if ":" in address else f"http://{address}/cal.ics")


async def test_an_unknown_host_and_an_internal_one_get_the_same_words() -> None:
    messages = []
    for host in ("no-such-calendar.invalid", "localhost", "10.1.2.3"):
        with pytest.raises(FetchError) as refused:
            await check_url(f"https://{host}/cal.ics")
        messages.append(str(refused.value).replace(host, "HOST"))
    assert len(set(messages)) == 1, messages
    assert "127.0.0.1" not in "".join(messages)


class _Slow(BaseHTTPRequestHandler):
    in_flight = 0
    most_at_once = 0
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    everyone_asked = threading.Event()
    expected = 3

    def do_GET(self) -> None:
        with self.lock:
            _Slow.in_flight += 1
            _Slow.most_at_once = max(_Slow.most_at_once, _Slow.in_flight)
            if _Slow.in_flight >= _Slow.expected:
                _Slow.everyone_asked.set()
        # A slow calendar server: it answers once every calendar was asked for (or after 5 s). Fetched one after
        # another, the first waits alone and the others come later; fetched side by side, all are in flight at once,
        # however slow the machine.
        _Slow.everyone_asked.wait(timeout=5)
        body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nEND:VCALENDAR\r\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with self.lock:
            _Slow.in_flight -= 1


@pytest.fixture
def slow_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    _Slow.most_at_once = 0
    _Slow.everyone_asked.clear()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


async def test_fetch_now_is_queued_and_the_worker_fetches_calendars_side_by_side(
    new_client, inbox, settings, slow_server: str
) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=3, contact=False, coordinator=False, logins=True)
    for person in world.volunteers:
        await add_profile(person, [])
    first = world.volunteer_clients[0]
    linked = await first.put("/api/calendar/import", json={"url": "https://calendar.example.org/secret.ics"})
    assert linked.status_code == 200, linked.text
    await CalendarImport.update({CalendarImport.next_fetch_at: datetime(2099, 1, 1, tzinfo=UTC)}).where(
        CalendarImport.person == world.volunteers[0]
    )

    queued = await first.post("/api/calendar/import/refresh")

    assert queued.status_code == 202, queued.text
    assert queued.json()["fetch_queued"] is True
    state = await CalendarImport.select().where(CalendarImport.person == world.volunteers[0]).first()
    assert state["fetched_at"] is None and state["error"] == ""  # nothing was fetched by the request

    await CalendarImport.delete(force=True)
    for person in world.volunteers:
        await VolunteerProfile.update({VolunteerProfile.calendar_url: f"http://{slow_server}/{person}.ics"}).where(
            VolunteerProfile.person == person
        )
        await CalendarImport.insert(CalendarImport(person=person, busy=[], next_fetch_at=datetime.now(UTC)))
    assert await refresh_due_imports(allow_hosts={slow_server}) == 3
    assert _Slow.most_at_once == 3
    assert await CalendarImport.count().where(CalendarImport.error == "") == 3
