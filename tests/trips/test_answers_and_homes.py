"""Invites answered in the app (the trip page and the volunteer's home), sent again by a coordinator, and
e-mails and pages that reflect the answer given; the trip page as the traveller's briefing; each role's home
(the coordinator's work list) and where a log-in lands."""

from __future__ import annotations

import re
from collections.abc import Callable
from email import message_from_string
from email.policy import default

import httpx
from trip_factory import host_request, make_contact, signed_in
from tripkit import days, make_trip, organization_id, trip

from giveback.accounts.schemas import SignUp
from giveback.accounts.services import create_confirmed_person
from giveback.calendars.invites import about_trip
from giveback.hosts.tables import OrganizationClaim
from giveback.mail.tables import OutboxMessage
from giveback.trips.report_tables import TripEvent

Client = httpx.AsyncClient
PASSWORD = "a long passphrase for 2026"


async def invites_to(email: str, trip_id: int) -> list[str]:
    """The plain texts of the invites queued to an address for a trip, oldest first."""
    rows = await OutboxMessage.select().where(
        (OutboxMessage.about == about_trip(trip_id)) & (OutboxMessage.recipient == email)
    )
    texts = []
    for row in sorted(rows, key=lambda r: r["id"]):
        body = message_from_string(row["content"], policy=default).get_body(("plain",))
        assert body is not None
        texts.append(body.get_content())
    return texts


async def test_a_volunteer_answers_on_the_trip_page_and_the_next_invite_shows_the_answer(
    new_client: Callable[[], Client],
) -> None:
    vera, noor = new_client(), new_client()
    vera_id = await signed_in(vera, "vera@example.org", ["volunteer"], name="Vera Volunteer")
    noor_id = await signed_in(noor, "noor@example.org", ["volunteer"], name="نور الهدى")
    coordinator = new_client()
    await signed_in(coordinator, "cora@example.org", ["coordinator"], name="Cora")
    host_id = await signed_in(new_client(), "hugo@example.org", ["host"], name="Hugo Host")
    await make_contact(host_id, await organization_id("SoBRICE"))
    trip_id, _ = await make_trip(status="invited", members=[vera_id, noor_id], title="Embolization course")

    page = (await vera.get(f"/trips/{trip_id}")).text
    for shown in (
        "You are invited on this trip",
        "Accept my place",
        "Briefing",
        "Hugo Host",
        "mailto:hugo@example.org",
    ):
        assert shown in page, shown
    assert "UID" not in page and "@testserver.local" not in page
    assert "Accept my place" not in (await coordinator.get(f"/trips/{trip_id}")).text  # a coordinator has no place

    accepted = await vera.post(f"/trips/{trip_id}/answer", data={"answer": "accept"})
    assert accepted.status_code == 303 and accepted.headers["location"] == f"/trips/{trip_id}?answered=accepted"
    after = (await vera.get(accepted.headers["location"])).text
    assert "your place on this trip is confirmed" in after
    assert "Accept my place" not in after and "Your answer: accepted." in after
    again = await vera.post(f"/trips/{trip_id}/answer", data={"answer": "decline"})
    assert again.status_code == 409 and "write to the coordinators" in again.text

    # The coordinator reminds the one who has not answered: only Noor gets the invite again, with her links.
    before = {email: len(await invites_to(email, trip_id)) for email in ("vera@example.org", "noor@example.org")}
    assert "Send the invite again" in (await coordinator.get(f"/trips/{trip_id}")).text
    resent = await coordinator.post(f"/trips/{trip_id}/resend")
    assert resent.headers["location"] == f"/trips/{trip_id}?resent=1"
    assert len(await invites_to("vera@example.org", trip_id)) == before["vera@example.org"]
    [*_, reminder] = await invites_to("noor@example.org", trip_id)
    assert len(await invites_to("noor@example.org", trip_id)) == before["noor@example.org"] + 1
    assert "Accept your place on this trip:" in reminder
    assert await TripEvent.count().where((TripEvent.trip == trip_id) & (TripEvent.action == "reinvited")) == 1
    assert (await vera.post(f"/trips/{trip_id}/resend")).status_code == 403

    # Noor accepts from her home; the trip is confirmed, and Vera's updated invite offers no links again.
    home = (await noor.get("/volunteer/")).text
    assert "Invites waiting for your answer" in home and "Embolization course" in home
    from_home = await noor.post(f"/trips/{trip_id}/answer", data={"answer": "accept", "next": "home"})
    assert from_home.headers["location"] == "/volunteer/?answered=accepted"
    assert "No invite waits for your answer." in (await noor.get("/volunteer/")).text
    assert (await trip(trip_id))["status"] == "confirmed"
    [*_, updated] = await invites_to("vera@example.org", trip_id)
    assert "Accept your place" not in updated and "Decline (frees your place)" not in updated
    assert "You accepted your place on this trip" in updated and f"/trips/{trip_id}" in updated
    nothing = await coordinator.post(f"/api/trips/{trip_id}/invites/resend")
    assert nothing.status_code == 409 and nothing.json()["field"] == "status"


