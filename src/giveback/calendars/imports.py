"""Imported availability: a volunteer links their own calendar's secret iCal address and its busy days are
cut out of their availability windows for matching.

Calendars are fetched with the SSRF guard of ``giveback.calendars.fetch``, only by the worker
(``refresh_due_imports``): periodically, and within seconds when a volunteer links an address or asks for a fetch
(``queue_import_fetch``), never inside a request. Recurrences are expanded and busy days are merged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import icalendar
import msgspec
import recurring_ical_events

from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.calendars.fetch import FetchError, fetch_calendar
from giveback.calendars.schemas import BusyRange, ImportIn, ImportOut
from giveback.calendars.tables import CalendarImport
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, PermissionDenied
from giveback.i18n import _
from giveback.jobs.wake import notify
from giveback.volunteers.schemas import MatchingVolunteer
from giveback.volunteers.tables import AvailabilityWindow, VolunteerProfile

IMPORT_REFRESH = timedelta(hours=6)
IMPORT_RETRY = timedelta(hours=1)
IMPORT_HORIZON = timedelta(days=6 * 366)  # windows further ahead are ignored (the volunteers domain allows two years)
MAX_BUSY_RANGES = 2000
PARSE_SECONDS = 20.0  # the longest one calendar may take to read (in a worker thread)
EXPANSION_DAYS = 92  # recurrences are expanded a quarter at a time, the time budget checked in between


class TooManyEvents(ValueError):
    """A calendar with more events in the windows than busy days can be kept for."""


def _now() -> datetime:
    return datetime.now(UTC)


def check_calendar_url(url: str) -> str:
    """The address a volunteer typed, or InvalidInput naming the rule."""
    url = url.strip()
    if url.startswith("webcal://"):
        url = "https://" + url.removeprefix("webcal://")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(_("give an http://, https:// or webcal:// calendar address"), field="url")
    if len(url) > 2000:
        raise InvalidInput(_("the address is longer than 2000 characters"), field="url")
    return url


async def _profile(person_id: int) -> dict[str, Any] | None:
    return (
        await VolunteerProfile.select(VolunteerProfile.id, VolunteerProfile.calendar_url)
        .where(VolunteerProfile.person == person_id)
        .first()
    )


def _require_volunteer(user: SignedIn) -> None:
    if not user.has("volunteer"):
        raise PermissionDenied(_("only volunteers import availability from a calendar"), field="role")


async def import_status(user: SignedIn) -> ImportOut:
    _require_volunteer(user)
    return await _import_out(user.person_id)


def _masked(url: str) -> str:
    """The address without its secret path: the host and a hint, so the page never shows the secret again."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…"


async def _import_out(person_id: int) -> ImportOut:
    profile = await _profile(person_id)
    state = await CalendarImport.select().output(load_json=True).where(CalendarImport.person == person_id).first()
    url = profile["calendar_url"] if profile else ""
    return ImportOut(
        linked=bool(url),
        address=_masked(url),
        fetched_at=state["fetched_at"] if state else None,
        fetch_queued=bool(url and state and state["next_fetch_at"] <= _now()),
        error=state["error"] if state else "",
        skipped=state["skipped"] if state else 0,
        busy=[
            BusyRange(start=date.fromisoformat(b[0]), end=date.fromisoformat(b[1]))
            for b in (state["busy"] if state else [])
        ],
    )


async def link_calendar(user: SignedIn, data: ImportIn) -> ImportOut:
    """Store the volunteer's calendar address; the worker fetches it within seconds."""
    _require_volunteer(user)
    url = check_calendar_url(data.url)
    async with write_transaction(VolunteerProfile._meta.db):
        profile = await locked(
            VolunteerProfile.select(VolunteerProfile.id).where(VolunteerProfile.person == user.person_id)
        ).first()
        if profile is None:
            raise Conflict(_("fill in your volunteer profile first"), field="url")
        await VolunteerProfile.update({VolunteerProfile.calendar_url: url}).where(VolunteerProfile.id == profile["id"])
        state = await locked(
            CalendarImport.select(CalendarImport.id).where(CalendarImport.person == user.person_id)
        ).first()
        if state is None:
            await CalendarImport.insert(CalendarImport(person=user.person_id, busy=[], next_fetch_at=_now()))
        else:
            await CalendarImport.update(
                {
                    CalendarImport.busy: [],
                    CalendarImport.skipped: 0,
                    CalendarImport.error: "",
                    CalendarImport.fetched_at: None,
                    CalendarImport.next_fetch_at: _now(),
                }
            ).where(CalendarImport.id == state["id"])
        await audit(user.person_id, "calendar.linked", "volunteer_profile", profile["id"], host=urlsplit(url).hostname)
        await notify("imports")
    return await _import_out(user.person_id)


