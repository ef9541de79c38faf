"""The one query behind the booked rule (``giveback.trips.booked``): every volunteer's places on trips, and the
refusal that freezing, approval, accepting an invite and rescheduling share."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from giveback.accounts.tables import Person
from giveback.db.engine import locked
from giveback.errors import Conflict
from giveback.i18n import _
from giveback.trips import booked
from giveback.trips.booked import Booking
from giveback.trips.tables import TripMember
from giveback.volunteers.tables import VolunteerProfile

HELD = (*booked.LIVE, *booked.DELIVERED, "postponed")


async def bookings_of(person_ids: Collection[int], *, lock: bool = False) -> dict[int, list[Booking]]:
    """Each person's places (answers other than declined) on trips that are live, delivered or postponed.

    With ``lock`` the people's rows are locked first (in id order) for the caller's transaction, so two changes
    that would book one volunteer twice take turns and the second sees the first.
    """
    people = sorted(set(person_ids))
    found: dict[int, list[Booking]] = {person: [] for person in people}
    if not people:
        return found
    if lock:
        await locked(Person.select(Person.id).where(Person.id.is_in(people)).order_by(Person.id)).run()
    rows = await TripMember.select(
        TripMember.person,
        TripMember.trip.as_alias("trip_id"),
        TripMember.trip.status.as_alias("status"),
        TripMember.trip.start.as_alias("start"),
        TripMember.trip.end.as_alias("end"),
        TripMember.trip.undated.as_alias("undated"),
        TripMember.trip._.request._.title.as_alias("title"),
    ).where(
        TripMember.person.is_in(people) & (TripMember.response != "declined") & TripMember.trip.status.is_in(list(HELD))
    )
    for row in rows:
        found[int(row["person"])].append(
            Booking(
                trip_id=int(row["trip_id"]),
                status=row["status"],
                start=row["start"],
                end=row["end"],
                undated=bool(row["undated"]),
                title=row["title"] or "",
            )
        )
    return found


async def yearly_limits(person_ids: Collection[int]) -> dict[int, int]:
    """Each volunteer's ``trips_per_year`` (people without a volunteer profile are left out)."""
    if not person_ids:
        return {}
    rows = await VolunteerProfile.select(VolunteerProfile.person, VolunteerProfile.trips_per_year).where(
        VolunteerProfile.person.is_in(sorted(set(person_ids)))
    )
    return {int(row["person"]): int(row["trips_per_year"]) for row in rows}


async def refuse_if_booked(
    person_ids: Collection[int],
    start: date,
    end: date,
    *,
    gap_days: int,
    other_than: int | None = None,
    field: str = "start",
    speaking_to: int | None = None,
) -> None:
    """Conflict, naming the volunteer and the other trip's dates, when one of these people is booked for days
    ``start``–``end`` (the trip ``other_than`` itself aside); locks the people's rows for the caller's
    transaction. ``speaking_to`` is the person reading the answer (they are "you" in it)."""
    places = await bookings_of(person_ids, lock=True)
    limits = await yearly_limits(person_ids)
    for person in sorted(places):
        reason = booked.booked_reason(places[person], limits.get(person), start, end, gap_days, other_than=other_than)
        if reason is None:
            continue
        if person == speaking_to:
            raise Conflict(_("you are booked: %(reason)s; write to the coordinators", reason=reason), field=field)
        row = await Person.select(Person.name).where(Person.id == person).first()
        name = row["name"] if row else _("a volunteer")
        raise Conflict(
            _("%(name)s is booked for %(days)s: %(reason)s", name=name, days=booked.Days(start, end), reason=reason),
            field=field,
        )
