"""The LP relaxation over every candidate triple, solved by column generation, and the bound it proves.

The relaxation (rules 5 and 6 with 0 ≤ x ≤ 1): each request is visited at most once (`request` rows), a
volunteer makes at most max_trips visits (`volunteer` rows) and, if several, at most one of its visits
extended by min_gap_days covers any day one of its trips may start (`gap` rows). A one-person request's
triple is worth `served` + its member score; a team visit (r, s) is a column worth `served` whose
team_size members (each worth its member score) go only with it (member ≤ visit, Σ members = team_size ·
visit).

Prices (duals) π ≥ 0 on the request rows, μ ≥ 0 on the volunteer rows and γ ≥ 0 on the gap rows give, for
ANY such prices, a proved upper bound (Lagrangian duality, the team rows kept inside each visit):

    bound(π, μ, γ) = Σ π + Σ μ·max_trips + Σ γ
                   + Σ over one-person triples of max(0, reduced value)
                   + Σ over team visits (r, s) of max(0, served − π_r + the team_size best member values),

where a member's reduced value is its member score − μ_v − the γ of the gap rows it covers (plus served
− π_r for a one-person request). At the LP's optimal prices it equals the LP optimum over all triples.

Column generation keeps a restricted LP over a few triples, solves it with GLOP, prices every triple
with its duals (numpy over all triples) and adds those that would raise it, until the bound meets the
restricted LP's value. The prices then also tell each triple's *loss*: how much any plan that uses it
falls below the bound. A triple whose loss exceeds (bound − best plan) is in no better plan, so the
engine may leave it out of the CP-SAT model without losing the optimum (reduced-cost fixing).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp

from solver.candidates import Candidates, day_number
from solver.problem import Problem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

PRICING_TOLERANCE = 1e-6
"""A column is added when its reduced value exceeds this (points)."""
COLUMNS_PER_ROUND = 4
"""Per request and per volunteer, how many improving columns one pricing round adds at most."""
FIRST_COLUMNS_PER_REQUEST = 3
"""The restricted LP starts with each request's best few triples (or team visits)."""


@dataclass(frozen=True)
class Prices:
    """Duals of the request, volunteer and gap rows (all ≥ 0)."""

    request: FloatArray
    volunteer: FloatArray
    gap: FloatArray
    """gap[k, d]: the price of the row (k-th volunteer with several trips, day d)."""

    @classmethod
    def zero(cls, structure: Structure) -> Prices:
        """No prices: the bound they prove is every visit's value, and no visit loses anything."""
        problem = structure.problem
        return cls(
            np.zeros(len(problem.requests)), np.zeros(len(problem.volunteers)), np.zeros(structure.row_day.shape)
        )


