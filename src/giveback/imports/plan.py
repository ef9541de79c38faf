"""What an import would do: every checked row matched against the program as it stands, and sorted into
created, updated or unchanged, with the problems only the database can show (an unknown organization, a trip
that is not there). ``apply.py`` carries a plan out; a dry run only reports it.

Matching follows import.md: organizations by name (case and accents ignored) or short name and country,
volunteers by e-mail, requests and trips by the program's own id (or the id the export gave them). An empty
cell keeps what a matched record has; a new record takes the column's default. Requests and trips made on the
platform, and requests that have moved on (matched, fulfilled, declined), are left as they are: a row that
would change one is reported as a warning.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from giveback.i18n import Text, _
from giveback.imports import records
from giveback.imports.checks import (
    Entries,
    OrganizationEntry,
    ReportEntry,
    RequestEntry,
    VolunteerEntry,
)
from giveback.imports.findings import Findings
from giveback.imports.format import ORGANIZATIONS, REPORTS, REQUESTS, SHEETS, TRIPS, VOLUNTEERS
from giveback.imports.records import (
    OrganizationRecord,
    ReportRecord,
    RequestRecord,
    TripRecord,
    VolunteerRecord,
)
from giveback.imports.values import folded
from giveback.trips import booked
from giveback.trips.bookings import bookings_of

NEW = 0  # the id of a record the import creates
T = TypeVar("T")


MISSING_REPORTS = {
    ("volunteer",): _("the trip is reported, but its volunteer report is not on the reports sheet"),
    ("host",): _("the trip is reported, but its host report is not on the reports sheet"),
    ("volunteer", "host"): _("the trip is reported, but neither of its reports is on the reports sheet"),
}


def today() -> date:
    return datetime.now(UTC).date()


@dataclass
class Change:
    """One row's outcome: ``id`` is the matched record's (``NEW`` when created), ``record`` what it becomes."""

    row: int
    id: int
    record: object
    created: bool


@dataclass
class Plan:
    organizations: list[Change] = field(default_factory=list)
    volunteers: list[Change] = field(default_factory=list)
    requests: list[Change] = field(default_factory=list)
    trips: list[Change] = field(default_factory=list)
    reports: list[Change] = field(default_factory=list)
    # e-mail -> (person id or NEW, name, has a volunteer role): everyone the volunteers and trips sheets name
    people: dict[str, tuple[int, str, bool]] = field(default_factory=dict)
    new_people: dict[str, str] = field(default_factory=dict)  # e-mail -> name, for accounts the import makes
    # counted per sheet: rows read, created, updated, unchanged
    counts: dict[str, Counter[str]] = field(default_factory=lambda: {sheet.name: Counter() for sheet in SHEETS})

    def count(self, sheet: str, outcome: str) -> None:
        self.counts[sheet][outcome] += 1

    @property
    def changes(self) -> int:
        return sum(counter["created"] + counter["updated"] for counter in self.counts.values())


def _settle(
    plan: Plan, sheet: str, changes: list[Change], row: int, record_id: int, record: object, old: object
) -> None:
    """Count the row, and keep it as a change unless the record stays as it is."""
    if old is None:
        changes.append(Change(row, record_id, record, created=True))
        plan.count(sheet, "created")
    elif record != old:
        changes.append(Change(row, record_id, record, created=False))
        plan.count(sheet, "updated")
    else:
        plan.count(sheet, "unchanged")


def _kept(given: T | None, current: T) -> T:
    """The row's value, or (an empty cell) what the record has."""
    return current if given is None else given


