"""Answers given in calendar apps: invites over SMTP, an iTIP REPLY built with icalendar as a calendar client builds
it, sent over SMTP and delivered into a real IMAP mailbox (Dovecot), read by the worker's mailbox step and applied
through the trip lifecycle; forged, stale and unclear answers change nothing and are kept for the coordinators."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

import msgspec
from calkit import calendar_part, make_world, signed_in_client, the_event
from icalendar import Calendar, Event, vCalAddress
from imap_server import ImapServer

from giveback.calendars.replies import reply_address
from giveback.mail.sender import drain_outbox
from giveback.settings import Settings
from giveback.trips import lifecycle
from giveback.trips.replies import read_program_mailbox, receive_messages
from giveback.trips.tables import CalendarReply, Trip, TripMember

CLIENT_PRODID = "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN"


def mailbox_settings(settings: Settings, imap: ImapServer) -> tuple[Settings, str]:
    """The test settings with a program mailbox of its own on the IMAP server (a user per test)."""
    user = f"program-{uuid.uuid4().hex[:8]}"
    changed = msgspec.structs.replace(
        settings,
        reply_address=f"{user}@giveback.test",
        imap_host=imap.host,
        imap_port=imap.port,
        imap_security="plain",
        imap_username=user,
        imap_password=imap.password,
    )
    return changed, user


def client_answer(
    invite: EmailMessage,
    attendee: str,
    partstat: str,
    *,
    method: str = "REPLY",
    stamp: datetime | None = None,
    to: str | None = None,
    proposed: tuple[date, date] | None = None,
    delegated_to: str = "",
) -> EmailMessage:
    """The e-mail a calendar client sends when its user answers the invite: METHOD:REPLY (or COUNTER) with the
    event's UID, SEQUENCE and dates, the user as the one ATTENDEE, to the invite's ORGANIZER."""
    request = Calendar.from_ical(calendar_part(invite)[1])
    event = next(iter(request.walk("VEVENT")))
    answer = Event()
    for name in ("UID", "SEQUENCE", "SUMMARY", "ORGANIZER"):
        answer[name] = event[name]
    answer.add("dtstamp", stamp or datetime.now(UTC))
    if proposed is None:
        answer.add("dtstart", event.decoded("DTSTART"))
        answer.add("dtend", event.decoded("DTEND"))
    else:
        answer.add("dtstart", proposed[0])
        answer.add("dtend", proposed[1] + timedelta(days=1))
    who = vCalAddress(f"mailto:{attendee}")
    who.params["PARTSTAT"] = partstat
    if delegated_to:
        who.params["DELEGATED-TO"] = f"mailto:{delegated_to}"
    answer.add("attendee", who)
    calendar = Calendar()
    calendar.add("prodid", CLIENT_PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(answer)
    message = EmailMessage()
    message["From"] = attendee
    message["To"] = to or str(event["ORGANIZER"]).removeprefix("mailto:")
    message["Subject"] = f"{partstat.title()}: {invite['Subject']}"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="example.org")
    message.set_content(f"{attendee} has answered {partstat.lower()}.")
    message.add_alternative(
        calendar.to_ical(), maintype="text", subtype="calendar", params={"method": method, "charset": "utf-8"}
    )
    return message


def replace_calendar(message: EmailMessage, data: bytes) -> None:
    """Put other calendar bytes into the answer (as a broken or tampered client would send)."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    part.set_content(data, maintype="text", subtype="calendar", params={"method": "REPLY"})


def send_to_mailbox(message: EmailMessage, smtp_port: int, inbox, imap: ImapServer, user: str) -> None:
    """Send the answer over SMTP and let the mail server deliver it into the program mailbox."""
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        smtp.send_message(message)
    received = inbox.messages.pop()
    assert received["Message-ID"] == message["Message-ID"]
    imap.deliver(user, received.as_bytes(), parseaddr(str(received["To"]))[1])


async def _response(person_id: int) -> str:
    row = await TripMember.select(TripMember.response).where(TripMember.person == person_id).first()
    return str(row["response"])


