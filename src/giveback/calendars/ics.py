"""iCalendar text for trips: invites (iTIP, RFC 5546) and subscription feeds (RFC 5545 and 7986).

The ``icalendar`` library writes every line: it escapes user text (no input can add a property), folds
lines at 75 octets and ends them with CRLF. A trip is one all-day event: DATE start on the first day and
DATE end on the day after the last. Every DATE-TIME is in UTC, so no VTIMEZONE is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr
from typing import Literal

from icalendar import Calendar, Event, vCalAddress, vText

from giveback.text import one_line

PRODID = "-//Giveback//Visiting professor exchanges//EN"
Method = Literal["REQUEST", "CANCEL"]

# The trip's lifecycle state as the calendar's STATUS (RFC 5545 3.8.1.11).
EVENT_STATUS = {
    "approved": "TENTATIVE",
    "invited": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "in_progress": "CONFIRMED",
    "completed": "CONFIRMED",
    "reported": "CONFIRMED",
    "postponed": "TENTATIVE",
    "cancelled": "CANCELLED",
    "declined": "CANCELLED",
}


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str
    role: str = "REQ-PARTICIPANT"
    partstat: str = "NEEDS-ACTION"
    rsvp: bool = True  # an answer is asked for (volunteers); host contacts, who do not travel, are only told


@dataclass(frozen=True)
class TripEvent:
    """Everything an event says about a trip (first and last day inclusive)."""

    uid: str
    sequence: int
    first_day: date
    last_day: date
    status: str
    summary: str
    location: str
    description: str
    created: datetime
    changed: datetime
    url: str = ""
    attendees: list[Attendee] = field(default_factory=list)
    withdrawn: bool = False
    """Off the calendar (cancelled, declined, postponed without dates): STATUS:CANCELLED in feeds too."""


def organizer_address(mail_from: str) -> tuple[str, str]:
    """The program mailbox of ``GIVEBACK_MAIL_FROM`` as (name, address)."""
    name, address = parseaddr(mail_from)
    return name or "Giveback", address


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _address(email: str, name: str, **params: str) -> vCalAddress:
    value = vCalAddress(f"mailto:{email}")
    value.params["CN"] = vText(name.replace('"', "'"))
    for key, param in params.items():
        value.params[key] = param
    return value


def event_component(
    trip: TripEvent,
    *,
    organizer: tuple[str, str] | None,
    cancelled: bool = False,
    status: bool = True,
    busy: bool = True,
) -> Event:
    """The VEVENT of a trip; with an organizer (invites) it names the organizer and every attendee. Without
    ``status`` it has no STATUS (a CANCEL that takes attendees off an event that goes on, RFC 5546 3.2.5).
    ``busy`` (TRANSP:OPAQUE) is for the people who travel; everyone else sees the days as free (TRANSPARENT)."""
    event = Event()
    event.add("uid", trip.uid)
    event.add("sequence", trip.sequence)
    stamp = _utc(trip.changed)
    event.add("dtstamp", stamp)
    event.add("created", _utc(trip.created))
    event.add("last-modified", stamp)
    event.add("dtstart", trip.first_day)
    event.add("dtend", trip.last_day + timedelta(days=1))
    event.add("summary", trip.summary)
    if trip.location:
        event.add("location", trip.location)
    if trip.description:
        event.add("description", trip.description)
    if trip.url:
        event.add("url", trip.url)
    event.add("transp", "OPAQUE" if busy else "TRANSPARENT")
    if status:
        withdrawn = cancelled or trip.withdrawn
        event.add("status", "CANCELLED" if withdrawn else EVENT_STATUS.get(trip.status, "TENTATIVE"))
    if organizer is not None:
        event.add("organizer", _address(organizer[1], organizer[0]))
        for attendee in trip.attendees:
            event.add(
                "attendee",
                _address(
                    attendee.email,
                    attendee.name,
                    CUTYPE="INDIVIDUAL",
                    ROLE=attendee.role,
                    PARTSTAT=attendee.partstat,
                    RSVP="TRUE" if attendee.rsvp else "FALSE",
                ),
            )
    return event


def invite(
    trip: TripEvent, *, method: Method, organizer: tuple[str, str], uninvite: bool = False, busy: bool = True
) -> bytes:
    """An iTIP message with exactly one event: REQUEST for new and changed trips, CANCEL to cancel. With
    ``uninvite`` a CANCEL takes only the event's attendees off it, and the event goes on (no STATUS). The
    organizer is the recipient's own reply address; ``busy`` as for ``event_component``."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    cancelled = method == "CANCEL"
    calendar.add_component(
        event_component(trip, organizer=organizer, cancelled=cancelled, status=not uninvite, busy=busy)
    )
    data: bytes = calendar.to_ical()
    return data


def feed(name: str, trips: list[TripEvent], *, busy: bool = True) -> bytes:
    """A subscription feed: no METHOD, a name, refresh hints, one event per trip, stable bytes; ``busy`` for a
    traveller's own feed (an organization's or the program's shows the visits as free time)."""
    name = one_line(name)  # NAME is written unescaped: a stored line break would end the content line
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for trip in sorted(trips, key=lambda t: (t.first_day, t.uid)):
        calendar.add_component(event_component(trip, organizer=None, busy=busy))
    data: bytes = calendar.to_ical()
    return data
