"""The score of matching.md, term by term, computed directly from the problem's definitions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from solver.problem import Problem, Request, Volunteer, Window

MEMBER_TERMS = (
    "expertise",
    "primary_need",
    "first_language",
    "preferred_region",
    "host_priority",
    "host_preferred_dates",
    "volunteer_preferred_dates",
)


def expertise_points(expertise_weight: int, volunteer: Volunteer, request: Request) -> int:
    """weights.expertise · Σ_t need[r,t]·prof[v,t] // (3 · Σ_t need[r,t])."""
    matched = sum(need * volunteer.expertise.get(topic, 0) for topic, need in request.needs.items())
    return expertise_weight * matched // (3 * sum(request.needs.values()))


def inside_preferred_window(windows: Sequence[Window], first_day: dt.date, last_day: dt.date) -> bool:
    """Whether the days lie inside one window marked preferred."""
    return any(window.preferred and window.contains(first_day, last_day) for window in windows)


def score_member(problem: Problem, volunteer: Volunteer, request: Request, start: dt.date) -> dict[str, int]:
    """The points volunteer v earns on a visit of request r starting on `start`, by term."""
    weights = problem.weights
    last_day = request.last_day(start)
    return {
        "expertise": expertise_points(weights.expertise, volunteer, request),
        "primary_need": weights.primary_need if volunteer.expertise.get(request.primary_need, 0) >= 1 else 0,
        "first_language": (
            weights.first_language if request.languages and request.languages[0] in volunteer.languages else 0
        ),
        "preferred_region": weights.preferred_region if request.region in volunteer.preferred_regions else 0,
        "host_priority": weights.host_priority if request.priority else 0,
        "host_preferred_dates": (
            weights.host_preferred_dates if inside_preferred_window(request.windows, start, last_day) else 0
        ),
        "volunteer_preferred_dates": (
            weights.volunteer_preferred_dates if inside_preferred_window(volunteer.availability, start, last_day) else 0
        ),
    }


def score_visit(problem: Problem, request: Request, start: dt.date, volunteers: Sequence[Volunteer]) -> dict[str, int]:
    """The points of a whole visit by term: `served` plus every member's terms summed."""
    breakdown = {"served": problem.weights.served} | dict.fromkeys(MEMBER_TERMS, 0)
    for volunteer in volunteers:
        for term, points in score_member(problem, volunteer, request, start).items():
            breakdown[term] += points
    return breakdown