async def unlink_calendar(user: SignedIn) -> None:
    _require_volunteer(user)
    async with write_transaction(VolunteerProfile._meta.db):
        await VolunteerProfile.update({VolunteerProfile.calendar_url: ""}).where(
            VolunteerProfile.person == user.person_id
        )
        await CalendarImport.delete().where(CalendarImport.person == user.person_id)
        await audit(user.person_id, "calendar.unlinked", "person", user.person_id)


def _day_range(component: Any) -> tuple[date, date] | None:
    """An event's busy days as (first, last) inclusive, or None when it does not make the person busy."""
    if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return None
    start = component.get("DTSTART")
    if start is None:
        return None
    first = start.dt
    end = component.get("DTEND")
    if end is not None:
        last = end.dt
    elif component.get("DURATION") is not None:
        last = first + component.get("DURATION").dt
    else:
        last = first + (timedelta(days=1) if not isinstance(first, datetime) else timedelta(0))
    if isinstance(first, datetime):
        first_day = first.date()
        last_day = (last - timedelta(microseconds=1)).date() if last > first else first.date()
    else:
        first_day = first
        last_day = (last.date() if isinstance(last, datetime) else last) - timedelta(days=1)
        last_day = max(last_day, first_day)
    return first_day, last_day


@dataclass(frozen=True)
class ReadCalendar:
    """What an imported calendar says: the busy days in the windows, and how many events could not be read."""

    busy: list[tuple[date, date]]
    skipped: int = 0


def _unfolded_lines(body: bytes) -> Iterator[str]:
    """The content lines of an iCalendar text, folded lines joined (RFC 5545 3.1), one at a time."""
    current: str | None = None
    for raw in body.decode("utf-8", errors="replace").splitlines():
        if raw[:1] in (" ", "\t") and current is not None:
            current += raw[1:]
            continue
        if current is not None:
            yield current
        current = raw
    if current is not None:
        yield current


def _last_day_written(lines: list[str]) -> date | None:
    """The day an event ends as written (DTEND, else DTSTART), read from its text; None when not plain to see."""
    for name in ("DTEND", "DTSTART"):
        for line in lines:
            head, _, value = line.partition(":")
            if head.split(";", 1)[0].upper() == name:
                digits = value.strip()[:8]
                try:
                    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
                except ValueError:
                    return None
    return None


def _recurs(lines: list[str]) -> bool:
    return any(line.split(":", 1)[0].split(";", 1)[0].upper() in ("RRULE", "RDATE") for line in lines)


def _uid(lines: list[str]) -> str:
    return next((line.partition(":")[2].strip() for line in lines if line.upper().startswith("UID")), "")


def calendar_events(body: bytes, since: date) -> tuple[list[str], dict[str, list[list[str]]]]:
    """Read a calendar event by event, never as one tree: its time zones (as text) and its events grouped by UID
    (a recurring event with its changed occurrences), leaving out the events that ended before ``since`` and do
    not recur. ValueError when the text is not a calendar at all."""
    lines = _unfolded_lines(body)
    first = next(lines, "").strip().lstrip("\ufeff").upper()
    if first != "BEGIN:VCALENDAR":
        raise ValueError("the address did not return a calendar (it does not start with BEGIN:VCALENDAR)")
    timezones: list[str] = []
    events: dict[str, list[list[str]]] = {}
    block: list[str] = []
    kind = ""
    depth = 0
    for line in lines:
        upper = line.strip().upper()
        if depth == 0:
            if upper in ("BEGIN:VEVENT", "BEGIN:VTIMEZONE"):
                kind, block, depth = upper.removeprefix("BEGIN:"), [line], 1
            elif upper.startswith("BEGIN:"):
                kind, block, depth = "", [], 1  # to-dos, journals, free/busy: not read
            continue
        if kind:
            block.append(line)
        if upper.startswith("BEGIN:"):
            depth += 1
        elif upper.startswith("END:"):
            depth -= 1
            if depth == 0 and kind == "VTIMEZONE":
                timezones.extend(block)
            elif depth == 0 and kind == "VEVENT":
                ended = _last_day_written(block)
                if _recurs(block) or ended is None or ended >= since:
                    events.setdefault(_uid(block), []).append(block)
    return timezones, events


