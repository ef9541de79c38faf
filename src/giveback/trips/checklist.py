"""The travel checklist of each volunteer on a trip, and the reminders before travel for what is still open.

Items and who sets them (``FIELDS``): the volunteer sets the visa (needed? applied, granted), the flights
(arrival and departure, local times at the airport), the insurance and, once the host said one is needed, the
medical licence; a contact of the host says whether a licence is needed and gives the local contact; lodging is
set by the host when it provides lodging (its request's ``provides``), else by the volunteer. Everyone who sees
the trip's documents (its volunteers, the host's contacts, coordinators) sees every checklist of the trip.

60, 30 and 7 days before the first day, each person with items still open gets one reminder naming them
(recorded in ``ReminderSent`` as ``travel_60`` …, in the transaction that queues the e-mail, like the report
reminders): a late run sends the latest one due, never one twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import msgspec
import structlog

from giveback.accounts.services import audit, recipients
from giveback.accounts.sessions import SignedIn
from giveback.calendars.invites import about_trip
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from giveback.hosts import services as hosts
from giveback.hosts.tables import HostRequest
from giveback.i18n.formatting import format_date, format_list
from giveback.i18n.labels import label
from giveback.mail.outbox import Recipient, queue_templated
from giveback.settings import Settings
from giveback.trips import documents, services
from giveback.trips.facts import host_contacts
from giveback.trips.tables import Trip, TripMember
from giveback.trips.travel_schemas import ChecklistIn, ChecklistItemOut, ChecklistOut, OpenTravelOut
from giveback.trips.travel_tables import TravelChecklist, TripDocument

log = structlog.get_logger()

REMINDER_DAYS = (60, 30, 7)
"""Days before the first day on which the people with open items are reminded."""
EDITABLE = ("approved", "invited", "confirmed", "in_progress")
"""The trip states in which a checklist is kept (before and during travel)."""
REMINDED = ("invited", "confirmed")
"""The trip states whose open items are reminded (to the volunteers who accepted their place)."""

VOLUNTEER, HOST, LODGING = "volunteer", "host", "lodging"
FIELDS: dict[str, str] = {
    "visa_needed": VOLUNTEER,
    "visa_applied_on": VOLUNTEER,
    "visa_granted_on": VOLUNTEER,
    "arrival_at": VOLUNTEER,
    "arrival_details": VOLUNTEER,
    "departure_at": VOLUNTEER,
    "departure_details": VOLUNTEER,
    "lodging": LODGING,
    "insurance": VOLUNTEER,
    "licence_needed": HOST,
    "licence_granted_on": VOLUNTEER,
    "local_contact": HOST,
}
"""Who sets each field: the volunteer, a host contact, or (lodging) whoever arranges it."""


@dataclass(frozen=True)
class Item:
    """An item of the checklist: its fields, and what the host commits to beside it (a ``provides`` code)."""

    name: str
    fields: tuple[str, ...]
    provision: str = ""


ITEMS = (
    Item("visa", ("visa_needed", "visa_applied_on", "visa_granted_on"), provision="invitation-letter"),
    Item("flights", ("arrival_at", "arrival_details", "departure_at", "departure_details"), "local-transport"),
    Item("lodging", ("lodging",), provision="lodging"),
    Item("insurance", ("insurance",)),
    Item("licence", ("licence_needed", "licence_granted_on")),
    Item("local_contact", ("local_contact",)),
)


def _now() -> datetime:
    return datetime.now(UTC)


def default_row(trip_id: int, person_id: int) -> dict[str, Any]:
    """A checklist nobody has touched yet (every item open)."""
    row = {column._meta.name: column.get_default_value() for column in TravelChecklist._meta.columns}
    row.update(id=None, key=f"{trip_id}:{person_id}", trip=trip_id, person=person_id, updated_at=None, updated_by=None)
    return row


def item_state(item: str, row: dict[str, Any]) -> str:
    """``done``, ``not_needed`` or ``open``."""
    if item == "visa":
        if row["visa_needed"] == "no":
            return "not_needed"
        return "done" if row["visa_granted_on"] else "open"
    if item == "licence":
        if row["licence_needed"] == "no":
            return "not_needed"
        return "done" if row["licence_needed"] == "yes" and row["licence_granted_on"] else "open"
    if item == "flights":
        return "done" if row["arrival_at"] and row["departure_at"] else "open"
    return "done" if str(row[ITEM_FIELDS[item][0]]).strip() else "open"


ITEM_FIELDS = {item.name: item.fields for item in ITEMS}


def responsible(item: str, row: dict[str, Any], provides: list[str]) -> str:
    """Who has to act on an item now: the volunteer or the host."""
    if item == "local_contact":
        return HOST
    if item == "lodging":
        return HOST if "lodging" in provides else VOLUNTEER
    if item == "licence":
        return HOST if row["licence_needed"] == "unknown" else VOLUNTEER
    return VOLUNTEER


def open_items(row: dict[str, Any], provides: list[str], by: str | None = None) -> list[str]:
    """The items still open (those ``by`` the volunteer or the host, when given), in the checklist's order."""
    return [
        item.name
        for item in ITEMS
        if item_state(item.name, row) == "open" and (by is None or responsible(item.name, row, provides) == by)
    ]


