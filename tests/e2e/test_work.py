"""Journey 9: the year's work. A host submits a request and the coordinator follows the e-mailed notice from their
work list to the request's review page and accepts it; the round's proposal explains itself; the volunteer
answers the invite on their home page and reads the trip's briefing.

With ``GIVEBACK_DOC_SCREENSHOTS=1`` the journey also writes the README's screenshots (docs/screenshots/).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_steps import api_host_contact, api_log_in, api_volunteer, expect, in_days, log_in
from e2e_support import Actor, LiveServer

VOLUNTEER = "nino.beridze@example.org"
HOST = "hana.host@example.org"
TITLE = "Embolization course in Recife"
DOCS = Path(__file__).parents[2] / "docs" / "screenshots"


async def for_docs(actor: Actor, name: str, locator: Any = None) -> None:
    """Save a screenshot for the README when asked to (GIVEBACK_DOC_SCREENSHOTS=1)."""
    if os.environ.get("GIVEBACK_DOC_SCREENSHOTS") != "1":
        return
    DOCS.mkdir(parents=True, exist_ok=True)
    if locator is not None:
        await locator.screenshot(path=str(DOCS / f"{name}.png"))
    else:
        await actor.page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


async def solved_run(coordinator: httpx.AsyncClient) -> int:
    """Open, freeze and run a round through the API (the server's worker solves it): the round's id."""
    created = await coordinator.post(
        "/api/rounds",
        json={
            "name": "Autumn visits",
            "period_start": in_days(60).isoformat(),
            "period_end": in_days(240).isoformat(),
            "settings": {"time_limit_seconds": 5},
        },
    )
    assert created.status_code == 201, created.text
    round_id = int(created.json()["id"])
    assert (await coordinator.post(f"/api/rounds/{round_id}/freeze")).status_code == 201
    queued = await coordinator.post(f"/api/rounds/{round_id}/runs", json={"workers": 1})
    assert queued.status_code == 201, queued.text
    for _ in range(300):
        run = (await coordinator.get(f"/api/runs/{queued.json()['id']}")).json()
        if run["status"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.1)
    assert run["status"] == "succeeded", run
    return round_id


def newest_text(server: LiveServer, address: str, subject: str, timeout: float = 15) -> str:
    """The plain text of the newest message to the address whose subject starts so (waits for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(server.messages_to(address)):
            if str(message["Subject"]).strip().startswith(subject):
                body = message.get_body(preferencelist=("plain",))
                return body.get_content() if body is not None else ""
        time.sleep(0.1)
    raise AssertionError(f"no message {subject!r} to {address}")


@pytest.mark.journey("9-work")
async def test_the_work_list_a_notice_and_an_invite_answered_in_the_app(
    actors: Any, api: Any, live_server: LiveServer
) -> None:
    coordinator_api = api()
    await api_log_in(coordinator_api, "coord@example.org")
    await api_volunteer(
        api(),
        live_server,
        VOLUNTEER,
        expertise={"embolization": 3, "venous": 2},
        languages=["pt", "en"],
        windows=[(in_days(61), in_days(230))],
    )
    host = api()
    org = await api_host_contact(host, coordinator_api, live_server, HOST, "SoBRICE")
    window = {"start": in_days(70).isoformat(), "end": in_days(120).isoformat(), "preferred": True}
    draft = await host.post(
        "/api/requests",
        json={
            "organization_id": org,
            "title": TITLE,
            "needs": [{"topic": "embolization", "weight": 3}, {"topic": "venous", "weight": 1}],
            "languages": ["pt", "en"],
            "formats": ["lectures", "hands-on"],
            "provides": ["lodging", "local-transport"],
            "windows": [window],
            "duration_days": 5,
            "team_size": 1,
            "advisory_level": 1,
            "notes": "Our angio suite is new.",
        },
    )
    assert draft.status_code == 201, draft.text
    assert (await host.post(f"/api/requests/{draft.json()['id']}/submit")).status_code == 200

    # The coordinator's notice links straight to the request's review page.
    notice = live_server.link_to("coord@example.org", "/coordinator/requests/", subject="Request waiting")
    coordinator = await actors("coordinator")
    page = coordinator.page
    await log_in(coordinator, "coord@example.org")
    await expect(page.get_by_role("heading", name="What waits for you")).to_be_visible()  # the log-in lands here
    await expect(page.locator("#work-requests")).to_contain_text("1 request waits for a decision")
    await expect(page.locator("#work-requests").get_by_role("link", name=TITLE)).to_be_visible()
    await coordinator.check("work-list")
    await for_docs(coordinator, "9-work-coordinator-home")

    await page.goto(notice)
    await expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    facts = page.locator("dl.facts")
    for shown in ("Portuguese and English", "lectures and hands-on", "5 days, team of 1", "Our angio suite is new."):
        await expect(facts).to_contain_text(shown)
    await coordinator.check("review")
    await page.get_by_role("button", name="Accept the request").click()
    await expect(page.get_by_role("status")).to_contain_text("Request accepted")
    assert "/host/requests/" in live_server.link_to(HOST, "/host/requests/", subject="Request accepted")

    # The round's proposal says why the pair fits, and its score term by term.
    round_id = await solved_run(coordinator_api)
    await coordinator.goto(f"/coordinator/rounds/{round_id}")
    proposal = page.locator("tbody tr", has_text=TITLE)
    await expect(proposal).to_contain_text("speaks Portuguese, the audience's first language")
    await expect(proposal).to_contain_text("expert in Embolization")
    await expect(proposal).to_contain_text("request served 1,000 +")
    await expect(proposal.get_by_role("link", name="Nino Beridze")).to_be_visible()
    await coordinator.check("proposal")
    await for_docs(
        coordinator,
        "9-work-proposal",
        page.locator("section", has=page.get_by_role("heading", name="Proposals of run")),
    )
    await page.get_by_role("button", name="Approve the ticked proposals").click()
    await expect(page.get_by_role("status")).to_contain_text("1 trip approved.")

    # The volunteer answers on their home page, then reads the briefing; the next invite asks nothing again.
    live_server.link_to(VOLUNTEER, "/invites/", subject="Invitation")
    volunteer = await actors("volunteer")
    mine = volunteer.page
    await log_in(volunteer, VOLUNTEER)
    invites = mine.locator("section", has=mine.get_by_role("heading", name="Invites waiting for your answer"))
    await expect(invites).to_contain_text(TITLE)
    await volunteer.check("home")
    await invites.get_by_role("button", name=f"Accept {TITLE}").click()
    await expect(mine.get_by_role("status")).to_contain_text("your place on this trip is confirmed")
    await expect(mine.get_by_text("No invite waits for your answer.")).to_be_visible()
    await mine.get_by_role("link", name=TITLE).first.click()
    briefing = mine.locator("section", has=mine.get_by_role("heading", name="Briefing"))
    await expect(briefing).to_contain_text("Embolization")
    await expect(briefing).to_contain_text("lodging and local transport")
    await expect(mine.get_by_role("link", name="hana.host@example.org")).to_be_visible()
    await expect(mine.get_by_text("Your answer: accepted.")).to_be_visible()
    await expect(mine.get_by_role("button", name="Accept my place")).to_have_count(0)
    await volunteer.check("briefing")
    await for_docs(volunteer, "9-work-trip-briefing")
    updated = newest_text(live_server, VOLUNTEER, "Updated")
    assert "Accept your place" not in updated and "You accepted your place on this trip" in updated
