"""A greedy first plan: repeatedly take the highest-scoring visit that still keeps every rule.

Each (request, start) is an option worth `served` plus its best team of free volunteers; options are kept
in a heap and re-priced when volunteers they counted on have been taken (lazy greedy).
"""

from __future__ import annotations

import heapq
from collections import defaultdict

import numpy as np

from solver.candidates import Candidates
from solver.problem import Problem


class Calendar:
    """The trips each volunteer already makes, to test rule 6 for one more."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.trips: dict[int, list[tuple[int, int]]] = defaultdict(list)

    def is_free(self, volunteer: int, first_day: int, last_day: int) -> bool:
        """Whether one more visit on first_day … last_day keeps max_trips and min_gap_days."""
        trips = self.trips[volunteer]
        if len(trips) >= self.problem.volunteers[volunteer].max_trips:
            return False
        gap = self.problem.rules.min_gap_days
        return all(last_day + gap < first or end + gap < first_day for first, end in trips)

    def book(self, volunteer: int, first_day: int, last_day: int) -> None:
        self.trips[volunteer].append((first_day, last_day))


def _best_team(
    problem: Problem, candidates: Candidates, triples: np.ndarray, calendar: Calendar
) -> tuple[int, list[int]]:
    """The best free team for one (request, start) option: its value and its triples."""
    request = problem.requests[int(candidates.request[triples[0]])]
    first_day = int(candidates.start[triples[0]])
    last_day = first_day + request.duration_days - 1
    order = triples[np.argsort(-candidates.member_score[triples], kind="stable")]
    team: list[int] = []
    for i in order:
        if calendar.is_free(int(candidates.volunteer[i]), first_day, last_day):
            team.append(int(i))
            if len(team) == request.team_size:
                value = problem.weights.served + int(candidates.member_score[team].sum())
                return value, team
    return -1, []


def greedy_plan(problem: Problem, candidates: Candidates, triples: np.ndarray, chosen: list[int]) -> list[int]:
    """Extend the chosen triples (pins, or a previous plan) greedily; returns all chosen triples."""
    calendar = Calendar(problem)
    visited: set[int] = set()
    for i in chosen:
        calendar.book(
            int(candidates.volunteer[i]),
            int(candidates.start[i]),
            int(candidates.start[i]) + problem.requests[int(candidates.request[i])].duration_days - 1,
        )
        visited.add(int(candidates.request[i]))
    plan = list(chosen)
    keys = candidates.request[triples] * (1 << 20) + candidates.start[triples]
    order = np.argsort(keys, kind="stable")
    boundaries = np.flatnonzero(np.diff(keys[order])) + 1
    options = [triples[group] for group in np.split(order, boundaries) if len(group)]
    heap: list[tuple[int, int]] = []
    for number, option in enumerate(options):
        if int(candidates.request[option[0]]) in visited:
            continue
        team_size = problem.requests[int(candidates.request[option[0]])].team_size
        if len(option) >= team_size:
            best = np.sort(candidates.member_score[option])[-team_size:]
            heap.append((-(problem.weights.served + int(best.sum())), number))
    heapq.heapify(heap)
    while heap:
        negative_value, number = heapq.heappop(heap)
        option = options[number]
        request = int(candidates.request[option[0]])
        if request in visited:
            continue
        value, team = _best_team(problem, candidates, option, calendar)
        if value < 0:
            continue
        if value < -negative_value:
            heapq.heappush(heap, (-value, number))
            continue
        visited.add(request)
        for i in team:
            calendar.book(
                int(candidates.volunteer[i]),
                int(candidates.start[i]),
                int(candidates.start[i]) + problem.requests[request].duration_days - 1,
            )
        plan.extend(team)
    return plan


def take_visits(problem: Problem, candidates: Candidates, teams: list[tuple[int, ...]], chosen: list[int]) -> list[int]:
    """Extend the chosen triples with the given visits (whole teams), in order, each one that still keeps
    every rule; returns all chosen triples."""
    calendar = Calendar(problem)
    visited: set[int] = set()
    plan = list(chosen)
    for i in chosen:
        request = int(candidates.request[i])
        first_day = int(candidates.start[i])
        calendar.book(int(candidates.volunteer[i]), first_day, first_day + problem.requests[request].duration_days - 1)
        visited.add(request)
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
        plan.extend(team)
    return plan
