"""What the trips domain tells calendars: trips as ``TripFacts`` (for invites) and the trips each feed shows."""

from __future__ import annotations

from typing import Any

from giveback.calendars.events import Participant, TripFacts
from giveback.hosts.tables import HostRequest, OrganizationClaim
from giveback.organizations.tables import Organization
from giveback.trips.tables import Trip, TripMember

# Trips that appear in feeds: the live ones, and cancelled ones as STATUS:CANCELLED (never looking active).
FEED_STATUSES = ("approved", "invited", "confirmed", "in_progress", "completed", "reported", "postponed", "cancelled")


async def trip_facts(trip_ids: list[int]) -> list[TripFacts]:
    """The trips (first day first) with their request, host organization, volunteers and host contacts."""
    if not trip_ids:
        return []
    trips = await Trip.select().where(Trip.id.is_in(trip_ids)).order_by(Trip.start).order_by(Trip.id)
    requests = {
        int(r["id"]): r
        for r in await HostRequest.select(
            HostRequest.id, HostRequest.title, HostRequest.organization, HostRequest.country
        ).where(HostRequest.id.is_in(sorted({int(t["request"]) for t in trips})))
    }
    organization_ids = sorted({int(r["organization"]) for r in requests.values()})
    organizations = {
        int(o["id"]): o
        for o in await Organization.select(Organization.id, Organization.name, Organization.short_name).where(
            Organization.id.is_in(organization_ids or [-1])
        )
    }
    members = await TripMember.select(
        TripMember.id,
        TripMember.trip,
        TripMember.person,
        TripMember.response,
        TripMember.person.email.as_alias("email"),
        TripMember.person.name.as_alias("name"),
    ).where(TripMember.trip.is_in(trip_ids))
    volunteers: dict[int, list[Participant]] = {}
    for member in sorted(members, key=lambda m: m["id"]):
        volunteers.setdefault(int(member["trip"]), []).append(
            Participant(
                person_id=int(member["person"]),
                name=member["name"] or "",
                email=member["email"] or "",
                member_id=int(member["id"]),
                response=member["response"],
            )
        )
    contacts = {organization_id: await host_contacts(organization_id) for organization_id in organization_ids}
    return [_facts(trip, requests[int(trip["request"])], organizations, volunteers, contacts) for trip in trips]


def _facts(
    trip: dict[str, Any],
    request: dict[str, Any],
    organizations: dict[int, dict[str, Any]],
    volunteers: dict[int, list[Participant]],
    contacts: dict[int, list[Participant]],
) -> TripFacts:
    organization_id = int(request["organization"])
    organization = organizations.get(organization_id, {"name": "", "short_name": ""})
    return TripFacts(
        trip_id=int(trip["id"]),
        uid=trip["uid"],
        sequence=int(trip["sequence"]),
        first_day=trip["start"],
        last_day=trip["end"],
        status=trip["status"],
        title=request["title"],
        organization_id=organization_id,
        organization_name=organization["name"],
        organization_short_name=organization["short_name"] or "",
        country=request["country"],
        created=trip["created_at"],
        changed=trip["updated_at"],
        volunteers=volunteers.get(int(trip["id"]), []),
        contacts=contacts.get(organization_id, []),
        undated=bool(trip["undated"]),
    )


async def host_contacts(organization_id: int) -> list[Participant]:
    """The approved contacts of an organization (accounts not deleted), in person id order."""
    rows = await OrganizationClaim.select(
        OrganizationClaim.person.as_alias("person"),
        OrganizationClaim.person.email.as_alias("email"),
        OrganizationClaim.person.name.as_alias("name"),
    ).where(
        (OrganizationClaim.organization == organization_id)
        & (OrganizationClaim.status == "approved")
        & OrganizationClaim.person.deleted_at.is_null()
    )
    unique = {int(row["person"]): row for row in rows}
    return [Participant(person_id=key, name=unique[key]["name"], email=unique[key]["email"]) for key in sorted(unique)]


async def feed_trips(kind: str, person_id: int, organization_id: int | None) -> list[TripFacts]:
    """The trips a feed shows: all (program), an organization's visits, or a person's own places."""
    statuses = list(FEED_STATUSES)
    if kind == "program":
        rows = await Trip.select(Trip.id).where(Trip.status.is_in(statuses))
    elif kind == "organization":
        rows = await Trip.select(Trip.id).where(
            Trip.status.is_in(statuses) & (Trip.request.organization == organization_id)
        )
    else:
        rows = await TripMember.select(TripMember.trip.as_alias("id")).where(
            (TripMember.person == person_id)
            & (TripMember.response != "declined")
            & TripMember.trip.status.is_in(statuses)
        )
    return await trip_facts(sorted({int(row["id"]) for row in rows}))
