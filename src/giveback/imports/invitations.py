"""Inviting the people an import made accounts for: until a coordinator asks, nobody is e-mailed.

An imported account has no password. Its owner claims it through "forgot password" (the reset link proves the
address and confirms it). The invitation says so and leads there; it goes out through the outbox, once per
person: pressing the button again invites only those imported since.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from giveback.accounts.services import audit, recipients
from giveback.accounts.sessions import SignedIn
from giveback.accounts.tables import Person
from giveback.db.engine import locked, write_transaction
from giveback.errors import PermissionDenied
from giveback.i18n import _
from giveback.imports.schemas import InvitationsOut
from giveback.imports.tables import ImportedAccount
from giveback.mail.outbox import queue_templated
from giveback.settings import Settings


def _now() -> datetime:
    return datetime.now(UTC)


async def _accounts() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await ImportedAccount.select(
        ImportedAccount.id,
        ImportedAccount.person,
        ImportedAccount.invited_at,
        ImportedAccount.person.email.as_alias("email"),
        ImportedAccount.person.name.as_alias("name"),
        ImportedAccount.person.password_hash.as_alias("password_hash"),
        ImportedAccount.person.deleted_at.as_alias("deleted_at"),
    )
    return [row for row in rows if row["deleted_at"] is None]


async def counts() -> InvitationsOut:
    """How many imported accounts wait for an invitation, were invited and not claimed yet, and were claimed."""
    rows = await _accounts()
    claimed = [row for row in rows if row["password_hash"]]
    unclaimed = [row for row in rows if not row["password_hash"]]
    return InvitationsOut(
        invited=sum(1 for row in unclaimed if row["invited_at"] is not None),
        waiting=sum(1 for row in unclaimed if row["invited_at"] is None),
        claimed=len(claimed),
    )


def _claim_link(settings: Settings, email: str) -> str:
    return f"{settings.base_url.rstrip('/')}/forgot-password?email={quote(email)}"


async def invite_all(user: SignedIn, *, settings: Settings) -> InvitationsOut:
    """Queue one invitation for every imported account not claimed and not invited yet, in one transaction."""
    if not user.has("coordinator"):
        raise PermissionDenied(_("only a coordinator invites imported volunteers"), field="role")
    async with write_transaction(ImportedAccount._meta.db):
        waiting = [
            row
            for row in await locked(
                ImportedAccount.select(ImportedAccount.id, ImportedAccount.person).where(
                    ImportedAccount.invited_at.is_null()
                )
            )
        ]
        unclaimed = {
            int(row["id"])
            for row in await Person.select(Person.id).where(
                Person.id.is_in([int(row["person"]) for row in waiting] or [-1]) & (Person.password_hash == "")
            )
        }
        people = {p.person_id: p for p in await recipients(int(row["person"]) for row in waiting)}
        invited = []
        for row in waiting:
            person = people.get(int(row["person"]))
            if person is None or person.person_id not in unclaimed:
                continue  # deleted since, or claimed already: nothing to send
            await queue_templated(
                settings=settings,
                message_name="account-invitation",
                to=[person],
                values={"email": person.email, "link": _claim_link(settings, person.email)},
                kind="invitation",
                about=f"person:{person.person_id}",
            )
            invited.append(int(row["id"]))
        if invited:
            await ImportedAccount.update({ImportedAccount.invited_at: _now()}).where(ImportedAccount.id.is_in(invited))
        await audit(user.person_id, "import.invited", "import", None, invited=len(invited))
    return await counts()
