"""Crash safety: a process SIGKILLed in the middle of an approval or of sending mail leaves no partial trips
and loses no invite.

The killed processes are real (``tests/support/approve_run.py`` and ``giveback worker``) and work on the
suite's database (SQLite file or PostgreSQL), which they find in the environment, like the servers do.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from aiosmtpd.controller import Controller as SMTPController
from aiosmtpd.smtp import Envelope
from programs import PERIOD_START
from round_steps import open_and_freeze, run_round
from trip_factory import make_trip

from giveback.accounts.sessions import load_session, start_session
from giveback.accounts.tables import Person, RoleGrant
from giveback.db.engine import locked, write_transaction
from giveback.hosts.tables import HostingWindow, HostRequest, OrganizationClaim, RequestNeed
from giveback.mail import sender
from giveback.mail.tables import OutboxMessage
from giveback.organizations.tables import Organization
from giveback.rounds.tables import SolverRun
from giveback.settings import Settings
from giveback.trips.tables import Trip, TripMember
from giveback.volunteers.tables import AvailabilityWindow, Expertise, VolunteerProfile
from solver.generate import TOPICS

SUPPORT = Path(__file__).parents[1] / "support"
VISITS = 100
KILL_AFTER = (0.0, 0.4, 1.0)  # seconds after the approval began; stop once one commits


async def signed_in(client: httpx.AsyncClient, email: str, roles: list[str]) -> str:
    """A confirmed person with these roles, signed in on the client; returns the session cookie's value."""
    row = await Person.insert(
        Person(email=email, name=email.split("@")[0].title(), password_hash="-", email_confirmed_at=datetime.now(UTC))
    )
    person_id = int(row[0]["id"])
    await RoleGrant.insert(*[RoleGrant(person=person_id, role=role) for role in roles])
    raw = await start_session(person_id)
    user = await load_session(raw)
    assert user is not None
    client.cookies.set("giveback_session", raw, domain="testserver.local")
    client.headers["X-CSRF-Token"] = user.csrf_token
    return raw


async def sobrice() -> int:
    row = await Organization.select(Organization.id).where(Organization.short_name == "SoBRICE").first()
    assert row is not None
    return int(row["id"])


async def ids(table: Any, column: Any, values: list[str]) -> list[int]:
    rows = await table.select(table.id, column).where(column.is_in(values))
    by_value = {row[column._meta.name]: int(row["id"]) for row in rows}
    return [by_value[value] for value in values]


