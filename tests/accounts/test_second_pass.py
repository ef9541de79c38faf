"""The accounts' second security pass (issue 15): nobody locks an account's owner out (item 4), answers reveal no
account (item 10), e-mails asked for are limited and hold no stranger's text (item 11), only the newest reset link
works (item 12), passwords are checked for strength, and failed log-ins are in the audit log."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import helpers
import httpx
import pytest
import trip_factory
from helpers import PASSWORD, log_in, sign_up

from giveback.accounts.tables import AuditEvent, Person
from giveback.mail.sender import drain_outbox
from giveback.mail.tables import OutboxMessage

Client = httpx.AsyncClient
WRONG = {"password": "not the password at all"}


async def _attempt(client: Client, email: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def test_wrong_passwords_from_elsewhere_never_lock_the_owner_out(
    client: Client, client_from: Callable[[str], Client], inbox
) -> None:
    await helpers.member(client, inbox, "boss@example.org", ["admin"])
    owner_browser = client_from("198.51.100.7")
    assert (await _attempt(owner_browser, "boss@example.org", PASSWORD)).status_code == 202  # two-factor
    attacker = client_from("203.0.113.9")
    answers = [(await _attempt(attacker, "boss@example.org", WRONG["password"])).status_code for _ in range(8)]
    assert answers == [401] * 4 + [429] * 4
    assert (await _attempt(attacker, "boss@example.org", PASSWORD)).status_code == 429  # the attacker stays out

    # The owner, from another address, or from the attacker's own address with the browser they used before
    # (its trusted-device cookie), still gets in.
    assert (await _attempt(client_from("192.0.2.44"), "boss@example.org", PASSWORD)).status_code == 202
    same_address = client_from("203.0.113.9")
    same_address.cookies.set("giveback_device", owner_browser.cookies["giveback_device"], domain="testserver.local")
    assert (await _attempt(same_address, "boss@example.org", PASSWORD)).status_code == 202
    # A device cookie is bound to its account: it does not open another account's separate count.
    stolen = client_from("203.0.113.9")
    stolen.cookies.set("giveback_device", "forged.0123456789abcdef0123456789abcdef", domain="testserver.local")
    assert (await _attempt(stolen, "boss@example.org", PASSWORD)).status_code == 429

    failed = (
        await AuditEvent.select(AuditEvent.subject_id, AuditEvent.details)
        .where(AuditEvent.action == "account.login_failed")
        .output(load_json=True)
    )
    person = (await Person.select(Person.id).where(Person.email == "boss@example.org").first())["id"]
    assert len(failed) == 5 and {row["subject_id"] for row in failed} == {person}
    assert {row["details"]["client"] for row in failed} == {"203.0.113.9"}
    assert [row["details"]["blocked"] for row in failed].count(True) == 1


async def test_one_client_guessing_across_accounts_is_stopped(client_from: Callable[[str], Client]) -> None:
    sprayer = client_from("203.0.113.50")
    answers = [(await _attempt(sprayer, f"user{n}@example.org", "Summer2026!")).status_code for n in range(52)]
    assert answers[:49] == [401] * 49 and set(answers[49:]) == {429}
    assert (await _attempt(client_from("203.0.113.51"), "user1@example.org", "Summer2026!")).status_code == 401


async def test_sign_up_and_reset_answer_the_same_whether_or_not_the_address_has_an_account(
    client: Client, client_from: Callable[[str], Client], inbox
) -> None:
    await sign_up(client, inbox, "ana@example.org")
    inbox.messages.clear()

    def answer(response: httpx.Response) -> tuple[int, str, list[str]]:
        names = sorted(k for k in response.headers if k not in ("content-length", "date", "set-cookie"))
        return response.status_code, response.text, names

    body = {"name": "Eve <script>", "password": "a long and unusual passphrase", "roles": ["volunteer"]}
    existing = await client_from("198.51.100.1").post("/api/auth/signup", json={**body, "email": "ana@example.org"})
    new = await client_from("198.51.100.2").post("/api/auth/signup", json={**body, "email": "new@example.org"})
    assert answer(existing) == answer(new)
    assert existing.status_code == 202
    notice = inbox.last_to("ana@example.org").get_body(preferencelist=("plain",)).get_content()
    confirmation = inbox.last_to("new@example.org").get_body(preferencelist=("plain",)).get_content()
    assert "already has an account" in notice and "/confirm?token=" in confirmation
    for text in (notice, confirmation):
        assert "Eve" not in text and "<script>" not in text  # no text a stranger typed

    for path in ("/api/auth/password-reset", "/api/auth/resend-confirmation"):
        known = await client.post(path, json={"email": "ana@example.org"})
        unknown = await client.post(path, json={"email": "nobody@example.org"})
        assert answer(known) == answer(unknown), path
    assert await Person.count().where(Person.email == "ana@example.org") == 1


async def test_e_mails_asked_for_are_limited_per_address_and_per_client(
    client_from: Callable[[str], Client], inbox
) -> None:
    for address in ("known@example.org", "unknown@example.org"):
        answers = [
            (await client_from(f"198.51.100.{n}").post("/api/auth/password-reset", json={"email": address})).status_code
            for n in range(1, 8)
        ]
        assert answers == [202] * 5 + [429, 429], address  # the same for an account and for none
    assert len([m for m in inbox.messages if m["To"] == "unknown@example.org"]) == 0
    one_client = client_from("203.0.113.77")
    answers = [
        (await one_client.post("/api/auth/resend-confirmation", json={"email": f"a{n}@example.org"})).status_code
        for n in range(22)
    ]
    assert answers == [202] * 20 + [429, 429]
    refused = await one_client.post("/api/auth/password-reset", json={"email": "fresh@example.org"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


async def test_only_the_newest_reset_link_works_and_only_once(client: Client, new_client, inbox) -> None:
    await sign_up(client, inbox, "reset@example.org")
    links = []
    for _ in range(2):
        assert (await client.post("/api/auth/password-reset", json={"email": "reset@example.org"})).status_code == 202
        links.append(inbox.link_to("reset@example.org", "/reset-password").split("token=")[1])
    older, newer = links
    first_try = {"token": older, "password": "an older link must not work"}
    refused = await new_client().post("/api/auth/password-reset/confirm", json=first_try)
    assert refused.status_code == 400 and refused.json()["field"] == "token"
    used = await new_client().post("/api/auth/password-reset/confirm", json={"token": newer, "password": PASSWORD})
    assert used.status_code == 200
    again = await new_client().post("/api/auth/password-reset/confirm", json={"token": newer, "password": PASSWORD})
    assert again.status_code == 400

    # A link asked for before a password change stops working with the change.
    assert (await client.post("/api/auth/password-reset", json={"email": "reset@example.org"})).status_code == 202
    pending = inbox.link_to("reset@example.org", "/reset-password").split("token=")[1]
    await log_in(client, "reset@example.org")
    changed = await client.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "another unusual passphrase"}
    )
    assert changed.status_code == 201, changed.text
    late = await new_client().post("/api/auth/password-reset/confirm", json={"token": pending, "password": PASSWORD})
    assert late.status_code == 400


@pytest.mark.parametrize(
    "password",
    ["password1234", "qwertyuiop123", "aaaaaaaaaaaa", "ana.souza@example.org", "AnaSouza2026!", "x" * 80],
)
async def test_easily_guessed_passwords_are_refused_everywhere(client: Client, inbox, password: str) -> None:
    body = {"email": "ana.souza@example.org", "name": "Ana Souza", "password": password}
    refused = await client.post("/api/auth/signup", json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == "password" and "too easy to guess" in refused.json()["detail"]
    assert await Person.count().where(Person.email == "ana.souza@example.org") == 0


async def test_a_weak_new_password_is_refused_on_change_and_reset(client: Client, new_client, inbox) -> None:
    await sign_up(client, inbox, "weak@example.org")
    await log_in(client, "weak@example.org")
    change = await client.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "weak12345678"}
    )
    assert change.status_code == 400 and change.json()["field"] == "password"
    assert (await client.post("/api/auth/password-reset", json={"email": "weak@example.org"})).status_code == 202
    token = inbox.link_to("weak@example.org", "/reset-password").split("token=")[1]
    reset = await new_client().post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": "weak@example"}
    )
    assert reset.status_code == 400 and reset.json()["field"] == "password"


async def test_with_the_mail_server_down_account_mail_waits_in_the_outbox_and_leaves_when_it_is_back(
    client_with, settings, inbox
) -> None:
    """Item 2: account e-mails go through the outbox. With the SMTP port closed, sign-up, its retry, "resend the
    confirmation", "reset my password" and an admin's resend all answer as usual; every e-mail waits in the outbox
    and the worker's next pass, with the server back, delivers them, and their links work."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    client = await client_with(mail_backend="smtp", smtp_port=closed)
    body = {"email": "down@example.org", "name": "Dora", "password": PASSWORD}
    for path, payload in (
        ("/api/auth/signup", body),
        ("/api/auth/signup", body),
        ("/api/auth/resend-confirmation", {"email": "down@example.org"}),
        ("/api/auth/password-reset", {"email": "down@example.org"}),
    ):
        answer = await client.post(path, json=payload)
        assert answer.status_code == 202, (path, answer.text)
    dora = (await Person.select(Person.id).where(Person.email == "down@example.org").first())["id"]
    await trip_factory.signed_in(client, "admin-down@example.org", ["admin"])
    resent = await client.post(f"/api/admin/people/{dora}/confirmation", json={})
    assert resent.status_code == 204, resent.text
    assert await Person.count().where(Person.email == "down@example.org") == 1

    waiting = await OutboxMessage.select().where(OutboxMessage.recipient == "down@example.org")
    assert sorted(r["kind"] for r in waiting) == [
        "account-notice",
        "confirmation",
        "confirmation",
        "confirmation",
        "reset",
    ]
    assert all(r["status"] == "pending" and r["attempts"] == 1 and r["last_error"] for r in waiting)
    assert inbox.messages == []

    later = datetime.now(UTC) + timedelta(hours=1)
    assert await drain_outbox(settings, now=later) == 5  # the worker's pass, the server back up
    assert sorted(m["Subject"] for m in inbox.messages) == sorted(
        ["Confirm your Giveback account"] * 3 + ["You already have a Giveback account", "Reset your Giveback password"]
    )
    (reset_mail,) = [m for m in inbox.messages if m["Subject"] == "Reset your Giveback password"]
    reset = re.search(r"token=(\S+)", reset_mail.get_content()).group(1)
    changed = await client.post("/api/auth/password-reset/confirm", json={"token": reset, "password": PASSWORD + "!"})
    assert changed.status_code == 201, changed.text
    assert await drain_outbox(settings, now=later) == 0  # nothing is sent twice
