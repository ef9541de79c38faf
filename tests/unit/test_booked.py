"""The booked rule, as a pure function: the days a live trip keeps, what counts against the yearly limit, and the
reasons in words. The database-backed checks at freeze, approval, accept and reschedule all call these."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from giveback.trips.booked import (
    DELIVERED,
    LIVE,
    Booking,
    blocked_days,
    booked_reason,
    clash,
    days_text,
    free_windows,
    over_limit,
    overlapping,
    trips_in_year,
)

MARCH = Booking(trip_id=1, status="confirmed", start=date(2031, 3, 3), end=date(2031, 3, 9), title="Embolization")


@pytest.mark.parametrize(
    ("start", "end", "booked"),
    [
        (date(2031, 3, 5), date(2031, 3, 11), True),  # overlaps
        (date(2031, 2, 11), date(2031, 2, 17), True),  # 13 free days (18 Feb – 2 Mar) before
        (date(2031, 2, 10), date(2031, 2, 16), False),  # exactly 14 free days (17 Feb – 2 Mar) before
        (date(2031, 3, 23), date(2031, 3, 29), True),  # 13 free days after (10–22 Mar)
        (date(2031, 3, 24), date(2031, 3, 30), False),  # exactly 14 free days after
    ],
)
def test_a_live_trip_keeps_its_days_and_the_gap_either_side(start: date, end: date, booked: bool) -> None:
    assert (clash([MARCH], start, end, 14) is not None) is booked
    assert blocked_days(MARCH, 14) == (date(2031, 2, 17), date(2031, 3, 23))


@pytest.mark.parametrize("status", ["postponed", "cancelled", "declined", *DELIVERED])
def test_only_live_trips_keep_days(status: str) -> None:
    other = Booking(trip_id=2, status=status, start=MARCH.start, end=MARCH.end)
    assert clash([other], MARCH.start, MARCH.end, 14) is None


def test_the_trip_being_decided_never_clashes_with_itself() -> None:
    assert clash([MARCH], MARCH.start, MARCH.end, 14, other_than=1) is None
    assert trips_in_year([MARCH], 2031, other_than=1) == 0


@pytest.mark.parametrize(
    ("status", "undated", "counts"),
    [
        *[(s, False, True) for s in (*LIVE, *DELIVERED)],
        ("postponed", False, True),  # postponed with new dates
        ("postponed", True, False),  # postponed without new dates
        ("cancelled", False, False),
        ("declined", False, False),
    ],
)
def test_what_counts_against_the_yearly_limit(status: str, undated: bool, counts: bool) -> None:
    booking = Booking(trip_id=3, status=status, start=date(2031, 11, 3), end=date(2031, 11, 9), undated=undated)
    assert trips_in_year([booking], 2031) == int(counts)
    assert trips_in_year([booking], 2032) == 0  # the year of its first day only
    assert over_limit([booking], 1, date(2031, 1, 6)) is counts
    assert not over_limit([booking], 1, date(2032, 1, 5))


def test_a_trip_over_new_year_counts_in_the_year_it_starts() -> None:
    winter = Booking(trip_id=4, status="reported", start=date(2030, 12, 28), end=date(2031, 1, 3))
    assert (trips_in_year([winter], 2030), trips_in_year([winter], 2031)) == (1, 0)


def test_reasons_name_the_other_trip_or_the_limit_in_words() -> None:
    assert (
        booked_reason([MARCH], 1, date(2031, 3, 5), date(2031, 3, 11), 14) == "on a trip 3–9 March 2031 (Embolization)"
    )
    assert booked_reason([MARCH], 2, date(2031, 3, 17), date(2031, 3, 23), 14) == (
        "on a trip 3–9 March 2031 (Embolization), and a volunteer's trips need 14 free days between them"
    )
    assert booked_reason([MARCH], 1, date(2031, 9, 1), date(2031, 9, 7), 14) == "yearly limit reached: 1 of 1 in 2031"
    assert booked_reason([MARCH], 2, date(2031, 9, 1), date(2031, 9, 7), 14) is None
    assert booked_reason([MARCH], None, date(2031, 9, 1), date(2031, 9, 7), 14) is None  # no profile: no limit


def test_days_in_words() -> None:
    assert days_text(date(2031, 3, 3), date(2031, 3, 9)) == "3–9 March 2031"
    assert days_text(date(2031, 2, 28), date(2031, 3, 6)) == "28 February – 6 March 2031"
    assert days_text(date(2031, 12, 29), date(2032, 1, 4)) == "29 December 2031 – 4 January 2032"
    assert days_text(date(2031, 5, 1), date(2031, 5, 1)) == "1 May 2031"


def test_free_windows_cut_the_blocked_days_and_keep_the_preference() -> None:
    windows = [(date(2031, 1, 1), date(2031, 4, 30), True)]
    assert free_windows(windows, [MARCH], 14) == [
        (date(2031, 1, 1), date(2031, 2, 16), True),
        (date(2031, 3, 24), date(2031, 4, 30), True),
    ]
    past = Booking(trip_id=5, status="completed", start=date(2031, 3, 3), end=date(2031, 3, 9))
    assert free_windows(windows, [past], 14) == windows


def test_nobody_is_on_two_trips_at_once_even_in_the_past() -> None:
    past = Booking(trip_id=6, status="reported", start=date(2025, 3, 3), end=date(2025, 3, 9))
    assert overlapping([past], date(2025, 3, 9), date(2025, 3, 12)) == past
    assert overlapping([past], date(2025, 3, 10), date(2025, 3, 12)) is None
    assert overlapping([past], date(2025, 3, 10), date(2025, 3, 12), 14) == past


days = st.integers(min_value=0, max_value=400)


@given(st.lists(st.tuples(days, st.integers(1, 20), st.sampled_from(LIVE)), max_size=5), days, st.integers(1, 20))
def test_a_visit_inside_the_free_windows_never_clashes(trips: list, first: int, length: int) -> None:
    """What freezing leaves (free windows) and what approval and accepting refuse (clash) are one rule."""
    base = date(2031, 1, 1)
    bookings = [
        Booking(trip_id=n, status=s, start=base + timedelta(d), end=base + timedelta(d + n_days - 1))
        for n, (d, n_days, s) in enumerate(trips)
    ]
    start, end = base + timedelta(first), base + timedelta(first + length - 1)
    inside = any(
        lo <= start and end <= hi for lo, hi, _ in free_windows([(base, date(2032, 12, 31), False)], bookings, 14)
    )
    assert inside == (clash(bookings, start, end, 14) is None)
