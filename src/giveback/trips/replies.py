"""Answers given in calendar apps: Yes or No clicked in Gmail, Outlook, Apple Calendar or Thunderbird comes back
as an iTIP REPLY to the program mailbox; the worker reads it (``read_program_mailbox``) and applies it as the
answer the signed link in the invite gives (``lifecycle.answer``: accept; decline frees the place, tells the
others and the coordinators).

An answer is trusted only when it came to the reply address of the attendee it names (its token,
``giveback.calendars.replies``) and that attendee is a volunteer on the trip with its UID; anything else is
refused. Answers are taken newest first by (SEQUENCE, DTSTAMP), and one older than an answer already given
(another calendar answer, an answer by link, or a change of dates that asked everyone again) changes nothing,
so an old answer never undoes a newer one. A maybe (TENTATIVE), a delegation and a counter-proposal (COUNTER)
are not applied: they are kept for the coordinators, who are told by e-mail. Every answer read is recorded
(``CalendarReply``) with its outcome; the coordinators' page lists those that were not applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import parseaddr
from hashlib import sha256
from typing import Any

import structlog

from giveback.accounts.tables import Person
from giveback.calendars.replies import CalendarAnswer, calendar_answers, reply_token, tokens_addressed
from giveback.db.engine import write_transaction
from giveback.errors import DomainError
from giveback.i18n import _
from giveback.i18n.labels import label
from giveback.mail import mailbox
from giveback.mail.messages import as_text, new_message, new_message_id
from giveback.mail.outbox import queue_message
from giveback.settings import Settings
from giveback.trips import lifecycle
from giveback.trips.booked import days_text
from giveback.trips.facts import trip_facts
from giveback.trips.report_tables import TripEvent
from giveback.trips.tables import CalendarReply, Trip, TripMember

log = structlog.get_logger()

APPLIED = ("applied", "unchanged")
KEPT_FOR_COORDINATORS = ("not_applied", "tentative", "delegated", "counter")
OUTCOMES = (
    *APPLIED,
    *KEPT_FOR_COORDINATORS,
    "no_answer",  # the attendee's PARTSTAT still NEEDS-ACTION
    "stale",  # older than an answer already given
    "no_token",  # not sent to any reply address
    "forged",  # sent to a reply address that is not the attendee's
    "unknown_trip",  # no trip has the event's UID
    "not_on_trip",  # the attendee is not a volunteer on the trip
    "unknown_version",  # a SEQUENCE no invite of the trip ever had
    "unsupported",  # an iTIP method other than REPLY or COUNTER
    "unreadable",  # a calendar part no parser reads
)
TRUSTED = (*APPLIED, *KEPT_FOR_COORDINATORS, "no_answer")
"""Outcomes of answers that passed every check: the newest of them is what an older answer is measured by."""
LINK_ANSWERS = ("accepted", "member_declined", "declined")
WANTED = {"ACCEPTED": "accepted", "DECLINED": "declined"}
KEPT = {"TENTATIVE": "tentative", "DELEGATED": "delegated"}


@dataclass(frozen=True)
class _Answer:
    key: str
    sender: str
    message: EmailMessage
    answer: CalendarAnswer


def _message_key(message: EmailMessage, content: bytes) -> str:
    message_id = str(message.get("Message-ID", "")).strip()
    return message_id[:240] if message_id else "sha256:" + sha256(content).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def read_program_mailbox(settings: Settings) -> list[str]:
    """Read the program mailbox's new messages (GIVEBACK_IMAP_*), apply the calendar answers among them and mark
    them read; returns the outcome of each answer. Nothing is read when GIVEBACK_IMAP_HOST is empty."""
    if not settings.imap_host:
        return []
    received = await mailbox.unread_messages(settings)
    outcomes = await receive_messages([item.content for item in received], settings)
    await mailbox.mark_read(settings, [item.uid for item in received])
    return outcomes


async def receive_messages(contents: Sequence[bytes], settings: Settings) -> list[str]:
    """Record and apply the calendar answers in these e-mails (whole messages as bytes), newest answer first;
    returns the outcome of each. Messages without a calendar part are left alone; one read before is skipped."""
    answers: list[_Answer] = []
    outcomes: list[str] = []
    for content in contents:
        message = message_from_bytes(content, policy=default)
        assert isinstance(message, EmailMessage)
        key = _message_key(message, content)
        if await CalendarReply.exists().where(CalendarReply.message_key == key):
            continue
        sender = parseaddr(str(message.get("From", "")))[1][:320]
        found = calendar_answers(message)
        if found is None:
            log.info("mailbox.not_a_calendar_answer", message_id=key, sender=sender)
            continue
        if not found:
            await CalendarReply.insert(CalendarReply(message_key=key, sender=sender, outcome="unreadable"))
            outcomes.append("unreadable")
            continue
        answers += [
            _Answer(f"{key}#{number}" if number else key, sender, message, answer)
            for number, answer in enumerate(found)
        ]
    answers.sort(key=lambda a: (a.answer.sequence, a.answer.stamp), reverse=True)
    for answer in answers:
        outcomes.append(await _receive(answer, settings))
    return outcomes


async def _receive(received: _Answer, settings: Settings) -> str:
    answer = received.answer
    record: dict[Any, Any] = {
        CalendarReply.message_key: received.key,
        CalendarReply.sender: received.sender,
        CalendarReply.method: answer.method[:10],
        CalendarReply.uid: answer.uid[:255],
        CalendarReply.sequence: answer.sequence,
        CalendarReply.stamp: answer.stamp,
        CalendarReply.comment: answer.comment,
        CalendarReply.proposed_start: answer.proposed_start,
        CalendarReply.proposed_end: answer.proposed_end,
    }
    tokens = tokens_addressed(received.message, settings.program_mailbox)
    attendee = next(
        (a for a in answer.attendees if reply_token(settings.secret_key, answer.uid, a.email) in tokens), None
    )
    named = attendee or (answer.attendees[0] if answer.attendees else None)
    if named is not None:
        record |= {
            CalendarReply.attendee: named.email[:320],
            CalendarReply.partstat: named.partstat[:20],
            CalendarReply.delegated_to: named.delegated_to[:320],
        }
    if answer.method not in ("REPLY", "COUNTER"):
        return await _keep(record, "unsupported")
    if attendee is None:
        return await _keep(record, "forged" if tokens else "no_token")
    trip = await Trip.select(Trip.id, Trip.sequence).where(Trip.uid == answer.uid).first()
    if trip is None:
        return await _keep(record, "unknown_trip")
    record[CalendarReply.trip] = trip["id"]
    members = await TripMember.select(
        TripMember.id, TripMember.person, TripMember.person.email.as_alias("email")
    ).where(TripMember.trip == trip["id"])
    member = next((m for m in members if str(m["email"]).strip().lower() == attendee.email), None)
    if member is None:
        return await _keep(record, "not_on_trip")
    record[CalendarReply.member] = member["id"]
    if answer.sequence > int(trip["sequence"]):
        return await _keep(record, "unknown_version")
    if await _older_than_known(answer, int(trip["id"]), int(member["id"]), int(member["person"])):
        return await _keep(record, "stale")
    if answer.method == "COUNTER":
        return await _keep(record, "counter", settings)
    wanted = WANTED.get(attendee.partstat)
    if wanted is None:
        return await _keep(record, KEPT.get(attendee.partstat, "no_answer"), settings)
    try:
        async with write_transaction(CalendarReply._meta.db):
            result = await lifecycle.answer(
                int(member["id"]), wanted, settings, sent_in=answer.sequence, via="calendar"
            )
            outcome = "applied" if result.changed else "unchanged"
            await _store(record, outcome)
    except DomainError as refusal:
        return await _keep(record, "not_applied", settings, detail=str(refusal))
    log.info("calendar_answer.applied", trip=trip["id"], member=member["id"], answer=wanted, changed=result.changed)
    return outcome


async def _older_than_known(answer: CalendarAnswer, trip_id: int, member_id: int, person_id: int) -> bool:
    """Whether a newer answer of this volunteer is known: a trusted calendar answer with a later (SEQUENCE,
    DTSTAMP), an answer by link given after DTSTAMP, or new dates (or their joining) that asked them again."""
    newest = (
        await CalendarReply.select(CalendarReply.sequence, CalendarReply.stamp)
        .where((CalendarReply.member == member_id) & CalendarReply.outcome.is_in(list(TRUSTED)))
        .order_by(CalendarReply.sequence, ascending=False)
        .order_by(CalendarReply.stamp, ascending=False)
        .first()
    )
    known = (int(newest["sequence"]), _aware(newest["stamp"])) if newest and newest["stamp"] else None
    if known is not None and (answer.sequence, answer.stamp) < known:
        return True
    events = (
        await TripEvent.select(TripEvent.action, TripEvent.at, TripEvent.details)
        .where((TripEvent.trip == trip_id) & TripEvent.action.is_in(["rescheduled", "member_added", *LINK_ANSWERS]))
        .output(load_json=True)
    )
    for event in events:
        details = event["details"] if isinstance(event["details"], dict) else {}
        asked_again = event["action"] == "rescheduled" or (
            event["action"] == "member_added" and person_id in details.get("people", [])
        )
        by_link = event["action"] in LINK_ANSWERS and details.get("member") == member_id
        by_link = by_link and details.get("via", "link") == "link"
        if (asked_again or by_link) and answer.stamp < _aware(event["at"]):
            return True
    return False


async def _store(record: dict[Any, Any], outcome: str, detail: str = "") -> None:
    values = {column._meta.name: value for column, value in record.items()}
    await CalendarReply.insert(CalendarReply(**values, outcome=outcome, detail=detail[:2000]))


async def _keep(record: dict[Any, Any], outcome: str, settings: Settings | None = None, detail: str = "") -> str:
    """Record an answer that is not applied; those kept for the coordinators are also mailed to them."""
    async with write_transaction(CalendarReply._meta.db):
        await _store(record, outcome, detail)
        if settings is not None and outcome in KEPT_FOR_COORDINATORS:
            await _tell_coordinators(record, outcome, detail, settings)
    log.info("calendar_answer.kept", outcome=outcome, uid=record.get(CalendarReply.uid, ""))
    return outcome


async def _tell_coordinators(record: dict[Any, Any], outcome: str, detail: str, settings: Settings) -> None:
    trip_id = int(record[CalendarReply.trip])
    (facts,) = await trip_facts([trip_id])
    host = facts.organization_short_name or facts.organization_name
    member = await TripMember.select(TripMember.person).where(TripMember.id == record[CalendarReply.member]).first()
    person = (
        await Person.select(Person.name, Person.email).where(Person.id == member["person"]).first() if member else None
    )
    name = person["name"] if person else record.get(CalendarReply.attendee, "")
    visit = f"“{facts.title}” at {host} ({days_text(facts.first_day, facts.last_day)})"
    if outcome == "counter":
        start, end = record[CalendarReply.proposed_start], record[CalendarReply.proposed_end]
        what: str = _("other dates, %(days)s", days=days_text(start, end) if start and end else "?")
        why = _("Other dates are never taken over by themselves: reschedule the trip if they suit everyone.")
    elif outcome == "delegated":
        what = _("the place passed on to %(address)s", address=record.get(CalendarReply.delegated_to) or "?")
        why = _("A place cannot be passed on from a calendar: a replacement is chosen on the round page.")
    elif outcome == "tentative":
        what = label("calendar_partstat", "TENTATIVE")
        why = _("A maybe is not recorded: ask them to accept or decline with the links in their invite.")
    else:
        what = label("calendar_partstat", record.get(CalendarReply.partstat, ""))
        why = _("It was not applied: %(reason)s.", reason=detail)
    base = settings.base_url.rstrip("/")
    answers_page, trip_page = f"{base}/coordinator/calendar-answers", f"{base}/trips/{trip_id}"
    subject = _("Calendar answer to look at: %(name)s – %(title)s (%(host)s)", name=name, title=facts.title, host=host)
    text = _(
        "%(name)s answered the invite to the visit %(visit)s in their calendar app: %(what)s.\n\n%(why)s\n\n"
        "Calendar answers: %(answers)s\nTrip: %(trip)s",
        name=name,
        visit=visit,
        what=what,
        why=why,
        answers=answers_page,
        trip=trip_page,
    )
    for coordinator in await lifecycle.coordinators():
        message_id = new_message_id(settings.mail_from, "calendar-answer")
        message = new_message(
            mail_from=settings.mail_from,
            to=(coordinator.name, coordinator.email),
            subject=subject,
            message_id=message_id,
        )
        message.set_content(str(text))
        await queue_message(
            message_id=message_id,
            recipient=coordinator.email,
            subject=subject,
            content=as_text(message),
            kind="notice",
            about=f"trip:{trip_id}",
        )


@dataclass(frozen=True)
class KeptAnswer:
    """A calendar answer that was not applied, as the coordinators' page shows it."""

    received_at: datetime
    attendee: str
    sender: str
    partstat: str
    outcome: str
    detail: str
    comment: str
    trip_id: int | None
    trip_title: str
    host: str
    proposed_start: Any
    proposed_end: Any


async def kept_answers(limit: int = 200) -> list[KeptAnswer]:
    """The newest calendar answers that were not applied (refused, stale, or kept for a coordinator)."""
    rows = (
        await CalendarReply.select()
        .where(CalendarReply.outcome.not_in(list(APPLIED)))
        .order_by(CalendarReply.received_at, ascending=False)
        .order_by(CalendarReply.id, ascending=False)
        .limit(limit)
    )
    trip_ids = sorted({int(row["trip"]) for row in rows if row["trip"] is not None})
    trips = {facts.trip_id: facts for facts in await trip_facts(trip_ids)}
    return [
        KeptAnswer(
            received_at=_aware(row["received_at"]),
            attendee=row["attendee"],
            sender=row["sender"],
            partstat=row["partstat"],
            outcome=row["outcome"],
            detail=row["detail"],
            comment=row["comment"],
            trip_id=row["trip"],
            trip_title=trips[row["trip"]].title if row["trip"] in trips else "",
            host=trips[row["trip"]].organization_name if row["trip"] in trips else "",
            proposed_start=row["proposed_start"],
            proposed_end=row["proposed_end"],
        )
        for row in rows
    ]
