"""Invites: iTIP messages queued with the trip change, their MIME layout, real parsers, and the answer links."""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import calkit
from calkit import FIRST_DAY, LAST_DAY, RealClients, assert_calendar_text, calendar_part, make_world, the_event
from trip_factory import link_token

from giveback.calendars.invites import AnswerLink, about_trip, answer_token
from giveback.calendars.replies import reply_address
from giveback.db.engine import write_transaction
from giveback.hosts.tables import HostRequest
from giveback.mail.sender import drain_outbox
from giveback.mail.tables import OutboxMessage
from giveback.settings import Settings
from giveback.trips import lifecycle
from giveback.trips.tables import Trip, TripMember


def assert_invite(
    message: EmailMessage,
    method: str,
    real_clients: RealClients,
    settings: Settings,
    first_day: date = FIRST_DAY,
    last_day: date = LAST_DAY,
    *,
    uninvite: bool = False,
) -> Any:
    """The layout calendar.md demands, checked on one received message; returns the event. ``uninvite``: a
    CANCEL that takes some attendees off an event that goes on (no STATUS, RFC 5546 3.2.5)."""
    assert message.get_content_type() == "multipart/mixed"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["multipart/alternative", "application/ics"]
    alternative = [p.get_content_type() for p in parts[0].iter_parts()]
    assert alternative == ["text/plain", "text/html", "text/calendar"]
    inline, data = calendar_part(message)
    assert inline.get_param("method") == method
    attachment = parts[1]
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == data
    assert_calendar_text(data)
    calendar = calkit.parse(data)
    assert str(calendar["METHOD"]) == method
    event = the_event(data)
    # the organizer is the recipient's own reply address in the program mailbox, and the Reply-To
    organizer = str(event["ORGANIZER"]).removeprefix("mailto:")
    recipient = parseaddr(message["To"])[1]
    assert organizer == message["Reply-To"] == reply_address(settings, str(event["UID"]), recipient)
    assert parseaddr(message["From"])[1] == parseaddr(settings.mail_from)[1]
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    # volunteers are asked for an answer; host contacts, who do not travel, are only told
    asked = {str(a).removeprefix("mailto:"): a.params["RSVP"] == "TRUE" for a in attendees}
    assert attendees and all(
        asked[str(a).removeprefix("mailto:")] == (a.params["ROLE"] != "NON-PARTICIPANT") for a in attendees
    )
    assert str(event["TRANSP"]) == ("OPAQUE" if asked.get(recipient, True) else "TRANSPARENT")
    assert event.decoded("DTSTART") == first_day
    assert event.decoded("DTEND") == last_day + timedelta(days=1)
    unfolded = data.decode().replace("\r\n ", "")
    assert f"DTSTART;VALUE=DATE:{first_day:%Y%m%d}\r\n" in unfolded
    assert f"DTEND;VALUE=DATE:{last_day + timedelta(days=1):%Y%m%d}\r\n" in unfolded
    if uninvite:
        assert method == "CANCEL" and "STATUS" not in event
    elif method == "CANCEL":
        assert str(event["STATUS"]) == "CANCELLED"
    else:
        assert str(event["STATUS"]) != "CANCELLED"
    parsed = real_clients.check(data, itip=True)
    assert parsed["method"] == method
    (js_event,) = parsed["events"]
    assert js_event["startIsDate"] and js_event["endIsDate"]
    assert {a["rsvp"] for a in js_event["attendees"]} <= {"TRUE", "FALSE"}
    return event


async def test_approval_queues_one_request_per_recipient_in_the_transaction(
    new_client, inbox, settings, real_clients
) -> None:
    world = await make_world(new_client, inbox, settings, invite=False)
    # a rolled-back change leaves no message behind
    try:
        async with write_transaction(Trip._meta.db):
            await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
            assert await OutboxMessage.count().where(OutboxMessage.about == about_trip(world.trip_id)) == 3
            raise RuntimeError("the trip change failed")
    except RuntimeError:
        pass
    assert await OutboxMessage.count().where(OutboxMessage.about == about_trip(world.trip_id)) == 0
    assert (await Trip.select(Trip.status).where(Trip.id == world.trip_id).first())["status"] == "approved"
    await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
    rows = await OutboxMessage.select().where(OutboxMessage.about == about_trip(world.trip_id))
    assert len(rows) == 3
    trip = await Trip.select().where(Trip.id == world.trip_id).first()
    assert trip["status"] == "invited"

    assert await drain_outbox(settings) == 3
    assert sorted(m["To"] for m in inbox.messages) == sorted([*world.volunteer_emails, world.contact_email])
    stored = {r["recipient"]: r["message_id"] for r in rows}
    for message in inbox.messages:
        event = assert_invite(message, "REQUEST", real_clients, settings)
        assert message["Message-ID"] == stored[message["To"]]
        assert str(event["UID"]) == trip["uid"]
        assert int(event["SEQUENCE"]) == trip["sequence"]
        # DTSTAMP is the trip's last change, not the sending time
        assert event.decoded("DTSTAMP") == trip["updated_at"].replace(microsecond=0)
        emails = sorted(str(a).removeprefix("mailto:") for a in event["ATTENDEE"])
        assert emails == sorted([*world.volunteer_emails, world.contact_email])
    body = next(m for m in inbox.messages if world.volunteer_emails[0] in m["To"]).get_body(("plain",))
    assert "/invites/" in body.get_content()
    host_body = next(m for m in inbox.messages if world.contact_email in m["To"]).get_body(("plain",))
    assert "/invites/" not in host_body.get_content()  # accept/decline links are for volunteers
    assert all(m["Message-ID"] for m in inbox.messages)


