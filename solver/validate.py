"""An independent check of a result against the seven hard rules and the score of matching.md.

Nothing here uses the model: each rule is re-read from the problem as matching.md states it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from solver.problem import Problem, Request, Volunteer
from solver.result import Result, Violation, Visit
from solver.score import score_visit

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Every message a check gives, by key: English, with ``{name}`` for its values. The platform says the same in a
# person's language by key (giveback.rounds.mapping.RULE_MESSAGES), with names in place of the ids.
MESSAGES: dict[str, str] = {
    "wrong-end": "{request} on {start} ends {end}, but {days} days end {last_day}",
    "outside-horizon": "{request} on {start} ({start} … {last_day}) leaves the horizon",
    "outside-request-windows": "{request} on {start} ({start} … {last_day}) is outside every window of the request",
    "volunteer-unavailable": "{volunteer} is not available for all of {start} … {last_day}",
    "wrong-weekday": "{request} on {start} starts on a {weekday}, not {allowed}",
    "no-needed-topic": "{volunteer} has none of the topics {request} needs ({topics})",
    "no-shared-language": "{volunteer} speaks none of {request}'s languages ({languages})",
    "excluded-country": "{volunteer} excludes {country} ({request})",
    "advisory-too-high": "{request} has advisory level {level}, above {volunteer}'s maximum {maximum}",
    "forbidden-pair": "{volunteer} and {request} are a forbidden pair",
    "volunteer-twice": "{request} on {start} lists a volunteer twice",
    "wrong-team-size": "{request} on {start} has {count} volunteers, team_size is {team_size}",
    "visited-twice": "{request} is visited {count} times",
    "too-many-trips": "{volunteer} makes {count} visits, max_trips is {max_trips}",
    "gap-too-short": "{volunteer} is on {request} and {later_request} {free_days} free days apart (min_gap_days {gap})",
    "pin-missing": "pinned visit {request} on {start} with {volunteers} is missing or changed",
}


@dataclass(frozen=True)
class Finding:
    """One broken rule: its message's key and values (see ``MESSAGES``)."""

    key: str
    params: tuple[tuple[str, str], ...]

    @property
    def message(self) -> str:
        return MESSAGES[self.key].format(**dict(self.params))

    def violation(self, rule: int | str) -> Violation:
        return Violation(rule, self.message, self.key, self.params)


def _say(key: str, **params: object) -> Finding:
    return Finding(key, tuple((name, str(value)) for name, value in params.items()))


def check_rule_1_dates(problem: Problem, request: Request, visit: Visit, members: Sequence[Volunteer]) -> list[Finding]:
    """The visit occupies start … start + duration - 1, inside the horizon, one request window and one
    availability window of every member, and starts on an allowed weekday."""
    problems = []
    last_day = request.last_day(visit.start)
    if visit.end != last_day:
        problems.append(
            _say(
                "wrong-end",
                request=visit.request,
                start=visit.start,
                end=visit.end,
                days=request.duration_days,
                last_day=last_day,
            )
        )
    if not problem.horizon.contains(visit.start, last_day):
        problems.append(_say("outside-horizon", request=visit.request, start=visit.start, last_day=last_day))
    if not any(window.contains(visit.start, last_day) for window in request.windows):
        problems.append(_say("outside-request-windows", request=visit.request, start=visit.start, last_day=last_day))
    for volunteer in members:
        if not any(window.contains(visit.start, last_day) for window in volunteer.availability):
            problems.append(_say("volunteer-unavailable", volunteer=volunteer.id, start=visit.start, last_day=last_day))
    if visit.start.weekday() not in problem.rules.start_weekdays:
        allowed = ", ".join(WEEKDAY_NAMES[day] for day in problem.rules.start_weekdays)
        weekday = WEEKDAY_NAMES[visit.start.weekday()]
        problems.append(
            _say("wrong-weekday", request=visit.request, start=visit.start, weekday=weekday, allowed=allowed)
        )
    return problems


def check_rule_2_expertise(request: Request, members: Sequence[Volunteer]) -> list[Finding]:
    """Every member has proficiency ≥ 1 in at least one topic the request needs."""
    return [
        _say("no-needed-topic", volunteer=volunteer.id, request=request.id, topics=", ".join(request.needs))
        for volunteer in members
        if not any(volunteer.expertise.get(topic, 0) >= 1 for topic in request.needs)
    ]


