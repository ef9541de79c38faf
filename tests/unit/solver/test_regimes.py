"""Small generated rounds of every regime: the plan keeps the hard rules, is proved optimal, and the bound
the engine reports is true (≥ an independent optimum) and at least as tight as the LP over all triples."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict

import pytest
from ortools.sat.python import cp_model
from solver_builders import optimum_by_triples, request, volunteer
from solver_builders import problem as problem_data

from benchmarks.lp_bound import lp_bound
from solver import Problem, Progress, Result, Visit, load_problem, solve, validate
from solver.candidates import build_candidates, calendar_day
from solver.generate import REGIMES, generate
from solver.model import build_model
from solver.reduction import keep_visits
from solver.relaxation import Prices, Structure, price
from solver.validate import rule_violations

SIZES = {"default": (40, 30), "scarce": (20, 40), "teams": (40, 30), "multi-trip": (12, 24), "rules": (40, 30)}


def solved(regime: str, seed: int) -> tuple[Problem, Result, list[Progress]]:
    volunteers, requests = SIZES[regime]
    problem = load_problem(generate(volunteers, requests, seed, regime))
    reports: list[Progress] = []
    return problem, solve(problem, time_limit=5, workers=1, on_progress=reports.append), reports


@pytest.mark.parametrize("regime", sorted(REGIMES))
def test_every_regime_is_solved_to_a_proved_optimum_with_a_true_bound(regime: str) -> None:
    problem, result, reports = solved(regime, seed=11)
    assert validate(problem, result) == []
    assert result.status == "optimal"
    optimum = optimum_by_triples(problem)
    assert result.objective == result.bound == optimum
    lp = lp_bound(problem, build_candidates(problem, keep_dominated=True))
    assert all(optimum <= report.bound <= lp + 1e-6 for report in reports if report.bound is not None)


def test_teams_travel_together_on_the_same_dates() -> None:
    problem, result, _ = solved("teams", seed=3)
    assert validate(problem, result) == []
    sizes = {request.id: request.team_size for request in problem.requests}
    teams = [visit for visit in result.visits if sizes[visit.request] > 1]
    assert len(teams) >= 3
    for visit in teams:
        assert len(set(visit.volunteers)) == sizes[visit.request]
        duration = next(r.duration_days for r in problem.requests if r.id == visit.request)
        assert (visit.end - visit.start).days == duration - 1
        availability = {v.id: v.availability for v in problem.volunteers}
        for member in visit.volunteers:
            assert any(w.start <= visit.start and visit.end <= w.end for w in availability[member])


def test_a_volunteers_several_trips_keep_the_gap() -> None:
    problem, result, _ = solved("multi-trip", seed=5)
    assert validate(problem, result) == []
    gap = problem.rules.min_gap_days
    assert gap == 21
    trips: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for visit in result.visits:
        for member in visit.volunteers:
            trips[member].append((visit.start, visit.end))
    travelling_often = [own for own in trips.values() if len(own) > 1]
    assert travelling_often, "the regime must give some volunteer several trips"
    max_trips = {v.id: v.max_trips for v in problem.volunteers}
    for member, own in trips.items():
        assert len(own) <= max_trips[member]
        for (_, end), (start, _) in itertools.pairwise(sorted(own)):
            assert (start - end).days - 1 >= gap


def test_other_rules_weekdays_weights_and_forbidden_pairs() -> None:
    problem, result, _ = solved("rules", seed=7)
    assert validate(problem, result) == []
    assert problem.rules.start_weekdays == (0, 3) and problem.weights.served == 700
    assert {visit.start.weekday() for visit in result.visits} == {0, 3}
    forbidden = {(pair.volunteer, pair.request) for pair in problem.forbidden}
    assert forbidden
    assert not any((member, visit.request) in forbidden for visit in result.visits for member in visit.volunteers)


@pytest.mark.parametrize("regime", ["teams", "multi-trip", "rules"])
def test_the_model_over_every_visit_has_the_independent_optimum(regime: str) -> None:
    """The CP-SAT model alone (every visit, no reduction, no hint): its optimum plan keeps the rules and
    scores the optimum of the independent triple model."""
    volunteers, requests = SIZES[regime]
    problem = load_problem(generate(volunteers, requests, 11, regime))
    candidates = build_candidates(problem)
    structure = Structure(problem, candidates)
    every_visit = keep_visits(structure, price(structure, Prices.zero(structure)), math.inf, [], 10**9)
    match = build_model(problem, candidates, every_visit.teams)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(match.model) == cp_model.OPTIMAL
    chosen = [team for team, var in zip(every_visit.teams, match.visit, strict=True) if solver.value(var)]
    visits = [
        Visit(
            problem.requests[int(candidates.request[team[0]])].id,
            calendar_day(problem, int(candidates.start[team[0]])),
            problem.requests[int(candidates.request[team[0]])].last_day(
                calendar_day(problem, int(candidates.start[team[0]]))
            ),
            tuple(problem.volunteers[int(candidates.volunteer[i])].id for i in team),
        )
        for team in chosen
    ]
    assert rule_violations(problem, visits) == []
    assert int(solver.objective_value) == optimum_by_triples(problem)


def _model_optimum_plan(problem: Problem) -> list[Visit]:
    """The plan the CP-SAT model over every visit finds optimal."""
    candidates = build_candidates(problem)
    structure = Structure(problem, candidates)
    every_visit = keep_visits(structure, price(structure, Prices.zero(structure)), math.inf, [], 10**9)
    match = build_model(problem, candidates, every_visit.teams)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(match.model) == cp_model.OPTIMAL
    plan = []
    for team, var in zip(every_visit.teams, match.visit, strict=True):
        if solver.value(var):
            request = problem.requests[int(candidates.request[team[0]])]
            start = calendar_day(problem, int(candidates.start[team[0]]))
            members = tuple(problem.volunteers[int(candidates.volunteer[i])].id for i in team)
            plan.append(Visit(request.id, start, request.last_day(start), members))
    return plan


def test_two_overlapping_visits_are_refused_to_a_volunteer_with_trips_to_spare() -> None:
    # One volunteer with three trips and two requests whose only dates overlap: the gap rule must hold
    # even though the volunteer has fewer candidate visits than trips.
    window = [{"start": "2027-03-01", "end": "2027-03-07"}]
    data = problem_data(
        [volunteer(max_trips=3, availability=[{"start": "2027-01-04", "end": "2027-12-31"}])],
        [request("r1", windows=window), request("r2", windows=window)],
    )
    plan = _model_optimum_plan(load_problem(data))
    assert len(plan) == 1
    assert rule_violations(load_problem(data), plan) == []
