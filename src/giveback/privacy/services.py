"""Export and erase a person's data.

Deleting an account erases the person's details, profile, windows, CV, claims and sessions, but keeps
their trips in the program's history: the trip rows then point at an anonymous person.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from giveback.accounts.passwords import verify_password
from giveback.accounts.services import audit, forget_account_secrets, person_out
from giveback.accounts.tables import AccountToken, AuditEvent, Person, RoleGrant, WebSession
from giveback.db.engine import locked, write_transaction
from giveback.errors import InvalidInput, NotFound
from giveback.hosts.services import delete_host_data, organization_data_for
from giveback.i18n import _
from giveback.trips.checklist import delete_travel_data, travel_data
from giveback.trips.tables import TripMember
from giveback.volunteers.services import delete_volunteer_data, volunteer_data

DELETED_NAME = "Former participant"


async def export_personal_data(person_id: int) -> dict[str, Any]:
    """Everything stored about the person, as JSON-ready data."""
    account = await person_out(person_id)
    trips = await TripMember.select(
        TripMember.trip.id,
        TripMember.trip.start,
        TripMember.trip.end,
        TripMember.trip.status,
        TripMember.response,
        TripMember.trip._.request._.title,
    ).where(TripMember.person == person_id)
    events = (
        await AuditEvent.select(AuditEvent.at, AuditEvent.action, AuditEvent.subject_type, AuditEvent.subject_id)
        .where(AuditEvent.actor == person_id)
        .order_by(AuditEvent.at)
    )
    return {
        "format": "giveback-personal-data/1",
        "exported_at": datetime.now(UTC).isoformat(),
        "account": {
            "id": account.id,
            "email": account.email,
            "name": account.name,
            "roles": account.roles,
            "email_confirmed": account.email_confirmed,
        },
        "volunteer": await volunteer_data(person_id),
        "host": await organization_data_for(person_id),
        "trips": [
            {
                "trip": row["trip.id"],
                "request": row["trip.request.title"],
                "start": row["trip.start"].isoformat(),
                "end": row["trip.end"].isoformat(),
                "status": row["trip.status"],
                "response": row["response"],
            }
            for row in trips
        ],
        "travel": await travel_data(person_id),
        "activity": [
            {
                "at": row["at"].isoformat(),
                "action": row["action"],
                "subject": f"{row['subject_type']}:{row['subject_id']}",
            }
            for row in events
        ],
    }


async def delete_account(person_id: int, password: str) -> None:
    """Erase the account after the password is confirmed; trips stay, without the person's details."""
    row = (
        await Person.select(Person.password_hash, Person.email)
        .where((Person.id == person_id) & Person.deleted_at.is_null())
        .first()
    )
    if row is None:
        raise NotFound(_("no person %(person_id)s", person_id=person_id), field="person_id")
    if not await verify_password(row["password_hash"], password):
        raise InvalidInput(_("the password is wrong"), field="password")
    async with write_transaction(Person._meta.db):
        await locked(Person.select(Person.id).where(Person.id == person_id)).run()
        await delete_volunteer_data(person_id)
        await delete_host_data(person_id)
        await delete_travel_data(person_id)
        await WebSession.delete().where(WebSession.person == person_id)
        await AccountToken.delete().where(AccountToken.person == person_id)
        await forget_account_secrets(person_id, row["email"])
        await RoleGrant.delete().where(RoleGrant.person == person_id)
        await Person.update(
            {
                Person.email: f"deleted-{person_id}@deleted.invalid",
                Person.name: DELETED_NAME,
                Person.password_hash: "",
                Person.email_confirmed_at: None,
                Person.deleted_at: datetime.now(UTC),
            }
        ).where(Person.id == person_id)
        await audit(None, "account.deleted", "person", person_id)
