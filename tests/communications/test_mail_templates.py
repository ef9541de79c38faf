"""Issue 20 (e-mails a coordinator can shape, notice preferences) and issue 18 (e-mails in the reader's language).

Every e-mail comes from a template: an edited one changes the next e-mail, a broken one is refused with its line
and the reason while the previous one stays in use; a person's notice choices and the one-click unsubscribe link
stop notices but never invites; a Spanish or Arabic reader gets the e-mail, the invite and the feed in their
language, with a text and an HTML part whose links are real.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlsplit

import httpx
from helpers import PASSWORD
from trip_factory import days, make_trip, person, signed_in, today

from giveback.accounts.tables import Person
from giveback.mail.sender import drain_outbox
from giveback.mail.tables import OutboxMessage
from giveback.settings import Settings
from giveback.trips import lifecycle
from giveback.trips.scheduler import run_scheduled_steps
from giveback.trips.tables import TripMember

BASE = "http://testserver.local"


def parts(message: EmailMessage) -> dict[str, str]:
    """The message's text, HTML and calendar parts by content type."""
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if part.get_content_type() in ("text/plain", "text/html", "text/calendar")
    }


def assert_alternative(message: EmailMessage, link: str) -> dict[str, str]:
    """A text part and an HTML part holding the link as a real ``<a href>``."""
    found = parts(message)
    assert message.get_content_type() in ("multipart/alternative", "multipart/mixed"), message.get_content_type()
    assert link in found["text/plain"], found["text/plain"]
    assert f'<a href="{link}">' in found["text/html"], found["text/html"]
    return found


async def completed_trip(volunteer: int, title: str) -> int:
    trip_id, _ = await make_trip(status="completed", start=days(-10), length=5, members=[volunteer], title=title)
    return trip_id


async def reminders(settings: Settings, inbox) -> list[EmailMessage]:
    """The reminders the scheduler sends today (what was queued before is sent and set aside first)."""
    await drain_outbox(settings)
    inbox.messages.clear()
    await run_scheduled_steps(today(), settings=settings, base_url=BASE)
    await drain_outbox(settings)
    return list(inbox.messages)


async def test_an_edited_template_changes_the_next_email_and_a_broken_one_is_refused(
    client: httpx.AsyncClient, settings: Settings, inbox
) -> None:
    await signed_in(client, "coord@example.org", ["coordinator"], name="Ngozi Okafor")
    volunteer = await person("amira@example.org", name="Amira Haddad")
    trip_id = await completed_trip(volunteer, "Embolización avanzada")
    await drain_outbox(settings)

    (default,) = [m for m in await reminders(settings, inbox) if m["To"] == "amira@example.org"]
    assert default["Subject"] == "Giveback: your report on the visit “Embolización avanzada” is due"
    text = assert_alternative(default, f"{BASE}/trips/{trip_id}")["text/plain"]
    assert text.startswith("Hello Amira Haddad,")
    assert default["List-Unsubscribe"].startswith(f"<{BASE}/notifications/unsubscribe/")
    assert default["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    edited = {
        "subject": "Report on {{ trip_title }}, please",
        "text": "Dear {{ reader }},\n\nplease report: {{ link }}\n",
        "html": '<p>Dear {{ reader }}, <a href="{{ link }}">report here</a>.</p>',
    }
    saved = await client.put("/api/messages/report-reminder/all", json=edited)
    assert saved.status_code == 200, saved.text
    assert saved.json()["origin"] == "every-language"

    broken = {
        "text": {**edited, "text": "Dear {{ reader }},\n\n{{ trip_name }}\n"},
        "html": {**edited, "html": "<p>{% if reader %}</p>"},
        "subject": {**edited, "subject": "{{ reader.__class__.__mro__ }}"},
    }
    refusals = {}
    for part, body in broken.items():
        refused = await client.put("/api/messages/report-reminder/all", json=body)
        assert refused.status_code == 400, refused.text
        refusals[part] = refused.json()
        assert refusals[part]["field"] == part
    assert "text part, line 3: unknown placeholder “trip_name”" in refusals["text"]["detail"]
    assert "HTML part, line 1" in refusals["html"]["detail"] and "endif" in refusals["html"]["detail"]
    assert "subject, line 1: not allowed in a template" in refusals["subject"]["detail"]
    assert "__class__" in refusals["subject"]["detail"]
    kept = (await client.get("/api/messages/report-reminder/all")).json()
    assert kept["subject"] == edited["subject"]  # the previous version stays in use

    preview = await client.post("/api/messages/report-reminder/all/preview")
    assert preview.status_code == 200, preview.text
    assert preview.json()["subject"] == "Report on Embolización avanzada, please"  # the newest real trip
    assert "Dear Ngozi Okafor," in preview.json()["text"]

    remind = await client.post(f"/api/trips/{trip_id}/reminders")
    assert remind.status_code == 200, remind.text
    inbox.messages.clear()
    await drain_outbox(settings)
    shaped = inbox.last_to("amira@example.org")
    assert shaped["Subject"] == "Report on Embolización avanzada, please"
    found = assert_alternative(shaped, f"{BASE}/trips/{trip_id}")
    assert "report here</a>" in found["text/html"]

    # A language of its own: the Spanish reader gets the Spanish version, others the one for every language.
    spanish = {**edited, "subject": "Informe sobre {{ trip_title }}"}
    assert (await client.put("/api/messages/report-reminder/es", json=spanish)).status_code == 200
    await Person.update({Person.locale: "es"}).where(Person.id == volunteer)
    await client.post(f"/api/trips/{trip_id}/reminders")
    await drain_outbox(settings)
    assert inbox.last_to("amira@example.org")["Subject"] == "Informe sobre Embolización avanzada"

    # Reset: the Spanish version goes, then the one for every language: back to the default, in Spanish.
    assert (await client.delete("/api/messages/report-reminder/es")).json()["origin"] == "every-language"
    assert (await client.delete("/api/messages/report-reminder/all")).json()["origin"] == "default"
    await client.post(f"/api/trips/{trip_id}/reminders")
    await drain_outbox(settings)
    assert inbox.last_to("amira@example.org")["Subject"].startswith("Giveback: ya toca su informe")

    # The pages: the list, the editor with its preview, a broken form refused next to its field.
    listing = await client.get("/coordinator/messages/")
    assert listing.status_code == 200 and "/coordinator/messages/trip-invitation" in listing.text
    editor = await client.get("/coordinator/messages/report-reminder?language=ar")
    assert editor.status_code == 200 and "Embolización avanzada" in editor.text and "srcdoc=" in editor.text
    form = {**edited, "text": "{{ nope }}", "language": "ar", "action": "save"}
    refused_page = await client.post("/coordinator/messages/report-reminder", data=form)
    assert refused_page.status_code == 400
    assert "line 1" in refused_page.text and "nope" in refused_page.text
    assert (await client.get("/api/messages/report-reminder/ar")).json()["origin"] == "default"
    assert (await client.get("/api/messages/no-such-message/all")).status_code == 404
    assert (await client.get("/api/messages/report-reminder/xx")).status_code == 400


