"""`solve`: from a problem to a result, with progress reports, cancellation and warm starts.

The steps: check the pins (an infeasible round stops here); pre-filter the candidate triples (rules 1-4);
solve the flow relaxation (a bound, and pairs to seed the first plan); build a first plan greedily, after
the pins and the previous result's still-valid visits; then improve it with CP-SAT, hinted with that plan.
Small rounds get one model over every triple, solved to proved optimality. Large rounds get a model over
each request's best triples plus those of the first plan; its LP relaxation (GLOP) points to a small model
solved first, whose plan hints the large one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from solver.bounds import flow_relaxation
from solver.candidates import Candidates, build_candidates, calendar_day, day_number
from solver.explain import explain_unmatched
from solver.greedy import Calendar, greedy_plan
from solver.model import MatchModel, build_model
from solver.problem import Problem
from solver.relaxation import solve_lp_relaxation
from solver.result import Progress, Result, Status, Unmatched, Violation, Visit
from solver.score import score_visit
from solver.validate import pins_as_visits, rule_violations

FULL_MODEL_TRIPLES = 20_000
"""Rounds with at most this many candidate triples are modelled whole."""
CANDIDATES_PER_REQUEST = 30
"""In larger rounds, how many of its best-scoring triples each request keeps in the model."""
FOCUS_ABOVE_TRIPLES = 5_000
"""Models with more triples are first solved on the support of their LP relaxation (relaxation.py) ..."""
FOCUS_SHARE = 0.3
"""... for at most this share of the time left, when the time left allows (the LP takes about
LP_SECONDS_PER_TRIPLE per triple on one core) and there is no previous plan to start from."""
LP_SECONDS_PER_TRIPLE = 1e-4
GOOD_ENOUGH_GAP = 1e-4
"""A round modelled in part stops searching once within this fraction of its model's LP bound (which no
plan of the model can beat); a round modelled whole searches on for a proof of optimality."""
FINISHING_SECONDS = 0.2
FINISHING_SHARE = 0.03
"""Of the time limit, what the search leaves for writing the result and its explanations."""


def pin_violations(problem: Problem) -> list[Violation]:
    """The rules the pins break among themselves (rule 7 asks for all of them, so any break is fatal)."""
    return rule_violations(problem, pins_as_visits(problem))


def _triples_of_visits(problem: Problem, candidates: Candidates, visits: list[Visit]) -> list[list[int]]:
    """For each visit, its candidate triples; a visit any of whose members is no candidate is left out.

    A single-trip volunteer on a one-person request keeps only its best start among the candidates, so a
    previous visit on another start maps to that one (same volunteer, same request, a score as high).
    """
    request_index = {r.id: i for i, r in enumerate(problem.requests)}
    volunteer_index = {v.id: i for i, v in enumerate(problem.volunteers)}
    bounds = np.searchsorted(candidates.request, np.arange(len(problem.requests) + 1))
    mapped = []
    for visit in visits:
        request = request_index.get(visit.request)
        if request is None:
            continue
        first, last = bounds[request], bounds[request + 1]
        start = day_number(problem, visit.start)
        team: list[int] = []
        for member in visit.volunteers:
            volunteer = volunteer_index.get(member, -1)
            own = first + np.flatnonzero(candidates.volunteer[first:last] == volunteer)
            exact = own[candidates.start[own] == start]
            if len(exact):
                team.append(int(exact[0]))
            elif len(own) == 1 and problem.requests[request].team_size == 1:
                team.append(int(own[0]))
        if len(team) == len(visit.volunteers) == problem.requests[request].team_size:
            mapped.append(team)
    return mapped


def _consistent(problem: Problem, candidates: Candidates, teams: list[list[int]]) -> list[int]:
    """The triples of those visits, in order, that keep rules 5 and 6 with the ones before them."""
    calendar = Calendar(problem)
    visited: set[int] = set()
    chosen: list[int] = []
    for team in teams:
        request = int(candidates.request[team[0]])
        first_day = int(candidates.start[team[0]])
        last_day = first_day + problem.requests[request].duration_days - 1
        members = [int(candidates.volunteer[i]) for i in team]
        if request in visited or not all(calendar.is_free(v, first_day, last_day) for v in members):
            continue
        visited.add(request)
        for volunteer in members:
            calendar.book(volunteer, first_day, last_day)
        chosen.extend(team)
    return chosen


def best_triples(problem: Problem, candidates: Candidates, per_request: int) -> np.ndarray:
    """Each request's best-scoring triples, `per_request` per member of its team."""
    order = np.lexsort((-candidates.member_score, candidates.request))
    bounds = np.searchsorted(candidates.request[order], np.arange(len(problem.requests) + 1))
    keep = np.zeros(len(candidates), dtype=np.bool_)
    for request in range(len(problem.requests)):
        first, last = bounds[request], bounds[request + 1]
        quota = per_request * problem.requests[request].team_size
        keep[order[first : min(last, first + quota)]] = True
    return np.flatnonzero(keep)


