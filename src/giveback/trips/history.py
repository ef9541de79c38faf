"""Trips made before the program used the platform, recorded from its history (the spreadsheet import).

A past trip is a trip like any other: it counts on the dashboard, in the exports and the feeds, and against a
volunteer's yearly cap. It is recorded straight into its final state (completed, reported or cancelled) with a
``recorded`` step in its log, and it carries a request of its own, already fulfilled (declined for a cancelled
trip), which holds its organization, country and topics, so that no round ever matches it again. Nobody is
reminded to report on a recorded trip. Everything here runs inside the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from giveback.db.bulk import changes, insert_many
from giveback.hosts.tables import HostRequest, RequestNeed
from giveback.trips.report_tables import TripEvent, TripReport
from giveback.trips.tables import Trip, TripMember

RECORDED = "recorded"
RECORD_CHANGED = "record_changed"
PAST_STATUSES = ("completed", "reported", "cancelled")
TOPIC_WEIGHT = 2


@dataclass(frozen=True)
class PastTrip:
    organization_id: int
    country: str  # ISO code, or "" for a regional organization
    title: str
    start: date
    end: date
    status: str  # one of PAST_STATUSES
    notes: str  # for a cancelled trip, the reason
    topics: tuple[str, ...]  # slugs; the first is the visit's primary topic
    members: tuple[int, ...]  # person ids of everyone who travelled


@dataclass(frozen=True)
class PastReport:
    trip_id: int
    kind: str  # volunteer or host
    lectures: int = 0
    lecture_hours: int = 0
    physicians: int = 0
    trainees: int = 0
    nurses: int = 0
    technologists: int = 0
    rating_overall: int = 0
    rating_teaching: int = 0
    rating_logistics: int = 0
    comments: str = ""


def _now() -> datetime:
    return datetime.now(UTC)


def _request_values(trip: PastTrip) -> dict[str, Any]:
    cancelled = trip.status == "cancelled"
    return {
        "organization": trip.organization_id,
        "title": trip.title,
        "country": trip.country,
        "primary_need": trip.topics[0] if trip.topics else "",
        "languages": [],
        "formats": [],
        "provides": [],
        "duration_days": (trip.end - trip.start).days + 1,
        "team_size": max(1, len(trip.members)),
        "notes": trip.notes,
        "status": "declined" if cancelled else "fulfilled",
        "decision_reason": trip.notes if cancelled else "",
    }


def _trip_values(trip: PastTrip) -> dict[str, Any]:
    return {
        "start": trip.start,
        "end": trip.end,
        "status": trip.status,
        "status_reason": trip.notes if trip.status == "cancelled" else "",
    }


def _needs(request_id: int, topics: tuple[str, ...]) -> list[dict[str, Any]]:
    return [dict(request=request_id, topic=slug, weight=TOPIC_WEIGHT) for slug in topics]


def _members(trip_id: int, members: tuple[int, ...]) -> list[dict[str, Any]]:
    return [dict(trip=trip_id, person=person_id, response="accepted", score={}) for person_id in members]


async def record_past_trips(trips: list[PastTrip], *, uid_host: str, actor_id: int | None) -> list[int]:
    """Record the trips (and their requests) in bulk; returns the new trip ids in the order given."""
    moment = _now()
    request_ids = await insert_many(
        HostRequest,
        [dict(created_by=actor_id, created_at=moment, updated_at=moment, **_request_values(t)) for t in trips],
    )
    await insert_many(
        RequestNeed, [need for trip, rid in zip(trips, request_ids, strict=True) for need in _needs(rid, trip.topics)]
    )
    trip_ids = await insert_many(
        Trip,
        [
            dict(uid=f"{uuid.uuid4()}@{uid_host}", request=rid, created_at=moment, updated_at=moment, **_trip_values(t))
            for t, rid in zip(trips, request_ids, strict=True)
        ],
    )
    await insert_many(
        TripMember, [m for trip, tid in zip(trips, trip_ids, strict=True) for m in _members(tid, trip.members)]
    )
    await insert_many(
        TripEvent,
        [
            dict(
                trip=tid,
                actor=actor_id,
                at=moment,
                action=RECORDED,
                from_status="",
                to_status=trip.status,
                reason="recorded from the program's history",
                details={},
            )
            for trip, tid in zip(trips, trip_ids, strict=True)
        ],
    )
    return trip_ids


async def change_past_trip(trip_id: int, trip: PastTrip, *, actor_id: int | None) -> None:
    """Give a recorded trip new facts (dates, volunteers, topics, status, notes); SEQUENCE rises for the feeds."""
    row = await Trip.select(Trip.request, Trip.status, Trip.sequence).where(Trip.id == trip_id).first()
    assert row is not None
    request_id = int(row["request"])
    await HostRequest.update(changes({**_request_values(trip), "updated_at": _now()})).where(
        HostRequest.id == request_id
    )
    await RequestNeed.delete().where(RequestNeed.request == request_id)
    await insert_many(RequestNeed, _needs(request_id, trip.topics))
    values = {**_trip_values(trip), "sequence": int(row["sequence"]) + 1, "updated_at": _now()}
    await Trip.update(changes(values)).where(Trip.id == trip_id)
    await TripMember.delete().where(TripMember.trip == trip_id)
    await insert_many(TripMember, _members(trip_id, trip.members))
    await insert_many(
        TripEvent,
        [
            dict(
                trip=trip_id,
                actor=actor_id,
                at=_now(),
                action=RECORD_CHANGED,
                from_status=row["status"],
                to_status=trip.status,
                reason="changed from the program's history",
                details={},
            )
        ],
    )


async def recorded_trip_ids(trip_ids: list[int]) -> set[int]:
    """Those of the trips that were recorded from history (and may be changed the same way)."""
    if not trip_ids:
        return set()
    found: set[int] = set()
    for start in range(0, len(trip_ids), 5000):
        rows = await TripEvent.select(TripEvent.trip).where(
            (TripEvent.action == RECORDED) & TripEvent.trip.is_in(trip_ids[start : start + 5000])
        )
        found |= {int(row["trip"]) for row in rows}
    return found


def _report_values(report: PastReport) -> dict[str, Any]:
    return {
        "lectures": report.lectures,
        "lecture_hours": report.lecture_hours,
        "physicians": report.physicians,
        "trainees": report.trainees,
        "nurses": report.nurses,
        "technologists": report.technologists,
        "rating_overall": report.rating_overall,
        "rating_teaching": report.rating_teaching,
        "rating_logistics": report.rating_logistics,
        "comments": report.comments,
    }


async def record_past_reports(reports: list[PastReport]) -> None:
    """File reports on recorded trips as they were written then (no author: they came with the history)."""
    moment = _now()
    await insert_many(
        TripReport,
        [
            dict(
                key=f"{r.trip_id}:{r.kind}",
                trip=r.trip_id,
                kind=r.kind,
                author=None,
                cases=[],
                equipment_notes="",
                submitted_at=moment,
                **_report_values(r),
            )
            for r in reports
        ],
    )


async def change_past_report(report: PastReport) -> None:
    await TripReport.update(changes(_report_values(report))).where(TripReport.key == f"{report.trip_id}:{report.kind}")
