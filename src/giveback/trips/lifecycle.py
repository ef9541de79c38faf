"""The trip lifecycle: every transition of a trip, in one place, with the allowed ones as data (``TRANSITIONS``).

``proposed`` (a visit in a run's result) → approved → invited → confirmed → in_progress → completed →
reported, with the exits declined, postponed and cancelled before travel (product.md). Every transition here
is one transaction (joining the caller's, if any) with the trip row locked; from a state the table does not
allow it is refused with ``Conflict`` naming the allowed states; it writes a ``TripEvent`` and an audit row;
when the calendar event changes (dates, status, who travels) SEQUENCE rises and the invites that tell everyone
are queued, through the calendars domain, in the same transaction.

Who may take a step is the caller's business (``giveback.trips.services`` checks roles); this module holds
what a step does. Rounds open trips (``open_trip``), the invite links answer them (``answer``), coordinators
move them (``postpone`` … ``complete``), the scheduler starts and finishes them, the second report closes
them (``report``), and imports record trips of the past (``record_past_trip``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from giveback.accounts.services import audit, recipients
from giveback.accounts.tables import AuditEvent, Person, RoleGrant
from giveback.calendars import invites
from giveback.calendars.ics import Method
from giveback.db.bulk import changes as column_values
from giveback.db.bulk import insert_many
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, Gone, InvalidInput, NotFound
from giveback.hosts import services as hosts
from giveback.hosts.tables import HostRequest
from giveback.i18n import _
from giveback.i18n.formatting import format_date_range
from giveback.mail.outbox import Recipient, queue_templated
from giveback.settings import Settings
from giveback.text import checked_reason
from giveback.trips import booked
from giveback.trips.booked import DEFAULT_GAP_DAYS
from giveback.trips.bookings import bookings_of, refuse_if_booked, yearly_limits
from giveback.trips.facts import trip_facts
from giveback.trips.report_tables import TripEvent
from giveback.trips.schemas import InviteAnswerOut
from giveback.trips.tables import Trip, TripMember
from giveback.trips.travel_tables import TripDocument
from giveback.webhooks import delivery as webhooks

# The lifecycle's steps that webhooks announce (giveback.webhooks), by the event's name.
WEBHOOK_EVENTS = {
    "opened": "trip.approved",
    "confirmed": "trip.confirmed",
    "declined": "trip.declined",
    "cancelled": "trip.cancelled",
    "completed": "trip.completed",
}
PROPOSED = "proposed"
BEFORE_TRAVEL = ("approved", "invited", "confirmed")
PAST = ("completed", "reported", "cancelled")  # the states a trip of the past is recorded in
RECORDED = "recorded"
RECORD_CHANGED = "record_changed"
MAX_TRIP_DAYS = 60
HISTORY = "recorded from the program's history"
HISTORY_CHANGED = "changed from the program's history"


@dataclass(frozen=True)
class Transition:
    """A step of the lifecycle: the states it starts from, those it may lead to, and whether the calendar
    event changes (SEQUENCE rises)."""

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    bumps: bool = False
    withdraws_letters: str = ""
    """Why, when the step makes the trip's letters of invitation untrue: they are withdrawn with these words."""


TRANSITIONS: dict[str, Transition] = {
    "opened": Transition((PROPOSED,), ("approved",)),
    "invited": Transition(("approved",), ("invited",)),
    "reinvited": Transition(("invited",), ("invited",)),
    "accepted": Transition(BEFORE_TRAVEL, BEFORE_TRAVEL),
    "confirmed": Transition(("approved", "invited"), ("confirmed",), bumps=True),
    "member_declined": Transition(BEFORE_TRAVEL, BEFORE_TRAVEL, bumps=True),
    "member_added": Transition(BEFORE_TRAVEL, ("invited",), bumps=True),
    "postponed": Transition(BEFORE_TRAVEL, ("postponed",), bumps=True, withdraws_letters="the visit was postponed"),
    "rescheduled": Transition(
        (*BEFORE_TRAVEL, "postponed"),
        ("approved", "invited"),
        bumps=True,
        withdraws_letters="the visit's dates changed",
    ),
    "cancelled": Transition(
        (*BEFORE_TRAVEL, "postponed"), ("cancelled",), bumps=True, withdraws_letters="the visit was cancelled"
    ),
    "declined": Transition(BEFORE_TRAVEL, ("declined",), bumps=True, withdraws_letters="the visit was declined"),
    "started": Transition(("confirmed",), ("in_progress",)),
    "completed": Transition(("confirmed", "in_progress"), ("completed",)),
    "reported": Transition(("completed",), ("reported",)),
    RECORDED: Transition((PROPOSED,), PAST),
    RECORD_CHANGED: Transition(PAST, PAST, bumps=True),
}
"""Every transition by the action its ``TripEvent`` records. ``accepted`` and ``member_declined`` are one
volunteer's answer (the trip keeps its state unless everyone left); ``member_added`` puts a replacement on
the trip; ``reinvited`` sends the invite again to those who have not answered; ``recorded`` is a trip
of the past taken over from a program's history, ``record_changed`` the same
history telling it again with other facts (a second import)."""


