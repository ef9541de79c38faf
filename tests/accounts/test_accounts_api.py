"""Sign-up, confirmation, log-in, sessions, CSRF, throttling and passwords through the JSON API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from helpers import PASSWORD, log_in, member, sign_up

from giveback.accounts.tables import Person, WebSession

Client = httpx.AsyncClient


async def test_sign_up_confirm_and_log_in(client: Client, inbox) -> None:
    response = await client.post(
        "/api/auth/signup",
        json={
            "email": "Ana@Example.org",
            "name": "Ana Souza",
            "password": PASSWORD,
            "roles": ["volunteer", "host"],
        },
    )
    assert response.status_code == 202
    assert response.json() == {"detail": "we sent a message to this address: follow it to go on"}
    refused = await client.post("/api/auth/login", json={"email": "ana@example.org", "password": PASSWORD})
    assert refused.status_code == 403
    assert "confirm" in refused.json()["detail"]

    token = inbox.link_to("ana@example.org", "/confirm").split("token=")[1]
    confirmed = (await client.post("/api/auth/confirm", json={"token": token})).json()
    assert confirmed == {
        "id": confirmed["id"],
        "email": "ana@example.org",
        "name": "Ana Souza",
        "roles": ["host", "volunteer"],
        "email_confirmed": True,
        "two_factor": False,
    }
    again = await client.post("/api/auth/confirm", json={"token": token})
    assert again.status_code == 400
    assert again.json()["field"] == "token"

    csrf = await log_in(client, "ana@example.org")
    me = await client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["person"]["email"] == "ana@example.org"
    assert me.json()["csrf_token"] == csrf


async def test_bad_sign_ups_name_the_field_and_store_nothing(client: Client, inbox) -> None:
    cases = [
        ({"email": "not-an-address", "name": "X", "password": PASSWORD}, "email"),
        ({"email": "a@example.org", "name": "X", "password": "too short"}, "password"),
        ({"email": "a@example.org", "name": "", "password": PASSWORD}, "name"),
        ({"email": "a@example.org", "name": "X", "password": PASSWORD, "roles": ["coordinator"]}, "roles"),
        ({"email": "a@example.org", "name": "X", "password": PASSWORD, "admin": True}, "admin"),
    ]
    for body, field in cases:
        response = await client.post("/api/auth/signup", json=body)
        assert response.status_code == 400, (body, response.text)
        assert field in response.text
    assert await Person.count() == 0
    assert inbox.messages == []


async def test_a_duplicate_email_is_answered_like_a_new_one_and_its_owner_is_told(client: Client, inbox) -> None:
    await sign_up(client, inbox, "dup@example.org")
    response = await client.post(
        "/api/auth/signup", json={"email": "DUP@example.org", "name": "Other", "password": PASSWORD}
    )
    assert response.status_code == 202
    assert response.json() == {"detail": "we sent a message to this address: follow it to go on"}
    assert await Person.count() == 1
    notice = inbox.last_to("dup@example.org")
    assert notice["Subject"] == "You already have a Giveback account"
    assert "Other" not in notice.get_body(preferencelist=("plain",)).get_content()


async def test_a_planted_session_id_is_never_adopted(client: Client, inbox) -> None:
    await sign_up(client, inbox, "fix@example.org")
    client.cookies.set("giveback_session", "attacker-chosen-session-id", domain="testserver.local")
    assert (await client.get("/api/me")).status_code == 401
    await log_in(client, "fix@example.org")
    issued = client.cookies.get("giveback_session")
    assert issued and issued != "attacker-chosen-session-id"
    assert (await client.get("/api/me")).status_code == 200


async def test_each_log_in_issues_a_fresh_session_id(client: Client, new_client: Callable[[], Client], inbox) -> None:
    await sign_up(client, inbox, "fresh@example.org")
    await log_in(client, "fresh@example.org")
    first = client.cookies.get("giveback_session")
    await log_in(client, "fresh@example.org")
    assert client.cookies.get("giveback_session") != first
    stale = new_client()
    stale.cookies.set("giveback_session", first or "", domain="testserver.local")
    assert (await stale.get("/api/me")).status_code == 200  # an earlier session stays valid until it ends


async def test_log_out_ends_the_session_on_the_server(client: Client, new_client: Callable[[], Client], inbox) -> None:
    await sign_up(client, inbox, "out@example.org")
    await log_in(client, "out@example.org")
    stolen = client.cookies.get("giveback_session") or ""
    assert (await client.post("/api/auth/logout")).status_code == 204
    replay = new_client()
    replay.cookies.set("giveback_session", stolen, domain="testserver.local")
    assert (await replay.get("/api/me")).status_code == 401
    assert await WebSession.count() == 0


async def test_idle_and_old_sessions_end(client: Client, new_client: Callable[[], Client], inbox) -> None:
    """A session ends after 8 idle hours and 7 days after log-in, whatever its use; an active one is kept alive."""
    await sign_up(client, inbox, "clock@example.org")
    await log_in(client, "clock@example.org")
    (row,) = await WebSession.select(WebSession.id, WebSession.expires_at)
    now = datetime.now(UTC)

    await WebSession.update({WebSession.last_seen_at: now - timedelta(hours=7, minutes=59)}).where(
        WebSession.id == row["id"]
    )
    assert (await client.get("/api/me")).status_code == 200  # still inside the idle limit: and touched again
    (touched,) = await WebSession.select(WebSession.last_seen_at)
    assert touched["last_seen_at"] > now - timedelta(minutes=1)

    await WebSession.update({WebSession.last_seen_at: now - timedelta(hours=8, minutes=1)}).where(
        WebSession.id == row["id"]
    )
    idle = await client.get("/api/me")
    assert idle.status_code == 401
    assert "giveback_session=; Max-Age=0" in idle.headers["set-cookie"]  # and the browser forgets it
    assert await WebSession.count() == 0  # the expired session is deleted, not just refused

    await log_in(client, "clock@example.org")
    await WebSession.update({WebSession.expires_at: now - timedelta(seconds=1)}, force=True)  # 7 days after log-in
    assert (await client.get("/api/me")).status_code == 401
    assert await WebSession.count() == 0


async def test_state_changes_with_a_session_need_the_csrf_token(client: Client, inbox) -> None:
    await sign_up(client, inbox, "csrf@example.org")
    await log_in(client, "csrf@example.org")
    token = client.headers.pop("X-CSRF-Token")
    refused = await client.post("/api/auth/logout")
    assert refused.status_code == 403
    assert refused.json()["field"] == "csrf_token"
    wrong = await client.post("/api/auth/logout", headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert (await client.post("/api/auth/logout", headers={"X-CSRF-Token": token})).status_code == 204


async def test_failed_log_ins_are_throttled_whether_or_not_the_account_exists(client: Client, inbox) -> None:
    await sign_up(client, inbox, "real@example.org")
    for email in ("real@example.org", "ghost@example.org"):
        answers = [
            (
                await client.post(
                    "/api/auth/login",
                    json={"email": email, "password": "wrong password!!"},
                    headers={"X-Forwarded-For": f"203.0.113.{attempt}"},  # a new address every time
                )
            ).status_code
            for attempt in range(6)
        ]
        assert answers == [401, 401, 401, 401, 429, 429], email
    blocked = await client.post("/api/auth/login", json={"email": "real@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0


async def test_password_reset_by_single_use_link(client: Client, new_client: Callable[[], Client], inbox) -> None:
    await sign_up(client, inbox, "reset@example.org")
    await log_in(client, "reset@example.org")
    for email in ("reset@example.org", "nobody@example.org"):
        response = await client.post("/api/auth/password-reset", json={"email": email})
        assert response.status_code == 202
        assert response.json() == {"detail": "if an account has this address, we sent it a link"}
    assert [m["To"] for m in inbox.messages].count("nobody@example.org") == 0
    token = inbox.link_to("reset@example.org", "/reset-password").split("token=")[1]
    new_password = "a brand new password 2027"
    other = new_client()
    assert (
        await other.post("/api/auth/password-reset/confirm", json={"token": token, "password": "short"})
    ).status_code == 400
    done = await other.post("/api/auth/password-reset/confirm", json={"token": token, "password": new_password})
    assert done.status_code == 200
    reused = await other.post("/api/auth/password-reset/confirm", json={"token": token, "password": new_password})
    assert reused.status_code == 400
    assert (await client.get("/api/me")).status_code == 401  # every session ended
    await log_in(other, "reset@example.org", new_password)


async def test_changing_the_password_rotates_the_session(client: Client, inbox) -> None:
    await sign_up(client, inbox, "change@example.org")
    await log_in(client, "change@example.org")
    before = client.cookies.get("giveback_session")
    wrong = await client.post(
        "/api/auth/password",
        json={"current_password": "not it at all", "new_password": "another long password"},
    )
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "current_password"
    changed = await client.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "another long password"}
    )
    assert changed.status_code == 201
    assert client.cookies.get("giveback_session") != before
    client.headers["X-CSRF-Token"] = changed.json()["csrf_token"]
    assert (await client.get("/api/me")).status_code == 200


async def test_only_admins_set_roles_and_the_change_ends_sessions(
    client: Client, new_client: Callable[[], Client], inbox
) -> None:
    admin = client
    await member(admin, inbox, "admin@example.org", ["admin"])
    volunteer = new_client()
    volunteer_id = await member(volunteer, inbox, "vol@example.org", ["volunteer"])
    refused = await volunteer.put(f"/api/people/{volunteer_id}/roles", json={"roles": ["admin"]})
    assert refused.status_code == 403
    granted = await admin.put(f"/api/people/{volunteer_id}/roles", json={"roles": ["volunteer", "coordinator"]})
    assert granted.status_code == 200
    assert granted.json()["roles"] == ["coordinator", "volunteer"]
    assert (await volunteer.get("/api/me")).status_code == 401
    bad = await admin.put(f"/api/people/{volunteer_id}/roles", json={"roles": ["emperor"]})
    assert bad.status_code == 400


async def test_password_hashing_does_not_block_the_event_loop(client: Client, inbox) -> None:
    await sign_up(client, inbox, "loop@example.org")
    stalls: list[float] = []

    async def heartbeat() -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.005)
            stalls.append(loop.time() - before - 0.005)

    beat = asyncio.create_task(heartbeat())
    logins = [
        client.post("/api/auth/login", json={"email": "loop@example.org", "password": PASSWORD}) for _ in range(10)
    ]
    answers = await asyncio.gather(*logins)
    beat.cancel()
    assert all(a.status_code == 201 for a in answers)
    # Hashed on the loop, each of the ten hashes (tens of milliseconds) would freeze it whole: the heartbeat would
    # beat about once per log-in. Off the loop it keeps beating while they run. (A count, not a bound on the
    # longest pause: on a loaded machine any pause can be long, but a frozen loop cannot beat.)
    assert len(stalls) > 30, stalls
