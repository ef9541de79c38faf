"""What the coordinators' search returns."""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

SearchKind = Literal["people", "organizations", "requests", "trips"]
SEARCH_KINDS: tuple[SearchKind, ...] = ("people", "organizations", "requests", "trips")


class PersonHit(msgspec.Struct, kw_only=True, tag="person"):
    id: int
    name: str
    email: str
    roles: list[str]


class OrganizationHit(msgspec.Struct, kw_only=True, tag="organization"):
    id: int
    name: str
    short_name: str
    country: str | None


class RequestHit(msgspec.Struct, kw_only=True, tag="request"):
    id: int
    title: str
    organization: str
    status: str


class TripHit(msgspec.Struct, kw_only=True, tag="trip"):
    id: int
    title: str
    organization: str
    start: date
    end: date
    status: str
    members: list[str]


Hit = PersonHit | OrganizationHit | RequestHit | TripHit
"""A hit says what it is in its ``type`` field: person, organization, request or trip."""


class SearchGroup(msgspec.Struct, kw_only=True):
    """The first hits of one kind, and the cursor of the rest (None when these are all)."""

    kind: SearchKind
    hits: list[Hit]
    next_cursor: str | None
