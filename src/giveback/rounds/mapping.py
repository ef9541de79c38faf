"""From platform records to the solver's problem (``giveback-match/1``) and back.

Problem ids are stable: volunteer ``v-<person id>``, request ``r-<request id>``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import msgspec

import solver
from giveback.calendars.imports import subtract_busy
from giveback.hosts.schemas import MatchingRequest
from giveback.i18n import Text, _
from giveback.i18n.formatting import ListOf
from giveback.rounds.schemas import RoundSettings
from giveback.trips import booked
from giveback.volunteers.schemas import MatchingVolunteer
from solver.score import inside_preferred_window

PROBLEM_FORMAT = "giveback-match/1"


def volunteer_key(person_id: int) -> str:
    return f"v-{person_id}"


def request_key(request_id: int) -> str:
    return f"r-{request_id}"


def id_of(key: str) -> int:
    """The database id inside a problem id (``r-12`` → 12)."""
    return int(key.split("-", 1)[1])


def _clip(windows: Iterable[tuple[date, date, bool]], first: date, last: date) -> list[dict[str, Any]]:
    """The parts of the windows inside the period, as problem windows."""
    clipped = []
    for start, end, preferred in windows:
        start, end = max(start, first), min(end, last)
        if start <= end:
            clipped.append({"start": start.isoformat(), "end": end.isoformat(), "preferred": preferred})
    return clipped


def volunteer_entry(volunteer: MatchingVolunteer, first: date, last: date) -> dict[str, Any]:
    return {
        "id": volunteer_key(volunteer.person_id),
        "expertise": dict(sorted(volunteer.expertise.items())),
        "languages": list(volunteer.languages),
        "max_trips": volunteer.trips_per_year,
        "availability": _clip(volunteer.windows, first, last),
        "preferred_regions": sorted(volunteer.preferred_regions),
        "excluded_countries": sorted(volunteer.excluded_countries),
        "max_advisory_level": volunteer.max_advisory_level,
    }


def request_entry(request: MatchingRequest, first: date, last: date) -> dict[str, Any]:
    return {
        "id": request_key(request.id),
        "host": request.organization_short_name or request.organization_name,
        "country": request.country,
        "region": request.region or "",
        "needs": dict(request.needs),
        "primary_need": request.primary_need,
        "languages": list(request.languages),
        "duration_days": request.duration_days,
        "team_size": request.team_size,
        "windows": _clip(request.windows, first, last),
        "priority": request.priority,
        "advisory_level": request.advisory_level,
    }


def base_problem(
    *,
    period_start: date,
    period_end: date,
    settings: RoundSettings,
    volunteers: Iterable[MatchingVolunteer],
    requests: Iterable[MatchingRequest],
) -> dict[str, Any]:
    """The round's problem before pins and exclusions: everyone available and every request hostable in the period."""
    volunteer_entries = [volunteer_entry(v, period_start, period_end) for v in volunteers]
    request_entries = [request_entry(r, period_start, period_end) for r in requests]
    return {
        "format": PROBLEM_FORMAT,
        "horizon": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "rules": {"start_weekdays": sorted(set(settings.start_weekdays)), "min_gap_days": settings.min_gap_days},
        "weights": {name: getattr(settings.weights, name) for name in settings.weights.__struct_fields__},
        "volunteers": [entry for entry in volunteer_entries if entry["availability"]],
        "requests": [entry for entry in request_entries if entry["windows"]],
        "pinned": [],
        "forbidden": [],
    }


