"""When a volunteer is booked: one rule for freezing a round, approving it, accepting an invite and rescheduling.

* A **live** trip (approved, invited, confirmed, in progress) occupies its days plus the round's
  ``min_gap_days`` before and after: no other trip of the same volunteer may touch those days.
* The trips that **count** against ``trips_per_year`` are the live, completed and reported ones, and the
  postponed ones that have new dates (not declined, cancelled, or postponed without new dates), each in the
  calendar year of its first day.

A volunteer holds a place on a trip unless they declined it. Everything here is pure: the query that reads
the places is ``giveback.trips.bookings``; cutting days out of windows is the calendars domain's
``subtract_busy`` (also used for imported busy days).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from giveback.calendars.imports import subtract_busy
from giveback.i18n import Text, _
from giveback.i18n.formatting import format_date_range
from solver.problem import DEFAULT_MIN_GAP_DAYS

LIVE = ("approved", "invited", "confirmed", "in_progress")
DEFAULT_GAP_DAYS = DEFAULT_MIN_GAP_DAYS  # for trips that belong to no round (matching.md's default)
DELIVERED = ("completed", "reported")
MONTHS = ("January February March April May June July August September October November December").split()


@dataclass(frozen=True)
class Booking:
    """A volunteer's place on one trip, as the rule sees it (first and last day inclusive)."""

    trip_id: int
    status: str
    start: date
    end: date
    undated: bool = False  # postponed without new dates: its days are the old ones and no longer hold
    title: str = ""  # the visit's name, for messages

    @property
    def live(self) -> bool:
        return self.status in LIVE

    @property
    def counts(self) -> bool:
        """Whether the trip counts against the volunteer's yearly limit."""
        return self.status in LIVE or self.status in DELIVERED or (self.status == "postponed" and not self.undated)


def blocked_days(booking: Booking, gap_days: int) -> tuple[date, date]:
    """The days a live trip keeps free of any other trip of its volunteer: its own and ``gap_days`` either side."""
    gap = timedelta(days=gap_days)
    return booking.start - gap, booking.end + gap


def clash(
    bookings: Iterable[Booking], start: date, end: date, gap_days: int, *, other_than: int | None = None
) -> Booking | None:
    """The first live trip (earliest first day) that days ``start``–``end`` would come too close to, or None."""
    for booking in sorted(bookings, key=lambda b: (b.start, b.trip_id)):
        if booking.trip_id == other_than or not booking.live:
            continue
        first, last = blocked_days(booking, gap_days)
        if start <= last and first <= end:
            return booking
    return None


def overlapping(bookings: Iterable[Booking], start: date, end: date, gap_days: int = 0) -> Booking | None:
    """The first trip of any kind (live, delivered or postponed) whose days come within ``gap_days`` of
    ``start``–``end``: nobody is on two visits at once, in the past either (taking over a program's history)."""
    gap = timedelta(days=gap_days)
    for booking in sorted(bookings, key=lambda b: (b.start, b.trip_id)):
        if start <= booking.end + gap and booking.start - gap <= end:
            return booking
    return None


def trips_in_year(bookings: Iterable[Booking], year: int, *, other_than: int | None = None) -> int:
    """How many trips starting in ``year`` count against the yearly limit."""
    return sum(1 for b in bookings if b.counts and b.start.year == year and b.trip_id != other_than)


def over_limit(bookings: Iterable[Booking], trips_per_year: int, start: date, *, other_than: int | None = None) -> bool:
    """Whether one more trip starting on ``start`` would exceed the volunteer's yearly limit."""
    return trips_in_year(bookings, start.year, other_than=other_than) >= trips_per_year


def free_windows(
    windows: list[tuple[date, date, bool]], bookings: Iterable[Booking], gap_days: int
) -> list[tuple[date, date, bool]]:
    """Availability windows (start, end, preferred) with every live trip's blocked days cut out."""
    return subtract_busy(windows, sorted(blocked_days(b, gap_days) for b in bookings if b.live))


