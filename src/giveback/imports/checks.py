"""Each row read on its own: every cell checked against its column's rule, needing nothing from the database
but the topic list. What needs the database (matching, organizations, accounts) is ``plan.py``'s.

An entry holds the values the row gives; ``None`` is an empty cell (a new record takes the default, a matched
one keeps what it has). A row with any problem gives no entry, but its key is remembered as ``broken`` so that
rows referring to it are not blamed a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any, TypeVar

from giveback import geo
from giveback.hosts.schemas import PROVISIONS
from giveback.i18n import N_, Text, _
from giveback.imports import values as v
from giveback.imports.findings import Findings
from giveback.imports.format import ORGANIZATIONS, REPORTS, REQUESTS, TRIPS, VOLUNTEERS
from giveback.imports.workbook import Row, Upload
from giveback.volunteers.schemas import CAREER_STAGES

T = TypeVar("T")
MAX_TRIP_DAYS = 60
MAX_WINDOWS_PER_VOLUNTEER = 50
WINDOW_COLUMNS = ("available_from", "available_to")
REQUEST_STATUSES = ("draft", "submitted", "accepted")
TRIP_STATUSES = ("completed", "reported", "cancelled")
KINDS = ("society", "hospital")
REPORT_KINDS = ("volunteer", "host")
REPORT_NUMBERS = {
    "lectures": 500,
    "lecture_hours": 200,
    "physicians": 5000,
    "trainees": 5000,
    "nurses": 5000,
    "technologists": 5000,
}
RATINGS = ("rating_overall", "rating_teaching", "rating_logistics")


@dataclass
class OrganizationEntry:
    row: int
    name: str
    country: str | None
    short_name: str | None = None
    kind: str | None = None
    website: str | None = None


@dataclass
class VolunteerEntry:
    row: int
    email: str
    name: str
    expertise: tuple[tuple[str, int], ...]
    languages: tuple[str, ...]
    institution: str | None = None
    country: str | None = None
    career_stage: str | None = None
    trips_per_year: int | None = None
    max_advisory_level: int | None = None
    excluded_countries: tuple[str, ...] | None = None
    preferred_regions: tuple[str, ...] | None = None
    directory_opt_in: bool | None = None
    bio: str | None = None
    windows: list[tuple[int, date, date]] = field(default_factory=list)  # (row, first day, last day)


@dataclass
class RequestEntry:
    row: int
    external_id: str
    organization: str
    title: str
    needs: tuple[tuple[str, int], ...]
    languages: tuple[str, ...]
    duration_days: int
    window: tuple[date, date]
    preferred: tuple[date, date] | None = None
    team_size: int | None = None
    priority: bool | None = None
    advisory_level: int | None = None
    provides: tuple[str, ...] | None = None
    notes: str | None = None
    status: str | None = None


@dataclass
class TripEntry:
    row: int
    external_id: str
    organization: str
    start: date
    end: date
    volunteers: tuple[tuple[str, str], ...]  # (e-mail, name given with it or "")
    topics: tuple[str, ...] | None = None
    status: str | None = None
    notes: str | None = None


@dataclass
class ReportEntry:
    row: int
    trip: str
    kind: str
    numbers: dict[str, int | None]
    ratings: dict[str, int | None]
    comments: str | None = None


@dataclass
class Entries:
    organizations: list[OrganizationEntry] = field(default_factory=list)
    volunteers: list[VolunteerEntry] = field(default_factory=list)
    requests: list[RequestEntry] = field(default_factory=list)
    trips: list[TripEntry] = field(default_factory=list)
    reports: list[ReportEntry] = field(default_factory=list)
    broken_emails: set[str] = field(default_factory=set)
    broken_trips: set[str] = field(default_factory=set)
    broken_organizations: set[str] = field(default_factory=set)  # folded names and short names
    rows: int = 0


class _RowReader:
    """Reads one row's cells, recording each broken cell as a problem of the row."""

    def __init__(self, found: Findings, sheet: str, row: Row) -> None:
        self.found, self.sheet, self.row = found, sheet, row
        self.failed = False

    def given(self, column: str) -> bool:
        return self.row.cells.get(column) is not None

    def required(self, column: str, read: Callable[[v.Cell], T]) -> T | None:
        if not self.given(column):
            self.problem(column, _("is required"))
            return None
        return self.optional(column, read)

    def optional(self, column: str, read: Callable[[v.Cell], T]) -> T | None:
        value = self.row.cells.get(column)
        if value is None:
            return None
        try:
            return read(value)
        except v.BadValue as bad:
            self.problem(column, bad.message)
            return None

    def problem(self, column: str, message: Text) -> None:
        self.failed = True
        self.found.problem(message, self.sheet, self.row.number, column)

    def warning(self, column: str, message: Text) -> None:
        self.found.warning(message, self.sheet, self.row.number, column)