def model_triples(problem: Problem, candidates: Candidates, plan: list[int]) -> tuple[np.ndarray, bool]:
    """The triples to model and whether they are all of them (so that CP-SAT's bound is the round's)."""
    if len(candidates) <= FULL_MODEL_TRIPLES:
        return np.arange(len(candidates)), True
    return np.union1d(best_triples(problem, candidates, CANDIDATES_PER_REQUEST), plan), False


class _Search(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution, in points of the score, and stops when asked."""

    def __init__(
        self,
        started: float,
        tie_break: int,
        bound_of_round: int | None,
        on_progress: Callable[[Progress], None] | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        super().__init__()
        self.started = started
        self.tie_break = tie_break
        self.bound_of_round = bound_of_round
        self.on_progress = on_progress
        self.should_stop = should_stop
        self.good_enough: int | None = None
        """An objective (in model units) at which searching further is not worth the time."""
        self.done = False

    def on_solution_callback(self) -> None:
        if self.on_progress is not None:
            objective = int(self.objective_value) // self.tie_break
            bound = self.bound_of_round
            if bound is None:
                bound = int(self.best_objective_bound) // self.tie_break
            self.on_progress(Progress(time.monotonic() - self.started, objective, bound))
        if self.good_enough is not None and self.objective_value >= self.good_enough:
            self.done = True
        if self.done or (self.should_stop is not None and self.should_stop()):
            self.stop_search()


def _watch_for_stop(
    solver: cp_model.CpSolver, should_stop: Callable[[], bool] | None, done: threading.Event
) -> threading.Thread | None:
    if should_stop is None:
        return None

    def watch() -> None:
        while not done.wait(0.05):
            if should_stop():
                solver.stop_search()
                return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _improve(
    match: MatchModel,
    plan: list[int],
    *,
    time_limit: float,
    workers: int,
    seed: int,
    search: _Search,
    should_stop: Callable[[], bool] | None,
) -> tuple[list[int], bool, int | None]:
    """Solve the model hinted with the plan: the best plan found, whether it is proved optimal for the
    model, and the model's proved bound in points (None when the search found nothing)."""
    chosen = set(plan)
    for position, i in enumerate(match.triples):
        match.model.add_hint(match.member[position], int(i) in chosen)
    planned_visits = {(int(match.candidates.request[i]), int(match.candidates.start[i])) for i in plan}
    for key, visit in match.visit.items():
        match.model.add_hint(visit, key in planned_visits)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.01)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    done = threading.Event()
    watcher = _watch_for_stop(solver, should_stop, done)
    status = solver.solve(match.model, search)
    done.set()
    if watcher is not None:
        watcher.join()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return plan, False, None
    values = solver.boolean_values(match.member)
    improved = [int(i) for i, value in zip(match.triples, values, strict=True) if value]
    return improved, status == cp_model.OPTIMAL, int(solver.best_objective_bound) // match.tie_break


def _objective(problem: Problem, candidates: Candidates, plan: list[int]) -> int:
    """The score of a plan, from the candidates' member scores."""
    visited = {int(candidates.request[i]) for i in plan}
    return problem.weights.served * len(visited) + int(candidates.member_score[plan].sum())


def _result(
    problem: Problem,
    candidates: Candidates,
    plan: list[int],
    status: Status,
    bound: int | None,
    stats: dict[str, Any],
) -> Result:
    teams: dict[int, list[int]] = {}
    for i in plan:
        teams.setdefault(int(candidates.request[i]), []).append(int(i))
    pinned_order = {pin.request: pin.volunteers for pin in problem.pinned}
    visits = []
    for request_number in sorted(teams):
        request = problem.requests[request_number]
        team = teams[request_number]
        start = calendar_day(problem, int(candidates.start[team[0]]))
        members = [problem.volunteers[int(candidates.volunteer[i])] for i in team]
        if request.id in pinned_order:
            order = pinned_order[request.id]
            members.sort(key=lambda volunteer: order.index(volunteer.id))
        score = sum(score_visit(problem, request, start, members).values())
        visits.append(Visit(request.id, start, request.last_day(start), tuple(v.id for v in members), score))
    objective = sum(visit.score or 0 for visit in visits)
    if bound is not None:
        bound = max(bound, objective)
    if status == "optimal":
        bound = objective
    return Result(
        status=status,
        objective=objective,
        bound=bound,
        visits=tuple(visits),
        unmatched=tuple(explain_unmatched(problem, visits)),
        stats=stats,
    )


