"""Items 6 and 7 in a real browser: the API page renders Swagger UI from the package under the site's
Content-Security-Policy (a violation is a console error, which fails the journey) and loads nothing from
elsewhere. The other journeys check every page they visit under the same policy."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.journey("security")


async def test_the_api_page_renders_under_the_content_security_policy(actors) -> None:
    reader = await actors("reader")
    answer = await reader.goto("/schema")
    assert answer.status == 200
    await reader.page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Giveback" in await reader.page.inner_text(".swagger-ui .info .title")
    assert await reader.page.locator(".opblock").count() > 50
    outside = [
        request.url
        for request in await reader.page.evaluate("performance.getEntriesByType('resource').map(e => ({url: e.name}))")
        if not request["url"].startswith(reader.base_url)
    ]
    assert outside == []
