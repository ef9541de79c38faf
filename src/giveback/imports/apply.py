"""Carrying a plan out, inside the caller's one transaction: rows are written in bulk, sheet by sheet, so that
tens of thousands of rows take seconds, and nothing is written if anything fails."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from giveback import geo
from giveback.accounts.tables import Person, RoleGrant
from giveback.db.bulk import changes as column_values
from giveback.db.bulk import insert_many
from giveback.hosts.tables import HostingWindow, HostRequest, RequestNeed
from giveback.imports.plan import NEW, Change, Plan
from giveback.imports.records import (
    OrganizationRecord,
    ReportRecord,
    RequestRecord,
    TripRecord,
    VolunteerRecord,
    chunks,
    hosting_windows,
)
from giveback.imports.tables import ExternalId, ImportedAccount
from giveback.imports.values import folded
from giveback.organizations.tables import Organization
from giveback.trips import lifecycle
from giveback.trips.report_tables import TripReport
from giveback.trips.tables import Trip
from giveback.volunteers.tables import AvailabilityWindow, Expertise, VolunteerProfile

Progress = Callable[[int], None]


def _now() -> datetime:
    return datetime.now(UTC)


def _created(changes: list[Change]) -> list[Change]:
    return [change for change in changes if change.created]


def _updated(changes: list[Change]) -> list[Change]:
    return [change for change in changes if not change.created]


async def _delete_in(table: Any, column: Any, ids: Sequence[Any]) -> None:
    for part in chunks(sorted(set(ids))):
        await table.delete().where(column.is_in(list(part)))


async def apply_plan(
    plan: Plan, *, actor_id: int | None, job_id: int | None, base_url: str, progress: Progress | None = None
) -> None:
    def step(done: int) -> None:
        if progress is not None:
            progress(done)

    organization_ids = await _organizations(plan.organizations)
    step(len(plan.organizations))
    people = await _people(plan, job_id)
    await _volunteers(plan.volunteers, people, plan)
    step(len(plan.volunteers))
    await _requests(plan.requests, organization_ids, actor_id)
    step(len(plan.requests))
    trip_ids = await _trips(plan.trips, organization_ids, people, actor_id, base_url)
    step(len(plan.trips))
    await _reports(plan.reports, trip_ids)
    step(len(plan.reports))


# --- organizations ----------------------------------------------------------------------------------------------


def _organization_values(record: OrganizationRecord) -> dict[str, Any]:
    values: dict[str, Any] = {
        "short_name": record.short_name,
        "kind": record.kind,
        "website": record.website,
    }
    if record.country:
        values["country"] = record.country
        values["region"] = geo.region_of(record.country)
    return values


async def _organizations(changes: list[Change]) -> dict[str, tuple[int, str]]:
    """Write the organizations; returns every organization by folded name: (id, country or "")."""
    records = [change.record for change in _created(changes)]
    await insert_many(
        Organization,
        [
            dict(name=record.name, affiliate=False, created_at=_now(), **_organization_values(record))
            for record in records
            if isinstance(record, OrganizationRecord)
        ],
    )
    for change in _updated(changes):
        assert isinstance(change.record, OrganizationRecord)
        await Organization.update(column_values(_organization_values(change.record))).where(
            Organization.id == change.id
        )
    rows = await Organization.select(Organization.id, Organization.name, Organization.country)
    return {folded(row["name"]): (int(row["id"]), row["country"] or "") for row in rows}


# --- people and volunteers --------------------------------------------------------------------------------------


async def _people(plan: Plan, job_id: int | None) -> dict[str, int]:
    """Make the accounts the plan needs (no password, not confirmed) and the volunteer roles; person ids by e-mail."""
    emails = sorted(plan.new_people)
    new_ids = await insert_many(
        Person,
        [dict(email=email, name=plan.new_people[email], password_hash="", email_confirmed_at=None) for email in emails],
    )
    people = {email: person_id for email, (person_id, _, _) in plan.people.items() if person_id != NEW}
    people.update(zip(emails, new_ids, strict=True))
    without_role = [people[email] for email, (person_id, _, has_role) in plan.people.items() if not has_role]
    await insert_many(RoleGrant, [dict(person=person_id, role="volunteer") for person_id in [*new_ids, *without_role]])
    await insert_many(ImportedAccount, [dict(person=person_id, job=job_id) for person_id in new_ids])
    return people


def _profile_values(record: VolunteerRecord) -> dict[str, Any]:
    return {
        "institution": record.institution,
        "country": record.country,
        "career_stage": record.career_stage,
        "languages": list(record.languages),
        "max_advisory_level": record.max_advisory_level,
        "excluded_countries": list(record.excluded_countries),
        "preferred_regions": list(record.preferred_regions),
        "trips_per_year": record.trips_per_year,
        "bio": record.bio,
        "directory_opt_in": record.directory_opt_in,
    }


async def _volunteers(changes: list[Change], people: dict[str, int], plan: Plan) -> None:
    created = _created(changes)
    updated = _updated(changes)
    person_of = {id(change): people[_volunteer(change).email] for change in changes}
    for change in changes:
        record = _volunteer(change)
        known = plan.people.get(record.email)
        if known is not None and known[0] != NEW and known[1] != record.name:
            await Person.update({Person.name: record.name}).where(Person.id == known[0])
    new_profiles = await insert_many(
        VolunteerProfile,
        [
            dict(person=person_of[id(change)], updated_at=_now(), **_profile_values(_volunteer(change)))
            for change in created
        ],
    )
    profile_of = {id(change): profile_id for change, profile_id in zip(created, new_profiles, strict=True)}
    updated_people = [person_of[id(change)] for change in updated]
    existing: dict[int, int] = {}
    for part in chunks(updated_people):
        for row in await VolunteerProfile.select(VolunteerProfile.id, VolunteerProfile.person).where(
            VolunteerProfile.person.is_in(list(part))
        ):
            existing[int(row["person"])] = int(row["id"])
    for change in updated:
        profile_id = existing[person_of[id(change)]]
        profile_of[id(change)] = profile_id
        await VolunteerProfile.update(
            column_values({**_profile_values(_volunteer(change)), "updated_at": _now()})
        ).where(VolunteerProfile.id == profile_id)
    await _delete_in(Expertise, Expertise.profile, list(existing.values()))
    for part in chunks(list(existing.values())):
        await AvailabilityWindow.delete().where(
            AvailabilityWindow.profile.is_in(list(part)) & (AvailabilityWindow.source == "manual")
        )
    await insert_many(
        Expertise,
        [
            dict(profile=profile_of[id(change)], topic=slug, proficiency=level)
            for change in changes
            for slug, level in _volunteer(change).expertise
        ],
    )
    await insert_many(
        AvailabilityWindow,
        [
            dict(profile=profile_of[id(change)], start=start, end=end, preferred=False, source="manual")
            for change in changes
            for start, end in _volunteer(change).windows
        ],
    )


def _volunteer(change: Change) -> VolunteerRecord:
    assert isinstance(change.record, VolunteerRecord)
    return change.record


# --- requests ---------------------------------------------------------------------------------------------------


def _request_values(record: RequestRecord, organization: tuple[int, str]) -> dict[str, Any]:
    return {
        "organization": organization[0],
        "title": record.title,
        "country": organization[1],
        "advisory_level": record.advisory_level,
        "primary_need": record.needs[0][0],
        "languages": list(record.languages),
        "provides": list(record.provides),
        "duration_days": record.duration_days,
        "team_size": record.team_size,
        "priority": record.priority,
        "notes": record.notes,
        "status": record.status,
    }


def _request_parts(request_id: int, record: RequestRecord) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    needs = [dict(request=request_id, topic=slug, weight=weight) for slug, weight in record.needs]
    windows = [
        dict(request=request_id, start=start, end=end, preferred=preferred)
        for start, end, preferred in hosting_windows(record.window, record.preferred)
    ]
    return needs, windows


def _external_ids(kind: str, pairs: list[tuple[str, int]]) -> list[dict[str, Any]]:
    return [
        dict(kind=kind, external_id=external_id, record_id=record_id, key=f"{kind}:{external_id}")
        for external_id, record_id in pairs
    ]


async def _requests(changes: list[Change], organizations: dict[str, tuple[int, str]], actor_id: int | None) -> None:
    created = [change.record for change in _created(changes) if isinstance(change.record, RequestRecord)]
    ids = await insert_many(
        HostRequest,
        [
            dict(
                created_by=actor_id,
                formats=[],
                created_at=_now(),
                updated_at=_now(),
                **_request_values(record, organizations[folded(record.organization)]),
            )
            for record in created
        ],
    )
    parts = [_request_parts(request_id, record) for request_id, record in zip(ids, created, strict=True)]
    for change in _updated(changes):
        record = change.record
        assert isinstance(record, RequestRecord)
        values = {**_request_values(record, organizations[folded(record.organization)]), "updated_at": _now()}
        await HostRequest.update(column_values(values)).where(HostRequest.id == change.id)
        parts.append(_request_parts(change.id, record))
    changed_ids = [change.id for change in _updated(changes)]
    await _delete_in(RequestNeed, RequestNeed.request, changed_ids)
    await _delete_in(HostingWindow, HostingWindow.request, changed_ids)
    await insert_many(RequestNeed, [need for needs, _ in parts for need in needs])
    await insert_many(HostingWindow, [window for _, windows in parts for window in windows])
    await _replace_external_ids("request", [(r.external_id, rid) for r, rid in zip(created, ids, strict=True)])


async def _replace_external_ids(kind: str, pairs: list[tuple[str, int]]) -> None:
    """Name the new records by the program's ids (a name left by a record since deleted is taken over)."""
    await _delete_in(ExternalId, ExternalId.key, [f"{kind}:{external_id}" for external_id, _ in pairs])
    await insert_many(ExternalId, _external_ids(kind, pairs))


