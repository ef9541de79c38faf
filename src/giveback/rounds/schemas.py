"""What the match-round endpoints read and return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from giveback.text import Name, Reason
from solver.problem import DEFAULT_MIN_GAP_DAYS, DEFAULT_START_WEEKDAYS, DEFAULT_WEIGHTS

Weekday = Annotated[int, msgspec.Meta(ge=0, le=6)]
Weight = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
MAX_TIME_LIMIT_SECONDS = 300.0


class Weights(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Points of each term of matching.md's score (defaults: the solver's)."""

    served: Weight = DEFAULT_WEIGHTS["served"]
    expertise: Weight = DEFAULT_WEIGHTS["expertise"]
    primary_need: Weight = DEFAULT_WEIGHTS["primary_need"]
    first_language: Weight = DEFAULT_WEIGHTS["first_language"]
    preferred_region: Weight = DEFAULT_WEIGHTS["preferred_region"]
    host_priority: Weight = DEFAULT_WEIGHTS["host_priority"]
    host_preferred_dates: Weight = DEFAULT_WEIGHTS["host_preferred_dates"]
    volunteer_preferred_dates: Weight = DEFAULT_WEIGHTS["volunteer_preferred_dates"]


class RoundSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    start_weekdays: Annotated[list[Weekday], msgspec.Meta(min_length=1, max_length=7)] = msgspec.field(
        default_factory=lambda: list(DEFAULT_START_WEEKDAYS)
    )
    min_gap_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = DEFAULT_MIN_GAP_DAYS
    weights: Weights = msgspec.field(default_factory=Weights)
    time_limit_seconds: Annotated[float, msgspec.Meta(gt=0, le=MAX_TIME_LIMIT_SECONDS)] = 10.0


class RoundCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[Name, msgspec.Meta(min_length=1, max_length=100)]
    period_start: date
    period_end: date
    settings: RoundSettings = msgspec.field(default_factory=RoundSettings)


class PinCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Fix a visit: this request, starting on this day, with these volunteers (problem ids, e.g. v-7)."""

    request: str
    start: date
    volunteers: Annotated[list[str], msgspec.Meta(min_length=1)]


class PairCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Never match this volunteer with this request (an exclusion, or a host's veto with its reason)."""

    volunteer: str
    request: str
    reason: Reason = ""


class DateChange(msgspec.Struct, forbid_unknown_fields=True):
    """Move a proposed visit to another start day (checked against the rules at once); it becomes a pin."""

    request: str
    start: date


class RunCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    seed: Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)] = 0
    workers: Annotated[int, msgspec.Meta(ge=1, le=8)] = 2
    warm_start: bool = True


