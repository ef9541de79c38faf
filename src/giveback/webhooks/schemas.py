"""What the webhooks API takes and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from giveback.text import Name

Event = Literal["trip.approved", "trip.confirmed", "trip.declined", "trip.cancelled", "trip.completed", "report.filed"]


class EndpointIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An address to post the program's events to, and the events it wants."""

    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    events: Annotated[list[Event], msgspec.Meta(min_length=1, max_length=6)]
    description: Annotated[Name, msgspec.Meta(max_length=200)] = ""


class EndpointOut(msgspec.Struct, kw_only=True):
    id: int
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: datetime
    delivered: int
    pending: int
    failed: int


class EndpointCreated(msgspec.Struct, kw_only=True):
    """A new endpoint and the key its events are signed with (``whsec_…``), shown this once."""

    endpoint: EndpointOut
    signing_key: str


class DeliveryOut(msgspec.Struct, kw_only=True):
    """One event posted (or to post) to an endpoint: its state, attempts and the last answer."""

    id: int
    endpoint_id: int
    event: str
    event_id: str
    status: str
    attempts: int
    response_status: int | None
    last_error: str
    """Why the last attempt failed: ``status`` (an answer other than 2xx: ``response_status``), ``unreachable``
    (the host is unknown or not a public address), ``no_answer``, ``switched_off``; empty when it did not."""
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]
