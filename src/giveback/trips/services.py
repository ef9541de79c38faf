"""Trips after approval: the coordinator's transitions, the two reports, reminders, and who may see what.

Lifecycle (product.md): approved → invited → confirmed → in_progress → completed → reported, with the exits
declined, postponed and cancelled before travel. The calendars domain moves approved → invited → confirmed;
this module owns the coordinator's moves (postpone, reschedule, cancel, decline, complete), the time-driven ones
(``giveback.trips.scheduler``) and ``reported``. Every move is one transaction, is refused with ``Conflict``
from the wrong state, writes a ``TripEvent`` and an audit row, and — when the calendar event changes (dates,
postponed, cancelled, declined) — bumps the trip's SEQUENCE and queues the invites that tell everyone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

import msgspec
import structlog

from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.accounts.tables import Person
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from giveback.hosts import services as hosts
from giveback.hosts.tables import HostRequest
from giveback.organizations.tables import Organization
from giveback.settings import Settings
from giveback.text import checked_reason
from giveback.topics.tables import Topic
from giveback.trips.history import RECORDED
from giveback.trips.report_tables import ReminderSent, TripEvent, TripReport
from giveback.trips.schemas import (
    STATUSES,
    EventOut,
    OutstandingOut,
    ReminderOut,
    ReportIn,
    ReportOut,
    TripDetail,
    TripMemberOut,
    TripOut,
)
from giveback.trips.tables import Trip, TripMember

log = structlog.get_logger()

COORDINATORS = ("coordinator",)
BEFORE_TRAVEL = ("approved", "invited", "confirmed")
DELIVERED = ("completed", "reported")
MAX_TRIP_DAYS = 60
Method = Literal["REQUEST", "CANCEL"]

# action: (states it may start from, the state it leads to)
COORDINATOR_ACTIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "postpone": (BEFORE_TRAVEL, "postponed"),
    "reschedule": ((*BEFORE_TRAVEL, "postponed"), None),
    "cancel": ((*BEFORE_TRAVEL, "postponed"), "cancelled"),
    "decline": (BEFORE_TRAVEL, "declined"),
    "complete": (("confirmed", "in_progress"), "completed"),
}


def _now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return _now().date()


def is_coordinator(user: SignedIn) -> bool:
    return user.has(*COORDINATORS)


async def queue_invites(trip_id: int, *, method: Method, base_url: str) -> None:
    """Queue the calendar invites through the calendars domain, inside the caller's transaction.

    Imported at call time: the calendars domain imports this module (it moves approved → invited).
    A REQUEST for an ``approved`` trip moves it on to ``invited`` there.
    """
    from giveback.calendars.services import queue_invites as queue

    await queue(trip_id, method=method, base_url=base_url)


# --- reading ----------------------------------------------------------------------------------------------


async def _trip_row(trip_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = Trip.select().where(Trip.id == trip_id)
    row: dict[str, Any] | None = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(f"no trip {trip_id}", field="trip_id")
    return row


async def _request_info(request_ids: set[int]) -> dict[int, dict[str, Any]]:
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
    requests = await _request_info({int(row["request"]) for row in rows})
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
    if status and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    visible = await _visible_trip_ids(user)
    query = Trip.select().order_by(Trip.start, ascending=False).order_by(Trip.id)
    if visible is not None:
        if not visible:
            return []
        query = query.where(Trip.id.is_in(sorted(visible)))
    if status:
        query = query.where(Trip.status == status)
    return await trip_outs(await query)


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
            actor_name=row["actor_name"] or ("scheduler" if row["actor"] is None else ""),
            action=row["action"],
            from_status=row["from_status"],
            to_status=row["to_status"],
            reason=row["reason"],
        )
        for row in rows
    ]


def actions_for(status: str) -> list[str]:
    return [name for name, (sources, _) in COORDINATOR_ACTIONS.items() if status in sources]


async def report_roles(user: SignedIn, row: dict[str, Any]) -> list[str]:
    """The reports this person could file on the trip (whether or not it is their time yet)."""
    kinds = []
    if await _is_member(user.person_id, int(row["id"])):
        kinds.append("volunteer")
    if await _is_host_of(user.person_id, int(row["request"])):
        kinds.append("host")
    return kinds


async def get_trip(user: SignedIn, trip_id: int) -> TripDetail:
    row = await _seen_trip(user, trip_id)
    trip = (await trip_outs([row]))[0]
    filed = {kind for kind, done in (("volunteer", trip.volunteer_report), ("host", trip.host_evaluation)) if done}
    can_report = [k for k in await report_roles(user, row) if k not in filed] if row["status"] == "completed" else []
    return TripDetail(
        trip=trip,
        events=await _events(trip_id),
        reports=await _report_outs(trip_id),
        can_report_as=can_report,
        actions=actions_for(row["status"]) if is_coordinator(user) else [],
    )


# --- transitions ------------------------------------------------------------------------------------------


async def record(
    trip_id: int,
    actor_id: int | None,
    action: str,
    from_status: str,
    to_status: str,
    reason: str = "",
    **details: object,
) -> None:
    """Write a step to the trip's transition log and to the audit log (inside the caller's transaction)."""
    await TripEvent.insert(
        TripEvent(
            trip=trip_id,
            actor=actor_id,
            at=_now(),
            action=action,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            details=details,
        )
    )
    await audit(
        actor_id,
        f"trip.{action}",
        "trip",
        trip_id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        **details,
    )


async def move(
    row: dict[str, Any],
    actor_id: int | None,
    action: str,
    to_status: str,
    *,
    reason: str = "",
    bump: bool = False,
    changes: dict[Any, Any] | None = None,
    **details: object,
) -> None:
    """Change a locked trip's status (and columns), bump SEQUENCE when asked, and log the step."""
    values: dict[Any, Any] = {Trip.status: to_status, Trip.updated_at: _now(), **(changes or {})}
    if reason:
        values[Trip.status_reason] = reason
    if bump:
        values[Trip.sequence] = int(row["sequence"]) + 1
    await Trip.update(values).where(Trip.id == row["id"])
    await record(int(row["id"]), actor_id, action, row["status"], to_status, reason, **details)