def _listed(read: Callable[[str], T], *, commas: bool = False) -> Callable[[v.Cell], tuple[T, ...]]:
    def listed(value: v.Cell) -> tuple[T, ...]:
        return tuple(v.unique(read(item) for item in v.items(value, commas=commas)))

    return listed


def _needs_something(read: Callable[[v.Cell], tuple[T, ...]], message: str) -> Callable[[v.Cell], tuple[T, ...]]:
    def reading(value: v.Cell) -> tuple[T, ...]:
        result = read(value)
        if not result:
            raise v.BadValue(Text(message))
        return result

    return reading


_languages = _needs_something(_listed(v.language, commas=True), N_("name at least one language"))
_countries = _listed(v.country, commas=True)


def _region(written: str) -> str:
    return v.choice(written, geo.REGIONS)


def _provision(written: str) -> str:
    return v.choice(written, PROVISIONS)


def _website(value: v.Cell) -> str:
    written = v.plain_text(value, max_length=500, single_line=True)
    if not written.startswith(("https://", "http://")):
        raise v.BadValue(_('"%(value)s" must start with https:// or http://', value=written))
    return written


def _text(max_length: int) -> Callable[[v.Cell], str]:
    return lambda value: v.plain_text(value, max_length=max_length)


def _name(max_length: int) -> Callable[[v.Cell], str]:
    return lambda value: v.name_text(value, max_length=max_length)


def _number(low: int, high: int) -> Callable[[v.Cell], int]:
    return lambda value: v.whole_number(value, low=low, high=high)


def _advisory(value: v.Cell) -> int:
    return v.level(value, v.ADVISORY_WORDS, low=1, high=4, what=v.ADVISORY_MESSAGE)


def _external_id(value: v.Cell) -> str:
    written = v.name_text(value, max_length=200)
    if not written:
        raise v.BadValue(_("is required"))
    return written


def read_entries(upload: Upload, topics: v.TopicIndex) -> Entries:
    """Every row of every known sheet, checked; problems and warnings go to ``upload.findings``."""
    entries = Entries(rows=upload.row_count)
    found = upload.findings
    sheets = upload.sheets
    if ORGANIZATIONS.name in sheets:
        entries.organizations = _organizations(found, sheets[ORGANIZATIONS.name].rows, entries)
    if VOLUNTEERS.name in sheets:
        _volunteers(found, sheets[VOLUNTEERS.name].rows, topics, entries)
    if REQUESTS.name in sheets:
        entries.requests = _requests(found, sheets[REQUESTS.name].rows, topics)
    if TRIPS.name in sheets:
        _trips(found, sheets[TRIPS.name].rows, topics, entries)
    if REPORTS.name in sheets:
        entries.reports = _reports(found, sheets[REPORTS.name].rows)
    return entries


# --- organizations ----------------------------------------------------------------------------------------------


def _organizations(found: Findings, rows: list[Row], known: Entries) -> list[OrganizationEntry]:
    entries = []
    for row in rows:
        cells = _RowReader(found, ORGANIZATIONS.name, row)
        name = cells.required("name", _name(300))
        if name is not None and len(name) < 2:
            cells.problem("name", _("must have at least 2 characters"))
        country = cells.optional("country", v.country)  # required for a new one: plan.py says so when it matters
        short_name = cells.optional("short_name", _name(60))
        kind = cells.optional("kind", lambda value: v.choice(value, KINDS))
        website = cells.optional("website", _website)
        if country is not None and geo.region_of(country) is None:
            cells.problem(
                "country", _("%(country)s belongs to no region the program serves", country=geo.country_name(country))
            )
        if cells.failed:
            known.broken_organizations |= {v.folded(v.text(row.cells.get(c))) for c in ("name", "short_name")} - {""}
        elif name is not None:
            entries.append(OrganizationEntry(row.number, name, country, short_name, kind, website))
    return entries


