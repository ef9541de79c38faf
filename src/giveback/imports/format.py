"""The spreadsheet format (version 1) as data: its sheets, their columns, which are required, and what each holds.

Reading, checking, the export, the template workbook and ``docs/import.md`` all follow these lists.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT_VERSION = 1
MAX_FILE_BYTES = 20 * 1024 * 1024
# A workbook or zip may not unpack to more than this (a "zip bomb" is refused before it is read).
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_ROWS_PER_SHEET = 200_000
# Sheets a workbook may carry beside the known ones without a warning (the template's instructions).
QUIET_SHEETS = ("read me",)


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    required: bool
    help: str


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    matched_by: str

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)


def _columns(*specs: tuple[str, bool, str]) -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(name, required, help) for name, required, help in specs)


ORGANIZATIONS = SheetSpec(
    "organizations",
    _columns(
        ("name", True, "The organization's full name."),
        ("short_name", False, "Its abbreviation, e.g. BSIR."),
        ("country", True, "ISO code (BR, BRA) or English name (Brazil)."),
        ("kind", False, "society or hospital (default society)."),
        ("website", False, "Starting with https:// or http://."),
    ),
    "name (case and accents ignored), or short name and country",
)
VOLUNTEERS = SheetSpec(
    "volunteers",
    _columns(
        ("email", True, "The volunteer's e-mail address; their account is matched by it."),
        ("name", True, "Full name as it should appear."),
        ("institution", False, "Hospital or university."),
        ("country", False, "Where they work: ISO code or English name."),
        ("career_stage", False, "trainee, early-career, mid-career or senior."),
        ("expertise", True, "topic:level pairs separated by ; (level 1-3 or discuss, teach, expert; default 2)."),
        ("languages", True, "ISO codes or English names, separated by ; or ,."),
        ("trips_per_year", False, "1 to 6 (default 1)."),
        ("max_advisory_level", False, "Highest travel advisory accepted, 1 to 4 (default 2)."),
        ("excluded_countries", False, "Countries they will not travel to."),
        ("preferred_regions", False, "africa, asia-pacific, europe, latin-america, middle-east, north-america."),
        ("directory_opt_in", False, "yes or no (default no): listed in the public volunteer directory."),
        ("bio", False, "A few lines about them."),
        ("available_from", False, "First day of an availability window (more windows: extra rows)."),
        ("available_to", False, "Last day of that window."),
    ),
    "e-mail address",
)
REQUESTS = SheetSpec(
    "requests",
    _columns(
        ("external_id", True, "The program's own id for the request."),
        ("organization", True, "Name or short name of the host organization."),
        ("title", True, "What the visit is about."),
        ("needs", True, "topic:weight pairs separated by ; (weight 1-3 or nice, wanted, essential); first = primary."),
        ("languages", True, "Audience languages: ISO codes or English names."),
        ("duration_days", True, "Visit length in days, travel included (1 to 60)."),
        ("team_size", False, "Volunteers travelling together, 1 to 4 (default 1)."),
        ("window_from", True, "First day the host can receive the visit."),
        ("window_to", True, "Last day the host can receive the visit."),
        ("preferred_from", False, "Start of the host's preferred period, inside the window."),
        ("preferred_to", False, "End of the preferred period."),
        ("priority", False, "yes or no (default no)."),
        ("advisory_level", False, "Travel advisory at the host, 1 to 4 (default 1)."),
        ("provides", False, "lodging; local-transport; invitation-letter."),
        ("notes", False, "Anything else the coordinators should know."),
        ("status", False, "draft, submitted or accepted (default accepted)."),
    ),
    "external_id",
)
TRIPS = SheetSpec(
    "trips",
    _columns(
        ("external_id", True, "The program's own id for the trip."),
        ("organization", True, "Name or short name of the host organization."),
        ("start", True, "First day of the visit."),
        ("end", True, "Last day of the visit."),
        ("volunteers", True, "E-mail addresses of everyone who travelled, separated by ;."),
        ("topics", False, "Topics taught (names or slugs), separated by ;."),
        ("status", False, "completed or reported (default completed); cancelled with the reason in notes."),
        ("notes", False, "Notes on the visit; for a cancelled trip, why."),
    ),
    "external_id",
)
REPORTS = SheetSpec(
    "reports",
    _columns(
        ("trip", True, "The trip's external_id."),
        ("kind", True, "volunteer (the team's report) or host (the host's evaluation)."),
        ("lectures", False, "Number of lectures given."),
        ("lecture_hours", False, "Hours of lectures."),
        ("physicians", False, "Physicians who attended."),
        ("trainees", False, "Trainees who attended."),
        ("nurses", False, "Nurses who attended."),
        ("technologists", False, "Technologists who attended."),
        ("rating_overall", False, "1 to 5."),
        ("rating_teaching", False, "1 to 5."),
        ("rating_logistics", False, "1 to 5."),
        ("comments", False, "Free text."),
    ),
    "trip and kind",
)

SHEETS: tuple[SheetSpec, ...] = (ORGANIZATIONS, VOLUNTEERS, REQUESTS, TRIPS, REPORTS)
SHEET_NAMES = tuple(sheet.name for sheet in SHEETS)
SHEETS_BY_NAME = {sheet.name: sheet for sheet in SHEETS}
