"""iTIP invites: one e-mail per participant for a trip as the trips domain describes it, queued in the outbox.

Invites are rendered completely when queued, inside the caller's transaction (next to the trip change that
sends them), and delivered by ``giveback.mail.sender``. A volunteer's invite carries signed accept and decline
links; the trips domain reads them back (``read_answer_token``) and records the answer.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Literal

from itsdangerous import BadSignature, URLSafeSerializer

from giveback.calendars import ics
from giveback.calendars.events import Participant, TripFacts, trip_event
from giveback.calendars.messages import invite_message
from giveback.calendars.replies import reply_address
from giveback.errors import NotFound
from giveback.mail.messages import new_message_id
from giveback.mail.outbox import queue_message
from giveback.settings import Settings

Answer = Literal["accept", "decline"]
INVITE_SALT = "giveback.invite-answer"
STALE_LINK = "this invite link is not valid; use the newest invite e-mail"
_PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED", "pending": "NEEDS-ACTION"}


def about_trip(trip_id: int) -> str:
    """The outbox's ``about`` key of a trip's messages."""
    return f"trip:{trip_id}"


def answer_token(secret_key: str, member_id: int, answer: Answer) -> str:
    """The signed token of an accept or decline link for one volunteer's place on one trip."""
    return str(URLSafeSerializer(secret_key, salt=INVITE_SALT).dumps({"m": member_id, "a": answer}))


def read_answer_token(secret_key: str, token: str) -> tuple[int, Answer]:
    """The place and the answer a link stands for; a forged or mangled token is NotFound."""
    try:
        data = URLSafeSerializer(secret_key, salt=INVITE_SALT).loads(token)
    except BadSignature:
        raise NotFound(STALE_LINK, field="token") from None
    if not isinstance(data, dict) or data.get("a") not in ("accept", "decline") or not isinstance(data.get("m"), int):
        raise NotFound(STALE_LINK, field="token")
    answer: Answer = "accept" if data["a"] == "accept" else "decline"
    return int(data["m"]), answer


def _attendees(trip: TripFacts, removed: list[Participant]) -> list[ics.Attendee]:
    """The volunteers, asked for an answer, then the host contacts: they do not travel, so they are named for
    information only (NON-PARTICIPANT, RSVP=FALSE: no answer buttons)."""
    people = [
        ics.Attendee(v.email, v.name, "REQ-PARTICIPANT", _PARTSTAT.get(v.response, "NEEDS-ACTION"))
        for v in trip.travelling
    ]
    people += [ics.Attendee(v.email, v.name, "REQ-PARTICIPANT", "DECLINED") for v in removed]
    known = {p.email for p in people}
    people += [
        ics.Attendee(c.email, c.name, "NON-PARTICIPANT", "NEEDS-ACTION", rsvp=False)
        for c in trip.contacts
        if c.email not in known
    ]
    return people


def _text(event: ics.TripEvent, method: ics.Method, links: tuple[str, str] | None, base_url: str) -> str:
    days = f"{event.first_day:%a %d %b %Y} – {event.last_day:%a %d %b %Y}"
    calendars = f"Your calendars: {base_url}/calendar"
    if method == "CANCEL":
        return (
            f"The visit “{event.summary}” ({days}) is cancelled for you.\n\n"
            f"The calendar attachment removes it from your calendar.\n\n{calendars}"
        )
    text = f"{event.summary}\n{days}\n{event.location}\n\n{event.description}"
    if links:
        text += f"\n\nAccept your place on this trip: {links[0]}\n\nDecline (frees your place): {links[1]}"
    return f"{text}\n\n{calendars}"


def _recipients(trip: TripFacts, removed: list[Participant]) -> list[Participant]:
    if removed:
        return removed
    travelling = trip.travelling
    known = {v.person_id for v in travelling}
    return travelling + [c for c in trip.contacts if c.person_id not in known]


async def queue_invites(
    trip: TripFacts, *, method: ics.Method, settings: Settings, removed_people: Collection[int] = ()
) -> int:
    """Queue one iTIP message per recipient for the trip as described; returns how many were queued.

    Runs inside the caller's transaction (opens none). Recipients: the volunteers who have not declined
    (each with their own accept and decline links on a REQUEST) and the host organization's contacts.
    ``removed_people`` instead sends only to volunteers who left the trip, named as declined attendees
    (used with ``CANCEL``). The organizer is the recipient's own reply address in the program mailbox
    (``giveback.calendars.replies``), also the message's Reply-To; links start with ``settings.base_url``. Only
    the volunteers' copies block the days (TRANSP:OPAQUE); a host contact's shows them as free.
    """
    base = settings.base_url.rstrip("/")
    removed = [v for v in trip.volunteers if v.person_id in set(removed_people)]
    event = replace(trip_event(trip, base), attendees=_attendees(trip, removed))
    organizer_name = ics.organizer_address(settings.mail_from)[0]
    verb = "Cancelled" if method == "CANCEL" else ("Updated" if event.sequence else "Invitation")
    subject = f"{verb}: {event.summary} ({event.first_day:%d %b %Y})"
    recipients = _recipients(trip, removed)
    for recipient in recipients:
        organizer = reply_address(settings, trip.uid, recipient.email)
        travels = recipient.member_id is not None
        calendar = ics.invite(event, method=method, organizer=(organizer_name, organizer), busy=travels)
        links = None
        if method == "REQUEST" and recipient.member_id is not None:
            links = (
                f"{base}/invites/{answer_token(settings.secret_key, recipient.member_id, 'accept')}",
                f"{base}/invites/{answer_token(settings.secret_key, recipient.member_id, 'decline')}",
            )
        message_id = new_message_id(settings.mail_from, f"trip{trip.trip_id}.seq{event.sequence}")
        await queue_message(
            message_id=message_id,
            recipient=recipient.email,
            subject=subject,
            content=invite_message(
                mail_from=settings.mail_from,
                to=(recipient.name, recipient.email),
                subject=subject,
                text=_text(event, method, links, base),
                calendar=calendar,
                method=method,
                message_id=message_id,
                reply_to=organizer,
            ),
            kind="invite",
            about=about_trip(trip.trip_id),
            method=method,
            sequence=event.sequence,
        )
    return len(recipients)