async def test_a_no_clicked_in_the_calendar_frees_the_place_and_forged_or_stale_answers_change_nothing(
    new_client, inbox, settings, smtp_server, imap_server, real_clients
) -> None:
    settings, user = mailbox_settings(settings, imap_server)
    world = await make_world(new_client, inbox, settings, invite=False)
    await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
    assert await drain_outbox(settings) == 3
    first, second = world.volunteer_emails
    invite_1, invite_2 = inbox.last_to(first), inbox.last_to(second)

    # every recipient has a reply address of their own, as ORGANIZER and Reply-To
    organizers = {}
    for email in (first, second, world.contact_email):
        message = inbox.last_to(email)
        event = the_event(calendar_part(message)[1])
        organizer = str(event["ORGANIZER"]).removeprefix("mailto:")
        assert organizer == message["Reply-To"] == reply_address(settings, str(event["UID"]), email)
        assert organizer.startswith(f"{user}+") and organizer.endswith("@giveback.test")
        organizers[email] = organizer
        attendees = {str(a).removeprefix("mailto:"): a.params for a in event["ATTENDEE"]}
        asked = attendees[email]["RSVP"] == "TRUE"
        assert asked == (email != world.contact_email)
        assert str(event["TRANSP"]) == ("OPAQUE" if asked else "TRANSPARENT")
        real_clients.check(calendar_part(message)[1], itip=True)
    assert len(set(organizers.values())) == 3
    contact = the_event(calendar_part(inbox.last_to(world.contact_email))[1])
    assert {a.params["ROLE"] for a in contact["ATTENDEE"] if world.contact_email in str(a)} == {"NON-PARTICIPANT"}
    assert "/invites/" not in inbox.last_to(world.contact_email).get_body(("plain",)).get_content()

    # the second volunteer accepts by link; an hour-old "no" from their calendar comes in afterwards
    api = new_client()
    token = inbox.link_to(second, "/invites/").rsplit("/", 1)[1]  # the first link: accept
    accepted = await api.post(f"/api/invites/{token}", json={})
    assert accepted.status_code == 200 and accepted.json()["response"] == "accepted", accepted.text
    inbox.messages.clear()
    port = smtp_server[1]
    stale = client_answer(invite_2, second, "DECLINED", stamp=datetime.now(UTC) - timedelta(hours=1))
    send_to_mailbox(stale, port, inbox, imap_server, user)
    # someone who knows the first volunteer's reply address answers "no" in the second volunteer's name
    forged = client_answer(invite_2, second, "DECLINED", to=organizers[first])
    send_to_mailbox(forged, port, inbox, imap_server, user)
    # an answer to the program's plain address carries no token
    untokened = client_answer(invite_2, second, "DECLINED", to=f"{user}@giveback.test")
    send_to_mailbox(untokened, port, inbox, imap_server, user)
    # the first volunteer clicks "No" in their calendar app
    send_to_mailbox(client_answer(invite_1, first, "DECLINED"), port, inbox, imap_server, user)

    before = await Trip.select(Trip.sequence, Trip.status).where(Trip.id == world.trip_id).first()
    outcomes = await read_program_mailbox(settings)
    assert sorted(outcomes) == ["applied", "forged", "no_token", "stale"]
    assert await _response(world.volunteers[0]) == "declined"
    assert await _response(world.volunteers[1]) == "accepted"
    trip = await Trip.select(Trip.sequence, Trip.status).where(Trip.id == world.trip_id).first()
    assert trip["sequence"] == before["sequence"] + 1
    assert trip["status"] == "confirmed"  # the one left on the trip had accepted
    # the decline flow ran: CANCEL to the decliner, the update to the others, the coordinators told
    await drain_outbox(settings)
    assert str(calendar_part(inbox.last_to(first))[0].get_param("method")) == "CANCEL"
    notice = inbox.last_to(world.coordinator_email)
    assert "Declined" in notice["Subject"] and first in notice.get_body(("plain",)).get_content()
    assert not any(m["To"] == world.coordinator_email and "Calendar answer" in m["Subject"] for m in inbox.messages)

    # every message is marked read by the platform (and left unread for people); reading again changes nothing
    assert all(b"$GivebackRead" in flags and b"\\Seen" not in flags for flags in imap_server.flags(user))
    assert await read_program_mailbox(settings) == []
    assert await CalendarReply.count() == 4

    # the coordinators' page shows what was refused, in plain words
    coordinator = await signed_in_client(new_client(), world.coordinator)
    page = await coordinator.get("/coordinator/calendar-answers")
    assert page.status_code == 200
    assert page.text.count(second) >= 3 and first not in page.text
    assert "it came to a reply address that does not belong to the person it names" in page.text
    assert "it was not sent to a reply address of an invite" in page.text
    assert "older than an answer they gave since" in page.text
    assert (await api.get("/coordinator/calendar-answers")).status_code in (401, 403)