# --- volunteers -------------------------------------------------------------------------------------------------


def _window(cells: _RowReader) -> tuple[date, date] | None:
    start = cells.optional("available_from", v.day)
    end = cells.optional("available_to", v.day)
    if cells.given("available_from") != cells.given("available_to"):
        missing = "available_to" if cells.given("available_from") else "available_from"
        cells.problem(missing, _("give both days of the availability window, or neither"))
        return None
    if start is None or end is None:
        return None
    if end < start:
        cells.problem("available_to", _("the window ends (%(end)s) before it starts (%(start)s)", end=end, start=start))
        return None
    return start, end


def _is_window_row(row: Row) -> bool:
    filled = {column for column, value in row.cells.items() if value is not None}
    return bool(filled) and filled <= {"email", *WINDOW_COLUMNS} and "email" in filled


def _volunteers(found: Findings, rows: list[Row], topics: v.TopicIndex, entries: Entries) -> None:
    sheet = VOLUNTEERS.name
    by_email: dict[str, VolunteerEntry] = {}
    first_row: dict[str, int] = {}
    extra_windows: list[tuple[str, int, date, date]] = []
    for row in rows:
        cells = _RowReader(found, sheet, row)
        address = cells.required("email", v.email)
        if address is not None and _is_window_row(row):
            window = _window(cells)
            if window is not None:
                extra_windows.append((address, row.number, *window))
            elif not cells.failed:
                cells.problem(
                    "available_from", _("a row with only the e-mail address must give an availability window")
                )
            continue
        if address is not None and address in first_row:
            cells.problem(
                "email",
                _(
                    '"%(email)s" is also on row %(row)d; a repeated e-mail address may only add an availability '
                    "window (fill in only email, available_from and available_to)",
                    email=address,
                    row=first_row[address],
                ),
            )
            continue
        if address is not None:
            first_row[address] = row.number
        name = cells.required("name", _name(200))
        expertise = cells.required(
            "expertise",
            _needs_something(
                lambda value: tuple(
                    sorted(v.leveled_topics(value, topics, v.PROFICIENCY_WORDS, what=v.PROFICIENCY_MESSAGE))
                ),
                N_("name at least one topic"),
            ),
        )
        languages = cells.required("languages", _languages)
        entry_values: dict[str, Any] = {
            "institution": cells.optional("institution", _name(300)),
            "country": cells.optional("country", v.country),
            "career_stage": cells.optional(
                "career_stage", lambda value: v.choice(value, CAREER_STAGES, aliases={"early": "early-career"})
            ),
            "trips_per_year": cells.optional("trips_per_year", _number(1, 6)),
            "max_advisory_level": cells.optional("max_advisory_level", _advisory),
            "excluded_countries": cells.optional("excluded_countries", _countries),
            "preferred_regions": cells.optional("preferred_regions", _listed(_region, commas=True)),
            "directory_opt_in": cells.optional("directory_opt_in", v.yes_no),
            "bio": cells.optional("bio", _text(2000)),
        }
        window = _window(cells)
        if cells.failed or address is None or name is None or expertise is None or languages is None:
            if address is not None:
                entries.broken_emails.add(address)
            continue
        entry = VolunteerEntry(row.number, address, name, expertise, languages, **entry_values)
        if window is not None:
            entry.windows.append((row.number, *window))
        by_email[address] = entry
    for address, number, start, end in extra_windows:
        if address in entries.broken_emails:
            continue
        owner = by_email.get(address)
        if owner is None:
            found.problem(
                _(
                    '"%(email)s" has no row of its own with a name, expertise and languages, so this window belongs '
                    "to nobody",
                    email=address,
                ),
                sheet,
                number,
                "email",
            )
            continue
        owner.windows.append((number, start, end))
    for entry in by_email.values():
        if _windows_overlap(found, entry):
            entries.broken_emails.add(entry.email)
        else:
            entries.volunteers.append(entry)


