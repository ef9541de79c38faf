"""What the host endpoints read and return: claims, new organizations, requests and their public summaries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from giveback.text import Name, Reason

ClaimStatus = Literal["pending", "approved", "rejected"]
RequestStatus = Literal["draft", "submitted", "accepted", "declined", "matched", "fulfilled"]
Format = Literal["lectures", "hands-on", "case-reviews", "simulation"]
Provision = Literal["lodging", "local-transport", "invitation-letter"]
FORMATS: tuple[Format, ...] = ("lectures", "hands-on", "case-reviews", "simulation")
PROVISIONS: tuple[Provision, ...] = ("lodging", "local-transport", "invitation-letter")
CLAIM_STATUSES: tuple[ClaimStatus, ...] = ("pending", "approved", "rejected")
REQUEST_STATUSES: tuple[RequestStatus, ...] = ("draft", "submitted", "accepted", "declined", "matched", "fulfilled")

Message = Annotated[str, msgspec.Meta(max_length=2000)]
Weight = Annotated[int, msgspec.Meta(ge=1, le=3, description="1 nice to have, 2 wanted, 3 essential")]


class ClaimIn(msgspec.Struct, forbid_unknown_fields=True):
    """Ask to represent an organization."""

    message: Message = ""


class NewOrganizationIn(msgspec.Struct, forbid_unknown_fields=True):
    """Register an organization that is not listed yet; a pending claim on it is made at the same time."""

    kind: Literal["society", "hospital"]
    name: Annotated[Name, msgspec.Meta(min_length=2, max_length=300)]
    country: Annotated[str, msgspec.Meta(min_length=2, max_length=2, description="ISO 3166-1 alpha-2, e.g. BR")]
    short_name: Annotated[Name, msgspec.Meta(max_length=60)] = ""
    website: Annotated[str, msgspec.Meta(max_length=500)] = ""
    message: Message = ""


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""


class ClaimOut(msgspec.Struct, kw_only=True):
    id: int
    person_id: int
    person_name: str
    organization_id: int
    organization_name: str
    status: str
    message: str
    reason: str
    created_at: datetime
    decided_at: datetime | None


class NeedIn(msgspec.Struct, forbid_unknown_fields=True):
    topic: Annotated[str, msgspec.Meta(max_length=64)]
    weight: Weight


class WindowIn(msgspec.Struct, forbid_unknown_fields=True):
    start: date
    end: date
    preferred: bool = False


class RequestIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A request for a visit; ``country`` defaults to the organization's, ``primary_need`` to the heaviest need."""

    # Bounded like the id column (Serial: 32-bit on PostgreSQL): a larger id overflowed the query (a 500).
    organization_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    title: Annotated[Name, msgspec.Meta(min_length=1, max_length=200)]
    needs: Annotated[list[NeedIn], msgspec.Meta(min_length=1)]
    languages: Annotated[list[Annotated[str, msgspec.Meta(max_length=10)]], msgspec.Meta(min_length=1)]
    windows: Annotated[list[WindowIn], msgspec.Meta(min_length=1)]
    duration_days: Annotated[int, msgspec.Meta(ge=1, le=60, description="Visit length in days")]
    team_size: Annotated[int, msgspec.Meta(ge=1, le=4)] = 1
    advisory_level: Annotated[int, msgspec.Meta(ge=1, le=4, description="Travel advisory level 1 to 4")] = 1
    primary_need: str | None = None
    formats: list[Format] = msgspec.field(default_factory=list)
    provides: list[Provision] = msgspec.field(default_factory=list)
    country: str | None = None
    notes: Annotated[str, msgspec.Meta(max_length=5000)] = ""


class PriorityIn(msgspec.Struct, forbid_unknown_fields=True):
    priority: bool


class NeedOut(msgspec.Struct, kw_only=True):
    topic: str
    weight: int


class WindowOut(msgspec.Struct, kw_only=True):
    start: date
    end: date
    preferred: bool


class RequestOut(msgspec.Struct, kw_only=True):
    """A request as its organization's contacts and the coordinators see it."""

    id: int
    organization_id: int
    organization_name: str
    organization_short_name: str
    title: str
    country: str
    region: str | None
    advisory_level: int
    needs: list[NeedOut]
    primary_need: str
    languages: list[str]
    formats: list[str]
    provides: list[str]
    windows: list[WindowOut]
    duration_days: int
    team_size: int
    priority: bool
    notes: str
    status: str
    decision_reason: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime


class PublicTopic(msgspec.Struct, kw_only=True):
    topic: str
    name: str
    weight: int


class PublicRequestOut(msgspec.Struct, kw_only=True):
    """An accepted request's public summary: never notes nor contact data."""

    id: int
    organization_id: int
    organization_name: str
    country: str
    country_name: str
    region: str | None
    title: str
    topics: list[PublicTopic]
    primary_need: str
    languages: list[str]
    formats: list[str]
    duration_days: int
    team_size: int
    windows: list[str]
    window_months: list[tuple[str, str]] = []
    """The same windows as (first month, last month), ``YYYY-MM``: what pages show in the reader's language."""


class MatchingRequest(msgspec.Struct, kw_only=True):
    """An accepted request as the matching code reads it."""

    id: int
    organization_id: int
    organization_short_name: str
    organization_name: str
    country: str
    region: str | None
    needs: dict[str, int]
    primary_need: str
    languages: list[str]
    duration_days: int
    team_size: int
    windows: list[tuple[date, date, bool]]
    priority: bool
    advisory_level: int
