"""From records to the solver's problem: the booked rule applied at freezing (pure: no database)."""

from __future__ import annotations

from datetime import date

from giveback.rounds import mapping
from giveback.rounds.schemas import RoundSettings
from giveback.trips.booked import Booking
from giveback.volunteers.schemas import MatchingVolunteer

YEAR = (date(2031, 1, 6), date(2031, 12, 28))


def volunteer(person_id: int, trips_per_year: int = 2, windows: list | None = None) -> MatchingVolunteer:
    return MatchingVolunteer(
        person_id=person_id,
        expertise={"venous": 3},
        languages=["en"],
        trips_per_year=trips_per_year,
        windows=windows or [(date(2031, 2, 1), date(2031, 5, 31), False)],
        preferred_regions=[],
        excluded_countries=[],
        max_advisory_level=4,
    )


def trip(trip_id: int, start: date, end: date, status: str = "confirmed", title: str = "Venous course") -> Booking:
    return Booking(trip_id=trip_id, status=status, start=start, end=end, title=title)


def apply(volunteers, bookings, period=YEAR, gap=14):
    return mapping.apply_bookings(volunteers, bookings, period_start=period[0], period_end=period[1], gap_days=gap)


def test_booked_days_and_the_gap_leave_the_availability_and_the_limit_drops() -> None:
    kept, notes = apply([volunteer(7)], {7: [trip(1, date(2031, 3, 3), date(2031, 3, 9))]})
    (v,) = kept
    assert v.windows == [
        (date(2031, 2, 1), date(2031, 2, 16), False),
        (date(2031, 3, 24), date(2031, 5, 31), False),
    ]
    assert v.trips_per_year == 1
    (note,) = notes
    assert note.volunteer == "v-7" and not note.left_out and note.max_trips == 1
    assert note.words() == ["on a trip 3–9 March 2031 (Venous course)", "1 of 2 trips taken in 2031"]


def test_a_volunteer_with_nothing_left_is_left_out_with_the_reason() -> None:
    full = {3: [trip(1, date(2031, 8, 4), date(2031, 8, 10), "reported"), trip(2, date(2031, 9, 1), date(2031, 9, 7))]}
    covered = {4: [trip(3, date(2031, 2, 10), date(2031, 5, 20))]}
    kept, notes = apply(
        [volunteer(3), volunteer(4, windows=[(date(2031, 3, 1), date(2031, 4, 30), True)])], {**full, **covered}
    )
    assert [v.windows for v in kept] == [[], []]
    problem = mapping.base_problem(
        period_start=YEAR[0], period_end=YEAR[1], settings=RoundSettings(), volunteers=kept, requests=[]
    )
    assert problem["volunteers"] == []
    by_key = {n.volunteer: n for n in notes}
    assert by_key["v-3"].left_out and by_key["v-3"].words()[-1] == "yearly limit reached: 2 of 2 in 2031"
    assert by_key["v-4"].left_out
    assert by_key["v-4"].words() == [
        "on a trip 10 February – 20 May 2031 (Venous course)",
        "1 of 2 trips taken in 2031",
    ]


def test_trips_outside_the_period_and_free_volunteers_change_nothing() -> None:
    free = volunteer(9)
    kept, notes = apply([free, volunteer(10)], {10: [trip(1, date(2029, 3, 5), date(2029, 3, 11), "reported")]})
    assert kept[0] is free and kept[1].windows == volunteer(10).windows and notes == []


def test_a_round_over_two_years_takes_the_smaller_remainder_and_cuts_a_full_year() -> None:
    two_years = (date(2031, 9, 1), date(2032, 6, 30))
    windows = [(date(2031, 9, 1), date(2032, 6, 30), False)]
    places = {5: [trip(1, date(2031, 3, 3), date(2031, 3, 9), "completed")]}
    kept, notes = apply([volunteer(5, trips_per_year=1, windows=windows)], places, period=two_years)
    (v,) = kept
    assert v.windows == [(date(2032, 1, 1), date(2032, 6, 30), False)]  # 2031's one trip is taken
    assert v.trips_per_year == 1 and not notes[0].left_out
    assert notes[0].words() == ["yearly limit reached: 1 of 1 in 2031"]
