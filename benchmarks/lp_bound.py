"""The LP relaxation of the match model, solved with HiGHS: an independent upper bound for the benchmark.

Columns: one per candidate triple (volunteer on request r starting s) and one per (r, s) visit, in [0, 1].
Rows: rule 5 (team_size members per visit, one visit per request), rule 6 (max_trips per volunteer and,
for every day a trip may start, at most one of the volunteer's visits extended by min_gap_days covering it).
"""

from __future__ import annotations

import math

import highspy
import numpy as np
import numpy.typing as npt

from solver.candidates import Candidates
from solver.problem import Problem

IntArray = npt.NDArray[np.int64]


def _match_lp(problem: Problem, candidates: Candidates) -> highspy.HighsLp:
    """The relaxation as a HiGHS model (columns: the triples, then the visits)."""
    triples = len(candidates)
    requests = len(problem.requests)
    duration = np.array([r.duration_days for r in problem.requests], dtype=np.int64)
    team_size = np.array([r.team_size for r in problem.requests], dtype=np.int64)
    visit_key = candidates.request * (1 << 20) + candidates.start
    visit_keys, visit_of_triple = np.unique(visit_key, return_inverse=True)
    visits = len(visit_keys)
    visit_request = visit_keys >> 20
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[npt.NDArray[np.float64]] = []
    lower: list[float] = []
    upper: list[float] = []
    row = 0

    def add_rows(row_ids: IntArray, col_ids: IntArray, coefficients: npt.NDArray[np.float64]) -> None:
        rows.append(row_ids)
        cols.append(col_ids)
        vals.append(coefficients)

    # Rule 5: Σ members of (r, s) - team_size · visit(r, s) = 0.
    add_rows(row + visit_of_triple, np.arange(triples), np.ones(triples))
    add_rows(row + np.arange(visits), triples + np.arange(visits), -team_size[visit_request].astype(np.float64))
    lower += [0.0] * visits
    upper += [0.0] * visits
    row += visits
    # Rule 5, strengthened: a member goes only on a visit that happens (member ≤ visit; teams only).
    in_team = np.flatnonzero(team_size[candidates.request] > 1)
    add_rows(row + np.arange(len(in_team)), in_team, np.ones(len(in_team)))
    add_rows(row + np.arange(len(in_team)), triples + visit_of_triple[in_team], -np.ones(len(in_team)))
    lower += [-highspy.kHighsInf] * len(in_team)
    upper += [0.0] * len(in_team)
    row += len(in_team)
    # Rule 5: at most one visit per request.
    add_rows(row + visit_request, triples + np.arange(visits), np.ones(visits))
    lower += [-highspy.kHighsInf] * requests
    upper += [1.0] * requests
    row += requests
    # Rule 6: at most max_trips visits per volunteer.
    volunteers = len(problem.volunteers)
    add_rows(row + candidates.volunteer, np.arange(triples), np.ones(triples))
    lower += [-highspy.kHighsInf] * volunteers
    upper += [float(v.max_trips) for v in problem.volunteers]
    row += volunteers
    # Rule 6: gaps, for volunteers with more than one trip.
    max_trips = np.array([v.max_trips for v in problem.volunteers], dtype=np.int64)
    multi = np.flatnonzero(max_trips[candidates.volunteer] > 1)
    reach = candidates.start + duration[candidates.request] - 1 + problem.rules.min_gap_days
    order = multi[np.lexsort((candidates.start[multi], candidates.volunteer[multi]))]
    by_volunteer = np.split(order, np.flatnonzero(np.diff(candidates.volunteer[order])) + 1)
    for own in by_volunteer:
        if len(own) < 2:
            continue
        days = np.unique(candidates.start[own])
        covers = (candidates.start[own][None, :] <= days[:, None]) & (days[:, None] <= reach[own][None, :])
        day_rows, members = np.nonzero(covers)
        add_rows(row + day_rows, own[members], np.ones(len(members)))
        lower += [-highspy.kHighsInf] * len(days)
        upper += [1.0] * len(days)
        row += len(days)

    all_rows = np.concatenate(rows)
    all_cols = np.concatenate(cols)
    all_vals = np.concatenate(vals)
    order = np.lexsort((all_rows, all_cols))
    column_starts = np.searchsorted(all_cols[order], np.arange(triples + visits + 1))
    lp = highspy.HighsLp()
    lp.num_col_ = triples + visits
    lp.num_row_ = row
    lp.col_cost_ = np.concatenate([candidates.member_score, np.full(visits, problem.weights.served)]).astype(float)
    lp.col_lower_ = np.zeros(triples + visits)
    lp.col_upper_ = np.ones(triples + visits)
    lp.row_lower_ = np.array(lower)
    lp.row_upper_ = np.array(upper)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = column_starts.astype(np.int32)
    lp.a_matrix_.index_ = all_rows[order].astype(np.int32)
    lp.a_matrix_.value_ = all_vals[order]
    return lp


def lp_bound(problem: Problem, candidates: Candidates, time_limit: float = 600.0) -> float:
    """The optimum of the LP relaxation (an upper bound on every plan's objective)."""
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", time_limit)
    solver.passModel(_match_lp(problem, candidates))
    solver.run()
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"LP not solved: {solver.modelStatusToString(solver.getModelStatus())}")
    return float(solver.getInfo().objective_function_value)


def mip_optimum(problem: Problem, candidates: Candidates, time_limit: float) -> tuple[int | None, int | None]:
    """HiGHS's MIP on the same model with 0-1 columns: the best objective found and the proved bound."""
    lp = _match_lp(problem, candidates)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * lp.num_col_
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", time_limit)
    solver.setOptionValue("mip_rel_gap", 0.0)
    solver.setOptionValue("threads", 2)
    solver.passModel(lp)
    solver.run()
    info = solver.getInfo()
    if info.primal_solution_status == 0:
        return None, None
    return round(info.objective_function_value), math.floor(info.mip_dual_bound + 1e-6)
