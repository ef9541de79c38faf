"""The program as the spreadsheet format sees it: one record per row, read from the database.

The export writes these records; the import compares each row it reads with the record of the same
organization, volunteer, request, trip or report, so "unchanged" means exactly "the export would write this".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

from piccolo.table import Table

from giveback.accounts.tables import Person, RoleGrant
from giveback.hosts.tables import HostingWindow, HostRequest, RequestNeed
from giveback.imports.tables import ExternalId
from giveback.organizations.tables import Organization
from giveback.trips.lifecycle import RECORDED
from giveback.trips.report_tables import TripEvent, TripReport
from giveback.trips.tables import Trip, TripMember
from giveback.volunteers.tables import AvailabilityWindow, Expertise, VolunteerProfile

T = TypeVar("T")
OPEN_REQUEST_STATUSES = ("draft", "submitted", "accepted")
PAST_TRIP_STATUSES = ("completed", "reported", "cancelled")
CHUNK = 2000
Window = tuple[date, date]


@dataclass(frozen=True)
class OrganizationRecord:
    id: int
    name: str
    short_name: str
    country: str | None
    kind: str
    website: str


@dataclass(frozen=True)
class VolunteerRecord:
    email: str
    name: str
    institution: str
    country: str | None
    career_stage: str
    expertise: tuple[tuple[str, int], ...]  # by slug
    languages: tuple[str, ...]
    trips_per_year: int
    max_advisory_level: int
    excluded_countries: tuple[str, ...]
    preferred_regions: tuple[str, ...]
    directory_opt_in: bool
    bio: str
    windows: tuple[Window, ...]  # typed-in availability, in date order


@dataclass(frozen=True)
class RequestRecord:
    external_id: str
    organization: str  # the organization's name
    title: str
    needs: tuple[tuple[str, int], ...]  # the primary need first, then by slug
    languages: tuple[str, ...]
    duration_days: int
    team_size: int
    window: Window
    preferred: Window | None
    priority: bool
    advisory_level: int
    provides: tuple[str, ...]
    notes: str
    status: str


@dataclass(frozen=True)
class TripRecord:
    external_id: str
    organization: str
    start: date
    end: date
    volunteers: frozenset[str]  # e-mail addresses
    topics: tuple[str, ...]  # the primary topic first, then by slug
    status: str
    notes: str


@dataclass(frozen=True)
class ReportRecord:
    trip: str  # the trip's external id
    kind: str
    lectures: int
    lecture_hours: int
    physicians: int
    trainees: int
    nurses: int
    technologists: int
    rating_overall: int
    rating_teaching: int
    rating_logistics: int
    comments: str


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def _rows_in(table: type[Table], column: Any, values: Iterable[Any], *columns: Any) -> list[dict[str, Any]]:
    """Rows whose column is one of the values, queried in chunks (no statement grows without bound)."""
    wanted = sorted(set(values))
    rows: list[dict[str, Any]] = []
    for part in chunks(wanted):
        rows.extend(await table.select(*columns).where(column.is_in(list(part))))
    return rows


def ordered_needs(pairs: Iterable[tuple[str, int]], primary: str) -> tuple[tuple[str, int], ...]:
    listed = dict(pairs)
    first = [(primary, listed[primary])] if primary in listed else []
    return (*first, *sorted((slug, weight) for slug, weight in listed.items() if slug != primary))


def ordered_topics(topics: Iterable[str], primary: str) -> tuple[str, ...]:
    listed = set(topics)
    first = [primary] if primary in listed else []
    return (*first, *sorted(listed - {primary}))


# --- organizations ----------------------------------------------------------------------------------------------


async def organizations() -> list[OrganizationRecord]:
    rows = await Organization.select(
        Organization.id,
        Organization.name,
        Organization.short_name,
        Organization.country,
        Organization.kind,
        Organization.website,
    ).order_by(Organization.name)
    return [
        OrganizationRecord(
            id=int(row["id"]),
            name=row["name"],
            short_name=row["short_name"] or "",
            country=row["country"],
            kind=row["kind"] or "society",
            website=row["website"] or "",
        )
        for row in rows
    ]


# --- volunteers -------------------------------------------------------------------------------------------------


async def people_by_email(emails: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Current (not deleted) people with these addresses: id, name, whether they have a password."""
    rows = await _rows_in(
        Person, Person.email, emails, Person.id, Person.email, Person.name, Person.password_hash, Person.deleted_at
    )
    return {row["email"]: row for row in rows if row["deleted_at"] is None}


