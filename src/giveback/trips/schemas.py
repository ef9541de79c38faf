"""What the trips API takes and answers: transitions with reasons, the two structured reports, the dashboard."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

STATUSES = (
    "approved",
    "invited",
    "confirmed",
    "in_progress",
    "completed",
    "reported",
    "declined",
    "postponed",
    "cancelled",
)
CASE_ROLES = ("performed", "assisted", "supervised")
REPORT_KINDS = ("volunteer", "host")

Hours = Annotated[int, msgspec.Meta(ge=0, le=200)]
Cases = Annotated[int, msgspec.Meta(ge=0, le=500)]
Attendees = Annotated[int, msgspec.Meta(ge=0, le=5000)]
Rating = Annotated[int, msgspec.Meta(ge=1, le=5)]
Notes = Annotated[str, msgspec.Meta(max_length=5000)]


class ReasonIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: str = ""


class PostponeIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: str = ""
    start: date | None = None
    end: date | None = None


class DatesIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    start: date
    end: date
    reason: str = ""


class CaseIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    topic: str
    role: Literal["performed", "assisted", "supervised"]
    count: Cases


class ReportIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The volunteer report and the host evaluation share one structure."""

    lectures: Annotated[int, msgspec.Meta(ge=0, le=500)] = 0
    lecture_hours: Hours = 0
    cases: list[CaseIn] = []
    physicians: Attendees = 0
    trainees: Attendees = 0
    nurses: Attendees = 0
    technologists: Attendees = 0
    equipment_notes: Notes = ""
    rating_overall: Rating
    rating_teaching: Rating
    rating_logistics: Rating
    comments: Notes = ""


class ReportOut(msgspec.Struct, kw_only=True):
    id: int
    trip_id: int
    kind: str
    author_id: int | None
    author_name: str
    lectures: int
    lecture_hours: int
    cases: list[dict[str, object]]
    physicians: int
    trainees: int
    nurses: int
    technologists: int
    equipment_notes: str
    rating_overall: int
    rating_teaching: int
    rating_logistics: int
    comments: str
    submitted_at: datetime


class EventOut(msgspec.Struct, kw_only=True):
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    from_status: str
    to_status: str
    reason: str


class TripMemberOut(msgspec.Struct, kw_only=True):
    person_id: int
    name: str
    response: str


class TripOut(msgspec.Struct, kw_only=True):
    id: int
    uid: str
    sequence: int
    status: str
    status_reason: str
    start: date
    end: date
    round_id: int | None
    request_id: int
    request_title: str
    organization_id: int
    organization_name: str
    country: str
    members: list[TripMemberOut]
    volunteer_report: bool
    host_evaluation: bool


class TripDetail(msgspec.Struct, kw_only=True):
    trip: TripOut
    events: list[EventOut]
    reports: list[ReportOut]
    can_report_as: list[str]
    actions: list[str]


class OutstandingOut(msgspec.Struct, kw_only=True):
    trip_id: int
    request_title: str
    organization_name: str
    end: date
    days_since_end: int
    missing: list[str]
    last_reminder: datetime | None


class ReminderOut(msgspec.Struct, kw_only=True):
    trip_id: int
    sent_to: int


class Series(msgspec.Struct, kw_only=True):
    label: str
    value: int
    key: str = ""
    """The code behind the label, where there is one (a topic's slug, a country's ISO code, a cadre)."""


class DashboardOut(msgspec.Struct, kw_only=True):
    """Aggregates only: counts per year, per country, per topic, per round — never a person."""

    filters: dict[str, str]
    totals: dict[str, int]
    trips_per_year: list[Series]
    countries_cumulative: list[Series]
    organizations_cumulative: list[Series]
    volunteer_days_per_year: list[Series]
    attendees_per_year: list[Series]
    attendees_by_cadre: list[Series]
    topics_taught: list[Series]
    countries_ranked: list[Series]
    matched_share_per_round: list[Series]
    organizations_ranked: list[Series] | None = None