class Approval(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Approve every proposal of the run, or only the requests named; for a replacement run, its proposed
    volunteers or the ones chosen among its candidates (``volunteers``, problem ids such as ``v-7``)."""

    requests: list[str] | None = None
    volunteers: Annotated[list[str], msgspec.Meta(min_length=1, max_length=20)] | None = None


class ReplacementCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Look for volunteers to fill a trip's free place after a decline."""

    trip_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class AdjustmentOut(msgspec.Struct, kw_only=True):
    id: int
    kind: str
    request: str
    volunteers: list[str]
    start: date | None
    reason: str


class BookedOut(msgspec.Struct, kw_only=True):
    """A volunteer whose trips took days or trips from this round at its freeze (``left_out``: nothing left)."""

    volunteer: str
    person_id: int
    name: str
    reasons: list[str]
    left_out: bool
    max_trips: int


class DroppedOut(msgspec.Struct, kw_only=True):
    """A pin, exclusion or veto the last freeze dropped because it no longer applies, and why."""

    kind: str
    request: str
    title: str
    volunteers: list[str]
    names: list[str]
    start: date | None
    reason: str


class RoundOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    period_start: date
    period_end: date
    status: str
    settings: RoundSettings
    problem_hash: str
    frozen_at: datetime | None
    volunteers: int
    requests: int
    adjustments: list[AdjustmentOut]
    booked: list[BookedOut] = msgspec.field(default_factory=list)
    dropped: list[DroppedOut] = msgspec.field(default_factory=list)


class RunOut(msgspec.Struct, kw_only=True):
    id: int
    round_id: int
    status: str
    seed: int
    workers: int
    time_limit: float
    input_hash: str
    warm_from: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    elapsed_seconds: float
    objective: int | None
    bound: int | None
    gap_percent: float | None
    solver_status: str
    error: str
    approved_at: datetime | None
    kind: str = "round"
    trip_id: int | None = None


class MemberOut(msgspec.Struct, kw_only=True):
    volunteer: str
    person_id: int
    name: str
    score: dict[str, int]
    total: int
    fits: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """Why the volunteer fits the request, as data the pages put in words (``rounds.explanations.why_it_fits``):
    ``{"kind": "first_language", "language": "ka"}``, ``{"kind": "primary_need", "topic": …, "level": 3}``, …"""


class ProposalOut(msgspec.Struct, kw_only=True):
    request: str
    request_id: int
    title: str
    host: str
    country: str
    region: str
    topics: list[str]
    start: date
    end: date
    score: int
    members: list[MemberOut]
    pinned: bool
    vetoes: list[str]
    breakdown: dict[str, int] = msgspec.field(default_factory=dict)
    """The visit's score by term: ``served`` once plus every member's terms (``solver.score_visit``)."""
    vetoed_names: list[str] = msgspec.field(default_factory=list)


class UnmatchedOut(msgspec.Struct, kw_only=True):
    request: str
    request_id: int
    title: str
    host: str
    reasons: list[str]
    """The solver's reasons as it wrote them (problem ids such as ``v-36`` in them)."""
    people: dict[str, str] = msgspec.field(default_factory=dict)
    """The names of the volunteers and requests the reasons mention, by problem id (``v-36`` → ``Nino Beridze``,
    ``r-12`` → ``“Embolization course” (SoBRICE)``), for the pages to put in their place."""


class CapacityOut(msgspec.Struct, kw_only=True):
    volunteer: str
    person_id: int
    name: str
    proposed: int
    max_trips: int


class ChangeOut(msgspec.Struct, kw_only=True):
    """What a run changed against the previous one of the round."""

    added: list[str]
    dropped: list[str]
    moved: list[str]
    restaffed: list[str]


class WithdrawnOut(msgspec.Struct, kw_only=True):
    """A proposal no longer shown: its request stopped waiting for a visit after the run."""

    request: str
    request_id: int
    title: str
    host: str
    reason: str


class ProposalsOut(msgspec.Struct, kw_only=True):
    run: RunOut
    proposals: list[ProposalOut]
    unmatched: list[UnmatchedOut]
    capacity: list[CapacityOut]
    changes: ChangeOut | None
    withdrawn: list[WithdrawnOut] = msgspec.field(default_factory=list)


class ApprovalOut(msgspec.Struct, kw_only=True):
    trips: list[int]
    refused: dict[str, list[str]]


class CandidateOut(msgspec.Struct, kw_only=True):
    """A free volunteer who fits a free place, with their score for it."""

    volunteer: str
    person_id: int
    name: str
    score: int
    proposed: bool


class PlaceOut(msgspec.Struct, kw_only=True):
    """A trip of the round with a free place after a decline, and the search for a replacement."""

    trip_id: int
    request: str
    title: str
    host: str
    start: date
    end: date
    trip_status: str
    missing: int
    declined: list[str]
    travelling: list[str]
    run: RunOut | None
    candidates: list[CandidateOut]
    unmatched: list[str]


class ChangedSinceFreeze(msgspec.Struct, kw_only=True):
    volunteers: list[str]
    requests: list[str]
    added: list[str]
    removed: list[str]


def to_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)
