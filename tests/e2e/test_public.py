"""Journey 6: anonymous visitors browse the directories and the dashboard and reach no private page.

Also: the log-in form used with the keyboard only, and a page at phone width.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from e2e_steps import api_member, expect, nav
from e2e_support import LiveServer

PRIVATE_PAGES = [
    "/account",
    "/volunteer/profile",
    "/volunteer/availability",
    "/host",
    "/host/requests/new",
    "/host/proposals/",
    "/calendar",
    "/trips/",
    "/coordinator/rounds/",
    "/coordinator/claims",
    "/coordinator/requests",
    "/coordinator/topics/",
    "/coordinator/reports",
    "/coordinator/dashboard",
    "/account/data",
]


@pytest.mark.journey("6-public")
async def test_anonymous_visitor(actors: Any, live_server: LiveServer) -> None:
    visitor = await actors("visitor")
    page = visitor.page

    await visitor.goto("/")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await visitor.check("home")

    await nav(visitor, "Host societies")
    await expect(page.get_by_role("heading", name="Host societies and hospitals")).to_be_visible()
    rows = page.locator("table.data tbody tr")
    everyone = await rows.count()
    assert everyone > 40
    await visitor.check("organizations")
    # Sort by country: the header link says how the column is sorted, and the filters are kept.
    country = page.get_by_role("columnheader", name="Country")
    await country.get_by_role("link").click()
    await expect(country).to_have_attribute("aria-sort", "ascending")
    first_ascending = await rows.first.inner_text()
    await country.get_by_role("link").click()
    await expect(country).to_have_attribute("aria-sort", "descending")
    assert await rows.first.inner_text() != first_ascending
    await page.get_by_label("Region").select_option("latin-america")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_role("link", name="Brazilian Society of Interventional Radiology")).to_be_visible()
    assert 0 < await rows.count() < everyone
    await expect(country).to_have_attribute("aria-sort", "descending")
    await page.get_by_label("Name").fill("no such society anywhere")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_text("No organization matches these filters")).to_be_visible()
    await page.get_by_role("link", name="Show all").click()
    await expect(rows).to_have_count(everyone)
    await page.get_by_role("link", name="Brazilian Society of Interventional Radiology").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Brazilian Society")
    await visitor.check("organization")

    await nav(visitor, "Volunteers")
    await expect(page.get_by_role("heading", name="Volunteer directory")).to_be_visible()
    await visitor.check("volunteers")

    await nav(visitor, "Open requests")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await visitor.check("requests")

    await nav(visitor, "Program growth")
    await expect(page.get_by_role("heading", name="The program's growth")).to_be_visible()
    await expect(page.get_by_text("No delivered visit yet")).to_be_visible()
    await visitor.check("dashboard")

    for path in PRIVATE_PAGES:
        response = await visitor.goto(path)
        assert response is not None
        landed = urlsplit(page.url)
        assert landed.path == "/login", f"{path} answered {response.status} at {page.url}"
        await expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    await visitor.check("login-after-private")

    api = await page.request.get(live_server.url + "/api/volunteers/me")
    assert api.status == 401


@pytest.mark.journey("keyboard")
async def test_log_in_with_the_keyboard_only(actors: Any, api: Any, live_server: LiveServer) -> None:
    await api_member(api(), live_server, "keys@example.org", ["volunteer"])
    person = await actors("keyboard user")
    page = person.page
    await person.goto("/")
    # The first Tab reaches the skip link, which moves the focus to the content.
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    await person.shot("skip-link", full_page=False)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"#main$"))

    await person.goto("/login")
    # Tab through the navigation until the e-mail field has the focus.
    for _ in range(20):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement && document.activeElement.name") == "email":
            break
    await expect(page.get_by_label("E-mail address")).to_be_focused()
    await page.keyboard.type("keys@example.org")
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Password")).to_be_focused()
    await page.keyboard.type("wrong password, surely")
    await page.keyboard.press("Enter")
    await expect(page.locator("#e-password")).to_have_text("the e-mail address or the password is wrong")
    await expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    # The summary above the form links to the field.
    await expect(page.get_by_role("alert").get_by_role("link", name="Password")).to_have_attribute(
        "href", "#f-password"
    )
    await person.check("login-error")
    # After a refused log-in the e-mail is kept; the password is typed again.
    await expect(page.get_by_label("E-mail address")).to_have_value("keys@example.org")
    await page.get_by_label("Password").focus()
    await page.keyboard.type("correct horse battery staple")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Log in")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()
    outline = await page.evaluate(
        """() => { const b = document.querySelector('button.linklike'); b.focus();
                   const s = getComputedStyle(b); return s.outlineStyle + ' ' + s.outlineWidth; }"""
    )
    assert not outline.startswith("none"), f"no visible focus ring on a focused button: {outline}"


PHONE_PAGES = ["/", "/organizations/", "/requests/", "/volunteers/", "/dashboard", "/signup", "/login"]


@pytest.mark.journey("phone")
async def test_phone_width(actors: Any, live_server: LiveServer) -> None:
    phone = await actors("phone", width=360, height=800)
    page = phone.page
    for path in PHONE_PAGES:
        await phone.goto(path)
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        await phone.check(path.strip("/") or "home")  # no sideways scroll, no serious axe finding
    # The navigation waits behind the "Menu" button instead of filling the first screen.
    menu = page.get_by_role("navigation", name="Main")
    button = menu.get_by_role("button", name="Menu")
    await expect(button).to_have_attribute("aria-expanded", "false")
    await expect(menu.get_by_role("link", name="Volunteers", exact=True)).to_be_hidden()
    await button.click()
    await expect(button).to_have_attribute("aria-expanded", "true")
    await menu.get_by_role("link", name="Volunteers", exact=True).click()
    await expect(page.get_by_role("heading", name="Volunteer directory")).to_be_visible()
    # An unknown address answers a page with the site's navigation (and JSON only for the API).
    missing = await phone.goto("/no/such/page")
    assert missing is not None and missing.status == 404
    await expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    await expect(page.get_by_role("main").get_by_role("link", name="Back to the home page")).to_be_visible()
    await phone.check("not-found")
    api = await page.request.get(live_server.url + "/api/no/such/thing")
    assert api.status == 404 and (await api.json())["status_code"] == 404
