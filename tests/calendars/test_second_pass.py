"""The calendars' second pass (issue 16, items 2–5): every message is a correct e-mail, mail and feed agree on a
postponed trip, a CANCEL to one team member takes only them off, feeds' validators obey RFC 9110, cancelled trips
say so in their summary, and a newer invite supersedes an older one still queued."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

import calkit
import msgspec
import trip_factory
from calkit import calendar_part, make_world, the_event
from test_feeds import make_feed, path_of
from test_invites import assert_invite
from test_outbox import closed_port, rows

from giveback.mail.sender import drain_outbox
from giveback.mail.tables import OutboxMessage
from giveback.trips import lifecycle
from giveback.trips.tables import Trip, TripMember

LONG_TITLE = "Curso de embolização prostática e hepática – São Paulo, com prática supervisionada"


def _attendees(event) -> list[str]:
    found = event.get("ATTENDEE")
    found = found if isinstance(found, list) else [found] if found else []
    return sorted(str(a).removeprefix("mailto:") for a in found)


async def test_messages_carry_a_date_and_folded_subjects_keep_their_spaces(new_client, inbox, settings) -> None:
    """Items 2 and 5: a ``Date:`` on invites and notices alike; a long subject with accents and an en dash,
    folded into encoded words, reads back with every space."""
    world = await make_world(new_client, inbox, settings, volunteers=2, title=LONG_TITLE, invite=False)
    before = datetime.now(UTC).replace(microsecond=0)
    await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
    member = await TripMember.select(TripMember.id).where(TripMember.person == world.volunteers[0]).first()
    await lifecycle.answer(int(member["id"]), "declined", settings)  # a notice to the coordinator too
    await drain_outbox(settings)
    kinds = {m["To"] for m in inbox.messages}
    assert world.coordinator_email in kinds and world.contact_email in kinds
    queued = {r["message_id"]: r["subject"] for r in await OutboxMessage.select()}
    for message in inbox.messages:  # every subject reads back exactly as it was written
        assert message["Subject"] == queued[message["Message-ID"]], message["Subject"]
        assert LONG_TITLE in message["Subject"]
    for message in inbox.messages:
        sent = parsedate_to_datetime(message["Date"])
        assert before <= sent <= datetime.now(UTC) + timedelta(seconds=1), message["Date"]
    notice = inbox.last_to(world.coordinator_email)
    assert max(len(line) for line in notice.as_string().splitlines()) <= 78  # still folded


async def test_the_cancel_to_a_team_member_who_declined_takes_only_them_off(
    new_client, inbox, settings, real_clients
) -> None:
    """Item 4 (RFC 5546 3.2.5): the CANCEL names only the decliner, has no STATUS (the visit goes on), and its
    description does not tell them the trip is confirmed."""
    world = await make_world(new_client, inbox, settings, volunteers=3, invite=False)
    await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
    members = {
        int(r["person"]): int(r["id"])
        for r in await TripMember.select(TripMember.id, TripMember.person).where(TripMember.trip == world.trip_id)
    }
    await lifecycle.answer(members[world.volunteers[1]], "accepted", settings)
    await lifecycle.answer(members[world.volunteers[2]], "accepted", settings)
    await drain_outbox(settings)
    inbox.messages.clear()
    token = await trip_factory.link_token(settings, members[world.volunteers[0]], "decline")
    answered = await new_client().post(f"/api/invites/{token}", json={})
    assert answered.status_code == 200 and answered.json()["trip_status"] == "confirmed"
    await drain_outbox(settings)
    cancel = inbox.last_to(world.volunteer_emails[0])
    event = assert_invite(cancel, "CANCEL", real_clients, settings, uninvite=True)
    assert _attendees(event) == [world.volunteer_emails[0]]
    assert "confirmed" not in str(event["DESCRIPTION"]).lower()
    assert "confirmed" not in cancel.get_body(("plain",)).get_content().lower()
    trip = await Trip.select().where(Trip.id == world.trip_id).first()
    assert int(event["SEQUENCE"]) == trip["sequence"]
    # the others' update still is the whole event, confirmed, without the decliner
    update = the_event(calendar_part(inbox.last_to(world.volunteer_emails[1]))[1])
    assert str(update["STATUS"]) == "CONFIRMED" and world.volunteer_emails[0] not in _attendees(update)


async def test_postponed_without_dates_the_feed_agrees_with_the_cancel_and_cancelled_trips_say_so(
    new_client, inbox, settings, real_clients
) -> None:
    """Items 3 and 5: postponed without new dates, the trip is CANCELLED in the feed as in the mail, its summary
    saying so for clients that ignore STATUS; new dates bring it back; a cancelled trip reads "Cancelled: …"."""
    world = await make_world(new_client, inbox, settings, volunteers=1, coordinator=False, logins=True)
    feed = await make_feed(world.volunteer_clients[0], kind="personal")
    reader = new_client()
    visit = "Giveback visit: Embolization course (SoBRICE)"

    async def feed_event():
        answer = await reader.get(path_of(feed["url"]))
        assert answer.status_code == 200
        real_clients.check(answer.content, itip=False)
        return the_event(answer.content)

    assert str((await feed_event())["STATUS"]) == "TENTATIVE"
    await drain_outbox(settings)
    inbox.messages.clear()
    await lifecycle.postpone(world.trip_id, "the host moved", start=None, end=None, actor_id=None, settings=settings)
    await drain_outbox(settings)
    mailed = assert_invite(inbox.last_to(world.volunteer_emails[0]), "CANCEL", real_clients, settings)
    shown = await feed_event()
    assert str(shown["STATUS"]) == str(mailed["STATUS"]) == "CANCELLED"
    assert int(shown["SEQUENCE"]) == int(mailed["SEQUENCE"])
    assert str(shown["SUMMARY"]) == f"Postponed: {visit}"

    await lifecycle.reschedule(
        world.trip_id, date(2031, 6, 2), date(2031, 6, 8), "new dates", actor_id=None, settings=settings
    )
    back = await feed_event()
    assert str(back["STATUS"]) == "TENTATIVE" and str(back["SUMMARY"]) == visit
    assert back.decoded("DTSTART") == date(2031, 6, 2)

    await lifecycle.cancel(world.trip_id, "the host cancelled", actor_id=None, settings=settings)
    inbox.messages.clear()
    await drain_outbox(settings)
    cancelled = await feed_event()
    assert str(cancelled["STATUS"]) == "CANCELLED" and str(cancelled["SUMMARY"]) == f"Cancelled: {visit}"
    message = inbox.last_to(world.volunteer_emails[0])
    assert message["Subject"].count("Cancelled") <= 1  # said once
    assert str(the_event(calendar_part(message)[1])["SUMMARY"]) == f"Cancelled: {visit}"


async def test_a_feed_answer_is_never_last_modified_after_its_date(new_client, inbox, settings) -> None:
    """Item 5 (RFC 9110 8.8.2.1): the feed changes several times within a second; every answer's Last-Modified is
    at most its Date, and a client sending it back still gets the newest body."""
    world = await make_world(new_client, inbox, settings, volunteers=1, coordinator=False, logins=True)
    feed = await make_feed(world.volunteer_clients[0], kind="personal")
    reader = new_client()
    seen = None
    for day in range(4):
        start = date(2031, 7, 1) + timedelta(days=day * 10)
        await lifecycle.reschedule(
            world.trip_id, start, start + timedelta(days=4), "moved", actor_id=None, settings=settings
        )
        answer = await reader.get(path_of(feed["url"]))
        assert answer.status_code == 200
        modified = parsedate_to_datetime(answer.headers["last-modified"])
        assert modified <= parsedate_to_datetime(answer.headers["date"]), answer.headers
        assert calkit.the_event(answer.content).decoded("DTSTART") == start
        if seen is not None:  # If-Modified-Since with the last value seen never hides a newer body
            assert answer.headers["etag"] != seen
        seen = answer.headers["etag"]
    assert (await new_client().get("/health")).headers["date"]  # every answer has one


async def test_a_newer_invite_supersedes_the_older_one_still_queued(new_client, inbox, settings) -> None:
    """Item 5: with the mail server down, the first invites wait; the trip is rescheduled; only the newer invites
    leave when the server is back, so the older ones can never arrive after them."""
    world = await make_world(new_client, inbox, settings, volunteers=1, coordinator=False)
    down = msgspec.structs.replace(settings, smtp_port=closed_port())
    moment = calkit.now()
    assert await drain_outbox(down, now=moment) == 0
    first = await rows(world.trip_id)
    assert len(first) == 2 and all(r["status"] == "pending" and r["attempts"] == 1 for r in first)
    await lifecycle.reschedule(
        world.trip_id, date(2031, 9, 1), date(2031, 9, 5), "the host asked", actor_id=None, settings=settings
    )
    after = await rows(world.trip_id)
    assert [r["status"] for r in after] == ["superseded", "superseded", "pending", "pending"]
    assert await drain_outbox(settings, now=moment + timedelta(hours=1)) == 2
    assert sorted(m["To"] for m in inbox.messages) == sorted([world.volunteer_emails[0], world.contact_email])
    trip = await Trip.select().where(Trip.id == world.trip_id).first()
    for message in inbox.messages:
        assert int(the_event(calendar_part(message)[1])["SEQUENCE"]) == trip["sequence"]
    assert await drain_outbox(settings, now=moment + timedelta(days=1)) == 0
