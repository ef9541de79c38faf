"""What the administration pages and API read and return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from giveback.accounts.schemas import Role

PersonState = Literal["active", "unconfirmed", "disabled"]
PeopleSort = Literal["name", "-name", "email", "-email", "newest", "oldest"]
PERSON_STATES: tuple[PersonState, ...] = ("active", "unconfirmed", "disabled")
PEOPLE_SORTS: tuple[PeopleSort, ...] = ("name", "-name", "email", "-email", "newest", "oldest")


class PersonAdminOut(msgspec.Struct, kw_only=True):
    """A person as an admin sees them."""

    id: int
    email: str
    name: str
    roles: list[str]
    email_confirmed: bool
    disabled: bool
    joined: datetime


class PeopleQuery(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Which people to list: text in the name or e-mail address, a role, a state, the order, and the page."""

    search: Annotated[str, msgspec.Meta(max_length=200)] = ""
    role: Role | Literal[""] = ""
    state: PersonState | Literal[""] = ""
    sort: PeopleSort = "name"
    cursor: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    limit: int | None = None


class RoleGrantIn(msgspec.Struct, forbid_unknown_fields=True):
    role: Role


class DisableIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class AuditEventOut(msgspec.Struct, kw_only=True):
    """One entry of the audit log: who did what to which record, when, and the details recorded."""

    id: int
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    record_type: str
    record_id: int | None
    record: str
    """The record's name (a person's, a round's, a request's title …), or its kind."""
    details: dict[str, Any]


class AuditQuery(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Which audit entries to list (newest first): by or about a person, about a record, an action (a prefix such
    as ``trip.`` takes every trip action), and a range of days (UTC, both included)."""

    person: Annotated[int, msgspec.Meta(ge=1)] | None = None
    record_type: Annotated[str, msgspec.Meta(max_length=40, pattern=r"^[a-z_]*$")] = ""
    record_id: Annotated[int, msgspec.Meta(ge=1)] | None = None
    action: Annotated[str, msgspec.Meta(max_length=60, pattern=r"^[a-z_.]*$")] = ""
    since: date | None = None
    until: date | None = None
    cursor: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    limit: int | None = None
