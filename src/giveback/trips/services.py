"""Trips after approval, as people see them: who may see and move which trip, the two reports, reminders,
and the answers behind the links in invites.

What each step of a trip does is ``giveback.trips.lifecycle``; this module checks who may take it (coordinators
move trips, members and host contacts file reports, a signed link answers an invite) and shapes what is read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import msgspec
import structlog

from giveback.accounts.services import audit, recipients
from giveback.accounts.sessions import SignedIn
from giveback.accounts.tables import Person
from giveback.calendars.events import Participant, TripFacts, trip_event
from giveback.calendars.invites import AnswerLink, about_trip, read_answer_token
from giveback.db.engine import locked, write_transaction
from giveback.db.keyset import Page, SortKey, keyset_page, page_size
from giveback.errors import Conflict, Gone, InvalidInput, NotFound, PermissionDenied
from giveback.hosts import services as hosts
from giveback.hosts.tables import HostRequest
from giveback.i18n import _
from giveback.i18n.formatting import format_date, format_date_range
from giveback.mail.outbox import Recipient, queue_templated
from giveback.organizations.tables import Organization
from giveback.settings import Settings
from giveback.topics.tables import Topic
from giveback.trips import lifecycle
from giveback.trips.facts import host_contacts, trip_facts
from giveback.trips.report_tables import ReminderSent, TripEvent, TripReport
from giveback.trips.schemas import (
    STATUSES,
    BriefingOut,
    ContactOut,
    EventOut,
    InviteAnswerOut,
    InviteView,
    NeedBrief,
    OutstandingOut,
    ReminderOut,
    ReportIn,
    ReportOut,
    TripDetail,
    TripMemberOut,
    TripOut,
)
from giveback.trips.tables import Trip, TripMember
from giveback.webhooks import delivery as webhooks

log = structlog.get_logger()

COORDINATORS = ("coordinator",)

# What a coordinator can do to a trip: the action (its form and API path) and the lifecycle transition it takes.
COORDINATOR_ACTIONS = {
    "postpone": "postponed",
    "reschedule": "rescheduled",
    "cancel": "cancelled",
    "decline": "declined",
    "complete": "completed",
}


def _now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return _now().date()


def is_coordinator(user: SignedIn) -> bool:
    return user.has(*COORDINATORS)


# --- reading ----------------------------------------------------------------------------------------------


async def _trip_row(trip_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = Trip.select().where(Trip.id == trip_id)
    row: dict[str, Any] | None = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(f"no trip {trip_id}", field="trip_id")
    return row


async def request_info(request_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Requests by id: title, country, organization (id and name) and primary need."""
    if not request_ids:
        return {}
    rows = await HostRequest.select(
        HostRequest.id,
        HostRequest.title,
        HostRequest.country,
        HostRequest.organization,
        HostRequest.organization.name.as_alias("organization_name"),
        HostRequest.primary_need,
    ).where(HostRequest.id.is_in(sorted(request_ids)))
    return {int(row["id"]): row for row in rows}


async def _members(trip_ids: list[int]) -> dict[int, list[TripMemberOut]]:
    if not trip_ids:
        return {}
    rows = await (
        TripMember.select(
            TripMember.trip, TripMember.person, TripMember.person.name.as_alias("name"), TripMember.response
        )
        .where(TripMember.trip.is_in(trip_ids))
        .order_by(TripMember.id)
    )
    members: dict[int, list[TripMemberOut]] = {}
    for row in rows:
        members.setdefault(int(row["trip"]), []).append(
            TripMemberOut(person_id=int(row["person"]), name=row["name"] or "", response=row["response"])
        )
    return members


async def _report_kinds(trip_ids: list[int]) -> dict[int, set[str]]:
    if not trip_ids:
        return {}
    rows = await TripReport.select(TripReport.trip, TripReport.kind).where(TripReport.trip.is_in(trip_ids))
    kinds: dict[int, set[str]] = {}
    for row in rows:
        kinds.setdefault(int(row["trip"]), set()).add(row["kind"])
    return kinds