# --- trips and reports ------------------------------------------------------------------------------------------

TOPIC_WEIGHT = 2  # a past trip's topics, as needs of its request


def _past_request_values(record: TripRecord, organization: tuple[int, str], team_size: int) -> dict[str, Any]:
    """A past trip's own request: its organization, country and topics, already fulfilled (declined for a
    cancelled trip), so that no round ever matches it again."""
    cancelled = record.status == "cancelled"
    return {
        "organization": organization[0],
        "title": f"Visit to {record.organization}"[:200],
        "country": organization[1],
        "primary_need": record.topics[0] if record.topics else "",
        "languages": [],
        "formats": [],
        "provides": [],
        "duration_days": (record.end - record.start).days + 1,
        "team_size": max(1, team_size),
        "notes": record.notes,
        "status": "declined" if cancelled else "fulfilled",
        "decision_reason": record.notes if cancelled else "",
    }


def _past_needs(request_id: int, record: TripRecord) -> list[dict[str, Any]]:
    return [dict(request=request_id, topic=slug, weight=TOPIC_WEIGHT) for slug in record.topics]


def _past_trip(request_id: int, record: TripRecord, people: dict[str, int]) -> lifecycle.PastTrip:
    return lifecycle.PastTrip(
        request_id=request_id,
        start=record.start,
        end=record.end,
        people=tuple(sorted(people[email] for email in record.volunteers)),
        status=record.status,
        reason=record.notes if record.status == "cancelled" else "",
    )


