"""The CP-SAT model of a match round, one function per hard rule of matching.md.

Variables: `member[p]` — the volunteer of the p-th modelled candidate triple goes on a visit of its request
starting on its start day; `visit[r, s]` — request r is visited starting on day s. Rules 1-4 need no
constraint: the candidate filter only creates triples that keep them (see candidates.py). A model may cover
a subset of the candidate triples (see engine.model_triples); the rules hold for any subset.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from ortools.sat.python import cp_model

from solver.candidates import Candidates, day_number
from solver.problem import Problem


class MatchModel:
    """CP-SAT variables and constraints over a set of candidate triples."""

    def __init__(self, problem: Problem, candidates: Candidates, triples: np.ndarray) -> None:
        self.problem = problem
        self.candidates = candidates
        self.triples = triples
        self.model = cp_model.CpModel()
        self.member = [self.model.new_bool_var(f"member_{i}") for i in triples]
        self.visit: dict[tuple[int, int], cp_model.IntVar] = {}
        self.triples_of_visit: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.tie_break = 1
        for position, i in enumerate(triples):
            key = (int(candidates.request[i]), int(candidates.start[i]))
            self.triples_of_visit[key].append(position)
        for request, start in self.triples_of_visit:
            self.visit[request, start] = self.model.new_bool_var(f"visit_{request}_{start}")

    def add_rule_5_one_visit_per_request(self) -> None:
        """A request is visited at most once, by exactly team_size distinct volunteers on the same dates."""
        starts_of: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for (request, start), positions in self.triples_of_visit.items():
            team_size = self.problem.requests[request].team_size
            visit = self.visit[request, start]
            self.model.add(cp_model.LinearExpr.sum([self.member[p] for p in positions]) == team_size * visit)
            starts_of[request].append(visit)
        for visits in starts_of.values():
            self.model.add_at_most_one(visits)

    def add_rule_5_members_only_on_visits(self) -> None:
        """A volunteer travels only with a visit that takes place (implied by rule 5, but it tightens the
        relaxation of teams: no half team earning a full member's score)."""
        for (request, start), positions in self.triples_of_visit.items():
            if self.problem.requests[request].team_size > 1:
                for position in positions:
                    self.model.add_implication(self.member[position], self.visit[request, start])

    def add_rule_6_trips_and_gaps(self) -> None:
        """A volunteer makes at most max_trips visits, with min_gap_days free days between two of them.

        Two visits keep the gap exactly when their days extended by min_gap_days do not overlap, so for each
        day a trip may start, at most one of the volunteer's extended visits may cover it.
        """
        candidates, gap = self.candidates, self.problem.rules.min_gap_days
        positions_of: dict[int, list[int]] = defaultdict(list)
        for position, i in enumerate(self.triples):
            positions_of[int(candidates.volunteer[i])].append(position)
        for volunteer, positions in positions_of.items():
            max_trips = self.problem.volunteers[volunteer].max_trips
            trips = [self.member[p] for p in positions]
            if max_trips == 1 or len(positions) == 1:
                self.model.add_at_most_one(trips)
                continue
            self.model.add(cp_model.LinearExpr.sum(trips) <= max_trips)
            first = [int(candidates.start[self.triples[p]]) for p in positions]
            reach = [
                first_day + self.problem.requests[int(candidates.request[self.triples[p]])].duration_days - 1 + gap
                for p, first_day in zip(positions, first, strict=True)
            ]
            for day in sorted(set(first)):
                covering = [trips[k] for k in range(len(positions)) if first[k] <= day <= reach[k]]
                if len(covering) > 1:
                    self.model.add_at_most_one(covering)

    def add_rule_7_pins(self) -> None:
        """Every pinned visit appears exactly as pinned."""
        problem, candidates = self.problem, self.candidates
        request_index = {r.id: i for i, r in enumerate(problem.requests)}
        volunteer_index = {v.id: i for i, v in enumerate(problem.volunteers)}
        for pin in problem.pinned:
            key = (request_index[pin.request], day_number(problem, pin.start))
            if key not in self.visit:
                continue
            self.model.add(self.visit[key] == 1)
            pinned_members = {volunteer_index[member] for member in pin.volunteers}
            for position in self.triples_of_visit[key]:
                if int(candidates.volunteer[self.triples[position]]) in pinned_members:
                    self.model.add(self.member[position] == 1)

    def maximise_score(self, keep: set[int] | None = None) -> None:
        """served for every visit plus the member score of every volunteer on one.

        With `keep` (triples of a previous plan), ties are broken towards keeping most of them: the score
        is multiplied by `self.tie_break`, which exceeds the number of triples kept.
        """
        served = self.problem.weights.served
        scores = self.candidates.member_score[self.triples]
        self.tie_break = len(keep) + 1 if keep else 1
        visits = list(self.visit.values())
        coefficients = [served * self.tie_break] * len(visits) + [
            int(score) * self.tie_break + (1 if keep and int(i) in keep else 0)
            for score, i in zip(scores, self.triples, strict=True)
        ]
        self.model.maximize(cp_model.LinearExpr.weighted_sum([*visits, *self.member], coefficients))


def build_model(
    problem: Problem, candidates: Candidates, triples: np.ndarray, keep: set[int] | None = None
) -> MatchModel:
    """The whole model: rules 5, 6 and 7 over the given triples, maximising the score."""
    match = MatchModel(problem, candidates, triples)
    match.add_rule_5_one_visit_per_request()
    match.add_rule_5_members_only_on_visits()
    match.add_rule_6_trips_and_gaps()
    match.add_rule_7_pins()
    match.maximise_score(keep)
    return match
