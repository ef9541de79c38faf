"""Calendars: iTIP invites queued in an outbox, answers to invites, secret feeds, imported availability.

Invites are rendered completely when queued (inside the caller's transaction, next to the trip change) and
drained by ``giveback.calendars.sender``. Feeds are reached by a secret token of which only the SHA-256 is
stored. Imported calendars are fetched with the SSRF guard of ``giveback.calendars.fetch``.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, Literal
from urllib.parse import urlsplit

import icalendar
import msgspec
import recurring_ical_events
from itsdangerous import BadSignature, URLSafeSerializer

from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.accounts.tables import Person, RoleGrant
from giveback.calendars import ics
from giveback.calendars.fetch import FetchError, fetch_calendar
from giveback.calendars.messages import invite_message, new_message_id, notice_message
from giveback.calendars.schemas import (
    BusyRange,
    FeedCreate,
    FeedCreated,
    FeedOut,
    ImportIn,
    ImportOut,
    InviteAnswerOut,
    InviteView,
)
from giveback.calendars.tables import CalendarImport, FeedToken, OutboxMessage
from giveback.db.changes import committed_state
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from giveback.hosts import services as hosts
from giveback.hosts.tables import HostRequest, OrganizationClaim
from giveback.i18n import _
from giveback.organizations.tables import Organization
from giveback.settings import Settings
from giveback.trips import services as trips_services
from giveback.trips.tables import Trip, TripMember
from giveback.volunteers.schemas import MatchingVolunteer
from giveback.volunteers.tables import AvailabilityWindow, VolunteerProfile

Method = Literal["REQUEST", "CANCEL"]
FeedKind = Literal["personal", "organization", "program"]

# Trips that appear in feeds: the live ones, and cancelled ones as STATUS:CANCELLED (never looking active).
FEED_STATUSES = ("approved", "invited", "confirmed", "in_progress", "completed", "reported", "postponed", "cancelled")
ANSWERABLE_STATUSES = ("approved", "invited", "confirmed")
INVITE_SALT = "giveback.invite-answer"
IMPORT_REFRESH = timedelta(hours=6)
IMPORT_RETRY = timedelta(hours=1)
IMPORT_HORIZON = timedelta(days=6 * 366)  # windows further ahead are ignored (the volunteers domain allows two years)
MAX_BUSY_RANGES = 2000


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- trips as events ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TripData:
    id: int
    status: str
    request_id: int
    organization_id: int
    event: ics.TripEvent
    members: list[dict[str, Any]]  # member id, person, response, email, name


async def _trip_data(trip_ids: list[int], base_url: str) -> list[_TripData]:
    """Trips with their request, host and members, ready to render as events."""
    if not trip_ids:
        return []
    trips = await Trip.select().where(Trip.id.is_in(trip_ids)).order_by(Trip.start)
    request_ids = sorted({int(t["request"]) for t in trips})
    requests = {
        int(r["id"]): r
        for r in await HostRequest.select(
            HostRequest.id, HostRequest.title, HostRequest.organization, HostRequest.country
        ).where(HostRequest.id.is_in(request_ids))
    }
    organization_ids = sorted({int(r["organization"]) for r in requests.values()})
    organizations = {
        int(o["id"]): o
        for o in await Organization.select(Organization.id, Organization.name, Organization.short_name).where(
            Organization.id.is_in(organization_ids or [-1])
        )
    }
    members = await TripMember.select(
        TripMember.id,
        TripMember.trip,
        TripMember.person,
        TripMember.response,
        TripMember.person.email.as_alias("email"),
        TripMember.person.name.as_alias("name"),
    ).where(TripMember.trip.is_in(trip_ids))
    by_trip: dict[int, list[dict[str, Any]]] = {}
    for member in sorted(members, key=lambda m: m["id"]):
        by_trip.setdefault(int(member["trip"]), []).append(member)
    result = []
    for trip in trips:
        request = requests[int(trip["request"])]
        organization = organizations.get(int(request["organization"]), {"name": "", "short_name": ""})
        host = organization["short_name"] or organization["name"]
        trip_members = by_trip.get(int(trip["id"]), [])
        travelling = [m for m in trip_members if m["response"] != "declined"]
        names = ", ".join(m["name"] for m in travelling) or "no volunteer yet"
        event = ics.TripEvent(
            uid=trip["uid"],
            sequence=int(trip["sequence"]),
            first_day=trip["start"],
            last_day=trip["end"],
            status=trip["status"],
            summary=f"Giveback visit: {request['title']} ({host})",
            location=f"{organization['name']}, {request['country']}",
            description=(
                f"Visiting-professor trip to {organization['name']} for “{request['title']}”.\n"
                f"Volunteers: {names}.\nStatus: {trip['status'].replace('_', ' ')}."
            ),
            created=_aware(trip["created_at"]),
            changed=_aware(trip["updated_at"]),
            url=f"{base_url.rstrip('/')}/calendar",
        )
        result.append(
            _TripData(
                id=int(trip["id"]),
                status=trip["status"],
                request_id=int(request["id"]),
                organization_id=int(request["organization"]),
                event=event,
                members=trip_members,
            )
        )
    return result


async def _contacts(organization_id: int) -> list[dict[str, Any]]:
    """The approved contacts of an organization, as person id, e-mail and name."""
    rows = await OrganizationClaim.select(
        OrganizationClaim.person.as_alias("person"),
        OrganizationClaim.person.email.as_alias("email"),
        OrganizationClaim.person.name.as_alias("name"),
    ).where(
        (OrganizationClaim.organization == organization_id)
        & (OrganizationClaim.status == "approved")
        & OrganizationClaim.person.deleted_at.is_null()
    )
    seen: dict[int, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(int(row["person"]), row)
    return [seen[k] for k in sorted(seen)]


_PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED", "pending": "NEEDS-ACTION"}


def _attendees(trip: _TripData, contacts: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[ics.Attendee]:
    people = [
        ics.Attendee(m["email"], m["name"], "REQ-PARTICIPANT", _PARTSTAT.get(m["response"], "NEEDS-ACTION"))
        for m in trip.members
        if m["response"] != "declined"
    ]
    people += [ics.Attendee(m["email"], m["name"], "REQ-PARTICIPANT", "DECLINED") for m in extra]
    known = {p.email for p in people}
    people += [ics.Attendee(c["email"], c["name"], "OPT-PARTICIPANT") for c in contacts if c["email"] not in known]
    return people


def answer_token(secret_key: str, member_id: int, answer: Literal["accept", "decline"]) -> str:
    """The signed token of an accept or decline link for one member of one trip."""
    return str(URLSafeSerializer(secret_key, salt=INVITE_SALT).dumps({"m": member_id, "a": answer}))


def read_answer_token(secret_key: str, token: str) -> tuple[int, Literal["accept", "decline"]]:
    try:
        data = URLSafeSerializer(secret_key, salt=INVITE_SALT).loads(token)
    except BadSignature:
        raise NotFound("this invite link is not valid; use the newest invite e-mail", field="token") from None
    if not isinstance(data, dict) or data.get("a") not in ("accept", "decline") or not isinstance(data.get("m"), int):
        raise NotFound("this invite link is not valid; use the newest invite e-mail", field="token")
    answer: Literal["accept", "decline"] = "accept" if data["a"] == "accept" else "decline"
    return int(data["m"]), answer


def _invite_text(trip: _TripData, method: Method, links: tuple[str, str] | None, settings: Settings) -> str:
    event = trip.event
    days = f"{event.first_day:%a %d %b %Y} – {event.last_day:%a %d %b %Y}"
    if method == "CANCEL":
        return (
            f"The visit “{event.summary}” ({days}) is cancelled for you.\n\n"
            f"The calendar attachment removes it from your calendar.\n\n"
            f"Your calendars: {settings.base_url.rstrip('/')}/calendar"
        )
    text = f"{event.summary}\n{days}\n{event.location}\n\n{event.description}"
    if links:
        text += f"\n\nAccept your place on this trip: {links[0]}\n\nDecline (frees your place): {links[1]}"
    return text + f"\n\nYour calendars: {settings.base_url.rstrip('/')}/calendar"


async def _queue(
    trip: _TripData,
    *,
    method: Method,
    settings: Settings,
    recipients: list[dict[str, Any]],
    attendees: list[ics.Attendee],
) -> int:
    organizer = ics.organizer_address(settings.mail_from)
    calendar = ics.invite(replace(trip.event, attendees=attendees), method=method, organizer=organizer)
    base = settings.base_url.rstrip("/")
    verb = "Cancelled" if method == "CANCEL" else ("Updated" if trip.event.sequence else "Invitation")
    subject = f"{verb}: {trip.event.summary} ({trip.event.first_day:%d %b %Y})"
    rows = []
    for recipient in recipients:
        links = None
        if method == "REQUEST" and recipient.get("member_id"):
            member_id = int(recipient["member_id"])
            links = (
                f"{base}/invites/{answer_token(settings.secret_key, member_id, 'accept')}",
                f"{base}/invites/{answer_token(settings.secret_key, member_id, 'decline')}",
            )
        message_id = new_message_id(settings.mail_from, f"trip{trip.id}.seq{trip.event.sequence}")
        content = invite_message(
            mail_from=settings.mail_from,
            to=(recipient["name"], recipient["email"]),
            subject=subject,
            text=_invite_text(trip, method, links, settings),
            calendar=calendar,
            method=method,
            message_id=message_id,
        )
        rows.append(
            OutboxMessage(
                message_id=message_id,
                recipient=recipient["email"],
                subject=subject[:300],
                kind="invite",
                method=method,
                trip=trip.id,
                sequence=trip.event.sequence,
                content=content,
            )
        )
    if rows:
        await OutboxMessage.insert(*rows)
    return len(rows)


@cache
def _environment_settings() -> Settings:
    return Settings.from_env()


async def queue_invites(
    trip_id: int,
    *,
    method: Method,
    base_url: str,
    settings: Settings | None = None,
    removed_people: list[int] | None = None,
) -> int:
    """Queue one iTIP message per recipient for the trip as it is now; returns how many were queued.

    Runs inside the caller's transaction (opens none), so the messages exist exactly when the change does.
    Recipients: the trip's volunteers who have not declined and the approved contacts of the host
    organization. ``removed_people`` instead sends only to volunteers who left the trip (named as declined
    attendees; used with ``CANCEL``). A REQUEST for an ``approved`` trip moves it to ``invited``. Links are
    built from ``base_url``; the organizer (``GIVEBACK_MAIL_FROM``) and the link-signing key come from
    ``settings`` (default: the environment's).
    """
    settings = msgspec.structs.replace(settings or _environment_settings(), base_url=base_url)
    if method == "REQUEST":
        row = await locked(Trip.select().where(Trip.id == trip_id)).first()
        if row is not None and row["status"] == "approved":
            await trips_services.move(row, None, "invited", "invited")
    trips = await _trip_data([trip_id], settings.base_url)
    if not trips:
        raise NotFound(f"no trip {trip_id}", field="trip_id")
    trip = trips[0]
    contacts = await _contacts(trip.organization_id)
    removed = [m for m in trip.members if int(m["person"]) in set(removed_people or [])]
    attendees = _attendees(trip, contacts, removed)
    recipients: list[dict[str, Any]] = []
    if removed_people:
        recipients = [{"email": m["email"], "name": m["name"]} for m in removed]
    else:
        recipients = [
            {"email": m["email"], "name": m["name"], "member_id": m["id"], "person": m["person"]}
            for m in trip.members
            if m["response"] != "declined"
        ]
        known = {int(r["person"]) for r in recipients}
        recipients += [
            {"email": c["email"], "name": c["name"], "person": c["person"]}
            for c in contacts
            if int(c["person"]) not in known
        ]
    return await _queue(trip, method=method, settings=settings, recipients=recipients, attendees=attendees)


async def queue_notice(*, settings: Settings, to: list[tuple[str, str]], subject: str, text: str) -> None:
    """Queue a plain message through the same outbox (inside the caller's transaction)."""
    rows = []
    for name, email in to:
        message_id = new_message_id(settings.mail_from, "notice")
        rows.append(
            OutboxMessage(
                message_id=message_id,
                recipient=email,
                subject=subject[:300],
                kind="notice",
                content=notice_message(
                    mail_from=settings.mail_from, to=(name, email), subject=subject, text=text, message_id=message_id
                ),
            )
        )
    if rows:
        await OutboxMessage.insert(*rows)


async def _coordinators() -> list[tuple[str, str]]:
    rows = await RoleGrant.select(
        RoleGrant.person.name.as_alias("name"), RoleGrant.person.email.as_alias("email")
    ).where((RoleGrant.role == "coordinator") & RoleGrant.person.deleted_at.is_null())
    return sorted({(r["name"], r["email"]) for r in rows}, key=lambda p: p[1])


# --- answering an invite --------------------------------------------------------------------------------------


async def _member_view(member_id: int, settings: Settings) -> tuple[dict[str, Any], _TripData]:
    member = await TripMember.select().where(TripMember.id == member_id).first()
    if member is None:
        raise NotFound("this invite is no longer valid: the trip was changed or removed", field="token")
    trips = await _trip_data([int(member["trip"])], settings.base_url)
    return member, trips[0]


def _view(member: dict[str, Any], trip: _TripData, answer: Literal["accept", "decline"]) -> InviteView:
    return InviteView(
        trip_id=trip.id,
        summary=trip.event.summary,
        location=trip.event.location,
        first_day=trip.event.first_day,
        last_day=trip.event.last_day,
        trip_status=trip.status,
        answer=answer,
        response=member["response"],
        answerable=trip.status in ANSWERABLE_STATUSES and member["response"] == "pending",
    )


async def invite_view(token: str, settings: Settings) -> InviteView:
    """What an accept or decline link is about (showing it changes nothing)."""
    member_id, answer = read_answer_token(settings.secret_key, token)
    member, trip = await _member_view(member_id, settings)
    return _view(member, trip, answer)


async def _touch_trip(trip_id: int, changes: dict[Any, Any]) -> None:
    """Bump the trip's SEQUENCE and last-change time together with a change of dates or status."""
    await Trip.update({**changes, Trip.sequence: Trip.sequence + 1, Trip.updated_at: _now()}).where(Trip.id == trip_id)


async def _check_not_travelling(person_id: int, trip: dict[str, Any]) -> None:
    """Refuse an accept while the volunteer holds another accepted place on days that overlap (a coordinator may
    have moved a trip onto another's dates). The person row is locked, so two accepts at once take turns."""
    other = await trips_services.overlapping_place(
        [person_id], other_than=trip["id"], start=trip["start"], end=trip["end"], accepted_only=True
    )
    if other is not None:
        raise Conflict(
            f"you are already travelling {other['start']} – {other['end']}; write to the coordinators", field="answer"
        )


async def answer_invite(token: str, settings: Settings) -> InviteAnswerOut:
    """Record a volunteer's answer from a signed link, in one transaction with its consequences.

    Accepting confirms the place; when every remaining volunteer has accepted, the trip is ``confirmed``.
    Declining frees the place: the decliner gets a CANCEL, the others an updated REQUEST, and the
    coordinators a message; with nobody left the trip is ``declined`` and its request returns to the pool.
    """
    member_id, answer = read_answer_token(settings.secret_key, token)
    async with write_transaction(TripMember._meta.db):
        member = await locked(TripMember.select().where(TripMember.id == member_id)).first()
        if member is None:
            raise NotFound("this invite is no longer valid: the trip was changed or removed", field="token")
        trip_id = int(member["trip"])
        trip = await locked(Trip.select().where(Trip.id == trip_id)).first()
        assert trip is not None
        wanted = "accepted" if answer == "accept" else "declined"
        if member["response"] == wanted:
            return InviteAnswerOut(trip_id=trip_id, response=wanted, trip_status=trip["status"], changed=False)
        if member["response"] != "pending":
            raise Conflict(
                f"you {member['response']} this trip already; write to the coordinators to change it", field="answer"
            )
        if trip["status"] not in ANSWERABLE_STATUSES:
            raise Conflict(f"this trip is {trip['status'].replace('_', ' ')}; it takes no answers", field="answer")
        person_id = int(member["person"])
        if answer == "accept":
            await _check_not_travelling(person_id, trip)
        await TripMember.update({TripMember.response: wanted}).where(TripMember.id == member_id)
        await audit(person_id, f"trip.{wanted}", "trip", trip_id, member=member_id)
        others = await TripMember.select(TripMember.response).where(
            (TripMember.trip == trip_id) & (TripMember.response != "declined")
        )
        all_accepted = all(o["response"] == "accepted" for o in others)
        status = trip["status"]
        base_url = settings.base_url
        if answer == "accept":
            if all_accepted and status in ("approved", "invited"):
                status = "confirmed"
                await trips_services.move(trip, person_id, "confirmed", status, bump=True)
                await queue_invites(trip_id, method="REQUEST", base_url=base_url, settings=settings)
            return InviteAnswerOut(trip_id=trip_id, response=wanted, trip_status=status, changed=True)
        if not others:
            status = "declined"
            await trips_services.mark_declined(
                trip, person_id, "every volunteer declined the invitation", base_url=base_url
            )
        else:
            if all_accepted and status in ("approved", "invited"):
                status = "confirmed"
            await trips_services.move(trip, person_id, "member_declined", status, bump=True)
            await queue_invites(trip_id, method="REQUEST", base_url=base_url, settings=settings)
        await queue_invites(trip_id, method="CANCEL", base_url=base_url, settings=settings, removed_people=[person_id])
        person = await Person.select(Person.name, Person.email).where(Person.id == person_id).first()
        assert person is not None
        data = (await _trip_data([trip_id], settings.base_url))[0].event
        what = (
            "Nobody is left on this trip: it is declined and its request is back in the pool, ready for a "
            "follow-up round."
            if status == "declined"
            else "The other volunteers stay on the trip; you can re-match the free place in a follow-up round."
        )
        await queue_notice(
            settings=settings,
            to=await _coordinators(),
            subject=f"Declined: {person['name']} – {data.summary}",
            text=(
                f"{person['name']} <{person['email']}> declined the trip “{data.summary}” "
                f"({data.first_day} – {data.last_day}).\n\n{what}\n\n"
                f"Rounds: {settings.base_url.rstrip('/')}/coordinator/rounds/"
            ),
        )
    return InviteAnswerOut(trip_id=trip_id, response=wanted, trip_status=status, changed=True)


# --- feeds ------------------------------------------------------------------------------------------------------


def hash_feed_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def feed_urls(settings: Settings, raw: str) -> tuple[str, str]:
    """The https (or http) address of a feed token and its webcal:// twin."""
    url = f"{settings.base_url.rstrip('/')}/feeds/{raw}.ics"
    return url, "webcal://" + url.split("://", 1)[1]


async def _organization_names(ids: list[int]) -> dict[int, str]:
    rows = await Organization.select(Organization.id, Organization.name).where(Organization.id.is_in(ids or [-1]))
    return {int(r["id"]): r["name"] for r in rows}


def _feed_name(kind: str, organization: str | None, owner: str) -> str:
    if kind == "organization":
        return _("Giveback visits – %(organization)s", organization=organization or "")
    if kind == "program":
        return _("Giveback – all trips")
    return _("Giveback trips – %(owner)s", owner=owner)


async def list_feeds(user: SignedIn) -> list[FeedOut]:
    rows = await FeedToken.select().where(FeedToken.person == user.person_id).order_by(FeedToken.id)
    names = await _organization_names([int(r["organization"]) for r in rows if r["organization"]])
    return [
        FeedOut(
            id=int(r["id"]),
            kind=r["kind"],
            organization_id=r["organization"],
            name=_feed_name(r["kind"], names.get(r["organization"] or 0), user.name),
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def _may_have_feed(user_id: int, roles: frozenset[str], kind: str, organization_id: int | None) -> bool:
    if kind == "program":
        return "coordinator" in roles
    if kind == "organization":
        return organization_id is not None and await hosts.is_contact(user_id, organization_id)
    return True


async def create_feed(user: SignedIn, data: FeedCreate, settings: Settings) -> FeedCreated:
    """Create a feed and show its secret address once; one feed per person, kind and organization."""
    organization_id = data.organization_id if data.kind == "organization" else None
    if data.kind == "organization" and organization_id is None:
        raise InvalidInput("name the organization whose visits the feed shows", field="organization_id")
    if data.kind == "program" and not user.has("coordinator"):
        raise PermissionDenied("only coordinators can subscribe to the program's feed", field="kind")
    if data.kind == "organization" and not await _may_have_feed(
        user.person_id, user.roles, "organization", organization_id
    ):
        raise PermissionDenied(
            "only an approved contact can subscribe to an organization's visits", field="organization_id"
        )
    raw = secrets.token_urlsafe(32)
    async with write_transaction(FeedToken._meta.db):
        await locked(Person.select(Person.id).where(Person.id == user.person_id)).run()
        query = (FeedToken.person == user.person_id) & (FeedToken.kind == data.kind)
        query &= (
            FeedToken.organization.is_null() if organization_id is None else (FeedToken.organization == organization_id)
        )
        if await FeedToken.exists().where(query):
            raise Conflict("you have this feed already; rotate it to get a new address", field="kind")
        row = await FeedToken.insert(
            FeedToken(
                kind=data.kind, person=user.person_id, organization=organization_id, token_hash=hash_feed_token(raw)
            )
        )
        feed_id = int(row[0]["id"])
        await audit(user.person_id, "feed.created", "calendar_feed", feed_id, kind=data.kind)
    return await _created(user, feed_id, raw, settings)


async def _created(user: SignedIn, feed_id: int, raw: str, settings: Settings) -> FeedCreated:
    feed = next(f for f in await list_feeds(user) if f.id == feed_id)
    url, webcal = feed_urls(settings, raw)
    return FeedCreated(feed=feed, url=url, webcal_url=webcal)


async def _own_feed(user: SignedIn, feed_id: int) -> dict[str, Any]:
    row = await locked(FeedToken.select().where(FeedToken.id == feed_id)).first()
    if row is None or int(row["person"]) != user.person_id:
        raise NotFound(f"no feed {feed_id}", field="feed_id")
    return row


async def rotate_feed(user: SignedIn, feed_id: int, settings: Settings) -> FeedCreated:
    """Give the feed a new secret address; the old one answers 404 from now on."""
    raw = secrets.token_urlsafe(32)
    async with write_transaction(FeedToken._meta.db):
        await _own_feed(user, feed_id)
        await FeedToken.update({FeedToken.token_hash: hash_feed_token(raw)}).where(FeedToken.id == feed_id)
        await audit(user.person_id, "feed.rotated", "calendar_feed", feed_id)
    return await _created(user, feed_id, raw, settings)


async def revoke_feed(user: SignedIn, feed_id: int) -> None:
    async with write_transaction(FeedToken._meta.db):
        await _own_feed(user, feed_id)
        await FeedToken.delete().where(FeedToken.id == feed_id)
        await audit(user.person_id, "feed.revoked", "calendar_feed", feed_id)


@dataclass(frozen=True)
class FeedBody:
    body: bytes
    etag: str
    last_modified: datetime


async def _feed_trip_ids(row: dict[str, Any]) -> list[int]:
    statuses = list(FEED_STATUSES)
    if row["kind"] == "program":
        trips = await Trip.select(Trip.id).where(Trip.status.is_in(statuses))
        return [int(t["id"]) for t in trips]
    if row["kind"] == "organization":
        trips = await Trip.select(Trip.id).where(
            Trip.status.is_in(statuses) & (Trip.request.organization == row["organization"])
        )
        return [int(t["id"]) for t in trips]
    members = await TripMember.select(TripMember.trip).where(
        (TripMember.person == row["person"])
        & (TripMember.response != "declined")
        & TripMember.trip.status.is_in(statuses)
    )
    return sorted({int(m["trip"]) for m in members})


class _AnsweredFeeds:
    """The feeds this process served last, each with the database's committed state read before it was built.

    A feed is served again from here while nothing has been committed since (``committed_state`` reads the
    same): a calendar client polling an unchanged feed costs no query. Any commit, anywhere, makes the next
    request build the feed again. At most ``size`` feeds are kept (the least recently served go first).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: dict[tuple[str, str], tuple[object, FeedBody]] = {}

    def get(self, key: tuple[str, str], state: object | None) -> FeedBody | None:
        entry = self.entries.pop(key, None)
        if entry is None or state is None or entry[0] != state:
            return None
        self.entries[key] = entry
        return entry[1]

    def put(self, key: tuple[str, str], state: object | None, body: FeedBody) -> None:
        if state is None:
            return
        self.entries[key] = (state, body)
        while len(self.entries) > self.size:
            del self.entries[next(iter(self.entries))]


_answered_feeds = _AnsweredFeeds(size=2048)


async def feed_body(raw: str, settings: Settings) -> FeedBody:
    """The feed a secret token names, with its validators; unknown, rotated or no longer allowed → NotFound."""
    key = (hash_feed_token(raw), settings.base_url)
    state = await committed_state(FeedToken._meta.db)
    answered = _answered_feeds.get(key, state)
    if answered is None:
        answered = await _build_feed(key[0], settings)
        _answered_feeds.put(key, state, answered)
    return answered


async def _build_feed(token_hash: str, settings: Settings) -> FeedBody:
    row = await FeedToken.select().where(FeedToken.token_hash == token_hash).first()
    if row is None:
        raise NotFound("no such feed", field="token")
    owner = await Person.select(Person.name, Person.deleted_at).where(Person.id == row["person"]).first()
    roles = frozenset(
        r["role"] for r in await RoleGrant.select(RoleGrant.role).where(RoleGrant.person == row["person"])
    )
    if (
        owner is None
        or owner["deleted_at"] is not None
        or not await _may_have_feed(int(row["person"]), roles, row["kind"], row["organization"])
    ):
        raise NotFound("no such feed", field="token")
    organization = (
        (await _organization_names([row["organization"]])).get(row["organization"]) if row["organization"] else None
    )
    trips = await _trip_data(await _feed_trip_ids(row), settings.base_url)
    body = ics.feed(_feed_name(row["kind"], organization, owner["name"]), [t.event for t in trips])
    etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    last_modified = _aware(row["last_modified"]).replace(microsecond=0)
    if etag != row["etag"]:
        # The body changed (an edit, an addition or a removal): move the high-water mark forward, never back.
        newest = max([_aware(t.event.changed) for t in trips], default=last_modified)
        moment = max(newest, _now()).replace(microsecond=0)
        last_modified = max(moment, last_modified + timedelta(seconds=1)) if row["etag"] else moment
        async with write_transaction(FeedToken._meta.db):
            current = await locked(FeedToken.select(FeedToken.last_modified).where(FeedToken.id == row["id"])).first()
            if current is not None:
                last_modified = max(last_modified, _aware(current["last_modified"]).replace(microsecond=0))
                await FeedToken.update({FeedToken.etag: etag, FeedToken.last_modified: last_modified}).where(
                    FeedToken.id == row["id"]
                )
    return FeedBody(body=body, etag=etag, last_modified=last_modified)


# --- imported availability ------------------------------------------------------------------------------------


def check_calendar_url(url: str) -> str:
    """The address a volunteer typed, or InvalidInput naming the rule."""
    url = url.strip()
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("give an http://, https:// or webcal:// calendar address", field="url")
    if len(url) > 2000:
        raise InvalidInput("the address is longer than 2000 characters", field="url")
    return url


async def _profile(person_id: int) -> dict[str, Any] | None:
    return (
        await VolunteerProfile.select(VolunteerProfile.id, VolunteerProfile.calendar_url)
        .where(VolunteerProfile.person == person_id)
        .first()
    )


def _require_volunteer(user: SignedIn) -> None:
    if not user.has("volunteer"):
        raise PermissionDenied("only volunteers import availability from a calendar", field="role")


async def import_status(user: SignedIn) -> ImportOut:
    _require_volunteer(user)
    return await _import_out(user.person_id)


def _masked(url: str) -> str:
    """The address without its secret path: the host and a hint, so the page never shows the secret again."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…"


async def _import_out(person_id: int) -> ImportOut:
    profile = await _profile(person_id)
    state = await CalendarImport.select().output(load_json=True).where(CalendarImport.person == person_id).first()
    url = profile["calendar_url"] if profile else ""
    return ImportOut(
        linked=bool(url),
        address=_masked(url),
        fetched_at=state["fetched_at"] if state else None,
        error=state["error"] if state else "",
        busy=[
            BusyRange(start=date.fromisoformat(b[0]), end=date.fromisoformat(b[1]))
            for b in (state["busy"] if state else [])
        ],
    )


async def link_calendar(user: SignedIn, data: ImportIn) -> ImportOut:
    """Store the volunteer's calendar address (its first fetch runs on refresh or periodically)."""
    _require_volunteer(user)
    url = check_calendar_url(data.url)
    async with write_transaction(VolunteerProfile._meta.db):
        profile = await locked(
            VolunteerProfile.select(VolunteerProfile.id).where(VolunteerProfile.person == user.person_id)
        ).first()
        if profile is None:
            raise Conflict("fill in your volunteer profile first", field="url")
        await VolunteerProfile.update({VolunteerProfile.calendar_url: url}).where(VolunteerProfile.id == profile["id"])
        state = await locked(
            CalendarImport.select(CalendarImport.id).where(CalendarImport.person == user.person_id)
        ).first()
        if state is None:
            await CalendarImport.insert(CalendarImport(person=user.person_id, busy=[], next_fetch_at=_now()))
        else:
            await CalendarImport.update(
                {
                    CalendarImport.busy: [],
                    CalendarImport.error: "",
                    CalendarImport.fetched_at: None,
                    CalendarImport.next_fetch_at: _now(),
                }
            ).where(CalendarImport.id == state["id"])
        await audit(user.person_id, "calendar.linked", "volunteer_profile", profile["id"], host=urlsplit(url).hostname)
    return await _import_out(user.person_id)


async def unlink_calendar(user: SignedIn) -> None:
    _require_volunteer(user)
    async with write_transaction(VolunteerProfile._meta.db):
        await VolunteerProfile.update({VolunteerProfile.calendar_url: ""}).where(
            VolunteerProfile.person == user.person_id
        )
        await CalendarImport.delete().where(CalendarImport.person == user.person_id)
        await audit(user.person_id, "calendar.unlinked", "person", user.person_id)


def _day_range(component: Any) -> tuple[date, date] | None:
    """An event's busy days as (first, last) inclusive, or None when it does not make the person busy."""
    if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return None
    start = component.get("DTSTART")
    if start is None:
        return None
    first = start.dt
    end = component.get("DTEND")
    if end is not None:
        last = end.dt
    elif component.get("DURATION") is not None:
        last = first + component.get("DURATION").dt
    else:
        last = first + (timedelta(days=1) if not isinstance(first, datetime) else timedelta(0))
    if isinstance(first, datetime):
        first_day = first.date()
        last_day = (last - timedelta(microseconds=1)).date() if last > first else first.date()
    else:
        first_day = first
        last_day = (last.date() if isinstance(last, datetime) else last) - timedelta(days=1)
        last_day = max(last_day, first_day)
    return first_day, last_day


def busy_ranges(body: bytes, windows: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Busy days of a calendar (recurrences expanded), merged, cut to the windows; ValueError if unreadable."""
    if not windows:
        return []
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except Exception as error:
        raise ValueError(f"the address did not return a calendar ({type(error).__name__})") from None
    start = min(w[0] for w in windows)
    end = max(w[1] for w in windows) + timedelta(days=1)
    ranges: list[tuple[date, date]] = []
    try:
        for component in recurring_ical_events.of(calendar).between(start, end):
            days = _day_range(component)
            if days:
                ranges.append(days)
            if len(ranges) > 20 * MAX_BUSY_RANGES:
                raise ValueError("the calendar has too many events in your availability windows")
    except ValueError:
        raise
    except Exception as error:
        raise ValueError(f"the calendar could not be read ({type(error).__name__})") from None
    cut: list[tuple[date, date]] = []
    for first, last in ranges:
        for w_start, w_end in windows:
            lo, hi = max(first, w_start), min(last, w_end)
            if lo <= hi:
                cut.append((lo, hi))
    merged: list[tuple[date, date]] = []
    for first, last in sorted(cut):
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged[:MAX_BUSY_RANGES]


async def _windows(profile_id: int) -> list[tuple[date, date]]:
    today = _now().date()
    rows = await AvailabilityWindow.select(AvailabilityWindow.start, AvailabilityWindow.end).where(
        (AvailabilityWindow.profile == profile_id) & (AvailabilityWindow.end >= today)
    )
    horizon = today + IMPORT_HORIZON
    return [(max(r["start"], today), min(r["end"], horizon)) for r in rows if r["start"] <= horizon]


async def refresh_import(person_id: int, *, allow_hosts: Collection[str] = ()) -> ImportOut:
    """Fetch the volunteer's calendar now and store its busy days, or the error (the old busy days stay).

    ``allow_hosts`` lets tests fetch from a server on loopback; the application never sets it.
    """
    profile = await _profile(person_id)
    if profile is None or not profile["calendar_url"]:
        raise Conflict("link a calendar address first", field="url")
    error = ""
    busy: list[tuple[date, date]] | None = None
    try:
        body = await fetch_calendar(profile["calendar_url"], allow_hosts=allow_hosts)
        busy = await asyncio.to_thread(busy_ranges, body, await _windows(int(profile["id"])))
    except (FetchError, ValueError) as problem:
        error = str(problem)
    moment = _now()
    async with write_transaction(CalendarImport._meta.db):
        state = await locked(CalendarImport.select(CalendarImport.id).where(CalendarImport.person == person_id)).first()
        changes: dict[Any, Any] = {
            CalendarImport.fetched_at: moment,
            CalendarImport.error: error,
            CalendarImport.next_fetch_at: moment + (IMPORT_RETRY if error else IMPORT_REFRESH),
        }
        if busy is not None:
            changes[CalendarImport.busy] = [[a.isoformat(), b.isoformat()] for a, b in busy]
        if state is None:
            await CalendarImport.insert(
                CalendarImport(
                    person=person_id, busy=changes.get(CalendarImport.busy, []), error=error, fetched_at=moment
                )
            )
        else:
            await CalendarImport.update(changes).where(CalendarImport.id == state["id"])
    return await _import_out(person_id)


async def refresh_own_import(user: SignedIn) -> ImportOut:
    _require_volunteer(user)
    return await refresh_import(user.person_id)


async def refresh_due_imports(*, limit: int = 20, allow_hosts: Collection[str] = ()) -> int:
    """Refresh the imported calendars whose time has come (the worker loop calls this); returns how many."""
    due = (
        await CalendarImport.select(CalendarImport.person)
        .where(CalendarImport.next_fetch_at <= _now())
        .order_by(CalendarImport.next_fetch_at)
        .limit(limit)
    )
    done = 0
    for row in due:
        claimed = (
            await CalendarImport.update({CalendarImport.next_fetch_at: _now() + IMPORT_RETRY})
            .where((CalendarImport.person == row["person"]) & (CalendarImport.next_fetch_at <= _now()))
            .returning(CalendarImport.id)
        )
        if not claimed:
            continue
        try:
            await refresh_import(int(row["person"]), allow_hosts=allow_hosts)
        except Conflict:
            continue
        done += 1
    return done


async def busy_days(person_id: int) -> list[tuple[date, date]]:
    """The volunteer's imported busy days (first, last inclusive) inside their windows, for matching."""
    state = (
        await CalendarImport.select(CalendarImport.busy)
        .output(load_json=True)
        .where(CalendarImport.person == person_id)
        .first()
    )
    if state is None:
        return []
    return [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in state["busy"]]


async def busy_days_of(person_ids: list[int]) -> dict[int, list[tuple[date, date]]]:
    """``busy_days`` for many volunteers at once (those without an imported calendar are left out)."""
    if not person_ids:
        return {}
    rows = (
        await CalendarImport.select(CalendarImport.person, CalendarImport.busy)
        .output(load_json=True)
        .where(CalendarImport.person.is_in(person_ids))
    )
    return {
        int(row["person"]): [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in row["busy"]]
        for row in rows
        if row["busy"]
    }


def subtract_busy(
    windows: list[tuple[date, date, bool]], busy: list[tuple[date, date]]
) -> list[tuple[date, date, bool]]:
    """Availability windows (start, end, preferred; both ends included) with the busy days cut out."""
    result: list[tuple[date, date, bool]] = []
    for start, end, preferred in windows:
        pieces = [(start, end)]
        for busy_start, busy_end in busy:
            next_pieces = []
            for lo, hi in pieces:
                if busy_end < lo or busy_start > hi:
                    next_pieces.append((lo, hi))
                    continue
                if lo < busy_start:
                    next_pieces.append((lo, busy_start - timedelta(days=1)))
                if busy_end < hi:
                    next_pieces.append((busy_end + timedelta(days=1), hi))
            pieces = next_pieces
        result.extend((lo, hi, preferred) for lo, hi in pieces)
    return result


async def without_busy_days(volunteers: list[MatchingVolunteer]) -> list[MatchingVolunteer]:
    """The matcher's volunteers with their imported busy days removed from their windows."""
    busy = await busy_days_of([v.person_id for v in volunteers])
    return [
        msgspec.structs.replace(v, windows=subtract_busy(v.windows, busy[v.person_id])) if v.person_id in busy else v
        for v in volunteers
    ]