class _Organizations:
    """The organizations as the import will leave them, for the rows that refer to one by name or short name."""

    def __init__(self, existing: list[OrganizationRecord]) -> None:
        self.by_name: dict[str, OrganizationRecord] = {}
        self.by_short: dict[str, list[OrganizationRecord]] = {}
        for organization in existing:
            self.add(organization)

    def add(self, organization: OrganizationRecord) -> None:
        self.by_name[folded(organization.name)] = organization
        if organization.short_name:
            listed = self.by_short.setdefault(folded(organization.short_name), [])
            listed[:] = [other for other in listed if folded(other.name) != folded(organization.name)]
            listed.append(organization)

    def _short(self, short_name: str, country: str | None) -> OrganizationRecord | None:
        listed = self.by_short.get(folded(short_name), [])
        same = [o for o in listed if country is None or o.country == country]
        return same[0] if len(same) == 1 else None

    def match(self, entry: OrganizationEntry) -> OrganizationRecord | None:
        """By name; by short name and country; or a name written "Full Name (ABBR)", as the seed page writes them."""
        found = self.by_name.get(folded(entry.name))
        if found is None and entry.short_name and entry.country:
            found = self._short(entry.short_name, entry.country)
        bare, abbreviation = _parenthesized(entry.name)
        if found is None and bare:
            found = self.by_name.get(folded(bare))
            if found is None and abbreviation and entry.country:
                found = self._short(abbreviation, entry.country)
        return found

    def find(self, written: str) -> OrganizationRecord | Text:
        """The organization a request or trip names, or why none is."""
        found = self.by_name.get(folded(written))
        if found is not None:
            return found
        short = self.by_short.get(folded(written), [])
        if len(short) == 1:
            return short[0]
        if short:
            names = ", ".join(f'"{o.name}"' for o in short[:3])
            return _('"%(written)s" is the short name of %(names)s: write the full name', written=written, names=names)
        bare, abbreviation = _parenthesized(written)
        if bare and folded(bare) in self.by_name:
            return self.by_name[folded(bare)]
        by_abbreviation = self._short(abbreviation, None) if abbreviation else None
        if by_abbreviation is not None:
            return by_abbreviation
        return _(
            '"%(written)s" is not an organization of the program: add it to the organizations sheet', written=written
        )


def _parenthesized(name: str) -> tuple[str, str]:
    """``Danish Society of Interventional Radiology (DFIR )`` as its name and abbreviation; ("", "") otherwise."""
    if not name.rstrip().endswith(")") or "(" not in name:
        return "", ""
    bare, _, rest = name.rstrip()[:-1].rpartition("(")
    return bare.strip(), rest.strip()


async def make_plan(entries: Entries, found: Findings, *, base_url: str) -> Plan:
    """Match every entry with the database (read inside the caller's transaction when importing)."""
    plan = Plan()
    for sheet, rows in (
        (ORGANIZATIONS.name, entries.organizations),
        (VOLUNTEERS.name, entries.volunteers),
        (REQUESTS.name, entries.requests),
        (TRIPS.name, entries.trips),
        (REPORTS.name, entries.reports),
    ):
        plan.counts[sheet]["rows"] = len(rows)
    organizations = _Organizations(await records.organizations())
    _plan_organizations(plan, found, entries.organizations, organizations)
    await _plan_volunteers(plan, found, entries)
    await _plan_requests(plan, found, entries.requests, organizations, base_url, entries.broken_organizations)
    trip_ids = await _plan_trips(plan, found, entries, organizations)
    await _plan_reports(plan, found, entries, trip_ids)
    return plan


# --- organizations ----------------------------------------------------------------------------------------------


def _plan_organizations(
    plan: Plan, found: Findings, entries: list[OrganizationEntry], organizations: _Organizations
) -> None:
    sheet = ORGANIZATIONS.name
    claimed: dict[str, int] = {}
    for entry in entries:
        current = organizations.match(entry)
        key = folded(current.name if current else entry.name)
        if key in claimed:
            found.problem(
                _('"%(name)s" is the same organization as on row %(row)d', name=entry.name, row=claimed[key]),
                sheet,
                entry.row,
                "name",
            )
            continue
        claimed[key] = entry.row
        if current is None:
            if entry.country is None:
                found.problem(_("is required for a new organization"), sheet, entry.row, "country")
                continue
            record = OrganizationRecord(
                id=NEW,
                name=entry.name,
                short_name=entry.short_name or "",
                country=entry.country,
                kind=entry.kind or "society",
                website=entry.website or "",
            )
        else:
            record = dataclasses.replace(
                current,
                short_name=_kept(entry.short_name, current.short_name),
                country=entry.country or current.country,
                kind=_kept(entry.kind, current.kind),
                website=_kept(entry.website, current.website),
            )
        _settle(plan, sheet, plan.organizations, entry.row, current.id if current else NEW, record, current)
        organizations.add(record)


# --- volunteers -------------------------------------------------------------------------------------------------

_VOLUNTEER_DEFAULTS: dict[str, Any] = {
    "institution": "",
    "country": None,
    "career_stage": "mid-career",
    "trips_per_year": 1,
    "max_advisory_level": 2,
    "excluded_countries": (),
    "preferred_regions": (),
    "directory_opt_in": False,
    "bio": "",
    "windows": (),
}


