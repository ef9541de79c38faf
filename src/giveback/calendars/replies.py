"""Answers given in a calendar app (iTIP REPLY and COUNTER, RFC 5546): the reply address each invite names, and
what one received e-mail's calendar part says.

Every invite names its recipient's own reply address as ORGANIZER and in Reply-To: the program mailbox with a
token after a ``+`` (``program+k3…@example.org``). The token is an HMAC of the trip's UID and the invited address
under GIVEBACK_SECRET_KEY: nobody makes one without the key, and it is the same in every invite of that trip to
that person (a calendar app keeps one organizer per event). The trips domain reads the answers
(``giveback.trips.replies``) and trusts one only when it came to the token of the attendee it names.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from icalendar import Calendar

from giveback.settings import Settings

REPLY_SALT = b"giveback.reply-address"
TOKEN_LENGTH = 26  # base32 characters: 130 bits
ADDRESSED_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
CALENDAR_TYPES = ("text/calendar", "application/ics")


def reply_token(secret_key: str, uid: str, email: str) -> str:
    """The token of one invited address in one trip's reply address (lower-case letters and digits)."""
    message = b"\0".join((REPLY_SALT, uid.encode(), email.strip().lower().encode()))
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:TOKEN_LENGTH]


def reply_address(settings: Settings, uid: str, email: str) -> str:
    """The address a calendar app sends this person's answer to: ``local+<token>@domain`` of the program mailbox."""
    local, _, domain = settings.program_mailbox.partition("@")
    return f"{local}+{reply_token(settings.secret_key, uid, email)}@{domain}"


def tokens_addressed(message: EmailMessage, mailbox: str) -> set[str]:
    """The tokens of the reply addresses of ``mailbox`` the message was sent to (To, Cc and the headers a mail
    server adds on delivery)."""
    local, _, domain = mailbox.lower().partition("@")
    found = set()
    for _, address in getaddresses(
        [str(value) for header in ADDRESSED_HEADERS for value in message.get_all(header, [])]
    ):
        address_local, _, address_domain = address.lower().partition("@")
        if address_domain == domain and address_local.startswith(f"{local}+"):
            found.add(address_local.removeprefix(f"{local}+"))
    return found


@dataclass(frozen=True)
class AttendeeAnswer:
    """One ATTENDEE line of an answer: the address, its PARTSTAT and whom it delegated to."""

    email: str
    partstat: str
    delegated_to: str = ""


@dataclass(frozen=True)
class CalendarAnswer:
    """What one event of a received iTIP message says (``proposed_*``: the days a COUNTER asks for)."""

    method: str
    uid: str
    sequence: int
    stamp: datetime
    attendees: tuple[AttendeeAnswer, ...]
    proposed_start: date | None = None
    proposed_end: date | None = None
    comment: str = ""


def _address(value: object) -> str:
    return str(value).strip().removeprefix("mailto:").removeprefix("MAILTO:").strip().lower()


def _utc(moment: object, fallback: datetime) -> datetime:
    if isinstance(moment, datetime):
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    return fallback


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _calendar_bytes(message: EmailMessage) -> bytes | None:
    for part in message.walk():
        if part.get_content_type() in CALENDAR_TYPES or (part.get_filename() or "").lower().endswith(".ics"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload.strip():
                return payload
    return None


def _sent_at(message: EmailMessage) -> datetime:
    try:
        return _utc(parsedate_to_datetime(str(message["Date"])), datetime.now(UTC))
    except (TypeError, ValueError):
        return datetime.now(UTC)


def calendar_answers(message: EmailMessage) -> list[CalendarAnswer] | None:
    """The events of the message's calendar part: None when it has none, empty when no parser reads it.

    DTSTAMP (when the app made the answer) falls back to the message's Date. A COUNTER's DTEND of a day is
    exclusive, as in every all-day event, so the proposed last day is the day before it.
    """
    data = _calendar_bytes(message)
    if data is None:
        return None
    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError):
        return []
    method = str(calendar.get("METHOD", "")).strip().upper()
    sent = _sent_at(message)
    answers = []
    for event in calendar.walk("VEVENT"):
        try:
            attendees = event.get("ATTENDEE", [])
            attendees = attendees if isinstance(attendees, list) else [attendees]
            start = _day(event.decoded("DTSTART")) if "DTSTART" in event else None
            end = event.decoded("DTEND") if "DTEND" in event else None
            last = _day(end)
            if last is not None and not isinstance(end, datetime):
                last -= timedelta(days=1)
            answers.append(
                CalendarAnswer(
                    method=method,
                    uid=str(event.get("UID", "")).strip(),
                    sequence=int(event.get("SEQUENCE", 0)),
                    stamp=_utc(event.decoded("DTSTAMP") if "DTSTAMP" in event else None, sent),
                    attendees=tuple(
                        AttendeeAnswer(
                            email=_address(attendee),
                            partstat=str(attendee.params.get("PARTSTAT", "NEEDS-ACTION")).upper(),
                            delegated_to=_address(attendee.params.get("DELEGATED-TO", "")),
                        )
                        for attendee in attendees
                    ),
                    proposed_start=start if method == "COUNTER" else None,
                    proposed_end=last if method == "COUNTER" else None,
                    comment=str(event.get("COMMENT", ""))[:2000],
                )
            )
        except (ValueError, TypeError, KeyError):
            continue
    return answers
