"""What every domain's command line shares: the settings from the environment, a database that is ready, domain
errors as one line with exit status 2, aligned tables, and the coordinator or admin named with ``--as``.

``giveback.cli`` puts the commands together; a domain's ``commands.py`` (``admin``, ``rounds``…) uses these and
never ``giveback.cli`` itself, so that the domains' one-way imports hold on the command line too.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import click

from giveback.db.connection import connected
from giveback.settings import Settings, SettingsError

T = TypeVar("T")

SETTINGS_EXIT_CODE = 2


def load_settings() -> Settings:
    """The settings from the environment, or one line naming the bad variable and exit status 2."""
    try:
        return Settings.from_env()
    except SettingsError as problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(SETTINGS_EXIT_CODE)


def ensure_database_ready(settings: Settings) -> None:
    """Stop with one line when the database cannot be reached or lacks migrations."""
    from giveback.db.migrations import DatabaseNotReady, check_ready

    async def check() -> None:
        async with connected(settings.database_url) as engine:
            await check_ready(engine)

    try:
        asyncio.run(check())
    except DatabaseNotReady as problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(1)
    except Exception as problem:
        click.echo(f"error: GIVEBACK_DATABASE_URL: cannot reach the database ({problem})", err=True)
        sys.exit(1)


def run_with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work()`` with the tables bound to the settings' database."""

    async def run() -> T:
        async with connected(settings.database_url):
            return await work()

    return asyncio.run(run())


def run_checked(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work()`` against the configured database; a domain error becomes exit status 2 naming its field."""
    from giveback.errors import DomainError

    settings = load_settings()
    ensure_database_ready(settings)
    try:
        return run_with_database(settings, work)
    except DomainError as problem:
        raise click.UsageError(f"{problem.field}: {problem.message}" if problem.field else problem.message) from None


def table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as aligned columns, the first row the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


async def acting_as(who: str) -> Any:
    """The coordinator or admin a command-line action is recorded for (``--as``: an e-mail address or an id), as
    a ``SignedIn``."""
    from giveback.accounts import services as accounts
    from giveback.accounts.sessions import SignedIn
    from giveback.accounts.tables import Person
    from giveback.errors import NotFound, PermissionDenied
    from giveback.i18n import _

    text = who.strip()
    found = Person.id == int(text) if text.isdigit() else Person.email == accounts.normalize_email(text)
    row = await Person.select(Person.id).where(found & Person.deleted_at.is_null()).first()
    if row is None:
        raise NotFound(_("no account has the e-mail address %(email)s", email=text), field="as")
    person = await accounts.person_out(int(row["id"]))
    if not {"coordinator", "admin"} & set(person.roles):
        raise PermissionDenied(_("%(name)s is neither a coordinator nor an admin", name=person.name), field="as")
    return SignedIn(
        session_id=0,
        person_id=person.id,
        email=person.email,
        name=person.name,
        roles=frozenset(person.roles),
        csrf_token="",
    )
