"""Several server processes act as one: ``giveback serve --workers 2`` against the suite's database.

Each request below goes over a new connection, so uvicorn's two workers share them out; which worker answered
is read from Linux's ``/proc`` (the process holding the server end of the connection), and every check needs
both workers to have answered. A session cookie works on both and log-out ends it on both; each worker keeps
its own cache of built feeds, and a change made through one worker (or anywhere) reaches every later answer
of both, as does a feed token's rotation.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from live_server import serving
from trip_factory import make_trip

from giveback.accounts.passwords import hash_password
from giveback.accounts.sessions import load_session, start_session
from giveback.accounts.tables import Person, RoleGrant

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads connections from Linux's /proc")

PASSWORD = "correct horse battery staple"
REQUESTS = 30
BATCH = 10  # requests sent at once, each on its own connection
MOST_REQUESTS = 400  # give up on seeing both workers after this many
START_SECONDS = 90


@dataclass(frozen=True)
class Server:
    url: str
    port: int
    pid: int  # uvicorn's supervisor; its workers share its process group

    def worker_of(self, client_port: int) -> int | None:
        """The process holding the server end of the loopback connection from ``client_port``; None when the
        server has already closed its end (a closed socket belongs to no process)."""
        local, remote = f"0100007F:{self.port:04X}", f"0100007F:{client_port:04X}"
        inode = next(
            (
                fields[9]
                for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                if (fields := line.split())[1] == local and fields[2] == remote
            ),
            "0",
        )
        if inode == "0":
            return None
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or _group_of(int(entry.name)) != self.pid:
                continue
            try:
                if any(str(fd.readlink()) == f"socket:[{inode}]" for fd in (entry / "fd").iterdir()):
                    return int(entry.name)
            except OSError:
                continue  # the process ended meanwhile
        return None


def _group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


@pytest.fixture(scope="module")
def server(migrated_database: dict[str, int]) -> Iterator[Server]:
    """``python -m giveback serve --workers 2`` on a free loopback port, against the suite's database."""
    with serving(workers=2, embedded_worker=False, start_seconds=START_SECONDS, prefix="giveback-workers-") as started:
        yield Server(url=started.url, port=started.port, pid=started.pid)


Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


async def spread(server: Server, send: Send, count: int = REQUESTS) -> list[tuple[int | None, httpx.Response]]:
    """At least ``count`` answers to ``send``, each over a new connection, until both workers have answered;
    returns (worker process, or None when it could not be told, response) pairs."""
    answers: list[tuple[int | None, httpx.Response]] = []

    async def once() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as connection:
            response = await send(connection)
            _, client_port = response.extensions["network_stream"].get_extra_info("client_addr")
            answers.append((server.worker_of(client_port), response))

    def workers() -> set[int]:
        return {worker for worker, _ in answers if worker is not None}

    while len(answers) < count or len(workers()) < 2:
        assert len(answers) < MOST_REQUESTS, f"only worker(s) {workers()} answered"
        await asyncio.gather(*(once() for _ in range(BATCH)))
    assert len(workers()) == 2
    return answers


def cookie(raw: str) -> dict[str, str]:
    return {"Cookie": f"giveback_session={raw}"}


async def person(email: str, roles: list[str], password_hash: str) -> int:
    """A confirmed person with these roles (``-``: no password, for sessions made here)."""
    row = await Person.insert(
        Person(email=email, name=email.split("@")[0].title(), password_hash=password_hash, email_confirmed_at=now())
    )
    person_id = int(row[0]["id"])
    await RoleGrant.insert(*[RoleGrant(person=person_id, role=role) for role in roles])
    return person_id


async def session_of(person_id: int) -> dict[str, str]:
    """A session made here, in the suite's process: the servers know it because sessions live in the database."""
    raw = await start_session(person_id)
    user = await load_session(raw)
    assert user is not None
    return {**cookie(raw), "X-CSRF-Token": user.csrf_token}


def now() -> datetime:
    return datetime.now(UTC)


def in_days(number: int) -> date:
    return now().date() + timedelta(days=number)


async def confirmed_trip(volunteer: int, first: date) -> int:
    """A week's trip the volunteer accepted (``trip_factory``: through the lifecycle)."""
    trip_id, _ = await make_trip(status="confirmed", start=first, members=[volunteer], title="Teaching visit")
    return trip_id


def dtstart(day: date) -> str:
    return f"DTSTART;VALUE=DATE:{day:%Y%m%d}"