def _setter(field: str, provides: list[str]) -> str:
    who = FIELDS[field]
    if who == LODGING:
        return HOST if "lodging" in provides else VOLUNTEER
    return who


# --- reading ------------------------------------------------------------------------------------------------


async def _provides(trip: dict[str, Any]) -> list[str]:
    request = await HostRequest.select(HostRequest.provides).where(HostRequest.id == trip["request"]).first()
    return list(request["provides"] or []) if request else []


async def _travelling(trip_id: int, *, accepted_only: bool = False) -> list[dict[str, Any]]:
    query = TripMember.select(
        TripMember.person,
        TripMember.response,
        TripMember.person.name.as_alias("name"),
        TripMember.person.email.as_alias("email"),
        TripMember.person.locale.as_alias("locale"),
    ).where((TripMember.trip == trip_id) & (TripMember.response != "declined"))
    if accepted_only:
        query = query.where(TripMember.response == "accepted")
    return list(await query.order_by(TripMember.id))


async def _rows(trip_id: int) -> dict[int, dict[str, Any]]:
    rows = await TravelChecklist.select(
        *TravelChecklist.all_columns(), TravelChecklist.updated_by.name.as_alias("updated_by_name")
    ).where(TravelChecklist.trip == trip_id)
    return {int(row["person"]): row for row in rows}


def _out(trip_id: int, member: dict[str, Any], row: dict[str, Any], provides: list[str]) -> ChecklistOut:
    items = [
        ChecklistItemOut(
            item=item.name,
            state=item_state(item.name, row),
            by=responsible(item.name, row, provides),
            provided=bool(item.provision) and item.provision in provides,
            values={field: row[field] for field in item.fields},
        )
        for item in ITEMS
    ]
    return ChecklistOut(
        trip_id=trip_id,
        person_id=int(member["person"]),
        person_name=member["name"] or "",
        items=items,
        open_items=open_items(row, provides),
        updated_at=row.get("updated_at"),
        updated_by_name=row.get("updated_by_name") or "",
    )


async def _checklists(trip: dict[str, Any]) -> list[ChecklistOut]:
    trip_id = int(trip["id"])
    provides = await _provides(trip)
    rows = await _rows(trip_id)
    return [
        _out(trip_id, member, rows.get(int(member["person"])) or default_row(trip_id, int(member["person"])), provides)
        for member in await _travelling(trip_id)
    ]


async def checklists(user: SignedIn, trip_id: int) -> list[ChecklistOut]:
    """Every travelling volunteer's checklist (for the trip's volunteers, its host's contacts, coordinators)."""
    row = await documents.seen(user, trip_id)
    return await _checklists(row)


async def visible_checklists(user: SignedIn, trip_id: int) -> list[ChecklistOut]:
    """The trip page's checklists: none for someone who may not see them, nor after travel."""
    row = await Trip.select().where(Trip.id == trip_id).first()
    if row is None or row["status"] not in EDITABLE or not await documents.may_see(user, row):
        return []
    return await _checklists(row)


async def my_roles(user: SignedIn, trip_id: int) -> dict[str, Any]:
    """What the person sets on this trip's checklists: their own (``volunteer``) and/or the host's part."""
    row = await Trip.select().where(Trip.id == trip_id).first()
    if row is None or row["status"] not in EDITABLE:
        return {
            "person_id": user.person_id,
            "volunteer": False,
            "host": False,
            "host_fields": [],
            "volunteer_fields": [],
        }
    provides = await _provides(row)
    member = await TripMember.exists().where(
        (TripMember.trip == trip_id) & (TripMember.person == user.person_id) & (TripMember.response != "declined")
    )
    request = await HostRequest.select(HostRequest.organization).where(HostRequest.id == row["request"]).first()
    host = request is not None and await hosts.is_contact(user.person_id, int(request["organization"]))
    return {
        "person_id": user.person_id,
        "volunteer": bool(member),
        "host": host,
        "host_fields": [field for field in FIELDS if _setter(field, provides) == HOST],
        "volunteer_fields": [field for field in FIELDS if _setter(field, provides) == VOLUNTEER],
    }


# --- setting ------------------------------------------------------------------------------------------------


