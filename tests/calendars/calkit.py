"""Shared steps of the calendars tests: a trip (opened through the lifecycle, ``trip_factory``) with volunteers,
a host contact and a coordinator; real parsers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from icalendar import Calendar

__all__ = ["Calendar"]

import trip_factory

from giveback.accounts.sessions import hash_token, start_session
from giveback.accounts.tables import Person, WebSession
from giveback.hosts.tables import OrganizationClaim
from giveback.settings import Settings
from giveback.trips import lifecycle
from giveback.volunteers.tables import AvailabilityWindow, VolunteerProfile

HERE = Path(__file__).parent
FIRST_DAY = date(2031, 3, 3)
LAST_DAY = date(2031, 3, 9)


@dataclass
class World:
    trip_id: int
    request_id: int
    organization_id: int
    volunteers: list[int]
    volunteer_emails: list[str]
    volunteer_clients: list[httpx.AsyncClient]
    contact: int | None = None
    contact_email: str = ""
    contact_client: httpx.AsyncClient | None = None
    coordinator: int | None = None
    coordinator_email: str = ""
    coordinator_client: httpx.AsyncClient | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def sobrice() -> int:
    return await trip_factory.organization_id("SoBRICE")


async def add_trip(
    volunteers: list[int],
    settings: Settings,
    *,
    title: str = "Embolization course",
    first_day: date = FIRST_DAY,
    last_day: date = LAST_DAY,
    invite: bool = True,
) -> tuple[int, int]:
    """A trip at SoBRICE opened from an approved proposal (``lifecycle.open_trip``): invited, or still approved
    with ``invite=False``. Returns (trip id, request id)."""
    request_id = await trip_factory.host_request(
        title=title, length=(last_day - first_day).days + 1, team_size=max(len(volunteers), 1)
    )
    trip_id = await lifecycle.open_trip(
        request_id=request_id,
        start=first_day,
        end=last_day,
        members=[lifecycle.NewMember(person, {}) for person in volunteers],
        settings=settings,
        actor_id=None,
        invite=invite,
    )
    return trip_id, request_id


async def person(email: str, roles: list[str]) -> int:
    """A person who never logs in (written straight into the tables: fast)."""
    return await trip_factory.person(email, roles)


async def signed_in_client(client: httpx.AsyncClient, person_id: int) -> httpx.AsyncClient:
    """A client with a fresh session of the person (log-in itself is the accounts tests' business; hashing a
    password per person would make these tests slow)."""
    raw = await start_session(person_id)
    row = await WebSession.select(WebSession.csrf_token).where(WebSession.id_hash == hash_token(raw)).first()
    assert row is not None
    client.cookies.set("giveback_session", raw)
    client.headers["X-CSRF-Token"] = row["csrf_token"]
    return client


async def make_world(
    new_client: Any,
    inbox: Any,
    settings: Settings,
    *,
    volunteers: int = 2,
    contact: bool = True,
    coordinator: bool = True,
    title: str = "Embolization course",
    invite: bool = True,
    logins: bool = False,
) -> World:
    """A trip with volunteers, a host contact and a coordinator; with ``logins`` each has a signed-in client."""
    tag = uuid.uuid4().hex[:6]
    organization_id = await sobrice()

    async def someone(email: str, roles: list[str]) -> tuple[int, httpx.AsyncClient | None]:
        person_id = await person(email, roles)
        return person_id, (await signed_in_client(new_client(), person_id) if logins else None)

    people, emails, clients = [], [], []
    for number in range(volunteers):
        email = f"vol{number}-{tag}@example.org"
        person_id, client = await someone(email, ["volunteer"])
        people.append(person_id)
        emails.append(email)
        clients.append(client)
    world = World(0, 0, organization_id, people, emails, clients)  # type: ignore[arg-type]
    if contact:
        world.contact_email = f"host-{tag}@example.org"
        world.contact, world.contact_client = await someone(world.contact_email, ["host"])
        await OrganizationClaim.insert(
            OrganizationClaim(person=world.contact, organization=organization_id, status="approved")
        )
    if coordinator:
        world.coordinator_email = f"coord-{tag}@example.org"
        world.coordinator, world.coordinator_client = await someone(world.coordinator_email, ["coordinator"])
    world.trip_id, world.request_id = await add_trip(people, settings, title=title, invite=invite)
    inbox.messages.clear()
    return world


async def add_profile(person_id: int, windows: list[tuple[date, date]]) -> int:
    profile = await VolunteerProfile.insert(
        VolunteerProfile(person=person_id, languages=["en"], excluded_countries=[], preferred_regions=[])
    )
    profile_id = int(profile[0]["id"])
    for start, end in windows:
        await AvailabilityWindow.insert(AvailabilityWindow(profile=profile_id, start=start, end=end))
    return profile_id


async def person_email(person_id: int) -> str:
    row = await Person.select(Person.email).where(Person.id == person_id).first()
    assert row is not None
    return str(row["email"])


def calendar_part(message: EmailMessage) -> tuple[EmailMessage, bytes]:
    """The inline text/calendar part of an invite and its bytes."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return part, payload  # type: ignore[return-value]
    raise AssertionError("no text/calendar part")


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def the_event(data: bytes) -> Any:
    events = parse(data).events
    assert len(events) == 1
    return events[0]


