"""``giveback people``: list people, grant and revoke roles, disable and enable accounts, from the command line.

Bad input (an unknown address, a role that does not exist, a rule that says no) stops with one line naming what
is wrong and exit status 2, and changes nothing. Actions are recorded in the audit log as done by the platform.
"""

from __future__ import annotations

from typing import Any

import click

from giveback.commands import run_checked, table

ROLE_CHOICE = click.Choice(["volunteer", "host", "coordinator", "admin"])


@click.group()
def people() -> None:
    """People and their roles."""


@people.command("list")
@click.option("--search", default="", help="Text in the name or e-mail address.")
@click.option("--role", type=ROLE_CHOICE, help="Only people with this role.")
@click.option("--state", type=click.Choice(["active", "unconfirmed", "disabled"]), help="Only people in this state.")
def list_people(search: str, role: str | None, state: str | None) -> None:
    """List people (by name) with their roles and the state of their account."""
    from giveback.admin.schemas import PeopleQuery
    from giveback.admin.services import people as people_page
    from giveback.db.keyset import MAX_PAGE_SIZE

    async def everyone() -> list[Any]:
        found: list[Any] = []
        cursor = None
        while True:
            page = await people_page(
                PeopleQuery(search=search, role=role or "", state=state or "", cursor=cursor, limit=MAX_PAGE_SIZE)  # type: ignore[arg-type]
            )
            found.extend(page.items)
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    found = run_checked(everyone)
    if not found:
        click.echo("nobody matches")
        return
    rows = [("id", "name", "e-mail", "roles", "state")]
    for person in found:
        condition = "disabled" if person.disabled else ("active" if person.email_confirmed else "unconfirmed")
        rows.append((str(person.id), person.name, person.email, ", ".join(person.roles) or "-", condition))
    click.echo(table(rows))
    click.echo(f"{len(found)} {'person' if len(found) == 1 else 'people'}")


@people.command("grant")
@click.argument("person")
@click.argument("roles", nargs=-1, required=True, type=ROLE_CHOICE)
def grant(person: str, roles: tuple[str, ...]) -> None:
    """Give PERSON (an e-mail address or id) one or more ROLES; their sessions end."""
    from giveback.admin.services import find_person, grant_roles

    async def work() -> Any:
        return await grant_roles(None, await find_person(person), list(roles))  # type: ignore[arg-type]

    out = run_checked(work)
    click.echo(f"{out.name} <{out.email}> now holds: {_roles(out.roles)}")


@people.command("revoke")
@click.argument("person")
@click.argument("roles", nargs=-1, required=True, type=ROLE_CHOICE)
def revoke(person: str, roles: tuple[str, ...]) -> None:
    """Take ROLES away from PERSON (an e-mail address or id); their sessions end."""
    from giveback.admin.services import find_person, revoke_roles

    async def work() -> Any:
        return await revoke_roles(None, await find_person(person), list(roles))  # type: ignore[arg-type]

    out = run_checked(work)
    click.echo(f"{out.name} <{out.email}> now holds: {_roles(out.roles) or 'no role'}")


@people.command("disable")
@click.argument("person")
@click.option("--reason", required=True, help="Why (kept in the audit log).")
def disable(person: str, reason: str) -> None:
    """Disable PERSON's account: no log-in, sessions and calendar feeds ended, out of directories and matching."""
    from giveback.admin.services import disable_account, find_person

    async def work() -> Any:
        return await disable_account(None, await find_person(person), reason)

    out = run_checked(work)
    click.echo(f"disabled {out.name} <{out.email}>")


@people.command("enable")
@click.argument("person")
def enable(person: str) -> None:
    """Let PERSON's disabled account log in again."""
    from giveback.admin.services import enable_account, find_person

    async def work() -> Any:
        return await enable_account(None, await find_person(person))

    out = run_checked(work)
    click.echo(f"enabled {out.name} <{out.email}>")


def _roles(roles: list[str]) -> str:
    from giveback.accounts.schemas import ROLES

    return ", ".join(sorted(roles, key=ROLES.index))
