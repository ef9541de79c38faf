"""The admin's people and audit-log pages and their API: search, roles, disabled accounts, confirmations, pages."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import httpx
from helpers import PASSWORD, log_in, member

from giveback.accounts.passwords import hash_password
from giveback.accounts.tables import AuditEvent, Person, RoleGrant


async def people(count: int, prefix: str, role: str = "volunteer", first: int = 0) -> list[int]:
    """``count`` confirmed people named "<prefix> 000" … with one role, inserted at once."""
    password_hash = await hash_password(PASSWORD)
    rows = await Person.insert(
        *[
            Person(
                email=f"{prefix.lower()}{i:03}@example.org",
                name=f"{prefix} {i:03}",
                password_hash=password_hash,
                email_confirmed_at=datetime.now(UTC),
            )
            for i in range(first, first + count)
        ]
    )
    ids = [int(row["id"]) for row in rows]
    await RoleGrant.insert(*[RoleGrant(person=person_id, role=role) for person_id in ids])
    return ids


def next_href(page: str) -> str | None:
    found = re.search(r'<a rel="next" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def names_in(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/admin/people/\d+">([^<]+)</a>', page)


async def test_the_people_page_searches_filters_and_pages_keeping_them(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "root@example.org", ["admin"])
    await people(62, "Émile")
    await people(3, "Émile", role="host", first=100)  # another role: the filter keeps them out
    first = await client.get("/admin/people", params={"search": "émile", "role": "volunteer", "sort": "-name"})
    assert first.status_code == 200
    shown = names_in(first.text)
    assert len(shown) == 50
    assert shown[0] == "Émile 061"  # Z to A
    href = next_href(first.text)
    assert href is not None and "search=%C3%A9mile" in href and "role=volunteer" in href and "sort=-name" in href
    second = await client.get(href)
    rest = names_in(second.text)
    assert len(rest) == 12
    assert not set(rest) & set(shown)
    assert rest[-1] == "Émile 000"
    assert next_href(second.text) is None
    assert "First page" in second.text
    bad = await client.get("/admin/people", params={"state": "sleeping"})
    assert bad.status_code == 200
    assert "state" in bad.text and 'role="alert"' in bad.text


async def test_the_people_api_pages_through_everyone_with_link_headers(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "root@example.org", ["admin"])
    await people(7, "Kenji")
    seen: list[str] = []
    url = "/api/admin/people?search=kenji&limit=3"
    while url:
        answer = await client.get(url)
        assert answer.status_code == 200, answer.text
        seen += [p["name"] for p in answer.json()]
        link = answer.headers.get("link")
        url = re.fullmatch(r'<http://testserver\.local(/[^>]+)>; rel="next"', link).group(1) if link else ""
        if url:
            assert "search=kenji" in url and "limit=3" in url
    assert seen == [f"Kenji {i:03}" for i in range(7)]
    tampered = await client.get("/api/admin/people", params={"cursor": "not-a-cursor"})
    assert tampered.status_code == 400
    assert tampered.json()["field"] == "cursor"
    too_many = await client.get("/api/admin/people", params={"limit": 501})
    assert too_many.status_code == 400
    assert too_many.json()["field"] == "limit"


async def test_roles_are_granted_and_revoked_through_the_api(client: httpx.AsyncClient, inbox) -> None:
    admin = await member(client, inbox, "root@example.org", ["admin"])
    [kenji] = await people(1, "Kenji")
    granted = await client.post(f"/api/admin/people/{kenji}/roles/coordinator")
    assert granted.status_code == 200, granted.text
    assert granted.json()["roles"] == ["coordinator", "volunteer"]
    assert (await client.post(f"/api/admin/people/{kenji}/roles/pilot")).status_code == 400
    assert (await client.delete(f"/api/admin/people/{kenji}/roles/host")).status_code == 409
    assert (await client.delete(f"/api/admin/people/{kenji}/roles/coordinator")).json()["roles"] == ["volunteer"]
    last_admin = await client.delete(f"/api/admin/people/{admin}/roles/admin")
    assert last_admin.status_code == 409


async def test_disabling_ends_sessions_and_feeds_and_refuses_log_in(
    client: httpx.AsyncClient, new_client, inbox
) -> None:
    await member(client, inbox, "root@example.org", ["admin"])
    vera_client = new_client()
    vera = await member(vera_client, inbox, "vera@example.org", ["volunteer"])
    feed = (await vera_client.post("/api/calendar/feeds", json={"kind": "personal"})).json()["url"]
    feed_path = feed.removeprefix("http://testserver.local")
    assert (await vera_client.get(feed_path)).status_code == 200

    empty_reason = await client.post(f"/admin/people/{vera}/disable", data={"reason": "  "})
    assert empty_reason.status_code == 400
    assert "say why" in empty_reason.text
    done = await client.post(f"/admin/people/{vera}/disable", data={"reason": "left the society"})
    assert done.status_code == 303
    assert (await vera_client.get("/api/me")).status_code == 401
    assert (await vera_client.get(feed_path)).status_code == 404
    refused = await vera_client.post("/api/auth/login", json={"email": "vera@example.org", "password": PASSWORD})
    assert refused.status_code == 403
    page = (await client.get(f"/admin/people/{vera}")).text
    assert "Disabled: this person cannot log in" in page
    assert "reason: left the society" in (await client.get("/admin/audit", params={"action": "account."})).text

    assert (await client.post(f"/admin/people/{vera}/enable")).status_code == 303
    await log_in(vera_client, "vera@example.org")
    assert (await vera_client.get("/api/me")).status_code == 200


async def test_resending_a_confirmation_mails_a_working_link(client: httpx.AsyncClient, new_client, inbox) -> None:
    await member(client, inbox, "root@example.org", ["admin"])
    signer = new_client()
    await signer.post("/api/auth/signup", json={"email": "late@example.org", "name": "Late Lena", "password": PASSWORD})
    lena = (await Person.select(Person.id).where(Person.email == "late@example.org").first())["id"]
    inbox.messages.clear()
    answer = await client.post(f"/admin/people/{lena}/confirmation")
    assert answer.status_code == 303
    token = inbox.link_to("late@example.org", "/confirm").split("token=")[1]
    assert (await signer.post("/api/auth/confirm", json={"token": token})).status_code == 200
    again = await client.post(f"/api/admin/people/{lena}/confirmation")
    assert again.status_code == 409  # confirmed now


async def test_the_audit_log_filters_by_person_record_action_and_day(client: httpx.AsyncClient, inbox) -> None:
    root = await member(client, inbox, "root@example.org", ["admin"])
    [kenji, mei] = await people(2, "Kenji")
    long_ago = datetime(2030, 1, 15, 12, tzinfo=UTC)
    await AuditEvent.insert(
        AuditEvent(actor=kenji, action="trip.cancelled", subject_type="trip", subject_id=77, at=long_ago),
        AuditEvent(actor=mei, action="round.opened", subject_type="round", subject_id=5, at=long_ago),
        *[AuditEvent(actor=root, action="topic.changed", subject_type="topic", subject_id=i) for i in range(55)],
    )
    by_kenji = await client.get("/admin/audit", params={"person": "kenji000@example.org"})
    assert "Entries by or about Kenji 000" in by_kenji.text
    assert "<td><code>trip.cancelled</code></td>" in by_kenji.text
    assert "<td><code>round.opened</code></td>" not in by_kenji.text
    on_the_day = await client.get(
        "/api/admin/audit", params={"since": "2030-01-15", "until": "2030-01-15", "action": "round."}
    )
    assert [e["action"] for e in on_the_day.json()] == ["round.opened"]
    assert on_the_day.json()[0]["actor"] == "Kenji 001"
    record = await client.get("/api/admin/audit", params={"record_type": "trip", "record_id": 77})
    assert [e["actor_id"] for e in record.json()] == [kenji]
    newest = await client.get("/admin/audit", params={"action": "topic.changed"})
    assert newest.text.count("<td><code>topic.changed</code></td>") == 50
    older = await client.get(next_href(newest.text))
    assert older.text.count("<td><code>topic.changed</code></td>") == 5
    backwards = await client.get("/api/admin/audit", params={"since": "2030-02-01", "until": "2030-01-01"})
    assert backwards.status_code == 400 and backwards.json()["field"] == "until"
    unknown = await client.get("/admin/audit", params={"person": "nobody@example.org"})
    assert "no account has the e-mail address nobody@example.org" in unknown.text