async def _trips(
    changes: list[Change],
    organizations: dict[str, tuple[int, str]],
    people: dict[str, int],
    actor_id: int | None,
    base_url: str,
) -> dict[str, int]:
    """Write the trips' requests, then the trips through the lifecycle (``lifecycle.record_past_trips``: new ones
    recorded, recorded ones changed, all in one go); returns the trip id of every trip the sheet named, by its
    external id."""
    created = [change.record for change in _created(changes) if isinstance(change.record, TripRecord)]
    updated = [(change.id, change.record) for change in _updated(changes) if isinstance(change.record, TripRecord)]
    moment = _now()
    request_ids = await insert_many(
        HostRequest,
        [
            dict(
                created_by=actor_id,
                created_at=moment,
                updated_at=moment,
                **_past_request_values(record, organizations[folded(record.organization)], len(record.volunteers)),
            )
            for record in created
        ],
    )
    requests_of_updated = {
        int(row["id"]): int(row["request"])
        for part in chunks([trip_id for trip_id, _ in updated])
        for row in await Trip.select(Trip.id, Trip.request).where(Trip.id.is_in(list(part)))
    }
    for trip_id, record in updated:
        values = _past_request_values(record, organizations[folded(record.organization)], len(record.volunteers))
        await HostRequest.update(column_values({**values, "updated_at": moment})).where(
            HostRequest.id == requests_of_updated[trip_id]
        )
    await _delete_in(RequestNeed, RequestNeed.request, list(requests_of_updated.values()))
    await insert_many(
        RequestNeed,
        [
            need
            for request_id, record in [
                *zip(request_ids, created, strict=True),
                *[(requests_of_updated[trip_id], record) for trip_id, record in updated],
            ]
            for need in _past_needs(request_id, record)
        ],
    )
    ids = await lifecycle.record_past_trips(
        [_past_trip(request_id, record, people) for request_id, record in zip(request_ids, created, strict=True)],
        changes={trip_id: _past_trip(requests_of_updated[trip_id], record, people) for trip_id, record in updated},
        actor_id=actor_id,
        base_url=base_url,
        within_yearly_limits=False,
    )
    await _replace_external_ids(
        "trip", [(record.external_id, trip_id) for record, trip_id in zip(created, ids, strict=True)]
    )
    named = {record.external_id: trip_id for record, trip_id in zip(created, ids, strict=True)}
    named.update({record.external_id: trip_id for trip_id, record in updated})
    return named


def _report_values(record: ReportRecord) -> dict[str, Any]:
    return {
        "lectures": record.lectures,
        "lecture_hours": record.lecture_hours,
        "physicians": record.physicians,
        "trainees": record.trainees,
        "nurses": record.nurses,
        "technologists": record.technologists,
        "rating_overall": record.rating_overall,
        "rating_teaching": record.rating_teaching,
        "rating_logistics": record.rating_logistics,
        "comments": record.comments,
    }


async def _reports(changes: list[Change], trip_ids: dict[str, int]) -> None:
    """File the reports on recorded trips as they were written then (no author: they came with the history)."""

    def trip_of(change: Change) -> int:
        assert isinstance(change.record, ReportRecord)
        return change.id if change.id != NEW else trip_ids[change.record.trip]

    moment = _now()
    await insert_many(
        TripReport,
        [
            dict(
                key=f"{trip_of(change)}:{change.record.kind}",
                trip=trip_of(change),
                kind=change.record.kind,
                author=None,
                cases=[],
                equipment_notes="",
                submitted_at=moment,
                **_report_values(change.record),
            )
            for change in _created(changes)
            if isinstance(change.record, ReportRecord)
        ],
    )
    for change in _updated(changes):
        assert isinstance(change.record, ReportRecord)
        await TripReport.update(column_values(_report_values(change.record))).where(
            TripReport.key == f"{trip_of(change)}:{change.record.kind}"
        )