def _volunteer_record(entry: VolunteerEntry, current: VolunteerRecord | None) -> VolunteerRecord:
    base: dict[str, Any] = dataclasses.asdict(current) if current else dict(_VOLUNTEER_DEFAULTS)
    given = {name: getattr(entry, name) for name in _VOLUNTEER_DEFAULTS if name != "windows"}
    merged: dict[str, Any] = {name: base[name] if value is None else value for name, value in given.items()}
    windows = sorted((start, end) for _, start, end in entry.windows) if entry.windows else base["windows"]
    return VolunteerRecord(
        email=entry.email,
        name=entry.name,
        expertise=entry.expertise,
        languages=entry.languages,
        windows=tuple(windows),
        **merged,
    )


async def _plan_volunteers(plan: Plan, found: Findings, entries: Entries) -> None:
    emails = {entry.email for entry in entries.volunteers}
    emails |= {address for trip in entries.trips for address, _ in trip.volunteers}
    people = await records.people_by_email(emails)
    with_role = await records.volunteer_role_holders([int(person["id"]) for person in people.values()])
    for address, row in people.items():
        plan.people[address] = (int(row["id"]), row["name"], int(row["id"]) in with_role)
    current = await records.volunteers([int(person["id"]) for person in people.values()])
    for entry in entries.volunteers:
        person = people.get(entry.email)
        person_id = int(person["id"]) if person else NEW
        old = current.get(person_id) if person else None
        # created: a volunteer profile is made, for a new account or for someone who has one already
        _settle(plan, VOLUNTEERS.name, plan.volunteers, entry.row, person_id, _volunteer_record(entry, old), old)
        if person is None:
            plan.new_people[entry.email] = entry.name
            plan.people[entry.email] = (NEW, entry.name, True)
    for trip in entries.trips:
        for address, name in trip.volunteers:
            if address in plan.people or address in entries.broken_emails:
                continue
            shown = name or address.split("@")[0]
            plan.new_people[address] = shown
            plan.people[address] = (NEW, shown, True)
            found.warning(
                _(
                    '%(email)s is on no volunteers row and has no account: an account named "%(name)s" is made for '
                    'them, without a password (they can claim it with "forgot password")',
                    email=address,
                    name=shown,
                ),
                TRIPS.name,
                trip.row,
                "volunteers",
            )


# --- requests ---------------------------------------------------------------------------------------------------


async def _matched_requests(external: list[str], base_url: str) -> dict[str, int]:
    named = await records.records_named("request", external)
    for external_id in external:
        if external_id not in named:
            own = records.parse_own_request_id(external_id, base_url)
            if own is not None:
                named[external_id] = own
    return named


async def _plan_requests(
    plan: Plan,
    found: Findings,
    entries: list[RequestEntry],
    organizations: _Organizations,
    base_url: str,
    broken: set[str],
) -> None:
    sheet = REQUESTS.name
    matched = await _matched_requests([entry.external_id for entry in entries], base_url)
    current = await records.requests(sorted(set(matched.values())), base_url)
    imported = await records.external_ids("request", sorted(set(matched.values())))
    for entry in entries:
        organization = organizations.find(entry.organization)
        if isinstance(organization, Text):
            if folded(entry.organization) not in broken:
                found.problem(organization, sheet, entry.row, "organization")
            continue
        if not organization.country:
            found.problem(
                _(
                    '"%(name)s" has no country of its own (a regional society), and a request needs the host\'s '
                    "country: give the organization a country on the organizations sheet",
                    name=organization.name,
                ),
                sheet,
                entry.row,
                "organization",
            )
            continue
        request_id = matched.get(entry.external_id, NEW)
        old = current.get(request_id)
        if old is None:
            request_id = NEW
        record = RequestRecord(
            external_id=entry.external_id,
            organization=organization.name,
            title=entry.title,
            needs=records.ordered_needs(entry.needs, entry.needs[0][0]),
            languages=entry.languages,
            duration_days=entry.duration_days,
            team_size=_kept(entry.team_size, old.team_size if old else 1),
            window=entry.window,
            preferred=entry.preferred if entry.preferred is not None else (old.preferred if old else None),
            priority=_kept(entry.priority, old.priority if old else False),
            advisory_level=_kept(entry.advisory_level, old.advisory_level if old else 1),
            provides=_kept(entry.provides, old.provides if old else ()),
            notes=_kept(entry.notes, old.notes if old else ""),
            status=_kept(entry.status, old.status if old else "accepted"),
        )
        if old is not None and record != old:
            if request_id not in imported:
                found.warning(
                    _("this request was made on the platform: the import leaves it as it is (change it there)"),
                    sheet,
                    entry.row,
                    "external_id",
                )
                plan.count(sheet, "unchanged")
                continue
            if old.status not in records.OPEN_REQUEST_STATUSES:
                found.warning(
                    _("this request is %(status)s now: the import leaves it as it is", status=old.status),
                    sheet,
                    entry.row,
                    "status",
                )
                plan.count(sheet, "unchanged")
                continue
        if entry.window[1] < today() and record.status != "draft":
            found.warning(
                _("the hosting window ended on %(day)s: the request cannot be matched any more", day=entry.window[1]),
                sheet,
                entry.row,
                "window_to",
            )
        _settle(plan, sheet, plan.requests, entry.row, request_id, record, old)


