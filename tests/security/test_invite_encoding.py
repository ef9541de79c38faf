"""Item 1: an invite or notice whose every line is short but not ASCII is still queued and sent (7-bit safe).

A host contact's invite has no long link line and holds an en dash; the e-mail package picked 8bit for it,
the queued text could not be stored, and "approve all" of the round answered 500 and approved nothing.
"""

from __future__ import annotations

from email import message_from_string
from email.policy import SMTP

import httpx
from helpers import member
from programs import PERIOD_START, _request, _volunteer, make_contact
from round_steps import open_and_freeze, run_round

from giveback.calendars.messages import invite_message
from giveback.mail.messages import alternative_message
from giveback.mail.tables import OutboxMessage
from giveback.mail.templating import Rendered
from giveback.organizations.tables import Organization
from giveback.trips.tables import Trip


async def test_approving_a_round_for_hospital_italiano_queues_every_invite(client: httpx.AsyncClient, inbox) -> None:
    organization = await Organization.insert(Organization(name="Hospital Italiano", short_name="HI", country="AR"))
    organization_id = int(organization[0]["id"])
    volunteer = await _volunteer("ana@example.org", {"venous": 3}, ["es", "en"], PERIOD_START, 120)
    await _request(organization_id, "TIPS course", {"venous": 3}, ["es"], PERIOD_START, 60)
    coordinator = await member(client, inbox, "coord@example.org", ["coordinator", "host"])
    await make_contact(coordinator, organization_id)
    round_id = await open_and_freeze(client)
    run = await run_round(client, round_id)

    approved = await client.post(f"/api/runs/{run['id']}/approve", json={})

    assert approved.status_code == 201, approved.text
    assert await Trip.count() == 1
    queued = await OutboxMessage.select(OutboxMessage.recipient, OutboxMessage.content).where(
        OutboxMessage.kind == "invite"
    )
    assert {row["recipient"] for row in queued} == {"ana@example.org", "coord@example.org"}
    for row in queued:
        assert row["content"].isascii()
        parsed = message_from_string(row["content"], policy=SMTP)
        texts = [part.get_content() for part in parsed.walk() if part.get_content_type() == "text/plain"]
        assert any("–" in text for text in texts), texts
    assert volunteer


def test_short_non_ascii_texts_compose_as_seven_bit_messages() -> None:
    text = "Hospital Italiano – TIPS course\n\nMon 03 Mar 2031 – Sun 09 Mar 2031\nJosé Müller, 王芳, محمد"
    html = "<p>José Müller, 王芳, محمد</p>"
    notice = alternative_message(
        mail_from="Giveback <giveback@example.org>",
        to=("José", "jose@example.org"),
        subject="Declined: José – TIPS course",
        text=text,
        html=html,
        message_id="<1@example.org>",
    )
    invite = invite_message(
        mail_from="Giveback <giveback@example.org>",
        to=("José", "jose@example.org"),
        rendered=Rendered(subject="TIPS course – Hospital Italiano", text=text, html=html),
        calendar=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        method="REQUEST",
        message_id="<2@example.org>",
    )
    for composed in (notice, invite):
        assert composed.isascii()
        parsed = message_from_string(composed, policy=SMTP)
        assert "–" in str(parsed["Subject"])
        plain = next(part for part in parsed.walk() if part.get_content_type() == "text/plain")
        assert plain.get_content().rstrip("\n") == text
        rich = next(part for part in parsed.walk() if part.get_content_type() == "text/html")
        assert rich.get_content().rstrip("\n") == html
