"""Writing the program out in the import's own format: an ``.xlsx`` workbook or a ``.zip`` of ``.csv`` files,
and the empty template workbook a coordinator fills in.

What the format carries: every organization, every volunteer with a profile, the open requests (draft,
submitted, accepted) and the trips that are over (completed, reported, cancelled) with their reports. Live trips
and the requests they belong to are left out: they move on in the platform's rounds, not in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from typing import Any

from giveback.accounts.tables import Person
from giveback.imports import records
from giveback.imports.format import ORGANIZATIONS, REPORTS, REQUESTS, SHEETS, TRIPS, VOLUNTEERS, SheetSpec
from giveback.imports.records import RequestRecord, TripRecord, VolunteerRecord
from giveback.imports.workbook import CSV_ESCAPED
from giveback.trips.tables import Trip

Sheets = dict[str, list[dict[str, Any]]]
HELP_SHEET = "read me"


def _joined(values: Any) -> str:
    return "; ".join(str(value) for value in values)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _volunteer_rows(record: VolunteerRecord) -> list[dict[str, Any]]:
    windows = list(record.windows)
    first = windows[0] if windows else (None, None)
    rows = [
        {
            "email": record.email,
            "name": record.name,
            "institution": record.institution,
            "country": record.country or "",
            "career_stage": record.career_stage,
            "expertise": _joined(f"{slug}:{level}" for slug, level in record.expertise),
            "languages": _joined(record.languages),
            "trips_per_year": record.trips_per_year,
            "max_advisory_level": record.max_advisory_level,
            "excluded_countries": _joined(record.excluded_countries),
            "preferred_regions": _joined(record.preferred_regions),
            "directory_opt_in": _yes_no(record.directory_opt_in),
            "bio": record.bio,
            "available_from": first[0],
            "available_to": first[1],
        }
    ]
    rows.extend({"email": record.email, "available_from": start, "available_to": end} for start, end in windows[1:])
    return rows


def _request_row(record: RequestRecord) -> dict[str, Any]:
    return {
        "external_id": record.external_id,
        "organization": record.organization,
        "title": record.title,
        "needs": _joined(f"{slug}:{weight}" for slug, weight in record.needs),
        "languages": _joined(record.languages),
        "duration_days": record.duration_days,
        "team_size": record.team_size,
        "window_from": record.window[0],
        "window_to": record.window[1],
        "preferred_from": record.preferred[0] if record.preferred else None,
        "preferred_to": record.preferred[1] if record.preferred else None,
        "priority": _yes_no(record.priority),
        "advisory_level": record.advisory_level,
        "provides": _joined(record.provides),
        "notes": record.notes,
        "status": record.status,
    }


def _trip_row(record: TripRecord, people: dict[str, str]) -> dict[str, Any]:
    volunteers = []
    for email in sorted(record.volunteers):
        name = people.get(email, "")
        plain = not name or any(character in name for character in ";<>")
        volunteers.append(email if plain else f"{name} <{email}>")
    return {
        "external_id": record.external_id,
        "organization": record.organization,
        "start": record.start,
        "end": record.end,
        "volunteers": _joined(volunteers),
        "topics": _joined(record.topics),
        "status": record.status,
        "notes": record.notes,
    }


async def program(base_url: str) -> Sheets:
    """The whole program, sheet by sheet, as rows of cells."""
    volunteers = await records.volunteers(None)
    with_profile = {record.email for record in volunteers.values()}
    trips, _ = await records.trips(None)
    members = {email for record in trips.values() for email in record.volunteers} - with_profile
    names = {
        row["email"]: row["name"]
        for part in records.chunks(sorted(members))
        for row in await Person.select(Person.email, Person.name).where(Person.email.is_in(list(part)))
    }
    trip_names = {trip_id: record.external_id for trip_id, record in trips.items()}
    ordered_trips = sorted(trips.items(), key=lambda item: (item[1].start, item[0]))
    reports = await records.reports(sorted(trips), trip_names)
    return {
        ORGANIZATIONS.name: [
            {
                "name": record.name,
                "short_name": record.short_name,
                "country": record.country or "",
                "kind": record.kind,
                "website": record.website,
            }
            for record in await records.organizations()
        ],
        VOLUNTEERS.name: [
            row
            for record in sorted(volunteers.values(), key=lambda record: record.email)
            for row in _volunteer_rows(record)
        ],
        REQUESTS.name: [_request_row(record) for _, record in sorted((await records.requests(None, base_url)).items())],
        TRIPS.name: [_trip_row(record, names) for _, record in ordered_trips],
        REPORTS.name: [
            {
                "trip": record.trip,
                "kind": record.kind,
                "lectures": record.lectures,
                "lecture_hours": record.lecture_hours,
                "physicians": record.physicians,
                "trainees": record.trainees,
                "nurses": record.nurses,
                "technologists": record.technologists,
                "rating_overall": record.rating_overall or None,
                "rating_teaching": record.rating_teaching or None,
                "rating_logistics": record.rating_logistics or None,
                "comments": record.comments,
            }
            for (trip_id, _), record in sorted(
                reports.items(), key=lambda item: (trips[item[0][0]].start, item[0][0], item[0][1])
            )
        ],
    }


async def left_out() -> dict[str, int]:
    """What the format does not carry, to say so beside an export: live trips (and so their requests)."""
    live = await Trip.count().where(Trip.status.is_in(["approved", "invited", "confirmed", "in_progress", "postponed"]))
    return {"live trips": int(live)}


# --- writing ----------------------------------------------------------------------------------------------------


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in {prefix[1] for prefix in CSV_ESCAPED}:
        return "'" + value  # a spreadsheet opening the file must not run it as a formula; the import strips it
    return value


def csv_files(sheets: Sheets) -> dict[str, bytes]:
    """One UTF-8 .csv file per sheet (with a byte-order mark, so that spreadsheets read accents right)."""
    files = {}
    for spec in SHEETS:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(spec.column_names)
        for row in sheets.get(spec.name, []):
            writer.writerow([_csv_cell(row.get(column)) for column in spec.column_names])
        files[f"{spec.name}.csv"] = buffer.getvalue().encode("utf-8-sig")
    return files


def zip_bytes(sheets: Sheets) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in csv_files(sheets).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def workbook_bytes(sheets: Sheets, *, with_help: bool = False) -> bytes:
    """An .xlsx workbook: a sheet per part of the format, a header row in bold (required columns marked)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook(write_only=True)
    required_font, optional_font = Font(bold=True), Font(bold=False, italic=True)
    fill = PatternFill("solid", fgColor="DDEBF7")

    def header(worksheet: Any, spec: SheetSpec) -> list[WriteOnlyCell]:
        cells = []
        for column in spec.columns:
            cell = WriteOnlyCell(worksheet, value=column.name)
            cell.font = required_font if column.required else optional_font
            cell.fill = fill
            if with_help:
                cell.comment = Comment(("Required. " if column.required else "") + column.help, "Giveback")
            cells.append(cell)
        return cells

    def value_cell(worksheet: Any, value: Any) -> Any:
        if isinstance(value, date):
            cell = WriteOnlyCell(worksheet, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(worksheet, value=value)
            cell.data_type = "s"  # text that looks like a formula stays text
            return cell
        return value

    for spec in SHEETS:
        worksheet = workbook.create_sheet(spec.name)
        worksheet.freeze_panes = "A2"
        for index, column in enumerate(spec.columns):
            letter = _column_letter(index)
            worksheet.column_dimensions[letter].width = max(12, min(40, len(column.name) + 6))
        worksheet.append(header(worksheet, spec))
        for row in sheets.get(spec.name, []):
            worksheet.append([value_cell(worksheet, row.get(column)) for column in spec.column_names])
    if with_help:
        worksheet = workbook.create_sheet(HELP_SHEET)
        worksheet.column_dimensions["A"].width = 22
        worksheet.column_dimensions["B"].width = 18
        worksheet.column_dimensions["C"].width = 100
        for line in _help_rows():
            worksheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _help_rows() -> list[list[str]]:
    rows = [
        ["Giveback import, format version 1", "", ""],
        ["", "", ""],
        [
            "How to use",
            "",
            "Fill in the sheets you need (others may stay empty or be deleted); the first row holds the column "
            "names. Bold columns are required. Upload the workbook on the coordinator's Import page: a preview "
            "shows what would be created, updated or left unchanged, and every problem, before anything is "
            "written. Importing the same file again changes nothing.",
        ],
        [
            "Values",
            "",
            "Countries: ISO code (BR, BRA) or English name. Languages: ISO code (pt) or English name, separated "
            "by ; or ,. Dates: YYYY-MM-DD or a date cell. yes/no: yes, no, true, false, 1, 0, x or empty. "
            "Lists: separated by ;. Expertise and needs: topic:level pairs, e.g. venous:expert; aortic:2.",
        ],
        ["", "", ""],
        ["sheet", "column", "what it holds"],
    ]
    for spec in SHEETS:
        for column in spec.columns:
            rows.append([spec.name, column.name + (" (required)" if column.required else ""), column.help])
        rows.append([spec.name, "matched by", spec.matched_by])
    return rows


def template_bytes() -> bytes:
    """The empty workbook to fill in: every sheet with its header, column notes, and a sheet of instructions."""
    return workbook_bytes({}, with_help=True)