async def big_program(size: int) -> None:
    """``size`` volunteers and as many accepted requests that pair off one to one: volunteer and request number
    i share one topic and one week, which no other volunteer of that topic has free."""
    organization = await sobrice()
    weeks = [PERIOD_START + timedelta(weeks=number // len(TOPICS)) for number in range(size)]
    topics = [TOPICS[number % len(TOPICS)] for number in range(size)]
    emails = [f"crash{number}@example.org" for number in range(size)]
    now = datetime.now(UTC)
    await Person.insert(
        *[Person(email=e, name=e.split("@")[0].title(), password_hash="-", email_confirmed_at=now) for e in emails]
    )
    people = await ids(Person, Person.email, emails)
    await RoleGrant.insert(*[RoleGrant(person=person, role="volunteer") for person in people])
    await VolunteerProfile.insert(
        *[
            VolunteerProfile(
                person=person,
                country="US",
                languages=["en"],
                excluded_countries=[],
                preferred_regions=[],
                trips_per_year=1,
                max_advisory_level=4,
            )
            for person in people
        ]
    )
    profiles = {
        int(row["person"]): int(row["id"])
        for row in await VolunteerProfile.select(VolunteerProfile.id, VolunteerProfile.person).where(
            VolunteerProfile.person.is_in(people)
        )
    }
    await Expertise.insert(
        *[
            Expertise(profile=profiles[person], topic=topic, proficiency=3)
            for person, topic in zip(people, topics, strict=True)
        ]
    )
    await AvailabilityWindow.insert(
        *[
            AvailabilityWindow(profile=profiles[person], start=week, end=week + timedelta(days=6), preferred=False)
            for person, week in zip(people, weeks, strict=True)
        ]
    )
    titles = [f"Crash visit {number}" for number in range(size)]
    await HostRequest.insert(
        *[
            HostRequest(
                organization=organization,
                title=title,
                country="BR",
                advisory_level=1,
                primary_need=topic,
                languages=["en"],
                formats=["lectures"],
                provides=["lodging"],
                duration_days=7,
                team_size=1,
                status="accepted",
            )
            for title, topic in zip(titles, topics, strict=True)
        ]
    )
    requests = await ids(HostRequest, HostRequest.title, titles)
    await RequestNeed.insert(
        *[RequestNeed(request=r, topic=t, weight=3) for r, t in zip(requests, topics, strict=True)]
    )
    await HostingWindow.insert(
        *[
            HostingWindow(request=request, start=week, end=week + timedelta(days=6), preferred=True)
            for request, week in zip(requests, weeks, strict=True)
        ]
    )


async def approval_state(run_id: int) -> tuple[bool, int, Counter[int]]:
    """Whether the run is approved, its trips, and the invites queued per trip, read under the run's lock (so a
    killed writer's transaction has ended, committed or rolled back, before the state is read)."""
    async with write_transaction(SolverRun._meta.db):
        run = await locked(SolverRun.select(SolverRun.approved_at).where(SolverRun.id == run_id)).first()
        trips = [int(row["id"]) for row in await Trip.select(Trip.id).where(Trip.run == run_id)]
        invites = await OutboxMessage.select(OutboxMessage.about).where(
            (OutboxMessage.kind == "invite") & (OutboxMessage.method == "REQUEST")
        )
    return (
        run["approved_at"] is not None,
        len(trips),
        Counter(int(row["about"].removeprefix("trip:")) for row in invites),
    )


async def writer_in_transaction(database_url: str) -> bool:
    """Whether another connection is inside a write transaction now (SQLite: its write lock is taken)."""
    if database_url.startswith("sqlite:"):

        def locked_by_another() -> bool:
            with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0)) as probe:
                try:
                    probe.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError:
                    return True
                probe.rollback()
                return False

        return await asyncio.to_thread(locked_by_another)
    rows = await SolverRun.raw(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
    )
    return bool(rows[0]["n"])


async def test_an_approval_killed_at_any_moment_is_all_or_nothing(client: httpx.AsyncClient, database_url: str) -> None:
    session = await signed_in(client, "coord@example.org", ["coordinator"])
    await big_program(VISITS)
    round_id = await open_and_freeze(client)
    run = await run_round(client, round_id)
    assert len(await proposals(client, run["id"])) == VISITS
    killed_mid_transaction = 0
    for delay in KILL_AFTER:
        approver = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SUPPORT / "approve_run.py"),
            session,
            str(run["id"]),
            stdout=asyncio.subprocess.PIPE,
            env=os.environ.copy(),
        )
        assert approver.stdout is not None
        assert (await asyncio.wait_for(approver.stdout.readline(), 60)) == b"approving\n"
        await asyncio.sleep(delay)
        inside = await writer_in_transaction(database_url)
        if approver.returncode is None:
            approver.send_signal(signal.SIGKILL)
        await approver.wait()
        approved, trips, invites = await approval_state(run["id"])
        if approved:  # all of it: every trip, each with exactly one invite (its volunteer's)
            assert trips == VISITS
            assert len(invites) == VISITS and set(invites.values()) == {1}
            break
        assert approver.returncode == -signal.SIGKILL
        assert (trips, len(invites)) == (0, 0)  # nothing of it
        killed_mid_transaction += inside
    assert killed_mid_transaction >= 1
    if not approved:
        finished = await client.post(f"/api/runs/{run['id']}/approve", json={})
        assert finished.status_code == 201, finished.text
    again = await client.post(f"/api/runs/{run['id']}/approve", json={})
    assert again.status_code == 409 and "approved already" in again.json()["detail"]
    approved, trips, invites = await approval_state(run["id"])
    assert approved and trips == VISITS
    assert len(invites) == VISITS and set(invites.values()) == {1}
    assert await HostRequest.count().where(HostRequest.status == "matched") == VISITS
    assert await TripMember.count() == VISITS


async def proposals(client: httpx.AsyncClient, run_id: int) -> list[Any]:
    listed = await client.get(f"/api/runs/{run_id}/proposals")
    assert listed.status_code == 200, listed.text
    return list(listed.json()["proposals"])


# --- the mail sender ------------------------------------------------------------------------------------------