def check_rule_3_language(request: Request, members: Sequence[Volunteer]) -> list[Finding]:
    """Every member speaks at least one of the request's languages."""
    return [
        _say("no-shared-language", volunteer=volunteer.id, request=request.id, languages=", ".join(request.languages))
        for volunteer in members
        if not set(volunteer.languages) & set(request.languages)
    ]


def check_rule_4_travel_and_conflicts(
    problem: Problem, request: Request, members: Sequence[Volunteer]
) -> list[Finding]:
    """The country is not excluded, the advisory level is accepted and the pair is not forbidden."""
    forbidden = {(pair.volunteer, pair.request) for pair in problem.forbidden}
    problems = []
    for volunteer in members:
        if request.country in volunteer.excluded_countries:
            problems.append(
                _say("excluded-country", volunteer=volunteer.id, country=request.country, request=request.id)
            )
        if request.advisory_level > volunteer.max_advisory_level:
            problems.append(
                _say(
                    "advisory-too-high",
                    request=request.id,
                    level=request.advisory_level,
                    volunteer=volunteer.id,
                    maximum=volunteer.max_advisory_level,
                )
            )
        if (volunteer.id, request.id) in forbidden:
            problems.append(_say("forbidden-pair", volunteer=volunteer.id, request=request.id))
    return problems


def check_rule_5_one_visit_per_request(problem: Problem, visits: Sequence[Visit]) -> list[Finding]:
    """A request is visited at most once, by exactly team_size distinct volunteers."""
    requests = {request.id: request for request in problem.requests}
    problems = []
    visits_of: dict[str, int] = defaultdict(int)
    for visit in visits:
        visits_of[visit.request] += 1
        request = requests[visit.request]
        if len(set(visit.volunteers)) != len(visit.volunteers):
            problems.append(_say("volunteer-twice", request=visit.request, start=visit.start))
        if len(visit.volunteers) != request.team_size:
            problems.append(
                _say(
                    "wrong-team-size",
                    request=visit.request,
                    start=visit.start,
                    count=len(visit.volunteers),
                    team_size=request.team_size,
                )
            )
    problems += [
        _say("visited-twice", request=request, count=count) for request, count in visits_of.items() if count > 1
    ]
    return problems


def check_rule_6_trips_and_gaps(problem: Problem, visits: Sequence[Visit]) -> list[Finding]:
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
            problems.append(
                _say("too-many-trips", volunteer=member, count=len(own), max_trips=volunteers[member].max_trips)
            )
        own.sort(key=lambda visit: visit.start)
        for earlier, later in itertools.pairwise(own):
            free_days = (later.start - earlier.end).days - 1
            if free_days < gap:
                problems.append(
                    _say(
                        "gap-too-short",
                        volunteer=member,
                        request=earlier.request,
                        later_request=later.request,
                        free_days=free_days,
                        gap=gap,
                    )
                )
    return problems


def check_rule_7_pins(problem: Problem, visits: Sequence[Visit]) -> list[Finding]:
    """Every pinned visit appears exactly as pinned."""
    placed = {(visit.request, visit.start, frozenset(visit.volunteers)) for visit in visits}
    return [
        _say("pin-missing", request=pin.request, start=pin.start, volunteers=", ".join(pin.volunteers))
        for pin in problem.pinned
        if (pin.request, pin.start, frozenset(pin.volunteers)) not in placed
    ]


def rule_violations(problem: Problem, visits: Sequence[Visit]) -> list[Violation]:
    """Every break of rules 1 … 6 by these visits (known request and volunteer ids assumed)."""
    requests = {request.id: request for request in problem.requests}
    volunteers = {volunteer.id: volunteer for volunteer in problem.volunteers}
    violations: list[Violation] = []

    def add(rule: int, findings: Iterable[Finding]) -> None:
        violations.extend(finding.violation(rule) for finding in findings)

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
                Violation(
                    "score", f"{visit.request} on {visit.start} reports score {visit.score}, its score is {points}"
                )
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
    violations += [finding.violation(7) for finding in check_rule_7_pins(problem, result.visits)]
    return violations + _score_violations(problem, result) + _unmatched_violations(problem, result)
