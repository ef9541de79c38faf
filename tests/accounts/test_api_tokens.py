"""API tokens: made in a session and shown once, hashed at rest, scoped read or write, revocable, their last use
kept, roles following their owner, every change they make audited, and managed on /account/tokens and
/admin/tokens."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from helpers import VOLUNTEER_PROFILE, give_two_factor, member

from giveback.accounts.tables import ApiToken, AuditEvent, Person, RoleGrant


async def make_token(client: httpx.AsyncClient, **fields: object) -> dict[str, object]:
    answer = await client.post("/api/account/tokens", json={"name": "weekly report", **fields})
    assert answer.status_code == 201, answer.text
    made: dict[str, object] = answer.json()
    return made


def bearer(secret: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_a_read_token_reads_cannot_write_and_stops_when_revoked(
    client: httpx.AsyncClient, new_client: Callable[[], httpx.AsyncClient], inbox
) -> None:
    await member(client, inbox, "ana.souza@example.org", ["volunteer"])
    made = await make_token(client, scope="read")
    secret = str(made["bearer_token"])
    assert secret.startswith("gb_") and len(secret) > 40
    row = await ApiToken.select().where(ApiToken.id == made["token"]["id"]).first()  # type: ignore[index]
    assert row is not None and row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(row.values()) and row["prefix"] == secret[:9]
    assert row["last_used_at"] is None and row["expires_at"] is not None  # 90 days unless asked otherwise

    script = new_client()  # no cookie, no CSRF token: only the header
    me = await script.get("/api/me", headers=bearer(secret))
    assert me.status_code == 200 and me.json()["person"]["email"] == "ana.souza@example.org"
    refused = await script.put("/api/volunteers/me", json=VOLUNTEER_PROFILE, headers=bearer(secret))
    assert refused.status_code == 403 and refused.json()["field"] == "scope"
    assert (await script.get("/api/volunteers/me", headers=bearer(secret))).status_code == 404  # nothing was saved

    listed = (await client.get("/api/account/tokens")).json()
    assert [t["name"] for t in listed] == ["weekly report"] and listed[0]["last_used_at"] is not None
    assert secret not in str(listed)

    revoked = await client.delete(f"/api/account/tokens/{listed[0]['id']}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    after = await script.get("/api/me", headers=bearer(secret))
    assert after.status_code == 401 and after.json()["field"] == "authorization"
    unknown = await script.get("/api/me", headers=bearer("gb_" + "x" * 43))
    assert unknown.status_code == 401
    actions = [r["action"] for r in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)]
    assert actions[-2:] == ["api_token.created", "api_token.revoked"]


async def test_a_write_token_acts_for_its_owner_is_audited_and_never_does_what_needs_a_session(
    client: httpx.AsyncClient, new_client: Callable[[], httpx.AsyncClient], inbox
) -> None:
    await member(client, inbox, "zhang.wei@example.org", ["volunteer"])
    made = await make_token(client, name="張偉的同步腳本", scope="write", expires_in_days=None)
    token_id, secret = made["token"]["id"], made["bearer_token"]  # type: ignore[index]
    assert made["token"]["expires_at"] is None  # type: ignore[index]
    script = new_client()
    saved = await script.put("/api/volunteers/me", json=VOLUNTEER_PROFILE, headers=bearer(secret))
    assert saved.status_code == 200, saved.text
    event = (
        await AuditEvent.select().where(AuditEvent.action == "volunteer.profile_created").output(load_json=True).first()
    )
    assert event is not None and event["details"]["api_token"] == token_id

    # A session's answers kept in the page cache are never handed to a token.
    assert (await client.get("/api/account/tokens")).status_code == 200
    for method, path, body in [
        ("GET", "/api/account/tokens", None),
        ("POST", "/api/account/tokens", {"name": "another"}),
        ("DELETE", f"/api/account/tokens/{token_id}", None),
        ("POST", "/api/auth/password", {"current_password": "x", "new_password": "y" * 14}),
        ("DELETE", "/api/me/account", {"password": "x"}),
    ]:
        answer = await script.request(method, path, json=body, headers=bearer(secret))
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["field"] == "authorization"
    assert await ApiToken.count().where(ApiToken.revoked_at.is_null()) == 1
    # Pages are for browsers: the header is not read there.
    page = await script.get("/account", headers={**bearer(secret), "Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


async def test_a_tokens_roles_follow_its_owner_and_privileged_roles_wait_for_two_factor(
    client: httpx.AsyncClient, new_client: Callable[[], httpx.AsyncClient], inbox
) -> None:
    person_id = await member(client, inbox, "amina@example.org", ["volunteer"])
    secret = (await make_token(client))["bearer_token"]
    script = new_client()
    assert (await script.get("/api/people", headers=bearer(secret))).status_code == 403
    await RoleGrant.insert(RoleGrant(person=person_id, role="coordinator"))
    withheld = await script.get("/api/me", headers=bearer(secret))
    assert withheld.json()["withheld_roles"] == ["coordinator"]
    assert (await script.get("/api/people", headers=bearer(secret))).status_code == 403
    await give_two_factor(person_id, "amina@example.org")
    assert (await script.get("/api/people", headers=bearer(secret))).status_code == 200
    await RoleGrant.delete().where((RoleGrant.person == person_id) & (RoleGrant.role == "coordinator"))
    assert (await script.get("/api/people", headers=bearer(secret))).status_code == 403

    await ApiToken.update({ApiToken.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        ApiToken.person == person_id
    )
    assert (await script.get("/api/me", headers=bearer(secret))).status_code == 401


async def test_admins_make_service_tokens_see_every_token_and_revoke_any_and_disabling_revokes_them(
    client: httpx.AsyncClient, new_client: Callable[[], httpx.AsyncClient], inbox
) -> None:
    volunteer = new_client()
    volunteer_id = await member(volunteer, inbox, "lea.muller@example.org", ["volunteer"])
    refused = await volunteer.post("/api/account/tokens", json={"name": "crm", "kind": "service"})
    assert refused.status_code == 403 and refused.json()["field"] == "kind"
    bad = await volunteer.post("/api/account/tokens", json={"name": "", "scope": "admin", "expires_in_days": 0})
    assert bad.status_code == 400
    personal = await make_token(volunteer, name="Léa's calendar sync")
    spare = await make_token(volunteer, name="spare")

    await member(client, inbox, "root@example.org", ["admin"])
    service = await make_token(client, name="Society member system", kind="service", scope="write")
    listed = await client.get("/api/admin/tokens")
    assert [(t["name"], t["owner"]) for t in listed.json()] == [
        ("Society member system", "Root"),
        ("spare", "Lea.Muller"),
        ("Léa's calendar sync", "Lea.Muller"),
    ]
    page = await client.get("/admin/tokens")
    assert (
        page.status_code == 200
        and "Society member system" in page.text
        and str(service["bearer_token"]) not in page.text
    )
    revoked = await client.post(f"/admin/tokens/{spare['token']['id']}/revoke")  # type: ignore[index]
    assert revoked.status_code in (302, 303)
    assert (await new_client().get("/api/me", headers=bearer(spare["bearer_token"]))).status_code == 401
    # Someone else's token is not the volunteer's to revoke.
    other = await volunteer.delete(f"/api/account/tokens/{service['token']['id']}")  # type: ignore[index]
    assert other.status_code == 404

    disabled = await client.post(f"/api/admin/people/{volunteer_id}/disable", json={"reason": "left the society"})
    assert disabled.status_code == 200, disabled.text
    assert (await new_client().get("/api/me", headers=bearer(personal["bearer_token"]))).status_code == 401
    await Person.update({Person.disabled_at: None}).where(Person.id == volunteer_id)
    assert (
        await new_client().get("/api/me", headers=bearer(personal["bearer_token"]))
    ).status_code == 401  # still revoked


async def test_the_token_page_shows_a_new_token_once_and_revokes_it(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "joao.conceicao@example.org", ["volunteer", "host"])
    token = client.headers["X-CSRF-Token"]
    empty = await client.post("/account/tokens", data={"csrf_token": token, "name": "", "scope": "read"})
    assert empty.status_code == 400 and 'aria-invalid="true"' in empty.text
    made = await client.post(
        "/account/tokens",
        data={"csrf_token": token, "name": "Relatório mensal", "scope": "write", "expires_in_days": "never"},
    )
    assert made.status_code == 201
    shown = re.search(r'<code class="secret" id="new-token">(gb_[^<]+)</code>', made.text)
    assert shown is not None
    listing = await client.get("/account/tokens")
    assert "Relatório mensal" in listing.text and shown.group(1) not in listing.text
    row = await ApiToken.select().first()
    assert row is not None and row["scope"] == "write" and row["expires_at"] is None
    revoked = await client.post(f"/account/tokens/{row['id']}/revoke", data={"csrf_token": token})
    assert revoked.status_code in (302, 303)
    # A revoked token is refused even beside a session cookie: the header, when sent, decides.
    assert (await client.get("/api/me", headers=bearer(shown.group(1)))).status_code == 401
    assert (await ApiToken.select(ApiToken.revoked_at).first())["revoked_at"] is not None  # type: ignore[index]