def _occurrences(
    timezones: list[str], groups: list[list[list[str]]], start: date, end: date, deadline: float
) -> list[tuple[date, date]]:
    """The busy days of these events and their recurrences between ``start`` and ``end``, expanded a stretch of
    ``EXPANSION_DAYS`` at a time so the time budget is checked along the way; any error of an event's text raises."""
    text = "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Giveback//import//EN", *timezones]
        + [line for group in groups for block in group for line in block]
        + ["END:VCALENDAR", ""]
    )
    query = recurring_ical_events.of(icalendar.Calendar.from_ical(text))
    days: list[tuple[date, date]] = []
    stretch = start
    while stretch <= end:
        stretch_end = min(stretch + timedelta(days=EXPANSION_DAYS), end + timedelta(days=1))
        for component in query.between(stretch, stretch_end):
            occurrence = _day_range(component)
            if occurrence is not None:
                days.append(occurrence)
        if len(days) > 20 * MAX_BUSY_RANGES:
            raise TooManyEvents("the calendar has too many events in your availability windows")
        if time.monotonic() > deadline:
            raise TimeoutError
        stretch = stretch_end
    return days


def busy_ranges(body: bytes, windows: list[tuple[date, date]], *, parse_seconds: float = PARSE_SECONDS) -> ReadCalendar:
    """Busy days of a calendar (recurrences expanded), merged, cut to the windows; ValueError if unreadable.

    Read event by event (``calendar_events``): past events are dropped before any is parsed, and an event no
    parser reads (a broken date, a malformed rule) is skipped and counted, as Google Calendar and Thunderbird do,
    instead of failing the whole calendar. The reading stops with ValueError after ``parse_seconds``.
    """
    if not windows:
        return ReadCalendar([])
    start = min(w[0] for w in windows)
    end = max(w[1] for w in windows)
    deadline = time.monotonic() + parse_seconds
    timezones, events = calendar_events(body, start)
    ranges: list[tuple[date, date]] = []
    skipped = 0
    try:
        try:
            ranges = _occurrences(timezones, list(events.values()), start, end, deadline)  # all at once, usually
        except (TimeoutError, TooManyEvents):
            raise
        except Exception:  # one event's text is broken: read them one by one, and leave out those that fail
            for group in events.values():
                try:
                    ranges += _occurrences(timezones, [group], start, end, deadline)
                except (TimeoutError, TooManyEvents):
                    raise
                except Exception:  # whatever the libraries raise on one event's broken text
                    skipped += len(group)
    except TimeoutError:
        raise ValueError(
            f"the calendar takes longer than {parse_seconds:g} seconds to read; "
            "link a calendar with fewer events (for example one without the past years)"
        ) from None
    if skipped and not ranges and skipped == sum(len(group) for group in events.values()):
        raise ValueError("the calendar could not be read: none of its events has dates a calendar program reads")
    cut: list[tuple[date, date]] = []
    for first, last in ranges:
        for w_start, w_end in windows:
            lo, hi = max(first, w_start), min(last, w_end)
            if lo <= hi:
                cut.append((lo, hi))
    merged: list[tuple[date, date]] = []
    for first, last in sorted(cut):
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return ReadCalendar(merged[:MAX_BUSY_RANGES], skipped)


async def _windows(profile_id: int) -> list[tuple[date, date]]:
    today = _now().date()
    rows = await AvailabilityWindow.select(AvailabilityWindow.start, AvailabilityWindow.end).where(
        (AvailabilityWindow.profile == profile_id) & (AvailabilityWindow.end >= today)
    )
    horizon = today + IMPORT_HORIZON
    return [(max(r["start"], today), min(r["end"], horizon)) for r in rows if r["start"] <= horizon]


async def refresh_import(person_id: int, *, allow_hosts: Collection[str] = ()) -> ImportOut:
    """Fetch the volunteer's calendar now and store its busy days, or the error (the old busy days stay).

    ``allow_hosts`` lets tests fetch from a server on loopback; the application never sets it.
    """
    profile = await _profile(person_id)
    if profile is None or not profile["calendar_url"]:
        raise Conflict(_("link a calendar address first"), field="url")
    error = ""
    read: ReadCalendar | None = None
    try:
        body = await fetch_calendar(profile["calendar_url"], allow_hosts=allow_hosts)
        read = await asyncio.to_thread(busy_ranges, body, await _windows(int(profile["id"])))
    except (FetchError, ValueError) as problem:
        error = str(problem)
    moment = _now()
    async with write_transaction(CalendarImport._meta.db):
        state = await locked(CalendarImport.select(CalendarImport.id).where(CalendarImport.person == person_id)).first()
        changes: dict[Any, Any] = {
            CalendarImport.fetched_at: moment,
            CalendarImport.error: error,
            CalendarImport.next_fetch_at: moment + (IMPORT_RETRY if error else IMPORT_REFRESH),
        }
        if read is not None:
            changes[CalendarImport.busy] = [[a.isoformat(), b.isoformat()] for a, b in read.busy]
            changes[CalendarImport.skipped] = read.skipped
        if state is None:
            await CalendarImport.insert(
                CalendarImport(
                    person=person_id,
                    busy=changes.get(CalendarImport.busy, []),
                    skipped=changes.get(CalendarImport.skipped, 0),
                    error=error,
                    fetched_at=moment,
                )
            )
        else:
            await CalendarImport.update(changes).where(CalendarImport.id == state["id"])
    return await _import_out(person_id)


