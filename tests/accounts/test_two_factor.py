"""Two-factor log-in (issue 15, "Also"): open to everyone, required for coordinators and admins; TOTP codes are
accepted once, recovery codes once each; every change is in the audit log."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable

import helpers
import httpx
import pyotp
from helpers import PASSWORD, enable_two_factor, log_in, sign_up

from giveback.accounts.tables import AuditEvent, Person, RoleGrant, TwoFactor

Client = httpx.AsyncClient


async def _actions(person_id: int) -> list[str]:
    rows = await AuditEvent.select(AuditEvent.action).where(AuditEvent.subject_id == person_id).order_by(AuditEvent.id)
    return [row["action"] for row in rows if "two_factor" in row["action"] or "recovery" in row["action"]]


async def _giveback(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "giveback", *args]
    return await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=120, check=False, env=os.environ.copy()
    )


async def _person(email: str) -> int:
    return int((await Person.select(Person.id).where(Person.email == email).first())["id"])


async def test_a_coordinator_gets_the_role_only_once_two_factor_is_set_up(client: Client, inbox) -> None:
    await sign_up(client, inbox, "cora@example.org")
    person = await _person("cora@example.org")
    await RoleGrant.insert(RoleGrant(person=person, role="coordinator"))
    await log_in(client, "cora@example.org")
    me = (await client.get("/api/me")).json()
    assert me["withheld_roles"] == ["coordinator"] and "coordinator" in me["person"]["roles"]
    assert (await client.get("/api/people")).status_code == 403
    assert (await client.get("/api/auth/two-factor")).json() == {
        "enabled": False,
        "required": True,
        "setup_pending": False,
        "recovery_codes_left": 0,
    }

    setup = (await client.post("/api/auth/two-factor/setup")).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/Giveback:cora%40example.org?secret=")
    assert setup["qr_svg"].startswith("<svg") and setup["key"] in setup["otpauth_uri"]
    wrong = await client.post("/api/auth/two-factor/enable", json={"code": "000000"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "code"
    old_session = client.cookies["giveback_session"]
    enabled = await client.post("/api/auth/two-factor/enable", json={"code": pyotp.TOTP(setup["key"]).now()})
    assert enabled.status_code == 201, enabled.text
    assert len(set(enabled.json()["recovery_codes"])) == 10
    assert enabled.json()["session"]["withheld_roles"] == []
    assert client.cookies["giveback_session"] != old_session  # a privilege change: a fresh session id
    client.headers["X-CSRF-Token"] = enabled.json()["session"]["csrf_token"]
    assert (await client.get("/api/people")).status_code == 200
    assert (await client.get("/api/me")).json()["person"]["two_factor"] is True
    assert await _actions(person) == ["account.two_factor_enabled"]


async def test_log_in_with_a_code_once_and_recovery_codes_once_each(
    client: Client, new_client: Callable[[], Client], inbox
) -> None:
    await sign_up(client, inbox, "vera@example.org")
    await log_in(client, "vera@example.org")
    authenticator = await enable_two_factor(client, "vera@example.org")
    person = await _person("vera@example.org")

    browser = new_client()
    first = await browser.post("/api/auth/login", json={"email": "vera@example.org", "password": PASSWORD})
    assert first.status_code == 202 and first.json()["second_factor_required"] is True
    assert "giveback_session" not in browser.cookies and (await browser.get("/api/me")).status_code == 401
    code = pyotp.TOTP(authenticator.secret).now()
    replay = await browser.post("/api/auth/login/second-factor", json={"code": code})  # used when enabling
    assert replay.status_code == 401 and replay.json()["field"] == "code"
    recovery = authenticator.recovery_codes[0]
    done = await browser.post("/api/auth/login/second-factor", json={"code": recovery.upper()})
    assert done.status_code == 201, done.text
    assert (await browser.get("/api/me")).status_code == 200

    again = new_client()
    await again.post("/api/auth/login", json={"email": "vera@example.org", "password": PASSWORD})
    assert (await again.post("/api/auth/login/second-factor", json={"code": recovery})).status_code == 401
    assert "recovery_code_used" in str(await _actions(person))

    # Five wrong codes end the pending log-in: the password is needed again.
    guesser = new_client()
    await guesser.post("/api/auth/login", json={"email": "vera@example.org", "password": PASSWORD})
    for _ in range(5):
        assert (await guesser.post("/api/auth/login/second-factor", json={"code": "123456"})).status_code == 401
    late = await guesser.post("/api/auth/login/second-factor", json={"code": authenticator.recovery_codes[1]})
    assert late.status_code == 401 and "log in again" in late.json()["detail"]
    failures = await AuditEvent.count().where(
        (AuditEvent.action == "account.login_failed") & (AuditEvent.subject_id == person)
    )
    assert failures == 7


async def test_turning_it_off_renewing_codes_and_an_admin_reset(
    client: Client, new_client: Callable[[], Client], inbox
) -> None:
    await sign_up(client, inbox, "vol@example.org")
    await log_in(client, "vol@example.org")
    authenticator = await enable_two_factor(client, "vol@example.org")
    renewed = await client.post("/api/auth/two-factor/recovery-codes", json={"code": authenticator.code()})
    assert renewed.status_code == 201 and set(renewed.json()["recovery_codes"]).isdisjoint(authenticator.recovery_codes)
    off = await client.post("/api/auth/two-factor/disable", json={"code": renewed.json()["recovery_codes"][0]})
    assert off.status_code == 200 and off.json()["enabled"] is False
    person = await _person("vol@example.org")
    assert await _actions(person) == [
        "account.two_factor_enabled",
        "account.recovery_codes_renewed",
        "account.recovery_code_used",
        "account.two_factor_disabled",
    ]

    admin = new_client()
    admin_id = await helpers.member(admin, inbox, "admin@example.org", ["admin"])
    own = await admin.post(f"/api/people/{admin_id}/two-factor/reset")
    assert own.status_code == 409  # another admin (or the command line) resets an admin's own
    refused = await admin.post(
        "/api/auth/two-factor/disable", json={"code": helpers.AUTHENTICATORS["admin@example.org"].code()}
    )
    assert refused.status_code == 409  # admins keep it
    coordinator = new_client()
    coordinator_id = await helpers.member(coordinator, inbox, "coord@example.org", ["coordinator"])
    reset = await admin.post(f"/api/people/{coordinator_id}/two-factor/reset")
    assert reset.status_code == 200 and reset.json()["two_factor"] is False
    assert (await coordinator.get("/api/me")).status_code == 401  # their sessions ended
    assert await _actions(coordinator_id) == ["account.two_factor_enabled", "account.two_factor_reset"]
    relogged = await coordinator.post("/api/auth/login", json={"email": "coord@example.org", "password": PASSWORD})
    assert relogged.status_code == 201 and relogged.json()["withheld_roles"] == ["coordinator"]


async def test_the_command_line_resets_the_last_admins_second_factor(client: Client, inbox) -> None:
    person = await helpers.member(client, inbox, "last@example.org", ["admin"])
    done = await _giveback("user", "reset-two-factor", "LAST@example.org")
    assert done.returncode == 0, done.stderr
    assert not await TwoFactor.exists().where(TwoFactor.person == person)
    assert await _actions(person) == ["account.two_factor_enabled", "account.two_factor_reset"]
    unknown = await _giveback("user", "reset-two-factor", "nobody@example.org")
    assert unknown.returncode == 2 and "no account has the address" in unknown.stderr


async def test_the_pages_walk_through_log_in_with_a_code(client: Client, inbox) -> None:
    await sign_up(client, inbox, "page@example.org")
    await log_in(client, "page@example.org")
    authenticator = await enable_two_factor(client, "page@example.org")
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token")
    await client.get("/login")
    token = client.cookies["giveback_csrf"]
    form = {"csrf_token": token, "email": "page@example.org", "password": PASSWORD, "next": "/trips/"}
    first = await client.post("/login", data=form)
    assert first.status_code == 303 and first.headers["location"] == "/login/code?next=/trips/"
    page = await client.get(first.headers["location"], headers={"accept": "text/html"})
    assert "Enter your code" in page.text
    wrong = await client.post("/login/code", data={"csrf_token": token, "code": "999999", "next": "/trips/"})
    assert wrong.status_code == 401 and "the code is wrong" in wrong.text
    right = await client.post(
        "/login/code", data={"csrf_token": token, "code": authenticator.code(), "next": "/trips/"}
    )
    assert right.status_code == 303 and right.headers["location"] == "/trips/"
    assert (await client.get("/api/me")).status_code == 200