async def trip_outs(rows: list[dict[str, Any]]) -> list[TripOut]:
    ids = [int(row["id"]) for row in rows]
    requests = await request_info({int(row["request"]) for row in rows})
    members = await _members(ids)
    kinds = await _report_kinds(ids)
    outs = []
    for row in rows:
        request = requests.get(int(row["request"]), {})
        outs.append(
            TripOut(
                id=int(row["id"]),
                uid=row["uid"],
                sequence=int(row["sequence"]),
                status=row["status"],
                status_reason=row["status_reason"],
                start=row["start"],
                end=row["end"],
                round_id=row["round"],
                request_id=int(row["request"]),
                request_title=request.get("title", ""),
                organization_id=int(request.get("organization") or 0),
                organization_name=request.get("organization_name") or "",
                country=request.get("country", ""),
                members=members.get(int(row["id"]), []),
                volunteer_report="volunteer" in kinds.get(int(row["id"]), set()),
                host_evaluation="host" in kinds.get(int(row["id"]), set()),
            )
        )
    return outs


async def _visible_trip_ids(user: SignedIn) -> set[int] | None:
    """The trips a person may see: None (all) for coordinators, else their own and their organizations'."""
    if is_coordinator(user):
        return None
    ids: set[int] = set()
    if user.has("volunteer"):
        rows = await TripMember.select(TripMember.trip).where(TripMember.person == user.person_id)
        ids |= {int(row["trip"]) for row in rows}
    if user.has("host"):
        organizations = await hosts.contact_organization_ids(user.person_id)
        if organizations:
            rows = await Trip.select(Trip.id).where(Trip.request.organization.is_in(organizations))
            ids |= {int(row["id"]) for row in rows}
    return ids


async def list_trips(user: SignedIn, *, status: str = "") -> list[TripOut]:
    """Every trip the person may see (with the status asked), the latest first."""
    query = await _visible_trips(user, status)
    if query is None:
        return []
    return await trip_outs(await query.order_by(Trip.start, ascending=False).order_by(Trip.id))


TRIP_START = SortKey(f"CAST({Trip.start._meta.get_full_name(with_alias=False)} AS TEXT)", str)


async def trip_page(
    user: SignedIn, *, status: str = "", cursor: str | None = None, limit: int | None = None
) -> Page[TripOut]:
    """One page of the trips the person may see, the latest first day first (then the newest trip)."""
    query = await _visible_trips(user, status)
    if query is None:
        return Page(items=[])
    rows, next_cursor = await keyset_page(
        query, key=TRIP_START, id_column=Trip.id, descending=True, cursor=cursor, limit=page_size(limit)
    )
    return Page(items=await trip_outs(rows), next_cursor=next_cursor)


async def _visible_trips(user: SignedIn, status: str) -> Any:
    """The query of the trips the person may see with the status asked; None when they may see none."""
    if status and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    visible = await _visible_trip_ids(user)
    query = Trip.select(*Trip.all_columns())
    if visible is not None:
        if not visible:
            return None
        query = query.where(Trip.id.is_in(sorted(visible)))
    if status:
        query = query.where(Trip.status == status)
    return query


async def can_see_trip(user: SignedIn, trip_id: int) -> bool:
    """Whether the trip is among those the person may see (``list_trips``)."""
    visible = await _visible_trip_ids(user)
    return visible is None or trip_id in visible


async def _seen_trip(user: SignedIn, trip_id: int) -> dict[str, Any]:
    row = await _trip_row(trip_id)
    visible = await _visible_trip_ids(user)
    if visible is not None and trip_id not in visible:
        raise NotFound(f"no trip {trip_id}", field="trip_id")
    return row


async def _is_member(person_id: int, trip_id: int) -> bool:
    return bool(
        await TripMember.exists().where(
            (TripMember.trip == trip_id) & (TripMember.person == person_id) & (TripMember.response != "declined")
        )
    )


