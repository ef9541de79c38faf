"""Journey 1: a volunteer signs up, confirms the e-mail, fills the profile, adds two windows, links a calendar."""

from __future__ import annotations

from typing import Any

import pytest
from babel.dates import format_date
from e2e_steps import expect, in_days, log_in, nav, sign_up
from e2e_support import LiveServer


@pytest.mark.journey("1-volunteer")
async def test_volunteer_signs_up_and_fills_the_profile(actors: Any, live_server: LiveServer) -> None:
    volunteer = await actors("volunteer")
    page = volunteer.page
    await sign_up(volunteer, live_server, name="Vera Volunteer", email="vera@example.org", roles=["volunteer"])
    await volunteer.check("confirmed")
    await log_in(volunteer, "vera@example.org", path="/login?next=/volunteer/profile")

    await expect(page.get_by_role("heading", name="My volunteer profile")).to_be_visible()
    await expect(page.get_by_text("You have no profile yet")).to_be_visible()
    await volunteer.check("empty-profile")

    # Three wrong answers at once (a language not in the list, too many trips, a bio too long): each is named
    # next to its field in plain words, the summary counts them, and the other answers are kept.
    await page.get_by_label("Institution", exact=True).fill("Hospital das Clínicas")
    await page.get_by_label("Country you are based in").select_option(label="Portugal")
    await page.get_by_label("Embolization for hemorrhage and trauma").select_option("3")
    await page.get_by_label("Portal hypertension: TIPS, BRTO").select_option("2")
    languages = page.get_by_role("group", name="Languages you can teach in")
    await languages.get_by_label("Languages you can teach in, answer 1").fill("Elvish")
    await page.get_by_label("Trips per year").fill("9")
    await page.get_by_role("button", name="Save profile").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("The profile is not saved yet: please correct the 2 answers marked below.")
    await expect(languages.get_by_label("Languages you can teach in, answer 1")).to_have_attribute(
        "aria-invalid", "true"
    )
    await expect(page.locator("#e-languages")).to_have_text(
        "Choose a language from the list: “Elvish” is not one of them"
    )
    await expect(page.locator("#e-trips_per_year")).to_have_text("Choose from 1 to 6 trips a year")
    await expect(page.get_by_label("Institution", exact=True)).to_have_value("Hospital das Clínicas")
    await volunteer.check("profile-error")

    # Languages are picked by name from a list; "Add another" gives one more input.
    await languages.get_by_label("Languages you can teach in, answer 1").fill("English")
    await languages.get_by_role("button", name="Add another").click()
    await languages.get_by_label("Languages you can teach in, answer 2").fill("Portuguese")
    await page.get_by_label("Embolization for hemorrhage and trauma").select_option("3")
    await page.get_by_label("Portal hypertension: TIPS, BRTO").select_option("2")
    await page.get_by_label("Latin America").check()
    await page.get_by_label("Trips per year").fill("2")
    await page.get_by_label("Short bio").fill("Interventional radiologist teaching embolization and TIPS.")
    await page.get_by_label("List me in the public volunteer directory").check()
    await page.get_by_role("button", name="Save profile").click()
    await expect(page.get_by_role("status")).to_have_text("Profile saved.")
    await expect(languages.get_by_label("Languages you can teach in, answer 1")).to_have_value("English")
    await expect(languages.get_by_label("Languages you can teach in, answer 2")).to_have_value("Portuguese")
    await expect(page.get_by_label("Embolization for hemorrhage and trauma")).to_have_value("3")
    await volunteer.check("profile")

    await nav(volunteer, "Availability")
    await expect(page.get_by_role("heading", name="My availability")).to_be_visible()
    await expect(page.get_by_text("No availability window yet")).to_be_visible()
    windows = [(in_days(60), in_days(90), False), (in_days(150), in_days(180), True)]
    for start, end, preferred in windows:
        await page.get_by_role("textbox", name="From", exact=True).fill(start.isoformat())
        await page.get_by_role("textbox", name="To", exact=True).fill(end.isoformat())
        if preferred:
            await page.get_by_label("I prefer these dates").check()
        await page.get_by_role("button", name="Add window").click()
        await expect(page.get_by_role("status")).to_have_text("Window added.")
    rows = page.locator("table.data tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text(format_date(windows[0][0], "medium", locale="en"))
    await expect(rows.nth(1)).to_contain_text("Yes")
    # An overlapping window is refused next to the field.
    await page.get_by_role("textbox", name="From", exact=True).fill(in_days(70).isoformat())
    await page.get_by_role("textbox", name="To", exact=True).fill(in_days(75).isoformat())
    await page.get_by_role("button", name="Add window").click()
    await expect(page.locator(".field-error").first).to_be_visible()
    await expect(rows).to_have_count(2)
    await volunteer.check("availability")

    # Link the volunteer's own calendar (its secret iCal address) so busy days count.
    await nav(volunteer, "Calendars")
    await expect(page.get_by_role("heading", name="My calendars")).to_be_visible()
    await volunteer.check("calendar-empty")
    await page.get_by_label("Calendar address").fill("https://calendar.example.org/private-0123456789/basic.ics")
    await page.get_by_role("button", name="Link my calendar").click()
    await expect(page.get_by_text("Calendar linked.")).to_be_visible()
    await expect(page.get_by_text("calendar.example.org").first).to_be_visible()
    await expect(page.get_by_role("button", name="Replace the address")).to_be_visible()
    await volunteer.check("calendar-linked")

    # The opted-in profile is listed in the public directory.
    await nav(volunteer, "Volunteers")
    await page.get_by_label("Topic").select_option(label="Embolization for hemorrhage and trauma")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_role("main").get_by_role("link", name="Vera Volunteer")).to_be_visible()
    await volunteer.check("directory")