def _check_values(values: dict[str, Any], row: dict[str, Any]) -> None:
    """Turn the local times into datetimes and check the days against each other (InvalidInput naming the field)."""
    for field in ("arrival_at", "departure_at"):
        if isinstance(values.get(field), str):
            try:
                values[field] = datetime.fromisoformat(values[field])
            except ValueError:
                raise InvalidInput("give a real day and time", field=field) from None
    merged = {**row, **values}
    if merged["arrival_at"] and merged["departure_at"] and merged["departure_at"] < merged["arrival_at"]:
        raise InvalidInput("the departure cannot be before the arrival", field="departure_at")
    if (
        merged["visa_applied_on"]
        and merged["visa_granted_on"]
        and merged["visa_granted_on"] < merged["visa_applied_on"]
    ):
        raise InvalidInput("the visa cannot be granted before it was applied for", field="visa_granted_on")


async def update(user: SignedIn, trip_id: int, person_id: int, data: ChecklistIn) -> ChecklistOut:
    """Set items of one volunteer's checklist: each field only by the person responsible for it (PermissionDenied
    naming the field otherwise), only before or during travel (Conflict naming the state), in one transaction."""
    values = {name: value for name, value in msgspec.structs.asdict(data).items() if value is not msgspec.UNSET}
    for name in ("arrival_details", "departure_details", "lodging", "insurance", "local_contact"):
        if name in values:
            values[name] = values[name].strip()
    trip = await documents.seen(user, trip_id)
    if trip["status"] not in EDITABLE:
        raise Conflict(
            f"a travel checklist is kept before and during travel; this trip is {trip['status'].replace('_', ' ')}",
            field="status",
        )
    member = (
        await TripMember.select(TripMember.person.name.as_alias("name"), TripMember.person)
        .where((TripMember.trip == trip_id) & (TripMember.person == person_id) & (TripMember.response != "declined"))
        .first()
    )
    if member is None:
        raise NotFound("this volunteer is not travelling on this trip", field="person_id")
    provides = await _provides(trip)
    request = await HostRequest.select(HostRequest.organization).where(HostRequest.id == trip["request"]).first()
    is_host = request is not None and await hosts.is_contact(user.person_id, int(request["organization"]))
    for field in values:
        who = _setter(field, provides)
        if who == VOLUNTEER and user.person_id != person_id:
            raise PermissionDenied(f"{field.replace('_', ' ')} is set by the volunteer", field=field)
        if who == HOST and not is_host:
            raise PermissionDenied(f"{field.replace('_', ' ')} is set by a contact of the host", field=field)
    key = f"{trip_id}:{person_id}"
    async with write_transaction(TravelChecklist._meta.db):
        await TravelChecklist.insert(TravelChecklist(key=key, trip=trip_id, person=person_id)).on_conflict(
            target=TravelChecklist.key, action="DO NOTHING"
        )
        row = await locked(TravelChecklist.select().where(TravelChecklist.key == key)).first()
        assert row is not None
        _check_values(values, row)
        if values:
            changes: dict[Any, Any] = {"updated_at": _now(), "updated_by": user.person_id, **values}
            await TravelChecklist.update(changes).where(TravelChecklist.key == key)
            await audit(user.person_id, "trip.checklist_set", "trip", trip_id, person=person_id, fields=sorted(values))
    (checklist,) = [c for c in await _checklists(trip) if c.person_id == person_id]
    return checklist


# --- the coordinator's view and the reminders ----------------------------------------------------------------


async def open_travel(actor: SignedIn, *, on: date | None = None) -> list[OpenTravelOut]:
    """Trips before travel (approved, invited, confirmed) with checklist items still open, the soonest first."""
    if not services.is_coordinator(actor):
        raise PermissionDenied("only a coordinator sees every trip's open items", field="role")
    day = on or services.today()
    trips = await Trip.select().where(Trip.status.is_in(["approved", "invited", "confirmed"]) & (Trip.start >= day))
    trips = sorted(trips, key=lambda t: (t["start"], t["id"]))
    requests = await services.request_info({int(t["request"]) for t in trips})
    found = []
    for trip in trips:
        open_by_name = {c.person_name: c.open_items for c in await _checklists(trip) if c.open_items}
        if open_by_name:
            request = requests.get(int(trip["request"]), {})
            found.append(
                OpenTravelOut(
                    trip_id=int(trip["id"]),
                    request_title=request.get("title", ""),
                    organization_name=request.get("organization_name") or "",
                    start=trip["start"],
                    days_to_go=(trip["start"] - day).days,
                    open_items=open_by_name,
                )
            )
    return found


def reminder_due(first_day: date, today: date) -> str | None:
    """The latest travel reminder due on this day before the first day (``travel_30``), or None."""
    if today >= first_day:
        return None
    due = [days for days in REMINDER_DAYS if today >= first_day - timedelta(days=days)]
    return f"travel_{due[-1]}" if due else None


def _items_text(items: list[str]) -> str:
    return format_list([label("checklist_item", item) for item in items])


