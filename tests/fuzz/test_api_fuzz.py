"""Fuzz every JSON operation of the app's own OpenAPI schema with schemathesis, signed in with every role.

The generated requests (valid and invalid ones) go through the app in the test's own event loop; hypothesis
runs in a worker thread and hands each request to the loop. Two fixed seeds, each run in full, keep every run the
same and reach twice the cases. The fuzzer holds every role (with two-factor log-in, as coordinators and admins
need), and log-in calls go from a throwaway session. Checks:
no server error (5xx), every status code documented, every answer matching its documented content type and
schema.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import helpers
import httpx
import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from giveback.accounts.tables import Person, RoleGrant
from giveback.organizations.tables import Organization

EXAMPLES_PER_OPERATION = 60
# Operations hashing a password (tens of milliseconds each) get fewer examples.
SLOW_OPERATIONS = {"/api/auth/signup", "/api/auth/login", "/api/auth/password", "/api/auth/password-reset/confirm"}
SLOW_EXAMPLES = 20
SEEDS = (20261127, 20261201)
ROLES = ["volunteer", "host", "coordinator", "admin"]
EMAIL = "fuzzer@example.org"
# Operations that would end the fuzzer's own session; they are sent from a separate, throwaway session.
SESSION_ENDING = {("POST", "/api/auth/logout"), ("POST", "/api/auth/login"), ("POST", "/api/auth/login/second-factor")}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

Sender = Callable[[Any], httpx.Response]


def fuzzed_operations(schema: Any) -> list[Any]:
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith("/api/"):
            operations.append(operation)
    return operations


def fuzz(operations: list[Any], send: Sender, records: dict[str, Any]) -> list[str]:
    """Run every operation's examples (valid and invalid ones); return one report per distinct failure."""
    failures: dict[str, str] = {}
    for operation in operations:
        started = time.monotonic()
        fuzz_operation(operation, send, failures, records)
        print(f"{time.monotonic() - started:6.1f} s {operation.method.upper()} {operation.path}")
    return list(failures.values())


def fuzz_operation(operation: Any, send: Sender, failures: dict[str, str], records: dict[str, Any]) -> None:
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    names = {parameter.name for parameter in operation.path_parameters}
    if names and names <= records.keys():
        # Also aim at existing records, so the handlers get past "not found" with generated bodies and queries.
        pinned = {name: records[name] for name in names}
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=pinned))
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=pinned))
    strategy = st.one_of(strategies)

    @hypothesis.settings(
        max_examples=SLOW_EXAMPLES if operation.path in SLOW_OPERATIONS else EXAMPLES_PER_OPERATION,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def run(case: Any) -> None:
        response = send(case)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = f"{operation.method.upper()} {operation.path}: {failure.title}"
                failures.setdefault(key, f"{key}\n{failure.message}\n{case.as_curl_command()}")

    for seed in SEEDS:
        hypothesis.seed(seed)(run)()


def to_httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The requests-style arguments schemathesis serializes a case into, encoded by requests, as httpx arguments."""
    prepared = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        json=kwargs.get("json"),
        data=kwargs.get("data"),
        files=kwargs.get("files"),
    ).prepare()
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    return {"method": prepared.method, "url": prepared.url, "headers": dict(prepared.headers), "content": body}


async def created(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def fuzzer_with_every_role(
    client: httpx.AsyncClient, inbox: object, throwaway: httpx.AsyncClient
) -> dict[str, Any]:
    """Sign up, confirm and log in one person holding every role, contact of an organization; make a few records.

    Returns the ids of the records, by the name of the path parameter that names them.
    """
    person_id = await helpers.member(client, inbox, EMAIL, ROLES)
    org = await Organization.select(Organization.id).where(Organization.short_name == "SoBRICE").first()
    assert org is not None
    claim = await created(client, f"/api/organizations/{org['id']}/claims", {"message": "I chair it"})
    approved = await client.post(f"/api/claims/{claim['id']}/approve")
    assert approved.status_code == 200, approved.text
    await helpers.sign_up(throwaway, inbox, "throwaway@example.org")
    await helpers.log_in(throwaway, "throwaway@example.org")
    in_days = lambda days: (date.today() + timedelta(days=days)).isoformat()  # noqa: E731
    profile = {
        "institution": "Hospital das Clínicas",
        "country": "BR",
        "career_stage": "senior",
        "expertise": {"embolization": 2},
        "languages": ["pt", "en"],
        "max_advisory_level": 2,
        "trips_per_year": 2,
        "directory_opt_in": True,
    }
    saved = await client.put("/api/volunteers/me", json=profile)
    assert saved.status_code == 200, saved.text
    window = await created(client, "/api/volunteers/me/windows", {"start": in_days(100), "end": in_days(130)})
    topics = (await client.get("/api/topics")).json()
    draft = await created(
        client,
        "/api/requests",
        {
            "organization_id": org["id"],
            "title": "Embolization course",
            "needs": [{"topic": topics[0]["slug"], "weight": 3}],
            "languages": ["en"],
            "windows": [{"start": in_days(100), "end": in_days(130)}],
            "duration_days": 5,
        },
    )
    round_ = await created(
        client, "/api/rounds", {"name": "Spring", "period_start": in_days(60), "period_end": in_days(240)}
    )
    return {
        "person_id": person_id,
        "organization_id": org["id"],
        "claim_id": claim["id"],
        "window_id": window["id"],
        "request_id": draft["id"],
        "round_id": round_["id"],
        "slug": topics[0]["slug"],
    }


async def restore_roles() -> None:
    """Put the fuzzer's roles back (a fuzzed PUT /api/people/{id}/roles may have hit its own id)."""
    person = await Person.select(Person.id).where(Person.email == EMAIL).first()
    if person is None:
        return
    grants = await RoleGrant.select(RoleGrant.role).where(RoleGrant.person == person["id"])
    if sorted(g["role"] for g in grants) != sorted(ROLES):
        await RoleGrant.delete().where(RoleGrant.person == person["id"])
        await RoleGrant.insert(*[RoleGrant(person=person["id"], role=role) for role in ROLES])


async def test_every_operation_answers_within_its_schema(
    client: httpx.AsyncClient, inbox: object, new_client: Callable[[], httpx.AsyncClient]
) -> None:
    throwaway = new_client()
    records = await fuzzer_with_every_role(client, inbox, throwaway)
    schema = schemathesis.openapi.from_dict((await client.get("/schema/openapi.json")).json())
    operations = fuzzed_operations(schema)
    assert len(operations) > 50
    loop = asyncio.get_running_loop()

    async def call(case: Any) -> httpx.Response:
        who = throwaway if (case.method.upper(), case.operation.path) in SESSION_ENDING else client
        kwargs = case.as_transport_kwargs(base_url=str(client.base_url).rstrip("/"))
        request = to_httpx(kwargs)
        response = await who.request(**{**request, "headers": {**who.headers, **request["headers"]}})
        await response.aread()
        await response.request.aread()
        if case.operation.path == "/api/people/{person_id}/roles":
            await restore_roles()
        return response

    def send(case: Any) -> httpx.Response:
        return asyncio.run_coroutine_threadsafe(call(case), loop).result(timeout=60)

    started = time.monotonic()
    failures = await asyncio.to_thread(fuzz, operations, send, records)
    print(f"fuzzed {len(operations)} operations in {time.monotonic() - started:.1f} s")
    assert not failures, "\n\n".join(failures)
