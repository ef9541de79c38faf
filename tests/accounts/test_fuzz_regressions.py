"""Answers the API fuzzing (tests/fuzz) found wrong in the accounts domain."""

from __future__ import annotations

import helpers
import httpx

from giveback.accounts.tables import Person


async def test_a_nul_character_is_refused_before_it_reaches_the_database(client: httpx.AsyncClient, inbox) -> None:
    # PostgreSQL's text columns refuse U+0000: signing up with it in the name answered 500 there.
    people_before = await Person.count()
    body = {"email": "nul@example.org", "name": "Ada\u0000", "password": helpers.PASSWORD, "roles": ["volunteer"]}
    response = await client.post("/api/auth/signup", json=body)
    assert response.status_code == 400, response.text
    assert response.json() == {
        "status_code": 400,
        "detail": "text must not contain the NUL character (U+0000)",
        "field": "body",
    }
    assert await Person.count() == people_before
    # An escaped backslash followed by the letters u0000 is ordinary text.
    body = {**body, "name": "Ada \\u0000"}
    assert (await client.post("/api/auth/signup", json=body)).status_code == 202


async def test_a_nul_character_in_a_query_or_a_path_is_refused(client: httpx.AsyncClient, inbox) -> None:
    await helpers.member(client, inbox, "admin@example.org", ["admin"])
    response = await client.get("/api/people", params={"role": "admin\u0000"})
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "query"
    response = await client.patch("/api/topics/emb%00olization", json={"name": "Embolization"})
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "path"


async def test_a_nul_character_in_a_form_is_refused(client: httpx.AsyncClient) -> None:
    page = await client.get("/signup")
    token = page.cookies.get("giveback_csrf") or client.cookies.get("giveback_csrf")
    form = {"csrf_token": token, "email": "f@example.org", "name": "A\u0000", "password": helpers.PASSWORD}
    response = await client.post("/signup", data=form, headers={"accept": "text/html"})
    assert response.status_code == 400, response.text
    assert "NUL" in response.text
