"""Items 6 and 7: security headers on every page and answer, no shared caching of personal pages, HSTS over https;
the API page serves Swagger UI from the package, pinned by integrity hashes, with no script from elsewhere."""

from __future__ import annotations

import base64
import hashlib
import re

import helpers
import httpx
import pytest

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}
CSP_PARTS = ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]


def _assert_protected(answer: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert answer.headers.get(name) == value, (answer.request.url, name, answer.headers)
    policy = answer.headers["content-security-policy"]
    for part in CSP_PARTS:
        assert part in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/login", 200), ("/organizations/", 200), ("/api/topics", 200), ("/no/such/page", 404)],
)
async def test_every_answer_carries_the_security_headers_and_no_shared_caching(
    client: httpx.AsyncClient, path: str, status: int
) -> None:
    answer = await client.get(path, headers={"accept": "text/html"})
    assert answer.status_code == status
    _assert_protected(answer)
    assert answer.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in answer.headers  # plain http: HSTS would be ignored anyway


async def test_personal_pages_are_never_stored_and_static_files_keep_their_rules(
    client: httpx.AsyncClient, inbox
) -> None:
    await helpers.member(client, inbox, "ana@example.org", ["volunteer"])
    for path in ("/account", "/api/me", "/volunteer/profile", "/trips/"):
        answer = await client.get(path, headers={"accept": "text/html"})
        assert answer.status_code == 200, path
        _assert_protected(answer)
        assert answer.headers["cache-control"] == "no-store", path
    static = await client.get("/static/giveback.css")
    assert static.status_code == 200 and static.headers.get("cache-control") != "no-store"
    _assert_protected(static)


async def test_over_https_pages_ask_for_https_from_now_on(client_with) -> None:
    client = await client_with(base_url="https://testserver.local")
    answer = await client.get("/", headers={"accept": "text/html"})
    assert answer.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert "upgrade-insecure-requests" in answer.headers["content-security-policy"]
    _assert_protected(answer)


async def test_the_api_page_loads_pinned_swagger_ui_from_the_package(client: httpx.AsyncClient) -> None:
    for path in ("/schema", "/schema/swagger"):
        page = await client.get(path)
        assert page.status_code == 200, path
        _assert_protected(page)
        assert "<script>" not in page.text and "cdn" not in page.text.lower()
        assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page.text), page.text
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)" integrity="([^"]+)"', page.text)
        assert {a for a, _ in assets} >= {
            "/static/vendor/swagger-ui/swagger-ui-bundle.js",
            "/static/vendor/swagger-ui/swagger-ui.css",
            "/static/openapi.js",
        }
        for asset, expected in assets:
            served = await client.get(asset)
            assert served.status_code == 200, asset
            assert expected == "sha384-" + base64.b64encode(hashlib.sha384(served.content).digest()).decode()