def days_text(start: date, end: date) -> str:
    """Days in words: ``3–9 March 2031``, ``28 February – 6 March 2031``, ``29 December 2031 – 4 January 2032``."""
    if start.year != end.year:
        return f"{start.day} {MONTHS[start.month - 1]} {start.year} – {end.day} {MONTHS[end.month - 1]} {end.year}"
    if start.month != end.month:
        return f"{start.day} {MONTHS[start.month - 1]} – {end.day} {MONTHS[end.month - 1]} {end.year}"
    if start.day != end.day:
        return f"{start.day}–{end.day} {MONTHS[end.month - 1]} {end.year}"
    return f"{end.day} {MONTHS[end.month - 1]} {end.year}"


class Days(Text):
    """Days shown as one range in the reader's language (``3–9 mars 2031``); as a ``str``, in English words."""

    __slots__ = ("first", "last")
    first: date
    last: date

    def __new__(cls, first: date, last: date) -> Days:
        text = str.__new__(cls, days_text(first, last))
        text.message, text.plural, text.number, text.context, text.params = str(text), None, None, None, {}
        text.first, text.last = first, last
        return text

    def translated(self) -> str:
        return format_date_range(self.first, self.last)

    def __reduce__(self) -> Any:
        return (Days, (self.first, self.last))


Reason = dict[str, Any]
"""Why a volunteer is booked, as data (stored with a round's freeze): ``{"kind": "trip", "start", "end", "title",
"gap"}``, ``{"kind": "limit", "used", "cap", "year"}`` or ``{"kind": "taken", "used", "cap", "year"}``."""


def trip_reason(booking: Booking, gap_days: int | None = None) -> Reason:
    """The other trip, and the gap when the days come within it rather than overlap."""
    return {
        "kind": "trip",
        "start": booking.start.isoformat(),
        "end": booking.end.isoformat(),
        "title": booking.title,
        "gap": gap_days,
    }


def reason_text(reason: Reason) -> Text:
    """A reason in words, translated where it is shown."""
    if reason["kind"] == "trip":
        days = Days(date.fromisoformat(reason["start"]), date.fromisoformat(reason["end"]))
        title = reason.get("title") or ""
        if reason.get("gap"):
            if title:
                return _(
                    "on a trip %(days)s (%(title)s), and a volunteer's trips need %(gap)s free days between them",
                    days=days,
                    title=title,
                    gap=reason["gap"],
                )
            return _(
                "on a trip %(days)s, and a volunteer's trips need %(gap)s free days between them",
                days=days,
                gap=reason["gap"],
            )
        return (
            _("on a trip %(days)s (%(title)s)", days=days, title=title) if title else _("on a trip %(days)s", days=days)
        )
    values = {"used": reason["used"], "cap": reason["cap"], "year": str(reason["year"])}
    if reason["kind"] == "limit":
        return _("yearly limit reached: %(used)s of %(cap)s in %(year)s", **values)
    return _("%(used)s of %(cap)s trips taken in %(year)s", **values)


def why_booked(
    bookings: Iterable[Booking],
    trips_per_year: int | None,
    start: date,
    end: date,
    gap_days: int,
    *,
    other_than: int | None = None,
) -> Reason | None:
    """Why a volunteer cannot take a trip on days ``start``–``end`` (as data), or None when they are free.

    ``other_than`` is the trip being decided itself (accepting or rescheduling it); ``trips_per_year`` None
    means no limit is known (no volunteer profile).
    """
    places = list(bookings)
    other = clash(places, start, end, gap_days, other_than=other_than)
    if other is not None:
        return trip_reason(other, None if start <= other.end and other.start <= end else gap_days)
    if trips_per_year is not None and over_limit(places, trips_per_year, start, other_than=other_than):
        used = trips_in_year(places, start.year, other_than=other_than)
        return {"kind": "limit", "used": used, "cap": trips_per_year, "year": start.year}
    return None


def booked_reason(
    bookings: Iterable[Booking],
    trips_per_year: int | None,
    start: date,
    end: date,
    gap_days: int,
    *,
    other_than: int | None = None,
) -> Text | None:
    """``why_booked`` in words."""
    reason = why_booked(bookings, trips_per_year, start, end, gap_days, other_than=other_than)
    return None if reason is None else reason_text(reason)
