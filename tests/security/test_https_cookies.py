"""Item 16: served over https, the session and form-token cookies carry the ``__Host-`` prefix (Secure, Path=/,
no Domain), so a sibling subdomain cannot plant or shadow them; a cookie without the prefix is ignored."""

from __future__ import annotations

import helpers


async def test_over_https_the_cookies_are_host_only_and_the_plain_names_are_ignored(client_with, inbox) -> None:
    client = await client_with(base_url="https://testserver.local")
    anonymous = await client.get("/login")
    set_cookies = anonymous.headers.get_list("set-cookie")
    assert any(c.startswith("__Host-giveback_csrf=") for c in set_cookies), set_cookies
    await helpers.sign_up(client, inbox, "ana@example.org")
    logged_in = await client.post("/api/auth/login", json={"email": "ana@example.org", "password": helpers.PASSWORD})
    assert logged_in.status_code == 201, logged_in.text
    session = next(c for c in logged_in.headers.get_list("set-cookie") if "giveback_session" in c)
    name, _, flags = session.partition(";")
    assert name.startswith("__Host-giveback_session=")
    assert {part.strip().lower() for part in flags.split(";")} >= {"secure", "path=/", "httponly", "samesite=lax"}
    assert "domain" not in flags.lower()
    assert (await client.get("/api/me")).status_code == 200

    raw = name.split("=", 1)[1]
    client.cookies.clear()
    client.cookies.set("giveback_session", raw, domain="testserver.local")
    assert (await client.get("/api/me")).status_code == 401


async def test_over_http_the_names_stay_plain(client) -> None:
    answer = await client.get("/login")
    assert any(c.startswith("giveback_csrf=") for c in answer.headers.get_list("set-cookie"))