def _windows_overlap(found: Findings, entry: VolunteerEntry) -> bool:
    windows = sorted(entry.windows, key=lambda window: (window[1], window[0]))
    if len(windows) > MAX_WINDOWS_PER_VOLUNTEER:
        found.problem(
            _(
                "%(email)s has %(count)d availability windows; at most %(limit)d",
                email=entry.email,
                count=len(windows),
                limit=MAX_WINDOWS_PER_VOLUNTEER,
            ),
            VOLUNTEERS.name,
            entry.row,
            "available_from",
        )
        return True
    for (row_a, start_a, end_a), (row_b, start_b, end_b) in pairwise(windows):
        if start_b <= end_a:
            found.problem(
                _(
                    "the window %(start)s to %(end)s overlaps the window %(other_start)s to %(other_end)s "
                    "on row %(row)d",
                    start=start_b,
                    end=end_b,
                    other_start=start_a,
                    other_end=end_a,
                    row=row_a,
                ),
                VOLUNTEERS.name,
                row_b,
                "available_from",
            )
            return True
    return False


# --- requests ---------------------------------------------------------------------------------------------------


def _requests(found: Findings, rows: list[Row], topics: v.TopicIndex) -> list[RequestEntry]:
    sheet = REQUESTS.name
    entries = []
    first_row: dict[str, int] = {}
    for row in rows:
        cells = _RowReader(found, sheet, row)
        external_id = cells.required("external_id", _external_id)
        if external_id is not None:
            if external_id in first_row:
                cells.problem(
                    "external_id", _('"%(id)s" is also on row %(row)d', id=external_id, row=first_row[external_id])
                )
            first_row.setdefault(external_id, row.number)
        organization = cells.required("organization", _name(300))
        title = cells.required("title", _name(200))
        needs = cells.required(
            "needs",
            _needs_something(
                lambda value: tuple(v.leveled_topics(value, topics, v.WEIGHT_WORDS, what=v.WEIGHT_MESSAGE)),
                N_("name at least one topic"),
            ),
        )
        languages = cells.required("languages", _languages)
        duration = cells.required("duration_days", _number(1, 60))
        window_from = cells.required("window_from", v.day)
        window_to = cells.required("window_to", v.day)
        preferred_from = cells.optional("preferred_from", v.day)
        preferred_to = cells.optional("preferred_to", v.day)
        given: dict[str, Any] = {
            "team_size": cells.optional("team_size", _number(1, 4)),
            "priority": cells.optional("priority", v.yes_no),
            "advisory_level": cells.optional("advisory_level", _advisory),
            "provides": cells.optional("provides", _listed(_provision, commas=True)),
            "notes": cells.optional("notes", _text(5000)),
            "status": cells.optional("status", lambda value: v.choice(value, REQUEST_STATUSES)),
        }
        preferred = None
        if window_from is not None and window_to is not None:
            if window_to < window_from:
                cells.problem(
                    "window_to",
                    _("the window ends (%(end)s) before it starts (%(start)s)", end=window_to, start=window_from),
                )
            elif duration is not None and (window_to - window_from).days + 1 < duration:
                cells.problem(
                    "window_to",
                    _(
                        "the window is shorter than the visit (%(days)d days): %(start)s to %(end)s",
                        days=duration,
                        start=window_from,
                        end=window_to,
                    ),
                )
            if cells.given("preferred_from") != cells.given("preferred_to"):
                missing = "preferred_to" if cells.given("preferred_from") else "preferred_from"
                cells.problem(missing, _("give both days of the preferred period, or neither"))
            elif preferred_from is not None and preferred_to is not None:
                preferred = (preferred_from, preferred_to)
                if preferred_to < preferred_from:
                    cells.problem("preferred_to", _("the preferred period ends before it starts"))
                elif preferred_from < window_from or preferred_to > window_to:
                    cells.problem(
                        "preferred_from",
                        _(
                            "the preferred period %(start)s to %(end)s must lie inside the window "
                            "%(window_start)s to %(window_end)s",
                            start=preferred_from,
                            end=preferred_to,
                            window_start=window_from,
                            window_end=window_to,
                        ),
                    )
                elif duration is not None and (preferred_to - preferred_from).days + 1 < duration:
                    cells.problem(
                        "preferred_to",
                        _("the preferred period is shorter than the visit (%(days)d days)", days=duration),
                    )
        if cells.failed:
            continue
        assert external_id and organization and title and needs and languages and duration
        assert window_from is not None and window_to is not None
        entries.append(
            RequestEntry(
                row.number,
                external_id,
                organization,
                title,
                needs,
                languages,
                duration,
                (window_from, window_to),
                preferred,
                **given,
            )
        )
    return entries


