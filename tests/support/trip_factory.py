"""Trips for tests, made the way the platform makes them: through the lifecycle's functions.

``make_trip(status=…)`` opens a trip from an approved proposal (``lifecycle.open_trip``) and walks it to the
state asked for with the same steps a round, a volunteer, a coordinator or the scheduler would take; with
``history=True`` a trip whose days are past is taken over from a program's history instead
(``lifecycle.record_past_trip``: it owes no reports). So every trip a test sees
obeys the booked rule and has the timeline, SEQUENCE and outbox rows a real one has. People and requests are
written straight into the tables (fast); their own flows are tested in their domains.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx

from giveback.accounts.sessions import load_session, start_session
from giveback.accounts.tables import Person, RoleGrant
from giveback.calendars.invites import AnswerLink, answer_token
from giveback.hosts.tables import HostingWindow, HostRequest, OrganizationClaim, RequestNeed
from giveback.organizations.tables import Organization
from giveback.settings import Settings
from giveback.trips import lifecycle
from giveback.trips.tables import Trip, TripMember
from giveback.volunteers.tables import AvailabilityWindow, Expertise, VolunteerProfile

COORDINATOR_ACTIONS = ("postponed", "cancelled", "declined")


def today() -> date:
    return datetime.now(UTC).date()


def days(n: int) -> date:
    """The day ``n`` days from today."""
    return today() + timedelta(days=n)


def settings_for_tests() -> Settings:
    return Settings.from_env()


async def person(email: str, roles: Sequence[str] = ("volunteer",), *, name: str | None = None) -> int:
    """A confirmed person with these roles, who never logs in (no password hashing: fast)."""
    row = await Person.insert(
        Person(
            email=email,
            name=name or email.split("@")[0].title(),
            password_hash="-",
            email_confirmed_at=datetime.now(UTC),
        )
    )
    person_id = int(row[0]["id"])
    if roles:
        await RoleGrant.insert(*[RoleGrant(person=person_id, role=role) for role in roles])
    return person_id


async def signed_in(client: httpx.AsyncClient, email: str, roles: Sequence[str], *, name: str | None = None) -> int:
    """A person with these roles, signed in on the client with a real session (no log-in form: fast)."""
    person_id = await person(email, roles, name=name)
    raw = await start_session(person_id)
    user = await load_session(raw)
    assert user is not None
    client.cookies.set("giveback_session", raw, domain="testserver.local")
    client.headers["X-CSRF-Token"] = user.csrf_token
    return person_id


async def volunteer_profile(
    person_id: int,
    *,
    windows: Sequence[tuple[date, date]] = (),
    trips_per_year: int = 1,
    expertise: dict[str, int] | None = None,
    languages: Sequence[str] = ("en",),
    country: str = "US",
) -> int:
    """A volunteer profile with expertise and availability windows."""
    row = await VolunteerProfile.insert(
        VolunteerProfile(
            person=person_id,
            country=country,
            languages=list(languages),
            excluded_countries=[],
            preferred_regions=[],
            trips_per_year=trips_per_year,
            max_advisory_level=4,
        )
    )
    profile_id = int(row[0]["id"])
    for topic, proficiency in (expertise or {"embolization": 3}).items():
        await Expertise.insert(Expertise(profile=profile_id, topic=topic, proficiency=proficiency))
    for start, end in windows:
        await AvailabilityWindow.insert(AvailabilityWindow(profile=profile_id, start=start, end=end, preferred=False))
    return profile_id


async def organization_id(short_name: str = "SoBRICE") -> int:
    row = await Organization.select(Organization.id).where(Organization.short_name == short_name).first()
    assert row is not None, short_name
    return int(row["id"])


async def make_contact(person_id: int, org_id: int) -> None:
    await OrganizationClaim.insert(
        OrganizationClaim(person=person_id, organization=org_id, status="approved", decided_at=datetime.now(UTC))
    )


async def host_request(
    *,
    org: str = "SoBRICE",
    title: str = "",
    status: str = "accepted",
    length: int = 7,
    team_size: int = 1,
    topics: Sequence[str] = ("embolization",),
    languages: Sequence[str] = ("en",),
    windows: Sequence[tuple[date, date]] = (),
) -> int:
    """A host request at a seed society, with its needs and hosting windows."""
    org_id = await organization_id(org)
    found = await Organization.select(Organization.country).where(Organization.id == org_id).first()
    assert found is not None
    row = await HostRequest.insert(
        HostRequest(
            organization=org_id,
            title=title or f"{org} teaching visit",
            country=found["country"] or "BR",
            primary_need=topics[0],
            languages=list(languages),
            formats=["lectures"],
            provides=["lodging"],
            duration_days=length,
            team_size=team_size,
            status=status,
        )
    )
    request_id = int(row[0]["id"])
    for topic in topics:
        await RequestNeed.insert(RequestNeed(request=request_id, topic=topic, weight=3))
    for start, end in windows:
        await HostingWindow.insert(HostingWindow(request=request_id, start=start, end=end, preferred=False))
    return request_id


@dataclass
class Made:
    trip_id: int
    request_id: int


async def make_trip(
    *,
    status: str = "confirmed",
    start: date | None = None,
    length: int = 7,
    members: Sequence[int] = (),
    org: str = "SoBRICE",
    title: str = "",
    topics: Sequence[str] = ("embolization",),
    answers: str | None = None,
    gap_days: int = lifecycle.DEFAULT_GAP_DAYS,
    round_id: int | None = None,
    settings: Settings | None = None,
    history: bool = False,
) -> tuple[int, int]:
    """A trip in ``status`` with these volunteers (one made up when none are given); returns (trip id, request id).

    Live and future trips are opened from a proposal and walked there (``answers``: ``accepted`` makes every
    volunteer accept — the default for confirmed and later —, ``pending`` leaves them to answer); completed and
    reported ones are started and finished by the scheduler's steps (give a past start), or, with ``history``
    and days in the past, recorded from history. Postponed, cancelled and declined trips are invited first,
    then moved by the coordinator's step.
    """
    settings = settings or settings_for_tests()
    if not members:  # every real trip has a volunteer
        members = [await person(f"{unique('volunteer')}@example.org")]
    first = start or days(30)
    last = first + timedelta(days=length - 1)
    request_id = await host_request(org=org, title=title, length=length, topics=topics, team_size=max(len(members), 1))
    if history:
        assert status in ("completed", "reported") and last < today(), "history holds trips that are over"
        await HostRequest.update({HostRequest.status: "matched" if status == "completed" else "fulfilled"}).where(
            HostRequest.id == request_id
        )
        trip_id = await lifecycle.record_past_trip(
            request_id=request_id, start=first, end=last, people=members, status=status, gap_days=gap_days
        )
        return trip_id, request_id
    trip_id = await lifecycle.open_trip(
        request_id=request_id,
        start=first,
        end=last,
        members=[lifecycle.NewMember(p, {}) for p in members],
        settings=settings,
        actor_id=None,
        round_id=round_id,
        gap_days=gap_days,
        invite=status != "approved",
    )
    if status in ("approved", "invited") and answers != "accepted":
        return trip_id, request_id
    if answers == "pending" and status not in COORDINATOR_ACTIONS:
        raise ValueError(f"a {status} trip has answers from its volunteers")
    if answers != "pending":
        for member in await TripMember.select(TripMember.id).where(TripMember.trip == trip_id):
            await lifecycle.answer(int(member["id"]), "accepted", settings)
    if status == "postponed":
        await lifecycle.postpone(trip_id, "the host asked", start=None, end=None, actor_id=None, settings=settings)
    elif status == "cancelled":
        await lifecycle.cancel(trip_id, "cancelled in a test", actor_id=None, settings=settings)
    elif status == "declined":
        await lifecycle.decline(trip_id, "declined in a test", actor_id=None, settings=settings)
    if status in COORDINATOR_ACTIONS:
        return trip_id, request_id
    if status in ("in_progress", "completed", "reported"):
        assert await lifecycle.scheduled_step(trip_id, "started"), "a trip starts on its first day: give a past start"
    if status in ("completed", "reported"):
        assert await lifecycle.scheduled_step(trip_id, "completed")
    if status == "reported":
        await lifecycle.report(trip_id, None)
    return trip_id, request_id


async def member_ids(trip_id: int) -> dict[int, int]:
    """Each volunteer's place on the trip: person id → member id."""
    rows = await TripMember.select(TripMember.id, TripMember.person).where(TripMember.trip == trip_id)
    return {int(r["person"]): int(r["id"]) for r in rows}


async def trip(trip_id: int) -> dict[str, object]:
    row = await Trip.select().where(Trip.id == trip_id).first()
    assert row is not None
    return row


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


async def link_token(settings: Settings, member_id: int, answer: str) -> str:
    """The token of the accept or decline link the place's newest invite carries (the trip's SEQUENCE and last
    day now)."""
    member = await TripMember.select(TripMember.trip).where(TripMember.id == member_id).first()
    assert member is not None, member_id
    trip = await Trip.select(Trip.sequence, Trip.end).where(Trip.id == member["trip"]).first()
    assert trip is not None
    link = AnswerLink(member_id, "accept" if answer == "accept" else "decline", int(trip["sequence"]), trip["end"])
    return answer_token(settings.secret_key, link)