class Structure:
    """What the relaxation needs of the candidates, as arrays over all triples."""

    def __init__(self, problem: Problem, candidates: Candidates) -> None:
        self.problem = problem
        self.candidates = candidates
        requests, volunteers = problem.requests, problem.volunteers
        self.horizon_days = day_number(problem, problem.horizon.end) + 1
        self.team_size_of_request = np.array([r.team_size for r in requests], dtype=np.int64)
        self.max_trips = np.array([v.max_trips for v in volunteers], dtype=np.int64)
        duration = np.array([r.duration_days for r in requests], dtype=np.int64)
        self.team_size = self.team_size_of_request[candidates.request]
        self.single = self.team_size == 1
        self.served = float(problem.weights.served)
        self.score = candidates.member_score.astype(np.float64)
        # Gap rows: volunteers with several trips, one row per day one of their trips may start.
        multi = np.flatnonzero(self.max_trips > 1)
        self.multi_index = np.full(len(volunteers), -1, dtype=np.int64)
        self.multi_index[multi] = np.arange(len(multi))
        self.multi = self.multi_index[candidates.volunteer]
        self.reach = np.minimum(
            candidates.start + duration[candidates.request] - 1 + problem.rules.min_gap_days, self.horizon_days - 1
        )
        self.row_day = np.zeros((len(multi), self.horizon_days), dtype=np.bool_)
        has_gap = self.multi >= 0
        self.row_day[self.multi[has_gap], candidates.start[has_gap]] = True
        # Team visits: the triples of each (request, start) of a team request, grouped.
        team = np.flatnonzero(~self.single)
        key = candidates.request[team] * (1 << 20) + candidates.start[team]
        self.visit_keys, self.visit_of_team_triple = np.unique(key, return_inverse=True)
        self.team_triples = team
        self.visit_request = (self.visit_keys >> 20).astype(np.int64)
        self.visit_start = (self.visit_keys & ((1 << 20) - 1)).astype(np.int64)
        self.visit_team_size = self.team_size_of_request[self.visit_request]
        self.visit_of = np.full(len(candidates), -1, dtype=np.int64)
        self.visit_of[team] = self.visit_of_team_triple

    def gap_rows(self, triple: int) -> list[int]:
        """The days of the gap rows the triple's extended visit covers."""
        k = int(self.multi[triple])
        if k < 0:
            return []
        first, last = int(self.candidates.start[triple]), int(self.reach[triple])
        return [first + int(d) for d in np.flatnonzero(self.row_day[k, first : last + 1])]

    def member_values(self, prices: Prices) -> FloatArray:
        """Every triple's member score less the prices of its volunteer row and the gap rows it covers."""
        values = self.score - prices.volunteer[self.candidates.volunteer]
        has_gap = self.multi >= 0
        if has_gap.any():
            cumulative = np.zeros((prices.gap.shape[0], self.horizon_days + 1))
            np.cumsum(prices.gap, axis=1, out=cumulative[:, 1:])
            k = self.multi[has_gap]
            covered = cumulative[k, self.reach[has_gap] + 1] - cumulative[k, self.candidates.start[has_gap]]
            values[has_gap] -= covered
        return values


@dataclass
class Pricing:
    """A pricing of every triple: the bound these prices prove and each triple's loss."""

    bound: float
    loss: FloatArray
    """How far below `bound` any plan using the triple stays (0 for triples the prices favour)."""
    improving: FloatArray
    """Per triple, the reduced value of the best column holding it (> 0: adding it may raise the LP)."""
    visit_value: FloatArray
    """Per team visit, the reduced value of its best team (−inf for visits without enough members)."""
    member: FloatArray
    """Per triple, its member score less its volunteer's and gap rows' prices."""


def price(structure: Structure, prices: Prices) -> Pricing:
    """The Lagrangian bound of these prices and every triple's loss (see the module docstring)."""
    candidates = structure.candidates
    member = structure.member_values(prices)
    pi = prices.request[candidates.request]
    bound = float(prices.request.sum() + (prices.volunteer * structure.max_trips).sum() + prices.gap.sum())
    loss = np.zeros(len(candidates))
    single = structure.single
    reduced = structure.served + member[single] - pi[single]
    bound += float(np.maximum(reduced, 0).sum())
    loss[single] = np.maximum(-reduced, 0)
    improving = np.zeros(len(candidates))
    improving[single] = reduced
    team = structure.team_triples
    visit_value = np.zeros(len(structure.visit_keys))
    if len(team):
        visit = structure.visit_of_team_triple
        values = member[team]
        order = np.lexsort((-values, visit))
        sorted_visit = visit[order]
        first = np.searchsorted(sorted_visit, np.arange(len(structure.visit_keys)))
        rank = np.arange(len(order)) - first[sorted_visit]
        k = structure.visit_team_size
        counts = np.bincount(visit, minlength=len(k))
        sorted_values = values[order]
        top = np.bincount(sorted_visit, weights=np.where(rank < k[sorted_visit], sorted_values, 0), minlength=len(k))
        complete = counts >= k
        visit_value = structure.served - prices.request[structure.visit_request] + top
        visit_value = np.where(complete, visit_value, -np.inf)
        bound += float(np.maximum(visit_value[complete], 0).sum())
        # The best team containing a member: the top team, or (for a member outside it) the top team with
        # its weakest member replaced by this one.
        kth = np.full(len(k), np.inf)
        last_of_top = rank == k[sorted_visit] - 1
        kth[sorted_visit[last_of_top]] = sorted_values[last_of_top]
        in_top = np.zeros(len(team), dtype=np.bool_)
        in_top[order] = rank < k[sorted_visit]
        best_with = np.where(in_top, visit_value[visit], visit_value[visit] - kth[visit] + values)
        loss_team = np.maximum(visit_value[visit], 0) - best_with
        loss[team] = np.where(complete[visit], np.maximum(loss_team, 0), np.inf)
        improving[team] = np.where(complete[visit], best_with, -np.inf)
    return Pricing(bound=bound, loss=loss, improving=improving, visit_value=visit_value, member=member)