def now() -> datetime:
    return datetime.now(UTC)


DATE_TIME = re.compile(r"^(DTSTAMP|CREATED|LAST-MODIFIED|DTSTART|DTEND)[;:]")


def assert_calendar_text(data: bytes) -> None:
    """Lines end in CRLF and are folded at 75 octets; no TZID and no floating DATE-TIME."""
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines), max(len(line) for line in lines)
    unfolded = data.decode().replace("\r\n ", "").split("\r\n")
    assert not any("TZID" in line for line in unfolded)
    for line in unfolded:
        if DATE_TIME.match(line):
            value = line.split(":", 1)[1]
            assert "VALUE=DATE" in line.split(":", 1)[0] or value.endswith("Z"), line


# --- real clients -------------------------------------------------------------------------------------------


@dataclass
class RealClients:
    folder: Path
    libical: Path | None
    libical_missing: str
    icaljs_missing: str

    def check(self, data: bytes, *, itip: bool) -> dict[str, Any]:
        """Parse with every real client; fail on any complaint; return what ical.js understood."""
        if self.libical is None:
            pytest.skip(self.libical_missing)
        if self.icaljs_missing:
            pytest.skip(self.icaljs_missing)
        path = self.folder / f"{uuid.uuid4().hex}.ics"
        path.write_bytes(data)
        # libical (GNOME): no X-LIC-ERROR, and for iTIP messages RFC 5546's restriction table
        args = [str(self.libical), *(["--itip"] if itip else []), str(path)]
        checked = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
        assert checked.returncode == 0, f"libical: {checked.stdout}"
        # Mozilla's ical.js (Thunderbird)
        node = shutil.which("node")
        assert node
        parsed = subprocess.run(
            [node, str(HERE / "js" / "parse.js"), str(path)], capture_output=True, text=True, timeout=30, check=True
        )
        result: dict[str, Any] = json.loads(parsed.stdout)[0]
        # Python's icalendar and ical (the strict pydantic parser used by Home Assistant)
        from ical.calendar_stream import IcsCalendarStream

        strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
        assert len(strict.events) == len(result["events"])
        assert len(parse(data).events) == len(result["events"])
        return result


def build_real_clients(folder: Path) -> RealClients:
    libical, libical_missing = None, ""
    gcc, pkg_config = shutil.which("gcc"), shutil.which("pkg-config")
    if not gcc or not pkg_config:
        libical_missing = "gcc and pkg-config are needed for the libical check: sh tests/calendars/install-parsers.sh"
    else:
        flags = subprocess.run(
            [pkg_config, "--cflags", "--libs", "libical"], capture_output=True, text=True, check=False
        )
        if flags.returncode != 0:
            libical_missing = "libical-dev is not installed: sh tests/calendars/install-parsers.sh"
        else:
            binary = folder / "libical_check"
            subprocess.run([gcc, "-o", str(binary), str(HERE / "libical_check.c"), *flags.stdout.split()], check=True)
            libical = binary
    icaljs_missing = ""
    if not shutil.which("node"):
        icaljs_missing = "node is needed for ical.js: sh tests/calendars/install-parsers.sh"
    elif not (HERE / "js" / "node_modules" / "ical.js").is_dir():
        icaljs_missing = "ical.js is not installed: npm ci --prefix tests/calendars/js"
    return RealClients(folder, libical, libical_missing, icaljs_missing)
