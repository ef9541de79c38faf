"""What the documents and travel checklist API takes and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from giveback.text import Reason

DOCUMENT_KINDS = ("invitation", "certificate")
DocumentKind = Literal["invitation", "certificate"]
Purpose = Annotated[str, msgspec.Meta(max_length=1000, description="The purpose of the visit in the host's words")]
Answer = Literal["unknown", "yes", "no"]
Details = Annotated[str, msgspec.Meta(max_length=200)]
Note = Annotated[str, msgspec.Meta(max_length=1000)]
LocalTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$",
        description="A local time at the airport, YYYY-MM-DDTHH:MM (what a datetime-local field sends)",
    ),
]


class DocumentIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Issue a document for one volunteer of the trip. ``locale``: the document's language (default: the
    volunteer's); ``purpose``: the letter's purpose of the visit (default: the platform's words); ``signed``:
    the issuer has read the text and signs it on the host organization's (or the program's) behalf."""

    kind: DocumentKind
    person_id: Annotated[int, msgspec.Meta(ge=1)]
    locale: str = ""
    purpose: Purpose = ""
    signed: bool = False


class WithdrawIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Reason = ""


class DocumentOut(msgspec.Struct, kw_only=True):
    id: int
    code: str
    kind: str
    trip_id: int
    person_id: int
    person_name: str
    locale: str
    signed_by_name: str
    issued_at: datetime
    withdrawn_at: datetime | None
    withdrawn_reason: str
    filename: str
    verify_url: str


class VerificationOut(msgspec.Struct, kw_only=True):
    """What a document says, as issued, and whether it still stands (``status``: valid or withdrawn)."""

    code: str
    kind: str
    status: str
    issued_at: datetime
    withdrawn_at: datetime | None
    withdrawn_reason: str
    trip_status: str
    facts: dict[str, Any]


class ChecklistIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The items a person sets on one volunteer's checklist; a field left out stays as it is, a day or time sent
    as null is cleared. Times are local times at the airport (``2027-03-02T14:35``)."""

    visa_needed: Answer | UnsetType = UNSET
    visa_applied_on: date | UnsetType | None = UNSET
    visa_granted_on: date | UnsetType | None = UNSET
    arrival_at: LocalTime | UnsetType | None = UNSET
    arrival_details: Details | UnsetType = UNSET
    departure_at: LocalTime | UnsetType | None = UNSET
    departure_details: Details | UnsetType = UNSET
    lodging: Note | UnsetType = UNSET
    insurance: Note | UnsetType = UNSET
    licence_needed: Answer | UnsetType = UNSET
    licence_granted_on: date | UnsetType | None = UNSET
    local_contact: Note | UnsetType = UNSET


class ChecklistItemOut(msgspec.Struct, kw_only=True):
    """One item: ``state`` is open, done or not_needed; ``by`` who sets it (volunteer or host); ``provided``:
    the host committed to it (its request's ``provides``)."""

    item: str
    state: str
    by: str
    provided: bool
    values: dict[str, Any]


class ChecklistOut(msgspec.Struct, kw_only=True):
    trip_id: int
    person_id: int
    person_name: str
    items: list[ChecklistItemOut]
    open_items: list[str]
    updated_at: datetime | None
    updated_by_name: str


class OpenTravelOut(msgspec.Struct, kw_only=True):
    """A trip before travel with checklist items still open (the coordinator's view)."""

    trip_id: int
    request_title: str
    organization_name: str
    start: date
    days_to_go: int
    open_items: dict[str, list[str]]  # volunteer's name → their open items
