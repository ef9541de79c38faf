"""``giveback people list|grant|revoke|disable|enable`` against the suite's database, as an operator types them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import httpx
from helpers import PASSWORD

from giveback.accounts.passwords import hash_password
from giveback.accounts.sessions import load_session, start_session
from giveback.accounts.tables import AuditEvent, Person, RoleGrant

GIVEBACK = [sys.executable, "-m", "giveback"]


def giveback(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GIVEBACK, *args], capture_output=True, text=True, timeout=120, check=False, env=os.environ.copy()
    )


async def person(email: str, name: str, roles: list[str], *, confirmed: bool = True) -> int:
    row = await Person.insert(
        Person(
            email=email,
            name=name,
            password_hash=await hash_password(PASSWORD),
            email_confirmed_at=datetime.now(UTC) if confirmed else None,
        )
    )
    await RoleGrant.insert(*[RoleGrant(person=row[0]["id"], role=role) for role in roles])
    return int(row[0]["id"])


async def roles_of(person_id: int) -> set[str]:
    return {r["role"] for r in await RoleGrant.select(RoleGrant.role).where(RoleGrant.person == person_id)}


async def test_list_filters_by_role_text_and_state() -> None:
    await person("ada@example.org", "Ada Admin", ["admin"])
    await person("zoë@example.org", "Zoë Ōkubo", ["volunteer", "host"])
    await person("new@example.org", "Nadia New", ["volunteer"], confirmed=False)

    everyone = giveback("people", "list")
    assert everyone.returncode == 0, everyone.stderr
    lines = everyone.stdout.splitlines()
    assert lines[0].split() == ["id", "name", "e-mail", "roles", "state"]
    names = [line for line in lines if "@example.org" in line]
    assert [n.split("  ")[1].strip() for n in names][:3] == ["Ada Admin", "Nadia New", "Zoë Ōkubo"]
    assert "volunteer, host" in everyone.stdout
    volunteers = giveback("people", "list", "--role", "volunteer", "--state", "active")
    assert "Zoë Ōkubo" in volunteers.stdout
    assert "Nadia New" not in volunteers.stdout
    assert "Ada Admin" not in volunteers.stdout
    assert "Zoë Ōkubo" in giveback("people", "list", "--search", "zoë@").stdout
    assert giveback("people", "list", "--search", "no such text").stdout.strip() == "nobody matches"


async def test_grant_and_revoke_change_roles_end_sessions_and_are_audited() -> None:
    carla = await person("carla@example.org", "Carla", ["volunteer"])
    raw = await start_session(carla)

    granted = giveback("people", "grant", "CARLA@example.org", "coordinator", "host")
    assert granted.returncode == 0, granted.stderr
    assert "Carla <carla@example.org> now holds: volunteer, host, coordinator" in granted.stdout
    assert await roles_of(carla) == {"volunteer", "coordinator", "host"}
    assert await load_session(raw) is None  # a role change ends the sessions
    again = giveback("people", "grant", str(carla), "coordinator")
    assert again.returncode == 0
    revoked = giveback("people", "revoke", "carla@example.org", "host")
    assert revoked.returncode == 0, revoked.stderr
    assert await roles_of(carla) == {"volunteer", "coordinator"}
    actions = [
        row["action"] for row in await AuditEvent.select(AuditEvent.action).where(AuditEvent.subject_id == carla)
    ]
    assert actions.count("account.roles_changed") == 2


async def test_bad_input_exits_2_naming_the_problem_and_changes_nothing() -> None:
    only_admin = await person("boss@example.org", "Boss", ["admin"])
    volunteer = await person("vera@example.org", "Vera", ["volunteer"])
    cases = [
        (("people", "grant", "nobody@example.org", "host"), "no account has the e-mail address nobody@example.org"),
        (("people", "grant", "vera@example.org", "pilot"), "'pilot' is not one of"),
        (("people", "revoke", "vera@example.org", "admin"), "does not hold the role admin"),
        (("people", "revoke", "boss@example.org", "admin"), "only admin"),
        (("people", "disable", "boss@example.org", "--reason", "test"), "only admin"),
    ]
    for args, words in cases:
        result = giveback(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert words in result.stderr, (args, result.stderr)
    assert await roles_of(only_admin) == {"admin"}
    assert await roles_of(volunteer) == {"volunteer"}


async def test_a_disabled_account_cannot_log_in_until_enabled(client: httpx.AsyncClient) -> None:
    vera = await person("vera@example.org", "Vera", ["volunteer"])
    raw = await start_session(vera)
    disabled = giveback("people", "disable", "vera@example.org", "--reason", "left the program")
    assert disabled.returncode == 0, disabled.stderr
    assert await load_session(raw) is None
    refused = await client.post("/api/auth/login", json={"email": "vera@example.org", "password": PASSWORD})
    assert refused.status_code == 403
    assert "disabled" in refused.json()["detail"]
    assert giveback("people", "disable", "vera@example.org", "--reason", "again").returncode == 2
    assert "disabled" in giveback("people", "list", "--state", "disabled").stdout
    assert giveback("people", "enable", "vera@example.org").returncode == 0
    allowed = await client.post("/api/auth/login", json={"email": "vera@example.org", "password": PASSWORD})
    assert allowed.status_code == 201