async def queue_import_fetch(user: SignedIn) -> ImportOut:
    """Ask for a fetch of the volunteer's linked calendar now. The worker fetches it (within seconds): a fetch may
    take up to ``fetch.TOTAL_SECONDS`` and never runs inside a request."""
    _require_volunteer(user)
    profile = await _profile(user.person_id)
    if profile is None or not profile["calendar_url"]:
        raise Conflict(_("link a calendar address first"), field="url")
    async with write_transaction(CalendarImport._meta.db):
        state = await locked(
            CalendarImport.select(CalendarImport.id).where(CalendarImport.person == user.person_id)
        ).first()
        if state is None:
            await CalendarImport.insert(CalendarImport(person=user.person_id, busy=[], next_fetch_at=_now()))
        else:
            await CalendarImport.update({CalendarImport.next_fetch_at: _now()}).where(CalendarImport.id == state["id"])
        await notify("imports")
    return await _import_out(user.person_id)


async def refresh_due_imports(*, limit: int = 20, allow_hosts: Collection[str] = ()) -> int:
    """Refresh the imported calendars whose time has come (the worker loop calls this), several at once (at most
    ``fetch.MAX_CONCURRENT_FETCHES``): one slow calendar server delays no other. Returns how many were fetched."""
    due = (
        await CalendarImport.select(CalendarImport.person)
        .where(CalendarImport.next_fetch_at <= _now())
        .order_by(CalendarImport.next_fetch_at)
        .limit(limit)
    )

    async def refresh_claimed(person_id: int) -> bool:
        claimed = (
            await CalendarImport.update({CalendarImport.next_fetch_at: _now() + IMPORT_RETRY})
            .where((CalendarImport.person == person_id) & (CalendarImport.next_fetch_at <= _now()))
            .returning(CalendarImport.id)
        )
        if not claimed:
            return False
        try:
            await refresh_import(person_id, allow_hosts=allow_hosts)
        except Conflict:
            return False
        return True

    return sum(await asyncio.gather(*(refresh_claimed(int(row["person"])) for row in due)))


async def next_import_due() -> datetime | None:
    """When the next imported calendar is due for a fetch."""
    row = await CalendarImport.select(CalendarImport.next_fetch_at).order_by(CalendarImport.next_fetch_at).first()
    return row["next_fetch_at"] if row else None


async def busy_days(person_id: int) -> list[tuple[date, date]]:
    """The volunteer's imported busy days (first, last inclusive) inside their windows, for matching."""
    state = (
        await CalendarImport.select(CalendarImport.busy)
        .output(load_json=True)
        .where(CalendarImport.person == person_id)
        .first()
    )
    if state is None:
        return []
    return [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in state["busy"]]


async def busy_days_of(person_ids: list[int]) -> dict[int, list[tuple[date, date]]]:
    """``busy_days`` for many volunteers at once (those without an imported calendar are left out)."""
    if not person_ids:
        return {}
    rows = (
        await CalendarImport.select(CalendarImport.person, CalendarImport.busy)
        .output(load_json=True)
        .where(CalendarImport.person.is_in(person_ids))
    )
    return {
        int(row["person"]): [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in row["busy"]]
        for row in rows
        if row["busy"]
    }


def subtract_busy(
    windows: list[tuple[date, date, bool]], busy: list[tuple[date, date]]
) -> list[tuple[date, date, bool]]:
    """Availability windows (start, end, preferred; both ends included) with the busy days cut out."""
    result: list[tuple[date, date, bool]] = []
    for start, end, preferred in windows:
        pieces = [(start, end)]
        for busy_start, busy_end in busy:
            next_pieces = []
            for lo, hi in pieces:
                if busy_end < lo or busy_start > hi:
                    next_pieces.append((lo, hi))
                    continue
                if lo < busy_start:
                    next_pieces.append((lo, busy_start - timedelta(days=1)))
                if busy_end < hi:
                    next_pieces.append((busy_end + timedelta(days=1), hi))
            pieces = next_pieces
        result.extend((lo, hi, preferred) for lo, hi in pieces)
    return result


async def without_busy_days(volunteers: list[MatchingVolunteer]) -> list[MatchingVolunteer]:
    """The matcher's volunteers with their imported busy days removed from their windows."""
    busy = await busy_days_of([v.person_id for v in volunteers])
    return [
        msgspec.structs.replace(v, windows=subtract_busy(v.windows, busy[v.person_id])) if v.person_id in busy else v
        for v in volunteers
    ]
