"""CSV and JSON exports of trips and reports, with a stable column set (documented in docs/trips.md).

Columns are only ever added at the end; the JSON export uses the same names and order as the CSV header.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from giveback import geo
from giveback.trips.report_tables import TripReport
from giveback.trips.tables import Trip, TripMember

TRIP_COLUMNS = (
    "trip_id",
    "uid",
    "sequence",
    "status",
    "status_reason",
    "start",
    "end",
    "days",
    "round_id",
    "request_id",
    "request_title",
    "organization_id",
    "organization",
    "country",
    "region",
    "primary_topic",
    "volunteers",
    "volunteer_count",
    "volunteer_report",
    "host_evaluation",
)
REPORT_COLUMNS = (
    "report_id",
    "trip_id",
    "kind",
    "author_id",
    "submitted_at",
    "lectures",
    "lecture_hours",
    "cases_performed",
    "cases_assisted",
    "cases_supervised",
    "physicians",
    "trainees",
    "nurses",
    "technologists",
    "rating_overall",
    "rating_teaching",
    "rating_logistics",
    "equipment_notes",
    "comments",
)


async def trip_rows() -> list[dict[str, Any]]:
    trips = await Trip.select(
        *Trip.all_columns(),
        Trip.request.title.as_alias("request_title"),
        Trip.request.organization.as_alias("organization_id"),
        Trip.request._.organization._.name.as_alias("organization"),
        Trip.request._.organization._.region.as_alias("org_region"),
        Trip.request.country.as_alias("country"),
        Trip.request.primary_need.as_alias("primary_topic"),
    ).order_by(Trip.id)
    members: dict[int, list[str]] = {}
    for member in (
        await TripMember.select(TripMember.trip, TripMember.person.name.as_alias("name"))
        .where(TripMember.response != "declined")
        .order_by(TripMember.id)
    ):
        members.setdefault(int(member["trip"]), []).append(member["name"] or "")
    kinds: dict[int, set[str]] = {}
    for report in await TripReport.select(TripReport.trip, TripReport.kind):
        kinds.setdefault(int(report["trip"]), set()).add(report["kind"])
    rows = []
    for trip in trips:
        trip_id = int(trip["id"])
        names = members.get(trip_id, [])
        rows.append(
            {
                "trip_id": trip_id,
                "uid": trip["uid"],
                "sequence": trip["sequence"],
                "status": trip["status"],
                "status_reason": trip["status_reason"],
                "start": trip["start"].isoformat(),
                "end": trip["end"].isoformat(),
                "days": (trip["end"] - trip["start"]).days + 1,
                "round_id": trip["round"],
                "request_id": trip["request"],
                "request_title": trip["request_title"],
                "organization_id": trip["organization_id"],
                "organization": trip["organization"],
                "country": trip["country"],
                "region": trip["org_region"] or geo.region_of(trip["country"] or "") or "",
                "primary_topic": trip["primary_topic"],
                "volunteers": "; ".join(names),
                "volunteer_count": len(names),
                "volunteer_report": "volunteer" in kinds.get(trip_id, set()),
                "host_evaluation": "host" in kinds.get(trip_id, set()),
            }
        )
    return rows


async def report_rows() -> list[dict[str, Any]]:
    rows = []
    for report in await TripReport.select().output(load_json=True).order_by(TripReport.id):
        by_role = {"performed": 0, "assisted": 0, "supervised": 0}
        for case in report["cases"] or []:
            by_role[case["role"]] = by_role.get(case["role"], 0) + int(case["count"])
        rows.append(
            {
                "report_id": report["id"],
                "trip_id": report["trip"],
                "kind": report["kind"],
                "author_id": report["author"],
                "submitted_at": report["submitted_at"].isoformat(),
                "lectures": report["lectures"],
                "lecture_hours": report["lecture_hours"],
                "cases_performed": by_role["performed"],
                "cases_assisted": by_role["assisted"],
                "cases_supervised": by_role["supervised"],
                "physicians": report["physicians"],
                "trainees": report["trainees"],
                "nurses": report["nurses"],
                "technologists": report["technologists"],
                "rating_overall": report["rating_overall"],
                "rating_teaching": report["rating_teaching"],
                "rating_logistics": report["rating_logistics"],
                "equipment_notes": report["equipment_notes"],
                "comments": report["comments"],
            }
        )
    return rows


def to_csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(row[key]) for key in columns})
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # no formula injection when opened in a spreadsheet
    return "" if value is None else value


async def export(what: str) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    if what == "trips":
        return TRIP_COLUMNS, await trip_rows()
    return REPORT_COLUMNS, await report_rows()