async def test_user_text_is_escaped_and_cannot_add_a_property(new_client, inbox, settings, real_clients) -> None:
    title = 'Course\r\nATTENDEE;RSVP=TRUE:mailto:evil@example.com\nMETHOD:CANCEL, "quoted"; semi ' + "é" * 40
    world = await make_world(new_client, inbox, settings, volunteers=1, contact=False, title=title, invite=False)
    await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
    await drain_outbox(settings)
    message = inbox.last_to(world.volunteer_emails[0])
    event = assert_invite(message, "REQUEST", real_clients, settings)
    attendees = event["ATTENDEE"]
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == [f"mailto:{world.volunteer_emails[0]}"]
    assert "Course\r\nATTENDEE" in str(event["SUMMARY"]) or "Course\nATTENDEE" in str(event["SUMMARY"])
    _, data = calendar_part(message)
    assert data.count(b"\r\nATTENDEE") == 1 and data.count(b"\r\nMETHOD") == 1
    parsed = real_clients.check(data, itip=True)
    assert len(parsed["events"][0]["attendees"]) == 1


async def test_accept_links_confirm_the_trip_and_bump_the_sequence(new_client, inbox, settings, real_clients) -> None:
    world = await make_world(new_client, inbox, settings, invite=False)
    await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
    await drain_outbox(settings)
    first = the_event(calendar_part(inbox.last_to(world.volunteer_emails[0]))[1])
    anonymous = new_client()
    accept_0 = ""
    for number, email in enumerate(world.volunteer_emails):
        link = inbox.link_to(email, "/invites/")
        accept_0 = accept_0 or link
        accept = next(p for p in re.findall(r"/invites/\S+", inbox.last_to(email).get_body(("plain",)).get_content()))
        assert link == accept
        shown = await anonymous.get(link)  # GET changes nothing
        assert shown.status_code == 200
        assert "Accept my place" in shown.text
        member = await TripMember.select().where(TripMember.person == world.volunteers[number]).first()
        assert member["response"] == "pending"
        csrf = anonymous.cookies.get("giveback_csrf")
        answered = await anonymous.post(link, data={"csrf_token": csrf})
        assert answered.status_code == 200, answered.text
        assert "your place on this trip is confirmed" in answered.text
        member = await TripMember.select().where(TripMember.person == world.volunteers[number]).first()
        assert member["response"] == "accepted"
        trip = await Trip.select().where(Trip.id == world.trip_id).first()
        assert trip["status"] == ("confirmed" if number == 1 else "invited")
    inbox.messages.clear()
    assert await drain_outbox(settings) == 3  # the confirmed trip goes out again to everyone
    updated = the_event(calendar_part(inbox.last_to(world.volunteer_emails[0]))[1])
    assert str(updated["UID"]) == str(first["UID"])
    assert int(updated["SEQUENCE"]) > int(first["SEQUENCE"])
    assert str(updated["STATUS"]) == "CONFIRMED"
    assert updated.decoded("DTSTAMP") >= first.decoded("DTSTAMP")
    for message in inbox.messages:
        assert_invite(message, "REQUEST", real_clients, settings)
    # answering again is harmless; the JSON API tells the same
    # (the confirmed trip's update carries no links for those who answered: the first invite's link is used)
    token = accept_0.rsplit("/", 1)[1]
    again = await anonymous.post(f"/api/invites/{token}", json={})
    assert again.status_code == 200
    assert again.json()["changed"] is False