async def _is_host_of(person_id: int, request_id: int) -> bool:
    request = await HostRequest.select(HostRequest.organization).where(HostRequest.id == request_id).first()
    return request is not None and await hosts.is_contact(person_id, int(request["organization"]))


async def _report_outs(trip_id: int) -> list[ReportOut]:
    rows = await (
        TripReport.select(*TripReport.all_columns(), TripReport.author.name.as_alias("author_name"))
        .output(load_json=True)
        .where(TripReport.trip == trip_id)
        .order_by(TripReport.id)
    )
    return [
        ReportOut(
            id=int(row["id"]),
            trip_id=int(row["trip"]),
            kind=row["kind"],
            author_id=row["author"],
            author_name=row["author_name"] or "",
            lectures=row["lectures"],
            lecture_hours=row["lecture_hours"],
            cases=list(row["cases"] or []),
            physicians=row["physicians"],
            trainees=row["trainees"],
            nurses=row["nurses"],
            technologists=row["technologists"],
            equipment_notes=row["equipment_notes"],
            rating_overall=row["rating_overall"],
            rating_teaching=row["rating_teaching"],
            rating_logistics=row["rating_logistics"],
            comments=row["comments"],
            submitted_at=row["submitted_at"],
        )
        for row in rows
    ]


async def _events(trip_id: int) -> list[EventOut]:
    rows = await (
        TripEvent.select(*TripEvent.all_columns(), TripEvent.actor.name.as_alias("actor_name"))
        .where(TripEvent.trip == trip_id)
        .order_by(TripEvent.id)
    )
    return [
        EventOut(
            at=row["at"],
            actor_id=row["actor"],
            actor_name=row["actor_name"] or (_("the platform") if row["actor"] is None else ""),
            action=row["action"],
            from_status=row["from_status"],
            to_status=row["to_status"],
            reason=row["reason"],
        )
        for row in rows
    ]


def actions_for(row: dict[str, Any]) -> list[str]:
    """The coordinator's actions that the trip allows now: those its state allows, but "mark completed" only
    once its first day has come."""
    early = row["status"] == "confirmed" and row["start"] > today()
    return [
        name
        for name, step in COORDINATOR_ACTIONS.items()
        if lifecycle.allowed(step, row["status"]) and not (name == "complete" and early)
    ]


async def report_roles(user: SignedIn, row: dict[str, Any]) -> list[str]:
    """The reports this person could file on the trip (whether or not it is their time yet)."""
    kinds = []
    if await _is_member(user.person_id, int(row["id"])):
        kinds.append("volunteer")
    if await _is_host_of(user.person_id, int(row["request"])):
        kinds.append("host")
    return kinds


async def _briefing(row: dict[str, Any]) -> BriefingOut | None:
    request = await hosts.request_by_id(int(row["request"]))
    if request is None:
        return None
    contacts = await host_contacts(request.organization_id)
    return BriefingOut(
        request_id=request.id,
        organization_short_name=request.organization_short_name,
        region=request.region,
        needs=[NeedBrief(topic=n.topic, weight=n.weight) for n in sorted(request.needs, key=lambda n: -n.weight)],
        primary_need=request.primary_need,
        languages=request.languages,
        formats=request.formats,
        provides=request.provides,
        duration_days=request.duration_days,
        team_size=request.team_size,
        advisory_level=request.advisory_level,
        host_contacts=[ContactOut(person_id=c.person_id, name=c.name, email=c.email) for c in contacts],
    )


