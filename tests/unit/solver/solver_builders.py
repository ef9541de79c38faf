"""Builders for tiny problems where one rule decides the answer, and an independent optimum for small rounds."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

from solver import Problem
from solver.candidates import build_candidates

EXAMPLES = Path("/work/shared/spec/examples")
HORIZON = {"start": "2027-01-04", "end": "2027-12-31"}


def volunteer(id: str = "v1", **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "expertise": {"venous": 3},
        "languages": ["en"],
        "availability": [{"start": "2027-03-01", "end": "2027-03-31"}],
    } | fields


def request(id: str = "r1", **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "host": "h",
        "country": "KE",
        "region": "africa",
        "needs": {"venous": 3},
        "languages": ["en"],
        "duration_days": 7,
        "windows": [{"start": "2027-03-01", "end": "2027-03-31"}],
    } | fields


def problem(volunteers: list[dict[str, Any]], requests: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"format": "giveback-match/1", "horizon": HORIZON, "volunteers": volunteers, "requests": requests} | fields


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data


def optimum_by_triples(problem: Problem) -> int:
    """The proved optimum of a small round from a model of its own, independent of the engine's: one 0-1
    variable per (volunteer, request, start) triple (every one, dominated starts kept) and one per
    (request, start) visit; rule 5 as Σ members = team_size · visit, rule 6 pairwise over every two
    trips of a volunteer that break the gap."""
    candidates = build_candidates(problem, keep_dominated=True)
    model = cp_model.CpModel()
    member = [model.new_bool_var("") for _ in range(len(candidates))]
    visits: dict[tuple[int, int], cp_model.IntVar] = {}
    members_of: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    trips_of: dict[int, list[tuple[int, int, cp_model.IntVar]]] = defaultdict(list)
    gap = problem.rules.min_gap_days
    for i in range(len(candidates)):
        request, start = int(candidates.request[i]), int(candidates.start[i])
        key = (request, start)
        if key not in visits:
            visits[key] = model.new_bool_var("")
        members_of[key].append(member[i])
        last = start + problem.requests[request].duration_days - 1
        trips_of[int(candidates.volunteer[i])].append((start, last, member[i]))
    visits_of_request: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for (request, start), visit in visits.items():
        model.add(sum(members_of[request, start]) == problem.requests[request].team_size * visit)
        visits_of_request[request].append(visit)
    for own in visits_of_request.values():
        model.add(sum(own) <= 1)
    for volunteer, trips in trips_of.items():
        model.add(sum(trip for _, _, trip in trips) <= problem.volunteers[volunteer].max_trips)
        for (first_a, last_a, a), (first_b, last_b, b) in itertools.combinations(trips, 2):
            if not (last_a + gap < first_b or last_b + gap < first_a):
                model.add_bool_or([a.Not(), b.Not()])
    request_index = {r.id: i for i, r in enumerate(problem.requests)}
    volunteer_index = {v.id: i for i, v in enumerate(problem.volunteers)}
    for pin in problem.pinned:
        start = (pin.start - problem.horizon.start).days
        model.add(visits[request_index[pin.request], start] == 1)
        for i in range(len(candidates)):
            if (
                int(candidates.request[i]) == request_index[pin.request]
                and int(candidates.start[i]) == start
                and int(candidates.volunteer[i]) in {volunteer_index[m] for m in pin.volunteers}
            ):
                model.add(member[i] == 1)
    served = problem.weights.served
    model.maximize(
        served * sum(visits.values()) + sum(int(s) * m for s, m in zip(candidates.member_score, member, strict=True))
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return int(solver.objective_value)
