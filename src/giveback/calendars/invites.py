"""iTIP invites: one e-mail per participant for a trip as the trips domain describes it, queued in the outbox.

Invites are rendered completely when queued, inside the caller's transaction (next to the trip change that
sends them), and delivered by ``giveback.mail.sender``. A volunteer's invite carries accept and decline links;
the trips domain reads them back (``read_answer_token``) and records the answer.

A link's token is encrypted and authenticated (Fernet: AES-128-CBC and HMAC-SHA256, with a key derived from
``GIVEBACK_SECRET_KEY``), so it shows no record id and cannot be forged. It holds the place, the answer, the
SEQUENCE of the invite it was sent in and the trip's last day then: the trips domain refuses a link from an
older invite (a newer one was sent) or one past that day.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Literal

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from giveback.calendars import ics
from giveback.calendars.events import Participant, TripFacts, trip_event, visit_name, withdrawn
from giveback.calendars.messages import invite_message
from giveback.errors import NotFound
from giveback.mail.messages import new_message_id
from giveback.mail.outbox import queue_message
from giveback.settings import Settings

Answer = Literal["accept", "decline"]
LINK_KEY_INFO = b"giveback invite answer links v2"
STALE_LINK = "this invite link is not valid; use the newest invite e-mail"
_PARTSTAT = {"accepted": "ACCEPTED", "declined": "DECLINED", "pending": "NEEDS-ACTION"}


def about_trip(trip_id: int) -> str:
    """The outbox's ``about`` key of a trip's messages."""
    return f"trip:{trip_id}"


@dataclass(frozen=True)
class AnswerLink:
    """What an accept or decline link stands for: a volunteer's place, the answer, and the invite it came in."""

    member_id: int
    answer: Answer
    sequence: int
    """The SEQUENCE of the invite the link was sent in."""
    last_day: date
    """The trip's last day when it was sent: the link works until that day ends."""


@lru_cache(maxsize=4)
def _links_key(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LINK_KEY_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def answer_token(secret_key: str, link: AnswerLink) -> str:
    """The token of an accept or decline link: encrypted, so it shows nothing, and authenticated."""
    data = {"m": link.member_id, "a": link.answer, "s": link.sequence, "x": link.last_day.isoformat()}
    return _links_key(secret_key).encrypt(json.dumps(data, separators=(",", ":")).encode()).decode()


def read_answer_token(secret_key: str, token: str) -> AnswerLink:
    """What a link stands for; a forged, mangled or foreign token is NotFound."""
    try:
        data = json.loads(_links_key(secret_key).decrypt(token.encode()))
        answer: Answer = "accept" if data["a"] == "accept" else "decline"
        if data["a"] not in ("accept", "decline") or not isinstance(data["m"], int) or not isinstance(data["s"], int):
            raise ValueError(data)
        return AnswerLink(int(data["m"]), answer, int(data["s"]), date.fromisoformat(data["x"]))
    except (InvalidToken, ValueError, TypeError, KeyError):
        raise NotFound(STALE_LINK, field="token") from None


def _attendees(trip: TripFacts, removed: list[Participant]) -> list[ics.Attendee]:
    """Everyone on the trip; a CANCEL to people who left names only them (RFC 5546 3.2.5)."""
    if removed:
        return [ics.Attendee(v.email, v.name, "REQ-PARTICIPANT", "DECLINED") for v in removed]
    people = [
        ics.Attendee(v.email, v.name, "REQ-PARTICIPANT", _PARTSTAT.get(v.response, "NEEDS-ACTION"))
        for v in trip.travelling
    ]
    known = {p.email for p in people}
    people += [ics.Attendee(c.email, c.name, "OPT-PARTICIPANT") for c in trip.contacts if c.email not in known]
    return people


def _text(event: ics.TripEvent, visit: str, method: ics.Method, links: tuple[str, str] | None, base_url: str) -> str:
    days = f"{event.first_day:%a %d %b %Y} – {event.last_day:%a %d %b %Y}"
    calendars = f"Your calendars: {base_url}/calendar"
    if method == "CANCEL":
        return (
            f"The visit “{visit}” ({days}) is cancelled for you.\n\n"
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
    ``removed_people`` instead sends only to volunteers who left the trip (used with ``CANCEL``): the event
    names only them, as declined attendees, and has no STATUS while the trip goes on. Each message supersedes the
    recipient's unsent older invites of the trip. The organizer is ``GIVEBACK_MAIL_FROM``; links start with
    ``settings.base_url``.
    """
    base = settings.base_url.rstrip("/")
    removed = [v for v in trip.volunteers if v.person_id in set(removed_people)]
    event = replace(trip_event(trip, base), attendees=_attendees(trip, removed))
    if removed:  # the trip goes on without them: its description must not tell them its status
        event = replace(event, description=_left_trip_description(trip))
    uninvite = bool(removed) and not withdrawn(trip)  # off an event that goes on, not a cancelled one
    calendar = ics.invite(event, method=method, organizer=ics.organizer_address(settings.mail_from), uninvite=uninvite)
    verb = "Cancelled" if method == "CANCEL" else ("Updated" if event.sequence else "Invitation")
    subject = f"{verb}: {visit_name(trip)} ({event.first_day:%d %b %Y})"
    recipients = _recipients(trip, removed)
    for recipient in recipients:
        links = None
        if method == "REQUEST" and recipient.member_id is not None:
            accept, decline = (
                answer_token(
                    settings.secret_key, AnswerLink(recipient.member_id, answer, event.sequence, trip.last_day)
                )
                for answer in ("accept", "decline")
            )
            links = (f"{base}/invites/{accept}", f"{base}/invites/{decline}")
        message_id = new_message_id(settings.mail_from, f"trip{trip.trip_id}.seq{event.sequence}")
        await queue_message(
            message_id=message_id,
            recipient=recipient.email,
            subject=subject,
            content=invite_message(
                mail_from=settings.mail_from,
                to=(recipient.name, recipient.email),
                subject=subject,
                text=_text(event, visit_name(trip), method, links, base),
                calendar=calendar,
                method=method,
                message_id=message_id,
            ),
            kind="invite",
            about=about_trip(trip.trip_id),
            method=method,
            sequence=event.sequence,
            supersedes=True,  # an older invite still queued for them would arrive after this one
        )
    return len(recipients)


def _left_trip_description(trip: TripFacts) -> str:
    return f"Visiting-professor trip to {trip.organization_name} for “{trip.title}”.\nYou are no longer on this trip."
