"""Search across the program for coordinators: people by name or e-mail address, organizations by name, host
requests by title or organization, trips by request, organization or traveller. Text matches ignore case."""

from __future__ import annotations

from typing import Any

from giveback.accounts.schemas import ROLES
from giveback.accounts.tables import Person, RoleGrant
from giveback.db.keyset import SortKey, keyset_page, page_size
from giveback.db.search import contains_text
from giveback.errors import InvalidInput
from giveback.hosts.tables import HostRequest
from giveback.i18n import _
from giveback.organizations.tables import Organization
from giveback.search.schemas import (
    SEARCH_KINDS,
    Hit,
    OrganizationHit,
    PersonHit,
    RequestHit,
    SearchGroup,
    SearchKind,
    TripHit,
)
from giveback.trips.tables import Trip, TripMember

FIRST_HITS = 10
MIN_TEXT = 2
MAX_TEXT = 200


def _checked(text: str) -> str:
    text = text.strip()
    if len(text) < MIN_TEXT:
        raise InvalidInput(_("type at least %(count)s characters to search", count=MIN_TEXT), field="q")
    if len(text) > MAX_TEXT:
        raise InvalidInput(_("search with at most %(count)s characters", count=MAX_TEXT), field="q")
    return text


async def search(text: str) -> list[SearchGroup]:
    """The first hits of every kind."""
    text = _checked(text)
    return [await search_kind(text, kind, limit=FIRST_HITS) for kind in SEARCH_KINDS]


async def search_kind(
    text: str, kind: SearchKind, *, cursor: str | None = None, limit: int | None = None
) -> SearchGroup:
    """One page of the hits of one kind."""
    text = _checked(text)
    size = page_size(limit)
    if kind == "people":
        return await _people(text, cursor, size)
    if kind == "organizations":
        return await _organizations(text, cursor, size)
    if kind == "requests":
        return await _requests(text, cursor, size)
    return await _trips(text, cursor, size)


def _matching_people(text: str) -> Any:
    return Person.select(Person.id).where(
        Person.deleted_at.is_null() & (contains_text(Person.name, text) | contains_text(Person.email, text))
    )


def _matching_organizations(text: str) -> Any:
    return Organization.select(Organization.id).where(
        contains_text(Organization.name, text) | contains_text(Organization.short_name, text)
    )


async def _people(text: str, cursor: str | None, limit: int) -> SearchGroup:
    query = Person.select(Person.id, Person.name, Person.email).where(
        Person.deleted_at.is_null() & (contains_text(Person.name, text) | contains_text(Person.email, text))
    )
    rows, next_cursor = await keyset_page(
        query, key=SortKey.lowered(Person.name), id_column=Person.id, cursor=cursor, limit=limit
    )
    ids = [int(row["id"]) for row in rows]
    roles: dict[int, list[str]] = {person_id: [] for person_id in ids}
    if ids:
        for grant in await RoleGrant.select(RoleGrant.person, RoleGrant.role).where(RoleGrant.person.is_in(ids)):
            roles[int(grant["person"])].append(grant["role"])
    hits = [
        PersonHit(
            id=int(row["id"]),
            name=row["name"],
            email=row["email"],
            roles=sorted(roles[int(row["id"])], key=ROLES.index),
        )
        for row in rows
    ]
    return SearchGroup(kind="people", hits=list[Hit](hits), next_cursor=next_cursor)


async def _organizations(text: str, cursor: str | None, limit: int) -> SearchGroup:
    query = Organization.select(
        Organization.id, Organization.name, Organization.short_name, Organization.country
    ).where(contains_text(Organization.name, text) | contains_text(Organization.short_name, text))
    rows, next_cursor = await keyset_page(
        query, key=SortKey.lowered(Organization.name), id_column=Organization.id, cursor=cursor, limit=limit
    )
    hits = [
        OrganizationHit(id=int(r["id"]), name=r["name"], short_name=r["short_name"], country=r["country"]) for r in rows
    ]
    return SearchGroup(kind="organizations", hits=list[Hit](hits), next_cursor=next_cursor)


async def _requests(text: str, cursor: str | None, limit: int) -> SearchGroup:
    query = HostRequest.select(
        HostRequest.id, HostRequest.title, HostRequest.status, HostRequest.organization.name
    ).where(contains_text(HostRequest.title, text) | HostRequest.organization.is_in(_matching_organizations(text)))
    rows, next_cursor = await keyset_page(
        query,
        key=SortKey.column(HostRequest.id, int),
        id_column=HostRequest.id,
        descending=True,
        cursor=cursor,
        limit=limit,
    )
    hits = [
        RequestHit(id=int(r["id"]), title=r["title"], organization=r["organization.name"], status=r["status"])
        for r in rows
    ]
    return SearchGroup(kind="requests", hits=list[Hit](hits), next_cursor=next_cursor)


async def _trips(text: str, cursor: str | None, limit: int) -> SearchGroup:
    travelling = TripMember.select(TripMember.trip).where(TripMember.person.is_in(_matching_people(text)))
    matching_requests = HostRequest.select(HostRequest.id).where(
        contains_text(HostRequest.title, text) | HostRequest.organization.is_in(_matching_organizations(text))
    )
    query = Trip.select(
        Trip.id, Trip.start, Trip.end, Trip.status, Trip.request._.title, Trip.request._.organization._.name
    ).where(Trip.request.is_in(matching_requests) | Trip.id.is_in(travelling))
    rows, next_cursor = await keyset_page(
        query, key=SortKey.column(Trip.id, int), id_column=Trip.id, descending=True, cursor=cursor, limit=limit
    )
    ids = [int(row["id"]) for row in rows]
    members: dict[int, list[str]] = {trip_id: [] for trip_id in ids}
    if ids:
        for member in (
            await TripMember.select(TripMember.trip, TripMember.person.name)
            .where(TripMember.trip.is_in(ids))
            .order_by(TripMember.id)
        ):
            members[int(member["trip"])].append(member["person.name"])
    hits = [
        TripHit(
            id=int(r["id"]),
            title=r["request.title"],
            organization=r["request.organization.name"],
            start=r["start"],
            end=r["end"],
            status=r["status"],
            members=members[int(r["id"])],
        )
        for r in rows
    ]
    return SearchGroup(kind="trips", hits=list[Hit](hits), next_cursor=next_cursor)
