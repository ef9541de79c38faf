"""An independent check of a result against the seven hard rules and the score of matching.md.

Nothing here uses the model: each rule is re-read from the problem as matching.md states it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence

from solver.problem import Problem, Request, Volunteer
from solver.result import Result, Violation, Visit
from solver.score import score_visit

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _describe(visit: Visit) -> str:
    return f"{visit.request} on {visit.start}"


def check_rule_1_dates(problem: Problem, request: Request, visit: Visit, members: Sequence[Volunteer]) -> list[str]:
    """The visit occupies start … start + duration - 1, inside the horizon, one request window and one
    availability window of every member, and starts on an allowed weekday."""
    problems = []
    last_day = request.last_day(visit.start)
    if visit.end != last_day:
        problems.append(f"{_describe(visit)} ends {visit.end}, but {request.duration_days} days end {last_day}")
    if not problem.horizon.contains(visit.start, last_day):
        problems.append(f"{_describe(visit)} ({visit.start} … {last_day}) leaves the horizon")
    if not any(window.contains(visit.start, last_day) for window in request.windows):
        problems.append(f"{_describe(visit)} ({visit.start} … {last_day}) is outside every window of the request")
    for volunteer in members:
        if not any(window.contains(visit.start, last_day) for window in volunteer.availability):
            problems.append(f"{volunteer.id} is not available for all of {visit.start} … {last_day}")
    if visit.start.weekday() not in problem.rules.start_weekdays:
        allowed = ", ".join(WEEKDAY_NAMES[day] for day in problem.rules.start_weekdays)
        problems.append(f"{_describe(visit)} starts on a {WEEKDAY_NAMES[visit.start.weekday()]}, not {allowed}")
    return problems


def check_rule_2_expertise(request: Request, members: Sequence[Volunteer]) -> list[str]:
    """Every member has proficiency ≥ 1 in at least one topic the request needs."""
    return [
        f"{volunteer.id} has none of the topics {request.id} needs ({', '.join(request.needs)})"
        for volunteer in members
        if not any(volunteer.expertise.get(topic, 0) >= 1 for topic in request.needs)
    ]


def check_rule_3_language(request: Request, members: Sequence[Volunteer]) -> list[str]:
    """Every member speaks at least one of the request's languages."""
    return [
        f"{volunteer.id} speaks none of {request.id}'s languages ({', '.join(request.languages)})"
        for volunteer in members
        if not set(volunteer.languages) & set(request.languages)
    ]


def check_rule_4_travel_and_conflicts(problem: Problem, request: Request, members: Sequence[Volunteer]) -> list[str]:
    """The country is not excluded, the advisory level is accepted and the pair is not forbidden."""
    forbidden = {(pair.volunteer, pair.request) for pair in problem.forbidden}
    problems = []
    for volunteer in members:
        if request.country in volunteer.excluded_countries:
            problems.append(f"{volunteer.id} excludes {request.country} ({request.id})")
        if request.advisory_level > volunteer.max_advisory_level:
            problems.append(
                f"{request.id} has advisory level {request.advisory_level}, "
                f"above {volunteer.id}'s maximum {volunteer.max_advisory_level}"
            )
        if (volunteer.id, request.id) in forbidden:
            problems.append(f"{volunteer.id} and {request.id} are a forbidden pair")
    return problems


def check_rule_5_one_visit_per_request(problem: Problem, visits: Sequence[Visit]) -> list[str]:
    """A request is visited at most once, by exactly team_size distinct volunteers."""
    requests = {request.id: request for request in problem.requests}
    problems = []
    visits_of: dict[str, int] = defaultdict(int)
    for visit in visits:
        visits_of[visit.request] += 1
        request = requests[visit.request]
        if len(set(visit.volunteers)) != len(visit.volunteers):
            problems.append(f"{_describe(visit)} lists a volunteer twice")
        if len(visit.volunteers) != request.team_size:
            problems.append(
                f"{_describe(visit)} has {len(visit.volunteers)} volunteers, team_size is {request.team_size}"
            )
    problems += [f"{request} is visited {count} times" for request, count in visits_of.items() if count > 1]
    return problems


def check_rule_6_trips_and_gaps(problem: Problem, visits: Sequence[Visit]) -> list[str]:
    """A volunteer makes at most max_trips visits, leaving min_gap_days free days between two of them."""
    volunteers = {volunteer.id: volunteer for volunteer in problem.volunteers}
    trips: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        for member in set(visit.volunteers):
            trips[member].append(visit)
    gap = problem.rules.min_gap_days
    problems = []
    for member, own in trips.items():
        if len(own) > volunteers[member].max_trips:
            problems.append(f"{member} makes {len(own)} visits, max_trips is {volunteers[member].max_trips}")
        own.sort(key=lambda visit: visit.start)
        for earlier, later in itertools.pairwise(own):
            free_days = (later.start - earlier.end).days - 1
            if free_days < gap:
                problems.append(
                    f"{member} is on {earlier.request} and {later.request} {free_days} free days apart "
                    f"(min_gap_days {gap})"
                )
    return problems