async def get_trip(user: SignedIn, trip_id: int) -> TripDetail:
    """The trip as its reader may see it: the briefing, the timeline, the reports, and the steps they may take
    now (a volunteer's answer to their place, a coordinator's moves)."""
    row = await _seen_trip(user, trip_id)
    trip = (await trip_outs([row]))[0]
    filed = {kind for kind, done in (("volunteer", trip.volunteer_report), ("host", trip.host_evaluation)) if done}
    can_report = [k for k in await report_roles(user, row) if k not in filed] if row["status"] == "completed" else []
    mine = next((m.response for m in trip.members if m.person_id == user.person_id), "")
    coordinator = is_coordinator(user)
    return TripDetail(
        trip=trip,
        events=await _events(trip_id),
        reports=await _report_outs(trip_id),
        can_report_as=can_report,
        actions=actions_for(row) if coordinator else [],
        briefing=await _briefing(row),
        my_response=mine,
        can_answer=mine == "pending" and lifecycle.allowed("accepted", row["status"]),
        can_resend=coordinator
        and lifecycle.allowed("reinvited", row["status"])
        and any(m.response == "pending" for m in trip.members),
    )


async def answer_place(user: SignedIn, trip_id: int, wanted: str, *, settings: Settings) -> InviteAnswerOut:
    """A volunteer answers their place on the trip in the app, as the invite's links would (``lifecycle.answer``)."""
    member = (
        await TripMember.select(TripMember.id)
        .where((TripMember.trip == trip_id) & (TripMember.person == user.person_id))
        .first()
    )
    if member is None:
        await _seen_trip(user, trip_id)  # no trip, or not theirs to see: NotFound
        raise PermissionDenied(_("you have no place on this trip to answer"), field="answer")
    if wanted not in ("accepted", "declined"):
        raise InvalidInput(_("answer with accept or decline"), field="answer")
    return await lifecycle.answer(int(member["id"]), wanted, settings)


async def resend_invites(actor: SignedIn, trip_id: int, *, settings: Settings) -> int:
    """A coordinator sends the invite again to the trip's volunteers who have not answered; returns how many."""
    _require_coordinator(actor)
    await _trip_row(trip_id)
    return await lifecycle.resend_invites(trip_id, actor_id=actor.person_id, settings=settings)


async def waiting_answers(user: SignedIn) -> list[TripOut]:
    """The viewer's trips whose invite waits for their answer, first day first."""
    rows = await TripMember.select(TripMember.trip).where(
        (TripMember.person == user.person_id) & (TripMember.response == "pending")
    )
    ids = [int(r["trip"]) for r in rows]
    if not ids:
        return []
    trips = await Trip.select().where(Trip.id.is_in(ids) & Trip.status.is_in(list(lifecycle.BEFORE_TRAVEL)))
    return sorted(await trip_outs(trips), key=lambda t: (t.start, t.id))


# --- the coordinator's steps (what each does: giveback.trips.lifecycle) ---------------------------------------


def _require_coordinator(actor: SignedIn) -> None:
    if not is_coordinator(actor):
        raise PermissionDenied("only a coordinator moves a trip", field="role")


async def postpone(
    actor: SignedIn, trip_id: int, reason: str, *, start: date | None, end: date | None, settings: Settings
) -> TripDetail:
    """Put a trip on hold before travel (reason required), optionally with new tentative dates."""
    _require_coordinator(actor)
    await lifecycle.postpone(trip_id, reason, start=start, end=end, actor_id=actor.person_id, settings=settings)
    return await get_trip(actor, trip_id)


async def reschedule(
    actor: SignedIn, trip_id: int, start: date, end: date, reason: str, *, settings: Settings
) -> TripDetail:
    """New dates before travel (refused while a volunteer on the trip is booked then)."""
    _require_coordinator(actor)
    await lifecycle.reschedule(trip_id, start, end, reason, actor_id=actor.person_id, settings=settings)
    return await get_trip(actor, trip_id)


async def cancel(actor: SignedIn, trip_id: int, reason: str, *, settings: Settings) -> TripDetail:
    """Call a trip off before travel (reason required); the request goes back to the pool."""
    _require_coordinator(actor)
    await lifecycle.cancel(trip_id, reason, actor_id=actor.person_id, settings=settings)
    return await get_trip(actor, trip_id)


async def decline(actor: SignedIn, trip_id: int, reason: str, *, settings: Settings) -> TripDetail:
    """Record that the visit was declined (by the volunteers or the host); the request is reopened."""
    _require_coordinator(actor)
    await lifecycle.decline(trip_id, reason, actor_id=actor.person_id, settings=settings)
    return await get_trip(actor, trip_id)


