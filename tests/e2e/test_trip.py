"""Journeys 4 and 5: the volunteer accepts the invite and subscribes to the feed; the host signs a letter of invitation
the volunteer downloads; after the trip, the reports, and the certificate of participation."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from e2e_steps import (
    api_accepted_request,
    api_approved_round,
    api_host_contact,
    api_log_in,
    api_volunteer,
    expect,
    in_days,
    log_in,
    nav,
    number_in,
)
from e2e_support import LiveServer

pypdf = pytest.importorskip("pypdf")

VOLUNTEER = "vera.volunteer@example.org"
HOST = "hugo.host@example.org"
TITLE = "Embolization course in Recife"


async def approved_trip(api: Any, server: LiveServer) -> int:
    """One volunteer, one accepted request, a round solved by the server's worker and approved: the trip id."""
    coordinator = api()
    await api_log_in(coordinator, "coord@example.org")
    await api_volunteer(
        api(), server, VOLUNTEER, expertise={"embolization": 3}, languages=["en"], windows=[(in_days(61), in_days(230))]
    )
    host = api()
    org = await api_host_contact(host, coordinator, server, HOST, "SoBRICE")
    await api_accepted_request(host, coordinator, org, title=TITLE)
    [trip] = await api_approved_round(coordinator)
    server.link_to(VOLUNTEER, "/invites/", subject="Invitation")  # the worker sends the queued invite
    return trip


@pytest.mark.journey("4-invite")
async def test_volunteer_accepts_the_invite_and_subscribes(actors: Any, api: Any, live_server: LiveServer) -> None:
    trip = await approved_trip(api, live_server)
    [invite] = [m for m in live_server.messages_to(VOLUNTEER) if str(m["Subject"]).startswith("Invitation")]
    assert TITLE in str(invite["Subject"])
    assert any(part.get_content_type() == "text/calendar" for part in invite.walk())
    accept = live_server.link_to(VOLUNTEER, "/invites/", subject="Invitation")

    volunteer = await actors("volunteer")
    page = volunteer.page
    await page.goto(accept)
    await expect(page.get_by_role("heading", name="Accept this trip?")).to_be_visible()
    await expect(page.get_by_text(TITLE).first).to_be_visible()
    await volunteer.check("invite")
    await page.get_by_role("button", name="Accept my place").click()
    await expect(page.get_by_role("status")).to_have_text("Thank you: your place on this trip is confirmed.")
    await volunteer.check("accepted")

    await log_in(volunteer, VOLUNTEER, path="/login?next=/trips/")
    await expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    await volunteer.check("trips")
    await page.get_by_role("link", name=TITLE).click()
    await expect(page.locator("dl.facts").first).to_contain_text("confirmed")
    assert urlsplit(page.url).path == f"/trips/{trip}"

    await nav(volunteer, "Calendars")
    await expect(page.get_by_text("No feed yet")).to_be_visible()
    await page.get_by_role("button", name="Make my personal feed (my trips)").click()
    address = page.get_by_role("textbox", name="Address", exact=True)
    await expect(address).to_be_visible()
    # Copy the address the way a person does: select it, copy, and read the clipboard back.
    await volunteer.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    await address.focus()
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Control+C")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied == await address.input_value()
    assert copied.startswith(live_server.url + "/feeds/") and copied.endswith(".ics")
    await volunteer.check("feed")

    feed = await page.request.get(copied)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    body = (await feed.body()).decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert "Embolization course in" in body.replace("\r\n ", "")


async def downloaded_text(actor: Any, link_name: str) -> str:
    """Download the trip page's document behind the link, as a person does, and read its text back."""
    async with actor.page.expect_download() as started:
        await actor.page.get_by_role("link", name=link_name).first.click()
    download = await started.value
    assert download.suggested_filename.endswith(".pdf")
    content = await asyncio.to_thread(Path(await download.path()).read_bytes)
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages).split())