async def test_declines_free_places_cancel_for_the_decliner_and_reopen_the_request(
    new_client, inbox, settings, real_clients
) -> None:
    world = await make_world(new_client, inbox, settings, invite=False)
    await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
    assert await drain_outbox(settings) == 3
    inbox.messages.clear()
    before = await Trip.select().where(Trip.id == world.trip_id).first()
    api = new_client()
    decline_0 = await link_token(settings, await _member_id(world.volunteers[0]), "decline")
    view = await api.get(f"/api/invites/{decline_0}")
    assert view.status_code == 200 and view.json()["answer"] == "decline" and view.json()["answerable"]
    answered = await api.post(f"/api/invites/{decline_0}", json={})
    assert answered.status_code == 200, answered.text
    assert answered.json()["response"] == "declined"
    trip = await Trip.select().where(Trip.id == world.trip_id).first()
    assert trip["sequence"] > before["sequence"]
    assert trip["status"] in ("invited", "approved")
    assert await drain_outbox(settings) == 4  # CANCEL to the decliner, REQUEST to the others, the coordinator
    cancel = inbox.last_to(world.volunteer_emails[0])
    event = assert_invite(cancel, "CANCEL", real_clients, settings, uninvite=True)
    assert int(event["SEQUENCE"]) == trip["sequence"]
    assert "REQUEST" not in calendar_part(cancel)[1].decode()
    remaining = assert_invite(inbox.last_to(world.volunteer_emails[1]), "REQUEST", real_clients, settings)
    assert str(remaining["UID"]) == trip["uid"] and int(remaining["SEQUENCE"]) == trip["sequence"]
    assert world.volunteer_emails[0] not in str(remaining.get("ATTENDEE"))
    notice = inbox.last_to(world.coordinator_email)
    assert "Declined" in notice["Subject"] and world.volunteer_emails[0] in notice.get_body(("plain",)).get_content()

    inbox.messages.clear()
    decline_1 = await link_token(settings, await _member_id(world.volunteers[1]), "decline")
    assert (await api.post(f"/api/invites/{decline_1}", json={})).json()["trip_status"] == "declined"
    trip = await Trip.select().where(Trip.id == world.trip_id).first()
    assert trip["status"] == "declined"
    request = await HostRequest.select(HostRequest.status).where(HostRequest.id == world.request_id).first()
    assert request["status"] == "accepted"  # back in the pool for a follow-up round
    await drain_outbox(settings)
    for email in (world.volunteer_emails[1], world.contact_email):
        event = assert_invite(inbox.last_to(email), "CANCEL", real_clients, settings)
        assert int(event["SEQUENCE"]) == trip["sequence"]
    assert "Nobody is left" in inbox.last_to(world.coordinator_email).get_body(("plain",)).get_content()
    # a declined trip takes no more answers
    accept_1 = await link_token(settings, await _member_id(world.volunteers[1]), "accept")
    refused = await api.post(f"/api/invites/{accept_1}", json={})
    assert refused.status_code == 409 and refused.json()["field"] == "answer"


async def _member_id(person_id: int) -> int:
    row = await TripMember.select(TripMember.id).where(TripMember.person == person_id).first()
    return int(row["id"])


async def test_forged_or_foreign_links_answer_404_and_change_nothing(new_client, inbox, settings) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, contact=False, coordinator=False)
    client = new_client()
    member = await _member_id(world.volunteers[0])
    forged = answer_token("another-secret-key-another-secret-key", AnswerLink(member, "accept", 0, LAST_DAY))
    for token in (forged, "not-a-token", answer_token(settings.secret_key, AnswerLink(999999, "accept", 0, LAST_DAY))):
        for path in (f"/api/invites/{token}",):
            assert (await client.get(path)).status_code == 404
            response = await client.post(path, json={})
            assert response.status_code == 404 and response.json()["field"] == "token"
    page = await client.get(f"/invites/{forged}", headers={"accept": "text/html"})
    assert page.status_code == 404
    row = await TripMember.select().where(TripMember.id == member).first()
    assert row["response"] == "pending"
    # a page form post without the CSRF cookie value is refused
    token = await link_token(settings, member, "accept")
    refused = await client.post(f"/invites/{token}", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    assert (await TripMember.select().where(TripMember.id == member).first())["response"] == "pending"


async def test_links_in_invites_are_built_from_the_base_url(new_client, inbox, settings) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, contact=False, coordinator=False, invite=False)
    await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
    await drain_outbox(settings)
    text = inbox.last_to(world.volunteer_emails[0]).get_body(("plain",)).get_content()
    links = re.findall(r"https?://[^\s/]+", text)
    assert links and all(link == settings.base_url for link in links)


