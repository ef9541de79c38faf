"""The CP-SAT model of a match round over whole visits, one function per hard rule of matching.md.

A variable `visit[c]` says that the c-th modelled visit takes place: a request, a start day and its whole
team (one volunteer, or team_size of them), so rule 5's "exactly team_size volunteers on the same dates"
holds by construction and CP-SAT moves whole teams at a time. Rules 1-4 need no constraint either: the
candidate filter only creates triples that keep them (candidates.py). A model may cover some of the
visits only (reduction.py); the rules hold for any subset.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from solver.candidates import Candidates, day_number
from solver.problem import Problem


class MatchModel:
    """CP-SAT variables and constraints over a set of visits (each a tuple of candidate triples)."""

    def __init__(
        self,
        problem: Problem,
        candidates: Candidates,
        teams: list[tuple[int, ...]],
        trips_taken: dict[int, int] | None = None,
    ) -> None:
        self.problem = problem
        self.trips_taken = trips_taken or {}
        """Trips volunteers already make outside the model (a neighbourhood's fixed part)."""
        self.candidates = candidates
        self.teams = teams
        self.model = cp_model.CpModel()
        self.visit = [self.model.new_bool_var(f"visit_{c}") for c in range(len(teams))]
        self.tie_break = 1

    def add_rule_5_one_visit_per_request(self) -> None:
        """A request is visited at most once (the team of a visit has team_size members by construction)."""
        visits_of: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for team, visit in zip(self.teams, self.visit, strict=True):
            visits_of[int(self.candidates.request[team[0]])].append(visit)
        for visits in visits_of.values():
            if len(visits) > 1:
                self.model.add_at_most_one(visits)

    def add_rule_6_trips_and_gaps(self) -> None:
        """A volunteer makes at most max_trips visits, with min_gap_days free days between two of them.

        Two visits keep the gap exactly when their days extended by min_gap_days do not overlap, so for each
        day a trip may start, at most one of the volunteer's extended visits may cover it.
        """
        candidates, gap = self.candidates, self.problem.rules.min_gap_days
        trips_of: dict[int, list[tuple[int, int, cp_model.IntVar]]] = defaultdict(list)
        for team, visit in zip(self.teams, self.visit, strict=True):
            request = self.problem.requests[int(candidates.request[team[0]])]
            first_day = int(candidates.start[team[0]])
            reach = first_day + request.duration_days - 1 + gap
            for triple in team:
                trips_of[int(candidates.volunteer[triple])].append((first_day, reach, visit))
        for volunteer, trips in trips_of.items():
            max_trips = self.problem.volunteers[volunteer].max_trips - self.trips_taken.get(volunteer, 0)
            if len(trips) == 1:
                continue
            if max_trips <= 1:
                self.model.add_at_most_one(visit for _, _, visit in trips)
                continue
            if len(trips) > max_trips:
                self.model.add(cp_model.LinearExpr.sum([visit for _, _, visit in trips]) <= max_trips)
            # The gap holds however many trips are left.
            trips.sort(key=lambda trip: trip[0])
            previous: set[int] = set()
            for day in sorted({first_day for first_day, _, _ in trips}):
                covering = {k for k, (first_day, reach, _) in enumerate(trips) if first_day <= day <= reach}
                if len(covering) > 1 and not covering <= previous:
                    self.model.add_at_most_one(trips[k][2] for k in sorted(covering))
                previous = covering

    def add_rule_7_pins(self) -> None:
        """Every pinned visit appears exactly as pinned (the engine always models the pinned visits)."""
        problem, candidates = self.problem, self.candidates
        request_index = {r.id: i for i, r in enumerate(problem.requests)}
        volunteer_index = {v.id: i for i, v in enumerate(problem.volunteers)}
        pinned = {
            (
                request_index[pin.request],
                day_number(problem, pin.start),
                frozenset(volunteer_index[m] for m in pin.volunteers),
            )
            for pin in problem.pinned
        }
        for team, visit in zip(self.teams, self.visit, strict=True):
            key = (
                int(candidates.request[team[0]]),
                int(candidates.start[team[0]]),
                frozenset(int(candidates.volunteer[i]) for i in team),
            )
            if key in pinned:
                self.model.add(visit == 1)

    def maximise_score(self, keep: set[int] | None = None) -> None:
        """served for every visit plus the member score of every volunteer on one.

        With `keep` (triples of a previous plan), ties are broken towards keeping most of them: the score
        is multiplied by `self.tie_break`, which exceeds the number of triples kept.
        """
        served, scores = self.problem.weights.served, self.candidates.member_score
        self.tie_break = len(keep) + 1 if keep else 1
        coefficients = [
            (served + sum(int(scores[i]) for i in team)) * self.tie_break
            + (sum(1 for i in team if i in keep) if keep else 0)
            for team in self.teams
        ]
        self.model.maximize(cp_model.LinearExpr.weighted_sum(self.visit, coefficients))


def build_model(
    problem: Problem,
    candidates: Candidates,
    teams: list[tuple[int, ...]],
    keep: set[int] | None = None,
    trips_taken: dict[int, int] | None = None,
) -> MatchModel:
    """The whole model: rules 5, 6 and 7 over the given visits, maximising the score (with `trips_taken`,
    the visits are a neighbourhood's, each compatible with the fixed rest of the plan)."""
    match = MatchModel(problem, candidates, teams, trips_taken)
    match.add_rule_5_one_visit_per_request()
    match.add_rule_6_trips_and_gaps()
    match.add_rule_7_pins()
    match.maximise_score(keep)
    return match
