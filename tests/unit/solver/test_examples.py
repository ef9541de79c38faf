"""The three example problems reach their proved optimum, and their optimal plans pass the validator."""

from __future__ import annotations

import pytest
from solver_builders import example

from solver import load_problem, load_result, solve, validate

OPTIMA = {"rules-tour": 7950, "small-30x20": 20261, "program-60x40": 54390}


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_engine_reaches_the_known_optimum(name: str) -> None:
    problem = load_problem(example(f"{name}.json"))
    result = solve(problem, time_limit=20, workers=1)
    assert result.status == "optimal"
    assert result.objective == result.bound == OPTIMA[name]
    assert validate(problem, result) == []
    assert sum(visit.score or 0 for visit in result.visits) == result.objective


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_published_optimal_plan_is_valid(name: str) -> None:
    problem = load_problem(example(f"{name}.json"))
    result = load_result(example(f"{name}.optimal-result.json"))
    assert validate(problem, result) == []
    assert result.objective == OPTIMA[name]


def test_every_unmatched_request_has_reasons() -> None:
    problem = load_problem(example("program-60x40.json"))
    result = solve(problem, time_limit=20, workers=1)
    visited = {visit.request for visit in result.visits}
    assert {entry.request for entry in result.unmatched} == {r.id for r in problem.requests} - visited
    assert all(entry.reasons for entry in result.unmatched)
