"""`solve`: from a problem to a result, with progress reports, cancellation and warm starts.

The steps: check the pins (an infeasible round stops here); pre-filter the candidate triples (rules 1-4);
build a first plan greedily, after the pins and the previous result's still-valid visits; solve the LP
relaxation over every candidate triple by column generation (relaxation.py), which proves the bound
and prices every visit; round the LP into a second first plan; then model every visit that could be part
of a better plan (reduction.py) and let CP-SAT improve the plan, hinted with it. The model is exact (its
optimum is the round's) unless it had to be cut to fit the time; a cut model is widened when CP-SAT has
finished with it and time is left.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from solver.candidates import Candidates, build_candidates, calendar_day, day_number
from solver.explain import explain_unmatched
from solver.greedy import greedy_plan, take_visits
from solver.model import MatchModel, build_model
from solver.neighbourhoods import TeamSearch
from solver.problem import Problem
from solver.reduction import keep_visits
from solver.relaxation import Prices, Relaxation, Structure, price, solve_relaxation
from solver.result import Progress, Result, Status, Unmatched, Violation, Visit
from solver.score import score_visit
from solver.validate import pins_as_visits, rule_violations

LP_SHARE = 0.7
LP_SECONDS_AT_LEAST = 0.1
"""At most this share of the time left goes to the LP relaxation (the bound and the prices), but at
least these seconds: without the LP there is no bound worth reporting."""
MODEL_VISITS = 30_000
"""A model keeps at most this many visits (those of smallest loss); a larger one is cut and widened
later, when CP-SAT has finished with it and time is left."""
CUT_MODEL_SHARE = 0.2
"""A cut model is searched for this share of the time left; team moves (neighbourhoods.py) get the rest."""
MOVE_SECONDS = 1.0
"""At most this long for one neighbourhood move."""
GOOD_ENOUGH_GAP = 1e-4
"""A round with more than SEARCH_TO_PROOF_REQUESTS requests stops once its plan is within this fraction
of the proved bound; smaller rounds search on for the proof of optimality."""
SEARCH_TO_PROOF_REQUESTS = 200
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


class _Search(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution, in points of the score, and stops when asked or good enough."""

    def __init__(
        self,
        report: Callable[[int, int | None], None],
        tie_break: int,
        bound: int | None,
        exact: bool,
        good_enough: int | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        super().__init__()
        self.report = report
        self.tie_break = tie_break
        self.bound = bound
        self.exact = exact
        self.good_enough = good_enough
        self.should_stop = should_stop

    def on_solution_callback(self) -> None:
        objective = int(self.objective_value) // self.tie_break
        bound = self.bound
        if self.exact:
            model_bound = int(self.best_objective_bound) // self.tie_break
            bound = model_bound if bound is None else min(bound, model_bound)
        self.report(objective, bound)
        if (self.good_enough is not None and objective >= self.good_enough) or (
            self.should_stop is not None and self.should_stop()
        ):
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


def _search(
    match: MatchModel,
    plan: list[int],
    search: _Search,
    *,
    time_limit: float,
    workers: int,
    seed: int,
    should_stop: Callable[[], bool] | None,
) -> tuple[list[int], bool, int | None]:
    """Solve the model hinted with the plan: the best plan found, whether it is proved optimal for the
    model, and the model's proved bound in points (None when the search found nothing)."""
    chosen = set(plan)
    for team, visit in zip(match.teams, match.visit, strict=True):
        match.model.add_hint(visit, all(i in chosen for i in team))
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
    values = solver.boolean_values(match.visit)
    improved = [i for team, value in zip(match.teams, values, strict=True) if value for i in team]
    return improved, status == cp_model.OPTIMAL, int(solver.best_objective_bound) // match.tie_break


def _teams_of_plan(candidates: Candidates, plan: list[int]) -> list[tuple[int, ...]]:
    """The plan's visits, each as the sorted triples of its team."""
    teams: dict[int, list[int]] = {}
    for i in plan:
        teams.setdefault(int(candidates.request[i]), []).append(int(i))
    return [tuple(sorted(team)) for team in teams.values()]


def _lp_plan(problem: Problem, candidates: Candidates, relaxation: Relaxation, kept: list[int]) -> list[int]:
    """A plan rounded from the LP: its visits by LP value (then value), each one that still fits, then the
    greedy for the rest."""
    scores = candidates.member_score
    order = sorted(
        range(len(relaxation.teams)),
        key=lambda c: (-relaxation.team_values[c], -sum(int(scores[i]) for i in relaxation.teams[c])),
    )
    used = [relaxation.teams[c] for c in order if relaxation.team_values[c] > 1e-6]
    plan = take_visits(problem, candidates, used, kept)
    return greedy_plan(problem, candidates, np.arange(len(candidates)), plan)


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
    deadline = started + time_limit * (1 - FINISHING_SHARE) - FINISHING_SECONDS
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

    def stopped() -> bool:
        return should_stop is not None and should_stop()

    def report(objective: int, bound: int | None) -> None:
        if on_progress is not None:
            on_progress(Progress(time.monotonic() - started, objective, bound))

    candidates = build_candidates(problem)
    previous = list(warm_start.visits) if warm_start is not None else []
    pinned = take_visits(
        problem, candidates, [tuple(t) for t in _triples_of_visits(problem, candidates, pins_as_visits(problem))], []
    )
    kept = take_visits(
        problem, candidates, [tuple(t) for t in _triples_of_visits(problem, candidates, previous)], pinned
    )
    plan = greedy_plan(problem, candidates, np.arange(len(candidates)), kept)
    stats: dict[str, Any] = {
        "candidate_triples": len(candidates),
        "first_plan_objective": _objective(problem, candidates, plan),
    }
    report(stats["first_plan_objective"], None)
    structure = Structure(problem, candidates)
    relaxation = None
    if not stopped():
        relaxation = solve_relaxation(
            problem,
            candidates,
            plan,
            max(LP_SHARE * (deadline - time.monotonic()), LP_SECONDS_AT_LEAST),
            structure=structure,
        )
    bound: int | None = None
    if relaxation is not None:
        # The bound is exact up to GLOP's tolerances (about 1e-9 relative); round up through them.
        bound = math.floor(relaxation.bound * (1 + 1e-9) + 1e-6)
        pricing = relaxation.pricing
        rounded = _lp_plan(problem, candidates, relaxation, kept)
        if _objective(problem, candidates, rounded) > _objective(problem, candidates, plan):
            plan = rounded
        stats |= {
            "lp_bound": round(relaxation.bound, 3),
            "lp_converged": relaxation.converged,
            "lp_rounds": relaxation.rounds,
            "lp_columns": len(relaxation.teams),
            "lp_seconds": round(relaxation.seconds, 3),
            "lp_plan_objective": _objective(problem, candidates, rounded),
        }
    else:
        pricing = price(structure, Prices.zero(structure))
    objective = _objective(problem, candidates, plan)
    report(objective, bound)
    keep = set(kept) if previous else None
    always = [*_teams_of_plan(candidates, plan), *_teams_of_plan(candidates, pinned)]
    proved = bound is not None and objective >= bound
    good_enough = None
    if bound is not None and len(problem.requests) > SEARCH_TO_PROOF_REQUESTS:
        good_enough = math.ceil(bound * (1 - GOOD_ENOUGH_GAP))
    size = MODEL_VISITS
    searches = 0
    building = 0.0
    # A model is (re)built only when the time left is well above what building the last one took.
    while not proved and not stopped() and deadline - time.monotonic() > max(0.05, 3 * building):
        if good_enough is not None and objective >= good_enough:
            break
        building_started = time.monotonic()
        gap = math.inf if bound is None else bound - objective
        reduction = keep_visits(structure, pricing, gap, always, size)
        slack = reduction.slack
        exact = slack >= gap
        match = build_model(problem, candidates, reduction.teams, keep)
        building = 2 * (time.monotonic() - building_started)  # the next model is twice as large
        search = _Search(report, match.tie_break, bound, exact, good_enough, should_stop)
        searches += 1
        stats[f"model_{searches}"] = {"visits": len(reduction.teams), "slack": round(slack, 1), "exact": exact}
        plan, model_optimal, model_bound = _search(
            match,
            plan,
            search,
            time_limit=(1 if exact else CUT_MODEL_SHARE) * (deadline - time.monotonic()),
            workers=workers,
            seed=seed,
            should_stop=should_stop,
        )
        objective = _objective(problem, candidates, plan)
        always = [*_teams_of_plan(candidates, plan), *_teams_of_plan(candidates, pinned)]
        if exact and model_bound is not None:
            bound = model_bound if bound is None else min(bound, model_bound)
        proved = (exact and model_optimal) or (bound is not None and objective >= bound)
        if not model_optimal:
            break
        size *= 2
    if not proved and bound is not None and relaxation is not None:
        moves = TeamSearch(problem, candidates, structure, pricing, bound - objective, seed)
        while not stopped() and deadline - time.monotonic() > 0.1:
            if objective >= bound or (good_enough is not None and objective >= good_enough):
                break
            plan = moves.move(plan, min(MOVE_SECONDS, deadline - time.monotonic()), workers)
            improved = _objective(problem, candidates, plan)
            if improved > objective:
                objective = improved
                report(objective, bound)
        proved = objective >= bound
        stats["team_moves"] = {"moves": moves.moves, "improving": moves.improving_moves, "size": moves.size}
    stats["wall_seconds"] = round(time.monotonic() - started, 3)
    result = _result(problem, candidates, plan, "optimal" if proved else "feasible", bound, stats)
    report(result.objective, result.bound)
    return result