def check_rule_7_pins(problem: Problem, visits: Sequence[Visit]) -> list[str]:
    """Every pinned visit appears exactly as pinned."""
    placed = {(visit.request, visit.start, frozenset(visit.volunteers)) for visit in visits}
    return [
        f"pinned visit {pin.request} on {pin.start} with {', '.join(pin.volunteers)} is missing or changed"
        for pin in problem.pinned
        if (pin.request, pin.start, frozenset(pin.volunteers)) not in placed
    ]


def rule_violations(problem: Problem, visits: Sequence[Visit]) -> list[Violation]:
    """Every break of rules 1 … 6 by these visits (known request and volunteer ids assumed)."""
    requests = {request.id: request for request in problem.requests}
    volunteers = {volunteer.id: volunteer for volunteer in problem.volunteers}
    violations: list[Violation] = []

    def add(rule: int, messages: Iterable[str]) -> None:
        violations.extend(Violation(rule, message) for message in messages)

    for visit in visits:
        request = requests[visit.request]
        members = [volunteers[member] for member in visit.volunteers]
        add(1, check_rule_1_dates(problem, request, visit, members))
        add(2, check_rule_2_expertise(request, members))
        add(3, check_rule_3_language(request, members))
        add(4, check_rule_4_travel_and_conflicts(problem, request, members))
    add(5, check_rule_5_one_visit_per_request(problem, visits))
    add(6, check_rule_6_trips_and_gaps(problem, visits))
    return violations


def pins_as_visits(problem: Problem) -> list[Visit]:
    """The pinned visits, as they must appear in any result."""
    requests = {request.id: request for request in problem.requests}
    return [
        Visit(pin.request, pin.start, requests[pin.request].last_day(pin.start), pin.volunteers)
        for pin in problem.pinned
    ]


def _unknown_ids(problem: Problem, result: Result) -> list[Violation]:
    request_ids = {request.id for request in problem.requests}
    volunteer_ids = {volunteer.id for volunteer in problem.volunteers}
    violations = [
        Violation("result", f"visit to unknown request {visit.request!r}")
        for visit in result.visits
        if visit.request not in request_ids
    ]
    violations += [
        Violation("result", f"visit to {visit.request} names unknown volunteer {member!r}")
        for visit in result.visits
        for member in visit.volunteers
        if member not in volunteer_ids
    ]
    return violations


def _score_violations(problem: Problem, result: Result) -> list[Violation]:
    requests = {request.id: request for request in problem.requests}
    volunteers = {volunteer.id: volunteer for volunteer in problem.volunteers}
    violations = []
    total = 0
    for visit in result.visits:
        members = [volunteers[member] for member in visit.volunteers]
        points = sum(score_visit(problem, requests[visit.request], visit.start, members).values())
        total += points
        if visit.score is not None and visit.score != points:
            violations.append(
                Violation("score", f"{_describe(visit)} reports score {visit.score}, its score is {points}")
            )
    if result.objective != total:
        violations.append(Violation("score", f"objective {result.objective} is not the score of its visits, {total}"))
    if result.bound is not None and result.bound < result.objective:
        violations.append(Violation("score", f"bound {result.bound} is below the objective {result.objective}"))
    if result.status == "optimal" and result.bound != result.objective:
        violations.append(
            Violation("score", f"status optimal, but bound {result.bound} ≠ objective {result.objective}")
        )
    return violations


def _unmatched_violations(problem: Problem, result: Result) -> list[Violation]:
    request_ids = {request.id for request in problem.requests}
    visited = {visit.request for visit in result.visits}
    return [
        Violation(
            "result",
            f"{entry.request} is listed as unmatched but is "
            + ("visited" if entry.request in visited else "not a request"),
        )
        for entry in result.unmatched
        if entry.request in visited or entry.request not in request_ids
    ]


def validate(problem: Problem, result: Result) -> list[Violation]:
    """Every way the result breaks the hard rules or misreports its score; empty when it is valid.

    An `infeasible` result must list no visits, and its pins must indeed break a rule.
    """
    unknown = _unknown_ids(problem, result)
    if unknown:
        return unknown
    if result.status == "infeasible":
        violations = [Violation("result", "an infeasible result lists visits")] if result.visits else []
        if not rule_violations(problem, pins_as_visits(problem)):
            violations.append(Violation("result", "status infeasible, but the pins break no rule"))
        return violations
    violations = rule_violations(problem, result.visits)
    violations += [Violation(7, message) for message in check_rule_7_pins(problem, result.visits)]
    return violations + _score_violations(problem, result) + _unmatched_violations(problem, result)