def allowed(action: str, status: str) -> bool:
    """Whether ``action`` may start from a trip in ``status``."""
    return status in TRANSITIONS[action].sources


def _now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return _now().date()


def _state_words(states: Sequence[str]) -> str:
    """``approved, invited or confirmed``."""
    words = [state.replace("_", " ") for state in states]
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]


def check(action: str, row: dict[str, Any], words: str) -> None:
    """Refuse ``action`` from the trip's current state, naming the states it may start from."""
    if not allowed(action, row["status"]):
        raise Conflict(
            _(
                "a trip can be %(words)s only when it is %(states)s; this trip is %(status)s",
                words=words,
                states=_state_words(TRANSITIONS[action].sources),
                status=row["status"].replace("_", " "),
            ),
            field="status",
        )


async def _record(
    trip_id: int,
    actor_id: int | None,
    action: str,
    from_status: str,
    to_status: str,
    reason: str,
    details: dict[str, object],
    at: datetime | None = None,
) -> None:
    """Write a step to the trip's transition log and to the audit log, and queue its webhook event if it has one
    (``WEBHOOK_EVENTS``), inside the caller's transaction."""
    await TripEvent.insert(
        TripEvent(
            trip=trip_id,
            actor=actor_id,
            at=at or _now(),
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
    event = WEBHOOK_EVENTS.get(action)
    if event is not None and await webhooks.wanted(event):
        await webhooks.emit(event, await webhook_data(trip_id, reason=reason, from_status=from_status))


async def webhook_data(trip_id: int, **extra: object) -> dict[str, Any]:
    """A trip as its webhook events carry it: its dates, status, request and host, who travels (names only), and
    its page's address."""
    (facts,) = await trip_facts([trip_id])
    row = await Trip.select(Trip.round, Trip.request).where(Trip.id == trip_id).first()
    return {
        "trip": {
            "id": trip_id,
            "status": facts.status,
            "first_day": facts.first_day.isoformat(),
            "last_day": facts.last_day.isoformat(),
            "title": facts.title,
            "request_id": row["request"] if row else None,
            "round_id": row["round"] if row else None,
            "organization": {"id": facts.organization_id, "name": facts.organization_name},
            "country": facts.country,
            "volunteers": [{"name": v.name, "response": v.response} for v in facts.volunteers],
        },
        **extra,
    }


async def _move(
    row: dict[str, Any],
    actor_id: int | None,
    action: str,
    to_status: str,
    *,
    reason: str = "",
    changes: dict[Any, Any] | None = None,
    **details: object,
) -> dict[str, Any]:
    """Take one transition of a locked trip: its status (and columns), SEQUENCE when the table says the event
    changes, and the log; returns the row as it is now."""
    transition = TRANSITIONS[action]
    if row["status"] not in transition.sources or to_status not in transition.targets:
        raise Conflict(
            _(
                "a trip cannot go from %(status)s to %(to_status)s by %(action)s",
                status=row["status"],
                to_status=to_status,
                action=action,
            ),
            field="status",
        )
    values: dict[Any, Any] = {Trip.status: to_status, Trip.updated_at: _now(), **(changes or {})}
    if reason:
        values[Trip.status_reason] = reason
    if transition.bumps:
        values[Trip.sequence] = int(row["sequence"]) + 1
    await Trip.update(values).where(Trip.id == row["id"])
    await _record(int(row["id"]), actor_id, action, row["status"], to_status, reason, details)
    if transition.withdraws_letters:
        await _withdraw_letters(int(row["id"]), actor_id, transition.withdraws_letters)
    return await _trip_row(int(row["id"]))


async def _withdraw_letters(trip_id: int, actor_id: int | None, reason: str) -> None:
    """Withdraw the trip's letters of invitation still standing (inside the step's transaction): a consulate that
    checks one then reads that it no longer holds."""
    await TripDocument.update(
        {TripDocument.withdrawn_at: _now(), TripDocument.withdrawn_by: actor_id, TripDocument.withdrawn_reason: reason}
    ).where((TripDocument.trip == trip_id) & (TripDocument.kind == "invitation") & TripDocument.withdrawn_at.is_null())


async def _trip_row(trip_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = Trip.select().where(Trip.id == trip_id)
    row: dict[str, Any] | None = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(_("no trip %(trip_id)s", trip_id=trip_id), field="trip_id")
    return row


async def _tell(trip_id: int, method: Method, settings: Settings, removed_people: Sequence[int] = ()) -> None:
    """Queue the trip's invites as it is now (inside the caller's transaction)."""
    (facts,) = await trip_facts([trip_id])
    await invites.queue_invites(facts, method=method, settings=settings, removed_people=removed_people)


async def _invite(row: dict[str, Any], actor_id: int | None, settings: Settings) -> dict[str, Any]:
    """Send the trip (REQUEST) to everyone; an approved trip becomes invited."""
    if row["status"] == "approved":
        row = await _move(row, actor_id, "invited", "invited")
    await _tell(int(row["id"]), "REQUEST", settings)
    return row


async def _travelling(trip_id: int) -> list[int]:
    rows = await TripMember.select(TripMember.person).where(
        (TripMember.trip == trip_id) & (TripMember.response != "declined")
    )
    return [int(r["person"]) for r in rows]


async def _reopen_request(request_id: int, actor_id: int | None) -> None:
    """A declined or cancelled visit gives its request back to the pool (matched → accepted)."""
    request = await locked(HostRequest.select(HostRequest.status).where(HostRequest.id == request_id)).first()
    if request is not None and request["status"] == "matched":
        await hosts.reopen(request_id, actor_id)


def reason_text(reason: str, words: str) -> str:
    """A required reason, trimmed; blank or too long is InvalidInput naming ``reason``."""
    return checked_reason(reason, required=f"say why the trip is {words}")


def check_dates(start: date, end: date) -> None:
    """New dates of a trip: the last day not before the first, at most ``MAX_TRIP_DAYS``, not in the past."""
    if end < start:
        raise InvalidInput(_("the last day cannot be before the first day"), field="end")
    if (end - start).days + 1 > MAX_TRIP_DAYS:
        raise InvalidInput(_("a visit lasts at most %(max_trip_days)s days", max_trip_days=MAX_TRIP_DAYS), field="end")
    if start < today():
        raise InvalidInput(_("new dates must not be in the past"), field="start")


def new_uid(base_url: str) -> str:
    """A calendar UID for a new trip: created once, never changed."""
    return f"{uuid.uuid4()}@{urlsplit(base_url).hostname or 'giveback.local'}"


# --- opening a trip from an approved proposal --------------------------------------------------------------


@dataclass(frozen=True)
class NewMember:
    """A volunteer put on a trip, with their score breakdown from the proposal."""

    person_id: int
    score: dict[str, int]


async def open_trip(
    *,
    request_id: int,
    start: date,
    end: date,
    members: Sequence[NewMember],
    settings: Settings,
    actor_id: int | None,
    round_id: int | None = None,
    run_id: int | None = None,
    score: int = 0,
    gap_days: int = DEFAULT_GAP_DAYS,
    invite: bool = True,
) -> int:
    """An approved proposal becomes a trip: refused (Conflict, nothing written) when a volunteer is booked or
    the request no longer waits for a visit; else the request is matched, the trip and its places are created
    (``approved``), and the invites go out (``invited``; ``invite=False`` leaves that step for later).
    Returns the trip id."""
    async with write_transaction(Trip._meta.db):
        await refuse_if_booked([m.person_id for m in members], start, end, gap_days=gap_days, field="volunteers")
        await hosts.mark_matched(request_id, actor_id)
        inserted = await Trip.insert(
            Trip(
                uid=new_uid(settings.base_url),
                request=request_id,
                round=round_id,
                run=run_id,
                start=start,
                end=end,
                status="approved",
                score=score,
                gap_days=gap_days,
            )
        )
        trip_id = int(inserted[0]["id"])
        if members:
            await TripMember.insert(*[TripMember(trip=trip_id, person=m.person_id, score=m.score) for m in members])
        await _record(trip_id, actor_id, "opened", PROPOSED, "approved", "", {"round": round_id, "run": run_id})
        if invite:
            await _invite(await _trip_row(trip_id, lock=True), actor_id, settings)
    return trip_id


async def invite(trip_id: int, *, actor_id: int | None, settings: Settings) -> None:
    """Send an approved trip's invites (REQUEST) to everyone: it becomes ``invited``."""
    async with write_transaction(Trip._meta.db):
        row = await _trip_row(trip_id, lock=True)
        check("invited", row, "invited")
        await _invite(row, actor_id, settings)


async def add_members(
    trip_id: int, members: Sequence[NewMember], *, settings: Settings, actor_id: int | None, run_id: int | None = None
) -> None:
    """Replacements join a trip before travel: their places are created (pending), the trip is ``invited``
    again, SEQUENCE rises and everyone gets the updated invite (the newcomers with their answer links)."""
    async with write_transaction(Trip._meta.db):
        row = await _trip_row(trip_id, lock=True)
        check("member_added", row, "joined by a replacement")
        people = [m.person_id for m in members]
        on_trip = await TripMember.select(TripMember.person).where(TripMember.trip == trip_id)
        already = sorted({int(r["person"]) for r in on_trip} & set(people))
        if already:
            raise Conflict(_("a replacement cannot be someone who was on this trip already"), field="volunteers")
        await refuse_if_booked(people, row["start"], row["end"], gap_days=int(row["gap_days"]), field="volunteers")
        await TripMember.insert(*[TripMember(trip=trip_id, person=m.person_id, score=m.score) for m in members])
        row = await _move(row, actor_id, "member_added", "invited", people=people, run=run_id)
        await _tell(trip_id, "REQUEST", settings)


async def resend_invites(trip_id: int, *, actor_id: int | None, settings: Settings) -> int:
    """Send the invite again (same revision, so calendars keep one event) to the volunteers who have not
    answered; returns how many. Refused (Conflict) when everyone has answered."""
    async with write_transaction(Trip._meta.db):
        row = await _trip_row(trip_id, lock=True)
        check("reinvited", row, "sent its invite again")
        rows = await TripMember.select(TripMember.person).where(
            (TripMember.trip == trip_id) & (TripMember.response == "pending")
        )
        people = sorted(int(r["person"]) for r in rows)
        if not people:
            raise Conflict(_("every volunteer on this trip has answered; nobody waits for the invite"), field="status")
        await _record(trip_id, actor_id, "reinvited", row["status"], row["status"], "", {"people": people})
        (facts,) = await trip_facts([trip_id])
        await invites.queue_invites(facts, method="REQUEST", settings=settings, only_people=people)
    return len(people)


# --- a volunteer's answer -----------------------------------------------------------------------------------


def refuse_older_invite(sent_in: int | None, sequence: int, status: str, response: str) -> None:
    """An answer from an invite older than the trip's newest (``sent_in`` its SEQUENCE) is refused while the
    place still waits for one: the newer invite (new dates, a new team) asks again. Gone names the token."""
    if sent_in is not None and sent_in < sequence and response == "pending" and allowed("accepted", status):
        raise Gone(_("a newer invite was sent for this trip: use the links in the newest invite e-mail"), field="token")


async def answer(
    member_id: int, wanted: str, settings: Settings, *, sent_in: int | None = None, via: str = "link"
) -> InviteAnswerOut:
    """Record a volunteer's answer to their place (``accepted`` or ``declined``), with its consequences; ``via``
    (``link``, or ``calendar`` for an answer given in a calendar app) is kept in the trip's log.

    Accepting is refused while the volunteer is booked on other days too close (the booked rule); when every
    remaining volunteer has accepted, the trip is ``confirmed``. Declining frees the place: the decliner gets
    a CANCEL, the others an updated REQUEST, and the coordinators a message; with nobody left the trip is
    ``declined`` and its request returns to the pool. ``sent_in``: the SEQUENCE of the invite the answer came
    from (``refuse_older_invite``).
    """
    async with write_transaction(TripMember._meta.db):
        member = await locked(TripMember.select().where(TripMember.id == member_id)).first()
        if member is None:
            raise NotFound(_("this invite is no longer valid: the trip was changed or removed"), field="token")
        trip_id = int(member["trip"])
        row = await _trip_row(trip_id, lock=True)
        if member["response"] == wanted:
            return InviteAnswerOut(trip_id=trip_id, response=wanted, trip_status=row["status"], changed=False)
        refuse_older_invite(sent_in, int(row["sequence"]), row["status"], member["response"])
        if member["response"] != "pending":
            raise Conflict(
                _(
                    "you %(response)s this trip already; write to the coordinators to change it",
                    response=member["response"],
                ),
                field="answer",
            )
        if row["status"] not in BEFORE_TRAVEL:
            raise Conflict(
                _("this trip is %(status)s; it takes no answers", status=row["status"].replace("_", " ")),
                field="answer",
            )
        person_id = int(member["person"])
        if wanted == "accepted":
            await refuse_if_booked(
                [person_id],
                row["start"],
                row["end"],
                gap_days=int(row["gap_days"]),
                other_than=trip_id,
                field="answer",
                speaking_to=person_id,
            )
        await TripMember.update({TripMember.response: wanted}).where(TripMember.id == member_id)
        remaining = await TripMember.select(TripMember.response).where(
            (TripMember.trip == trip_id) & (TripMember.response != "declined")
        )
        everyone_accepted = bool(remaining) and all(r["response"] == "accepted" for r in remaining)
        if wanted == "accepted":
            row = await _move(row, person_id, "accepted", row["status"], member=member_id, via=via)
            if everyone_accepted and row["status"] in ("approved", "invited"):
                row = await _move(row, person_id, "confirmed", "confirmed")
                await _tell(trip_id, "REQUEST", settings)
            return InviteAnswerOut(trip_id=trip_id, response=wanted, trip_status=row["status"], changed=True)
        if not remaining:
            row = await _decline(
                row, person_id, "every volunteer declined the invitation", settings, member=member_id, via=via
            )
        else:
            status = "confirmed" if everyone_accepted and row["status"] in ("approved", "invited") else row["status"]
            row = await _move(row, person_id, "member_declined", status, member=member_id, via=via)
            await _tell(trip_id, "REQUEST", settings)
        await _tell(trip_id, "CANCEL", settings, removed_people=[person_id])
        await _tell_coordinators_of_decline(row, person_id, settings)
    return InviteAnswerOut(trip_id=trip_id, response=wanted, trip_status=row["status"], changed=True)


async def coordinators() -> list[Recipient]:
    """The coordinators as recipients (in their languages)."""
    rows = await RoleGrant.select(RoleGrant.person).where(RoleGrant.role == "coordinator")
    return await recipients(int(row["person"]) for row in rows)


async def _tell_coordinators_of_decline(row: dict[str, Any], person_id: int, settings: Settings) -> None:
    person = await Person.select(Person.name, Person.email).where(Person.id == person_id).first()
    assert person is not None
    (facts,) = await trip_facts([int(row["id"])])
    base = settings.base_url.rstrip("/")

    def values(_reader: Recipient) -> dict[str, Any]:
        return {
            "trip_title": facts.title,
            "host": facts.organization_short_name or facts.organization_name,
            "days": format_date_range(facts.first_day, facts.last_day),
            "volunteer": person["name"],
            "volunteer_email": person["email"],
            "nobody_left": row["status"] == "declined",
            "trip_link": f"{base}/trips/{row['id']}",
            "round_link": f"{base}/coordinator/rounds/{row['round'] or ''}",
        }

    await queue_templated(
        settings=settings,
        message_name="volunteer-declined",
        to=await coordinators(),
        values=values,
        about=invites.about_trip(int(row["id"])),
    )


# --- the coordinator's steps --------------------------------------------------------------------------------


async def postpone(
    trip_id: int,
    reason: str,
    *,
    start: date | None,
    end: date | None,
    actor_id: int | None,
    settings: Settings,
) -> None:
    """Put a trip on hold before travel (reason required), optionally with new tentative dates: those go out
    as an updated REQUEST; without them a CANCEL takes the old days out of everyone's calendar."""
    text = reason_text(reason, "postponed")
    if (start is None) != (end is None):
        raise InvalidInput(_("give both new dates, or neither"), field="end" if end is None else "start")
    if start is not None and end is not None:
        check_dates(start, end)
    async with write_transaction(Trip._meta.db):
        row = await _trip_row(trip_id, lock=True)
        check("postponed", row, "postponed")
        changes: dict[Any, Any] = {Trip.undated: start is None}
        details: dict[str, object] = {}
        if start is not None and end is not None:
            changes |= {Trip.start: start, Trip.end: end}
            details = {"start": start.isoformat(), "end": end.isoformat()}
        await _move(row, actor_id, "postponed", "postponed", reason=text, changes=changes, **details)
        await _tell(trip_id, "REQUEST" if start is not None else "CANCEL", settings)


async def reschedule(
    trip_id: int, start: date, end: date, reason: str, *, actor_id: int | None, settings: Settings
) -> None:
    """New dates before travel, refused (409 naming the other trip's dates) when a volunteer on the trip is booked
    then. SEQUENCE rises and the invites go out again; an invited or confirmed trip asks its volunteers again
    (answers back to pending)."""
    text = checked_reason(reason)
    check_dates(start, end)
    async with write_transaction(Trip._meta.db):
        row = await _trip_row(trip_id, lock=True)
        check("rescheduled", row, "rescheduled")
        if (row["start"], row["end"]) == (start, end) and not row["undated"]:
            raise InvalidInput(_("these are the trip's dates already"), field="start")
        await refuse_if_booked(
            await _travelling(trip_id), start, end, gap_days=int(row["gap_days"]), other_than=trip_id, field="start"
        )
        to_status = "invited" if row["status"] in ("invited", "confirmed") else "approved"
        if to_status == "invited":
            await TripMember.update({TripMember.response: "pending"}).where(
                (TripMember.trip == trip_id) & (TripMember.response != "declined")
            )
        row = await _move(
            row,
            actor_id,
            "rescheduled",
            to_status,
            reason=text,
            changes={Trip.start: start, Trip.end: end, Trip.undated: False},
            previous_start=row["start"].isoformat(),
            previous_end=row["end"].isoformat(),
            start=start.isoformat(),
            end=end.isoformat(),
        )
        await _invite(row, actor_id, settings)


async def cancel(trip_id: int, reason: str, *, actor_id: int | None, settings: Settings) -> None:
    """Call a trip off before travel (reason required): CANCEL invites, and the request goes back to the pool."""
    text = reason_text(reason, "cancelled")
    async with write_transaction(Trip._meta.db):
        row = await _trip_row(trip_id, lock=True)
        check("cancelled", row, "cancelled")
        await _move(row, actor_id, "cancelled", "cancelled", reason=text)
        await _tell(trip_id, "CANCEL", settings)
        await _reopen_request(int(row["request"]), actor_id)


async def decline(trip_id: int, reason: str, *, actor_id: int | None, settings: Settings) -> None:
    """Record that the visit was declined (by the volunteers or the host): like cancel, the request is reopened."""
    text = reason_text(reason, "declined")
    async with write_transaction(Trip._meta.db):
        row = await _trip_row(trip_id, lock=True)
        check("declined", row, "declined")
        await _decline(row, actor_id, text, settings)


async def _decline(
    row: dict[str, Any],
    actor_id: int | None,
    reason: str,
    settings: Settings,
    member: int | None = None,
    via: str = "link",
) -> dict[str, Any]:
    if member is None:
        row = await _move(row, actor_id, "declined", "declined", reason=reason)
    else:
        row = await _move(row, actor_id, "declined", "declined", reason=reason, member=member, via=via)
    await _tell(int(row["id"]), "CANCEL", settings)
    await _reopen_request(int(row["request"]), actor_id)
    return row


async def complete(trip_id: int, reason: str = "", *, actor_id: int | None) -> None:
    """Mark a trip completed by hand: early (in progress) or late (confirmed, once its first day has come)."""
    text = checked_reason(reason)
    async with write_transaction(Trip._meta.db):
        row = await _trip_row(trip_id, lock=True)
        check("completed", row, "marked completed")
        if row["status"] == "confirmed" and row["start"] > today():
            raise Conflict(_("a trip cannot be completed before its first day"), field="status")
        await _move(row, actor_id, "completed", "completed", reason=text)


# --- time-driven steps and the end ---------------------------------------------------------------------------


async def scheduled_step(trip_id: int, action: str) -> bool:
    """The scheduler's move of one trip (``started``: confirmed → in progress; ``completed``: in progress →
    completed); False when the trip is no longer in the state it starts from (another worker took it)."""
    to_status = TRANSITIONS[action].targets[0]
    expected = "confirmed" if action == "started" else "in_progress"
    async with write_transaction(Trip._meta.db):
        row = await locked(Trip.select().where(Trip.id == trip_id)).first()
        if row is None or row["status"] != expected:
            return False
        await _move(row, None, action, to_status, reason="scheduled")
    return True


async def report(trip_id: int, actor_id: int | None) -> None:
    """Both reports are in (inside the filing's transaction): the trip is ``reported``, its request fulfilled."""
    async with write_transaction(Trip._meta.db):
        row = await _trip_row(trip_id, lock=True)
        check("reported", row, "reported")
        await _move(row, actor_id, "reported", "reported", reason="both reports are in")
        await hosts.mark_fulfilled(int(row["request"]), actor_id)


# --- trips of the past ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastTrip:
    """A trip of the past as a program's history tells it (the caller has made its request)."""

    request_id: int
    start: date
    end: date
    people: tuple[int, ...]  # everyone who travelled (or was to, for a cancelled trip)
    status: str = "completed"  # completed, reported or cancelled
    reason: str = ""  # why a cancelled trip was called off
    at: datetime | None = None  # when it happened, for the log (default: its last day)
    round_id: int | None = None
    uid: str | None = None
    sequence: int = 0
    score: int = 0
    gap_days: int = DEFAULT_GAP_DAYS


def _check_past(trip: PastTrip) -> None:
    if trip.status not in PAST:
        raise InvalidInput(_("a past trip is recorded as completed, reported or cancelled"), field="status")
    if trip.end < trip.start:
        raise InvalidInput(_("the last day cannot be before the first day"), field="end")
    if trip.status != "cancelled" and trip.end >= today():
        raise InvalidInput(_("a trip of the past ended before today"), field="end")


async def _refuse_past_clashes(
    trips: Sequence[tuple[int | None, PastTrip]], *, within_yearly_limits: bool, lock: bool = True
) -> None:
    """The booked rule for trips of the past, taken together: nobody is on two visits at once (in the past
    too), nor on one too close to a live trip, nor (``within_yearly_limits``) beyond their yearly limit.
    Each pair is (the trip's id when it is recorded already and changes, else None); Conflict names the
    volunteer and the other trip's days. One query for everyone, however many trips."""
    people = sorted({person for _, trip in trips for person in trip.people})
    places = await bookings_of(people, lock=lock)
    changing = {trip_id for trip_id, _ in trips if trip_id is not None}
    for person in places:
        places[person] = [b for b in places[person] if b.trip_id not in changing]
    limits = await yearly_limits(people) if within_yearly_limits else {}
    for index, (trip_id, trip) in enumerate(trips):
        if trip.status == "cancelled":
            continue  # a cancelled trip holds no days
        for person in trip.people:
            reason = booked.booked_reason(places[person], limits.get(person), trip.start, trip.end, trip.gap_days)
            other = booked.overlapping(places[person], trip.start, trip.end)
            if reason is not None or other is not None:
                row = await Person.select(Person.name).where(Person.id == person).first()
                name = row["name"] if row else _("a volunteer")
                if other is not None:
                    raise Conflict(
                        _(
                            "%(name)s is on another trip %(days)s on some of these days",
                            name=name,
                            days=booked.Days(other.start, other.end),
                        ),
                        field="volunteers",
                    )
                raise Conflict(
                    _(
                        "%(name)s is booked for %(days)s: %(reason)s",
                        name=name,
                        days=booked.Days(trip.start, trip.end),
                        reason=reason,
                    ),
                    field="volunteers",
                )
            places[person].append(
                booked.Booking(trip_id=trip_id or -1 - index, status=trip.status, start=trip.start, end=trip.end)
            )


def _moment(trip: PastTrip) -> datetime:
    return trip.at or datetime(trip.end.year, trip.end.month, trip.end.day, 12, tzinfo=UTC)


def _past_values(trip: PastTrip) -> dict[str, Any]:
    return {
        "start": trip.start,
        "end": trip.end,
        "status": trip.status,
        "status_reason": trip.reason if trip.status == "cancelled" else HISTORY,
        "gap_days": trip.gap_days,
    }


def _past_members(trip_id: int, trip: PastTrip) -> list[dict[str, Any]]:
    return [dict(trip=trip_id, person=person, response="accepted", score={}) for person in trip.people]


def _log_rows(
    trip_ids: Sequence[int], actor_id: int | None, action: str, reason: str, moments: Sequence[datetime], moves: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The transition log's and the audit log's rows for many steps at once (what ``_record`` writes for one)."""
    events, audits = [], []
    for trip_id, at, (from_status, to_status) in zip(trip_ids, moments, moves, strict=True):
        events.append(
            dict(
                trip=trip_id,
                actor=actor_id,
                at=at,
                action=action,
                from_status=from_status,
                to_status=to_status,
                reason=reason,
                details={},
            )
        )
        audits.append(
            dict(
                actor=actor_id,
                action=f"trip.{action}",
                subject_type="trip",
                subject_id=trip_id,
                details={"from_status": from_status, "to_status": to_status, "reason": reason},
            )
        )
    return events, audits


async def record_past_trips(
    trips: Sequence[PastTrip],
    *,
    changes: Mapping[int, PastTrip] | None = None,
    actor_id: int | None = None,
    base_url: str = "",
    within_yearly_limits: bool = True,
) -> list[int]:
    """Take over trips of the past from a program's history (an import, the demo), in one go: visits that
    happened (``completed``, reports still to come, or ``reported``) or were called off (``cancelled``), with
    their volunteers (who accepted) and no invites; ``changes`` gives trips recorded before (by id) their new
    facts (SEQUENCE rises for the feeds). Returns the new trips' ids in the order given.

    All of it is refused (Conflict naming the volunteer and the other trip, nothing written) when it would put
    a volunteer on two visits at once, onto a live trip's days, or (``within_yearly_limits``) beyond their
    yearly limit; an import records history as it happened and leaves the limit to the trips still to come.
    Rows are written in bulk (``giveback.db.bulk``): tens of thousands of trips take seconds.
    """
    changes = dict(changes or {})
    for trip in [*trips, *changes.values()]:
        _check_past(trip)
    async with write_transaction(Trip._meta.db):
        old = {}
        if changes:
            rows = await locked(
                Trip.select(Trip.id, Trip.status, Trip.sequence).where(Trip.id.is_in(sorted(changes)))
            ).run()
            old = {int(row["id"]): row for row in rows}
            if set(old) != set(changes):
                raise NotFound(_("no trip %(trip_id)s", trip_id=min(set(changes) - set(old))), field="trip_id")
            recorded = await recorded_trip_ids(sorted(changes))
            for trip_id in sorted(changes):
                if trip_id not in recorded:
                    raise Conflict(
                        _("trip %(trip_id)s was made on the platform; history cannot change it", trip_id=trip_id),
                        field="trip_id",
                    )
                check(RECORD_CHANGED, old[trip_id], "changed from history")
        await _refuse_past_clashes(
            [*[(None, trip) for trip in trips], *changes.items()], within_yearly_limits=within_yearly_limits
        )
        moments = [_moment(trip) for trip in trips]
        trip_ids = await insert_many(
            Trip,
            [
                dict(
                    uid=trip.uid or new_uid(base_url),
                    sequence=trip.sequence,
                    request=trip.request_id,
                    round=trip.round_id,
                    score=trip.score,
                    created_at=at,
                    updated_at=at,
                    **_past_values(trip),
                )
                for trip, at in zip(trips, moments, strict=True)
            ],
        )
        now = _now()
        for trip_id, trip in changes.items():
            values = {**_past_values(trip), "sequence": int(old[trip_id]["sequence"]) + 1, "updated_at": now}
            await Trip.update(column_values(values)).where(Trip.id == trip_id)
        if changes:
            await TripMember.delete().where(TripMember.trip.is_in(sorted(changes)))
        await insert_many(
            TripMember,
            [
                member
                for trip_id, trip in [*zip(trip_ids, trips, strict=True), *changes.items()]
                for member in _past_members(trip_id, trip)
            ],
        )
        events, audits = _log_rows(
            trip_ids, actor_id, RECORDED, HISTORY, moments, [(PROPOSED, trip.status) for trip in trips]
        )
        changed_events, changed_audits = _log_rows(
            list(changes),
            actor_id,
            RECORD_CHANGED,
            HISTORY_CHANGED,
            [now] * len(changes),
            [(old[trip_id]["status"], trip.status) for trip_id, trip in changes.items()],
        )
        await insert_many(TripEvent, [*events, *changed_events])
        await insert_many(AuditEvent, [*audits, *changed_audits])
    return trip_ids


async def record_past_trip(
    *,
    request_id: int,
    start: date,
    end: date,
    people: Sequence[int],
    status: str = "completed",
    reason: str = "",
    at: datetime | None = None,
    round_id: int | None = None,
    actor_id: int | None = None,
    uid: str | None = None,
    sequence: int = 0,
    score: int = 0,
    gap_days: int = DEFAULT_GAP_DAYS,
    base_url: str = "",
) -> int:
    """One trip of the past (``record_past_trips`` for one, within the volunteers' yearly limits); returns its id.
    ``at`` is when it happened for the log (default: its last day)."""
    trip = PastTrip(
        request_id=request_id,
        start=start,
        end=end,
        people=tuple(people),
        status=status,
        reason=reason,
        at=at,
        round_id=round_id,
        uid=uid,
        sequence=sequence,
        score=score,
        gap_days=gap_days,
    )
    (trip_id,) = await record_past_trips([trip], actor_id=actor_id, base_url=base_url)
    return trip_id


async def recorded_trip_ids(trip_ids: Sequence[int]) -> set[int]:
    """Those of the trips that were recorded from history (and may be changed the same way)."""
    found: set[int] = set()
    for start in range(0, len(trip_ids), 5000):
        rows = await TripEvent.select(TripEvent.trip).where(
            (TripEvent.action == RECORDED) & TripEvent.trip.is_in(list(trip_ids[start : start + 5000]))
        )
        found |= {int(row["trip"]) for row in rows}
    return found