async def complete(actor: SignedIn, trip_id: int, reason: str = "") -> TripDetail:
    """Mark a trip completed by hand: early (in progress) or late (confirmed, once its first day has come)."""
    _require_coordinator(actor)
    await lifecycle.complete(trip_id, reason, actor_id=actor.person_id)
    return await get_trip(actor, trip_id)


# --- answers to invites -----------------------------------------------------------------------------------


async def _member_trip(member_id: int) -> tuple[dict[str, Any], TripFacts]:
    member = await TripMember.select().where(TripMember.id == member_id).first()
    if member is None:
        raise NotFound("this invite is no longer valid: the trip was changed or removed", field="token")
    (facts,) = await trip_facts([int(member["trip"])])
    return member, facts


async def _answer_link(token: str, settings: Settings) -> tuple[AnswerLink, dict[str, Any], TripFacts]:
    """The link, its place and trip; a link past the trip's last day, or from an older invite while the place
    waits for an answer, is Gone with words that say which."""
    link = read_answer_token(settings.secret_key, token)
    if datetime.now(UTC).date() > link.last_day:
        raise Gone(_("this invite link has expired: the trip's last day has passed"), field="token")
    member, trip = await _member_trip(link.member_id)
    lifecycle.refuse_older_invite(link.sequence, trip.sequence, trip.status, member["response"])
    return link, member, trip


async def invite_view(token: str, settings: Settings) -> InviteView:
    """What an accept or decline link is about (showing it changes nothing)."""
    link, member, trip = await _answer_link(token, settings)
    event = trip_event(trip, settings.base_url)
    return InviteView(
        trip_id=trip.trip_id,
        summary=event.summary,
        location=event.location,
        first_day=trip.first_day,
        last_day=trip.last_day,
        trip_status=trip.status,
        answer=link.answer,
        response=member["response"],
        answerable=lifecycle.allowed("accepted", trip.status) and member["response"] == "pending",
    )


async def answer_invite(token: str, settings: Settings) -> InviteAnswerOut:
    """Record the answer a link stands for (``lifecycle.answer``, which checks the invite's SEQUENCE again under
    the trip's lock)."""
    link, _member, _trip = await _answer_link(token, settings)
    wanted = "accepted" if link.answer == "accept" else "declined"
    return await lifecycle.answer(link.member_id, wanted, settings, sent_in=link.sequence)


# --- reports ----------------------------------------------------------------------------------------------


async def _check_topics(data: ReportIn) -> None:
    slugs = {case.topic for case in data.cases}
    if not slugs:
        return
    known = {row["slug"] for row in await Topic.select(Topic.slug).where(Topic.slug.is_in(sorted(slugs)))}
    unknown = sorted(slugs - known)
    if unknown:
        raise InvalidInput(f"unknown topic {', '.join(unknown)} in the hands-on cases", field="cases")
    if len(data.cases) > 50:
        raise InvalidInput("at most 50 lines of hands-on cases", field="cases")