async def volunteers(person_ids: Sequence[int] | None = None) -> dict[int, VolunteerRecord]:
    """The volunteer records of these people (all current volunteers when None), by person id."""
    columns = (
        *VolunteerProfile.all_columns(exclude=[VolunteerProfile.calendar_url]),
        VolunteerProfile.person.email.as_alias("email"),
        VolunteerProfile.person.name.as_alias("name"),
        VolunteerProfile.person.deleted_at.as_alias("deleted_at"),
    )
    if person_ids is None:
        profiles = await VolunteerProfile.select(*columns)
    else:
        profiles = await _rows_in(VolunteerProfile, VolunteerProfile.person, person_ids, *columns)
    profiles = [row for row in profiles if row["deleted_at"] is None]
    profile_ids = [int(row["id"]) for row in profiles]
    expertise: dict[int, list[tuple[str, int]]] = {}
    for row in await _rows_in(
        Expertise, Expertise.profile, profile_ids, Expertise.profile, Expertise.topic, Expertise.proficiency
    ):
        expertise.setdefault(int(row["profile"]), []).append((row["topic"], int(row["proficiency"])))
    windows: dict[int, list[Window]] = {}
    for row in await _rows_in(
        AvailabilityWindow,
        AvailabilityWindow.profile,
        profile_ids,
        AvailabilityWindow.profile,
        AvailabilityWindow.start,
        AvailabilityWindow.end,
        AvailabilityWindow.source,
    ):
        if row["source"] == "manual":
            windows.setdefault(int(row["profile"]), []).append((row["start"], row["end"]))
    return {
        int(row["person"]): VolunteerRecord(
            email=row["email"],
            name=row["name"],
            institution=row["institution"] or "",
            country=row["country"],
            career_stage=row["career_stage"],
            expertise=tuple(sorted(expertise.get(int(row["id"]), []))),
            languages=tuple(row["languages"] or ()),
            trips_per_year=int(row["trips_per_year"]),
            max_advisory_level=int(row["max_advisory_level"]),
            excluded_countries=tuple(row["excluded_countries"] or ()),
            preferred_regions=tuple(row["preferred_regions"] or ()),
            directory_opt_in=bool(row["directory_opt_in"]),
            bio=row["bio"] or "",
            windows=tuple(sorted(windows.get(int(row["id"]), []))),
        )
        for row in profiles
    }


# --- external ids -----------------------------------------------------------------------------------------------


def own_request_id(request_id: int, base_url: str) -> str:
    """The id the export gives a request made on the platform: unique to this installation."""
    return f"request-{request_id}@{urlsplit(base_url).hostname or 'giveback.local'}"


def parse_own_request_id(external_id: str, base_url: str) -> int | None:
    suffix = f"@{urlsplit(base_url).hostname or 'giveback.local'}"
    if external_id.startswith("request-") and external_id.endswith(suffix):
        number = external_id[len("request-") : -len(suffix)]
        return int(number) if number.isdigit() else None
    return None


