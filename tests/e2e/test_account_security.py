"""Two-factor log-in as a new coordinator meets it, and items 6 and 7 in a real browser: the API page renders
Swagger UI from the package under the site's
Content-Security-Policy (a violation is a console error, which fails the journey) and loads nothing from
elsewhere. The other journeys check every page they visit under the same policy."""

from __future__ import annotations

import pyotp
import pytest
from e2e_steps import expect, log_in, log_out, nav
from e2e_support import PASSWORD

pytestmark = pytest.mark.journey("security")


async def test_the_api_page_renders_under_the_content_security_policy(actors) -> None:
    reader = await actors("reader")
    answer = await reader.goto("/schema")
    assert answer.status == 200
    await reader.page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Giveback" in await reader.page.inner_text(".swagger-ui .info .title")
    await reader.page.locator(".opblock").nth(10).wait_for(state="attached", timeout=15_000)  # drawn in turns
    outside = [
        request.url
        for request in await reader.page.evaluate("performance.getEntriesByType('resource').map(e => ({url: e.name}))")
        if not request["url"].startswith(reader.base_url)
    ]
    assert outside == []


async def test_a_new_coordinator_sets_up_two_factor_log_in_and_logs_in_with_it(actors, live_server) -> None:
    email = "cleo@example.org"
    live_server.create_user(email, "Cleo Coordinator", "coordinator")
    cleo = await actors("cleo")
    page = cleo.page
    await log_in(cleo, email)
    # The coordinator role waits: no coordinator tools yet, and the page says why.
    await expect(page.get_by_role("status")).to_contain_text("Your role coordinator needs two-factor log-in")
    assert await page.get_by_role("link", name="Rounds").count() == 0
    assert (await cleo.goto("/coordinator/rounds/")).status == 403

    await cleo.goto("/account/two-factor")
    await page.get_by_role("button", name="Set up two-factor log-in").click()
    await expect(page.get_by_role("heading", name="Add Giveback to your authenticator app")).to_be_visible()
    await cleo.check("two-factor-setup")
    key = (await page.inner_text(".secret")).strip()
    await page.get_by_label("Code from the app").fill(pyotp.TOTP(key).now())
    await page.get_by_role("button", name="Turn on two-factor log-in").click()
    await expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = [c.strip() for c in await page.locator(".recovery-codes code").all_inner_texts()]
    assert len(codes) == 10 and len(set(codes)) == 10
    await cleo.check("recovery-codes")
    await page.get_by_role("link", name="Done").click()
    await nav(cleo, "Rounds")
    await expect(page.get_by_role("heading", name="Match rounds")).to_be_visible()

    await log_out(cleo)
    await cleo.goto("/login")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    await cleo.check("second-factor")
    await page.get_by_label("Code").fill(codes[0])
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible()
    await expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Rounds", include_hidden=True)
    ).to_have_count(1)