def _reason(reason: str, action: str) -> str:
    return checked_reason(reason, required=f"say why the trip is {action}")


def _check_dates(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("the last day cannot be before the first day", field="end")
    if (end - start).days + 1 > MAX_TRIP_DAYS:
        raise InvalidInput(f"a visit lasts at most {MAX_TRIP_DAYS} days", field="end")
    if start < today():
        raise InvalidInput("new dates must not be in the past", field="start")


async def _coordinator_row(actor: SignedIn, trip_id: int, action: str) -> dict[str, Any]:
    """Lock the trip and check the caller's role and the trip's state for one coordinator action."""
    if not is_coordinator(actor):
        raise PermissionDenied("only a coordinator moves a trip", field="role")
    row = await _trip_row(trip_id, lock=True)
    sources, _ = COORDINATOR_ACTIONS[action]
    if row["status"] not in sources:
        raise Conflict(
            f"a trip can be {_past(action)} only when it is {' or '.join(sources)}; this trip is {row['status']}",
            field="status",
        )
    return row


def _past(action: str) -> str:
    return {"reschedule": "rescheduled", "complete": "marked completed"}.get(action, f"{action.rstrip('e')}ed")


async def _reopen_request(request_id: int, actor_id: int | None) -> None:
    request = await locked(HostRequest.select(HostRequest.status).where(HostRequest.id == request_id)).first()
    if request is not None and request["status"] == "matched":
        await hosts.reopen(request_id, actor_id)


async def postpone(
    actor: SignedIn, trip_id: int, reason: str, *, start: date | None, end: date | None, base_url: str
) -> TripDetail:
    """Put a trip on hold before travel (reason required), optionally with new tentative dates."""
    text = _reason(reason, "postponed")
    if (start is None) != (end is None):
        raise InvalidInput("give both new dates, or neither", field="end" if end is None else "start")
    if start is not None and end is not None:
        _check_dates(start, end)
    async with write_transaction(Trip._meta.db):
        row = await _coordinator_row(actor, trip_id, "postpone")
        changes: dict[Any, Any] = {}
        details: dict[str, object] = {}
        if start is not None and end is not None:
            changes = {Trip.start: start, Trip.end: end}
            details = {"start": start.isoformat(), "end": end.isoformat()}
        await move(row, actor.person_id, "postponed", "postponed", reason=text, bump=True, changes=changes, **details)
        await queue_invites(trip_id, method="REQUEST" if changes else "CANCEL", base_url=base_url)
    return await get_trip(actor, trip_id)


async def reschedule(
    actor: SignedIn, trip_id: int, start: date, end: date, reason: str, *, base_url: str
) -> TripDetail:
    """New dates before travel: SEQUENCE rises, answers are asked again, invites (REQUEST) are queued.

    An approved or postponed trip becomes approved (the calendars domain sends the invites); an invited or
    confirmed one becomes invited, its members' answers reset to pending.
    """
    _check_dates(start, end)
    async with write_transaction(Trip._meta.db):
        row = await _coordinator_row(actor, trip_id, "reschedule")
        if (row["start"], row["end"]) == (start, end):
            raise InvalidInput("these are the trip's dates already", field="start")
        await _check_members_free(trip_id, start, end)
        to_status = "invited" if row["status"] in ("invited", "confirmed") else "approved"
        if to_status == "invited":
            await TripMember.update({TripMember.response: "pending"}).where(
                (TripMember.trip == trip_id) & (TripMember.response != "declined")
            )
        await move(
            row,
            actor.person_id,
            "rescheduled",
            to_status,
            reason=checked_reason(reason),
            bump=True,
            changes={Trip.start: start, Trip.end: end},
            previous_start=row["start"].isoformat(),
            previous_end=row["end"].isoformat(),
            start=start.isoformat(),
            end=end.isoformat(),
        )
        await queue_invites(trip_id, method="REQUEST", base_url=base_url)
    return await get_trip(actor, trip_id)


async def overlapping_place(
    person_ids: list[int], *, other_than: int, start: date, end: date, accepted_only: bool
) -> dict[str, Any] | None:
    """The first place one of these people holds on another live trip (before travel or travelling) whose days
    overlap ``start``–``end``, as ``name``, ``start`` and ``end``; None when they are free.

    A place is an answer other than declined, or only an accept with ``accepted_only``. The people's rows are
    locked (in id order) for the caller's transaction, so two changes that would put one volunteer on two
    trips at once take turns, and the second sees the first.
    """
    if not person_ids:
        return None
    await locked(Person.select(Person.id).where(Person.id.is_in(person_ids)).order_by(Person.id)).run()
    place = (TripMember.response == "accepted") if accepted_only else (TripMember.response != "declined")
    found: dict[str, Any] | None = (
        await TripMember.select(
            TripMember.person.name.as_alias("name"),
            TripMember.trip.start.as_alias("start"),
            TripMember.trip.end.as_alias("end"),
        )
        .where(
            TripMember.person.is_in(person_ids)
            & (TripMember.trip != other_than)
            & place
            & TripMember.trip.status.is_in([*BEFORE_TRAVEL, "in_progress"])
            & (TripMember.trip.start <= end)
            & (TripMember.trip.end >= start)
        )
        .order_by(TripMember.trip.start)
        .first()
    )
    return found


async def _check_members_free(trip_id: int, start: date, end: date) -> None:
    """Refuse new dates on which one of the trip's volunteers (not declined) holds a place on another live trip."""
    members = [
        int(r["person"])
        for r in await TripMember.select(TripMember.person).where(
            (TripMember.trip == trip_id) & (TripMember.response != "declined")
        )
    ]
    other = await overlapping_place(members, other_than=trip_id, start=start, end=end, accepted_only=False)
    if other is not None:
        raise Conflict(
            f"{other['name']} is on another trip {other['start']} – {other['end']}, which overlaps these dates",
            field="start",
        )


async def cancel(actor: SignedIn, trip_id: int, reason: str, *, base_url: str) -> TripDetail:
    """Call a trip off before travel (reason required): CANCEL invites, and the request goes back to the pool."""
    text = _reason(reason, "cancelled")
    async with write_transaction(Trip._meta.db):
        row = await _coordinator_row(actor, trip_id, "cancel")
        await move(row, actor.person_id, "cancelled", "cancelled", reason=text, bump=True)
        await queue_invites(trip_id, method="CANCEL", base_url=base_url)
        await _reopen_request(int(row["request"]), actor.person_id)
    return await get_trip(actor, trip_id)


async def decline(actor: SignedIn, trip_id: int, reason: str, *, base_url: str) -> TripDetail:
    """Record that the visit was declined (by the volunteers or the host): like cancel, the request is reopened."""
    text = _reason(reason, "declined")
    async with write_transaction(Trip._meta.db):
        row = await _coordinator_row(actor, trip_id, "decline")
        await mark_declined(row, actor.person_id, text, base_url=base_url)
    return await get_trip(actor, trip_id)


async def mark_declined(row: dict[str, Any], actor_id: int | None, reason: str, *, base_url: str) -> None:
    """Declined, inside the caller's transaction with the trip row locked (the calendars domain calls this when
    a volunteer declines): SEQUENCE rises, CANCEL invites are queued, and the request is reopened."""
    if row["status"] not in BEFORE_TRAVEL:
        raise Conflict(f"only a trip before travel can be declined; this trip is {row['status']}", field="status")
    await move(row, actor_id, "declined", "declined", reason=reason, bump=True)
    await queue_invites(int(row["id"]), method="CANCEL", base_url=base_url)
    await _reopen_request(int(row["request"]), actor_id)


async def complete(actor: SignedIn, trip_id: int, reason: str = "") -> TripDetail:
    """Mark a trip completed by hand: early (in progress) or late (confirmed, once its first day has come)."""
    async with write_transaction(Trip._meta.db):
        row = await _coordinator_row(actor, trip_id, "complete")
        if row["status"] == "confirmed" and row["start"] > today():
            raise Conflict("a trip cannot be completed before its first day", field="status")
        await move(row, actor.person_id, "completed", "completed", reason=checked_reason(reason))
    return await get_trip(actor, trip_id)


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
        if await TripReport.count().where(TripReport.trip == trip_id) == 2:
            await move(row, user.person_id, "reported", "reported", reason="both reports are in")
            await hosts.mark_fulfilled(int(row["request"]), user.person_id)
    return next(report for report in await _report_outs(trip_id) if report.id == report_id)


async def list_reports(user: SignedIn, trip_id: int) -> list[ReportOut]:
    await _seen_trip(user, trip_id)
    return await _report_outs(trip_id)


# --- outstanding reports and reminders --------------------------------------------------------------------


async def owed_reports(trip_ids: list[int] | None = None) -> list[tuple[dict[str, Any], list[str]]]:
    """Completed trips with the reports still missing, oldest first; trips recorded from a program's history
    (``trips.history``) owe none."""
    recorded = TripEvent.select(TripEvent.trip).where(TripEvent.action == RECORDED)
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
    requests = await _request_info({int(row["request"]) for row, _ in owed})
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


async def people_owing(row: dict[str, Any], missing: list[str]) -> list[dict[str, Any]]:
    """Who is asked for the missing reports: the trip's volunteers and/or the host organization's contacts."""
    people: list[dict[str, Any]] = []
    if "volunteer" in missing:
        people += await TripMember.select(
            TripMember.person.as_alias("id"), TripMember.person.email, TripMember.person.name
        ).where((TripMember.trip == row["id"]) & (TripMember.response != "declined"))
    if "host" in missing:
        request = await HostRequest.select(HostRequest.organization).where(HostRequest.id == row["request"]).first()
        if request is not None:
            from giveback.hosts.tables import OrganizationClaim

            people += await OrganizationClaim.select(
                OrganizationClaim.person.as_alias("id"), OrganizationClaim.person.email, OrganizationClaim.person.name
            ).where(
                (OrganizationClaim.organization == request["organization"]) & (OrganizationClaim.status == "approved")
            )
    seen: set[int] = set()
    unique = []
    for person in people:
        if int(person["id"]) not in seen and person["person.email"]:
            seen.add(int(person["id"]))
            unique.append(person)
    return unique


def reminder_text(row: dict[str, Any], name: str, title: str, base_url: str) -> tuple[str, str]:
    subject = f"Giveback: your report on the visit {row['start'].isoformat()} – {row['end'].isoformat()} is due"
    body = (
        f'Hello {name},\n\nthe visit "{title}" ended on {row["end"].isoformat()}. Please file your report:\n\n'
        f"{base_url}/trips/{row['id']}\n\nThe program counts lectures, hands-on cases and attendees from these "
        "reports; thank you for taking ten minutes.\n"
    )
    return subject, body


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
    """Record and queue (calendars outbox) one reminder per person owing a report, in one transaction.

    The record and the queued e-mail commit together, and the outbox retries delivery: each reminder goes out
    exactly once however often this runs.
    """
    from giveback.calendars.services import queue_notice

    requests = await _request_info({int(row["request"])})
    title = requests.get(int(row["request"]), {}).get("title", "")
    sent = 0
    async with write_transaction(ReminderSent._meta.db):
        for person in await people_owing(row, missing):
            if not await claim_reminder(int(row["id"]), int(person["id"]), kind):
                continue
            subject, body = reminder_text(row, person["person.name"], title, base_url)
            await queue_notice(
                settings=settings, to=[(person["person.name"], person["person.email"])], subject=subject, text=body
            )
            sent += 1
        if sent or actor_id is not None:
            await audit(actor_id, "trip.reminded", "trip", int(row["id"]), kind=kind, sent=sent)
    return sent


async def remind(actor: SignedIn, trip_id: int, *, settings: Settings, base_url: str) -> ReminderOut:
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
    sent = await send_reminders(row, owed[0][1], kind, settings=settings, base_url=base_url, actor_id=actor.person_id)
    return ReminderOut(trip_id=trip_id, sent_to=sent)


async def organization_name(organization_id: int) -> str:
    row = await Organization.select(Organization.name).where(Organization.id == organization_id).first()
    return str(row["name"]) if row else ""


async def person_name(person_id: int) -> str:
    row = await Person.select(Person.name).where(Person.id == person_id).first()
    return str(row["name"]) if row else ""
