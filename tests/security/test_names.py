"""Item 8: every name and title refuses control characters (a newline broke the person's feed on every poll) and
bidi overrides (U+202E spoofed names); letters of every script pass. One shared rule: ``giveback.text.Name``."""

from __future__ import annotations

from datetime import date, timedelta

import helpers
import httpx
import pytest
from programs import make_contact

from giveback.accounts.tables import Person
from giveback.hosts.tables import HostRequest
from giveback.organizations.tables import Organization
from giveback.rounds.tables import MatchRound
from giveback.topics.tables import Topic

BAD = [
    "Ana\nMaria",
    "Ana\r\nMaria",
    "Tab\tbed",
    "Bell\x07",
    "Nel\x85",
    "gnp\u202eexe.pdf",
    "Iso\u2066late\u2069",
    "L\u2028S",
]


def in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


GOOD = "José María Ñúñez-Ó'Brien 王芳 محمد"


def _refused(response: httpx.Response, key: str) -> None:
    assert response.status_code == 400, response.text
    assert [problem["key"] for problem in response.json()["extra"]] == [key]


@pytest.mark.parametrize("name", BAD)
async def test_sign_up_refuses_a_name_with_a_control_or_bidi_character(client: httpx.AsyncClient, name: str) -> None:
    body = {"email": "ana@example.org", "name": name, "password": helpers.PASSWORD}
    _refused(await client.post("/api/auth/signup", json=body), "name")
    assert await Person.count().where(Person.email == "ana@example.org") == 0


async def test_every_name_and_title_follows_the_rule_and_any_script_passes(client: httpx.AsyncClient, inbox) -> None:
    person = await helpers.member(client, inbox, "coord@example.org", ["coordinator", "volunteer", "host"])
    organization = (await Organization.select(Organization.id).where(Organization.short_name == "SoBRICE").first())[
        "id"
    ]
    await make_contact(person, organization)
    profile = {"country": "AR", "languages": ["es"]}
    request = {
        "organization_id": organization,
        "needs": [{"topic": "venous", "weight": 3}],
        "languages": ["es"],
        "windows": [{"start": in_days(100), "end": in_days(130)}],
        "duration_days": 5,
    }
    new_organization = {"kind": "hospital", "country": "AR"}
    calls = [
        ("PUT", "/api/volunteers/me", profile, "name"),
        ("PUT", "/api/volunteers/me", profile, "institution"),
        ("POST", "/api/organizations/register", new_organization, "name"),
        ("POST", "/api/organizations/register", {**new_organization, "name": "Hospital Italiano"}, "short_name"),
        ("POST", "/api/requests", request, "title"),
        ("POST", "/api/rounds", {"period_start": in_days(60), "period_end": in_days(240)}, "name"),
        ("POST", "/api/topics", {"slug": "new-topic"}, "name"),
    ]
    counts = [await table.count() for table in (Organization, HostRequest, MatchRound, Topic)]
    for method, path, body, field in calls:
        for bad in ("Hospital\nItaliano", "Hospital \u202eonailatI"):
            _refused(await client.request(method, path, json={**body, field: bad}), field)
    assert [await table.count() for table in (Organization, HostRequest, MatchRound, Topic)] == counts
    for method, path, body, field in calls:
        if path == "/api/organizations/register" and field == "short_name":
            continue
        accepted = await client.request(method, path, json={**body, field: GOOD})
        assert accepted.status_code in (200, 201), (path, accepted.text)
        assert GOOD in accepted.text


async def test_the_sign_up_page_states_the_rule_next_to_the_name(client: httpx.AsyncClient) -> None:
    form_page = await client.get("/signup")
    token = client.cookies["giveback_csrf"]
    answer = await client.post(
        "/signup",
        data={"csrf_token": token, "email": "ana@example.org", "name": "Ana\nMaria", "password": helpers.PASSWORD},
    )
    assert form_page.status_code == 200
    assert answer.status_code == 400
    assert "Enter one line, without control characters or text-direction marks" in answer.text
