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
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from giveback.accounts import services as accounts
from giveback.calendars import ics
from giveback.calendars.events import Participant, TripFacts, trip_event, volunteer_names, withdrawn
from giveback.calendars.messages import invite_message
from giveback.calendars.replies import reply_address
from giveback.errors import NotFound
from giveback.i18n import _, translate, use_locale
from giveback.i18n.formatting import format_date_range
from giveback.i18n.labels import label
from giveback.mail.messages import new_message_id
from giveback.mail.outbox import Recipient, queue_message, render_to
from giveback.settings import Settings

Answer = Literal["accept", "decline"]
LINK_KEY_INFO = b"giveback invite answer links v2"
STALE_LINK = _("this invite link is not valid; use the newest invite e-mail")
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
    """Everyone on the trip; a CANCEL to people who left names only them (RFC 5546 3.2.5). The volunteers are
    asked for an answer; the host contacts do not travel, so they are named for information only
    (NON-PARTICIPANT, RSVP=FALSE: no answer buttons)."""
    if removed:
        return [ics.Attendee(v.email, v.name, "REQ-PARTICIPANT", "DECLINED") for v in removed]
    people = [
        ics.Attendee(v.email, v.name, "REQ-PARTICIPANT", _PARTSTAT.get(v.response, "NEEDS-ACTION"))
        for v in trip.travelling
    ]
    known = {p.email for p in people}
    people += [
        ics.Attendee(c.email, c.name, "NON-PARTICIPANT", "NEEDS-ACTION", rsvp=False)
        for c in trip.contacts
        if c.email not in known
    ]
    return people


def _recipients(trip: TripFacts, removed: list[Participant], only: Collection[int] = ()) -> list[Participant]:
    if removed:
        return removed
    if only:
        return [v for v in trip.travelling if v.person_id in set(only)]
    travelling = trip.travelling
    known = {v.person_id for v in travelling}
    return travelling + [c for c in trip.contacts if c.person_id not in known]


def _values(
    trip: TripFacts, event: ics.TripEvent, links: tuple[str, str] | None, base_url: str, accepted: bool = False
) -> dict[str, Any]:
    """The invite's placeholders, in the current language (the reader's)."""
    return {
        "accepted": accepted,
        "trip_link": f"{base_url}/trips/{trip.trip_id}",
        "trip_title": trip.title,
        "host": trip.organization_short_name or trip.organization_name,
        "days": format_date_range(trip.first_day, trip.last_day),
        "location": event.location,
        "volunteers": volunteer_names(trip),
        "status": translate(label("trip", trip.status)),
        "updated": bool(event.sequence),
        "accept_link": links[0] if links else "",
        "decline_link": links[1] if links else "",
        "calendar_link": f"{base_url}/calendar",
    }


async def queue_invites(
    trip: TripFacts,
    *,
    method: ics.Method,
    settings: Settings,
    removed_people: Collection[int] = (),
    only_people: Collection[int] = (),
) -> int:
    """Queue one iTIP message per recipient for the trip as described; returns how many were queued.

    Runs inside the caller's transaction (opens none). Recipients: the volunteers who have not declined
    (each with their own accept and decline links on a REQUEST) and the host organization's contacts.
    ``removed_people`` instead sends only to volunteers who left the trip (used with ``CANCEL``): the event
    names only them, as declined attendees, and has no STATUS while the trip goes on; ``only_people`` sends only
    to these volunteers (an invite sent again). A volunteer who has answered gets no answer links, only what they
    answered. Each message supersedes the recipient's unsent older invites of the trip. The organizer is the
    recipient's own reply address in the program mailbox (``giveback.calendars.replies``), also the message's
    Reply-To; links start with ``settings.base_url``. Only the volunteers' copies block the days
    (TRANSP:OPAQUE); a host contact's shows them as free. Each recipient reads the message, and the
    event's texts, in their own language; the words come from the templates ``trip-invitation`` and
    ``trip-cancelled``.
    """
    base = settings.base_url.rstrip("/")
    removed = [v for v in trip.volunteers if v.person_id in set(removed_people)]
    uninvite = bool(removed) and not withdrawn(trip)  # off an event that goes on, not a cancelled one
    recipients = _recipients(trip, removed, only_people)
    readers = {r.person_id: r for r in await accounts.recipients(r.person_id for r in recipients)}
    organizer_name = ics.organizer_address(settings.mail_from)[0]
    template = "trip-cancelled" if method == "CANCEL" else "trip-invitation"
    for recipient in recipients:
        reader = readers.get(recipient.person_id) or Recipient(recipient.name, recipient.email)
        links = None
        if method == "REQUEST" and recipient.member_id is not None and recipient.response == "pending":
            accept, decline = (
                answer_token(settings.secret_key, AnswerLink(recipient.member_id, answer, trip.sequence, trip.last_day))
                for answer in ("accept", "decline")
            )
            links = (f"{base}/invites/{accept}", f"{base}/invites/{decline}")
        with use_locale(reader.locale):
            event = replace(trip_event(trip, base), attendees=_attendees(trip, removed))
            if removed:  # they are off the trip: its description must not tell them its status
                event = replace(event, description=_left_trip_description(trip))
            organizer = reply_address(settings, trip.uid, recipient.email)
            busy = recipient.member_id is not None  # only those who travel
            calendar = ics.invite(
                event, method=method, organizer=(organizer_name, organizer), uninvite=uninvite, busy=busy
            )
            values = _values(trip, event, links, base, accepted=recipient.response == "accepted")
        rendered = await render_to(settings, template, reader, values)
        message_id = new_message_id(settings.mail_from, f"trip{trip.trip_id}.seq{event.sequence}")
        await queue_message(
            message_id=message_id,
            recipient=recipient.email,
            subject=rendered.subject,
            content=invite_message(
                mail_from=settings.mail_from,
                to=(recipient.name, recipient.email),
                rendered=rendered,
                calendar=calendar,
                method=method,
                message_id=message_id,
                reply_to=organizer,
            ),
            kind="invite",
            about=about_trip(trip.trip_id),
            method=method,
            sequence=event.sequence,
            supersedes=True,  # an older invite still queued for them would arrive after this one
        )
    return len(recipients)


def _left_trip_description(trip: TripFacts) -> str:
    text: str = translate(
        _(
            "Visiting-professor trip to %(organization)s for “%(title)s”.\nYou are no longer on this trip.",
            organization=trip.organization_name,
            title=trip.title,
        )
    )
    return text