async def test_maybes_other_dates_and_unknown_versions_are_kept_for_the_coordinators(
    new_client, inbox, settings, imap_server
) -> None:
    settings, _ = mailbox_settings(settings, imap_server)
    world = await make_world(new_client, inbox, settings, volunteers=3, invite=False)
    await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
    await drain_outbox(settings)
    first, second, third = world.volunteer_emails
    invite_1, invite_2 = inbox.last_to(first), inbox.last_to(second)
    passed_on = client_answer(inbox.last_to(third), third, "DELEGATED", delegated_to="colleague@example.org")
    later = (date(2031, 4, 7), date(2031, 4, 13))
    counter = client_answer(invite_1, first, "NEEDS-ACTION", method="COUNTER", proposed=later)
    maybe = client_answer(invite_2, second, "TENTATIVE")
    future = client_answer(invite_2, second, "ACCEPTED")
    replace_calendar(future, calendar_part(future)[1].replace(b"SEQUENCE:", b"SEQUENCE:9"))
    uid = str(the_event(calendar_part(invite_2)[1])["UID"])
    outsider = client_answer(invite_2, world.contact_email, "ACCEPTED")  # the host contact, who does not travel
    outsider.replace_header("To", reply_address(settings, uid, world.contact_email))
    unreadable = client_answer(invite_2, second, "ACCEPTED")
    replace_calendar(unreadable, b"BEGIN:VCALENDAR\r\nnot a calendar")
    inbox.messages.clear()
    answers = (counter, maybe, future, outsider, unreadable, passed_on)
    outcomes = await receive_messages([m.as_bytes() for m in answers], settings)
    assert sorted(outcomes) == ["counter", "delegated", "not_on_trip", "tentative", "unknown_version", "unreadable"]
    assert {await _response(person) for person in world.volunteers} == {"pending"}
    row = await CalendarReply.select().where(CalendarReply.outcome == "counter").first()
    assert (row["proposed_start"], row["proposed_end"]) == later
    await drain_outbox(settings)
    notices = [m for m in inbox.messages if m["To"] == world.coordinator_email]
    assert len(notices) == 3  # the counter-proposal, the maybe, the place passed on; refusals are only on the page
    texts = " ".join(m.get_content() for m in notices)
    assert "other dates, 7–13 April 2031" in texts and "calendar app: maybe." in texts
    assert "the place passed on to colleague@example.org" in texts


async def test_the_newest_answer_wins_and_a_yes_to_old_dates_never_accepts_new_ones(
    new_client, inbox, settings, imap_server
) -> None:
    settings, _ = mailbox_settings(settings, imap_server)
    world = await make_world(new_client, inbox, settings, contact=False, invite=False)
    await lifecycle.invite(world.trip_id, actor_id=None, settings=settings)
    await drain_outbox(settings)
    first, second = world.volunteer_emails
    invite_1, invite_2 = inbox.last_to(first), inbox.last_to(second)
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    # the second volunteer said yes to the first dates an hour ago; the mail comes in after the dates changed
    old_yes = client_answer(invite_2, second, "ACCEPTED", stamp=an_hour_ago)
    await lifecycle.reschedule(
        world.trip_id,
        date(2031, 5, 5),
        date(2031, 5, 11),
        "the host moved the course",
        actor_id=None,
        settings=settings,
    )
    # the first volunteer clicked yes, then changed their mind to no: both arrive in one reading, oldest first
    after_the_change = datetime.now(UTC) + timedelta(seconds=1)
    yes_then = client_answer(invite_1, first, "ACCEPTED", stamp=after_the_change)
    no_now = client_answer(invite_1, first, "DECLINED", stamp=after_the_change + timedelta(seconds=30))
    sequence = (await Trip.select(Trip.sequence).where(Trip.id == world.trip_id).first())["sequence"]
    for message in (yes_then, no_now):
        replace_calendar(message, calendar_part(message)[1].replace(b"SEQUENCE:0", f"SEQUENCE:{sequence}".encode()))
    outcomes = await receive_messages([m.as_bytes() for m in (old_yes, yes_then, no_now)], settings)
    assert outcomes == ["applied", "stale", "stale"]
    assert await _response(world.volunteers[0]) == "declined"
    assert await _response(world.volunteers[1]) == "pending"  # asked again for the new dates


def test_the_command_line_reads_the_mailbox_once_and_names_what_is_wrong(imap_server, temp_dir) -> None:
    def giveback(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("GIVEBACK_")}
        return subprocess.run(
            [sys.executable, "-m", "giveback", *args],
            cwd=temp_dir,
            env={**environment, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert giveback("db", "upgrade").returncode == 0
    unset = giveback("mailbox", "read")
    assert unset.returncode == 2 and "GIVEBACK_IMAP_HOST: no program mailbox is set" in unset.stderr
    user = f"program-{uuid.uuid4().hex[:8]}"
    mailbox = {
        "GIVEBACK_IMAP_HOST": imap_server.host,
        "GIVEBACK_IMAP_PORT": str(imap_server.port),
        "GIVEBACK_IMAP_SECURITY": "plain",
        "GIVEBACK_IMAP_USERNAME": user,
        "GIVEBACK_IMAP_PASSWORD": imap_server.password,
    }
    imap_server.deliver(user, b"From: someone@example.org\r\nSubject: Hello\r\n\r\nNot a calendar answer.\r\n", user)
    read = giveback("mailbox", "read", **mailbox)
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip().endswith("\n0 calendar answers read")  # after the log lines
    refused = giveback("mailbox", "read", **{**mailbox, "GIVEBACK_IMAP_PASSWORD": "not-the-password"})
    assert refused.returncode == 1
    assert f"cannot read the mailbox of {user} at {imap_server.host}:{imap_server.port}" in refused.stderr
    assert "Traceback" not in refused.stderr
