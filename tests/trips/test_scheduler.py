"""The time-driven steps: started on the first day, completed after the last, reminders 3 and 14 days after."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from trip_factory import volunteer_profile
from tripkit import actor, days, make_contact, make_trip, organization_id, today, trip

from giveback.mail.sender import drain_outbox
from giveback.settings import Settings
from giveback.trips import booked
from giveback.trips.bookings import bookings_of
from giveback.trips.report_tables import ReminderSent, TripEvent
from giveback.trips.scheduler import run_scheduled_steps
from giveback.volunteers.tables import VolunteerProfile

BASE = "http://testserver.local"


async def deliver(settings: Settings) -> int:
    """What the outbox sender does in the worker: hand the queued e-mails to the SMTP server."""
    return await drain_outbox(settings)


async def test_trips_start_and_end_on_their_days_once(running_app, settings: Settings) -> None:
    started, _ = await make_trip(status="confirmed", start=days(0), length=5)
    later, _ = await make_trip(status="confirmed", start=days(1), length=5)
    invited, _ = await make_trip(status="invited", start=days(0), length=5)
    sequence = (await trip(started))["sequence"]

    first = await run_scheduled_steps(today(), settings=settings, base_url=BASE)
    assert first == {"started": 1, "completed": 0, "reminders": 0, "travel_reminders": 1}  # `later`: 1 day to go
    assert (await trip(started))["status"] == "in_progress"
    assert (await trip(later))["status"] == "confirmed"
    assert (await trip(invited))["status"] == "invited"  # not confirmed: the coordinator decides
    assert await run_scheduled_steps(today(), settings=settings, base_url=BASE) == {
        "started": 0,
        "completed": 0,
        "reminders": 0,
        "travel_reminders": 0,
    }
    # the last day is still a day of the visit; the day after, it is completed
    assert (await run_scheduled_steps(days(4), settings=settings, base_url=BASE))["completed"] == 0
    after = await run_scheduled_steps(days(5), settings=settings, base_url=BASE)
    assert after["completed"] == 1
    assert (await trip(started))["status"] == "completed"
    events = await TripEvent.select().where(TripEvent.trip == started).order_by(TripEvent.id)
    assert [(e["from_status"], e["to_status"], e["actor"], e["reason"]) for e in events][-2:] == [
        ("confirmed", "in_progress", None, "scheduled"),
        ("in_progress", "completed", None, "scheduled"),
    ]
    assert (await trip(started))["sequence"] == sequence  # the calendar event itself is unchanged


async def test_a_late_run_walks_a_past_trip_through_and_reminds_once(running_app, settings: Settings, inbox) -> None:
    volunteer = await actor(None, "vol@example.org", ["volunteer"])
    host = await actor(None, "host@example.org", ["host"])
    await make_contact(host, await organization_id("SoBRICE"))
    trip_id, _ = await make_trip(status="confirmed", start=days(-10), length=5, members=[volunteer])
    end = days(-6)
    await deliver(settings)  # the trip's invites
    inbox.messages.clear()

    run = await run_scheduled_steps(today(), settings=settings, base_url=BASE)
    assert (run["started"], run["completed"]) == (1, 1)
    assert (await trip(trip_id))["status"] == "completed"
    # 6 days after the end: the 3-day reminder to the volunteer and to the host contact
    assert run["reminders"] == 2
    assert await deliver(settings) == 2
    assert sorted(m["To"] for m in inbox.messages) == ["host@example.org", "vol@example.org"]
    assert f"/trips/{trip_id}" in inbox.last_to("vol@example.org").get_body().get_content()

    twice = await run_scheduled_steps(today(), settings=settings, base_url=BASE)
    assert twice == {"started": 0, "completed": 0, "reminders": 0, "travel_reminders": 0}
    assert await deliver(settings) == 0
    assert len(inbox.messages) == 2

    fourteen = end + timedelta(days=14)
    assert (await run_scheduled_steps(fourteen, settings=settings, base_url=BASE))["reminders"] == 2
    assert (await run_scheduled_steps(fourteen, settings=settings, base_url=BASE))["reminders"] == 0
    assert (await run_scheduled_steps(fourteen + timedelta(days=30), settings=settings, base_url=BASE))[
        "reminders"
    ] == 0
    kinds = sorted(row["kind"] for row in await ReminderSent.select(ReminderSent.kind))
    assert kinds == ["report_due_14", "report_due_14", "report_due_3", "report_due_3"]
    assert await deliver(settings) == 2
    assert len(inbox.messages) == 4


async def test_no_reminder_before_three_days_nor_for_filed_reports(running_app, settings: Settings, inbox) -> None:
    volunteer = await actor(None, "vol@example.org", ["volunteer"])
    trip_id, _ = await make_trip(status="completed", start=days(-6), length=5, members=[volunteer])
    assert (await run_scheduled_steps(today(), settings=settings, base_url=BASE))["reminders"] == 0  # 2 days after
    reported, _ = await make_trip(status="reported", start=days(-30), length=5, members=[volunteer])
    assert (await run_scheduled_steps(today(), settings=settings, base_url=BASE))["reminders"] == 0
    assert await ReminderSent.count() == 0  # (the outbox holds only the trips' invites)
    assert trip_id and reported


async def test_demo_history_grows_every_year(client) -> None:
    import random

    from giveback.demo_history import load_demo_history

    for index in range(10):
        await volunteer_profile(await actor(None, f"demo{index}@example.org", ["volunteer"]), trips_per_year=2)
    created = await load_demo_history(random.Random(2027), date(2026, 11, 27))
    assert created > 20
    body = (await client.get("/api/dashboard")).json()
    per_year = [point["value"] for point in body["trips_per_year"]]
    assert [point["label"] for point in body["trips_per_year"]] == ["2022", "2023", "2024", "2025", "2026"]
    assert per_year == sorted(per_year) and per_year[0] < per_year[-1]
    countries = [point["value"] for point in body["countries_cumulative"]]
    assert countries == sorted(countries) and countries[-1] > countries[0]
    assert body["totals"]["attendees"] > 0
    assert len(body["matched_share_per_round"]) == 5
    assert all(0 < point["value"] < 100 for point in body["matched_share_per_round"])
    assert await TripEvent.count() == created
    # the history keeps the rules it shows: nobody beyond their yearly limit, nobody on two trips within the gap
    places = await bookings_of(await volunteer_ids())
    for person, trips in places.items():
        years = Counter(b.start.year for b in trips)
        assert max(years.values(), default=0) <= 2, (person, years)
        for booking in trips:
            others = [b for b in trips if b.trip_id != booking.trip_id]
            assert booked.overlapping(others, booking.start, booking.end, 14) is None, (person, booking)


async def volunteer_ids() -> list[int]:
    return [int(row["person"]) for row in await VolunteerProfile.select(VolunteerProfile.person)]