async def external_ids(kind: str, record_ids: Iterable[int] | None = None) -> dict[int, str]:
    """The program's own ids of requests or trips, by record id (the ones imported with one)."""
    query = ExternalId.select(ExternalId.record_id, ExternalId.external_id).where(ExternalId.kind == kind)
    if record_ids is None:
        rows = await query
    else:
        rows = await _rows_in(
            ExternalId, ExternalId.record_id, record_ids, ExternalId.record_id, ExternalId.external_id, ExternalId.kind
        )
        rows = [row for row in rows if row["kind"] == kind]
    return {int(row["record_id"]): row["external_id"] for row in rows}


async def records_named(kind: str, names: Iterable[str]) -> dict[str, int]:
    """Record ids by the program's own ids."""
    rows = await _rows_in(
        ExternalId, ExternalId.external_id, names, ExternalId.record_id, ExternalId.external_id, ExternalId.kind
    )
    return {row["external_id"]: int(row["record_id"]) for row in rows if row["kind"] == kind}


# --- requests ---------------------------------------------------------------------------------------------------


async def requests(request_ids: Sequence[int] | None, base_url: str) -> dict[int, RequestRecord]:
    """Records of these requests (every open request when None), by request id."""
    columns = (
        *HostRequest.all_columns(),
        HostRequest.organization.name.as_alias("organization_name"),
    )
    if request_ids is None:
        rows = await HostRequest.select(*columns).where(HostRequest.status.is_in(list(OPEN_REQUEST_STATUSES)))
    else:
        rows = await _rows_in(HostRequest, HostRequest.id, request_ids, *columns)
    ids = [int(row["id"]) for row in rows]
    needs: dict[int, list[tuple[str, int]]] = {}
    for row in await _rows_in(
        RequestNeed, RequestNeed.request, ids, RequestNeed.request, RequestNeed.topic, RequestNeed.weight
    ):
        needs.setdefault(int(row["request"]), []).append((row["topic"], int(row["weight"])))
    windows: dict[int, list[tuple[date, date, bool]]] = {}
    for row in await _rows_in(
        HostingWindow,
        HostingWindow.request,
        ids,
        HostingWindow.request,
        HostingWindow.start,
        HostingWindow.end,
        HostingWindow.preferred,
    ):
        windows.setdefault(int(row["request"]), []).append((row["start"], row["end"], bool(row["preferred"])))
    named = await external_ids("request", ids)
    records = {}
    for row in rows:
        request_id = int(row["id"])
        window, preferred = _format_windows(windows.get(request_id, []))
        records[request_id] = RequestRecord(
            external_id=named.get(request_id) or own_request_id(request_id, base_url),
            organization=row["organization_name"] or "",
            title=row["title"],
            needs=ordered_needs(needs.get(request_id, []), row["primary_need"]),
            languages=tuple(row["languages"] or ()),
            duration_days=int(row["duration_days"]),
            team_size=int(row["team_size"]),
            window=window,
            preferred=preferred,
            priority=bool(row["priority"]),
            advisory_level=int(row["advisory_level"]),
            provides=tuple(row["provides"] or ()),
            notes=row["notes"] or "",
            status=row["status"],
        )
    return records


def _format_windows(windows: list[tuple[date, date, bool]]) -> tuple[Window, Window | None]:
    """A request's hosting windows as the format has them: the whole span, and the preferred part within it."""
    if not windows:
        return (date.min, date.min), None
    window = (min(start for start, _, _ in windows), max(end for _, end, _ in windows))
    preferred = [(start, end) for start, end, flag in windows if flag]
    span = (min(s for s, _ in preferred), max(e for _, e in preferred)) if preferred else None
    return window, span if span != window else None


def hosting_windows(window: Window, preferred: Window | None) -> list[tuple[date, date, bool]]:
    """The hosting windows a request gets from the format: the window, and the preferred period inside it."""
    if preferred is None or preferred == window:
        return [(window[0], window[1], preferred is not None)]
    return [(window[0], window[1], False), (preferred[0], preferred[1], True)]


# --- trips and reports ------------------------------------------------------------------------------------------