# --- trips ------------------------------------------------------------------------------------------------------


def _volunteer_list(value: v.Cell) -> tuple[tuple[str, str], ...]:
    listed = [person for item in v.items(value) for person in v.comma_tolerant(item, v.person_item)]
    people = tuple(v.unique(listed, key=lambda person: person[0]))
    if not people:
        raise v.BadValue(_("name at least one volunteer's e-mail address"))
    return people


def _trip_topics(topics: v.TopicIndex) -> Callable[[v.Cell], tuple[str, ...]]:
    def read(value: v.Cell) -> tuple[str, ...]:
        def one(item: str) -> str:
            return topics.topic(item, allow_retired=True)

        return tuple(v.unique(slug for item in v.items(value) for slug in v.comma_tolerant(item, one)))

    return read


def _trips(found: Findings, rows: list[Row], topics: v.TopicIndex, entries: Entries) -> None:
    sheet = TRIPS.name
    first_row: dict[str, int] = {}
    for row in rows:
        cells = _RowReader(found, sheet, row)
        external_id = cells.required("external_id", _external_id)
        if external_id is not None:
            if external_id in first_row:
                cells.problem(
                    "external_id", _('"%(id)s" is also on row %(row)d', id=external_id, row=first_row[external_id])
                )
            first_row.setdefault(external_id, row.number)
        organization = cells.required("organization", _name(300))
        start = cells.required("start", v.day)
        end = cells.required("end", v.day)
        volunteers = cells.required("volunteers", _volunteer_list)
        trip_topics = cells.optional("topics", _trip_topics(topics))
        status = cells.optional(
            "status", lambda value: v.choice(value, TRIP_STATUSES, aliases={"canceled": "cancelled"})
        )
        notes = cells.optional("notes", _text(2000))
        if start is not None and end is not None:
            if end < start:
                cells.problem("end", _("the trip ends (%(end)s) before it starts (%(start)s)", end=end, start=start))
            elif (end - start).days + 1 > MAX_TRIP_DAYS:
                cells.problem(
                    "end",
                    _(
                        "a visit lasts at most %(limit)d days; this one %(days)d",
                        limit=MAX_TRIP_DAYS,
                        days=(end - start).days + 1,
                    ),
                )
        if status == "cancelled" and not notes:
            cells.warning(
                "notes", _("a cancelled trip should say why in notes; it is recorded as cancelled without a reason")
            )
        if cells.failed:
            if external_id is not None:
                entries.broken_trips.add(external_id)
            continue
        assert external_id and organization and start and end and volunteers
        entries.trips.append(
            TripEntry(row.number, external_id, organization, start, end, volunteers, trip_topics, status, notes)
        )


# --- reports ----------------------------------------------------------------------------------------------------


def _reports(found: Findings, rows: list[Row]) -> list[ReportEntry]:
    sheet = REPORTS.name
    entries = []
    first_row: dict[tuple[str, str], int] = {}
    for row in rows:
        cells = _RowReader(found, sheet, row)
        trip = cells.required("trip", _external_id)
        kind = cells.required(
            "kind",
            lambda value: v.choice(
                value, REPORT_KINDS, aliases={"volunteer report": "volunteer", "host evaluation": "host"}
            ),
        )
        numbers = {column: cells.optional(column, _number(0, high)) for column, high in REPORT_NUMBERS.items()}
        ratings = {column: cells.optional(column, _number(1, 5)) for column in RATINGS}
        comments = cells.optional("comments", _text(5000))
        if trip is not None and kind is not None:
            if (trip, kind) in first_row:
                cells.problem(
                    "kind",
                    _(
                        "the %(kind)s report of trip %(trip)s is also on row %(row)d",
                        kind=kind,
                        trip=trip,
                        row=first_row[(trip, kind)],
                    ),
                )
            first_row.setdefault((trip, kind), row.number)
        if cells.failed:
            continue
        assert trip and kind
        entries.append(ReportEntry(row.number, trip, kind, numbers, ratings, comments))
    return entries
