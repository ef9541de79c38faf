"""Benchmark of the matching engine against an LP bound, a greedy and a naive CP-SAT baseline.

    .venv/bin/python benchmarks/solver_bench.py                      # all sizes, seeds 1-3, warm re-run
    .venv/bin/python benchmarks/solver_bench.py --sizes 1000x500 --seeds 1 --no-naive

For every size and seed, one generated problem (solver.generate) is solved by
- `engine`: solver.solve with the size's time limit and 2 workers;
- `greedy`: the engine's greedy first plan alone;
- `naive`: one CP-SAT model over all triples (no reduction, no hint, default parameters);
and bounded by the LP relaxation of the model, solved by HiGHS (benchmarks/lp_bound.py). Each run happens in
a fresh process, so that its peak memory (max RSS) is its own. `warm` re-solves the 1,000 x 500 problem
after one pin and one exclusion, warm-started from the engine's plan, and counts the visits that moved.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.lp_bound import lp_bound
from solver import Forbidden, Pin, Problem, Result, load_problem, solve, validate
from solver.candidates import build_candidates, calendar_day
from solver.generate import generate
from solver.greedy import greedy_plan
from solver.model import build_model

TIME_LIMITS = {"60x40": 1.0, "1000x500": 10.0, "2000x1000": 30.0, "5000x2500": 120.0}
WARM_TIME_LIMIT = 3.0


def _problem(size: str, seed: int) -> Problem:
    volunteers, requests = (int(part) for part in size.split("x"))
    return load_problem(generate(volunteers, requests, seed))


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_engine(problem: Problem, time_limit: float) -> dict[str, Any]:
    started = time.monotonic()
    result = solve(problem, time_limit=time_limit, workers=2, seed=0)
    wall = time.monotonic() - started
    violations = validate(problem, result)
    return {
        "wall": wall,
        "objective": result.objective,
        "bound": result.bound,
        "status": result.status,
        "valid": not violations,
        "result": result,
    }


def run_greedy(problem: Problem, _time_limit: float) -> dict[str, Any]:
    started = time.monotonic()
    candidates = build_candidates(problem)
    plan = greedy_plan(problem, candidates, np.arange(len(candidates)), [])
    visits = {int(candidates.request[i]) for i in plan}
    objective = problem.weights.served * len(visits) + int(candidates.member_score[plan].sum())
    return {"wall": time.monotonic() - started, "objective": objective, "bound": None, "status": "feasible"}


def run_naive(problem: Problem, time_limit: float) -> dict[str, Any]:
    started = time.monotonic()
    candidates = build_candidates(problem, keep_dominated=True)
    match = build_model(problem, candidates, np.arange(len(candidates)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    status = solver.solve(match.model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return {
        "wall": time.monotonic() - started,
        "objective": int(solver.objective_value) if found else None,
        "bound": int(solver.best_objective_bound) if found else None,
        "status": solver.status_name(status).lower(),
    }


def run_lp(problem: Problem, _time_limit: float) -> dict[str, Any]:
    started = time.monotonic()
    bound = lp_bound(problem, build_candidates(problem, keep_dominated=True))
    return {"wall": time.monotonic() - started, "lp": bound}


def pin_and_exclude(problem: Problem, result: Result) -> Problem:
    """The coordinator's edit: pin one planned visit one week later (or as planned if it cannot move), and
    exclude the volunteer of another planned visit from it."""
    by_id = {request.id: request for request in problem.requests}
    volunteers = {volunteer.id: volunteer for volunteer in problem.volunteers}
    singles = [visit for visit in result.visits if len(visit.volunteers) == 1]
    pinned = singles[len(singles) // 3]
    request, member = by_id[pinned.request], volunteers[pinned.volunteers[0]]
    start = pinned.start
    for weeks in (1, -1, 2, -2):
        moved = calendar_day(problem, (pinned.start - problem.horizon.start).days + 7 * weeks)
        last = request.last_day(moved)
        if (
            problem.horizon.contains(moved, last)
            and any(w.contains(moved, last) for w in request.windows)
            and any(w.contains(moved, last) for w in member.availability)
        ):
            start = moved
            break
    excluded = singles[2 * len(singles) // 3]
    return dataclasses.replace(
        problem,
        pinned=(*problem.pinned, Pin(pinned.request, start, pinned.volunteers)),
        forbidden=(*problem.forbidden, Forbidden(excluded.volunteers[0], excluded.request)),
    )


def run_warm(problem: Problem, time_limit: float) -> dict[str, Any]:
    first = solve(problem, time_limit=TIME_LIMITS["1000x500"], workers=2, seed=0)
    edited = pin_and_exclude(problem, first)
    started = time.monotonic()
    result = solve(edited, time_limit=time_limit, workers=2, seed=0, warm_start=first)
    wall = time.monotonic() - started
    before = {(v.request, v.start, frozenset(v.volunteers)) for v in first.visits}
    after = {(v.request, v.start, frozenset(v.volunteers)) for v in result.visits}
    return {
        "wall": wall,
        "objective": result.objective,
        "bound": result.bound,
        "status": result.status,
        "valid": not validate(edited, result),
        "moved": len(before - after) / max(len(before), 1),
        "lp": lp_bound(edited, build_candidates(edited, keep_dominated=True)),
    }


RUNNERS: dict[str, Callable[[Problem, float], dict[str, Any]]] = {
    "engine": run_engine,
    "greedy": run_greedy,
    "naive": run_naive,
    "lp": run_lp,
    "warm": run_warm,
}


def _child(method: str, size: str, seed: int, time_limit: float, queue: Any) -> None:
    problem = _problem(size, seed)
    outcome = RUNNERS[method](problem, time_limit)
    outcome.pop("result", None)
    outcome["peak_mib"] = _peak_mib()
    queue.put(outcome)


def measure(method: str, size: str, seed: int, time_limit: float) -> dict[str, Any]:
    """Run one method in a fresh process (for its own peak memory)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(method, size, seed, time_limit, queue))
    process.start()
    outcome: dict[str, Any] = queue.get()
    process.join()
    return outcome