# --- trips ------------------------------------------------------------------------------------------------------


async def _matched_trips(external: list[str]) -> dict[str, int]:
    named = await records.records_named("trip", external)
    missing = [external_id for external_id in external if external_id not in named]
    named.update(await records.trips_by_uid(missing))
    return named


class _TravelDays:
    """Who travels when, as the import will leave it: the program's trips (but those the sheet tells again) and
    the sheet's trips so far. Nobody is on two visits at once (``trips.booked.overlapping``; a cancelled trip
    holds no days), so a row that would put someone there is a problem of the row, found before anything is
    written (``lifecycle.record_past_trips`` refuses the same)."""

    def __init__(self, people: dict[str, int], places: dict[int, list[booked.Booking]]) -> None:
        by_person = {person_id: email for email, person_id in people.items()}
        self.places: dict[str, list[booked.Booking]] = {email: [] for email in people}
        for person_id, bookings in places.items():
            self.places[by_person[person_id]] = list(bookings)

    def clash(self, record: TripRecord) -> tuple[str, booked.Booking] | None:
        if record.status == "cancelled":
            return None
        for email in sorted(record.volunteers):
            other = booked.overlapping(self.places.get(email, []), record.start, record.end)
            if other is not None:
                return email, other
        return None

    def add(self, record: TripRecord, row: int, external_id: str) -> None:
        if record.status == "cancelled":
            return
        for email in record.volunteers:
            self.places.setdefault(email, []).append(
                booked.Booking(
                    trip_id=-row, status=record.status, start=record.start, end=record.end, title=external_id
                )
            )


async def _travel_days(plan: Plan, replaced: set[int]) -> _TravelDays:
    people = {email: person_id for email, (person_id, _, _) in plan.people.items() if person_id != NEW}
    places = await bookings_of(list(people.values()))
    return _TravelDays(
        people, {person: [b for b in bookings if b.trip_id not in replaced] for person, bookings in places.items()}
    )


async def _plan_trips(
    plan: Plan, found: Findings, entries: Entries, organizations: _Organizations
) -> dict[str, tuple[int, str, bool]]:
    """Plan the trips; returns every trip the reports may name: external id -> (trip id or NEW, status, recorded)."""
    sheet = TRIPS.name
    matched = await _matched_trips([entry.external_id for entry in entries.trips])
    current, recorded = await records.trips(sorted(set(matched.values())))
    travel = await _travel_days(plan, {trip_id for trip_id in matched.values() if trip_id in recorded})
    named: dict[str, tuple[int, str, bool]] = {}
    for entry in entries.trips:
        organization = organizations.find(entry.organization)
        if isinstance(organization, Text):
            if folded(entry.organization) not in entries.broken_organizations:
                found.problem(organization, sheet, entry.row, "organization")
            entries.broken_trips.add(entry.external_id)
            continue
        unknown = [address for address, _ in entry.volunteers if address in entries.broken_emails]
        if unknown:
            entries.broken_trips.add(entry.external_id)
            continue
        trip_id = matched.get(entry.external_id, NEW)
        old = current.get(trip_id)
        if old is None:
            trip_id = NEW
        status = _kept(entry.status, old.status if old else "completed")
        record = TripRecord(
            external_id=entry.external_id,
            organization=organization.name,
            start=entry.start,
            end=entry.end,
            volunteers=frozenset(address for address, _ in entry.volunteers),
            topics=records.ordered_topics(entry.topics, entry.topics[0])
            if entry.topics
            else (old.topics if old else ()),
            status=status,
            notes=_kept(entry.notes, old.notes if old else ""),
        )
        if old is not None and record != old and trip_id not in recorded:
            found.warning(
                _(
                    "this trip was made on the platform (it is %(status)s): the import leaves it as it is",
                    status=old.status,
                ),
                sheet,
                entry.row,
                "external_id",
            )
            plan.count(sheet, "unchanged")
            named[entry.external_id] = (trip_id, old.status, False)
            continue
        if status in ("completed", "reported") and entry.end >= today():
            found.problem(
                _(
                    "a trip that is %(status)s has ended: its last day (%(day)s) is not before today; trips still to "
                    "come are made in a match round",
                    status=status,
                    day=entry.end,
                ),
                sheet,
                entry.row,
                "end",
            )
            entries.broken_trips.add(entry.external_id)
            continue
        if not organization.country:
            found.warning(
                _(
                    '"%(name)s" has no country of its own (a regional society): the trip counts for no country on '
                    "the dashboard",
                    name=organization.name,
                ),
                sheet,
                entry.row,
                "organization",
            )
        clash = travel.clash(record)
        if clash is not None:
            email, other = clash
            found.problem(
                _(
                    "%(email)s travels on %(other)s from %(start)s to %(end)s, on some of this trip's days: nobody is "
                    "on two visits at once",
                    email=email,
                    other=_("%(id)s on row %(row)d", id=other.title, row=-other.trip_id)
                    if other.trip_id < 0
                    else other.title,
                    start=other.start,
                    end=other.end,
                ),
                sheet,
                entry.row,
                "volunteers",
            )
            entries.broken_trips.add(entry.external_id)
            continue
        travel.add(record, entry.row, entry.external_id)
        named[entry.external_id] = (trip_id, status, trip_id == NEW or trip_id in recorded)
        _settle(plan, sheet, plan.trips, entry.row, trip_id, record, old)
    return named