async def test_preferences_stop_the_chosen_notices_never_invites(
    client: httpx.AsyncClient, new_client, settings: Settings, inbox
) -> None:
    volunteer = await signed_in(client, "li.wei@example.org", ["volunteer"], name="李伟")
    coordinator = await person("coord@example.org", ["coordinator"], name="Ngozi Okafor")
    choices = (await client.get("/api/account/notifications")).json()
    assert {c["message"] for c in choices} >= {"report-reminder", "volunteer-declined"}
    assert "trip-invitation" not in {c["message"] for c in choices}
    refused = await client.put("/api/account/notifications", json={"notices": {"trip-invitation": False}})
    assert refused.status_code == 404 and refused.json()["field"] == "notices"
    chosen = await client.put("/api/account/notifications", json={"notices": {"report-reminder": False}})
    assert chosen.status_code == 200
    assert {c["message"]: c["by_email"] for c in chosen.json()}["report-reminder"] is False

    trip_id = await completed_trip(volunteer, "TIPS course")
    later, _ = await make_trip(status="invited", start=days(60), length=5, members=[volunteer], answers="pending")
    inbox.messages.clear()
    await run_scheduled_steps(today(), settings=settings, base_url=BASE)
    await drain_outbox(settings)
    to_volunteer = [m for m in inbox.messages if m["To"] == "li.wei@example.org"]
    assert [m["Subject"] for m in to_volunteer if "report" in m["Subject"]] == []  # the reminder is off
    assert any(m["Subject"].startswith("Invitation: ") for m in to_volunteer)  # invites always come
    assert trip_id

    # The volunteer declines: the coordinator's notice carries a one-click unsubscribe link that works without
    # a session; after it, the next decline notice does not reach the coordinator.
    (member,) = await TripMember.select(TripMember.id).where(TripMember.trip == later)
    inbox.messages.clear()
    await lifecycle.answer(int(member["id"]), "declined", settings)
    await drain_outbox(settings)
    notice = inbox.last_to("coord@example.org")
    assert notice["Subject"].startswith("Declined: 李伟")
    assert_alternative(notice, f"{BASE}/trips/{later}")
    unsubscribe = notice["List-Unsubscribe"].strip("<>")
    stranger = new_client()
    shown = await stranger.get(urlsplit(unsubscribe).path)
    assert shown.status_code == 200 and "To coordinators: a volunteer declined a visit" in shown.text
    one_click = await stranger.post(
        urlsplit(unsubscribe).path,
        content="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200, one_click.text
    forged = await stranger.post(urlsplit(unsubscribe).path[:-3] + "abc", content="List-Unsubscribe=One-Click")
    assert forged.status_code == 404

    again, _ = await make_trip(status="invited", start=days(120), length=5, members=[volunteer], answers="pending")
    (member,) = await TripMember.select(TripMember.id).where(TripMember.trip == again)
    inbox.messages.clear()
    await lifecycle.answer(int(member["id"]), "declined", settings)
    await drain_outbox(settings)
    assert [m for m in inbox.messages if m["To"] == "coord@example.org"] == []
    assert any(m["To"] == "li.wei@example.org" for m in inbox.messages)  # the decliner's CANCEL still goes
    assert coordinator

    page = await client.get("/account/notifications")
    assert page.status_code == 200 and 'value="report-reminder"' in page.text
    saved = await client.post("/account/notifications", data={"notice": ["report-reminder"]})
    assert saved.status_code == 303
    now = {c["message"]: c["by_email"] for c in (await client.get("/api/account/notifications")).json()}
    assert now == {name: name == "report-reminder" for name in now}  # the boxes left empty are off


async def test_emails_invites_and_feeds_arrive_in_the_readers_language(
    client: httpx.AsyncClient, new_client, settings: Settings, inbox
) -> None:
    # Sign-up (the page) saves the page's language as the account's.
    visitor = new_client()
    visitor.headers["accept-language"] = "pt-BR,pt;q=0.8"
    form = await visitor.get("/signup")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    account = {"csrf_token": token, "email": "ines@example.org", "name": "Inês Araújo", "password": PASSWORD}
    assert (await visitor.post("/signup", data={**account, "roles": ["volunteer"]})).status_code == 200
    assert (await Person.select(Person.locale).where(Person.email == "ines@example.org").first())["locale"] == "pt_BR"
    confirmation = inbox.last_to("ines@example.org")  # an account mail: in the page's language, multipart
    assert confirmation["Subject"] == "Confirme sua conta do Giveback"
    assert re.search(
        r'<a href="http://[^"]+/confirm\?token=[^"]+">Confirmar meu endereço de e-mail</a>',
        parts(confirmation)["text/html"],
    )

    spanish = await signed_in(client, "lucia@example.org", ["volunteer"], name="Lucía Fernández")
    arabic = await person("omar@example.org", ["volunteer"], name="عمر الفاروق")
    await Person.update({Person.locale: "es"}).where(Person.id == spanish)
    await Person.update({Person.locale: "ar"}).where(Person.id == arabic)
    inbox.messages.clear()
    trip_id, _ = await make_trip(
        status="invited", start=days(40), length=5, members=[spanish, arabic], answers="pending"
    )
    await drain_outbox(settings)

    invite_es = inbox.last_to("lucia@example.org")
    assert invite_es["Subject"].startswith("Invitación: ")
    found = parts(invite_es)
    assert "Hola, Lucía Fernández:" in found["text/plain"]
    assert re.search(rf'<a href="{BASE}/invites/[^"]+">Aceptar su plaza en este viaje</a>', found["text/html"])
    assert '<html lang="es" dir="ltr">' in found["text/html"]
    assert "SUMMARY:Visita de Giveback" in found["text/calendar"]

    invite_ar = inbox.last_to("omar@example.org")
    found = parts(invite_ar)
    assert '<html lang="ar" dir="rtl">' in found["text/html"]
    assert "مرحبًا" in found["text/plain"] and "عمر الفاروق" in found["text/plain"]
    assert "SUMMARY:زيارة Giveback" in found["text/calendar"]

    feed = (await client.post("/api/calendar/feeds", json={"kind": "personal"})).json()
    polled = await client.get("/feeds/" + feed["url"].rsplit("/", 1)[1])
    assert polled.status_code == 200 and "SUMMARY:Visita de Giveback" in polled.text
    assert "Giveback: viajes de Lucía Fernández" in polled.text

    done = await completed_trip(arabic, "Drenaje biliar")
    mails = await reminders(settings, inbox)
    (reminder,) = [m for m in mails if m["To"] == "omar@example.org"]
    assert "Drenaje biliar" in reminder["Subject"] and not reminder["Subject"].startswith("Giveback: your")
    assert_alternative(reminder, f"{BASE}/trips/{done}")
    assert await OutboxMessage.count().where(OutboxMessage.about == f"trip:{trip_id}") == 2
