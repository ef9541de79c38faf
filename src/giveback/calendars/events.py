"""What trips tell calendars about a trip (``TripFacts``), and the calendar event made from it.

The trips domain reads its own records and hands calendars these facts; calendars renders them as events,
invites and feeds and never reads or changes a trip itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from giveback.calendars import ics
from giveback.i18n import _, translate
from giveback.i18n.formatting import country_name, format_list
from giveback.i18n.labels import label


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
    """The event's summary while the trip is on, in the current language: what the visit is and where."""
    host = trip.organization_short_name or trip.organization_name
    return str(translate(_("Giveback visit: %(title)s (%(host)s)", title=trip.title, host=host)))


def _summary(trip: TripFacts) -> str:
    """The visit's name; a withdrawn trip's says so first, for the clients that ignore STATUS:CANCELLED."""
    if not withdrawn(trip):
        return visit_name(trip)
    if trip.status == "postponed":
        return str(translate(_("Postponed: %(visit)s", visit=visit_name(trip))))
    return str(translate(_("Cancelled: %(visit)s", visit=visit_name(trip))))


def volunteer_names(trip: TripFacts) -> str:
    """The travelling volunteers as a list in the current language."""
    return format_list(v.name for v in trip.travelling) if trip.travelling else translate(_("no volunteer yet"))


def trip_event(trip: TripFacts, base_url: str) -> ics.TripEvent:
    """The trip as one all-day event in the current language (``use_locale``: the reader's): summary, place and
    a description naming its volunteers."""
    description = _(
        "Visiting-professor trip to %(organization)s for “%(title)s”.\nVolunteers: %(names)s.\nStatus: %(status)s.",
        organization=trip.organization_name,
        title=trip.title,
        names=volunteer_names(trip),
        status=label("trip", trip.status),
    )
    return ics.TripEvent(
        uid=trip.uid,
        sequence=trip.sequence,
        first_day=trip.first_day,
        last_day=trip.last_day,
        status=trip.status,
        summary=_summary(trip),
        location=f"{trip.organization_name}, {country_name(trip.country)}",
        description=translate(description),
        created=_aware(trip.created),
        changed=_aware(trip.changed),
        url=f"{base_url.rstrip('/')}/calendar",
        withdrawn=withdrawn(trip),
    )