def solve(
    problem: Problem,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    warm_start: Result | None = None,
) -> Result:
    """Match volunteers to requests, maximising the score of matching.md within `time_limit` seconds.

    Never raises for an infeasible round: pins that break a rule give status `infeasible` with violations.
    With one worker and a given seed the search is deterministic.
    """
    started = time.monotonic()
    violations = pin_violations(problem)
    if violations:
        reason = "the round is infeasible: its pins break a hard rule"
        return Result(
            status="infeasible",
            objective=0,
            bound=None,
            visits=(),
            unmatched=tuple(Unmatched(request.id, (reason,)) for request in problem.requests),
            violations=tuple(violations),
            stats={"wall_seconds": round(time.monotonic() - started, 3)},
        )
    candidates = build_candidates(problem)
    previous = list(warm_start.visits) if warm_start is not None else []
    kept = _consistent(
        problem, candidates, _triples_of_visits(problem, candidates, [*pins_as_visits(problem), *previous])
    )
    relaxation = flow_relaxation(problem, candidates)
    first_plan = greedy_plan(problem, candidates, relaxation.triples, kept)
    first_plan = greedy_plan(problem, candidates, np.arange(len(candidates)), first_plan)
    triples, whole = model_triples(problem, candidates, first_plan)
    stats: dict[str, Any] = {
        "candidate_triples": len(candidates),
        "model_triples": len(triples),
        "first_plan_seconds": round(time.monotonic() - started, 3),
        "first_plan_objective": _objective(problem, candidates, first_plan),
        "flow_bound": relaxation.bound,
    }
    keep = set(kept) if previous else None
    match = build_model(problem, candidates, triples, keep)
    search = _Search(started, match.tie_break, None if whole else relaxation.bound, on_progress, should_stop)
    deadline = started + time_limit * (1 - FINISHING_SHARE) - FINISHING_SECONDS
    plan, bounds = first_plan, [relaxation.bound]
    lp_seconds = LP_SECONDS_PER_TRIPLE * len(triples)
    if len(triples) > FOCUS_ABOVE_TRIPLES and not previous and deadline - time.monotonic() > 3 * lp_seconds:
        lp = solve_lp_relaxation(match.model, deadline - time.monotonic())
        if lp is not None:
            # GLOP's optimum is exact up to its tolerances (about 1e-7 relative); round up through them.
            lp_bound = math.floor(lp.objective * (1 + 1e-6) + 1e-3) // match.tie_break
            stats["model_lp_bound"] = lp_bound
            if whole:
                bounds.append(lp_bound)
            else:
                search.good_enough = int(lp.objective * (1 - GOOD_ENOUGH_GAP))
            support = [int(i) for i, var in zip(triples, match.member, strict=True) if lp.values[var.index] > 1e-6]
            focused = build_model(problem, candidates, np.unique([*support, *first_plan]), keep)
            stats["focus_triples"] = len(focused.triples)
            plan, _, _ = _improve(
                focused,
                plan,
                time_limit=FOCUS_SHARE * (deadline - time.monotonic()),
                workers=workers,
                seed=seed,
                search=search,
                should_stop=should_stop,
            )
            stats["focus_seconds"] = round(time.monotonic() - started, 3)
    proved = False
    if not search.done and not (should_stop is not None and should_stop()):
        plan, proved, model_bound = _improve(
            match,
            plan,
            time_limit=deadline - time.monotonic(),
            workers=workers,
            seed=seed,
            search=search,
            should_stop=should_stop,
        )
        bounds += [model_bound] if whole and model_bound is not None else []
    bound = min(bounds)
    proved = whole and (proved or bound == _objective(problem, candidates, plan))
    stats["wall_seconds"] = round(time.monotonic() - started, 3)
    result = _result(problem, candidates, plan, "optimal" if proved else "feasible", bound, stats)
    if on_progress is not None:
        on_progress(Progress(stats["wall_seconds"], result.objective, result.bound))
    return result
