"""Journey 3: a coordinator opens a round, freezes, runs, watches the progress, pins, excludes, re-runs, approves."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from e2e_steps import api_accepted_request, api_host_contact, api_log_in, api_volunteer, expect, in_days, log_in, nav
from e2e_support import LiveServer
from playwright.async_api import Error as PlaywrightError

from giveback.i18n.formatting import format_moment

VOLUNTEERS = ["ana.silva@example.org", "ben.okafor@example.org", "chen.li@example.org"]


async def small_program(api: Any, server: LiveServer) -> None:
    """Three equally able volunteers and two accepted requests of SoBRICE, made through the API."""
    coordinator = api()
    await api_log_in(coordinator, "coord@example.org")
    for email in VOLUNTEERS:
        await api_volunteer(
            api(),
            server,
            email,
            expertise={"embolization": 3},
            languages=["en"],
            windows=[(in_days(61), in_days(230))],
            trips_per_year=1,
        )
    host = api()
    org = await api_host_contact(host, coordinator, server, "hugo.host@example.org", "SoBRICE")
    window = {"start": in_days(70).isoformat(), "end": in_days(120).isoformat(), "preferred": True}
    await api_accepted_request(host, coordinator, org, title="Bleeding course", windows=[window])
    window = {"start": in_days(130).isoformat(), "end": in_days(180).isoformat(), "preferred": True}
    await api_accepted_request(host, coordinator, org, title="Trauma workshop", windows=[window])


async def run_and_watch(coordinator: Any, shot: str) -> bool:
    """Start a run, look at its progress while it lasts, wait for the proposals; return whether progress showed."""
    page = coordinator.page
    runs_before = (
        await page.locator("section", has=page.get_by_role("heading", name="Runs")).locator("tbody tr").count()
    )
    await page.get_by_role("button", name="Run").click()
    progress = page.get_by_role("progressbar", name="Share of the proved bound reached")
    seen = False
    try:
        await expect(progress).to_be_visible(timeout=2_000)
        seen = True
        await expect(page.locator("#progress")).to_contain_text("Run")
        await coordinator.check(shot)
    except AssertionError:
        pass  # the run ended before the page showed it
    except PlaywrightError as navigated:
        # The page reloads itself when the run ends; on a slow machine that can happen while it is checked.
        if "Execution context was destroyed" not in str(navigated):
            raise
    await expect(progress).to_be_hidden(timeout=40_000)
    runs = page.locator("section", has=page.get_by_role("heading", name="Runs")).locator("tbody tr")
    await expect(runs).to_have_count(runs_before + 1)
    await expect(runs.first).to_contain_text("succeeded")
    return seen


@pytest.mark.journey("3-round")
async def test_coordinator_runs_a_round(actors: Any, api: Any, live_server: LiveServer) -> None:
    await small_program(api, live_server)

    coordinator = await actors("coordinator")
    page = coordinator.page
    await log_in(coordinator, "coord@example.org")
    await nav(coordinator, "Rounds")
    await expect(page.get_by_role("heading", name="Match rounds")).to_be_visible()
    await expect(page.get_by_text("No round yet")).to_be_visible()
    await coordinator.check("rounds-empty")

    # A round whose period ends before it starts is refused next to the field.
    await page.get_by_label("Name").fill("Spring visits")
    await page.get_by_label("Travel from").fill(in_days(240).isoformat())
    await page.get_by_label("Travel until").fill(in_days(60).isoformat())
    await page.get_by_role("button", name="Open round").click()
    await expect(page.locator(".field-error").first).to_be_visible()
    await coordinator.check("round-errors")

    await page.get_by_label("Travel from").fill(in_days(60).isoformat())
    await page.get_by_label("Travel until").fill(in_days(240).isoformat())
    await page.get_by_label("Solver time limit").fill("5")
    await page.get_by_role("button", name="Open round").click()
    await expect(page.get_by_role("heading", name="Spring visits")).to_be_visible()
    await page.get_by_role("button", name="Freeze inputs").click()
    facts = page.locator("dl.facts")
    await expect(facts).to_contain_text("3 volunteers × 2 requests")
    # The freeze time is shown in the viewer's time zone (the browser runs in Europe/Vienna).
    await expect(facts.locator("time")).to_have_text(re.compile(r"CES?T|GMT\+[12]"))
    await coordinator.check("round-frozen")
    # The same moment for a viewer in Tokyo (UTC+9 all year): /static/local-time.js rewrites the page's UTC text.
    tokyo = await actors("coordinator in Tokyo", timezone_id="Asia/Tokyo")
    await tokyo.context.add_cookies(await coordinator.context.cookies())
    await tokyo.goto(page.url.removeprefix(live_server.url))
    moment = tokyo.page.locator("dl.facts time")
    utc = datetime.fromisoformat(str(await moment.get_attribute("datetime")))
    local = utc + timedelta(hours=9)
    await expect(moment).to_have_text(f"{local.day} {local:%b %Y}, {local:%H:%M} GMT+9")
    # The page's own UTC text (English as Babel writes it) moves to the tooltip.
    await expect(moment).to_have_attribute("title", format_moment(utc))
    await tokyo.check("round-frozen-tokyo")

    first_seen = await run_and_watch(coordinator, "progress")
    proposals = page.locator("section", has=page.get_by_role("heading", name="Proposals of run"))
    rows = proposals.locator("table.data").first.locator("tbody tr")
    await expect(rows).to_have_count(2)
    await coordinator.check("proposals")
    # The proposals sort by their dates through the header links: the earlier visit first, then the other way round.
    dates = proposals.get_by_role("columnheader", name="Dates")
    await expect(dates).to_have_attribute("aria-sort", "ascending")
    await expect(rows.first).to_contain_text("Bleeding course")
    await dates.get_by_role("link").click()
    await expect(dates).to_have_attribute("aria-sort", "descending")
    await expect(rows.first).to_contain_text("Trauma workshop")

    bleeding = rows.filter(has_text="Bleeding course")
    trauma = rows.filter(has_text="Trauma workshop")
    await bleeding.get_by_role("button", name="Pin").click()
    await expect(page.get_by_role("heading", name="Pins, exclusions and vetoes")).to_be_visible()
    adjustments = page.locator("section", has=page.get_by_role("heading", name="Pins, exclusions and vetoes"))
    await expect(adjustments.locator("tbody tr")).to_have_count(1)
    await expect(adjustments).to_contain_text("pin")

    member = trauma.locator("details summary").first
    excluded_name = await trauma.locator(".member a").first.inner_text()  # the volunteer's name, linked
    await member.click()
    await trauma.get_by_role("button", name="Exclude this pair").click()
    await expect(adjustments.locator("tbody tr")).to_have_count(2)
    await expect(adjustments).to_contain_text("exclu")
    await coordinator.check("adjusted")

    second_seen = await run_and_watch(coordinator, "progress-again")
    assert first_seen or second_seen, "the progress of a run never showed"
    await expect(proposals.get_by_text("Against the previous run")).to_be_visible()
    await expect(trauma).not_to_contain_text(excluded_name)
    await expect(bleeding).to_contain_text("(pinned)")
    await coordinator.check("changed")

    await page.get_by_role("button", name="Approve the ticked proposals").click()
    await expect(page.get_by_role("status")).to_contain_text("2 trips approved.")
    await coordinator.check("approved")