async def test_one_session_works_on_every_worker_and_log_out_ends_it_on_all(server: Server) -> None:
    await person("multi@example.org", ["volunteer"], await hash_password(PASSWORD))
    async with httpx.AsyncClient(base_url=server.url) as browser:
        logged_in = await browser.post("/api/auth/login", json={"email": "multi@example.org", "password": PASSWORD})
    assert logged_in.status_code == 201, logged_in.text
    raw, csrf = logged_in.cookies["giveback_session"], logged_in.json()["csrf_token"]

    signed_in = await spread(server, lambda c: c.get("/api/me", headers=cookie(raw)))
    assert [r.status_code for _, r in signed_in] == [200] * len(signed_in)
    assert {r.json()["person"]["email"] for _, r in signed_in} == {"multi@example.org"}
    assert {r.json()["csrf_token"] for _, r in signed_in} == {csrf}

    async with httpx.AsyncClient(base_url=server.url) as browser:
        logged_out = await browser.post("/api/auth/logout", headers={**cookie(raw), "X-CSRF-Token": csrf})
    assert logged_out.status_code == 204, logged_out.text

    ended = await spread(server, lambda c: c.get("/api/me", headers=cookie(raw)))
    assert [r.status_code for _, r in ended] == [401] * len(ended)
    refused = await spread(
        server, lambda c: c.post("/api/calendar/feeds", json={"kind": "personal"}, headers=cookie(raw))
    )
    assert {r.status_code for _, r in refused} <= {401, 403}


async def test_every_worker_serves_a_feed_as_it_is_now(server: Server) -> None:
    volunteer = await person("vol@example.org", ["volunteer"], "-")
    coordinator = await session_of(await person("coord@example.org", ["coordinator"], "-"))
    trip_id = await confirmed_trip(volunteer, in_days(40))
    owner = await session_of(volunteer)
    async with httpx.AsyncClient(base_url=server.url, headers=owner) as browser:
        made = await browser.post("/api/calendar/feeds", json={"kind": "personal"})
    assert made.status_code == 201, made.text
    feed_id, path = made.json()["feed"]["id"], made.json()["url"].removeprefix(server.url)

    before = await spread(server, lambda c: c.get(path))  # both workers build and cache the feed
    assert [r.status_code for _, r in before] == [200] * len(before)
    assert len({(r.headers["etag"], r.content) for _, r in before}) == 1
    old_etag, old_body = before[0][1].headers["etag"], before[0][1].text
    assert dtstart(in_days(40)) in old_body
    unchanged = await spread(server, lambda c: c.get(path, headers={"If-None-Match": old_etag}))
    assert [r.status_code for _, r in unchanged] == [304] * len(unchanged)

    async with httpx.AsyncClient(base_url=server.url, headers=coordinator) as browser:
        moved = await browser.post(
            f"/api/trips/{trip_id}/reschedule",
            json={"start": in_days(50).isoformat(), "end": in_days(56).isoformat(), "reason": "the host asked"},
        )
    assert moved.status_code == 200, moved.text

    after = await spread(server, lambda c: c.get(path))
    assert [r.status_code for _, r in after] == [200] * len(after)
    assert len({(r.headers["etag"], r.content) for _, r in after}) == 1
    new_etag, new_body = after[0][1].headers["etag"], after[0][1].text
    assert new_etag != old_etag
    assert dtstart(in_days(50)) in new_body and dtstart(in_days(40)) not in new_body
    stale = await spread(server, lambda c: c.get(path, headers={"If-None-Match": old_etag}))
    assert [r.status_code for _, r in stale] == [200] * len(stale)
    assert {(r.headers["etag"], r.text) for _, r in stale} == {(new_etag, new_body)}

    async with httpx.AsyncClient(base_url=server.url, headers=owner) as browser:
        rotated = await browser.post(f"/api/calendar/feeds/{feed_id}/rotate")
    assert rotated.status_code == 200, rotated.text
    new_path = rotated.json()["url"].removeprefix(server.url)
    assert new_path != path
    gone = await spread(server, lambda c: c.get(path))
    assert [r.status_code for _, r in gone] == [404] * len(gone)
    assert all(dtstart(in_days(50)) not in r.text for _, r in gone)
    current = await spread(server, lambda c: c.get(new_path))
    assert [r.status_code for _, r in current] == [200] * len(current)
    assert {r.text for _, r in current} == {new_body}