def _reminder_values(
    title: str, first_day: date, days_left: int, link: str, items: Callable[[], str]
) -> Callable[[Recipient], dict[str, Any]]:
    """A travel reminder's placeholders, written in each reader's language (``items``: the open items)."""

    def values(_reader: Recipient) -> dict[str, Any]:
        return {
            "trip_title": title,
            "first_day": format_date(first_day, "long"),
            "days_left": str(days_left),
            "open_items": items(),
            "link": link,
        }

    return values


async def send_travel_reminders(trip: dict[str, Any], today: date, *, settings: Settings, base_url: str) -> int:
    """Record and queue the reminder due today for each person with open items on the trip (one transaction);
    the words are the templates ``travel-reminder`` (a volunteer's items) and ``travel-reminder-host``."""
    kind = reminder_due(trip["start"], today)
    if kind is None:
        return 0
    trip_id = int(trip["id"])
    provides = await _provides(trip)
    rows = await _rows(trip_id)
    requests = await services.request_info({int(trip["request"])})
    title = requests.get(int(trip["request"]), {}).get("title", "")
    link = f"{base_url}/trips/{trip_id}#checklist"
    days_left = (trip["start"] - today).days
    host_items: dict[str, list[str]] = {}
    sent = 0

    def host_lines() -> str:
        return "\n".join(f"- {volunteer}: {_items_text(items)}" for volunteer, items in host_items.items())

    async def remind(reader: Recipient, message_name: str, items: Callable[[], str]) -> int:
        assert reader.person_id is not None
        if not await services.claim_reminder(trip_id, reader.person_id, kind):
            return 0
        queued = await queue_templated(
            settings=settings,
            message_name=message_name,
            to=[reader],
            values=_reminder_values(title, trip["start"], days_left, link, items),
            kind="reminder",
            about=about_trip(trip_id),
        )
        return len(queued)

    async with write_transaction(TravelChecklist._meta.db):
        members = await _travelling(trip_id, accepted_only=True)
        readers = {r.person_id: r for r in await recipients(int(m["person"]) for m in members)}
        for member in members:
            person_id = int(member["person"])
            row = rows.get(person_id) or default_row(trip_id, person_id)
            if host_open := open_items(row, provides, by=HOST):
                host_items[member["name"] or ""] = host_open
            mine = open_items(row, provides, by=VOLUNTEER)
            if mine and person_id in readers:
                sent += await remind(readers[person_id], "travel-reminder", partial(_items_text, mine))
        if host_items:
            request = (
                await HostRequest.select(HostRequest.organization).where(HostRequest.id == trip["request"]).first()
            )
            contacts = await host_contacts(int(request["organization"])) if request else []
            for contact in await recipients(c.person_id for c in contacts):
                sent += await remind(contact, "travel-reminder-host", host_lines)
        if sent:
            await audit(None, "trip.reminded", "trip", trip_id, kind=kind, sent=sent)
    return sent


async def run_travel_reminders(today: date, *, settings: Settings, base_url: str) -> int:
    """The scheduler's step: every trip before travel whose 60, 30 or 7 days have come."""
    trips = await Trip.select().where(
        Trip.status.is_in(list(REMINDED))
        & (Trip.start > today)
        & (Trip.start <= today + timedelta(days=max(REMINDER_DAYS)))
    )
    sent = 0
    for trip in sorted(trips, key=lambda t: t["id"]):
        sent += await send_travel_reminders(trip, today, settings=settings, base_url=base_url)
    return sent


# --- personal data --------------------------------------------------------------------------------------------


async def travel_data(person_id: int) -> dict[str, Any]:
    """A person's travel checklists and the documents issued for them (codes and what they say), for their export."""
    rows = await TravelChecklist.select().where(TravelChecklist.person == person_id).order_by(TravelChecklist.id)
    issued = await (
        TripDocument.select(
            TripDocument.trip, TripDocument.kind, TripDocument.code, TripDocument.issued_at, TripDocument.facts
        )
        .where(TripDocument.person == person_id)
        .order_by(TripDocument.id)
        .output(load_json=True)
    )
    checklists = [
        {key: value.isoformat() if isinstance(value, date) else value for key, value in row.items() if key in FIELDS}
        | {"trip": int(row["trip"])}
        for row in rows
    ]
    return {
        "checklists": checklists,
        "documents": [
            {
                "trip": int(d["trip"]),
                "kind": d["kind"],
                "code": d["code"],
                "issued_at": d["issued_at"].isoformat(),
                "says": d["facts"],
            }
            for d in issued
        ],
    }


async def delete_travel_data(person_id: int) -> None:
    """A deleted account's checklists and the documents issued for them go (inside the caller's transaction):
    a verification code of theirs then finds no document."""
    await TravelChecklist.delete().where(TravelChecklist.person == person_id)
    await TripDocument.delete().where(TripDocument.person == person_id)