class StallingServer:
    """A real SMTP server that accepts messages until the ``stall_at``-th, then hangs on purpose: on its DATA
    (before accepting it) or on the QUIT after accepting it, until released. Records what it accepted."""

    def __init__(self, stall_at: int, stall_on: str) -> None:
        self.stall_at, self.stall_on = stall_at, stall_on
        self.accepted: list[tuple[str, bytes]] = []  # (Message-ID, content) per 250 answered
        self.stalled, self.release = threading.Event(), threading.Event()
        self.seen = 0

    async def _hang(self) -> None:
        self.stalled.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait)

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.seen += 1
        if self.stall_on == "DATA" and self.seen == self.stall_at and not self.release.is_set():
            await self._hang()
            return "451 4.3.0 try again later"
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.accepted.append((str(message["Message-ID"]), envelope.content))
        return "250 OK"

    async def handle_QUIT(self, server: object, session: object, envelope: Envelope) -> str:
        if self.stall_on == "QUIT" and self.seen == self.stall_at and not self.release.is_set():
            await self._hang()
        return "221 Bye"


@contextmanager
def stalling_server(stall_at: int, stall_on: str) -> Iterator[tuple[StallingServer, int]]:
    handler = StallingServer(stall_at, stall_on)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = SMTPController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.release.set()
        controller.stop()


async def queued_invites(count: int) -> None:
    """An approved trip of ``count`` - 1 volunteers and one host contact: ``count`` invites in the outbox."""
    organization = await sobrice()
    emails = [f"mail{number}@example.org" for number in range(count)]
    await Person.insert(*[Person(email=e, name=e.split("@")[0].title(), password_hash="-") for e in emails])
    people = await ids(Person, Person.email, emails)
    await OrganizationClaim.insert(OrganizationClaim(person=people[0], organization=organization, status="approved"))
    await make_trip(status="invited", start=date(2031, 3, 3), members=people[1:], title="Mail visit")


@pytest.mark.parametrize("stall_on", ["DATA", "QUIT"])
async def test_a_sender_killed_mid_send_loses_no_invite(settings: Settings, stall_on: str) -> None:
    await queued_invites(6)
    rows = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert len(rows) == 6
    with stalling_server(stall_at=3, stall_on=stall_on) as (server, port):
        environment = {
            **os.environ,
            "GIVEBACK_MAIL_BACKEND": "smtp",
            "GIVEBACK_SMTP_HOST": "127.0.0.1",
            "GIVEBACK_SMTP_PORT": str(port),
        }
        worker = subprocess.Popen(  # noqa: ASYNC220 (a real separate process is the point)
            [sys.executable, "-m", "giveback", "worker"], env=environment
        )
        try:
            assert await asyncio.to_thread(server.stalled.wait, 60), "the worker never reached the third message"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=20)
        server.release.set()
        killed_at = datetime.now(UTC)
        delivered = {message_id for message_id, _ in server.accepted}
        after_kill = {row["message_id"]: row for row in await OutboxMessage.select()}
        # Nothing is marked sent that the server did not accept; only the message mid-send is leased ("sending"),
        # the ones after it were never taken (a lease per message: the dead sender holds up one, not its batch).
        sent = {m for m, row in after_kill.items() if row["status"] == "sent"}
        assert sent <= delivered and len(sent) == 2
        statuses = Counter(row["status"] for m, row in after_kill.items() if m not in sent)
        assert statuses == {"sending": 1, "pending": 3}
        assert len(delivered) == (3 if stall_on == "QUIT" else 2)  # QUIT: the third was accepted, not marked

        restarted = msgspec.structs.replace(settings, smtp_port=port)
        assert await sender.drain_outbox(restarted, now=killed_at) == 3  # all but the one the dead sender holds
        lease_over = killed_at + sender.lease_of(restarted) + timedelta(seconds=1)
        assert await sender.drain_outbox(restarted, now=lease_over) == 1
    final = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert [row["message_id"] for row in final] == [row["message_id"] for row in rows]
    assert all(row["status"] == "sent" for row in final)
    received = Counter(message_id for message_id, _ in server.accepted)
    assert set(received) == {row["message_id"] for row in rows}  # every invite, under its stable Message-ID
    assert sorted(received.values()) == [1] * (6 - (stall_on == "QUIT")) + [2] * (stall_on == "QUIT")
    for message_id, content in server.accepted:
        stored = next(row for row in rows if row["message_id"] == message_id)
        assert stored["content"].encode().replace(b"\r\n", b"\n") == content.replace(b"\r\n", b"\n")
