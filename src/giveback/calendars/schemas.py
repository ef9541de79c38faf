"""What the calendars API takes and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec


class FeedCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: Literal["personal", "organization", "program"]
    """personal: your own trips; organization: the visits to an organization you represent; program: all trips."""
    organization_id: int | None = None


class FeedOut(msgspec.Struct, kw_only=True):
    id: int
    kind: str
    organization_id: int | None
    name: str
    created_at: datetime


class FeedCreated(msgspec.Struct, kw_only=True):
    """A feed and its secret address, shown this once (only a hash is stored)."""

    feed: FeedOut
    url: str
    webcal_url: str


class ImportIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    """The secret iCal address Google Calendar or Outlook gives (http, https or webcal)."""


class BusyRange(msgspec.Struct, kw_only=True):
    start: date
    end: date


class ImportOut(msgspec.Struct, kw_only=True):
    linked: bool
    address: str
    """The linked address's scheme and host only; the secret part is never shown again."""
    fetched_at: datetime | None
    fetch_queued: bool
    """A fetch is waiting for the worker (after linking or "fetch now"); it runs within seconds, never in a request."""
    error: str
    skipped: int = 0
    """Events of the last fetch that no calendar program could read (a broken date or rule): left out, the rest used."""
    busy: list[BusyRange]
