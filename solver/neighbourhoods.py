"""Large-neighbourhood search that moves whole teams: free a few related requests, keep the rest of the plan
fixed, and let CP-SAT re-plan the freed requests over all their visits.

A neighbourhood grows from one request through the volunteers who could serve it (the triples whose loss
is within the gap, relaxation.py) to the requests those volunteers travel to or could serve, until it has
`size` requests. Its model holds every visit of those requests within the gap whose members are free of
the fixed visits (trips left, gaps kept), each a whole team on its dates, so a move swaps members between
teams, moves a team to other dates or replaces it, as a coordinator would. Any better plan found is a
better plan of the round: the fixed part is unchanged and every rule is kept by the model.
"""

from __future__ import annotations

import random
import time
from collections import Counter

import numpy as np
from ortools.sat.python import cp_model

from solver.candidates import Candidates
from solver.greedy import Calendar
from solver.model import build_model
from solver.problem import Problem
from solver.reduction import keep_visits
from solver.relaxation import Pricing, Structure

NEIGHBOURHOOD_VISITS = 4_000
"""A neighbourhood's model keeps at most this many visits."""
CANDIDATES_PER_STEP = 6
"""How many of a request's closest volunteers (and of a volunteer's closest requests) a step follows."""


def _closest(keys: np.ndarray, others: np.ndarray, loss: np.ndarray) -> dict[int, list[int]]:
    """For each key, its CANDIDATES_PER_STEP distinct others of smallest loss."""
    order = np.lexsort((loss, others, keys))
    pairs = np.flatnonzero(np.r_[True, (np.diff(keys[order]) != 0) | (np.diff(others[order]) != 0)])
    first = order[pairs]  # each (key, other) pair once, at its smallest loss
    first = first[np.lexsort((loss[first], keys[first]))]
    sorted_keys = keys[first]
    rank = np.arange(len(first)) - np.searchsorted(sorted_keys, sorted_keys)
    closest: dict[int, list[int]] = {}
    for key, other in zip(
        sorted_keys[rank < CANDIDATES_PER_STEP], others[first][rank < CANDIDATES_PER_STEP], strict=True
    ):
        closest.setdefault(int(key), []).append(int(other))
    return closest


class TeamSearch:
    """Repeated neighbourhood moves over one round, each solved by CP-SAT within a short time."""

    def __init__(
        self,
        problem: Problem,
        candidates: Candidates,
        structure: Structure,
        pricing: Pricing,
        slack: float,
        seed: int,
    ) -> None:
        self.problem, self.candidates, self.structure, self.pricing = problem, candidates, structure, pricing
        self.slack = slack
        self.random = random.Random(seed)
        close = np.flatnonzero(pricing.loss <= slack)
        self.volunteers_of = _closest(candidates.request[close], candidates.volunteer[close], pricing.loss[close])
        self.requests_of = _closest(candidates.volunteer[close], candidates.request[close], pricing.loss[close])
        self.seeds = sorted(self.volunteers_of)
        self.size = 30
        self.moves = 0
        self.improving_moves = 0

    def neighbourhood(self, plan_of_volunteer: dict[int, list[int]]) -> set[int]:
        """Requests around a random one, through the volunteers who could serve them."""
        start = self.random.choice(self.seeds)
        chosen, frontier = {start}, [start]
        while frontier and len(chosen) < self.size:
            request = frontier.pop(0)
            for volunteer in self.volunteers_of.get(request, []):
                for other in [*plan_of_volunteer.get(volunteer, []), *self.requests_of.get(volunteer, [])]:
                    if other not in chosen and len(chosen) < self.size:
                        chosen.add(other)
                        frontier.append(other)
        return chosen

    def move(self, plan: list[int], time_limit: float, workers: int) -> list[int]:
        """One move: the plan with one neighbourhood re-planned (the same plan if nothing better was found)."""
        problem, candidates, structure = self.problem, self.candidates, self.structure
        deadline = time.monotonic() + time_limit
        plan_of_volunteer: dict[int, list[int]] = {}
        for i in plan:
            plan_of_volunteer.setdefault(int(candidates.volunteer[i]), []).append(int(candidates.request[i]))
        freed = self.neighbourhood(plan_of_volunteer)
        fixed = [i for i in plan if int(candidates.request[i]) not in freed]
        moving = [i for i in plan if int(candidates.request[i]) in freed]
        calendar = Calendar(problem)
        for i in fixed:
            first_day = int(candidates.start[i])
            last_day = first_day + problem.requests[int(candidates.request[i])].duration_days - 1
            calendar.book(int(candidates.volunteer[i]), first_day, last_day)
        mask = np.zeros(len(problem.requests), dtype=np.bool_)
        mask[list(freed)] = True
        current: dict[int, list[int]] = {}
        for i in moving:
            current.setdefault(int(candidates.request[i]), []).append(int(i))
        current_teams = [tuple(sorted(team)) for team in current.values()]
        reduction = keep_visits(structure, self.pricing, self.slack, current_teams, NEIGHBOURHOOD_VISITS, mask)

        def fits(team: tuple[int, ...]) -> bool:
            first_day = int(candidates.start[team[0]])
            last_day = first_day + problem.requests[int(candidates.request[team[0]])].duration_days - 1
            return all(calendar.is_free(int(candidates.volunteer[i]), first_day, last_day) for i in team)

        teams = [team for team in reduction.teams if fits(team)]
        taken = Counter(int(candidates.volunteer[i]) for i in fixed)
        match = build_model(problem, candidates, teams, trips_taken=dict(taken))
        chosen = set(moving)
        for team, visit in zip(teams, match.visit, strict=True):
            match.model.add_hint(visit, all(i in chosen for i in team))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(deadline - time.monotonic(), 0.01)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = self.random.randrange(1 << 16)
        started = time.monotonic()
        status = solver.solve(match.model)
        self.moves += 1
        # Grow the neighbourhoods while CP-SAT proves them quickly, shrink them when it runs out of time.
        if status == cp_model.OPTIMAL and time.monotonic() - started < time_limit / 3:
            self.size = min(int(self.size * 1.25) + 1, len(problem.requests))
        elif status != cp_model.OPTIMAL:
            self.size = max(int(self.size * 0.8), 8)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return plan
        score = candidates.member_score
        served = problem.weights.served
        before = sum(served + sum(int(score[i]) for i in team) for team in current_teams)
        if solver.objective_value <= before:
            return plan
        self.improving_moves += 1
        values = solver.boolean_values(match.visit)
        return fixed + [i for team, value in zip(teams, values, strict=True) if value for i in team]