def _gap(objective: int | None, lp: float) -> str:
    return "-" if objective is None else f"{100 * (lp - objective) / lp:.3f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(TIME_LIMITS))
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--naive-time-limit", type=float, default=30.0)
    parser.add_argument("--naive-max-volunteers", type=int, default=2000)
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--no-warm", action="store_true")
    arguments = parser.parse_args()
    header = f"{'size':>10} {'seed':>4} {'method':>7} {'status':>9} {'wall s':>7} {'objective':>10} "
    header += f"{'bound':>10} {'LP bound':>12} {'gap to LP':>9} {'peak MiB':>8}  notes"
    print(header, flush=True)
    for size in arguments.sizes.split(","):
        for seed in (int(s) for s in arguments.seeds.split(",")):
            limit = TIME_LIMITS.get(size, 10.0)
            lp = measure("lp", size, seed, limit)["lp"]
            methods = ["engine", "greedy"]
            if not arguments.no_naive and int(size.split("x")[0]) <= arguments.naive_max_volunteers:
                methods.append("naive")
            if size == "1000x500" and not arguments.no_warm:
                methods.append("warm")
            for method in methods:
                method_limit = {"naive": arguments.naive_time_limit, "warm": WARM_TIME_LIMIT}.get(method, limit)
                row = measure(method, size, seed, method_limit)
                row_lp = row.get("lp", lp)
                notes = f"limit {method_limit:g} s"
                if "valid" in row:
                    notes += ", valid" if row["valid"] else ", INVALID"
                if "moved" in row:
                    notes += f", {100 * row['moved']:.1f}% of visits moved"
                bound = "-" if row["bound"] is None else str(row["bound"])
                objective = "-" if row["objective"] is None else str(row["objective"])
                print(
                    f"{size:>10} {seed:>4} {method:>7} {row['status']:>9} {row['wall']:>7.2f} {objective:>10} "
                    f"{bound:>10} {row_lp:>12.1f} {_gap(row['objective'], row_lp):>9} {row['peak_mib']:>8.0f}"
                    f"  {notes}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