@dataclass
class Relaxation:
    """The outcome of column generation."""

    bound: float
    """A proved upper bound on every plan's objective (at convergence, the LP optimum over all triples)."""
    lp_value: float
    """The restricted LP's optimum (equal to `bound` up to the tolerance at convergence)."""
    pricing: Pricing
    """The pricing of every triple at the prices that proved `bound`."""
    teams: list[tuple[int, ...]]
    """The restricted LP's columns: the triples of one visit (one, or a whole team)."""
    team_values: FloatArray
    """Each column's value in the restricted LP's optimum."""
    converged: bool
    rounds: int
    seconds: float


class _RestrictedLp:
    """The restricted LP, grown column by column: a column is one visit, its whole team on its dates."""

    def __init__(self, structure: Structure, solver_id: str) -> None:
        self.structure = structure
        self.lp = pywraplp.Solver.CreateSolver(solver_id)
        self.lp.Objective().SetMaximization()
        # Columns come in rounds; without presolve GLOP starts each round from the last basis.
        self.lp.SetSolverSpecificParametersAsString("use_preprocessing: false")
        problem = structure.problem
        infinity = self.lp.infinity()
        self.request_rows = [self.lp.RowConstraint(-infinity, 1.0, "") for _ in problem.requests]
        self.volunteer_rows = [self.lp.RowConstraint(-infinity, float(v.max_trips), "") for v in problem.volunteers]
        # Every gap row exists from the start: GLOP keeps its basis from one round to the next only while
        # no row is added.
        multi = np.flatnonzero(structure.multi_index >= 0)
        self.gap_rows: dict[tuple[int, int], pywraplp.Constraint] = {
            (int(multi[k]), int(day)): self.lp.RowConstraint(-infinity, 1.0, "")
            for k, day in zip(*np.nonzero(structure.row_day), strict=True)
        }
        self.teams: list[tuple[int, ...]] = []
        self.columns: list[pywraplp.Variable] = []
        self.known: set[tuple[int, ...]] = set()

    def add(self, team: tuple[int, ...]) -> bool:
        """Add the visit of these triples (same request and start), unless it is modelled already."""
        if team in self.known:
            return False
        s, c = self.structure, self.structure.candidates
        column = self.lp.NumVar(0.0, 1.0, "")
        self.lp.Objective().SetCoefficient(column, s.served + float(s.score[list(team)].sum()))
        self.request_rows[int(c.request[team[0]])].SetCoefficient(column, 1.0)
        for triple in team:
            volunteer = int(c.volunteer[triple])
            self.volunteer_rows[volunteer].SetCoefficient(column, 1.0)
            for day in s.gap_rows(triple):
                self.gap_rows[volunteer, day].SetCoefficient(column, 1.0)
        self.known.add(team)
        self.teams.append(team)
        self.columns.append(column)
        return True

    def solve(self, time_limit: float) -> bool:
        self.lp.SetTimeLimit(max(int(time_limit * 1000), 1))
        return bool(self.lp.Solve() == pywraplp.Solver.OPTIMAL)

    def prices(self) -> Prices:
        s = self.structure
        request = np.array([max(row.dual_value(), 0.0) for row in self.request_rows])
        volunteer = np.array([max(row.dual_value(), 0.0) for row in self.volunteer_rows])
        gap = np.zeros(s.row_day.shape)
        for (v, day), row in self.gap_rows.items():
            gap[s.multi_index[v], day] = max(row.dual_value(), 0.0)
        return Prices(request, volunteer, gap)

    def values(self) -> FloatArray:
        return np.array([column.solution_value() for column in self.columns])


