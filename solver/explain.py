"""Reasons a coordinator can act on, for every request the plan leaves unmatched.

Candidates are narrowed rule by rule — expertise (2), language (3), travel limits and forbidden pairs (4),
dates (1), team dates (5) — and the first rule that leaves nobody is the reason. When somebody is left,
they are all on other visits, and the reason names them and where they go.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from solver.problem import Problem, Request, Volunteer
from solver.result import Unmatched, Visit
from solver.validate import WEEKDAY_NAMES

NAMED = 5
"""How many volunteers a reason names before it says 'and N more'."""


def _names(items: Sequence[str]) -> str:
    shown = ", ".join(items[:NAMED])
    return f"{shown} and {len(items) - NAMED} more" if len(items) > NAMED else shown


def _alternatives(items: Sequence[str]) -> str:
    return " or ".join(items) if items else "no language at all"


def _possible_starts(problem: Problem, request: Request) -> list[dt.date]:
    """Rule 1 for the request alone: allowed weekdays, inside the horizon and one window."""
    starts: set[dt.date] = set()
    for window in request.windows:
        day = max(window.start, problem.horizon.start)
        while request.last_day(day) <= min(window.end, problem.horizon.end):
            if day.weekday() in problem.rules.start_weekdays:
                starts.add(day)
            day += dt.timedelta(days=1)
    return sorted(starts)


def _available(volunteer: Volunteer, request: Request, start: dt.date) -> bool:
    return any(window.contains(start, request.last_day(start)) for window in volunteer.availability)


def _travel_limit(problem: Problem, volunteer: Volunteer, request: Request) -> str | None:
    """Why rule 4 rules the volunteer out for this request, if it does."""
    if request.country in volunteer.excluded_countries:
        return f"{volunteer.id} avoids {request.country}"
    if request.advisory_level > volunteer.max_advisory_level:
        return f"{volunteer.id} accepts advisory level ≤ {volunteer.max_advisory_level}"
    if any(pair.volunteer == volunteer.id and pair.request == request.id for pair in problem.forbidden):
        return f"{volunteer.id} is a forbidden pair with it"
    if volunteer.max_trips == 0:
        return f"{volunteer.id} makes no trips this round"
    return None


def explain_request(problem: Problem, request: Request, trips: dict[str, list[Visit]]) -> list[str]:
    """Why this request has no visit, given the visits of the plan by volunteer."""
    needed = list(request.needs)
    experts = [v for v in problem.volunteers if any(v.expertise.get(topic, 0) >= 1 for topic in needed)]
    if not experts:
        return [f"no volunteer has expertise in {_alternatives(needed)}"]
    speakers = [v for v in experts if set(v.languages) & set(request.languages)]
    if not speakers:
        return [f"no volunteer with expertise in {_alternatives(needed)} speaks {_alternatives(request.languages)}"]
    limits = [_travel_limit(problem, v, request) for v in speakers]
    qualified = [v for v, limit in zip(speakers, limits, strict=True) if limit is None]
    if not qualified:
        excluded = [limit for limit in limits if limit is not None]
        return [
            f"every volunteer with the expertise and a shared language is ruled out "
            f"(advisory level {request.advisory_level}, {request.country}): {_names(excluded)}"
        ]
    starts = _possible_starts(problem, request)
    if not starts:
        weekdays = " or ".join(WEEKDAY_NAMES[day] for day in problem.rules.start_weekdays)
        return [
            f"no {request.duration_days}-day visit starting on a {weekdays} fits inside its windows and the horizon"
        ]
    available_on = {start: [v for v in qualified if _available(v, request, start)] for start in starts}
    candidates = sorted({v.id for team in available_on.values() for v in team})
    if not candidates:
        return [
            f"no overlapping dates: none of the {len(qualified)} qualified volunteers "
            f"({_names([v.id for v in qualified])}) is available for {request.duration_days} days "
            "within its windows"
        ]
    largest_team = max(len(team) for team in available_on.values())
    if largest_team < request.team_size:
        return [
            f"needs a team of {request.team_size} on the same dates, but at most {largest_team} qualified "
            f"volunteers are available together ({_names(candidates)})"
        ]
    starts_of: dict[str, list[dt.date]] = defaultdict(list)
    for start, team in available_on.items():
        for volunteer in team:
            starts_of[volunteer.id].append(start)
    max_trips = {v.id: v.max_trips for v in qualified}
    used, free = [], []
    for name in candidates:
        own = trips.get(name, [])
        if len(own) >= max_trips[name]:
            used.append(f"{name} (on {', '.join(visit.request for visit in own)})")
        elif not any(_keeps_gap(problem, request, start, own) for start in starts_of[name]):
            used.append(f"{name} (too close to {', '.join(visit.request for visit in own)})")
        else:
            free.append(name)
    reasons = []
    if used:
        reasons.append(f"every candidate is used on a higher-scoring visit: {_names(used)}")
    if free:
        reasons.append(
            f"{_names(free)} could still go, but no team of {request.team_size} fits their dates"
            if request.team_size > 1
            else f"{_names(free)} could still go; a longer time limit may match it"
        )
    return reasons


def _keeps_gap(problem: Problem, request: Request, start: dt.date, trips: Sequence[Visit]) -> bool:
    """Whether a visit of the request from `start` leaves min_gap_days free days around every trip."""
    gap = dt.timedelta(days=problem.rules.min_gap_days)
    last_day = request.last_day(start)
    return all(last_day + gap < trip.start or trip.end + gap < start for trip in trips)


def explain_unmatched(problem: Problem, visits: Sequence[Visit]) -> list[Unmatched]:
    """An entry with reasons for every request the visits leave unmatched."""
    visited = {visit.request for visit in visits}
    trips: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        for member in visit.volunteers:
            trips[member].append(visit)
    return [
        Unmatched(request.id, tuple(explain_request(problem, request, trips)))
        for request in problem.requests
        if request.id not in visited
    ]
