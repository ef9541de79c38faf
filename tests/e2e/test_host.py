"""Journey 2: a host contact signs up, claims a seed society, a coordinator approves, the contact posts a request."""

from __future__ import annotations

from typing import Any

import pytest
from babel.dates import format_date
from e2e_steps import expect, in_days, log_in, nav, sign_up
from e2e_support import LiveServer

SOBRICE = "Brazilian Society of Interventional Radiology and Endovascular Surgery"


@pytest.mark.journey("2-host")
async def test_host_claims_a_society_and_posts_a_request(actors: Any, live_server: LiveServer) -> None:
    host = await actors("host")
    page = host.page
    await sign_up(host, live_server, name="Hana Host", email="hana@example.org", roles=["host"])
    await log_in(host, "hana@example.org")
    await nav(host, "Hosting")
    await expect(page.get_by_role("heading", name="Hosting visits")).to_be_visible()
    await expect(page.get_by_text("You represent no organization yet")).to_be_visible()
    await host.check("empty-home")

    await page.get_by_label("Name", exact=True).first.fill("SoBRICE")
    await page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row").filter(has_text=SOBRICE)
    await row.get_by_label("Message to the coordinators").fill("I chair the education committee")
    await row.get_by_role("button", name="Claim").click()
    await expect(page.get_by_role("status")).to_contain_text("Your claim is sent")
    claims = page.get_by_role("table").filter(has_text="Status").first
    await expect(claims).to_contain_text("pending")
    await host.check("claimed")

    coordinator = await actors("coordinator")
    await log_in(coordinator, "coord@example.org")
    await nav(coordinator, "Claims")
    cpage = coordinator.page
    await expect(cpage.get_by_role("heading", name="Claims on organizations")).to_be_visible()
    claim = cpage.get_by_role("row").filter(has_text="Hana Host")
    await expect(claim).to_contain_text("I chair the education committee")
    await coordinator.check("claims")
    await claim.get_by_role("button", name="Approve claim of Hana Host").click()
    await expect(cpage.get_by_role("status")).to_have_text("Claim approved.")
    await expect(cpage.get_by_text("No claims with this status")).to_be_visible()

    await page.reload()
    await expect(page.get_by_role("link", name=SOBRICE)).to_be_visible()
    await expect(page.get_by_text("No requests yet")).to_be_visible()
    await page.get_by_role("link", name="New request").click()
    await expect(page.get_by_role("heading", name="New request for a visit")).to_be_visible()
    await host.check("request-form")

    # Five wrong answers at once: no title, a language not in the list, a team too large, an impossible date, no
    # window end. Each message stands next to its field, in plain words, and the summary lists all of them.
    languages = page.get_by_role("group", name="Audience languages, in order")
    await languages.get_by_label("Audience languages, in order, answer 1").fill("Klingon")
    await page.get_by_label("Team size").fill("9")
    await page.get_by_label("Window 1 start").fill(in_days(100).isoformat())
    await page.get_by_label("Country of the visit").fill("Atlantis")
    await page.get_by_role("button", name="Save").click()
    summary = page.get_by_role("alert").first
    await expect(summary).to_contain_text("The request is not saved yet: please correct the 6 answers marked below.")
    await expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#e-title")).to_have_text("Fill this in")
    await expect(page.locator("#e-languages")).to_have_text(
        "Choose a language from the list: “Klingon” is not one of them"
    )
    await expect(page.locator("#e-team_size")).to_have_text("Choose a team of 1 to 4 people")
    await expect(page.locator("#e-windows")).to_have_text("Enter a date")
    await expect(page.locator("#e-country")).to_contain_text("Choose a country from the list")
    await expect(page.locator("#e-needs")).to_have_text("Choose at least one topic the visit should teach")
    for machine_words in ("RFC3339", "Expected", "characters", "team_size", "ISO"):
        await expect(summary).not_to_contain_text(machine_words)
    await summary.get_by_role("link", name="Team size").click()
    await expect(page.get_by_label("Team size")).to_be_focused()
    await host.check("request-errors")
    # The pickers offer languages and countries by name.
    await expect(page.locator("#language-names option[value='Portuguese']")).to_have_count(1)
    await expect(page.locator("#country-names option[value='Brazil']")).to_have_count(1)

    await page.get_by_label("Title").fill("Embolization and TIPS course in São Paulo")
    await page.get_by_label("Embolization for hemorrhage and trauma", exact=True).select_option("3")
    await page.get_by_label("Portal hypertension: TIPS, BRTO", exact=True).select_option("2")
    await page.get_by_label("Embolization for hemorrhage and trauma is the primary need").check()
    await languages.get_by_label("Audience languages, in order, answer 1").fill("Portuguese")
    await languages.get_by_role("button", name="Add another").click()  # one empty input more, and the focus on it
    await expect(languages.get_by_label("Audience languages, in order, answer 3")).to_be_focused()
    await languages.get_by_label("Audience languages, in order, answer 2").fill("English")
    await page.get_by_label("Country of the visit").fill("")
    await page.get_by_label("lectures").check()
    await page.get_by_label("hands-on").check()
    windows = [(in_days(100), in_days(130)), (in_days(200), in_days(220))]
    for number, (start, end) in enumerate(windows, start=1):
        await page.get_by_label(f"Window {number} start").fill(start.isoformat())
        await page.get_by_label(f"Window {number} end").fill(end.isoformat())
    await page.get_by_label("Visit length (days)").fill("5")
    await page.get_by_label("Team size").fill("2")
    await page.get_by_label("lodging").check()
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Saved.")
    await expect(page.get_by_text("Status: draft")).to_be_visible()
    await expect(page.get_by_label("Team size")).to_have_value("2")
    await expect(languages.get_by_label("Audience languages, in order, answer 2")).to_have_value("English")
    await expect(page.get_by_label("Window 2 start")).to_have_value(windows[1][0].isoformat())
    await page.get_by_role("button", name="Submit for review").click()
    await expect(page.get_by_role("status")).to_contain_text("Submitted: a coordinator will review it.")
    await host.check("request-submitted")

    await nav(coordinator, "Requests")
    request_row = cpage.get_by_role("row").filter(has_text="Embolization and TIPS course")
    await expect(request_row).to_contain_text(format_date(windows[1][0], "MMM d", locale="en"))
    await coordinator.check("requests")
    await request_row.get_by_role("button", name="Accept").click()
    await expect(cpage.get_by_role("status")).to_have_text("Request accepted.")

    await nav(host, "Open requests")
    await expect(page.get_by_text("Embolization and TIPS course in São Paulo")).to_be_visible()
    await host.check("open-requests")