@pytest.mark.journey("5-reports")
async def test_reports_move_the_dashboard(actors: Any, api: Any, live_server: LiveServer) -> None:
    trip = await approved_trip(api, live_server)
    accept = live_server.link_to(VOLUNTEER, "/invites/", subject="Invitation")
    volunteer = await actors("volunteer")
    page = volunteer.page
    await page.goto(accept)
    await page.get_by_role("button", name="Accept my place").click()
    await expect(page.get_by_role("status")).to_contain_text("confirmed")

    # The host signs a letter of invitation for the confirmed trip; the volunteer downloads it for the consulate.
    host = await actors("host")
    hpage = host.page
    await log_in(host, HOST, path=f"/login?next=/trips/{trip}")
    letter = hpage.get_by_role("form", name="Issue a letter of invitation")
    await letter.get_by_label("Purpose of the visit").fill("to teach embolization and supervise our first cases")
    await letter.get_by_role("button", name="Sign and issue").click()
    await expect(hpage.get_by_role("alert")).to_contain_text("confirm that you sign it")  # the box was not ticked
    letter = hpage.get_by_role("form", name="Issue a letter of invitation")
    await letter.get_by_label("I have read the letter and sign it").check()
    await letter.get_by_role("button", name="Sign and issue").click()
    documents = hpage.get_by_role("table").filter(has_text="Verification code")
    await expect(documents).to_contain_text("Vera Volunteer")
    code = await documents.locator("code").first.inner_text()
    await host.check("letter-issued")

    await log_in(volunteer, VOLUNTEER, path=f"/login?next=/trips/{trip}")
    text = await downloaded_text(volunteer, "Letter of invitation")
    for expected in ("Letter of invitation", "Vera Volunteer", "Hugo Host", code, "supervise our first cases"):
        assert expected in text, (expected, text)
    await volunteer.check("letter-downloaded")
    visitor = await actors("visitor")
    await visitor.goto(f"/verify/{code}")
    await expect(visitor.page.get_by_role("status")).to_contain_text("is genuine")
    await visitor.check("letter-verified")

    # Time passes: the visit took place last week (the only step taken in the database, as no page moves time).
    from giveback.trips.tables import Trip

    await Trip.update({Trip.start: in_days(-9), Trip.end: in_days(-5)}).where(Trip.id == trip)

    totals = visitor.page.get_by_role("list", name="Totals")

    async def dashboard() -> dict[str, int]:
        await visitor.goto("/dashboard")
        await expect(totals).to_be_visible()
        await visitor.page.wait_for_timeout(1_000)  # let the charts finish drawing before the screenshot
        items = await totals.get_by_role("listitem").all_inner_texts()
        # Keyed by the words in the singular ("1 visit", "3 visits"): the totals are written with plural forms.
        return {re.sub(r"s\b", "", text.split(" ", 1)[1]): number_in(text) for text in items}

    before = await dashboard()
    await visitor.check("dashboard-before")

    coordinator = await actors("coordinator")
    await log_in(coordinator, "coord@example.org", path=f"/login?next=/trips/{trip}")
    cpage = coordinator.page
    # The worker completes trips whose last day has passed once a minute; if it has not yet, the coordinator does.
    facts = cpage.locator("dl.facts").first
    await expect(facts).to_contain_text(re.compile(r"Status\s*(confirmed|in progress|completed)"))
    if "completed" not in await facts.inner_text():
        await cpage.locator("summary", has_text="Mark completed").click()  # one form per action
        await cpage.locator("details[open]").get_by_role("button", name="Mark completed").click()
    await expect(facts).to_contain_text("completed")
    await coordinator.check("completed")

    await log_in(volunteer, VOLUNTEER)
    await nav(volunteer, "Trips")
    await page.get_by_role("link", name=TITLE).click()
    await expect(page.get_by_role("heading", name="Your report on this visit")).to_be_visible()
    await volunteer.check("report-form")
    form = page.get_by_role("form", name="Your report on this visit")
    await form.get_by_label("Lectures given").fill("4")
    await form.get_by_label("Hours of teaching").fill("6")
    await form.get_by_label("Cases").first.fill("3")
    await form.get_by_label("Physicians", exact=True).fill("12")
    await form.get_by_label("Trainees", exact=True).fill("5")
    await form.get_by_label("Overall (1 poor").fill("5")
    await form.get_by_label("Engagement of the trainees").fill("4")
    await form.get_by_label("Logistics").fill("5")
    await form.get_by_role("button", name="File report").click()
    await expect(page.locator("dl.facts").first).to_contain_text("volunteer report filed")
    await expect(page.get_by_role("heading", name="Volunteer report")).to_be_visible()
    await volunteer.check("reported")

    await nav(host, "Trips")
    await hpage.get_by_role("link", name=TITLE).click()
    form = hpage.get_by_role("form", name="Your evaluation of this visit")
    await form.get_by_label("Lectures given").fill("4")
    await form.get_by_label("Physicians", exact=True).fill("15")
    await form.get_by_label("Nurses", exact=True).fill("3")
    await form.get_by_label("Overall (1 poor").fill("5")
    await form.get_by_label("Teaching (1 poor").fill("5")
    await form.get_by_label("Logistics").fill("4")
    await form.get_by_role("button", name="File evaluation").click()
    await expect(hpage.locator("dl.facts").first).to_contain_text("host evaluation filed")
    await host.check("evaluated")

    # The visit is reported: the host issues the certificate of participation, with the teaching of the reports.
    certificate = hpage.get_by_role("form", name="Issue a certificate of participation")
    await certificate.get_by_label("I have read the certificate and sign it").check()
    await certificate.get_by_role("button", name="Sign and issue").click()
    await expect(hpage.get_by_role("link", name="Certificate of participation")).to_be_visible()
    text = await downloaded_text(host, "Certificate of participation")
    for expected in ("Certificate of participation", "Vera Volunteer", "Lectures given 4", "Hours of teaching 6"):
        assert expected in text, (expected, text)
    await host.check("certificate")

    after = await dashboard()
    await visitor.check("dashboard-after")
    assert after["visit"] == before["visit"] + 1, (before, after)
    assert after["lecture"] > before["lecture"], (before, after)
    assert after["attendee trained"] > before["attendee trained"], (before, after)
