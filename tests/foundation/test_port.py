"""``giveback serve --port`` (and ``demo --port``, ``make demo PORT=``) without GIVEBACK_BASE_URL: the links the
server hands out name the port it serves."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import httpx
from live_server import serving

from giveback.accounts.sessions import load_session, start_session
from giveback.accounts.tables import Person, RoleGrant
from giveback.cli import follow_port


async def test_feed_links_follow_the_served_port_when_no_base_url_is_set() -> None:
    row = await Person.insert(
        Person(email="porter@example.org", name="Porter", password_hash="-", email_confirmed_at=datetime.now(UTC))
    )
    await RoleGrant.insert(RoleGrant(person=row[0]["id"], role="volunteer"))
    raw = await start_session(row[0]["id"])
    user = await load_session(raw)
    assert user is not None
    with serving(
        workers=1,
        embedded_worker=False,
        start_seconds=60,
        prefix="giveback-port-",
        environment={"GIVEBACK_BASE_URL": None, "GIVEBACK_ALLOWED_HOSTS": None},
    ) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            made = await client.post(
                "/api/calendar/feeds",
                json={"kind": "personal"},
                headers={"Cookie": f"giveback_session={raw}", "X-CSRF-Token": user.csrf_token},
            )
            assert made.status_code == 201, made.text
            assert made.json()["url"].startswith(f"http://127.0.0.1:{server.port}/feeds/")
            feed = await client.get(made.json()["url"].removeprefix(server.url))
            assert feed.status_code == 200


def test_an_explicit_base_url_wins_over_the_port(monkeypatch) -> None:
    monkeypatch.setenv("GIVEBACK_BASE_URL", "https://giveback.example.org")
    follow_port("0.0.0.0", 9000)  # noqa: S104
    assert os.environ["GIVEBACK_BASE_URL"] == "https://giveback.example.org"
    monkeypatch.delenv("GIVEBACK_BASE_URL")
    follow_port("0.0.0.0", 9000)  # noqa: S104
    assert os.environ["GIVEBACK_BASE_URL"] == "http://127.0.0.1:9000"