async def submit_report(user: SignedIn, trip_id: int, kind: str, data: ReportIn) -> ReportOut:
    """File the volunteer report (a member of the trip) or the host evaluation (a contact of the host).

    Only once the trip has ended (status completed) and only one of each per trip; when both are in, the
    trip becomes reported and its request fulfilled.
    """
    if kind not in ("volunteer", "host"):
        raise NotFound(f"no report kind {kind}", field="kind")
    await _check_topics(data)
    async with write_transaction(Trip._meta.db):
        row = await _seen_trip(user, trip_id)
        row = await _trip_row(trip_id, lock=True)
        allowed = await report_roles(user, row)
        if kind not in allowed:
            who = "a volunteer on this trip" if kind == "volunteer" else "a contact of the host organization"
            raise PermissionDenied(f"only {who} files this report", field="kind")
        if row["status"] != "completed":
            raise Conflict(
                f"reports are filed once the trip has ended (status completed); this trip is {row['status']}",
                field="status",
            )
        key = f"{trip_id}:{kind}"
        if await TripReport.exists().where(TripReport.key == key):
            raise Conflict(f"the {kind} report of this trip is filed already", field="kind")
        inserted = await TripReport.insert(
            TripReport(
                key=key,
                trip=trip_id,
                kind=kind,
                author=user.person_id,
                lectures=data.lectures,
                lecture_hours=data.lecture_hours,
                cases=[msgspec.to_builtins(case) for case in data.cases],
                physicians=data.physicians,
                trainees=data.trainees,
                nurses=data.nurses,
                technologists=data.technologists,
                equipment_notes=data.equipment_notes.strip(),
                rating_overall=data.rating_overall,
                rating_teaching=data.rating_teaching,
                rating_logistics=data.rating_logistics,
                comments=data.comments.strip(),
                submitted_at=_now(),
            )
        )
        report_id = int(inserted[0]["id"])
        await audit(user.person_id, "trip.report_filed", "trip", trip_id, kind=kind, report=report_id)
        if await webhooks.wanted("report.filed"):
            await webhooks.emit(
                "report.filed", await lifecycle.webhook_data(trip_id, report={"id": report_id, "kind": kind})
            )
        if await TripReport.count().where(TripReport.trip == trip_id) == 2:
            await lifecycle.report(trip_id, user.person_id)
    return next(report for report in await _report_outs(trip_id) if report.id == report_id)


async def list_reports(user: SignedIn, trip_id: int) -> list[ReportOut]:
    await _seen_trip(user, trip_id)
    return await _report_outs(trip_id)


# --- outstanding reports and reminders --------------------------------------------------------------------


async def owed_reports(trip_ids: list[int] | None = None) -> list[tuple[dict[str, Any], list[str]]]:
    """Completed trips with the reports still missing, oldest first; trips recorded from a program's history
    (``lifecycle.record_past_trips``) owe none."""
    recorded = TripEvent.select(TripEvent.trip).where(TripEvent.action == lifecycle.RECORDED)
    query = (
        Trip.select()
        .where((Trip.status == "completed") & Trip.id.not_in(recorded))
        .order_by(Trip.end)
        .order_by(Trip.id)
    )
    if trip_ids is not None:
        query = query.where(Trip.id.is_in(trip_ids or [0]))
    rows = await query
    kinds = await _report_kinds([int(row["id"]) for row in rows])
    owed = []
    for row in rows:
        missing = [kind for kind in ("volunteer", "host") if kind not in kinds.get(int(row["id"]), set())]
        if missing:
            owed.append((row, missing))
    return owed


async def outstanding(actor: SignedIn, *, on: date | None = None) -> list[OutstandingOut]:
    if not is_coordinator(actor):
        raise PermissionDenied("only a coordinator sees outstanding reports", field="role")
    day = on or today()
    owed = await owed_reports()
    requests = await request_info({int(row["request"]) for row, _ in owed})
    reminded: dict[int, datetime] = {}
    if owed:
        for reminder in await ReminderSent.select(ReminderSent.trip, ReminderSent.sent_at).where(
            ReminderSent.trip.is_in([int(row["id"]) for row, _ in owed])
        ):
            trip = int(reminder["trip"])
            if trip not in reminded or reminder["sent_at"] > reminded[trip]:
                reminded[trip] = reminder["sent_at"]
    return [
        OutstandingOut(
            trip_id=int(row["id"]),
            request_title=requests.get(int(row["request"]), {}).get("title", ""),
            organization_name=requests.get(int(row["request"]), {}).get("organization_name") or "",
            end=row["end"],
            days_since_end=(day - row["end"]).days,
            missing=missing,
            last_reminder=reminded.get(int(row["id"])),
        )
        for row, missing in owed
    ]


