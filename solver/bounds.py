"""A proved upper bound on the best objective, and a first assignment, from a flow relaxation of the round.

Relaxing rule 6's gaps and the same-dates part of rule 5 leaves an assignment problem: every volunteer
gives at most max_trips members, every request takes at most team_size, and a volunteer on a request earns
its best member score there plus its share of `served` (rounded up). Any plan is such an assignment, so the
best assignment — a min-cost flow — bounds every plan from above, and its volunteer-request pairs are
a good start for a plan (engine.first_plan repairs what the relaxation ignored).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from solver.candidates import Candidates
from solver.problem import Problem


@dataclass(frozen=True)
class FlowRelaxation:
    bound: int
    """The value of the best assignment: no plan scores more."""
    triples: np.ndarray
    """Every candidate triple of a (volunteer, request) pair the best assignment uses."""


def flow_relaxation(problem: Problem, candidates: Candidates) -> FlowRelaxation:
    """The best assignment of volunteers to requests, relaxing gaps and same-date teams."""
    volunteers, requests = len(problem.volunteers), len(problem.requests)
    if not len(candidates):
        return FlowRelaxation(0, np.zeros(0, dtype=np.int64))
    pair = candidates.volunteer * requests + candidates.request
    order = np.lexsort((-candidates.member_score, pair))
    first_of_pair = np.flatnonzero(np.r_[True, np.diff(pair[order]) != 0])
    best = order[first_of_pair]
    team_size = np.array([r.team_size for r in problem.requests], dtype=np.int64)
    served_share = -(-problem.weights.served // team_size)
    value = candidates.member_score[best] + served_share[candidates.request[best]]

    source, sink = volunteers + requests, volunteers + requests + 1
    max_trips = np.array([v.max_trips for v in problem.volunteers], dtype=np.int64)
    supply = int(max_trips.sum())
    tails = np.concatenate(
        [
            np.full(volunteers, source),
            candidates.volunteer[best],
            volunteers + np.arange(requests),
            [source],
        ]
    ).astype(np.int64)
    heads = np.concatenate(
        [
            np.arange(volunteers),
            volunteers + candidates.request[best],
            np.full(requests, sink),
            [sink],
        ]
    ).astype(np.int64)
    capacities = np.concatenate([max_trips, np.ones(len(best), np.int64), team_size, [supply]]).astype(np.int64)
    costs = np.concatenate([np.zeros(volunteers, np.int64), -value, np.zeros(requests, np.int64), [0]]).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("the flow relaxation has no optimum")
    pair_arcs = volunteers + np.arange(len(best))
    used_pairs = pair[best][flow.flows(pair_arcs) > 0]
    return FlowRelaxation(int(-flow.optimal_cost()), np.flatnonzero(np.isin(pair, used_pairs)))