async def test_answers_through_the_api_are_the_volunteers_own(new_client: Callable[[], Client]) -> None:
    vera, stranger = new_client(), new_client()
    vera_id = await signed_in(vera, "vera@example.org", ["volunteer"])
    await signed_in(stranger, "sam@example.org", ["volunteer"])
    trip_id, _ = await make_trip(status="invited", members=[vera_id])

    assert (await stranger.post(f"/api/trips/{trip_id}/answer", json={"answer": "accepted"})).status_code == 404
    bad = await vera.post(f"/api/trips/{trip_id}/answer", json={"answer": "maybe"})
    assert bad.status_code == 400
    declined = await vera.post(f"/api/trips/{trip_id}/answer", json={"answer": "declined"})
    assert declined.status_code == 200, declined.text
    assert declined.json()["trip_status"] == "declined"
    page = (await vera.get(f"/trips/{trip_id}")).text
    assert "Your answer: declined." in page and "Accept my place" not in page
    # the page behind the e-mailed link says what was answered instead of asking again
    [invite, *_] = await invites_to("vera@example.org", trip_id)
    link = re.search(r"Accept your place on this trip: http://testserver.local(/invites/\S+)", invite)
    assert link, invite
    shown = (await new_client().get(link[1])).text
    assert "Your place on this trip" in shown and "Accept this trip?" not in shown
    assert "you declined it already" in shown


async def test_the_briefing_lists_what_the_host_wrote_and_actions_fit_the_state(
    new_client: Callable[[], Client],
) -> None:
    coordinator = new_client()
    await signed_in(coordinator, "cora@example.org", ["coordinator"])
    trip_id, _ = await make_trip(status="confirmed", topics=("embolization", "venous"))
    page = (await coordinator.get(f"/trips/{trip_id}")).text
    for shown in ("Topics to teach", "Audience languages", "English", "lectures", "lodging", "The host provides"):
        assert shown in page, shown
    assert "Private note" not in page
    assert "<summary>Mark completed</summary>" not in page  # a confirmed trip before its first day
    actions = page[page.find('id="actions"') :]
    completed, _ = await make_trip(status="in_progress", start=days(-2))
    finishing = (await coordinator.get(f"/trips/{completed}")).text
    form = finishing[finishing.find("<summary>Mark completed</summary>") :]
    form = form[: form.find("</form>")]
    assert 'type="date"' not in form and "Note (optional)" in form
    assert 'name="start"' in actions  # postponing and rescheduling take dates


async def test_the_coordinators_home_counts_what_waits(new_client: Callable[[], Client]) -> None:
    coordinator = new_client()
    await signed_in(coordinator, "cora@example.org", ["coordinator"])
    empty = (await coordinator.get("/coordinator/")).text
    assert "Nothing waits for you now." in empty

    hopeful = await signed_in(new_client(), "hana@example.org", ["host"], name="Hana")
    await OrganizationClaim.insert(OrganizationClaim(person=hopeful, organization=await organization_id("BSIR")))
    submitted = await host_request(title="Liver week in Recife", status="submitted")
    vera = await signed_in(new_client(), "vera@example.org", ["volunteer"])
    await make_trip(status="invited", members=[vera])
    await make_trip(status="completed", start=days(-20))

    home = (await coordinator.get("/coordinator/")).text
    work = {
        key: home[home.find(f'id="work-{key}"') :].split("</li>", 1)[0]
        for key in ("claims", "requests", "invites", "reports")
    }
    assert '<span class="count">1</span> claim waits for a decision' in work["claims"]
    assert 'href="/coordinator/claims"' in work["claims"]
    assert '<span class="count">1</span> request waits for a decision' in home
    assert f'href="/coordinator/requests/{submitted}">Liver week in Recife' in home
    assert '<span class="count">1</span> trip waits for a volunteer' in home
    assert '<span class="count">1</span> trip waits for its reports' in home
    assert (await new_client().get("/coordinator/")).status_code in (303, 401, 403)


async def test_a_log_in_lands_on_the_roles_home(new_client: Callable[[], Client]) -> None:
    """Logging in from the public pages leads to the person's own home, not back to the public home page."""
    for email, role, home in (
        ("cora@example.org", "coordinator", "/account"),  # a coordinator sets up two-factor log-in first
        ("hugo@example.org", "host", "/host"),
        ("vera@example.org", "volunteer", "/volunteer/"),
    ):
        await create_confirmed_person(SignUp(email=email, name=email[:4].title(), password=PASSWORD), [role])
        browser = new_client()
        form = await browser.get("/login", headers={"accept": "text/html"})
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        answer = await browser.post(
            "/login", data={"email": email, "password": PASSWORD, "next": "/", "csrf_token": token[1]}
        )
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/home"
        assert (await browser.get("/home")).headers["location"] == home
        assert "Your first steps" in (await browser.get(home)).text or role == "coordinator"