async def test_date_changes_and_cancellation_by_the_coordinator_send_updates_and_cancels(
    new_client, inbox, settings, real_clients
) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, logins=True)
    await drain_outbox(settings)
    before = await Trip.select().where(Trip.id == world.trip_id).first()
    coordinator = world.coordinator_client
    moved = await coordinator.post(
        f"/api/trips/{world.trip_id}/reschedule",
        json={"start": "2031-05-05", "end": "2031-05-09", "reason": "the host asked"},
    )
    assert moved.status_code == 200, moved.text
    inbox.messages.clear()
    assert await drain_outbox(settings) == 2
    trip = await Trip.select().where(Trip.id == world.trip_id).first()
    assert trip["uid"] == before["uid"] and trip["sequence"] > before["sequence"]
    for email in (world.volunteer_emails[0], world.contact_email):
        event = assert_invite(
            inbox.last_to(email), "REQUEST", real_clients, settings, date(2031, 5, 5), date(2031, 5, 9)
        )
        assert str(event["UID"]) == trip["uid"] and int(event["SEQUENCE"]) == trip["sequence"]
    cancelled = await coordinator.post(f"/api/trips/{world.trip_id}/cancel", json={"reason": "flights cancelled"})
    assert cancelled.status_code == 200, cancelled.text
    inbox.messages.clear()
    assert await drain_outbox(settings) == 2
    final = await Trip.select().where(Trip.id == world.trip_id).first()
    assert final["sequence"] > trip["sequence"]
    for email in (world.volunteer_emails[0], world.contact_email):
        message = inbox.last_to(email)
        event = assert_invite(message, "CANCEL", real_clients, settings, date(2031, 5, 5), date(2031, 5, 9))
        assert int(event["SEQUENCE"]) == final["sequence"]
        assert "METHOD:REQUEST" not in calendar_part(message)[1].decode()


async def test_links_are_bound_to_their_invite_expire_and_show_no_record_id(new_client, inbox, settings) -> None:
    """Issue 15 item 9: a link holds no member id in clear; a newer invite (new dates) makes the older links say
    so and change nothing; the newest links answer as before; a link past the trip's last day says it expired;
    a place already answered still shows its answer from an older link."""
    world = await make_world(new_client, inbox, settings, volunteers=2, contact=False, coordinator=False, invite=False)
    await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
    await drain_outbox(settings)
    old = {email: _links(inbox.last_to(email)) for email in world.volunteer_emails}
    member_0 = await _member_id(world.volunteers[0])
    token = old[world.volunteer_emails[0]]["accept"].rsplit("/", 1)[1]
    clear = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b'"m"' not in clear and str(member_0).encode() + b"," not in clear  # encrypted, no id in clear
    api = new_client()

    await lifecycle.reschedule(
        world.trip_id, date(2031, 4, 7), date(2031, 4, 13), "the host asked", actor_id=None, settings=settings
    )
    inbox.messages.clear()
    await drain_outbox(settings)
    for kind in ("accept", "decline"):
        stale = old[world.volunteer_emails[0]][kind]
        for answer in (await api.get(f"/api{stale}"), await api.post(f"/api{stale}", json={})):
            assert answer.status_code == 410, answer.text
            assert answer.json()["field"] == "token" and "newer invite" in answer.json()["detail"]
        page = await api.get(stale, headers={"accept": "text/html"})
        assert page.status_code == 410 and "newer invite was sent" in page.text
    assert (await TripMember.select().where(TripMember.id == member_0).first())["response"] == "pending"

    new = {email: _links(inbox.last_to(email)) for email in world.volunteer_emails}
    shown = await api.get(f"/api{new[world.volunteer_emails[0]]['accept']}")
    assert shown.status_code == 200 and shown.json()["answerable"] and shown.json()["first_day"] == "2031-04-07"
    accepted = await api.post(f"/api{new[world.volunteer_emails[0]]['accept']}", json={})
    assert accepted.status_code == 200 and accepted.json()["response"] == "accepted"
    # answered: the older links show the answer (no newer invite is waiting for one)
    again = await api.get(f"/api{old[world.volunteer_emails[0]]['accept']}")
    assert again.status_code == 200 and again.json()["response"] == "accepted" and not again.json()["answerable"]
    declined = await api.post(f"/api{new[world.volunteer_emails[1]]['decline']}", json={})
    assert declined.status_code == 200 and declined.json()["response"] == "declined"
    assert (await api.get(f"/api{old[world.volunteer_emails[1]]['accept']}")).json()["response"] == "declined"

    trip = await Trip.select().where(Trip.id == world.trip_id).first()
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    expired = answer_token(settings.secret_key, AnswerLink(member_0, "decline", trip["sequence"], yesterday))
    for answer in (await api.get(f"/api/invites/{expired}"), await api.post(f"/api/invites/{expired}", json={})):
        assert answer.status_code == 410 and "expired" in answer.json()["detail"], answer.text
    assert (await TripMember.select().where(TripMember.id == member_0).first())["response"] == "accepted"


def _links(message: EmailMessage) -> dict[str, str]:
    """The accept and decline links (paths) of an invite e-mail."""
    text = message.get_body(("plain",)).get_content()
    accept, decline = re.findall(r"https?://[^/\s]+(/invites/\S+)", text)
    return {"accept": accept, "decline": decline}