def _best_per_group(groups: IntArray, value: FloatArray, candidates: IntArray, per_group: int) -> IntArray:
    """Of the candidate indices, the `per_group` with the highest value in each group."""
    if not len(candidates):
        return candidates
    order = candidates[np.lexsort((-value[candidates], groups[candidates]))]
    sorted_groups = groups[order]
    first = np.searchsorted(sorted_groups, sorted_groups, side="left")
    return order[np.arange(len(order)) - first < per_group]


def best_teams(structure: Structure, member: FloatArray, visits: IntArray) -> list[tuple[int, ...]]:
    """For each team visit, its team_size members of highest value."""
    team = structure.team_triples
    chosen = team[np.isin(structure.visit_of_team_triple, visits)]
    order = chosen[np.lexsort((-member[chosen], structure.visit_of[chosen]))]
    teams: list[tuple[int, ...]] = []
    for group in np.split(order, np.flatnonzero(np.diff(structure.visit_of[order])) + 1):
        if len(group):
            size = int(structure.visit_team_size[structure.visit_of[group[0]]])
            if len(group) >= size:
                teams.append(tuple(sorted(int(i) for i in group[:size])))
    return teams


def _improving_columns(structure: Structure, pricing: Pricing, per_round: int) -> list[tuple[int, ...]]:
    """The best few improving one-person triples per request and per volunteer, and the best team of the
    best few improving team visits per request."""
    candidates = structure.candidates
    single = np.flatnonzero(structure.single & (pricing.improving > PRICING_TOLERANCE))
    single = _best_per_group(candidates.request, pricing.improving, single, per_round)
    single = _best_per_group(candidates.volunteer, pricing.improving, single, per_round)
    visits = np.flatnonzero(pricing.visit_value > PRICING_TOLERANCE)
    visits = _best_per_group(structure.visit_request, pricing.visit_value, visits, per_round)
    return [(int(i),) for i in single] + best_teams(structure, pricing.member, visits)


def _plan_teams(structure: Structure, plan: list[int]) -> list[tuple[int, ...]]:
    by_request: dict[int, list[int]] = {}
    for i in plan:
        by_request.setdefault(int(structure.candidates.request[i]), []).append(int(i))
    return [tuple(sorted(team)) for team in by_request.values()]


def solve_relaxation(
    problem: Problem,
    candidates: Candidates,
    first_plan: list[int],
    time_limit: float,
    *,
    structure: Structure | None = None,
    solver_id: str = "GLOP",
) -> Relaxation | None:
    """Column generation until the bound meets the restricted LP (or time runs out: then the best bound
    proved so far). None when not even the first restricted LP is solved in time."""
    started = time.monotonic()
    structure = structure or Structure(problem, candidates)
    lp = _RestrictedLp(structure, solver_id)
    zero = Prices.zero(structure)
    for team in [
        *_improving_columns(structure, price(structure, zero), FIRST_COLUMNS_PER_REQUEST),
        *_plan_teams(structure, first_plan),
    ]:
        lp.add(team)
    best: Relaxation | None = None
    rounds = 0
    while True:
        rounds += 1
        ok = lp.solve(time_limit - (time.monotonic() - started))
        if not ok:
            break
        lp_value = lp.lp.Objective().Value()
        pricing = price(structure, lp.prices())
        converged = pricing.bound - lp_value <= max(PRICING_TOLERANCE * abs(lp_value), 1e-3)
        if best is None or pricing.bound < best.bound:
            best = Relaxation(
                bound=pricing.bound,
                lp_value=lp_value,
                pricing=pricing,
                teams=list(lp.teams),
                team_values=lp.values(),
                converged=converged,
                rounds=rounds,
                seconds=time.monotonic() - started,
            )
        if converged or time.monotonic() - started > time_limit:
            break
        added = [team for team in _improving_columns(structure, pricing, COLUMNS_PER_ROUND) if lp.add(team)]
        if not added:
            break
    if best is not None:
        best.rounds, best.seconds = rounds, time.monotonic() - started
    return best
