"""The OpenAPI schema documents every answer the JSON API gives, so that clients (and tests/fuzz) can rely on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from giveback.web.openapi import MAX_RECORD_ID

METHODS = ("get", "post", "put", "patch", "delete")


async def operations(client: httpx.AsyncClient) -> list[tuple[str, str, dict[str, Any]]]:
    schema = (await client.get("/schema/openapi.json")).json()
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
        if method in METHODS
    ]


async def test_every_json_operation_documents_the_error_answers(client: httpx.AsyncClient) -> None:
    for method, path, operation in await operations(client):
        documented = set(operation["responses"])
        assert {"400", "401", "403", "404", "409", "413"} <= documented, (method, path, documented)
        error = operation["responses"]["409"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorAnswer"}


async def test_every_operation_says_what_it_does_what_it_answers_and_who_may_call(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {**schemes["bearerToken"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie" and schemes["csrfHeader"]["name"] == "X-CSRF-Token"
    found = await operations(client)
    assert len(found) > 100
    for method, path, operation in found:
        where = (method, path)
        assert operation.get("summary", "").strip(), where
        assert "**Who may call:**" in operation.get("description", ""), where
        answers = operation["responses"]
        successes = [code for code in answers if code.startswith("2")]
        assert successes, where
        for code in successes:
            assert code == "204" or answers[code].get("content"), (where, code)  # a body has its schema
        for code in ("400", "401", "403", "404", "409", "413"):
            assert answers[code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorAnswer"
            }, (where, code)
        requirements = operation.get("security")
        assert requirements, where  # declared on every operation: [{}] when anyone may call
        if requirements != [{}]:
            session = {"sessionCookie": []} if method == "get" else {"sessionCookie": [], "csrfHeader": []}
            assert session in requirements, where
    security = {(method, path): operation["security"] for method, path, operation in found}
    assert security[("get", "/api/people")] == [{"bearerToken": []}, {"sessionCookie": []}]
    assert security[("post", "/api/account/tokens")] == [{"sessionCookie": [], "csrfHeader": []}]  # no token
    assert security[("post", "/api/auth/login")] == [{}]


async def test_no_content_answers_document_no_body(client: httpx.AsyncClient) -> None:
    for method, path, operation in await operations(client):
        if "204" in operation["responses"]:
            assert not operation["responses"]["204"].get("content"), (method, path)


async def test_downloads_document_their_media_type(client: httpx.AsyncClient) -> None:
    by_path = {(method, path): operation for method, path, operation in await operations(client)}
    my_data = by_path[("get", "/api/me/data")]["responses"]["200"]["content"]
    assert my_data["application/json"]["schema"]["type"] == "object"
    for path in ("/api/volunteers/me/cv", "/api/volunteers/{person_id}/cv"):
        assert list(by_path[("get", path)]["responses"]["200"]["content"]) == ["application/pdf"]


async def test_record_ids_in_paths_are_bounded(client: httpx.AsyncClient) -> None:
    for method, path, operation in await operations(client):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                assert parameter["schema"]["minimum"] == 1, (method, path, parameter)
                assert parameter["schema"]["maximum"] == MAX_RECORD_ID, (method, path, parameter)


# Names of stored secrets and server internals: none belongs in the public schema, in a question or an answer.
SECRET_NAMES = {
    "password_hash",  # person: the Argon2id hash
    "id_hash",  # web_session: the SHA-256 of the session id
    "token_hash",  # calendar_feed: the SHA-256 of the feed token
    "session_id",  # web_session: its row id (the signed-in person never needs it)
    "secret",
    "secret_key",  # settings: signs invite links and e-mailed tokens
    "smtp_password",
    "database_url",
    "api_key",
    "private_key",
}
# Fingerprints of the solver's public input, shown so a result can be matched to its problem: not secrets.
PUBLIC_HASHES = {"input_hash", "problem_hash"}
PASSWORD_NAMES = {"password", "current_password", "new_password"}


def names_in(node: Any) -> Iterator[str]:
    """Every property, parameter and header name under ``node``."""
    if isinstance(node, dict):
        yield from node.get("properties", {}) if isinstance(node.get("properties"), dict) else ()
        for parameter in node.get("parameters", []) if isinstance(node.get("parameters"), list) else ():
            if "name" in parameter:
                yield parameter["name"]
        yield from node.get("headers", {}) if isinstance(node.get("headers"), dict) else ()
        for value in node.values():
            yield from names_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from names_in(value)


def referenced(node: Any, components: dict[str, Any], seen: set[str]) -> Iterator[str]:
    """The names of the component schemas ``node`` refers to, directly or through others."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in seen:
                seen.add(name)
                yield name
                yield from referenced(components[name], components, seen)
        for value in node.values():
            yield from referenced(value, components, seen)
    elif isinstance(node, list):
        for value in node:
            yield from referenced(value, components, seen)


async def test_the_schema_names_no_secret(client: httpx.AsyncClient) -> None:
    """The schema is public (security.md: it may stay so only if it reveals nothing secret).

    No name anywhere is one of ``SECRET_NAMES`` or contains "secret", and the only ``…_hash`` names are the
    solver's ``PUBLIC_HASHES``. Passwords are asked for (log-in, sign-up, changes) but never answered. A
    ``csrf_token`` is answered on purpose, in ``SessionOut`` only (log-in, a password change, ``/api/me``): the
    client echoes it in a header, and it is worth nothing without the session cookie (HttpOnly). The ``key`` of an
    authenticator app is answered once, to the signed-in person setting up two-factor log-in, an API token's
    ``bearer_token`` once, to the person who makes it, and a webhook endpoint's ``signing_key`` once, to the
    coordinator who registers it.
    """
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    names = set(names_in(schema))
    assert {"password", "csrf_token", "input_hash", "token"} <= names  # the walk does see names
    assert names.isdisjoint(SECRET_NAMES), names & SECRET_NAMES
    assert not [name for name in names if "secret" in name.lower()]
    assert {name for name in names if name.endswith("_hash")} <= PUBLIC_HASHES

    answers = [
        operation["responses"]
        for item in schema["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    ]
    answered = set(referenced(answers, components, set()))
    assert "SessionOut" in answered
    answered_names = set(names_in(answers)) | {n for schema_name in answered for n in names_in(components[schema_name])}
    assert answered_names.isdisjoint(PASSWORD_NAMES), answered_names & PASSWORD_NAMES
    assert not [name for name in answered_names if "password" in name]
    assert {name for name, component in components.items() if "csrf_token" in set(names_in(component))} == {
        "SessionOut"
    }