async def people_owing(row: dict[str, Any], missing: list[str]) -> list[Participant]:
    """Who is asked for the missing reports: the trip's volunteers and/or the host organization's contacts."""
    people: list[Participant] = []
    if "volunteer" in missing:
        (facts,) = await trip_facts([int(row["id"])])
        people += facts.travelling
    if "host" in missing:
        request = await HostRequest.select(HostRequest.organization).where(HostRequest.id == row["request"]).first()
        if request is not None:
            people += await host_contacts(int(request["organization"]))
    unique: dict[int, Participant] = {}
    for person in people:
        if person.email:
            unique.setdefault(person.person_id, person)
    return list(unique.values())


def reminder_values(facts: TripFacts, trip_id: int, base_url: str) -> Callable[[Recipient], dict[str, Any]]:
    """The report reminder's placeholders, written in each reader's language."""

    def values(_reader: Recipient) -> dict[str, Any]:
        return {
            "trip_title": facts.title,
            "host": facts.organization_short_name or facts.organization_name,
            "days": format_date_range(facts.first_day, facts.last_day),
            "last_day": format_date(facts.last_day),
            "link": f"{base_url.rstrip('/')}/trips/{trip_id}",
        }

    return values


async def claim_reminder(trip_id: int, person_id: int, kind: str) -> bool:
    """Record a reminder before sending it; False when it was recorded already (so it is never sent twice).

    The unique key and ``ON CONFLICT DO NOTHING`` keep this true even for two schedulers running at once.
    """
    key = f"{trip_id}:{person_id}:{kind}"
    inserted = (
        await ReminderSent.insert(ReminderSent(key=key, trip=trip_id, person=person_id, kind=kind, sent_at=_now()))
        .on_conflict(target=ReminderSent.key, action="DO NOTHING")
        .returning(ReminderSent.id)
    )
    return bool(inserted)


async def send_reminders(
    row: dict[str, Any], missing: list[str], kind: str, *, settings: Settings, base_url: str, actor_id: int | None
) -> int:
    """Record and queue (mail outbox) one reminder per person owing a report, in one transaction.

    The record and the queued e-mail commit together, and the outbox retries delivery: each reminder goes out
    exactly once however often this runs.
    """
    trip_id = int(row["id"])
    (facts,) = await trip_facts([trip_id])
    values = reminder_values(facts, trip_id, base_url)
    sent = 0
    async with write_transaction(ReminderSent._meta.db):
        for person in await recipients(p.person_id for p in await people_owing(row, missing)):
            assert person.person_id is not None
            if not await claim_reminder(trip_id, person.person_id, kind):
                continue
            queued = await queue_templated(
                settings=settings,
                message_name="report-reminder",
                to=[person],
                values=values,
                kind="reminder",
                about=about_trip(trip_id),
            )
            sent += len(queued)
        if sent or actor_id is not None:
            await audit(actor_id, "trip.reminded", "trip", int(row["id"]), kind=kind, sent=sent)
    return sent


async def remind(actor: SignedIn, trip_id: int, *, settings: Settings) -> ReminderOut:
    """A coordinator's reminder to everyone still owing a report on a completed trip."""
    if not is_coordinator(actor):
        raise PermissionDenied("only a coordinator sends reminders", field="role")
    row = await _trip_row(trip_id)
    owed = await owed_reports([trip_id])
    if not owed:
        raise Conflict(
            f"reminders go out for completed trips with missing reports; this trip is {row['status']}",
            field="status",
        )
    kind = f"manual-{_now().strftime('%Y%m%d%H%M%S%f')}"
    sent = await send_reminders(
        row, owed[0][1], kind, settings=settings, base_url=settings.base_url, actor_id=actor.person_id
    )
    return ReminderOut(trip_id=trip_id, sent_to=sent)


async def organization_name(organization_id: int) -> str:
    row = await Organization.select(Organization.name).where(Organization.id == organization_id).first()
    return str(row["name"]) if row else ""


async def person_name(person_id: int) -> str:
    row = await Person.select(Person.name).where(Person.id == person_id).first()
    return str(row["name"]) if row else ""
