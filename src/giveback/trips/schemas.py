"""What the trips API takes and answers: transitions with reasons, the two structured reports, the dashboard."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from giveback.text import Reason

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
    reason: Reason = ""


class PostponeIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Reason = ""
    start: date | None = None
    end: date | None = None


class DatesIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    start: date
    end: date
    reason: Reason = ""


class AnswerIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    answer: Literal["accepted", "declined"]


class ResentOut(msgspec.Struct, kw_only=True):
    trip_id: int
    sent_to: int


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


class ContactOut(msgspec.Struct, kw_only=True):
    person_id: int
    name: str
    email: str


class NeedBrief(msgspec.Struct, kw_only=True):
    topic: str
    weight: int


class BriefingOut(msgspec.Struct, kw_only=True):
    """What the traveller needs to know: the request as its host wrote it (without the notes meant for the
    coordinators) and whom to write to."""

    request_id: int
    organization_short_name: str
    region: str | None
    needs: list[NeedBrief]
    primary_need: str
    languages: list[str]
    formats: list[str]
    provides: list[str]
    duration_days: int
    team_size: int
    advisory_level: int
    host_contacts: list[ContactOut]


class TripDetail(msgspec.Struct, kw_only=True):
    trip: TripOut
    events: list[EventOut]
    reports: list[ReportOut]
    can_report_as: list[str]
    actions: list[str]
    briefing: BriefingOut | None = None
    my_response: str = ""  # the viewer's answer to their place on the trip ("" when they have none)
    can_answer: bool = False  # the viewer may accept or decline their place now
    can_resend: bool = False  # a coordinator may send the invite again to those who have not answered


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


class InviteView(msgspec.Struct, kw_only=True):
    """What an accept or decline link in an invite is about."""

    trip_id: int
    summary: str
    location: str
    first_day: date
    last_day: date
    trip_status: str
    answer: Literal["accept", "decline"]
    response: str
    answerable: bool


class InviteAnswerOut(msgspec.Struct, kw_only=True):
    """A volunteer's answer as recorded (``changed`` is false when it was recorded already)."""

    trip_id: int
    response: str
    trip_status: str
    changed: bool
