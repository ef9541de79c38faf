"""What trips tell calendars about a trip (``TripFacts``), and the calendar event made from it.

The trips domain reads its own records and hands calendars these facts; calendars renders them as events,
invites and feeds and never reads or changes a trip itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from giveback.calendars import ics
from giveback.i18n import _


@dataclass(frozen=True)
class Participant:
    """Someone a trip's messages go to: a volunteer on it (with their place, ``member_id``) or a host contact."""

    person_id: int
    name: str
    email: str
    member_id: int | None = None
    response: str = "pending"  # a volunteer's answer: pending, accepted or declined


@dataclass(frozen=True)
class TripFacts:
    """A trip as calendars needs it: its event's identity and dates, where it goes, and who is on it."""

    trip_id: int
    uid: str
    sequence: int
    first_day: date
    last_day: date
    status: str
    title: str
    organization_id: int
    organization_name: str
    organization_short_name: str
    country: str
    created: datetime
    changed: datetime
    volunteers: list[Participant] = field(default_factory=list)
    contacts: list[Participant] = field(default_factory=list)
    undated: bool = False  # postponed without new dates

    @property
    def travelling(self) -> list[Participant]:
        """The volunteers who have not declined their place."""
        return [v for v in self.volunteers if v.response != "declined"]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def withdrawn(trip: TripFacts) -> bool:
    """Off everyone's calendar: cancelled, declined, or postponed without new dates (each sent as a CANCEL)."""
    return trip.status in ("cancelled", "declined") or (trip.status == "postponed" and trip.undated)


def visit_name(trip: TripFacts) -> str:
    """The event's summary while the trip is on: what the visit is and where."""
    return f"Giveback visit: {trip.title} ({trip.organization_short_name or trip.organization_name})"


def _summary(trip: TripFacts) -> str:
    """The visit's name; a withdrawn trip's says so first, for the clients that ignore STATUS:CANCELLED."""
    if not withdrawn(trip):
        return visit_name(trip)
    if trip.status == "postponed":
        return str(_("Postponed: %(visit)s", visit=visit_name(trip)))
    return str(_("Cancelled: %(visit)s", visit=visit_name(trip)))


def trip_event(trip: TripFacts, base_url: str) -> ics.TripEvent:
    """The trip as one all-day event: summary, place and a description naming its volunteers."""
    names = ", ".join(v.name for v in trip.travelling) or "no volunteer yet"
    return ics.TripEvent(
        uid=trip.uid,
        sequence=trip.sequence,
        first_day=trip.first_day,
        last_day=trip.last_day,
        status=trip.status,
        summary=_summary(trip),
        location=f"{trip.organization_name}, {trip.country}",
        description=(
            f"Visiting-professor trip to {trip.organization_name} for “{trip.title}”.\n"
            f"Volunteers: {names}.\nStatus: {trip.status.replace('_', ' ')}."
        ),
        created=_aware(trip.created),
        changed=_aware(trip.changed),
        url=f"{base_url.rstrip('/')}/calendar",
        withdrawn=withdrawn(trip),
    )
