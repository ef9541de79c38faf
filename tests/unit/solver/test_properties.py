"""Generated problems: every result keeps the rules, reports its true score, and keeps the pins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solver_builders import optimum_by_triples

from solver import load_problem, solve, validate
from solver.generate import generate
from solver.validate import pins_as_visits, rule_violations

TOPICS = ("venous", "aortic", "neuro-ir")
LANGUAGES = ("en", "es", "fr")
FIRST_DAY = dt.date(2027, 1, 4)


@st.composite
def windows(draw: st.DrawFn, most: int = 2) -> list[dict[str, Any]]:
    drawn = []
    for _ in range(draw(st.integers(0, most))):
        start = draw(st.integers(0, 50))
        length = draw(st.integers(3, 30))
        drawn.append(
            {
                "start": (FIRST_DAY + dt.timedelta(days=start)).isoformat(),
                "end": (FIRST_DAY + dt.timedelta(days=start + length)).isoformat(),
                "preferred": draw(st.booleans()),
            }
        )
    return drawn


@st.composite
def problems(draw: st.DrawFn) -> dict[str, Any]:
    levels = st.dictionaries(st.sampled_from(TOPICS), st.integers(1, 3), min_size=1, max_size=2)
    volunteers = [
        {
            "id": f"v{index}",
            "expertise": draw(levels),
            "languages": draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2, unique=True)),
            "max_trips": draw(st.integers(0, 2)),
            "availability": draw(windows()),
            "preferred_regions": draw(st.lists(st.sampled_from(("africa", "europe")), max_size=1)),
            "excluded_countries": draw(st.lists(st.sampled_from(("KE", "FR")), max_size=1)),
            "max_advisory_level": draw(st.integers(1, 4)),
        }
        for index in range(draw(st.integers(1, 7)))
    ]
    requests = [
        {
            "id": f"r{index}",
            "host": "h",
            "country": draw(st.sampled_from(("KE", "FR", "MX"))),
            "region": draw(st.sampled_from(("africa", "europe"))),
            "needs": draw(levels),
            "languages": draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2, unique=True)),
            "duration_days": draw(st.integers(2, 10)),
            "team_size": draw(st.integers(1, 2)),
            "windows": draw(windows()),
            "priority": draw(st.booleans()),
            "advisory_level": draw(st.integers(1, 4)),
        }
        for index in range(draw(st.integers(1, 5)))
    ]
    pinned = []
    if draw(st.booleans()):
        chosen = draw(st.sampled_from(requests))
        pinned.append(
            {
                "request": chosen["id"],
                "start": (FIRST_DAY + dt.timedelta(days=draw(st.integers(0, 60)))).isoformat(),
                "volunteers": [draw(st.sampled_from(volunteers))["id"]],
            }
        )
    return {
        "format": "giveback-match/1",
        "horizon": {"start": FIRST_DAY.isoformat(), "end": (FIRST_DAY + dt.timedelta(days=70)).isoformat()},
        "rules": {
            "start_weekdays": draw(st.lists(st.integers(0, 6), min_size=1, max_size=3, unique=True)),
            "min_gap_days": draw(st.integers(0, 14)),
        },
        "volunteers": volunteers,
        "requests": requests,
        "pinned": pinned,
        "forbidden": [{"volunteer": "v0", "request": "r0"}] if draw(st.booleans()) else [],
    }


def optimum_over_all_triples(data: dict[str, Any]) -> int:
    """The optimum of an independent model over every triple (dominated starts kept)."""
    return optimum_by_triples(load_problem(data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_results_keep_the_rules_and_report_their_score(data: dict[str, Any]) -> None:
    problem = load_problem(data)
    result = solve(problem, time_limit=10, workers=1)
    assert validate(problem, result) == []
    if result.status == "infeasible":
        assert rule_violations(problem, pins_as_visits(problem))
        assert result.violations
        return
    assert result.status == "optimal"
    assert result.objective == sum(visit.score or 0 for visit in result.visits)
    pinned = {(pin.request, pin.start, pin.volunteers) for pin in problem.pinned}
    assert pinned <= {(visit.request, visit.start, visit.volunteers) for visit in result.visits}
    visited = {visit.request for visit in result.visits}
    assert {entry.request for entry in result.unmatched} == {r.id for r in problem.requests} - visited
    assert all(entry.reasons for entry in result.unmatched)
    assert result.objective == optimum_over_all_triples(data)


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 10_000))
def test_generated_programs_are_valid(seed: int) -> None:
    problem = load_problem(generate(40, 25, seed))
    result = solve(problem, time_limit=10, workers=1)
    assert validate(problem, result) == []
    assert result.status == "optimal"