async def trips(trip_ids: Sequence[int] | None) -> tuple[dict[int, TripRecord], set[int]]:
    """Records of these trips (every past trip when None), by trip id, and which of them were recorded."""
    columns = (
        Trip.id,
        Trip.uid,
        Trip.start,
        Trip.end,
        Trip.status,
        Trip.status_reason,
        Trip.request,
        Trip.request._.organization._.name.as_alias("organization_name"),
        Trip.request.primary_need.as_alias("primary_need"),
        Trip.request.notes.as_alias("request_notes"),
    )
    if trip_ids is None:
        rows = await Trip.select(*columns).where(Trip.status.is_in(list(PAST_TRIP_STATUSES))).order_by(Trip.start)
    else:
        rows = await _rows_in(Trip, Trip.id, trip_ids, *columns)
    ids = [int(row["id"]) for row in rows]
    recorded = {
        int(row["trip"])
        for row in await _rows_in(TripEvent, TripEvent.trip, ids, TripEvent.trip, TripEvent.action)
        if row["action"] == RECORDED
    }
    topics: dict[int, list[str]] = {}
    for row in await _rows_in(
        RequestNeed, RequestNeed.request, [int(r["request"]) for r in rows], RequestNeed.request, RequestNeed.topic
    ):
        topics.setdefault(int(row["request"]), []).append(row["topic"])
    members: dict[int, set[str]] = {}
    for row in await _rows_in(
        TripMember,
        TripMember.trip,
        ids,
        TripMember.trip,
        TripMember.response,
        TripMember.person.email.as_alias("email"),
    ):
        if row["response"] != "declined":
            members.setdefault(int(row["trip"]), set()).add(row["email"])
    named = await external_ids("trip", ids)
    records = {}
    for row in rows:
        trip_id = int(row["id"])
        primary = row["primary_need"] or ""
        listed = topics.get(int(row["request"]), [])
        notes = (
            row["request_notes"]
            if trip_id in recorded
            else row["status_reason"]
            if row["status"] == "cancelled"
            else ""
        )
        records[trip_id] = TripRecord(
            external_id=named.get(trip_id) or row["uid"],
            organization=row["organization_name"] or "",
            start=row["start"],
            end=row["end"],
            volunteers=frozenset(members.get(trip_id, set())),
            topics=ordered_topics([*listed, primary] if primary else listed, primary),
            status=row["status"],
            notes=notes or "",
        )
    return records, recorded


async def reports(trip_ids: Sequence[int], trip_names: dict[int, str]) -> dict[tuple[int, str], ReportRecord]:
    """The reports filed on these trips, by (trip id, kind)."""
    rows = await _rows_in(TripReport, TripReport.trip, trip_ids)
    return {
        (int(row["trip"]), row["kind"]): ReportRecord(
            trip=trip_names[int(row["trip"])],
            kind=row["kind"],
            lectures=int(row["lectures"]),
            lecture_hours=int(row["lecture_hours"]),
            physicians=int(row["physicians"]),
            trainees=int(row["trainees"]),
            nurses=int(row["nurses"]),
            technologists=int(row["technologists"]),
            rating_overall=int(row["rating_overall"]),
            rating_teaching=int(row["rating_teaching"]),
            rating_logistics=int(row["rating_logistics"]),
            comments=row["comments"] or "",
        )
        for row in rows
    }


async def volunteer_role_holders(person_ids: Sequence[int]) -> set[int]:
    rows = await _rows_in(RoleGrant, RoleGrant.person, person_ids, RoleGrant.person, RoleGrant.role)
    return {int(row["person"]) for row in rows if row["role"] == "volunteer"}


async def trips_by_uid(uids: Sequence[str]) -> dict[str, int]:
    """Trips the export named by their calendar UID (those made on the platform, or recorded without an id)."""
    rows = await _rows_in(Trip, Trip.uid, uids, Trip.id, Trip.uid)
    return {row["uid"]: int(row["id"]) for row in rows}