def with_adjustments(base: dict[str, Any], adjustments: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The frozen problem plus the round's pins, exclusions and vetoes (the problem a run solves)."""
    problem = dict(base)
    pinned: list[dict[str, Any]] = []
    forbidden: set[tuple[str, str]] = set()
    for adjustment in adjustments:
        if adjustment["kind"] == "pin":
            pinned.append(
                {
                    "request": adjustment["request_key"],
                    "start": adjustment["start"].isoformat(),
                    "volunteers": list(adjustment["volunteer_keys"]),
                }
            )
        else:
            forbidden.update((volunteer, adjustment["request_key"]) for volunteer in adjustment["volunteer_keys"])
    problem["pinned"] = pinned
    problem["forbidden"] = [{"volunteer": v, "request": r} for v, r in sorted(forbidden)]
    return problem


def pair_fits(volunteer: solver.Volunteer, request: solver.Request, start: date) -> list[dict[str, Any]]:
    """Why a volunteer fits a request on a visit starting on ``start``, as data (codes, never words): the
    audience's first language or another shared one, expertise in the primary need and the other topics, the
    preferred windows the visit lies inside, the volunteer's preferred region, the host's priority."""
    fits: list[dict[str, Any]] = []
    shared = [code for code in request.languages if code in volunteer.languages]
    if request.languages and request.languages[0] in volunteer.languages:
        fits.append({"kind": "first_language", "language": request.languages[0]})
    elif shared:
        fits.append({"kind": "language", "languages": shared})
    level = volunteer.expertise.get(request.primary_need, 0)
    if level:
        fits.append({"kind": "primary_need", "topic": request.primary_need, "level": level})
    others = sorted(
        (topic for topic in request.needs if topic != request.primary_need and volunteer.expertise.get(topic, 0)),
        key=lambda topic: (-request.needs[topic], topic),
    )
    if others:
        fits.append({"kind": "expertise", "topics": others})
    last = request.last_day(start)
    host, own = (
        inside_preferred_window(request.windows, start, last),
        inside_preferred_window(volunteer.availability, start, last),
    )
    if host and own:
        fits.append({"kind": "both_preferred_windows"})
    elif host:
        fits.append({"kind": "host_preferred_window"})
    elif own:
        fits.append({"kind": "volunteer_preferred_window"})
    if request.region and request.region in volunteer.preferred_regions:
        fits.append({"kind": "preferred_region", "region": request.region})
    if request.priority:
        fits.append({"kind": "priority"})
    return fits


def problem_hash(problem: dict[str, Any]) -> str:
    """A SHA-256 of the problem's canonical JSON: equal problems, equal hashes."""
    canonical = json.dumps(problem, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def entries_by_id(problem: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in problem.get(kind, [])}


def changed_since_freeze(frozen: dict[str, Any], current: dict[str, Any]) -> dict[str, list[str]]:
    """Volunteers and requests whose data differ between the frozen problem and today's records."""
    changes: dict[str, list[str]] = {"volunteers": [], "requests": [], "added": [], "removed": []}
    for kind in ("volunteers", "requests"):
        before, now = entries_by_id(frozen, kind), entries_by_id(current, kind)
        changes[kind] = sorted(key for key in before.keys() & now.keys() if before[key] != now[key])
        changes["added"] += sorted(now.keys() - before.keys())
        changes["removed"] += sorted(before.keys() - now.keys())
    return changes


class Booked(msgspec.Struct, kw_only=True):
    """What the booked rule took from one volunteer at freezing: the reasons (as data, ``booked.Reason``), and
    whether anything is left (``left_out``: no free day or no trip left in the period)."""

    volunteer: str
    reasons: list[dict[str, Any]]
    left_out: bool
    max_trips: int

    def words(self) -> list[str]:
        """The reasons in words (translated where they are shown)."""
        return [booked.reason_text(reason) for reason in self.reasons]


def apply_bookings(
    volunteers: Iterable[MatchingVolunteer],
    bookings: dict[int, list[booked.Booking]],
    *,
    period_start: date,
    period_end: date,
    gap_days: int,
) -> tuple[list[MatchingVolunteer], list[Booked]]:
    """The volunteers as a round over the period may use them (the booked rule of ``giveback.trips.booked``):
    every live trip's days and the gap around them cut out of the windows, ``trips_per_year`` lowered to what
    is left of the yearly limit (a round over two calendar years gets the smaller remainder; a year whose limit
    is used up is cut out whole), and those with nothing left given no windows. Returns them with what was
    taken from whom."""
    years = range(period_start.year, period_end.year + 1)
    kept: list[MatchingVolunteer] = []
    notes: list[Booked] = []
    for volunteer in volunteers:
        places = bookings.get(volunteer.person_id, [])
        in_period = _clip(volunteer.windows, period_start, period_end)
        if not places or not in_period:
            kept.append(volunteer)
            continue
        left = {year: volunteer.trips_per_year - booked.trips_in_year(places, year) for year in years}
        full = [year for year in years if left[year] <= 0]
        windows = subtract_busy(
            booked.free_windows(volunteer.windows, places, gap_days),
            [(date(year, 1, 1), date(year, 12, 31)) for year in full],
        )
        max_trips = min((left[year] for year in years if left[year] > 0), default=0)
        reasons: list[booked.Reason] = [
            booked.trip_reason(b)
            for b in sorted(places, key=lambda b: b.start)
            if b.live and _touches(booked.blocked_days(b, gap_days), in_period)
        ]
        for year in years:
            used, cap = booked.trips_in_year(places, year), volunteer.trips_per_year
            if left[year] <= 0:
                reasons.append({"kind": "limit", "used": used, "cap": cap, "year": year})
            elif used:
                reasons.append({"kind": "taken", "used": used, "cap": cap, "year": year})
        left_out = max_trips == 0 or not _clip(windows, period_start, period_end)
        if reasons:
            notes.append(
                Booked(
                    volunteer=volunteer_key(volunteer.person_id),
                    reasons=reasons,
                    left_out=left_out,
                    max_trips=max_trips,
                )
            )
        kept.append(
            msgspec.structs.replace(volunteer, windows=[] if left_out else windows, trips_per_year=max(max_trips, 1))
        )
    return kept, notes


def _touches(days: tuple[date, date], windows: list[dict[str, Any]]) -> bool:
    return any(days[0].isoformat() <= w["end"] and w["start"] <= days[1].isoformat() for w in windows)


DROPPED = {
    "deleted": _("the request was deleted"),
    "withdrawn": _("its host withdrew the request"),
    "resubmitted": _("the request waits for a coordinator's decision again"),
    "declined": _("the request was declined"),
    "matched": _("the request has a trip now"),
    "fulfilled": _("the request's visit took place"),
    "no_window": _("the request has no hosting window in the round's period any more"),
    "account_deleted": _("the volunteer deleted their account"),
    "not_volunteer": _("the person is no longer a volunteer"),
    "no_availability": _("the volunteer has no availability in the round's period any more"),
}


def dropped_reason(reason: dict[str, Any], in_words: Callable[[str], str]) -> Text:
    """Why an adjustment was dropped, in words (``in_words`` puts names in place of problem ids)."""
    if reason["code"] == "booked":
        return _(
            "the volunteer is booked: %(reasons)s",
            reasons=ListOf(booked.reason_text(r) for r in reason["reasons"]),
        )
    if reason["code"] == "rules":
        return _("it no longer fits the rules: %(rules)s", rules="; ".join(in_words(r) for r in reason["rules"]))
    return DROPPED[reason["code"]]