# --- reports ----------------------------------------------------------------------------------------------------


def _report_record(entry: ReportEntry, old: ReportRecord | None) -> ReportRecord:
    values = {
        name: (getattr(old, name) if old else 0) if given is None else given
        for name, given in {**entry.numbers, **entry.ratings}.items()
    }
    return ReportRecord(
        trip=entry.trip,
        kind=entry.kind,
        comments=_kept(entry.comments, old.comments if old else ""),
        **values,
    )


async def _plan_reports(plan: Plan, found: Findings, entries: Entries, named: dict[str, tuple[int, str, bool]]) -> None:
    sheet = REPORTS.name
    elsewhere = [
        entry.trip for entry in entries.reports if entry.trip not in named and entry.trip not in entries.broken_trips
    ]
    existing_trips = await _matched_trips(sorted(set(elsewhere)))
    known, recorded = await records.trips(sorted(set(existing_trips.values())))
    for external_id, trip_id in existing_trips.items():
        if trip_id in known:
            named[external_id] = (trip_id, known[trip_id].status, trip_id in recorded)
    trip_ids = sorted({trip_id for trip_id, _, _ in named.values() if trip_id != NEW})
    names = {trip_id: external_id for external_id, (trip_id, _, _) in named.items() if trip_id != NEW}
    current = await records.reports(trip_ids, names)
    kinds: dict[str, set[str]] = {}
    for trip_id, kind in current:
        kinds.setdefault(names[trip_id], set()).add(kind)
    for entry in entries.reports:
        if entry.trip in entries.broken_trips:
            continue
        trip = named.get(entry.trip)
        if trip is None:
            found.problem(
                _('"%(trip)s" is not a trip of the program or of the trips sheet', trip=entry.trip),
                sheet,
                entry.row,
                "trip",
            )
            continue
        trip_id, status, is_recorded = trip
        if status not in ("completed", "reported"):
            found.problem(
                _(
                    "the trip %(trip)s is %(status)s: only a trip that took place has reports",
                    trip=entry.trip,
                    status=status,
                ),
                sheet,
                entry.row,
                "trip",
            )
            continue
        old = current.get((trip_id, entry.kind)) if trip_id != NEW else None
        record = _report_record(entry, old)
        if not is_recorded and record != old:
            found.warning(
                _(
                    "the trip %(trip)s was made on the platform: its reports are filed there, not imported",
                    trip=entry.trip,
                ),
                sheet,
                entry.row,
                "trip",
            )
            plan.count(sheet, "unchanged")
            continue
        kinds.setdefault(entry.trip, set()).add(entry.kind)
        _settle(plan, sheet, plan.reports, entry.row, trip_id, record, old)
    for change in plan.trips:
        trip_record = change.record
        assert isinstance(trip_record, TripRecord)
        if trip_record.status == "reported":
            missing = [kind for kind in ("volunteer", "host") if kind not in kinds.get(trip_record.external_id, set())]
            if missing:
                found.warning(
                    MISSING_REPORTS[tuple(missing)],
                    TRIPS.name,
                    change.row,
                    "status",
                )
